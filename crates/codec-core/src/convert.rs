//! YUV → RGB conversion for `VideoFrame.copyTo(dest, { format: "RGBA" | ... })`
//! (<https://w3c.github.io/webcodecs/#videoframe-convert-to-rgb-frame>). Pure arithmetic on
//! [`FrameBuffer`]s: BT.601/BT.709/BT.2020 matrices, limited or full range, 8–12-bit input.
//!
//! This module walks the planes (rects, strides, 10/12-bit samples reduced to 8 bits, chroma
//! rows shared by two luma rows); the per-row arithmetic is `pixel_simd`'s 16-bit fixed point
//! with 6 fractional bits (AVX2 when the CPU has it, otherwise loops the compiler vectorises),
//! whose error budget is under 0.1 of an 8-bit code, so every channel is within 1 of the
//! rounded float formulas (`reference_rgb` in the tests).

use pixel_simd::{Chroma, Coefficients, Order, Row, RowConverter};

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
        let order = if bgr { Order::Bgra } else { Order::Rgba };
        let mut yuv = YuvRows::new(src, rect, color_space);
        let mut rows = rows.enumerate().peekable();
        while let Some((row, out)) = rows.next() {
            // The next row too, when it shares this row's chroma (4:2:0).
            let cy = yuv.chroma_row(row);
            let next = rows.next_if(|(next, _)| yuv.chroma_row(*next) == cy);
            yuv.convert(row, [Some(out), next.map(|(_, o)| o)], order);
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

/// The state of a YUV conversion: where the planes are, the 8-bit rows of formats that need
/// reducing, and the row converter.
struct YuvRows<'a> {
    src: &'a FrameBuffer,
    rect: Rect,
    rows: RowConverter,
    /// Bits to drop from 16-bit samples (0 for 8-bit formats).
    shift: u32,
    /// Bytes per sample of the Y, U, V and alpha planes (1 or 2).
    bpe: usize,
    /// Chroma subsampling (1 or 2 each way).
    sub: (usize, usize),
    nv12: bool,
    alpha: bool,
    /// 8-bit scratch rows for 16-bit samples (two luma and alpha rows share a chroma row).
    y8: [Vec<u8>; 2],
    a8: [Vec<u8>; 2],
    u8: Vec<u8>,
    v8: Vec<u8>,
}

impl<'a> YuvRows<'a> {
    fn new(src: &'a FrameBuffer, rect: Rect, color_space: &VideoColorSpace) -> Self {
        let sf = src.format();
        let (sx, sy) = sf.subsampling(1);
        let (kr, kb) = kr_kb(color_space);
        let k = Coefficients::new(kr, kb, color_space.full_range.unwrap_or(false));
        Self {
            src,
            rect,
            rows: RowConverter::new(k, rect.width as usize, sx == 2),
            shift: sf.bit_depth() - 8,
            bpe: sf.bytes_per_element(0) as usize,
            sub: (sx as usize, sy as usize),
            nv12: sf == VideoPixelFormat::NV12,
            alpha: sf.plane_count() == 4,
            y8: Default::default(),
            a8: Default::default(),
            u8: Vec::new(),
            v8: Vec::new(),
        }
    }

    /// The chroma row of row `row` of the rect.
    fn chroma_row(&self, row: usize) -> usize {
        (self.rect.y as usize + row) / self.sub.1
    }

    /// Converts rows `first` and on of the rect, which share one chroma row, into `outs`
    /// (`rect.width` × 4 bytes each; one or two rows).
    fn convert(&mut self, first: usize, outs: [Option<&mut [u8]>; 2], order: Order) {
        let (w, x0) = (self.rect.width as usize, self.rect.x as usize);
        let (sx, cy) = (self.sub.0, self.chroma_row(first));
        let (bpe, shift) = (self.bpe, self.shift);
        // rect.x is a multiple of the subsampling: the rect starts on a chroma sample.
        let (c0, cw) = (x0 / sx, (w - 1) / sx + 1);
        let chroma = if self.nv12 {
            let (uv, stride) = self.src.plane(1);
            Chroma::Interleaved(&uv[cy * stride + c0 * 2..][..cw * 2])
        } else {
            let u = row8(self.src.plane(1), bpe, shift, cy, c0, cw, &mut self.u8);
            let v = row8(self.src.plane(2), bpe, shift, cy, c0, cw, &mut self.v8);
            Chroma::Planar(u, v)
        };
        let src = self.src;
        let [y8a, y8b] = &mut self.y8;
        let [a8a, a8b] = &mut self.a8;
        let alpha = self.alpha;
        let row = |i: usize, out, y8, a8| {
            let sy = self.rect.y as usize + first + i;
            let y = row8(src.plane(0), bpe, shift, sy, x0, w, y8);
            let alpha = alpha.then(|| row8(src.plane(3), bpe, shift, sy, x0, w, a8));
            Row { y, alpha, out }
        };
        let [top, bottom] = outs;
        match (top, bottom) {
            (Some(top), Some(bottom)) => {
                let rows = &mut [row(0, top, y8a, a8a), row(1, bottom, y8b, a8b)];
                self.rows.convert(chroma, rows, order);
            }
            (Some(one), None) | (None, Some(one)) => {
                self.rows
                    .convert(chroma, &mut [row(0, one, y8a, a8a)], order);
            }
            (None, None) => {}
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

    /// All of `f` converted to `format` from colour space `cs`.
    fn whole_to_rgb(
        f: &FrameBuffer,
        format: VideoPixelFormat,
        cs: &VideoColorSpace,
    ) -> Result<FrameBuffer, CodecError> {
        let rect = Rect::new(0, 0, f.coded_width(), f.coded_height());
        convert_to_rgb(f, rect, format, cs)
    }

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
            let out = whole_to_rgb(&f, VideoPixelFormat::RGBA, &VideoColorSpace::REC709)
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
            let (kr, kb) = kr_kb(cs);
            let k = Coefficients::new(kr, kb, cs.full_range.unwrap_or(false));
            let out = convert_to_rgb(&src, Rect::new(0, 0, 256, h), VideoPixelFormat::RGBX, cs)
                .expect("convert");
            let (o, stride) = out.plane(0);
            let (mut exact, mut total) = (0usize, 0usize);
            for (row, &(cb, cr)) in chroma.iter().enumerate() {
                for y in 0..=255u8 {
                    let want = reference_rgb(cs, f64::from(y), f64::from(cb), f64::from(cr));
                    let one = k.pixel(y, cb, cr);
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
        let out =
            whole_to_rgb(&src, VideoPixelFormat::BGRA, &VideoColorSpace::SRGB).expect("convert");
        assert_eq!(out.plane(0).0, &[3, 2, 1, 4]);
        let e = whole_to_rgb(&src, VideoPixelFormat::I420, &VideoColorSpace::SRGB)
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
