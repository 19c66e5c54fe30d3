//! `scalabilityMode` `L1T2`/`L1T3`: layer ids, key frames restarting the pattern, layer subsets
//! decoding on their own, x264/x265 B-frame layers, support and realtime delay.
#![allow(clippy::unwrap_used)]

mod common;

use codec_core::{AvcBitstreamFormat, ErrorName, LatencyMode, VideoEncoderConfig};
use codec_ffmpeg::{video_encoder_support, EncodedVideoOutput, VideoEncoderBackend};
use common::*;
use control_queue::{Backend, Cancel};

fn temporal_layers(codec: &str, mode: &str, latency: LatencyMode) {
    temporal_layers_of(VideoEncoderConfig {
        scalability_mode: Some(mode.into()),
        latency_mode: latency,
        ..enc_config(codec)
    });
}

/// The layer pattern (libvpx: `0 1`, `0 2 1 2`; x264/x265: the same from non-reference
/// B-frame runs) restarts at a requested key frame, and every layer subset decodes.
fn temporal_layers_of(cfg: VideoEncoderConfig) {
    let (codec, mode, latency) = (
        cfg.codec.clone(),
        cfg.scalability_mode.clone().unwrap(),
        cfg.latency_mode,
    );
    let pattern: &[u32] = match mode.as_str() {
        "L1T2" => &[0, 1],
        _ => &[0, 2, 1, 2],
    };
    // 30 frames with a key frame at 13: every B-frame run of x264/x265 is complete (13 and
    // 29 are anchors for both modes), so their pattern is exactly the libvpx one.
    let n = 30;
    let keys = [0, 13];
    let ids = layered_round_trip(cfg, n, &keys);
    assert_eq!(
        ids,
        expected_layers(pattern, n, &keys),
        "{codec} {mode} {latency:?}"
    );
}

/// Encodes `n` frames with key frames requested at `keys`, checks that every chunk has a
/// layer id, that key chunks are exactly the requested ones and on layer 0, and that every
/// layer subset (in decode order) decodes with a fresh decoder to exactly its frames with a
/// Y PSNR above 30 dB. Returns the layer ids in presentation order (chunks come in decode
/// order, which differs with x264/x265 B-frames).
fn layered_round_trip(cfg: VideoEncoderConfig, n: usize, keys: &[usize]) -> Vec<u32> {
    let what = format!(
        "{} {} {:?} {:?}/{:?}",
        cfg.codec,
        cfg.scalability_mode.as_deref().unwrap_or(""),
        cfg.latency_mode,
        cfg.avc_format,
        cfg.hevc_format
    );
    let originals: Vec<_> = (0..n as u32).map(|t| i420_pattern(W, H, t)).collect();
    let chunks = encode_all(
        cfg.clone(),
        originals
            .iter()
            .enumerate()
            .map(|(i, f)| input(f.clone(), i as u32, keys.contains(&i)))
            .collect(),
    );
    assert_eq!(chunks.len(), n, "{what}");
    let mut by_pts: Vec<&EncodedVideoOutput> = chunks.iter().collect();
    by_pts.sort_by_key(|c| c.timestamp);
    let pts: Vec<i64> = by_pts.iter().map(|c| c.timestamp).collect();
    assert_eq!(
        pts,
        (0..n as i64).map(|i| i * FRAME_US).collect::<Vec<_>>(),
        "{what}: one chunk per frame"
    );
    let ids: Vec<u32> = by_pts
        .iter()
        .map(|c| {
            c.temporal_layer_id
                .expect("every chunk has a temporal layer id")
        })
        .collect();
    let key_at: Vec<usize> = (0..n).filter(|i| by_pts[*i].key).collect();
    assert_eq!(key_at, keys, "{what}: key chunks exactly where requested");
    assert!(
        keys.iter().all(|&k| ids[k] == 0),
        "{what}: key chunks on layer 0"
    );
    // Rate control still holds the target (1 Mbit/s) with layers; the first key frame is
    // left out (a one-second clip is dominated by it).
    let bits: usize = by_pts[1..].iter().map(|c| c.data.len() * 8).sum();
    let kbps = bits as f64 / ((n - 1) as f64 / 30.0) / 1000.0;
    println!("{what}: {kbps:.0} kbit/s, layers {ids:?}");
    assert!(
        kbps < 2000.0,
        "{what}: {kbps:.0} kbit/s for a 1 Mbit/s target"
    );
    // Every layer subset decodes on its own and matches the source.
    let max_layer = *ids.iter().max().unwrap();
    for top in 0..=max_layer {
        let frames = decode_layers(&what, &chunks, top);
        let mut worst = f64::MAX;
        for f in &frames {
            let i = (f.timestamp / FRAME_US) as usize;
            worst = worst.min(psnr_y(&originals[i], &f.frame));
        }
        println!(
            "{what}: layers ≤ {top}: {} frames, min Y PSNR {worst:.2} dB",
            frames.len()
        );
        assert!(worst > 30.0, "{what}: layers ≤ {top}: PSNR {worst}");
    }
    ids
}

#[test]
fn vp8_temporal_layers() {
    for latency in [LatencyMode::Quality, LatencyMode::Realtime] {
        temporal_layers("vp8", "L1T2", latency);
        temporal_layers("vp8", "L1T3", latency);
    }
}

#[test]
fn vp9_temporal_layers() {
    for latency in [LatencyMode::Quality, LatencyMode::Realtime] {
        temporal_layers("vp09.00.10.08", "L1T2", latency);
        temporal_layers("vp09.00.10.08", "L1T3", latency);
    }
}

/// AV1 through libaom directly (FFmpeg's wrapper cannot set libaom's SVC controls).
#[test]
fn av1_temporal_layers() {
    for latency in [LatencyMode::Quality, LatencyMode::Realtime] {
        temporal_layers("av01.0.04M.08", "L1T2", latency);
        temporal_layers("av01.0.04M.08", "L1T3", latency);
    }
}

/// x264/x265: both bitstream formats, both latency modes (realtime keeps no look-ahead; the
/// B-frames alone delay output by 1 or 3 frames).
fn x26x_temporal_layers(codec: &str) {
    for (latency, annexb) in [(LatencyMode::Quality, false), (LatencyMode::Realtime, true)] {
        for mode in ["L1T2", "L1T3"] {
            let mut cfg = VideoEncoderConfig {
                scalability_mode: Some(mode.into()),
                latency_mode: latency,
                ..enc_config(codec)
            };
            if annexb {
                cfg.avc_format = AvcBitstreamFormat::Annexb;
                cfg.hevc_format = codec_core::HevcBitstreamFormat::Annexb;
            }
            temporal_layers_of(cfg);
        }
    }
}

#[test]
fn h264_temporal_layers() {
    x26x_temporal_layers("avc1.4d001f");
}

#[test]
fn hevc_temporal_layers() {
    x26x_temporal_layers("hvc1.1.6.L93.B0");
}

/// `nuh_temporal_id` of every coded slice NAL unit (type < 32) of an HEVC chunk, in either
/// framing (4-byte lengths or Annex B start codes).
fn hevc_slice_temporal_ids(data: &[u8], annexb: bool) -> Vec<u8> {
    let mut nals: Vec<&[u8]> = Vec::new();
    if annexb {
        let mut starts = Vec::new();
        for i in 0..data.len().saturating_sub(2) {
            if data[i..i + 3] == [0, 0, 1] {
                starts.push(i + 3);
            }
        }
        for (k, &s) in starts.iter().enumerate() {
            let end = starts.get(k + 1).map_or(data.len(), |&n| n - 3);
            nals.push(&data[s..end]);
        }
    } else {
        let mut o = 0;
        while o + 4 <= data.len() {
            let len = u32::from_be_bytes(data[o..o + 4].try_into().unwrap()) as usize;
            nals.push(&data[o + 4..o + 4 + len]);
            o += 4 + len;
        }
    }
    nals.iter()
        .filter(|n| n.len() >= 2 && (n[0] >> 1) & 0x3f < 32)
        .map(|n| (n[1] & 7) - 1)
        .collect()
}

/// HEVC signals the layering in the bitstream too: the non-reference B-frames are in
/// temporal sub-layer 1, so for L1T2 every slice's `nuh_temporal_id` is the chunk's
/// `temporalLayerId`, and for L1T3 it is 1 for both upper layers.
#[test]
fn hevc_temporal_layers_are_sub_layers() {
    for (mode, annexb) in [("L1T2", false), ("L1T3", true)] {
        let mut cfg = VideoEncoderConfig {
            scalability_mode: Some(mode.into()),
            ..enc_config("hvc1.1.6.L93.B0")
        };
        if annexb {
            cfg.hevc_format = codec_core::HevcBitstreamFormat::Annexb;
        }
        let chunks = encode_all(cfg, pattern_inputs(17u32, |i| i == 6));
        assert_eq!(chunks.len(), 17);
        for c in &chunks {
            let id = c.temporal_layer_id.unwrap();
            let tids = hevc_slice_temporal_ids(&c.data, annexb);
            assert!(!tids.is_empty(), "{mode}: chunk without slices");
            assert!(
                tids.iter().all(|&t| u32::from(t) == id.min(1)),
                "{mode}: layer {id}, nuh_temporal_id {tids:?}"
            );
        }
        assert!(chunks.iter().any(|c| c.temporal_layer_id == Some(1)));
    }
}

/// Key frames requested in the middle of a B-frame run (and a final run cut short by the
/// flush) shorten the run: the layering follows the coded stream, every subset still decodes
/// to exactly its frames, and the base layer never gets sparser than one frame in
/// `bframes + 1`.
#[test]
fn x26x_temporal_layers_with_mid_run_key_frames() {
    for codec in ["avc1.640028", "hvc1.1.6.L93.B0"] {
        for (mode, run) in [("L1T2", 2), ("L1T3", 4)] {
            let cfg = VideoEncoderConfig {
                scalability_mode: Some(mode.into()),
                ..enc_config(codec)
            };
            let n = 27;
            let ids = layered_round_trip(cfg, n, &[0, 6, 11, 14]);
            let base: Vec<usize> = (0..n).filter(|&i| ids[i] == 0).collect();
            assert_eq!(
                base.last(),
                Some(&(n - 1)),
                "{codec} {mode}: the last frame is an anchor"
            );
            assert!(
                base.windows(2).all(|w| w[1] - w[0] <= run),
                "{codec} {mode}: base layer {base:?}"
            );
            // Frames just before a mid-run key frame became anchors.
            assert_eq!(
                (ids[5], ids[10], ids[13]),
                (0, 0, 0),
                "{codec} {mode}: {ids:?}"
            );
            assert!(
                ids.iter().filter(|&&l| l > 0).count() >= n / 3,
                "{codec} {mode}: {ids:?}"
            );
        }
    }
}

#[test]
fn temporal_layers_support() {
    for codec in [
        "vp8",
        "vp09.00.10.08",
        "avc1.4d001f",
        "avc1.640028",
        "hvc1.1.6.L93.B0",
        "av01.0.04M.08",
    ] {
        for mode in ["L1T1", "L1T2", "L1T3"] {
            let cfg = VideoEncoderConfig {
                scalability_mode: Some(mode.into()),
                ..enc_config(codec)
            };
            video_encoder_support(&cfg).unwrap();
        }
    }
    for (codec, mode) in [
        // Constrained Baseline has no B-frames, which x264's layers are made of.
        ("avc1.42001f", "L1T2"),
        ("avc1.42e01f", "L1T3"),
        ("hvc1.1.6.L93.B0", "L1T4"),
        ("avc1.640028", "L2T2"),
        ("av01.0.04M.08", "L2T1"),
        ("av01.0.04M.08", "L1T4"),
        ("vp8", "L1T4"),
        ("vp8", "L2T2"),
        ("vp09.00.10.08", "S2T1"),
        ("vp8", "l1t2"),
    ] {
        let cfg = VideoEncoderConfig {
            scalability_mode: Some(mode.into()),
            ..enc_config(codec)
        };
        assert_eq!(
            video_encoder_support(&cfg).unwrap_err().name,
            ErrorName::NotSupportedError,
            "{codec} {mode}"
        );
    }
    // Without a scalabilityMode there is no svc metadata.
    let chunks = encode_all(
        enc_config("vp8"),
        vec![input(i420_pattern(W, H, 0), 0, false)],
    );
    assert_eq!(chunks[0].temporal_layer_id, None);
}

/// Realtime x264/x265 with temporal layers: x264 keeps no look-ahead, so a frame's chunk
/// comes out at most `bframes` frames later (none without layers). x265 needs a look-ahead
/// longer than the B-frame run and then holds about twice that (measured 6 and 10 frames).
#[test]
fn x26x_realtime_temporal_layer_delay() {
    let x264 = |b: usize| b;
    let x265 = |b: usize| if b == 0 { 0 } else { 2 * (b + 2) };
    for (codec, max_delay) in [
        ("avc1.4d001f", &x264 as &dyn Fn(usize) -> usize),
        ("hvc1.1.6.L93.B0", &x265),
    ] {
        for (mode, bframes) in [("L1T1", 0), ("L1T2", 1), ("L1T3", 3)] {
            let cfg = VideoEncoderConfig {
                scalability_mode: Some(mode.into()),
                latency_mode: LatencyMode::Realtime,
                ..enc_config(codec)
            };
            let mut enc = VideoEncoderBackend::default();
            let cancel = Cancel::never();
            let mut emitted = 0usize;
            enc.configure(cfg, &mut |_| emitted += 1).unwrap();
            let mut delay = 0;
            for i in 0..24u32 {
                enc.process(input(i420_pattern(W, H, i), i, false), &cancel, &mut |_| {
                    emitted += 1
                })
                .unwrap();
                delay = delay.max(i as usize + 1 - emitted);
            }
            println!("{codec} {mode} realtime: delay {delay} frames");
            assert!(delay <= max_delay(bframes), "{codec} {mode}: delay {delay}");
        }
    }
}
