//! A bounds-checked WebP chunk scanner for animated WebP (`VP8X` + `ANIM` + `ANMF`), which
//! FFmpeg 5.1's `webp` decoder cannot read. Each frame's bitstream is rewrapped as a standalone
//! WebP file (so FFmpeg can decode it) and the frames are composited here (see
//! [`composite`]). Works on a prefix of the file (streaming): only complete `ANMF` chunks count.

/// One complete `ANMF` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebpFrame {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub duration_ms: u32,
    /// Alpha-blend onto the canvas (else overwrite).
    pub blend: bool,
    /// Clear the frame's rectangle to transparent before the next frame.
    pub dispose: bool,
    /// Range of the frame's sub-chunks (`ALPH`, `VP8 `/`VP8L`) in the file.
    pub start: usize,
    pub end: usize,
}

/// What a scan of the bytes so far found (animated files only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct WebpScan {
    pub canvas_width: u32,
    pub canvas_height: u32,
    /// `VP8X` says the file is animated.
    pub animated: bool,
    pub loop_count: u16,
    pub frames: Vec<WebpFrame>,
    /// Every chunk up to the end of the RIFF payload was read.
    pub ended: bool,
}

fn le24(b: &[u8]) -> u32 {
    u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16
}

fn le32(d: &[u8], p: usize) -> Option<u32> {
    d.get(p..p + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The largest canvas side accepted (the largest VP8/VP8L frame side).
const MAX_CANVAS: u32 = 16_383;

/// Scans `d`. `Ok(None)`: the `VP8X` header is not complete (or the file is a simple one).
pub(crate) fn scan(d: &[u8]) -> Result<Option<WebpScan>, &'static str> {
    if d.len() < 30 || d.get(12..16) != Some(b"VP8X") {
        return Ok(None);
    }
    if d.get(0..4) != Some(b"RIFF") || d.get(8..12) != Some(b"WEBP") {
        return Err("not a WebP file");
    }
    let riff_end = (le32(d, 4).ok_or("short RIFF")? as usize).saturating_add(8);
    let flags = d[20];
    let mut s = WebpScan {
        canvas_width: le24(&d[24..27]) + 1,
        canvas_height: le24(&d[27..30]) + 1,
        animated: flags & 0x02 != 0,
        ..Default::default()
    };
    // The animation canvas is allocated whole (RGBA): a corrupt VP8X must not ask for
    // terabytes. No WebP frame can exceed 16383 pixels in either direction.
    if s.canvas_width > MAX_CANVAS || s.canvas_height > MAX_CANVAS {
        return Err("WebP canvas larger than 16383 pixels");
    }
    let mut p = 30;
    loop {
        if p >= riff_end {
            s.ended = true;
            break;
        }
        let (Some(ty), Some(len)) = (d.get(p..p + 4), le32(d, p + 4)) else {
            break;
        };
        let len = len as usize;
        let body_end = p + 8 + len;
        if body_end > d.len() {
            break;
        }
        let body = &d[p + 8..body_end];
        match ty {
            b"ANIM" if len >= 6 => s.loop_count = u16::from_le_bytes([body[4], body[5]]),
            b"ANMF" => {
                if len < 16 {
                    return Err("corrupt ANMF chunk");
                }
                let f = WebpFrame {
                    x: le24(&body[0..3]) * 2,
                    y: le24(&body[3..6]) * 2,
                    width: le24(&body[6..9]) + 1,
                    height: le24(&body[9..12]) + 1,
                    duration_ms: le24(&body[12..15]),
                    blend: body[15] & 0x02 == 0,
                    dispose: body[15] & 0x01 != 0,
                    start: p + 8 + 16,
                    end: body_end,
                };
                if f.x + f.width > s.canvas_width || f.y + f.height > s.canvas_height {
                    return Err("ANMF frame outside the canvas");
                }
                s.frames.push(f);
            }
            _ => {}
        }
        p = body_end + (len & 1);
    }
    Ok(Some(s))
}

impl WebpFrame {
    /// The frame's bitstream as a standalone WebP file FFmpeg's `webp` decoder reads.
    pub(crate) fn standalone(&self, d: &[u8]) -> Option<Vec<u8>> {
        let sub = d.get(self.start..self.end)?;
        let has_alpha = sub.get(0..4) == Some(b"ALPH");
        let mut body = Vec::with_capacity(sub.len() + 18);
        body.extend_from_slice(b"WEBP");
        if has_alpha {
            body.extend_from_slice(b"VP8X");
            body.extend_from_slice(&10u32.to_le_bytes());
            body.push(0x10);
            body.extend_from_slice(&[0, 0, 0]);
            body.extend_from_slice(&(self.width - 1).to_le_bytes()[..3]);
            body.extend_from_slice(&(self.height - 1).to_le_bytes()[..3]);
        }
        body.extend_from_slice(sub);
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend(body);
        Some(out)
    }
}

/// Draws `src` (tightly packed RGBA, `f.width`×`f.height`) onto the RGBA `canvas` at the
/// frame's offset, alpha-blending as the WebP container spec describes when `f.blend`.
pub(crate) fn composite(canvas: &mut [u8], canvas_width: u32, f: &WebpFrame, src: &[u8]) {
    let cw = canvas_width as usize;
    for y in 0..f.height as usize {
        for x in 0..f.width as usize {
            let si = (y * f.width as usize + x) * 4;
            let di = ((f.y as usize + y) * cw + f.x as usize + x) * 4;
            let (Some(s), true) = (src.get(si..si + 4), di + 4 <= canvas.len()) else {
                continue;
            };
            let d = &mut canvas[di..di + 4];
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
pub(crate) fn dispose(canvas: &mut [u8], canvas_width: u32, f: &WebpFrame) {
    let cw = canvas_width as usize;
    for y in 0..f.height as usize {
        let a = ((f.y as usize + y) * cw + f.x as usize) * 4;
        if let Some(row) = canvas.get_mut(a..a + f.width as usize * 4) {
            row.fill(0);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn chunk(v: &mut Vec<u8>, ty: &[u8], body: &[u8]) {
        v.extend_from_slice(ty);
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(body);
        if body.len() % 2 == 1 {
            v.push(0);
        }
    }

    fn anim(frames: u32) -> Vec<u8> {
        let mut c = Vec::new();
        chunk(&mut c, b"VP8X", &[0x02, 0, 0, 0, 7, 0, 0, 5, 0, 0]);
        chunk(&mut c, b"ANIM", &[0, 0, 0, 0, 3, 0]);
        for i in 0..frames {
            let mut f = vec![1, 0, 0, 0, 0, 0, 3, 0, 0, 1, 0, 0, 50 + i as u8, 0, 0, 0x01];
            chunk(&mut f, b"VP8L", &[1, 2, 3]);
            chunk(&mut c, b"ANMF", &f);
        }
        let mut v = b"RIFF".to_vec();
        v.extend_from_slice(&((c.len() + 4) as u32).to_le_bytes());
        v.extend_from_slice(b"WEBP");
        v.extend(c);
        v
    }

    #[test]
    fn scans_frames() {
        let d = anim(3);
        let s = scan(&d).unwrap().unwrap();
        assert!(s.animated && s.ended);
        assert_eq!((s.canvas_width, s.canvas_height, s.loop_count), (8, 6, 3));
        assert_eq!(s.frames.len(), 3);
        let f = &s.frames[1];
        assert_eq!(
            (f.x, f.y, f.width, f.height, f.duration_ms),
            (2, 0, 4, 2, 51)
        );
        assert!(f.blend && f.dispose);
        let w = f.standalone(&d).unwrap();
        assert_eq!(&w[..4], b"RIFF");
        assert_eq!(&w[8..16], b"WEBPVP8L");
        let mut last = 0;
        for n in 0..=d.len() {
            if let Some(s) = scan(&d[..n]).unwrap() {
                assert!(s.frames.len() >= last);
                last = s.frames.len();
            }
        }
        assert_eq!(last, 3);
    }

    #[test]
    fn rejects_a_huge_canvas() {
        // Regression (found by the ImageDecoder bitstream fuzzer): a VP8X canvas of
        // 2^24 x 2^24 made the decoder allocate ~4 TB and abort the process.
        for (at, v) in [(24, 0xff), (27, 0xff), (26, 0x01)] {
            let mut d = anim(2);
            d[at] = v;
            d[at + 1] = v;
            assert_eq!(scan(&d), Err("WebP canvas larger than 16383 pixels"));
        }
        let mut d = anim(1);
        d[24..30].copy_from_slice(&[0xfe, 0x3f, 0, 0xfe, 0x3f, 0]); // 16383 x 16383
        assert!(scan(&d).is_ok());
    }

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
