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
    let depth = sf.bit_depth();
    let shift = depth - 8;
    let (kr, kb) = match color_space.matrix {
        Some(ColorMatrix::Bt470bg | ColorMatrix::Smpte170m) => (0.299, 0.114),
        Some(ColorMatrix::Bt2020Ncl) => (0.2627, 0.0593),
        _ => (0.2126, 0.0722),
    };
    let full = color_space.full_range.unwrap_or(false);
    let kg = 1.0 - kr - kb;
    let sample = |plane: &[u8], stride: usize, bpe: usize, x: usize, y: usize| -> f32 {
        let i = y * stride + x * bpe;
        if bpe == 2 && sf != VideoPixelFormat::NV12 {
            f32::from(u16::from_le_bytes([plane[i], plane[i + 1]]) >> shift)
        } else {
            f32::from(plane[i])
        }
    };
    let (yp, ys) = src.plane(0);
    let (cx_sub, cy_sub) = sf.subsampling(1);
    let ybpe = sf.bytes_per_element(0) as usize;
    let has_alpha = sf.plane_count() == 4;
    for y in 0..rect.height as usize {
        let sy = rect.y as usize + y;
        for x in 0..rect.width as usize {
            let sx = rect.x as usize + x;
            let luma = sample(yp, ys, ybpe, sx, sy);
            let (cx, cy) = (sx / cx_sub as usize, sy / cy_sub as usize);
            let (cb, cr) = if sf == VideoPixelFormat::NV12 {
                let (uv, s) = src.plane(1);
                (
                    f32::from(uv[cy * s + cx * 2]),
                    f32::from(uv[cy * s + cx * 2 + 1]),
                )
            } else {
                let (u, us) = src.plane(1);
                let (v, vs) = src.plane(2);
                (sample(u, us, ybpe, cx, cy), sample(v, vs, ybpe, cx, cy))
            };
            let (yn, pb, pr) = if full {
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
            let a = if has_alpha {
                let (ap, as_) = src.plane(3);
                sample(ap, as_, ybpe, sx, sy) as u8
            } else {
                255
            };
            let d = y * dst_stride + x * 4;
            write(&mut dst[d..d + 4], bgr, to8(r), to8(g), to8(b), a);
        }
    }
    Ok(out)
}

fn to8(v: f32) -> u8 {
    (v * 255.0).round().clamp(0.0, 255.0) as u8
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
}
