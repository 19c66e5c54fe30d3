//! Raw frame storage shared between `VideoFrame`, decoders and encoders.

use crate::error::CodecError;
use crate::pixel::{compute_layout, PlaneLayout, PlaneRegion, VideoPixelFormat};

/// An integer rectangle (`DOMRectInit` after validation).
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

/// `EncodedVideoChunkType` / `EncodedAudioChunkType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodedChunkType {
    /// Decodable on its own.
    Key,
    /// Depends on earlier chunks.
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

/// The pixels of a video frame at its coded size, planes packed tightly in plane order.
///
/// Immutable once built; share it with `Arc` between `VideoFrame` clones, encoder input and
/// decoder output. Every accessor checks bounds, so no layout can read past the buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameBuffer {
    format: VideoPixelFormat,
    coded_width: u32,
    coded_height: u32,
    planes: Vec<PlaneLayout>,
    data: Vec<u8>,
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
        if coded_width == 0 || coded_height == 0 {
            return Err(CodecError::type_error("coded size must be non-zero"));
        }
        let (regions, size) =
            compute_layout(format, Rect::new(0, 0, coded_width, coded_height), None)?;
        Ok(Self {
            format,
            coded_width,
            coded_height,
            planes: regions.iter().map(|r| r.layout).collect(),
            data: vec![0; size as usize],
        })
    }

    /// Copies a whole coded frame out of `src`, whose planes are placed by `layout` (tightly
    /// packed when `None`), as `new VideoFrame(data, init)` does.
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
        let mut out = Self::new_zeroed(format, coded_width, coded_height)?;
        let (regions, needed) =
            compute_layout(format, Rect::new(0, 0, coded_width, coded_height), layout)?;
        if (src.len() as u64) < u64::from(needed) {
            return Err(CodecError::type_error(format!(
                "data is {} bytes, a {coded_width}x{coded_height} {} frame needs {needed}",
                src.len(),
                format.as_str()
            )));
        }
        for (p, r) in regions.iter().enumerate() {
            let (dst, dst_stride) = out.plane_mut(p);
            let row = r.source_width_bytes as usize;
            for y in 0..r.source_height as usize {
                let s = r.layout.offset as usize + y * r.layout.stride as usize;
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

    /// Total bytes held.
    pub fn byte_len(&self) -> usize {
        self.data.len()
    }

    /// Plane `i` (from its first row to the end of its last row) and its stride.
    ///
    /// # Panics
    /// If `i` is not below the format's plane count.
    pub fn plane(&self, i: usize) -> (&[u8], usize) {
        let (start, end, stride) = self.plane_bounds(i);
        (&self.data[start..end], stride)
    }

    /// Mutable plane `i` and its stride.
    ///
    /// # Panics
    /// If `i` is not below the format's plane count.
    pub fn plane_mut(&mut self, i: usize) -> (&mut [u8], usize) {
        let (start, end, stride) = self.plane_bounds(i);
        (&mut self.data[start..end], stride)
    }

    fn plane_bounds(&self, i: usize) -> (usize, usize, usize) {
        let l = self.planes[i];
        let (_, rows) = self
            .format
            .plane_size(i, self.coded_width, self.coded_height);
        let start = l.offset as usize;
        (
            start,
            start + l.stride as usize * rows as usize,
            l.stride as usize,
        )
    }

    /// Copies `rect` of this frame into `dest` placed by `layout`, as `VideoFrame.copyTo` does
    /// without a format conversion. Returns the layout used.
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

    /// Checks that `rect` is a non-empty, aligned rect inside the coded size.
    ///
    /// # Errors
    /// `TypeError` otherwise.
    pub fn check_rect(&self, rect: Rect) -> Result<(), CodecError> {
        if rect.width == 0 || rect.height == 0 {
            return Err(CodecError::type_error("rect must have a non-zero size"));
        }
        if u64::from(rect.x) + u64::from(rect.width) > u64::from(self.coded_width)
            || u64::from(rect.y) + u64::from(rect.height) > u64::from(self.coded_height)
        {
            return Err(CodecError::type_error("rect is outside the coded size"));
        }
        if !self.format.offset_aligned(rect.x, rect.y) {
            return Err(CodecError::type_error(
                "rect offset is not aligned to the subsampling",
            ));
        }
        Ok(())
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
}
