//! NAL unit framing shared by H.264 and HEVC: Annex B start codes (ITU-T H.264 Annex B) and
//! the big-endian length prefixes of ISO/IEC 14496-15 (`avc`/`hevc` formatted chunks).

use crate::error::{Error, Result};
use crate::reader::ByteReader;

/// How H.264/HEVC chunks delimit their NAL units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NalFraming {
    /// Start codes (no `description`).
    AnnexB,
    /// Big-endian length prefixes of this many bytes (1, 2 or 4; from avcC/hvcC).
    LengthPrefixed(u8),
}

impl NalFraming {
    /// The framing of chunks decoded with `description` (an avcC for `avc1`/`avc3`, an hvcC
    /// for `hvc1`/`hev1`): its `lengthSizeMinusOne` + 1, or Annex B without a description (or
    /// an empty one). A description too short to hold the field gives 4-byte lengths, the only
    /// size encoders write; whether the record is valid is the record parser's question.
    pub fn from_description(hevc: bool, description: Option<&[u8]>) -> Self {
        // lengthSizeMinusOne: avcC byte 4, hvcC byte 21 (the two low bits).
        let at = if hevc { 21 } else { 4 };
        match description {
            Some(d) if !d.is_empty() => Self::LengthPrefixed(d.get(at).map_or(4, |b| (b & 3) + 1)),
            _ => Self::AnnexB,
        }
    }
}

/// The NAL units of an Annex B byte stream: the bytes between `00 00 01` start codes, without
/// trailing zero bytes (`trailing_zero_8bits`, the first byte of a 4-byte start code). Bytes
/// before the first start code and empty units are skipped. Never fails.
#[derive(Debug, Clone)]
pub struct AnnexBNals<'a> {
    data: &'a [u8],
    /// Offset just after the next start code, if one is left.
    next: Option<usize>,
}

/// The offset just after the first start code at or after `from`.
fn after_start_code(data: &[u8], from: usize) -> Option<usize> {
    data.get(from..)?
        .windows(3)
        .position(|w| w == [0, 0, 1])
        .map(|i| from + i + 3)
}

impl<'a> AnnexBNals<'a> {
    /// The NAL units of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            next: after_start_code(data, 0),
        }
    }
}

impl<'a> Iterator for AnnexBNals<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        loop {
            let start = self.next?;
            let following = after_start_code(self.data, start);
            self.next = following;
            let end = following.map_or(self.data.len(), |f| f - 3);
            let nal = self.data.get(start..end)?;
            let trimmed = match nal.iter().rposition(|&b| b != 0) {
                Some(last) => &nal[..=last],
                None => &[][..],
            };
            if !trimmed.is_empty() {
                return Some(trimmed);
            }
        }
    }
}

/// The NAL units of a length-prefixed access unit. Yields an error (and then stops) where a
/// length runs past the end or the prefix size is not 1, 2 or 4.
pub type LengthPrefixedNals<'a> = Records<'a, &'a [u8]>;

/// One NAL unit after its `N`-byte big-endian length.
fn prefixed_nal<'a, const N: usize>(r: &mut ByteReader<'a>) -> Option<Result<&'a [u8]>> {
    let nal = r.uint_be(N).and_then(|len| {
        let len = usize::try_from(len).map_err(|_| Error::Limit("NAL unit length"))?;
        r.take(len)
    });
    Some(nal)
}

/// The NAL units of `data` after `size`-byte lengths.
fn length_prefixed_nals(data: &[u8], size: u8) -> LengthPrefixedNals<'_> {
    type Reader<'a> = RecordReader<'a, &'a [u8]>;
    let read: Reader<'_> = match size {
        1 => prefixed_nal::<1> as Reader<'_>,
        2 => prefixed_nal::<2> as Reader<'_>,
        4 => prefixed_nal::<4> as Reader<'_>,
        _ => |_| {
            Some(Err(Error::Malformed(
                "NAL unit length size (not 1, 2 or 4)",
            )))
        },
    };
    Records::with_reader(data, read)
}

/// The NAL units of `data` in either framing.
#[derive(Debug, Clone)]
pub enum NalUnits<'a> {
    /// Start-code delimited.
    AnnexB(AnnexBNals<'a>),
    /// Length prefixed.
    LengthPrefixed(LengthPrefixedNals<'a>),
}

impl<'a> Iterator for NalUnits<'a> {
    type Item = Result<&'a [u8]>;

    fn next(&mut self) -> Option<Result<&'a [u8]>> {
        match self {
            Self::AnnexB(n) => n.next().map(Ok),
            Self::LengthPrefixed(n) => n.next(),
        }
    }
}

/// The NAL units of an access unit framed as `framing`. Annex B never fails; a length-prefixed
/// unit that does not fit yields [`Error::Truncated`] (and ends the iteration).
pub fn nal_units(data: &[u8], framing: NalFraming) -> NalUnits<'_> {
    match framing {
        NalFraming::AnnexB => NalUnits::AnnexB(AnnexBNals::new(data)),
        NalFraming::LengthPrefixed(n) => NalUnits::LengthPrefixed(length_prefixed_nals(data, n)),
    }
}

/// `count` NAL units with 16-bit big-endian lengths (the parameter set lists of avcC and
/// hvcC), each accepted by `valid`.
///
/// # Errors
/// [`Error::Truncated`] when they do not fit (checked up front for the count), and
/// [`Error::Malformed`]`(what)` for a unit `valid` refuses.
pub(crate) fn read_units16(
    r: &mut ByteReader<'_>,
    count: usize,
    what: &'static str,
    valid: impl Fn(&[u8]) -> bool,
) -> Result<Vec<Vec<u8>>> {
    // Each unit needs at least its 2 length bytes: a count the data cannot hold is truncated.
    if count > r.remaining() / 2 {
        return Err(Error::Truncated { at: r.position() });
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let len = usize::from(r.u16_be()?);
        let unit = r.take(len)?;
        if !valid(unit) {
            return Err(Error::Malformed(what));
        }
        out.push(unit.to_vec());
    }
    Ok(out)
}

/// Writes `units` with 16-bit big-endian lengths (the inverse of [`read_units16`]).
pub(crate) fn write_units16(out: &mut Vec<u8>, units: &[Vec<u8>]) {
    for u in units {
        out.extend_from_slice(&(u.len() as u16).to_be_bytes());
        out.extend_from_slice(u);
    }
}

/// An iterator over the records of some data, each read by its reader (which gives `None`
/// where the records end before the data does). It stops after yielding an error.
#[derive(Debug, Clone)]
pub struct Records<'a, T> {
    r: ByteReader<'a>,
    failed: bool,
    read: RecordReader<'a, T>,
}

/// Reads one record (see [`Records`]).
type RecordReader<'a, T> = fn(&mut ByteReader<'a>) -> Option<Result<T>>;

impl<'a, T> Records<'a, T> {
    /// The records of `data`, each read by `read`.
    pub(crate) fn with_reader(data: &'a [u8], read: RecordReader<'a, T>) -> Self {
        Self {
            r: ByteReader::new(data),
            failed: false,
            read,
        }
    }
}

impl<T> Iterator for Records<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let item = (self.read)(&mut self.r)?;
        self.failed = item.is_err();
        Some(item)
    }
}

/// Converts an Annex B access unit to 4-byte big-endian length-prefixed NAL units (the `avc`
/// and `hevc` chunk formats).
pub fn annexb_to_length_prefixed(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 4);
    for n in AnnexBNals::new(data) {
        // A NAL unit never reaches 4 GiB here (FFmpeg packets are limited to i32 sizes).
        out.extend_from_slice(&(n.len() as u32).to_be_bytes());
        out.extend_from_slice(n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_three_and_four_byte_start_codes() {
        let d = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5,
        ];
        let n: Vec<_> = AnnexBNals::new(&d).collect();
        assert_eq!(n, [&[0x67, 1, 2][..], &[0x68, 3][..], &[0x65, 4, 5][..]]);
        assert_eq!(
            annexb_to_length_prefixed(&d),
            [0, 0, 0, 3, 0x67, 1, 2, 0, 0, 0, 2, 0x68, 3, 0, 0, 0, 3, 0x65, 4, 5]
        );
        assert_eq!(AnnexBNals::new(&[1, 2, 3]).count(), 0);
        assert_eq!(AnnexBNals::new(&[]).count(), 0);
        // Leading garbage, empty units and trailing zeros are dropped.
        let d = [9, 9, 0, 0, 1, 0, 0, 1, 0x41, 7, 0, 0, 0];
        assert_eq!(AnnexBNals::new(&d).collect::<Vec<_>>(), [&[0x41, 7][..]]);
    }

    #[test]
    fn splits_length_prefixed_units() {
        let d = [0, 2, 0x65, 1, 0, 1, 0x41];
        let n: Vec<_> = nal_units(&d, NalFraming::LengthPrefixed(2)).collect();
        assert_eq!(n, [Ok(&[0x65, 1][..]), Ok(&[0x41][..])]);
        let n: Vec<_> = nal_units(&[0, 9, 1], NalFraming::LengthPrefixed(2)).collect();
        assert_eq!(n, [Err(Error::Truncated { at: 2 })]);
        let n: Vec<_> = nal_units(&[1, 1], NalFraming::LengthPrefixed(3)).collect();
        assert!(matches!(n[..], [Err(Error::Malformed(_))]));
        assert_eq!(nal_units(&[], NalFraming::LengthPrefixed(4)).count(), 0);
    }

    #[test]
    fn framing_from_description() {
        let avcc = [1, 0x64, 0, 0x1f, 0xfd, 0xe1];
        assert_eq!(
            NalFraming::from_description(false, Some(&avcc)),
            NalFraming::LengthPrefixed(2)
        );
        assert_eq!(
            NalFraming::from_description(true, Some(&avcc)),
            NalFraming::LengthPrefixed(4),
            "too short for an hvcC"
        );
        assert_eq!(
            NalFraming::from_description(false, Some(&[])),
            NalFraming::AnnexB
        );
        assert_eq!(NalFraming::from_description(true, None), NalFraming::AnnexB);
    }

    proptest! {
        /// Splitting then re-joining with 4-byte start codes gives back the same units.
        #[test]
        fn annexb_round_trips(units in proptest::collection::vec(
            proptest::collection::vec(1u8..=255, 1..12), 0..6)) {
            let mut d = Vec::new();
            for u in &units {
                d.extend_from_slice(&[0, 0, 0, 1]);
                d.extend_from_slice(u);
            }
            let got: Vec<&[u8]> = AnnexBNals::new(&d).collect();
            prop_assert_eq!(got.len(), units.len());
            for (g, u) in got.iter().zip(&units) {
                prop_assert_eq!(*g, &u[..]);
            }
            let lp = annexb_to_length_prefixed(&d);
            let back: Vec<&[u8]> = nal_units(&lp, NalFraming::LengthPrefixed(4))
                .collect::<Result<_>>()
                .expect("well formed");
            prop_assert_eq!(back, got);
        }

        #[test]
        fn never_panics(data in proptest::collection::vec(prop_oneof![Just(0u8), Just(1u8), any::<u8>()], 0..64), n in 0u8..6) {
            for u in AnnexBNals::new(&data) {
                prop_assert!(!u.is_empty() && u.len() <= data.len());
            }
            let _ = nal_units(&data, NalFraming::LengthPrefixed(n)).count();
        }
    }
}
