//! `ImageDecoder` backend: containers are scanned by `media_parse::image` (pure, bounds-checked,
//! streaming), each frame goes to FFmpeg as one packet, and decoded pictures become WebCodecs
//! frames here.
//!
//! [`ImageSession`] is the synchronous core (data accumulates with [`ImageSession::append`]);
//! [`ImageBackend`] runs one on a `control_queue::CodecWorker` thread (so every FFmpeg context
//! lives on that thread) under codec-core's `ImageDecoderModel`.
//!
//! | MIME type | container | decoder |
//! |---|---|---|
//! | `image/jpeg` | whole file up to `EOI`; progressive: the complete scans (partial images) | `mjpeg` |
//! | `image/png`, `image/apng` | PNG chunks; APNG split per `fcTL` | 8-bit stills: the `png` crate; else `png` / `apng` |
//! | `image/gif` | GIF blocks, one packet per frame | `gif` |
//! | `image/webp` | whole file; animations: `ANMF` frames rewrapped, composited here | `webp` |
//! | `image/avif` | HEIF `meta` primary item (+ alpha auxiliary item, merged to YUVA; or a `grid` of tiles, stitched); `moov` sequence | libdav1d (or libaom/av1) |
//! | `image/bmp` | whole file | `bmp` |
//! | `image/x-icon`, `image/vnd.microsoft.icon` | ICO directory, largest entry | `png` / `bmp` |
//!
//! Modules: `session` (data, layout, tracks, which frame needs which packets), `decode` (FFmpeg
//! decoders and the animated-track decode), `still` (a still image's packet and its
//! format-specific fixes), `png_still` (still PNGs through the `png` crate), `output`
//! (pictures to WebCodecs frames), `colour` (`colorSpaceConversion`), `composite` (animated
//! WebP), `backend` (the worker side of the processing model), plus `alpha`, `cmyk` and `grid`.

mod alpha;
mod backend;
mod cmyk;
mod colour;
mod composite;
mod decode;
mod grid;
mod icc;
mod output;
mod png_still;
mod session;
mod still;

use codec_core::{FrameBuffer, VideoColorSpace};

pub use backend::ImageBackend;
pub use session::{DecodeOutcome, ImageSession};

/// The image formats this backend knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    /// `image/jpeg`
    Jpeg,
    /// `image/png`, `image/apng`
    Png,
    /// `image/gif`
    Gif,
    /// `image/webp`
    Webp,
    /// `image/avif`
    Avif,
    /// `image/bmp`
    Bmp,
    /// `image/x-icon`, `image/vnd.microsoft.icon`
    Ico,
}

impl ImageType {
    /// The type for a MIME type string (essence only, case-insensitive; parameters ignored).
    pub fn from_mime(mime: &str) -> Option<Self> {
        let essence = mime.split(';').next()?.trim().to_ascii_lowercase();
        Some(match essence.as_str() {
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Self::Jpeg,
            "image/png" | "image/apng" => Self::Png,
            "image/gif" => Self::Gif,
            "image/webp" => Self::Webp,
            "image/avif" => Self::Avif,
            "image/bmp" | "image/x-ms-bmp" => Self::Bmp,
            "image/x-icon" | "image/vnd.microsoft.icon" => Self::Ico,
            _ => return None,
        })
    }
}

/// Whether `mime` names an image type this backend decodes (and its FFmpeg decoder exists).
pub fn image_type_supported(mime: &str) -> bool {
    crate::init();
    match ImageType::from_mime(mime) {
        Some(ImageType::Avif) => decode::av1_decoder().is_some(),
        Some(t) => ffmpeg_next::decoder::find_by_name(decode::decoder_name(t, false)).is_some(),
        None => false,
    }
}

/// `ColorSpaceConversion` (the `colorSpaceConversion` member of `ImageDecoderInit`).
///
/// What `Default` converts: an embedded RGB (matrix/TRC or LUT-based) or grey ICC profile (JPEG
/// `APP2`, PNG `iCCP`, WebP `ICCP`) to sRGB (the output is then RGBX/RGBA), and a PNG whose only
/// colour information is `gAMA` from that gamma to sRGB. Not applied: CMYK ICC profiles and AVIF
/// `colr` `prof`; AVIF `nclx` and the JPEG/YUV matrices are only reported in the frame's colour
/// space, never converted. `None` converts nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorSpaceConversion {
    /// `"default"`: convert to sRGB where the image describes another colour space.
    #[default]
    Default,
    /// `"none"`: the decoded samples as coded, with the colour space the image declares.
    None,
}

/// `ImageDecoderInit` members the backend uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImageDecoderOptions {
    /// `colorSpaceConversion`.
    pub color_space_conversion: ColorSpaceConversion,
    /// Scale decoded frames to this size (both or neither).
    pub desired_size: Option<(u32, u32)>,
    /// `preferAnimation`: which kind of track to select by default (`None`: the primary one).
    pub prefer_animation: Option<bool>,
}

/// What configures an [`ImageBackend`]: the type and the options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageDecoderConfig {
    /// The image type (already known to be supported).
    pub ty: ImageType,
    /// The `ImageDecoderInit` options.
    pub options: ImageDecoderOptions,
}

/// One decoded image frame.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageFrameOutput {
    /// The pixels.
    pub frame: FrameBuffer,
    /// Presentation time in microseconds (0 for still images).
    pub timestamp: i64,
    /// Frame duration in microseconds (animations only).
    pub duration: Option<u64>,
    /// Colour space of the pixels.
    pub color_space: VideoColorSpace,
    /// Clockwise rotation in degrees (from the container's orientation metadata).
    pub rotation: u32,
    /// Horizontal flip (from the container's orientation metadata).
    pub flip: bool,
    /// The [progressive image frame generation] of a partial image (a higher one has more
    /// detail); `None` for the full-detail image.
    ///
    /// [progressive image frame generation]: https://w3c.github.io/webcodecs/#progressive-image-frame-generation
    pub generation: Option<u32>,
}

/// A container the scanners refuse. Corrupt data and a feature of a supported type we cannot
/// decode (an AVIF layout, an `iloc` method) both fail the decode with `EncodingError`, as
/// browsers report any failed image decode, never `NotSupportedError`.
fn bad_data(e: media_parse::Error) -> crate::Error {
    match e {
        media_parse::Error::Unsupported(m) => crate::Error::malformed(format!("unsupported {m}")),
        e => crate::Error::Parse(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types() {
        assert_eq!(ImageType::from_mime("image/PNG"), Some(ImageType::Png));
        assert_eq!(
            ImageType::from_mime("image/gif; charset=x"),
            Some(ImageType::Gif)
        );
        assert_eq!(ImageType::from_mime("image/x-icon"), Some(ImageType::Ico));
        assert_eq!(ImageType::from_mime("image/svg+xml"), None);
        assert_eq!(ImageType::from_mime("video/mp4"), None);
    }

    #[test]
    fn parser_errors_are_encoding_errors() {
        use codec_core::ErrorName;
        for e in [
            media_parse::Error::Unsupported("x"),
            media_parse::Error::Malformed("x"),
            media_parse::Error::Limit("x"),
            media_parse::Error::Truncated { at: 3 },
        ] {
            assert_eq!(bad_data(e).name(), ErrorName::EncodingError, "{e:?}");
        }
    }
}
