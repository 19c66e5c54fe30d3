//! `VideoEncoderBackend`: libx264 (H.264), libx265 (HEVC), libvpx (VP8, VP9), libaom and
//! libsvtav1 (AV1).
//!
//! What differs per encoder is one [`Profile`](profile::Profile) each (`x264.rs`, `x265.rs`,
//! `vpx.rs`, `libaom.rs`, `svtav1.rs`): config checks, option mapping, quantizer range, rate control, who
//! places key frames, and temporal-layer control. Everything else is shared:
//! * `session.rs`: the [`EncoderSession`](session::EncoderSession) trait and its state common
//!   to every session ([`SessionCore`](session::SessionCore)), and the FFmpeg session.
//! * `aom_session.rs`: AV1 with temporal layers on libaom directly (`crate::aom`), behind the
//!   same trait.
//! * `alpha.rs`: `alpha: "keep"`'s second encoder.
//! * `input.rs`: the hand-off of a frame to the encoder (conversion and scaling).
//! * `color.rs`: the colour space a bitstream signals.
//! * `backend.rs`: [`VideoEncoderBackend`] and the rules that reopen a session.

use std::sync::Arc;

use codec_core::{
    AlphaOption, CodecError, FrameBuffer, Rect, VideoColorSpace, VideoDecoderConfig,
    VideoEncoderConfig,
};

use crate::codecs::{self, Family, Resolved};
use crate::{Error, Result};

mod alpha;
mod aom_session;
mod backend;
mod color;
mod input;
mod libaom;
mod profile;
mod session;
mod svtav1;
mod vpx;
mod x264;
mod x265;

pub use backend::VideoEncoderBackend;
pub(crate) use backend::{SessionBackend, SessionSlot};

/// One frame to encode.
#[derive(Debug, Clone)]
pub struct VideoEncodeInput {
    /// The frame's pixels (shared with the JS `VideoFrame`).
    pub frame: Arc<FrameBuffer>,
    /// The visible rect; this is what gets encoded (scaled to the configured size if needed).
    pub visible: Rect,
    /// Presentation timestamp in microseconds.
    pub timestamp: i64,
    /// Duration in microseconds.
    pub duration: Option<u64>,
    /// `encode(frame, { keyFrame: true })`: the chunk of this frame must be a key chunk.
    pub key_frame: bool,
    /// Per-frame quantizer (`bitrateMode: "quantizer"`): 0–51 for H.264 and HEVC, 0–63 for
    /// VP8, VP9 and AV1.
    pub quantizer: Option<u32>,
    /// The frame's `colorSpace` (unknown members `None`).
    pub color_space: VideoColorSpace,
}

/// One encoded chunk with its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedVideoOutput {
    /// The chunk bytes (length-prefixed NAL units for H.264 `avc` and HEVC `hevc`, Annex B for
    /// `annexb`).
    pub data: Vec<u8>,
    /// Whether this is a key chunk.
    pub key: bool,
    /// The input frame's timestamp (microseconds).
    pub timestamp: i64,
    /// The input frame's duration (microseconds).
    pub duration: Option<u64>,
    /// `metadata.decoderConfig`: present on the first chunk and whenever it changed.
    pub decoder_config: Option<VideoDecoderConfig>,
    /// `metadata.svc.temporalLayerId`: present when the `scalabilityMode` has several temporal
    /// layers (`L1T2`, `L1T3`).
    pub temporal_layer_id: Option<u32>,
    /// `metadata.alphaSideData` (`alpha: "keep"`): the alpha encoder's packet for this frame, a
    /// VP8/VP9 frame whose Y plane is the alpha plane.
    pub alpha_side_data: Option<Vec<u8>>,
}

/// Checks whether `cfg` can be encoded; returns the resolved codec. The checks every encoder
/// shares come first, then its profile's.
fn check(cfg: &VideoEncoderConfig) -> Result<Resolved> {
    cfg.validate()?;
    let r = codecs::resolve(&cfg.codec)?;
    codecs::check_hardware(cfg.hardware_acceleration)?;
    // Alpha as Chromium encodes it: a second libvpx encoder for the alpha plane, whose
    // packets are the chunks' alphaSideData. 8-bit only.
    match (cfg.alpha, r.entry.family, r.bit_depth) {
        (AlphaOption::Discard, _, _) | (AlphaOption::Keep, Family::Vp8 | Family::Vp9, 8) => {}
        (AlphaOption::Keep, _, _) => {
            return Err(Error::unsupported(format!(
                "alpha \"keep\" is not supported for {} (VP8 and 8-bit VP9 only)",
                cfg.codec
            )))
        }
    }
    let profile = profile::of(cfg, r.entry.family);
    match cfg.scalability_mode.as_deref() {
        None | Some("L1T1") => {}
        Some("L1T2" | "L1T3") if profile.has_temporal_layers(&r) => {}
        Some(m) => {
            return Err(Error::unsupported(format!(
                "scalabilityMode {m} is not supported for {}",
                cfg.codec
            )))
        }
    }
    if cfg.width > codecs::MAX_DIMENSION || cfg.height > codecs::MAX_DIMENSION {
        return Err(Error::unsupported("frame size too large"));
    }
    profile.check(cfg, &r)?;
    // Every encoder here produces 4:2:0; a VP9 or AV1 string may ask for more or for less.
    if !r.yuv420 {
        return Err(Error::unsupported(format!(
            "{}: only 4:2:0 colour can be encoded",
            cfg.codec
        )));
    }
    codecs::has_encoder(profile.encoder().unwrap_or(r.entry.encoder))?;
    Ok(r)
}

/// Whether `cfg` can be encoded (`VideoEncoder.isConfigSupported` and `configure`). Opens
/// nothing; callable from any thread.
///
/// # Errors
/// `TypeError` for an invalid config, `NotSupportedError` for one we cannot encode.
pub fn video_encoder_support(cfg: &VideoEncoderConfig) -> Result<(), CodecError> {
    check(cfg).map(|_| ()).map_err(Into::into)
}
