//! Pixel conversions between [`FrameBuffer`] and FFmpeg frames.

use std::fmt;
use std::sync::Arc;

use codec_core::{compute_layout, FrameBuffer, PlaneRegion, PlaneSource, Rect, VideoPixelFormat};
use ffmpeg::format::Pixel;
use ffmpeg::frame;
use ffmpeg::software::scaling;
use ffmpeg_next as ffmpeg;

use crate::{raw, Error, Result};

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
pub(crate) fn alloc_frame(format: Pixel, width: u32, height: u32) -> Result<frame::Video> {
    let f = frame::Video::new(format, width, height);
    if f.planes() == 0 || f.width() != width || f.height() != height {
        return Err(Error::limit(format!(
            "could not allocate a {width}x{height} {format:?} frame"
        )));
    }
    Ok(f)
}

/// A frame for swscale to read, zero-filled to the end of each row's padding: swscale's
/// vector code reads past a row's last pixel and branches on what it finds there (valgrind
/// reports the uninitialised padding of a fresh frame), so that padding is given a value.
pub(crate) fn alloc_scaler_input(format: Pixel, width: u32, height: u32) -> Result<frame::Video> {
    let mut f = alloc_frame(format, width, height)?;
    for p in 0..f.planes() {
        f.data_mut(p).fill(0);
    }
    Ok(f)
}

fn oob() -> Error {
    Error::malformed("plane copy out of bounds")
}

/// Copies `rect` of `src` (its first `planes` planes) into the top-left of `dst`.
pub(crate) fn copy_rect_into(
    src: &FrameBuffer,
    rect: Rect,
    planes: usize,
    dst: &mut frame::Video,
) -> Result<()> {
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
    ) -> Result<&mut scaling::Context> {
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
            .map_err(|e| Error::ffmpeg("cannot create scaler", e))?;
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
            .ok_or_else(|| Error::internal("scaler missing"))
    }
}

/// Builds the `target` (yuv420p or yuv420p10le) `width`×`height` encoder input from the
/// `visible` rect of `buf`. When the format and size already match, the frame's planes point
/// into `buf` (no copy; see [`shared_input`]); otherwise it is a swscale conversion/scale.
pub(crate) fn to_encoder_frame(
    buf: &Arc<FrameBuffer>,
    visible: Rect,
    width: u32,
    height: u32,
    target: Pixel,
    scaler: &mut ScalerCache,
) -> Result<frame::Video> {
    buf.check_rect(visible)
        .map_err(|e| Error::malformed(format!("bad visible rect: {}", e.message)))?;
    let fmt = buf.format().opaque();
    let planes = fmt.plane_count();
    let src_pix = av_pixel(fmt);
    let planar_420 = matches!(fmt, VideoPixelFormat::I420 | VideoPixelFormat::I420P10);
    if planar_420 && src_pix == target && visible.width == width && visible.height == height {
        if let Some(f) = shared_input(buf, visible, planes, target)? {
            return Ok(f);
        }
        let mut f = alloc_frame(target, width, height)?;
        copy_rect_into(buf, visible, planes, &mut f)?;
        return Ok(f);
    }
    let mut src = alloc_scaler_input(src_pix, visible.width, visible.height)?;
    copy_rect_into(buf, visible, planes, &mut src)?;
    let mut dst = alloc_frame(target, width, height)?;
    scaler
        .get(
            (src_pix, visible.width, visible.height),
            (target, width, height),
        )?
        .run(&src, &mut dst)
        .map_err(|e| Error::ffmpeg("scaling failed", e))?;
    Ok(dst)
}

/// An encoder input frame whose first `planes` planes are the `visible` rect of `buf` in place
/// (offset to the rect, the buffer's strides), holding `buf` alive through its buffer
/// references. `None` when FFmpeg could not wrap the planes (the caller copies instead).
pub(crate) fn shared_input(
    buf: &Arc<FrameBuffer>,
    visible: Rect,
    planes: usize,
    format: Pixel,
) -> Result<Option<frame::Video>> {
    let (regions, _) = compute_layout(buf.format(), visible, None)?;
    if regions.len() < planes {
        return Ok(None);
    }
    let shared = regions
        .iter()
        .enumerate()
        .take(planes)
        .map(|(p, r)| shared_plane(buf, p, r))
        .collect();
    Ok(raw::shared_frame(
        shared,
        format,
        visible.width,
        visible.height,
    ))
}

/// Plane `plane` of `buf` in place, from region `r`'s first row and column.
fn shared_plane(buf: &Arc<FrameBuffer>, plane: usize, r: &PlaneRegion) -> raw::SharedPlane {
    let (_, stride) = buf.plane(plane);
    raw::SharedPlane {
        buf: buf.clone(),
        plane,
        offset: r.source_top as usize * stride + r.source_left_bytes as usize,
        stride,
        len: (r.source_height as usize).saturating_sub(1) * stride + r.source_width_bytes as usize,
    }
}

/// A decoded picture shared without a copy: a new reference to the decoder's frame. FFmpeg's
/// decoders hand out reference-counted pictures they no longer write to, and their buffer
/// pools only reuse a buffer once every reference to it is gone, so the planes stay valid and
/// unchanged for as long as this lives.
struct DecodedPlanes {
    frame: frame::Video,
    /// Bytes per row and rows of each plane.
    sizes: Vec<(usize, usize)>,
}

impl fmt::Debug for DecodedPlanes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodedPlanes")
            .field("format", &self.frame.format())
            .field("sizes", &self.sizes)
            .finish()
    }
}

impl PlaneSource for DecodedPlanes {
    fn plane(&self, i: usize) -> Option<(&[u8], usize)> {
        let &(row, rows) = self.sizes.get(i)?;
        raw::frame_plane(&self.frame, i, row, rows)
    }
}

/// `src` (whose memory layout equals `fmt`) as a [`FrameBuffer`] sharing its planes, or
/// `None` when they cannot be shared (a plane outside the frame's reference-counted buffers, a
/// negative stride) and must be copied.
fn share_planes(src: &frame::Video, fmt: VideoPixelFormat) -> Option<FrameBuffer> {
    let (w, h) = (src.width(), src.height());
    let sizes: Vec<(usize, usize)> = (0..fmt.plane_count())
        .map(|p| {
            let (row, rows) = fmt.plane_size(p, w, h);
            (row as usize, rows as usize)
        })
        .collect();
    let fits = sizes
        .iter()
        .enumerate()
        .all(|(p, &(row, rows))| raw::frame_plane(src, p, row, rows).is_some());
    if !fits {
        return None;
    }
    let frame = raw::frame_ref(src)?;
    FrameBuffer::from_foreign(fmt, w, h, Arc::new(DecodedPlanes { frame, sizes })).ok()
}

/// `src` (whose memory layout equals `fmt`) as a [`FrameBuffer`]: its planes shared when
/// possible, else copied.
pub(crate) fn share_or_copy(src: &frame::Video, fmt: VideoPixelFormat) -> Result<FrameBuffer> {
    match share_planes(src, fmt) {
        Some(f) => Ok(f),
        None => copy_planes(src, fmt),
    }
}

/// A decoded frame as a [`FrameBuffer`] at the frame's size, sharing its planes when possible;
/// formats without a WebCodecs equivalent are converted to I420 first. Returns the buffer and
/// whether the pixel format implies full range.
pub(crate) fn from_decoded_frame(
    f: &frame::Video,
    scaler: &mut ScalerCache,
) -> Result<(FrameBuffer, bool)> {
    let (w, h) = (f.width(), f.height());
    if w == 0 || h == 0 {
        return Err(Error::internal("decoder returned an empty frame"));
    }
    match webcodecs_pixel(f.format()) {
        Some((fmt, full)) => Ok((share_or_copy(f, fmt)?, full)),
        None => {
            let mut dst = alloc_frame(Pixel::YUV420P, w, h)?;
            scaler
                .get((f.format(), w, h), (Pixel::YUV420P, w, h))?
                .run(f, &mut dst)
                .map_err(|e| Error::ffmpeg("pixel format conversion failed", e))?;
            Ok((share_or_copy(&dst, VideoPixelFormat::I420)?, false))
        }
    }
}

/// Copies a frame whose memory layout equals `fmt` into a packed [`FrameBuffer`].
pub(crate) fn copy_planes(src: &frame::Video, fmt: VideoPixelFormat) -> Result<FrameBuffer> {
    let (w, h) = (src.width(), src.height());
    let mut out = FrameBuffer::new_zeroed(fmt, w, h)?;
    for p in 0..fmt.plane_count() {
        if p >= src.planes() {
            return Err(Error::internal("decoded frame lacks a plane"));
        }
        let (row, rows) = fmt.plane_size(p, w, h);
        let (row, rows) = (row as usize, rows as usize);
        let (d, d_stride) = out.plane_mut(p);
        for y in 0..rows {
            let from = raw::frame_row(src, p, y, row).ok_or_else(oob)?;
            d.get_mut(y * d_stride..y * d_stride + row)
                .ok_or_else(oob)?
                .copy_from_slice(from);
        }
    }
    Ok(out)
}

/// Neutral (128) chroma planes for the alpha encoder's input, shared by all its frames.
#[derive(Default)]
pub(crate) struct GreyChroma(Option<Arc<FrameBuffer>>);

impl GreyChroma {
    /// An I420 `width`×`height` buffer whose U and V planes are 128 (Y unused).
    fn get(&mut self, width: u32, height: u32) -> Result<Arc<FrameBuffer>> {
        if let Some(g) = self
            .0
            .as_ref()
            .filter(|g| (g.coded_width(), g.coded_height()) == (width, height))
        {
            return Ok(g.clone());
        }
        let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::I420, width, height)?;
        f.plane_mut(1).0.fill(128);
        f.plane_mut(2).0.fill(128);
        let g = Arc::new(f);
        self.0 = Some(g.clone());
        Ok(g)
    }
}

/// The alpha encoder's input read in place: Y is the 8-bit alpha plane of the `visible` rect of
/// `buf` (same size as the encode), U and V come from `grey`. `None` when that does not apply.
fn shared_alpha(
    buf: &Arc<FrameBuffer>,
    visible: Rect,
    width: u32,
    height: u32,
    grey: &mut GreyChroma,
) -> Result<Option<frame::Video>> {
    let fmt = buf.format();
    if !fmt.has_alpha() || fmt.is_rgb() || fmt.bit_depth() != 8 {
        return Ok(None);
    }
    if (visible.width, visible.height) != (width, height) {
        return Ok(None);
    }
    let (regions, _) = compute_layout(fmt, visible, None)?;
    let Some(alpha) = regions.get(3) else {
        return Ok(None);
    };
    let g = grey.get(width, height)?;
    let (chroma, _) = compute_layout(VideoPixelFormat::I420, Rect::new(0, 0, width, height), None)?;
    let planes = vec![
        shared_plane(buf, 3, alpha),
        shared_plane(&g, 1, &chroma[1]),
        shared_plane(&g, 2, &chroma[2]),
    ];
    Ok(raw::shared_frame(planes, Pixel::YUV420P, width, height))
}

/// Builds the alpha encoder's input (`alpha: "keep"`): a yuv420p `width`×`height` frame whose Y
/// plane is the alpha of the `visible` rect of `buf` (scaled like the colour planes; 10- and
/// 12-bit alpha reduced to 8 bits), U and V 128. Formats without alpha are opaque (255). 8-bit
/// alpha at the encode size is read in place (see [`shared_alpha`]); everything else is copied.
pub(crate) fn to_alpha_frame(
    buf: &Arc<FrameBuffer>,
    visible: Rect,
    width: u32,
    height: u32,
    scaler: &mut ScalerCache,
    grey: &mut GreyChroma,
) -> Result<frame::Video> {
    buf.check_rect(visible)
        .map_err(|e| Error::malformed(format!("bad visible rect: {}", e.message)))?;
    if let Some(f) = shared_alpha(buf, visible, width, height, grey)? {
        return Ok(f);
    }
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
        Some(alloc_scaler_input(
            Pixel::GRAY8,
            visible.width,
            visible.height,
        )?)
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
            .map_err(|e| Error::ffmpeg("scaling alpha failed", e))?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A `w`×`h` yuv420p frame from FFmpeg's allocator (reference-counted buffers, padded
    /// strides) with a distinct value at every position.
    fn decoded_like(w: u32, h: u32) -> frame::Video {
        let mut f = alloc_frame(Pixel::YUV420P, w, h).unwrap();
        for p in 0..3 {
            let stride = f.stride(p);
            for (i, v) in f.data_mut(p).iter_mut().enumerate() {
                *v = ((i / stride) * 7 + (i % stride) * 3 + p * 50) as u8;
            }
        }
        f
    }

    fn range(s: &[u8]) -> std::ops::Range<usize> {
        s.as_ptr() as usize..s.as_ptr() as usize + s.len()
    }

    #[test]
    fn decoded_planes_are_shared_not_copied() {
        let f = decoded_like(33, 17);
        let copy = copy_planes(&f, VideoPixelFormat::I420).unwrap();
        let (buf, full) = from_decoded_frame(&f, &mut ScalerCache::default()).unwrap();
        assert!(!full && buf.is_foreign() && !copy.is_foreign());
        for p in 0..3 {
            assert_eq!(buf.plane(p).0.as_ptr(), f.data(p).as_ptr(), "plane {p}");
            assert_eq!(buf.plane(p).1, f.stride(p));
        }
        // The shared buffer outlives the frame it came from, with the same pixels.
        drop(f);
        assert_eq!(buf, copy);
        let rect = Rect::new(2, 4, 30, 12);
        let (_, n) = compute_layout(VideoPixelFormat::I420, rect, None).unwrap();
        let (mut a, mut b) = (vec![0; n as usize], vec![0; n as usize]);
        buf.copy_to(rect, &mut a, None).unwrap();
        copy.copy_to(rect, &mut b, None).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn negative_strides_are_copied() {
        let f = decoded_like(16, 8);
        let mut flipped = raw::frame_ref(&f).unwrap();
        raw::flip_vertically(&mut flipped, &[8, 4, 4]);
        let buf = share_or_copy(&flipped, VideoPixelFormat::I420).unwrap();
        assert!(!buf.is_foreign());
        let up = copy_planes(&f, VideoPixelFormat::I420).unwrap();
        for p in 0..3 {
            let ((a, sa), (b, sb)) = (buf.plane(p), up.plane(p));
            let (row, rows) = VideoPixelFormat::I420.plane_size(p, 16, 8);
            let (row, rows) = (row as usize, rows as usize);
            for y in 0..rows {
                let flipped_row = &b[(rows - 1 - y) * sb..(rows - 1 - y) * sb + row];
                assert_eq!(&a[y * sa..y * sa + row], flipped_row, "plane {p} row {y}");
            }
        }
    }

    #[test]
    fn encoder_input_points_into_the_frame_buffer() {
        let f = decoded_like(64, 32);
        let packed = Arc::new(copy_planes(&f, VideoPixelFormat::I420).unwrap());
        let (decoded, _) = from_decoded_frame(&f, &mut ScalerCache::default()).unwrap();
        for buf in [packed, Arc::new(decoded)] {
            let visible = Rect::new(4, 2, 40, 20);
            let mut scaler = ScalerCache::default();
            let e = to_encoder_frame(&buf, visible, 40, 20, Pixel::YUV420P, &mut scaler).unwrap();
            assert_eq!(
                (e.width(), e.height(), e.format()),
                (40, 20, Pixel::YUV420P)
            );
            // One Arc clone per plane buffer keeps the pixels alive.
            assert_eq!(Arc::strong_count(&buf), 4);
            for p in 0..3 {
                let (s, stride) = buf.plane(p);
                let (x, y) = if p == 0 { (4, 2) } else { (2, 1) };
                assert_eq!(e.stride(p), stride);
                assert_eq!(
                    e.data(p).as_ptr() as usize,
                    s.as_ptr() as usize + y * stride + x
                );
                assert!(range(s).contains(&(e.data(p).as_ptr() as usize)));
            }
            // The frame outlives the caller's reference; FFmpeg's own refs keep it alive too.
            let kept = raw::frame_ref(&e).unwrap();
            drop(e);
            assert_eq!(Arc::strong_count(&buf), 4);
            let want = buf.plane(0).0[2 * buf.plane(0).1 + 4];
            let weak = Arc::downgrade(&buf);
            drop(buf);
            assert_eq!(kept.data(0)[0], want);
            assert!(weak.upgrade().is_some());
            drop(kept);
            assert!(
                weak.upgrade().is_none(),
                "the last frame reference frees the buffer"
            );
        }
    }

    #[test]
    fn encoder_input_copies_when_the_size_changes() {
        let f = decoded_like(64, 32);
        let buf = Arc::new(copy_planes(&f, VideoPixelFormat::I420).unwrap());
        let mut scaler = ScalerCache::default();
        let e = to_encoder_frame(
            &buf,
            Rect::new(0, 0, 64, 32),
            32,
            16,
            Pixel::YUV420P,
            &mut scaler,
        )
        .unwrap();
        assert_eq!(Arc::strong_count(&buf), 1);
        assert!(!range(buf.plane(0).0).contains(&(e.data(0).as_ptr() as usize)));
    }

    #[test]
    fn alpha_input_reads_the_alpha_plane_in_place() {
        let (w, h) = (48u32, 32u32);
        let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::I420A, w, h).unwrap();
        let (a, stride) = f.plane_mut(3);
        for (i, v) in a.iter_mut().enumerate() {
            *v = ((i / stride) * 5 + (i % stride) * 3) as u8;
        }
        let buf = Arc::new(f);
        let visible = Rect::new(6, 4, 40, 24);
        let (mut scaler, mut grey) = (ScalerCache::default(), GreyChroma::default());
        let e = to_alpha_frame(&buf, visible, 40, 24, &mut scaler, &mut grey).unwrap();
        let (s, ss) = buf.plane(3);
        assert_eq!(
            e.data(0).as_ptr() as usize,
            s.as_ptr() as usize + 4 * ss + 6
        );
        assert_eq!(e.stride(0), ss);
        for p in 1..3 {
            for y in 0..12 {
                let row = &e.data(p)[y * e.stride(p)..y * e.stride(p) + 20];
                assert!(row.iter().all(|&v| v == 128), "plane {p} row {y}");
            }
        }
        // The grey planes are shared between frames too.
        let e2 = to_alpha_frame(&buf, visible, 40, 24, &mut scaler, &mut grey).unwrap();
        assert_eq!(e.data(1).as_ptr(), e2.data(1).as_ptr());
        // A scaled alpha plane is copied, with the same values where no scaling happens.
        let scaled = to_alpha_frame(
            &buf,
            Rect::new(0, 0, 48, 32),
            40,
            24,
            &mut scaler,
            &mut grey,
        )
        .unwrap();
        assert!(!range(s).contains(&(scaled.data(0).as_ptr() as usize)));
    }
}
