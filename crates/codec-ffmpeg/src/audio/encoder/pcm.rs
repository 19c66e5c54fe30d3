//! PCM (`pcm-u8`, `pcm-s16`, `pcm-s24`, `pcm-s32`, `pcm-f32`, `ulaw`, `alaw`) through FFmpeg's
//! `pcm_*` encoders: up to 8 channels at any rate.

use codec_core::AudioEncoderConfig;

use super::profile::{at_most_8, AudioProfile, Plan};
use crate::Result;

/// A PCM encoder, by FFmpeg name.
pub(crate) struct Pcm(pub(crate) &'static str);

impl AudioProfile for Pcm {
    fn plan(&self, cfg: &AudioEncoderConfig) -> Result<Plan> {
        at_most_8(
            cfg.number_of_channels,
            "PCM encoding supports up to 8 channels",
        )?;
        Ok(Plan {
            encoder: self.0,
            enc_rate: cfg.sample_rate,
        })
    }
}
