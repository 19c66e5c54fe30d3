//! ImageSession against the WPT image fixtures (shared/fixtures/wpt-media next to the repo).
#![allow(clippy::unwrap_used)]

use codec_core::VideoPixelFormat;
use codec_ffmpeg::{DecodeOutcome, ImageFrameOutput, ImageSession, ImageType};
use std::path::PathBuf;

/// File `name` of the folder `dir` (relative to this crate).
fn read_fixture(dir: &str, name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(dir)
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A WPT image fixture.
fn fixture(name: &str) -> Vec<u8> {
    read_fixture("../../../shared/fixtures/wpt-media", name)
}

/// A fixture made for the Node tests (test/image/fixtures).
fn own_fixture(name: &str) -> Vec<u8> {
    read_fixture("../../test/image/fixtures", name)
}

/// The image type of a fixture, from its file name's extension.
fn ty(name: &str) -> ImageType {
    let ext = name.rsplit('.').next().unwrap();
    ImageType::from_mime(&format!("image/{ext}")).unwrap_or_else(|| panic!("{name}: no image type"))
}

/// The frame of a decode that must have produced one.
fn frame(o: DecodeOutcome) -> ImageFrameOutput {
    match o {
        DecodeOutcome::Frame(f) => f,
        o => panic!("no frame: {o:?}"),
    }
}

/// A session holding all of `data`.
fn complete_session(ty: ImageType, data: &[u8]) -> ImageSession {
    let mut s = ImageSession::new(ty, Default::default());
    s.append(data);
    s.set_complete();
    s
}

/// A session holding all of WPT fixture `name`.
fn session_with(name: &str) -> ImageSession {
    complete_session(ty(name), &fixture(name))
}

fn decode(name: &str) -> ImageFrameOutput {
    let mut s = session_with(name);
    let t = s.tracks().unwrap().unwrap();
    assert!(!t.is_empty());
    frame(s.decode(None, 0, None).unwrap())
}

#[test]
fn stills_decode_at_their_size() {
    for name in [
        "four-colors.jpg",
        "four-colors-limited-range-420-8bpc.jpg",
        "four-colors.png",
        "four-colors.gif",
        "four-colors.webp",
        "four-colors-limited-range-420-8bpc.webp",
        "four-colors.avif",
        "four-colors-limited-range-420-8bpc.avif",
        "four-colors-full-range-hlg-420-10bpc.avif",
        "four-colors-flip.avif",
    ] {
        let out = decode(name);
        eprintln!(
            "{name}: {:?} {:?} rot {} flip {}",
            out.frame.format(),
            out.color_space,
            out.rotation,
            out.flip
        );
        assert_eq!(
            (out.frame.coded_width(), out.frame.coded_height()),
            (320, 240),
            "{name}"
        );
    }
    let p = decode("pattern.png");
    assert_eq!(p.frame.format(), VideoPixelFormat::RGBA);
}

#[test]
fn frame_index_past_a_still_is_infeasible() {
    let mut s = session_with("four-colors.png");
    assert_eq!(s.decode(None, 1, None).unwrap(), DecodeOutcome::Infeasible);
}

#[test]
fn truncated_png_waits_then_is_an_encoding_error() {
    let d = fixture("four-colors.png");
    let mut s = ImageSession::new(ImageType::Png, Default::default());
    s.append(&d[..d.len() - 6]); // all but the end of IEND
    assert!(s.tracks().unwrap().is_some());
    assert_eq!(s.decode(None, 0, None).unwrap(), DecodeOutcome::NotYet);
    s.set_complete();
    // Complete data that ends inside the frame is corrupt (WPT: "Test decoding a partial
    // ArrayBuffer results in EncodingError"); an index past the track is RangeError.
    assert_eq!(
        s.decode(None, 0, None).unwrap_err().name(),
        codec_core::ErrorName::EncodingError
    );
    assert_eq!(s.decode(None, 1, None).unwrap(), DecodeOutcome::Infeasible);
}

#[test]
fn avif_sequence_is_a_second_track() {
    let mut s = session_with("four-colors-flip.avif");
    let t = s.tracks().unwrap().unwrap();
    assert_eq!(t.len(), 2);
    assert!(!t[0].animated && t[1].animated);
    assert_eq!(t[1].frame_count, 7);
    let mut last_ts = -1;
    for i in 0..7 {
        let f = frame(s.decode(Some(1), i, None).unwrap());
        assert!(f.timestamp > last_ts);
        last_ts = f.timestamp;
        assert_eq!(f.frame.coded_width(), 320);
    }
    assert_eq!(
        s.decode(Some(1), 7, None).unwrap(),
        DecodeOutcome::Infeasible
    );
}

#[test]
fn gif_decodes_every_frame_with_delays() {
    let mut s = session_with("four-colors-flip.gif");
    let t = s.tracks().unwrap().unwrap();
    assert_eq!(t[0].frame_count, 2);
    assert_eq!(t[0].repetition_count, f64::INFINITY);
    let f1 = frame(s.decode(None, 1, None).unwrap());
    assert_eq!((f1.timestamp, f1.duration), (30_000, Some(40_000)));
}

/// The ffmpeg CLI arguments (quiet) for its 64×48 test source at 10 fps.
const TESTSRC: [&str; 6] = [
    "-v",
    "error",
    "-f",
    "lavfi",
    "-i",
    "testsrc=size=64x48:rate=10",
];

fn generated_webp(lossless: bool) -> Vec<u8> {
    let out = std::env::temp_dir().join(format!(
        "codec-ffmpeg-anim-{}-{lossless}.webp",
        std::process::id()
    ));
    let status = std::process::Command::new("ffmpeg")
        .args(TESTSRC)
        .args(["-y", "-frames:v", "3", "-c:v", "libwebp_anim", "-loop", "0"])
        .args(["-lossless", if lossless { "1" } else { "0" }])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let d = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    d
}

fn testsrc_rgba() -> Vec<u8> {
    let o = std::process::Command::new("ffmpeg")
        .args(TESTSRC)
        .args(["-frames:v", "3", "-f", "rawvideo", "-pix_fmt", "rgba", "-"])
        .output()
        .unwrap();
    o.stdout
}

#[test]
fn animated_webp_frames_are_composited() {
    let want = testsrc_rgba();
    let size = 64 * 48 * 4;
    for lossless in [true, false] {
        let mut s = complete_session(ImageType::Webp, &generated_webp(lossless));
        let t = s.tracks().unwrap().unwrap();
        assert!(t[0].animated);
        assert_eq!(t[0].frame_count, 3);
        assert_eq!(t[0].repetition_count, f64::INFINITY);
        for i in [0u32, 1, 2, 1] {
            let f = frame(s.decode(None, i, None).unwrap());
            assert_eq!(f.timestamp, i64::from(i) * 100_000);
            assert_eq!(f.frame.format(), VideoPixelFormat::RGBA);
            let (px, _) = f.frame.plane(0);
            let w = &want[i as usize * size..(i as usize + 1) * size];
            let max = px
                .iter()
                .zip(w)
                .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
                .max()
                .unwrap();
            let mse = px
                .iter()
                .zip(w)
                .map(|(a, b)| f64::from((i32::from(*a) - i32::from(*b)).pow(2)))
                .sum::<f64>()
                / size as f64;
            if lossless {
                assert_eq!(max, 0, "lossless frame {i}");
            } else {
                // libwebp at its default quality: the ffmpeg CLI's decode of the same frame
                // encoded as a still lossy WebP measures 21.5 dB against testsrc too.
                let psnr = 10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10();
                assert!(psnr > 19.0, "lossy frame {i}: PSNR {psnr:.1}");
            }
        }
    }
}

/// Feeding every fixture in small pieces: tracks never shrink, never error before the end, and
/// the decoded frame equals the one decoded from the whole file.
#[test]
fn streamed_fixtures_match_whole_file_decodes() {
    for name in [
        "four-colors.jpg",
        "four-colors.png",
        "four-colors-flip.gif",
        "four-colors.webp",
        "four-colors.avif",
        "four-colors-flip.avif",
    ] {
        let d = fixture(name);
        let whole = decode(name);
        let mut s = ImageSession::new(ty(name), Default::default());
        let mut count = 0;
        for piece in d.chunks(37) {
            s.append(piece);
            if let Some(t) = s.tracks().unwrap() {
                assert!(t[0].frame_count >= count, "{name}");
                count = t[0].frame_count;
            }
        }
        s.set_complete();
        assert!(s.tracks().unwrap().is_some(), "{name}");
        assert_eq!(
            frame(s.decode(None, 0, None).unwrap()).frame,
            whole.frame,
            "{name}"
        );
    }
}

#[test]
fn avif_alpha_item_becomes_the_alpha_plane() {
    let mut s = complete_session(ImageType::Avif, &own_fixture("alpha.avif"));
    let out = frame(s.decode(None, 0, None).unwrap());
    assert_eq!(out.frame.format(), VideoPixelFormat::I420A);
    // The source alpha is min(255, 4x + y), coded losslessly.
    let (a, stride) = out.frame.plane(3);
    assert_eq!(a[0], 0);
    assert_eq!(a[5 * stride + 10], 45);
    assert_eq!(a[47 * stride + 63], 255);
}

#[test]
fn progressive_jpeg_partial_generations() {
    let d = own_fixture("progressive.jpg");
    // Up to the start of the third scan header: two complete scans.
    let sos: Vec<usize> = d
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w == &[0xFF, 0xDA])
        .map(|(i, _)| i)
        .collect();
    let mut s = ImageSession::new(ImageType::Jpeg, Default::default());
    s.append(&d[..sos[2] + 2]);
    assert!(s.tracks().unwrap().is_some());
    assert_eq!(s.decode(None, 0, None).unwrap(), DecodeOutcome::NotYet);
    let partial = frame(s.decode(None, 0, Some(0)).unwrap());
    assert_eq!(partial.generation, Some(2));
    assert_eq!(s.decode(None, 0, Some(2)).unwrap(), DecodeOutcome::NotYet);
    s.append(&d[sos[2] + 2..]);
    let full = frame(s.decode(None, 0, Some(2)).unwrap());
    assert_eq!(full.generation, None);
}

#[test]
fn subsampled_cmyk_and_ycck_become_rgbx() {
    for name in ["cmyk-420.jpg", "ycck-420.jpg"] {
        let mut s = complete_session(ImageType::Jpeg, &own_fixture(name));
        let out = frame(s.decode(None, 0, None).unwrap());
        assert_eq!(out.frame.format(), VideoPixelFormat::RGBX, "{name}");
        // Pixel (40, 20): the pattern's (80, 53, 220) with K' = 255 (no black ink).
        let (p, stride) = out.frame.plane(0);
        let px = &p[20 * stride + 40 * 4..20 * stride + 40 * 4 + 4];
        for (got, want) in px.iter().zip([80u8, 53, 220, 255]) {
            assert!(got.abs_diff(want) <= 4, "{name}: {px:?}");
        }
    }
}

#[test]
fn corrupt_and_truncated_fixtures_never_panic() {
    let own = [
        "alpha.avif",
        "grid.avif",
        "progressive.jpg",
        "cmyk-420.jpg",
        "ycck-420.jpg",
    ];
    let wpt = [
        "four-colors-flip.avif",
        "four-colors-full-range-hlg-422-12bpc.avif",
        "four-colors-flip.gif",
        "pattern.png",
        "four-colors-limited-range-420-8bpc.webp",
        "four-colors.jpg",
    ];
    let files = own
        .iter()
        .map(|&n| (ty(n), own_fixture(n)))
        .chain(wpt.iter().map(|&n| (ty(n), fixture(n))));
    for (ty, whole) in files {
        let step = (whole.len() / 250).max(1);
        for i in (0..whole.len()).step_by(step) {
            // A flipped byte, then a prefix: errors are fine, panics are not.
            let mut bad = whole.clone();
            bad[i] ^= 0xA5;
            for data in [&bad[..], &whole[..i]] {
                let mut s = complete_session(ty, data);
                if let Ok(Some(t)) = s.tracks() {
                    let _ = s.decode(None, 0, Some(0));
                    let _ = s.decode(None, 0, None);
                    if t.len() > 1 {
                        let _ = s.decode(Some(1), 1, None);
                    } else if t[0].frame_count > 1 {
                        let _ = s.decode(None, 1, None);
                    }
                }
            }
        }
    }
}

/// The processing model driving an `ImageBackend` on a real `CodecWorker`, as node-binding does:
/// streamed GIF data, decodes served in request order, an infeasible index, reset and close.
#[test]
fn model_and_worker_end_to_end() {
    use codec_core::{ErrorName, ImageDecoderModel, ImageEvent, Report, Tagged};
    use codec_ffmpeg::{ImageBackend, ImageDecoderConfig};
    use control_queue::CodecWorker;
    use std::time::Duration;

    type Model = ImageDecoderModel<ImageDecoderConfig, ImageFrameOutput>;
    let (sink, reports) = flume::unbounded::<Tagged<Report<_>>>();
    let (tx, worker) = CodecWorker::spawn("image-test", ImageBackend::new(), sink).unwrap();
    let config = ImageDecoderConfig {
        ty: ImageType::Gif,
        options: Default::default(),
    };
    let mut m = Model::new(config, None);
    let gif = fixture("four-colors-flip.gif");
    // Everything but the trailer and the second frame's last bytes.
    let cut = gif.len() - 30;
    // Runs until the model is idle, returning its events.
    let run = |m: &mut Model| {
        let mut events = Vec::new();
        loop {
            while let Some(a) = m.poll_action() {
                let _ = tx.send(a);
            }
            events.extend(std::iter::from_fn(|| m.poll_event()));
            if !m.is_busy() {
                return events;
            }
            let r = reports.recv_timeout(Duration::from_secs(10)).unwrap();
            m.handle_report(r);
        }
    };
    let later = m.decode(1, true).unwrap();
    let earlier = m.decode(0, true).unwrap();
    m.append(gif[..cut].to_vec());
    // One frame is here, which does not tell a still GIF from an animation yet: both wait, and
    // the model is idle (nothing keeps the host alive for them).
    assert!(run(&mut m).is_empty());
    m.append(gif[cut..].to_vec());
    let ev = run(&mut m);
    let ids: Vec<_> = ev
        .iter()
        .filter_map(|e| match e {
            ImageEvent::Resolved { id, frame, .. } => Some((*id, frame.timestamp)),
            _ => None,
        })
        .collect();
    // Served in request order.
    assert_eq!(ids, [(later, 30_000), (earlier, 0)], "{ev:?}");
    assert!(
        matches!(&ev[0], ImageEvent::TracksEstablished { tracks, selected: 0 }
        if tracks[0].animated && tracks[0].frame_count == 2)
    );
    // Past the end, once the data is complete: RangeError, and the decoder stays open.
    let past = m.decode(2, true).unwrap();
    m.end_of_data();
    let ev = run(&mut m);
    assert_eq!(ev[0], ImageEvent::Completed);
    assert!(
        matches!(&ev[1], ImageEvent::Rejected { id, error } if *id == past && error.name == ErrorName::RangeError)
    );
    assert!(!m.is_closed());
    // Reset aborts a decode in flight; close ends the worker.
    let aborted = m.decode(1, true).unwrap();
    m.reset();
    let ev = run(&mut m);
    assert!(
        matches!(&ev[0], ImageEvent::Rejected { id, error } if *id == aborted && error.name == ErrorName::AbortError)
    );
    assert!(ev[1..]
        .iter()
        .all(|e| !matches!(e, ImageEvent::Resolved { .. })));
    m.close();
    let _ = run(&mut m);
    drop(tx);
    assert!(worker.join_timeout(Duration::from_secs(5)));
}

#[test]
fn a_cached_frame_shares_its_pixels_with_the_first_decode() {
    for name in [
        "four-colors.png",
        "pattern.png",
        "four-colors-limited-range-420-8bpc.jpg",
    ] {
        let mut s = session_with(name);
        let first = frame(s.decode(None, 0, None).unwrap());
        let again = frame(s.decode(None, 0, None).unwrap());
        assert_eq!(first, again, "{name}");
        assert!(first.frame.is_foreign(), "{name}");
        assert_eq!(
            first.frame.plane(0).0.as_ptr(),
            again.frame.plane(0).0.as_ptr(),
            "{name}"
        );
    }
}
