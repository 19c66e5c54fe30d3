//! ISO base media file format (ISOBMFF, ISO/IEC 14496-12) boxes, as AVIF uses them: child box
//! lists of complete parents, full-box headers, and the top level of a file that may still be
//! arriving.

use crate::error::{Error, Result};
use crate::reader::ByteReader;

/// One box inside a parent: its type, its body, and the body's offset in the parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxRef<'a> {
    /// The four-character type.
    pub ty: [u8; 4],
    /// The body (after the size/type header).
    pub body: &'a [u8],
    /// Offset of the body in the slice the box list was read from.
    pub offset: usize,
}

/// A box header: the type, the header length and the box size (`None`: to the end of the
/// file).
fn header(r: &mut ByteReader<'_>) -> Result<([u8; 4], u64, Option<u64>)> {
    let size = r.u32_be()?;
    let ty = r.array::<4>()?;
    Ok(match size {
        1 => (ty, 16, Some(r.u64_be()?)),
        0 => (ty, 8, None),
        s => (ty, 8, Some(u64::from(s))),
    })
}

/// Every box of `d`, which must hold whole boxes only (the body of a complete parent).
///
/// # Errors
/// [`Error::Malformed`] when a box header is cut, a size is smaller than its header, or a box
/// runs past `d`.
pub fn boxes(d: &[u8]) -> Result<Vec<BoxRef<'_>>> {
    let mut out = Vec::new();
    let mut r = ByteReader::new(d);
    while !r.is_empty() {
        let start = r.position();
        let (ty, head, size) =
            header(&mut r).map_err(|_| Error::Malformed("truncated box header"))?;
        let size = size.unwrap_or((d.len() - start) as u64);
        if size < head {
            return Err(Error::Malformed("box size smaller than its header"));
        }
        let body_len = usize::try_from(size - head)
            .map_err(|_| Error::Malformed("box runs past its parent"))?;
        let offset = r.position();
        let body = r
            .take(body_len)
            .map_err(|_| Error::Malformed("box runs past its parent"))?;
        out.push(BoxRef { ty, body, offset });
    }
    Ok(out)
}

/// The body of the first box of type `ty` in `list`.
pub fn find<'a>(list: &[BoxRef<'a>], ty: &[u8; 4]) -> Option<&'a [u8]> {
    list.iter().find(|b| &b.ty == ty).map(|b| b.body)
}

/// A full box's version and flags.
///
/// # Errors
/// [`Error::Truncated`] when fewer than 4 bytes are left.
pub fn full_box(r: &mut ByteReader<'_>) -> Result<(u8, u32)> {
    let v = r.u32_be()?;
    Ok(((v >> 24) as u8, v & 0x00ff_ffff))
}

/// A complete top-level box: its type and body range in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopBox {
    /// The four-character type.
    pub ty: [u8; 4],
    /// Offset of the body in the file.
    pub body_start: usize,
    /// Offset just past the box.
    pub end: usize,
}

/// The top-level boxes of a (possibly partial) file: the complete ones, in order, and whether
/// the data ends inside one. The first box must be `ftyp`.
///
/// # Errors
/// [`Error::Malformed`] when the file does not start with `ftyp` or a size is smaller than its
/// header.
pub fn top_level(d: &[u8]) -> Result<Vec<TopBox>> {
    let mut out = Vec::new();
    let mut r = ByteReader::new(d);
    while r.remaining() >= 8 {
        let start = r.position();
        let Ok((ty, head, size)) = header(&mut r) else {
            break;
        };
        if start == 0 && &ty != b"ftyp" {
            return Err(Error::Malformed("not an ISOBMFF file (no ftyp)"));
        }
        let Some(size) = size else {
            // A box that runs to the end of the file: complete only once the file is, which a
            // prefix cannot tell.
            break;
        };
        if size < head {
            return Err(Error::Malformed("box size smaller than its header"));
        }
        let Some(end) = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s))
            .filter(|&e| e <= d.len())
        else {
            break;
        };
        out.push(TopBox {
            ty,
            body_start: r.position(),
            end,
        });
        r.seek(end)?;
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A box of type `ty` around `body`.
    pub(crate) fn bx(ty: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(ty);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn lists_boxes_with_large_and_open_sizes() {
        let mut d = bx(b"aaaa", &[1, 2]);
        d.extend_from_slice(&[0, 0, 0, 1]);
        d.extend_from_slice(b"bbbb");
        d.extend_from_slice(&20u64.to_be_bytes());
        d.extend_from_slice(&[3, 4, 5, 6]);
        d.extend_from_slice(&[0, 0, 0, 0]);
        d.extend_from_slice(b"cccc");
        d.push(7);
        let b = boxes(&d).unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(
            (b[0].ty, b[0].body, b[0].offset),
            (*b"aaaa", &[1u8, 2][..], 8)
        );
        assert_eq!((b[1].ty, b[1].body), (*b"bbbb", &[3u8, 4, 5, 6][..]));
        assert_eq!((b[2].ty, b[2].body), (*b"cccc", &[7u8][..]));
        assert_eq!(find(&b, b"bbbb"), Some(&[3u8, 4, 5, 6][..]));
        assert_eq!(
            boxes(&bx(b"aaaa", &[1, 2])[..9]),
            Err(Error::Malformed("box runs past its parent"))
        );
        let mut bad = bx(b"aaaa", &[]);
        bad[3] = 4;
        assert_eq!(
            boxes(&bad),
            Err(Error::Malformed("box size smaller than its header"))
        );
    }

    #[test]
    fn top_level_lists_complete_boxes_only() {
        let mut d = bx(b"ftyp", b"avif");
        d.extend(bx(b"meta", &[0; 10]));
        for n in 0..d.len() {
            let t = top_level(&d[..n]).unwrap();
            assert_eq!(t.len(), usize::from(n >= 12) + usize::from(n >= d.len()));
        }
        let t = top_level(&d).unwrap();
        assert_eq!(
            t[1],
            TopBox {
                ty: *b"meta",
                body_start: 20,
                end: d.len()
            }
        );
        assert!(top_level(&bx(b"moov", &[])).is_err());
    }

    proptest! {
        /// Boxes tile their parent exactly.
        #[test]
        fn boxes_tile_the_parent(d in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(list) = boxes(&d) {
                let mut at = 0;
                for b in &list {
                    prop_assert!(b.offset >= at + 8 && b.offset + b.body.len() <= d.len());
                    at = b.offset + b.body.len();
                }
                prop_assert_eq!(at, d.len());
            }
            if let Ok(list) = top_level(&d) {
                prop_assert!(list.iter().all(|b| b.body_start <= b.end && b.end <= d.len()));
            }
        }
    }
}
