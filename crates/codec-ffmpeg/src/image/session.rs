//! [`ImageSession`]: the encoded data so far, the container layout found in it, the tracks it
//! describes, and which decode path a frame takes.

use media_parse::image::avif::AvifImage;
use media_parse::image::avif_sequence::{AvifSequence, SequenceScan};
use media_parse::image::gif::GifScan;
use media_parse::image::ico::IcoEntry;
use media_parse::image::png::PngScan;
use media_parse::image::webp::WebpScan;
use media_parse::image::{avif, avif_sequence, gif, ico, png, webp};

use codec_core::ImageTrackInfo;

use super::composite::WebpCanvas;
use super::decode::Sequence;
use super::output::{shared, Scaler};
use super::{bad_data, ImageDecoderOptions, ImageFrameOutput, ImageType};
use crate::Result;

/// The container layout found so far.
#[derive(Debug, Clone)]
pub(super) enum Layout {
    /// One packet: the whole file (or, for JPEG, up to `EOI`).
    Still,
    Gif(GifScan),
    Apng(PngScan),
    Avif(AvifImage, Option<AvifSequence>),
    Ico(IcoEntry),
    WebpAnim(WebpScan),
}

impl Layout {
    /// Whether the container says no more frames will follow.
    fn ended(&self) -> bool {
        match self {
            Self::Gif(s) => s.ended,
            Self::Apng(s) => s.ended,
            Self::WebpAnim(s) => s.ended,
            _ => true,
        }
    }
}

/// What [`ImageSession::decode`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum DecodeOutcome {
    /// The frame (partial when `generation` is set).
    Frame(ImageFrameOutput),
    /// Its data has not all arrived.
    NotYet,
    /// The index is past the track, and the data is complete or the container has ended (the
    /// processing model's "Reject Infeasible Decode"). Complete data that ends inside a frame
    /// of the track is an error instead (`EncodingError`).
    Infeasible,
}

/// The synchronous image decoder: accumulate bytes, ask for tracks, decode frames.
pub struct ImageSession {
    pub(super) ty: ImageType,
    pub(super) opts: ImageDecoderOptions,
    pub(super) data: Vec<u8>,
    pub(super) complete: bool,
    pub(super) layout: Option<Layout>,
    /// The animated track's decoder, fed packet by packet.
    pub(super) seq: Option<Sequence>,
    /// The last full-detail frame, keyed by `(track, index)`.
    cache: Option<((usize, usize), ImageFrameOutput)>,
    pub(super) webp_canvas: Option<WebpCanvas>,
    pub(super) scaler: Scaler,
}

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
            scaler: Scaler::default(),
        }
    }

    /// Appends encoded bytes.
    pub fn append(&mut self, bytes: &[u8]) {
        self.data.extend_from_slice(bytes);
    }

    /// Appends encoded bytes given as a vector: the first one becomes the data without a copy
    /// (a whole image given at once is never copied again).
    pub fn append_owned(&mut self, bytes: Vec<u8>) {
        if self.data.is_empty() {
            self.data = bytes;
        } else {
            self.append(&bytes);
        }
    }

    /// Marks the data as complete (no more bytes will come).
    pub fn set_complete(&mut self) {
        self.complete = true;
    }

    /// Whether all the data has arrived.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Rescans the container: the tracks as the data describes them now, primary first.
    /// `Ok(None)`: the data does not tell yet (the processing model decides what that means
    /// once the data is complete).
    ///
    /// # Errors
    /// Malformed data (`EncodingError`; a feature of the type we cannot decode is reported the
    /// same way).
    pub fn tracks(&mut self) -> Result<Option<Vec<ImageTrackInfo>>> {
        self.layout = self.scan()?;
        let still = ImageTrackInfo {
            animated: false,
            frame_count: 1,
            repetition_count: 0.0,
        };
        let animated = |frame_count: usize, repetition_count: f64| ImageTrackInfo {
            animated: true,
            frame_count: u32::try_from(frame_count).unwrap_or(u32::MAX),
            repetition_count,
        };
        // A loop count that is the number of plays (0: forever), as APNG and WebP store it.
        let plays = |n: u32| match n {
            0 => f64::INFINITY,
            n => f64::from(n - 1),
        };
        let Some(layout) = &self.layout else {
            return Ok(None);
        };
        Ok(Some(match layout {
            Layout::Avif(_, Some(seq)) => vec![
                still,
                animated(
                    seq.samples.len(),
                    if seq.repeat_forever {
                        f64::INFINITY
                    } else {
                        0.0
                    },
                ),
            ],
            // A one-frame GIF is a still image whatever its loop extension says (as in Blink).
            Layout::Gif(s) if s.frames.len() < 2 => vec![still],
            Layout::Gif(s) => vec![animated(
                s.frames.len(),
                match s.loop_count {
                    Some(0) => f64::INFINITY,
                    Some(n) => f64::from(n),
                    None => 0.0,
                },
            )],
            Layout::Apng(s) if s.animated => vec![animated(s.frames.len(), plays(s.num_plays))],
            Layout::WebpAnim(s) => vec![animated(s.frames.len(), plays(u32::from(s.loop_count)))],
            _ => vec![still],
        }))
    }

    /// The layout of the data so far; `None` while the header is not all here.
    fn scan(&self) -> Result<Option<Layout>> {
        let d = &self.data;
        let complete = self.complete;
        Ok(match self.ty {
            ImageType::Jpeg => {
                let n = d.len().min(3);
                if d[..n] != [0xFF, 0xD8, 0xFF][..n] {
                    return Err(crate::Error::malformed("not a JPEG file"));
                }
                (n == 3).then_some(Layout::Still)
            }
            ImageType::Bmp => {
                let n = d.len().min(2);
                if d[..n] != b"BM"[..n] {
                    return Err(crate::Error::malformed("not a BMP file"));
                }
                (d.len() >= 18).then_some(Layout::Still)
            }
            ImageType::Webp => {
                if !webp::signature_ok(d) {
                    return Err(crate::Error::malformed("not a WebP file"));
                }
                // A simple file needs its first chunk header; an extended one all of VP8X.
                if d.len() < 21 || (d.len() < 30 && d.get(12..16) == Some(b"VP8X")) {
                    return Ok(None);
                }
                match webp::scan(d).map_err(bad_data)? {
                    Some(s) if s.animated && !s.frames.is_empty() => Some(Layout::WebpAnim(s)),
                    Some(s) if s.animated && (complete || s.ended) => {
                        return Err(crate::Error::malformed("animated WebP has no frames"))
                    }
                    Some(s) if s.animated => None,
                    _ => Some(Layout::Still),
                }
            }
            ImageType::Gif => match gif::scan(d).map_err(bad_data)? {
                None => None,
                // Whether a GIF is animated is known once a second frame (or the end) is in.
                Some(s) if s.frames.len() < 2 && !complete && !s.ended => None,
                Some(s) if s.frames.is_empty() => {
                    return Err(crate::Error::malformed("GIF has no frames"))
                }
                Some(s) => Some(Layout::Gif(s)),
            },
            ImageType::Png => match png::scan(d).map_err(bad_data)? {
                Some(s) if s.header_done && s.animated => {
                    if s.frames.is_empty() && (complete || s.ended) {
                        return Err(crate::Error::malformed("APNG has no frames"));
                    }
                    (!s.frames.is_empty()).then_some(Layout::Apng(s))
                }
                Some(s) if s.header_done => Some(Layout::Still),
                // Only the header arrived: a still image whose data is missing.
                Some(_) if complete => Some(Layout::Still),
                _ => None,
            },
            ImageType::Avif => match avif::parse(d).map_err(bad_data)? {
                None => None,
                Some(img) => match avif_sequence::parse_sequence(d) {
                    Ok(SequenceScan::Present(seq)) => Some(Layout::Avif(img, Some(seq))),
                    // An image sequence whose `moov` has not arrived yet.
                    Ok(SequenceScan::NeedMore) if !complete => None,
                    // A sequence we cannot read leaves the still image usable.
                    _ => Some(Layout::Avif(img, None)),
                },
            },
            ImageType::Ico => ico::parse(d).map_err(bad_data)?.map(Layout::Ico),
        })
    }

    /// Decodes frame `index` of `track` (`None`: the default track).
    ///
    /// `partial_after`: `None` asks for the full-detail frame only (`completeFramesOnly`);
    /// `Some(g)` also accepts a partial image of a progressive JPEG whose generation (complete
    /// scans) exceeds `g`, or the full-detail one if that is here.
    ///
    /// # Errors
    /// Malformed data, complete data that ends inside the frame, or a decoder failure
    /// (`EncodingError`); a missing FFmpeg decoder (`NotSupportedError`): the decoder is then
    /// closed.
    pub fn decode(
        &mut self,
        track: Option<u32>,
        index: u32,
        partial_after: Option<u32>,
    ) -> Result<DecodeOutcome> {
        let index = index as usize;
        // Rescan: more frames may have arrived.
        let Some(tracks) = self.tracks()? else {
            return Ok(DecodeOutcome::NotYet);
        };
        let prefer = self.opts.prefer_animation;
        let track = track.map_or_else(
            || codec_core::default_selected_track(&tracks, prefer),
            |t| t as usize,
        );
        let Some(info) = tracks.get(track) else {
            return Err(crate::Error::internal(
                "decode of a track that does not exist",
            ));
        };
        if let Some((key, out)) = &self.cache {
            if *key == (track, index) {
                return Ok(DecodeOutcome::Frame(out.clone()));
            }
        }
        let Some(layout) = self.layout.clone() else {
            return Ok(DecodeOutcome::NotYet);
        };
        if index >= info.frame_count as usize {
            return Ok(if layout.ended() || self.complete {
                DecodeOutcome::Infeasible
            } else {
                DecodeOutcome::NotYet
            });
        }
        let outcome = match (&layout, track) {
            (Layout::Gif(_) | Layout::Apng(_), _) | (Layout::Avif(_, Some(_)), 1) => {
                self.decode_animated(&layout, track, index)?
            }
            (Layout::WebpAnim(scan), _) => {
                DecodeOutcome::Frame(self.decode_webp_animation(scan, index)?)
            }
            _ => self.decode_still(&layout, partial_after)?,
        };
        let DecodeOutcome::Frame(mut out) = outcome else {
            return Ok(outcome);
        };
        if self.ty == ImageType::Png {
            self.apply_png_gamma(&mut out);
        }
        // Shared planes: the cache and the caller hold the same pixels.
        out.frame = shared(out.frame)?;
        if out.generation.is_none() {
            self.cache = Some(((track, index), out.clone()));
        }
        Ok(DecodeOutcome::Frame(out))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use codec_core::ErrorName;

    #[test]
    fn garbage_is_an_encoding_error() {
        let mut s = ImageSession::new(ImageType::Png, Default::default());
        s.append(b"this is not a png");
        s.set_complete();
        let e = s.tracks().unwrap_err();
        assert_eq!(e.name(), ErrorName::EncodingError);
    }

    #[test]
    fn owned_and_borrowed_appends_concatenate() {
        let mut s = ImageSession::new(ImageType::Png, Default::default());
        s.append_owned(png::SIGNATURE[..3].to_vec());
        s.append_owned(png::SIGNATURE[3..5].to_vec());
        s.append(&png::SIGNATURE[5..]);
        assert_eq!(s.data, png::SIGNATURE);
    }

    #[test]
    fn short_data_tells_no_tracks() {
        let mut s = ImageSession::new(ImageType::Png, Default::default());
        s.append(&png::SIGNATURE[..6]);
        assert_eq!(s.tracks().unwrap(), None);
        s.set_complete();
        assert_eq!(s.tracks().unwrap(), None);
        assert_eq!(s.decode(None, 0, None).unwrap(), DecodeOutcome::NotYet);
    }
}
