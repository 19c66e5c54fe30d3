//! `alpha: "keep"`: the VP8/VP9 alpha encoder whose packets are `alphaSideData`.
#![allow(clippy::unwrap_used)]

mod common;

use codec_core::{BitrateMode, ErrorName, FrameBuffer, Rect, VideoEncoderConfig};
use codec_ffmpeg::{
    video_encoder_support, DecodedVideoOutput, EncodedVideoOutput, VideoEncodeInput,
    VideoEncoderBackend,
};
use common::*;
use control_queue::{Backend, Cancel};

// ---- alpha: "keep" ----

/// The moving alpha of the alpha tests: a horizontal ramp with an opaque square and a
/// transparent band that move.
fn alpha_value(w: u32, h: u32, c: u32, r: u32, t: u32) -> u8 {
    let (bx, by) = ((10 + 5 * t) % w, (20 + 3 * t) % h);
    if c >= bx && c < bx + w / 6 && r >= by && r < by + h / 6 {
        255
    } else if (r + 2 * t) % h < h / 10 {
        0
    } else {
        (40 + c * 170 / w) as u8
    }
}

/// `i420_pattern` with `alpha_value` as its alpha plane (I420A).
fn i420a_pattern(w: u32, h: u32, t: u32) -> FrameBuffer {
    let colour = i420_pattern(w, h, t);
    let mut f = FrameBuffer::new_zeroed(codec_core::VideoPixelFormat::I420A, w, h).unwrap();
    for p in 0..3 {
        let (s, ss) = colour.plane(p);
        let s = s.to_vec();
        let (d, ds) = f.plane_mut(p);
        let (cw, ch) = if p == 0 {
            (w, h)
        } else {
            (w.div_ceil(2), h.div_ceil(2))
        };
        for r in 0..ch as usize {
            d[r * ds..r * ds + cw as usize].copy_from_slice(&s[r * ss..r * ss + cw as usize]);
        }
    }
    let (d, ds) = f.plane_mut(3);
    for r in 0..h {
        for c in 0..w {
            d[r as usize * ds + c as usize] = alpha_value(w, h, c, r, t);
        }
    }
    f
}

/// An I420 frame whose Y plane is the source's alpha (for `psnr_y`).
fn alpha_as_y(w: u32, h: u32, t: u32) -> FrameBuffer {
    let mut f = FrameBuffer::new_zeroed(codec_core::VideoPixelFormat::I420, w, h).unwrap();
    let (d, ds) = f.plane_mut(0);
    for r in 0..h {
        for c in 0..w {
            d[r as usize * ds + c as usize] = alpha_value(w, h, c, r, t);
        }
    }
    f
}

/// Whether a VP8 or VP9 frame is a key frame, from its first byte (VP8 frame tag bit 0 = 0;
/// VP9 profile 0/1 uncompressed header: frame_marker(2) profile(2) show_existing_frame(1)
/// frame_type(1), 0 = key).
fn vpx_is_key(codec: &str, data: &[u8]) -> bool {
    let b = data[0];
    if codec == "vp8" {
        b & 1 == 0
    } else {
        assert_eq!(b >> 6, 0b10, "VP9 frame marker");
        assert_eq!((b >> 3) & 1, 0, "not show_existing_frame");
        (b >> 2) & 1 == 0
    }
}

/// The alpha side data of `chunks` as chunks of their own (the stream a second decoder gets).
/// Decodes the alpha stream of `chunks` (their `alpha_side_data`) with the first chunk's
/// decoder config.
fn decode_alpha(chunks: &[EncodedVideoOutput]) -> Vec<DecodedVideoOutput> {
    decode_all(
        chunks[0].decoder_config.clone().expect("decoder config"),
        &alpha_stream(chunks),
    )
}

/// [`enc_config`] with `alpha: "keep"`.
fn keep_config(codec: &str) -> VideoEncoderConfig {
    VideoEncoderConfig {
        alpha: codec_core::AlphaOption::Keep,
        ..enc_config(codec)
    }
}

/// Decodes the alpha stream of five frames of the alpha pattern and checks that the lowest
/// PSNR of its luma against the pattern's alpha is above `min` (printed as `what`).
fn assert_alpha_psnr(what: &str, chunks: &[EncodedVideoOutput], min: f64) {
    let frames = decode_alpha(chunks);
    assert_eq!(frames.len(), 5, "{what}");
    let worst = (0..5)
        .map(|t| psnr_y(&alpha_as_y(W, H, t), &frames[t as usize].frame))
        .fold(f64::MAX, f64::min);
    println!("{what}: alpha min PSNR {worst:.2} dB");
    assert!(worst > min, "{what}: alpha PSNR {worst}");
}

fn alpha_round_trip(codec: &str) {
    let cfg = keep_config(codec);
    video_encoder_support(&cfg).unwrap();
    let n = 30u32;
    let keys = [0usize, 13];
    let chunks = encode_all(
        cfg,
        (0..n)
            .map(|t| input(i420a_pattern(W, H, t), t, keys.contains(&(t as usize))))
            .collect(),
    );
    assert_eq!(chunks.len(), n as usize);
    for (i, c) in chunks.iter().enumerate() {
        let a = c
            .alpha_side_data
            .as_ref()
            .unwrap_or_else(|| panic!("{codec}: chunk {i} has no alpha side data"));
        assert!(!a.is_empty());
        assert_eq!(vpx_is_key(codec, &c.data), c.key, "{codec} chunk {i}");
        assert_eq!(
            vpx_is_key(codec, a),
            c.key,
            "{codec} chunk {i}: alpha key flag differs from the colour chunk's"
        );
    }
    let key_at: Vec<usize> = (0..n as usize).filter(|i| chunks[*i].key).collect();
    assert_eq!(key_at, keys, "{codec}: key chunks where requested");

    let dc = first_config(&chunks);
    let colour = decode_all(dc.clone(), &chunks);
    let alpha = decode_all(dc, &alpha_stream(&chunks));
    assert_eq!((colour.len(), alpha.len()), (n as usize, n as usize));
    let (mut worst_c, mut worst_a, mut sum_a) = (f64::MAX, f64::MAX, 0.0);
    for t in 0..n {
        let (c, a) = (&colour[t as usize], &alpha[t as usize]);
        assert_eq!(
            (c.timestamp, a.timestamp),
            (chunks[t as usize].timestamp, c.timestamp)
        );
        worst_c = worst_c.min(psnr_y(&i420_pattern(W, H, t), &c.frame));
        let p = psnr_y(&alpha_as_y(W, H, t), &a.frame);
        worst_a = worst_a.min(p);
        sum_a += p;
    }
    let colour_bytes: usize = chunks.iter().map(|c| c.data.len()).sum();
    let alpha_bytes: usize = chunks
        .iter()
        .map(|c| c.alpha_side_data.as_ref().unwrap().len())
        .sum();
    println!(
        "{codec} alpha keep: colour min Y PSNR {worst_c:.2} dB, alpha min {worst_a:.2} dB \
         (mean {:.2}), bytes colour {colour_bytes} alpha {alpha_bytes}",
        sum_a / f64::from(n)
    );
    assert!(worst_c > 30.0, "{codec}: colour PSNR {worst_c}");
    assert!(worst_a > 35.0, "{codec}: alpha PSNR {worst_a}");
}

#[test]
fn vp8_alpha_keep_round_trip() {
    alpha_round_trip("vp8");
}

#[test]
fn vp9_alpha_keep_round_trip() {
    alpha_round_trip("vp09.00.10.08");
}

#[test]
fn alpha_discard_has_no_side_data() {
    let chunks = encode_all(
        enc_config("vp8"),
        inputs(5, |t| i420a_pattern(W, H, t), |_| false),
    );
    assert!(chunks.iter().all(|c| c.alpha_side_data.is_none()));
}

/// Opaque input (I420, RGBX) with alpha keep: the alpha stream decodes to 255; RGBA input
/// at another size: its 4th channel is scaled like the colour planes.
#[test]
fn alpha_keep_opaque_and_rgba_input() {
    for codec in ["vp8", "vp09.00.10.08"] {
        let cfg = keep_config(codec);
        let chunks = encode_all(cfg.clone(), pattern_inputs(5, |_| false));
        let frames = decode_alpha(&chunks);
        assert_eq!(frames.len(), 5);
        for f in &frames {
            let (y, s) = f.frame.plane(0);
            let min = (0..H as usize)
                .flat_map(|r| y[r * s..r * s + W as usize].iter().copied())
                .min()
                .unwrap();
            assert!(min >= 250, "{codec}: opaque alpha decodes to {min}");
        }

        // RGBA at twice the size: alpha = alpha_value at the configured size, upscaled.
        let rgba = |t: u32| {
            let mut f = rgba_pattern(2 * W, 2 * H, t);
            let (d, ds) = f.plane_mut(0);
            for r in 0..2 * H {
                for c in 0..2 * W {
                    d[r as usize * ds + c as usize * 4 + 3] = alpha_value(W, H, c / 2, r / 2, t);
                }
            }
            f
        };
        let chunks = encode_all(cfg, (0..5).map(|t| input(rgba(t), t, false)).collect());
        assert_alpha_psnr(&format!("{codec} alpha keep, RGBA 2x input"), &chunks, 30.0);
    }
}

/// With L1T2/L1T3 the alpha encoder follows the colour encoder's layer pattern, so the alpha
/// stream's base layer decodes on its own too.
#[test]
fn alpha_keep_with_temporal_layers() {
    for codec in ["vp8", "vp09.00.10.08"] {
        let cfg = VideoEncoderConfig {
            scalability_mode: Some("L1T3".into()),
            ..keep_config(codec)
        };
        video_encoder_support(&cfg).unwrap();
        let n = 20u32;
        let chunks = encode_all(cfg, inputs(n, |t| i420a_pattern(W, H, t), |t| t == 9));
        assert_eq!(chunks.len(), n as usize);
        for c in &chunks {
            assert_eq!(
                vpx_is_key(codec, c.alpha_side_data.as_ref().unwrap()),
                c.key
            );
        }
        let dc = first_config(&chunks);
        for top in 0..=2 {
            let subset: Vec<_> = alpha_stream(&chunks)
                .into_iter()
                .filter(|c| c.temporal_layer_id.unwrap() <= top)
                .collect();
            let frames = decode_all(dc.clone(), &subset);
            assert_eq!(frames.len(), subset.len(), "{codec} alpha layers ≤ {top}");
            let worst = subset
                .iter()
                .zip(&frames)
                .map(|(c, f)| {
                    let t = (c.timestamp / FRAME_US) as u32;
                    psnr_y(&alpha_as_y(W, H, t), &f.frame)
                })
                .fold(f64::MAX, f64::min);
            println!("{codec} L1T3 alpha layers ≤ {top}: min PSNR {worst:.2} dB");
            assert!(worst > 30.0, "{codec} alpha layers ≤ {top}: PSNR {worst}");
        }
    }
}

#[test]
fn alpha_keep_support() {
    for (codec, ok) in [
        ("vp8", true),
        ("vp09.00.10.08", true),
        ("vp09.02.10.10", false),
        ("avc1.42001E", false),
        ("hvc1.1.6.L93.B0", false),
        ("av01.0.04M.08", false),
    ] {
        let cfg = keep_config(codec);
        match video_encoder_support(&cfg) {
            Ok(()) => assert!(ok, "{codec}: alpha keep should be unsupported"),
            Err(e) => {
                assert!(!ok, "{codec}: {}", e.message);
                assert_eq!(e.name, ErrorName::NotSupportedError);
            }
        }
    }
}

/// The alpha comes from the visible rect (offset into a larger coded frame) and from 10-bit
/// alpha planes (I420AP10, reduced to 8 bits) too.
#[test]
fn alpha_keep_visible_rect_and_10bit_alpha() {
    use codec_core::VideoPixelFormat as F;
    let (cw, ch, ox, oy) = (W + 64, H + 32, 40u32, 18u32);
    let crop = |t: u32| {
        let mut f = FrameBuffer::new_zeroed(F::I420A, cw, ch).unwrap();
        for p in 1..3 {
            f.plane_mut(p).0.fill(128);
        }
        let (d, ds) = f.plane_mut(3);
        for r in 0..H {
            for c in 0..W {
                d[(r + oy) as usize * ds + (c + ox) as usize] = alpha_value(W, H, c, r, t);
            }
        }
        let mut i = input(f, t, false);
        i.visible = Rect::new(ox, oy, W, H);
        i
    };
    let ten_bit = |t: u32| {
        let mut f = FrameBuffer::new_zeroed(F::I420AP10, W, H).unwrap();
        for p in 1..3 {
            for px in f.plane_mut(p).0.chunks_exact_mut(2) {
                px.copy_from_slice(&512u16.to_le_bytes());
            }
        }
        let (d, ds) = f.plane_mut(3);
        for r in 0..H {
            for c in 0..W {
                let v = u16::from(alpha_value(W, H, c, r, t)) * 4;
                let o = r as usize * ds + c as usize * 2;
                d[o..o + 2].copy_from_slice(&v.to_le_bytes());
            }
        }
        input(f, t, false)
    };
    for codec in ["vp8", "vp09.00.10.08"] {
        let cfg = keep_config(codec);
        for (name, make) in [
            ("visible rect", &crop as &dyn Fn(u32) -> VideoEncodeInput),
            ("I420AP10", &ten_bit),
        ] {
            let chunks = encode_all(cfg.clone(), (0..5).map(make).collect());
            assert_alpha_psnr(&format!("{codec} alpha keep, {name}"), &chunks, 35.0);
        }
    }
}

/// With alpha the configured bitrate is split 3/4 colour, 1/4 alpha (as in Chromium), so the
/// chunks and their side data together stay near the target.
#[test]
fn alpha_keep_bitrate_is_shared() {
    for codec in ["vp8", "vp09.00.10.08"] {
        let target = 200_000u64;
        let cfg = VideoEncoderConfig {
            bitrate: Some(target),
            bitrate_mode: BitrateMode::Constant,
            ..keep_config(codec)
        };
        let n = 60u32;
        let chunks = encode_all(cfg, inputs(n, |t| i420a_pattern(W, H, t), |_| false));
        // The first (key) chunk is left out: a two-second clip is dominated by it.
        let colour: usize = chunks[1..].iter().map(|c| c.data.len() * 8).sum();
        let alpha: usize = chunks[1..]
            .iter()
            .map(|c| c.alpha_side_data.as_ref().unwrap().len() * 8)
            .sum();
        let secs = f64::from(n - 1) / 30.0;
        let (ck, ak) = (colour as f64 / secs / 1e3, alpha as f64 / secs / 1e3);
        println!(
            "{codec} alpha keep CBR {} kbit/s: colour {ck:.0} + alpha {ak:.0} kbit/s",
            target / 1000
        );
        assert!(
            ck + ak < 1.25 * target as f64 / 1e3,
            "{codec}: {ck:.0} + {ak:.0} kbit/s for a {} kbit/s target",
            target / 1000
        );
    }
}

/// flush() reopens both encoders: the next chunk and its alpha are key frames, and the alpha
/// stream decodes across the flush. Every chunk of the quantizer-mode reopen has alpha too.
#[test]
fn alpha_keep_across_flush_and_quantizer_reopen() {
    for codec in ["vp8", "vp09.00.10.08"] {
        let cfg = keep_config(codec);
        let mut enc = VideoEncoderBackend::default();
        let mut chunks = Vec::new();
        let cancel = Cancel::never();
        enc.configure(cfg, &mut |c| chunks.push(c)).unwrap();
        for t in 0..6u32 {
            enc.process(input(i420a_pattern(W, H, t), t, false), &cancel, &mut |c| {
                chunks.push(c)
            })
            .unwrap();
            if t == 2 {
                enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
            }
        }
        enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
        assert_eq!(chunks.len(), 6);
        let keys: Vec<bool> = chunks.iter().map(|c| c.key).collect();
        assert_eq!(keys, [true, false, false, true, false, false], "{codec}");
        for c in &chunks {
            assert_eq!(
                vpx_is_key(codec, c.alpha_side_data.as_ref().unwrap()),
                c.key
            );
        }
        let frames = decode_alpha(&chunks);
        assert_eq!(frames.len(), 6);
        for (t, f) in frames.iter().enumerate() {
            let p = psnr_y(&alpha_as_y(W, H, t as u32), &f.frame);
            assert!(p > 35.0, "{codec} frame {t}: alpha PSNR {p}");
        }

        let q = VideoEncoderConfig {
            bitrate_mode: BitrateMode::Quantizer,
            ..keep_config(codec)
        };
        let chunks = encode_all(
            q,
            (0..4u32)
                .map(|t| VideoEncodeInput {
                    quantizer: Some(if t < 2 { 20 } else { 40 }),
                    ..input(i420a_pattern(W, H, t), t, false)
                })
                .collect(),
        );
        assert_eq!(chunks.len(), 4);
        assert!(chunks.iter().all(|c| c.alpha_side_data.is_some()));
        let frames = decode_alpha(&chunks);
        assert_eq!(frames.len(), 4);
    }
}
