//! AAC-LC through FFmpeg's `aac` encoder (`mp4a.40.2`, `mp4a.40.02`; `mp4a.67` is MPEG-2
//! AAC-LC), at the 13 MPEG-4 rates, with an AudioSpecificConfig description (`aac` format) or
//! ADTS headers on every chunk (`adts`). HE-AAC is decode-only.

use codec_core::AudioEncoderConfig;
use ffmpeg_next as ffmpeg;

use super::profile::{lossy_default_bitrate, AudioProfile, Chunk, Packets, Plan};
use crate::audio::AAC_RATES;
use crate::{Error, Result};

/// AAC-LC; `mpeg2`: `mp4a.67` (the ADTS ID bit set).
pub(crate) struct Aac {
    pub(crate) mpeg2: bool,
}

/// HE-AAC v1/v2: FFmpeg's encoder makes AAC-LC only.
pub(crate) struct HeAac;

impl AudioProfile for HeAac {
    fn plan(&self, _cfg: &AudioEncoderConfig) -> Result<Plan> {
        Err(Error::unsupported(
            "HE-AAC encoding is not available (FFmpeg's aac encoder produces AAC-LC only)",
        ))
    }
}

impl AudioProfile for Aac {
    fn plan(&self, cfg: &AudioEncoderConfig) -> Result<Plan> {
        if !AAC_RATES.contains(&cfg.sample_rate) {
            return Err(Error::unsupported(
                "AAC encoding needs one of the MPEG-4 sampling frequencies (7350-96000 Hz)",
            ));
        }
        let ch = cfg.number_of_channels;
        if !(1..=6).contains(&ch) && ch != 8 {
            return Err(Error::unsupported("unsupported AAC channel count"));
        }
        Ok(Plan {
            encoder: "aac",
            enc_rate: cfg.sample_rate,
        })
    }

    fn global_header(&self, cfg: &AudioEncoderConfig) -> bool {
        !cfg.aac_adts
    }

    fn default_bitrate(&self, cfg: &AudioEncoderConfig) -> Option<u64> {
        lossy_default_bitrate(cfg)
    }

    fn description(&self, cfg: &AudioEncoderConfig, extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok((!cfg.aac_adts).then(|| extradata.to_vec()))
    }

    fn whole_frames(&self) -> bool {
        true
    }

    fn packets(
        &self,
        cfg: &AudioEncoderConfig,
        _enc: &ffmpeg::encoder::Audio,
    ) -> Result<Box<dyn Packets>> {
        Ok(Box::new(Adts {
            header: cfg
                .aac_adts
                .then_some((cfg.sample_rate, cfg.number_of_channels, self.mpeg2)),
        }))
    }
}

/// AAC packets as chunks, each behind an ADTS header with the `adts` format.
struct Adts {
    /// (rate, channels, MPEG-2) with `adts`.
    header: Option<(u32, u32, bool)>,
}

impl Packets for Adts {
    fn packet(&mut self, bytes: &[u8]) -> Result<Option<Chunk>> {
        let mut data = Vec::with_capacity(bytes.len() + 7);
        if let Some((rate, channels, mpeg2)) = self.header {
            data.extend_from_slice(&adts_header(rate, channels, mpeg2, bytes.len()));
        }
        data.extend_from_slice(bytes);
        Ok(Some(Chunk { data, send: true }))
    }
}

/// The 7-byte ADTS header for an AAC-LC raw frame of `len` bytes.
fn adts_header(rate: u32, channels: u32, mpeg2: bool, len: usize) -> [u8; 7] {
    let sf = AAC_RATES.iter().position(|r| *r == rate).unwrap_or(4) as u8;
    let ch = (if channels == 8 { 7 } else { channels }) as u8;
    let full = (len + 7) as u32;
    let profile = 1u8; // AAC LC (object type 2) - 1
    [
        0xFF,
        if mpeg2 { 0xF9 } else { 0xF1 },
        (profile << 6) | (sf << 2) | ((ch >> 2) & 1),
        ((ch & 3) << 6) | ((full >> 11) & 3) as u8,
        ((full >> 3) & 0xFF) as u8,
        (((full & 7) << 5) as u8) | 0x1F,
        0xFC,
    ]
}
