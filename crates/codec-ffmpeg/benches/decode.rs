//! The decode path: a sequence of chunks through `VideoDecoderBackend` (FFmpeg's H.264, HEVC,
//! VP8 and VP9 decoders, libdav1d for AV1) into `FrameBuffer`s, at 720p and 1080p; then what a
//! player does with each decoded frame, the conversion to RGBA: `codec_core::convert_to_rgb`
//! (as `copyTo()` runs it, allocating) and `convert_to_rgb_into` (a reused buffer) next to
//! swscale's `sws_scale` into a reused frame, at 720p, 1080p and 4K.
//! `cargo bench -p codec-ffmpeg --bench decode`.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use codec_core::{
    convert_to_rgb, convert_to_rgb_into, FrameBuffer, LatencyMode, Rect, VideoColorSpace,
    VideoDecoderConfig, VideoEncoderConfig, VideoPixelFormat,
};
use codec_ffmpeg::{
    EncodedVideoOutput, VideoDecodeInput, VideoDecoderBackend, VideoEncodeInput,
    VideoEncoderBackend,
};
use control_queue::{Backend, Cancel};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ffmpeg_next as ffmpeg;

/// Chunks in each decoded sequence (one key chunk, then delta chunks).
const FRAMES: u32 = 30;

/// An I420 frame with detail and motion: diagonal gradients, a moving bright box, varying chroma.
fn frame(w: u32, h: u32, t: u32) -> FrameBuffer {
    let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::I420, w, h).unwrap();
    let (y, stride) = f.plane_mut(0);
    let (bx, by) = ((t * 11) % (w - 64), (t * 5) % (h - 64));
    for r in 0..h {
        for c in 0..w {
            let in_box = (bx..bx + 64).contains(&c) && (by..by + 64).contains(&r);
            y[(r * stride as u32 + c) as usize] = if in_box {
                235
            } else {
                (16 + (c * 3 + r * 2 + t * 4 + (c * r) / 97) % 200) as u8
            };
        }
    }
    for (p, k) in [(1, 3), (2, 5)] {
        let (d, stride) = f.plane_mut(p);
        for (i, b) in d.iter_mut().enumerate() {
            *b = (64 + ((i % stride) as u32 * k / 4 + i as u32 / stride as u32 + t) % 128) as u8;
        }
    }
    f
}

/// `FRAMES` chunks of `codec` at `w`×`h` from our encoder (realtime settings, 30 fps).
fn encoded(codec: &str, w: u32, h: u32) -> Vec<EncodedVideoOutput> {
    let mut enc = VideoEncoderBackend::default();
    let mut chunks = Vec::new();
    let config = VideoEncoderConfig {
        codec: codec.into(),
        width: w,
        height: h,
        bitrate: Some(u64::from(w * h) * 2),
        framerate: Some(30.0),
        latency_mode: LatencyMode::Realtime,
        ..Default::default()
    };
    enc.configure(config, &mut |c| chunks.push(c)).unwrap();
    let cancel = Cancel::never();
    for t in 0..FRAMES {
        let input = VideoEncodeInput {
            frame: Arc::new(frame(w, h, t)),
            visible: Rect::new(0, 0, w, h),
            timestamp: i64::from(t) * 33_333,
            duration: None,
            key_frame: t == 0,
            quantizer: None,
            color_space: Default::default(),
        };
        enc.process(input, &cancel, &mut |c| chunks.push(c))
            .unwrap();
    }
    enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
    chunks
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(3));
    for (w, h, size) in [(1280, 720, "720p"), (1920, 1080, "1080p")] {
        for (name, codec) in [
            (
                "h264",
                if h <= 720 {
                    "avc1.64001f"
                } else {
                    "avc1.640028"
                },
            ),
            (
                "hevc",
                if h <= 720 {
                    "hev1.1.6.L93.B0"
                } else {
                    "hev1.1.6.L120.B0"
                },
            ),
            ("vp8", "vp8"),
            ("vp9", "vp09.00.40.08"),
            ("av1", "av01.0.08M.08"),
        ] {
            let chunks = encoded(codec, w, h);
            let config: VideoDecoderConfig = chunks[0].decoder_config.clone().unwrap();
            let inputs: Vec<VideoDecodeInput> = chunks
                .into_iter()
                .map(|c| VideoDecodeInput {
                    data: c.data,
                    key: c.key,
                    timestamp: c.timestamp,
                    duration: c.duration,
                })
                .collect();
            let cancel = Cancel::never();
            g.throughput(Throughput::Elements(inputs.len() as u64));
            g.bench_function(BenchmarkId::new(name, size), |b| {
                b.iter(|| {
                    let mut dec = VideoDecoderBackend::default();
                    let mut pixels = 0usize;
                    let mut count = |f: codec_ffmpeg::DecodedVideoOutput| {
                        pixels += black_box(f).frame.coded_width() as usize
                    };
                    dec.configure(config.clone(), &mut count).unwrap();
                    for input in &inputs {
                        dec.process(input.clone(), &cancel, &mut count).unwrap();
                    }
                    dec.flush(&cancel, &mut count).unwrap();
                    black_box(pixels)
                })
            });
        }
    }
    g.finish();
}

/// A decoded frame's conversion to RGBA: ours (allocating as `copyTo()` does, and into a
/// reused buffer) and swscale's into a reused frame (its fast unscaled I420 → RGBA path).
fn to_rgba(c: &mut Criterion) {
    ffmpeg::init().unwrap();
    let mut g = c.benchmark_group("frame_to_rgba");
    g.sample_size(20);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    for (w, h, size) in [
        (1280, 720, "720p"),
        (1920, 1080, "1080p"),
        (3840, 2160, "4K"),
    ] {
        let src = frame(w, h, 7);
        let rect = Rect::new(0, 0, w, h);
        let cs = VideoColorSpace::REC709;
        g.throughput(Throughput::Elements(u64::from(w * h)));
        g.bench_function(BenchmarkId::new("convert_to_rgb", size), |b| {
            b.iter(|| convert_to_rgb(black_box(&src), rect, VideoPixelFormat::RGBA, &cs).unwrap())
        });
        let mut dest = vec![0u8; (w * h * 4) as usize];
        g.bench_function(BenchmarkId::new("convert_to_rgb_into", size), |b| {
            b.iter(|| {
                let rgba = VideoPixelFormat::RGBA;
                convert_to_rgb_into(black_box(&src), rect, rgba, &cs, &mut dest, w as usize * 4)
                    .unwrap()
            })
        });
        let mut input = ffmpeg::frame::Video::new(ffmpeg::format::Pixel::YUV420P, w, h);
        for p in 0..3 {
            let (s, s_stride) = src.plane(p);
            let d_stride = input.stride(p);
            let row = if p == 0 { w } else { w / 2 } as usize;
            for (d, s) in input
                .data_mut(p)
                .chunks_mut(d_stride)
                .zip(s.chunks(s_stride))
            {
                d[..row].copy_from_slice(&s[..row]);
            }
        }
        let mut output = ffmpeg::frame::Video::new(ffmpeg::format::Pixel::RGBA, w, h);
        let mut sws = ffmpeg::software::scaling::Context::get(
            ffmpeg::format::Pixel::YUV420P,
            w,
            h,
            ffmpeg::format::Pixel::RGBA,
            w,
            h,
            ffmpeg::software::scaling::Flags::BILINEAR,
        )
        .unwrap();
        g.bench_function(BenchmarkId::new("swscale", size), |b| {
            b.iter(|| sws.run(black_box(&input), &mut output).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, decode, to_rgba);
criterion_main!(benches);
