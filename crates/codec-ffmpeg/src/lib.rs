//! WebCodecs encoder and decoder backends on FFmpeg (through `ffmpeg-next`).
//!
//! Each backend implements [`control_queue::Backend`] and is owned by a
//! [`control_queue::CodecWorker`] thread: every FFmpeg context is created, used and dropped on that
//! thread. The pure support checks ([`video_encoder_support`], [`video_decoder_support`]) can be
//! called from any thread.
//!
//! Supported so far (see `codecs.rs` for the per-codec table):
//!
//! | codec string            | encoder   | decoder        |
//! |-------------------------|-----------|----------------|
//! | `avc1.PPCCLL`/`avc3.*`  | libx264   | FFmpeg `h264`  |
//! | `vp8`                   | libvpx    | FFmpeg `vp8`   |
//!
//! Policies worth knowing:
//! * Encoder input that is not I420 at exactly the configured size is converted and scaled
//!   (swscale, bilinear) from its visible rect to the configured size, as Chromium does.
//! * The encoder never produces B-frames, so chunks come out in input order.
//! * H.264 needs even dimensions (4:2:0); odd ones are `NotSupportedError`.
//! * `flush()` reopens the encoder (x264 and libvpx cannot leave the draining state), so the
//!   first chunk after a flush is a key chunk.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod avc;
mod codecs;
mod convert;
mod decoder;
mod encoder;
#[allow(unsafe_code)]
mod raw;

use std::sync::Once;

pub use decoder::{video_decoder_support, DecodedVideoOutput, VideoDecodeInput, VideoDecoderBackend};
pub use encoder::{
    video_encoder_support, EncodedVideoOutput, VideoEncodeInput, VideoEncoderBackend,
};

use codec_core::CodecError;
use ffmpeg_next as ffmpeg;

/// Initialises FFmpeg once (idempotent, thread-safe) and silences its logging below `error`...
/// in fact to `quiet`, since every failure is reported through a [`CodecError`].
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // `ffmpeg::init` only fails when device registration fails, which we do not use.
        let _ = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Quiet);
    });
}

/// Maps a libav error to an `EncodingError` with context.
pub(crate) fn av_error(what: &str, e: ffmpeg::Error) -> CodecError {
    CodecError::encoding(format!("{what}: {e}"))
}

/// Whether `e` is `AVERROR(EAGAIN)`.
pub(crate) fn is_eagain(e: &ffmpeg::Error) -> bool {
    matches!(e, ffmpeg::Error::Other { errno } if *errno == ffmpeg::util::error::EAGAIN)
}
