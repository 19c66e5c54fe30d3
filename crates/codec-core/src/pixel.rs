//! Pixel formats and the "Compute Layout and Allocation Size" algorithm
//! (<https://w3c.github.io/webcodecs/#videoframe-compute-layout-and-allocation-size>).

use crate::error::CodecError;
use crate::frame::Rect;

/// `VideoPixelFormat` (<https://w3c.github.io/webcodecs/#enumdef-videopixelformat>; the
/// layouts: <https://w3c.github.io/webcodecs/#pixel-format>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VideoPixelFormat {
    /// `"I420"`: 8-bit Y, U, V planes, chroma subsampled 2×2 (4:2:0).
    I420,
    /// `"I420P10"`: as `I420` with 10-bit samples in 16-bit little-endian words.
    I420P10,
    /// `"I420P12"`: as `I420` with 12-bit samples in 16-bit little-endian words.
    I420P12,
    /// `"I420A"`: `I420` plus a full-resolution alpha plane.
    I420A,
    /// `"I420AP10"`: `I420P10` plus a 10-bit alpha plane.
    I420AP10,
    /// `"I420AP12"`: `I420P12` plus a 12-bit alpha plane.
    I420AP12,
    /// `"I422"`: 8-bit Y, U, V planes, chroma subsampled horizontally (4:2:2).
    I422,
    /// `"I422P10"`: as `I422` with 10-bit samples in 16-bit little-endian words.
    I422P10,
    /// `"I422P12"`: as `I422` with 12-bit samples in 16-bit little-endian words.
    I422P12,
    /// `"I422A"`: `I422` plus a full-resolution alpha plane.
    I422A,
    /// `"I422AP10"`: `I422P10` plus a 10-bit alpha plane.
    I422AP10,
    /// `"I422AP12"`: `I422P12` plus a 12-bit alpha plane.
    I422AP12,
    /// `"I444"`: 8-bit Y, U, V planes at full resolution (4:4:4).
    I444,
    /// `"I444P10"`: as `I444` with 10-bit samples in 16-bit little-endian words.
    I444P10,
    /// `"I444P12"`: as `I444` with 12-bit samples in 16-bit little-endian words.
    I444P12,
    /// `"I444A"`: `I444` plus an alpha plane.
    I444A,
    /// `"I444AP10"`: `I444P10` plus a 10-bit alpha plane.
    I444AP10,
    /// `"I444AP12"`: `I444P12` plus a 12-bit alpha plane.
    I444AP12,
    /// `"NV12"`: an 8-bit Y plane and one plane of interleaved U, V pairs, subsampled 2×2.
    NV12,
    /// `"RGBA"`: one plane of 8-bit red, green, blue, alpha.
    RGBA,
    /// `"RGBX"`: as `RGBA` with the fourth byte ignored (opaque).
    RGBX,
    /// `"BGRA"`: one plane of 8-bit blue, green, red, alpha.
    BGRA,
    /// `"BGRX"`: as `BGRA` with the fourth byte ignored (opaque).
    BGRX,
}

/// One plane's placement in a buffer: byte offset of its first row and bytes per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlaneLayout {
    /// Byte offset of the plane's first row.
    pub offset: u32,
    /// Bytes from one row to the next.
    pub stride: u32,
}

/// Where one plane of a rect sits in the source and in a destination buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaneRegion {
    /// Destination layout of the plane.
    pub layout: PlaneLayout,
    /// First source row of the rect in this plane.
    pub source_top: u32,
    /// Rows of the rect in this plane.
    pub source_height: u32,
    /// Byte offset of the rect's left edge in a source row.
    pub source_left_bytes: u32,
    /// Bytes of one row of the rect in this plane.
    pub source_width_bytes: u32,
}

const ALL: [VideoPixelFormat; 23] = {
    use VideoPixelFormat::*;
    [
        I420, I420P10, I420P12, I420A, I420AP10, I420AP12, I422, I422P10, I422P12, I422A, I422AP10,
        I422AP12, I444, I444P10, I444P12, I444A, I444AP10, I444AP12, NV12, RGBA, RGBX, BGRA, BGRX,
    ]
};

impl VideoPixelFormat {
    /// Every format, in IDL order.
    pub fn all() -> &'static [Self] {
        &ALL
    }

    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        use VideoPixelFormat::*;
        match self {
            I420 => "I420",
            I420P10 => "I420P10",
            I420P12 => "I420P12",
            I420A => "I420A",
            I420AP10 => "I420AP10",
            I420AP12 => "I420AP12",
            I422 => "I422",
            I422P10 => "I422P10",
            I422P12 => "I422P12",
            I422A => "I422A",
            I422AP10 => "I422AP10",
            I422AP12 => "I422AP12",
            I444 => "I444",
            I444P10 => "I444P10",
            I444P12 => "I444P12",
            I444A => "I444A",
            I444AP10 => "I444AP10",
            I444AP12 => "I444AP12",
            NV12 => "NV12",
            RGBA => "RGBA",
            RGBX => "RGBX",
            BGRA => "BGRA",
            BGRX => "BGRX",
        }
    }

    /// Parses the IDL enum string (case-sensitive).
    pub fn parse(s: &str) -> Option<Self> {
        ALL.iter().copied().find(|f| f.as_str() == s)
    }

    /// Number of planes.
    pub fn plane_count(self) -> usize {
        use VideoPixelFormat::*;
        match self {
            RGBA | RGBX | BGRA | BGRX => 1,
            NV12 => 2,
            I420A | I420AP10 | I420AP12 | I422A | I422AP10 | I422AP12 | I444A | I444AP10
            | I444AP12 => 4,
            _ => 3,
        }
    }

    /// Whether this is one of the packed RGB formats.
    pub fn is_rgb(self) -> bool {
        use VideoPixelFormat::*;
        matches!(self, RGBA | RGBX | BGRA | BGRX)
    }

    /// Whether the format carries an alpha channel.
    pub fn has_alpha(self) -> bool {
        use VideoPixelFormat::*;
        matches!(
            self,
            I420A
                | I420AP10
                | I420AP12
                | I422A
                | I422AP10
                | I422AP12
                | I444A
                | I444AP10
                | I444AP12
                | RGBA
                | BGRA
        )
    }

    /// Bits per sample of the luma/colour planes (8, 10 or 12).
    pub fn bit_depth(self) -> u32 {
        use VideoPixelFormat::*;
        match self {
            I420P10 | I420AP10 | I422P10 | I422AP10 | I444P10 | I444AP10 => 10,
            I420P12 | I420AP12 | I422P12 | I422AP12 | I444P12 | I444AP12 => 12,
            _ => 8,
        }
    }

    /// The format without alpha ("opaque equivalent").
    pub fn opaque(self) -> Self {
        use VideoPixelFormat::*;
        match self {
            I420A => I420,
            I420AP10 => I420P10,
            I420AP12 => I420P12,
            I422A => I422,
            I422AP10 => I422P10,
            I422AP12 => I422P12,
            I444A => I444,
            I444AP10 => I444P10,
            I444AP12 => I444P12,
            RGBA => RGBX,
            BGRA => BGRX,
            f => f,
        }
    }

    /// `(horizontal, vertical)` subsampling of plane `i`.
    pub fn subsampling(self, plane: usize) -> (u32, u32) {
        use VideoPixelFormat::*;
        let chroma = plane == 1 || plane == 2;
        if !chroma {
            return (1, 1);
        }
        match self {
            I420 | I420P10 | I420P12 | I420A | I420AP10 | I420AP12 | NV12 => (2, 2),
            I422 | I422P10 | I422P12 | I422A | I422AP10 | I422AP12 => (2, 1),
            _ => (1, 1),
        }
    }

    /// Bytes per element of plane `i` (an NV12 UV element holds two samples).
    pub fn bytes_per_element(self, plane: usize) -> u32 {
        if self.is_rgb() {
            4
        } else if (self == Self::NV12 && plane == 1) || self.bit_depth() > 8 {
            2
        } else {
            1
        }
    }

    /// Width in bytes and height in rows of plane `i` of a `width`×`height` picture.
    pub fn plane_size(self, plane: usize, width: u32, height: u32) -> (u32, u32) {
        let (sx, sy) = self.subsampling(plane);
        (
            width.div_ceil(sx) * self.bytes_per_element(plane),
            height.div_ceil(sy),
        )
    }

    /// Whether `(x, y)` is aligned to every plane's subsampling ("Verify Rect Offset Alignment",
    /// <https://w3c.github.io/webcodecs/#videoframe-verify-rect-offset-alignment>).
    pub fn offset_aligned(self, x: u32, y: u32) -> bool {
        (0..self.plane_count()).all(|p| {
            let (sx, sy) = self.subsampling(p);
            x.is_multiple_of(sx) && y.is_multiple_of(sy)
        })
    }
}

/// "Compute Layout and Allocation Size"
/// (<https://w3c.github.io/webcodecs/#videoframe-compute-layout-and-allocation-size>): where each
/// plane of `rect` goes in a destination buffer described by `layout` (tightly packed in plane
/// order when `None`), and the buffer size needed. Widths of subsampled planes round up, so odd
/// sizes keep their last chroma column.
///
/// # Errors
/// `TypeError` if `layout` has the wrong number of planes, a stride is smaller than the row, a
/// plane ends past 2³²−1, or two planes overlap.
pub fn compute_layout(
    format: VideoPixelFormat,
    rect: Rect,
    layout: Option<&[PlaneLayout]>,
) -> Result<(Vec<PlaneRegion>, u32), CodecError> {
    let planes = format.plane_count();
    if let Some(l) = layout {
        if l.len() != planes {
            return Err(CodecError::type_error(format!(
                "layout has {} planes, format {} has {planes}",
                l.len(),
                format.as_str()
            )));
        }
    }
    let mut regions = Vec::with_capacity(planes);
    let mut min_allocation: u64 = 0;
    let mut ends: Vec<(u64, u64)> = Vec::with_capacity(planes);
    for p in 0..planes {
        let (sx, sy) = format.subsampling(p);
        let bpe = format.bytes_per_element(p);
        let source_top = rect.y / sy;
        let source_height = rect.height.div_ceil(sy);
        let source_left_bytes = (rect.x / sx) * bpe;
        let source_width_bytes = rect.width.div_ceil(sx) * bpe;
        let pl = match layout {
            Some(l) => {
                if l[p].stride < source_width_bytes {
                    return Err(CodecError::type_error(format!(
                        "plane {p} stride {} is smaller than its row of {source_width_bytes} bytes",
                        l[p].stride
                    )));
                }
                l[p]
            }
            None => {
                let offset = u32::try_from(min_allocation)
                    .map_err(|_| CodecError::type_error("frame too large"))?;
                PlaneLayout {
                    offset,
                    stride: source_width_bytes,
                }
            }
        };
        let plane_size = u64::from(pl.stride) * u64::from(source_height);
        let plane_end = plane_size + u64::from(pl.offset);
        if plane_size > u64::from(u32::MAX) || plane_end > u64::from(u32::MAX) {
            return Err(CodecError::type_error(format!(
                "plane {p} ends past 2^32-1 bytes"
            )));
        }
        for &(start, end) in &ends {
            if u64::from(pl.offset) < end && start < plane_end {
                return Err(CodecError::type_error(format!(
                    "plane {p} overlaps another plane"
                )));
            }
        }
        ends.push((u64::from(pl.offset), plane_end));
        min_allocation = min_allocation.max(plane_end);
        regions.push(PlaneRegion {
            layout: pl,
            source_top,
            source_height,
            source_left_bytes,
            source_width_bytes,
        });
    }
    // min_allocation <= u32::MAX was checked per plane.
    Ok((regions, min_allocation as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorName::TypeError;

    fn pl(offset: u32, stride: u32) -> PlaneLayout {
        PlaneLayout { offset, stride }
    }

    /// The error of placing a 4×4 `format` frame by `layout`.
    fn layout_error(format: VideoPixelFormat, layout: &[PlaneLayout]) -> crate::ErrorName {
        let r = compute_layout(format, Rect::new(0, 0, 4, 4), Some(layout));
        r.expect_err("invalid layout").name
    }

    #[test]
    fn i420_tight_layout_rounds_odd_sizes_up() {
        let (r, size) =
            compute_layout(VideoPixelFormat::I420, Rect::new(0, 0, 5, 3), None).expect("layout");
        assert_eq!(r[0].layout, pl(0, 5));
        assert_eq!(r[1].layout, pl(15, 3));
        assert_eq!(r[2].layout, pl(21, 3));
        assert_eq!(size, 27);
    }

    #[test]
    fn overlapping_planes_are_a_type_error() {
        let l = [pl(0, 4), pl(4, 2), pl(100, 2)];
        assert_eq!(
            layout_error(VideoPixelFormat::I420, &l),
            TypeError,
            "overlap"
        );
    }

    #[test]
    fn small_stride_is_a_type_error() {
        let l = [pl(0, 15)];
        assert_eq!(
            layout_error(VideoPixelFormat::RGBA, &l),
            TypeError,
            "stride"
        );
    }

    #[test]
    fn nv12_uv_plane_is_two_bytes_per_element() {
        let (r, size) =
            compute_layout(VideoPixelFormat::NV12, Rect::new(0, 0, 4, 4), None).expect("layout");
        assert_eq!(r[1].layout, pl(16, 4));
        assert_eq!(size, 24);
    }

    #[test]
    fn parse_round_trips_every_format() {
        for f in VideoPixelFormat::all() {
            assert_eq!(VideoPixelFormat::parse(f.as_str()), Some(*f));
        }
        assert_eq!(VideoPixelFormat::parse("i420"), None);
    }
}
