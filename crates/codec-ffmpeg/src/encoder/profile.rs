//! What differs per encoder, behind one trait: [`Profile`]. One implementation per FFmpeg
//! encoder (`x264.rs`, `x265.rs`, `vpx.rs` for VP8 and VP9, `libaom.rs`), plus the settings
//! they share (frame rate, default bitrate, key-frame interval, the two rate-control mappings).

use codec_core::{BitrateMode, VideoColorSpace, VideoEncoderConfig};
use control_queue::ThreadPriority;
use ffmpeg::{Dictionary, Rational};
use ffmpeg_next as ffmpeg;

use super::svtav1::SvtAv1;
use super::vpx::VpxLayers;
use crate::codecs::{Family, Resolved};
use crate::svc::BFrameLayers;
use crate::Result;

/// Default frame rate when the config has none.
const DEFAULT_FPS: f64 = 30.0;

/// How a session's chunks get their temporal layer ids (`L1T2`/`L1T3`).
pub(crate) enum Layering {
    /// A single layer: no ids.
    None,
    /// libvpx: each frame gets its layer id and reference flags from the pattern.
    Vpx(VpxLayers),
    /// x264/x265: runs of non-reference B-frames; the ids are read from the coded output.
    BFrames(BFrameLayers),
}

impl Layering {
    /// The number of consecutive B-frames the encoder must produce (0 without B-frame layers).
    pub(crate) fn bframes(&self) -> u32 {
        match self {
            Self::BFrames(l) => l.bframes(),
            Self::None | Self::Vpx(_) => 0,
        }
    }
}

/// An FFmpeg encoder context being configured, with the decisions every profile reads.
pub(crate) struct Setup<'a> {
    /// The codec context (not opened yet).
    pub(crate) v: &'a mut ffmpeg::encoder::video::Video,
    /// The options `avcodec_open2` gets.
    pub(crate) opts: &'a mut Dictionary<'static>,
    /// The configuration (with the colour encoder's share of the bitrate under alpha).
    pub(crate) cfg: &'a VideoEncoderConfig,
    /// The resolved codec.
    pub(crate) resolved: &'a Resolved,
    /// The configured bitrate, if any and non-zero.
    pub(crate) bitrate: Option<u64>,
    /// The frame rate.
    pub(crate) fps: f64,
    /// The constant quantizer of quantizer mode, within the profile's range.
    pub(crate) qp: u32,
    /// `latencyMode: "realtime"`.
    pub(crate) realtime: bool,
    /// `contentHint: "text"`: libvpx-vp9 and libaom have a screen-content mode (palette and
    /// intra block copy tools, sharper edges). Other hints change nothing (a hint never
    /// causes rejection).
    pub(crate) text: bool,
    /// The session's layering.
    pub(crate) layering: &'a Layering,
}

impl Setup<'_> {
    /// The bitrate in effect: the configured one, else ~0.1 bit per pixel.
    pub(crate) fn target_bitrate(&self) -> u64 {
        self.bitrate
            .unwrap_or_else(|| default_bitrate(self.cfg, self.fps))
    }

    /// Rate control shared by libvpx (VP8, VP9) and libaom (AV1), whose FFmpeg wrappers map
    /// the same options: `qmin = qmax` for a constant quantizer, `minrate = maxrate = bitrate`
    /// (a one-second buffer) for CBR.
    pub(crate) fn vpx_rate_control(&mut self, mode: BitrateMode) {
        let b = self.target_bitrate();
        self.v.set_bit_rate(b as usize);
        match mode {
            BitrateMode::Quantizer => {
                self.opts.set("qmin", &self.qp.to_string());
                self.opts.set("qmax", &self.qp.to_string());
            }
            BitrateMode::Constant => {
                self.v.set_max_bit_rate(b as usize);
                self.opts.set("minrate", &b.to_string());
                self.opts.set("bufsize", &b.to_string());
            }
            BitrateMode::Variable => {}
        }
    }

    /// Rate control shared by libx264 and libx265, whose FFmpeg wrappers map the same options:
    /// `qp` for a constant quantizer, `maxrate = bitrate` with a one-second buffer for CBR, and
    /// `crf` (`default_crf`) for variable mode without a bitrate.
    pub(crate) fn x26x_rate_control(&mut self, default_crf: &str) {
        match self.cfg.bitrate_mode {
            BitrateMode::Quantizer => self.opts.set("qp", &self.qp.to_string()),
            BitrateMode::Constant => {
                let b = self.target_bitrate();
                self.v.set_bit_rate(b as usize);
                self.v.set_max_bit_rate(b as usize);
                self.opts.set("bufsize", &b.to_string());
            }
            BitrateMode::Variable => match self.bitrate {
                Some(b) => self.v.set_bit_rate(b as usize),
                None => self.opts.set("crf", default_crf),
            },
        }
    }
}

/// The fixed traits of an encoder: its quantizer range, who places its key frames, who picks
/// its thread count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Traits {
    /// The highest constant quantizer (51 for x264/x265, 63 for libvpx/libaom).
    pub(crate) max_quantizer: u32,
    /// The constant quantizer until a frame brings its own.
    pub(crate) default_quantizer: u32,
    /// Whether the session forces the first and every periodic key frame (the encoder places
    /// none itself), rather than the encoder placing the periodic ones.
    pub(crate) forces_key_frames: bool,
    /// Whether the encoder picks its own thread count (else min(CPUs, 4)).
    pub(crate) own_threads: bool,
    /// Whether the encoder cannot be asked for a key frame, so the session drains it and
    /// opens a new one for each key frame after the first (libsvtav1).
    pub(crate) keys_by_reopening: bool,
}

impl Traits {
    /// The constant quantizer for a requested `qp` (the default without one), in range.
    pub(crate) fn quantizer(&self, qp: Option<u32>) -> u32 {
        qp.unwrap_or(self.default_quantizer).min(self.max_quantizer)
    }

    /// The thread count the codec context gets (0: the encoder picks).
    pub(crate) fn threads(&self) -> usize {
        if self.own_threads {
            0
        } else {
            available_threads().min(4)
        }
    }
}

/// x264 and x265: QP 0–51 (26 by default), their own periodic key frames and thread count.
pub(crate) const X26X: Traits = Traits {
    max_quantizer: 51,
    default_quantizer: 26,
    forces_key_frames: false,
    own_threads: true,
    keys_by_reopening: false,
};

/// What differs per encoder. The rest of a session (input hand-off, pts bookkeeping, alpha,
/// reopen rules) is shared; so is what reopens a session: a new quantizer (none of these
/// FFmpeg wrappers can change a constant quantizer while open), the first frame's colour
/// space, and `flush()` (none can leave the draining state).
pub(crate) trait Profile: Sync {
    /// The FFmpeg encoder, when not the codec table's (`Entry::encoder`).
    fn encoder(&self) -> Option<&'static str> {
        None
    }

    /// Codec-specific checks (profile, level, size, bit depth), after the shared ones.
    ///
    /// # Errors
    /// `Unsupported` for what this encoder cannot encode.
    fn check(&self, cfg: &VideoEncoderConfig, r: &Resolved) -> Result<()>;

    /// Whether this encoder has `L1T2`/`L1T3` for `r`.
    fn has_temporal_layers(&self, _r: &Resolved) -> bool {
        true
    }

    /// Its quantizer range, key-frame placement and threading.
    fn traits(&self) -> Traits;

    /// The priority the encoder's threads run at: by default below the JS thread
    /// ([`crate::worker_nice`] steps, [`crate::worker_idle_class`]), or at its priority (see
    /// [`crate::settle_worker_priority`]).
    fn thread_priority(&self) -> ThreadPriority {
        ThreadPriority::Background
    }

    /// The thread count the codec context gets for `cfg` (0: the encoder picks).
    fn threads(&self, _cfg: &VideoEncoderConfig) -> usize {
        self.traits().threads()
    }

    /// How a session for `cfg` labels its chunks' temporal layers.
    fn layering(&self, cfg: &VideoEncoderConfig) -> Layering;

    /// Sets the encoder's options: speed or preset, rate control, layer structure, headers.
    ///
    /// # Errors
    /// `Internal` when the resolved codec lacks what the profile needs.
    fn configure(&self, s: &mut Setup<'_>) -> Result<()>;

    /// `decoderConfig.description`, from the opened encoder's `extradata`.
    ///
    /// # Errors
    /// `Internal` when the encoder produced no usable parameter sets.
    fn description(&self, _cfg: &VideoEncoderConfig, _extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }

    /// The colour space a bitstream of this encoder signals for `cs` (every member set):
    /// all of it, except where the bitstream cannot say everything (VP9).
    fn signalled(&self, cs: VideoColorSpace) -> VideoColorSpace {
        cs
    }
}

/// The profile that encodes `cfg` of `family`.
pub(crate) fn of(cfg: &VideoEncoderConfig, family: Family) -> &'static dyn Profile {
    match family {
        Family::H264 => &super::x264::X264,
        Family::H265 => &super::x265::X265,
        Family::Vp8 => &super::vpx::VP8,
        Family::Vp9 => &super::vpx::VP9,
        Family::Av1 if SvtAv1::applies(cfg) => &super::svtav1::SVTAV1,
        Family::Av1 => &super::libaom::LIBAOM,
    }
}

/// The configured frame rate (default 30).
pub(crate) fn framerate(cfg: &VideoEncoderConfig) -> Rational {
    let fps = cfg
        .framerate
        .filter(|f| f.is_finite() && *f > 0.0 && *f <= 1000.0)
        .unwrap_or(DEFAULT_FPS);
    let num = (fps * 1000.0).round().max(1.0) as i32;
    Rational::new(num, 1000).reduce()
}

/// The bitrate used when the config has none: ~0.1 bit per pixel, within [100 kbit/s,
/// 20 Mbit/s].
pub(crate) fn default_bitrate(cfg: &VideoEncoderConfig, fps: f64) -> u64 {
    let bps = f64::from(cfg.width) * f64::from(cfg.height) * fps * 0.1;
    (bps as u64).clamp(100_000, 20_000_000)
}

/// The number of CPUs (at least 1).
pub(crate) fn available_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// A key frame at least every 10 s (and never within the first 300 frames) unless asked.
pub(crate) fn key_interval(fps: f64) -> u32 {
    ((fps * 10.0).round() as u32).max(300)
}
