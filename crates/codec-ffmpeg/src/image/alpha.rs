//! Merging a separately coded alpha plane (the AVIF alpha auxiliary image) into a decoded
//! planar YUV picture, giving the matching YUVA format.

use ffmpeg::format::Pixel;
use ffmpeg::frame;
use ffmpeg_next as ffmpeg;

use crate::convert::alloc_frame;
use crate::{raw, Error, Result};

/// The YUVA layout for a planar YUV layout, and the bit depth of both.
fn with_alpha(p: Pixel) -> Option<(Pixel, u32)> {
    Some(match p {
        Pixel::YUV420P => (Pixel::YUVA420P, 8),
        Pixel::YUV422P => (Pixel::YUVA422P, 8),
        Pixel::YUV444P => (Pixel::YUVA444P, 8),
        Pixel::YUV420P10LE => (Pixel::YUVA420P10LE, 10),
        Pixel::YUV422P10LE => (Pixel::YUVA422P10LE, 10),
        Pixel::YUV444P10LE => (Pixel::YUVA444P10LE, 10),
        Pixel::YUV422P12LE => (Pixel::YUVA422P12LE, 12),
        Pixel::YUV444P12LE => (Pixel::YUVA444P12LE, 12),
        _ => return None,
    })
}

/// Bit depth of the luma plane of a decoded alpha image (monochrome or YUV).
fn luma_depth(p: Pixel) -> Option<u32> {
    match p {
        Pixel::GRAY8 | Pixel::YUV420P | Pixel::YUV422P | Pixel::YUV444P => Some(8),
        Pixel::GRAY10LE | Pixel::YUV420P10LE | Pixel::YUV422P10LE | Pixel::YUV444P10LE => Some(10),
        Pixel::GRAY12LE | Pixel::YUV420P12LE | Pixel::YUV422P12LE | Pixel::YUV444P12LE => Some(12),
        _ => None,
    }
}

fn sample(row: &[u8], x: usize, wide: bool) -> Option<u32> {
    if wide {
        row.get(2 * x..2 * x + 2)
            .map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
    } else {
        row.get(x).map(|&b| u32::from(b))
    }
}

/// Maps an alpha sample of `from` bits (limited range when `limited`) to `to` bits, full range.
fn rescale(v: u32, from: u32, to: u32, limited: bool) -> u32 {
    let from_max = (1u32 << from) - 1;
    let to_max = (1u32 << to) - 1;
    let (lo, span) = if limited {
        (16 << (from - 8), 219 << (from - 8))
    } else {
        (0, from_max)
    };
    let v = v.saturating_sub(lo).min(span);
    (v * to_max + span / 2) / span
}

fn oob() -> Error {
    Error::malformed("alpha merge out of bounds")
}

/// `color` with `alpha`'s luma as its alpha plane.
///
/// # Errors
/// `NotSupportedError` for a colour layout without a YUVA counterpart (e.g. RGB, 4:0:0) or an
/// alpha image that is not planar YUV/grey; `EncodingError` when the sizes differ.
pub(crate) fn merge(color: &frame::Video, alpha: &frame::Video) -> Result<frame::Video> {
    let (target, depth) = with_alpha(color.format()).ok_or_else(|| {
        Error::malformed(format!(
            "alpha for {:?} AVIF images is not supported",
            color.format()
        ))
    })?;
    let a_depth = luma_depth(alpha.format()).ok_or_else(|| {
        Error::malformed(format!(
            "{:?} alpha images are not supported",
            alpha.format()
        ))
    })?;
    let (w, h) = (color.width(), color.height());
    if (alpha.width(), alpha.height()) != (w, h) {
        return Err(Error::malformed(
            "the AVIF alpha image size differs from the colour image",
        ));
    }
    let mut out = alloc_frame(target, w, h)?;
    let bps = if depth > 8 { 2 } else { 1 };
    for p in 0..3 {
        let row = color.plane_width(p) as usize * bps;
        let (ss, ds) = (color.stride(p), out.stride(p));
        for y in 0..color.plane_height(p) as usize {
            let src = color.data(p).get(y * ss..y * ss + row).ok_or_else(oob)?;
            out.data_mut(p)
                .get_mut(y * ds..y * ds + row)
                .ok_or_else(oob)?
                .copy_from_slice(src);
        }
    }
    let limited = raw::color_codes(alpha).range == 1;
    let (sa, da) = (alpha.stride(0), out.stride(3));
    for y in 0..h as usize {
        let src = alpha.data(0).get(y * sa..).ok_or_else(oob)?;
        let dst = out.data_mut(3).get_mut(y * da..).ok_or_else(oob)?;
        for x in 0..w as usize {
            let v = sample(src, x, a_depth > 8).ok_or_else(oob)?;
            let v = rescale(v, a_depth, depth, limited);
            if bps == 2 {
                dst.get_mut(2 * x..2 * x + 2)
                    .ok_or_else(oob)?
                    .copy_from_slice(&(v as u16).to_le_bytes());
            } else {
                *dst.get_mut(x).ok_or_else(oob)? = v as u8;
            }
        }
    }
    raw::set_color_codes(&mut out, raw::color_codes(color));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescales_depth_and_range() {
        assert_eq!(rescale(255, 8, 8, false), 255);
        assert_eq!(rescale(0, 8, 10, false), 0);
        assert_eq!(rescale(255, 8, 10, false), 1023);
        assert_eq!(rescale(1023, 10, 8, false), 255);
        assert_eq!(rescale(16, 8, 8, true), 0);
        assert_eq!(rescale(235, 8, 8, true), 255);
        assert_eq!(rescale(250, 8, 8, true), 255);
        assert_eq!(rescale(5, 8, 8, true), 0);
    }
}
