//! FLAC through FFmpeg's `flac` encoder: up to 8 channels, 16-bit or 24-bit (decided by the
//! first `AudioData` after `configure`: s32/f32 input is 24-bit, u8/s16 16-bit; the spec's
//! `FlacEncoderConfig` has no bit-depth member and Chromium has no FLAC encoder), with a
//! `fLaC` + STREAMINFO description.

use codec_core::{AudioEncoderConfig, AudioSampleFormat};
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::format::Sample;
use ffmpeg::Dictionary;
use ffmpeg_next as ffmpeg;

use super::profile::{AudioProfile, Plan};
use crate::{Error, Result};

/// FFmpeg's FLAC encoder.
pub(crate) struct Flac;

impl AudioProfile for Flac {
    fn plan(&self, cfg: &AudioEncoderConfig) -> Result<Plan> {
        if cfg.number_of_channels > 8 || cfg.sample_rate > 655_350 {
            return Err(Error::unsupported("unsupported FLAC configuration"));
        }
        Ok(Plan {
            encoder: "flac",
            enc_rate: cfg.sample_rate,
        })
    }

    fn deep_input(&self, format: AudioSampleFormat) -> Option<bool> {
        use AudioSampleFormat::*;
        Some(matches!(format, S32 | S32Planar | F32 | F32Planar))
    }

    /// 24-bit FLAC takes s32 samples whose top 24 bits are the sample.
    fn sample_format(&self, codec: &ffmpeg::Codec, deep: bool) -> (Sample, Option<i32>) {
        match deep {
            true => (Sample::I32(SampleType::Packed), Some(24)),
            false => (super::profile::preferred_format(codec), None),
        }
    }

    fn options(&self, cfg: &AudioEncoderConfig, opts: &mut Dictionary) {
        if let Some(b) = cfg.flac_block_size.filter(|b| *b != 0) {
            opts.set("frame_size", &b.to_string());
        }
        if let Some(c) = cfg.flac_compress_level {
            opts.set("compression_level", &c.to_string());
        }
    }

    fn description(&self, _cfg: &AudioEncoderConfig, extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        let Some(streaminfo) = extradata.get(..34) else {
            return Err(Error::internal("FLAC encoder gave no STREAMINFO"));
        };
        let mut d = b"fLaC".to_vec();
        // A last-metadata-block header: STREAMINFO, 34 bytes.
        d.extend_from_slice(&[0x80, 0, 0, 34]);
        d.extend_from_slice(streaminfo);
        Ok(Some(d))
    }
}
