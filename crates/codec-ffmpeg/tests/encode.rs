//! Encoder behaviour: round trips, key-frame cadence, realtime latency, scaling, flush.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use codec_core::{
    AvcBitstreamFormat, BitrateMode, ErrorName, FrameBuffer, LatencyMode, Rect, VideoColorSpace,
    VideoEncoderConfig, VideoPixelFormat,
};
use codec_ffmpeg::{
    video_encoder_support, DecodedVideoOutput, EncodedVideoOutput, VideoEncodeInput,
    VideoEncoderBackend,
};
use common::*;
use control_queue::{Backend, Cancel};

fn round_trip(cfg: VideoEncoderConfig) -> f64 {
    let n = 30;
    let originals: Vec<_> = (0..n).map(|t| i420_pattern(W, H, t)).collect();
    let inputs = originals
        .iter()
        .enumerate()
        .map(|(i, f)| input(f.clone(), i as u32, false))
        .collect();
    let chunks = encode_all(cfg.clone(), inputs);
    assert_eq!(chunks.len(), n as usize, "one chunk per frame");
    for (i, c) in chunks.iter().enumerate() {
        assert_eq!(c.timestamp, i as i64 * FRAME_US, "chunk {i} timestamp");
        assert_eq!(c.duration, Some(FRAME_US as u64), "chunk {i} duration");
        assert_eq!(
            c.decoder_config.is_some(),
            i == 0,
            "decoderConfig only on the first chunk"
        );
    }
    assert!(chunks[0].key, "first chunk is key");
    let dc = chunks[0].decoder_config.clone().unwrap();
    assert_eq!(dc.codec, cfg.codec);
    assert_eq!((dc.coded_width, dc.coded_height), (Some(W), Some(H)));
    assert_eq!(
        (dc.display_aspect_width, dc.display_aspect_height),
        (Some(W), Some(H))
    );
    assert_eq!(dc.color_space, Some(VideoColorSpace::REC709));
    let frames = decode_all(dc, &chunks);
    assert_eq!(frames.len(), n as usize, "one frame per chunk");
    let mut min_psnr = f64::MAX;
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f.timestamp, i as i64 * FRAME_US, "frame {i} timestamp");
        assert_eq!(f.duration, Some(FRAME_US as u64), "frame {i} duration");
        assert_eq!((f.frame.coded_width(), f.frame.coded_height()), (W, H));
        min_psnr = min_psnr.min(psnr_y(&originals[i], &to_8bit(&f.frame)));
    }
    println!(
        "{} {:?}/{:?}: min Y PSNR {min_psnr:.2} dB, {} bytes",
        cfg.codec,
        cfg.avc_format,
        cfg.hevc_format,
        chunks.iter().map(|c| c.data.len()).sum::<usize>()
    );
    assert!(min_psnr > 30.0, "PSNR {min_psnr} too low");
    min_psnr
}

#[test]
fn h264_avc_round_trip() {
    let cfg = enc_config("avc1.42001f");
    let chunks = encode_all(cfg.clone(), vec![input(i420_pattern(W, H, 0), 0, false)]);
    let desc = chunks[0]
        .decoder_config
        .as_ref()
        .unwrap()
        .description
        .clone()
        .expect("avcC");
    assert_eq!(desc[0], 1, "avcC version");
    assert_eq!(desc[1], 0x42, "avcC profile matches the codec string");
    assert_eq!(desc[3], 0x1f, "avcC level matches the codec string");
    // Length-prefixed NAL units that exactly fill the chunk.
    let d = &chunks[0].data;
    let mut o = 0;
    while o < d.len() {
        let len = u32::from_be_bytes(d[o..o + 4].try_into().unwrap()) as usize;
        assert!(len > 0);
        o += 4 + len;
    }
    assert_eq!(o, d.len());
    round_trip(cfg);
}

#[test]
fn h264_high_profile_avcc() {
    let cfg = enc_config("avc1.640028");
    let chunks = encode_all(cfg.clone(), vec![input(i420_pattern(W, H, 0), 0, false)]);
    let desc = chunks[0]
        .decoder_config
        .as_ref()
        .unwrap()
        .description
        .clone()
        .expect("avcC");
    assert_eq!((desc[0], desc[1], desc[3]), (1, 0x64, 0x28));
    round_trip(cfg);
}

#[test]
fn h264_annexb_round_trip() {
    let cfg = VideoEncoderConfig {
        avc_format: AvcBitstreamFormat::Annexb,
        ..enc_config("avc1.4d001f")
    };
    let chunks = encode_all(cfg.clone(), vec![input(i420_pattern(W, H, 0), 0, false)]);
    assert!(chunks[0]
        .decoder_config
        .as_ref()
        .unwrap()
        .description
        .is_none());
    assert!(chunks[0].data.starts_with(&[0, 0, 0, 1]) || chunks[0].data.starts_with(&[0, 0, 1]));
    round_trip(cfg);
}

#[test]
fn vp8_round_trip() {
    let cfg = enc_config("vp8");
    let chunks = encode_all(cfg.clone(), vec![input(i420_pattern(W, H, 0), 0, false)]);
    assert!(chunks[0]
        .decoder_config
        .as_ref()
        .unwrap()
        .description
        .is_none());
    round_trip(cfg);
}

#[test]
fn vp9_round_trip() {
    let cfg = enc_config("vp09.00.10.08");
    let chunks = encode_all(cfg.clone(), vec![input(i420_pattern(W, H, 0), 0, false)]);
    assert!(chunks[0]
        .decoder_config
        .as_ref()
        .unwrap()
        .description
        .is_none());
    round_trip(cfg.clone());
    round_trip(VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..cfg
    });
}

#[test]
fn vp9_profile2_10bit_round_trip() {
    let cfg = enc_config("vp09.02.10.10");
    let chunks = encode_all(cfg.clone(), vec![input(i420_pattern(W, H, 0), 0, false)]);
    let frames = decode_all(chunks[0].decoder_config.clone().unwrap(), &chunks);
    assert_eq!(
        frames[0].frame.format(),
        codec_core::VideoPixelFormat::I420P10,
        "profile 2 decodes to 10-bit"
    );
    round_trip(VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..cfg.clone()
    });
    // 10-bit input is copied as is (no 8-bit detour).
    let p10: Vec<FrameBuffer> = (0..5).map(|t| to_10bit(&i420_pattern(W, H, t))).collect();
    let chunks = encode_all(
        cfg,
        p10.iter()
            .enumerate()
            .map(|(i, f)| input(f.clone(), i as u32, false))
            .collect(),
    );
    let frames = decode_all(chunks[0].decoder_config.clone().unwrap(), &chunks);
    assert_eq!(frames.len(), 5);
    for (t, f) in frames.iter().enumerate() {
        let p = psnr_y(&i420_pattern(W, H, t as u32), &to_8bit(&f.frame));
        assert!(p > 30.0, "10-bit input frame {t}: PSNR {p}");
    }
}

/// 10-bit AV1 Main without layers (FFmpeg's libaom wrapper, yuv420p10le): 8- and 10-bit input
/// round-trip to 10-bit output.
#[test]
fn av1_main_10bit_round_trip() {
    let cfg = enc_config("av01.0.04M.10");
    video_encoder_support(&cfg).unwrap();
    let p10: Vec<FrameBuffer> = (0..5).map(|t| to_10bit(&i420_pattern(W, H, t))).collect();
    let mut inputs: Vec<_> = p10
        .iter()
        .enumerate()
        .map(|(i, f)| input(f.clone(), i as u32, false))
        .collect();
    inputs.push(input(i420_pattern(W, H, 5), 5, false));
    let chunks = encode_all(cfg, inputs);
    let frames = decode_all(chunks[0].decoder_config.clone().unwrap(), &chunks);
    assert_eq!(frames.len(), 6);
    for (t, f) in frames.iter().enumerate() {
        assert_eq!(
            f.frame.format(),
            codec_core::VideoPixelFormat::I420P10,
            "frame {t}"
        );
        let p = psnr_y(&i420_pattern(W, H, t as u32), &to_8bit(&f.frame));
        assert!(p > 30.0, "10-bit AV1 frame {t}: PSNR {p}");
    }
}

/// An 8-bit I420 frame widened to I420P10 (v << 2).
fn to_10bit(f: &FrameBuffer) -> FrameBuffer {
    use codec_core::VideoPixelFormat::{I420, I420P10};
    let (w, h) = (f.coded_width(), f.coded_height());
    let mut out = FrameBuffer::new_zeroed(I420P10, w, h).unwrap();
    for p in 0..3 {
        let (pw, ph) = I420.plane_size(p, w, h);
        let (s, ss) = f.plane(p);
        let s = s.to_vec();
        let (d, ds) = out.plane_mut(p);
        for r in 0..ph as usize {
            for c in 0..pw as usize {
                let v = u16::from(s[r * ss + c]) << 2;
                d[r * ds + 2 * c..r * ds + 2 * c + 2].copy_from_slice(&v.to_le_bytes());
            }
        }
    }
    out
}

#[test]
fn av1_round_trip() {
    let cfg = VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..enc_config("av01.0.04M.08")
    };
    round_trip(cfg.clone());
    round_trip(VideoEncoderConfig {
        latency_mode: LatencyMode::Quality,
        ..cfg
    });
}

#[test]
fn av1_key_chunks_carry_the_sequence_header() {
    let cfg = VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..enc_config("av01.0.04M.08")
    };
    let inputs = (0..12)
        .map(|i| input(i420_pattern(W, H, i), i, i % 10 == 0))
        .collect();
    let chunks = encode_all(cfg, inputs);
    let dc = chunks[0].decoder_config.clone().unwrap();
    assert!(dc.description.is_none(), "AV1 has no description");
    assert_eq!(dc.codec, "av01.0.04M.08");
    // A fresh decoder without a description decodes each key chunk alone.
    for i in [0, 10] {
        assert!(chunks[i].key);
        let frames = decode_all(dc.clone(), &chunks[i..=i]);
        assert_eq!(frames.len(), 1, "key chunk {i} decodes on its own");
        assert!(psnr_y(&i420_pattern(W, H, i as u32), &frames[0].frame) > 30.0);
    }
}

/// An hvcC record's NAL arrays: (NAL unit type, NAL units).
type NalArrays = Vec<(u8, Vec<Vec<u8>>)>;

/// Reads an hvcC record: (profile byte, level_idc, chroma byte, luma depth byte, NAL arrays).
fn parse_hvcc(d: &[u8]) -> (u8, u8, u8, u8, NalArrays) {
    assert!(d.len() >= 23, "hvcC too short");
    assert_eq!(d[0], 1, "configurationVersion");
    assert_eq!(d[21] & 3, 3, "lengthSizeMinusOne");
    let mut o = 23;
    let mut arrays = Vec::new();
    for _ in 0..d[22] {
        let t = d[o] & 0x3f;
        let n = u16::from_be_bytes([d[o + 1], d[o + 2]]);
        o += 3;
        let mut nals = Vec::new();
        for _ in 0..n {
            let len = usize::from(u16::from_be_bytes([d[o], d[o + 1]]));
            nals.push(d[o + 2..o + 2 + len].to_vec());
            o += 2 + len;
        }
        arrays.push((t, nals));
    }
    assert_eq!(o, d.len(), "hvcC arrays fill the record");
    (d[1], d[12], d[16], d[17], arrays)
}

/// NAL unit types of a length-prefixed (4-byte) chunk that the prefixes exactly fill.
fn length_prefixed_nal_types(d: &[u8]) -> Vec<u8> {
    let mut o = 0;
    let mut types = Vec::new();
    while o < d.len() {
        let len = u32::from_be_bytes(d[o..o + 4].try_into().unwrap()) as usize;
        assert!(len > 0 && o + 4 + len <= d.len(), "bad NAL length");
        types.push((d[o + 4] >> 1) & 0x3f);
        o += 4 + len;
    }
    types
}

#[test]
fn hevc_hvcc_round_trip() {
    let cfg = enc_config("hvc1.1.6.L93.B0");
    let chunks = encode_all(
        cfg.clone(),
        (0..3)
            .map(|i| input(i420_pattern(W, H, i), i, false))
            .collect(),
    );
    let dc = chunks[0].decoder_config.clone().unwrap();
    let (profile, level, chroma, depth, arrays) =
        parse_hvcc(dc.description.as_ref().expect("hvcC"));
    assert_eq!(profile, 1, "profile space 0, Main tier, Main profile");
    assert!(level <= 93, "level {level} at most the requested 3.1");
    assert_eq!((chroma, depth), (0xFD, 0xF8), "4:2:0, 8-bit");
    assert_eq!(
        arrays
            .iter()
            .map(|(t, n)| (*t, n.len()))
            .collect::<Vec<_>>(),
        vec![(32, 1), (33, 1), (34, 1)],
        "one VPS, SPS and PPS"
    );
    for c in &chunks {
        let types = length_prefixed_nal_types(&c.data);
        assert!(
            types.iter().all(|t| !(32..=34).contains(t)),
            "no in-band parameter sets in hevc format: {types:?}"
        );
    }
    let first = length_prefixed_nal_types(&chunks[0].data);
    assert!(
        first == [19] || first == [20],
        "one IDR slice (IDR_W_RADL or IDR_N_LP): {first:?}"
    );
    round_trip(cfg.clone());
    round_trip(VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..cfg
    });
}

#[test]
fn hevc_annexb_round_trip_and_in_band_parameter_sets() {
    let cfg = VideoEncoderConfig {
        hevc_format: codec_core::HevcBitstreamFormat::Annexb,
        ..enc_config("hev1.1.6.L93.B0")
    };
    let inputs = (0..12)
        .map(|i| input(i420_pattern(W, H, i), i, i % 10 == 0))
        .collect();
    let chunks = encode_all(cfg.clone(), inputs);
    let dc = chunks[0].decoder_config.clone().unwrap();
    assert!(dc.description.is_none(), "annexb has no description");
    for i in [0, 10] {
        assert!(chunks[i].key);
        let d = &chunks[i].data;
        assert!(d.starts_with(&[0, 0, 0, 1]) || d.starts_with(&[0, 0, 1]));
        let types: Vec<u8> = d
            .windows(4)
            .filter(|w| w[..3] == [0, 0, 1])
            .map(|w| (w[3] >> 1) & 0x3f)
            .collect();
        for t in [32, 33, 34] {
            assert!(
                types.contains(&t),
                "key chunk {i} carries NAL type {t}: {types:?}"
            );
        }
        // A fresh decoder decodes the key chunk alone.
        let frames = decode_all(dc.clone(), &chunks[i..=i]);
        assert_eq!(frames.len(), 1);
        assert!(psnr_y(&i420_pattern(W, H, i as u32), &frames[0].frame) > 30.0);
    }
    round_trip(cfg);
}

#[test]
fn hevc_main10_round_trip() {
    let cfg = enc_config("hvc1.2.4.L93.B0");
    let chunks = encode_all(cfg.clone(), vec![input(i420_pattern(W, H, 0), 0, false)]);
    let dc = chunks[0].decoder_config.clone().unwrap();
    let (profile, _, chroma, depth, _) = parse_hvcc(dc.description.as_ref().unwrap());
    assert_eq!(
        (profile, chroma, depth),
        (2, 0xFD, 0xFA),
        "Main 10, 4:2:0, 10-bit"
    );
    let frames = decode_all(dc, &chunks);
    assert_eq!(
        frames[0].frame.format(),
        codec_core::VideoPixelFormat::I420P10
    );
    round_trip(VideoEncoderConfig {
        latency_mode: LatencyMode::Realtime,
        ..cfg
    });
}

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

fn cadence(cfg: VideoEncoderConfig) {
    let inputs = (0..60)
        .map(|i| input(i420_pattern(W, H, i), i, i % 10 == 0))
        .collect();
    let chunks = encode_all(cfg.clone(), inputs);
    assert_eq!(chunks.len(), 60);
    let keys: Vec<usize> = chunks
        .iter()
        .enumerate()
        .filter(|(_, c)| c.key)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        keys,
        vec![0, 10, 20, 30, 40, 50],
        "{} {:?}",
        cfg.codec,
        cfg.latency_mode
    );
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
        let frames = decode_all(chunks[0].decoder_config.clone().unwrap(), &chunks);
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
        let frames = decode_all(chunks[0].decoder_config.clone().unwrap(), &chunks);
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
    let dc = chunks[0].decoder_config.clone().unwrap();
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
fn odd_size_vp8_round_trip() {
    let (w, h) = (161, 121);
    let cfg = VideoEncoderConfig {
        width: w,
        height: h,
        ..enc_config("vp8")
    };
    let originals: Vec<_> = (0..5).map(|t| i420_pattern(w, h, t)).collect();
    let chunks = encode_all(
        cfg,
        originals
            .iter()
            .enumerate()
            .map(|(i, f)| input(f.clone(), i as u32, false))
            .collect(),
    );
    let frames = decode_all(chunks[0].decoder_config.clone().unwrap(), &chunks);
    assert_eq!(frames.len(), 5);
    for (o, f) in originals.iter().zip(&frames) {
        assert_eq!((f.frame.coded_width(), f.frame.coded_height()), (w, h));
        assert!(psnr_y(o, &f.frame) > 30.0);
    }
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

/// Expected layer ids: the pattern restarts at every key frame.
fn expected_layers(pattern: &[u32], n: usize, keys: &[usize]) -> Vec<u32> {
    let mut idx = 0;
    (0..n)
        .map(|i| {
            if keys.contains(&i) {
                idx = 0;
            }
            let l = pattern[idx];
            idx = (idx + 1) % pattern.len();
            l
        })
        .collect()
}

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
    let dc = chunks[0].decoder_config.clone().unwrap();
    // Every layer subset decodes on its own and matches the source.
    let max_layer = *ids.iter().max().unwrap();
    for top in 0..=max_layer {
        let subset: Vec<_> = chunks
            .iter()
            .filter(|c| c.temporal_layer_id.unwrap() <= top)
            .cloned()
            .collect();
        let mut want: Vec<i64> = subset.iter().map(|c| c.timestamp).collect();
        want.sort_unstable();
        let frames = decode_all(dc.clone(), &subset);
        let got: Vec<i64> = frames.iter().map(|f| f.timestamp).collect();
        assert_eq!(
            got, want,
            "{what}: layers ≤ {top} give exactly their frames"
        );
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
        let chunks = encode_all(
            cfg,
            (0..12)
                .map(|i| input(i420_pattern(W, H, i), i, i == 5))
                .collect(),
        );
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
    let dc = chunks[0].decoder_config.clone().unwrap();
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
            let chunks = encode_all(
                cfg,
                (0..n)
                    .map(|i| input(noisy_pattern(W, H, i), i, false))
                    .collect(),
            );
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
    let frames = decode_all(chunks[0].decoder_config.clone().unwrap(), &chunks);
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
        width: w,
        height: h,
        scalability_mode: Some("L1T2".into()),
        ..enc_config("av01.0.04M.08")
    };
    let mut inputs: Vec<_> = (0..4)
        .map(|i| input(rgba_pattern(w, h, i), i, false))
        .collect();
    inputs.push(input(i420_pattern(W, H, 4), 4, false));
    let chunks = encode_all(cfg, inputs);
    assert_eq!(chunks.len(), 5);
    let frames = decode_all(chunks[0].decoder_config.clone().unwrap(), &chunks);
    assert_eq!(frames.len(), 5);
    for f in &frames {
        assert_eq!((f.frame.coded_width(), f.frame.coded_height()), (w, h));
    }
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
        width: w,
        height: h,
        scalability_mode: Some("L1T3".into()),
        latency_mode: LatencyMode::Realtime,
        ..enc_config("av01.0.04M.08")
    };
    let n = 306;
    let chunks = encode_all(
        cfg,
        (0..n)
            .map(|i| input(i420_pattern(w, h, i), i, false))
            .collect(),
    );
    assert_eq!(chunks.len(), n as usize);
    let keys: Vec<usize> = (0..n as usize).filter(|&i| chunks[i].key).collect();
    assert_eq!(keys, [0, 300]);
    let ids: Vec<u32> = chunks
        .iter()
        .map(|c| c.temporal_layer_id.unwrap())
        .collect();
    assert_eq!(ids, expected_layers(&[0, 2, 1, 2], n as usize, &keys));
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
        let chunks = encode_all(
            cfg,
            (0..17u32)
                .map(|i| input(i420_pattern(W, H, i), i, i == 6))
                .collect(),
        );
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

#[test]
fn frame_color_space_reaches_the_bitstream() {
    use codec_core::{ColorMatrix, ColorPrimaries, ColorTransfer};
    let tagged = VideoColorSpace {
        primaries: Some(ColorPrimaries::Smpte170m),
        transfer: Some(ColorTransfer::Smpte170m),
        matrix: Some(ColorMatrix::Smpte170m),
        full_range: Some(true),
    };
    // (codec, what its bitstream can carry: VP9 has only the matrix and range, scalability
    // mode: AV1 with layers is the libaom session).
    for (codec, full_vui, svc) in [
        ("avc1.42001f", true, None),
        ("hvc1.1.6.L93.B0", true, None),
        ("vp09.00.10.08", false, None),
        ("av01.0.04M.08", true, None),
        ("av01.0.04M.08", true, Some("L1T2")),
    ] {
        let inputs = (0..3)
            .map(|i| {
                let mut inp = input(i420_pattern(W, H, i), i, false);
                inp.color_space = tagged;
                inp
            })
            .collect();
        let cfg = VideoEncoderConfig {
            scalability_mode: svc.map(Into::into),
            ..enc_config(codec)
        };
        let chunks = encode_all(cfg, inputs);
        let dc = chunks[0].decoder_config.clone().unwrap();
        assert_eq!(
            dc.color_space,
            Some(tagged),
            "{codec}: decoderConfig.colorSpace"
        );
        let frames = decode_all(dc, &chunks);
        assert_eq!(frames.len(), 3);
        let got = frames[0].color_space;
        if full_vui {
            assert_eq!(got, tagged, "{codec}");
        } else {
            assert_eq!(
                (got.matrix, got.full_range),
                (tagged.matrix, tagged.full_range),
                "{codec}"
            );
        }
        // The samples were not converted: full-range input decodes to the same values.
        assert!(psnr_y(&i420_pattern(W, H, 0), &frames[0].frame) > 30.0);
    }
    // RGB input is converted with BT.709 to limited range: the matrix and range say so, the
    // primaries and transfer are the frame's (sRGB).
    let mut inp = input(rgba_pattern(W, H, 0), 0, false);
    inp.color_space = VideoColorSpace::SRGB;
    let chunks = encode_all(enc_config("avc1.42001f"), vec![inp]);
    let dc = chunks[0].decoder_config.clone().unwrap();
    let want = VideoColorSpace {
        transfer: Some(ColorTransfer::Iec6196621),
        ..VideoColorSpace::REC709
    };
    assert_eq!(dc.color_space, Some(want));
    assert_eq!(decode_all(dc, &chunks)[0].color_space, want);
}

/// WPT full-cycle "stripped color space": `decoderConfig.colorSpace` is what the bitstream
/// carries, so decoding with the colorSpace removed from the config reports the same values
/// (and decoding with it does too). VP9 carries only the matrix and range: an sRGB-transfer or
/// BT.709-primaries frame with a BT.601 matrix is reported as the standard space of its
/// matrix.
#[test]
fn decoder_config_color_space_survives_stripping() {
    use codec_core::{ColorMatrix, ColorPrimaries, ColorTransfer};
    let mixed = VideoColorSpace {
        primaries: Some(ColorPrimaries::Bt709),
        transfer: Some(ColorTransfer::Iec6196621),
        matrix: Some(ColorMatrix::Smpte170m),
        full_range: Some(false),
    };
    let srgb_input = || {
        let mut i = input(rgba_pattern(W, H, 0), 0, true);
        i.color_space = VideoColorSpace::SRGB;
        i
    };
    let mixed_input = || {
        let mut i = input(i420_pattern(W, H, 0), 0, true);
        i.color_space = mixed;
        i
    };
    let vp9_mixed = VideoColorSpace {
        primaries: Some(ColorPrimaries::Smpte170m),
        transfer: Some(ColorTransfer::Smpte170m),
        ..mixed
    };
    let srgb_709 = VideoColorSpace {
        transfer: Some(ColorTransfer::Iec6196621),
        ..VideoColorSpace::REC709
    };
    for (codec, srgb_want, mixed_want) in [
        ("vp09.00.10.08", VideoColorSpace::REC709, vp9_mixed),
        ("vp09.02.10.10", VideoColorSpace::REC709, vp9_mixed),
        ("avc1.640028", srgb_709, mixed),
        ("hvc1.1.6.L93.B0", srgb_709, mixed),
        ("av01.0.04M.08", srgb_709, mixed),
    ] {
        for (inp, want) in [(srgb_input(), srgb_want), (mixed_input(), mixed_want)] {
            let chunks = encode_all(enc_config(codec), vec![inp]);
            let dc = chunks[0].decoder_config.clone().unwrap();
            assert_eq!(
                dc.color_space,
                Some(want),
                "{codec}: decoderConfig.colorSpace"
            );
            let stripped = codec_core::VideoDecoderConfig {
                color_space: None,
                ..dc.clone()
            };
            assert_eq!(
                decode_all(stripped, &chunks)[0].color_space,
                want,
                "{codec} stripped"
            );
            assert_eq!(decode_all(dc, &chunks)[0].color_space, want, "{codec}");
        }
    }
}

#[test]
fn content_hint_text_encodes() {
    // AV1 with L1T2 is the libaom session (AV1E_SET_TUNE_CONTENT).
    for (codec, svc) in [
        ("vp09.00.10.08", None),
        ("av01.0.04M.08", None),
        ("av01.0.04M.08", Some("L1T2")),
        ("avc1.42001f", None),
        ("vp8", None),
    ] {
        for hint in ["text", "motion", "detail", "anything"] {
            let cfg = VideoEncoderConfig {
                content_hint: Some(hint.into()),
                scalability_mode: svc.map(Into::into),
                ..enc_config(codec)
            };
            video_encoder_support(&cfg).unwrap();
            let chunks = encode_all(
                cfg,
                (0..3)
                    .map(|i| input(i420_pattern(W, H, i), i, false))
                    .collect(),
            );
            let frames = decode_all(chunks[0].decoder_config.clone().unwrap(), &chunks);
            assert_eq!(frames.len(), 3, "{codec} {hint}");
            assert!(psnr_y(&i420_pattern(W, H, 2), &frames[2].frame) > 30.0);
        }
    }
}

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

fn alpha_stream(chunks: &[EncodedVideoOutput]) -> Vec<EncodedVideoOutput> {
    chunks
        .iter()
        .map(|c| EncodedVideoOutput {
            data: c.alpha_side_data.clone().expect("alpha side data"),
            alpha_side_data: None,
            ..c.clone()
        })
        .collect()
}

fn alpha_round_trip(codec: &str) {
    let cfg = VideoEncoderConfig {
        alpha: codec_core::AlphaOption::Keep,
        ..enc_config(codec)
    };
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

    let dc = chunks[0].decoder_config.clone().unwrap();
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
        (0..5)
            .map(|t| input(i420a_pattern(W, H, t), t, false))
            .collect(),
    );
    assert!(chunks.iter().all(|c| c.alpha_side_data.is_none()));
}

/// Opaque input (I420, RGBX) with alpha keep: the alpha stream decodes to 255; RGBA input
/// at another size: its 4th channel is scaled like the colour planes.
#[test]
fn alpha_keep_opaque_and_rgba_input() {
    for codec in ["vp8", "vp09.00.10.08"] {
        let cfg = VideoEncoderConfig {
            alpha: codec_core::AlphaOption::Keep,
            ..enc_config(codec)
        };
        let chunks = encode_all(
            cfg.clone(),
            (0..5)
                .map(|t| input(i420_pattern(W, H, t), t, false))
                .collect(),
        );
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
        let frames = decode_alpha(&chunks);
        assert_eq!(frames.len(), 5);
        let worst = (0..5)
            .map(|t| psnr_y(&alpha_as_y(W, H, t), &frames[t as usize].frame))
            .fold(f64::MAX, f64::min);
        println!("{codec} alpha keep, RGBA 2x input: alpha min PSNR {worst:.2} dB");
        assert!(worst > 30.0, "{codec}: RGBA alpha PSNR {worst}");
    }
}

/// With L1T2/L1T3 the alpha encoder follows the colour encoder's layer pattern, so the alpha
/// stream's base layer decodes on its own too.
#[test]
fn alpha_keep_with_temporal_layers() {
    for codec in ["vp8", "vp09.00.10.08"] {
        let cfg = VideoEncoderConfig {
            alpha: codec_core::AlphaOption::Keep,
            scalability_mode: Some("L1T3".into()),
            ..enc_config(codec)
        };
        video_encoder_support(&cfg).unwrap();
        let n = 20u32;
        let chunks = encode_all(
            cfg,
            (0..n)
                .map(|t| input(i420a_pattern(W, H, t), t, t == 9))
                .collect(),
        );
        assert_eq!(chunks.len(), n as usize);
        for c in &chunks {
            assert_eq!(
                vpx_is_key(codec, c.alpha_side_data.as_ref().unwrap()),
                c.key
            );
        }
        let dc = chunks[0].decoder_config.clone().unwrap();
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
        let cfg = VideoEncoderConfig {
            alpha: codec_core::AlphaOption::Keep,
            ..enc_config(codec)
        };
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
        let cfg = VideoEncoderConfig {
            alpha: codec_core::AlphaOption::Keep,
            ..enc_config(codec)
        };
        for (name, make) in [
            ("visible rect", &crop as &dyn Fn(u32) -> VideoEncodeInput),
            ("I420AP10", &ten_bit),
        ] {
            let chunks = encode_all(cfg.clone(), (0..5).map(make).collect());
            let frames = decode_alpha(&chunks);
            assert_eq!(frames.len(), 5);
            let worst = (0..5)
                .map(|t| psnr_y(&alpha_as_y(W, H, t), &frames[t as usize].frame))
                .fold(f64::MAX, f64::min);
            println!("{codec} alpha keep, {name}: alpha min PSNR {worst:.2} dB");
            assert!(worst > 35.0, "{codec} {name}: alpha PSNR {worst}");
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
            alpha: codec_core::AlphaOption::Keep,
            bitrate: Some(target),
            bitrate_mode: BitrateMode::Constant,
            ..enc_config(codec)
        };
        let n = 60u32;
        let chunks = encode_all(
            cfg,
            (0..n)
                .map(|t| input(i420a_pattern(W, H, t), t, false))
                .collect(),
        );
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
        let cfg = VideoEncoderConfig {
            alpha: codec_core::AlphaOption::Keep,
            ..enc_config(codec)
        };
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
            alpha: codec_core::AlphaOption::Keep,
            bitrate_mode: BitrateMode::Quantizer,
            ..enc_config(codec)
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
