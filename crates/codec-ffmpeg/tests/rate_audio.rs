//! Rate control of the lossy audio encoders: Opus, AAC, MP3 and Vorbis hit the configured
//! bitrate within ±10%, on a steady tone and on a music-like chord, in both bitrate modes; and
//! Vorbis's variable mode still varies with the content.
#![allow(clippy::unwrap_used)]

#[path = "common/samples.rs"]
mod samples;

use std::sync::Arc;

use codec_core::{AudioEncoderConfig, BitrateMode};
use codec_ffmpeg::{AudioEncodeInput, AudioEncoderBackend};
use control_queue::{Backend, Cancel};

const RATE: u32 = 48_000;
const SECONDS: usize = 10;

/// Stereo f32 planes, `SECONDS` long: sample `i` of channel `c` from `f`.
fn planes(f: impl Fn(usize, usize) -> f32) -> Vec<Vec<f32>> {
    (0..2)
        .map(|c| (0..RATE as usize * SECONDS).map(|i| f(c, i)).collect())
        .collect()
}

/// A steady 440 Hz tone at half scale (the signal unconstrained Opus VBR overspent on).
fn tone() -> Vec<Vec<f32>> {
    planes(|_, i| 0.5 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / RATE as f32).sin())
}

/// Five partials with slowly drifting levels, a little different per channel, plus quiet noise.
fn chord() -> Vec<Vec<f32>> {
    let mut seed = 12345u32;
    let mut noise = move || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        seed as f32 / 2f32.powi(31) - 1.0
    };
    let partials = [220.0f32, 277.18, 329.63, 440.0, 659.25];
    let mut out = vec![Vec::new(), Vec::new()];
    for i in 0..RATE as usize * SECONDS {
        let t = i as f32 / RATE as f32;
        for (c, plane) in out.iter_mut().enumerate() {
            let mut v = 0.0;
            for (k, f) in partials.iter().enumerate() {
                let amp = 0.08
                    * (1.0
                        + 0.5 * (2.0 * std::f32::consts::PI * (0.1 + 0.07 * k as f32) * t).sin());
                let gain = if (k + c) % 2 == 1 { 0.7 } else { 1.0 };
                v += gain * amp * (2.0 * std::f32::consts::PI * f * t + k as f32).sin();
            }
            plane.push(v + 0.01 * noise());
        }
    }
    out
}

/// Encodes `sig` in 20 ms pieces; returns kbit/s of the chunk payloads.
fn kbps(cfg: &AudioEncoderConfig, sig: &[Vec<f32>]) -> f64 {
    let chunks = chunk_sizes(cfg, sig);
    chunks.iter().map(|c| c.1).sum::<usize>() as f64 * 8.0 / SECONDS as f64 / 1000.0
}

/// Encodes `sig` in 20 ms pieces; returns each chunk's timestamp (µs) and size.
fn chunk_sizes(cfg: &AudioEncoderConfig, sig: &[Vec<f32>]) -> Vec<(i64, usize)> {
    let mut enc = AudioEncoderBackend::default();
    let mut chunks = Vec::new();
    let mut count = |o: codec_ffmpeg::EncodedAudioOutput| chunks.push((o.timestamp, o.data.len()));
    enc.configure(cfg.clone(), &mut count).unwrap();
    let piece = RATE as usize / 50;
    for (k, at) in (0..sig[0].len()).step_by(piece).enumerate() {
        let input = AudioEncodeInput {
            data: Arc::new(samples::f32_buffer(sig, RATE, at, piece)),
            timestamp: k as i64 * 20_000,
        };
        enc.process(input, &Cancel::never(), &mut count).unwrap();
    }
    enc.flush(&Cancel::never(), &mut count).unwrap();
    chunks
}

#[test]
fn lossy_audio_encoders_hit_their_bitrate() {
    let signals = [("tone", tone()), ("chord", chord())];
    let mut failures = Vec::new();
    for codec in ["opus", "mp4a.40.2", "mp3", "vorbis"] {
        for mode in [BitrateMode::Variable, BitrateMode::Constant] {
            for (name, sig) in &signals {
                let cfg = AudioEncoderConfig {
                    codec: codec.into(),
                    sample_rate: RATE,
                    number_of_channels: 2,
                    bitrate: Some(128_000),
                    bitrate_mode: mode,
                    ..Default::default()
                };
                let got = kbps(&cfg, sig);
                eprintln!("{codec} {mode:?} {name}: {got:.1} kbit/s (target 128)");
                if (got / 128.0 - 1.0).abs() > 0.10 {
                    failures.push(format!("{codec} {mode:?} {name}: {got:.1} kbit/s"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "off 128 kbit/s by more than 10%: {failures:?}"
    );
}

/// Half a tone, half the chord with louder noise: a simple part and a busier one.
fn two_parts() -> Vec<Vec<f32>> {
    let (tone, chord) = (tone(), chord());
    let half = RATE as usize * SECONDS / 2;
    let mut seed = 777u32;
    let mut noise = move || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        seed as f32 / 2f32.powi(31) - 1.0
    };
    (0..2)
        .map(|c| {
            let mut p = tone[c][..half].to_vec();
            p.extend(chord[c][half..].iter().map(|v| v + 0.1 * noise()));
            p
        })
        .collect()
}

/// Variable mode spends more on the busy half than on the tone, more so than constant mode
/// does, and both average the bitrate. Measured (128 kbit/s, 5 s + 5 s): variable 116.5 and
/// 139.6 kbit/s, constant 122.8 and 133.0.
#[test]
fn vorbis_variable_mode_varies() {
    let mut ratios = Vec::new();
    for mode in [BitrateMode::Variable, BitrateMode::Constant] {
        let cfg = AudioEncoderConfig {
            codec: "vorbis".into(),
            sample_rate: RATE,
            number_of_channels: 2,
            bitrate: Some(128_000),
            bitrate_mode: mode,
            ..Default::default()
        };
        let chunks = chunk_sizes(&cfg, &two_parts());
        let half = SECONDS as i64 * 500_000;
        let part = |second: bool| -> f64 {
            let bytes: usize = chunks
                .iter()
                .filter(|c| (c.0 >= half) == second)
                .map(|c| c.1)
                .sum();
            bytes as f64 * 8.0 / (SECONDS as f64 / 2.0) / 1000.0
        };
        let (simple, busy) = (part(false), part(true));
        eprintln!("vorbis {mode:?}: tone half {simple:.1}, busy half {busy:.1} kbit/s");
        let mean = (simple + busy) / 2.0;
        assert!(
            (mean / 128.0 - 1.0).abs() <= 0.10,
            "{mode:?}: {mean:.1} kbit/s"
        );
        ratios.push(busy / simple);
    }
    assert!(
        ratios[0] >= 1.15 && ratios[0] > ratios[1] + 0.05,
        "variable mode does not follow the content: busy/simple {:.2}, constant {:.2}",
        ratios[0],
        ratios[1]
    );
}
