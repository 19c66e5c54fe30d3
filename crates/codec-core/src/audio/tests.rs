use super::*;
use crate::error::ErrorName;
use AudioSampleFormat::*;

/// A valid Opus encoder configuration: 48 kHz stereo.
fn opus_48k_stereo() -> AudioEncoderConfig {
    AudioEncoderConfig {
        codec: "opus".into(),
        sample_rate: 48000,
        number_of_channels: 2,
        ..Default::default()
    }
}

#[test]
fn encoder_bitrate_above_i32_is_invalid() {
    let mut c = AudioEncoderConfig {
        bitrate: Some(i32::MAX as u64),
        ..opus_48k_stereo()
    };
    assert!(c.validate().is_ok());
    c.bitrate = Some(i32::MAX as u64 + 1);
    let e = c.validate().expect_err("too large");
    assert_eq!(e.name, ErrorName::TypeError);
}

#[test]
fn encoder_bitrate_zero_and_opus_rules() {
    let ok = opus_48k_stereo();
    let invalid = |c: AudioEncoderConfig| c.validate().expect_err("invalid").name;
    assert_eq!(
        invalid(AudioEncoderConfig {
            bitrate: Some(0),
            codec: "mp4a.40.2".into(),
            ..ok.clone()
        }),
        ErrorName::TypeError
    );
    assert_eq!(
        invalid(AudioEncoderConfig {
            bitrate: Some(OPUS_MIN_BITRATE - 1),
            ..ok.clone()
        }),
        ErrorName::TypeError
    );
    let c = AudioEncoderConfig {
        bitrate: Some(OPUS_MIN_BITRATE),
        ..ok.clone()
    };
    c.validate().expect("the minimum is valid");
    // The minimum is Opus's: another codec may ask for less.
    AudioEncoderConfig {
        bitrate: Some(1),
        codec: "mp4a.40.2".into(),
        ..ok.clone()
    }
    .validate()
    .expect("valid");
    let duration = |d: u64| AudioEncoderConfig {
        opus: Some(OpusEncoderConfig {
            frame_duration: Some(d),
            ..Default::default()
        }),
        ..ok.clone()
    };
    for d in [2500, 5000, 7500, 10000, 30000, 117_500, 120_000] {
        duration(d).validate().expect("a multiple of 2500");
    }
    for d in [0, 2499, 2501, 7499, 120_001, 122_500, u64::MAX] {
        assert_eq!(invalid(duration(d)), ErrorName::TypeError, "{d}");
    }
}

#[test]
fn decoder_descriptions_are_a_support_question_not_validity() {
    // The spec's validity steps look at the codec string, sample rate, channel count and
    // a detached description only: a missing or unusable description is for the decoder
    // to refuse (NotSupportedError), never a TypeError.
    let mut c = AudioDecoderConfig {
        codec: "opus".into(),
        sample_rate: 48000,
        number_of_channels: 6,
        description: None,
    };
    assert!(c.validate().is_ok());
    c.description = Some(vec![0; 9]);
    assert!(c.validate().is_ok());
    for codec in ["flac", "vorbis"] {
        c.codec = codec.into();
        c.description = None;
        assert!(c.validate().is_ok(), "{codec}");
    }
    c.number_of_channels = 0;
    assert_eq!(c.validate().expect_err("0 ch").name, ErrorName::TypeError);
}

#[test]
fn s16_interleaved_to_f32_planar() {
    let s: Vec<i16> = vec![0, 16384, -16384, 32767];
    let bytes: Vec<u8> = s.iter().flat_map(|v| v.to_le_bytes()).collect();
    let a = AudioBuffer::from_bytes(S16, 48000.0, 2, 2, &bytes).expect("audio");
    let mut out = vec![0u8; 8];
    let o = AudioCopy {
        plane_index: 1,
        frame_offset: 0,
        frame_count: None,
        format: Some(F32Planar),
    };
    a.copy_to(&mut out, &o).expect("copy");
    let f: Vec<f32> = out
        .chunks(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    assert_eq!(f, vec![0.5, 32767.0 / 32768.0]);
}

/// The spec's conversions on the values WPT audio-data.any.js checks: the extremes, silence
/// and half scale of each format, converted to every other format.
#[test]
fn conversions_between_every_format() {
    // (u8, s16, s32, f32) for min, max, half, -half, silence.
    let rows: [(u8, i16, i32, f32); 5] = [
        (0, i16::MIN, i32::MIN, -1.0),
        (255, i16::MAX, i32::MAX, 1.0),
        (191, 16383, 1_073_741_823, 0.5),
        (64, -16384, -1_073_741_824, -0.5),
        (128, 0, 0, 0.0),
    ];
    let bytes = |f: AudioSampleFormat, r: &(u8, i16, i32, f32)| -> Vec<u8> {
        match f.with_planar(false) {
            U8 => vec![r.0],
            S16 => r.1.to_le_bytes().to_vec(),
            S32 => r.2.to_le_bytes().to_vec(),
            _ => r.3.to_le_bytes().to_vec(),
        }
    };
    let convert = |from: AudioSampleFormat, to: AudioSampleFormat, r| -> Vec<u8> {
        let a = AudioBuffer::from_bytes(from, 8000.0, 1, 1, &bytes(from, r)).expect("audio");
        let o = AudioCopy {
            plane_index: 0,
            frame_offset: 0,
            frame_count: None,
            format: Some(to),
        };
        let mut out = vec![0; to.bytes_per_sample()];
        a.copy_to(&mut out, &o).expect("copy");
        out
    };
    for from in [U8, S16, S32, F32, U8Planar, S16Planar, S32Planar, F32Planar] {
        for to in [U8, S16, S32, F32, U8Planar, S16Planar, S32Planar, F32Planar] {
            for (i, r) in rows.iter().enumerate() {
                let got = convert(from, to, r);
                let want = bytes(to, r);
                let same = from.with_planar(false) == to.with_planar(false);
                let narrowing = from.bytes_per_sample() > to.bytes_per_sample();
                if same || (narrowing && from.with_planar(false) != F32) || i >= 4 {
                    // Same type, integer narrowing, silence: exact.
                    assert_eq!(got, want, "{from:?} → {to:?} row {i}");
                } else if to.with_planar(false) == F32 {
                    let g = f32::from_le_bytes([got[0], got[1], got[2], got[3]]);
                    assert!(
                        (g - r.3).abs() < 1.0 / 64.0,
                        "{from:?} → {to:?} row {i}: {g}"
                    );
                }
            }
        }
    }
    // The cases WPT names: exact where the source has more resolution.
    assert_eq!(convert(S16, U8, &rows[2]), vec![191]);
    assert_eq!(convert(S32, S16, &rows[2]), 16383i16.to_le_bytes().to_vec());
    assert_eq!(
        convert(S32, S32Planar, &rows[2]),
        1_073_741_823i32.to_le_bytes().to_vec()
    );
    assert_eq!(convert(F32, U8, &rows[1]), vec![255]);
    assert_eq!(convert(F32, S32, &rows[1]), i32::MAX.to_le_bytes().to_vec());
}

#[test]
fn copy_checks_ranges() {
    let a = AudioBuffer::from_bytes(F32Planar, 8000.0, 4, 2, &[0; 32]).expect("audio");
    let base = AudioCopy {
        plane_index: 0,
        frame_offset: 0,
        frame_count: None,
        format: None,
    };
    assert_eq!(a.allocation_size(&base).expect("size"), 16);
    for bad in [
        AudioCopy {
            plane_index: 2,
            ..base
        },
        AudioCopy {
            frame_offset: 4,
            ..base
        },
        AudioCopy {
            frame_count: Some(5),
            ..base
        },
        AudioCopy {
            plane_index: 1,
            format: Some(F32),
            ..base
        },
    ] {
        assert_eq!(
            a.allocation_size(&bad).expect_err("range").name,
            crate::ErrorName::RangeError
        );
    }
    let mut small = vec![0u8; 15];
    assert_eq!(
        a.copy_to(&mut small, &base).expect_err("small").name,
        crate::ErrorName::RangeError
    );
    assert_eq!(a.duration_us(), 500);
}

/// The per-sample conversion copy_to used before the per-pair loops, kept as the reference
/// the loops must match bit for bit.
mod reference {
    use super::AudioSampleFormat::{self, *};

    /// One sample on its way between formats.
    #[derive(Debug, Clone, Copy)]
    enum Sample {
        /// An integer sample scaled to the full `i32` range.
        Int(i32),
        /// A float sample.
        Float(f32),
    }

    fn read(f: AudioSampleFormat, b: &[u8]) -> Sample {
        match f {
            U8 | U8Planar => Sample::Int((i32::from(b[0]) - 128) << 24),
            S16 | S16Planar => Sample::Int(i32::from(i16::from_le_bytes([b[0], b[1]])) << 16),
            S32 | S32Planar => Sample::Int(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            F32 | F32Planar => Sample::Float(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        }
    }

    fn write(f: AudioSampleFormat, v: Sample, out: &mut [u8]) {
        const FULL: f64 = 2_147_483_648.0;
        match (f, v) {
            (U8 | U8Planar, Sample::Int(x)) => out[0] = ((x >> 24) + 128) as u8,
            (S16 | S16Planar, Sample::Int(x)) => {
                out[..2].copy_from_slice(&((x >> 16) as i16).to_le_bytes())
            }
            (S32 | S32Planar, Sample::Int(x)) => out[..4].copy_from_slice(&x.to_le_bytes()),
            (F32 | F32Planar, Sample::Int(x)) => {
                out[..4].copy_from_slice(&((f64::from(x) / FULL) as f32).to_le_bytes())
            }
            (U8 | U8Planar, Sample::Float(v)) => {
                out[0] = (v * 128.0 + 128.0).round().clamp(0.0, 255.0) as u8
            }
            (S16 | S16Planar, Sample::Float(v)) => out[..2].copy_from_slice(
                &((v * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes(),
            ),
            (S32 | S32Planar, Sample::Float(v)) => out[..4].copy_from_slice(
                &((f64::from(v) * FULL).round().clamp(-FULL, FULL - 1.0) as i32).to_le_bytes(),
            ),
            (F32 | F32Planar, Sample::Float(v)) => out[..4].copy_from_slice(&v.to_le_bytes()),
        }
    }

    /// copy_to as it was: sample by sample.
    pub(super) fn copy_to(a: &super::AudioBuffer, o: &super::AudioCopy) -> Vec<u8> {
        let df = o.format.unwrap_or(a.format);
        let (sbps, dbps) = (a.format.bytes_per_sample(), df.bytes_per_sample());
        let mut dest = vec![0u8; a.allocation_size(o).expect("size")];
        let frames = a.copy_element_count(o).expect("count")
            / if df.is_planar() {
                1
            } else {
                a.channels as usize
            };
        let sample = |ch: u32, frame: u32| {
            let idx = if a.format.is_planar() {
                ch as usize * a.frames as usize + frame as usize
            } else {
                frame as usize * a.channels as usize + ch as usize
            };
            read(a.format, &a.data[idx * sbps..idx * sbps + sbps])
        };
        for f in 0..frames {
            let src_frame = o.frame_offset + f as u32;
            if df.is_planar() {
                let v = sample(o.plane_index, src_frame);
                write(df, v, &mut dest[f * dbps..f * dbps + dbps]);
            } else {
                for ch in 0..a.channels as usize {
                    let v = sample(ch as u32, src_frame);
                    let i = (f * a.channels as usize + ch) * dbps;
                    write(df, v, &mut dest[i..i + dbps]);
                }
            }
        }
        dest
    }
}

/// Floats that probe the rounding and clipping of every float → integer conversion:
/// halfway points of each integer grid (both signs), values just inside and outside ±1,
/// far out of range, infinities, NaN, signed zero and subnormals.
fn edge_floats() -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.0 - f32::EPSILON,
        -1.0 + f32::EPSILON,
        1.0 + f32::EPSILON,
        -1.0 - f32::EPSILON,
        1.5,
        -1.5,
        2.0,
        -2.0,
        1e9,
        -1e9,
        f32::MAX,
        f32::MIN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        1e-45,
        -1e-45,
    ];
    for scale in [128.0f32, 32768.0, 8_388_608.0, 2_147_483_648.0] {
        for k in [
            -129.0f32, -128.5, -127.5, -1.5, -0.5, 0.5, 1.5, 126.5, 127.5, 128.5,
        ] {
            v.push(k / scale);
            // One ulp either side.
            v.push(f32::from_bits((k / scale).to_bits() - 1));
            v.push(f32::from_bits((k / scale).to_bits() + 1));
        }
        // The two ends of each grid, and half a step beyond.
        for e in [1.0f32, -1.0] {
            v.push(e * (scale - 0.5) / scale);
            v.push(e * (scale + 0.5) / scale);
            v.push(e * (scale - 1.5) / scale);
        }
    }
    v
}

/// Sample bytes of `format` covering its whole range: every u8 and s16 value, s32 extremes
/// and a spread of others, and the edge floats plus random bit patterns.
fn probe_bytes(format: AudioSampleFormat, rng: &mut u64) -> Vec<u8> {
    let mut next = || {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        *rng
    };
    match format.with_planar(false) {
        U8 => (0..=255u8).collect(),
        S16 => (i16::MIN..=i16::MAX).flat_map(i16::to_le_bytes).collect(),
        S32 => {
            let mut v = vec![i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX - 1, i32::MAX];
            v.extend((0..4096).map(|_| next() as i32));
            v.into_iter().flat_map(i32::to_le_bytes).collect()
        }
        _ => {
            let mut v = edge_floats();
            v.extend((0..4096).map(|_| f32::from_bits(next() as u32)));
            v.extend((0..4096).map(|_| (next() % 40_000) as f32 / 16384.0 - 1.2));
            v.into_iter().flat_map(f32::to_le_bytes).collect()
        }
    }
}

/// Every source format to every destination format, every plane and a frame offset and
/// count, against the per-sample reference: bit-identical.
#[test]
fn conversions_match_the_per_sample_reference() {
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    for &from in AudioSampleFormat::all() {
        let mut bytes = probe_bytes(from, &mut rng);
        let bps = from.bytes_per_sample();
        for channels in [1u32, 2, 3] {
            // Whole frames of every channel.
            let unit = bps * channels as usize;
            bytes.truncate(bytes.len() / unit * unit);
            let frames = (bytes.len() / unit) as u32;
            let a =
                AudioBuffer::from_bytes(from, 48000.0, frames, channels, &bytes).expect("audio");
            for &to in AudioSampleFormat::all() {
                let planes = if to.is_planar() { channels } else { 1 };
                for plane_index in 0..planes {
                    for (frame_offset, frame_count) in [(0, None), (3, Some(frames - 7))] {
                        let o = AudioCopy {
                            plane_index,
                            frame_offset,
                            frame_count,
                            format: Some(to),
                        };
                        let mut got = vec![0u8; a.allocation_size(&o).expect("size")];
                        a.copy_to(&mut got, &o).expect("copy");
                        assert!(
                            got == reference::copy_to(&a, &o),
                            "{from:?} → {to:?}, {channels} ch, plane {plane_index}, \
                             offset {frame_offset}"
                        );
                    }
                }
            }
        }
    }
}

/// The float → integer rules on the edges, written out: round half away from zero, clip
/// out-of-range values, NaN to silence.
#[test]
fn float_to_integer_rounds_and_clips() {
    use crate::audio_convert::*;
    let s16 = [
        (0.5 / 32768.0, 1),
        (-0.5 / 32768.0, -1),
        (1.5 / 32768.0, 2),
        (-1.5 / 32768.0, -2),
        (0.49 / 32768.0, 0),
        (1.0, 32767),
        (2.0, 32767),
        (-1.0, -32768),
        (-1.5, -32768),
        (f32::INFINITY, 32767),
        (f32::NEG_INFINITY, -32768),
        (f32::NAN, 0),
        (-0.0, 0),
    ];
    for (v, want) in s16 {
        assert_eq!(f32_to_s16(v), want, "s16 {v}");
    }
    let u8s = [
        (0.5 / 128.0, 129),
        (-0.5 / 128.0, 128), // 127.5 rounds away from zero
        (1.0, 255),
        (-1.0, 0),
        (3.0, 255),
        (-3.0, 0),
        (f32::NAN, 0),
    ];
    for (v, want) in u8s {
        assert_eq!(f32_to_u8(v), want, "u8 {v}");
    }
    let s32 = [
        (1.0, i32::MAX),
        (-1.0, i32::MIN),
        (4.0, i32::MAX),
        (-4.0, i32::MIN),
        (0.5, 1 << 30),
        (f32::NAN, 0),
        (f32::INFINITY, i32::MAX),
    ];
    for (v, want) in s32 {
        assert_eq!(f32_to_s32(v), want, "s32 {v}");
    }
    let s24 = [
        (1.0, 8_388_607 << 8),
        (-1.0, -8_388_608 << 8),
        (0.5 / 8_388_608.0, 1 << 8),
        (-0.5 / 8_388_608.0, -1 << 8),
        (2.0, 8_388_607 << 8),
        (f32::NAN, 0),
    ];
    for (v, want) in s24 {
        assert_eq!(f32_to_s24_in_s32(v), want, "s24 {v}");
    }
    // Against the f64 computation for the floats the grids care about and random ones.
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let random = (0..1 << 16).map(|_| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        f32::from_bits(rng as u32)
    });
    for v in edge_floats().into_iter().chain(random) {
        let r = f64::from(v) * 8_388_608.0;
        let want = (r.round().clamp(-8_388_608.0, 8_388_607.0) as i32) << 8;
        assert_eq!(f32_to_s24_in_s32(v), want, "s24 {v}");
    }
}

proptest::proptest! {
    #[test]
    fn round_trip_through_f32_is_close(samples in proptest::collection::vec(-32768i32..32768, 2..64),
                                       fmt in 0usize..8) {
        let n = samples.len() / 2 * 2;
        let bytes: Vec<u8> = samples[..n].iter().flat_map(|v| (*v as i16).to_le_bytes()).collect();
        let a = AudioBuffer::from_bytes(S16, 44100.0, (n / 2) as u32, 2, &bytes).expect("audio");
        let target = AudioSampleFormat::all()[fmt];
        let o = AudioCopy { plane_index: 0, frame_offset: 0, frame_count: None, format: Some(target.with_planar(false)) };
        let mut out = vec![0u8; a.allocation_size(&o).expect("size")];
        a.copy_to(&mut out, &o).expect("copy");
        let b = AudioBuffer::from_bytes(target.with_planar(false), 44100.0, (n / 2) as u32, 2, &out).expect("b");
        let back = AudioCopy { plane_index: 0, frame_offset: 0, frame_count: None, format: Some(S16) };
        let mut s16 = vec![0u8; n * 2];
        b.copy_to(&mut s16, &back).expect("back");
        let tol = if target.bytes_per_sample() == 1 { 256 } else { 1 };
        for (i, c) in s16.chunks(2).enumerate() {
            let v = i32::from(i16::from_le_bytes([c[0], c[1]]));
            proptest::prop_assert!((v - samples[i]).abs() <= tol, "{} vs {}", v, samples[i]);
        }
    }
}

/// Halfway points, where rounding goes wrong first, with their neighbouring floats, across the
/// 24-bit and 16-bit ranges, against the f64 computation. (Checked once over all 2³² floats:
/// s24, s16 and u8 all equal it.)
#[test]
fn float_to_integer_ties_match_f64() {
    use crate::audio_convert::*;
    let near = |v: f32| {
        [
            f32::from_bits(v.to_bits() - 1),
            v,
            f32::from_bits(v.to_bits() + 1),
        ]
    };
    let round = |r: f64, lo: f64, hi: f64| r.round().clamp(lo, hi) as i32;
    for k in (-(1 << 23)..(1 << 23))
        .step_by(641)
        .chain([-(1 << 23), (1 << 23) - 1])
    {
        for sign in [1.0, -1.0] {
            for v in near(sign * (k as f32 + 0.5).abs() / 8_388_608.0) {
                let want = round(f64::from(v) * 8_388_608.0, -8_388_608.0, 8_388_607.0) << 8;
                assert_eq!(f32_to_s24_in_s32(v), want, "s24 {v:e}");
            }
        }
    }
    for k in -32768..32768 {
        for v in near((k as f32 + 0.5) / 32768.0) {
            let want = round(f64::from(v) * 32768.0, -32768.0, 32767.0);
            assert_eq!(i32::from(f32_to_s16(v)), want, "s16 {v:e}");
        }
    }
}

#[test]
fn from_vec_keeps_the_buffer_and_checks_it_as_from_bytes_does() {
    let data: Vec<u8> = (0u8..40).collect();
    let ptr = data.as_ptr();
    // 4 frames × 2 channels of f32 are 32 bytes: the 8 after them are dropped, the buffer kept.
    let a = AudioBuffer::from_vec(F32Planar, 8000.0, 4, 2, data.clone()).expect("audio");
    assert_eq!(a.bytes(), &data[..32]);
    let b = AudioBuffer::from_vec(F32Planar, 8000.0, 4, 2, data).expect("audio");
    assert_eq!(b.bytes().as_ptr(), ptr, "no copy");
    assert_eq!(
        b.bytes(),
        AudioBuffer::from_bytes(F32Planar, 8000.0, 4, 2, &(0u8..40).collect::<Vec<_>>())
            .expect("audio")
            .bytes()
    );
    for (frames, channels, rate, len) in [
        (4, 2, 8000.0, 31),
        (0, 2, 8000.0, 32),
        (4, 0, 8000.0, 32),
        (4, 2, 0.0, 32),
    ] {
        let e = AudioBuffer::from_vec(F32Planar, rate, frames, channels, vec![0; len])
            .expect_err("invalid");
        assert_eq!(
            e.name,
            ErrorName::TypeError,
            "{frames} {channels} {rate} {len}"
        );
    }
}
