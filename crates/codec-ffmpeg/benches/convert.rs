//! `codec_core::convert_to_rgb_into` (what `VideoFrame.copyTo(dest, { format: "RGBA" })` runs)
//! against swscale's unscaled conversion (`sws_scale`, one thread, as the `ffmpeg` CLI uses it),
//! in the same run, for I420, I420A, NV12, I422 and I444 at 720p, 1080p and 4K, both into a
//! reused destination. Also both on two threads (ours: two bands of rows, as the binding splits
//! a large frame; swscale: two contexts on the two halves of the picture).
//!
//! Runs are interleaved (ours, swscale, ours on two threads, swscale on two threads, repeated),
//! so load from other processes hits every side alike; the table gives the best and the median
//! of the rounds, in milliseconds. `cargo bench -p codec-ffmpeg --bench convert [-- FILTER]`
//! (`FILTER`: a substring of `format/size`, e.g. `I420/4K`; `ROUNDS=n` to change the count;
//! `ONLY=ours` or `ONLY=sws` skips the other single-thread side, so that neither evicts the
//! other's 33 MB from the cache between runs).
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use codec_core::{convert_to_rgb_into, FrameBuffer, Rect, VideoColorSpace, VideoPixelFormat};
use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg_next as ffmpeg;

const SIZES: [(u32, u32, &str); 3] = [
    (1280, 720, "720p"),
    (1920, 1080, "1080p"),
    (3840, 2160, "4K"),
];

/// A frame with detail in every plane (gradients and a pseudo-random texture).
fn source(format: VideoPixelFormat, w: u32, h: u32) -> FrameBuffer {
    let mut f = FrameBuffer::new_zeroed(format, w, h).unwrap();
    for p in 0..format.plane_count() {
        let (d, stride) = f.plane_mut(p);
        for (i, b) in d.iter_mut().enumerate() {
            let (x, y) = (i % stride, i / stride);
            *b = (16 + (x * 3 + y * 2 + (x * y) / 97 + p * 40 + (i * 2_654_435_761) % 13) % 220)
                as u8;
        }
    }
    f
}

fn av_format(format: VideoPixelFormat) -> Pixel {
    match format {
        VideoPixelFormat::I420 => Pixel::YUV420P,
        VideoPixelFormat::I420A => Pixel::YUVA420P,
        VideoPixelFormat::NV12 => Pixel::NV12,
        VideoPixelFormat::I422 => Pixel::YUV422P,
        _ => Pixel::YUV444P,
    }
}

/// Rows `y0..y0 + h` of `src` as an FFmpeg frame (the same samples swscale will read).
fn av_frame(src: &FrameBuffer, y0: u32, h: u32) -> ffmpeg::frame::Video {
    let (format, w) = (src.format(), src.coded_width());
    let mut f = ffmpeg::frame::Video::new(av_format(format), w, h);
    for p in 0..format.plane_count() {
        let (s, s_stride) = src.plane(p);
        let (row, rows) = format.plane_size(p, w, h);
        let first = (y0 / format.subsampling(p).1) as usize;
        let d_stride = f.stride(p);
        for (r, d) in f
            .data_mut(p)
            .chunks_mut(d_stride)
            .take(rows as usize)
            .enumerate()
        {
            let line = &s[(first + r) * s_stride..];
            d[..row as usize].copy_from_slice(&line[..row as usize]);
        }
    }
    f
}

/// One swscale conversion of a frame to RGBA: its context, input and reused output.
struct Sws {
    ctx: scaling::Context,
    input: ffmpeg::frame::Video,
    output: ffmpeg::frame::Video,
}

impl Sws {
    fn new(src: &FrameBuffer, y0: u32, h: u32) -> Self {
        let input = av_frame(src, y0, h);
        let w = src.coded_width();
        let ctx = scaling::Context::get(
            input.format(),
            w,
            h,
            Pixel::RGBA,
            w,
            h,
            scaling::Flags::BILINEAR,
        )
        .unwrap();
        let output = ffmpeg::frame::Video::new(Pixel::RGBA, w, h);
        Self { ctx, input, output }
    }

    fn run(&mut self) {
        self.ctx
            .run(black_box(&self.input), &mut self.output)
            .unwrap();
    }
}

fn ours(src: &FrameBuffer, y0: u32, h: u32, dest: &mut [u8]) {
    let w = src.coded_width();
    let (rgba, cs) = (VideoPixelFormat::RGBA, VideoColorSpace::REC709);
    let rect = Rect::new(0, y0, w, h);
    convert_to_rgb_into(black_box(src), rect, rgba, &cs, dest, w as usize * 4).unwrap();
}

fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1000.0
}

/// Best and median of a list of times.
fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2])
}

fn main() {
    ffmpeg::init().unwrap();
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    println!(
        "{:<14} {:>17} {:>17} {:>7} {:>17} {:>17} {:>7}",
        "ms best/median", "ours", "swscale", "ratio", "ours 2 threads", "swscale 2 thr.", "ratio"
    );
    for (w, h, size) in SIZES {
        for format in [
            VideoPixelFormat::I420,
            VideoPixelFormat::I420A,
            VideoPixelFormat::NV12,
            VideoPixelFormat::I422,
            VideoPixelFormat::I444,
        ] {
            let name = format!("{}/{size}", format.as_str());
            if !name.contains(&filter) {
                continue;
            }
            let src = source(format, w, h);
            // As `copyTo()` gets it: a plain allocation (16-byte aligned, like V8's).
            let mut dest = vec![0u8; (w * h * 4) as usize];
            let mut sws = Sws::new(&src, 0, h);
            // Two halves, split on an even row (a 4:2:0 chroma row is never cut).
            let half = (h / 2) & !1;
            let mut top = Sws::new(&src, 0, half);
            // swscale contexts are not `Send`: the second half's lives on a thread of its own.
            let (go, bottom_done) = {
                let (go, wait) = std::sync::mpsc::channel::<()>();
                let (done, bottom_done) = std::sync::mpsc::channel::<()>();
                let src = src.clone();
                std::thread::spawn(move || {
                    let mut bottom = Sws::new(&src, half, h - half);
                    while wait.recv().is_ok() {
                        bottom.run();
                        done.send(()).unwrap();
                    }
                });
                (go, bottom_done)
            };
            let mut t = [(); 4].map(|()| Vec::with_capacity(rounds));
            let only = std::env::var("ONLY").unwrap_or_default();
            for _ in 0..rounds + 2 {
                let one = if only == "sws" {
                    f64::NAN
                } else {
                    time(|| ours(&src, 0, h, &mut dest))
                };
                let two = if only == "ours" {
                    f64::NAN
                } else {
                    time(|| sws.run())
                };
                let three = time(|| {
                    let (top, bottom) = dest.split_at_mut(half as usize * w as usize * 4);
                    std::thread::scope(|s| {
                        s.spawn(|| ours(&src, half, h - half, bottom));
                        ours(&src, 0, half, top);
                    });
                });
                let four = time(|| {
                    go.send(()).unwrap();
                    top.run();
                    bottom_done.recv().unwrap();
                });
                for (v, x) in t.iter_mut().zip([one, two, three, four]) {
                    v.push(x);
                }
            }
            // The first two rounds warm caches and page in the buffers.
            let [a, b, c, d] = t.map(|v| stats(v[2..].to_vec()));
            println!(
                "{name:<14} {:>8.3}/{:<8.3} {:>8.3}/{:<8.3} {:>7.2} {:>8.3}/{:<8.3} {:>8.3}/{:<8.3} {:>7.2}",
                a.0, a.1, b.0, b.1, b.0 / a.0, c.0, c.1, d.0, d.1, d.0 / c.0
            );
        }
    }
    println!("ratio: swscale's best ÷ ours (above 1: ours is faster)");
}
