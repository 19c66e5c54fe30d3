//! MP3 through libmp3lame (`mp3`, `mp4a.6B`, `mp4a.69`): 1 or 2 channels at the MPEG-1/2/2.5
//! rates, no resampling.

use codec_core::{AudioEncoderConfig, BitrateMode};
use ffmpeg::Dictionary;
use ffmpeg_next as ffmpeg;

use super::profile::{lossy_default_bitrate, AudioProfile, Plan};
use crate::{Error, Result};

/// The rates MPEG-1, 2 and 2.5 Layer III have.
const MP3_RATES: [u32; 9] = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];

/// libmp3lame.
pub(crate) struct Mp3;

impl AudioProfile for Mp3 {
    fn plan(&self, cfg: &AudioEncoderConfig) -> Result<Plan> {
        if cfg.number_of_channels > 2 || !MP3_RATES.contains(&cfg.sample_rate) {
            return Err(Error::unsupported(
                "MP3 encoding needs 1 or 2 channels at 8-48 kHz (MPEG-1/2/2.5 rates)",
            ));
        }
        Ok(Plan {
            encoder: "libmp3lame",
            enc_rate: cfg.sample_rate,
        })
    }

    fn default_bitrate(&self, cfg: &AudioEncoderConfig) -> Option<u64> {
        lossy_default_bitrate(cfg)
    }

    fn options(&self, cfg: &AudioEncoderConfig, opts: &mut Dictionary) {
        if cfg.bitrate_mode == BitrateMode::Constant {
            opts.set("abr", "0");
        }
    }

    fn whole_frames(&self) -> bool {
        true
    }
}
