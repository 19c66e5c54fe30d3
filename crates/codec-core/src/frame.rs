//! Raw frame storage shared between `VideoFrame`, decoders and encoders.

use std::fmt;
use std::sync::Arc;

use crate::color::VideoColorSpace;
use crate::error::CodecError;
use crate::pixel::{compute_layout, PlaneLayout, PlaneRegion, VideoPixelFormat};
use crate::pool::PooledBytes;

/// An integer rectangle: a `DOMRectInit` (<https://drafts.fxtf.org/geometry/#dictdef-domrectinit>)
/// after validation, such as a `VideoFrame`'s `visibleRect` or a `copyTo()` `rect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Rect {
    /// A rect from its four members.
    pub fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Self {
            x,
            y,
            width,
            height,
        }
    }
}

/// A frame's `[[rotation]]` (0, 90, 180 or 270 degrees clockwise) and `[[flip]]` (mirrored
/// horizontally, applied before the rotation)
/// (<https://w3c.github.io/webcodecs/#videoframe-interface>). Also a `VideoEncoder`'s
/// `[[active orientation]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Orientation {
    /// Clockwise rotation in degrees: 0, 90, 180 or 270.
    pub rotation: u32,
    /// Horizontal mirroring.
    pub flip: bool,
}

impl Orientation {
    /// The orientation a `rotation` of any number of degrees snaps to (the nearest multiple of
    /// 90, modulo 360, as `VideoFrame` and `VideoDecoderConfig` do) with `flip`.
    pub fn snapped(rotation: f64, flip: bool) -> Self {
        let quarter = (rotation / 90.0 + 0.5).floor().rem_euclid(4.0);
        Self {
            rotation: quarter as u32 * 90,
            flip,
        }
    }
}

/// What a `VideoFrame` holds besides its pixels (its internal slots,
/// <https://w3c.github.io/webcodecs/#videoframe-interface>): the native half of a frame carries it,
/// so an encoder reads it from there rather than from arguments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoFrameMeta {
    /// `timestamp` in microseconds.
    pub timestamp: i64,
    /// `duration` in microseconds.
    pub duration: Option<u64>,
    /// `visibleRect`, in coded pixels.
    pub visible: Rect,
    /// `displayWidth`.
    pub display_width: u32,
    /// `displayHeight`.
    pub display_height: u32,
    /// `rotation` and `flip`.
    pub orientation: Orientation,
    /// `colorSpace` (unknown members `None`).
    pub color_space: VideoColorSpace,
}

impl VideoFrameMeta {
    /// The metadata of a frame around `buf` that nobody said more about: timestamp 0, all of the
    /// coded rect visible and displayed at that size, no rotation, and the format's default
    /// colour space (sRGB for RGB formats, BT.709 otherwise).
    pub fn of(buf: &FrameBuffer) -> Self {
        let (w, h) = (buf.coded_width(), buf.coded_height());
        Self {
            timestamp: 0,
            duration: None,
            visible: Rect::new(0, 0, w, h),
            display_width: w,
            display_height: h,
            orientation: Orientation::default(),
            color_space: VideoColorSpace::default_for(buf.format()),
        }
    }
}

/// `EncodedVideoChunkType` / `EncodedAudioChunkType`
/// (<https://w3c.github.io/webcodecs/#enumdef-encodedvideochunktype>,
/// <https://w3c.github.io/webcodecs/#enumdef-encodedaudiochunktype>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodedChunkType {
    /// `"key"`: decodable on its own.
    Key,
    /// `"delta"`: depends on earlier chunks.
    Delta,
}

impl EncodedChunkType {
    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Delta => "delta",
        }
    }
}

/// Plane storage owned outside this crate (a decoder's reference-counted picture), read-only
/// for as long as the [`FrameBuffer`] holding it lives.
///
/// Implementations must return the same slices on every call: a [`FrameBuffer`] checks them
/// once, when it is built.
pub trait PlaneSource: Send + Sync + fmt::Debug {
    /// Plane `i` from its first row (at least up to the end of its last row) and its stride in
    /// bytes; `None` when there is no such plane.
    fn plane(&self, i: usize) -> Option<(&[u8], usize)>;
}

/// Where the pixels of a [`FrameBuffer`] live.
#[derive(Clone)]
enum Storage {
    /// One buffer of our own, planes placed by `planes`.
    Packed {
        planes: Vec<PlaneLayout>,
        data: PooledBytes,
    },
    /// Planes borrowed from a shared, immutable [`PlaneSource`].
    Foreign(Arc<dyn PlaneSource>),
}

/// The pixels of a video frame at its coded size: either packed tightly in plane order in a
/// buffer of its own, or borrowed from a foreign [`PlaneSource`] (a decoder's picture, shared
/// without a copy).
///
/// Immutable once shared; share it with `Arc` between `VideoFrame` clones, encoder input and
/// decoder output. Every accessor checks bounds, so no layout can read past the buffer.
#[derive(Clone)]
pub struct FrameBuffer {
    format: VideoPixelFormat,
    coded_width: u32,
    coded_height: u32,
    storage: Storage,
}

/// The planes of a whole coded frame placed by `layout` ([`compute_layout`] of the coded rect).
///
/// # Errors
/// `TypeError` for a zero coded size, and as [`compute_layout`].
fn coded_layout(
    format: VideoPixelFormat,
    coded_width: u32,
    coded_height: u32,
    layout: Option<&[PlaneLayout]>,
) -> Result<(Vec<PlaneRegion>, u32), CodecError> {
    if coded_width == 0 || coded_height == 0 {
        return Err(CodecError::type_error("coded size must be non-zero"));
    }
    compute_layout(format, Rect::new(0, 0, coded_width, coded_height), layout)
}

impl FrameBuffer {
    /// A zero-filled buffer (callers fill it through [`FrameBuffer::plane_mut`]).
    ///
    /// # Errors
    /// `TypeError` for a zero or oversized coded size.
    pub fn new_zeroed(
        format: VideoPixelFormat,
        coded_width: u32,
        coded_height: u32,
    ) -> Result<Self, CodecError> {
        let (regions, size) = coded_layout(format, coded_width, coded_height, None)?;
        Ok(Self {
            format,
            coded_width,
            coded_height,
            storage: Storage::Packed {
                planes: regions.iter().map(|r| r.layout).collect(),
                data: PooledBytes::zeroed(size as usize),
            },
        })
    }

    /// Wraps the planes of `source` without copying them.
    ///
    /// # Errors
    /// `TypeError` for a zero coded size, a missing plane, a stride shorter than a row or a
    /// plane shorter than its rows.
    pub fn from_foreign(
        format: VideoPixelFormat,
        coded_width: u32,
        coded_height: u32,
        source: Arc<dyn PlaneSource>,
    ) -> Result<Self, CodecError> {
        if coded_width == 0 || coded_height == 0 {
            return Err(CodecError::type_error("coded size must be non-zero"));
        }
        for i in 0..format.plane_count() {
            let (data, stride) = source
                .plane(i)
                .ok_or_else(|| CodecError::type_error(format!("plane {i} is missing")))?;
            let (row, rows) = format.plane_size(i, coded_width, coded_height);
            let needed = span(row as usize, rows as usize, stride)
                .ok_or_else(|| CodecError::type_error(format!("plane {i} stride is too small")))?;
            if data.len() < needed {
                return Err(CodecError::type_error(format!(
                    "plane {i} is {} bytes, {needed} are needed",
                    data.len()
                )));
            }
        }
        Ok(Self {
            format,
            coded_width,
            coded_height,
            storage: Storage::Foreign(source),
        })
    }

    /// Copies a whole coded frame out of `src`, whose planes are placed by `layout` (tightly
    /// packed when `None`).
    ///
    /// # Errors
    /// `TypeError` for an invalid layout or a `src` shorter than the layout needs.
    pub fn from_bytes(
        format: VideoPixelFormat,
        coded_width: u32,
        coded_height: u32,
        src: &[u8],
        layout: Option<&[PlaneLayout]>,
    ) -> Result<Self, CodecError> {
        let all = Rect::new(0, 0, coded_width, coded_height);
        Self::from_bytes_visible(format, coded_width, coded_height, src, layout, all)
    }

    /// Copies the `visible` region of a coded frame out of `src` (planes placed by `layout`),
    /// as `new VideoFrame(data, init)` does: the new frame keeps only the visible pixels, so its
    /// coded size is the rect's size.
    ///
    /// # Errors
    /// `TypeError` for an invalid layout, a `src` shorter than the layout of the whole coded
    /// frame needs, or a `visible` rect that is empty, outside the coded size or misaligned.
    pub fn from_bytes_visible(
        format: VideoPixelFormat,
        coded_width: u32,
        coded_height: u32,
        src: &[u8],
        layout: Option<&[PlaneLayout]>,
        visible: Rect,
    ) -> Result<Self, CodecError> {
        let (planes, needed) = coded_layout(format, coded_width, coded_height, layout)?;
        if (src.len() as u64) < u64::from(needed) {
            return Err(CodecError::type_error(format!(
                "data is {} bytes, a {coded_width}x{coded_height} {} frame needs {needed}",
                src.len(),
                format.as_str()
            )));
        }
        check_rect_in(format, coded_width, coded_height, visible)?;
        if layout.is_none() && visible == Rect::new(0, 0, coded_width, coded_height) {
            // The whole frame, tightly packed: the source's first `needed` bytes are the new
            // buffer, copied in one piece.
            return Ok(Self {
                format,
                coded_width,
                coded_height,
                storage: Storage::Packed {
                    planes: planes.iter().map(|r| r.layout).collect(),
                    data: PooledBytes::copied(&src[..needed as usize]),
                },
            });
        }
        let mut out = Self::new_zeroed(format, visible.width, visible.height)?;
        // Where the visible rect lies in each plane of the source.
        let (rect, _) = compute_layout(format, visible, None)?;
        for (p, (plane, r)) in planes.iter().zip(&rect).enumerate() {
            let (dst, dst_stride) = out.plane_mut(p);
            let row = r.source_width_bytes as usize;
            for y in 0..r.source_height as usize {
                let s = plane.layout.offset as usize
                    + (r.source_top as usize + y) * plane.layout.stride as usize
                    + r.source_left_bytes as usize;
                let d = y * dst_stride;
                dst[d..d + row].copy_from_slice(&src[s..s + row]);
            }
        }
        Ok(out)
    }

    /// Pixel format.
    pub fn format(&self) -> VideoPixelFormat {
        self.format
    }

    /// Coded width in pixels.
    pub fn coded_width(&self) -> u32 {
        self.coded_width
    }

    /// Coded height in pixels.
    pub fn coded_height(&self) -> u32 {
        self.coded_height
    }

    /// Whether the planes are borrowed from a [`PlaneSource`] rather than owned.
    pub fn is_foreign(&self) -> bool {
        matches!(self.storage, Storage::Foreign(_))
    }

    /// Total bytes the planes span.
    pub fn byte_len(&self) -> usize {
        match &self.storage {
            Storage::Packed { data, .. } => data.len(),
            Storage::Foreign(_) => (0..self.format.plane_count())
                .map(|i| self.plane(i).0.len())
                .sum(),
        }
    }

    /// Plane `i` (from its first row at least to the end of its last row) and its stride.
    ///
    /// # Panics
    /// If `i` is not below the format's plane count.
    pub fn plane(&self, i: usize) -> (&[u8], usize) {
        match &self.storage {
            Storage::Packed { planes, data } => {
                let (start, end, stride) =
                    Self::bounds_in(self.format, self.coded_width, self.coded_height, planes, i);
                (&data[start..end], stride)
            }
            Storage::Foreign(source) => {
                let (row, rows) = self
                    .format
                    .plane_size(i, self.coded_width, self.coded_height);
                let Some((data, stride)) = source.plane(i) else {
                    panic!("plane {i} of a {} frame is missing", self.format.as_str());
                };
                // Checked by `from_foreign`; `PlaneSource` promises the same answer every time.
                let end = span(row as usize, rows as usize, stride).unwrap_or(usize::MAX);
                (&data[..end], stride)
            }
        }
    }

    /// Mutable plane `i` and its stride. Foreign planes are copied into a buffer of our own
    /// first (a frame is only mutable before it is shared).
    ///
    /// # Panics
    /// If `i` is not below the format's plane count.
    pub fn plane_mut(&mut self, i: usize) -> (&mut [u8], usize) {
        if self.is_foreign() {
            self.make_packed();
        }
        let (planes, data) = match &mut self.storage {
            Storage::Packed { planes, data } => (&*planes, data),
            Storage::Foreign(_) => unreachable!("made packed above"),
        };
        let (start, end, stride) =
            Self::bounds_in(self.format, self.coded_width, self.coded_height, planes, i);
        (&mut data[start..end], stride)
    }

    /// Replaces foreign storage with a packed copy of it.
    fn make_packed(&mut self) {
        let mut packed = match Self::new_zeroed(self.format, self.coded_width, self.coded_height) {
            Ok(p) => p,
            Err(_) => unreachable!("the coded size was checked when the frame was built"),
        };
        for i in 0..self.format.plane_count() {
            let (row, rows) = self
                .format
                .plane_size(i, self.coded_width, self.coded_height);
            let (src, s_stride) = self.plane(i);
            let (dst, d_stride) = packed.plane_mut(i);
            for y in 0..rows as usize {
                dst[y * d_stride..y * d_stride + row as usize]
                    .copy_from_slice(&src[y * s_stride..y * s_stride + row as usize]);
            }
        }
        self.storage = packed.storage;
    }

    /// Start, end and stride of plane `i` of a packed buffer placed by `planes`.
    fn bounds_in(
        format: VideoPixelFormat,
        width: u32,
        height: u32,
        planes: &[PlaneLayout],
        i: usize,
    ) -> (usize, usize, usize) {
        let l = planes[i];
        let (_, rows) = format.plane_size(i, width, height);
        let start = l.offset as usize;
        (
            start,
            start + l.stride as usize * rows as usize,
            l.stride as usize,
        )
    }

    /// Copies `rect` of this frame into `dest` placed by `layout`, as `VideoFrame.copyTo` does
    /// without a format conversion (<https://w3c.github.io/webcodecs/#dom-videoframe-copyto>).
    /// Returns the layout used.
    ///
    /// # Errors
    /// `TypeError` if `rect` is outside the coded size or misaligned, for an invalid layout, or if
    /// `dest` is smaller than the needed allocation size.
    pub fn copy_to(
        &self,
        rect: Rect,
        dest: &mut [u8],
        layout: Option<&[PlaneLayout]>,
    ) -> Result<Vec<PlaneLayout>, CodecError> {
        let regions = self.copy_regions(rect, layout, dest.len())?;
        for (p, r) in regions.iter().enumerate() {
            let (src, src_stride) = self.plane(p);
            let row = r.source_width_bytes as usize;
            for y in 0..r.source_height as usize {
                let s = (r.source_top as usize + y) * src_stride + r.source_left_bytes as usize;
                let d = r.layout.offset as usize + y * r.layout.stride as usize;
                dest[d..d + row].copy_from_slice(&src[s..s + row]);
            }
        }
        Ok(regions.iter().map(|r| r.layout).collect())
    }

    /// The regions `copy_to` would copy, after every check.
    fn copy_regions(
        &self,
        rect: Rect,
        layout: Option<&[PlaneLayout]>,
        dest_len: usize,
    ) -> Result<Vec<PlaneRegion>, CodecError> {
        self.check_rect(rect)?;
        let (regions, size) = compute_layout(self.format, rect, layout)?;
        if (dest_len as u64) < u64::from(size) {
            return Err(CodecError::type_error(format!(
                "destination is {dest_len} bytes, {size} are needed"
            )));
        }
        Ok(regions)
    }

    /// Checks that `rect` is a non-empty, aligned rect inside the coded size ("Parse Visible Rect",
    /// <https://w3c.github.io/webcodecs/#videoframe-parse-visible-rect>, and "Verify Rect Offset
    /// Alignment").
    ///
    /// # Errors
    /// `TypeError` otherwise.
    pub fn check_rect(&self, rect: Rect) -> Result<(), CodecError> {
        check_rect_in(self.format, self.coded_width, self.coded_height, rect)
    }
}

/// [`FrameBuffer::check_rect`] for a frame of `format` and this coded size.
fn check_rect_in(
    format: VideoPixelFormat,
    coded_width: u32,
    coded_height: u32,
    rect: Rect,
) -> Result<(), CodecError> {
    if rect.width == 0 || rect.height == 0 {
        return Err(CodecError::type_error("rect must have a non-zero size"));
    }
    if u64::from(rect.x) + u64::from(rect.width) > u64::from(coded_width)
        || u64::from(rect.y) + u64::from(rect.height) > u64::from(coded_height)
    {
        return Err(CodecError::type_error("rect is outside the coded size"));
    }
    if !format.offset_aligned(rect.x, rect.y) {
        return Err(CodecError::type_error(
            "rect offset is not aligned to the subsampling",
        ));
    }
    Ok(())
}

/// Bytes from the start of a plane's first row to the end of its last: `rows - 1` strides and
/// one row. `None` when the stride is shorter than the row or the span overflows.
fn span(row: usize, rows: usize, stride: usize) -> Option<usize> {
    if stride < row {
        return None;
    }
    rows.checked_sub(1)
        .map_or(Some(0), |r| r.checked_mul(stride)?.checked_add(row))
}

impl PartialEq for FrameBuffer {
    /// Same format, coded size and pixels (whatever the storage and strides).
    fn eq(&self, other: &Self) -> bool {
        if (self.format, self.coded_width, self.coded_height)
            != (other.format, other.coded_width, other.coded_height)
        {
            return false;
        }
        (0..self.format.plane_count()).all(|i| {
            let (row, rows) = self
                .format
                .plane_size(i, self.coded_width, self.coded_height);
            let ((a, sa), (b, sb)) = (self.plane(i), other.plane(i));
            let row = row as usize;
            (0..rows as usize).all(|y| a[y * sa..y * sa + row] == b[y * sb..y * sb + row])
        })
    }
}

impl Eq for FrameBuffer {}

impl fmt::Debug for FrameBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameBuffer")
            .field("format", &self.format)
            .field("coded_width", &self.coded_width)
            .field("coded_height", &self.coded_height)
            .field("foreign", &self.is_foreign())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_bytes_rejects_short_data() {
        let e = FrameBuffer::from_bytes(VideoPixelFormat::I420, 4, 4, &[0; 23], None)
            .expect_err("short");
        assert_eq!(e.name, crate::ErrorName::TypeError);
        FrameBuffer::from_bytes(VideoPixelFormat::I420, 4, 4, &[0; 24], None).expect("exact");
    }

    #[test]
    fn from_bytes_visible_keeps_only_the_visible_pixels() {
        // 8x4 I420 with every byte distinct; the 4x2 rect at (2, 2).
        let src: Vec<u8> = (0..48).collect();
        let f = FrameBuffer::from_bytes_visible(
            VideoPixelFormat::I420,
            8,
            4,
            &src,
            None,
            Rect::new(2, 2, 4, 2),
        )
        .expect("crop");
        assert_eq!((f.coded_width(), f.coded_height()), (4, 2));
        let mut out = vec![0u8; 12];
        f.copy_to(Rect::new(0, 0, 4, 2), &mut out, None)
            .expect("copy");
        // Y rows 2 and 3 from column 2; U and V row 1 from column 1.
        assert_eq!(
            out,
            vec![
                18,
                19,
                20,
                21,
                26,
                27,
                28,
                29,
                32 + 5,
                32 + 6,
                40 + 5,
                40 + 6
            ]
        );
        // A padded source layout, and an odd crop keeping its last chroma sample.
        let layout = [
            PlaneLayout {
                offset: 100,
                stride: 10,
            },
            PlaneLayout {
                offset: 0,
                stride: 6,
            },
            PlaneLayout {
                offset: 50,
                stride: 4,
            },
        ];
        let mut padded = vec![0u8; 140];
        for y in 0..4 {
            for x in 0..8 {
                padded[100 + y * 10 + x] = (y * 8 + x) as u8;
            }
        }
        for y in 0..2 {
            for x in 0..4 {
                padded[y * 6 + x] = (32 + y * 4 + x) as u8;
                padded[50 + y * 4 + x] = (40 + y * 4 + x) as u8;
            }
        }
        let g = FrameBuffer::from_bytes_visible(
            VideoPixelFormat::I420,
            8,
            4,
            &padded,
            Some(&layout),
            Rect::new(2, 0, 3, 3),
        )
        .expect("odd crop");
        assert_eq!((g.coded_width(), g.coded_height()), (3, 3));
        let mut out = vec![0u8; 9 + 4 + 4];
        g.copy_to(Rect::new(0, 0, 3, 3), &mut out, None)
            .expect("copy");
        assert_eq!(
            out,
            vec![2, 3, 4, 10, 11, 12, 18, 19, 20, 33, 34, 37, 38, 41, 42, 45, 46]
        );
        for bad in [
            Rect::new(1, 0, 2, 2),
            Rect::new(6, 0, 4, 2),
            Rect::new(0, 0, 0, 2),
        ] {
            let e = FrameBuffer::from_bytes_visible(VideoPixelFormat::I420, 8, 4, &src, None, bad)
                .expect_err("bad rect");
            assert_eq!(e.name, crate::ErrorName::TypeError);
        }
    }

    #[test]
    fn orientation_snaps_to_quarter_turns() {
        for (deg, want) in [
            (0.0, 0),
            (44.0, 0),
            (45.0, 90),
            (90.0, 90),
            (-90.0, 270),
            (359.0, 0),
            (585.0, 270),
        ] {
            assert_eq!(Orientation::snapped(deg, false).rotation, want, "{deg}");
        }
    }

    #[test]
    fn copy_to_crops_a_rect() {
        let src: Vec<u8> = (0..24).collect();
        let f = FrameBuffer::from_bytes(VideoPixelFormat::I420, 4, 4, &src, None).expect("frame");
        let mut dest = vec![0u8; 6];
        let layout = f
            .copy_to(Rect::new(2, 2, 2, 2), &mut dest, None)
            .expect("copy");
        assert_eq!(layout.len(), 3);
        assert_eq!(dest, vec![10, 11, 14, 15, 16 + 3, 20 + 3]);
    }

    #[test]
    fn copy_to_rejects_small_dest_and_bad_rects() {
        let f = FrameBuffer::new_zeroed(VideoPixelFormat::RGBA, 4, 4).expect("frame");
        let mut dest = vec![0u8; 63];
        assert!(f.copy_to(Rect::new(0, 0, 4, 4), &mut dest, None).is_err());
        let mut dest = vec![0u8; 64];
        assert!(f.copy_to(Rect::new(1, 1, 4, 4), &mut dest, None).is_err());
        let g = FrameBuffer::new_zeroed(VideoPixelFormat::I420, 4, 4).expect("frame");
        assert!(g.copy_to(Rect::new(1, 0, 2, 2), &mut dest, None).is_err());
    }

    /// Planes in separate buffers with padded strides, like a decoder's picture.
    #[derive(Debug)]
    struct Padded(Vec<(Vec<u8>, usize)>);

    impl PlaneSource for Padded {
        fn plane(&self, i: usize) -> Option<(&[u8], usize)> {
            self.0.get(i).map(|(d, s)| (d.as_slice(), *s))
        }
    }

    /// The planes of `f` copied into buffers with strides padded by `pad` bytes and nothing
    /// after the last row.
    fn padded(f: &FrameBuffer, pad: usize) -> Padded {
        let (w, h) = (f.coded_width(), f.coded_height());
        Padded(
            (0..f.format().plane_count())
                .map(|i| {
                    let (row, rows) = f.format().plane_size(i, w, h);
                    let (row, rows) = (row as usize, rows as usize);
                    let stride = row + pad;
                    let mut d = vec![0xEE; stride * (rows - 1) + row];
                    let (s, ss) = f.plane(i);
                    for y in 0..rows {
                        d[y * stride..y * stride + row].copy_from_slice(&s[y * ss..y * ss + row]);
                    }
                    (d, stride)
                })
                .collect(),
        )
    }

    #[test]
    fn foreign_storage_copies_like_packed() {
        for (format, w, h) in [
            (VideoPixelFormat::I420, 6, 4),
            (VideoPixelFormat::I420, 5, 3),
            (VideoPixelFormat::NV12, 6, 4),
            (VideoPixelFormat::I420A, 4, 4),
            (VideoPixelFormat::RGBA, 3, 2),
        ] {
            let (_, size) = compute_layout(format, Rect::new(0, 0, w, h), None).expect("size");
            let src: Vec<u8> = (0..size).map(|v| (v * 7 % 251) as u8).collect();
            let packed = FrameBuffer::from_bytes(format, w, h, &src, None).expect("packed");
            let foreign = FrameBuffer::from_foreign(format, w, h, Arc::new(padded(&packed, 13)))
                .expect("foreign");
            assert!(foreign.is_foreign() && !packed.is_foreign());
            assert_eq!(foreign, packed);
            let rect = if format.offset_aligned(2, 2) && h > 2 {
                Rect::new(2, 2, w - 2, h - 2)
            } else {
                Rect::new(0, 0, w, h)
            };
            let (_, n) = compute_layout(format, rect, None).expect("size");
            let (mut a, mut b) = (vec![0u8; n as usize], vec![1u8; n as usize]);
            let la = packed.copy_to(rect, &mut a, None).expect("packed copy");
            let lb = foreign.copy_to(rect, &mut b, None).expect("foreign copy");
            assert_eq!((a, la), (b, lb), "{format:?} {w}x{h}");
        }
    }

    #[test]
    fn foreign_storage_is_checked_when_built() {
        let f =
            FrameBuffer::from_bytes(VideoPixelFormat::I420, 4, 4, &[9; 24], None).expect("frame");
        let mut p = padded(&f, 0);
        p.0[2].0.pop();
        let e = FrameBuffer::from_foreign(VideoPixelFormat::I420, 4, 4, Arc::new(p))
            .expect_err("short");
        assert_eq!(e.name, crate::ErrorName::TypeError);
        let mut p = padded(&f, 0);
        p.0[1].1 = 1;
        assert!(FrameBuffer::from_foreign(VideoPixelFormat::I420, 4, 4, Arc::new(p)).is_err());
        let mut p = padded(&f, 0);
        p.0.truncate(2);
        assert!(FrameBuffer::from_foreign(VideoPixelFormat::I420, 4, 4, Arc::new(p)).is_err());
        assert!(
            FrameBuffer::from_foreign(VideoPixelFormat::I420, 0, 4, Arc::new(padded(&f, 0)))
                .is_err()
        );
        // A bigger coded size than the planes hold.
        assert!(
            FrameBuffer::from_foreign(VideoPixelFormat::I420, 4, 6, Arc::new(padded(&f, 3)))
                .is_err()
        );
    }

    #[test]
    fn plane_mut_detaches_foreign_storage() {
        let src: Vec<u8> = (0..24).collect();
        let packed =
            FrameBuffer::from_bytes(VideoPixelFormat::I420, 4, 4, &src, None).expect("frame");
        let source: Arc<dyn PlaneSource> = Arc::new(padded(&packed, 5));
        let shared = FrameBuffer::from_foreign(VideoPixelFormat::I420, 4, 4, source.clone())
            .expect("foreign");
        let mut own = shared.clone();
        own.plane_mut(0).0[0] = 200;
        assert!(!own.is_foreign() && shared.is_foreign());
        assert_eq!(shared, packed);
        assert_eq!(source.plane(0).map(|p| p.0[0]), Some(0));
        assert_eq!(own.plane(0).0[0], 200);
        assert_eq!(own.plane(1).0, packed.plane(1).0);
    }
}
