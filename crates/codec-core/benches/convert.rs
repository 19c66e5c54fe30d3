//! `VideoFrame.copyTo(dest, { format: "RGBA" })`'s conversion (`convert_to_rgb`) at 720p and
//! 1080p from I420, NV12 and I420P10, and a plain plane copy for comparison.
use std::hint::black_box;

use codec_core::{convert_to_rgb, FrameBuffer, Rect, VideoColorSpace, VideoPixelFormat};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

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
    for (w, h) in [(1280, 720), (1920, 1080)] {
        for format in [
            VideoPixelFormat::I420,
            VideoPixelFormat::NV12,
            VideoPixelFormat::I420P10,
        ] {
            let src = frame(format, w, h);
            g.throughput(Throughput::Elements(u64::from(w * h)));
            g.bench_function(format!("{}_{w}x{h}", format.as_str()), |b| {
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
        let src = frame(VideoPixelFormat::I420, w, h);
        let mut dest = vec![0u8; src.format().plane_count() * (w * h) as usize];
        g.bench_function(format!("I420_copy_{w}x{h}"), |b| {
            b.iter(|| {
                src.copy_to(Rect::new(0, 0, w, h), black_box(&mut dest), None)
                    .expect("copy")
            });
        });
    }
    g.finish();
}

criterion_group!(benches, convert);
criterion_main!(benches);
