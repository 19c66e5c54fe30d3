//! Encode → decode round trips per codec and bitstream format: chunk metadata, descriptions
//! (avcC, hvcC), in-band parameter sets, 10-bit paths, PSNR.
#![allow(clippy::unwrap_used)]

mod common;

use codec_core::{
    AvcBitstreamFormat, FrameBuffer, LatencyMode, VideoColorSpace, VideoEncoderConfig,
};
use codec_ffmpeg::video_encoder_support;
use common::*;

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
    let dc = first_config(&chunks);
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
    let desc = first_config(&chunks).description.expect("avcC");
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
    let desc = description_of(&cfg).expect("avcC");
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
    assert_eq!(first_config(&chunks).description, None);
    assert!(chunks[0].data.starts_with(&[0, 0, 0, 1]) || chunks[0].data.starts_with(&[0, 0, 1]));
    round_trip(cfg);
}

#[test]
fn vp8_round_trip() {
    let cfg = enc_config("vp8");
    assert_eq!(description_of(&cfg), None);
    round_trip(cfg);
}

#[test]
fn vp9_round_trip() {
    let cfg = enc_config("vp09.00.10.08");
    assert_eq!(description_of(&cfg), None);
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
    let frames = decode_all(first_config(&chunks), &chunks);
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
    let frames = decode_all(first_config(&chunks), &chunks);
    assert_eq!(frames.len(), 5);
    for (t, f) in frames.iter().enumerate() {
        let p = psnr_y(&i420_pattern(W, H, t as u32), &to_8bit(&f.frame));
        assert!(p > 30.0, "10-bit input frame {t}: PSNR {p}");
    }
}

/// 10-bit AV1 Main without layers (latencyMode "quality": SVT-AV1 through FFmpeg, yuv420p10le): 8- and 10-bit input
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
    let frames = decode_all(first_config(&chunks), &chunks);
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
    let inputs = pattern_inputs(12, |i| i % 10 == 0);
    let chunks = encode_all(cfg, inputs);
    let dc = first_config(&chunks);
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
    let chunks = encode_all(cfg.clone(), pattern_inputs(3, |_| false));
    let dc = first_config(&chunks);
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
    let inputs = pattern_inputs(12, |i| i % 10 == 0);
    let chunks = encode_all(cfg.clone(), inputs);
    let dc = first_config(&chunks);
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
    let dc = first_config(&chunks);
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
fn odd_size_vp8_round_trip() {
    let (w, h) = (161, 121);
    let cfg = enc_config_sized("vp8", w, h);
    let chunks = encode_all(cfg, inputs(5, |t| i420_pattern(w, h, t), |_| false));
    let frames = decode_n(&chunks, 5, (w, h));
    for (t, f) in (0..5).zip(&frames) {
        assert!(psnr_y(&i420_pattern(w, h, t), &f.frame) > 30.0, "frame {t}");
    }
}
