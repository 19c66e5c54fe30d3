//! The ICO directory: picks the largest image and rebuilds it as a file a PNG or BMP decoder
//! takes (an ICO BMP entry is a DIB without its file header, with the height doubled to cover
//! the AND mask).

use crate::error::{Error, Result};
use crate::image::png::SIGNATURE as PNG_SIGNATURE;
use crate::reader::ByteReader;

/// The chosen directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IcoEntry {
    /// Offset of the entry's data in the file.
    pub offset: usize,
    /// Size of the entry's data.
    pub size: usize,
    /// The entry is a PNG file (else a DIB).
    pub png: bool,
}

/// Reads the directory. `Ok(None)`: more bytes are needed.
///
/// # Errors
/// [`Error::Malformed`] for a file that is not an ICO, has no images, or has an entry that
/// overlaps the directory or is smaller than 8 bytes.
pub fn parse(d: &[u8]) -> Result<Option<IcoEntry>> {
    let n = d.len().min(4);
    if d[..n] != [0, 0, 1, 0][..n] {
        return Err(Error::Malformed("ICO header"));
    }
    let mut r = ByteReader::new(d);
    let Ok(count) = r.skip(4).and_then(|()| r.u16_le()) else {
        return Ok(None);
    };
    if count == 0 {
        return Err(Error::Malformed("ICO has no images"));
    }
    let dir_end = 6 + 16 * usize::from(count);
    let Ok(mut dir) = r.sub(16 * usize::from(count)) else {
        return Ok(None);
    };
    let mut best: Option<(u32, IcoEntry)> = None;
    for _ in 0..count {
        let mut e = dir.sub(16)?;
        let side = |v: u8| if v == 0 { 256 } else { u32::from(v) };
        let (w, h) = (side(e.u8()?), side(e.u8()?));
        e.skip(6)?; // palette size, reserved, planes, bits per pixel
        let size = e.u32_le()? as usize;
        let offset = e.u32_le()? as usize;
        if size < 8 || offset < dir_end {
            return Err(Error::Malformed("ICO entry"));
        }
        let area = w * h;
        if best.is_none_or(|(a, _)| area > a) {
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
        return Err(Error::Malformed("ICO has no images"));
    };
    let mut at = ByteReader::new(d);
    match at.seek(e.offset).and_then(|()| at.array::<8>()) {
        Ok(sig) => e.png = &sig == PNG_SIGNATURE,
        Err(_) => return Ok(None),
    }
    Ok(Some(e))
}

impl IcoEntry {
    /// The entry as a PNG or BMP file, when its bytes are all present (and, for a DIB, its
    /// header is readable).
    pub fn packet(&self, d: &[u8]) -> Option<Vec<u8>> {
        let mut r = ByteReader::new(d);
        r.seek(self.offset).ok()?;
        let body = r.take(self.size).ok()?;
        if self.png {
            return Some(body.to_vec());
        }
        // DIB: BITMAPINFOHEADER (size, width, height*2, planes, bpp, compression, ..., clrUsed).
        let mut h = ByteReader::new(body);
        let header = h.u32_le().ok()? as usize;
        h.skip(4).ok()?;
        let height = h.u32_le().ok()? as i32;
        h.skip(2).ok()?;
        let bpp = h.u16_le().ok()?;
        let clr_used = h.skip(16).and_then(|()| h.u32_le()).unwrap_or(0) as usize;
        let palette = if clr_used > 0 {
            clr_used
        } else if bpp <= 8 {
            1 << bpp
        } else {
            0
        };
        let pixel_offset = header
            .checked_add(14)?
            .checked_add(palette.checked_mul(4)?)?;
        let mut out = Vec::with_capacity(14 + body.len());
        out.extend_from_slice(b"BM");
        out.extend_from_slice(&u32::try_from(14 + body.len()).ok()?.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&u32::try_from(pixel_offset).ok()?.to_le_bytes());
        let mut b = ByteReader::new(body);
        out.extend_from_slice(b.take(8).ok()?);
        // The DIB height covers the XOR image and the AND mask; the picture is the first half.
        b.skip(4).ok()?;
        out.extend_from_slice(&(height / 2).to_le_bytes());
        out.extend_from_slice(b.rest());
        Some(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dib() -> Vec<u8> {
        let mut b = 40u32.to_le_bytes().to_vec();
        b.extend_from_slice(&2i32.to_le_bytes());
        b.extend_from_slice(&4i32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&32u16.to_le_bytes());
        b.extend_from_slice(&[0; 24]);
        b.extend_from_slice(&[0; 16 + 8]);
        b
    }

    fn ico() -> Vec<u8> {
        let mut d = vec![0, 0, 1, 0, 2, 0];
        let dib = dib();
        let off = 6 + 32;
        for w in [1u8, 2u8] {
            d.extend_from_slice(&[w, w, 0, 0, 1, 0, 32, 0]);
            d.extend_from_slice(&(dib.len() as u32).to_le_bytes());
            d.extend_from_slice(&(off as u32).to_le_bytes());
        }
        d.extend_from_slice(&dib);
        d
    }

    #[test]
    fn picks_largest_and_rebuilds_bmp() {
        let d = ico();
        let e = parse(&d).unwrap().unwrap();
        assert!(!e.png);
        let bmp = e.packet(&d).unwrap();
        assert_eq!(&bmp[..2], b"BM");
        assert_eq!(bmp.len(), 14 + dib().len());
        assert_eq!(i32::from_le_bytes(bmp[22..26].try_into().unwrap()), 2);
        assert_eq!(u32::from_le_bytes(bmp[10..14].try_into().unwrap()), 54);
        assert_eq!(&bmp[14..22], &dib()[..8]);
        assert_eq!(&bmp[26..], &dib()[12..]);
        for n in 0..d.len() {
            assert!(parse(&d[..n])
                .unwrap()
                .is_none_or(|e| e.packet(&d[..n]).is_none()));
        }
        assert!(parse(b"\x89PNG").is_err());
        assert_eq!(
            parse(&[0, 0, 1, 0, 0, 0]),
            Err(Error::Malformed("ICO has no images"))
        );
    }

    proptest! {
        /// Whatever the directory says, a packet is only built from bytes that are there.
        #[test]
        fn packets_come_from_the_data(rest in proptest::collection::vec(any::<u8>(), 0..200), keep in 0usize..80) {
            let d = crate::image::after_prefix(&ico(), keep, rest);
            if let Ok(Some(e)) = parse(&d) {
                prop_assert!(e.offset >= 6 && e.size >= 8);
                if let Some(p) = e.packet(&d) {
                    prop_assert!(e.offset + e.size <= d.len());
                    prop_assert_eq!(p.len(), if e.png { e.size } else { e.size + 14 });
                }
            }
        }
    }
}
