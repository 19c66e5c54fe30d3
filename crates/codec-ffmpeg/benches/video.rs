//! Encode throughput of 720p I420 frames (H.264, VP8 and VP9; realtime encoding). Decoding
//! is measured by the `decode` bench.
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::sync::Arc;

use codec_core::{FrameBuffer, LatencyMode, Rect, VideoEncoderConfig, VideoPixelFormat};
use codec_ffmpeg::{VideoEncodeInput, VideoEncoderBackend};
use control_queue::{Backend, Cancel};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const W: u32 = 1280;
const H: u32 = 720;

fn frame(t: u32) -> Arc<FrameBuffer> {
    let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::I420, W, H).unwrap();
    let (y, stride) = f.plane_mut(0);
    for r in 0..H {
        for c in 0..W {
            y[r as usize * stride + c as usize] = (32 + (c + r / 2 + 4 * t) % 160) as u8;
        }
    }
    for p in 1..3 {
        let (d, _) = f.plane_mut(p);
        d.fill(128);
    }
    Arc::new(f)
}

fn config(codec: &str) -> VideoEncoderConfig {
    VideoEncoderConfig {
        codec: codec.into(),
        width: W,
        height: H,
        bitrate: Some(2_000_000),
        framerate: Some(30.0),
        latency_mode: LatencyMode::Realtime,
        ..Default::default()
    }
}

fn input(frame: Arc<FrameBuffer>, i: u32) -> VideoEncodeInput {
    VideoEncodeInput {
        frame,
        visible: Rect::new(0, 0, W, H),
        timestamp: i64::from(i) * 33_333,
        duration: None,
        key_frame: i == 0,
        quantizer: None,
        color_space: Default::default(),
    }
}

fn bench_encode(c: &mut Criterion, name: &str, codec: &str) {
    let frames: Vec<_> = (0..16).map(frame).collect();
    let mut enc = VideoEncoderBackend::default();
    enc.configure(config(codec), &mut |_| {}).unwrap();
    let cancel = Cancel::never();
    let mut i = 0u32;
    let mut g = c.benchmark_group("encode_720p_realtime");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1));
    g.bench_function(name, |b| {
        b.iter(|| {
            let input = input(frames[i as usize % frames.len()].clone(), i);
            i += 1;
            let mut bytes = 0;
            enc.process(input, &cancel, &mut |c| bytes += c.data.len())
                .unwrap();
            black_box(bytes)
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_encode(c, "x264", "avc1.42001f");
    bench_encode(c, "vp8", "vp8");
    bench_encode(c, "vp9", "vp09.00.10.08");
}

criterion_group!(video, benches);
criterion_main!(video);
