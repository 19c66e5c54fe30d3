//! A bounds-checked PNG chunk scanner. For APNG it splits the file the way FFmpeg's `apng`
//! demuxer does: the chunks before the first `fcTL` (or `IDAT`) become the decoder's extradata
//! and each frame's packet runs from its `fcTL` to the next `fcTL` (the last one includes
//! `IEND`). Works on a prefix of the file (streaming).

pub(crate) const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// One complete APNG frame: `data[start..end]` is its packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PngFrame {
    pub start: usize,
    pub end: usize,
    /// Frame delay as a fraction of a second (`den == 0` means 1/100 s per the APNG spec).
    pub delay_num: u16,
    pub delay_den: u16,
}

/// What a scan of the bytes so far found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PngScan {
    pub width: u32,
    pub height: u32,
    /// `acTL` came before the first `IDAT`.
    pub animated: bool,
    pub num_frames: u32,
    pub num_plays: u32,
    /// Whether the header is complete (an `IDAT` or `fcTL` was reached).
    pub header_done: bool,
    /// End of the chunks that form the APNG decoder's extradata.
    pub header_end: usize,
    pub frames: Vec<PngFrame>,
    /// `IEND` was reached.
    pub ended: bool,
    /// `gAMA` (image gamma × 100000) before the image data.
    pub gamma: Option<u32>,
    /// An `sRGB` or `iCCP` chunk came before the image data (it overrides `gAMA`).
    pub srgb_or_icc: bool,
}

fn be32(d: &[u8], p: usize) -> Option<u32> {
    d.get(p..p + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn be16(d: &[u8], p: usize) -> Option<u16> {
    d.get(p..p + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

/// Scans `d`. `Ok(None)`: `IHDR` is not complete yet. `Err`: not a PNG.
pub(crate) fn scan(d: &[u8]) -> Result<Option<PngScan>, &'static str> {
    let n = d.len().min(8);
    if d[..n] != SIGNATURE[..n] {
        return Err("not a PNG file");
    }
    let mut s = PngScan::default();
    let mut p = 8;
    let mut open: Option<PngFrame> = None;
    let mut seen_ihdr = false;
    while let (Some(len), Some(ty)) = (be32(d, p), d.get(p + 4..p + 8)) {
        let len = len as usize;
        if len > 0x7fff_ffff {
            return Err("corrupt PNG chunk length");
        }
        let end = p + 12 + len;
        if end > d.len() {
            // `acTL` must come before the image data, so the type of the first image data
            // chunk settles the header even before that chunk is complete.
            if seen_ihdr && !s.header_done && matches!(ty, b"IDAT" | b"fcTL") {
                s.header_done = true;
                s.header_end = p;
            }
            break;
        }
        let body = &d[p + 8..p + 8 + len];
        if !seen_ihdr {
            if ty != b"IHDR" || len < 13 {
                return Err("PNG does not start with IHDR");
            }
            s.width = be32(body, 0).unwrap_or(0);
            s.height = be32(body, 4).unwrap_or(0);
            if s.width == 0 || s.height == 0 {
                return Err("PNG has a zero size");
            }
            seen_ihdr = true;
        }
        match ty {
            b"acTL" if !s.header_done && len >= 8 => {
                s.animated = true;
                s.num_frames = be32(body, 0).unwrap_or(0);
                s.num_plays = be32(body, 4).unwrap_or(0);
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
                open = Some(PngFrame {
                    start: p,
                    end: 0,
                    delay_num: be16(body, 20).unwrap_or(0),
                    delay_den: be16(body, 22).unwrap_or(0),
                });
            }
            b"gAMA" if !s.header_done && len == 4 => s.gamma = be32(body, 0),
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
        p = end;
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

    fn chunk(v: &mut Vec<u8>, ty: &[u8], body: &[u8]) {
        v.extend_from_slice(&(body.len() as u32).to_be_bytes());
        v.extend_from_slice(ty);
        v.extend_from_slice(body);
        v.extend_from_slice(&[0, 0, 0, 0]); // CRC (not checked by the scanner)
    }

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
        assert!(s.ended);
    }

    #[test]
    fn prefixes_are_safe() {
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
    }
}
