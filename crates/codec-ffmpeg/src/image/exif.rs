//! A bounds-checked reader for the EXIF orientation of a JPEG file (APP1 `Exif` segment, TIFF
//! IFD0 tag 0x0112), mapped to a VideoFrame's clockwise `rotation` and `flip` the way Chromium
//! maps it.

fn u16_at(d: &[u8], p: usize, le: bool) -> Option<u16> {
    let b = d.get(p..p + 2)?;
    Some(if le {
        u16::from_le_bytes([b[0], b[1]])
    } else {
        u16::from_be_bytes([b[0], b[1]])
    })
}

fn u32_at(d: &[u8], p: usize, le: bool) -> Option<u32> {
    let b = d.get(p..p + 4)?;
    let a = [b[0], b[1], b[2], b[3]];
    Some(if le {
        u32::from_le_bytes(a)
    } else {
        u32::from_be_bytes(a)
    })
}

/// The orientation value (1–8) of a TIFF/EXIF block, if present.
fn tiff_orientation(t: &[u8]) -> Option<u16> {
    let le = match t.get(0..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let ifd = u32_at(t, 4, le)? as usize;
    let n = u16_at(t, ifd, le)? as usize;
    for i in 0..n {
        let e = ifd + 2 + 12 * i;
        if u16_at(t, e, le)? == 0x0112 {
            let v = u16_at(t, e + 8, le)?;
            return (1..=8).contains(&v).then_some(v);
        }
    }
    None
}

/// The EXIF orientation (1–8) of a JPEG file, if it has one.
pub(crate) fn jpeg_orientation(d: &[u8]) -> Option<u16> {
    if d.get(0..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut p = 2;
    loop {
        if *d.get(p)? != 0xFF {
            return None;
        }
        let marker = *d.get(p + 1)?;
        // Start of scan or end of image: no more metadata segments.
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        let len = u16_at(d, p + 2, false)? as usize;
        if len < 2 {
            return None;
        }
        let body = d.get(p + 4..p + 2 + len)?;
        if marker == 0xE1 && body.starts_with(b"Exif\0\0") {
            return tiff_orientation(&body[6..]);
        }
        p += 2 + len;
    }
}

/// EXIF orientation → (clockwise rotation in degrees, horizontal flip).
pub(crate) fn orientation_transform(o: u16) -> (u32, bool) {
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

/// An APP1 segment carrying only an orientation (for tests and tools).
#[cfg(test)]
pub(crate) fn app1_with_orientation(o: u16, little_endian: bool) -> Vec<u8> {
    let mut t: Vec<u8> = if little_endian {
        b"II*\0".to_vec()
    } else {
        b"MM\0*".to_vec()
    };
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
    t.extend_from_slice(&w32(8));
    t.extend_from_slice(&w16(1));
    t.extend_from_slice(&w16(0x0112));
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
    }

    #[test]
    fn absent_or_truncated_is_none() {
        let d = jpeg(6, true);
        for n in 0..d.len() - 8 {
            let _ = jpeg_orientation(&d[..n]);
        }
        assert_eq!(jpeg_orientation(&[0xFF, 0xD8, 0xFF, 0xDA, 0, 2]), None);
        assert_eq!(jpeg_orientation(b"GIF89a"), None);
        assert_eq!(jpeg_orientation(&jpeg(9, true)), None);
    }
}
