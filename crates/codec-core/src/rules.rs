//! The codec-specific rules the processing model applies: what it reads from a configuration
//! ([`ModelConfig`]), from an input ([`InputFacts`]) and what it hands out with each output
//! ([`OutputContext`]).

use crate::color::VideoColorSpace;
use crate::config::VideoDecoderConfig;
use crate::error::CodecError;
use crate::frame::{Orientation, Rect, VideoFrameMeta};
use crate::{chunk_is_key, NalFraming};

/// What the model's rules need to know about an input of `encode()` / `decode()`; the input
/// itself stays opaque to the model.
#[derive(Debug, Clone, Copy)]
pub enum InputFacts<'a> {
    /// An input no rule looks at (an `AudioData` for an `AudioEncoder`).
    Plain,
    /// A `VideoFrame` for a `VideoEncoder`: its orientation, checked against
    /// `[[active orientation]]`.
    Frame(Orientation),
    /// An encoded chunk for a decoder: its type, and its bytes for the key-chunk check.
    Chunk {
        /// `type === "key"`.
        key: bool,
        /// The chunk's bytes.
        data: &'a [u8],
    },
}

/// How a decoder checks that a chunk labelled "key" holds a key frame (the inspection `decode()`
/// recommends, <https://w3c.github.io/webcodecs/#dom-videodecoder-decode>): the configured codec
/// and its NAL framing (from the `description`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChunkCheck {
    /// The configured codec string.
    pub codec: String,
    /// Annex B, or the NAL length size of the avcC/hvcC description.
    pub framing: NalFraming,
}

impl KeyChunkCheck {
    /// Checks the bytes of a chunk labelled "key".
    ///
    /// # Errors
    /// `DataError` when the chunk's bytes show it is not a key frame (unknown codecs and
    /// unparsable data pass: the decoder judges those).
    pub fn check(&self, data: &[u8]) -> Result<(), CodecError> {
        if chunk_is_key(&self.codec, data, self.framing) == Some(false) {
            return Err(CodecError::data(
                "the chunk is labelled \"key\" but does not hold a key frame",
            ));
        }
        Ok(())
    }
}

/// What the model reads from a configuration when `configure()` accepts it.
pub trait ModelConfig {
    /// The key-chunk check a decoder applies while `[[key chunk required]]` (none by default).
    fn key_chunk_check(&self) -> Option<KeyChunkCheck> {
        None
    }

    /// What outputs of this configuration carry (nothing by default).
    fn output_context(&self) -> OutputContext {
        OutputContext::default()
    }
}

impl ModelConfig for crate::VideoEncoderConfig {}
impl ModelConfig for crate::AudioEncoderConfig {}
impl ModelConfig for crate::AudioDecoderConfig {}

impl ModelConfig for VideoDecoderConfig {
    fn key_chunk_check(&self) -> Option<KeyChunkCheck> {
        Some(KeyChunkCheck {
            codec: self.codec.clone(),
            framing: self.nal_framing(),
        })
    }

    fn output_context(&self) -> OutputContext {
        OutputContext {
            orientation: Some(Orientation::snapped(f64::from(self.rotation), self.flip)),
            display_aspect: self.display_aspect_width.zip(self.display_aspect_height),
            color_space: self.color_space,
        }
    }
}

/// What the configuration that produced an output says about it, handed out with each output
/// (see [`crate::JsEvent::Output`]). An output belongs to the configuration the worker ran when
/// it produced it, even if `configure()` was called again since.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputContext {
    /// `VideoEncoder`: `[[active orientation]]` (set by the first frame after `configure()`),
    /// which `decoderConfig` reports as `rotation` and `flip`. `VideoDecoder`: the config's
    /// `rotation` and `flip`, given to every frame.
    pub orientation: Option<Orientation>,
    /// `VideoDecoder`: `displayAspectWidth` and `displayAspectHeight`.
    pub display_aspect: Option<(u32, u32)>,
    /// `VideoDecoder`: the config's `colorSpace`; its known members override the bitstream's.
    pub color_space: Option<VideoColorSpace>,
}

impl OutputContext {
    /// An encoder's output `decoderConfig`: `rotation` and `flip` of the frames encoded ("Output
    /// EncodedVideoChunks", <https://w3c.github.io/webcodecs/#output-encodedvideochunks>).
    pub fn apply_to_decoder_config(&self, config: &mut VideoDecoderConfig) {
        let o = self.orientation.unwrap_or_default();
        config.rotation = o.rotation;
        config.flip = o.flip;
    }

    /// The metadata of a decoded picture of this coded size ("Output VideoFrames",
    /// <https://w3c.github.io/webcodecs/#output-videoframes>): all of it
    /// visible; displayed at the config's aspect ratio if it has one (one dimension grows, none
    /// shrinks), else at the visible size turned with the rotation; the config's orientation;
    /// the bitstream's colour space with the config's known members on top.
    pub fn decoded_frame(
        &self,
        coded_width: u32,
        coded_height: u32,
        timestamp: i64,
        duration: Option<u64>,
        color_space: VideoColorSpace,
    ) -> VideoFrameMeta {
        let orientation = self.orientation.unwrap_or_default();
        let (w, h) = (coded_width, coded_height);
        let (display_width, display_height) = match self.display_aspect {
            Some((aw, ah)) if aw > 0 && ah > 0 && w > 0 && h > 0 => {
                let ratio = f64::from(aw) / f64::from(ah);
                if f64::from(w) / f64::from(h) > ratio {
                    (w, (f64::from(w) / ratio).round() as u32)
                } else {
                    ((f64::from(h) * ratio).round() as u32, h)
                }
            }
            _ if !orientation.rotation.is_multiple_of(180) => (h, w),
            _ => (w, h),
        };
        let mut cs = color_space;
        if let Some(o) = self.color_space {
            cs.primaries = o.primaries.or(cs.primaries);
            cs.transfer = o.transfer.or(cs.transfer);
            cs.matrix = o.matrix.or(cs.matrix);
            cs.full_range = o.full_range.or(cs.full_range);
        }
        VideoFrameMeta {
            timestamp,
            duration,
            visible: Rect::new(0, 0, w, h),
            display_width,
            display_height,
            orientation,
            color_space: cs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ColorMatrix, ColorPrimaries, ErrorName};

    #[test]
    fn decoder_config_gives_framing_and_output_context() {
        let mut avcc = vec![1, 0x42, 0, 0x1f, 0xfd];
        avcc.extend([0xe0, 0]);
        let c = VideoDecoderConfig {
            codec: "avc1.42001f".into(),
            description: Some(avcc),
            rotation: 270,
            flip: true,
            display_aspect_width: Some(16),
            display_aspect_height: Some(9),
            color_space: Some(VideoColorSpace {
                matrix: Some(ColorMatrix::Smpte170m),
                ..Default::default()
            }),
            ..Default::default()
        };
        let check = c.key_chunk_check().expect("a check");
        assert_eq!(check.framing, NalFraming::LengthPrefixed(2));
        let ctx = c.output_context();
        let m = ctx.decoded_frame(640, 480, 5, Some(7), VideoColorSpace::REC709);
        assert_eq!((m.display_width, m.display_height), (853, 480));
        assert_eq!(
            m.orientation,
            Orientation {
                rotation: 270,
                flip: true
            }
        );
        assert_eq!(m.color_space.matrix, Some(ColorMatrix::Smpte170m));
        assert_eq!(m.color_space.primaries, Some(ColorPrimaries::Bt709));
        assert_eq!(
            (m.timestamp, m.duration, m.visible),
            (5, Some(7), Rect::new(0, 0, 640, 480))
        );
        // Taller than the aspect ratio: the width grows.
        let m = ctx.decoded_frame(100, 100, 0, None, VideoColorSpace::default());
        assert_eq!((m.display_width, m.display_height), (178, 100));
        // No aspect: the visible size, turned by a quarter rotation.
        let plain = VideoDecoderConfig {
            codec: "vp8".into(),
            rotation: 90,
            ..Default::default()
        };
        let m = plain
            .output_context()
            .decoded_frame(64, 48, 0, None, VideoColorSpace::default());
        assert_eq!((m.display_width, m.display_height), (48, 64));
        assert_eq!(
            plain.key_chunk_check().expect("check").framing,
            NalFraming::AnnexB
        );
    }

    #[test]
    fn key_chunk_check_refuses_a_delta_labelled_key() {
        let check = KeyChunkCheck {
            codec: "vp8".into(),
            framing: NalFraming::AnnexB,
        };
        // VP8: bit 0 of the first byte is 1 for an interframe.
        let e = check
            .check(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0])
            .expect_err("delta");
        assert_eq!(e.name, ErrorName::DataError);
        check
            .check(&[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x10, 0, 0x10, 0])
            .expect("key");
    }

    #[test]
    fn encoder_decoder_config_gets_the_orientation() {
        let mut dc = VideoDecoderConfig::default();
        OutputContext {
            orientation: Some(Orientation {
                rotation: 90,
                flip: true,
            }),
            ..Default::default()
        }
        .apply_to_decoder_config(&mut dc);
        assert_eq!((dc.rotation, dc.flip), (90, true));
    }
}
