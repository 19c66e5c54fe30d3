//! AV1 `scalabilityMode` `L1T2`/`L1T3`: an encoder session on libaom directly (see `aom.rs`),
//! because FFmpeg 5.1's `libaom-av1` wrapper cannot set libaom's SVC controls. Everything else
//! (rate control, speed, key frames, colour, `decoderConfig`) follows the FFmpeg AV1 path.

use std::collections::BTreeMap;

use codec_core::{
    BitrateMode, CodecError, LatencyMode, OutputConfigTracker, VideoColorSpace, VideoDecoderConfig,
    VideoEncoderConfig,
};
use ffmpeg::format::Pixel;
use ffmpeg_next as ffmpeg;

use crate::aom::{AomEncoder, AomParams, AomPicture, AomRate, RefConfig};
use crate::codecs::Resolved;
use crate::convert::{self, ScalerCache};
use crate::encoder::{
    available_threads, default_bitrate, framerate, key_interval, EncodedVideoOutput,
    EncoderSession, TemporalLayers, VideoEncodeInput,
};

/// The default reference slots: LAST…ALTREF point to slots 0…6.
const DEFAULT_IDX: [u8; 7] = [0, 1, 2, 3, 4, 5, 6];
const NO_REFRESH: [bool; 8] = [false; 8];
const ONLY_LAST: [bool; 7] = [true, false, false, false, false, false, false];

/// Refreshes slot `n` only.
const fn refresh(n: usize) -> [bool; 8] {
    let mut r = NO_REFRESH;
    r[n] = true;
    r
}

/// Per-frame reference structure of `L1T2`, after libaom's `svc_encoder_rtc.c` (layering mode
/// 1, without its optional long-term golden/alt-ref slots): layer 0 references LAST (slot 0)
/// and refreshes it; layer 1 references LAST and refreshes nothing.
const L1T2_REFS: [RefConfig; 2] = [
    RefConfig {
        reference: ONLY_LAST,
        ref_idx: DEFAULT_IDX,
        refresh: refresh(0),
    },
    RefConfig {
        reference: ONLY_LAST,
        ref_idx: DEFAULT_IDX,
        refresh: NO_REFRESH,
    },
];

/// Per-frame reference structure of `L1T3` (layer ids 0, 2, 1, 2), `svc_encoder_rtc.c`'s
/// layering mode 2: layer 0 references and refreshes slot 0; the first layer-2 frame
/// references slot 0; the layer-1 frame references slot 0 and refreshes slot 1; the second
/// layer-2 frame references slot 1 (the layer-1 frame) as LAST.
const L1T3_REFS: [RefConfig; 4] = [
    RefConfig {
        reference: ONLY_LAST,
        ref_idx: DEFAULT_IDX,
        refresh: refresh(0),
    },
    RefConfig {
        reference: ONLY_LAST,
        ref_idx: DEFAULT_IDX,
        refresh: NO_REFRESH,
    },
    RefConfig {
        reference: ONLY_LAST,
        ref_idx: DEFAULT_IDX,
        refresh: refresh(1),
    },
    RefConfig {
        reference: ONLY_LAST,
        ref_idx: [1, 0, 2, 3, 4, 5, 6],
        refresh: NO_REFRESH,
    },
];

/// One libaom encoder with temporal layers.
pub(crate) struct AomSession {
    enc: AomEncoder,
    cfg: VideoEncoderConfig,
    resolved: Resolved,
    decoder_config: VideoDecoderConfig,
    /// Next frame counter used as pts (time base 1/framerate).
    next_pts: i64,
    /// pts → (timestamp, duration, temporal layer id) of frames not yet returned.
    pending: BTreeMap<i64, (i64, Option<u64>, u32)>,
    layers: TemporalLayers,
    refs: &'static [RefConfig],
    /// Position in the layer pattern of the next frame.
    layer_idx: usize,
    /// Frames since the last key frame.
    since_key: u64,
    /// The key frame interval in frames.
    gop: u64,
    qp: u32,
    pix: Pixel,
    color: VideoColorSpace,
}

impl AomSession {
    /// Opens libaom for `cfg` (an AV1 config with `L1T2` or `L1T3`, already checked).
    pub(crate) fn open(
        cfg: &VideoEncoderConfig,
        resolved: Resolved,
        layers: TemporalLayers,
        qp: Option<u32>,
        color: VideoColorSpace,
    ) -> Result<Self, CodecError> {
        let rate = framerate(cfg);
        let fps = f64::from(rate);
        let qp = qp.unwrap_or(crate::encoder::DEFAULT_Q_VP8).min(63);
        let kbps = cfg
            .bitrate
            .filter(|b| *b > 0)
            .unwrap_or_else(|| default_bitrate(cfg, fps))
            / 1000;
        let kbps = u32::try_from(kbps.max(1)).unwrap_or(u32::MAX);
        let realtime = cfg.latency_mode == LatencyMode::Realtime;
        let refs: &'static [RefConfig] = if layers.pattern.len() == 2 {
            &L1T2_REFS
        } else {
            &L1T3_REFS
        };
        let code = |c: Option<u32>, d: u32| c.unwrap_or(d);
        let params = AomParams {
            width: cfg.width,
            height: cfg.height,
            timebase: (rate.denominator(), rate.numerator()),
            profile: u32::from(resolved.profile),
            bit_depth: u32::from(resolved.bit_depth),
            threads: available_threads().min(4) as u32,
            // As the FFmpeg path (which FFmpeg 5.1 caps at 8).
            cpu_used: if realtime { 8 } else { 6 },
            screen: cfg.content_hint.as_deref() == Some("text"),
            // libaom's SVC rate control is built for CBR (as libvpx's): in VBR mode with
            // layers it undershot tenfold (320x240 noise, 400 kbit/s → 46 kbit/s), so
            // `variable` runs CBR too, as the VP9 path does with layers.
            rate: match cfg.bitrate_mode {
                BitrateMode::Constant | BitrateMode::Variable => AomRate::Constant(kbps),
                BitrateMode::Quantizer => AomRate::Quantizer(qp, kbps),
            },
            color: (
                code(color.primaries.map(|p| p.code()), 1),
                code(color.transfer.map(|t| t.code()), 1),
                code(color.matrix.map(|m| m.code()), 1),
                color.full_range == Some(true),
            ),
            framerate_factors: layers.decimators.to_vec(),
            layer_kbps: layers
                .rate_percent
                .iter()
                .map(|p| (u64::from(kbps) * p / 100).max(1) as u32)
                .collect(),
        };
        let enc = AomEncoder::open(&params).map_err(CodecError::encoding)?;
        let (w, h) = (cfg.width, cfg.height);
        let decoder_config = VideoDecoderConfig {
            codec: cfg.codec.clone(),
            // As the FFmpeg path: low-overhead OBUs with in-band sequence headers, no av1C.
            description: None,
            coded_width: Some(w),
            coded_height: Some(h),
            display_aspect_width: Some(cfg.display_width.unwrap_or(w)),
            display_aspect_height: Some(cfg.display_height.unwrap_or(h)),
            color_space: Some(color),
            ..Default::default()
        };
        Ok(Self {
            enc,
            cfg: cfg.clone(),
            resolved,
            decoder_config,
            next_pts: 0,
            pending: BTreeMap::new(),
            layers,
            refs,
            layer_idx: 0,
            since_key: 0,
            gop: u64::from(key_interval(fps)),
            qp,
            pix: if resolved.bit_depth == 10 {
                Pixel::YUV420P10LE
            } else {
                Pixel::YUV420P
            },
            color,
        })
    }

    fn emit(
        &mut self,
        packets: Vec<crate::aom::AomPacket>,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) {
        for p in packets {
            let (timestamp, duration, layer) = match self.pending.remove(&p.pts) {
                Some(t) => t,
                // Never expected (one packet per frame, with its pts); keep order anyway.
                None => self
                    .pending
                    .pop_first()
                    .map(|(_, t)| t)
                    .unwrap_or((0, None, 0)),
            };
            out(EncodedVideoOutput {
                data: p.data,
                key: p.key,
                timestamp,
                duration,
                decoder_config: tracker.update(&self.decoder_config),
                temporal_layer_id: Some(layer),
                alpha_side_data: None,
            });
        }
    }
}

impl EncoderSession for AomSession {
    fn encode(
        &mut self,
        input: &VideoEncodeInput,
        scaler: &mut ScalerCache,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        let f = convert::to_encoder_frame(
            &input.frame,
            input.visible,
            self.cfg.width,
            self.cfg.height,
            self.pix,
            scaler,
        )?;
        let pts = self.next_pts;
        self.next_pts += 1;
        // The first frame, a requested key frame and the periodic one restart the pattern.
        let key = input.key_frame || pts == 0 || self.since_key >= self.gop;
        if key {
            self.layer_idx = 0;
            self.since_key = 0;
        }
        let layer = self.layers.pattern[self.layer_idx];
        let refs = self.refs[self.layer_idx];
        self.layer_idx = (self.layer_idx + 1) % self.layers.pattern.len();
        self.since_key += 1;
        self.pending
            .insert(pts, (input.timestamp, input.duration, layer));
        let pic = AomPicture {
            planes: [f.data(0), f.data(1), f.data(2)],
            strides: [f.stride(0), f.stride(1), f.stride(2)],
        };
        let packets = self
            .enc
            .encode(Some((&pic, layer, &refs)), pts, key)
            .map_err(CodecError::encoding)?;
        self.emit(packets, tracker, out);
        Ok(())
    }

    fn drain(
        &mut self,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        let packets = self
            .enc
            .encode(None, 0, false)
            .map_err(CodecError::encoding)?;
        self.emit(packets, tracker, out);
        self.pending.clear();
        Ok(())
    }

    fn cfg(&self) -> &VideoEncoderConfig {
        &self.cfg
    }

    fn resolved(&self) -> Resolved {
        self.resolved
    }

    fn qp(&self) -> u32 {
        self.qp
    }

    fn color(&self) -> VideoColorSpace {
        self.color
    }

    fn started(&self) -> bool {
        self.next_pts > 0
    }

    fn set_quantizer(&mut self, q: u32) -> Result<bool, CodecError> {
        self.enc.set_quantizer(q).map_err(CodecError::encoding)?;
        self.qp = q;
        Ok(true)
    }
}
