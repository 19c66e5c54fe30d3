//! Encoder behaviour: key-frame placement, realtime latency, scaling and conversion, flush,
//! reconfigure, quantizer mode, bitrate and display size, support checks, bad input.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use codec_core::{
    AvcBitstreamFormat, BitrateMode, ErrorName, FrameBuffer, LatencyMode, Rect, VideoEncoderConfig,
};
use codec_ffmpeg::{video_encoder_support, VideoEncodeInput, VideoEncoderBackend};
use common::*;
use control_queue::{Backend, Cancel};

#[test]
fn hevc_keyframe_cadence() {
    cadence(enc_config("hvc1.1.6.L93.B0"));
    cadence(VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..enc_config("hvc1.1.6.L93.B0")
    });
    cadence(VideoEncoderConfig {
        hevc_format: codec_core::HevcBitstreamFormat::Annexb,
        ..enc_config("hev1.1.6.L93.B0")
    });
}

#[test]
fn h264_keyframe_cadence_quality() {
    cadence(enc_config("avc1.42001f"));
}

#[test]
fn h264_keyframe_cadence_realtime() {
    cadence(VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..enc_config("avc1.42001f")
    });
}

#[test]
fn h264_annexb_keyframes_repeat_parameter_sets() {
    let cfg = VideoEncoderConfig {
        avc_format: AvcBitstreamFormat::Annexb,
        ..enc_config("avc1.42001f")
    };
    let inputs = (0..12)
        .map(|i| input(i420_pattern(W, H, i), i, i % 10 == 0))
        .collect();
    let chunks = encode_all(cfg, inputs);
    for i in [0, 10] {
        assert!(chunks[i].key);
        // NAL type 7 (SPS) right after the start code.
        let d = &chunks[i].data;
        let has_sps = d
            .windows(4)
            .any(|w| w[..3] == [0, 0, 1] && w[3] & 0x1f == 7);
        assert!(has_sps, "key chunk {i} carries an SPS");
    }
}

#[test]
fn vp8_keyframe_cadence() {
    cadence(enc_config("vp8"));
    cadence(VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..enc_config("vp8")
    });
}

#[test]
fn vp9_keyframe_cadence() {
    cadence(enc_config("vp09.00.10.08"));
    cadence(VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..enc_config("vp09.00.10.08")
    });
}

#[test]
fn av1_keyframe_cadence() {
    cadence(enc_config("av01.0.04M.08"));
    cadence(VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..enc_config("av01.0.04M.08")
    });
}

#[test]
fn h264_realtime_is_one_in_one_out() {
    let cfg = VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..enc_config("avc1.42001f")
    };
    let mut enc = VideoEncoderBackend::default();
    let cancel = Cancel::never();
    let mut n = 0;
    enc.configure(cfg, &mut |_| n += 1).unwrap();
    assert_eq!(n, 0);
    for i in 0..20 {
        let mut got = Vec::new();
        enc.process(input(i420_pattern(W, H, i), i, false), &cancel, &mut |c| {
            got.push(c)
        })
        .unwrap();
        assert_eq!(got.len(), 1, "frame {i} produced exactly one chunk");
        assert_eq!(got[0].timestamp, i64::from(i) * FRAME_US);
    }
    let mut rest = 0;
    enc.flush(&cancel, &mut |_| rest += 1).unwrap();
    assert_eq!(rest, 0);
}

#[test]
fn vpx_hevc_and_av1_realtime_are_one_in_one_out() {
    for codec in ["hvc1.1.6.L93.B0", "vp8", "vp09.00.10.08", "av01.0.04M.08"] {
        let cfg = VideoEncoderConfig {
            latency_mode: LatencyMode::Realtime,
            ..enc_config(codec)
        };
        let mut enc = VideoEncoderBackend::default();
        let cancel = Cancel::never();
        enc.configure(cfg, &mut |_| {}).unwrap();
        for i in 0..10 {
            let mut got = 0;
            enc.process(input(i420_pattern(W, H, i), i, false), &cancel, &mut |_| {
                got += 1
            })
            .unwrap();
            assert_eq!(got, 1, "{codec} frame {i}");
        }
    }
}

#[test]
fn other_sizes_and_formats_are_scaled_and_converted() {
    for codec in ["avc1.42001f", "vp8"] {
        let cfg = enc_config(codec);
        let mut inputs = vec![input(i420_pattern(640, 480, 0), 0, false)];
        // A cropped visible rect of a bigger frame.
        let mut cropped = input(i420_pattern(400, 300, 1), 1, false);
        cropped.visible = Rect::new(40, 30, 320, 240);
        inputs.push(cropped);
        let rgba: Vec<FrameBuffer> = (2..12).map(|t| rgba_pattern(W, H, t)).collect();
        for (k, f) in rgba.iter().enumerate() {
            inputs.push(input(f.clone(), 2 + k as u32, false));
        }
        let chunks = encode_all(cfg, inputs);
        assert_eq!(chunks.len(), 12);
        let frames = decode_all(first_config(&chunks), &chunks);
        assert_eq!(frames.len(), 12);
        for f in &frames {
            assert_eq!((f.frame.coded_width(), f.frame.coded_height()), (W, H));
        }
        let mut min_psnr = f64::MAX;
        for (k, f) in rgba.iter().enumerate() {
            min_psnr = min_psnr.min(psnr_y(&rgba_to_y709(f), &frames[2 + k].frame));
        }
        println!("{codec}: RGBA → I420 round trip min Y PSNR {min_psnr:.2} dB");
        assert!(min_psnr > 25.0, "{codec}: RGBA PSNR {min_psnr}");
        // The cropped frame's visible region equals pattern(400x300, 1) offset by (40, 30);
        // compare against a crop computed here.
        let src = i420_pattern(400, 300, 1);
        let mut crop = FrameBuffer::new_zeroed(codec_core::VideoPixelFormat::I420, W, H).unwrap();
        let (s, ss) = src.plane(0);
        let (d, ds) = crop.plane_mut(0);
        for r in 0..H as usize {
            d[r * ds..r * ds + W as usize]
                .copy_from_slice(&s[(r + 30) * ss + 40..(r + 30) * ss + 40 + W as usize]);
        }
        let p = psnr_y(&crop, &frames[1].frame);
        println!("{codec}: cropped visible rect Y PSNR {p:.2} dB");
        assert!(p > 25.0, "{codec}: crop PSNR {p}");
    }
}

#[test]
fn other_pixel_formats_encode() {
    use codec_core::VideoPixelFormat::*;
    let cfg = enc_config("vp8");
    let mut inputs = Vec::new();
    for (i, fmt) in [NV12, I422, I444, I420A, BGRA, RGBX, BGRX, I420P10]
        .into_iter()
        .enumerate()
    {
        let f = FrameBuffer::new_zeroed(fmt, W, H).unwrap();
        inputs.push(input(f, i as u32, false));
    }
    let chunks = encode_all(cfg, inputs);
    assert_eq!(chunks.len(), 8);
}

#[test]
fn flush_then_continue() {
    for codec in [
        "avc1.42001f",
        "hvc1.1.6.L93.B0",
        "vp8",
        "vp09.00.10.08",
        "av01.0.04M.08",
    ] {
        let cfg = enc_config(codec);
        let mut enc = VideoEncoderBackend::default();
        let cancel = Cancel::never();
        let mut chunks = Vec::new();
        enc.configure(cfg, &mut |c| chunks.push(c)).unwrap();
        for i in 0..10 {
            enc.process(input(i420_pattern(W, H, i), i, false), &cancel, &mut |c| {
                chunks.push(c)
            })
            .unwrap();
        }
        enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
        assert_eq!(chunks.len(), 10);
        for i in 10..20 {
            enc.process(input(i420_pattern(W, H, i), i, false), &cancel, &mut |c| {
                chunks.push(c)
            })
            .unwrap();
        }
        enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
        assert_eq!(chunks.len(), 20, "{codec}");
        for (i, c) in chunks.iter().enumerate() {
            assert_eq!(c.timestamp, i as i64 * FRAME_US);
            // Identical configuration after the flush: decoderConfig is not repeated.
            assert_eq!(c.decoder_config.is_some(), i == 0, "{codec} chunk {i}");
        }
        assert!(chunks[10].key, "reopened encoder starts with a key chunk");
        let frames = decode_all(first_config(&chunks), &chunks);
        assert_eq!(frames.len(), 20, "{codec}");
        for (i, f) in frames.iter().enumerate() {
            assert!(
                psnr_y(&i420_pattern(W, H, i as u32), &f.frame) > 30.0,
                "{codec} frame {i}"
            );
        }
    }
}

#[test]
fn reconfigure_drains_and_reports_config_again() {
    let mut enc = VideoEncoderBackend::default();
    let cancel = Cancel::never();
    let mut chunks = Vec::new();
    enc.configure(enc_config("avc1.42001f"), &mut |c| chunks.push(c))
        .unwrap();
    for i in 0..5 {
        enc.process(input(i420_pattern(W, H, i), i, false), &cancel, &mut |c| {
            chunks.push(c)
        })
        .unwrap();
    }
    let cfg2 = VideoEncoderConfig {
        width: 160,
        height: 120,
        ..enc_config("vp8")
    };
    enc.configure(cfg2, &mut |c| chunks.push(c)).unwrap();
    assert_eq!(chunks.len(), 5, "old configuration drained by configure");
    enc.process(input(i420_pattern(W, H, 5), 5, false), &cancel, &mut |c| {
        chunks.push(c)
    })
    .unwrap();
    enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
    assert_eq!(chunks.len(), 6);
    let dc = chunks[5]
        .decoder_config
        .as_ref()
        .expect("new config reported");
    assert_eq!((dc.codec.as_str(), dc.coded_width), ("vp8", Some(160)));
    // Reset, then configure the same thing again: reported again.
    enc.reset();
    enc.configure(
        VideoEncoderConfig {
            width: 160,
            height: 120,
            ..enc_config("vp8")
        },
        &mut |c| chunks.push(c),
    )
    .unwrap();
    enc.process(input(i420_pattern(W, H, 6), 6, false), &cancel, &mut |c| {
        chunks.push(c)
    })
    .unwrap();
    enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
    assert!(chunks[6].decoder_config.is_some());
}

#[test]
fn quantizer_mode_follows_per_frame_quantizer() {
    for (codec, lo, hi) in [
        ("avc1.42001f", 10, 45),
        ("hvc1.1.6.L93.B0", 10, 45),
        ("vp8", 4, 60),
        ("vp09.00.10.08", 4, 60),
        ("av01.0.04M.08", 4, 60),
    ] {
        let cfg = VideoEncoderConfig {
            bitrate_mode: BitrateMode::Quantizer,
            bitrate: None,
            ..enc_config(codec)
        };
        let mut inputs = Vec::new();
        for i in 0..6u32 {
            let mut inp = input(i420_pattern(W, H, i), i, i == 0 || i == 3);
            inp.quantizer = Some(if i < 3 { lo } else { hi });
            inputs.push(inp);
        }
        let chunks = encode_all(cfg, inputs);
        assert_eq!(chunks.len(), 6);
        let (a, b) = (chunks[0].data.len(), chunks[3].data.len());
        println!("{codec}: key chunk at q={lo}: {a} bytes, at q={hi}: {b} bytes");
        assert!(
            a > 2 * b,
            "{codec}: low quantizer must give a much bigger key chunk ({a} vs {b})"
        );
    }
}

#[test]
fn constant_bitrate_and_display_size() {
    let cfg = VideoEncoderConfig {
        bitrate_mode: BitrateMode::Constant,
        display_width: Some(640),
        display_height: Some(240),
        ..enc_config("avc1.4d001f")
    };
    let chunks = encode_all(
        cfg.clone(),
        (0..5)
            .map(|i| input(i420_pattern(W, H, i), i, false))
            .collect(),
    );
    let dc = first_config(&chunks);
    assert_eq!(
        (dc.display_aspect_width, dc.display_aspect_height),
        (Some(640), Some(240))
    );
    let chunks = encode_all(
        VideoEncoderConfig {
            codec: "vp8".into(),
            ..cfg
        },
        (0..5)
            .map(|i| input(i420_pattern(W, H, i), i, false))
            .collect(),
    );
    assert_eq!(chunks.len(), 5);
}

#[test]
fn support_checks() {
    let ok = |c: &str| video_encoder_support(&enc_config(c));
    ok("avc1.42001f").unwrap();
    ok("avc3.42001f").unwrap();
    ok("avc1.4d0028").unwrap();
    ok("avc1.640033").unwrap();
    ok("vp8").unwrap();
    ok("vp09.00.10.08").unwrap();
    ok("vp09.00.41.08.01.01.01.01.00").unwrap();
    ok("vp09.02.10.10").unwrap();
    ok("av01.0.04M.10").unwrap();
    ok("av01.0.04M.08").unwrap();
    ok("av01.0.08M.08").unwrap();
    ok("hvc1.1.6.L93.B0").unwrap();
    ok("hev1.1.6.L93.B0").unwrap();
    ok("hvc1.1.6.L60").unwrap();
    ok("hvc1.2.4.L120.B0").unwrap();
    ok("hvc1.1.6.H120.B0").unwrap();
    for bad in [
        "avc1.58001f",
        "avc1.6e001f",
        "avc1.4200ff",
        "vp09.01.10.08",
        "vp09.02.10.12",
        "vp09.03.10.10",
        "av01.1.04M.08",
        "av01.2.04M.12",
        "hvc1.3.E.L93.B0",
        "hvc1.4.10.L93.B0",
        "hvc1.A1.6.L93.B0",
        "hvc1.1.6.L91.B0",
        "hvc1.1.6.H93.B0",
        "hvc1.1.6.L30.B0",
        "hvc1.1.6.L93.B0.",
        "hvc1.1.6.Q93.B0",
        "bogus",
        "VP8",
    ] {
        assert_eq!(
            ok(bad).unwrap_err().name,
            ErrorName::NotSupportedError,
            "{bad}"
        );
    }
    let odd = VideoEncoderConfig {
        width: 321,
        ..enc_config("avc1.42001f")
    };
    assert_eq!(
        video_encoder_support(&odd).unwrap_err().name,
        ErrorName::NotSupportedError
    );
    let odd_vp8 = VideoEncoderConfig {
        width: 321,
        height: 241,
        ..enc_config("vp8")
    };
    video_encoder_support(&odd_vp8).unwrap();
    let invalid = VideoEncoderConfig {
        width: 0,
        ..enc_config("vp8")
    };
    assert_eq!(
        video_encoder_support(&invalid).unwrap_err().name,
        ErrorName::TypeError
    );
    let alpha = VideoEncoderConfig {
        alpha: codec_core::AlphaOption::Keep,
        ..enc_config("avc1.42001E")
    };
    assert_eq!(
        video_encoder_support(&alpha).unwrap_err().name,
        ErrorName::NotSupportedError
    );
    // configure reports the same error.
    let mut enc = VideoEncoderBackend::default();
    let e = enc
        .configure(enc_config("vp09.01.10.08"), &mut |_| {})
        .unwrap_err();
    assert_eq!(e.name, ErrorName::NotSupportedError);
}

#[test]
fn bad_visible_rect_is_an_encoding_error_not_a_panic() {
    let mut enc = VideoEncoderBackend::default();
    enc.configure(enc_config("vp8"), &mut |_| {}).unwrap();
    let bad = VideoEncodeInput {
        frame: Arc::new(i420_pattern(W, H, 0)),
        visible: Rect::new(100, 100, W, H),
        timestamp: 0,
        duration: None,
        key_frame: false,
        quantizer: None,
        color_space: Default::default(),
    };
    let e = enc.process(bad, &Cancel::never(), &mut |_| {}).unwrap_err();
    assert_eq!(e.name, ErrorName::EncodingError);
}

/// Without layers too, key frames come only where requested (or periodically): an encoder's
/// own scene-cut key frames are off.
#[test]
fn scene_cuts_place_no_key_frames() {
    for codec in ENCODERS {
        for cfg in both_latencies(enc_config(codec)) {
            let frame = |t| {
                let f = accumulating_pattern(W, H, t, false);
                if t >= 7 {
                    inverted(f)
                } else {
                    f
                }
            };
            let inputs = (0..30).map(|t| input(frame(t), t, t == 0 || t == 13));
            let chunks = encode_all(cfg.clone(), inputs.collect());
            assert_eq!(
                key_frames(&chunks),
                [0, 13],
                "{codec} {:?}",
                cfg.latency_mode
            );
        }
    }
}

/// The periodic key frame comes 300 frames (at 30 fps) after the previous key frame, whether
/// that one was periodic or requested, for every encoder.
#[test]
fn periodic_key_frames_count_from_the_last_key_frame() {
    for codec in ENCODERS {
        let small = VideoEncoderConfig {
            width: 64,
            height: 64,
            ..enc_config(codec)
        };
        for cfg in both_latencies(small) {
            let frame = |t| accumulating_pattern(64, 64, t % 40, false);
            let inputs = (0..620).map(|t| input(frame(t), t, t == 5));
            let chunks = encode_all(cfg.clone(), inputs.collect());
            assert_eq!(
                key_frames(&chunks),
                [0, 5, 305, 605],
                "{codec} {:?}",
                cfg.latency_mode
            );
        }
    }
}
