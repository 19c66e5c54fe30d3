//! `VideoEncoderBackend`: libx264 (H.264), libx265 (HEVC), libvpx (VP8, VP9) and libaom (AV1)
//! through FFmpeg.

use std::collections::BTreeMap;
use std::sync::Arc;

use codec_core::{
    AlphaOption, AvcBitstreamFormat, BitrateMode, CodecError, FrameBuffer, HevcBitstreamFormat,
    LatencyMode, OutputConfigTracker, Rect, VideoColorSpace, VideoDecoderConfig,
    VideoEncoderConfig,
};
use control_queue::{Backend, Cancel};
use ffmpeg::{codec, color, format::Pixel, frame, picture, Dictionary, Packet, Rational};
use ffmpeg_next as ffmpeg;

use crate::aom_session::AomSession;
use crate::codecs::{self, Family, Resolved};
use crate::convert::{self, GreyChroma, ScalerCache};
use crate::svc::{BFrameLayers, NalSyntax};
use crate::{av_error, avc, hevc, is_eagain, raw};

/// One frame to encode.
#[derive(Debug, Clone)]
pub struct VideoEncodeInput {
    /// The frame's pixels (shared with the JS `VideoFrame`).
    pub frame: Arc<FrameBuffer>,
    /// The visible rect; this is what gets encoded (scaled to the configured size if needed).
    pub visible: Rect,
    /// Presentation timestamp in microseconds.
    pub timestamp: i64,
    /// Duration in microseconds.
    pub duration: Option<u64>,
    /// `encode(frame, { keyFrame: true })`: the chunk of this frame must be a key chunk.
    pub key_frame: bool,
    /// Per-frame quantizer (`bitrateMode: "quantizer"`): 0–51 for H.264 and HEVC, 0–63 for
    /// VP8, VP9 and AV1.
    pub quantizer: Option<u32>,
    /// The frame's `colorSpace` (unknown members `None`).
    pub color_space: VideoColorSpace,
}

/// One encoded chunk with its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedVideoOutput {
    /// The chunk bytes (length-prefixed NAL units for H.264 `avc` and HEVC `hevc`, Annex B for
    /// `annexb`).
    pub data: Vec<u8>,
    /// Whether this is a key chunk.
    pub key: bool,
    /// The input frame's timestamp (microseconds).
    pub timestamp: i64,
    /// The input frame's duration (microseconds).
    pub duration: Option<u64>,
    /// `metadata.decoderConfig`: present on the first chunk and whenever it changed.
    pub decoder_config: Option<VideoDecoderConfig>,
    /// `metadata.svc.temporalLayerId`: present when the `scalabilityMode` has several temporal
    /// layers (`L1T2`, `L1T3`).
    pub temporal_layer_id: Option<u32>,
    /// `metadata.alphaSideData` (`alpha: "keep"`): the alpha encoder's packet for this frame, a
    /// VP8/VP9 frame whose Y plane is the alpha plane.
    pub alpha_side_data: Option<Vec<u8>>,
}

/// Default frame rate when the config has none.
const DEFAULT_FPS: f64 = 30.0;
/// Initial constant QP for quantizer mode until a frame brings its own.
const DEFAULT_QP_H264: u32 = 26;
pub(crate) const DEFAULT_Q_VP8: u32 = 32;
/// Constant rate factor for x264 when no bitrate is given.
const DEFAULT_CRF: &str = "23";
/// Constant rate factor for x265 when no bitrate is given (x265's default, about x264's 23).
const DEFAULT_CRF_HEVC: &str = "28";

/// Checks whether `cfg` can be encoded; returns the resolved codec.
fn check(cfg: &VideoEncoderConfig) -> Result<Resolved, CodecError> {
    cfg.validate()?;
    let r = codecs::resolve(&cfg.codec)?;
    codecs::check_hardware(cfg.hardware_acceleration)?;
    // Alpha as Chromium encodes it: a second libvpx encoder for the alpha plane, whose
    // packets are the chunks' alphaSideData. 8-bit only.
    match (cfg.alpha, r.entry.family, r.bit_depth) {
        (AlphaOption::Discard, _, _) | (AlphaOption::Keep, Family::Vp8 | Family::Vp9, 8) => {}
        (AlphaOption::Keep, _, _) => {
            return Err(CodecError::not_supported(format!(
                "alpha \"keep\" is not supported for {} (VP8 and 8-bit VP9 only)",
                cfg.codec
            )))
        }
    }
    match (cfg.scalability_mode.as_deref(), r.entry.family) {
        (None | Some("L1T1"), _) => {}
        // AV1 layers come from libaom directly (`aom_session.rs`).
        (Some("L1T2" | "L1T3"), Family::Vp8 | Family::Vp9 | Family::H265 | Family::Av1) => {}
        // Layers come from non-reference B-frames, which Baseline has not.
        (Some("L1T2" | "L1T3"), Family::H264) if r.avc.is_some_and(|a| a.profile_idc != 66) => {}
        (Some(m), _) => {
            return Err(CodecError::not_supported(format!(
                "scalabilityMode {m} is not supported for {}",
                cfg.codec
            )))
        }
    }
    if cfg.width > codecs::MAX_DIMENSION || cfg.height > codecs::MAX_DIMENSION {
        return Err(CodecError::not_supported("frame size too large"));
    }
    if let Some(a) = r.avc {
        if a.profile_name().is_none() {
            return Err(CodecError::not_supported(format!(
                "H.264 profile_idc {} cannot be encoded (baseline, main and high can)",
                a.profile_idc
            )));
        }
        if !codecs::AVC_LEVELS.contains(&a.level_idc) {
            return Err(CodecError::not_supported(format!(
                "unknown H.264 level_idc {}",
                a.level_idc
            )));
        }
        if cfg.width & 1 != 0 || cfg.height & 1 != 0 {
            return Err(CodecError::not_supported(
                "H.264 4:2:0 encoding needs even width and height",
            ));
        }
    }
    if let Some(h) = r.hevc {
        check_hevc(cfg, &h)?;
    }
    match (r.entry.family, r.profile, r.bit_depth) {
        // AV1 Main is 8- or 10-bit (yuv420p10le input on either session).
        (Family::Vp9, 0, 8) | (Family::Vp9, 2, 10) | (Family::Av1, 0, 8 | 10) => {}
        (Family::Vp9 | Family::Av1, p, d) => {
            return Err(CodecError::not_supported(format!(
                "{} profile {p} at {d} bits cannot be encoded",
                cfg.codec
            )))
        }
        (Family::H264 | Family::H265 | Family::Vp8, _, _) => {}
    }
    codecs::has_encoder(r.entry.encoder)?;
    Ok(r)
}

/// HEVC: Main (8-bit) or Main 10 at a known level whose MaxLumaPs holds the frame size, even
/// dimensions (4:2:0), High tier only from level 4.
fn check_hevc(cfg: &VideoEncoderConfig, h: &codec_core::HevcCodecString) -> Result<(), CodecError> {
    if h.profile_space != 0 || !matches!(h.profile_idc, 1 | 2) {
        return Err(CodecError::not_supported(format!(
            "HEVC profile {} cannot be encoded (Main and Main 10 can)",
            h.profile_idc
        )));
    }
    let Some(&(_, max_luma_ps)) = codecs::HEVC_LEVELS.iter().find(|(l, _)| *l == h.level_idc)
    else {
        return Err(CodecError::not_supported(format!(
            "unknown HEVC level_idc {}",
            h.level_idc
        )));
    };
    if h.high_tier && h.level_idc < 120 {
        return Err(CodecError::not_supported(
            "HEVC High tier needs level 4 or higher",
        ));
    }
    let (w, h_) = (u64::from(cfg.width), u64::from(cfg.height));
    // H.265 A.4.1: pic size ≤ MaxLumaPs and each side ≤ sqrt(8 × MaxLumaPs).
    let max_side = ((8 * max_luma_ps) as f64).sqrt() as u64;
    if w * h_ > max_luma_ps || w > max_side || h_ > max_side {
        return Err(CodecError::not_supported(format!(
            "{}x{} exceeds HEVC level {}.{}",
            cfg.width,
            cfg.height,
            h.level_idc / 30,
            (h.level_idc % 30) / 3
        )));
    }
    if cfg.width & 1 != 0 || cfg.height & 1 != 0 {
        return Err(CodecError::not_supported(
            "HEVC 4:2:0 encoding needs even width and height",
        ));
    }
    Ok(())
}

/// Whether `cfg` can be encoded (`VideoEncoder.isConfigSupported` and `configure`). Opens
/// nothing; callable from any thread.
///
/// # Errors
/// `TypeError` for an invalid config, `NotSupportedError` for one we cannot encode.
pub fn video_encoder_support(cfg: &VideoEncoderConfig) -> Result<(), CodecError> {
    check(cfg).map(|_| ())
}

/// libvpx per-frame reference flags (`vpx/vp8cx.h`), understood by the VP8 and VP9 encoders.
const NO_REF_LAST: u32 = 1 << 16;
const NO_REF_GF: u32 = 1 << 17;
const NO_UPD_LAST: u32 = 1 << 18;
const NO_UPD_ENTROPY: u32 = 1 << 20;
const NO_REF_ARF: u32 = 1 << 21;
const NO_UPD_GF: u32 = 1 << 22;
const NO_UPD_ARF: u32 = 1 << 23;

/// Temporal layering for `L1T2`/`L1T3` (libvpx only). FFmpeg's libvpx wrapper is given the
/// layer structure (`ts-parameters`) and, per frame, the layer id (`temporal_id` frame
/// metadata) and the reference flags (`vp8-flags`). The patterns are libvpx's
/// `vp8_scalable_patterns` modes 2 and 3 (also WebRTC's): layer-0 frames reference and update
/// only LAST; layer-1 frames of L1T3 update only GOLDEN; layer-2 frames update nothing. Upper
/// layers also leave the entropy context alone (the wrapper's own `ts_layering_mode` patterns
/// do not, which breaks base-layer-only decoding), so any layer subset decodes on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TemporalLayers {
    /// Temporal layer id of each frame of one period.
    pub(crate) pattern: &'static [u32],
    /// libvpx encode flags of each frame of one period.
    flags: &'static [u32],
    /// Frame-rate decimator of each layer.
    pub(crate) decimators: &'static [u32],
    /// Cumulative share of the bitrate per layer, in percent (libwebrtc's split).
    pub(crate) rate_percent: &'static [u64],
}

const L1T2: TemporalLayers = TemporalLayers {
    pattern: &[0, 1],
    flags: &[
        NO_REF_GF | NO_REF_ARF | NO_UPD_GF | NO_UPD_ARF,
        NO_REF_GF | NO_REF_ARF | NO_UPD_LAST | NO_UPD_GF | NO_UPD_ARF | NO_UPD_ENTROPY,
    ],
    decimators: &[2, 1],
    rate_percent: &[60, 100],
};
const L1T3: TemporalLayers = TemporalLayers {
    pattern: &[0, 2, 1, 2],
    flags: &[
        NO_REF_GF | NO_REF_ARF | NO_UPD_GF | NO_UPD_ARF,
        NO_REF_GF | NO_REF_ARF | NO_UPD_LAST | NO_UPD_GF | NO_UPD_ARF | NO_UPD_ENTROPY,
        NO_REF_GF | NO_REF_ARF | NO_UPD_LAST | NO_UPD_ARF | NO_UPD_ENTROPY,
        NO_REF_LAST | NO_REF_ARF | NO_UPD_LAST | NO_UPD_GF | NO_UPD_ARF | NO_UPD_ENTROPY,
    ],
    decimators: &[4, 2, 1],
    rate_percent: &[40, 60, 100],
};

/// The `L1T2`/`L1T3` layering `cfg` asks for, if any.
pub(crate) fn temporal_layers(cfg: &VideoEncoderConfig) -> Option<TemporalLayers> {
    match cfg.scalability_mode.as_deref() {
        Some("L1T2") => Some(L1T2),
        Some("L1T3") => Some(L1T3),
        _ => None,
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

/// The bitrate used when the config has none.
pub(crate) fn default_bitrate(cfg: &VideoEncoderConfig, fps: f64) -> u64 {
    // ~0.1 bit per pixel, within [100 kbit/s, 20 Mbit/s].
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

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a.max(1)
    } else {
        gcd(b, a % b)
    }
}

/// The colour space the bitstream describes for `input`: RGB input is converted with the
/// BT.709 matrix to limited range (its primaries and transfer stay); YUV input keeps its
/// samples, so its own tags apply. Unknown members are BT.709 limited range. VP9 carries only
/// the matrix and range, so its primaries and transfer are the ones a decoder reads from
/// those (`VideoColorSpace::vp9_signalled`): `decoderConfig.colorSpace` then matches what a
/// decoder without a configured colorSpace reports.
fn encoded_color_space(input: &VideoEncodeInput, family: Family) -> VideoColorSpace {
    let c = input.color_space;
    let d = VideoColorSpace::REC709;
    let rgb = input.frame.format().is_rgb();
    let cs = VideoColorSpace {
        primaries: c.primaries.or(d.primaries),
        transfer: c.transfer.or(d.transfer),
        matrix: if rgb { d.matrix } else { c.matrix.or(d.matrix) },
        full_range: if rgb {
            d.full_range
        } else {
            c.full_range.or(d.full_range)
        },
    };
    if family == Family::Vp9 {
        cs.vp9_signalled()
    } else {
        cs
    }
}

/// Sets the codec context's colour description (x264/x265 VUI, VP9 colour space and range,
/// AV1 colour config; VP8 has none). `cs` has every member set.
fn set_color(v: &mut ffmpeg::encoder::video::Video, cs: &VideoColorSpace) {
    use codec_core::{ColorMatrix as M, ColorPrimaries as P, ColorTransfer as T};
    v.set_color_primaries(match cs.primaries {
        Some(P::Bt709) | None => color::Primaries::BT709,
        Some(P::Bt470bg) => color::Primaries::BT470BG,
        Some(P::Smpte170m) => color::Primaries::SMPTE170M,
        Some(P::Bt2020) => color::Primaries::BT2020,
        Some(P::Smpte432) => color::Primaries::SMPTE432,
    });
    v.set_color_transfer_characteristic(match cs.transfer {
        Some(T::Bt709) | None => color::TransferCharacteristic::BT709,
        Some(T::Smpte170m) => color::TransferCharacteristic::SMPTE170M,
        Some(T::Linear) => color::TransferCharacteristic::Linear,
        Some(T::Iec6196621) => color::TransferCharacteristic::IEC61966_2_1,
        Some(T::Pq) => color::TransferCharacteristic::SMPTE2084,
        Some(T::Hlg) => color::TransferCharacteristic::ARIB_STD_B67,
    });
    v.set_colorspace(match cs.matrix {
        Some(M::Bt709) | None => color::Space::BT709,
        Some(M::Rgb) => color::Space::RGB,
        Some(M::Bt470bg) => color::Space::BT470BG,
        Some(M::Smpte170m) => color::Space::SMPTE170M,
        Some(M::Bt2020Ncl) => color::Space::BT2020NCL,
    });
    v.set_color_range(if cs.full_range == Some(true) {
        color::Range::JPEG
    } else {
        color::Range::MPEG
    });
}

/// Rate control shared by libvpx (VP8, VP9) and libaom (AV1), whose FFmpeg wrappers map
/// the same options: `qmin = qmax` for a constant quantizer, `minrate = maxrate = bitrate`
/// for CBR.
fn vpx_rate_control(
    v: &mut ffmpeg::encoder::video::Video,
    opts: &mut Dictionary,
    cfg: &VideoEncoderConfig,
    bitrate: Option<u64>,
    fps: f64,
    qp: u32,
    mode: BitrateMode,
) {
    let b = bitrate.unwrap_or_else(|| default_bitrate(cfg, fps));
    v.set_bit_rate(b as usize);
    match mode {
        BitrateMode::Quantizer => {
            opts.set("qmin", &qp.to_string());
            opts.set("qmax", &qp.to_string());
        }
        BitrateMode::Constant => {
            v.set_max_bit_rate(b as usize);
            opts.set("minrate", &b.to_string());
            opts.set("bufsize", &b.to_string());
        }
        BitrateMode::Variable => {}
    }
}

/// Rate control shared by libx264 and libx265, whose FFmpeg wrappers map the same options:
/// `qp` for a constant quantizer, `maxrate = bitrate` with a one-second buffer for CBR, and
/// `crf` (`default_crf`) for variable mode without a bitrate.
fn x26x_rate_control(
    v: &mut ffmpeg::encoder::video::Video,
    opts: &mut Dictionary,
    cfg: &VideoEncoderConfig,
    bitrate: Option<u64>,
    fps: f64,
    qp: u32,
    default_crf: &str,
) {
    match cfg.bitrate_mode {
        BitrateMode::Quantizer => opts.set("qp", &qp.to_string()),
        BitrateMode::Constant => {
            let b = bitrate.unwrap_or_else(|| default_bitrate(cfg, fps));
            v.set_bit_rate(b as usize);
            v.set_max_bit_rate(b as usize);
            opts.set("bufsize", &b.to_string());
        }
        BitrateMode::Variable => match bitrate {
            Some(b) => v.set_bit_rate(b as usize),
            None => opts.set("crf", default_crf),
        },
    }
}

/// `ts-parameters` for libvpx temporal layering: the layer structure and cumulative per-layer
/// bitrates (kbit/s). The per-frame flags come with each frame (`encode`).
fn vpx_temporal_layers(
    opts: &mut Dictionary,
    layers: Option<TemporalLayers>,
    cfg: &VideoEncoderConfig,
    bitrate: Option<u64>,
    fps: f64,
) {
    let Some(l) = layers else { return };
    let kbps = bitrate.unwrap_or_else(|| default_bitrate(cfg, fps)) / 1000;
    let rates: Vec<String> = l
        .rate_percent
        .iter()
        .map(|p| (kbps * p / 100).max(1).to_string())
        .collect();
    let list = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    opts.set(
        "ts-parameters",
        &format!(
            "ts_number_layers={}:ts_target_bitrate={}:ts_rate_decimator={}:ts_periodicity={}:ts_layer_id={}",
            l.decimators.len(),
            rates.join(","),
            list(l.decimators),
            l.pattern.len(),
            list(l.pattern)
        ),
    );
}

/// One open encoder of one configuration, driven by [`VideoEncoderBackend`]: FFmpeg's
/// ([`Session`]) or, for AV1 with temporal layers, libaom's (`aom_session::AomSession`).
pub(crate) trait EncoderSession: Send {
    /// Encodes one frame and emits every chunk that is ready.
    fn encode(
        &mut self,
        input: &VideoEncodeInput,
        scaler: &mut ScalerCache,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError>;
    /// Drains the encoder: emits every remaining chunk. The session is not used afterwards.
    fn drain(
        &mut self,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError>;
    /// The configuration the session was opened with.
    fn cfg(&self) -> &VideoEncoderConfig;
    /// The resolved codec.
    fn resolved(&self) -> Resolved;
    /// The quantizer in effect (quantizer mode).
    fn qp(&self) -> u32;
    /// The colour space the bitstream signals.
    fn color(&self) -> VideoColorSpace;
    /// Whether a frame was encoded already.
    fn started(&self) -> bool;
    /// Changes the constant quantizer (quantizer mode) of the open encoder in place; `false`
    /// when the encoder cannot, and must be reopened instead.
    fn set_quantizer(&mut self, _q: u32) -> Result<bool, CodecError> {
        Ok(false)
    }
}

/// Opens the session for `cfg`: libaom directly for AV1 `L1T2`/`L1T3`, FFmpeg otherwise.
fn open_session(
    cfg: &VideoEncoderConfig,
    resolved: Resolved,
    qp: Option<u32>,
    color: VideoColorSpace,
) -> Result<Box<dyn EncoderSession>, CodecError> {
    match (resolved.entry.family, temporal_layers(cfg)) {
        (Family::Av1, Some(layers)) => Ok(Box::new(AomSession::open(
            cfg, resolved, layers, qp, color,
        )?)),
        _ => Ok(Box::new(Session::open(cfg, resolved, qp, color)?)),
    }
}

impl EncoderSession for Session {
    fn encode(
        &mut self,
        input: &VideoEncodeInput,
        scaler: &mut ScalerCache,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        Session::encode(self, input, scaler, tracker, out)
    }

    fn drain(
        &mut self,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        self.send(None, tracker, out)
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
}

/// One opened FFmpeg encoder.
struct Session {
    enc: ffmpeg::encoder::video::Encoder,
    cfg: VideoEncoderConfig,
    resolved: Resolved,
    decoder_config: VideoDecoderConfig,
    /// Next frame counter used as pts (time base 1/framerate).
    next_pts: i64,
    /// pts → (timestamp, duration, temporal layer id) of frames not yet returned.
    pending: BTreeMap<i64, (i64, Option<u64>, Option<u32>)>,
    /// `L1T2`/`L1T3` layering for libvpx, if any.
    layers: Option<TemporalLayers>,
    /// `L1T2`/`L1T3` layering for x264/x265 (layer ids read from the output), if any.
    bframe_layers: Option<BFrameLayers>,
    /// Position in the layer pattern of the next frame (+1 per frame, back to 0 on a key
    /// frame).
    layer_idx: usize,
    /// Whether `encode` places the periodic key frames (libvpx), not the encoder.
    forced_keys: bool,
    /// Frames since the last key frame, with `forced_keys`.
    since_key: u64,
    /// The key frame interval in frames.
    gop: u64,
    /// The quantizer in effect (quantizer mode).
    qp: u32,
    /// The encoder's input pixel format (yuv420p, or yuv420p10le for VP9 profile 2).
    pix: Pixel,
    /// The colour space the bitstream signals (every member set).
    color: VideoColorSpace,
    /// `alpha: "keep"`: the second encoder (same codec and settings) whose input is a 4:2:0
    /// picture with the alpha plane as Y (U and V 128); its packets become `alphaSideData`.
    alpha: Option<ffmpeg::encoder::video::Encoder>,
    /// pts → alpha packet bytes not yet attached to their colour chunk.
    alpha_packets: BTreeMap<i64, Vec<u8>>,
    /// Scales the alpha plane when the visible rect differs from the configured size.
    alpha_scaler: ScalerCache,
    /// The alpha encoder's neutral chroma planes.
    alpha_grey: GreyChroma,
}

/// What [`open_encoder`] decided besides the opened encoder.
struct Opened {
    enc: ffmpeg::encoder::video::Encoder,
    layers: Option<TemporalLayers>,
    bframe_layers: Option<BFrameLayers>,
    gop: u32,
    qp: u32,
    pix: Pixel,
    display: (u32, u32),
}

/// Creates, configures and opens one FFmpeg encoder for `cfg`. `alpha_stream`: the second
/// libvpx encoder of `alpha: "keep"` (8-bit input, and no key frames of its own: every one is
/// forced by `encode`, after the colour encoder's, so that both streams key on the same frames).
fn open_encoder(
    cfg: &VideoEncoderConfig,
    resolved: Resolved,
    qp: Option<u32>,
    color: &VideoColorSpace,
    alpha_stream: bool,
) -> Result<Opened, CodecError> {
    let family = resolved.entry.family;
    let codec = codecs::has_encoder(resolved.entry.encoder)?;
    let mut v = codec::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(|e| av_error("cannot create encoder", e))?;
    let (w, h) = (cfg.width, cfg.height);
    let rate = framerate(cfg);
    let fps = f64::from(rate);
    v.set_width(w);
    v.set_height(h);
    let pix = if resolved.bit_depth == 10 && !alpha_stream {
        Pixel::YUV420P10LE
    } else {
        Pixel::YUV420P
    };
    v.set_format(pix);
    v.set_frame_rate(Some(rate));
    v.set_time_base(rate.invert());
    // x264/x265 temporal layers are non-reference B-frames (see `svc.rs`); otherwise none.
    let bframe_layers = match family {
        Family::H264 => BFrameLayers::for_mode(cfg.scalability_mode.as_deref(), NalSyntax::Avc),
        Family::H265 => BFrameLayers::for_mode(cfg.scalability_mode.as_deref(), NalSyntax::Hevc),
        Family::Vp8 | Family::Vp9 | Family::Av1 => None,
    };
    let bframes = bframe_layers.as_ref().map_or(0, BFrameLayers::bframes);
    v.set_max_b_frames(bframes as usize);
    let gop = key_interval(fps);
    let layers = temporal_layers(cfg);
    // libvpx never places a key frame itself: `encode` forces the periodic ones (and the
    // alpha encoder's). With temporal layers a key frame the encoder placed would not restart
    // the layer pattern, so it could land on an upper layer that a base-layer-only decoder
    // never sees; and VP8 in "good" mode places key frames at scene cuts.
    let forced_keys = matches!(family, Family::Vp8 | Family::Vp9);
    v.set_gop(if forced_keys { i32::MAX as u32 } else { gop });
    set_color(&mut v, color);
    let (dw, dh) = (
        cfg.display_width.unwrap_or(w),
        cfg.display_height.unwrap_or(h),
    );
    if (dw, dh) != (w, h) {
        // sample aspect ratio = (dw / dh) / (w / h)
        let (n, d) = (dw.saturating_mul(h), dh.saturating_mul(w));
        let g = gcd(n, d);
        v.set_aspect_ratio(Rational::new((n / g) as i32, (d / g) as i32));
    }
    let threads = match family {
        Family::H264 | Family::H265 => 0, // x264/x265 pick their own thread counts
        Family::Vp8 | Family::Vp9 | Family::Av1 => available_threads().min(4),
    };
    v.set_threading(codec::threading::Config {
        count: threads,
        ..Default::default()
    });

    let realtime = cfg.latency_mode == LatencyMode::Realtime;
    // contentHint "text": libvpx-vp9 and libaom have a screen-content mode (palette and
    // intra block copy tools, sharper edges). "motion", "detail" and unknown hints change
    // nothing (a hint never causes rejection).
    let text = cfg.content_hint.as_deref() == Some("text");
    let mut opts = Dictionary::new();
    let bitrate = cfg.bitrate.filter(|b| *b > 0);
    let qp = match family {
        Family::H264 | Family::H265 => qp.unwrap_or(DEFAULT_QP_H264).min(51),
        Family::Vp8 | Family::Vp9 | Family::Av1 => qp.unwrap_or(DEFAULT_Q_VP8).min(63),
    };
    match family {
        Family::H264 => {
            let avc = resolved
                .avc
                .ok_or_else(|| CodecError::encoding("missing avc parameters"))?;
            // x264 treats `profile` as a ceiling: ultrafast turns CABAC off, which turns a
            // Main/High request into Constrained Baseline. Realtime Main/High use superfast.
            let preset = match (realtime, avc.profile_idc) {
                (true, 66) => "ultrafast",
                (true, _) => "superfast",
                (false, _) => "veryfast",
            };
            opts.set("preset", preset);
            if realtime {
                opts.set("tune", "zerolatency");
            }
            opts.set("profile", avc.profile_name().unwrap_or("high"));
            opts.set("level", &avc.level_name());
            opts.set("forced-idr", "1");
            // `x264-params` is applied after the preset and tune (zerolatency's bframes=0).
            let mut params = "scenecut=0".to_string();
            if let Some(l) = &bframe_layers {
                params.push(':');
                params.push_str(&l.encoder_params());
            }
            opts.set("x264-params", &params);
            x26x_rate_control(&mut v, &mut opts, cfg, bitrate, fps, qp, DEFAULT_CRF);
            if cfg.avc_format == AvcBitstreamFormat::Avc {
                v.set_flags(codec::Flags::GLOBAL_HEADER);
            }
        }
        Family::H265 => {
            let hevc = resolved
                .hevc
                .ok_or_else(|| CodecError::encoding("missing hevc parameters"))?;
            opts.set("preset", if realtime { "ultrafast" } else { "veryfast" });
            if realtime {
                opts.set("tune", "zerolatency");
            }
            opts.set(
                "profile",
                if hevc.profile_idc == 2 {
                    "main10"
                } else {
                    "main"
                },
            );
            opts.set("forced-idr", "1");
            // No B-frames (chunks in input order) unless they make temporal layers, closed
            // GOPs (every key chunk is an IDR), key frames only on request or at the GOP
            // limit, no version SEI, no stderr output.
            let mut params = "log-level=none:info=0:scenecut=0:open-gop=0".to_string();
            match &bframe_layers {
                Some(l) => {
                    params.push(':');
                    params.push_str(&l.encoder_params());
                    if realtime {
                        // x265 needs a look-ahead longer than a B-frame run (zerolatency
                        // sets none). Measured output delay: 6 frames (L1T2), 10 (L1T3).
                        params.push_str(&format!(":rc-lookahead={}", l.bframes() + 1));
                    }
                }
                None => params.push_str(":bframes=0"),
            }
            // The codec string's level and tier (level-idc takes 10 × level). x265 refuses
            // a level with constant QP ("no bitrate guarantee"), so quantizer mode lets x265
            // pick the level from the frame size.
            if cfg.bitrate_mode != BitrateMode::Quantizer {
                params.push_str(&format!(
                    ":level-idc={}:high-tier={}",
                    hevc.level_idc / 3,
                    u8::from(hevc.high_tier)
                ));
            }
            opts.set("x265-params", &params);
            x26x_rate_control(&mut v, &mut opts, cfg, bitrate, fps, qp, DEFAULT_CRF_HEVC);
            if cfg.hevc_format == HevcBitstreamFormat::Hevc {
                v.set_flags(codec::Flags::GLOBAL_HEADER);
            }
        }
        Family::Vp8 => {
            opts.set("deadline", if realtime { "realtime" } else { "good" });
            // A negative cpu-used is a fixed speed; a positive one in realtime mode lets
            // libvpx trade speed against wall-clock time (unpredictable). -6 is WebRTC's
            // desktop VP8 setting. In "good" mode cpu-used 8 is a fixed speed, about twice as fast
            // as 4 at 720p.
            opts.set("cpu-used", if realtime { "-6" } else { "8" });
            opts.set("lag-in-frames", "0");
            opts.set("auto-alt-ref", "0");
            vpx_rate_control(&mut v, &mut opts, cfg, bitrate, fps, qp, cfg.bitrate_mode);
            vpx_temporal_layers(&mut opts, layers, cfg, bitrate, fps);
        }
        Family::Vp9 => {
            opts.set("deadline", if realtime { "realtime" } else { "good" });
            // VP9 uses |cpu-used| as a fixed speed in every mode (no wall-clock adaptation
            // as in VP8 realtime). 8 is libvpx's fastest realtime speed; in "good" mode
            // speeds above 5 behave like 5.
            opts.set("cpu-used", if realtime { "8" } else { "5" });
            opts.set("row-mt", "1");
            if text {
                opts.set("tune-content", "screen");
            }
            // No look-ahead and no alt-ref: one chunk per frame, no hidden frames
            // (superframes).
            opts.set("lag-in-frames", "0");
            opts.set("auto-alt-ref", "0");
            // libvpx's VP9 SVC rate control is built for CBR: in VBR mode with temporal
            // layers it overshot the target about fourfold (720p, 2 Mbit/s → 8 Mbit/s).
            let mode = match (layers, cfg.bitrate_mode) {
                (Some(_), BitrateMode::Variable) => BitrateMode::Constant,
                (_, m) => m,
            };
            vpx_rate_control(&mut v, &mut opts, cfg, bitrate, fps, qp, mode);
            vpx_temporal_layers(&mut opts, layers, cfg, bitrate, fps);
            if layers.is_some() {
                // Without error resilience a VP9 base-layer-only decode fails within a
                // few frames (the frame contexts still chain through upper-layer frames).
                opts.set("error-resilient", "1");
            }
        }
        Family::Av1 => {
            // Always libaom's realtime usage: in "good" usage with lag-in-frames 0, libaom
            // 3.6 turns a forced key frame into two consecutive key frames (n and n+1), which
            // breaks exact key-frame placement. Quality mode uses a slower realtime speed.
            // FFmpeg 5.1 caps cpu-used at 8.
            opts.set("usage", "realtime");
            opts.set("cpu-used", if realtime { "8" } else { "6" });
            opts.set("row-mt", "1");
            if text {
                opts.set("aom-params", "tune-content=screen");
            }
            opts.set("lag-in-frames", "0");
            // Low-overhead OBUs with the sequence header in-band on key frames: no
            // GLOBAL_HEADER flag, so FFmpeg produces no av1C extradata (WebCodecs AV1 has
            // no description).
            vpx_rate_control(&mut v, &mut opts, cfg, bitrate, fps, qp, cfg.bitrate_mode);
        }
    }
    if forced_keys {
        // libvpx turns automatic key frames (VP8 also places them at scene cuts) off when
        // kf_min_dist == kf_max_dist, which FFmpeg sets when keyint_min == gop (as libvpx's
        // own `vpx_temporal_svc_encoder.c` does).
        opts.set("keyint_min", &(i32::MAX).to_string());
    }
    let enc = v
        .open_with(opts)
        .map_err(|e| av_error("cannot open encoder", e))?;
    Ok(Opened {
        enc,
        layers,
        bframe_layers,
        gop,
        qp,
        pix,
        display: (dw, dh),
    })
}

impl Session {
    fn open(
        cfg: &VideoEncoderConfig,
        resolved: Resolved,
        qp: Option<u32>,
        color: VideoColorSpace,
    ) -> Result<Self, CodecError> {
        let family = resolved.entry.family;
        let (w, h) = (cfg.width, cfg.height);
        // With alpha, a configured bitrate is split as in Chromium: 3/4 for the colour
        // encoder, 1/4 for the alpha encoder.
        let keep = cfg.alpha == AlphaOption::Keep;
        let share = |num: u64| VideoEncoderConfig {
            bitrate: cfg.bitrate.map(|b| (b / 4 * num).max(1)),
            ..cfg.clone()
        };
        let Opened {
            enc,
            layers,
            bframe_layers,
            gop,
            qp,
            pix,
            display: (dw, dh),
        } = open_encoder(
            &if keep { share(3) } else { cfg.clone() },
            resolved,
            qp,
            &color,
            false,
        )?;
        let alpha = if keep {
            Some(open_encoder(&share(1), resolved, Some(qp), &color, true)?.enc)
        } else {
            None
        };

        let description = match family {
            Family::H264 if cfg.avc_format == AvcBitstreamFormat::Avc => {
                let extra = raw::extradata(&enc);
                Some(avc::avcc_from_annexb(&extra).ok_or_else(|| {
                    CodecError::encoding("libx264 produced no SPS/PPS for the avcC record")
                })?)
            }
            Family::H265 if cfg.hevc_format == HevcBitstreamFormat::Hevc => {
                let extra = raw::extradata(&enc);
                Some(hevc::hvcc_from_annexb(&extra).ok_or_else(|| {
                    CodecError::encoding("libx265 produced no VPS/SPS/PPS for the hvcC record")
                })?)
            }
            _ => None,
        };
        let decoder_config = VideoDecoderConfig {
            codec: cfg.codec.clone(),
            description,
            coded_width: Some(w),
            coded_height: Some(h),
            display_aspect_width: Some(dw),
            display_aspect_height: Some(dh),
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
            bframe_layers,
            layer_idx: 0,
            forced_keys: matches!(family, Family::Vp8 | Family::Vp9),
            since_key: 0,
            gop: u64::from(gop),
            qp,
            pix,
            color,
            alpha,
            alpha_packets: BTreeMap::new(),
            alpha_scaler: ScalerCache::default(),
            alpha_grey: GreyChroma::default(),
        })
    }

    /// Sends one frame (or EOF with `None`) to the colour encoder (and its alpha frame to the
    /// alpha encoder), then emits every ready chunk.
    fn send(
        &mut self,
        frame: Option<(&frame::Video, Option<&mut frame::Video>)>,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        let (frame, alpha_frame) = match frame {
            Some((f, a)) => (Some(f), a),
            None => (None, None),
        };
        let packets = send_and_receive(&mut self.enc, frame)?;
        if let Some(alpha) = self.alpha.as_mut() {
            let alpha_packets = match (frame, alpha_frame) {
                (Some(f), Some(a)) => {
                    // The colour encoder has no look-ahead, so this frame's packet is out
                    // already: its key decision is the alpha frame's.
                    let key = packets.iter().any(|p| p.pts() == f.pts() && p.is_key());
                    if key {
                        a.set_kind(picture::Type::I);
                        // A key frame refreshes every reference: no layer reference flags.
                        if let Some(id) = f.metadata().get("temporal_id") {
                            let mut meta = Dictionary::new();
                            meta.set("temporal_id", id);
                            a.set_metadata(meta);
                        }
                    }
                    send_and_receive(alpha, Some(a))?
                }
                (Some(_), None) => {
                    return Err(CodecError::encoding("alpha frame missing"));
                }
                (None, _) => send_and_receive(alpha, None)?,
            };
            for p in alpha_packets {
                if let Some(pts) = p.pts() {
                    self.alpha_packets
                        .insert(pts, p.data().unwrap_or(&[]).to_vec());
                }
            }
        }
        for p in packets {
            self.emit(&p, tracker, out);
        }
        // Alpha packets whose colour frame produced no chunk (never expected: libvpx drops no
        // frames here) are dropped with it.
        match frame.and_then(|f| f.pts()) {
            Some(pts) => self.alpha_packets.retain(|&k, _| k > pts),
            None => self.alpha_packets.clear(),
        }
        Ok(())
    }

    /// Emits one colour packet as a chunk, with its alpha packet (same pts) if any.
    fn emit(
        &mut self,
        pkt: &Packet,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) {
        let (timestamp, duration, mut temporal_layer_id) =
            match pkt.pts().and_then(|p| self.pending.remove(&p)) {
                Some(t) => t,
                // Never expected (every packet has the pts of its frame); keep order anyway.
                None => self
                    .pending
                    .pop_first()
                    .map(|(_, t)| t)
                    .unwrap_or((0, None, None)),
            };
        let bytes = pkt.data().unwrap_or(&[]);
        if let Some(l) = self.bframe_layers.as_mut() {
            temporal_layer_id = Some(l.layer_of(bytes, pkt.pts().unwrap_or(0)));
        }
        let data = if self.decoder_config.description.is_some() {
            avc::annexb_to_avc(bytes)
        } else {
            bytes.to_vec()
        };
        let alpha_side_data = pkt.pts().and_then(|p| self.alpha_packets.remove(&p));
        out(EncodedVideoOutput {
            data,
            key: pkt.is_key(),
            timestamp,
            duration,
            decoder_config: tracker.update(&self.decoder_config),
            temporal_layer_id,
            alpha_side_data,
        });
    }

    fn encode(
        &mut self,
        input: &VideoEncodeInput,
        scaler: &mut ScalerCache,
        tracker: &mut OutputConfigTracker<VideoDecoderConfig>,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        let mut f = convert::to_encoder_frame(
            &input.frame,
            input.visible,
            self.cfg.width,
            self.cfg.height,
            self.pix,
            scaler,
        )?;
        let mut alpha_frame = match self.alpha {
            Some(_) => Some(convert::to_alpha_frame(
                &input.frame,
                input.visible,
                self.cfg.width,
                self.cfg.height,
                &mut self.alpha_scaler,
                &mut self.alpha_grey,
            )?),
            None => None,
        };
        let pts = self.next_pts;
        self.next_pts += 1;
        f.set_pts(Some(pts));
        let mut key = input.key_frame;
        if self.forced_keys {
            // libvpx places no key frame itself: the first and the periodic one are ours.
            key |= pts == 0 || self.since_key >= self.gop;
            if key {
                self.since_key = 0;
            }
            self.since_key += 1;
        }
        let mut layer = None;
        if let Some(l) = self.layers {
            // A key frame restarts the pattern.
            if key {
                self.layer_idx = 0;
            }
            let id = l.pattern[self.layer_idx];
            let mut meta = Dictionary::new();
            meta.set("temporal_id", &id.to_string());
            if !key {
                // A key frame refreshes every reference and the entropy context anyway.
                meta.set("vp8-flags", &l.flags[self.layer_idx].to_string());
            }
            f.set_metadata(meta);
            layer = Some(id);
            self.layer_idx = (self.layer_idx + 1) % l.pattern.len();
        }
        f.set_kind(if key {
            picture::Type::I
        } else {
            picture::Type::None
        });
        if let Some(a) = alpha_frame.as_mut() {
            // Same pts and the same layer id and reference flags as the colour frame; the key
            // decision follows the colour encoder's (see `send`).
            a.set_pts(Some(pts));
            a.set_metadata(f.metadata().to_owned());
            a.set_kind(picture::Type::None);
        }
        self.pending
            .insert(pts, (input.timestamp, input.duration, layer));
        self.send(Some((&f, alpha_frame.as_mut())), tracker, out)
    }
}

/// Sends one frame (or EOF with `None`) to `enc` and returns every packet it has ready.
fn send_and_receive(
    enc: &mut ffmpeg::encoder::video::Encoder,
    frame: Option<&frame::Video>,
) -> Result<Vec<Packet>, CodecError> {
    let mut packets = Vec::new();
    loop {
        let r = match frame {
            Some(f) => enc.send_frame(f),
            None => enc.send_eof(),
        };
        match r {
            Ok(()) => break,
            Err(e) if is_eagain(&e) => {
                // The encoder is full: take its packets, then resend the same frame.
                if receive_packets(enc, &mut packets)? == 0 {
                    return Err(av_error("encoder refuses input and has no output", e));
                }
            }
            Err(ffmpeg::Error::Eof) if frame.is_none() => break,
            Err(e) => return Err(av_error("encoding failed", e)),
        }
    }
    receive_packets(enc, &mut packets)?;
    Ok(packets)
}

/// Appends every packet `enc` has ready to `packets`; returns how many.
fn receive_packets(
    enc: &mut ffmpeg::encoder::video::Encoder,
    packets: &mut Vec<Packet>,
) -> Result<usize, CodecError> {
    let mut n = 0;
    loop {
        let mut pkt = Packet::empty();
        match enc.receive_packet(&mut pkt) {
            Ok(()) => {}
            Err(e) if is_eagain(&e) => return Ok(n),
            Err(ffmpeg::Error::Eof) => return Ok(n),
            Err(e) => return Err(av_error("encoding failed", e)),
        }
        n += 1;
        packets.push(pkt);
    }
}

/// The video encoder backend run by a `CodecWorker`.
#[derive(Default)]
pub struct VideoEncoderBackend {
    session: Option<Box<dyn EncoderSession>>,
    tracker: OutputConfigTracker<VideoDecoderConfig>,
    scaler: ScalerCache,
}

impl VideoEncoderBackend {
    /// Drains the open session (if any) through `out` and closes it.
    fn finish(
        &mut self,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<Option<Box<dyn EncoderSession>>, CodecError> {
        match self.session.take() {
            Some(mut s) => {
                s.drain(&mut self.tracker, out)?;
                Ok(Some(s))
            }
            None => Ok(None),
        }
    }

    fn process_inner(
        &mut self,
        input: VideoEncodeInput,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        let Some(s) = self.session.as_mut() else {
            return Err(CodecError::invalid_state("encoder is not configured"));
        };
        if s.cfg().bitrate_mode == BitrateMode::Quantizer {
            // Neither libvpx nor FFmpeg's libx264 wrapper can change the constant quantizer of
            // an open encoder (x264_encoder_reconfig ignores rc.i_qp_constant), so a new
            // quantizer reopens the encoder: free before the first frame, a key frame later.
            // The libaom session changes it in place (no key frame).
            let max = match s.resolved().entry.family {
                Family::H264 | Family::H265 => 51,
                Family::Vp8 | Family::Vp9 | Family::Av1 => 63,
            };
            if let Some(q) = input.quantizer.map(|q| q.min(max)) {
                if q != s.qp() && !s.set_quantizer(q)? {
                    let old = self.finish(out)?;
                    if let Some(old) = old {
                        self.session = Some(open_session(
                            old.cfg(),
                            old.resolved(),
                            Some(q),
                            old.color(),
                        )?);
                    }
                }
            }
        }
        let Some(s) = self.session.as_mut() else {
            return Err(CodecError::invalid_state("encoder is not configured"));
        };
        // The first frame of a session decides the signalled colour space: reopening before
        // any frame is free. Later changes are not signalled (the bitstream keeps the first).
        let cs = encoded_color_space(&input, s.resolved().entry.family);
        if !s.started() && cs != s.color() {
            *s = open_session(s.cfg(), s.resolved(), Some(s.qp()), cs)?;
        }
        s.encode(&input, &mut self.scaler, &mut self.tracker, out)
    }
}

impl Backend for VideoEncoderBackend {
    type Config = VideoEncoderConfig;
    type Input = VideoEncodeInput;
    type Output = EncodedVideoOutput;

    fn configure(
        &mut self,
        config: VideoEncoderConfig,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        crate::init();
        // Pending chunks of the previous configuration come first.
        let drained = self.finish(out);
        self.tracker.clear();
        drained?;
        let resolved = check(&config)?;
        self.session = Some(open_session(
            &config,
            resolved,
            None,
            VideoColorSpace::REC709,
        )?);
        Ok(())
    }

    fn process(
        &mut self,
        input: VideoEncodeInput,
        cancel: &Cancel,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        if cancel.is_stale() {
            return Ok(());
        }
        let r = self.process_inner(input, out);
        if r.is_err() {
            self.session = None;
        }
        r
    }

    fn flush(
        &mut self,
        cancel: &Cancel,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        if cancel.is_stale() {
            return Ok(());
        }
        // x264 and libvpx cannot leave the draining state: drain, then reopen the same config.
        match self.finish(out)? {
            Some(old) => {
                self.session = Some(open_session(
                    old.cfg(),
                    old.resolved(),
                    Some(old.qp()),
                    old.color(),
                )?);
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn reset(&mut self) {
        self.session = None;
        self.tracker.clear();
    }
}
