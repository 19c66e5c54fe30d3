//! Shared helpers for the codec-ffmpeg integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use codec_core::{FrameBuffer, Rect, VideoDecoderConfig, VideoEncoderConfig, VideoPixelFormat};
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
        color_space: Default::default(),
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

/// Configures a fresh encoder, encodes `inputs`, flushes; returns every chunk.
pub fn encode_all(
    cfg: VideoEncoderConfig,
    inputs: Vec<VideoEncodeInput>,
) -> Vec<EncodedVideoOutput> {
    let mut enc = VideoEncoderBackend::default();
    let mut chunks = Vec::new();
    let cancel = Cancel::never();
    enc.configure(cfg, &mut |c| chunks.push(c)).unwrap();
    for i in inputs {
        enc.process(i, &cancel, &mut |c| chunks.push(c)).unwrap();
    }
    enc.flush(&cancel, &mut |c| chunks.push(c)).unwrap();
    chunks
}

/// Configures a fresh decoder with `cfg`, decodes `chunks`, flushes; returns every frame.
pub fn decode_all(
    cfg: VideoDecoderConfig,
    chunks: &[EncodedVideoOutput],
) -> Vec<DecodedVideoOutput> {
    let mut dec = VideoDecoderBackend::default();
    let mut frames = Vec::new();
    let cancel = Cancel::never();
    dec.configure(cfg, &mut |f| frames.push(f)).unwrap();
    for c in chunks {
        let input = VideoDecodeInput {
            data: c.data.clone(),
            key: c.key,
            timestamp: c.timestamp,
            duration: c.duration,
        };
        dec.process(input, &cancel, &mut |f| frames.push(f))
            .unwrap();
    }
    dec.flush(&cancel, &mut |f| frames.push(f)).unwrap();
    frames
}

/// `f` as 8-bit: unchanged for 8-bit formats, the luma plane rounded to 8 bits (in an I420
/// frame with grey chroma) for I420P10.
pub fn to_8bit(f: &FrameBuffer) -> FrameBuffer {
    if f.format() != VideoPixelFormat::I420P10 {
        return f.clone();
    }
    let (w, h) = (f.coded_width(), f.coded_height());
    let mut out = FrameBuffer::new_zeroed(VideoPixelFormat::I420, w, h).unwrap();
    let (s, ss) = f.plane(0);
    let (d, ds) = out.plane_mut(0);
    for r in 0..h as usize {
        for c in 0..w as usize {
            let o = r * ss + c * 2;
            let v = u16::from_le_bytes([s[o], s[o + 1]]);
            d[r * ds + c] = ((v + 2) / 4).min(255) as u8;
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
    let (w, h) = (f.coded_width(), f.coded_height());
    let mut out = FrameBuffer::new_zeroed(VideoPixelFormat::I420, w, h).unwrap();
    let (s, ss) = f.plane(0);
    let (d, ds) = out.plane_mut(0);
    for r in 0..h as usize {
        for c in 0..w as usize {
            let o = r * ss + c * 4;
            let (rr, gg, bb) = (f64::from(s[o]), f64::from(s[o + 1]), f64::from(s[o + 2]));
            let y = 16.0 + (0.2126 * rr + 0.7152 * gg + 0.0722 * bb) * 219.0 / 255.0;
            d[r * ds + c] = y.round().clamp(0.0, 255.0) as u8;
        }
    }
    out
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
    let dc = chunks[0].decoder_config.clone().unwrap();
    let full = decode_all(dc.clone(), chunks);
    assert_eq!(full.len(), chunks.len(), "{what}: full stream");
    let top_layer = *ids.iter().max().unwrap();
    assert!(top_layer > 0, "{what}: more than one layer");
    for top in 0..top_layer {
        let subset: Vec<_> = chunks
            .iter()
            .zip(&ids)
            .filter(|(_, id)| **id <= top)
            .map(|(c, _)| c.clone())
            .collect();
        let mut want: Vec<i64> = subset.iter().map(|c| c.timestamp).collect();
        want.sort_unstable();
        let frames = decode_all(dc.clone(), &subset);
        let got: Vec<i64> = frames.iter().map(|f| f.timestamp).collect();
        assert_eq!(
            got, want,
            "{what}: layers ≤ {top} give exactly their frames"
        );
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
