//! A bounds-checked ICO directory reader: picks the largest image and rebuilds it as a file the
//! `png` or `bmp` decoder takes (an ICO BMP entry is a DIB without its file header, with the
//! height doubled to cover the AND mask).

/// The chosen directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IcoEntry {
    pub offset: usize,
    pub size: usize,
    /// The entry is a PNG file (else a DIB).
    pub png: bool,
}

fn le16(d: &[u8], p: usize) -> Option<u16> {
    d.get(p..p + 2).map(|b| u16::from_le_bytes([b[0], b[1]]))
}

fn le32(d: &[u8], p: usize) -> Option<u32> {
    d.get(p..p + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Reads the directory. `Ok(None)`: more bytes are needed.
pub(crate) fn parse(d: &[u8]) -> Result<Option<IcoEntry>, &'static str> {
    let n = d.len().min(4);
    if d[..n] != [0, 0, 1, 0][..n] {
        return Err("not an ICO file");
    }
    let Some(count) = le16(d, 4) else {
        return Ok(None);
    };
    if count == 0 {
        return Err("ICO has no images");
    }
    let dir_end = 6 + 16 * count as usize;
    if d.len() < dir_end {
        return Ok(None);
    }
    let mut best: Option<(u32, IcoEntry)> = None;
    for i in 0..count as usize {
        let e = 6 + 16 * i;
        let w = if d[e] == 0 { 256 } else { u32::from(d[e]) };
        let h = if d[e + 1] == 0 {
            256
        } else {
            u32::from(d[e + 1])
        };
        let size = le32(d, e + 8).ok_or("truncated ICO entry")? as usize;
        let offset = le32(d, e + 12).ok_or("truncated ICO entry")? as usize;
        if size < 8 || offset < dir_end {
            return Err("corrupt ICO entry");
        }
        let area = w * h;
        if best.map_or(true, |(a, _)| area > a) {
            best = Some((
                area,
                IcoEntry {
                    offset,
                    size,
                    png: false,
                },
            ));
        }
    }
    let Some((_, mut e)) = best else {
        return Err("ICO has no images");
    };
    match d.get(e.offset..e.offset + 8) {
        Some(sig) => e.png = sig == super::png::SIGNATURE,
        None => return Ok(None),
    }
    Ok(Some(e))
}

impl IcoEntry {
    /// The entry as a PNG or BMP file, when its bytes are all present.
    pub(crate) fn packet(&self, d: &[u8]) -> Option<Vec<u8>> {
        let body = d.get(self.offset..self.offset.checked_add(self.size)?)?;
        if self.png {
            return Some(body.to_vec());
        }
        // DIB: BITMAPINFOHEADER (size, width, height*2, planes, bpp, compression, ..., clrUsed).
        let header = le32(body, 0)? as usize;
        let bpp = le16(body, 14)?;
        let clr_used = le32(body, 32).unwrap_or(0) as usize;
        let palette = if clr_used > 0 {
            clr_used
        } else if bpp <= 8 {
            1 << bpp
        } else {
            0
        };
        let pixel_offset = 14 + header + 4 * palette;
        let mut out = Vec::with_capacity(14 + body.len());
        out.extend_from_slice(b"BM");
        out.extend_from_slice(&((14 + body.len()) as u32).to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&(pixel_offset as u32).to_le_bytes());
        out.extend_from_slice(body);
        // The DIB height covers the XOR image and the AND mask; the picture is the first half.
        let h = i32::from_le_bytes(out.get(22..26)?.try_into().ok()?);
        out.get_mut(22..26)?.copy_from_slice(&(h / 2).to_le_bytes());
        Some(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn picks_largest_and_rebuilds_bmp() {
        let mut d = vec![0, 0, 1, 0, 2, 0];
        let dib = {
            let mut b = 40u32.to_le_bytes().to_vec();
            b.extend_from_slice(&2i32.to_le_bytes());
            b.extend_from_slice(&4i32.to_le_bytes());
            b.extend_from_slice(&1u16.to_le_bytes());
            b.extend_from_slice(&32u16.to_le_bytes());
            b.extend_from_slice(&[0; 24]);
            b.extend_from_slice(&[0; 16 + 8]);
            b
        };
        let off = 6 + 32;
        for (w, o) in [(1u8, off), (2u8, off)] {
            d.extend_from_slice(&[w, w, 0, 0, 1, 0, 32, 0]);
            d.extend_from_slice(&(dib.len() as u32).to_le_bytes());
            d.extend_from_slice(&(o as u32).to_le_bytes());
        }
        d.extend_from_slice(&dib);
        let e = parse(&d).unwrap().unwrap();
        assert!(!e.png);
        let bmp = e.packet(&d).unwrap();
        assert_eq!(&bmp[..2], b"BM");
        assert_eq!(i32::from_le_bytes(bmp[22..26].try_into().unwrap()), 2);
        assert_eq!(u32::from_le_bytes(bmp[10..14].try_into().unwrap()), 54);
        for n in 0..d.len() {
            let _ = parse(&d[..n]);
        }
        assert!(parse(b"\x89PNG").is_err());
    }
}
