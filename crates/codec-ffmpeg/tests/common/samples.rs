//! Audio sample helpers shared by the integration tests and the crate's own audio encoder
//! tests (`src/audio/encoder/tests.rs` includes this file): only `std` and `codec_core`.
#![allow(dead_code)]

use codec_core::{AudioBuffer, AudioCopy, AudioSampleFormat};

/// An f32-planar buffer at `rate` of samples `start..start + n` of each plane of `planes`.
pub fn f32_buffer(planes: &[Vec<f32>], rate: u32, start: usize, n: usize) -> AudioBuffer {
    let bytes: Vec<u8> = planes
        .iter()
        .flat_map(|p| p[start..start + n].iter().flat_map(|v| v.to_le_bytes()))
        .collect();
    AudioBuffer::from_bytes(
        AudioSampleFormat::F32Planar,
        rate as f32,
        n as u32,
        planes.len() as u32,
        &bytes,
    )
    .expect("buffer")
}

/// The samples of `bufs`, one after the other, as one f32 plane per channel.
pub fn f32_planes<'a>(bufs: impl IntoIterator<Item = &'a AudioBuffer>) -> Vec<Vec<f32>> {
    let mut planes: Vec<Vec<f32>> = Vec::new();
    for b in bufs {
        planes.resize(b.channels() as usize, Vec::new());
        for (c, plane) in planes.iter_mut().enumerate() {
            let opt = AudioCopy {
                plane_index: c as u32,
                frame_offset: 0,
                frame_count: None,
                format: Some(AudioSampleFormat::F32Planar),
            };
            let mut bytes = vec![0u8; b.allocation_size(&opt).expect("size")];
            b.copy_to(&mut bytes, &opt).expect("copy");
            plane.extend(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
    }
    planes
}

/// SNR (dB) of `got` against `want` at lag 0 over the middle of the signal (the first and
/// last tenth left out).
pub fn snr_at_zero(want: &[f32], got: &[f32]) -> f64 {
    let n = want.len().min(got.len());
    let (lo, hi) = (n / 10, n - n / 10);
    let (mut s, mut e) = (0f64, 0f64);
    for i in lo..hi {
        s += f64::from(want[i]).powi(2);
        e += f64::from(want[i] - got[i]).powi(2);
    }
    if e == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (s / e).log10()
}

/// Sample `i` (at `rate`) of channel `c`'s chirp: 0.5 · sin of a sweep from 200 + 150·c Hz
/// rising 3000 Hz a second, so that every channel differs.
pub fn chirp_sample(rate: u32, c: usize, i: usize) -> f64 {
    let t = i as f64 / f64::from(rate);
    let f0 = 200.0 + 150.0 * c as f64;
    0.5 * (2.0 * std::f64::consts::PI * (f0 * t + 1500.0 * t * t)).sin()
}
