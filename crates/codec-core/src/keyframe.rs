//! Does a chunk labelled `"key"` really hold a key frame? The spec's decode() SHOULD check
//! (<https://w3c.github.io/webcodecs/#dom-videodecoder-decode>, "implementers SHOULD inspect
//! the chunk's [[internal data]] to verify that it is truly a key chunk"); a mismatch is a
//! `DataError`. Each check reads only the first header bits of the bitstream, bounds-checked;
//! anything it cannot parse is `None` ("cannot tell"), never a false negative.

/// How H.264/HEVC chunks delimit their NAL units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NalFraming {
    /// Start codes (no `description`).
    AnnexB,
    /// Big-endian length prefixes of this many bytes (1, 2 or 4; from avcC/hvcC).
    LengthPrefixed(u8),
}

/// `Some(true)` if `data` starts a key frame of `codec`, `Some(false)` if it certainly does not,
/// `None` when the codec is not inspected or the data cannot be parsed.
pub fn chunk_is_key(codec: &str, data: &[u8], framing: NalFraming) -> Option<bool> {
    let family = codec.split('.').next()?;
    match family {
        "vp8" => vp8_is_key(data),
        "vp09" => vp9_is_key(data),
        "av01" => av1_is_key(data),
        "avc1" | "avc3" => nals_contain(
            data,
            framing,
            |h| h[0] & 0x1f == 5,
            |h| matches!(h[0] & 0x1f, 1..=5),
        ),
        "hvc1" | "hev1" => nals_contain(
            data,
            framing,
            |h| (16..=21).contains(&((h[0] >> 1) & 0x3f)),
            |h| ((h[0] >> 1) & 0x3f) <= 21,
        ),
        _ => None,
    }
}

/// Whether an H.264 (`hevc` false) or HEVC access unit holds at least one well-formed slice NAL
/// unit (forbidden bit clear; HEVC: temporal id present). A chunk without one cannot produce a
/// picture: it is corrupt, even if FFmpeg would skip it silently.
pub fn has_slice_nal(hevc: bool, data: &[u8], framing: NalFraming) -> bool {
    let slice = |h: &[u8]| {
        if hevc {
            h.len() >= 2 && h[0] & 0x80 == 0 && (h[0] >> 1) & 0x3f <= 31 && h[1] & 7 != 0
        } else {
            h[0] & 0x80 == 0 && matches!(h[0] & 0x1f, 1..=5)
        }
    };
    nals_contain(data, framing, slice, |_| false) == Some(true)
}

/// Whether a VP8 frame's 3-byte tag is well formed (RFC 6386 §9.1): version 0–3, and a first
/// partition that fits in the data (after the 10-byte key frame header when it is one).
pub fn vp8_tag_is_valid(d: &[u8]) -> bool {
    let Some(tag) = d.get(..3) else {
        return false;
    };
    let raw = u32::from(tag[0]) | (u32::from(tag[1]) << 8) | (u32::from(tag[2]) << 16);
    let key = raw & 1 == 0;
    let version = (raw >> 1) & 7;
    let first_partition = (raw >> 5) as usize;
    let header = if key { 10 } else { 3 };
    version <= 3 && header + first_partition <= d.len()
}

/// VP8 frame tag: bit 0 of the first byte is 0 for key frames, which also carry the start code
/// 9d 01 2a (RFC 6386 §9.1).
fn vp8_is_key(d: &[u8]) -> Option<bool> {
    let first = *d.first()?;
    if first & 1 == 1 {
        return Some(false);
    }
    Some(d.get(3..6)? == [0x9d, 0x01, 0x2a])
}

/// VP9 uncompressed header: frame_marker, profile, show_existing_frame, frame_type
/// (VP9 bitstream spec §6.2).
fn vp9_is_key(d: &[u8]) -> Option<bool> {
    let mut r = Bits::new(d);
    if r.read(2)? != 2 {
        return None;
    }
    let profile = r.read(1)? | (r.read(1)? << 1);
    if profile == 3 {
        r.read(1)?; // reserved_zero
    }
    if r.read(1)? == 1 {
        return Some(false); // show_existing_frame
    }
    Some(r.read(1)? == 0) // frame_type: KEY_FRAME = 0
}

/// AV1: a key chunk is a temporal unit with a sequence header whose first frame header has
/// show_existing_frame = 0 and frame_type = KEY_FRAME (AV1 spec §5.3, §5.9.2).
fn av1_is_key(d: &[u8]) -> Option<bool> {
    let mut rest = d;
    let mut seen_sequence_header = false;
    let mut reduced_still_picture = false;
    while !rest.is_empty() {
        let header = rest[0];
        if header & 0x80 != 0 {
            return None; // forbidden bit
        }
        let obu_type = (header >> 3) & 0x0f;
        let has_extension = header & 0x04 != 0;
        let has_size = header & 0x02 != 0;
        let mut pos = 1 + usize::from(has_extension);
        let size = if has_size {
            let (v, n) = leb128(rest.get(pos..)?)?;
            pos += n;
            usize::try_from(v).ok()?
        } else {
            rest.len().checked_sub(pos)?
        };
        let payload = rest.get(pos..pos.checked_add(size)?)?;
        match obu_type {
            1 => {
                seen_sequence_header = true;
                // seq_profile (3), still_picture (1), reduced_still_picture_header (1)
                let mut r = Bits::new(payload);
                r.read(4)?;
                reduced_still_picture = r.read(1)? == 1;
            }
            3 | 6 => {
                if reduced_still_picture {
                    return Some(seen_sequence_header);
                }
                let mut r = Bits::new(payload);
                if r.read(1)? == 1 {
                    return Some(false); // show_existing_frame
                }
                return Some(seen_sequence_header && r.read(2)? == 0);
            }
            _ => {}
        }
        rest = &rest[pos + size..];
    }
    None
}

/// Whether `d` is a well-formed sequence of low-overhead AV1 OBUs (AV1 spec §5.3): each header
/// has its forbidden bit clear and a size field, and the sizes add up to the data exactly.
pub fn av1_obus_are_valid(d: &[u8]) -> bool {
    let mut rest = d;
    while !rest.is_empty() {
        let header = rest[0];
        if header & 0x80 != 0 || header & 0x02 == 0 {
            return false;
        }
        let pos = 1 + usize::from(header & 0x04 != 0);
        let Some((size, n)) = rest.get(pos..).and_then(leb128) else {
            return false;
        };
        let end = usize::try_from(size)
            .ok()
            .and_then(|s| s.checked_add(pos + n));
        match end {
            Some(end) if end <= rest.len() => rest = &rest[end..],
            _ => return false,
        }
    }
    !d.is_empty()
}

fn leb128(d: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &b) in d.iter().take(8).enumerate() {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Walks the NAL units: `Some(true)` if one satisfies `is_key`, `Some(false)` if there are
/// slices (`is_slice`) but no key one, `None` if there are no slices or the framing is broken.
fn nals_contain(
    data: &[u8],
    framing: NalFraming,
    is_key: impl Fn(&[u8]) -> bool,
    is_slice: impl Fn(&[u8]) -> bool,
) -> Option<bool> {
    let mut any_slice = false;
    let mut visit = |nal: &[u8]| -> bool {
        if nal.is_empty() {
            return false;
        }
        if is_key(nal) {
            return true;
        }
        any_slice |= is_slice(nal);
        false
    };
    match framing {
        NalFraming::LengthPrefixed(n) => {
            let n = usize::from(n);
            if !matches!(n, 1 | 2 | 4) {
                return None;
            }
            let mut rest = data;
            while !rest.is_empty() {
                let len = rest
                    .get(..n)?
                    .iter()
                    .fold(0usize, |a, &b| (a << 8) | usize::from(b));
                let nal = rest.get(n..n.checked_add(len)?)?;
                if visit(nal) {
                    return Some(true);
                }
                rest = &rest[n + len..];
            }
        }
        NalFraming::AnnexB => {
            let mut i = 0;
            let mut start = None;
            while i + 2 < data.len() {
                if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
                    if let Some(s) = start {
                        if visit(&data[s..i]) {
                            return Some(true);
                        }
                    }
                    i += 3;
                    start = Some(i);
                } else {
                    i += 1;
                }
            }
            if visit(data.get(start?..)?) {
                return Some(true);
            }
        }
    }
    any_slice.then_some(false)
}

/// An MSB-first bit reader.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    fn read(&mut self, n: u32) -> Option<u32> {
        let mut v = 0;
        for _ in 0..n {
            let byte = *self.data.get(self.pos / 8)?;
            v = (v << 1) | u32::from((byte >> (7 - self.pos % 8)) & 1);
            self.pos += 1;
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn vp8_tags() {
        assert_eq!(
            vp8_is_key(&[0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0, 0]),
            Some(true)
        );
        assert_eq!(vp8_is_key(&[0x51, 0x2a, 0x00, 0x00]), Some(false));
        assert_eq!(
            vp8_is_key(&[0x50, 0x2a, 0x00, 0x00, 0x00, 0x00]),
            Some(false)
        );
        assert_eq!(vp8_is_key(&[]), None);
    }

    #[test]
    fn vp9_headers() {
        // frame_marker 10, profile 0 (00), show_existing 0, frame_type 0 → 1000_0000
        assert_eq!(vp9_is_key(&[0x80]), Some(true));
        // frame_type 1 → 1000_0100
        assert_eq!(vp9_is_key(&[0x84]), Some(false));
        // show_existing_frame → 1000_1000
        assert_eq!(vp9_is_key(&[0x88]), Some(false));
        // profile 3 has a reserved bit before show_existing_frame: 1011_0000
        assert_eq!(vp9_is_key(&[0xb0]), Some(true));
        assert_eq!(vp9_is_key(&[0x00]), None);
    }

    #[test]
    fn h264_nals() {
        let idr = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 1, 0x65, 0x88,
        ];
        let p = [0, 0, 0, 1, 0x41, 0x9a];
        assert_eq!(
            chunk_is_key("avc1.42001f", &idr, NalFraming::AnnexB),
            Some(true)
        );
        assert_eq!(
            chunk_is_key("avc1.42001f", &p, NalFraming::AnnexB),
            Some(false)
        );
        let lp_idr = [0, 0, 0, 2, 0x65, 0x88];
        let lp_p = [0, 0, 0, 2, 0x41, 0x9a];
        assert_eq!(
            chunk_is_key("avc3.42001f", &lp_idr, NalFraming::LengthPrefixed(4)),
            Some(true)
        );
        assert_eq!(
            chunk_is_key("avc1.42001f", &lp_p, NalFraming::LengthPrefixed(4)),
            Some(false)
        );
        // A length running past the end: cannot tell.
        assert_eq!(
            chunk_is_key(
                "avc1.42001f",
                &[0, 0, 0, 9, 0x41],
                NalFraming::LengthPrefixed(4)
            ),
            None
        );
        // Only parameter sets: no slice, cannot tell.
        assert_eq!(
            chunk_is_key("avc1.42001f", &[0, 0, 1, 0x67, 1], NalFraming::AnnexB),
            None
        );
    }

    #[test]
    fn hevc_nals() {
        // IDR_W_RADL = 19 → header byte 19 << 1 = 0x26; TRAIL_R = 1 → 0x02.
        assert_eq!(
            chunk_is_key(
                "hvc1.1.6.L93.B0",
                &[0, 0, 1, 0x26, 1, 0xaf],
                NalFraming::AnnexB
            ),
            Some(true)
        );
        assert_eq!(
            chunk_is_key(
                "hev1.1.6.L93.B0",
                &[0, 0, 1, 0x02, 1, 0xaf],
                NalFraming::AnnexB
            ),
            Some(false)
        );
    }

    #[test]
    fn av1_obus() {
        // sequence header OBU (type 1, has_size) with seq_profile 0, not reduced; then a frame
        // OBU (type 6) with show_existing_frame 0, frame_type 00 (key) / 01 (inter).
        let key = [0x0a, 0x01, 0x00, 0x32, 0x01, 0x10];
        let inter = [0x32, 0x01, 0x20];
        assert_eq!(av1_is_key(&key), Some(true));
        assert_eq!(av1_is_key(&inter), Some(false));
        // A temporal delimiter alone: cannot tell.
        assert_eq!(av1_is_key(&[0x12, 0x00]), None);
    }

    #[test]
    fn av1_obu_chain_validity() {
        assert!(av1_obus_are_valid(&[0x12, 0x00, 0x32, 0x01, 0x20]));
        assert!(
            !av1_obus_are_valid(&[0x12, 0x00, 0x32, 0x05, 0x20]),
            "size past the end"
        );
        assert!(!av1_obus_are_valid(&[0xff, 0x00]), "forbidden bit");
        assert!(!av1_obus_are_valid(&[0x10]), "no size field");
        assert!(!av1_obus_are_valid(&[]));
    }

    #[test]
    fn vp8_tag_validity() {
        // key frame, version 0, first partition of 2 bytes: 0b10_0000_0 → tag bytes 0x40 0 0
        let mut key = vec![0x40, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0, 0, 0, 0, 1, 2];
        assert!(vp8_tag_is_valid(&key));
        key.truncate(11);
        assert!(!vp8_tag_is_valid(&key), "partition past the end");
        assert!(!vp8_tag_is_valid(&[0xff, 0x00, 0x00, 0]), "version 7");
        assert!(
            vp8_tag_is_valid(&[0x21, 0x00, 0x00, 0]),
            "inter frame, 1-byte partition"
        );
        assert!(!vp8_tag_is_valid(&[0x01]));
    }

    #[test]
    fn slice_nal_presence() {
        let p = [0, 0, 0, 1, 0x41, 0x9a];
        assert!(has_slice_nal(false, &p, NalFraming::AnnexB));
        assert!(!has_slice_nal(
            false,
            &[0, 0, 1, 0x67, 1],
            NalFraming::AnnexB
        ));
        assert!(
            !has_slice_nal(
                false,
                &[0xff, 0xff, 0, 0, 1, 0xff, 0xff],
                NalFraming::AnnexB
            ),
            "forbidden bit"
        );
        assert!(has_slice_nal(
            true,
            &[0, 0, 1, 0x02, 1, 0xaf],
            NalFraming::AnnexB
        ));
        assert!(
            !has_slice_nal(true, &[0, 0, 1, 0x02, 0, 0xaf], NalFraming::AnnexB),
            "temporal id 0"
        );
        assert!(
            !has_slice_nal(true, &[0, 0, 1, 0x40, 1], NalFraming::AnnexB),
            "VPS only"
        );
        assert!(has_slice_nal(
            false,
            &[0, 0, 0, 2, 0x65, 0x88],
            NalFraming::LengthPrefixed(4)
        ));
        assert!(!has_slice_nal(
            false,
            &[0, 0, 0, 9, 0x65, 0x88],
            NalFraming::LengthPrefixed(4)
        ));
    }

    #[test]
    fn other_codecs_are_not_inspected() {
        assert_eq!(chunk_is_key("opus", &[1, 2, 3], NalFraming::AnnexB), None);
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..64), n in 0u8..6) {
            for codec in ["vp8", "vp09.00.10.08", "av01.0.04M.08", "avc1.42001f", "hvc1.1.6.L93.B0"] {
                let _ = chunk_is_key(codec, &data, NalFraming::AnnexB);
                let _ = chunk_is_key(codec, &data, NalFraming::LengthPrefixed(n));
            }
        }
    }
}
