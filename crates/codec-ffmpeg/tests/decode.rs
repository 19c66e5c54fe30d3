//! Decoder behaviour: corrupt input never crashes, real fixtures decode, the worker path works.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use codec_core::{ErrorName, Msg, Report, Tagged, VideoDecoderConfig};
use codec_ffmpeg::{
    video_decoder_support, DecodedVideoOutput, VideoDecodeInput, VideoDecoderBackend,
};
use common::*;
use control_queue::{Backend, Cancel, CodecWorker};
use ffmpeg_next as ffmpeg;

/// Tiny deterministic PRNG (xorshift) so the corruption tests are reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn dec_config(codec: &str, description: Option<Vec<u8>>) -> VideoDecoderConfig {
    VideoDecoderConfig {
        codec: codec.into(),
        description,
        ..Default::default()
    }
}

/// Feeds `chunks` and a flush; every call must return Ok or an EncodingError (never panic).
/// After an error the decoder is reconfigured, as the JS side would do.
fn feed_garbage(cfg: &VideoDecoderConfig, chunks: Vec<VideoDecodeInput>) -> (usize, usize) {
    let mut dec = VideoDecoderBackend::default();
    let cancel = Cancel::never();
    let (mut frames, mut errors) = (0, 0);
    dec.configure(cfg.clone(), &mut |_| frames += 1).unwrap();
    for c in chunks {
        match dec.process(c, &cancel, &mut |_| frames += 1) {
            Ok(()) => {}
            Err(e) => {
                assert_eq!(e.name, ErrorName::EncodingError, "{e}");
                errors += 1;
                dec.configure(cfg.clone(), &mut |_| frames += 1).unwrap();
            }
        }
    }
    if let Err(e) = dec.flush(&cancel, &mut |_| frames += 1) {
        assert_eq!(e.name, ErrorName::EncodingError);
        errors += 1;
    }
    (frames, errors)
}

#[test]
fn corrupt_input_never_crashes() {
    for codec in CODECS {
        let good = encode_all(enc_config(codec), pattern_inputs(10, |i| i == 5));
        let dc = good[0].decoder_config.clone().unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mk = |data: Vec<u8>, i: usize| VideoDecodeInput {
            data,
            key: i == 0,
            timestamp: i as i64 * FRAME_US,
            duration: None,
        };
        // Random bytes.
        let random: Vec<_> = (0..20)
            .map(|i| {
                mk(
                    (0..(rng.next() % 3000 + 1))
                        .map(|_| rng.next() as u8)
                        .collect(),
                    i,
                )
            })
            .collect();
        let r = feed_garbage(&dc, random);
        println!("{codec} random: {r:?} (frames, errors)");
        // The good chunks, each changed by `change(bytes, index)`.
        let changed = |change: &mut dyn FnMut(&[u8], usize) -> Vec<u8>| -> Vec<_> {
            let each = good.iter().enumerate();
            each.map(|(i, c)| mk(change(&c.data, i), i)).collect()
        };
        // Truncated packets.
        let truncated = changed(&mut |d, i| d[..(d.len() * (i % 4 + 1) / 5).max(1)].to_vec());
        let r = feed_garbage(&dc, truncated);
        println!("{codec} truncated: {r:?}");
        // Bit flips.
        let flipped = changed(&mut |d, _| {
            let mut d = d.to_vec();
            for _ in 0..8 {
                let k = (rng.next() as usize) % d.len();
                d[k] ^= 1 << (rng.next() % 8);
            }
            d
        });
        let r = feed_garbage(&dc, flipped);
        println!("{codec} bit flips: {r:?}");
        // A garbage description.
        let bad_desc = dec_config(codec, Some(vec![1, 2, 3, 0xff, 0xff, 0xff, 0xff]));
        let mut dec = VideoDecoderBackend::default();
        if dec.configure(bad_desc, &mut |_| {}).is_ok() {
            let _ = dec.process(mk(good[0].data.clone(), 0), &Cancel::never(), &mut |_| {});
        }
        // Empty chunk.
        let mut dec = VideoDecoderBackend::default();
        dec.configure(dc.clone(), &mut |_| {}).unwrap();
        let e = dec
            .process(mk(Vec::new(), 0), &Cancel::never(), &mut |_| {})
            .unwrap_err();
        assert_eq!(e.name, ErrorName::EncodingError);
    }
}

#[test]
fn decoder_support_checks() {
    video_decoder_support(&dec_config("avc1.42001f", None)).unwrap();
    video_decoder_support(&dec_config("avc1.64002a", None)).unwrap();
    video_decoder_support(&dec_config("avc3.4d0028", None)).unwrap();
    video_decoder_support(&dec_config("vp8", None)).unwrap();
    video_decoder_support(&dec_config("vp09.00.10.08", None)).unwrap();
    video_decoder_support(&dec_config("vp09.02.10.10", None)).unwrap();
    video_decoder_support(&dec_config("av01.0.04M.08", None)).unwrap();
    for hevc in [
        "hev1.1.6.L93.B0",
        "hvc1.1.6.L93.B0",
        "hvc1.2.4.L153.B0",
        "hvc1.4.10.L120.90",
    ] {
        video_decoder_support(&dec_config(hevc, None)).unwrap();
    }
    for bad in [
        "avc1.ff001f",
        "vp09.00.99.08",
        "av01.0.04X.08",
        "hvc1.A1.6.L93.B0",
        "hvc1.9.6.L93.B0",
        "hvc1.1.6.93.B0",
        "hvc1.1.6.L93.B0.",
        "mp4a.40.2",
        "",
    ] {
        let e = video_decoder_support(&dec_config(bad, None)).unwrap_err();
        let want = if bad.is_empty() {
            ErrorName::TypeError
        } else {
            ErrorName::NotSupportedError
        };
        assert_eq!(e.name(), want, "{bad}");
    }
}

#[test]
fn flush_then_decode_again() {
    let chunks = encode_all(enc_config("avc1.42001f"), pattern_inputs(6, |i| i == 3));
    let mut dec = VideoDecoderBackend::default();
    let cancel = Cancel::never();
    let mut frames: Vec<DecodedVideoOutput> = Vec::new();
    dec.configure(chunks[0].decoder_config.clone().unwrap(), &mut |f| {
        frames.push(f)
    })
    .unwrap();
    for c in &chunks[..3] {
        dec.process(decode_input(c), &cancel, &mut |f| frames.push(f))
            .unwrap();
    }
    dec.flush(&cancel, &mut |f| frames.push(f)).unwrap();
    assert_eq!(frames.len(), 3);
    for c in &chunks[3..] {
        dec.process(decode_input(c), &cancel, &mut |f| frames.push(f))
            .unwrap();
    }
    dec.flush(&cancel, &mut |f| frames.push(f)).unwrap();
    let ts: Vec<i64> = frames.iter().map(|f| f.timestamp).collect();
    assert_eq!(ts, (0..6).map(|i| i * FRAME_US).collect::<Vec<_>>());
    // Colour space signalled by x264's VUI.
    assert_eq!(frames[0].color_space, codec_core::VideoColorSpace::REC709);
}

fn fixtures() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/wpt-media");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: fixture folder {} not found", dir.display());
        None
    }
}

/// `chunks` with timestamps 0, [`FRAME_US`], … (a raw Annex B demuxer has none; numbered like a
/// player would).
fn numbered(chunks: Vec<VideoDecodeInput>) -> Vec<VideoDecodeInput> {
    let each = chunks.into_iter().enumerate();
    each.map(|(i, c)| VideoDecodeInput {
        timestamp: i as i64 * FRAME_US,
        ..c
    })
    .collect()
}

/// Demuxes the first video stream of `path` into chunks with microsecond timestamps.
fn demux(path: &Path) -> Vec<VideoDecodeInput> {
    codec_ffmpeg::init();
    let mut ictx = ffmpeg::format::input(path).unwrap();
    let stream = ictx.streams().best(ffmpeg::media::Type::Video).unwrap();
    let (index, tb) = (stream.index(), stream.time_base());
    let mut out = Vec::new();
    for (s, p) in ictx.packets() {
        if s.index() != index {
            continue;
        }
        let us = |v: i64| v * 1_000_000 * i64::from(tb.numerator()) / i64::from(tb.denominator());
        out.push(VideoDecodeInput {
            data: p.data().unwrap().to_vec(),
            key: p.is_key(),
            timestamp: us(p.pts().unwrap_or(0)),
            duration: Some(us(p.duration()) as u64).filter(|d| *d > 0),
        });
    }
    out
}

/// The payload of the first `avcC` box in an MP4 file (enough for the WPT fixture).
fn avcc_box(mp4: &[u8]) -> Vec<u8> {
    mp4_box(mp4, b"avcC")
}

/// The payload of the first box of type `kind` (found by a byte search; enough for the WPT
/// fixtures).
fn mp4_box(mp4: &[u8], kind: &[u8; 4]) -> Vec<u8> {
    let at = mp4.windows(4).position(|w| w == kind).unwrap();
    let size = u32::from_be_bytes(mp4[at - 4..at].try_into().unwrap()) as usize;
    mp4[at + 4..at - 4 + size].to_vec()
}

fn decode_inputs(
    cfg: VideoDecoderConfig,
    inputs: Vec<VideoDecodeInput>,
) -> Vec<DecodedVideoOutput> {
    let mut dec = VideoDecoderBackend::default();
    let cancel = Cancel::never();
    let mut frames = Vec::new();
    dec.configure(cfg, &mut |f| frames.push(f)).unwrap();
    for i in inputs {
        dec.process(i, &cancel, &mut |f| frames.push(f)).unwrap();
    }
    dec.flush(&cancel, &mut |f| frames.push(f)).unwrap();
    frames
}

// Expected values obtained once with
// `ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames,width,height`
// on each fixture: 10 frames of 320x240 for h264.mp4, h264.annexb, h265.mp4 and h265.annexb
// (Main, level 2, yuv420p), vp8.webm, vp9.mp4 (profile 0, yuv420p) and av1.mp4 (Main,
// yuv420p).
const FIXTURE_FRAMES: usize = 10;
const FIXTURE_SIZE: (u32, u32) = (320, 240);

fn check_fixture(frames: &[DecodedVideoOutput], chunks: &[VideoDecodeInput], what: &str) {
    assert_eq!(frames.len(), FIXTURE_FRAMES, "{what}");
    for f in frames {
        assert_eq!(
            (f.frame.coded_width(), f.frame.coded_height()),
            FIXTURE_SIZE,
            "{what}"
        );
    }
    // Every output timestamp is one of the chunks', in increasing (presentation) order.
    let mut ts: Vec<i64> = chunks.iter().map(|c| c.timestamp).collect();
    ts.sort_unstable();
    assert_eq!(
        frames.iter().map(|f| f.timestamp).collect::<Vec<_>>(),
        ts,
        "{what}"
    );
}

#[test]
fn decodes_wpt_h264_mp4() {
    let Some(dir) = fixtures() else { return };
    let path = dir.join("h264.mp4");
    let desc = avcc_box(&std::fs::read(&path).unwrap());
    let chunks = demux(&path);
    let frames = decode_inputs(dec_config("avc1.64000b", Some(desc)), chunks.clone());
    check_fixture(&frames, &chunks, "h264.mp4");
}

#[test]
fn decodes_wpt_h264_annexb() {
    let Some(dir) = fixtures() else { return };
    let chunks = numbered(demux(&dir.join("h264.annexb")));
    let frames = decode_inputs(dec_config("avc1.64000b", None), chunks.clone());
    check_fixture(&frames, &chunks, "h264.annexb");
}

/// The luma planes of `path` decoded by the `ffmpeg` command-line tool (8-bit, `w`x`h`), or
/// `None` when the tool is not installed.
fn ffmpeg_cli_luma(path: &Path, w: usize, h: usize) -> Option<Vec<Vec<u8>>> {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "ffmpeg CLI failed on {}",
        path.display()
    );
    let frame = w * h * 3 / 2;
    assert_eq!(out.stdout.len() % frame, 0);
    Some(
        out.stdout
            .chunks(frame)
            .map(|f| f[..w * h].to_vec())
            .collect(),
    )
}

/// Checks our frames against the ffmpeg CLI decode of the same file: same count, Y PSNR.
fn compare_with_ffmpeg_cli(frames: &[DecodedVideoOutput], path: &Path) {
    let (w, h) = FIXTURE_SIZE;
    let Some(reference) = ffmpeg_cli_luma(path, w as usize, h as usize) else {
        println!("skipping pixel comparison: no ffmpeg CLI");
        return;
    };
    assert_eq!(frames.len(), reference.len(), "frame count vs ffmpeg CLI");
    let mut worst = f64::MAX;
    for (i, (f, r)) in frames.iter().zip(&reference).enumerate() {
        let mut y =
            codec_core::FrameBuffer::new_zeroed(codec_core::VideoPixelFormat::I420, w, h).unwrap();
        y.plane_mut(0).0[..r.len()].copy_from_slice(r);
        // Both are the same decoder's output: expect (near) bit exactness.
        let p = psnr_y(&y, &f.frame);
        assert!(
            p > 60.0,
            "{} frame {i}: Y PSNR {p:.2} vs ffmpeg CLI",
            path.display()
        );
        worst = worst.min(p);
    }
    println!(
        "{}: {} frames, min Y PSNR vs ffmpeg CLI {worst:.2} dB (99 = identical)",
        path.display(),
        frames.len()
    );
}

#[test]
fn decodes_wpt_h265_mp4() {
    let Some(dir) = fixtures() else { return };
    let path = dir.join("h265.mp4");
    let desc = mp4_box(&std::fs::read(&path).unwrap(), b"hvcC");
    assert_eq!(desc[0], 1, "hvcC configurationVersion");
    let h = media_parse::video::hevc::HevcDecoderConfigurationRecord::parse(&desc)
        .expect("fixture hvcC");
    assert_eq!(h.nal_units(33).count(), 1, "one SPS");
    // A malformed hvcC makes the config unsupported, as for avcC.
    let mut bad = desc.clone();
    bad[21] = (bad[21] & !3) | 2; // lengthSizeMinusOne 2
    for d in [bad, desc[..desc.len() - 1].to_vec(), vec![1, 2, 3]] {
        let e = video_decoder_support(&dec_config("hvc1.1.6.L60.90", Some(d))).unwrap_err();
        assert_eq!(e.name(), ErrorName::NotSupportedError, "{e}");
    }
    let chunks = demux(&path);
    let frames = decode_inputs(dec_config("hvc1.1.6.L60.90", Some(desc)), chunks.clone());
    check_fixture(&frames, &chunks, "h265.mp4");
    compare_with_ffmpeg_cli(&frames, &path);
}

#[test]
fn decodes_wpt_h265_annexb() {
    let Some(dir) = fixtures() else { return };
    let path = dir.join("h265.annexb");
    let chunks = numbered(demux(&path));
    assert!(chunks[0].key);
    let frames = decode_inputs(dec_config("hev1.1.6.L60.90", None), chunks.clone());
    check_fixture(&frames, &chunks, "h265.annexb");
    compare_with_ffmpeg_cli(&frames, &path);
}

/// Decodes the WPT fixture `file` as `codec` without a description and checks it.
fn decode_wpt_fixture(file: &str, codec: &str) {
    let Some(dir) = fixtures() else { return };
    let chunks = demux(&dir.join(file));
    let frames = decode_inputs(dec_config(codec, None), chunks.clone());
    check_fixture(&frames, &chunks, file);
}

#[test]
fn decodes_wpt_vp8_webm() {
    decode_wpt_fixture("vp8.webm", "vp8");
}

#[test]
fn decodes_wpt_vp9_mp4() {
    decode_wpt_fixture("vp9.mp4", "vp09.00.10.08");
}

#[test]
fn decodes_wpt_av1_mp4() {
    // No description: the sequence header travels in-band in the key chunk.
    decode_wpt_fixture("av1.mp4", "av01.0.04M.08");
}

#[test]
fn runs_on_a_codec_worker() {
    let chunks = encode_all(enc_config("vp8"), pattern_inputs(5, |_| false));
    let (sink, events) = flume::unbounded();
    let (tx, worker) = CodecWorker::spawn("vp8-dec", VideoDecoderBackend::default(), sink).unwrap();
    tx.send(Tagged {
        epoch: 1,
        body: Msg::Configure(chunks[0].decoder_config.clone().unwrap()),
    })
    .unwrap();
    for c in &chunks {
        tx.send(Tagged {
            epoch: 1,
            body: Msg::Process(decode_input(c)),
        })
        .unwrap();
    }
    tx.send(Tagged {
        epoch: 1,
        body: Msg::Flush(7),
    })
    .unwrap();
    let mut outputs = 0;
    loop {
        let ev = events.recv_timeout(Duration::from_secs(20)).unwrap();
        match ev.body {
            Report::Output(_) => outputs += 1,
            Report::FlushDone(7) => break,
            Report::Failed(e) => panic!("{e}"),
            _ => {}
        }
    }
    assert_eq!(outputs, 5);
    tx.send(Tagged {
        epoch: 1,
        body: Msg::Close,
    })
    .unwrap();
    assert!(worker.join_timeout(Duration::from_secs(10)));
}
