//! Rate control: VP8, VP9, AV1, H.264 and HEVC hit the configured bitrate within ±10% over 120
//! frames of moving, detailed content, in both latency modes and both bitrate modes; the
//! decoded stream is a faithful picture of the input (PSNR floor).
#![allow(clippy::unwrap_used)]

mod common;

use codec_core::{BitrateMode, FrameBuffer, LatencyMode, VideoEncoderConfig, VideoPixelFormat};
use common::*;

const RW: u32 = 640;
const RH: u32 = 360;
const FRAMES: u32 = 120;
const FPS: f64 = 30.0;

/// A detailed moving picture (camera-like, not noise): smooth waves drifting across the
/// frame, a fine pseudo-random texture panning diagonally (new detail enters every frame), a
/// bright bar sweeping across, and light per-frame grain.
fn textured(t: u32) -> FrameBuffer {
    let hash = |x: u32, y: u32| -> u32 {
        let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
        h ^= h >> 15;
        h = h.wrapping_mul(0x2C1B_3C6D);
        h ^ (h >> 12)
    };
    let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::I420, RW, RH).unwrap();
    for p in 0..3 {
        let (w, h) = if p == 0 { (RW, RH) } else { (RW / 2, RH / 2) };
        let s = if p == 0 { 1 } else { 2 };
        let (d, stride) = f.plane_mut(p);
        for r in 0..h {
            for c in 0..w {
                let (x, y) = (f64::from(c * s), f64::from(r * s));
                let tf = f64::from(t);
                let wave = 40.0 * ((x + 2.0 * tf) / 37.0).sin() * ((y - tf) / 23.0).cos()
                    + 25.0 * ((x + y + 4.0 * tf) / 61.0).sin();
                // Texture cells of 2×2 luma pixels, panning 3 px right and 1 down a frame.
                let (tx, ty) = ((c * s + 3 * t) / 2, (r * s + t) / 2);
                let tex = (hash(tx, ty.wrapping_add(p as u32 * 7919)) % 25) as f64 - 12.0;
                let grain = (hash(c ^ (t << 16), r.wrapping_add(t * 131)) % 5) as f64 - 2.0;
                let bar = (c * s + 5 * t) % RW < 40;
                let base = if p == 0 { 128.0 } else { 128.0 + 0.3 * wave };
                let v = if bar && p == 0 {
                    235.0
                } else {
                    base + wave + tex + grain
                };
                d[r as usize * stride + c as usize] = v.clamp(16.0, 240.0) as u8;
            }
        }
    }
    f
}

/// The [`FRAMES`] input frames, made once for every test of this file.
fn source() -> &'static [FrameBuffer] {
    static SOURCE: std::sync::OnceLock<Vec<FrameBuffer>> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| (0..FRAMES).map(textured).collect())
}

/// kbit/s of `chunks` over [`FRAMES`] frames at [`FPS`].
fn kbps(chunks: &[codec_ffmpeg::EncodedVideoOutput]) -> f64 {
    let bytes: usize = chunks.iter().map(|c| c.data.len()).sum();
    bytes as f64 * 8.0 / (f64::from(FRAMES) / FPS) / 1000.0
}

/// Encodes [`FRAMES`] frames with `cfg`; returns the bitrate (kbit/s) and the mean Y PSNR of
/// the decoded stream.
fn run(cfg: &VideoEncoderConfig) -> (f64, f64) {
    let src = source();
    let frames = inputs(FRAMES, |i| src[i as usize].clone(), |_| false);
    let chunks = encode_all(cfg.clone(), frames);
    assert_eq!(
        chunks.len(),
        FRAMES as usize,
        "{}: one chunk per frame",
        cfg.codec
    );
    let frames = decode_all(first_config(&chunks), &chunks);
    assert_eq!(frames.len(), FRAMES as usize);
    let psnr = frames
        .iter()
        .zip(src)
        .map(|(d, s)| psnr_y(&d.frame, s))
        .sum::<f64>()
        / f64::from(FRAMES);
    (kbps(&chunks), psnr)
}

fn config(
    codec: &str,
    latency_mode: LatencyMode,
    bitrate_mode: BitrateMode,
    bps: u64,
) -> VideoEncoderConfig {
    VideoEncoderConfig {
        codec: codec.into(),
        width: RW,
        height: RH,
        bitrate: Some(bps),
        framerate: Some(FPS),
        latency_mode,
        bitrate_mode,
        ..Default::default()
    }
}

/// Every combination of `codecs` × latency mode × bitrate mode is within ±10% of `bps`.
fn assert_on_target(codecs: &[&str], bps: u64) {
    let mut failures = Vec::new();
    for codec in codecs {
        for latency in [LatencyMode::Quality, LatencyMode::Realtime] {
            for mode in [BitrateMode::Variable, BitrateMode::Constant] {
                let (got, psnr) = run(&config(codec, latency, mode, bps));
                let target = bps as f64 / 1000.0;
                let off = got / target - 1.0;
                eprintln!("{codec} {latency:?} {mode:?}: {got:.0} kbit/s (target {target:.0}, {:+.1}%), PSNR {psnr:.2} dB", off * 100.0);
                if off.abs() > 0.10 {
                    failures.push(format!(
                        "{codec} {latency:?} {mode:?}: {got:.0} vs {target:.0} kbit/s"
                    ));
                }
                assert!(
                    psnr > 24.0,
                    "{codec} {latency:?} {mode:?}: PSNR {psnr:.2} dB"
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "off target by more than 10%: {failures:?}"
    );
}

#[test]
fn vp8_hits_its_bitrate() {
    assert_on_target(&["vp8"], 1_000_000);
}

#[test]
fn vp9_hits_its_bitrate() {
    assert_on_target(&["vp09.00.21.08"], 1_000_000);
}

#[test]
fn av1_hits_its_bitrate() {
    assert_on_target(&["av01.0.04M.08"], 1_000_000);
}

#[test]
fn h264_hits_its_bitrate() {
    assert_on_target(&["avc1.64001e"], 1_000_000);
}

#[test]
fn hevc_hits_its_bitrate() {
    assert_on_target(&["hvc1.1.6.L90.B0"], 1_000_000);
}
