//! `VideoFrame.copyTo(dest, { format: "RGBA" })`'s conversion (`convert_to_rgb`, which
//! allocates its result) at 720p, 1080p and 4K from I420, NV12, I444, I420A and I420P10 (what
//! decoders and cameras hand out), the I420 conversion alone into a reused buffer
//! (`convert_to_rgb_into`), a Display P3 re-encoding, and a plain RGBA copy for comparison.
//! `cargo bench -p codec-core`.
//!
//! swscale's time for the same conversions, in the same run, is measured by `codec-ffmpeg`'s
//! `convert` bench (codec-core must not link FFmpeg); the row kernels alone, per instruction
//! set, by `pixel-simd`'s `rows` bench.
use std::hint::black_box;
use std::time::Duration;

use codec_core::{
    convert_to_rgb, convert_to_rgb_into, srgb_to_display_p3, FrameBuffer, Rect, VideoColorSpace,
    VideoPixelFormat,
};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const SIZES: [(u32, u32); 3] = [(1280, 720), (1920, 1080), (3840, 2160)];

fn frame(format: VideoPixelFormat, w: u32, h: u32) -> FrameBuffer {
    let mut f = FrameBuffer::new_zeroed(format, w, h).expect("frame");
    for p in 0..format.plane_count() {
        for (i, b) in f.plane_mut(p).0.iter_mut().enumerate() {
            *b = (i * 7 % 251) as u8;
        }
    }
    f
}

fn convert(c: &mut Criterion) {
    let mut g = c.benchmark_group("convert_to_rgba");
    g.sample_size(20);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    for (w, h) in SIZES {
        g.throughput(Throughput::Elements(u64::from(w * h)));
        for format in [
            VideoPixelFormat::I420,
            VideoPixelFormat::NV12,
            VideoPixelFormat::I444,
            VideoPixelFormat::I420A,
            VideoPixelFormat::I420P10,
        ] {
            let src = frame(format, w, h);
            g.bench_function(BenchmarkId::new(format.as_str(), format!("{w}x{h}")), |b| {
                b.iter(|| {
                    convert_to_rgb(
                        black_box(&src),
                        Rect::new(0, 0, w, h),
                        VideoPixelFormat::RGBA,
                        &VideoColorSpace::REC709,
                    )
                    .expect("convert")
                });
            });
        }
        // The conversion alone, into a buffer that is reused (as swscale is measured).
        let src = frame(VideoPixelFormat::I420, w, h);
        let mut into = vec![0u8; (w * h * 4) as usize];
        g.bench_function(BenchmarkId::new("I420_into", format!("{w}x{h}")), |b| {
            b.iter(|| {
                convert_to_rgb_into(
                    black_box(&src),
                    Rect::new(0, 0, w, h),
                    VideoPixelFormat::RGBA,
                    &VideoColorSpace::REC709,
                    &mut into,
                    w as usize * 4,
                )
                .expect("convert")
            });
        });
        let mut rgb = convert_to_rgb(
            &src,
            Rect::new(0, 0, w, h),
            VideoPixelFormat::RGBA,
            &VideoColorSpace::REC709,
        )
        .expect("convert");
        g.bench_function(BenchmarkId::new("display_p3", format!("{w}x{h}")), |b| {
            b.iter(|| srgb_to_display_p3(black_box(&mut rgb)).expect("p3"));
        });
        let mut dest = vec![0u8; (w * h * 4) as usize];
        g.bench_function(BenchmarkId::new("RGBA_copy", format!("{w}x{h}")), |b| {
            b.iter(|| {
                rgb.copy_to(Rect::new(0, 0, w, h), black_box(&mut dest), None)
                    .expect("copy")
            });
        });
    }
    g.finish();
}

criterion_group!(benches, convert);
criterion_main!(benches);
