//! The byte and bit readers every parser of this crate uses. Each read is bounds-checked and
//! fails with [`Error::Truncated`] instead of panicking; positions only move forward on success.

use std::borrow::Cow;

use crate::error::{Error, Result};

/// A cursor over a byte slice with big- and little-endian integer reads.
#[derive(Debug, Clone)]
pub struct ByteReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> ByteReader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// The offset of the next byte to read.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The bytes not read yet (the position does not move).
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos..]
    }

    /// The whole slice the reader was made from.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Moves to absolute offset `pos` (at most the length).
    ///
    /// # Errors
    /// [`Error::Truncated`] when `pos` is past the end; the position does not move.
    pub fn seek(&mut self, pos: usize) -> Result<()> {
        if pos > self.data.len() {
            return Err(Error::Truncated { at: pos });
        }
        self.pos = pos;
        Ok(())
    }

    /// The next `n` bytes.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than `n` bytes are left; the position does not move.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or(Error::Truncated { at: self.pos })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// The next `n` bytes as a reader of their own (the position moves past them).
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than `n` bytes are left.
    pub fn sub(&mut self, n: usize) -> Result<ByteReader<'a>> {
        self.take(n).map(ByteReader::new)
    }

    /// Skips `n` bytes.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than `n` bytes are left; the position does not move.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    /// The next `N` bytes as an array.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than `N` bytes are left.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// The next byte, without moving.
    ///
    /// # Errors
    /// [`Error::Truncated`] at the end.
    pub fn peek_u8(&self) -> Result<u8> {
        self.data
            .get(self.pos)
            .copied()
            .ok_or(Error::Truncated { at: self.pos })
    }

    /// One byte.
    ///
    /// # Errors
    /// [`Error::Truncated`] at the end.
    pub fn u8(&mut self) -> Result<u8> {
        let b = self.peek_u8()?;
        self.pos += 1;
        Ok(b)
    }

    /// A big-endian `u16`.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than 2 bytes are left.
    pub fn u16_be(&mut self) -> Result<u16> {
        self.array().map(u16::from_be_bytes)
    }

    /// A big-endian 24-bit integer.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than 3 bytes are left.
    pub fn u24_be(&mut self) -> Result<u32> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// A big-endian `u32`.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than 4 bytes are left.
    pub fn u32_be(&mut self) -> Result<u32> {
        self.array().map(u32::from_be_bytes)
    }

    /// A big-endian `u64`.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than 8 bytes are left.
    pub fn u64_be(&mut self) -> Result<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// A big-endian unsigned integer of `n` bytes (0 to 8; 0 reads nothing and gives 0).
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than `n` bytes are left, [`Error::Unsupported`] for
    /// `n > 8`.
    pub fn uint_be(&mut self, n: usize) -> Result<u64> {
        if n > 8 {
            return Err(Error::Unsupported("integer wider than 8 bytes"));
        }
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |v, &b| (v << 8) | u64::from(b)))
    }

    /// A little-endian `u16`.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than 2 bytes are left.
    pub fn u16_le(&mut self) -> Result<u16> {
        self.array().map(u16::from_le_bytes)
    }

    /// A little-endian 24-bit integer.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than 3 bytes are left.
    pub fn u24_le(&mut self) -> Result<u32> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    /// A little-endian `u32`.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than 4 bytes are left.
    pub fn u32_le(&mut self) -> Result<u32> {
        self.array().map(u32::from_le_bytes)
    }

    /// An unsigned LEB128 value, as AV1's `leb128()` reads it (at most 8 bytes).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the data ends inside the value, [`Error::Malformed`] when it
    /// runs over 8 bytes.
    pub fn leb128(&mut self) -> Result<u64> {
        let start = self.pos;
        let mut v = 0u64;
        for i in 0..8 {
            let b = match self.u8() {
                Ok(b) => b,
                Err(e) => {
                    self.pos = start;
                    return Err(e);
                }
            };
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        self.pos = start;
        Err(Error::Malformed("leb128 longer than 8 bytes"))
    }
}

/// An MSB-first bit reader with the Exp-Golomb codes of H.264/HEVC (`ue(v)`, `se(v)`).
#[derive(Debug, Clone)]
pub struct BitReader<'a> {
    data: &'a [u8],
    /// Position in bits.
    pos: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }

    /// Bits read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bits left.
    pub fn remaining(&self) -> usize {
        self.data.len() * 8 - self.pos
    }

    /// Whether the position is on a byte boundary.
    pub fn is_byte_aligned(&self) -> bool {
        self.pos.is_multiple_of(8)
    }

    /// Skips to the next byte boundary (no-op when aligned).
    pub fn byte_align(&mut self) {
        self.pos = self.pos.div_ceil(8) * 8;
        self.pos = self.pos.min(self.data.len() * 8);
    }

    /// The bytes from the current (byte-aligned, rounded up) position on.
    pub fn rest_bytes(&self) -> &'a [u8] {
        &self.data[self.pos.div_ceil(8).min(self.data.len())..]
    }

    /// One bit.
    ///
    /// # Errors
    /// [`Error::Truncated`] at the end.
    pub fn bit(&mut self) -> Result<u32> {
        let byte = *self
            .data
            .get(self.pos / 8)
            .ok_or(Error::Truncated { at: self.pos / 8 })?;
        let b = (byte >> (7 - self.pos % 8)) & 1;
        self.pos += 1;
        Ok(u32::from(b))
    }

    /// One bit as a flag.
    ///
    /// # Errors
    /// [`Error::Truncated`] at the end.
    pub fn flag(&mut self) -> Result<bool> {
        self.bit().map(|b| b == 1)
    }

    /// `n` bits (at most 32), most significant first.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than `n` bits are left (the position does not move);
    /// [`Error::Unsupported`] for `n > 32`.
    pub fn bits(&mut self, n: u32) -> Result<u32> {
        if n > 32 {
            return Err(Error::Unsupported("read of more than 32 bits"));
        }
        self.bits64(n).map(|v| v as u32)
    }

    /// `n` bits (at most 64), most significant first.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than `n` bits are left (the position does not move);
    /// [`Error::Unsupported`] for `n > 64`.
    pub fn bits64(&mut self, n: u32) -> Result<u64> {
        if n > 64 {
            return Err(Error::Unsupported("read of more than 64 bits"));
        }
        if (n as usize) > self.remaining() {
            return Err(Error::Truncated { at: self.pos / 8 });
        }
        let mut v = 0u64;
        for _ in 0..n {
            v = (v << 1) | u64::from(self.bit()?);
        }
        Ok(v)
    }

    /// Skips `n` bits.
    ///
    /// # Errors
    /// [`Error::Truncated`] when fewer than `n` bits are left; the position does not move.
    pub fn skip(&mut self, n: usize) -> Result<()> {
        if n > self.remaining() {
            return Err(Error::Truncated { at: self.pos / 8 });
        }
        self.pos += n;
        Ok(())
    }

    /// An unsigned Exp-Golomb code `ue(v)` (values up to 2³² − 2).
    ///
    /// # Errors
    /// [`Error::Truncated`] at the end, [`Error::Malformed`] for a prefix of more than 31 zeros.
    pub fn ue(&mut self) -> Result<u32> {
        let start = self.pos;
        let r = self.ue_inner();
        if r.is_err() {
            self.pos = start;
        }
        r
    }

    fn ue_inner(&mut self) -> Result<u32> {
        let mut zeros = 0u32;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return Err(Error::Malformed("exp-golomb code longer than 32 bits"));
            }
        }
        let v = (1u64 << zeros) | self.bits64(zeros)?;
        Ok((v - 1) as u32)
    }

    /// A signed Exp-Golomb code `se(v)`.
    ///
    /// # Errors
    /// As [`BitReader::ue`].
    pub fn se(&mut self) -> Result<i32> {
        let k = i64::from(self.ue()?);
        let v = if k % 2 == 1 { (k + 1) / 2 } else { -(k / 2) };
        Ok(v as i32)
    }
}

/// The RBSP of a NAL unit: `data` with every emulation prevention byte (the `03` of
/// `00 00 03`) removed. Borrows when there is none.
pub fn rbsp(data: &[u8]) -> Cow<'_, [u8]> {
    let has_epb = data.windows(3).any(|w| w[0] == 0 && w[1] == 0 && w[2] == 3);
    if !has_epb {
        return Cow::Borrowed(data);
    }
    let mut out = Vec::with_capacity(data.len());
    let mut zeros = 0;
    for &b in data {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Writes `ue(v)` the way an encoder does (reference for the reader).
    fn write_ue(bits: &mut Vec<bool>, v: u32) {
        let x = u64::from(v) + 1;
        let len = 64 - x.leading_zeros();
        for _ in 0..len - 1 {
            bits.push(false);
        }
        for i in (0..len).rev() {
            bits.push((x >> i) & 1 == 1);
        }
    }

    fn pack(bits: &[bool]) -> Vec<u8> {
        let mut out = vec![0u8; bits.len().div_ceil(8)];
        for (i, &b) in bits.iter().enumerate() {
            if b {
                out[i / 8] |= 0x80 >> (i % 8);
            }
        }
        out
    }

    #[test]
    fn byte_reads_are_big_and_little_endian() {
        let d = [1, 2, 3, 4, 5, 6, 7, 8];
        let mut r = ByteReader::new(&d);
        assert_eq!(r.u16_be(), Ok(0x0102));
        assert_eq!(r.u16_le(), Ok(0x0403));
        assert_eq!(r.u24_be(), Ok(0x050607));
        assert_eq!(r.remaining(), 1);
        assert_eq!(r.u16_be(), Err(Error::Truncated { at: 7 }));
        assert_eq!(r.position(), 7, "a failed read does not move");
        assert_eq!(ByteReader::new(&d).uint_be(8), Ok(0x0102030405060708));
        assert_eq!(ByteReader::new(&d).uint_be(0), Ok(0));
    }

    #[test]
    fn leb128_matches_the_av1_examples() {
        assert_eq!(ByteReader::new(&[0x00]).leb128(), Ok(0));
        assert_eq!(ByteReader::new(&[0xe5, 0x8e, 0x26]).leb128(), Ok(624_485));
        assert!(ByteReader::new(&[0x80, 0x80]).leb128().is_err());
        assert_eq!(
            ByteReader::new(&[0x80; 9]).leb128(),
            Err(Error::Malformed("leb128 longer than 8 bytes"))
        );
    }

    #[test]
    fn exp_golomb_codes() {
        // 1 → 0, 010 → 1, 011 → 2, 00100 → 3; se: 1 → 0, 010 → 1, 011 → −1.
        let mut r = BitReader::new(&[0b1010_0110, 0b0100_0000]);
        assert_eq!(r.ue(), Ok(0));
        assert_eq!(r.ue(), Ok(1));
        assert_eq!(r.ue(), Ok(2));
        assert_eq!(r.ue(), Ok(3));
        let mut r = BitReader::new(&[0b1010_0110]);
        assert_eq!(r.se(), Ok(0));
        assert_eq!(r.se(), Ok(1));
        assert_eq!(r.se(), Ok(-1));
        assert!(BitReader::new(&[0, 0, 0, 0, 0]).ue().is_err());
    }

    #[test]
    fn rbsp_removes_emulation_prevention() {
        assert_eq!(&*rbsp(&[0, 0, 3, 1, 0, 0, 3]), &[0, 0, 1, 0, 0]);
        assert!(matches!(rbsp(&[0, 0, 1, 2]), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn ue_round_trips(values in proptest::collection::vec(0u32..=u32::MAX - 1, 1..20)) {
            let mut bits = Vec::new();
            for &v in &values {
                write_ue(&mut bits, v);
            }
            let data = pack(&bits);
            let mut r = BitReader::new(&data);
            for &v in &values {
                prop_assert_eq!(r.ue(), Ok(v));
            }
        }

        #[test]
        fn bits_match_shifts(data in proptest::collection::vec(any::<u8>(), 0..16), n in 0u32..=64) {
            let mut r = BitReader::new(&data);
            match r.bits64(n) {
                Ok(v) => {
                    let mut expect = 0u64;
                    for i in 0..n as usize {
                        expect = (expect << 1) | u64::from((data[i / 8] >> (7 - i % 8)) & 1);
                    }
                    prop_assert_eq!(v, expect);
                }
                Err(_) => prop_assert!((n as usize) > data.len() * 8),
            }
        }

        #[test]
        fn readers_never_panic(data in proptest::collection::vec(any::<u8>(), 0..64), ops in proptest::collection::vec(0u8..12, 0..40)) {
            let mut r = ByteReader::new(&data);
            let mut b = BitReader::new(&data);
            for op in ops {
                let _ = match op {
                    0 => r.u8().map(u64::from),
                    1 => r.u16_be().map(u64::from),
                    2 => r.u32_le().map(u64::from),
                    3 => r.leb128(),
                    4 => r.uint_be(usize::from(op)),
                    5 => r.take(7).map(|s| s.len() as u64),
                    6 => b.ue().map(u64::from),
                    7 => b.se().map(|v| v as u64),
                    8 => b.bits(13).map(u64::from),
                    9 => b.skip(5).map(|_| 0),
                    10 => { b.byte_align(); Ok(0) }
                    _ => Ok(rbsp(r.rest()).len() as u64),
                };
                prop_assert!(r.position() <= data.len());
                prop_assert!(b.position() <= data.len() * 8);
            }
        }

        #[test]
        fn rbsp_never_grows(data in proptest::collection::vec(prop_oneof![Just(0u8), Just(3u8), any::<u8>()], 0..64)) {
            let out = rbsp(&data);
            prop_assert!(out.len() <= data.len());
        }
    }
}
