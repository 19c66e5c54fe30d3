//! WebCodecs encoder and decoder backends on FFmpeg (through `ffmpeg-next`).
//!
//! Each backend implements [`control_queue::Backend`] and is owned by a
//! [`control_queue::CodecWorker`] thread: every FFmpeg context is created, used and dropped on that
//! thread. The pure support checks ([`video_encoder_support`], [`video_decoder_support`]) can be
//! called from any thread.
//!
//! Supported so far (see `codecs.rs` for the per-codec table):
//!
//! | codec string            | encoder                          | decoder                   |
//! |-------------------------|----------------------------------|---------------------------|
//! | `avc1.PPCCLL`/`avc3.*`  | libx264                          | FFmpeg `h264`             |
//! | `vp8`                   | libvpx                           | FFmpeg `vp8`              |
//! | `vp09.PP.LL.DD[...]`    | libvpx-vp9 (profiles 0 and 2)    | FFmpeg `vp9` (any)        |
//! | `av01.P.LLT.DD[...]`    | libaom-av1 (profile 0, 8-bit)    | libdav1d, else libaom-av1 |
//!
//! `ImageDecoder` lives in `image/` ([`ImageSession`], run on its own thread by [`ImageWorker`]):
//! containers are scanned by pure, bounds-checked Rust readers (GIF blocks, PNG/APNG chunks,
//! AVIF `meta`/`moov`, ICO directory, WebP `ANMF`, JPEG EXIF) and each frame goes to FFmpeg as
//! one packet. See `image/mod.rs` for the per-type table.
//!
//! Policies worth knowing:
//! * Encoder input that is not I420 at exactly the configured size is converted and scaled
//!   (swscale, bilinear) from its visible rect to the configured size, as Chromium does.
//! * The encoder never produces B-frames, so chunks come out in input order.
//! * H.264 needs even dimensions (4:2:0); odd ones are `NotSupportedError`.
//! * VP9 and AV1 chunks carry no `description`: VP9 needs none, and AV1 chunks are
//!   low-overhead OBUs whose key chunks carry the sequence header in-band. VP9 runs without
//!   look-ahead or alt-ref frames (no superframes), so both are one chunk per frame.
//! * AV1 always uses libaom's `realtime` usage (cpu-used 8 for `realtime`, 6 for `quality`):
//!   libaom 3.6's `good` usage with no look-ahead turns each forced key frame into two.
//! * VP9 profile 2 (`vp09.02.*.10`) encodes 10-bit 4:2:0; its decoded frames are `I420P10`.
//! * `flush()` reopens the encoder (x264, libvpx and libaom cannot leave the draining state),
//!   so the first chunk after a flush is a key chunk. The `decoderConfig` is not re-reported when the
//!   reopened encoder's config is identical.
//! * `bitrateMode: "quantizer"`: the encoder runs at a constant QP (x264 `qp`, 0–51) or
//!   quantizer (libvpx/libaom `qmin = qmax`, 0–63). None can change it while open, so a frame
//!   whose `quantizer` differs from the current one drains and reopens the encoder (free before the
//!   first frame; a key chunk, and a new `decoderConfig` for H.264, later).
//! * `avc3.*` is encoded like `avc1.*`: with `avc` format the parameter sets travel only in the
//!   avcC `description`.
//! * `prefer-hardware`, `alpha: "keep"` and any `scalabilityMode` other than `L1T1` are
//!   `NotSupportedError` (software codecs only, no alpha, no SVC yet).
//! * Rate control: `variable` with a bitrate → average bitrate; without one → x264 CRF 23, libvpx
//!   ~0.1 bit/pixel. `constant` → maxrate = bitrate with a one-second buffer (libvpx CBR).
//! * Key frames come only on request (`keyFrame: true`), at the start and after at least
//!   max(300 frames, 10 s); x264 scene-cut detection is off.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod audio;
mod avc;
mod codecs;
mod convert;
mod decoder;
mod encoder;
mod image;
#[allow(unsafe_code)]
mod raw;

use std::sync::Once;

pub use audio::{
    audio_decoder_support, audio_encoder_support, AudioDecodeInput, AudioDecoderBackend,
    AudioEncodeInput, AudioEncoderBackend, DecodedAudioOutput, EncodedAudioOutput,
};

pub use decoder::{
    video_decoder_support, DecodedVideoOutput, VideoDecodeInput, VideoDecoderBackend,
};
pub use encoder::{
    video_encoder_support, EncodedVideoOutput, VideoEncodeInput, VideoEncoderBackend,
};
pub use image::{
    image_type_supported, ImageDecoderOptions, ImageEvent, ImageFrameOutput, ImageRequest,
    ImageSession, ImageTrackInfo, ImageType, ImageWorker,
};

use codec_core::CodecError;
use ffmpeg_next as ffmpeg;

/// Initialises FFmpeg once (idempotent, thread-safe) and sets its log level to `quiet`: every
/// failure is reported through a [`CodecError`] instead of stderr noise. The backends call it
/// themselves; calling it early (at addon load) is harmless.
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
