//! The WebCodecs processing model as a pure, sans-IO state machine.
//!
//! This crate holds every rule of the [WebCodecs specification](https://w3c.github.io/webcodecs/)
//! that does not need a codec library or a JavaScript engine: codec states, the control message
//! queue with its blocking and saturation rules, queue sizes and the coalesced `dequeue` event,
//! pending flush promises, reset/close semantics, config validity checks, codec-string parsing and
//! the pixel-format layout arithmetic of `VideoFrame`.
//!
//! It must never depend on Neon or FFmpeg, spawn threads, read clocks or call callbacks: inputs come
//! in through method calls and `handle_*`, outputs leave through `poll_*` (see [`Model`]).
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod audio;
mod codec_string;
mod color;
mod config;
mod convert;
mod error;
mod frame;
mod gamut;
mod image_model;
mod model;
mod pixel;
mod rules;

pub use audio::{
    AudioBuffer, AudioCopy, AudioDecoderConfig, AudioEncoderConfig, AudioSampleFormat,
    OpusEncoderConfig, OPUS_MIN_BITRATE,
};
pub use codec_string::{codec_registration_member, AvcCodecString, CodecString, HevcCodecString};
pub use color::{ColorMatrix, ColorPrimaries, ColorTransfer, VideoColorSpace};
pub use config::{
    AlphaOption, AvcBitstreamFormat, BitrateMode, HardwareAcceleration, HevcBitstreamFormat,
    LatencyMode, OutputConfigTracker, VideoDecoderConfig, VideoEncoderConfig,
};
pub use convert::{convert_to_rgb, convert_to_rgb_into};
pub use error::{CodecError, ErrorName};
pub use frame::{EncodedChunkType, FrameBuffer, Orientation, PlaneSource, Rect, VideoFrameMeta};
pub use gamut::{srgb_to_display_p3, srgb_to_display_p3_into};
pub use image_model::{
    default_selected_track, DecodeId, ImageDecoderModel, ImageEvent, ImageOutput, ImageRequest,
    ImageState, ImageTrackInfo,
};
/// The key-chunk detection `decode()` applies (the parsers live in `media-parse`).
pub use media_parse::video::{chunk_is_key, has_slice_nal, NalFraming};
pub use model::{
    CodecKind, CodecState, Epoch, FlushId, JsEvent, Model, Msg, Report, Tagged,
    DEFAULT_MAX_IN_FLIGHT,
};
pub use pixel::{compute_layout, PlaneLayout, PlaneRegion, VideoPixelFormat};
pub use rules::{InputFacts, KeyChunkCheck, ModelConfig, OutputContext};

#[cfg(test)]
mod tests;
