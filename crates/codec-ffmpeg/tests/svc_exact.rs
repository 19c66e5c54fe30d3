//! Temporal layers are real: every frame of a layer subset, decoded alone by a fresh decoder,
//! is bit-identical to the same frame decoded from the full stream. (A PSNR threshold cannot
//! tell a base layer that silently references enhancement-layer frames: the picture drifts by
//! a few dB, not by 30.)
#![allow(clippy::unwrap_used)]

mod common;

use codec_core::{AlphaOption, VideoEncoderConfig};
use common::*;

/// Frames per stream; a key frame is requested at 13 (so x264/x265 B-frame runs stay whole).
const N: u32 = 30;
const KEYS: [u32; 2] = [0, 13];
/// Where the scene-cut streams cut (an upper-layer frame in both modes).
const CUT: u32 = 7;

/// Encodes the accumulating pattern (a moving gradient plus one more dark square per frame;
/// with `cut`, inverted from frame [`CUT`] on) with `cfg`, then checks that key chunks are
/// exactly the requested ones and that every layer subset below the top layer decodes to
/// exactly the full stream's pictures (the alpha stream's too, with `alpha: "keep"`).
fn check(cfg: VideoEncoderConfig, cut: bool) {
    let what = format!(
        "{} {} {:?}{}",
        cfg.codec,
        cfg.scalability_mode.as_deref().unwrap_or(""),
        cfg.latency_mode,
        if cut { " scene cut" } else { "" }
    );
    let alpha = cfg.alpha == AlphaOption::Keep;
    let frame = |t: u32| {
        let f = accumulating_pattern(W, H, t, alpha);
        if cut && t >= CUT {
            inverted(f)
        } else {
            f
        }
    };
    let chunks = encode_all(cfg, inputs(N, frame, |t| KEYS.contains(&t)));
    assert_eq!(chunks.len(), N as usize, "{what}");
    assert_subsets_match_full_stream(&what, &chunks);
    if alpha {
        assert_subsets_match_full_stream(&format!("{what} alpha"), &alpha_stream(&chunks));
    }
    assert_eq!(
        key_frames(&chunks),
        KEYS.map(i64::from),
        "{what}: key chunks"
    );
}

fn each_mode(codec: &str, alpha: AlphaOption) {
    for mode in ["L1T2", "L1T3"] {
        let layered = VideoEncoderConfig {
            scalability_mode: Some(mode.into()),
            alpha,
            ..enc_config(codec)
        };
        for cfg in both_latencies(layered) {
            check(cfg.clone(), false);
            check(cfg, true);
        }
    }
}

/// One `#[test]` per `name: codec, alpha;` row, running [`each_mode`].
macro_rules! layer_subset_tests {
    ($($name:ident: $codec:literal, $alpha:ident;)+) => {$(
        #[test]
        fn $name() {
            each_mode($codec, AlphaOption::$alpha);
        }
    )+};
}

layer_subset_tests! {
    vp8_layer_subsets_are_exact: "vp8", Discard;
    vp8_alpha_layer_subsets_are_exact: "vp8", Keep;
    vp9_layer_subsets_are_exact: "vp09.00.10.08", Discard;
    vp9_alpha_layer_subsets_are_exact: "vp09.00.10.08", Keep;
    vp9_profile2_layer_subsets_are_exact: "vp09.02.10.10", Discard;
    av1_layer_subsets_are_exact: "av01.0.04M.08", Discard;
    av1_10bit_layer_subsets_are_exact: "av01.0.04M.10", Discard;
    h264_main_layer_subsets_are_exact: "avc1.4d001f", Discard;
    h264_high_layer_subsets_are_exact: "avc1.640028", Discard;
    hevc_layer_subsets_are_exact: "hvc1.1.6.L93.B0", Discard;
}
