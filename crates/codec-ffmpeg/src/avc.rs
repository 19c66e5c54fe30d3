//! H.264 bitstream helpers (the Annex B and RBSP ones are shared with HEVC): Annex B splitting, Annex B → length-prefixed conversion and the
//! `AVCDecoderConfigurationRecord` (avcC, ISO/IEC 14496-15 §5.3.3.1).

/// The NAL units of an Annex B byte stream (start codes and trailing zero bytes removed).
pub(crate) fn split_annexb(data: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new(); // index just after each start code
    let mut i = 0;
    while i + 2 < data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut nals = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let mut end = starts.get(k + 1).map_or(data.len(), |&n| n - 3);
        while end > s && data[end - 1] == 0 {
            end -= 1;
        }
        if end > s {
            nals.push(&data[s..end]);
        }
    }
    nals
}

/// Converts an Annex B access unit to 4-byte big-endian length-prefixed NAL units.
pub(crate) fn annexb_to_avc(data: &[u8]) -> Vec<u8> {
    let nals = split_annexb(data);
    let mut out = Vec::with_capacity(data.len() + 4);
    for n in nals {
        // A NAL unit never reaches 4 GiB here (FFmpeg packets are limited to i32 sizes).
        out.extend_from_slice(&(n.len() as u32).to_be_bytes());
        out.extend_from_slice(n);
    }
    out
}

/// Whether an Annex B access unit is a reference picture: some coded slice (`nal_unit_type`
/// 1 or 5) has a non-zero `nal_ref_idc`. An access unit without slices is not one.
pub(crate) fn is_reference(au: &[u8]) -> bool {
    split_annexb(au)
        .iter()
        .any(|n| matches!(n[0] & 0x1f, 1 | 5) && n[0] & 0x60 != 0)
}

/// Exp-Golomb reader over an RBSP (emulation prevention bytes already removed).
pub(crate) struct BitReader<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

impl BitReader<'_> {
    pub(crate) fn bit(&mut self) -> Option<u32> {
        let byte = *self.data.get(self.pos / 8)?;
        let b = (byte >> (7 - (self.pos % 8))) & 1;
        self.pos += 1;
        Some(u32::from(b))
    }

    /// `n` (≤ 32) bits, most significant first.
    pub(crate) fn bits(&mut self, n: u32) -> Option<u32> {
        let mut v: u64 = 0;
        for _ in 0..n {
            v = (v << 1) | u64::from(self.bit()?);
        }
        u32::try_from(v).ok()
    }

    pub(crate) fn skip(&mut self, n: usize) {
        self.pos += n;
    }

    pub(crate) fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        let mut v: u64 = 1;
        for _ in 0..zeros {
            v = (v << 1) | u64::from(self.bit()?);
        }
        u32::try_from(v - 1).ok()
    }
}

/// Removes emulation prevention bytes (`00 00 03` → `00 00`).
pub(crate) fn unescape(nal: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        out.push(b);
    }
    out
}

/// `(chroma_format_idc, bit_depth_luma_minus8, bit_depth_chroma_minus8)` of a High-family SPS.
fn sps_chroma_info(sps: &[u8]) -> Option<(u32, u32, u32)> {
    let rbsp = unescape(sps);
    // Skip NAL header (1), profile_idc, constraint flags, level_idc.
    let mut r = BitReader {
        data: rbsp.get(4..)?,
        pos: 0,
    };
    let _sps_id = r.ue()?;
    let chroma = r.ue()?;
    if chroma == 3 {
        let _separate_colour_plane = r.bit()?;
    }
    let luma = r.ue()?;
    let chroma_depth = r.ue()?;
    Some((chroma, luma, chroma_depth))
}

/// Builds an avcC record from Annex B parameter sets (x264's global header). `None` if there
/// is no SPS or PPS.
pub(crate) fn avcc_from_annexb(extradata: &[u8]) -> Option<Vec<u8>> {
    let nals = split_annexb(extradata);
    let sps: Vec<&[u8]> = nals.iter().copied().filter(|n| n[0] & 0x1f == 7).collect();
    let pps: Vec<&[u8]> = nals.iter().copied().filter(|n| n[0] & 0x1f == 8).collect();
    let first = sps.first()?;
    if pps.is_empty() || first.len() < 4 || sps.len() > 31 || pps.len() > 255 {
        return None;
    }
    let mut out = vec![
        1,
        first[1],
        first[2],
        first[3],
        0xFF,
        0xE0 | sps.len() as u8,
    ];
    for s in &sps {
        out.extend_from_slice(&u16::try_from(s.len()).ok()?.to_be_bytes());
        out.extend_from_slice(s);
    }
    out.push(pps.len() as u8);
    for p in &pps {
        out.extend_from_slice(&u16::try_from(p.len()).ok()?.to_be_bytes());
        out.extend_from_slice(p);
    }
    if matches!(first[1], 100 | 110 | 122 | 144) {
        if let Some((chroma, luma, chroma_depth)) = sps_chroma_info(first) {
            out.push(0xFC | (chroma & 3) as u8);
            out.push(0xF8 | (luma & 7) as u8);
            out.push(0xF8 | (chroma_depth & 7) as u8);
            out.push(0); // numOfSequenceParameterSetExt
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_three_and_four_byte_start_codes() {
        let d = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5,
        ];
        let n = split_annexb(&d);
        assert_eq!(
            n,
            vec![&[0x67, 1, 2][..], &[0x68, 3][..], &[0x65, 4, 5][..]]
        );
        assert_eq!(
            annexb_to_avc(&d),
            vec![0, 0, 0, 3, 0x67, 1, 2, 0, 0, 0, 2, 0x68, 3, 0, 0, 0, 3, 0x65, 4, 5]
        );
        assert!(split_annexb(&[1, 2, 3]).is_empty());
        assert!(split_annexb(&[]).is_empty());
    }

    #[test]
    fn builds_avcc() {
        // High profile SPS: profile 100, level 31, sps_id 0 (1), chroma 1 (010), depths 0,0 (1 1).
        let d = [
            0,
            0,
            0,
            1,
            0x67,
            100,
            0,
            31,
            0b1010_1100,
            0,
            0,
            1,
            0x68,
            0xEE,
        ];
        let c = avcc_from_annexb(&d).expect("avcC");
        assert_eq!(&c[..6], &[1, 100, 0, 31, 0xFF, 0xE1]);
        assert_eq!(&c[c.len() - 4..], &[0xFD, 0xF8, 0xF8, 0]);
        assert!(avcc_from_annexb(&[0, 0, 1, 0x67, 66, 0, 30]).is_none());
    }

    #[test]
    fn reference_pictures() {
        // SEI (ref_idc 0) + non-reference slice: not a reference.
        assert!(!is_reference(&[0, 0, 1, 0x06, 5, 0, 0, 1, 0x01, 0x9e]));
        // Parameter sets (ref_idc 3) do not make a non-reference slice a reference.
        assert!(!is_reference(&[0, 0, 1, 0x67, 66, 0, 0, 1, 0x01, 0x9e]));
        assert!(is_reference(&[0, 0, 1, 0x06, 5, 0, 0, 1, 0x41, 0x9a]));
        assert!(is_reference(&[0, 0, 0, 1, 0x65, 0x88]));
        assert!(!is_reference(&[]));
    }
}
