//! Vorbis through libvorbis: up to 8 channels at any rate, with the three Vorbis headers as
//! the description.

use codec_core::AudioEncoderConfig;

use super::profile::{at_most_8, lossy_default_bitrate, AudioProfile, Plan};
use crate::Result;

/// libvorbis.
pub(crate) struct Vorbis;

impl AudioProfile for Vorbis {
    fn plan(&self, cfg: &AudioEncoderConfig) -> Result<Plan> {
        at_most_8(cfg.number_of_channels, "unsupported Vorbis channel count")?;
        Ok(Plan {
            encoder: "libvorbis",
            enc_rate: cfg.sample_rate,
        })
    }

    fn global_header(&self, _cfg: &AudioEncoderConfig) -> bool {
        true
    }

    fn default_bitrate(&self, cfg: &AudioEncoderConfig) -> Option<u64> {
        lossy_default_bitrate(cfg)
    }

    fn description(&self, _cfg: &AudioEncoderConfig, extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(Some(extradata.to_vec()))
    }
}
