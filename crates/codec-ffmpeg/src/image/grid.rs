//! Stitching the decoded tiles of an AVIF `grid` derived image.

use ffmpeg::format::Pixel;
use ffmpeg::frame;
use ffmpeg_next as ffmpeg;

use crate::convert::alloc_frame;
use crate::{raw, Error, Result};

/// Bytes per sample of the planar layouts AV1 decoders output.
fn sample_bytes(p: Pixel) -> Option<usize> {
    match p {
        Pixel::GRAY8 | Pixel::YUV420P | Pixel::YUV422P | Pixel::YUV444P => Some(1),
        Pixel::GRAY10LE
        | Pixel::GRAY12LE
        | Pixel::YUV420P10LE
        | Pixel::YUV422P10LE
        | Pixel::YUV444P10LE
        | Pixel::YUV420P12LE
        | Pixel::YUV422P12LE
        | Pixel::YUV444P12LE => Some(2),
        _ => None,
    }
}

fn oob() -> Error {
    Error::malformed("AVIF grid stitching out of bounds")
}

/// Places `tiles` (row-major, `columns` per row, all of one size and format) on a
/// `width` x `height` picture; the tiles must cover it, what lies beyond is cropped.
///
/// # Errors
/// `EncodingError` when the tiles differ in size or format or do not cover the output;
/// `NotSupportedError` for a layout other than planar YUV/grey.
pub(crate) fn stitch(
    tiles: &[frame::Video],
    columns: u32,
    width: u32,
    height: u32,
) -> Result<frame::Video> {
    let first = tiles
        .first()
        .ok_or_else(|| Error::malformed("AVIF grid has no tiles"))?;
    let (fmt, tw, th) = (first.format(), first.width(), first.height());
    if tiles
        .iter()
        .any(|t| (t.format(), t.width(), t.height()) != (fmt, tw, th))
    {
        return Err(Error::malformed("AVIF grid tiles differ in size or format"));
    }
    let bps = sample_bytes(fmt)
        .ok_or_else(|| Error::malformed(format!("{fmt:?} AVIF grid tiles are not supported")))?;
    let rows = tiles.len() as u32 / columns.max(1);
    if columns == 0
        || u64::from(tw) * u64::from(columns) < u64::from(width)
        || u64::from(th) * u64::from(rows) < u64::from(height)
    {
        return Err(Error::malformed(
            "AVIF grid tiles do not cover the output size",
        ));
    }
    let mut out = alloc_frame(fmt, width, height)?;
    for (i, tile) in tiles.iter().enumerate() {
        let (r, c) = (i / columns as usize, i % columns as usize);
        for p in 0..out.planes() {
            let (tpw, tph) = (tile.plane_width(p) as usize, tile.plane_height(p) as usize);
            let (opw, oph) = (out.plane_width(p) as usize, out.plane_height(p) as usize);
            let (x0, y0) = (c * tpw, r * tph);
            if x0 >= opw || y0 >= oph {
                continue;
            }
            let n = tpw.min(opw - x0) * bps;
            let (ts, os) = (tile.stride(p), out.stride(p));
            for y in 0..tph.min(oph - y0) {
                let src = tile.data(p).get(y * ts..y * ts + n).ok_or_else(oob)?;
                let at = (y0 + y) * os + x0 * bps;
                out.data_mut(p)
                    .get_mut(at..at + n)
                    .ok_or_else(oob)?
                    .copy_from_slice(src);
            }
        }
    }
    raw::set_color_codes(&mut out, raw::color_codes(first));
    Ok(out)
}
