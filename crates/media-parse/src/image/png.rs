//! PNG and APNG chunk scanning. For APNG the file is split the way FFmpeg's `apng` demuxer does:
//! the chunks before the first `fcTL` (or `IDAT`) become the decoder's extradata and each
//! frame's packet runs from its `fcTL` to the next `fcTL` (the last one includes `IEND`).
//! Works on a prefix of the file (streaming): a chunk counts once all of it (and its CRC) is in.

use crate::error::{Error, Result};
use crate::reader::ByteReader;

/// The 8-byte PNG signature.
pub const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The largest chunk length PNG allows (2³¹ − 1).
const MAX_CHUNK: u32 = 0x7fff_ffff;

/// One complete APNG frame: `data[start..end]` is its packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngFrame {
    /// Offset of the frame's `fcTL` chunk.
    pub start: usize,
    /// Offset just past its last chunk.
    pub end: usize,
    /// Frame delay numerator (seconds).
    pub delay_num: u16,
    /// Frame delay denominator (`0` means 100, per the APNG spec).
    pub delay_den: u16,
}

impl PngFrame {
    /// The frame's delay in microseconds.
    pub fn duration_us(&self) -> u64 {
        let den = if self.delay_den == 0 {
            100
        } else {
            u64::from(self.delay_den)
        };
        u64::from(self.delay_num) * 1_000_000 / den
    }
}

/// What a scan of the bytes so far found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PngScan {
    /// `IHDR` width.
    pub width: u32,
    /// `IHDR` height.
    pub height: u32,
    /// `acTL` came before the first image data.
    pub animated: bool,
    /// `acTL` frame count.
    pub num_frames: u32,
    /// `acTL` play count (0: forever).
    pub num_plays: u32,
    /// Whether the header is complete (an `IDAT` or `fcTL` was reached).
    pub header_done: bool,
    /// End of the chunks that form the APNG decoder's extradata.
    pub header_end: usize,
    /// The complete APNG frames so far.
    pub frames: Vec<PngFrame>,
    /// `IEND` was reached.
    pub ended: bool,
    /// `gAMA` (image gamma × 100000) before the image data.
    pub gamma: Option<u32>,
    /// An `sRGB` or `iCCP` chunk came before the image data (it overrides `gAMA`).
    pub srgb_or_icc: bool,
}

/// Scans `d`. `Ok(None)`: `IHDR` is not complete yet.
///
/// # Errors
/// [`Error::Malformed`] when `d` is not a PNG prefix (signature, first chunk not `IHDR`, zero
/// size, chunk length over 2³¹ − 1).
pub fn scan(d: &[u8]) -> Result<Option<PngScan>> {
    let n = d.len().min(8);
    if d[..n] != SIGNATURE[..n] {
        return Err(Error::Malformed("PNG signature"));
    }
    let mut r = ByteReader::new(d);
    if r.skip(8).is_err() {
        return Ok(None);
    }
    let mut s = PngScan::default();
    let mut open: Option<PngFrame> = None;
    let mut seen_ihdr = false;
    while r.remaining() >= 8 {
        let p = r.position();
        let len = r.u32_be()?;
        let ty = r.array::<4>()?;
        if len > MAX_CHUNK {
            return Err(Error::Malformed("PNG chunk length"));
        }
        let len = len as usize;
        if r.remaining() < len.saturating_add(4) {
            // `acTL` must come before the image data, so the type of the first image data
            // chunk settles the header even before that chunk is complete.
            if seen_ihdr && !s.header_done && matches!(&ty, b"IDAT" | b"fcTL") {
                s.header_done = true;
                s.header_end = p;
            }
            break;
        }
        let mut body = r.sub(len)?;
        r.skip(4)?; // CRC (not checked: the decoder does)
        let end = r.position();
        if !seen_ihdr {
            if &ty != b"IHDR" || len < 13 {
                return Err(Error::Malformed("PNG does not start with IHDR"));
            }
            s.width = body.u32_be()?;
            s.height = body.u32_be()?;
            if s.width == 0 || s.height == 0 {
                return Err(Error::Malformed("PNG has a zero size"));
            }
            seen_ihdr = true;
            continue;
        }
        match &ty {
            b"acTL" if !s.header_done && len >= 8 => {
                s.animated = true;
                s.num_frames = body.u32_be()?;
                s.num_plays = body.u32_be()?;
            }
            b"fcTL" => {
                if !s.header_done {
                    s.header_done = true;
                    s.header_end = p;
                }
                if let Some(mut f) = open.take() {
                    f.end = p;
                    s.frames.push(f);
                }
                // sequence, width, height, x, y (5 × 4 bytes), then the delay.
                let delay = body
                    .skip(20)
                    .and_then(|()| Ok((body.u16_be()?, body.u16_be()?)));
                let (delay_num, delay_den) = delay.unwrap_or((0, 0));
                open = Some(PngFrame {
                    start: p,
                    end: 0,
                    delay_num,
                    delay_den,
                });
            }
            b"gAMA" if !s.header_done && len == 4 => s.gamma = Some(body.u32_be()?),
            b"sRGB" | b"iCCP" if !s.header_done => s.srgb_or_icc = true,
            b"IDAT" if !s.header_done => {
                s.header_done = true;
                s.header_end = p;
            }
            b"IEND" => {
                if let Some(mut f) = open.take() {
                    f.end = end;
                    s.frames.push(f);
                }
                s.ended = true;
                break;
            }
            _ => {}
        }
    }
    if !seen_ihdr {
        return Ok(None);
    }
    Ok(Some(s))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chunk(v: &mut Vec<u8>, ty: &[u8], body: &[u8]) {
        v.extend_from_slice(&(body.len() as u32).to_be_bytes());
        v.extend_from_slice(ty);
        v.extend_from_slice(body);
        v.extend_from_slice(&[0, 0, 0, 0]); // CRC (not checked by the scanner)
    }

    /// An APNG of `frames` frames whose frame `i` lasts `(i + 1)/100` s.
    fn apng(frames: u32) -> Vec<u8> {
        let mut v = SIGNATURE.to_vec();
        chunk(&mut v, b"IHDR", &[0, 0, 0, 4, 0, 0, 0, 3, 8, 6, 0, 0, 0]);
        let mut actl = frames.to_be_bytes().to_vec();
        actl.extend_from_slice(&2u32.to_be_bytes());
        chunk(&mut v, b"acTL", &actl);
        for i in 0..frames {
            let mut fctl = vec![0u8; 26];
            fctl[20..22].copy_from_slice(&(i as u16 + 1).to_be_bytes());
            fctl[22..24].copy_from_slice(&100u16.to_be_bytes());
            chunk(&mut v, b"fcTL", &fctl);
            chunk(&mut v, if i == 0 { b"IDAT" } else { b"fdAT" }, &[1, 2, 3]);
        }
        chunk(&mut v, b"IEND", &[]);
        v
    }

    #[test]
    fn splits_frames() {
        let d = apng(3);
        let s = scan(&d).unwrap().unwrap();
        assert!(s.animated);
        assert_eq!((s.width, s.height, s.num_frames, s.num_plays), (4, 3, 3, 2));
        assert_eq!(s.header_end, 8 + 25 + 20);
        assert_eq!(s.frames.len(), 3);
        assert_eq!(s.frames[0].start, s.header_end);
        assert_eq!(s.frames[1].start, s.frames[0].end);
        assert_eq!(s.frames[2].end, d.len());
        assert_eq!((s.frames[1].delay_num, s.frames[1].delay_den), (2, 100));
        assert_eq!(s.frames[1].duration_us(), 20_000);
        assert!(s.ended);
    }

    #[test]
    fn gamma_and_srgb_before_the_data() {
        let mut v = SIGNATURE.to_vec();
        chunk(&mut v, b"IHDR", &[0, 0, 0, 4, 0, 0, 0, 3, 8, 6, 0, 0, 0]);
        chunk(&mut v, b"gAMA", &45_455u32.to_be_bytes());
        chunk(&mut v, b"IDAT", &[1]);
        chunk(&mut v, b"sRGB", &[0]); // after the data: ignored
        let s = scan(&v).unwrap().unwrap();
        assert_eq!(
            (s.gamma, s.srgb_or_icc, s.animated),
            (Some(45_455), false, false)
        );
        assert!(s.header_done && !s.ended);
    }

    #[test]
    fn prefixes_are_safe_and_monotonic() {
        let d = apng(3);
        let mut last = 0;
        for n in 0..=d.len() {
            if let Some(s) = scan(&d[..n]).unwrap() {
                assert!(s.frames.len() >= last);
                last = s.frames.len();
                assert!(s.frames.iter().all(|f| f.end <= n));
            }
        }
        assert_eq!(last, 3);
    }

    #[test]
    fn rejects_garbage() {
        assert!(scan(b"GIF89a").is_err());
        let mut d = SIGNATURE.to_vec();
        chunk(&mut d, b"IDAT", &[1]);
        assert!(scan(&d).is_err());
        assert_eq!(scan(&SIGNATURE[..5]).unwrap(), None);
        let mut d = SIGNATURE.to_vec();
        d.extend_from_slice(&[0x80, 0, 0, 0]);
        d.extend_from_slice(b"IHDR");
        assert_eq!(scan(&d), Err(Error::Malformed("PNG chunk length")));
    }

    proptest! {
        /// Any byte string: no panic, and every frame lies inside the data, in order.
        #[test]
        fn frames_lie_inside_the_data(rest in proptest::collection::vec(any::<u8>(), 0..300), keep in 0usize..120) {
            let d = crate::image::after_prefix(&apng(3), keep, rest);
            if let Ok(Some(s)) = scan(&d) {
                prop_assert!(s.header_end <= d.len());
                let mut at = 0;
                for f in &s.frames {
                    prop_assert!(at <= f.start && f.start < f.end && f.end <= d.len());
                    at = f.end;
                }
            }
        }
    }
}
