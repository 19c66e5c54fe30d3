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
//!
//! # Example
//!
//! A `VideoDecoder` driven by hand: the spec methods run the rules at once, the messages for the
//! codec worker come out of [`Model::poll_action`], the worker's [`Report`]s go back in through
//! [`Model::handle_report`], and what JavaScript would see comes out of [`Model::poll_event`].
//! Here the worker's part is played by the test itself; `control_queue::CodecWorker` plays it
//! for real.
//!
//! ```
//! use codec_core::{
//!     CodecKind, CodecState, ErrorName, InputFacts, JsEvent, Model, Msg, Report, Tagged,
//!     VideoDecoderConfig,
//! };
//!
//! // Inputs are (key, bytes) chunks; outputs are frame numbers (a real decoder's are frames).
//! type Chunk = (bool, Vec<u8>);
//! fn facts(c: &Chunk) -> InputFacts<'_> {
//!     InputFacts::Chunk { key: c.0, data: &c.1 }
//! }
//! let mut decoder: Model<VideoDecoderConfig, Chunk, u32> = Model::new(CodecKind::Decoder);
//!
//! let config = VideoDecoderConfig { codec: "vp8".into(), ..Default::default() };
//! config.validate()?; // the TypeError checks come first
//! decoder.configure(config)?;
//! assert_eq!(decoder.state(), CodecState::Configured);
//!
//! // The first chunk after configure() must be a key chunk: labelled so, and its bytes say so.
//! let delta: Chunk = (false, vec![0x31, 0x00, 0x00]);
//! assert_eq!(decoder.submit(delta, facts).unwrap_err().name, ErrorName::DataError);
//! let key: Chunk = (true, vec![0x50, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x00, 0x30, 0x00]);
//! decoder.submit(key, facts)?;
//! let flush = decoder.flush()?;
//! assert_eq!(decoder.queue_size(), 1); // decodeQueueSize
//!
//! // Only Configure goes to the worker: the queue is blocked until it confirms.
//! let configure = decoder.poll_action().unwrap();
//! assert!(matches!(configure.body, Msg::Configure(_)));
//! assert!(decoder.poll_action().is_none());
//! let epoch = configure.epoch;
//! decoder.handle_report(Tagged { epoch, body: Report::Configured });
//! assert!(matches!(decoder.poll_action().unwrap().body, Msg::Process(_)));
//! assert_eq!(decoder.poll_action().unwrap().body, Msg::Flush(flush));
//!
//! // The worker's reports for them, in order, become the JS-visible events, in order.
//! for body in [Report::Dequeued, Report::Output(0), Report::Done, Report::FlushDone(flush)] {
//!     decoder.handle_report(Tagged { epoch, body });
//! }
//! assert_eq!(decoder.queue_size(), 0);
//! assert_eq!(decoder.poll_event(), Some(JsEvent::ScheduleDequeue));
//! assert!(matches!(decoder.poll_event(), Some(JsEvent::Output(0, _))));
//! assert_eq!(decoder.poll_event(), Some(JsEvent::FlushResolved(flush)));
//! assert_eq!(decoder.poll_event(), None);
//!
//! // reset() starts a new epoch: reports of the old one are dropped.
//! decoder.reset()?;
//! assert_eq!(decoder.state(), CodecState::Unconfigured);
//! assert_eq!(decoder.poll_action().unwrap().body, Msg::Reset);
//! decoder.handle_report(Tagged { epoch, body: Report::Output(1) });
//! assert_eq!(decoder.poll_event(), None);
//! # Ok::<(), codec_core::CodecError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

mod audio;
pub mod audio_convert;
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
mod pool;
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
pub use pool::{fill_pool_ahead, set_pool_warm_hook};
pub use rules::{InputFacts, KeyChunkCheck, ModelConfig, OutputContext};

#[cfg(test)]
mod tests;
