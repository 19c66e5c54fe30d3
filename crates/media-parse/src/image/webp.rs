//! WebP RIFF scanning: the `VP8X` canvas and flags, the `ANIM` loop count and each complete
//! `ANMF` frame of an animated WebP, and the rewrap of one frame's bitstream as a standalone
//! WebP file (FFmpeg 5.1's `webp` decoder cannot read animations). Works on a prefix of the file
//! (streaming): only complete `ANMF` chunks count.

use crate::error::{Error, Result};
use crate::reader::ByteReader;

/// One complete `ANMF` frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebpFrame {
    /// Left edge on the canvas (even).
    pub x: u32,
    /// Top edge on the canvas (even).
    pub y: u32,
    /// Frame width.
    pub width: u32,
    /// Frame height.
    pub height: u32,
    /// Display time in milliseconds.
    pub duration_ms: u32,
    /// Alpha-blend onto the canvas (else overwrite).
    pub blend: bool,
    /// Clear the frame's rectangle to transparent before the next frame.
    pub dispose: bool,
    /// Offset of the frame's sub-chunks (`ALPH`, `VP8 `/`VP8L`) in the file.
    pub start: usize,
    /// Offset just past them.
    pub end: usize,
}

/// What a scan of the bytes so far found (extended-format files only).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebpScan {
    /// Canvas width.
    pub canvas_width: u32,
    /// Canvas height.
    pub canvas_height: u32,
    /// `VP8X` says the file is animated.
    pub animated: bool,
    /// `ANIM` loop count (the number of plays; 0: forever).
    pub loop_count: u16,
    /// The complete frames so far.
    pub frames: Vec<WebpFrame>,
    /// Every chunk up to the end of the RIFF payload was read.
    pub ended: bool,
}

/// The largest canvas side accepted (the largest VP8/VP8L frame side).
pub const MAX_CANVAS: u32 = 16_383;

/// Offset just past the RIFF payload (what the RIFF size field announces), once the header is in.
pub fn riff_end(d: &[u8]) -> Option<usize> {
    let mut r = ByteReader::new(d);
    r.skip(4).ok()?;
    (r.u32_le().ok()? as usize).checked_add(8)
}

/// Whether `d` can be the start of a WebP file (`RIFF`, size, `WEBP`; any prefix of that).
pub fn signature_ok(d: &[u8]) -> bool {
    let n = d.len().min(12);
    let sig = b"RIFF\0\0\0\0WEBP";
    (0..n).all(|i| (4..8).contains(&i) || d.get(i) == sig.get(i))
}

/// Scans `d`. `Ok(None)`: the `VP8X` header is not complete, or the file is a simple
/// (`VP8 `/`VP8L`) one.
///
/// # Errors
/// [`Error::Malformed`] for a file that is not WebP, a short `ANMF` chunk or a frame outside
/// the canvas; [`Error::Limit`] for a canvas side over [`MAX_CANVAS`].
pub fn scan(d: &[u8]) -> Result<Option<WebpScan>> {
    let mut r = ByteReader::new(d);
    let Ok(head) = r.take(30) else {
        return Ok(None);
    };
    let mut h = ByteReader::new(head);
    let riff = h.array::<4>()?;
    let riff_size = h.u32_le()?;
    let webp = h.array::<4>()?;
    if &h.array::<4>()? != b"VP8X" {
        return Ok(None);
    }
    if &riff != b"RIFF" || &webp != b"WEBP" {
        return Err(Error::Malformed("WebP signature"));
    }
    let riff_end = (riff_size as usize).saturating_add(8);
    h.skip(4)?; // VP8X size
    let flags = h.u8()?;
    h.skip(3)?;
    let mut s = WebpScan {
        canvas_width: h.u24_le()? + 1,
        canvas_height: h.u24_le()? + 1,
        animated: flags & 0x02 != 0,
        ..Default::default()
    };
    // The animation canvas is allocated whole (RGBA): a corrupt VP8X must not ask for
    // terabytes. No WebP frame can exceed 16383 pixels in either direction.
    if s.canvas_width > MAX_CANVAS || s.canvas_height > MAX_CANVAS {
        return Err(Error::Limit("WebP canvas side"));
    }
    loop {
        if r.position() >= riff_end {
            s.ended = true;
            break;
        }
        let (Ok(ty), Ok(len)) = (r.array::<4>(), r.u32_le()) else {
            break;
        };
        let body_at = r.position();
        let Ok(body) = r.take(len as usize) else {
            break;
        };
        match &ty {
            b"ANIM" if body.len() >= 6 => {
                let mut a = ByteReader::new(body);
                a.skip(4)?; // background colour
                s.loop_count = a.u16_le()?;
            }
            b"ANMF" => s.frames.push(frame(body, body_at, &s)?),
            _ => {}
        }
        // Chunks are padded to an even size (the pad byte may be all that is missing).
        let next = r.position() + (len as usize & 1);
        if r.seek(next).is_err() {
            s.ended = next >= riff_end;
            break;
        }
    }
    Ok(Some(s))
}

/// An `ANMF` chunk's header (its body starts at `body_at`).
fn frame(body: &[u8], body_at: usize, s: &WebpScan) -> Result<WebpFrame> {
    let header = ByteReader::new(body)
        .take(16)
        .map_err(|_| Error::Malformed("short ANMF chunk"))?;
    let mut h = ByteReader::new(header);
    let (x, y, width, height, duration_ms) = (
        h.u24_le()? * 2,
        h.u24_le()? * 2,
        h.u24_le()? + 1,
        h.u24_le()? + 1,
        h.u24_le()?,
    );
    let bits = h.u8()?;
    let f = WebpFrame {
        x,
        y,
        width,
        height,
        duration_ms,
        blend: bits & 0x02 == 0,
        dispose: bits & 0x01 != 0,
        start: body_at + 16,
        end: body_at + body.len(),
    };
    if f.x + f.width > s.canvas_width || f.y + f.height > s.canvas_height {
        return Err(Error::Malformed("ANMF frame outside the canvas"));
    }
    Ok(f)
}

impl WebpFrame {
    /// The frame's bitstream as a standalone WebP file (`None` when its bytes are not in `d`).
    pub fn standalone(&self, d: &[u8]) -> Option<Vec<u8>> {
        let mut r = ByteReader::new(d);
        r.seek(self.start).ok()?;
        let sub = r.take(self.end.checked_sub(self.start)?).ok()?;
        let has_alpha = sub.starts_with(b"ALPH");
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
        out.extend_from_slice(&u32::try_from(body.len()).ok()?.to_le_bytes());
        out.extend(body);
        Some(out)
    }

    /// The frame's duration in microseconds.
    pub fn duration_us(&self) -> u64 {
        u64::from(self.duration_ms) * 1000
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chunk(v: &mut Vec<u8>, ty: &[u8], body: &[u8]) {
        v.extend_from_slice(ty);
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(body);
        if body.len() % 2 == 1 {
            v.push(0);
        }
    }

    /// An 8x6 canvas, 3 plays, `frames` frames of 4x2 at x = 2, lasting 50 + i ms.
    pub(crate) fn anim(frames: u32) -> Vec<u8> {
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
        assert_eq!(riff_end(&w), Some(w.len()));
        assert_eq!(riff_end(&d), Some(d.len()));
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
    fn signatures() {
        assert!(signature_ok(b"RIF"));
        assert!(signature_ok(b"RIFF\x01\x02\x03\x04WEB"));
        assert!(!signature_ok(b"RIFX"));
        assert!(!signature_ok(b"RIFF\x01\x02\x03\x04WAVE"));
        let mut d = anim(1);
        d[8] = b'X';
        assert_eq!(scan(&d), Err(Error::Malformed("WebP signature")));
    }

    #[test]
    fn rejects_a_huge_canvas() {
        // Regression (found by the ImageDecoder bitstream fuzzer): a VP8X canvas of
        // 2^24 x 2^24 made the decoder allocate ~4 TB and abort the process.
        for (at, v) in [(24, 0xff), (27, 0xff), (26, 0x01)] {
            let mut d = anim(2);
            d[at] = v;
            d[at + 1] = v;
            assert_eq!(scan(&d), Err(Error::Limit("WebP canvas side")));
        }
        let mut d = anim(1);
        d[24..30].copy_from_slice(&[0xfe, 0x3f, 0, 0xfe, 0x3f, 0]); // 16383 x 16383
        assert!(scan(&d).is_ok());
    }

    proptest! {
        /// Frames lie inside the data and the canvas, and rewrap into well-formed RIFF files.
        #[test]
        fn frames_are_inside(rest in proptest::collection::vec(any::<u8>(), 0..200), keep in 0usize..120) {
            let d = crate::image::after_prefix(&anim(3), keep, rest);
            if let Ok(Some(s)) = scan(&d) {
                for f in &s.frames {
                    prop_assert!(f.start <= f.end && f.end <= d.len());
                    prop_assert!(f.x + f.width <= s.canvas_width && f.y + f.height <= s.canvas_height);
                    let w = f.standalone(&d).unwrap();
                    prop_assert_eq!(riff_end(&w), Some(w.len()));
                }
            }
        }
    }
}
