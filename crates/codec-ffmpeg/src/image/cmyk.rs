//! Adobe four-component JPEGs (CMYK, YCCK) with subsampled components. FFmpeg 5.1 converts
//! them itself only when every component is at full resolution; with subsampling its
//! conversion scrambles the blocks. So the packet is rewritten to look like a plain
//! four-component YCbCr+alpha JPEG (Adobe transform 1, numeric component ids), FFmpeg returns
//! the raw component planes, and they are converted here (inverted Adobe samples).

use ffmpeg::format::Pixel;
use ffmpeg::frame;
use ffmpeg_next as ffmpeg;

use crate::convert::alloc_frame;
use crate::{Error, Result};
use media_parse::image::jpeg::JpegScan;

/// Whether `scan` describes an Adobe CMYK/YCCK JPEG with subsampled components, which
/// [`raw_components`] rewrites.
pub(crate) fn rewrites(scan: &JpegScan) -> bool {
    let Some(&first) = scan.sampling.first() else {
        return false;
    };
    scan.sampling.len() == 4
        && scan.sampling.iter().any(|&f| f != first)
        && matches!(scan.adobe_transform, Some((_, 0 | 2)))
}

/// If `scan` describes an Adobe CMYK/YCCK JPEG with subsampled components, rewrites `packet`
/// so FFmpeg decodes its raw planes and returns the original Adobe transform (0 or 2).
pub(crate) fn raw_components(packet: &mut [u8], scan: &JpegScan) -> Option<u8> {
    if !rewrites(scan) {
        return None;
    }
    let (at, transform) = scan.adobe_transform?;
    *packet.get_mut(at)? = 1;
    // FFmpeg treats components named C, M, Y, K as CMYK whatever the transform says.
    for &o in &scan.component_ids {
        if let Some(id) = packet.get_mut(o) {
            *id = match *id {
                b'C' => 1,
                b'M' => 2,
                b'Y' => 3,
                b'K' => 4,
                v => v,
            };
        }
    }
    Some(transform)
}

fn oob() -> Error {
    Error::malformed("CMYK conversion out of bounds")
}

/// One plane of a decoded picture, sampled at full-resolution positions (bilinear between
/// the centres of subsampled samples).
struct Plane<'a> {
    data: &'a [u8],
    stride: usize,
    width: usize,
    height: usize,
    /// Plane size over picture size.
    sx: f32,
    sy: f32,
}

impl<'a> Plane<'a> {
    fn new(f: &'a frame::Video, i: usize) -> Self {
        let (width, height) = (f.plane_width(i) as usize, f.plane_height(i) as usize);
        Self {
            data: f.data(i),
            stride: f.stride(i),
            width,
            height,
            sx: width as f32 / f.width() as f32,
            sy: height as f32 / f.height() as f32,
        }
    }

    fn get(&self, x: usize, y: usize) -> Result<f32> {
        self.data
            .get(y * self.stride + x)
            .map(|&v| f32::from(v))
            .ok_or_else(oob)
    }

    fn at(&self, x: usize, y: usize) -> Result<f32> {
        if self.sx >= 1.0 && self.sy >= 1.0 {
            return self.get(x, y);
        }
        if self.width == 0 || self.height == 0 {
            return Err(oob());
        }
        let pos = |p: usize, s: f32, n: usize| {
            let v = ((p as f32 + 0.5) * s - 0.5).clamp(0.0, (n - 1) as f32);
            let i = v.floor() as usize;
            (i, (i + 1).min(n - 1), v - i as f32)
        };
        let (x0, x1, fx) = pos(x, self.sx, self.width);
        let (y0, y1, fy) = pos(y, self.sy, self.height);
        let top = self.get(x0, y0)? * (1.0 - fx) + self.get(x1, y0)? * fx;
        let bottom = self.get(x0, y1)? * (1.0 - fx) + self.get(x1, y1)? * fx;
        Ok(top * (1.0 - fy) + bottom * fy)
    }
}

/// Converts the raw planes of an Adobe CMYK (`transform` 0) or YCCK (2) JPEG to RGBX.
/// The samples are inverted, Adobe style: R = C' * K' / 255.
///
/// # Errors
/// `NotSupportedError` if FFmpeg returned a layout other than planar YUVA.
pub(crate) fn to_rgbx(f: &frame::Video, transform: u8) -> Result<frame::Video> {
    if !matches!(
        f.format(),
        Pixel::YUVA420P | Pixel::YUVA422P | Pixel::YUVA444P
    ) || f.width() == 0
        || f.height() == 0
    {
        return Err(Error::malformed(format!(
            "this CMYK/YCCK JPEG layout ({:?}) is not supported",
            f.format()
        )));
    }
    let (w, h) = (f.width() as usize, f.height() as usize);
    let planes = [
        Plane::new(f, 0),
        Plane::new(f, 1),
        Plane::new(f, 2),
        Plane::new(f, 3),
    ];
    let mut out = alloc_frame(Pixel::RGBZ, f.width(), f.height())?;
    let stride = out.stride(0);
    let dst = out.data_mut(0);
    for y in 0..h {
        let row = dst
            .get_mut(y * stride..y * stride + 4 * w)
            .ok_or_else(oob)?;
        for (x, px) in row.chunks_exact_mut(4).enumerate() {
            let c = [
                planes[0].at(x, y)?,
                planes[1].at(x, y)?,
                planes[2].at(x, y)?,
            ];
            let k = planes[3].at(x, y)?;
            let cmy = if transform == 2 {
                // JFIF YCbCr → RGB gives 255 - C', 255 - M', 255 - Y'.
                let (luma, cb, cr) = (c[0], c[1] - 128.0, c[2] - 128.0);
                [
                    255.0 - (luma + 1.402 * cr).clamp(0.0, 255.0),
                    255.0 - (luma - 0.344_136 * cb - 0.714_136 * cr).clamp(0.0, 255.0),
                    255.0 - (luma + 1.772 * cb).clamp(0.0, 255.0),
                ]
            } else {
                c
            };
            for (o, v) in px.iter_mut().zip(cmy) {
                *o = (v * k / 255.0).round().clamp(0.0, 255.0) as u8;
            }
            px[3] = 255;
        }
    }
    Ok(out)
}
