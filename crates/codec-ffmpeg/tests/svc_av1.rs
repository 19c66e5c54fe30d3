//! AV1 temporal layers (libaom directly): OBU temporal ids, 10 bits, bitrate, flush, per-frame
//! quantizer, reset, odd sizes, key-frame cadence.
#![allow(clippy::unwrap_used)]

mod common;

use codec_core::{BitrateMode, FrameBuffer, LatencyMode, VideoEncoderConfig, VideoPixelFormat};
use codec_ffmpeg::{video_encoder_support, VideoEncoderBackend};
use common::*;
use control_queue::{Backend, Cancel};

/// Reads `leb128()` at `d[*i..]`.
fn leb128(d: &[u8], i: &mut usize) -> u64 {
    let mut v = 0u64;
    for k in 0..8 {
        let b = d[*i];
        *i += 1;
        v |= u64::from(b & 0x7f) << (7 * k);
        if b & 0x80 == 0 {
            break;
        }
    }
    v
}

/// `(obu_type, temporal_id)` of every OBU of a low-overhead AV1 chunk (`None` without an
/// extension header).
fn av1_obus(d: &[u8]) -> Vec<(u8, Option<u8>)> {
    let mut obus = Vec::new();
    let mut i = 0;
    while i < d.len() {
        let h = d[i];
        i += 1;
        let (ty, ext, has_size) = ((h >> 3) & 0xf, h & 4 != 0, h & 2 != 0);
        let tid = if ext {
            let e = d[i];
            i += 1;
            Some(e >> 5)
        } else {
            None
        };
        assert!(has_size, "low-overhead OBUs have sizes");
        let size = leb128(d, &mut i) as usize;
        i += size;
        obus.push((ty, tid));
    }
    assert_eq!(i, d.len(), "OBUs fill the chunk exactly");
    obus
}

/// libaom writes OBU extension headers in SVC mode: every frame OBU's `temporal_id` equals
/// the chunk's `temporalLayerId` (libaom leaves the extension out for temporal id 0).
#[test]
fn av1_obu_temporal_id_is_the_chunk_layer() {
    for (mode, top) in [("L1T2", 1), ("L1T3", 2)] {
        let cfg = VideoEncoderConfig {
            scalability_mode: Some(mode.into()),
            ..enc_config("av01.0.04M.08")
        };
        let chunks = encode_all(cfg, pattern_inputs(12, |i| i == 5));
        assert_eq!(chunks.len(), 12);
        let mut seen = 0;
        for c in &chunks {
            let layer = c.temporal_layer_id.unwrap();
            seen = seen.max(layer);
            let frame_obus: Vec<_> = av1_obus(&c.data)
                .into_iter()
                .filter(|(ty, _)| matches!(ty, 3 | 4 | 6))
                .collect();
            assert!(!frame_obus.is_empty(), "{mode}: chunk has a frame");
            for (ty, tid) in frame_obus {
                // Without an extension header temporal_id is 0 (AV1 6.2.3); libaom omits it
                // when both ids are 0, so upper layers must have one.
                assert!(
                    layer == 0 || tid.is_some(),
                    "{mode}: extension on layer {layer}"
                );
                assert_eq!(
                    tid.unwrap_or(0),
                    layer as u8,
                    "{mode}: OBU type {ty} at {}",
                    c.timestamp
                );
            }
        }
        assert_eq!(seen, top, "{mode}: every layer is used");
    }
}

/// 10-bit AV1 Main (only the libaom path encodes it): I420P10 input, I420P10 output, and
/// every layer subset still decodes.
#[test]
fn av1_10bit_temporal_layers() {
    let cfg = VideoEncoderConfig {
        scalability_mode: Some("L1T3".into()),
        ..enc_config("av01.0.04M.10")
    };
    video_encoder_support(&cfg).unwrap();
    let originals: Vec<_> = (0..8).map(|t| i420_pattern(W, H, t)).collect();
    let chunks = encode_all(
        cfg,
        originals
            .iter()
            .enumerate()
            .map(|(i, f)| input(to_10bit(f), i as u32, false))
            .collect(),
    );
    let ids: Vec<u32> = chunks
        .iter()
        .map(|c| c.temporal_layer_id.unwrap())
        .collect();
    assert_eq!(ids, [0, 2, 1, 2, 0, 2, 1, 2]);
    let dc = first_config(&chunks);
    for top in 0..=2 {
        let subset: Vec<_> = chunks
            .iter()
            .filter(|c| c.temporal_layer_id.unwrap() <= top)
            .cloned()
            .collect();
        let frames = decode_all(dc.clone(), &subset);
        assert_eq!(frames.len(), subset.len(), "layers ≤ {top}");
        for f in &frames {
            assert_eq!(f.frame.format(), VideoPixelFormat::I420P10);
            let i = (f.timestamp / FRAME_US) as usize;
            let p = psnr_y(&originals[i], &to_8bit(&f.frame));
            assert!(p > 30.0, "10-bit layers ≤ {top} frame {i}: {p:.2} dB");
        }
    }
}

/// A busy I420 frame (deterministic noise over the moving pattern), hard enough that the
/// rate controller must work for its target.
fn noisy_pattern(w: u32, h: u32, t: u32) -> FrameBuffer {
    let mut f = i420_pattern(w, h, t);
    let mut x = 0x9e37_79b9u32.wrapping_mul(t + 1);
    let (y, stride) = f.plane_mut(0);
    for r in 0..h as usize {
        for c in 0..w as usize {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let v = &mut y[r * stride + c];
            *v = v.wrapping_add((x % 48) as u8).min(235);
        }
    }
    f
}

/// The libaom layered encoder holds its bitrate target in constant and variable mode, like
/// the FFmpeg AV1 path does without layers.
#[test]
fn av1_temporal_layers_honour_the_bitrate() {
    let n = 90;
    for mode in [BitrateMode::Constant, BitrateMode::Variable] {
        for svc in [None, Some("L1T2"), Some("L1T3")] {
            let cfg = VideoEncoderConfig {
                bitrate: Some(400_000),
                bitrate_mode: mode,
                scalability_mode: svc.map(Into::into),
                latency_mode: LatencyMode::Realtime,
                ..enc_config("av01.0.04M.08")
            };
            let chunks = encode_all(cfg, inputs(n, |i| noisy_pattern(W, H, i), |_| false));
            assert_eq!(chunks.len(), n as usize);
            // The first second is left out: the key frame and the buffer fill dominate it.
            let bits: usize = chunks[30..].iter().map(|c| c.data.len() * 8).sum();
            let kbps = bits as f64 / ((n - 30) as f64 / 30.0) / 1000.0;
            println!("AV1 {mode:?} {svc:?}: {kbps:.0} kbit/s for 400");
            assert!(
                (200.0..=600.0).contains(&kbps),
                "AV1 {mode:?} {svc:?}: {kbps:.0} kbit/s for a 400 kbit/s target"
            );
        }
    }
}

/// Flush, per-frame quantizer changes and reset in the middle of a layered AV1 stream: a flush
/// restarts with a key chunk on layer 0 and a new pattern; a quantizer change applies in
/// place (libaom reconfigured, no key frame, the pattern goes on).
#[test]
fn av1_temporal_layers_flush_quantizer_and_reset() {
    let cfg = VideoEncoderConfig {
        scalability_mode: Some("L1T2".into()),
        bitrate_mode: BitrateMode::Quantizer,
        bitrate: None,
        ..enc_config("av01.0.04M.08")
    };
    let mut enc = VideoEncoderBackend::default();
    let cancel = Cancel::never();
    let mut chunks = Vec::new();
    enc.configure(cfg.clone(), &mut |c| chunks.push(c)).unwrap();
    for i in 0..15u32 {
        if i == 5 {
            enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
            assert_eq!(chunks.len(), 5, "flush drains everything");
        }
        let mut inp = input(i420_pattern(W, H, i), i, false);
        inp.quantizer = Some(if i < 10 { 10 } else { 55 });
        enc.process(inp, &cancel, &mut |c| chunks.push(c)).unwrap();
    }
    enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
    assert_eq!(chunks.len(), 15);
    let ids: Vec<u32> = chunks
        .iter()
        .map(|c| c.temporal_layer_id.unwrap())
        .collect();
    assert_eq!(ids, [0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    let keys: Vec<usize> = (0..15).filter(|&i| chunks[i].key).collect();
    assert_eq!(keys, [0, 5]);
    // Layer-0 inter chunks before and after the change.
    let (a, b) = (chunks[9].data.len(), chunks[11].data.len());
    println!("AV1 L1T2 inter chunk at q 10: {a} bytes, at q 55: {b} bytes");
    assert!(a > 2 * b, "q 10 chunk {a} bytes vs q 55 {b} bytes");
    let frames = decode_all(first_config(&chunks), &chunks);
    assert_eq!(frames.len(), 15);
    for f in &frames {
        let i = (f.timestamp / FRAME_US) as u32;
        assert!(psnr_y(&i420_pattern(W, H, i), &f.frame) > 28.0, "frame {i}");
    }
    // Reset mid-stream drops the session (libaom context destroyed); a new configure works.
    for i in 0..3u32 {
        enc.process(input(i420_pattern(W, H, i), i, false), &cancel, &mut |_| {})
            .unwrap();
    }
    enc.reset();
    let mut after = Vec::new();
    enc.configure(cfg, &mut |c| after.push(c)).unwrap();
    for i in 0..3u32 {
        enc.process(input(i420_pattern(W, H, i), i, false), &cancel, &mut |c| {
            after.push(c)
        })
        .unwrap();
    }
    enc.flush(&cancel, &mut |c| after.push(c)).unwrap();
    assert_eq!(after.len(), 3);
    assert!(after[0].key && after[0].decoder_config.is_some());
}

/// An odd size and converted input (RGBA) on the libaom layered path; I420 input of another
/// size is scaled.
#[test]
fn av1_temporal_layers_odd_size_and_converted_input() {
    let (w, h) = (161, 121);
    let cfg = VideoEncoderConfig {
        scalability_mode: Some("L1T2".into()),
        ..enc_config_sized("av01.0.04M.08", w, h)
    };
    let mut frames_in = inputs(4, |i| rgba_pattern(w, h, i), |_| false);
    frames_in.push(input(i420_pattern(W, H, 4), 4, false));
    let chunks = encode_all(cfg, frames_in);
    let frames = decode_n(&chunks, 5, (w, h));
    for f in &frames[..4] {
        let i = (f.timestamp / FRAME_US) as u32;
        let p = psnr_y(&rgba_to_y709(&rgba_pattern(w, h, i)), &f.frame);
        assert!(p > 25.0, "frame {i}: {p:.2} dB");
    }
}

/// Key frames on the libaom layered path: exactly the requested ones, and the periodic one
/// (every 300 frames at 30 fps) is forced by us on layer 0, restarting the pattern.
#[test]
fn av1_temporal_layers_key_frame_cadence_and_interval() {
    cadence(VideoEncoderConfig {
        scalability_mode: Some("L1T3".into()),
        ..enc_config("av01.0.04M.08")
    });
    let (w, h) = (64, 64);
    let cfg = VideoEncoderConfig {
        scalability_mode: Some("L1T3".into()),
        latency_mode: LatencyMode::Realtime,
        ..enc_config_sized("av01.0.04M.08", w, h)
    };
    let n = 306;
    let chunks = encode_all(cfg, inputs(n, |i| i420_pattern(w, h, i), |_| false));
    assert_eq!(chunks.len(), n as usize);
    let keys: Vec<usize> = (0..n as usize).filter(|&i| chunks[i].key).collect();
    assert_eq!(keys, [0, 300]);
    let ids: Vec<u32> = chunks
        .iter()
        .map(|c| c.temporal_layer_id.unwrap())
        .collect();
    assert_eq!(ids, expected_layers(&[0, 2, 1, 2], n as usize, &keys));
}
