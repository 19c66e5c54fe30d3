//! YUV → RGB conversion for `VideoFrame.copyTo(dest, { format: "RGBA" | ... })`
//! (<https://w3c.github.io/webcodecs/#videoframe-convert-to-rgb-frame>). Pure arithmetic on
//! [`FrameBuffer`]s: BT.601/BT.709/BT.2020 matrices, limited or full range, 8–12-bit input.
//!
//! The arithmetic is 16-bit fixed point with 6 fractional bits, written as plain element-wise
//! loops over rows that the compiler turns into SIMD (SSE2 `pmulhuw`/`paddsw`/`punpcklwd`, or
//! the NEON equivalents) without any `unsafe`. The error budget of the fixed
//! point is under 0.1 of an 8-bit code, so every channel is within 1 of the rounded float
//! formulas (`reference_rgb` in the tests).

use crate::color::{ColorMatrix, VideoColorSpace};
use crate::error::CodecError;
use crate::frame::{FrameBuffer, Rect};
use crate::pixel::VideoPixelFormat;

/// Converts `rect` of `src` into a tightly packed `rect.width`×`rect.height` RGB frame in
/// `format` (RGBA, RGBX, BGRA or BGRX). `color_space` is the source's (its matrix and range
/// pick the coefficients; unknown members default to BT.709 limited range). Alpha comes from
/// the source's alpha plane or channel when it has one, otherwise 255. Samples of 10- and
/// 12-bit formats are reduced to 8 bits (dropping the low bits) first; chroma is not
/// interpolated (each pixel takes the chroma sample that covers it).
///
/// # Errors
/// `NotSupportedError` if `format` is not an RGB format; `TypeError` for a bad rect.
pub fn convert_to_rgb(
    src: &FrameBuffer,
    rect: Rect,
    format: VideoPixelFormat,
    color_space: &VideoColorSpace,
) -> Result<FrameBuffer, CodecError> {
    check_target(src, rect, format)?;
    let mut out = FrameBuffer::new_zeroed(format, rect.width, rect.height)?;
    let (dst, stride) = out.plane_mut(0);
    convert_to_rgb_into(src, rect, format, color_space, dst, stride)?;
    Ok(out)
}

/// [`convert_to_rgb`] into a caller's buffer: row `i` of the rect goes to
/// `dest[i * stride..][..rect.width * 4]`; bytes between rows are left alone. Converting
/// bands of rows (rects of the same columns) into disjoint parts of one buffer gives the same
/// bytes as one call, so callers can spread a large frame over threads or reuse a buffer.
///
/// # Errors
/// `NotSupportedError` if `format` is not an RGB format; `TypeError` for a bad rect, a
/// stride shorter than a row or a `dest` too small for the rect.
pub fn convert_to_rgb_into(
    src: &FrameBuffer,
    rect: Rect,
    format: VideoPixelFormat,
    color_space: &VideoColorSpace,
    dest: &mut [u8],
    stride: usize,
) -> Result<(), CodecError> {
    check_target(src, rect, format)?;
    let (w, h) = (rect.width as usize * 4, rect.height as usize);
    if stride < w || (h - 1).checked_mul(stride).and_then(|n| n.checked_add(w)) > Some(dest.len()) {
        return Err(CodecError::type_error("destination is too small"));
    }
    let bgr = matches!(format, VideoPixelFormat::BGRA | VideoPixelFormat::BGRX);
    let rows = dest.chunks_mut(stride).take(h).map(|r| &mut r[..w]);
    if src.format().is_rgb() {
        rgb_to_rgb(src, rect, bgr, rows);
    } else {
        let mut yuv = YuvRows::new(src, rect, color_space);
        for (row, out_row) in rows.enumerate() {
            yuv.convert_row(row, out_row, bgr);
        }
    }
    Ok(())
}

/// The checks both conversions make before anything else.
fn check_target(src: &FrameBuffer, rect: Rect, format: VideoPixelFormat) -> Result<(), CodecError> {
    if !format.is_rgb() {
        return Err(CodecError::not_supported(format!(
            "cannot convert to {}",
            format.as_str()
        )));
    }
    src.check_rect(rect)
}

/// RGB to RGB: a row copy when the channel order is the same and alpha is kept, otherwise a
/// swizzle. An RGBX/BGRX source's padding byte becomes 255.
fn rgb_to_rgb<'a>(
    src: &FrameBuffer,
    rect: Rect,
    bgr: bool,
    rows: impl Iterator<Item = &'a mut [u8]>,
) {
    let sf = src.format();
    let swap = bgr != matches!(sf, VideoPixelFormat::BGRA | VideoPixelFormat::BGRX);
    let opaque = matches!(sf, VideoPixelFormat::RGBX | VideoPixelFormat::BGRX);
    let (p, stride) = src.plane(0);
    let (x0, y0, w) = (
        rect.x as usize * 4,
        rect.y as usize,
        rect.width as usize * 4,
    );
    for (y, out) in rows.enumerate() {
        let line = &p[(y0 + y) * stride + x0..][..w];
        if !swap && !opaque {
            out.copy_from_slice(line);
            continue;
        }
        let (ri, bi) = if swap { (2, 0) } else { (0, 2) };
        for (o, s) in out.chunks_exact_mut(4).zip(line.chunks_exact(4)) {
            let a = if opaque { 255 } else { s[3] };
            o.copy_from_slice(&[s[ri], s[1], s[bi], a]);
        }
    }
}

/// The per-row state of a YUV conversion: where the planes are, the 8-bit rows of formats
/// that need reducing or de-interleaving, and the chroma terms of the current chroma row
/// (shared by both rows of a 4:2:0 pair), already repeated per pixel.
struct YuvRows<'a> {
    src: &'a FrameBuffer,
    rect: Rect,
    k: Coefficients,
    /// Bits to drop from 16-bit samples (0 for 8-bit formats).
    shift: u32,
    /// Bytes per sample of the Y, U, V and alpha planes (1 or 2).
    bpe: usize,
    /// Chroma subsampling (1 or 2 each way).
    sub: (usize, usize),
    nv12: bool,
    alpha: bool,
    /// 8-bit scratch rows for 16-bit samples and NV12's interleaved chroma.
    y8: Vec<u8>,
    u8: Vec<u8>,
    v8: Vec<u8>,
    a8: Vec<u8>,
    /// Chroma terms per pixel of the row (Q6), and the chroma row they were made from.
    terms: Terms,
    terms_row: Option<usize>,
}

/// The R, G and B chroma terms of one row, one entry per pixel (`half`: one per chroma
/// sample, before repeating).
struct Terms {
    r: Vec<i16>,
    g: Vec<i16>,
    b: Vec<i16>,
    half: [Vec<i16>; 3],
}

impl<'a> YuvRows<'a> {
    fn new(src: &'a FrameBuffer, rect: Rect, color_space: &VideoColorSpace) -> Self {
        let sf = src.format();
        let (sx, sy) = sf.subsampling(1);
        let w = rect.width as usize;
        // The chroma samples of a row, each repeated `sx` times, cover at least `w` pixels.
        let padded = w.div_ceil(sx as usize) * sx as usize;
        Self {
            src,
            rect,
            k: Coefficients::new(color_space),
            shift: sf.bit_depth() - 8,
            bpe: sf.bytes_per_element(0) as usize,
            sub: (sx as usize, sy as usize),
            nv12: sf == VideoPixelFormat::NV12,
            alpha: sf.plane_count() == 4,
            y8: Vec::new(),
            u8: Vec::new(),
            v8: Vec::new(),
            a8: Vec::new(),
            terms: Terms {
                r: vec![0; padded],
                g: vec![0; padded],
                b: vec![0; padded],
                half: [
                    vec![0; padded / 2],
                    vec![0; padded / 2],
                    vec![0; padded / 2],
                ],
            },
            terms_row: None,
        }
    }

    /// Converts row `row` of the rect into `out` (`rect.width` × 4 bytes).
    fn convert_row(&mut self, row: usize, out: &mut [u8], bgr: bool) {
        let w = self.rect.width as usize;
        let (rx, sy) = (self.rect.x as usize, self.rect.y as usize + row);
        let cy = sy / self.sub.1;
        if self.terms_row != Some(cy) {
            self.chroma_row(cy);
            self.terms_row = Some(cy);
        }
        let (bpe, shift) = (self.bpe, self.shift);
        let y = row8(self.src.plane(0), bpe, shift, sy, rx, w, &mut self.y8);
        let a = if self.alpha {
            Some(row8(self.src.plane(3), bpe, shift, sy, rx, w, &mut self.a8))
        } else {
            None
        };
        let t = &self.terms;
        let terms = (&t.r[..w], &t.g[..w], &t.b[..w]);
        if bgr {
            emit::<true>(out, y, a, terms, &self.k);
        } else {
            emit::<false>(out, y, a, terms, &self.k);
        }
    }

    /// Computes the chroma terms of chroma row `cy` for the rect's columns.
    fn chroma_row(&mut self, cy: usize) {
        let (sx, w) = (self.sub.0, self.rect.width as usize);
        // rect.x is a multiple of the subsampling: the rect starts on a chroma sample.
        let c0 = self.rect.x as usize / sx;
        let cw = (w - 1) / sx + 1;
        let (u, v) = if self.nv12 {
            let (uv, stride) = self.src.plane(1);
            let line = &uv[cy * stride + c0 * 2..][..cw * 2];
            self.u8.resize(cw, 0);
            self.v8.resize(cw, 0);
            for ((u, v), pair) in self
                .u8
                .iter_mut()
                .zip(&mut self.v8)
                .zip(line.chunks_exact(2))
            {
                (*u, *v) = (pair[0], pair[1]);
            }
            (&self.u8[..cw], &self.v8[..cw])
        } else {
            let (bpe, shift) = (self.bpe, self.shift);
            (
                row8(self.src.plane(1), bpe, shift, cy, c0, cw, &mut self.u8),
                row8(self.src.plane(2), bpe, shift, cy, c0, cw, &mut self.v8),
            )
        };
        if sx == 2 {
            chroma_terms::<2>(u, v, &self.k, &mut self.terms);
        } else {
            chroma_terms::<1>(u, v, &self.k, &mut self.terms);
        }
    }
}

/// `n` samples of row `y` of `plane` from column `x0` as 8-bit samples: the plane's own bytes
/// for 8-bit formats, otherwise the 16-bit little-endian samples shifted right by `shift`
/// (saturated, for samples beyond the bit depth) into `scratch`.
fn row8<'s>(
    plane: (&'s [u8], usize),
    bpe: usize,
    shift: u32,
    y: usize,
    x0: usize,
    n: usize,
    scratch: &'s mut Vec<u8>,
) -> &'s [u8] {
    let (data, stride) = plane;
    let line = &data[y * stride + x0 * bpe..][..n * bpe];
    if bpe == 1 {
        return line;
    }
    scratch.resize(n, 0);
    for (o, s) in scratch.iter_mut().zip(line.chunks_exact(2)) {
        *o = (u16::from_le_bytes([s[0], s[1]]) >> shift).min(255) as u8;
    }
    &scratch[..n]
}

/// The chroma terms (Q6) of every sample of `u`/`v`, each written `DUP` times (the horizontal
/// subsampling) into `t.r`, `t.g` and `t.b`; `DUP` 2 goes through `t.half`.
fn chroma_terms<const DUP: usize>(u: &[u8], v: &[u8], k: &Coefficients, t: &mut Terms) {
    let n = u.len().min(v.len());
    let (r, g, b) = if DUP == 1 {
        (&mut t.r[..n], &mut t.g[..n], &mut t.b[..n])
    } else {
        let [r, g, b] = &mut t.half;
        (&mut r[..n], &mut g[..n], &mut b[..n])
    };
    for ((r, (g, b)), (&u, &v)) in r.iter_mut().zip(g.iter_mut().zip(b)).zip(u.iter().zip(v)) {
        (*r, *g, *b) = k.chroma(u, v);
    }
    if DUP == 2 {
        let [hr, hg, hb] = &t.half;
        for (full, half) in [(&mut t.r, hr), (&mut t.g, hg), (&mut t.b, hb)] {
            for (o, &h) in full.chunks_exact_mut(2).zip(&half[..n]) {
                o[0] = h;
                o[1] = h;
            }
        }
    }
}

/// Pixels per block of the vectorised loop: one SSE2/NEON register of 16-bit lanes.
const LANES: usize = 8;

/// 255 for every pixel of a block (sources without alpha).
const OPAQUE: [u8; LANES] = [255; LANES];

/// Writes one row of RGB(A) pixels from luma `y`, the per-pixel chroma terms and `a` (alpha
/// per pixel, or 255). `BGR` picks the byte order at compile time. Whole blocks of [`LANES`]
/// pixels go through [`block`], the rest through the same arithmetic one by one.
#[inline(always)]
fn emit<const BGR: bool>(
    out: &mut [u8],
    y: &[u8],
    a: Option<&[u8]>,
    (tr, tg, tb): (&[i16], &[i16], &[i16]),
    k: &Coefficients,
) {
    let w = y.len();
    let split = w - w % LANES;
    let (body, tail) = out.split_at_mut(split * 4);
    let blocks = body
        .chunks_exact_mut(4 * LANES)
        .zip(y.chunks_exact(LANES))
        .zip(tr.chunks_exact(LANES).zip(tg.chunks_exact(LANES)))
        .zip(tb.chunks_exact(LANES));
    match a {
        Some(a) => {
            for ((((o, y), (r, g)), b), a) in blocks.zip(a.chunks_exact(LANES)) {
                block::<BGR>(o, y, a, (r, g, b), k);
            }
        }
        None => {
            for (((o, y), (r, g)), b) in blocks {
                block::<BGR>(o, y, &OPAQUE, (r, g, b), k);
            }
        }
    }
    for (x, o) in (split..w).zip(tail.chunks_exact_mut(4)) {
        let [r, g, b] = k.pixel(y[x], (tr[x], tg[x], tb[x]));
        let (first, third) = if BGR { (b, r) } else { (r, b) };
        o.copy_from_slice(&[first, g, third, a.map_or(255, |a| a[x])]);
    }
}

/// One block of [`LANES`] pixels, written so that the compiler keeps it in registers: the
/// arithmetic of [`Coefficients::pixel`] on 16-bit lanes, the channels saturated to bytes
/// (`packuswb`), paired R|G and B|A (`punpcklbw`) and the pairs joined into pixels
/// (`punpcklwd`/`punpckhwd`).
#[inline(always)]
fn block<const BGR: bool>(
    out: &mut [u8],
    y: &[u8],
    a: &[u8],
    (r, g, b): (&[i16], &[i16], &[i16]),
    k: &Coefficients,
) {
    type Px = [u8; LANES];
    type Terms = [i16; LANES];
    let (Ok(out), Ok(y), Ok(a), Ok(r), Ok(g), Ok(b)) = (
        <&mut [u8; 4 * LANES]>::try_from(out),
        <&Px>::try_from(y),
        <&Px>::try_from(a),
        <&Terms>::try_from(r),
        <&Terms>::try_from(g),
        <&Terms>::try_from(b),
    ) else {
        return;
    };
    let mut lo = [0u8; 2 * LANES];
    let mut hi = [0u8; 2 * LANES];
    for i in 0..LANES {
        let l = k.luma(y[i]);
        let (r, g, b) = (
            out8(l.saturating_add(r[i])),
            out8(l.saturating_add(g[i])),
            out8(l.saturating_add(b[i])),
        );
        let (first, third) = if BGR { (b, r) } else { (r, b) };
        lo[2 * i] = first;
        lo[2 * i + 1] = g;
        hi[2 * i] = third;
        hi[2 * i + 1] = a[i];
    }
    for i in 0..LANES {
        out[4 * i..4 * i + 2].copy_from_slice(&lo[2 * i..2 * i + 2]);
        out[4 * i + 2..4 * i + 4].copy_from_slice(&hi[2 * i..2 * i + 2]);
    }
}

/// A Q6 channel value (luma term plus chroma term) to an 8-bit code: the rounding constant is
/// in the luma term, so this is a floor, then a clamp.
#[inline(always)]
fn out8(v: i16) -> u8 {
    (v >> FRAC).clamp(0, 255) as u8
}

/// Fractional bits of the 16-bit fixed point.
const FRAC: u32 = 6;

/// One chroma coefficient `c` (0 ≤ `c` < 3) in the form the 16-bit arithmetic needs, with
/// unsigned operands only: `c · (s − 128) · 2^FRAC` for a chroma sample `s` is
/// `s · int + ((s · 256) · frac) >> 16 − bias`, where `int` is `⌊c⌋ · 2^FRAC`, `frac` the rest
/// of `c` in units of 2^-14 and `bias` `c · 128 · 2^FRAC` rounded. The sum wraps through 16
/// bits but ends in range (|result| < 2^15). Unsigned, because the compiler turns an unsigned
/// high multiply by a broadcast coefficient into `pmulhuw`, while a signed one ends up as
/// 32-bit multiplies.
#[derive(Debug, Clone, Copy)]
struct Term {
    int: u16,
    frac: u16,
    bias: u16,
}

impl Term {
    fn new(c: f64) -> Self {
        let whole = c.floor();
        let one = f64::from(1u32 << FRAC);
        Self {
            int: (whole * one) as u16,
            frac: ((c - whole) * 16384.0).round() as u16,
            bias: (c * 128.0 * one).round() as u16,
        }
    }

    /// `c · (s − 128)` in Q6.
    #[inline(always)]
    fn apply(self, s: u8) -> i16 {
        let s = u16::from(s);
        let hi = ((u32::from(s << 8) * u32::from(self.frac)) >> 16) as u16;
        s.wrapping_mul(self.int)
            .wrapping_add(hi)
            .wrapping_sub(self.bias) as i16
    }
}

/// YCbCr → R'G'B' in 16-bit fixed point with [`FRAC`] fractional bits for one matrix and
/// range (the float formulas of `reference_rgb`, multiplied out). Error budget, in units of
/// 2^-6 of a code: luma ≤ 2 (one truncation, the rounded scale and offset), each chroma term
/// ≤ 2 (one truncation, the rounded fraction and bias), so a channel (G has two chroma terms)
/// is off by at most 6 units, under 0.1 of a code, before the final rounding: the result is
/// within 1 of the rounded float formulas.
struct Coefficients {
    /// `ys · 2^FRAC · 2^16 / 257`: luma × 257 (a 16-bit value) times this, high half, is
    /// `ys · y` in Q6.
    y_mul: u16,
    /// `ys · offset` in Q6, less the rounding constant of the final shift.
    y_sub: i16,
    cr_r: Term,
    cb_b: Term,
    cr_g: Term,
    cb_g: Term,
}

impl Coefficients {
    fn new(cs: &VideoColorSpace) -> Self {
        let (kr, kb) = kr_kb(cs);
        let kg = 1.0 - kr - kb;
        let full = cs.full_range.unwrap_or(false);
        let (ys, cs_, offset) = if full {
            (1.0, 1.0, 0.0)
        } else {
            (255.0 / 219.0, 255.0 / 224.0, 16.0)
        };
        let one = f64::from(1u32 << FRAC);
        Self {
            y_mul: (ys * one * 65536.0 / 257.0).round() as u16,
            y_sub: (ys * offset * one - one / 2.0).round() as i16,
            cr_r: Term::new(2.0 * (1.0 - kr) * cs_),
            cb_b: Term::new(2.0 * (1.0 - kb) * cs_),
            cr_g: Term::new(kr * 2.0 * (1.0 - kr) * cs_ / kg),
            cb_g: Term::new(kb * 2.0 * (1.0 - kb) * cs_ / kg),
        }
    }

    /// The luma term (with the rounding constant) of all three channels, Q6.
    #[inline(always)]
    fn luma(&self, y: u8) -> i16 {
        // 255 × 257 = 65535: the product fits 16 bits, and the high half of the 16 × 16-bit
        // product is one `pmulhuw`.
        let y257 = (u16::from(y) << 8) | u16::from(y);
        let hi = ((u32::from(y257) * u32::from(self.y_mul)) >> 16) as u16;
        hi as i16 - self.y_sub
    }

    /// The chroma terms added to the luma term for R, G and B, Q6.
    #[inline(always)]
    fn chroma(&self, cb: u8, cr: u8) -> (i16, i16, i16) {
        (
            self.cr_r.apply(cr),
            -(self.cr_g.apply(cr) + self.cb_g.apply(cb)),
            self.cb_b.apply(cb),
        )
    }

    /// One pixel from its luma sample and chroma terms.
    #[inline(always)]
    fn pixel(&self, y: u8, (r, g, b): (i16, i16, i16)) -> [u8; 3] {
        let l = self.luma(y);
        [
            out8(l.saturating_add(r)),
            out8(l.saturating_add(g)),
            out8(l.saturating_add(b)),
        ]
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

    /// Every matrix the converter knows (BT.470BG has SMPTE 170M's weights), limited and
    /// full range.
    fn all_spaces() -> Vec<VideoColorSpace> {
        let mut v = Vec::new();
        for matrix in [
            ColorMatrix::Bt709,
            ColorMatrix::Smpte170m,
            ColorMatrix::Bt2020Ncl,
        ] {
            for full_range in [false, true] {
                v.push(VideoColorSpace {
                    matrix: Some(matrix),
                    full_range: Some(full_range),
                    ..VideoColorSpace::REC709
                });
            }
        }
        v
    }

    /// Every luma value against a grid of chroma values, out-of-range codes included, through
    /// both the per-pixel formula and the vectorised blocks of a whole I444 frame.
    #[test]
    fn fixed_point_matches_the_float_formulas() {
        let chroma: Vec<(u8, u8)> = (0..=255u8)
            .step_by(5)
            .flat_map(|cb| (0..=255u8).step_by(11).map(move |cr| (cb, cr)))
            .collect();
        let h = chroma.len() as u32;
        let mut src = FrameBuffer::new_zeroed(VideoPixelFormat::I444, 256, h).expect("frame");
        for (p, fill) in [0usize, 1, 2].into_iter().zip([0, 1, 2]) {
            let (d, stride) = src.plane_mut(p);
            for (row, &(cb, cr)) in d.chunks_mut(stride).zip(&chroma) {
                for (x, b) in row.iter_mut().enumerate() {
                    *b = [x as u8, cb, cr][fill];
                }
            }
        }
        for cs in &all_spaces() {
            let k = Coefficients::new(cs);
            let out = convert_to_rgb(&src, Rect::new(0, 0, 256, h), VideoPixelFormat::RGBX, cs)
                .expect("convert");
            let (o, stride) = out.plane(0);
            let (mut exact, mut total) = (0usize, 0usize);
            for (row, &(cb, cr)) in chroma.iter().enumerate() {
                for y in 0..=255u8 {
                    let want = reference_rgb(cs, f64::from(y), f64::from(cb), f64::from(cr));
                    let one = k.pixel(y, k.chroma(cb, cr));
                    let i = row * stride + usize::from(y) * 4;
                    assert_eq!(&o[i..i + 3], &one, "{cs:?} block vs pixel at {y} {cb} {cr}");
                    for (g, w) in one.into_iter().zip(want) {
                        assert!(
                            g.abs_diff(w) <= 1,
                            "{cs:?} {y} {cb} {cr}: {one:?} vs {want:?}"
                        );
                        exact += usize::from(g == w);
                        total += 1;
                    }
                }
            }
            // An error under 0.1 of a code changes the rounding only near half-way values:
            // nearly every channel equals the float result (a bias of a quarter code would
            // miss about a quarter of them).
            assert!(
                exact * 100 >= total * 98,
                "{cs:?}: {exact} of {total} exact"
            );
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

    /// Bands of rows converted into parts of one strided buffer give the bytes of one whole
    /// conversion, leave the gaps between rows alone, and a short buffer is a TypeError.
    #[test]
    fn bands_into_a_strided_buffer_match_the_whole() {
        let (w, h) = (37u32, 12u32);
        let mut src = FrameBuffer::new_zeroed(VideoPixelFormat::I420A, w + 3, h + 2).expect("f");
        for p in 0..4 {
            for (i, b) in src.plane_mut(p).0.iter_mut().enumerate() {
                *b = (i * 29 % 251) as u8;
            }
        }
        let (fmt, cs) = (VideoPixelFormat::BGRA, VideoColorSpace::REC709);
        let whole = convert_to_rgb(&src, Rect::new(2, 2, w, h), fmt, &cs).expect("convert");
        let stride = w as usize * 4 + 5;
        let mut dest = vec![7u8; stride * h as usize];
        for (y0, rows) in [(0u32, 4u32), (4, 6), (10, 2)] {
            let band = &mut dest[y0 as usize * stride..];
            let rect = Rect::new(2, 2 + y0, w, rows);
            convert_to_rgb_into(&src, rect, fmt, &cs, band, stride).expect("band");
        }
        let (o, o_stride) = whole.plane(0);
        for y in 0..h as usize {
            let row = &dest[y * stride..][..stride];
            assert_eq!(&row[..w as usize * 4], &o[y * o_stride..][..w as usize * 4]);
            assert!(
                row[w as usize * 4..].iter().all(|&b| b == 7),
                "gap of row {y}"
            );
        }
        let short = &mut dest[..stride * (h as usize - 1) + w as usize * 4 - 1];
        let e = convert_to_rgb_into(&src, Rect::new(2, 2, w, h), fmt, &cs, short, stride)
            .expect_err("too small");
        assert_eq!(e.name, crate::ErrorName::TypeError);
        let e = convert_to_rgb_into(&src, Rect::new(2, 2, w, h), fmt, &cs, &mut dest, 4)
            .expect_err("stride");
        assert_eq!(e.name, crate::ErrorName::TypeError);
    }

    /// Every pixel of odd-sized rects at odd offsets, for subsampled and full-chroma formats
    /// and both byte orders, against the float formulas applied to that pixel's own samples.
    #[test]
    fn each_pixel_uses_its_own_samples() {
        use VideoPixelFormat::*;
        let cs = VideoColorSpace::REC709;
        // 7 pixels wide: the per-pixel tail only; 39 wide: two vectorised blocks and a tail.
        for (fmt, (w, h, rw)) in [I420, I422, I444, NV12, I420A, I420P10, I422AP12]
            .into_iter()
            .flat_map(|f| [(9, 7, 7), (45, 7, 39)].map(|s| (f, s)))
        {
            let mut src = FrameBuffer::new_zeroed(fmt, w, h).expect("frame");
            let (bpe, depth) = (fmt.bytes_per_element(0) as usize, fmt.bit_depth());
            for p in 0..fmt.plane_count() {
                for (i, b) in src.plane_mut(p).0.iter_mut().enumerate() {
                    *b = (i * 37 % 223 + 16) as u8;
                    // High bytes of 16-bit samples within the bit depth.
                    if bpe == 2 && i % 2 == 1 {
                        *b &= (1 << (depth - 8)) - 1;
                    }
                }
            }
            // Sample (x, y) of plane p reduced to 8 bits, as the converter reads it.
            let sample = |p: usize, x: usize, y: usize| {
                let (d, stride) = src.plane(p);
                let i = y * stride + x * bpe;
                if bpe == 2 {
                    (u16::from_le_bytes([d[i], d[i + 1]]) >> (depth - 8)) as u8
                } else {
                    d[i]
                }
            };
            let (sx, sy) = fmt.subsampling(1);
            let rect = Rect::new(sx, sy, rw, 5);
            for target in [RGBA, BGRX] {
                let out = convert_to_rgb(&src, rect, target, &cs).expect("convert");
                let (o, o_stride) = out.plane(0);
                for y in 0..rect.height as usize {
                    for x in 0..rect.width as usize {
                        let (px, py) = (rect.x as usize + x, rect.y as usize + y);
                        let (cx, cy) = (px / sx as usize, py / sy as usize);
                        let luma = sample(0, px, py);
                        let (cb, cr) = if fmt == NV12 {
                            let (uv, s) = src.plane(1);
                            (uv[cy * s + cx * 2], uv[cy * s + cx * 2 + 1])
                        } else {
                            (sample(1, cx, cy), sample(2, cx, cy))
                        };
                        let alpha = if fmt.plane_count() == 4 {
                            sample(3, px, py)
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
