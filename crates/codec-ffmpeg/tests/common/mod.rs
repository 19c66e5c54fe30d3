//! Shared helpers for the codec-ffmpeg integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use codec_core::{
    FrameBuffer, Rect, VideoColorSpace, VideoDecoderConfig, VideoEncoderConfig, VideoPixelFormat,
};
use codec_ffmpeg::{
    DecodedVideoOutput, EncodedVideoOutput, VideoDecodeInput, VideoDecoderBackend,
    VideoEncodeInput, VideoEncoderBackend,
};
use control_queue::{Backend, Cancel};

pub const W: u32 = 320;
pub const H: u32 = 240;
/// 30 fps in microseconds.
pub const FRAME_US: i64 = 33_333;

/// A moving, smooth I420 test pattern (diagonal gradient plus a bright moving square).
pub fn i420_pattern(w: u32, h: u32, t: u32) -> FrameBuffer {
    let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::I420, w, h).unwrap();
    {
        let (y, stride) = f.plane_mut(0);
        for r in 0..h {
            for c in 0..w {
                let mut v = 32 + ((c + r / 2 + 3 * t) % 160) as u8;
                let (bx, by) = ((20 + 4 * t) % w.max(1), (30 + 2 * t) % h.max(1));
                if c >= bx && c < bx + w / 8 && r >= by && r < by + h / 8 {
                    v = 220;
                }
                y[r as usize * stride + c as usize] = v;
            }
        }
    }
    for p in 1..3 {
        let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
        let (d, stride) = f.plane_mut(p);
        for r in 0..ch {
            for c in 0..cw {
                let v = if p == 1 {
                    100 + (c * 60 / cw)
                } else {
                    150 - (r * 60 / ch)
                };
                d[r as usize * stride + c as usize] = v as u8;
            }
        }
    }
    f
}

/// A moving RGBA pattern (smooth colour gradients).
pub fn rgba_pattern(w: u32, h: u32, t: u32) -> FrameBuffer {
    let mut f = FrameBuffer::new_zeroed(VideoPixelFormat::RGBA, w, h).unwrap();
    let (d, stride) = f.plane_mut(0);
    for r in 0..h {
        for c in 0..w {
            let o = r as usize * stride + c as usize * 4;
            d[o] = ((c + 2 * t) * 255 / (w + 200)) as u8;
            d[o + 1] = (r * 255 / h) as u8;
            d[o + 2] = 128;
            d[o + 3] = 255;
        }
    }
    f
}

pub fn input(frame: FrameBuffer, i: u32, key: bool) -> VideoEncodeInput {
    let visible = Rect::new(0, 0, frame.coded_width(), frame.coded_height());
    VideoEncodeInput {
        frame: Arc::new(frame),
        visible,
        timestamp: i64::from(i) * FRAME_US,
        duration: Some(FRAME_US as u64),
        key_frame: key,
        quantizer: None,
        // What a WebCodecs VideoFrame made from YUV bytes without a colour space carries
        // ("Pick Color Space": BT.709). An unknown member would be written as unspecified.
        color_space: VideoColorSpace::REC709,
    }
}

/// `n` encoder inputs: frame `i` is `frame(i)`, with a key frame requested when `key(i)`.
pub fn inputs(
    n: u32,
    frame: impl Fn(u32) -> FrameBuffer,
    key: impl Fn(u32) -> bool,
) -> Vec<VideoEncodeInput> {
    (0..n).map(|i| input(frame(i), i, key(i))).collect()
}

/// `n` frames of [`i420_pattern`] at W×H, frame `i` with a key frame requested when `key(i)`.
pub fn pattern_inputs(n: u32, key: impl Fn(u32) -> bool) -> Vec<VideoEncodeInput> {
    inputs(n, |i| i420_pattern(W, H, i), key)
}

/// [`enc_config`] at another size.
pub fn enc_config_sized(codec: &str, width: u32, height: u32) -> VideoEncoderConfig {
    VideoEncoderConfig {
        width,
        height,
        ..enc_config(codec)
    }
}

/// Decodes `chunks` (`n` of them) and checks that `n` frames of `size` come out.
pub fn decode_n(
    chunks: &[EncodedVideoOutput],
    n: usize,
    size: (u32, u32),
) -> Vec<DecodedVideoOutput> {
    assert_eq!(chunks.len(), n, "chunks");
    let frames = decode_all(first_config(chunks), chunks);
    assert_eq!(frames.len(), n, "frames");
    for f in &frames {
        assert_eq!((f.frame.coded_width(), f.frame.coded_height()), size);
    }
    frames
}

/// The decoder input of an encoder's chunk: its bytes, key flag, timestamp and duration.
pub fn decode_input(c: &EncodedVideoOutput) -> VideoDecodeInput {
    VideoDecodeInput {
        data: c.data.clone(),
        key: c.key,
        timestamp: c.timestamp,
        duration: c.duration,
    }
}

pub fn enc_config(codec: &str) -> VideoEncoderConfig {
    VideoEncoderConfig {
        codec: codec.into(),
        width: W,
        height: H,
        bitrate: Some(1_000_000),
        framerate: Some(30.0),
        ..Default::default()
    }
}

/// Configures a fresh `B` with `cfg`, processes `inputs`, flushes; returns every output.
pub fn run_all<B: Backend + Default>(
    cfg: B::Config,
    inputs: impl IntoIterator<Item = B::Input>,
) -> Vec<B::Output> {
    let mut backend = B::default();
    let mut outputs = Vec::new();
    let cancel = Cancel::never();
    backend.configure(cfg, &mut |o| outputs.push(o)).unwrap();
    for i in inputs {
        backend
            .process(i, &cancel, &mut |o| outputs.push(o))
            .unwrap();
    }
    backend.flush(&cancel, &mut |o| outputs.push(o)).unwrap();
    outputs
}

/// Configures a fresh encoder, encodes `inputs`, flushes; returns every chunk.
pub fn encode_all(
    cfg: VideoEncoderConfig,
    inputs: Vec<VideoEncodeInput>,
) -> Vec<EncodedVideoOutput> {
    run_all::<VideoEncoderBackend>(cfg, inputs)
}

/// Configures a fresh decoder with `cfg`, decodes `chunks`, flushes; returns every frame.
pub fn decode_all(
    cfg: VideoDecoderConfig,
    chunks: &[EncodedVideoOutput],
) -> Vec<DecodedVideoOutput> {
    run_all::<VideoDecoderBackend>(cfg, chunks.iter().map(decode_input))
}

/// `f` as 8-bit: unchanged for 8-bit formats, the luma plane rounded to 8 bits (in an I420
/// frame) for I420P10.
pub fn to_8bit(f: &FrameBuffer) -> FrameBuffer {
    if f.format() != VideoPixelFormat::I420P10 {
        return f.clone();
    }
    luma_of(f, 2, |px| {
        let v = u16::from_le_bytes([px[0], px[1]]);
        ((v + 2) / 4).min(255) as u8
    })
}

/// An I420 frame of `f`'s size whose Y plane is `y` of each pixel (`bytes` bytes) of `f`'s
/// first plane; its chroma is 0.
fn luma_of(f: &FrameBuffer, bytes: usize, y: impl Fn(&[u8]) -> u8) -> FrameBuffer {
    let (w, h) = (f.coded_width(), f.coded_height());
    let mut out = FrameBuffer::new_zeroed(VideoPixelFormat::I420, w, h).unwrap();
    let (s, ss) = f.plane(0);
    let (d, ds) = out.plane_mut(0);
    for r in 0..h as usize {
        for c in 0..w as usize {
            let o = r * ss + c * bytes;
            d[r * ds + c] = y(&s[o..o + bytes]);
        }
    }
    out
}

/// PSNR of the luma planes of two same-sized 8-bit frames.
pub fn psnr_y(a: &FrameBuffer, b: &FrameBuffer) -> f64 {
    assert_eq!(
        (a.coded_width(), a.coded_height()),
        (b.coded_width(), b.coded_height())
    );
    let (pa, sa) = a.plane(0);
    let (pb, sb) = b.plane(0);
    let mut se = 0f64;
    for r in 0..a.coded_height() as usize {
        for c in 0..a.coded_width() as usize {
            let d = f64::from(pa[r * sa + c]) - f64::from(pb[r * sb + c]);
            se += d * d;
        }
    }
    let mse = se / f64::from(a.coded_width() * a.coded_height());
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// BT.709 limited-range luma of an RGBA pattern, for comparing RGBA input with decoded I420.
pub fn rgba_to_y709(f: &FrameBuffer) -> FrameBuffer {
    luma_of(f, 4, |px| {
        let (r, g, b) = (f64::from(px[0]), f64::from(px[1]), f64::from(px[2]));
        let y = 16.0 + (0.2126 * r + 0.7152 * g + 0.0722 * b) * 219.0 / 255.0;
        y.round().clamp(0.0, 255.0) as u8
    })
}

/// `i420_pattern` with one more dark 6×6 square per frame (square `k` is added at frame `k`
/// and stays), so every frame differs from every other and a frame decoded against the wrong
/// reference shows it. With `alpha`, an I420A frame whose alpha plane accumulates squares too.
pub fn accumulating_pattern(w: u32, h: u32, t: u32, alpha: bool) -> FrameBuffer {
    let colour = i420_pattern(w, h, t);
    let format = if alpha {
        VideoPixelFormat::I420A
    } else {
        VideoPixelFormat::I420
    };
    let mut f = FrameBuffer::new_zeroed(format, w, h).unwrap();
    for p in 0..3 {
        let (row, rows) = VideoPixelFormat::I420.plane_size(p, w, h);
        let (s, ss) = colour.plane(p);
        let (d, ds) = f.plane_mut(p);
        for r in 0..rows as usize {
            d[r * ds..r * ds + row as usize].copy_from_slice(&s[r * ss..r * ss + row as usize]);
        }
    }
    let square = |k: u32| ((7 + 37 * k) % (w - 6), (5 + 23 * k) % (h - 6));
    let planes: &[(usize, u8)] = if alpha {
        &[(0, 16), (3, 40)]
    } else {
        &[(0, 16)]
    };
    for &(p, v) in planes {
        let (d, ds) = f.plane_mut(p);
        if p == 3 {
            d.fill(200);
        }
        for k in 0..=t {
            let (x, y) = square(if p == 3 { k * 3 + 1 } else { k });
            for r in y..y + 6 {
                for c in x..x + 6 {
                    d[r as usize * ds + c as usize] = v;
                }
            }
        }
    }
    f
}

/// The alpha side data of `chunks` as chunks of their own (the stream a second decoder gets).
pub fn alpha_stream(chunks: &[EncodedVideoOutput]) -> Vec<EncodedVideoOutput> {
    chunks
        .iter()
        .map(|c| EncodedVideoOutput {
            data: c.alpha_side_data.clone().expect("alpha side data"),
            alpha_side_data: None,
            ..c.clone()
        })
        .collect()
}

/// Whether two decoded frames have the same format, size and samples.
pub fn same_pixels(a: &FrameBuffer, b: &FrameBuffer) -> bool {
    let (w, h) = (a.coded_width(), a.coded_height());
    if a.format() != b.format() || (w, h) != (b.coded_width(), b.coded_height()) {
        return false;
    }
    (0..a.format().plane_count()).all(|p| {
        let (row, rows) = a.format().plane_size(p, w, h);
        let ((pa, sa), (pb, sb)) = (a.plane(p), b.plane(p));
        (0..rows as usize)
            .all(|r| pa[r * sa..r * sa + row as usize] == pb[r * sb..r * sb + row as usize])
    })
}

/// Every chunk carries a temporal layer id, and for every `top` below the highest layer, the
/// chunks of layers ≤ `top` decoded alone (fresh decoder, the first chunk's config) give
/// exactly their frames, each bit-identical to the same frame decoded from all of `chunks`.
pub fn assert_subsets_match_full_stream(what: &str, chunks: &[EncodedVideoOutput]) {
    let ids: Vec<u32> = chunks
        .iter()
        .map(|c| c.temporal_layer_id.expect("temporal layer id"))
        .collect();
    let full = decode_all(first_config(chunks), chunks);
    assert_eq!(full.len(), chunks.len(), "{what}: full stream");
    let top_layer = *ids.iter().max().unwrap();
    assert!(top_layer > 0, "{what}: more than one layer");
    for top in 0..top_layer {
        let frames = decode_layers(what, chunks, top);
        let differ: Vec<String> = frames
            .iter()
            .filter_map(|f| {
                let whole = full.iter().find(|g| g.timestamp == f.timestamp).unwrap();
                (!same_pixels(&f.frame, &whole.frame)).then(|| {
                    format!(
                        "frame {} ({:.1} dB from the full decode)",
                        f.timestamp / FRAME_US,
                        psnr_y(&to_8bit(&f.frame), &to_8bit(&whole.frame))
                    )
                })
            })
            .collect();
        assert!(
            differ.is_empty(),
            "{what}: layers ≤ {top} decode differently from the full stream: {}",
            differ.join(", ")
        );
    }
}

/// `f` with every sample of its colour planes inverted (255 − v): a scene cut.
pub fn inverted(mut f: FrameBuffer) -> FrameBuffer {
    for p in 0..3 {
        let (row, rows) = f.format().plane_size(p, f.coded_width(), f.coded_height());
        let (d, ds) = f.plane_mut(p);
        for r in 0..rows as usize {
            for v in &mut d[r * ds..r * ds + row as usize] {
                *v = 255 - *v;
            }
        }
    }
    f
}

/// An 8-bit I420 frame widened to I420P10 (v << 2).
pub fn to_10bit(f: &FrameBuffer) -> FrameBuffer {
    use codec_core::VideoPixelFormat::{I420, I420P10};
    let (w, h) = (f.coded_width(), f.coded_height());
    let mut out = FrameBuffer::new_zeroed(I420P10, w, h).unwrap();
    for p in 0..3 {
        let (pw, ph) = I420.plane_size(p, w, h);
        let (s, ss) = f.plane(p);
        let s = s.to_vec();
        let (d, ds) = out.plane_mut(p);
        for r in 0..ph as usize {
            for c in 0..pw as usize {
                let v = u16::from(s[r * ss + c]) << 2;
                d[r * ds + 2 * c..r * ds + 2 * c + 2].copy_from_slice(&v.to_le_bytes());
            }
        }
    }
    out
}

/// Encodes 60 frames with key frames requested every 10: exactly those are key chunks.
pub fn cadence(cfg: VideoEncoderConfig) {
    let inputs = (0..60)
        .map(|i| input(i420_pattern(W, H, i), i, i % 10 == 0))
        .collect();
    let chunks = encode_all(cfg.clone(), inputs);
    assert_eq!(chunks.len(), 60);
    let keys: Vec<usize> = chunks
        .iter()
        .enumerate()
        .filter(|(_, c)| c.key)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        keys,
        vec![0, 10, 20, 30, 40, 50],
        "{} {:?}",
        cfg.codec,
        cfg.latency_mode
    );
}

/// Expected layer ids: the pattern restarts at every key frame.
pub fn expected_layers(pattern: &[u32], n: usize, keys: &[usize]) -> Vec<u32> {
    let mut idx = 0;
    (0..n)
        .map(|i| {
            if keys.contains(&i) {
                idx = 0;
            }
            let l = pattern[idx];
            idx = (idx + 1) % pattern.len();
            l
        })
        .collect()
}

/// The chunks of layers ≤ `top` decoded alone (fresh decoder, the first chunk's config); they
/// must give exactly their frames.
pub fn decode_layers(
    what: &str,
    chunks: &[EncodedVideoOutput],
    top: u32,
) -> Vec<DecodedVideoOutput> {
    let subset: Vec<_> = chunks
        .iter()
        .filter(|c| c.temporal_layer_id.expect("temporal layer id") <= top)
        .cloned()
        .collect();
    let mut want: Vec<i64> = subset.iter().map(|c| c.timestamp).collect();
    want.sort_unstable();
    let frames = decode_all(first_config(chunks), &subset);
    let got: Vec<i64> = frames.iter().map(|f| f.timestamp).collect();
    assert_eq!(
        got, want,
        "{what}: layers ≤ {top} give exactly their frames"
    );
    frames
}

/// The first chunk's `decoderConfig`.
pub fn first_config(chunks: &[EncodedVideoOutput]) -> VideoDecoderConfig {
    chunks[0]
        .decoder_config
        .clone()
        .expect("decoderConfig on the first chunk")
}

/// The frame indices (timestamp / [`FRAME_US`]) of the key chunks, in presentation order.
pub fn key_frames(chunks: &[EncodedVideoOutput]) -> Vec<i64> {
    let mut keys: Vec<i64> = chunks
        .iter()
        .filter(|c| c.key)
        .map(|c| c.timestamp / FRAME_US)
        .collect();
    keys.sort_unstable();
    keys
}

/// One codec string of each family (H.264 Constrained Baseline).
pub const CODECS: [&str; 5] = [
    "avc1.42001f",
    "hvc1.1.6.L93.B0",
    "vp8",
    "vp09.00.10.08",
    "av01.0.04M.08",
];

/// One codec string per encoder: libvpx (VP8, VP9), libaom, x264, x265.
pub const ENCODERS: [&str; 5] = [
    "vp8",
    "vp09.00.10.08",
    "av01.0.04M.08",
    "avc1.640028",
    "hvc1.1.6.L93.B0",
];

/// `cfg` in the quality and in the realtime latency mode.
pub fn both_latencies(cfg: VideoEncoderConfig) -> [VideoEncoderConfig; 2] {
    use codec_core::LatencyMode;
    [LatencyMode::Quality, LatencyMode::Realtime].map(|latency_mode| VideoEncoderConfig {
        latency_mode,
        ..cfg.clone()
    })
}

/// The `decoderConfig.description` of `cfg`'s first chunk (one frame encoded).
pub fn description_of(cfg: &VideoEncoderConfig) -> Option<Vec<u8>> {
    let chunks = encode_all(cfg.clone(), vec![input(i420_pattern(W, H, 0), 0, false)]);
    first_config(&chunks).description
}
