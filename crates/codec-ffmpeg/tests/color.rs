//! The colour space a bitstream signals, `decoderConfig.colorSpace`, and `contentHint`.
#![allow(clippy::unwrap_used)]

mod common;

use codec_core::{VideoColorSpace, VideoEncoderConfig};
use codec_ffmpeg::video_encoder_support;
use common::*;

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
        let dc = first_config(&chunks);
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
    let dc = first_config(&chunks);
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
            let dc = first_config(&chunks);
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
            // With the config's colour space, the decoder gives what the bitstream signals
            // and the config's members override it one by one (codec-core's
            // `OutputContext::decoded_frame`).
            let config_space = dc.color_space.expect("colorSpace");
            let got = decode_all(dc, &chunks)[0].color_space;
            let merged = VideoColorSpace {
                primaries: config_space.primaries.or(got.primaries),
                transfer: config_space.transfer.or(got.transfer),
                matrix: config_space.matrix.or(got.matrix),
                full_range: config_space.full_range.or(got.full_range),
            };
            assert_eq!(merged, want, "{codec}");
            if codec.starts_with("vp09") {
                // VP9 signals the matrix and range only.
                assert_eq!(
                    (got.primaries, got.transfer),
                    (None, None),
                    "{codec} bitstream"
                );
                assert_eq!(got.matrix, want.matrix, "{codec} bitstream matrix");
            }
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
            let chunks = encode_all(cfg, pattern_inputs(3, |_| false));
            let frames = decode_all(first_config(&chunks), &chunks);
            assert_eq!(frames.len(), 3, "{codec} {hint}");
            assert!(psnr_y(&i420_pattern(W, H, 2), &frames[2].frame) > 30.0);
        }
    }
}

/// `flush()` only drains: the first frame after it reopens the encoder, and as the first frame
/// of the new stream it decides the colour space that stream signals (a new `decoderConfig`).
#[test]
fn the_first_frame_after_a_flush_decides_the_colour_space() {
    use codec_core::{ColorMatrix, ColorPrimaries, ColorTransfer};
    use codec_ffmpeg::VideoEncoderBackend;
    use control_queue::{Backend, Cancel};
    let bt601 = VideoColorSpace {
        primaries: Some(ColorPrimaries::Smpte170m),
        transfer: Some(ColorTransfer::Smpte170m),
        matrix: Some(ColorMatrix::Smpte170m),
        full_range: Some(false),
    };
    for codec in ["avc1.42001f", "vp09.00.10.08"] {
        let mut enc = VideoEncoderBackend::default();
        let cancel = Cancel::never();
        let mut chunks = Vec::new();
        enc.configure(enc_config(codec), &mut |c| chunks.push(c))
            .unwrap();
        for i in 0..6 {
            let mut inp = input(i420_pattern(W, H, i), i, false);
            if i >= 3 {
                inp.color_space = bt601;
            }
            enc.process(inp, &cancel, &mut |c| chunks.push(c)).unwrap();
            if i == 2 {
                enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
                assert_eq!(
                    chunks.len(),
                    3,
                    "{codec}: the flush drained the first three"
                );
            }
        }
        enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
        assert_eq!(chunks.len(), 6, "{codec}");
        let configs: Vec<_> = chunks
            .iter()
            .map(|c| c.decoder_config.as_ref().and_then(|d| d.color_space))
            .collect();
        assert_eq!(configs[0], Some(VideoColorSpace::REC709), "{codec}");
        assert_eq!(
            configs[3],
            Some(bt601),
            "{codec}: the reopened stream's colour space"
        );
        assert!(
            chunks[3].key,
            "{codec}: the reopened stream starts with a key chunk"
        );
        let dc = chunks[3].decoder_config.clone().unwrap();
        let frames = decode_all(dc, &chunks[3..]);
        assert_eq!(frames.len(), 3, "{codec}");
        assert_eq!(frames[0].color_space.matrix, bt601.matrix, "{codec}");
        assert!(
            psnr_y(&i420_pattern(W, H, 3), &frames[0].frame) > 30.0,
            "{codec}"
        );
    }
}
