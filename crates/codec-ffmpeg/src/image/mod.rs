//! `ImageDecoder` backend: container scanning (pure Rust, bounds-checked: [`gif`], [`png`],
//! [`avif`]), FFmpeg decoding of one packet per frame, and the conversion of decoded pictures to
//! WebCodecs pixel formats.
//!
//! [`ImageSession`] is the synchronous core (data accumulates with [`ImageSession::append`]);
//! [`ImageWorker`] runs one on its own thread, so every FFmpeg context lives on that thread.
//!
//! | MIME type | container | decoder |
//! |---|---|---|
//! | `image/jpeg` | whole file up to `EOI`; progressive: the complete scans (partial images) | `mjpeg` |
//! | `image/png`, `image/apng` | PNG chunks; APNG split per `fcTL` | `png` / `apng` |
//! | `image/gif` | GIF blocks, one packet per frame | `gif` |
//! | `image/webp` | whole file; animations: `ANMF` frames rewrapped, composited here | `webp` |
//! | `image/avif` | HEIF `meta` primary item (+ alpha auxiliary item, merged to YUVA; or a `grid` of tiles, stitched); `moov` sequence | libdav1d (or libaom/av1) |
//! | `image/bmp` | whole file | `bmp` |
//! | `image/x-icon`, `image/vnd.microsoft.icon` | ICO directory, largest entry | `png` / `bmp` |

mod alpha;
mod avif;
mod cmyk;
mod exif;
mod gif;
mod grid;
mod icc;
mod ico;
mod jpeg;
mod png;
#[cfg(test)]
mod scan_fuzz;
mod webp;
mod worker;

use codec_core::{
    CodecError, ColorMatrix, ColorPrimaries, ColorTransfer, FrameBuffer, VideoColorSpace,
    VideoPixelFormat,
};
use ffmpeg::format::Pixel;
use ffmpeg::{codec, frame, Packet};
use ffmpeg_next as ffmpeg;

use crate::convert::{alloc_frame, webcodecs_pixel};
use crate::{av_error, is_eagain, raw};

pub use worker::{ImageEvent, ImageRequest, ImageWorker};

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
        Some(ImageType::Avif) => av1_decoder().is_some(),
        Some(t) => ffmpeg::decoder::find_by_name(decoder_name(t, false)).is_some(),
        None => false,
    }
}

fn decoder_name(t: ImageType, animated: bool) -> &'static str {
    match t {
        ImageType::Jpeg => "mjpeg",
        ImageType::Png if animated => "apng",
        ImageType::Png => "png",
        ImageType::Gif => "gif",
        ImageType::Webp => "webp",
        ImageType::Bmp => "bmp",
        ImageType::Ico => "png",
        ImageType::Avif => "libdav1d",
    }
}

fn av1_decoder() -> Option<ffmpeg::Codec> {
    ["libdav1d", "libaom-av1", "av1"]
        .iter()
        .find_map(|n| ffmpeg::decoder::find_by_name(n))
}

/// `ColorSpaceConversion` (the `colorSpaceConversion` member of `ImageDecoderInit`).
///
/// What `Default` converts: an embedded RGB matrix/TRC ICC profile (JPEG `APP2`, PNG `iCCP`,
/// WebP `ICCP`) to sRGB (the output is then RGBX/RGBA), and a PNG whose only colour
/// information is `gAMA` from that gamma to sRGB. Not applied: LUT-based, grey and CMYK ICC
/// profiles and AVIF `colr` `prof`; AVIF `nclx` and the JPEG/YUV matrices are only reported in
/// the frame's colour space, never converted. `None` converts nothing.
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

/// One `ImageTrack`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageTrackInfo {
    /// Whether the track is an animation.
    pub animated: bool,
    /// Frames known so far (grows while streaming).
    pub frame_count: u32,
    /// Repetitions after the first play; `f64::INFINITY` loops forever.
    pub repetition_count: f64,
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

/// The container layout found so far.
#[derive(Debug, Clone)]
enum Layout {
    /// One packet: the whole file, available once the data is complete.
    Still,
    Gif(gif::GifScan),
    Apng(png::PngScan),
    Avif(avif::AvifImage, Option<avif::AvifSequence>),
    Ico(ico::IcoEntry),
    WebpAnim(webp::WebpScan),
}

struct Sequence {
    dec: ffmpeg::decoder::Video,
    /// The track it decodes.
    track: usize,
    /// Index of the next packet to feed.
    next: usize,
    /// Pictures received so far.
    received: usize,
    /// EOF was sent.
    drained: bool,
}

/// What decoding one track's frames needs.
struct TrackPlan {
    ranges: Vec<(usize, usize)>,
    extradata: Option<Vec<u8>>,
    codec: ffmpeg::Codec,
    durations_us: Vec<u64>,
    /// Whether every frame of the track is present.
    all_here: bool,
}

/// The synchronous image decoder: accumulate bytes, ask for tracks, decode frames.
pub struct ImageSession {
    ty: ImageType,
    opts: ImageDecoderOptions,
    data: Vec<u8>,
    complete: bool,
    layout: Option<Layout>,
    seq: Option<Sequence>,
    cache: Option<((usize, usize), ImageFrameOutput)>,
    /// Animated WebP compositing state: next frame index, RGBA canvas, frame to dispose.
    webp_canvas: Option<(usize, Vec<u8>, Option<webp::WebpFrame>)>,
    scaler: Option<(ScaleKey, raw::SendScaler)>,
}

type ScaleKey = (Pixel, u32, u32, Pixel, u32, u32, bool);

/// A still image's packet and, for a partial progressive image, its generation.
type StillPacket = (Vec<u8>, Option<u32>);

impl ImageSession {
    /// A session for `ty` with no data yet.
    pub fn new(ty: ImageType, opts: ImageDecoderOptions) -> Self {
        crate::init();
        Self {
            ty,
            opts,
            data: Vec::new(),
            complete: false,
            layout: None,
            seq: None,
            cache: None,
            webp_canvas: None,
            scaler: None,
        }
    }

    /// Appends encoded bytes.
    pub fn append(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }

    /// Marks the data as complete (no more bytes will come).
    pub fn set_complete(&mut self) {
        self.complete = true;
    }

    /// Whether all the data has arrived.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Rescans the container. `Ok(None)`: more data is needed to know the tracks.
    ///
    /// # Errors
    /// `EncodingError` for malformed data, `NotSupportedError` for an image feature we do not
    /// decode, `InvalidStateError` when the data is complete but too short.
    pub fn tracks(&mut self) -> Result<Option<Vec<ImageTrackInfo>>, CodecError> {
        let layout = self.scan()?;
        self.layout = layout;
        let still = ImageTrackInfo {
            animated: false,
            frame_count: 1,
            repetition_count: 0.0,
        };
        let Some(layout) = &self.layout else {
            if self.complete {
                return Err(CodecError::invalid_state(
                    "the image data ended before its header",
                ));
            }
            return Ok(None);
        };
        if let Layout::Avif(_, Some(seq)) = layout {
            return Ok(Some(vec![
                still,
                ImageTrackInfo {
                    animated: true,
                    frame_count: seq.samples.len() as u32,
                    repetition_count: if seq.repeat_forever {
                        f64::INFINITY
                    } else {
                        0.0
                    },
                },
            ]));
        }
        Ok(Some(vec![match layout {
            // A one-frame GIF is a still image whatever its loop extension says (as in Blink).
            Layout::Gif(s) if s.frames.len() < 2 => still,
            Layout::Gif(s) => ImageTrackInfo {
                animated: true,
                frame_count: s.frames.len() as u32,
                repetition_count: match s.loop_count {
                    Some(0) => f64::INFINITY,
                    Some(n) => f64::from(n),
                    None => 0.0,
                },
            },
            Layout::Apng(s) if s.animated => ImageTrackInfo {
                animated: true,
                frame_count: s.frames.len() as u32,
                repetition_count: match s.num_plays {
                    0 => f64::INFINITY,
                    n => f64::from(n - 1),
                },
            },
            Layout::WebpAnim(s) => ImageTrackInfo {
                animated: true,
                frame_count: s.frames.len() as u32,
                // The WebP loop count is the number of plays (0: forever).
                repetition_count: match s.loop_count {
                    0 => f64::INFINITY,
                    n => f64::from(n - 1),
                },
            },
            _ => still,
        }]))
    }

    fn scan(&self) -> Result<Option<Layout>, CodecError> {
        let d = &self.data;
        let bad = |m: &str| CodecError::encoding(m.to_string());
        match self.ty {
            ImageType::Jpeg => {
                let n = d.len().min(3);
                if d[..n] != [0xFF, 0xD8, 0xFF][..n] {
                    return Err(bad("not a JPEG file"));
                }
                Ok((n == 3).then_some(Layout::Still))
            }
            ImageType::Bmp => {
                let n = d.len().min(2);
                if d[..n] != b"BM"[..n] {
                    return Err(bad("not a BMP file"));
                }
                Ok((d.len() >= 18).then_some(Layout::Still))
            }
            ImageType::Webp => {
                let n = d.len().min(12);
                let sig = b"RIFF\0\0\0\0WEBP";
                if d[..n.min(4)] != sig[..n.min(4)] || (n > 8 && d[8..n] != sig[8..n]) {
                    return Err(bad("not a WebP file"));
                }
                if d.len() < 21 {
                    return Ok(None);
                }
                if d.len() < 30 && &d[12..16] == b"VP8X" {
                    return Ok(None);
                }
                match webp::scan(d).map_err(bad)? {
                    Some(s) if s.animated => {
                        if !s.frames.is_empty() {
                            Ok(Some(Layout::WebpAnim(s)))
                        } else if self.complete || s.ended {
                            Err(bad("animated WebP has no frames"))
                        } else {
                            Ok(None)
                        }
                    }
                    _ => Ok(Some(Layout::Still)),
                }
            }
            ImageType::Gif => match gif::scan(d) {
                Err(e) => Err(bad(e)),
                Ok(None) => Ok(None),
                // Whether a GIF is animated is known once a second frame (or the end) is in.
                Ok(Some(s)) if s.frames.len() < 2 && !self.complete && !s.ended => Ok(None),
                Ok(Some(s)) if s.frames.is_empty() => Err(bad("GIF has no frames")),
                Ok(Some(s)) => Ok(Some(Layout::Gif(s))),
            },
            ImageType::Png => match png::scan(d) {
                Err(e) => Err(bad(e)),
                Ok(Some(s)) if s.header_done => {
                    if s.animated {
                        if s.frames.is_empty() && (self.complete || s.ended) {
                            return Err(bad("APNG has no frames"));
                        }
                        if s.frames.is_empty() {
                            return Ok(None);
                        }
                        Ok(Some(Layout::Apng(s)))
                    } else {
                        Ok(Some(Layout::Still))
                    }
                }
                // Only the header arrived: a still image whose data is missing.
                Ok(Some(_)) if self.complete => Ok(Some(Layout::Still)),
                Ok(_) => Ok(None),
            },
            ImageType::Avif => match avif::parse(d) {
                Ok(img) => match avif::parse_sequence(d) {
                    Ok(seq) => Ok(Some(Layout::Avif(img, seq))),
                    // An image sequence whose `moov` has not arrived yet.
                    Err(avif::AvifError::Incomplete) if !self.complete => Ok(None),
                    // A sequence we cannot read leaves the still image usable.
                    Err(_) => Ok(Some(Layout::Avif(img, None))),
                },
                Err(avif::AvifError::Incomplete) => Ok(None),
                Err(avif::AvifError::Invalid(m)) => Err(CodecError::encoding(m)),
                // A feature we cannot decode fails the decode as corrupt data does: the type
                // itself is supported, and browsers report any failed decode as EncodingError.
                Err(avif::AvifError::Unsupported(m)) => Err(CodecError::encoding(m)),
            },
            ImageType::Ico => match ico::parse(d) {
                Ok(Some(e)) => Ok(Some(Layout::Ico(e))),
                Ok(None) => Ok(None),
                Err(e) => Err(bad(e)),
            },
        }
    }

    /// The track selected by default: the first (primary) one, unless `preferAnimation` asks
    /// for the other kind and such a track exists.
    pub fn default_track(&self, tracks: &[ImageTrackInfo]) -> usize {
        match (self.opts.prefer_animation, tracks.first()) {
            (Some(p), Some(t)) if t.animated != p => {
                tracks.iter().position(|t| t.animated == p).unwrap_or(0)
            }
            _ => 0,
        }
    }

    /// Decodes frame `index` of `track` (`None`: the default track). `Ok(None)`: the frame is
    /// not all here yet.
    ///
    /// `partial_after`: `None` asks for the full-detail frame only (`completeFramesOnly`);
    /// `Some(g)` also accepts a partial image of a progressive JPEG whose generation (complete
    /// scans) exceeds `g`, or the full-detail one if that is here.
    ///
    /// # Errors
    /// `RangeError` when the data is complete and the frame does not exist or its data is
    /// truncated; `EncodingError` for malformed data or a decoder failure (the decoder should
    /// then be closed).
    pub fn decode(
        &mut self,
        track: Option<u32>,
        index: u32,
        partial_after: Option<u32>,
    ) -> Result<Option<ImageFrameOutput>, CodecError> {
        let index = index as usize;
        // Rescan: more frames may have arrived.
        let Some(tracks) = self.tracks()? else {
            return Ok(None);
        };
        let track = track.map_or_else(|| self.default_track(&tracks), |t| t as usize);
        let Some(info) = tracks.get(track) else {
            return Err(CodecError::invalid_state("no such track"));
        };
        if let Some((key, out)) = &self.cache {
            if *key == (track, index) {
                return Ok(Some(out.clone()));
            }
        }
        let Some(layout) = self.layout.clone() else {
            return Ok(None);
        };
        let out_of_range =
            || CodecError::range_error(format!("frame index {index} is out of range"));
        let ended = match &layout {
            Layout::Gif(s) => s.ended,
            Layout::Apng(s) => s.ended,
            Layout::WebpAnim(s) => s.ended,
            _ => true,
        };
        if index >= info.frame_count as usize {
            if ended || self.complete {
                return Err(out_of_range());
            }
            return Ok(None);
        }
        let out = match (&layout, track) {
            (Layout::Gif(_) | Layout::Apng(_), _) | (Layout::Avif(_, Some(_)), 1) => {
                let Some(plan) = self.plan(&layout, track)? else {
                    return Ok(None);
                };
                let Some(mut out) = self.decode_sequence(&plan, track, index)? else {
                    return Ok(None);
                };
                out.timestamp = plan.durations_us[..index].iter().sum::<u64>() as i64;
                out.duration = Some(plan.durations_us[index]);
                out
            }
            (Layout::WebpAnim(scan), _) => self.decode_webp(scan, index)?,
            (Layout::Avif(img, _), _) if img.grid.is_some() => {
                let Some(mut out) = self.decode_avif_grid(img)? else {
                    return Ok(None);
                };
                apply_avif_props(img, &mut out);
                out
            }
            _ => {
                let mut generation = None;
                let mut alpha_packet = None;
                let (packet, extradata, name) = match &layout {
                    Layout::Avif(img, _) => {
                        let alpha = img
                            .alpha
                            .as_ref()
                            .map(|a| avif::extents_data(&a.extents, &self.data));
                        match (img.item_data(&self.data), alpha) {
                            (Some(p), None) => (p, Some(img.av1c.clone()), None),
                            (Some(p), Some(Some(a))) => {
                                alpha_packet = Some(a);
                                (p, Some(img.av1c.clone()), None)
                            }
                            _ if self.complete => return Err(truncated(index)),
                            _ => return Ok(None),
                        }
                    }
                    Layout::Ico(e) => match e.packet(&self.data) {
                        Some(p) => (p, None, Some(if e.png { "png" } else { "bmp" })),
                        None if self.complete => return Err(truncated(index)),
                        None => return Ok(None),
                    },
                    _ => match self.still_packet(partial_after)? {
                        Some((p, g)) => {
                            generation = g;
                            (p, None, Some(decoder_name(self.ty, false)))
                        }
                        None => return Ok(None),
                    },
                };
                let codec = match name {
                    Some(n) => ffmpeg::decoder::find_by_name(n),
                    None => av1_decoder(),
                }
                .ok_or_else(|| CodecError::not_supported("no FFmpeg decoder for this image"))?;
                let mut packet = packet;
                // Subsampled Adobe CMYK/YCCK: FFmpeg returns the raw planes, converted below.
                let four_component = if self.ty == ImageType::Jpeg {
                    let s = jpeg::scan(&packet);
                    cmyk::raw_components(&mut packet, &s)
                } else {
                    None
                };
                let mut dec = open(codec, extradata.as_deref())?;
                let mut got = decode_packet(&mut dec, &packet, true, true)?;
                let mut f = got
                    .pop()
                    .ok_or_else(|| CodecError::encoding("the image decoded to nothing"))?;
                if let Some(t) = four_component {
                    f = cmyk::to_rgbx(&f, t)?;
                }
                if let (Layout::Avif(img, _), Some(ap)) = (&layout, alpha_packet) {
                    let a_av1c = img.alpha.as_ref().map(|a| a.av1c.as_slice());
                    let mut adec = open(codec, a_av1c)?;
                    let a = decode_packet(&mut adec, &ap, true, true)?
                        .pop()
                        .ok_or_else(|| CodecError::encoding("the AVIF alpha decoded to nothing"))?;
                    f = alpha::merge(&f, &a)?;
                }
                let mut out = self.convert(&f)?;
                if self.opts.color_space_conversion == ColorSpaceConversion::Default {
                    self.apply_icc(&f, &mut out)?;
                }
                if let Layout::Avif(img, _) = &layout {
                    apply_avif_props(img, &mut out);
                }
                if self.ty == ImageType::Jpeg {
                    if let Some(o) = exif::jpeg_orientation(&self.data) {
                        (out.rotation, out.flip) = exif::orientation_transform(o);
                    }
                }
                out.generation = generation;
                out
            }
        };
        let mut out = out;
        if self.ty == ImageType::Png {
            self.apply_png_gamma(&mut out);
        }
        if out.generation.is_none() {
            self.cache = Some(((track, index), out.clone()));
        }
        Ok(Some(out))
    }

    /// `"default"` with an embedded RGB matrix/TRC ICC profile (JPEG, PNG, WebP, as FFmpeg
    /// exports it): the pixels are converted to sRGB, as RGBX/RGBA (a YUV picture is converted
    /// to RGB first).
    fn apply_icc(
        &mut self,
        f: &frame::Video,
        out: &mut ImageFrameOutput,
    ) -> Result<(), CodecError> {
        let Some(sd) = f.side_data(ffmpeg::frame::side_data::Type::IccProfile) else {
            return Ok(());
        };
        let Some(t) = icc::IccToSrgb::new(sd.data()) else {
            return Ok(());
        };
        let fmt = out.frame.format();
        if !(fmt.is_rgb() && fmt.plane_count() == 1 && fmt.bytes_per_element(0) == 4) {
            let full = raw::color_codes(f).range == 2
                || matches!(
                    f.format(),
                    Pixel::YUVJ420P | Pixel::YUVJ422P | Pixel::YUVJ444P
                );
            let rgba = to_packed_rgba(f, full)?;
            let (w, h) = (f.width(), f.height());
            let mut rgb = alloc_frame(Pixel::RGBZ, w, h)?;
            let (stride, row) = (rgb.stride(0), w as usize * 4);
            for y in 0..h as usize {
                rgb.data_mut(0)
                    .get_mut(y * stride..y * stride + row)
                    .ok_or_else(oob)?
                    .copy_from_slice(rgba.get(y * row..(y + 1) * row).ok_or_else(oob)?);
            }
            let converted = self.convert(&rgb)?;
            out.frame = converted.frame;
            out.color_space = converted.color_space;
        }
        let (plane, _) = out.frame.plane_mut(0);
        t.apply_rgba(plane);
        Ok(())
    }

    /// A PNG with `gAMA` and no `sRGB`/`iCCP`: `"default"` re-encodes the samples from that
    /// gamma to sRGB; `"none"` keeps them and reports the transfer as coded (`linear` for a
    /// gamma of 1, otherwise unknown).
    fn apply_png_gamma(&self, out: &mut ImageFrameOutput) {
        let fmt = out.frame.format();
        if !fmt.is_rgb() || fmt.plane_count() != 1 {
            return;
        }
        let Some(gamma) = png::scan(&self.data)
            .ok()
            .flatten()
            .filter(|s| !s.srgb_or_icc)
            .and_then(|s| s.gamma)
            .filter(|&g| g > 0)
        else {
            return;
        };
        match self.opts.color_space_conversion {
            ColorSpaceConversion::None => {
                out.color_space.transfer = (gamma == 100_000).then_some(ColorTransfer::Linear);
            }
            ColorSpaceConversion::Default => {
                let lut = gamma_to_srgb_lut(gamma);
                let (plane, _) = out.frame.plane_mut(0);
                // RGBA, RGBX, BGRA and BGRX all keep alpha (or padding) in the fourth byte.
                for px in plane.chunks_exact_mut(4) {
                    for c in &mut px[..3] {
                        *c = lut[usize::from(*c)];
                    }
                }
            }
        }
    }

    /// The packet of a whole-file still image (JPEG, PNG, WebP, BMP) and, for a partial
    /// progressive JPEG, its generation. `Ok(None)`: wait for more data.
    ///
    /// A JPEG is whole at its `EOI`, a PNG at its `IEND`, a WebP at the end of its `RIFF`
    /// chunk, so they decode before the stream ends; a BMP (whose size field is often wrong)
    /// waits for the end of the data.
    fn still_packet(&self, partial_after: Option<u32>) -> Result<Option<StillPacket>, CodecError> {
        let d = &self.data;
        let whole = match self.ty {
            ImageType::Jpeg => {
                let s = jpeg::scan(d);
                if s.malformed {
                    return Err(CodecError::encoding("malformed JPEG marker structure"));
                }
                match (s.end, partial_after) {
                    (Some(end), _) => Some(end),
                    (None, Some(after)) if s.progressive && s.complete_scans > after => {
                        // The scans so far plus an EOI: the decoder outputs what they hold.
                        let mut p = d.get(..s.scans_end).unwrap_or_default().to_vec();
                        p.extend_from_slice(&[0xFF, 0xD9]);
                        return Ok(Some((p, Some(s.complete_scans))));
                    }
                    _ => None,
                }
            }
            ImageType::Png => png::scan(d)
                .ok()
                .flatten()
                .filter(|s| s.ended)
                .map(|_| d.len()),
            ImageType::Webp => d
                .get(4..8)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize + 8)
                .filter(|&n| n <= d.len()),
            _ => self.complete.then_some(d.len()),
        };
        match whole {
            Some(n) => Ok(Some((d.get(..n).unwrap_or(d).to_vec(), None))),
            None if self.complete => Err(truncated(0)),
            None => Ok(None),
        }
    }

    /// Decodes the tiles of an AVIF `grid` image and stitches them (cropped to the output
    /// size). `Ok(None)`: a tile's data has not arrived yet.
    fn decode_avif_grid(
        &mut self,
        img: &avif::AvifImage,
    ) -> Result<Option<ImageFrameOutput>, CodecError> {
        let Some(grid) = &img.grid else {
            return Err(CodecError::encoding("not an AVIF grid"));
        };
        let mut packets = Vec::with_capacity(grid.tiles.len());
        for (_, extents) in &grid.tiles {
            match avif::extents_data(extents, &self.data) {
                Some(p) => packets.push(p),
                None if self.complete => return Err(truncated(0)),
                None => return Ok(None),
            }
        }
        let codec = av1_decoder().ok_or_else(|| CodecError::not_supported("no AV1 decoder"))?;
        let mut tiles = Vec::with_capacity(packets.len());
        for ((av1c, _), packet) in grid.tiles.iter().zip(&packets) {
            let mut dec = open(codec, Some(av1c))?;
            let tile = decode_packet(&mut dec, packet, true, true)?
                .pop()
                .ok_or_else(|| CodecError::encoding("an AVIF grid tile decoded to nothing"))?;
            tiles.push(tile);
        }
        let f = grid::stitch(&tiles, grid.columns, grid.output_width, grid.output_height)?;
        self.convert(&f).map(Some)
    }

    /// Decodes and composites animated WebP frames up to `index`.
    fn decode_webp(
        &mut self,
        scan: &webp::WebpScan,
        index: usize,
    ) -> Result<ImageFrameOutput, CodecError> {
        let (cw, ch) = (scan.canvas_width, scan.canvas_height);
        let canvas_len = cw as usize * ch as usize * 4;
        if self
            .webp_canvas
            .as_ref()
            .map_or(true, |(next, _, _)| *next > index)
        {
            self.webp_canvas = Some((0, vec![0; canvas_len], None));
        }
        let codec = ffmpeg::decoder::find_by_name("webp")
            .ok_or_else(|| CodecError::not_supported("no FFmpeg webp decoder"))?;
        let Some((mut next, mut canvas, mut to_dispose)) = self.webp_canvas.take() else {
            return Err(CodecError::encoding("WebP canvas missing"));
        };
        while next <= index {
            let f = &scan.frames[next];
            if let Some(prev) = to_dispose.take() {
                webp::dispose(&mut canvas, cw, &prev);
            }
            let file = f
                .standalone(&self.data)
                .ok_or_else(|| CodecError::encoding("WebP frame outside the data"))?;
            let mut dec = open(codec, None)?;
            let pic = decode_packet(&mut dec, &file, true, true)?
                .pop()
                .ok_or_else(|| CodecError::encoding("WebP frame decoded to nothing"))?;
            if (pic.width(), pic.height()) != (f.width, f.height) {
                return Err(CodecError::encoding("WebP frame size disagrees with ANMF"));
            }
            let rgba = to_packed_rgba(&pic, false)?;
            webp::composite(&mut canvas, cw, f, &rgba);
            if f.dispose {
                to_dispose = Some(f.clone());
            }
            next += 1;
        }
        let mut frame = alloc_frame(Pixel::RGBA, cw, ch)?;
        let stride = frame.stride(0);
        let row = cw as usize * 4;
        let dst = frame.data_mut(0);
        for y in 0..ch as usize {
            let from = canvas.get(y * row..(y + 1) * row).ok_or_else(oob)?;
            dst.get_mut(y * stride..y * stride + row)
                .ok_or_else(oob)?
                .copy_from_slice(from);
        }
        self.webp_canvas = Some((next, canvas, to_dispose));
        let mut out = self.convert(&frame)?;
        let ms = |f: &webp::WebpFrame| u64::from(f.duration_ms) * 1000;
        out.timestamp = scan.frames[..index].iter().map(ms).sum::<u64>() as i64;
        out.duration = Some(ms(&scan.frames[index]));
        Ok(out)
    }

    /// Packets, decoder and timing of an animated track; `None` while its header is missing.
    fn plan(&self, layout: &Layout, track: usize) -> Result<Option<TrackPlan>, CodecError> {
        let find = |n: &str| {
            ffmpeg::decoder::find_by_name(n)
                .ok_or_else(|| CodecError::not_supported("no FFmpeg decoder for this image"))
        };
        Ok(Some(match layout {
            Layout::Gif(s) => TrackPlan {
                ranges: s.frames.iter().map(|f| (f.start, f.end)).collect(),
                extradata: None,
                codec: find("gif")?,
                durations_us: s
                    .frames
                    .iter()
                    .map(|f| u64::from(f.delay_cs) * 10_000)
                    .collect(),
                all_here: true,
            },
            Layout::Apng(s) => TrackPlan {
                ranges: s.frames.iter().map(|f| (f.start, f.end)).collect(),
                extradata: Some(self.data.get(8..s.header_end).unwrap_or_default().to_vec()),
                codec: find("apng")?,
                durations_us: s
                    .frames
                    .iter()
                    .map(|f| {
                        let den = if f.delay_den == 0 {
                            100
                        } else {
                            u64::from(f.delay_den)
                        };
                        u64::from(f.delay_num) * 1_000_000 / den
                    })
                    .collect(),
                all_here: true,
            },
            Layout::Avif(_, Some(seq)) if track == 1 => TrackPlan {
                ranges: seq
                    .samples
                    .iter()
                    .map(|&(o, l)| (o, o.saturating_add(l)))
                    .collect(),
                extradata: Some(seq.av1c.clone()),
                codec: av1_decoder().ok_or_else(|| CodecError::not_supported("no AV1 decoder"))?,
                durations_us: seq.durations_us.clone(),
                all_here: self.complete
                    || seq
                        .samples
                        .iter()
                        .all(|&(o, l)| o.saturating_add(l) <= self.data.len()),
            },
            _ => return Ok(None),
        }))
    }

    fn decode_sequence(
        &mut self,
        plan: &TrackPlan,
        track: usize,
        index: usize,
    ) -> Result<Option<ImageFrameOutput>, CodecError> {
        if !plan.all_here {
            // AV1 sequences are decoded once all their samples are here.
            return Ok(None);
        }
        if self
            .seq
            .as_ref()
            .map_or(true, |s| s.track != track || s.received > index)
        {
            self.seq = Some(Sequence {
                dec: open(plan.codec, plan.extradata.as_deref())?,
                track,
                next: 0,
                received: 0,
                drained: false,
            });
        }
        let mut last = None;
        loop {
            let Some(seq) = self.seq.as_mut() else {
                return Err(CodecError::encoding("decoder missing"));
            };
            if seq.received > index {
                break;
            }
            let frames = if let Some(&(a, b)) = plan.ranges.get(seq.next) {
                let pkt = self
                    .data
                    .get(a..b)
                    .ok_or_else(|| CodecError::encoding("frame outside the data"))?;
                let key = seq.next == 0;
                seq.next += 1;
                decode_packet(&mut seq.dec, pkt, key, false)?
            } else if !seq.drained {
                seq.drained = true;
                drain_eof(&mut seq.dec)?
            } else {
                return Err(CodecError::encoding(
                    "the animation has fewer frames than its index",
                ));
            };
            for f in frames {
                if seq.received == index {
                    last = Some(f);
                }
                seq.received += 1;
            }
        }
        let f = last.ok_or_else(|| CodecError::encoding("the frame decoded to nothing"))?;
        self.convert(&f).map(Some)
    }

    /// Copies (or converts/scales) a decoded picture into a WebCodecs frame.
    fn convert(&mut self, f: &frame::Video) -> Result<ImageFrameOutput, CodecError> {
        let (w, h) = (f.width(), f.height());
        if w == 0 || h == 0 {
            return Err(CodecError::encoding("decoder returned an empty frame"));
        }
        let (tw, th) = self.opts.desired_size.unwrap_or((w, h));
        let (fmt, full, rgb) = target_format(f.format());
        let src_full = full || rgb || raw::color_codes(f).range == 2;
        let color_space = if rgb {
            VideoColorSpace {
                primaries: Some(ColorPrimaries::Bt709),
                transfer: Some(ColorTransfer::Iec6196621),
                matrix: Some(ColorMatrix::Rgb),
                full_range: Some(true),
            }
        } else {
            // Members the bitstream leaves unspecified get the usual image defaults: sRGB
            // primaries and transfer, BT.601 matrix; JPEG is full range, the rest limited.
            let c = crate::decoder::color_space(f, full, crate::codecs::Family::Av1);
            VideoColorSpace {
                primaries: c.primaries.or(Some(ColorPrimaries::Bt709)),
                transfer: c.transfer.or(Some(ColorTransfer::Iec6196621)),
                matrix: c.matrix.or(Some(ColorMatrix::Smpte170m)),
                full_range: c.full_range.or(Some(self.ty == ImageType::Jpeg)),
            }
        };
        let av = crate::convert::av_pixel(fmt);
        let av = if fmt.has_alpha() {
            match fmt {
                VideoPixelFormat::I420A => Pixel::YUVA420P,
                VideoPixelFormat::I422A => Pixel::YUVA422P,
                VideoPixelFormat::I444A => Pixel::YUVA444P,
                VideoPixelFormat::RGBA => Pixel::RGBA,
                VideoPixelFormat::BGRA => Pixel::BGRA,
                _ => av,
            }
        } else {
            av
        };
        let frame = if av == f.format() && (tw, th) == (w, h) {
            crate::convert::share_or_copy(f, fmt)?
        } else {
            let key = (f.format(), w, h, av, tw, th, src_full);
            if self.scaler.as_ref().map(|(k, _)| *k) != Some(key) {
                let mut ctx = ffmpeg::software::scaling::Context::get(
                    f.format(),
                    w,
                    h,
                    av,
                    tw,
                    th,
                    ffmpeg::software::scaling::Flags::BICUBIC,
                )
                .map_err(|e| av_error("cannot create scaler", e))?;
                let dst_full = if rgb { true } else { src_full };
                raw::set_scaler_colorspace(
                    &mut ctx,
                    ffmpeg::ffi::SWS_CS_ITU709,
                    src_full,
                    dst_full,
                );
                self.scaler = Some((key, raw::SendScaler(ctx)));
            }
            let Some((_, s)) = self.scaler.as_mut() else {
                return Err(CodecError::encoding("scaler missing"));
            };
            let mut dst = alloc_frame(av, tw, th)?;
            s.0.run(f, &mut dst)
                .map_err(|e| av_error("pixel format conversion failed", e))?;
            crate::convert::share_or_copy(&dst, fmt)?
        };
        Ok(ImageFrameOutput {
            frame,
            timestamp: 0,
            duration: None,
            color_space,
            rotation: 0,
            flip: false,
            generation: None,
        })
    }
}

/// The WebCodecs format a decoded FFmpeg format is delivered in: `(format, full range implied,
/// is RGB)`. YUV layouts WebCodecs has are kept; RGB, palette and grey pictures become RGBA
/// (with alpha) or RGBX.
fn target_format(p: Pixel) -> (VideoPixelFormat, bool, bool) {
    use VideoPixelFormat::*;
    if let Some((f, full)) = webcodecs_pixel(p) {
        return (f, full, false);
    }
    match p {
        Pixel::YUVA420P => (I420A, false, false),
        Pixel::YUVA422P => (I422A, false, false),
        Pixel::YUVA444P => (I444A, false, false),
        Pixel::YUVA420P10LE => (I420AP10, false, false),
        Pixel::YUVA422P10LE => (I422AP10, false, false),
        Pixel::YUVA444P10LE => (I444AP10, false, false),
        Pixel::YUVA422P12LE => (I422AP12, false, false),
        Pixel::YUVA444P12LE => (I444AP12, false, false),
        Pixel::RGBA => (RGBA, true, true),
        Pixel::BGRA => (BGRA, true, true),
        Pixel::RGBZ => (RGBX, true, true),
        Pixel::BGRZ => (BGRX, true, true),
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
        | Pixel::GBRAP16BE => (RGBA, true, true),
        _ => (RGBX, true, true),
    }
}

/// Maps 8-bit samples encoded with PNG gamma `gamma` (× 100000: sample = linear^gamma) to
/// sRGB-encoded samples.
fn gamma_to_srgb_lut(gamma: u32) -> [u8; 256] {
    let decode = 100_000.0 / f64::from(gamma);
    let mut lut = [0u8; 256];
    for (v, out) in lut.iter_mut().enumerate() {
        let linear = (v as f64 / 255.0).powf(decode);
        let srgb = if linear <= 0.003_130_8 {
            12.92 * linear
        } else {
            1.055 * linear.powf(1.0 / 2.4) - 0.055
        };
        *out = (srgb * 255.0).round().clamp(0.0, 255.0) as u8;
    }
    lut
}

/// The data is complete but frame `index` is not all there ("Reject Infeasible Decode").
fn truncated(index: usize) -> CodecError {
    CodecError::range_error(format!(
        "the image data ended before frame {index} was complete"
    ))
}

fn oob() -> CodecError {
    CodecError::encoding("plane copy out of bounds")
}

fn open(
    codec: ffmpeg::Codec,
    extradata: Option<&[u8]>,
) -> Result<ffmpeg::decoder::Video, CodecError> {
    let mut ctx = codec::Context::new_with_codec(codec);
    if let Some(e) = extradata.filter(|e| !e.is_empty()) {
        raw::set_extradata(&mut ctx, e).map_err(|e| av_error("cannot set extradata", e))?;
    }
    // One thread: images are small and frame threading would delay outputs.
    ctx.set_threading(codec::threading::Config {
        kind: codec::threading::Type::Slice,
        count: 1,
        ..Default::default()
    });
    ctx.decoder()
        .open()
        .and_then(|o| o.video())
        .map_err(|e| av_error("cannot open image decoder", e))
}

/// Sends one packet (and EOF when `eof`), returns every picture that came out.
fn decode_packet(
    dec: &mut ffmpeg::decoder::Video,
    data: &[u8],
    key: bool,
    eof: bool,
) -> Result<Vec<frame::Video>, CodecError> {
    if data.is_empty() {
        return Err(CodecError::encoding("empty image data"));
    }
    let mut pkt = Packet::copy(data);
    if key {
        pkt.set_flags(codec::packet::Flags::KEY);
    }
    let mut out = Vec::new();
    let drain = |dec: &mut ffmpeg::decoder::Video, out: &mut Vec<frame::Video>| loop {
        let mut f = frame::Video::empty();
        match dec.receive_frame(&mut f) {
            Ok(()) => out.push(f),
            Err(e) if is_eagain(&e) => return Ok(()),
            Err(ffmpeg::Error::Eof) => return Ok(()),
            Err(e) => return Err(av_error("image decoding failed", e)),
        }
    };
    loop {
        match dec.send_packet(&pkt) {
            Ok(()) => break,
            Err(e) if is_eagain(&e) => {
                let before = out.len();
                drain(dec, &mut out)?;
                if out.len() == before {
                    return Err(av_error("decoder refuses input", e));
                }
            }
            Err(e) => return Err(av_error("image decoding failed", e)),
        }
    }
    drain(dec, &mut out)?;
    if eof && out.is_empty() {
        match dec.send_eof() {
            Ok(()) | Err(ffmpeg::Error::Eof) => {}
            Err(e) => return Err(av_error("image decoding failed", e)),
        }
        drain(dec, &mut out)?;
    }
    Ok(out)
}

/// Converts a decoded picture to tightly packed RGBA (BT.601 for YUV input, as WebP and JPEG
/// use; `yuv_full`: the YUV is full range).
fn to_packed_rgba(f: &frame::Video, yuv_full: bool) -> Result<Vec<u8>, CodecError> {
    let (w, h) = (f.width(), f.height());
    let mut ctx = ffmpeg::software::scaling::Context::get(
        f.format(),
        w,
        h,
        Pixel::RGBA,
        w,
        h,
        ffmpeg::software::scaling::Flags::BICUBIC,
    )
    .map_err(|e| av_error("cannot create scaler", e))?;
    let yuv = webcodecs_pixel(f.format()).is_some()
        || matches!(
            f.format(),
            Pixel::YUVA420P | Pixel::YUVA422P | Pixel::YUVA444P
        );
    raw::set_scaler_colorspace(&mut ctx, ffmpeg::ffi::SWS_CS_ITU601, !yuv || yuv_full, true);
    let mut dst = alloc_frame(Pixel::RGBA, w, h)?;
    ctx.run(f, &mut dst)
        .map_err(|e| av_error("pixel format conversion failed", e))?;
    let row = w as usize * 4;
    let stride = dst.stride(0);
    let data = dst.data(0);
    let mut out = Vec::with_capacity(row * h as usize);
    for y in 0..h as usize {
        out.extend_from_slice(data.get(y * stride..y * stride + row).ok_or_else(oob)?);
    }
    Ok(out)
}

/// Sends EOF and returns the pictures still inside the decoder.
fn drain_eof(dec: &mut ffmpeg::decoder::Video) -> Result<Vec<frame::Video>, CodecError> {
    match dec.send_eof() {
        Ok(()) | Err(ffmpeg::Error::Eof) => {}
        Err(e) => return Err(av_error("image decoding failed", e)),
    }
    let mut out = Vec::new();
    loop {
        let mut f = frame::Video::empty();
        match dec.receive_frame(&mut f) {
            Ok(()) => out.push(f),
            Err(e) if is_eagain(&e) => return Ok(out),
            Err(ffmpeg::Error::Eof) => return Ok(out),
            Err(e) => return Err(av_error("image decoding failed", e)),
        }
    }
}

/// Applies the AVIF item's `colr` (nclx), `irot` and `imir` properties.
fn apply_avif_props(img: &avif::AvifImage, out: &mut ImageFrameOutput) {
    let is_rgb = out.frame.format().is_rgb();
    if let Some((p, t, m, full)) = img.nclx {
        if !is_rgb {
            out.color_space = VideoColorSpace {
                primaries: ColorPrimaries::from_code(u32::from(p)),
                transfer: ColorTransfer::from_code(u32::from(t)),
                matrix: ColorMatrix::from_code(u32::from(m)),
                full_range: Some(full),
            };
        }
    }
    // irot is anti-clockwise; VideoFrame rotation is clockwise.
    let mut rotation = (4 - u32::from(img.irot)) % 4 * 90;
    let mut flip = false;
    match img.imir {
        Some(0) => flip = true,
        // A top/bottom mirror is a left/right mirror plus a half turn.
        Some(_) => {
            flip = true;
            rotation = (rotation + 180) % 360;
        }
        None => {}
    }
    out.rotation = rotation;
    out.flip = flip;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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
    fn garbage_is_an_encoding_error() {
        let mut s = ImageSession::new(ImageType::Png, Default::default());
        s.append(b"this is not a png");
        s.set_complete();
        let e = s.tracks().unwrap_err();
        assert_eq!(e.name, codec_core::ErrorName::EncodingError);
    }

    #[test]
    fn short_complete_data_is_invalid_state() {
        let mut s = ImageSession::new(ImageType::Png, Default::default());
        s.append(&png::SIGNATURE[..6]);
        assert_eq!(s.tracks().unwrap(), None);
        s.set_complete();
        let e = s.tracks().unwrap_err();
        assert_eq!(e.name, codec_core::ErrorName::InvalidStateError);
    }
}
