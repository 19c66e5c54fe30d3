//! Frames shared without copies: decoder output that borrows the decoder's pictures, encoder
//! input that reads the caller's buffer in place, and their lifetimes.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use codec_core::{compute_layout, Rect, VideoDecoderConfig};
use codec_ffmpeg::{VideoDecoderBackend, VideoEncodeInput, VideoEncoderBackend};
use common::*;
use control_queue::{Backend, Cancel};

const CODECS: [&str; 5] = [
    "avc1.42001f",
    "vp8",
    "vp09.00.10.08",
    "hev1.1.6.L93.B0",
    "av01.0.04M.08",
];

fn chunks_for(codec: &str, n: u32) -> Vec<codec_ffmpeg::EncodedVideoOutput> {
    encode_all(enc_config(codec), pattern_inputs(n, |t| t == 0))
}

/// Every byte `copyTo` gives for the whole frame.
fn copy_all(f: &codec_core::FrameBuffer) -> Vec<u8> {
    let rect = Rect::new(0, 0, f.coded_width(), f.coded_height());
    let (_, n) = compute_layout(f.format(), rect, None).unwrap();
    let mut out = vec![0; n as usize];
    f.copy_to(rect, &mut out, None).unwrap();
    out
}

#[test]
fn decoded_frames_share_the_decoder_pictures() {
    for codec in CODECS {
        codec_ffmpeg::video_encoder_support(&enc_config(codec)).unwrap();
        let chunks = chunks_for(codec, 6);
        let frames = decode_all(first_config(&chunks), &chunks);
        assert_eq!(frames.len(), 6, "{codec}");
        for (t, f) in frames.iter().enumerate() {
            assert!(f.frame.is_foreign(), "{codec}: frame {t} was copied");
            // copyTo of the shared planes gives the bytes of a packed copy of them.
            let mut packed = f.frame.clone();
            packed.plane_mut(0);
            assert!(!packed.is_foreign());
            assert_eq!(copy_all(&f.frame), copy_all(&packed), "{codec} frame {t}");
            let psnr = psnr_y(&f.frame, &i420_pattern(W, H, t as u32));
            assert!(psnr > 30.0, "{codec} frame {t}: PSNR {psnr}");
        }
    }
}

#[test]
fn decoded_frames_outlive_the_decoder_and_stay_intact() {
    for codec in CODECS {
        let chunks = chunks_for(codec, 24);
        let cfg: VideoDecoderConfig = first_config(&chunks);
        let mut dec = VideoDecoderBackend::default();
        let cancel = Cancel::never();
        let mut frames = Vec::new();
        dec.configure(cfg, &mut |f| frames.push(f)).unwrap();
        // Keep every frame alive while decoding continues: the pool must grow, never reuse.
        let mut snapshots = Vec::new();
        for c in &chunks {
            dec.process(decode_input(c), &cancel, &mut |f| {
                snapshots.push(copy_all(&f.frame));
                frames.push(f);
            })
            .unwrap();
        }
        dec.flush(&cancel, &mut |f| {
            snapshots.push(copy_all(&f.frame));
            frames.push(f);
        })
        .unwrap();
        dec.reset();
        drop(dec);
        assert_eq!(frames.len(), 24, "{codec}");
        let mut planes = std::collections::HashSet::new();
        for (t, (f, snap)) in frames.iter().zip(&snapshots).enumerate() {
            assert!(f.frame.is_foreign());
            assert!(
                planes.insert(f.frame.plane(0).0.as_ptr() as usize),
                "{codec}: buffer reused"
            );
            assert_eq!(&copy_all(&f.frame), snap, "{codec}: frame {t} changed");
            let psnr = psnr_y(&f.frame, &i420_pattern(W, H, t as u32));
            assert!(psnr > 30.0, "{codec} frame {t}: PSNR {psnr}");
        }
    }
}

#[test]
fn closing_decoded_frames_releases_them() {
    // 300 frames decoded and dropped one by one: each release returns the picture to the
    // decoder's pool, so the decoder's memory stays bounded (checked by the leak check), and
    // dropping a frame never disturbs the ones still held.
    let chunks = chunks_for("avc1.42001f", 30);
    let cfg: VideoDecoderConfig = first_config(&chunks);
    let mut dec = VideoDecoderBackend::default();
    let cancel = Cancel::never();
    dec.configure(cfg, &mut |_| {}).unwrap();
    let mut held = None;
    let mut n = 0;
    for round in 0..10 {
        for (i, c) in chunks.iter().enumerate() {
            dec.process(decode_input(c), &cancel, &mut |f| {
                n += 1;
                if i == 7 && round == 0 {
                    held = Some((copy_all(&f.frame), f));
                }
            })
            .unwrap();
        }
        dec.flush(&cancel, &mut |_| n += 1).unwrap();
    }
    assert_eq!(n, 300);
    let (snap, f) = held.unwrap();
    assert_eq!(copy_all(&f.frame), snap);
}

#[test]
fn transcoding_feeds_decoded_frames_to_the_encoder() {
    for (from, to) in [
        ("avc1.42001f", "vp09.00.10.08"),
        ("vp09.00.10.08", "avc1.42001f"),
    ] {
        let chunks = chunks_for(from, 8);
        let frames = decode_all(first_config(&chunks), &chunks);
        let inputs: Vec<VideoEncodeInput> = frames
            .iter()
            .enumerate()
            .map(|(t, f)| {
                assert!(f.frame.is_foreign());
                input(f.frame.clone(), t as u32, t == 0)
            })
            .collect();
        let out = encode_all(enc_config(to), inputs);
        let back = decode_all(out[0].decoder_config.clone().unwrap(), &out);
        assert_eq!(back.len(), 8);
        for (t, f) in back.iter().enumerate() {
            let psnr = psnr_y(&f.frame, &i420_pattern(W, H, t as u32));
            assert!(psnr > 28.0, "{from} -> {to} frame {t}: PSNR {psnr}");
        }
    }
}

#[test]
fn encoder_keeps_input_alive_after_the_caller_drops_it() {
    for codec in ["avc1.42001f", "vp8", "vp09.00.10.08"] {
        let mut enc = VideoEncoderBackend::default();
        let cancel = Cancel::never();
        let mut chunks = Vec::new();
        let mut cfg = enc_config(codec);
        cfg.width = W - 16;
        // Both multiples of 16: libx264 itself reads 4 bytes past one of its own buffers when
        // the height is not (valgrind shows it with copied input too).
        cfg.height = H - 16;
        enc.configure(cfg, &mut |c| chunks.push(c)).unwrap();
        let mut weak = Vec::new();
        for t in 0..10u32 {
            // The visible rect (offset by an even amount) has the encoded size: shared in place.
            let mut i = input(i420_pattern(W, H, t), t, t == 0);
            i.visible = Rect::new(8, 6, W - 16, H - 16);
            weak.push(Arc::downgrade(&i.frame));
            enc.process(i, &cancel, &mut |c| chunks.push(c)).unwrap();
        }
        enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
        enc.reset();
        drop(enc);
        assert!(
            weak.iter().all(|w| w.upgrade().is_none()),
            "{codec}: input leaked"
        );
        let frames = decode_all(first_config(&chunks), &chunks);
        assert_eq!(frames.len(), 10);
        for (t, f) in frames.iter().enumerate() {
            let mut want = codec_core::FrameBuffer::new_zeroed(
                codec_core::VideoPixelFormat::I420,
                W - 16,
                H - 16,
            )
            .unwrap();
            let src = i420_pattern(W, H, t as u32);
            let (s, ss) = src.plane(0);
            let (d, ds) = want.plane_mut(0);
            for r in 0..(H - 16) as usize {
                d[r * ds..r * ds + (W - 16) as usize]
                    .copy_from_slice(&s[(r + 6) * ss + 8..(r + 6) * ss + 8 + (W - 16) as usize]);
            }
            let psnr = psnr_y(&f.frame, &want);
            assert!(psnr > 30.0, "{codec} frame {t}: PSNR {psnr}");
        }
    }
}
