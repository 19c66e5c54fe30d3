//! libvpx: VP8 and VP9 (profile 0 at 8 bits, profile 2 at 10 bits), with `L1T2`/`L1T3`
//! temporal layers from explicit per-frame reference flags.

use codec_core::{BitrateMode, VideoColorSpace, VideoEncoderConfig};
use control_queue::ThreadPriority;
use ffmpeg::Dictionary;
use ffmpeg_next as ffmpeg;

use super::libaom::LIBAOM_TRAITS;
use super::profile::{available_threads, Layering, Profile, Setup, Traits};
use crate::codecs::Resolved;
use crate::svc::{LayerCursor, TemporalLayers};
use crate::{Error, Result};

/// The VP8 profile.
pub(crate) const VP8: Vpx = Vpx { vp9: false };
/// The VP9 profile.
pub(crate) const VP9: Vpx = Vpx { vp9: true };

/// libvpx per-frame reference flags (`vpx/vp8cx.h`), understood by the VP8 and VP9 encoders.
const NO_REF_LAST: u32 = 1 << 16;
const NO_REF_GF: u32 = 1 << 17;
const NO_UPD_LAST: u32 = 1 << 18;
const NO_UPD_ENTROPY: u32 = 1 << 20;
const NO_REF_ARF: u32 = 1 << 21;
const NO_UPD_GF: u32 = 1 << 22;
const NO_UPD_ARF: u32 = 1 << 23;

/// The reference flags of each frame of one `L1T2` period (layer ids 0, 1): libvpx's
/// `vpx_temporal_svc_encoder.c` mode 1 without golden: layer 0 references and updates LAST;
/// layer 1 references LAST and updates nothing, entropy context included.
const L1T2_FLAGS: [u32; 2] = [
    NO_REF_GF | NO_REF_ARF | NO_UPD_GF | NO_UPD_ARF,
    NO_REF_GF | NO_REF_ARF | NO_UPD_LAST | NO_UPD_GF | NO_UPD_ARF | NO_UPD_ENTROPY,
];

/// The reference flags of each frame of one `L1T3` period (layer ids 0, 2, 1, 2): layer 0
/// references and updates LAST; the first layer-2 frame references LAST; the layer-1 frame
/// references LAST and updates only GOLDEN; the second layer-2 frame references GOLDEN. No
/// upper-layer frame touches the entropy context (the wrapper's own `ts_layering_mode`
/// patterns do, which breaks base-layer-only decoding).
const L1T3_FLAGS: [u32; 4] = [
    NO_REF_GF | NO_REF_ARF | NO_UPD_GF | NO_UPD_ARF,
    NO_REF_GF | NO_REF_ARF | NO_UPD_LAST | NO_UPD_GF | NO_UPD_ARF | NO_UPD_ENTROPY,
    NO_REF_GF | NO_REF_ARF | NO_UPD_LAST | NO_UPD_ARF | NO_UPD_ENTROPY,
    NO_REF_LAST | NO_REF_ARF | NO_UPD_LAST | NO_UPD_GF | NO_UPD_ARF | NO_UPD_ENTROPY,
];

/// Temporal layering on libvpx. FFmpeg's wrapper is given the layer structure
/// (`ts-parameters`) and, per frame, the layer id (`temporal_id` frame metadata) and the
/// reference flags (`vp8-flags`), so upper layers never update what lower layers reference
/// nor the entropy context, and any layer subset decodes on its own. Key frames (always ours,
/// see [`Vpx::traits`]) restart the pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VpxLayers {
    cursor: LayerCursor,
    /// The flags of each frame of one period.
    flags: &'static [u32],
}

impl VpxLayers {
    /// The layering of `scalabilityMode` `mode`, if it has several layers.
    fn for_mode(mode: Option<&str>) -> Option<Self> {
        let layers = TemporalLayers::for_mode(mode)?;
        let flags: &'static [u32] = if layers.count() == 2 {
            &L1T2_FLAGS
        } else {
            &L1T3_FLAGS
        };
        Some(Self {
            cursor: LayerCursor::new(layers),
            flags,
        })
    }

    /// The next frame's layer id and its frame metadata for the wrapper: the layer id, and
    /// unless it is a key frame (which refreshes every reference and the entropy context
    /// anyway) its reference flags.
    pub(crate) fn next(&mut self, key: bool) -> (u32, Dictionary<'static>) {
        let (at, id) = self.cursor.next(key);
        let mut meta = Dictionary::new();
        meta.set("temporal_id", &id.to_string());
        if !key {
            meta.set("vp8-flags", &self.flags[at].to_string());
        }
        (id, meta)
    }

    /// `ts-parameters`: the layer structure and cumulative per-layer bitrates (kbit/s) for a
    /// total of `bitrate`.
    fn ts_parameters(&self, bitrate: u64) -> String {
        let l = self.cursor.layers();
        let join = |v: &[u64]| v.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        let list = |v: &[u32]| v.iter().map(|&x| u64::from(x)).collect::<Vec<_>>();
        format!(
            "ts_number_layers={}:ts_target_bitrate={}:ts_rate_decimator={}:ts_periodicity={}:ts_layer_id={}",
            l.count(),
            join(&l.layer_kbps(bitrate / 1000)),
            join(&list(l.decimators)),
            l.pattern.len(),
            join(&list(l.pattern))
        )
    }
}

/// libvpx-vp8 (`vp9: false`) or libvpx-vp9.
pub(crate) struct Vpx {
    vp9: bool,
}

impl Vpx {
    /// `cpu-used` under the realtime deadline. VP9: a fixed speed, 8 (libvpx's fastest) for
    /// "realtime"; for "quality" by frame size (slower for smaller frames, as WebRTC picks
    /// it): 5 up to CIF, 6 up to VGA, 7 up to 720p, 8 above (1080p: about 25 fps on 2 CPUs). VP8: negative values are fixed speeds (positive
    /// ones adapt to wall-clock time): -6 (WebRTC's desktop setting) for "realtime"; for
    /// "quality" -4 up to VGA, -6 above.
    fn cpu_used(&self, cfg: &VideoEncoderConfig, realtime: bool) -> i32 {
        let pixels = u64::from(cfg.width) * u64::from(cfg.height);
        match (self.vp9, realtime) {
            (true, true) => 8,
            (true, false) => match pixels {
                0..=101_376 => 5,
                101_377..=307_200 => 6,
                307_201..=921_600 => 7,
                _ => 8,
            },
            (false, true) => -6,
            (false, false) if pixels <= 307_200 => -4,
            (false, false) => -6,
        }
    }
}

impl Profile for Vpx {
    fn check(&self, cfg: &VideoEncoderConfig, r: &Resolved) -> Result<()> {
        match (self.vp9, r.profile, r.bit_depth) {
            (false, _, _) | (true, 0, 8) | (true, 2, 10) => Ok(()),
            (true, p, d) => Err(Error::unsupported(format!(
                "{} profile {p} at {d} bits cannot be encoded",
                cfg.codec
            ))),
        }
    }

    /// VP9: the JS thread's priority ([`ThreadPriority::Host`]); VP8: below it in the idle
    /// class, as most codecs. libvpx's VP9 threads wait on each other many times per frame
    /// (tile and loop-filter row synchronisation): in the idle class a woken one never preempts
    /// a running thread, so it waited for a time slice to end while a CPU idled (0.93× the
    /// FFmpeg CLI at 1080p realtime, 1.01× at the JS thread's priority, with the same loop
    /// gaps: loop-gap.js worst-gap median 5.2-5.8 ms below, 4.9-5.2 ms at equal priority); at
    /// nice 19 in the ordinary class the scheduler kept moving them off the JS thread's CPU
    /// each time it woke (see [`crate::settle_worker_priority`]). x264 and FFmpeg's
    /// frame-threaded decoders run more threads than CPUs: at equal priority their loop p99
    /// went from 2-3 ms to 4-7 ms, for no speed, so they stay below. VP8: no difference
    /// measured.
    fn thread_priority(&self) -> ThreadPriority {
        match self.vp9 {
            true => ThreadPriority::Host,
            false => ThreadPriority::Background,
        }
    }

    /// Quantizer 0–63 (32 by default, as libaom). libvpx never places a key frame itself:
    /// with temporal layers one it placed would not restart the layer pattern (it could land
    /// on an upper layer, which a base-layer-only decoder never sees), VP8 in "good" mode
    /// places them at scene cuts, and the alpha encoder must key exactly with the colour
    /// encoder.
    fn traits(&self) -> Traits {
        Traits {
            forces_key_frames: true,
            ..LIBAOM_TRAITS
        }
    }

    fn layering(&self, cfg: &VideoEncoderConfig) -> Layering {
        VpxLayers::for_mode(cfg.scalability_mode.as_deref()).map_or(Layering::None, Layering::Vpx)
    }

    /// Threads by frame width as Chromium gives libvpx (1 below 640, 2 from 640, 4 from
    /// 1280, 8 from 2560, 16 from 3840), at most one per CPU. VP8 gets at most one per two
    /// CPUs: its threads wait for each other's macroblock rows by spinning, so with as many
    /// threads as CPUs a busy machine stalls it (720p on 2 busy CPUs: 2 threads 5-10 fps,
    /// 1 thread above 60 fps).
    fn threads(&self, cfg: &VideoEncoderConfig) -> usize {
        let by_width = match cfg.width {
            3840.. => 16,
            2560.. => 8,
            1280.. => 4,
            640.. => 2,
            _ => 1,
        };
        let cpus = available_threads();
        let cap = if self.vp9 { cpus } else { (cpus / 2).max(1) };
        by_width.min(cap)
    }

    fn configure(&self, s: &mut Setup<'_>) -> Result<()> {
        // libvpx's realtime deadline in both latency modes, as Chromium's software encoder
        // (its "good" deadline is several times slower at 720p and up); "quality" gets
        // slower speeds for smaller frames.
        s.opts.set("deadline", "realtime");
        let layers = match s.layering {
            Layering::Vpx(l) => Some(*l),
            Layering::None | Layering::BFrames(_) => None,
        };
        let mut mode = s.cfg.bitrate_mode;
        s.opts
            .set("cpu-used", &self.cpu_used(s.cfg, s.realtime).to_string());
        if self.vp9 {
            s.opts.set("row-mt", "1");
            if s.text {
                s.opts.set("tune-content", "screen");
            }
            // Variable mode uses libvpx's CBR rate control (one-second buffer) too: VP9's
            // one-pass VBR never corrects its long-term drift (its correction window comes
            // from two-pass statistics), so it overshot the target by 25-28% over 120 frames
            // (tests/rate.rs); with temporal layers (rate control built for CBR) about
            // fourfold (720p, 2 Mbit/s → 8 Mbit/s).
            if mode == BitrateMode::Variable {
                mode = BitrateMode::Constant;
            }
        }
        // No look-ahead and no alt-ref: one chunk per frame, no hidden frames (VP9
        // superframes).
        s.opts.set("lag-in-frames", "0");
        s.opts.set("auto-alt-ref", "0");
        s.vpx_rate_control(mode);
        if let Some(l) = layers {
            let ts = l.ts_parameters(s.target_bitrate());
            s.opts.set("ts-parameters", &ts);
            if self.vp9 {
                // Without error resilience a VP9 base-layer-only decode fails within a few
                // frames (the frame contexts still chain through upper-layer frames).
                s.opts.set("error-resilient", "1");
            }
        }
        // libvpx turns its automatic key frames (VP8 also places them at scene cuts) off when
        // kf_min_dist == kf_max_dist, which FFmpeg sets when keyint_min == gop (as libvpx's
        // own `vpx_temporal_svc_encoder.c` does); the session sets gop to the maximum.
        s.opts.set("keyint_min", &(i32::MAX).to_string());
        Ok(())
    }

    /// VP9 carries only the matrix and range, so its primaries and transfer are the ones a
    /// decoder derives from those (`VideoColorSpace::vp9_signalled`): `decoderConfig`'s
    /// colour space then matches what a decoder without a configured colorSpace reports.
    fn signalled(&self, cs: VideoColorSpace) -> VideoColorSpace {
        if self.vp9 {
            cs.vp9_signalled()
        } else {
            cs
        }
    }
}
