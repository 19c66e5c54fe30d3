//! JPEG marker scanning: how many scans are complete, whether the image is progressive, where
//! it ends, its components' sampling factors and the Adobe `APP14` colour transform. Used to
//! decode a JPEG as soon as its `EOI` is in, to decode partial progressive images, and to find
//! the bytes that Adobe CMYK/YCCK handling rewrites.

use crate::reader::ByteReader;

/// What the markers of a (possibly partial) JPEG file say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JpegScan {
    /// The frame header is `SOF2`/`SOF6`/`SOF10`/`SOF14` (progressive DCT).
    pub progressive: bool,
    /// Scans (`SOS` plus entropy-coded data) whose end is in the data.
    pub complete_scans: u32,
    /// Offset just past the entropy-coded data of the last complete scan.
    pub scans_end: usize,
    /// Offset just past the `EOI` marker, once it is in the data.
    pub end: Option<usize>,
    /// The frame header's sampling factors (`H << 4 | V`), one per component.
    pub sampling: Vec<u8>,
    /// The Adobe `APP14` colour transform (0: none/CMYK, 1: YCbCr, 2: YCCK) and its offset.
    pub adobe_transform: Option<(usize, u8)>,
    /// Offsets of every component id byte (in the frame header and the scan headers).
    pub component_ids: Vec<usize>,
    /// The marker structure is broken (a byte other than a marker where one must be, or a
    /// segment length below 2).
    pub malformed: bool,
}

/// Offset of the first marker after entropy-coded data starting at `from` (stuffed `FF 00`,
/// restart markers and fill bytes are part of the data), or `None` if the data ends first.
fn entropy_end(d: &[u8], from: usize) -> Option<usize> {
    let mut r = ByteReader::new(d);
    r.seek(from).ok()?;
    loop {
        let ff = r.rest().iter().position(|&b| b == 0xFF)?;
        r.skip(ff + 1).ok()?;
        while r.peek_u8().ok()? == 0xFF {
            r.skip(1).ok()?;
        }
        match r.peek_u8().ok()? {
            0x00 | 0xD0..=0xD7 => r.skip(1).ok()?,
            _ => return Some(r.position() - 1),
        }
    }
}

/// A frame header (`SOFn`): the sampling factors and the offsets of the component ids.
fn frame_header(s: &mut JpegScan, body: &[u8], body_at: usize) {
    // Precision, height, width, then (id, sampling, table) per component.
    let mut r = ByteReader::new(body);
    let Ok(n) = r.skip(5).and_then(|()| r.u8()) else {
        return;
    };
    s.sampling.clear();
    for _ in 0..n {
        let at = body_at + r.position();
        let Ok([_, sampling, _]) = r.array::<3>() else {
            break;
        };
        s.component_ids.push(at);
        s.sampling.push(sampling);
    }
}

/// A scan header (`SOS`): the offsets of the component ids.
fn scan_header(s: &mut JpegScan, body: &[u8], body_at: usize) {
    // Ns, then (selector, tables) per component.
    let mut r = ByteReader::new(body);
    let Ok(n) = r.u8() else { return };
    for _ in 0..n {
        let at = body_at + r.position();
        if r.skip(1).is_err() {
            break;
        }
        s.component_ids.push(at);
        let _ = r.skip(1);
    }
}

/// Scans the markers of `d` (which starts with `FF D8`) as far as the data goes; broken
/// structure ends the scan with `malformed` set. Never fails.
pub fn scan(d: &[u8]) -> JpegScan {
    let mut s = JpegScan::default();
    let mut r = ByteReader::new(d);
    if r.skip(2).is_err() {
        return s;
    }
    while let Ok(b) = r.u8() {
        let Ok(m) = r.u8() else {
            s.malformed = b != 0xFF;
            break;
        };
        if b != 0xFF || m == 0x00 {
            s.malformed = true;
            break;
        }
        let marker_at = r.position() - 2;
        match m {
            // A fill byte before a marker: the second 0xFF starts the marker.
            0xFF => {
                if r.seek(marker_at + 1).is_err() {
                    break;
                }
            }
            0xD9 => {
                s.end = Some(r.position());
                break;
            }
            0x01 | 0xD0..=0xD7 => {}
            _ => {
                let Ok(len) = r.u16_be() else { break };
                let len = usize::from(len);
                if len < 2 {
                    s.malformed = true;
                    break;
                }
                let body_at = r.position();
                let Ok(body) = r.take(len - 2) else { break };
                if matches!(m, 0xC2 | 0xC6 | 0xCA | 0xCE) {
                    s.progressive = true;
                }
                if (0xC0..=0xCF).contains(&m) && !matches!(m, 0xC4 | 0xC8 | 0xCC) {
                    frame_header(&mut s, body, body_at);
                }
                // "Adobe", version (2), flags0 (2), flags1 (2), transform.
                if m == 0xEE && body.len() >= 12 && body.starts_with(b"Adobe") {
                    s.adobe_transform = Some((body_at + 11, body[11]));
                }
                if m == 0xDA {
                    scan_header(&mut s, body, body_at);
                    let Some(e) = entropy_end(d, r.position()) else {
                        break;
                    };
                    s.complete_scans += 1;
                    s.scans_end = e;
                    if r.seek(e).is_err() {
                        break;
                    }
                }
            }
        }
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn segment(m: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, m];
        v.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    fn progressive() -> Vec<u8> {
        let mut d = vec![0xFF, 0xD8];
        d.extend(segment(0xC2, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        d.extend(segment(0xDA, &[1, 1, 0, 0, 0, 0]));
        // Entropy data with a stuffed byte and a restart marker.
        d.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        d
    }

    #[test]
    fn counts_scans_and_finds_the_end() {
        let mut d = progressive();
        let first_end = d.len();
        d.extend(segment(0xDA, &[1, 1, 0, 1, 5, 0]));
        d.extend([0x78, 0x9A]);
        let partial = scan(&d);
        assert!(partial.progressive);
        assert_eq!(partial.complete_scans, 1);
        assert_eq!(partial.scans_end, first_end);
        assert_eq!(partial.end, None);
        let second_end = d.len();
        d.extend([0xFF, 0xD9]);
        let full = scan(&d);
        assert_eq!(full.complete_scans, 2);
        assert_eq!(full.scans_end, second_end);
        assert_eq!(full.end, Some(d.len()));
        // The frame header's id and both scan headers' ids.
        assert_eq!(full.component_ids, [12, 20, first_end + 5]);
        // Every prefix scans without panicking and never reports more than the whole.
        for n in 2..d.len() {
            let s = scan(&d[..n]);
            assert!(s.complete_scans <= 2 && s.end.is_none() && !s.malformed);
        }
    }

    #[test]
    fn reads_sampling_factors_and_the_adobe_transform() {
        let mut d = vec![0xFF, 0xD8];
        let mut adobe = b"Adobe".to_vec();
        adobe.extend_from_slice(&[0, 100, 0, 0, 0, 0, 2]);
        d.extend(segment(0xEE, &adobe));
        d.extend(segment(
            0xC0,
            &[8, 0, 16, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
        ));
        let s = scan(&d);
        assert_eq!(s.sampling, vec![0x22, 0x11, 0x11]);
        assert_eq!(s.adobe_transform, Some((2 + 4 + 11, 2)));
        assert_eq!(d[2 + 4 + 11], 2);
    }

    #[test]
    fn fill_bytes_before_a_marker() {
        let mut d = vec![0xFF, 0xD8, 0xFF, 0xFF, 0xFF];
        d.extend(segment(0xE0, &[0; 4]));
        d.extend([0xFF, 0xD9]);
        let s = scan(&d);
        assert_eq!((s.end, s.malformed), (Some(d.len()), false));
    }

    #[test]
    fn broken_markers_are_malformed() {
        assert!(scan(&[0xFF, 0xD8, 0xFF, 0x00, 1, 2]).malformed);
        assert!(scan(&[0xFF, 0xD8, 0x12, 0x34]).malformed);
        assert!(scan(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 1]).malformed);
        assert!(!scan(&[0xFF, 0xD8, 0xFF]).malformed);
    }

    proptest! {
        /// Offsets the scan reports lie inside the data; more data never means fewer scans.
        #[test]
        fn offsets_lie_inside_the_data(tail in proptest::collection::vec(any::<u8>(), 0..200), cut in 0usize..400) {
            let mut d = progressive();
            d.extend(tail);
            let s = scan(&d);
            prop_assert!(s.scans_end <= d.len());
            prop_assert!(s.end.is_none_or(|e| e <= d.len()));
            prop_assert!(s.component_ids.iter().all(|&o| o < d.len()));
            prop_assert!(s.adobe_transform.is_none_or(|(o, _)| o < d.len()));
            let cut = cut.min(d.len());
            let p = scan(&d[..cut]);
            if !p.malformed {
                prop_assert!(p.complete_scans <= s.complete_scans);
            }
        }
    }
}
