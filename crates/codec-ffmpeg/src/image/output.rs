//! Decoded pictures to WebCodecs frames: the pixel format an image is delivered in (YUV layouts
//! WebCodecs has are kept; RGB, palette and grey become RGBA or RGBX), its colour space, and
//! scaling to `desiredWidth`/`desiredHeight`.

use std::sync::Arc;

use codec_core::{
    ColorMatrix, ColorPrimaries, ColorTransfer, FrameBuffer, PlaneSource, VideoColorSpace,
    VideoPixelFormat,
};
use ffmpeg::format::Pixel;
use ffmpeg::frame;
use ffmpeg::software::scaling;
use ffmpeg_next as ffmpeg;

use super::{ImageFrameOutput, ImageSession, ImageType};
use crate::convert::{alloc_frame, share_or_copy, webcodecs_pixel};
use crate::{raw, Error, Result};

/// Source format and size, destination format and size, and whether the source is full range.
type ScaleKey = (Pixel, u32, u32, Pixel, u32, u32, bool);

/// The last scaler used, kept while the conversion stays the same (animation frames).
#[derive(Default)]
pub(super) struct Scaler(Option<(ScaleKey, raw::SendScaler)>);

impl Scaler {
    /// The scaler for `key`, made (BICUBIC, BT.709 coefficients) when the key changed.
    fn get(&mut self, key: ScaleKey, rgb: bool) -> Result<&mut scaling::Context> {
        if self.0.as_ref().map(|(k, _)| *k) != Some(key) {
            self.0 = None;
            let (src, w, h, dst, tw, th, src_full) = key;
            let mut ctx = scaling::Context::get(src, w, h, dst, tw, th, scaling::Flags::BICUBIC)
                .map_err(|e| Error::ffmpeg("cannot create scaler", e))?;
            let dst_full = rgb || src_full;
            raw::set_scaler_colorspace(&mut ctx, ffmpeg::ffi::SWS_CS_ITU709, src_full, dst_full);
            self.0 = Some((key, raw::SendScaler(ctx)));
        }
        match self.0.as_mut() {
            Some((_, s)) => Ok(&mut s.0),
            None => Err(Error::internal("scaler missing")),
        }
    }
}

/// The WebCodecs format a decoded FFmpeg format is delivered in: `(format, full range implied,
/// is RGB)`.
fn target_format(p: Pixel) -> (VideoPixelFormat, bool, bool) {
    use VideoPixelFormat::*;
    if let Some((f, full)) = webcodecs_pixel(p) {
        return (f, full, false);
    }
    // Alpha formats deeper than 8 bits (the 8-bit ones are WebCodecs formats already).
    let deep_alpha = match p {
        Pixel::YUVA420P10LE => Some(I420AP10),
        Pixel::YUVA422P10LE => Some(I422AP10),
        Pixel::YUVA444P10LE => Some(I444AP10),
        Pixel::YUVA422P12LE => Some(I422AP12),
        Pixel::YUVA444P12LE => Some(I444AP12),
        _ => None,
    };
    if let Some(f) = deep_alpha {
        return (f, false, false);
    }
    let rgb = match p {
        Pixel::RGBA => RGBA,
        Pixel::BGRA => BGRA,
        Pixel::RGBZ => RGBX,
        Pixel::BGRZ => BGRX,
        Pixel::ARGB
        | Pixel::ABGR
        | Pixel::PAL8
        | Pixel::YA8
        | Pixel::YA16BE
        | Pixel::YA16LE
        | Pixel::RGBA64BE
        | Pixel::RGBA64LE
        | Pixel::BGRA64BE
        | Pixel::BGRA64LE
        | Pixel::GBRAP
        | Pixel::GBRAP10LE
        | Pixel::GBRAP12LE
        | Pixel::GBRAP16LE
        | Pixel::GBRAP16BE => RGBA,
        _ => RGBX,
    };
    (rgb, true, true)
}

/// The FFmpeg layout of a WebCodecs format as the image path writes it (alpha formats keep
/// their alpha plane).
fn av_layout(fmt: VideoPixelFormat) -> Pixel {
    match fmt {
        VideoPixelFormat::I420A => Pixel::YUVA420P,
        VideoPixelFormat::I422A => Pixel::YUVA422P,
        VideoPixelFormat::I444A => Pixel::YUVA444P,
        VideoPixelFormat::RGBA => Pixel::RGBA,
        VideoPixelFormat::BGRA => Pixel::BGRA,
        _ => crate::convert::av_pixel(fmt),
    }
}

/// The colour space of RGB output: sRGB.
pub(super) fn srgb() -> VideoColorSpace {
    VideoColorSpace {
        primaries: Some(ColorPrimaries::Bt709),
        transfer: Some(ColorTransfer::Iec6196621),
        matrix: Some(ColorMatrix::Rgb),
        full_range: Some(true),
    }
}

impl ImageFrameOutput {
    /// A still image's output: `frame` in `color_space`, no timing, no orientation.
    pub(super) fn still(frame: FrameBuffer, color_space: VideoColorSpace) -> Self {
        Self {
            frame,
            timestamp: 0,
            duration: None,
            color_space,
            rotation: 0,
            flip: false,
            generation: None,
        }
    }
}

impl ImageSession {
    /// Copies (or converts/scales) a decoded picture into a WebCodecs frame.
    pub(super) fn convert(&mut self, f: &frame::Video) -> Result<ImageFrameOutput> {
        let (w, h) = (f.width(), f.height());
        if w == 0 || h == 0 {
            return Err(Error::malformed("decoder returned an empty frame"));
        }
        let (tw, th) = self.opts.desired_size.unwrap_or((w, h));
        let (fmt, full, rgb) = target_format(f.format());
        let src_full = full || rgb || raw::color_codes(f).range == 2;
        let color_space = if rgb {
            srgb()
        } else {
            // Members the bitstream leaves unspecified get the usual image defaults: sRGB
            // primaries and transfer, BT.601 matrix; JPEG is full range, the rest limited.
            let c = crate::decoder::color_space(f, full, crate::codecs::Family::Av1, false);
            VideoColorSpace {
                primaries: c.primaries.or(Some(ColorPrimaries::Bt709)),
                transfer: c.transfer.or(Some(ColorTransfer::Iec6196621)),
                matrix: c.matrix.or(Some(ColorMatrix::Smpte170m)),
                full_range: c.full_range.or(Some(self.ty == ImageType::Jpeg)),
            }
        };
        // The decoded layout is the delivered one (a full-range `yuvj*` picture is laid out as
        // its WebCodecs format too): its planes are shared, not run through swscale.
        let same_layout = av_layout(fmt) == f.format()
            || webcodecs_pixel(f.format()).is_some_and(|(p, _)| p == fmt);
        let frame = if same_layout && (tw, th) == (w, h) {
            share_or_copy(f, fmt)?
        } else {
            let av = av_layout(fmt);
            let key = (f.format(), w, h, av, tw, th, src_full);
            let scaler = self.scaler.get(key, rgb)?;
            let mut dst = alloc_frame(av, tw, th)?;
            scaler
                .run(f, &mut dst)
                .map_err(|e| Error::ffmpeg("pixel format conversion failed", e))?;
            share_or_copy(&dst, fmt)?
        };
        Ok(ImageFrameOutput::still(frame, color_space))
    }
}

fn oob() -> Error {
    Error::internal("plane copy out of bounds")
}

/// Converts a decoded picture to an RGBA frame (BT.601 for YUV input, as WebP and JPEG use;
/// `yuv_full`: the YUV is full range).
pub(super) fn to_rgba_frame(f: &frame::Video, yuv_full: bool) -> Result<frame::Video> {
    let (w, h) = (f.width(), f.height());
    let mut ctx =
        scaling::Context::get(f.format(), w, h, Pixel::RGBA, w, h, scaling::Flags::BICUBIC)
            .map_err(|e| Error::ffmpeg("cannot create scaler", e))?;
    let yuv = webcodecs_pixel(f.format()).is_some()
        || matches!(
            f.format(),
            Pixel::YUVA420P | Pixel::YUVA422P | Pixel::YUVA444P
        );
    raw::set_scaler_colorspace(&mut ctx, ffmpeg::ffi::SWS_CS_ITU601, !yuv || yuv_full, true);
    let mut dst = alloc_frame(Pixel::RGBA, w, h)?;
    ctx.run(f, &mut dst)
        .map_err(|e| Error::ffmpeg("pixel format conversion failed", e))?;
    Ok(dst)
}

/// Converts a decoded picture to tightly packed RGBA, as [`to_rgba_frame`] does.
pub(super) fn to_packed_rgba(f: &frame::Video, yuv_full: bool) -> Result<Vec<u8>> {
    let dst = to_rgba_frame(f, yuv_full)?;
    let (w, h) = (f.width() as usize, f.height() as usize);
    let row = w * 4;
    let stride = dst.stride(0);
    let data = dst.data(0);
    let mut out = Vec::with_capacity(row * h);
    for y in 0..h {
        out.extend_from_slice(data.get(y * stride..y * stride + row).ok_or_else(oob)?);
    }
    Ok(out)
}

/// Tightly packed 4-byte pixels and their stride, the one plane of a frame made here (a PNG
/// the `png` crate decoded), or a frame built and changed here, frozen: either way shared, so
/// that cloning it (the session's frame cache does) copies no pixels.
#[derive(Debug)]
pub(super) enum Owned {
    Pixels(Vec<u8>, usize),
    Frame(FrameBuffer),
}

impl PlaneSource for Owned {
    fn plane(&self, i: usize) -> Option<(&[u8], usize)> {
        match self {
            Self::Pixels(p, stride) => (i == 0).then_some((&p[..], *stride)),
            Self::Frame(f) => (i < f.format().plane_count()).then(|| f.plane(i)),
        }
    }
}

/// `frame` with shared planes: as it is when they are shared already, else moved behind an
/// `Arc` (no copy).
pub(super) fn shared(frame: FrameBuffer) -> Result<FrameBuffer> {
    if frame.is_foreign() {
        return Ok(frame);
    }
    let (format, w, h) = (frame.format(), frame.coded_width(), frame.coded_height());
    FrameBuffer::from_foreign(format, w, h, Arc::new(Owned::Frame(frame)))
        .map_err(|e| Error::internal(format!("cannot share a frame: {}", e.message)))
}

/// `w`×`h` tightly packed 4-byte `pixels` as a shared frame of `format`.
pub(super) fn shared_pixels(
    pixels: Vec<u8>,
    format: VideoPixelFormat,
    w: u32,
    h: u32,
) -> Result<FrameBuffer> {
    let stride = w as usize * 4;
    FrameBuffer::from_foreign(format, w, h, Arc::new(Owned::Pixels(pixels, stride)))
        .map_err(|e| Error::internal(format!("cannot share decoded pixels: {}", e.message)))
}

/// Tightly packed 4-byte pixels (`width` × `height`) as a frame of `format` (RGBA or RGBZ).
pub(super) fn packed_to_frame(
    pixels: &[u8],
    format: Pixel,
    width: u32,
    height: u32,
) -> Result<frame::Video> {
    let mut f = alloc_frame(format, width, height)?;
    let (stride, row) = (f.stride(0), width as usize * 4);
    let dst = f.data_mut(0);
    for y in 0..height as usize {
        dst.get_mut(y * stride..y * stride + row)
            .ok_or_else(oob)?
            .copy_from_slice(pixels.get(y * row..(y + 1) * row).ok_or_else(oob)?);
    }
    Ok(f)
}
