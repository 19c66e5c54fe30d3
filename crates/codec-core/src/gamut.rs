//! sRGB → Display P3 re-encoding for `VideoFrame.copyTo(dest, { format: "RGBA", colorSpace:
//! "display-p3" })` (<https://w3c.github.io/webcodecs/#videoframe-convert-to-rgb-frame>).
//! Both spaces share the sRGB transfer function and D65 white; only the primaries differ, so a
//! pixel is linearised, moved through the 3×3 primaries matrix and encoded again.

use std::sync::OnceLock;

use crate::error::CodecError;
use crate::frame::FrameBuffer;
use crate::pixel::VideoPixelFormat;

/// Linear sRGB → linear Display P3 (rows: P3 R, G, B), from the two sets of primaries.
const SRGB_TO_P3: [[f32; 3]; 3] = [
    [0.822_462_1, 0.177_538, 0.0],
    [0.033_194_2, 0.966_805_8, 0.0],
    [0.017_082_7, 0.072_397_4, 0.910_519_9],
];

/// Entries of the encode table: linear light in steps of 1/(ENCODE_STEPS - 1). Fine enough that
/// the steepest part of the curve (12.92 × 255 codes per unit) moves less than half a code.
const ENCODE_STEPS: usize = 1 << 14;

/// The sRGB transfer curve both ways: 8-bit code → linear, and linear (tabulated) → 8-bit code.
struct Tables {
    decode: [f32; 256],
    encode: Vec<u8>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut decode = [0.0; 256];
        for (i, d) in decode.iter_mut().enumerate() {
            let v = i as f32 / 255.0;
            *d = if v <= 0.040_45 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            };
        }
        let encode = (0..ENCODE_STEPS)
            .map(|i| {
                let l = i as f32 / (ENCODE_STEPS - 1) as f32;
                let v = if l <= 0.003_130_8 {
                    l * 12.92
                } else {
                    1.055 * l.powf(1.0 / 2.4) - 0.055
                };
                (v * 255.0).round().clamp(0.0, 255.0) as u8
            })
            .collect();
        Tables { decode, encode }
    })
}

/// Re-encodes an sRGB frame (RGBA, RGBX, BGRA or BGRX) as Display P3 in place. Alpha and
/// padding bytes are left as they are.
///
/// # Errors
/// `NotSupportedError` if `frame` is not in an RGB format.
pub fn srgb_to_display_p3(frame: &mut FrameBuffer) -> Result<(), CodecError> {
    let (format, width) = (frame.format(), frame.coded_width() as usize);
    let (data, stride) = frame.plane_mut(0);
    let rows = data.len().div_ceil(stride.max(1));
    srgb_to_display_p3_into(data, stride, width, rows, format)
}

/// [`srgb_to_display_p3`] on `rows` rows of `width` pixels in `format` in a caller's buffer:
/// row `i` is `data[i * stride..][..width * 4]` (the layout `convert_to_rgb_into` writes).
///
/// # Errors
/// `NotSupportedError` if `format` is not an RGB format; `TypeError` if `data` is too small
/// for the rows or `stride` is shorter than a row.
pub fn srgb_to_display_p3_into(
    data: &mut [u8],
    stride: usize,
    width: usize,
    rows: usize,
    format: VideoPixelFormat,
) -> Result<(), CodecError> {
    if !format.is_rgb() {
        return Err(CodecError::not_supported(format!(
            "cannot convert {} to display-p3",
            format.as_str()
        )));
    }
    let row = width * 4;
    let needed = rows
        .checked_sub(1)
        .map_or(Some(0), |r| r.checked_mul(stride)?.checked_add(row));
    if stride < row || needed.is_none_or(|n| n > data.len()) {
        return Err(CodecError::type_error(
            "display-p3 rows do not fit the buffer",
        ));
    }
    let (ri, bi) = match format {
        VideoPixelFormat::BGRA | VideoPixelFormat::BGRX => (2, 0),
        _ => (0, 2),
    };
    let t = tables();
    for line in data.chunks_mut(stride).take(rows) {
        for px in line[..row].chunks_exact_mut(4) {
            let lin = [
                t.decode[px[ri] as usize],
                t.decode[px[1] as usize],
                t.decode[px[bi] as usize],
            ];
            let out = SRGB_TO_P3.map(|m| {
                let l = m[0] * lin[0] + m[1] * lin[1] + m[2] * lin[2];
                // + 0.5 and truncation: the rounding of a non-negative value without a call.
                let i = (l.clamp(0.0, 1.0) * (ENCODE_STEPS - 1) as f32 + 0.5) as usize;
                t.encode[i]
            });
            (px[ri], px[1], px[bi]) = (out[0], out[1], out[2]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solid(format: VideoPixelFormat, px: [u8; 4]) -> FrameBuffer {
        let mut f = FrameBuffer::new_zeroed(format, 3, 2).expect("frame");
        for p in f.plane_mut(0).0.chunks_exact_mut(4) {
            p.copy_from_slice(&px);
        }
        f
    }

    #[test]
    fn primaries_map_to_known_p3_values() {
        // sRGB red/green/blue in Display P3 (CSS Color 4 `color(display-p3 …)` equivalents).
        for (src, want) in [
            ([255, 0, 0, 255], [234, 51, 35]),
            ([0, 255, 0, 255], [117, 251, 76]),
            ([0, 0, 255, 255], [0, 0, 245]),
        ] {
            let mut f = solid(VideoPixelFormat::RGBA, src);
            srgb_to_display_p3(&mut f).expect("convert");
            let got = &f.plane(0).0[..3];
            for c in 0..3 {
                assert!(
                    (i32::from(got[c]) - want[c]).abs() <= 1,
                    "{src:?} → {got:?}, want {want:?}"
                );
            }
        }
    }

    #[test]
    fn greys_and_alpha_are_unchanged_and_bgr_order_is_honoured() {
        for v in [0u8, 1, 17, 128, 200, 255] {
            let mut f = solid(VideoPixelFormat::BGRX, [v, v, v, 7]);
            srgb_to_display_p3(&mut f).expect("convert");
            assert!(f.plane(0).0.chunks_exact(4).all(|p| p == [v, v, v, 7]));
        }
        let mut f = solid(VideoPixelFormat::BGRA, [0, 0, 255, 9]);
        srgb_to_display_p3(&mut f).expect("convert");
        assert_eq!(&f.plane(0).0[..4], &[35, 51, 234, 9]);
    }

    /// Rows in a strided buffer come out as the frame's rows do; the gaps stay untouched.
    #[test]
    fn strided_rows_match_the_frame() {
        let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::RGBA, 5, 3).expect("frame");
        for (i, b) in f.plane_mut(0).0.iter_mut().enumerate() {
            *b = (i * 37 % 256) as u8;
        }
        let stride = 5 * 4 + 3;
        let mut strided = vec![9u8; stride * 3];
        for (y, row) in f.plane(0).0.chunks(20).enumerate() {
            strided[y * stride..][..20].copy_from_slice(row);
        }
        srgb_to_display_p3(&mut f).expect("frame");
        srgb_to_display_p3_into(&mut strided, stride, 5, 3, VideoPixelFormat::RGBA).expect("rows");
        for (y, row) in f.plane(0).0.chunks(20).enumerate() {
            assert_eq!(&strided[y * stride..][..20], row);
            assert!(y == 2 || strided[y * stride + 20..][..3] == [9, 9, 9]);
        }
        let short = &mut strided[..stride * 2 + 19];
        let e = srgb_to_display_p3_into(short, stride, 5, 3, VideoPixelFormat::RGBA);
        assert_eq!(e.expect_err("short").name, crate::ErrorName::TypeError);
    }

    #[test]
    fn rejects_yuv() {
        let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::I420, 4, 4).expect("frame");
        assert!(srgb_to_display_p3(&mut f).is_err());
    }
}
