//! The audio codec configurations: `AudioEncoderConfig` (with the Opus and FLAC registrations'
//! members) and `AudioDecoderConfig`, and their validity checks.

use crate::config::BitrateMode;
use crate::error::CodecError;

/// `OpusEncoderConfig`
/// (<https://w3c.github.io/webcodecs/opus_codec_registration.html#opus-encoder-config>).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OpusEncoderConfig {
    /// `"ogg"` emits an OpusHead description (default `"opus"`: none).
    pub format_ogg: bool,
    /// `frameDuration` in µs (default 20000).
    pub frame_duration: Option<u64>,
    /// `complexity`, 0–10 (the encoder's default when absent).
    pub complexity: Option<u32>,
    /// `packetlossperc`: expected packet loss in percent, 0–100.
    pub packetlossperc: Option<u32>,
    /// `useinbandfec`: in-band forward error correction.
    pub useinbandfec: bool,
    /// `usedtx`: discontinuous transmission (silent packets are not sent).
    pub usedtx: bool,
}

/// The lowest bitrate (bits per second) an Opus encoder config may ask for.
pub const OPUS_MIN_BITRATE: u64 = 6000;

/// Whether `d` µs is an Opus packet duration: a multiple of 2.5 ms up to 120 ms (RFC 6716
/// frames, and packets of several frames).
fn opus_frame_duration_is_valid(d: u64) -> bool {
    (2500..=120_000).contains(&d) && d.is_multiple_of(2500)
}

/// The validity steps both audio configurations share: a codec string that is not empty and a
/// sample rate and channel count that are not zero.
fn check_basics(codec: &str, sample_rate: u32, number_of_channels: u32) -> Result<(), CodecError> {
    crate::config::check_codec(codec)?;
    if sample_rate == 0 || number_of_channels == 0 {
        return Err(CodecError::type_error(
            "sampleRate and numberOfChannels must be non-zero",
        ));
    }
    Ok(())
}

/// `AudioEncoderConfig` after WebIDL conversion
/// (<https://w3c.github.io/webcodecs/#audio-encoder-config>).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AudioEncoderConfig {
    /// `codec`: the codec string.
    pub codec: String,
    /// `sampleRate` in Hz.
    pub sample_rate: u32,
    /// `numberOfChannels`.
    pub number_of_channels: u32,
    /// `bitrate`: target bits per second.
    pub bitrate: Option<u64>,
    /// `bitrateMode` (default `"variable"`).
    pub bitrate_mode: BitrateMode,
    /// The `opus` member (Opus registration).
    pub opus: Option<OpusEncoderConfig>,
    /// `aac.format == "adts"` (default `"aac"` with an AudioSpecificConfig description).
    pub aac_adts: bool,
    /// `flac.blockSize` (0 = auto).
    pub flac_block_size: Option<u32>,
    /// `flac.compressLevel` (0–8, default 5).
    pub flac_compress_level: Option<u32>,
}

impl AudioEncoderConfig {
    /// "Check if an AudioEncoderConfig is a valid AudioEncoderConfig"
    /// (<https://w3c.github.io/webcodecs/#valid-audioencoderconfig>), plus the codec registrations'
    /// checks.
    ///
    /// # Errors
    /// `TypeError` for an empty codec, a zero rate or channel count, a bitrate that is zero or
    /// above `i32::MAX`, an Opus bitrate below [`OPUS_MIN_BITRATE`], or an invalid Opus/FLAC
    /// extension.
    pub fn validate(&self) -> Result<(), CodecError> {
        check_basics(&self.codec, self.sample_rate, self.number_of_channels)?;
        // Not in the spec's validity steps, but Chromium and Firefox both reject a bitrate
        // above the 32-bit signed range as invalid (a TypeError), and WPT expects it.
        if self.bitrate.is_some_and(|b| b > i32::MAX as u64) {
            return Err(CodecError::type_error("bitrate is too large"));
        }
        crate::config::check_bitrate(self.bitrate)?;
        // The Opus registration: a bitrate Opus cannot produce is invalid (Chromium and WPT
        // audio-encoder-config: "Bitrate is too low for Opus").
        if self.codec == "opus" && self.bitrate.is_some_and(|b| b < OPUS_MIN_BITRATE) {
            return Err(CodecError::type_error(format!(
                "an Opus bitrate must be at least {OPUS_MIN_BITRATE}"
            )));
        }
        if let Some(o) = &self.opus {
            if let Some(d) = o.frame_duration {
                if !opus_frame_duration_is_valid(d) {
                    return Err(CodecError::type_error(
                        "opus.frameDuration must be a multiple of 2500 from 2500 to 120000",
                    ));
                }
            }
            if o.complexity.is_some_and(|c| c > 10) {
                return Err(CodecError::type_error("opus.complexity must be 0-10"));
            }
            if o.packetlossperc.is_some_and(|c| c > 100) {
                return Err(CodecError::type_error("opus.packetlossperc must be 0-100"));
            }
        }
        if self.flac_compress_level.is_some_and(|c| c > 8) {
            return Err(CodecError::type_error("flac.compressLevel must be 0-8"));
        }
        if let Some(b) = self.flac_block_size {
            if b != 0 && !(16..=65535).contains(&b) {
                return Err(CodecError::type_error("flac.blockSize is invalid"));
            }
        }
        Ok(())
    }
}

/// `AudioDecoderConfig` after WebIDL conversion
/// (<https://w3c.github.io/webcodecs/#audio-decoder-config>); also the `decoderConfig` of encoder
/// output.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AudioDecoderConfig {
    /// `codec`: the codec string.
    pub codec: String,
    /// `sampleRate` in Hz.
    pub sample_rate: u32,
    /// `numberOfChannels`.
    pub number_of_channels: u32,
    /// `description`: codec-specific setup data (AudioSpecificConfig, OpusHead, FLAC STREAMINFO,
    /// Vorbis headers).
    pub description: Option<Vec<u8>>,
}

impl AudioDecoderConfig {
    /// "Check if an AudioDecoderConfig is a valid AudioDecoderConfig"
    /// (<https://w3c.github.io/webcodecs/#valid-audiodecoderconfig>).
    ///
    /// # Errors
    /// `TypeError` for an empty codec or a zero rate or channel count. A missing or unusable
    /// `description` (Opus above two channels, FLAC) is a support question the decoder
    /// answers with `NotSupportedError`, not a validity one. (A detached description is
    /// refused by the WebIDL conversion in JS.)
    pub fn validate(&self) -> Result<(), CodecError> {
        check_basics(&self.codec, self.sample_rate, self.number_of_channels)?;
        Ok(())
    }
}
