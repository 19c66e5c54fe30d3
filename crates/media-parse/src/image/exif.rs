//! The EXIF orientation of a JPEG file (APP1 `Exif` segment, TIFF IFD0 tag 0x0112), and its
//! mapping to a VideoFrame's clockwise `rotation` and `flip` the way Chromium maps it.

use crate::error::Result;
use crate::reader::ByteReader;

/// The TIFF orientation tag.
const ORIENTATION: u16 = 0x0112;

/// A TIFF byte order.
#[derive(Clone, Copy)]
struct Order {
    little: bool,
}

impl Order {
    fn u16(self, r: &mut ByteReader<'_>) -> Result<u16> {
        if self.little {
            r.u16_le()
        } else {
            r.u16_be()
        }
    }

    fn u32(self, r: &mut ByteReader<'_>) -> Result<u32> {
        if self.little {
            r.u32_le()
        } else {
            r.u32_be()
        }
    }
}

/// The orientation value (1–8) of a TIFF/EXIF block, if present and valid.
pub fn tiff_orientation(t: &[u8]) -> Option<u16> {
    let mut r = ByteReader::new(t);
    let order = match &r.array::<4>().ok()? {
        b"II*\0" => Order { little: true },
        b"MM\0*" => Order { little: false },
        _ => return None,
    };
    let ifd = order.u32(&mut r).ok()?;
    r.seek(usize::try_from(ifd).ok()?).ok()?;
    let n = order.u16(&mut r).ok()?;
    for _ in 0..n {
        let mut entry = r.sub(12).ok()?;
        if order.u16(&mut entry).ok()? == ORIENTATION {
            // Type (SHORT) and count, then the value in the first two bytes of the field.
            entry.skip(6).ok()?;
            let v = order.u16(&mut entry).ok()?;
            return (1..=8).contains(&v).then_some(v);
        }
    }
    None
}

/// The EXIF orientation (1–8) of a JPEG file, if it has one before its first scan.
pub fn jpeg_orientation(d: &[u8]) -> Option<u16> {
    let mut r = ByteReader::new(d);
    if r.array::<2>().ok()? != [0xFF, 0xD8] {
        return None;
    }
    loop {
        let [ff, marker] = r.array::<2>().ok()?;
        // Start of scan or end of image: no more metadata segments.
        if ff != 0xFF || marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = usize::from(r.u16_be().ok()?);
        let body = r.take(len.checked_sub(2)?).ok()?;
        if marker == 0xE1 {
            if let Some(tiff) = body.strip_prefix(b"Exif\0\0") {
                return tiff_orientation(tiff);
            }
        }
    }
}

/// EXIF orientation → (clockwise rotation in degrees, horizontal flip); 1 and unknown values
/// are the identity.
pub fn orientation_transform(o: u16) -> (u32, bool) {
    match o {
        2 => (0, true),
        3 => (180, false),
        4 => (180, true),
        5 => (90, true),
        6 => (90, false),
        7 => (270, true),
        8 => (270, false),
        _ => (0, false),
    }
}

/// A JPEG APP1 segment carrying only an orientation (the writer the tests and fuzz seeds use).
pub fn app1_with_orientation(o: u16, little_endian: bool) -> Vec<u8> {
    let w16 = |v: u16| {
        if little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let w32 = |v: u32| {
        if little_endian {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let mut t: Vec<u8> = if little_endian {
        b"II*\0".to_vec()
    } else {
        b"MM\0*".to_vec()
    };
    t.extend_from_slice(&w32(8));
    t.extend_from_slice(&w16(1));
    t.extend_from_slice(&w16(ORIENTATION));
    t.extend_from_slice(&w16(3));
    t.extend_from_slice(&w32(1));
    t.extend_from_slice(&w16(o));
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&[0, 0, 0, 0]);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend_from_slice(&((t.len() + 8) as u16).to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend(t);
    seg
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn jpeg(o: u16, le: bool) -> Vec<u8> {
        let mut d = vec![0xFF, 0xD8];
        d.extend_from_slice(&[0xFF, 0xE0, 0, 4, 0, 0]); // an APP0 before it
        d.extend(app1_with_orientation(o, le));
        d.extend_from_slice(&[0xFF, 0xDA, 0, 2, 1, 2, 3]);
        d
    }

    #[test]
    fn reads_both_byte_orders() {
        for o in 1..=8 {
            assert_eq!(jpeg_orientation(&jpeg(o, true)), Some(o));
            assert_eq!(jpeg_orientation(&jpeg(o, false)), Some(o));
        }
        assert_eq!(orientation_transform(6), (90, false));
        assert_eq!(orientation_transform(2), (0, true));
        assert_eq!(orientation_transform(0), (0, false));
    }

    #[test]
    fn absent_or_truncated_is_none() {
        let d = jpeg(6, true);
        for n in 0..d.len() - 8 {
            assert_eq!(jpeg_orientation(&d[..n]), None, "prefix {n}");
        }
        assert_eq!(jpeg_orientation(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
        assert_eq!(jpeg_orientation(b"GIF89a"), None);
        assert_eq!(jpeg_orientation(&jpeg(9, true)), None);
    }

    proptest! {
        /// Round trip: every valid orientation written in either byte order reads back.
        #[test]
        fn round_trips(o in 1u16..=8, le: bool, pad in proptest::collection::vec(any::<u8>(), 0..40)) {
            let mut d = vec![0xFF, 0xD8, 0xFF, 0xE0];
            d.extend_from_slice(&((pad.len() + 2) as u16).to_be_bytes());
            d.extend(pad);
            d.extend(app1_with_orientation(o, le));
            prop_assert_eq!(jpeg_orientation(&d), Some(o));
        }

        /// Arbitrary bytes after a valid start: never a panic, only 1–8 or nothing.
        #[test]
        fn never_out_of_range(tail in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut d = vec![0xFF, 0xD8, 0xFF, 0xE1];
            d.extend(tail);
            prop_assert!(jpeg_orientation(&d).is_none_or(|o| (1..=8).contains(&o)));
            prop_assert!(tiff_orientation(&d[4..]).is_none_or(|o| (1..=8).contains(&o)));
        }
    }
}
