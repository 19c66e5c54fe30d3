//! Vorbis through libvorbis: up to 8 channels at any rate, with the three Vorbis headers as
//! the description.

use codec_core::{AudioEncoderConfig, BitrateMode};
use ffmpeg::Dictionary;
use ffmpeg_next as ffmpeg;

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

    /// Constant: libvorbis's managed mode with minimum = maximum = the bitrate (hard CBR;
    /// its ABR at a nominal bitrate spends far less on simple signals: a steady tone at
    /// 128 kbit/s gave 34 kbit/s).
    fn options(&self, cfg: &AudioEncoderConfig, opts: &mut Dictionary) {
        let bitrate = cfg
            .bitrate
            .filter(|b| *b > 0)
            .or_else(|| self.default_bitrate(cfg));
        if let (BitrateMode::Constant, Some(b)) = (cfg.bitrate_mode, bitrate) {
            opts.set("minrate", &b.to_string());
            opts.set("maxrate", &b.to_string());
        }
    }

    fn description(&self, _cfg: &AudioEncoderConfig, extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(Some(extradata.to_vec()))
    }
}
