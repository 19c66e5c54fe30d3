//! Audio encoder and decoder backends.
//!
//! | codec string                    | encoder      | decoder              |
//! |---------------------------------|--------------|----------------------|
//! | `opus` (1–8 channels)           | libopus      | FFmpeg `opus`/libopus|
//! | `mp4a.40.2` / `mp4a.40.02` / `mp4a.67` | FFmpeg `aac` (LC) | FFmpeg `aac` |
//! | `mp4a.40.5` / `.05` / `.29` (HE-AAC)   | not supported     | FFmpeg `aac` (SBR/PS) |
//! | `flac`                          | FFmpeg `flac`| FFmpeg `flac`        |
//! | `pcm-u8/s16/s24/s32/f32`, `ulaw`, `alaw` | FFmpeg `pcm_*` | FFmpeg `pcm_*` |
//! | `mp3`, `mp4a.6B`, `mp4a.69`     | libmp3lame   | FFmpeg `mp3float`    |
//! | `vorbis`                        | libvorbis    | FFmpeg `vorbis`      |
//!
//! Policies:
//! * Every encoder rejects rates outside 3000..=768000 Hz (`NotSupportedError`, in both
//!   `isConfigSupported` and `configure`, which share one check that opens the encoder).
//! * Opus at a rate libopus lacks (not 8/12/16/24/48 kHz) is resampled to 48 kHz with
//!   swresample, as Chromium does. Chunk timestamps stay on the input timeline (exact rational
//!   positions, floored to µs, so no drift); `decoderConfig.sampleRate` is the encoder's rate
//!   (48000), like Chromium's; the OpusHead's "input sample rate" is the configured one.
//! * Opus always emits an OpusHead description (as Chromium does): it carries the pre-skip and,
//!   for 3-8 channels (mapping family 1), the channel mapping table. Input is in FFmpeg/WAV
//!   channel order (channel 3 of 6-8 is the LFE, which libopus low-passes).
//! * AAC (LC only, at the 13 MPEG-4 rates) and MP3 (MPEG-1/2/2.5 rates, 1-2 channels) do not
//!   resample: other rates are `NotSupportedError`. Vorbis, FLAC and PCM take any rate.
//! * FLAC bit depth: s32/f32 input → 24-bit, u8/s16 → 16-bit, decided by the first `AudioData`
//!   after `configure` (the spec's `FlacEncoderConfig` has no bit-depth member and Chromium has
//!   no FLAC encoder). 24-bit FLAC decodes to `s32` (sample << 8), losslessly.
//! * Priming: encoder chunks start at the first input timestamp and cover input + priming,
//!   rounded up to whole packets (Opus 20 ms = 960, AAC 1024, MP3 1152). The Opus decoder
//!   discards the OpusHead pre-skip (once per `configure`); every output keeps the timestamp
//!   of the chunk it came from (the first output is the pre-skip shorter, so it ends before
//!   the next chunk starts), negative timestamps included. AAC and MP3 carry no priming
//!   information in their descriptions, so their decoders keep it (1024 / ~1105 samples), as
//!   browsers do.
//! * Decoder descriptions: Opus above two channels needs an OpusHead and FLAC its STREAMINFO
//!   (without one the config is valid but not supported: `NotSupportedError`). Vorbis without
//!   one is reported supported (clients probe before they have the headers, as Chromium
//!   answers), but `configure()` then fails with `NotSupportedError`: FFmpeg's Vorbis decoder
//!   cannot start without them.

mod decoder;
mod encoder;

pub use decoder::{
    audio_decoder_support, AudioDecodeInput, AudioDecoderBackend, DecodedAudioOutput,
};
pub use encoder::{
    audio_encoder_support, AudioEncodeInput, AudioEncoderBackend, EncodedAudioOutput,
};

use crate::{Error, Result};

/// The audio codec families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Opus,
    /// AAC-LC (`mp4a.40.2`, `mp4a.40.02`; `mp4a.67` is MPEG-2 AAC-LC).
    Aac {
        /// `mp4a.67`: MPEG-2 AAC (ADTS ID bit set).
        mpeg2: bool,
    },
    /// HE-AAC v1/v2 (`mp4a.40.5`, `mp4a.40.05`, `mp4a.40.29`): decode only.
    AacHe,
    Flac,
    Mp3,
    Vorbis,
    /// PCM variants, with the FFmpeg codec name.
    Pcm(&'static str),
}

/// Maps a WebCodecs audio codec string to its family.
pub(crate) fn kind_of(codec: &str) -> Result<Kind> {
    Ok(match codec {
        "opus" => Kind::Opus,
        "mp4a.40.2" | "mp4a.40.02" => Kind::Aac { mpeg2: false },
        "mp4a.67" => Kind::Aac { mpeg2: true },
        "mp4a.40.5" | "mp4a.40.05" | "mp4a.40.29" => Kind::AacHe,
        "flac" => Kind::Flac,
        "mp3" | "mp4a.6B" | "mp4a.69" => Kind::Mp3,
        "vorbis" => Kind::Vorbis,
        "pcm-u8" => Kind::Pcm("pcm_u8"),
        "pcm-s16" => Kind::Pcm("pcm_s16le"),
        "pcm-s24" => Kind::Pcm("pcm_s24le"),
        "pcm-s32" => Kind::Pcm("pcm_s32le"),
        "pcm-f32" => Kind::Pcm("pcm_f32le"),
        "ulaw" => Kind::Pcm("pcm_mulaw"),
        "alaw" => Kind::Pcm("pcm_alaw"),
        _ => {
            return Err(Error::unsupported(format!(
                "unsupported audio codec '{codec}'"
            )))
        }
    })
}

/// MPEG-4 sampling frequency index table (ADTS / AudioSpecificConfig).
pub(crate) use media_parse::audio::aac::SAMPLING_FREQUENCIES as AAC_RATES;

/// Sample rates every encoder accepts at most (Chromium's `media::limits`).
pub(crate) const MIN_RATE: u32 = 3000;
/// See [`MIN_RATE`].
pub(crate) const MAX_RATE: u32 = 768_000;

/// `samples * 1e6 / rate` in integer math (truncated).
pub(crate) fn samples_to_us(samples: i64, rate: u32) -> i64 {
    (i128::from(samples) * 1_000_000 / i128::from(rate.max(1))) as i64
}
