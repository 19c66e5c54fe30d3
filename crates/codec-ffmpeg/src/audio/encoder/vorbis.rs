//! Vorbis through libvorbis: up to 8 channels at any rate, with the three Vorbis headers as
//! the description.

use codec_core::{AudioEncoderConfig, BitrateMode};
use ffmpeg::Dictionary;
use ffmpeg_next as ffmpeg;

use super::profile::{at_most_8, lossy_default_bitrate, AudioProfile, Plan};
use crate::Result;

/// libvorbis.
pub(crate) struct Vorbis;

/// The variable mode's minimum bitrate, as a fraction of the bitrate (numerator,
/// denominator). At 128 kbit/s stereo, 48 kHz, 10 s: a steady tone gives 113 kbit/s with a
/// floor of 0.9 (outside ±10%), 117 with 0.93, 119 with 0.95; music-like content 128 with
/// any of them.
const VARIABLE_FLOOR: (u64, u64) = (95, 100);

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

    /// libvorbis's managed mode (FFmpeg's libvorbisenc: `minrate`/`maxrate` given, so bit
    /// rate management stays on, with the bitrate as the average it tracks).
    ///
    /// - Constant: minimum = maximum = the bitrate (hard CBR).
    /// - Variable: minimum = [`VARIABLE_FLOOR`] of the bitrate, no maximum. With neither bound,
    ///   libvorbisenc turns management off and the bitrate only picks a quality: a steady tone
    ///   at 128 kbit/s came out at 34 kbit/s. The average manager holds busy content at the
    ///   bitrate but cannot add bits a simple signal does not need, so the floor is what keeps
    ///   a tone near it (119 kbit/s); above it, packets still vary with the content.
    fn options(&self, cfg: &AudioEncoderConfig, opts: &mut Dictionary) {
        let bitrate = cfg
            .bitrate
            .filter(|b| *b > 0)
            .or_else(|| self.default_bitrate(cfg));
        let Some(b) = bitrate else {
            return;
        };
        match cfg.bitrate_mode {
            BitrateMode::Constant => {
                opts.set("minrate", &b.to_string());
                opts.set("maxrate", &b.to_string());
            }
            // Variable (an audio configuration has no quantizer mode).
            _ => {
                let (num, den) = VARIABLE_FLOOR;
                opts.set("minrate", &(b / den * num).to_string());
            }
        }
    }

    fn description(&self, _cfg: &AudioEncoderConfig, extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(Some(extradata.to_vec()))
    }
}
