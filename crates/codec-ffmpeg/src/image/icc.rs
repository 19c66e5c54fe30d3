//! Embedded ICC profiles (as FFmpeg exports them: JPEG `APP2`, PNG `iCCP`, WebP `ICCP`) applied
//! for `colorSpaceConversion: "default"`. Only RGB matrix/TRC ("matrix-shaper") profiles are
//! read: per-channel curves (`curv`, `para`) to linear, the colorant matrix to the D50 PCS,
//! then sRGB's inverse matrix and transfer. LUT-based, grey and CMYK profiles are ignored.
//! Bounds-checked: a malformed profile is ignored, never an error.

/// sRGB's D50-adapted colorants (`rXYZ`, `gXYZ`, `bXYZ` of the ICC sRGB profile), as columns.
const SRGB_D50: [[f64; 3]; 3] = [
    [0.436_07, 0.385_15, 0.143_09],
    [0.222_49, 0.716_87, 0.060_61],
    [0.013_93, 0.097_10, 0.714_19],
];

/// Most entries a `curv` table may have.
const MAX_CURVE: usize = 4096;

/// A matrix/TRC transform from a profile's RGB to sRGB.
#[derive(Debug, Clone)]
pub(crate) struct IccToSrgb {
    /// 8-bit sample → linear, per channel.
    to_linear: [[f32; 256]; 3],
    /// Linear profile RGB → linear sRGB.
    matrix: [[f32; 3]; 3],
}

fn be32(d: &[u8], p: usize) -> Option<u32> {
    d.get(p..p + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be16(d: &[u8], p: usize) -> Option<u16> {
    d.get(p..p + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

fn s15(d: &[u8], p: usize) -> Option<f64> {
    be32(d, p).map(|v| f64::from(v as i32) / 65536.0)
}

/// The body of tag `sig`.
fn tag<'a>(icc: &'a [u8], sig: &[u8; 4]) -> Option<&'a [u8]> {
    let n = be32(icc, 128)? as usize;
    (0..n.min(1024)).find_map(|i| {
        let e = 132 + 12 * i;
        if icc.get(e..e + 4)? != sig {
            return None;
        }
        let off = be32(icc, e + 4)? as usize;
        let len = be32(icc, e + 8)? as usize;
        icc.get(off..off.checked_add(len)?)
    })
}

fn xyz(icc: &[u8], sig: &[u8; 4]) -> Option<[f64; 3]> {
    let t = tag(icc, sig)?;
    if t.get(..4)? != b"XYZ " {
        return None;
    }
    Some([s15(t, 8)?, s15(t, 12)?, s15(t, 16)?])
}

/// A tone curve as an 8-bit → linear table.
fn curve(icc: &[u8], sig: &[u8; 4]) -> Option<[f32; 256]> {
    let t = tag(icc, sig)?;
    let f: Box<dyn Fn(f64) -> f64> = match t.get(..4)? {
        b"curv" => {
            let n = be32(t, 8)? as usize;
            match n {
                0 => Box::new(|x| x),
                1 => {
                    let g = f64::from(be16(t, 12)?) / 256.0;
                    Box::new(move |x| x.powf(g))
                }
                n if n <= MAX_CURVE => {
                    let table: Vec<f64> = (0..n)
                        .map(|i| be16(t, 12 + 2 * i).map(|v| f64::from(v) / 65535.0))
                        .collect::<Option<_>>()?;
                    Box::new(move |x| {
                        let pos = x * (n - 1) as f64;
                        let i = (pos.floor() as usize).min(n - 1);
                        let j = (i + 1).min(n - 1);
                        table[i] + (table[j] - table[i]) * (pos - i as f64)
                    })
                }
                _ => return None,
            }
        }
        b"para" => {
            let kind = be16(t, 8)?;
            let count = [1, 3, 4, 5, 7].get(usize::from(kind)).copied()?;
            let p: Vec<f64> = (0..count)
                .map(|i| s15(t, 12 + 4 * i))
                .collect::<Option<_>>()?;
            let g = p[0];
            match kind {
                0 => Box::new(move |x| x.powf(g)),
                1 => {
                    let (a, b) = (p[1], p[2]);
                    Box::new(move |x| {
                        if x >= -b / a {
                            (a * x + b).powf(g)
                        } else {
                            0.0
                        }
                    })
                }
                2 => {
                    let (a, b, c) = (p[1], p[2], p[3]);
                    Box::new(move |x| {
                        if x >= -b / a {
                            (a * x + b).powf(g) + c
                        } else {
                            c
                        }
                    })
                }
                3 => {
                    let (a, b, c, d) = (p[1], p[2], p[3], p[4]);
                    Box::new(move |x| if x >= d { (a * x + b).powf(g) } else { c * x })
                }
                _ => {
                    let (a, b, c, d, e, f) = (p[1], p[2], p[3], p[4], p[5], p[6]);
                    Box::new(move |x| {
                        if x >= d {
                            (a * x + b).powf(g) + e
                        } else {
                            c * x + f
                        }
                    })
                }
            }
        }
        _ => return None,
    };
    let mut lut = [0f32; 256];
    for (i, v) in lut.iter_mut().enumerate() {
        let y = f(i as f64 / 255.0);
        if !y.is_finite() {
            return None;
        }
        *v = y.clamp(0.0, 1.0) as f32;
    }
    Some(lut)
}

fn invert(m: [[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if det.abs() < 1e-9 {
        return None;
    }
    let c = |r: usize, k: usize| {
        let (r1, r2) = ((r + 1) % 3, (r + 2) % 3);
        let (k1, k2) = ((k + 1) % 3, (k + 2) % 3);
        m[r1][k1] * m[r2][k2] - m[r1][k2] * m[r2][k1]
    };
    let mut inv = [[0.0; 3]; 3];
    for (i, row) in inv.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = c(j, i) / det;
        }
    }
    Some(inv)
}

fn srgb_encode(linear: f32) -> u8 {
    let v = if linear <= 0.003_130_8 {
        12.92 * linear
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    };
    (v * 255.0).round().clamp(0.0, 255.0) as u8
}

impl IccToSrgb {
    /// The transform for an RGB matrix/TRC profile; `None` for anything else or a profile
    /// that is already sRGB (within rounding), which needs no work.
    pub(crate) fn new(icc: &[u8]) -> Option<Self> {
        if icc.get(16..20)? != b"RGB " || icc.get(20..24)? != b"XYZ " {
            return None;
        }
        let cols = [xyz(icc, b"rXYZ")?, xyz(icc, b"gXYZ")?, xyz(icc, b"bXYZ")?];
        let to_linear = [
            curve(icc, b"rTRC")?,
            curve(icc, b"gTRC")?,
            curve(icc, b"bTRC")?,
        ];
        let src: [[f64; 3]; 3] = std::array::from_fn(|r| std::array::from_fn(|c| cols[c][r]));
        let inv = invert(SRGB_D50)?;
        let m: [[f32; 3]; 3] = std::array::from_fn(|r| {
            std::array::from_fn(|c| (0..3).map(|k| inv[r][k] * src[k][c]).sum::<f64>() as f32)
        });
        let t = Self {
            to_linear,
            matrix: m,
        };
        (!t.is_srgb()).then_some(t)
    }

    /// Whether applying the transform would change no 8-bit value (an sRGB profile).
    fn is_srgb(&self) -> bool {
        (0..=255u8).step_by(5).all(|v| {
            (0..3).all(|c| {
                let mut rgb = [0.0; 3];
                rgb[c] = self.to_linear[c][usize::from(v)];
                let out = self.mix(rgb);
                (0..3).all(|k| {
                    let want = if k == c { v } else { 0 };
                    srgb_encode(out[k]).abs_diff(want) <= 1
                })
            })
        })
    }

    fn mix(&self, rgb: [f32; 3]) -> [f32; 3] {
        std::array::from_fn(|r| {
            (self.matrix[r][0] * rgb[0] + self.matrix[r][1] * rgb[1] + self.matrix[r][2] * rgb[2])
                .clamp(0.0, 1.0)
        })
    }

    /// Converts 4-byte pixels (RGBA, RGBX; the fourth byte is kept) in place.
    pub(crate) fn apply_rgba(&self, pixels: &mut [u8]) {
        for px in pixels.chunks_exact_mut(4) {
            let rgb = [
                self.to_linear[0][usize::from(px[0])],
                self.to_linear[1][usize::from(px[1])],
                self.to_linear[2][usize::from(px[2])],
            ];
            let out = self.mix(rgb);
            for (o, v) in px.iter_mut().zip(out) {
                *o = srgb_encode(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_profiles_are_ignored() {
        assert!(IccToSrgb::new(&[]).is_none());
        assert!(IccToSrgb::new(&[0u8; 200]).is_none());
        let mut h = vec![0u8; 132];
        h[16..20].copy_from_slice(b"RGB ");
        h[20..24].copy_from_slice(b"XYZ ");
        h[128..132].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(IccToSrgb::new(&h).is_none());
    }

    #[test]
    fn inverts_a_matrix() {
        let inv = invert(SRGB_D50).unwrap_or([[0.0; 3]; 3]);
        for (r, row) in SRGB_D50.iter().enumerate() {
            for c in 0..3 {
                let v: f64 = row.iter().zip(&inv).map(|(a, b)| a * b[c]).sum();
                assert!((v - if r == c { 1.0 } else { 0.0 }).abs() < 1e-9);
            }
        }
    }
}
