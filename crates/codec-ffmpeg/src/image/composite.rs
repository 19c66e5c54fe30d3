//! Animated WebP: each `ANMF` frame is decoded on its own (rewrapped as a standalone file) and
//! composited onto an RGBA canvas as the WebP container spec describes (alpha blending,
//! disposal to transparent).
//!
//! The `image-webp` crate (decoding and compositing in pure Rust) was measured as a
//! replacement: 640x480, 50 lossy frames took about 400 ms with it against about 200 ms here
//! (FFmpeg's VP8 decoder), so this path stays; it also needs the whole file, while the
//! scanner here streams.

use ffmpeg::format::Pixel;
use ffmpeg_next as ffmpeg;
use media_parse::image::webp::{WebpFrame, WebpScan};

use super::decode::{decode_one, find};
use super::output::{packed_to_frame, to_packed_rgba};
use super::{ImageFrameOutput, ImageSession};
use crate::{Error, Result};

/// The canvas after some frames: the index of the next frame, the RGBA pixels, and the frame
/// whose rectangle must be cleared before the next one is drawn.
pub(super) struct WebpCanvas {
    next: usize,
    pixels: Vec<u8>,
    to_dispose: Option<WebpFrame>,
}

/// Draws `src` (tightly packed RGBA, `f.width`×`f.height`) onto the RGBA `canvas` at the
/// frame's offset, alpha-blending when `f.blend`.
fn composite(canvas: &mut [u8], canvas_width: u32, f: &WebpFrame, src: &[u8]) {
    let cw = canvas_width as usize;
    for y in 0..f.height as usize {
        for x in 0..f.width as usize {
            let si = (y * f.width as usize + x) * 4;
            let di = ((f.y as usize + y) * cw + f.x as usize + x) * 4;
            let (Some(s), Some(d)) = (src.get(si..si + 4), canvas.get_mut(di..di + 4)) else {
                continue;
            };
            if !f.blend || s[3] == 255 {
                d.copy_from_slice(s);
                continue;
            }
            let sa = u32::from(s[3]);
            let da = u32::from(d[3]) * (255 - sa) / 255;
            let a = sa + da;
            if a == 0 {
                d.copy_from_slice(&[0, 0, 0, 0]);
                continue;
            }
            for c in 0..3 {
                d[c] = ((u32::from(s[c]) * sa + u32::from(d[c]) * da) / a) as u8;
            }
            d[3] = a as u8;
        }
    }
}

/// Clears the frame's rectangle of the canvas to transparent black.
fn dispose(canvas: &mut [u8], canvas_width: u32, f: &WebpFrame) {
    let cw = canvas_width as usize;
    for y in 0..f.height as usize {
        let a = ((f.y as usize + y) * cw + f.x as usize) * 4;
        if let Some(row) = canvas.get_mut(a..a + f.width as usize * 4) {
            row.fill(0);
        }
    }
}

impl ImageSession {
    /// Decodes and composites animated WebP frames up to `index`.
    pub(super) fn decode_webp_animation(
        &mut self,
        scan: &WebpScan,
        index: usize,
    ) -> Result<ImageFrameOutput> {
        let (cw, ch) = (scan.canvas_width, scan.canvas_height);
        let canvas_len = cw as usize * ch as usize * 4;
        let mut c = match self.webp_canvas.take() {
            Some(c) if c.next <= index => c,
            _ => WebpCanvas {
                next: 0,
                pixels: vec![0; canvas_len],
                to_dispose: None,
            },
        };
        let codec = find("webp")?;
        while c.next <= index {
            let f = scan
                .frames
                .get(c.next)
                .ok_or_else(|| Error::internal("WebP frame index past the scan"))?;
            if let Some(prev) = c.to_dispose.take() {
                dispose(&mut c.pixels, cw, &prev);
            }
            let file = f
                .standalone(&self.data)
                .ok_or_else(|| Error::malformed("WebP frame outside the data"))?;
            let pic = decode_one(codec, None, &file, "a WebP frame")?;
            if (pic.width(), pic.height()) != (f.width, f.height) {
                return Err(Error::malformed("WebP frame size disagrees with ANMF"));
            }
            composite(&mut c.pixels, cw, f, &to_packed_rgba(&pic, false)?);
            if f.dispose {
                c.to_dispose = Some(f.clone());
            }
            c.next += 1;
        }
        let frame = packed_to_frame(&c.pixels, Pixel::RGBA, cw, ch);
        self.webp_canvas = Some(c);
        let mut out = self.convert(&frame?)?;
        out.timestamp = scan
            .frames
            .iter()
            .take(index)
            .map(WebpFrame::duration_us)
            .sum::<u64>() as i64;
        out.duration = scan.frames.get(index).map(WebpFrame::duration_us);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blends_and_disposes() {
        let f = WebpFrame {
            x: 1,
            y: 0,
            width: 1,
            height: 1,
            duration_ms: 0,
            blend: true,
            dispose: false,
            start: 0,
            end: 0,
        };
        let mut canvas = vec![0u8; 2 * 4];
        canvas[4..8].copy_from_slice(&[0, 0, 255, 255]);
        composite(&mut canvas, 2, &f, &[255, 0, 0, 128]);
        assert_eq!(&canvas[4..8], &[128, 0, 127, 255]);
        composite(
            &mut canvas,
            2,
            &WebpFrame {
                blend: false,
                ..f.clone()
            },
            &[1, 2, 3, 0],
        );
        assert_eq!(&canvas[4..8], &[1, 2, 3, 0]);
        dispose(&mut canvas, 2, &f);
        assert_eq!(canvas, vec![0; 8]);
    }
}
