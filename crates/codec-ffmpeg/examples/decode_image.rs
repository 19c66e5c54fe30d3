//! Decodes every frame of an image file with the `ImageDecoder` backend through the worker
//! crates, without Node, and prints what each frame is.
//!
//! ```sh
//! cargo run --release -p codec-ffmpeg --example decode_image -- <file> [mime type] [--animation]
//! ```
//!
//! The MIME type defaults to the one the file extension names (`.jpg`, `.png`, `.gif`, `.webp`,
//! `.avif`, `.bmp`, `.ico`). `--animation` asks for the animated track where an image has a
//! still one too (`preferAnimation: true`; an AVIF with an image sequence).
//!
//! It is driven the way the Node binding drives `ImageDecoder`: codec-core's
//! [`ImageDecoderModel`] (tracks, pending decodes, `completed`, "Reject Infeasible Decode")
//! runs on this thread and an [`ImageBackend`] on a [`CodecWorker`] thread owns the encoded
//! data and the FFmpeg decoders. The bytes go in as a `ReadableStream` would hand them over, in
//! chunks; the tracks are known as soon as the header is in.

use std::error::Error;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use codec_core::{
    convert_to_rgb, CodecError, ImageDecoderModel, ImageEvent, ImageOutput, ImageRequest,
    ImageState, ImageTrackInfo, Rect, Report, Tagged, VideoPixelFormat,
};
use codec_ffmpeg::{
    image_type_supported, ImageBackend, ImageDecoderConfig, ImageDecoderOptions, ImageFrameOutput,
    ImageType,
};
use control_queue::{CodecWorker, ControlTx};

type Reports = flume::Receiver<Tagged<Report<ImageOutput<ImageFrameOutput>>>>;

/// An `ImageDecoder` as a Rust program drives it.
struct Decoder {
    model: ImageDecoderModel<ImageDecoderConfig, ImageFrameOutput>,
    tx: ControlTx<ImageDecoderConfig, ImageRequest>,
    reports: Reports,
    worker: CodecWorker,
    /// Events not handled yet, in order.
    events: Vec<ImageEvent<ImageFrameOutput>>,
}

impl Decoder {
    /// `new ImageDecoder({ type, preferAnimation })` for a supported type.
    fn new(ty: ImageType, prefer_animation: Option<bool>) -> Result<Self, control_queue::Error> {
        let options = ImageDecoderOptions {
            prefer_animation,
            ..Default::default()
        };
        let (sink, reports) = flume::unbounded();
        let (tx, worker) = CodecWorker::spawn("example-image", ImageBackend::new(), sink)?;
        let model = ImageDecoderModel::new(ImageDecoderConfig { ty, options }, prefer_animation);
        let mut decoder = Self {
            model,
            tx,
            reports,
            worker,
            events: Vec::new(),
        };
        decoder.pump();
        Ok(decoder)
    }

    /// Sends the model's messages to the worker and collects its events.
    fn pump(&mut self) {
        while let Some(msg) = self.model.poll_action() {
            // The worker only stops after `Close`; the message is then dropped, as it should.
            let _ = self.tx.send(msg);
        }
        while let Some(event) = self.model.poll_event() {
            self.events.push(event);
        }
    }

    /// Waits for the worker's next report and applies it.
    fn wait(&mut self) -> Result<(), CodecError> {
        let report = self
            .reports
            .recv()
            .map_err(|_| CodecError::encoding("the image worker stopped"))?;
        self.model.handle_report(report);
        self.pump();
        Ok(())
    }

    /// Waits until the worker has answered every message so far (all data is scanned).
    fn settle(&mut self) -> Result<(), CodecError> {
        while self.model.is_busy() {
            self.wait()?;
        }
        self.closed_error()
    }

    /// The error the decoder closed with, if it did.
    fn closed_error(&self) -> Result<(), CodecError> {
        match self.events.iter().find_map(|e| match e {
            ImageEvent::Closed { error, .. } => Some(error.clone()),
            _ => None,
        }) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// `await decode({ frameIndex, completeFramesOnly: true })`.
    fn decode(&mut self, frame_index: u32) -> Result<ImageFrameOutput, CodecError> {
        let id = self.model.decode(frame_index, true)?;
        self.pump();
        loop {
            let answer = self.events.iter().position(|e| {
                matches!(e, ImageEvent::Resolved { id: i, .. } | ImageEvent::Rejected { id: i, .. } if *i == id)
            });
            match answer.map(|i| self.events.remove(i)) {
                Some(ImageEvent::Resolved { frame, .. }) => return Ok(frame),
                Some(ImageEvent::Rejected { error, .. }) => return Err(error),
                _ => self.wait()?,
            }
        }
    }

    /// `close()`, then waits (up to a second) for the worker to exit. Returns whether it did.
    fn close(mut self) -> bool {
        self.model.close();
        self.pump();
        self.worker.join_timeout(Duration::from_secs(1))
    }
}

/// What the example decoded.
struct Outcome {
    /// The tracks, primary first, with their final frame counts.
    tracks: Vec<ImageTrackInfo>,
    /// The selected track.
    selected: usize,
    /// Every frame of the selected track, in order.
    frames: Vec<ImageFrameOutput>,
}

/// The MIME type a file name's extension names.
fn mime_of(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" | "apng" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "bmp" => "image/bmp",
        "ico" => "image/x-icon",
        _ => return None,
    })
}

/// The colour of the pixel at the centre of `f` (at an even position, which every subsampled
/// format allows), as RGBA.
fn centre_rgba(f: &ImageFrameOutput) -> Result<[u8; 4], CodecError> {
    let (w, h) = (f.frame.coded_width(), f.frame.coded_height());
    let (x, y) = ((w / 2) & !1, (h / 2) & !1);
    let rect = Rect::new(x, y, 2.min(w - x), 2.min(h - y));
    let rgba = convert_to_rgb(&f.frame, rect, VideoPixelFormat::RGBA, &f.color_space)?;
    let (px, _) = rgba.plane(0);
    Ok([px[0], px[1], px[2], px[3]])
}

/// Decodes every frame of the selected track of `data` (a `mime` image), fed in chunks of
/// `chunk` bytes, and writes one line per frame to `log`.
fn run(
    data: &[u8],
    mime: &str,
    prefer_animation: Option<bool>,
    chunk: usize,
    log: &mut dyn Write,
) -> Result<Outcome, Box<dyn Error>> {
    let ty = match ImageType::from_mime(mime) {
        Some(ty) if image_type_supported(mime) => ty,
        _ => return Err(format!("{mime} is not a type this build decodes").into()),
    };
    let mut decoder = Decoder::new(ty, prefer_animation)?;
    for piece in data.chunks(chunk.max(1)) {
        decoder.model.append(piece.to_vec());
    }
    decoder.model.end_of_data();
    decoder.pump();
    decoder.settle()?;
    let ImageState::Established {
        tracks,
        selected: Some(selected),
    } = decoder.model.state().clone()
    else {
        return Err("the image has no selected track".into());
    };
    let track = tracks[selected];
    writeln!(
        log,
        "{mime}: {} track(s), track {selected} selected: {} frame(s), {}, repetitions {}",
        tracks.len(),
        track.frame_count,
        if track.animated { "animated" } else { "still" },
        track.repetition_count,
    )?;
    let mut frames = Vec::new();
    for i in 0..track.frame_count {
        let f = decoder.decode(i)?;
        let [r, g, b, a] = centre_rgba(&f)?;
        writeln!(
            log,
            "frame {i:3}: {:?} {}x{}  ts {} us  duration {} us  rotation {} flip {}  \
             centre rgba({r}, {g}, {b}, {a})",
            f.frame.format(),
            f.frame.coded_width(),
            f.frame.coded_height(),
            f.timestamp,
            f.duration.map_or("-".into(), |d| d.to_string()),
            f.rotation,
            f.flip,
        )?;
        frames.push(f);
    }
    if !decoder.close() {
        return Err("the image worker did not exit".into());
    }
    Ok(Outcome {
        tracks,
        selected,
        frames,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let animation = args.iter().any(|a| a == "--animation");
    let mut positional = args.iter().filter(|a| !a.starts_with("--"));
    let path = Path::new(
        positional
            .next()
            .ok_or("usage: decode_image <file> [mime type] [--animation]")?,
    );
    let mime = match positional.next() {
        Some(m) => m.as_str(),
        None => mime_of(path).ok_or("unknown extension: give the MIME type")?,
    };
    let data = std::fs::read(path)?;
    let out = run(
        &data,
        mime,
        animation.then_some(true),
        64 * 1024,
        &mut std::io::stdout().lock(),
    )?;
    println!(
        "decoded {} frame(s) of track {} of {}",
        out.frames.len(),
        out.selected,
        out.tracks.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use codec_ffmpeg::{DecodeOutcome, ImageSession};
    use std::path::PathBuf;

    /// A WPT image (shared/fixtures/wpt-media next to the repository, as the other tests).
    fn wpt(name: &str) -> Vec<u8> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/wpt-media")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// An image made for the Node tests (test/image/fixtures).
    fn own(name: &str) -> Vec<u8> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../test/image/fixtures")
            .join(name);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// Runs the example on `data` in 37-byte chunks; checks one line per frame plus the header
    /// line, and that each frame is exactly what an `ImageSession` alone decodes.
    fn run_checked(data: &[u8], mime: &str, animation: Option<bool>) -> Outcome {
        let mut log = Vec::new();
        let out = run(data, mime, animation, 37, &mut log).unwrap();
        let log = String::from_utf8(log).unwrap();
        assert_eq!(log.lines().count(), out.frames.len() + 1, "{log}");
        let mut session = ImageSession::new(
            ImageType::from_mime(mime).unwrap(),
            ImageDecoderOptions {
                prefer_animation: animation,
                ..Default::default()
            },
        );
        session.append(data);
        session.set_complete();
        for (i, f) in out.frames.iter().enumerate() {
            let track = Some(out.selected as u32);
            match session.decode(track, i as u32, None).unwrap() {
                DecodeOutcome::Frame(direct) => assert_eq!(&direct, f, "frame {i}"),
                o => panic!("frame {i}: {o:?}"),
            }
        }
        out
    }

    #[test]
    fn animated_gif_gives_both_frames_with_their_times() {
        let out = run_checked(&wpt("four-colors-flip.gif"), "image/gif", None);
        assert_eq!(out.tracks.len(), 1);
        assert_eq!(out.tracks[0].frame_count, 2);
        assert_eq!(out.tracks[0].repetition_count, f64::INFINITY);
        assert_eq!(out.frames.len(), 2);
        assert_eq!(out.frames[1].timestamp, 30_000);
        assert_eq!(out.frames[1].duration, Some(40_000));
        for f in &out.frames {
            assert_eq!((f.frame.coded_width(), f.frame.coded_height()), (320, 240));
        }
    }

    #[test]
    fn avif_sequence_is_selected_with_prefer_animation() {
        let still = run_checked(&wpt("four-colors-flip.avif"), "image/avif", None);
        assert_eq!(still.tracks.len(), 2);
        assert_eq!((still.selected, still.frames.len()), (0, 1));
        let anim = run_checked(&wpt("four-colors-flip.avif"), "image/avif", Some(true));
        assert_eq!((anim.selected, anim.frames.len()), (1, 7));
        assert!(anim.tracks[1].animated);
        let ts: Vec<i64> = anim.frames.iter().map(|f| f.timestamp).collect();
        assert!(ts.windows(2).all(|w| w[0] < w[1]), "{ts:?}");
    }

    #[test]
    fn avif_alpha_decodes_to_its_exact_alpha_plane() {
        let out = run_checked(&own("alpha.avif"), "image/avif", None);
        let f = &out.frames[0].frame;
        assert_eq!(f.format(), VideoPixelFormat::I420A);
        // The source alpha is min(255, 4x + y), coded losslessly.
        let (a, stride) = f.plane(3);
        assert_eq!(
            (a[0], a[5 * stride + 10], a[47 * stride + 63]),
            (0, 45, 255)
        );
    }

    #[test]
    fn centre_colour_of_a_four_colour_png() {
        // four-colors.png: yellow, red, blue and green quadrants; the centre pixel is the
        // bottom-right one's first.
        let out = run_checked(&wpt("four-colors.png"), "image/png", None);
        assert_eq!(centre_rgba(&out.frames[0]).unwrap(), [0, 255, 0, 255]);
    }

    #[test]
    fn truncated_and_unsupported_data_are_errors() {
        let gif = wpt("four-colors.gif");
        let e = run(&gif[..10], "image/gif", None, 4, &mut Vec::new())
            .err()
            .unwrap();
        let e = e.downcast::<CodecError>().unwrap();
        assert_eq!(e.name, codec_core::ErrorName::InvalidStateError, "{e}");
        assert!(run(&gif, "image/svg+xml", None, 4, &mut Vec::new()).is_err());
    }

    #[test]
    fn mime_types_from_extensions() {
        assert_eq!(mime_of(Path::new("a/b.JPG")), Some("image/jpeg"));
        assert_eq!(mime_of(Path::new("x.avif")), Some("image/avif"));
        assert_eq!(mime_of(Path::new("x.txt")), None);
    }
}
