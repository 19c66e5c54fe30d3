//! Pixel conversions between [`FrameBuffer`] and FFmpeg frames.

use codec_core::{compute_layout, CodecError, FrameBuffer, Rect, VideoPixelFormat};
use ffmpeg::format::Pixel;
use ffmpeg::frame;
use ffmpeg::software::scaling;
use ffmpeg_next as ffmpeg;

use crate::raw;

/// The FFmpeg pixel format with the same memory layout as an opaque WebCodecs format.
/// Formats with alpha map to their opaque equivalent (the alpha plane is not copied).
pub(crate) fn av_pixel(format: VideoPixelFormat) -> Pixel {
    use VideoPixelFormat::*;
    match format.opaque() {
        I420 => Pixel::YUV420P,
        I420P10 => Pixel::YUV420P10LE,
        I420P12 => Pixel::YUV420P12LE,
        I422 => Pixel::YUV422P,
        I422P10 => Pixel::YUV422P10LE,
        I422P12 => Pixel::YUV422P12LE,
        I444 => Pixel::YUV444P,
        I444P10 => Pixel::YUV444P10LE,
        I444P12 => Pixel::YUV444P12LE,
        NV12 => Pixel::NV12,
        RGBX => Pixel::RGBZ,
        BGRX => Pixel::BGRZ,
        // `opaque()` never returns an alpha format; keep the match total anyway.
        RGBA => Pixel::RGBA,
        BGRA => Pixel::BGRA,
        _ => Pixel::YUV420P,
    }
}

/// The WebCodecs format a decoded FFmpeg format can be copied to as is, and whether the
/// format itself implies full range (the `yuvj*` formats).
pub(crate) fn webcodecs_pixel(p: Pixel) -> Option<(VideoPixelFormat, bool)> {
    use VideoPixelFormat::*;
    Some(match p {
        Pixel::YUV420P => (I420, false),
        Pixel::YUVJ420P => (I420, true),
        Pixel::YUV422P => (I422, false),
        Pixel::YUVJ422P => (I422, true),
        Pixel::YUV444P => (I444, false),
        Pixel::YUVJ444P => (I444, true),
        Pixel::YUVA420P => (I420A, false),
        Pixel::YUVA422P => (I422A, false),
        Pixel::YUVA444P => (I444A, false),
        Pixel::YUV420P10LE => (I420P10, false),
        Pixel::YUV422P10LE => (I422P10, false),
        Pixel::YUV444P10LE => (I444P10, false),
        Pixel::YUV420P12LE => (I420P12, false),
        Pixel::YUV422P12LE => (I422P12, false),
        Pixel::YUV444P12LE => (I444P12, false),
        Pixel::NV12 => (NV12, false),
        _ => return None,
    })
}

/// Allocates a writable frame, failing cleanly when FFmpeg could not allocate it.
pub(crate) fn alloc_frame(
    format: Pixel,
    width: u32,
    height: u32,
) -> Result<frame::Video, CodecError> {
    let f = frame::Video::new(format, width, height);
    if f.planes() == 0 || f.width() != width || f.height() != height {
        return Err(CodecError::encoding(format!(
            "could not allocate a {width}x{height} {format:?} frame"
        )));
    }
    Ok(f)
}

fn oob() -> CodecError {
    CodecError::encoding("plane copy out of bounds")
}

/// Copies `rect` of `src` (its first `planes` planes) into the top-left of `dst`.
fn copy_rect_into(
    src: &FrameBuffer,
    rect: Rect,
    planes: usize,
    dst: &mut frame::Video,
) -> Result<(), CodecError> {
    let (regions, _) = compute_layout(src.format(), rect, None)?;
    for (p, r) in regions.iter().enumerate().take(planes.min(dst.planes())) {
        let (s, s_stride) = src.plane(p);
        let d_stride = dst.stride(p);
        let d = dst.data_mut(p);
        let row = (r.source_width_bytes as usize).min(d_stride);
        for y in 0..r.source_height as usize {
            let so = (r.source_top as usize + y) * s_stride + r.source_left_bytes as usize;
            let dof = y * d_stride;
            let from = s.get(so..so + row).ok_or_else(oob)?;
            d.get_mut(dof..dof + row)
                .ok_or_else(oob)?
                .copy_from_slice(from);
        }
    }
    Ok(())
}

/// One cached swscale context, rebuilt when its input or output changes.
#[derive(Default)]
pub(crate) struct ScalerCache {
    key: Option<(Pixel, u32, u32, Pixel, u32, u32)>,
    ctx: Option<raw::SendScaler>,
}

impl ScalerCache {
    fn get(
        &mut self,
        src: (Pixel, u32, u32),
        dst: (Pixel, u32, u32),
    ) -> Result<&mut scaling::Context, CodecError> {
        let key = (src.0, src.1, src.2, dst.0, dst.1, dst.2);
        if self.key != Some(key) || self.ctx.is_none() {
            self.ctx = None;
            let mut ctx = scaling::Context::get(
                src.0,
                src.1,
                src.2,
                dst.0,
                dst.1,
                dst.2,
                scaling::Flags::BILINEAR,
            )
            .map_err(|e| crate::av_error("cannot create scaler", e))?;
            let src_rgb = matches!(src.0, Pixel::RGBA | Pixel::BGRA | Pixel::RGBZ | Pixel::BGRZ);
            let src_full =
                src_rgb || matches!(src.0, Pixel::YUVJ420P | Pixel::YUVJ422P | Pixel::YUVJ444P);
            raw::set_scaler_colorspace(
                &mut ctx,
                ffmpeg::ffi::SWS_CS_ITU709,
                src_full,
                src_full && !src_rgb,
            );
            self.key = Some(key);
            self.ctx = Some(raw::SendScaler(ctx));
        }
        self.ctx
            .as_mut()
            .map(|s| &mut s.0)
            .ok_or_else(|| CodecError::encoding("scaler missing"))
    }
}

/// Builds a fresh `target` (yuv420p or yuv420p10le) `width`×`height` encoder input from the
/// `visible` rect of `buf`: a plain row copy when the format and size already match, otherwise
/// a swscale conversion/scale.
pub(crate) fn to_encoder_frame(
    buf: &FrameBuffer,
    visible: Rect,
    width: u32,
    height: u32,
    target: Pixel,
    scaler: &mut ScalerCache,
) -> Result<frame::Video, CodecError> {
    buf.check_rect(visible)
        .map_err(|e| CodecError::encoding(format!("bad visible rect: {}", e.message)))?;
    let fmt = buf.format().opaque();
    let planes = fmt.plane_count();
    let src_pix = av_pixel(fmt);
    let planar_420 = matches!(fmt, VideoPixelFormat::I420 | VideoPixelFormat::I420P10);
    if planar_420 && src_pix == target && visible.width == width && visible.height == height {
        let mut f = alloc_frame(target, width, height)?;
        copy_rect_into(buf, visible, planes, &mut f)?;
        return Ok(f);
    }
    let mut src = alloc_frame(src_pix, visible.width, visible.height)?;
    copy_rect_into(buf, visible, planes, &mut src)?;
    let mut dst = alloc_frame(target, width, height)?;
    scaler
        .get(
            (src_pix, visible.width, visible.height),
            (target, width, height),
        )?
        .run(&src, &mut dst)
        .map_err(|e| crate::av_error("scaling failed", e))?;
    Ok(dst)
}

/// Copies a decoded frame into a tightly packed [`FrameBuffer`] at the frame's size; formats
/// without a WebCodecs equivalent are converted to I420. Returns the buffer and whether the
/// pixel format implies full range.
pub(crate) fn from_decoded_frame(
    f: &frame::Video,
    scaler: &mut ScalerCache,
) -> Result<(FrameBuffer, bool), CodecError> {
    let (w, h) = (f.width(), f.height());
    if w == 0 || h == 0 {
        return Err(CodecError::encoding("decoder returned an empty frame"));
    }
    let converted;
    let (src, fmt, full) = match webcodecs_pixel(f.format()) {
        Some((fmt, full)) => (f, fmt, full),
        None => {
            let mut dst = alloc_frame(Pixel::YUV420P, w, h)?;
            scaler
                .get((f.format(), w, h), (Pixel::YUV420P, w, h))?
                .run(f, &mut dst)
                .map_err(|e| crate::av_error("pixel format conversion failed", e))?;
            converted = dst;
            (&converted, VideoPixelFormat::I420, false)
        }
    };
    Ok((copy_planes(src, fmt)?, full))
}

/// Copies a frame whose memory layout equals `fmt` into a packed [`FrameBuffer`].
pub(crate) fn copy_planes(
    src: &frame::Video,
    fmt: VideoPixelFormat,
) -> Result<FrameBuffer, CodecError> {
    let (w, h) = (src.width(), src.height());
    let mut out = FrameBuffer::new_zeroed(fmt, w, h)?;
    for p in 0..fmt.plane_count() {
        if p >= src.planes() {
            return Err(CodecError::encoding("decoded frame lacks a plane"));
        }
        let (row, rows) = fmt.plane_size(p, w, h);
        let (row, rows) = (row as usize, rows as usize);
        let s_stride = src.stride(p);
        let s = src.data(p);
        let (d, d_stride) = out.plane_mut(p);
        for y in 0..rows {
            let from = s.get(y * s_stride..y * s_stride + row).ok_or_else(oob)?;
            d.get_mut(y * d_stride..y * d_stride + row)
                .ok_or_else(oob)?
                .copy_from_slice(from);
        }
    }
    Ok(out)
}

/// Builds the alpha encoder's input (`alpha: "keep"`): a yuv420p `width`×`height` frame whose Y
/// plane is the alpha of the `visible` rect of `buf` (scaled like the colour planes; 10- and
/// 12-bit alpha reduced to 8 bits), U and V 128. Formats without alpha are opaque (255).
pub(crate) fn to_alpha_frame(
    buf: &FrameBuffer,
    visible: Rect,
    width: u32,
    height: u32,
    scaler: &mut ScalerCache,
) -> Result<frame::Video, CodecError> {
    buf.check_rect(visible)
        .map_err(|e| CodecError::encoding(format!("bad visible rect: {}", e.message)))?;
    let mut dst = alloc_frame(Pixel::YUV420P, width, height)?;
    dst.data_mut(1).fill(128);
    dst.data_mut(2).fill(128);
    let fmt = buf.format();
    if !fmt.has_alpha() {
        dst.data_mut(0).fill(255);
        return Ok(dst);
    }
    let same_size = visible.width == width && visible.height == height;
    let mut gray = if same_size {
        None
    } else {
        Some(alloc_frame(Pixel::GRAY8, visible.width, visible.height)?)
    };
    {
        let target = gray.as_mut().unwrap_or(&mut dst);
        let d_stride = target.stride(0);
        let d = target.data_mut(0);
        let (vx, vy, vw) = (
            visible.x as usize,
            visible.y as usize,
            visible.width as usize,
        );
        for y in 0..visible.height as usize {
            let row = d.get_mut(y * d_stride..y * d_stride + vw).ok_or_else(oob)?;
            if fmt.is_rgb() {
                // RGBA and BGRA: the 4th byte of each pixel.
                let (s, s_stride) = buf.plane(0);
                let so = (vy + y) * s_stride + vx * 4;
                let src = s.get(so..so + vw * 4).ok_or_else(oob)?;
                for (o, px) in row.iter_mut().zip(src.chunks_exact(4)) {
                    *o = px[3];
                }
            } else {
                // The *A formats: plane 3, full resolution.
                let (s, s_stride) = buf.plane(3);
                let bits = fmt.bit_depth();
                if bits == 8 {
                    let so = (vy + y) * s_stride + vx;
                    row.copy_from_slice(s.get(so..so + vw).ok_or_else(oob)?);
                } else {
                    let so = (vy + y) * s_stride + vx * 2;
                    let src = s.get(so..so + vw * 2).ok_or_else(oob)?;
                    let shift = bits - 8;
                    let max = (1u32 << bits) - 1;
                    for (o, v) in row.iter_mut().zip(src.chunks_exact(2)) {
                        let v = u32::from(u16::from_le_bytes([v[0], v[1]])).min(max);
                        *o = ((v + (1 << (shift - 1))) >> shift).min(255) as u8;
                    }
                }
            }
        }
    }
    if let Some(gray) = gray {
        let mut scaled = alloc_frame(Pixel::GRAY8, width, height)?;
        scaler
            .get(
                (Pixel::GRAY8, visible.width, visible.height),
                (Pixel::GRAY8, width, height),
            )?
            .run(&gray, &mut scaled)
            .map_err(|e| crate::av_error("scaling alpha failed", e))?;
        let (s_stride, d_stride) = (scaled.stride(0), dst.stride(0));
        let w = width as usize;
        let s = scaled.data(0);
        let d = dst.data_mut(0);
        for y in 0..height as usize {
            let from = s.get(y * s_stride..y * s_stride + w).ok_or_else(oob)?;
            d.get_mut(y * d_stride..y * d_stride + w)
                .ok_or_else(oob)?
                .copy_from_slice(from);
        }
    }
    Ok(dst)
}
