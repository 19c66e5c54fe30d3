//! libsvtav1 (SVT-AV1) through FFmpeg: AV1 Main at 8 or 10 bits for `latencyMode: "quality"`
//! with a bitrate (variable or constant), no temporal layers, no screen content, within
//! SVT-AV1's limits (frames of 64×64 to 16384×8704, up to 100 Mbit/s and 240 fps). 1080p on
//! 2 CPUs: about 28 fps where libaom's former quality setting (speed 6) gave 11, and 0.7 dB
//! above libaom's realtime speed 8 at equal size. Rate control restarts with each encoder.
//! Every other AV1 configuration, and every one when FFmpeg lacks libsvtav1, stays on libaom
//! (`libaom.rs`, `aom_session.rs`).
//!
//! FFmpeg 5.1's wrapper ignores a frame's picture type, so SVT-AV1 cannot be asked for a key
//! frame: the session places every key frame (the first, the periodic ones, the requested
//! ones) by draining the encoder and opening a new one, whose first frame is a key frame with
//! the sequence header (`Traits::keys_by_reopening`).

use codec_core::{BitrateMode, LatencyMode, VideoEncoderConfig};

use super::libaom::LIBAOM;
use super::profile::{framerate, Layering, Profile, Setup, Traits};
use crate::codecs::{self, Resolved};
use crate::svc::TemporalLayers;
use crate::Result;

/// The FFmpeg encoder's name.
const ENCODER: &str = "libsvtav1";

/// The libsvtav1 profile.
pub(crate) const SVTAV1: SvtAv1 = SvtAv1;

/// SVT-AV1 through FFmpeg.
pub(crate) struct SvtAv1;

impl SvtAv1 {
    /// Whether `cfg` is encoded with SVT-AV1 (see the module docs).
    pub(crate) fn applies(cfg: &VideoEncoderConfig) -> bool {
        cfg.latency_mode == LatencyMode::Quality
            && cfg.bitrate_mode != BitrateMode::Quantizer
            && TemporalLayers::for_mode(cfg.scalability_mode.as_deref()).is_none()
            // Screen content (`contentHint: "text"`, `av1.forceScreenContentTools`) stays on
            // libaom: SVT-AV1's screen-content mode changed nothing at presets 8-10 (same
            // bytes with and without on hard-edged blocks).
            && cfg.content_hint.as_deref() != Some("text")
            && (64..=16_384).contains(&cfg.width)
            && (64..=8_704).contains(&cfg.height)
            // SVT-AV1 takes 4:2:0 of even sizes only ("Source Width must be even"); libaom
            // any size.
            && cfg.width.is_multiple_of(2)
            && cfg.height.is_multiple_of(2)
            // SVT-AV1 1.4's other limits: at most 100 Mbit/s and 240 fps.
            && cfg.bitrate.unwrap_or(0) <= 100_000_000
            && f64::from(framerate(cfg)) <= 240.0
            && codecs::has_encoder(ENCODER).is_ok()
    }

    /// The preset by frame size: 8 up to VGA, 9 up to 720p, 10 above (1080p on 2 CPUs: about
    /// 25 fps).
    fn preset(cfg: &VideoEncoderConfig) -> u32 {
        match u64::from(cfg.width) * u64::from(cfg.height) {
            0..=307_200 => 8,
            307_201..=921_600 => 9,
            _ => 10,
        }
    }
}

impl Profile for SvtAv1 {
    fn encoder(&self) -> Option<&'static str> {
        Some(ENCODER)
    }

    fn check(&self, cfg: &VideoEncoderConfig, r: &Resolved) -> Result<()> {
        LIBAOM.check(cfg, r)
    }

    /// Quantizer range as libaom's (quantizer mode stays on libaom); the session places every
    /// key frame, by reopening the encoder; SVT-AV1 picks its thread count.
    fn traits(&self) -> Traits {
        Traits {
            forces_key_frames: true,
            keys_by_reopening: true,
            own_threads: true,
            ..LIBAOM.traits()
        }
    }

    fn layering(&self, _cfg: &VideoEncoderConfig) -> Layering {
        Layering::None
    }

    fn configure(&self, s: &mut Setup<'_>) -> Result<()> {
        s.opts.set("preset", &Self::preset(s.cfg).to_string());
        // Low-delay prediction (pred-struct=1): no look-ahead and no reordering, one chunk
        // per frame in order. SVT-AV1 1.4 rate-controls it as CBR in both bitrate modes
        // ("Low delay mode does not support VBR"), which keeps it on target.
        s.opts.set("svtav1-params", "pred-struct=1");
        // The bitrate alone in both modes (CBR either way, see above): the wrapper passes a
        // `maxrate` on as SVT-AV1's cap of its capped-CRF mode, which must exceed the target.
        s.vpx_rate_control(BitrateMode::Variable);
        Ok(())
    }
}
