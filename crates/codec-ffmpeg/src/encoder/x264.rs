//! libx264 (H.264): Baseline, Main and High at the codec string's level, with `avc` (avcC
//! description) or `annexb` output; `L1T2`/`L1T3` as runs of non-reference B-frames (Main and
//! High; `svc.rs`).

use codec_core::{AvcBitstreamFormat, BitrateMode, VideoEncoderConfig};
use ffmpeg::codec;
use ffmpeg_next as ffmpeg;

use super::profile::{Layering, Profile, Setup, Traits, X26X};
use crate::codecs::{self, Resolved};
use crate::svc::{BFrameLayers, NalSyntax};
use crate::{Error, Result};
use media_parse::video::h264 as avc;

/// Constant rate factor when no bitrate is given.
const DEFAULT_CRF: &str = "23";

/// The libx264 profile.
pub(crate) struct X264;

impl Profile for X264 {
    fn check(&self, cfg: &VideoEncoderConfig, r: &Resolved) -> Result<()> {
        let Some(a) = r.avc else { return Ok(()) };
        if a.profile_name().is_none() {
            return Err(Error::unsupported(format!(
                "H.264 profile_idc {} cannot be encoded (baseline, main and high can)",
                a.profile_idc
            )));
        }
        if !codecs::AVC_LEVELS.contains(&a.level_idc) {
            return Err(Error::unsupported(format!(
                "unknown H.264 level_idc {}",
                a.level_idc
            )));
        }
        if cfg.width & 1 != 0 || cfg.height & 1 != 0 {
            return Err(Error::unsupported(
                "H.264 4:2:0 encoding needs even width and height",
            ));
        }
        Ok(())
    }

    /// Layers come from non-reference B-frames, which Baseline has not.
    fn has_temporal_layers(&self, r: &Resolved) -> bool {
        r.avc.is_some_and(|a| a.profile_idc != 66)
    }

    fn traits(&self) -> Traits {
        X26X
    }

    fn layering(&self, cfg: &VideoEncoderConfig) -> Layering {
        BFrameLayers::for_mode(cfg.scalability_mode.as_deref(), NalSyntax::Avc)
            .map_or(Layering::None, Layering::BFrames)
    }

    fn configure(&self, s: &mut Setup<'_>) -> Result<()> {
        let avc = s
            .resolved
            .avc
            .ok_or_else(|| Error::internal("missing avc parameters"))?;
        // x264 treats `profile` as a ceiling: ultrafast turns CABAC off, which turns a
        // Main/High request into Constrained Baseline. Realtime Main/High use superfast.
        let preset = match (s.realtime, avc.profile_idc) {
            (true, 66) => "ultrafast",
            (true, _) => "superfast",
            (false, _) => "veryfast",
        };
        s.opts.set("preset", preset);
        if s.realtime {
            s.opts.set("tune", "zerolatency");
        }
        s.opts.set("profile", avc.profile_name().unwrap_or("high"));
        s.opts.set("level", &avc.level_name());
        s.opts.set("forced-idr", "1");
        // `x264-params` is applied after the preset and tune (zerolatency's bframes=0).
        let mut params = "scenecut=0".to_string();
        if s.cfg.bitrate_mode == BitrateMode::Variable && s.bitrate.is_some() {
            // Average-bitrate mode with a quarter of x264's default rate tolerance (1.0). At
            // 1.0 it ran 9-20% over the target across 120 frames of the bench's noisy 720p and
            // 1080p frames at 0.5-8 Mbit/s (22% over 300 frames at 1 Mbit/s); at 0.25, 3-9%
            // (10-17% at 1 Mbit/s at 720p, where the frames grow more complex all through),
            // for a PSNR that moved with the bits saved (4 Mbit/s at 1080p: 4412 -> 4143
            // kbit/s, 33.74 -> 33.53 dB). The bench's 200- and 300-frame runs came within 3%
            // of their targets, each at a slightly higher PSNR than with 1.0.
            params.push_str(":ratetol=0.25");
        }
        if let Layering::BFrames(l) = s.layering {
            params.push(':');
            params.push_str(&l.encoder_params());
        }
        s.opts.set("x264-params", &params);
        s.x26x_rate_control(DEFAULT_CRF);
        if s.cfg.avc_format == AvcBitstreamFormat::Avc {
            s.v.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        Ok(())
    }

    fn description(&self, cfg: &VideoEncoderConfig, extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        if cfg.avc_format != AvcBitstreamFormat::Avc {
            return Ok(None);
        }
        avc::avcc_from_annexb(extradata)
            .map(Some)
            .ok_or_else(|| Error::internal("libx264 produced no SPS/PPS for the avcC record"))
    }
}
