//! Encodes generated video frames and decodes them back through the worker crates, without
//! Node, and prints each frame's PSNR and the encode and decode speed.
//!
//! ```sh
//! cargo run --release -p codec-ffmpeg --example encode_decode -- [codec] [width] [height] [frames]
//! cargo run --release -p codec-ffmpeg --example encode_decode -- vp09.00.10.08 1280 720 120
//! ```
//!
//! Defaults: `avc1.42001f`, 640×360, 60 frames at 30 fps. Any codec string `VideoEncoder`
//! takes works (`avc1.*`, `hvc1.*`, `vp8`, `vp09.*`, `av01.*`).
//!
//! Each codec is driven the way the Node binding drives it: codec-core's [`Model`] (the WebCodecs
//! processing model: states, control message queue, flush promises, epochs) runs on this
//! thread, and a [`CodecWorker`] runs the codec-ffmpeg backend on its own thread. [`Codec`] below
//! is the glue: it forwards the model's messages to the worker, feeds the worker's reports back
//! into the model and keeps the outputs, in order. The steps are those of the JS API:
//! `configure`, `encode`/`decode` ([`Model::submit`]), `flush`, reading outputs, `reset`,
//! `close`.

use std::collections::VecDeque;
use std::error::Error;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use codec_core::{
    CodecError, CodecKind, CodecState, FlushId, FrameBuffer, InputFacts, JsEvent, Model,
    ModelConfig, Orientation, OutputContext, Rect, Report, Tagged, VideoEncoderConfig,
    VideoPixelFormat,
};
use codec_ffmpeg::{
    DecodedVideoOutput, EncodedVideoOutput, VideoDecodeInput, VideoDecoderBackend,
    VideoEncodeInput, VideoEncoderBackend,
};
use control_queue::{Backend, CodecWorker, ControlTx};

/// One frame every 1/30 s, in microseconds.
const FRAME_US: i64 = 33_333;

/// One WebCodecs codec as a Rust program drives it: the processing model on the caller's
/// thread, the backend on a worker thread, reports coming back through a channel.
struct Codec<B: Backend> {
    model: Model<B::Config, B::Input, B::Output>,
    tx: ControlTx<B::Config, B::Input>,
    reports: flume::Receiver<Tagged<Report<B::Output>>>,
    worker: CodecWorker,
    /// `output` callback calls not taken yet, in order, with what their configuration says
    /// about them.
    outputs: VecDeque<(B::Output, OutputContext)>,
    /// Flush promises that settled: `Ok` resolved, `Err` rejected (`AbortError` by a reset).
    settled: Vec<(FlushId, Result<(), CodecError>)>,
    /// The `error` callback's argument, once the codec failed (it is closed then).
    error: Option<CodecError>,
}

impl<B: Backend> Codec<B>
where
    B::Config: ModelConfig,
{
    /// `new VideoEncoder(...)` / `new VideoDecoder(...)` and `configure(config)`: a configured
    /// codec and its worker ("example-encoder" or "example-decoder"); `config` has passed its
    /// validity check.
    fn open(kind: CodecKind, backend: B, config: B::Config) -> Result<Self, Box<dyn Error>> {
        let name = match kind {
            CodecKind::Encoder => "example-encoder",
            CodecKind::Decoder => "example-decoder",
        };
        let (sink, reports) = flume::unbounded();
        let (tx, worker) = CodecWorker::spawn(name, backend, sink)?;
        let mut codec = Self {
            model: Model::new(kind),
            tx,
            reports,
            worker,
            outputs: VecDeque::new(),
            settled: Vec::new(),
            error: None,
        };
        codec.configure(config)?;
        Ok(codec)
    }

    /// Runs what a spec method or a report left in the model: its messages go to the worker,
    /// its events are applied here (this program's "JS side").
    fn pump(&mut self) {
        while let Some(msg) = self.model.poll_action() {
            // The worker only stops after `Close`; the message is then dropped, as it should.
            let _ = self.tx.send(msg);
        }
        while let Some(event) = self.model.poll_event() {
            match event {
                JsEvent::Output(o, ctx) => self.outputs.push_back((o, ctx)),
                JsEvent::Error(e) => self.error = Some(e),
                JsEvent::FlushResolved(id) => self.settled.push((id, Ok(()))),
                JsEvent::FlushRejected(id, e) => self.settled.push((id, Err(e))),
                // A program with `ondequeue` listeners would fire them here.
                JsEvent::ScheduleDequeue => {
                    let _ = self.model.dequeue_event_fired();
                }
            }
        }
    }

    /// The error the codec failed with, if it did (the model is closed then, and every method
    /// would report `InvalidStateError` instead).
    fn failed(&self) -> Result<(), CodecError> {
        self.error.clone().map_or(Ok(()), Err)
    }

    /// `configure(config)`; `config` has passed its validity check.
    fn configure(&mut self, config: B::Config) -> Result<(), CodecError> {
        self.failed()?;
        self.model.configure(config)?;
        self.pump();
        Ok(())
    }

    /// `encode()` / `decode()`, then whatever the worker has reported meanwhile.
    fn submit(
        &mut self,
        input: B::Input,
        facts: impl FnOnce(&B::Input) -> InputFacts<'_>,
    ) -> Result<(), CodecError> {
        self.failed()?;
        self.model.submit(input, facts)?;
        self.pump();
        self.poll();
        Ok(())
    }

    /// Applies every report the worker has sent so far, without waiting.
    fn poll(&mut self) {
        while let Ok(report) = self.reports.try_recv() {
            self.model.handle_report(report);
            self.pump();
        }
    }

    /// `await flush()`: waits for the worker until the flush promise settles.
    fn flush(&mut self) -> Result<(), CodecError> {
        self.failed()?;
        let id = self.model.flush()?;
        self.pump();
        loop {
            if let Some(i) = self.settled.iter().position(|(f, _)| *f == id) {
                return self.settled.remove(i).1;
            }
            self.failed()?;
            let Ok(report) = self.reports.recv() else {
                return Err(CodecError::encoding("the codec worker stopped"));
            };
            self.model.handle_report(report);
            self.pump();
        }
    }

    /// The next output, in order.
    fn next_output(&mut self) -> Option<(B::Output, OutputContext)> {
        self.outputs.pop_front()
    }

    /// `reset()`: pending work is dropped, the codec is unconfigured and can be configured again.
    fn reset(&mut self) -> Result<(), CodecError> {
        self.model.reset()?;
        self.pump();
        Ok(())
    }

    /// `close()`, then waits (up to a second) for the worker thread to free the codec and exit.
    /// Returns whether it did.
    fn close(mut self) -> Result<bool, CodecError> {
        self.model.close()?;
        self.pump();
        Ok(self.worker.join_timeout(Duration::from_secs(1)))
    }
}

/// What the example measured.
struct Outcome {
    /// The codec string and the frame size.
    codec: String,
    /// Frame width and height.
    size: (u32, u32),
    /// Every chunk, in output order.
    chunks: Vec<EncodedVideoOutput>,
    /// Every decoded frame, in output order.
    frames: Vec<DecodedVideoOutput>,
    /// Y, U and V PSNR of each decoded frame against its source, in dB.
    psnr: Vec<[f64; 3]>,
    /// Frames per second through the encoder (submit to flush resolved).
    encode_fps: f64,
    /// Frames per second through the decoder.
    decode_fps: f64,
}

/// Frame `t` of a smooth moving test picture (I420).
fn source_frame(width: u32, height: u32, t: u32) -> Result<FrameBuffer, CodecError> {
    let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::I420, width, height)?;
    let t = f64::from(t);
    for plane in 0..3 {
        let (w, h) = VideoPixelFormat::I420.plane_size(plane, width, height);
        let (data, stride) = f.plane_mut(plane);
        for y in 0..h as usize {
            for x in 0..w as usize {
                let (fx, fy) = (x as f64, y as f64);
                let v = match plane {
                    0 => 128.0 + 70.0 * ((fx + 3.0 * t) / 23.0).sin() * ((fy - t) / 17.0).cos(),
                    1 => 128.0 + 40.0 * ((fx - 2.0 * t) / 31.0).sin(),
                    _ => 128.0 + 40.0 * ((fy + t) / 29.0).cos(),
                };
                data[y * stride + x] = v as u8;
            }
        }
    }
    Ok(f)
}

/// Sample `(x, y)` of `plane`, scaled to 8 bits for 10- and 12-bit formats.
fn sample(f: &FrameBuffer, plane: usize, x: usize, y: usize) -> f64 {
    let (data, stride) = f.plane(plane);
    match f.format().bit_depth() {
        8 => f64::from(data[y * stride + x]),
        depth => {
            let o = y * stride + 2 * x;
            let v = u16::from_le_bytes([data[o], data[o + 1]]);
            f64::from(v) / f64::from(1u32 << (depth - 8))
        }
    }
}

/// PSNR in dB of each plane of `decoded` against `source` (same size, 4:2:0), 99 if identical.
fn psnr(source: &FrameBuffer, decoded: &FrameBuffer) -> [f64; 3] {
    let (w, h) = (source.coded_width(), source.coded_height());
    let mut out = [0.0; 3];
    for (plane, psnr) in out.iter_mut().enumerate() {
        let (pw, ph) = VideoPixelFormat::I420.plane_size(plane, w, h);
        let mut squared = 0.0;
        for y in 0..ph as usize {
            for x in 0..pw as usize {
                let d = sample(source, plane, x, y) - sample(decoded, plane, x, y);
                squared += d * d;
            }
        }
        let mse = squared / f64::from(pw * ph);
        *psnr = if mse == 0.0 {
            99.0
        } else {
            10.0 * (255.0 * 255.0 / mse).log10()
        };
    }
    out
}

/// Moves the encoder's outputs to `chunks`. Each output comes with what its configuration says
/// about it: for an encoder, the `rotation` and `flip` its `decoderConfig` reports.
fn take_chunks(encoder: &mut Codec<VideoEncoderBackend>, chunks: &mut Vec<EncodedVideoOutput>) {
    while let Some((mut chunk, ctx)) = encoder.next_output() {
        if let Some(dc) = &mut chunk.decoder_config {
            ctx.apply_to_decoder_config(dc);
        }
        chunks.push(chunk);
    }
}

/// Encodes `count` frames of `width`×`height` with `codec`, decodes the chunks, and writes one
/// line per frame to `log`.
fn run(
    codec: &str,
    width: u32,
    height: u32,
    count: u32,
    log: &mut dyn Write,
) -> Result<Outcome, Box<dyn Error>> {
    let sources = (0..count)
        .map(|t| source_frame(width, height, t).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;

    // Encode.
    let config = VideoEncoderConfig {
        codec: codec.into(),
        width,
        height,
        bitrate: Some(u64::from(width * height) * 3), // 0.1 bit per pixel at 30 fps
        framerate: Some(30.0),
        ..Default::default()
    };
    config.validate()?; // the TypeError checks `configure()` makes before anything else
    let start = Instant::now();
    let mut encoder = Codec::open(CodecKind::Encoder, VideoEncoderBackend::default(), config)?;
    let mut chunks = Vec::new();
    for (i, frame) in sources.iter().enumerate() {
        let input = VideoEncodeInput {
            frame: frame.clone(),
            visible: Rect::new(0, 0, width, height),
            timestamp: i as i64 * FRAME_US,
            duration: Some(FRAME_US as u64),
            key_frame: false,
            quantizer: None,
            color_space: Default::default(),
        };
        encoder.submit(input, |_| InputFacts::Frame(Orientation::default()))?;
        take_chunks(&mut encoder, &mut chunks);
    }
    encoder.flush()?;
    let encode_time = start.elapsed();
    take_chunks(&mut encoder, &mut chunks);
    encoder.reset()?; // unconfigured again: it could be configured for another stream
    if !encoder.close()? {
        return Err("the encoder's worker did not exit".into());
    }
    let decoder_config = chunks.iter().find_map(|c| c.decoder_config.clone());
    let decoder_config = decoder_config.ok_or("no chunk carries a decoderConfig")?;

    // Decode.
    decoder_config.validate()?;
    let start = Instant::now();
    let backend = VideoDecoderBackend::default();
    let mut decoder = Codec::open(CodecKind::Decoder, backend, decoder_config)?;
    for c in &chunks {
        let input = VideoDecodeInput {
            data: c.data.clone(),
            key: c.key,
            timestamp: c.timestamp,
            duration: c.duration,
        };
        decoder.submit(input, |i| InputFacts::Chunk {
            key: i.key,
            data: &i.data,
        })?;
    }
    decoder.flush()?;
    let decode_time = start.elapsed();
    let mut frames = Vec::new();
    while let Some((frame, _)) = decoder.next_output() {
        frames.push(frame);
    }
    if decoder.model.state() != CodecState::Configured || !decoder.close()? {
        return Err("the decoder did not shut down cleanly".into());
    }

    // Report.
    let mut psnrs = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let source = usize::try_from(f.timestamp / FRAME_US)
            .ok()
            .and_then(|t| sources.get(t))
            .ok_or("a decoded frame has a timestamp no source frame has")?;
        let p = psnr(source, &f.frame);
        let chunk = chunks.iter().find(|c| c.timestamp == f.timestamp);
        writeln!(
            log,
            "frame {i:4}  ts {:8} us  {:5}  {:6} bytes  PSNR Y {:5.2}  U {:5.2}  V {:5.2} dB",
            f.timestamp,
            if chunk.is_some_and(|c| c.key) {
                "key"
            } else {
                "delta"
            },
            chunk.map_or(0, |c| c.data.len()),
            p[0],
            p[1],
            p[2],
        )?;
        psnrs.push(p);
    }
    let fps = |d: Duration| f64::from(count) / d.as_secs_f64().max(1e-9);
    Ok(Outcome {
        codec: codec.into(),
        size: (width, height),
        chunks,
        frames,
        psnr: psnrs,
        encode_fps: fps(encode_time),
        decode_fps: fps(decode_time),
    })
}

impl Outcome {
    /// The summary line: counts, sizes, speed and the worst luma PSNR.
    fn summary(&self) -> String {
        let min_y = self.psnr.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        format!(
            "{} {}x{}: {} frames, {} chunks, {} bytes; encode {:.1} fps, decode {:.1} fps; \
             min Y PSNR {min_y:.2} dB",
            self.codec,
            self.size.0,
            self.size.1,
            self.frames.len(),
            self.chunks.len(),
            self.chunks.iter().map(|c| c.data.len()).sum::<usize>(),
            self.encode_fps,
            self.decode_fps,
        )
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let codec = args.first().map_or("avc1.42001f", String::as_str);
    let number = |i: usize, default: u32| -> Result<u32, Box<dyn Error>> {
        Ok(args
            .get(i)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let (width, height, frames) = (number(1, 640)?, number(2, 360)?, number(3, 60)?);
    let outcome = run(codec, width, height, frames, &mut std::io::stdout().lock())?;
    println!("{}", outcome.summary());
    Ok(())
}

/// The integration tests' helpers: `decode_all` drives a decoder backend directly (no model, no
/// worker); `CODECS` is one codec string of each family.
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod common;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Every codec through the example: one chunk and one frame per source frame, in order,
    /// decoded exactly as the backend alone decodes the same chunks, at a quality only a
    /// correct round trip reaches; one printed line per frame plus the summary.
    #[test]
    fn every_codec_round_trips_through_the_workers() {
        let (w, h, n) = (96, 64, 8);
        for codec in common::CODECS {
            let mut log = Vec::new();
            let out = run(codec, w, h, n, &mut log).unwrap();
            let log = String::from_utf8(log).unwrap();
            assert_eq!(log.lines().count(), n as usize, "{codec}:\n{log}");
            for (i, line) in log.lines().enumerate() {
                assert!(line.starts_with(&format!("frame {i:4}  ts")), "{line}");
            }
            let summary = out.summary();
            assert!(
                summary.starts_with(&format!("{codec} 96x64: 8 frames, 8 chunks, ")),
                "{summary}"
            );
            assert_eq!(out.chunks.len(), n as usize, "{codec}: one chunk per frame");
            assert_eq!(out.frames.len(), n as usize, "{codec}: one frame per chunk");
            assert!(out.chunks[0].key, "{codec}: the first chunk is a key chunk");
            for (i, f) in out.frames.iter().enumerate() {
                assert_eq!(f.timestamp, i as i64 * FRAME_US, "{codec}: frame {i}");
                assert_eq!(f.duration, Some(FRAME_US as u64), "{codec}: frame {i}");
                assert_eq!((f.frame.coded_width(), f.frame.coded_height()), (w, h));
            }
            let config = out.chunks[0].decoder_config.clone().unwrap();
            let direct = common::decode_all(config, &out.chunks);
            assert_eq!(direct.len(), out.frames.len(), "{codec}");
            for (i, (a, b)) in direct.iter().zip(&out.frames).enumerate() {
                assert_eq!(
                    a.frame, b.frame,
                    "{codec}: frame {i} differs from a direct decode"
                );
                let source = source_frame(w, h, i as u32).unwrap();
                assert_eq!(psnr(&source, &b.frame), out.psnr[i], "{codec}: frame {i}");
            }
            for (i, p) in out.psnr.iter().enumerate() {
                assert!(p.iter().all(|&v| v > 30.0), "{codec}: frame {i} PSNR {p:?}");
            }
            assert!(out.encode_fps > 0.0 && out.decode_fps > 0.0);
        }
    }

    #[test]
    fn psnr_of_identical_and_shifted_frames() {
        let a = source_frame(32, 16, 0).unwrap();
        assert_eq!(psnr(&a, &a), [99.0; 3]);
        // Every luma sample off by 4: MSE 16, PSNR 10·log10(255²/16).
        let mut b = a.clone();
        for v in b.plane_mut(0).0.iter_mut() {
            *v = v.wrapping_add(4);
        }
        let expected = 10.0 * (255.0f64 * 255.0 / 16.0).log10();
        assert!((psnr(&a, &b)[0] - expected).abs() < 1e-9);
        assert_eq!(psnr(&a, &b)[1..], [99.0, 99.0]);
    }

    /// `quickstart.rs`, which README.md shows, as a module of this test.
    mod quickstart {
        include!("quickstart.rs");

        #[test]
        fn quickstart_runs() {
            main().unwrap();
        }
    }

    /// README.md's "Use from Rust" sample is `quickstart.rs`, byte for byte.
    #[test]
    fn readme_shows_the_quickstart_as_it_is() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let readme = std::fs::read_to_string(path).unwrap();
        let sample = format!("```rust\n{}```\n", include_str!("quickstart.rs"));
        assert!(
            readme.contains(&sample),
            "README.md does not show quickstart.rs as it is"
        );
    }

    /// A valid configuration the encoder cannot run reaches the program as the codec's error
    /// (`NotSupportedError`, as the `error` callback would get it), not as a hang or a panic.
    #[test]
    fn an_unsupported_config_surfaces_as_the_codec_error() {
        // H.264 4:2:0 needs even dimensions: valid for `configure()`, refused by the worker.
        let e = run("avc1.42001f", 63, 64, 4, &mut Vec::new())
            .err()
            .unwrap();
        let e = e.downcast::<CodecError>().unwrap();
        assert_eq!(e.name, codec_core::ErrorName::NotSupportedError, "{e}");
    }
}
