//! JPEG marker scan (bounds-checked): how many scans are complete, whether the image is
//! progressive, where it ends, and the Adobe `APP14` colour transform. Used to decode a JPEG
//! as soon as its `EOI` is in, and to decode partial progressive images.

/// What the markers of a (possibly partial) JPEG file say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct JpegScan {
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

fn be16(d: &[u8], p: usize) -> Option<usize> {
    d.get(p..p + 2)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
}

/// Offset of the first marker after entropy-coded data starting at `p` (stuffed `FF 00`,
/// restart markers and fill bytes are part of the data), or `None` if the data ends first.
fn entropy_end(d: &[u8], mut p: usize) -> Option<usize> {
    loop {
        let i = p + d.get(p..)?.iter().position(|&b| b == 0xFF)?;
        let mut j = i + 1;
        while *d.get(j)? == 0xFF {
            j += 1;
        }
        match d[j] {
            0x00 | 0xD0..=0xD7 => p = j + 1,
            _ => return Some(j - 1),
        }
    }
}

/// Scans the markers of `d` (which starts with `FF D8`) as far as the data goes; broken
/// structure ends the scan with `malformed` set.
pub(crate) fn scan(d: &[u8]) -> JpegScan {
    let mut s = JpegScan::default();
    let mut p = 2;
    while let Some(&b) = d.get(p) {
        let Some(&m) = d.get(p + 1) else {
            s.malformed = b != 0xFF;
            break;
        };
        if b != 0xFF || m == 0x00 {
            s.malformed = true;
            break;
        }
        match m {
            // Fill byte before a marker.
            0xFF => p += 1,
            0xD9 => {
                s.end = Some(p + 2);
                break;
            }
            0x01 | 0xD0..=0xD7 => p += 2,
            _ => {
                let Some(len) = be16(d, p + 2) else {
                    break;
                };
                if len < 2 {
                    s.malformed = true;
                    break;
                }
                let seg_end = p + 2 + len;
                if seg_end > d.len() {
                    break;
                }
                if matches!(m, 0xC2 | 0xC6 | 0xCA | 0xCE) {
                    s.progressive = true;
                }
                if (0xC0..=0xCF).contains(&m) && !matches!(m, 0xC4 | 0xC8 | 0xCC) {
                    // Precision, height, width, then (id, sampling, table) per component.
                    let n = d.get(p + 9).copied().unwrap_or(0) as usize;
                    let ids = (0..n).map(|i| p + 10 + 3 * i).filter(|&o| o + 2 < seg_end);
                    s.component_ids.extend(ids);
                    s.sampling = (0..n)
                        .filter_map(|i| d.get(p + 11 + 3 * i).copied())
                        .collect();
                }
                // "Adobe", version, flags0, flags1, transform.
                if m == 0xEE && len >= 14 && d.get(p + 4..p + 9) == Some(b"Adobe".as_slice()) {
                    s.adobe_transform = d.get(p + 15).map(|&t| (p + 15, t));
                }
                if m == 0xDA {
                    // Ns, then (selector, tables) per component.
                    let n = d.get(p + 4).copied().unwrap_or(0) as usize;
                    let ids = (0..n).map(|i| p + 5 + 2 * i).filter(|&o| o < seg_end);
                    s.component_ids.extend(ids);
                }
                if m == 0xDA {
                    let Some(e) = entropy_end(d, seg_end) else {
                        break;
                    };
                    s.complete_scans += 1;
                    s.scans_end = e;
                    p = e;
                } else {
                    p = seg_end;
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

    fn segment(m: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, m];
        v.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn counts_scans_and_finds_the_end() {
        let mut d = vec![0xFF, 0xD8];
        d.extend(segment(0xC2, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        d.extend(segment(0xDA, &[1, 1, 0, 0, 0, 0]));
        // Entropy data with a stuffed byte and a restart marker.
        d.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
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
        // Every prefix scans without panicking and never reports more than the whole.
        for n in 2..d.len() {
            let s = scan(&d[..n]);
            assert!(s.complete_scans <= 2 && s.end.is_none() && !s.malformed);
        }
    }

    #[test]
    fn reads_sampling_factors() {
        let mut d = vec![0xFF, 0xD8];
        d.extend(segment(
            0xC0,
            &[8, 0, 16, 0, 16, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1],
        ));
        assert_eq!(scan(&d).sampling, vec![0x22, 0x11, 0x11]);
    }

    #[test]
    fn broken_markers_are_malformed() {
        assert!(scan(&[0xFF, 0xD8, 0xFF, 0x00, 1, 2]).malformed);
        assert!(scan(&[0xFF, 0xD8, 0x12, 0x34]).malformed);
        assert!(scan(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 1]).malformed);
        assert!(!scan(&[0xFF, 0xD8, 0xFF]).malformed);
    }
}
