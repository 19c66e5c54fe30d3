//! libaom-av1 through FFmpeg: AV1 Main (profile 0) at 8 or 10 bits. With `L1T2`/`L1T3` the
//! session runs on libaom directly instead (`aom_session.rs`), with the same speed and
//! quantizer settings, which live here.

use codec_core::{BitrateMode, VideoEncoderConfig};
use control_queue::ThreadPriority;

use super::profile::{Layering, Profile, Setup, Traits};
use crate::codecs::Resolved;
use crate::{Error, Result};

/// The libaom-av1 profile.
pub(crate) const LIBAOM: Libaom = Libaom;

/// libaom through FFmpeg: quantizer 0–63 (32 by default), its own periodic key frames.
pub(crate) const LIBAOM_TRAITS: Traits = Traits {
    max_quantizer: 63,
    default_quantizer: 32,
    forces_key_frames: false,
    own_threads: false,
    keys_by_reopening: false,
};

/// libaom's AV1 encoder.
pub(crate) struct Libaom;

impl Libaom {
    /// `cpu-used`: libaom's realtime usage at speed 8 for `realtime`, 6 for `quality`
    /// (FFmpeg 5.1 caps it at 8).
    pub(crate) fn cpu_used(realtime: bool) -> i32 {
        if realtime {
            8
        } else {
            6
        }
    }
}

impl Profile for Libaom {
    /// AV1 Main is 8- or 10-bit (yuv420p10le input on either session).
    fn check(&self, cfg: &VideoEncoderConfig, r: &Resolved) -> Result<()> {
        match (r.profile, r.bit_depth) {
            (0, 8 | 10) => Ok(()),
            (p, d) => Err(Error::unsupported(format!(
                "{} profile {p} at {d} bits cannot be encoded",
                cfg.codec
            ))),
        }
    }

    fn traits(&self) -> Traits {
        LIBAOM_TRAITS
    }

    /// Below the JS thread, in the ordinary scheduling class: libaom's threads wake each other
    /// many times per frame, which the idle class slows (see [`crate::settle_worker_priority`]).
    fn thread_priority(&self) -> ThreadPriority {
        ThreadPriority::Low
    }

    /// FFmpeg 5.1's wrapper cannot pass libaom's SVC structs: layers come from the libaom
    /// session (`aom_session.rs`), which places every key frame itself.
    fn layering(&self, _cfg: &VideoEncoderConfig) -> Layering {
        Layering::None
    }

    fn configure(&self, s: &mut Setup<'_>) -> Result<()> {
        // Always libaom's realtime usage: in "good" usage with lag-in-frames 0, libaom 3.6
        // turns a forced key frame into two consecutive key frames (n and n+1), which breaks
        // exact key-frame placement. Quality mode uses a slower realtime speed.
        s.opts.set("usage", "realtime");
        s.opts
            .set("cpu-used", &Self::cpu_used(s.realtime).to_string());
        s.opts.set("row-mt", "1");
        if s.text {
            s.opts.set("aom-params", "tune-content=screen");
        }
        s.opts.set("lag-in-frames", "0");
        // Low-overhead OBUs with the sequence header in-band on key frames: no GLOBAL_HEADER
        // flag, so FFmpeg produces no av1C extradata (WebCodecs AV1 has no description).
        s.vpx_rate_control(s.cfg.bitrate_mode);
        // Variable mode (VBR) gets the one-second buffer of CBR and of the layered session
        // (`aom.rs`) too. With libaom's default six-second buffer the rate control never
        // paid back the first key frame within a few seconds: 1356 kbit/s for 1 Mbit/s over
        // 120 frames of 640x360 (tests/rate.rs), 718 kbit/s for 500 at 720p, 1133 for 1000
        // over 300 frames; with the buffer every case tried (0.5-4 Mbit/s, 120 and 300
        // frames, two kinds of content) was within 3%, PSNR within 0.15 dB.
        if s.cfg.bitrate_mode == BitrateMode::Variable {
            let b = s.target_bitrate();
            s.opts.set("bufsize", &b.to_string());
        }
        Ok(())
    }
}
