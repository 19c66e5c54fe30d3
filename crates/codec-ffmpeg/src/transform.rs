//! Geometric transforms of a frame: a rect of it scaled, turned by a multiple of 90°, mirrored
//! and placed on a canvas. Browsers draw a `VideoFrame` on a canvas for this (mediabunny's
//! `VideoSample.transform()`, which resizes, rotates and crops in its conversions); Node has no
//! canvas, so `transformVideoSample` (lib/transform.js) brings it here. The scaling is
//! swscale's (the same scaler as an encoder's input), the turn and the placement are copies.

use std::sync::{Arc, Mutex};

use codec_core::{CodecError, FrameBuffer, Rect, VideoPixelFormat};
use ffmpeg::format::Pixel;
use ffmpeg::frame;
use ffmpeg_next as ffmpeg;

use crate::convert::{
    alloc_scaler_input, av_pixel, copy_rect_into, to_alpha_frame, to_encoder_frame, GreyChroma,
    ScalerCache,
};
use crate::{raw, Error, Result};

/// The longest side of a scaled image or a canvas.
pub const MAX_SIDE: u32 = 16384;

/// The largest canvas, in pixels (an 8K frame).
pub const MAX_CANVAS_PIXELS: u64 = 7680 * 4320;

/// What [`transform_frame`] does to a frame: `source` (a rect of its buffer) scaled to
/// `scaled_width`×`scaled_height`, turned clockwise by `rotation`, then mirrored left to right
/// when `flip`, and placed with its top-left corner at (`x`, `y`) on a
/// `canvas_width`×`canvas_height` canvas whose other pixels are black (transparent where the
/// result keeps alpha).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameTransform {
    /// The rect of the frame's buffer read (on the format's chroma grid).
    pub source: Rect,
    /// The size `source` is scaled to, before the turn.
    pub scaled_width: u32,
    /// See `scaled_width`.
    pub scaled_height: u32,
    /// Clockwise, in degrees: 0, 90, 180 or 270.
    pub rotation: u32,
    /// Mirrored left to right, after the turn.
    pub flip: bool,
    /// The size of the result.
    pub canvas_width: u32,
    /// See `canvas_width`.
    pub canvas_height: u32,
    /// Where the turned image's left column lands on the canvas.
    pub x: u32,
    /// Where its top row lands.
    pub y: u32,
    /// Keep the frame's alpha (the result is I420A) when it has any; otherwise the result is
    /// I420.
    pub keep_alpha: bool,
    /// The canvas's black is full-range black (luma 0) instead of limited-range (16).
    pub full_range: bool,
}

impl FrameTransform {
    /// The turned image's size.
    fn turned(&self) -> (u32, u32) {
        if self.rotation.is_multiple_of(180) {
            (self.scaled_width, self.scaled_height)
        } else {
            (self.scaled_height, self.scaled_width)
        }
    }

    /// Checks the transform against `buf`: a `TypeError` for a source rect outside the buffer
    /// or off its chroma grid, a rotation that is not a multiple of 90, an empty or oversized
    /// image or canvas, or an image that does not fit the canvas where it is placed.
    pub fn check(&self, buf: &FrameBuffer) -> std::result::Result<(), CodecError> {
        buf.check_rect(self.source)?;
        let f = buf.format();
        let (sx, sy) = f.subsampling(1);
        let s = self.source;
        if s.width == 0
            || s.height == 0
            || !s.x.is_multiple_of(sx.max(1))
            || !s.y.is_multiple_of(sy.max(1))
            || (s.x + s.width < buf.coded_width() && !s.width.is_multiple_of(sx.max(1)))
            || (s.y + s.height < buf.coded_height() && !s.height.is_multiple_of(sy.max(1)))
        {
            return Err(CodecError::type_error(format!(
                "source rect {}x{} at ({}, {}) is not on the chroma grid of {}",
                s.width,
                s.height,
                s.x,
                s.y,
                f.as_str()
            )));
        }
        if !matches!(self.rotation, 0 | 90 | 180 | 270) {
            return Err(CodecError::type_error("rotation must be 0, 90, 180 or 270"));
        }
        let sides = [
            self.scaled_width,
            self.scaled_height,
            self.canvas_width,
            self.canvas_height,
        ];
        if sides.iter().any(|&v| v == 0 || v > MAX_SIDE)
            || u64::from(self.canvas_width) * u64::from(self.canvas_height) > MAX_CANVAS_PIXELS
        {
            return Err(CodecError::type_error(format!(
                "sizes must be 1 to {MAX_SIDE} pixels, the canvas at most {MAX_CANVAS_PIXELS}"
            )));
        }
        let (w, h) = self.turned();
        if u64::from(self.x) + u64::from(w) > u64::from(self.canvas_width)
            || u64::from(self.y) + u64::from(h) > u64::from(self.canvas_height)
        {
            return Err(CodecError::type_error("the image does not fit the canvas"));
        }
        Ok(())
    }
}

/// What transforms keep from one to the next: the scalers, and the frames that take the source
/// rect and the scaled image. They are FFmpeg's frames (padded, as swscale may read and write a
/// little past a row's end) and, reused, their memory is not faulted in again for every frame.
#[derive(Default)]
struct Scratch {
    /// The scaler of the last transform that scaled, and what it converts.
    scaler: Option<(ScaleKey, raw::FrameScaler)>,
    colour: ScalerCache,
    alpha: ScalerCache,
    grey: GreyChroma,
    source: Option<frame::Video>,
    scaled: Option<frame::Video>,
}

/// What a scaler converts: the source format and size, the scaled size.
type ScaleKey = (Pixel, u32, u32, u32, u32);

/// The [`Scratch`] shared by the threads that run transforms (libuv's pool hands each call to
/// any of its threads: one scratch for all keeps the buffers warm in the caches, where one per
/// thread made a 1080p transform twice as slow). A transform that finds it busy (another one
/// running at the same time) uses a scratch of its own.
static SCRATCH: Mutex<Option<Scratch>> = Mutex::new(None);

/// The threads a transform's scaling slices its work over: one per CPU (at most 4) from
/// 640x360 on, as the FFmpeg CLI's scale filter; one below, where starting them costs more than
/// they save.
fn scale_threads(t: &FrameTransform) -> usize {
    let area = |w: u32, h: u32| u64::from(w) * u64::from(h);
    let big = area(t.source.width, t.source.height).max(area(t.scaled_width, t.scaled_height));
    if big < 640 * 360 {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

/// `slot`'s frame, allocated again only when the format or the size changes. The caller
/// overwrites it whole; nothing else holds a reference to it.
fn reuse(
    slot: &mut Option<frame::Video>,
    format: Pixel,
    w: u32,
    h: u32,
) -> Result<&mut frame::Video> {
    let same = slot
        .as_ref()
        .is_some_and(|f| f.format() == format && (f.width(), f.height()) == (w, h));
    if !same {
        *slot = None;
    }
    match slot {
        Some(f) => Ok(f),
        None => Ok(slot.insert(alloc_scaler_input(format, w, h)?)),
    }
}

/// `t` applied to `buf` (see [`FrameTransform`]): an I420 frame of the canvas size, or I420A
/// when `t.keep_alpha` and `buf` has alpha. Its samples keep the frame's colour space (YUV
/// sources are scaled as they are; RGB ones become BT.709 limited-range YUV). Meant to run off
/// the JS thread.
///
/// # Errors
/// A `TypeError` from [`FrameTransform::check`]; `EncodingError` when FFmpeg cannot scale or
/// allocate.
pub fn transform_frame(buf: &Arc<FrameBuffer>, t: &FrameTransform) -> Result<FrameBuffer> {
    t.check(buf).map_err(Error::Spec)?;
    let alpha = t.keep_alpha && buf.format().has_alpha();
    let format = match alpha {
        true => VideoPixelFormat::I420A,
        false => VideoPixelFormat::I420,
    };
    let mut out = FrameBuffer::new_zeroed(format, t.canvas_width, t.canvas_height)?;
    let mut guard = SCRATCH.try_lock().ok();
    let mut own = None;
    let s: &mut Scratch = match guard.as_deref_mut() {
        Some(slot) => slot.get_or_insert_with(Scratch::default),
        None => own.get_or_insert_with(Scratch::default),
    };
    let (sw, sh) = (t.scaled_width, t.scaled_height);
    let src_fmt = buf.format().opaque();
    let unscaled =
        src_fmt == VideoPixelFormat::I420 && (t.source.width, t.source.height) == (sw, sh);
    // An I420 rect at its own size is read in place; anything else is copied into the
    // source frame and scaled (and converted) into the scaled one.
    let in_place;
    let colour = if unscaled {
        in_place = to_encoder_frame(buf, t.source, sw, sh, Pixel::YUV420P, &mut s.colour)?;
        &in_place
    } else {
        let src_pix = av_pixel(src_fmt);
        // Copied first: swscale reads up to 16 bytes past a row's end (valgrind saw it read
        // past a small frame's buffer), which FFmpeg's padded frames allow and a frame's
        // own packed planes do not.
        let planes = src_fmt.plane_count();
        let src = reuse(&mut s.source, src_pix, t.source.width, t.source.height)?;
        copy_rect_into(buf, t.source, planes, src)?;
        let dst = reuse(&mut s.scaled, Pixel::YUV420P, sw, sh)?;
        let key = (src_pix, t.source.width, t.source.height, sw, sh);
        if s.scaler.as_ref().is_none_or(|(k, _)| *k != key) {
            s.scaler = None;
            let from = (src_pix, t.source.width, t.source.height);
            let rgb = src_fmt.is_rgb();
            let scaler = raw::FrameScaler::new(
                from,
                (Pixel::YUV420P, sw, sh),
                scale_threads(t),
                (rgb, false),
            )
            .ok_or_else(|| Error::internal("cannot create scaler"))?;
            s.scaler = Some((key, scaler));
        }
        let scaler = s
            .scaler
            .as_mut()
            .map(|(_, sc)| sc)
            .ok_or_else(|| Error::internal("scaler missing"))?;
        if !scaler.scale(src, dst) {
            return Err(Error::internal("scaling failed"));
        }
        &*dst
    };
    let alpha_plane = match alpha {
        true => Some(to_alpha_frame(
            buf,
            t.source,
            sw,
            sh,
            &mut s.alpha,
            &mut s.grey,
        )?),
        false => None,
    };
    let (ow, oh) = if t.rotation.is_multiple_of(180) {
        (sw, sh)
    } else {
        (sh, sw)
    };
    // The canvas needs its black only where the image does not cover it.
    let covered = (t.x, t.y, ow, oh) == (0, 0, t.canvas_width, t.canvas_height);
    let black = if t.full_range { 0 } else { 16 };
    // Y, U, V, A: the source plane (A: the alpha frame's Y), its subsampling, the canvas fill.
    let planes: [(Option<&frame::Video>, usize, u32, u8); 4] = [
        (Some(colour), 0, 1, black),
        (Some(colour), 1, 2, 128),
        (Some(colour), 2, 2, 128),
        (alpha_plane.as_ref(), 0, 1, 0),
    ];
    let turn = Turn {
        rotation: t.rotation,
        flip: t.flip,
    };
    for (p, &(src, src_plane, sub, fill)) in planes.iter().enumerate().take(format.plane_count()) {
        let src = src.ok_or_else(|| Error::internal("alpha plane missing"))?;
        let (w, h) = (sw.div_ceil(sub) as usize, sh.div_ceil(sub) as usize);
        let (pixels, stride) = raw::frame_plane(src, src_plane, w, h)
            .ok_or_else(|| Error::internal("scaled plane out of bounds"))?;
        let (d, d_stride) = out.plane_mut(p);
        if !covered {
            d.fill(fill);
        }
        let at = ((t.x / sub) as usize, (t.y / sub) as usize);
        turn.place((pixels, stride, w, h), (d, d_stride), at)?;
    }
    Ok(out)
}

/// A clockwise turn by a multiple of 90°, then a mirror when `flip`.
#[derive(Debug, Clone, Copy)]
struct Turn {
    rotation: u32,
    flip: bool,
}

impl Turn {
    /// Writes plane `src` (its bytes, stride, width and height), turned, into `dst` (its bytes
    /// and stride) with its top-left corner at `at` (column, row).
    fn place(
        self,
        (src, stride, w, h): (&[u8], usize, usize, usize),
        (dst, d_stride): (&mut [u8], usize),
        (x, y): (usize, usize),
    ) -> Result<()> {
        let oob = || Error::internal("transform out of bounds");
        let (ow, oh) = match self.rotation % 180 {
            0 => (w, h),
            _ => (h, w),
        };
        for v in 0..oh {
            let start = (y + v) * d_stride + x;
            let row = dst.get_mut(start..start + ow).ok_or_else(oob)?;
            match self.rotation {
                0 | 180 => {
                    let sy = if self.rotation == 0 { v } else { h - 1 - v };
                    row.copy_from_slice(src.get(sy * stride..sy * stride + w).ok_or_else(oob)?);
                    if (self.rotation == 180) != self.flip {
                        row.reverse();
                    }
                }
                _ => {
                    // Turned by 90: output (u, v) is source (v, h - 1 - u); by 270: source
                    // (w - 1 - v, u). The mirror reads the row from its other end.
                    for (u, px) in row.iter_mut().enumerate() {
                        let u = if self.flip { ow - 1 - u } else { u };
                        let (sx, sy) = match self.rotation {
                            90 => (v, h - 1 - u),
                            _ => (w - 1 - v, u),
                        };
                        *px = *src.get(sy * stride + sx).ok_or_else(oob)?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A 3x2 plane 1 2 3 / 4 5 6, turned and placed at the origin of a plane of its turned size.
    fn turned(rotation: u32, flip: bool) -> Vec<u8> {
        let src = [1, 2, 3, 4, 5, 6];
        let (ow, oh) = if rotation.is_multiple_of(180) {
            (3, 2)
        } else {
            (2, 3)
        };
        let mut dst = vec![0; ow * oh];
        Turn { rotation, flip }
            .place((&src, 3, 3, 2), (&mut dst, ow), (0, 0))
            .unwrap();
        dst
    }

    #[test]
    fn turns_clockwise_then_mirrors() {
        assert_eq!(turned(0, false), [1, 2, 3, 4, 5, 6]);
        assert_eq!(turned(0, true), [3, 2, 1, 6, 5, 4]);
        // Clockwise: the left column, read bottom-up, becomes the top row.
        assert_eq!(turned(90, false), [4, 1, 5, 2, 6, 3]);
        assert_eq!(turned(90, true), [1, 4, 2, 5, 3, 6]);
        assert_eq!(turned(180, false), [6, 5, 4, 3, 2, 1]);
        assert_eq!(turned(180, true), [4, 5, 6, 1, 2, 3]);
        assert_eq!(turned(270, false), [3, 6, 2, 5, 1, 4]);
        assert_eq!(turned(270, true), [6, 3, 5, 2, 4, 1]);
    }

    #[test]
    fn placed_inside_a_larger_plane() {
        let mut dst = vec![9; 5 * 4];
        Turn {
            rotation: 90,
            flip: false,
        }
        .place((&[1, 2, 3, 4, 5, 6], 3, 3, 2), (&mut dst, 5), (2, 1))
        .unwrap();
        assert_eq!(
            dst,
            [9, 9, 9, 9, 9, 9, 9, 4, 1, 9, 9, 9, 5, 2, 9, 9, 9, 6, 3, 9]
        );
        // Past the plane: an error, no panic.
        let e = Turn {
            rotation: 0,
            flip: false,
        }
        .place((&[1, 2, 3, 4, 5, 6], 3, 3, 2), (&mut dst, 5), (3, 3));
        assert!(e.is_err());
    }

    fn frame(format: VideoPixelFormat, w: u32, h: u32) -> Arc<FrameBuffer> {
        let mut f = FrameBuffer::new_zeroed(format, w, h).unwrap();
        for p in 0..format.plane_count() {
            let (d, _) = f.plane_mut(p);
            for (i, b) in d.iter_mut().enumerate() {
                *b = (i * 7 + p * 50) as u8;
            }
        }
        Arc::new(f)
    }

    fn transform(source: Rect, scaled: (u32, u32), canvas: (u32, u32)) -> FrameTransform {
        FrameTransform {
            source,
            scaled_width: scaled.0,
            scaled_height: scaled.1,
            rotation: 0,
            flip: false,
            canvas_width: canvas.0,
            canvas_height: canvas.1,
            x: 0,
            y: 0,
            keep_alpha: true,
            full_range: false,
        }
    }

    #[test]
    fn unscaled_crop_is_exact_and_the_rest_is_black() {
        let buf = frame(VideoPixelFormat::I420, 16, 8);
        let t = FrameTransform {
            x: 2,
            y: 2,
            ..transform(Rect::new(4, 2, 8, 4), (8, 4), (12, 8))
        };
        let out = transform_frame(&buf, &t).unwrap();
        assert_eq!(out.format(), VideoPixelFormat::I420);
        let (src, ss) = buf.plane(0);
        let (dst, ds) = out.plane(0);
        for y in 0..8 {
            for x in 0..12 {
                let inside = (2..10).contains(&x) && (2..6).contains(&y);
                let want = if inside {
                    src[(y - 2 + 2) * ss + x - 2 + 4]
                } else {
                    16
                };
                assert_eq!(dst[y * ds + x], want, "({x}, {y})");
            }
        }
        let (u_src, us) = buf.plane(1);
        let (u, uds) = out.plane(1);
        assert_eq!(u[uds + 1], u_src[us + 2], "chroma moves with luma");
        assert_eq!(u[0], 128);
    }

    #[test]
    fn turned_crop_is_the_turned_source() {
        let buf = frame(VideoPixelFormat::I420, 16, 8);
        let t = FrameTransform {
            rotation: 90,
            flip: true,
            ..transform(Rect::new(0, 0, 16, 8), (16, 8), (8, 16))
        };
        let out = transform_frame(&buf, &t).unwrap();
        let (src, ss) = buf.plane(0);
        let (dst, ds) = out.plane(0);
        // Turned by 90 then mirrored: output (u, v) is source (v, u).
        for v in 0..16 {
            for u in 0..8 {
                assert_eq!(dst[v * ds + u], src[u * ss + v], "({u}, {v})");
            }
        }
    }

    #[test]
    fn alpha_is_kept_or_dropped() {
        let buf = frame(VideoPixelFormat::I420A, 8, 8);
        let t = transform(Rect::new(0, 0, 8, 8), (8, 8), (8, 10));
        let out = transform_frame(&buf, &t).unwrap();
        assert_eq!(out.format(), VideoPixelFormat::I420A);
        let (a, s) = out.plane(3);
        assert_eq!(&a[..8], &buf.plane(3).0[..8]);
        assert_eq!(a[9 * s], 0, "the canvas is transparent");
        let t = FrameTransform {
            keep_alpha: false,
            ..t
        };
        assert_eq!(
            transform_frame(&buf, &t).unwrap().format(),
            VideoPixelFormat::I420
        );
    }

    #[test]
    fn bad_transforms_are_type_errors() {
        let buf = frame(VideoPixelFormat::I420, 16, 8);
        let ok = transform(Rect::new(0, 0, 16, 8), (8, 4), (8, 4));
        assert!(transform_frame(&buf, &ok).is_ok());
        for bad in [
            FrameTransform { rotation: 45, ..ok },
            FrameTransform {
                source: Rect::new(1, 0, 8, 8),
                ..ok
            },
            FrameTransform {
                source: Rect::new(0, 0, 18, 8),
                ..ok
            },
            FrameTransform { x: 1, ..ok },
            FrameTransform { rotation: 90, ..ok },
            FrameTransform {
                scaled_width: 0,
                ..ok
            },
            FrameTransform {
                canvas_width: MAX_SIDE + 1,
                ..ok
            },
        ] {
            let e = transform_frame(&buf, &bad).unwrap_err();
            assert_eq!(
                CodecError::from(e).name,
                codec_core::ErrorName::TypeError,
                "{bad:?}"
            );
        }
    }
}
