//! YUV → RGB conversion for `VideoFrame.copyTo(dest, { format: "RGBA" | ... })`
//! (<https://w3c.github.io/webcodecs/#videoframe-convert-to-rgb-frame>). Pure arithmetic on
//! [`FrameBuffer`]s: BT.601/BT.709/BT.2020 matrices, limited or full range, 8–12-bit input.

use crate::color::{ColorMatrix, VideoColorSpace};
use crate::error::CodecError;
use crate::frame::{FrameBuffer, Rect};
use crate::pixel::VideoPixelFormat;

/// Converts `rect` of `src` into a tightly packed `rect.width`×`rect.height` RGB frame in
/// `format` (RGBA, RGBX, BGRA or BGRX). `color_space` is the source's (its matrix and range
/// pick the coefficients; unknown members default to BT.709 limited range). Alpha comes from
/// the source's alpha plane or channel when it has one, otherwise 255.
///
/// # Errors
/// `NotSupportedError` if `format` is not an RGB format; `TypeError` for a bad rect.
pub fn convert_to_rgb(
    src: &FrameBuffer,
    rect: Rect,
    format: VideoPixelFormat,
    color_space: &VideoColorSpace,
) -> Result<FrameBuffer, CodecError> {
    if !format.is_rgb() {
        return Err(CodecError::not_supported(format!(
            "cannot convert to {}",
            format.as_str()
        )));
    }
    src.check_rect(rect)?;
    let mut out = FrameBuffer::new_zeroed(format, rect.width, rect.height)?;
    let bgr = matches!(format, VideoPixelFormat::BGRA | VideoPixelFormat::BGRX);
    let sf = src.format();
    let (dst, dst_stride) = out.plane_mut(0);
    if sf.is_rgb() {
        let src_bgr = matches!(sf, VideoPixelFormat::BGRA | VideoPixelFormat::BGRX);
        let opaque = matches!(sf, VideoPixelFormat::RGBX | VideoPixelFormat::BGRX);
        let (p, stride) = src.plane(0);
        for y in 0..rect.height as usize {
            for x in 0..rect.width as usize {
                let s = (rect.y as usize + y) * stride + (rect.x as usize + x) * 4;
                let d = y * dst_stride + x * 4;
                let (r, g, b) = if src_bgr {
                    (p[s + 2], p[s + 1], p[s])
                } else {
                    (p[s], p[s + 1], p[s + 2])
                };
                let a = if opaque { 255 } else { p[s + 3] };
                write(&mut dst[d..d + 4], bgr, r, g, b, a);
            }
        }
        return Ok(out);
    }
    let k = Coefficients::new(color_space);
    let shift = sf.bit_depth() - 8;
    let (cx_sub, cy_sub) = sf.subsampling(1);
    let bpe = sf.bytes_per_element(0) as usize;
    let nv12 = sf == VideoPixelFormat::NV12;
    let has_alpha = sf.plane_count() == 4;
    let (w, rx) = (rect.width as usize, rect.x as usize);
    // Chroma columns covering the rect: from rx / cx_sub to (rx + w - 1) / cx_sub.
    // Subsampling factors are 1 or 2: a shift, not a division, in the inner loop.
    let cx_shift = cx_sub.trailing_zeros() as usize;
    let c0 = rx >> cx_shift;
    debug_assert_eq!(
        c0 << cx_shift,
        rx,
        "check_rect aligns rect.x to the subsampling"
    );
    let cw = ((rx + w - 1) >> cx_shift) - c0 + 1;
    let (mut yr, mut ur, mut vr, mut ar) = (vec![0; w], vec![0; cw], vec![0; cw], vec![255; w]);
    let mut terms = vec![(0, 0, 0); cw];
    for row in 0..rect.height as usize {
        let sy = rect.y as usize + row;
        let cy = sy / cy_sub as usize;
        load_row(src.plane(0), bpe, shift, sy, rx, &mut yr);
        if nv12 {
            let (uv, stride) = src.plane(1);
            let line = &uv[cy * stride + c0 * 2..cy * stride + (c0 + cw) * 2];
            for ((u, v), pair) in ur.iter_mut().zip(vr.iter_mut()).zip(line.chunks_exact(2)) {
                (*u, *v) = (i32::from(pair[0]), i32::from(pair[1]));
            }
        } else {
            load_row(src.plane(1), bpe, shift, cy, c0, &mut ur);
            load_row(src.plane(2), bpe, shift, cy, c0, &mut vr);
        }
        if has_alpha {
            load_row(src.plane(3), bpe, shift, sy, rx, &mut ar);
        }
        // The chroma terms, once per chroma sample (shared by subsampled pixels).
        for (t, (&u, &v)) in terms.iter_mut().zip(ur.iter().zip(&vr)) {
            *t = k.chroma(u, v);
        }
        let out_row = &mut dst[row * dst_stride..row * dst_stride + w * 4];
        // rect.x is a multiple of the subsampling factor, so pixel x uses chroma sample
        // x >> cx_shift of the loaded row.
        if bgr {
            emit_row::<true>(out_row, &yr, &ar, &terms, cx_shift == 1, &k);
        } else {
            emit_row::<false>(out_row, &yr, &ar, &terms, cx_shift == 1, &k);
        }
    }
    Ok(out)
}

/// Writes one row of RGB(A) pixels: `y` and `a` per pixel, the chroma `terms` per pixel or,
/// with `half` (horizontal 2:1 subsampling), per pixel pair. `BGR` picks the byte order at
/// compile time so the inner loops have no per-pixel branch and no index arithmetic.
#[inline(always)]
fn emit_row<const BGR: bool>(
    out: &mut [u8],
    y: &[i32],
    a: &[i32],
    terms: &[(i32, i32, i32)],
    half: bool,
    k: &Coefficients,
) {
    if !half {
        for ((px, (&yv, &av)), &t) in out.chunks_exact_mut(4).zip(y.iter().zip(a)).zip(terms) {
            put::<BGR>(px, k.luma(yv), t, av);
        }
        return;
    }
    // Whole pixel pairs: luma terms and alpha per pixel, chroma terms per pair, 8 bytes out.
    let pairs = out
        .chunks_exact_mut(8)
        .zip(y.chunks_exact(2).zip(a.chunks_exact(2)))
        .zip(terms);
    for ((px, (y2, a2)), &(r, g, b)) in pairs {
        let (l0, l1) = (k.luma(y2[0]), k.luma(y2[1]));
        let v0 = [
            clamp16(l0 + r),
            clamp16(l0 + g),
            clamp16(l0 + b),
            a2[0] as u8,
        ];
        let v1 = [
            clamp16(l1 + r),
            clamp16(l1 + g),
            clamp16(l1 + b),
            a2[1] as u8,
        ];
        let (v0, v1) = if BGR {
            ([v0[2], v0[1], v0[0], v0[3]], [v1[2], v1[1], v1[0], v1[3]])
        } else {
            (v0, v1)
        };
        px.copy_from_slice(&[v0[0], v0[1], v0[2], v0[3], v1[0], v1[1], v1[2], v1[3]]);
    }
    // An odd width leaves one pixel, which has the last chroma sample to itself.
    if y.len() % 2 == 1 {
        let x = y.len() - 1;
        put::<BGR>(&mut out[x * 4..x * 4 + 4], k.luma(y[x]), terms[x / 2], a[x]);
    }
}

/// One pixel from its luma term and chroma terms (16.16 fixed point).
#[inline(always)]
fn put<const BGR: bool>(px: &mut [u8], luma: i32, (r, g, b): (i32, i32, i32), a: i32) {
    let (r, g, b) = (clamp16(luma + r), clamp16(luma + g), clamp16(luma + b));
    let v = if BGR {
        [b, g, r, a as u8]
    } else {
        [r, g, b, a as u8]
    };
    px.copy_from_slice(&v);
}

#[inline]
fn clamp16(v: i32) -> u8 {
    (v >> 16).clamp(0, 255) as u8
}

/// Reads `out.len()` samples of row `y` from column `x0`, reduced to 8 bits.
fn load_row(plane: (&[u8], usize), bpe: usize, shift: u32, y: usize, x0: usize, out: &mut [i32]) {
    let (data, stride) = plane;
    let start = y * stride + x0 * bpe;
    let line = &data[start..start + out.len() * bpe];
    if bpe == 2 {
        for (o, s) in out.iter_mut().zip(line.chunks_exact(2)) {
            *o = i32::from(u16::from_le_bytes([s[0], s[1]]) >> shift);
        }
    } else {
        for (o, &s) in out.iter_mut().zip(line) {
            *o = i32::from(s);
        }
    }
}

/// YCbCr → R'G'B' in 16.16 fixed point for one matrix and range (the float formulas of
/// [`reference_rgb`], multiplied out).
struct Coefficients {
    y_offset: i32,
    y: i32,
    cr_r: i32,
    cb_b: i32,
    cr_g: i32,
    cb_g: i32,
}

const ONE: f64 = 65536.0;

impl Coefficients {
    fn new(cs: &VideoColorSpace) -> Self {
        let (kr, kb) = kr_kb(cs);
        let kg = 1.0 - kr - kb;
        let full = cs.full_range.unwrap_or(false);
        let (ys, cs_) = if full {
            (1.0, 1.0)
        } else {
            (255.0 / 219.0, 255.0 / 224.0)
        };
        let q = |v: f64| (v * ONE).round() as i32;
        Self {
            y_offset: if full { 0 } else { 16 },
            y: q(ys),
            cr_r: q(2.0 * (1.0 - kr) * cs_),
            cb_b: q(2.0 * (1.0 - kb) * cs_),
            cr_g: q(kr * 2.0 * (1.0 - kr) * cs_ / kg),
            cb_g: q(kb * 2.0 * (1.0 - kb) * cs_ / kg),
        }
    }

    /// The luma term (with the rounding constant) of all three channels.
    #[inline]
    fn luma(&self, y: i32) -> i32 {
        (y - self.y_offset) * self.y + (1 << 15)
    }

    /// The chroma terms added to the luma term for R, G and B.
    #[inline]
    fn chroma(&self, cb: i32, cr: i32) -> (i32, i32, i32) {
        let (cb, cr) = (cb - 128, cr - 128);
        (
            self.cr_r * cr,
            -self.cr_g * cr - self.cb_g * cb,
            self.cb_b * cb,
        )
    }

    #[cfg(test)]
    fn rgb(&self, y: i32, cb: i32, cr: i32) -> (u8, u8, u8) {
        let yv = self.luma(y);
        let (r, g, b) = self.chroma(cb, cr);
        let clamp = |v: i32| (v >> 16).clamp(0, 255) as u8;
        (clamp(yv + r), clamp(yv + g), clamp(yv + b))
    }
}

fn kr_kb(cs: &VideoColorSpace) -> (f64, f64) {
    match cs.matrix {
        Some(ColorMatrix::Bt470bg | ColorMatrix::Smpte170m) => (0.299, 0.114),
        Some(ColorMatrix::Bt2020Ncl) => (0.2627, 0.0593),
        _ => (0.2126, 0.0722),
    }
}

/// The defining float formulas for one 8-bit sample triple (the test oracle of the fixed-point
/// path).
#[cfg(test)]
fn reference_rgb(cs: &VideoColorSpace, luma: f64, cb: f64, cr: f64) -> [u8; 3] {
    let (kr, kb) = kr_kb(cs);
    let kg = 1.0 - kr - kb;
    let (yn, pb, pr) = if cs.full_range.unwrap_or(false) {
        (luma / 255.0, (cb - 128.0) / 255.0, (cr - 128.0) / 255.0)
    } else {
        (
            (luma - 16.0) / 219.0,
            (cb - 128.0) / 224.0,
            (cr - 128.0) / 224.0,
        )
    };
    let r = yn + 2.0 * (1.0 - kr) * pr;
    let b = yn + 2.0 * (1.0 - kb) * pb;
    let g = (yn - kr * r - kb * b) / kg;
    let to8 = |v: f64| (v * 255.0).round().clamp(0.0, 255.0) as u8;
    [to8(r), to8(g), to8(b)]
}

fn write(d: &mut [u8], bgr: bool, r: u8, g: u8, b: u8, a: u8) {
    if bgr {
        d.copy_from_slice(&[b, g, r, a]);
    } else {
        d.copy_from_slice(&[r, g, b, a]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i420_solid(w: u32, h: u32, y: u8, u: u8, v: u8) -> FrameBuffer {
        let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::I420, w, h).expect("frame");
        for (p, val) in [(0, y), (1, u), (2, v)] {
            f.plane_mut(p).0.fill(val);
        }
        f
    }

    #[test]
    fn bt709_limited_primaries() {
        // BT.709 limited-range codes for pure red, green, blue and white.
        for ((y, u, v), rgb) in [
            ((63, 102, 240), [255, 0, 0]),
            ((173, 42, 26), [0, 255, 0]),
            ((32, 240, 118), [0, 0, 255]),
            ((235, 128, 128), [255, 255, 255]),
            ((16, 128, 128), [0, 0, 0]),
        ] {
            let f = i420_solid(4, 4, y, u, v);
            let out = convert_to_rgb(
                &f,
                Rect::new(0, 0, 4, 4),
                VideoPixelFormat::RGBA,
                &VideoColorSpace::REC709,
            )
            .expect("convert");
            let px = &out.plane(0).0[0..4];
            for c in 0..3 {
                assert!((i32::from(px[c]) - rgb[c]).abs() <= 3, "{px:?} vs {rgb:?}");
            }
            assert_eq!(px[3], 255);
        }
    }

    #[test]
    fn fixed_point_matches_the_float_formulas() {
        let spaces = [
            VideoColorSpace::REC709,
            VideoColorSpace {
                full_range: Some(true),
                ..VideoColorSpace::REC709
            },
            VideoColorSpace {
                matrix: Some(ColorMatrix::Smpte170m),
                ..VideoColorSpace::REC709
            },
            VideoColorSpace {
                matrix: Some(ColorMatrix::Bt2020Ncl),
                full_range: Some(true),
                ..VideoColorSpace::REC709
            },
        ];
        for cs in &spaces {
            let k = Coefficients::new(cs);
            for y in (0..256).step_by(3) {
                for cb in (0..256).step_by(5) {
                    for cr in (0..256).step_by(7) {
                        let got = k.rgb(y, cb, cr);
                        let want = reference_rgb(cs, f64::from(y), f64::from(cb), f64::from(cr));
                        for (g, w) in [got.0, got.1, got.2].into_iter().zip(want) {
                            assert!(
                                (i32::from(g) - i32::from(w)).abs() <= 1,
                                "{cs:?} {y} {cb} {cr}: {got:?} vs {want:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn rgb_swizzles_and_rejects_non_rgb_targets() {
        let src =
            FrameBuffer::from_bytes(VideoPixelFormat::RGBA, 1, 1, &[1, 2, 3, 4], None).expect("f");
        let out = convert_to_rgb(
            &src,
            Rect::new(0, 0, 1, 1),
            VideoPixelFormat::BGRA,
            &VideoColorSpace::SRGB,
        )
        .expect("convert");
        assert_eq!(out.plane(0).0, &[3, 2, 1, 4]);
        let e = convert_to_rgb(
            &src,
            Rect::new(0, 0, 1, 1),
            VideoPixelFormat::I420,
            &VideoColorSpace::SRGB,
        )
        .expect_err("not rgb");
        assert_eq!(e.name, crate::ErrorName::NotSupportedError);
    }

    /// Every pixel of odd-sized rects at odd offsets, for subsampled and full-chroma formats
    /// and both byte orders, against the float formulas applied to that pixel's own samples.
    #[test]
    fn each_pixel_uses_its_own_samples() {
        use VideoPixelFormat::*;
        let cs = VideoColorSpace::REC709;
        for fmt in [I420, I422, I444, NV12, I420A] {
            let (w, h) = (9, 7);
            let mut src = FrameBuffer::new_zeroed(fmt, w, h).expect("frame");
            for p in 0..fmt.plane_count() {
                for (i, b) in src.plane_mut(p).0.iter_mut().enumerate() {
                    *b = (i * 37 % 223 + 16) as u8;
                }
            }
            let (sx, sy) = fmt.subsampling(1);
            let rect = Rect::new(sx, sy, 7, 5);
            for target in [RGBA, BGRX] {
                let out = convert_to_rgb(&src, rect, target, &cs).expect("convert");
                let (o, o_stride) = out.plane(0);
                for y in 0..rect.height as usize {
                    for x in 0..rect.width as usize {
                        let (px, py) = (rect.x as usize + x, rect.y as usize + y);
                        let (cx, cy) = (px / sx as usize, py / sy as usize);
                        let luma = src.plane(0).0[py * src.plane(0).1 + px];
                        let (cb, cr) = if fmt == NV12 {
                            let (uv, s) = src.plane(1);
                            (uv[cy * s + cx * 2], uv[cy * s + cx * 2 + 1])
                        } else {
                            (
                                src.plane(1).0[cy * src.plane(1).1 + cx],
                                src.plane(2).0[cy * src.plane(2).1 + cx],
                            )
                        };
                        let alpha = if fmt == I420A {
                            src.plane(3).0[py * src.plane(3).1 + px]
                        } else {
                            255
                        };
                        let want =
                            reference_rgb(&cs, f64::from(luma), f64::from(cb), f64::from(cr));
                        let got = &o[y * o_stride + x * 4..y * o_stride + x * 4 + 4];
                        let got_rgb = if target == BGRX {
                            [got[2], got[1], got[0]]
                        } else {
                            [got[0], got[1], got[2]]
                        };
                        for (g, w) in got_rgb.into_iter().zip(want) {
                            assert!(
                                g.abs_diff(w) <= 1,
                                "{fmt:?}->{target:?} ({x},{y}): {got_rgb:?} vs {want:?}"
                            );
                        }
                        assert_eq!(got[3], alpha, "{fmt:?} alpha at ({x},{y})");
                    }
                }
            }
        }
    }
}
