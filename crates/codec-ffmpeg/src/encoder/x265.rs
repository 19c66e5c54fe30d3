//! libx265 (HEVC): Main and Main 10 at the codec string's level and tier, with `hevc` (hvcC
//! description) or `annexb` output; `L1T2`/`L1T3` as runs of non-reference B-frames in
//! temporal sub-layer 1 (`svc.rs`).

use codec_core::{BitrateMode, HevcBitstreamFormat, HevcCodecString, VideoEncoderConfig};
use ffmpeg::codec;
use ffmpeg_next as ffmpeg;

use super::profile::{Layering, Profile, Setup, Traits, X26X};
use crate::codecs::{self, Resolved};
use crate::svc::{BFrameLayers, NalSyntax};
use crate::{Error, Result};
use media_parse::video::hevc;

/// Constant rate factor when no bitrate is given (x265's default, about x264's 23).
const DEFAULT_CRF: &str = "28";

/// The libx265 profile.
pub(crate) struct X265;

/// HEVC: Main (8-bit) or Main 10 at a known level whose MaxLumaPs holds the frame size, even
/// dimensions (4:2:0), High tier only from level 4.
fn check_hevc(cfg: &VideoEncoderConfig, h: &HevcCodecString) -> Result<()> {
    if h.profile_space != 0 || !matches!(h.profile_idc, 1 | 2) {
        return Err(Error::unsupported(format!(
            "HEVC profile {} cannot be encoded (Main and Main 10 can)",
            h.profile_idc
        )));
    }
    let Some(&(_, max_luma_ps)) = codecs::HEVC_LEVELS.iter().find(|(l, _)| *l == h.level_idc)
    else {
        return Err(Error::unsupported(format!(
            "unknown HEVC level_idc {}",
            h.level_idc
        )));
    };
    if h.high_tier && h.level_idc < 120 {
        return Err(Error::unsupported("HEVC High tier needs level 4 or higher"));
    }
    let (w, h_) = (u64::from(cfg.width), u64::from(cfg.height));
    // H.265 A.4.1: pic size ≤ MaxLumaPs and each side ≤ sqrt(8 × MaxLumaPs).
    let max_side = ((8 * max_luma_ps) as f64).sqrt() as u64;
    if w * h_ > max_luma_ps || w > max_side || h_ > max_side {
        return Err(Error::unsupported(format!(
            "{}x{} exceeds HEVC level {}.{}",
            cfg.width,
            cfg.height,
            h.level_idc / 30,
            (h.level_idc % 30) / 3
        )));
    }
    if cfg.width & 1 != 0 || cfg.height & 1 != 0 {
        return Err(Error::unsupported(
            "HEVC 4:2:0 encoding needs even width and height",
        ));
    }
    Ok(())
}

impl Profile for X265 {
    fn check(&self, cfg: &VideoEncoderConfig, r: &Resolved) -> Result<()> {
        match &r.hevc {
            Some(h) => check_hevc(cfg, h),
            None => Ok(()),
        }
    }

    fn traits(&self) -> Traits {
        X26X
    }

    fn layering(&self, cfg: &VideoEncoderConfig) -> Layering {
        BFrameLayers::for_mode(cfg.scalability_mode.as_deref(), NalSyntax::Hevc)
            .map_or(Layering::None, Layering::BFrames)
    }

    fn configure(&self, s: &mut Setup<'_>) -> Result<()> {
        let hevc = s
            .resolved
            .hevc
            .ok_or_else(|| Error::internal("missing hevc parameters"))?;
        s.opts
            .set("preset", if s.realtime { "ultrafast" } else { "veryfast" });
        if s.realtime {
            s.opts.set("tune", "zerolatency");
        }
        s.opts.set(
            "profile",
            if hevc.profile_idc == 2 {
                "main10"
            } else {
                "main"
            },
        );
        s.opts.set("forced-idr", "1");
        // No B-frames (chunks in input order) unless they make temporal layers, closed GOPs
        // (every key chunk is an IDR), key frames only on request or at the GOP limit, no
        // version SEI, no stderr output.
        let mut params = "log-level=none:info=0:scenecut=0:open-gop=0".to_string();
        match s.layering {
            Layering::BFrames(l) => {
                params.push(':');
                params.push_str(&l.encoder_params());
                if s.realtime {
                    // x265 needs a look-ahead longer than a B-frame run (zerolatency sets
                    // none). Measured output delay: 6 frames (L1T2), 10 (L1T3).
                    params.push_str(&format!(":rc-lookahead={}", l.bframes() + 1));
                }
            }
            Layering::None | Layering::Vpx(_) => params.push_str(":bframes=0"),
        }
        // The codec string's level and tier (level-idc takes 10 × level). x265 refuses a level
        // with constant QP ("no bitrate guarantee"), so quantizer mode lets x265 pick the
        // level from the frame size.
        if s.cfg.bitrate_mode != BitrateMode::Quantizer {
            params.push_str(&format!(
                ":level-idc={}:high-tier={}",
                hevc.level_idc / 3,
                u8::from(hevc.high_tier)
            ));
        }
        s.opts.set("x265-params", &params);
        s.x26x_rate_control(DEFAULT_CRF);
        if s.cfg.hevc_format == HevcBitstreamFormat::Hevc {
            s.v.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        Ok(())
    }

    fn description(&self, cfg: &VideoEncoderConfig, extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        if cfg.hevc_format != HevcBitstreamFormat::Hevc {
            return Ok(None);
        }
        hevc::hvcc_from_annexb(extradata)
            .map(Some)
            .ok_or_else(|| Error::internal("libx265 produced no VPS/SPS/PPS for the hvcC record"))
    }
}
