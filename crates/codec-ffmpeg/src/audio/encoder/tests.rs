//! Opus `frameDuration`s through the session itself (every multiple of 2.5 ms up to 120 ms,
//! also those codec-core's validity check may not let through yet): chunks of exactly that
//! duration, timestamps advancing by it, each chunk one Opus packet of that duration, and the
//! decoded stream equal to the input.
#![allow(clippy::unwrap_used)]

#[path = "../../../tests/common/samples.rs"]
mod samples;

use std::sync::Arc;

use codec_core::{
    AudioDecoderConfig, AudioEncoderConfig, BitrateMode, OpusEncoderConfig, OutputConfigTracker,
};
use control_queue::{Backend, Cancel};
use media_parse::audio::opus_packet;

use super::session::Session;
use super::{AudioEncodeInput, EncodedAudioOutput};
use crate::audio::{AudioDecodeInput, AudioDecoderBackend};
use samples::snr_at_zero;

/// A chirp per channel, every channel different; with 6 or more channels channel 3 is the LFE
/// (which libopus low-passes), a 60 Hz tone.
fn chirp(rate: u32, frames: usize, channels: usize) -> Vec<Vec<f32>> {
    (0..channels)
        .map(|c| {
            (0..frames)
                .map(|i| match (channels, c) {
                    (6.., 3) => {
                        let t = i as f64 / f64::from(rate);
                        (0.5 * (2.0 * std::f64::consts::PI * 60.0 * t).sin()) as f32
                    }
                    _ => samples::chirp_sample(rate, c, i) as f32,
                })
                .collect()
        })
        .collect()
}

/// Encodes `sig` in pieces of 441 samples from timestamp `t0` through one session.
fn encode(cfg: &AudioEncoderConfig, sig: &[Vec<f32>], t0: i64) -> Vec<EncodedAudioOutput> {
    crate::init();
    let mut s = Session::open(cfg, false).expect("open");
    let mut tracker = OutputConfigTracker::default();
    let mut chunks = Vec::new();
    let rate = cfg.sample_rate;
    let total = sig[0].len();
    let mut at = 0;
    while at < total {
        let n = 441.min(total - at);
        let input = AudioEncodeInput {
            data: Arc::new(samples::f32_buffer(sig, rate, at, n)),
            timestamp: t0 + at as i64 * 1_000_000 / i64::from(rate),
        };
        s.push(&input).expect("push");
        s.encode_ready(&mut |c| chunks.push(c), &mut tracker)
            .expect("encode");
        at += n;
    }
    s.finish(&mut |c| chunks.push(c), &mut tracker)
        .expect("finish");
    chunks
}

/// Decodes `chunks` with FFmpeg's Opus decoder; returns the planes.
fn decode(dc: &AudioDecoderConfig, chunks: &[EncodedAudioOutput]) -> Vec<Vec<f32>> {
    let mut dec = AudioDecoderBackend::default();
    let mut outs = Vec::new();
    let never = Cancel::never();
    dec.configure(dc.clone(), &mut |o| outs.push(o))
        .expect("configure decoder");
    for c in chunks {
        let input = AudioDecodeInput {
            data: c.data.clone(),
            timestamp: c.timestamp,
            duration: c.duration,
        };
        dec.process(input, &never, &mut |o| outs.push(o))
            .expect("decode");
    }
    dec.flush(&never, &mut |o| outs.push(o)).expect("flush");
    samples::f32_planes(outs.iter().map(|o| &o.data))
}

fn opus(rate: u32, channels: u32, duration: u64) -> AudioEncoderConfig {
    AudioEncoderConfig {
        codec: "opus".into(),
        sample_rate: rate,
        number_of_channels: channels,
        bitrate: Some(64_000 * u64::from(channels)),
        opus: Some(OpusEncoderConfig {
            frame_duration: Some(duration),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Encodes one second of chirp with `cfg` and checks the chunks and the decoded stream;
/// returns the worst channel's SNR.
fn check(cfg: &AudioEncoderConfig, min_snr: f64) -> f64 {
    let (rate, ch) = (cfg.sample_rate, cfg.number_of_channels as usize);
    let sig = chirp(rate, rate as usize + 123, ch);
    let want = (rate != 48000).then(|| chirp(48000, 48123, ch));
    check_with(cfg, sig, want, min_snr)
}

/// [`check`] with the signal `sig` (and what it is at 48 kHz, `want`, when resampled).
fn check_with(
    cfg: &AudioEncoderConfig,
    sig: Vec<Vec<f32>>,
    want: Option<Vec<Vec<f32>>>,
    min_snr: f64,
) -> f64 {
    let d = cfg.opus.as_ref().and_then(|o| o.frame_duration).unwrap();
    let (rate, ch) = (cfg.sample_rate, cfg.number_of_channels as usize);
    let what = format!("{} µs, {ch} ch @{rate} {:?}", d, cfg.bitrate_mode);
    let n = sig[0].len();
    let t0 = 1_000_000;
    let chunks = encode(cfg, &sig, t0);
    let dc = chunks[0].decoder_config.clone().expect("decoderConfig");
    let head = dc.description.clone().expect("OpusHead");
    let pre_skip = u64::from(u16::from_le_bytes([head[10], head[11]]));
    let streams = if head[18] == 0 {
        1
    } else {
        usize::from(head[19])
    };
    // Input and pre-skip, rounded up to whole chunks (48 kHz samples).
    let per_chunk = d * 48 / 1000;
    let n48 = n as u64 * 48_000 / u64::from(rate);
    assert_eq!(
        chunks.len() as u64,
        (n48 + pre_skip).div_ceil(per_chunk),
        "{what}: chunk count"
    );
    for (k, c) in chunks.iter().enumerate() {
        assert_eq!(c.timestamp, t0 + k as i64 * d as i64, "{what}: chunk {k}");
        assert_eq!(c.duration, Some(d), "{what}: chunk {k}");
        let packets = opus_packet::read_multistream(&c.data, streams).expect("an Opus packet");
        for p in &packets {
            assert_eq!(u64::from(p.samples()), per_chunk, "{what}: chunk {k}");
        }
    }
    let planes = decode(&dc, &chunks);
    let got = planes[0].len();
    let want = want.unwrap_or(sig);
    assert_eq!(
        got as u64,
        chunks.len() as u64 * per_chunk - pre_skip,
        "{what}: decoded samples"
    );
    assert!(
        got >= want[0].len(),
        "{what}: {got} decoded for {}",
        want[0].len()
    );
    let worst = (0..ch)
        .map(|c| snr_at_zero(&want[c], &planes[c]))
        .fold(f64::INFINITY, f64::min);
    assert!(worst > min_snr, "{what}: SNR {worst:.1} dB");
    worst
}

#[test]
fn every_opus_frame_duration() {
    for d in (2500..=120_000).step_by(2500) {
        check(&opus(48000, 2, d), 15.0);
    }
}

#[test]
fn joined_opus_frames_multichannel_resampled_and_cbr() {
    for d in [7500, 12_500, 45_000] {
        // Multistream (mapping family 1: 4 streams, 2 coupled), resampled input, CBR. Six
        // channels of 2.5 ms CELT frames at 64 kbit/s each keep only ~12 dB of the faster
        // chirps, exactly as 2.5 ms packets from the encoder do.
        check(&opus(48000, 6, d), 10.0);
        check(&opus(44100, 2, d), 15.0);
        check(&opus(16000, 1, d), 15.0);
        // libopus's CBR keeps less of this chirp with short frames (7 to 12 dB): joining its
        // packets must lose nothing.
        let cbr = |d| AudioEncoderConfig {
            bitrate_mode: BitrateMode::Constant,
            ..opus(48000, 2, d)
        };
        let (frame, _) = super::opus::framing(d);
        let native = check(&cbr(frame), 5.0);
        assert!(
            check(&cbr(d), 5.0) >= native - 0.5,
            "{d}: CBR joined vs {frame}"
        );
        let cbr = cbr(d);
        // Constant bitrate: every chunk (a joined packet) keeps its packets' total size.
        let chunks = encode(&cbr, &chirp(48000, 48000, 2), 0);
        let size = chunks[1].data.len();
        assert!(
            chunks[1..chunks.len() - 1]
                .iter()
                .all(|c| c.data.len() == size),
            "{d}: CBR chunk sizes"
        );
    }
}

#[test]
fn joined_opus_frames_with_dtx_keep_the_timeline() {
    // Half a second of chirp, then silence: DTX leaves chunks out, the rest stay in place.
    let mut cfg = opus(48000, 1, 7500);
    cfg.opus.as_mut().unwrap().usedtx = true;
    let mut sig = chirp(48000, 96000, 1);
    sig[0][24000..].fill(0.0);
    let t0 = 0;
    let chunks = encode(&cfg, &sig, t0);
    assert!(
        chunks.len() < 96000 / 360,
        "DTX drops chunks: {}",
        chunks.len()
    );
    for c in &chunks {
        assert_eq!(c.timestamp % 7500, 0);
        assert_eq!(c.duration, Some(7500));
    }
}

/// Speech-like bursts, tones, noise and silence at low bitrates make libopus switch between
/// SILK, hybrid and CELT and between bandwidths: every chunk is still one packet of one
/// configuration (joining fails otherwise) of the configured duration.
#[test]
fn joined_opus_frames_across_mode_switches() {
    let rate = 48000u32;
    let n = 2 * rate as usize;
    let mut x = 0x1234_5678u32;
    let sig: Vec<f32> = (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let noise = (f64::from(x) / f64::from(u32::MAX) - 0.5) * 0.6;
            let voice = (2.0 * std::f64::consts::PI * 140.0 * t).sin()
                * (2.0 * std::f64::consts::PI * 4.0 * t).sin().max(0.0)
                * 0.6;
            (match (i / 9600) % 5 {
                0 => voice,
                1 => noise,
                2 => 0.0,
                3 => voice + noise * 0.3,
                _ => 0.4 * (2.0 * std::f64::consts::PI * 3000.0 * t).sin(),
            }) as f32
        })
        .collect();
    for bitrate in [6_000u64, 12_000, 24_000, 40_000] {
        for d in [7500, 15_000, 30_000, 50_000, 110_000] {
            let cfg = AudioEncoderConfig {
                bitrate: Some(bitrate),
                ..opus(rate, 1, d)
            };
            // Low bitrates keep little of the noise: the structure is what is checked here.
            check_with(&cfg, vec![sig.clone()], None, -10.0);
        }
    }
}
