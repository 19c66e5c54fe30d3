//! HEVC bitstream helpers: the `HEVCDecoderConfigurationRecord` (hvcC, ISO/IEC 14496-15
//! §8.3.3.1) built from Annex B VPS/SPS/PPS (x265's global header). Annex B splitting and the
//! length-prefix conversion are shared with H.264 (`avc.rs`).

use crate::avc::{split_annexb, unescape, BitReader};

/// `nal_unit_type` of a VPS, SPS and PPS.
pub(crate) const NAL_VPS: u8 = 32;
pub(crate) const NAL_SPS: u8 = 33;
pub(crate) const NAL_PPS: u8 = 34;

/// `nal_unit_type` of a NAL unit (the 6 bits after the forbidden zero bit).
pub(crate) fn nal_type(nal: &[u8]) -> u8 {
    (nal[0] >> 1) & 0x3f
}

/// Whether an Annex B access unit is a reference picture: some coded slice (`nal_unit_type`
/// below 32) is not a sub-layer non-reference type (`TRAIL_N`, `TSA_N`, `STSA_N`, `RADL_N`,
/// `RASL_N` and the reserved `RSV_VCL_N10/12/14`: the even types below 16). All pictures are
/// in temporal sub-layer 0 here, so sub-layer non-reference means non-reference.
pub(crate) fn is_reference(au: &[u8]) -> bool {
    split_annexb(au)
        .iter()
        .filter(|n| n.len() >= 2 && nal_type(n) < 32)
        .any(|n| {
            let t = nal_type(n);
            t >= 16 || t % 2 == 1
        })
}

/// The SPS fields an hvcC record repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SpsInfo {
    /// The 12 bytes of `general_profile_tier_level`: space/tier/profile_idc, 32 compatibility
    /// flags, 48 constraint flags, level_idc (the same order hvcC stores them in).
    general_ptl: [u8; 12],
    max_sub_layers: u8,
    temporal_id_nesting: bool,
    chroma_format_idc: u32,
    bit_depth_luma_minus8: u32,
    bit_depth_chroma_minus8: u32,
}

/// Parses the start of an SPS NAL unit (H.265 §7.3.2.2) up to the bit depths.
fn parse_sps(nal: &[u8]) -> Option<SpsInfo> {
    let rbsp = unescape(nal);
    // Skip the two-byte NAL unit header.
    let body = rbsp.get(2..)?;
    let mut r = BitReader { data: body, pos: 0 };
    let _vps_id = r.bits(4)?;
    let max_sub_layers_minus1 = r.bits(3)?;
    let temporal_id_nesting = r.bit()? == 1;
    // Byte-aligned here: general_profile_tier_level is the next 12 bytes.
    let general_ptl: [u8; 12] = body.get(1..13)?.try_into().ok()?;
    r.skip(96);
    let n = max_sub_layers_minus1 as usize;
    let mut present = Vec::with_capacity(n);
    for _ in 0..n {
        let profile = r.bit()? == 1;
        let level = r.bit()? == 1;
        present.push((profile, level));
    }
    if n > 0 {
        r.skip(2 * (8 - n)); // reserved_zero_2bits
    }
    for (profile, level) in present {
        if profile {
            r.skip(88);
        }
        if level {
            r.skip(8);
        }
    }
    let _sps_id = r.ue()?;
    let chroma_format_idc = r.ue()?;
    if chroma_format_idc == 3 {
        r.skip(1); // separate_colour_plane_flag
    }
    let _width = r.ue()?;
    let _height = r.ue()?;
    if r.bit()? == 1 {
        for _ in 0..4 {
            r.ue()?; // conformance window offsets
        }
    }
    let bit_depth_luma_minus8 = r.ue()?;
    let bit_depth_chroma_minus8 = r.ue()?;
    Some(SpsInfo {
        general_ptl,
        max_sub_layers: max_sub_layers_minus1 as u8 + 1,
        temporal_id_nesting,
        chroma_format_idc,
        bit_depth_luma_minus8,
        bit_depth_chroma_minus8,
    })
}

/// Builds an hvcC record from Annex B parameter sets (x265's global header): the SPS's
/// profile/tier/level, chroma format and bit depths, then complete arrays of the VPS, SPS and
/// PPS NAL units, with 4-byte NAL length fields. `None` if a parameter set is missing or the
/// SPS cannot be parsed.
pub(crate) fn hvcc_from_annexb(extradata: &[u8]) -> Option<Vec<u8>> {
    let nals = split_annexb(extradata);
    let of = |t: u8| -> Vec<&[u8]> {
        nals.iter()
            .copied()
            .filter(|n| n.len() >= 2 && nal_type(n) == t)
            .collect()
    };
    let arrays = [
        (NAL_VPS, of(NAL_VPS)),
        (NAL_SPS, of(NAL_SPS)),
        (NAL_PPS, of(NAL_PPS)),
    ];
    if arrays.iter().any(|(_, a)| a.is_empty()) {
        return None;
    }
    let sps = parse_sps(arrays[1].1[0])?;
    let mut out = Vec::with_capacity(64 + extradata.len());
    out.push(1); // configurationVersion
    out.extend_from_slice(&sps.general_ptl);
    out.extend_from_slice(&[0xF0, 0x00]); // reserved 1111, min_spatial_segmentation_idc 0
    out.push(0xFC); // reserved 111111, parallelismType 0 (unknown)
    out.push(0xFC | (sps.chroma_format_idc & 3) as u8);
    out.push(0xF8 | (sps.bit_depth_luma_minus8 & 7) as u8);
    out.push(0xF8 | (sps.bit_depth_chroma_minus8 & 7) as u8);
    out.extend_from_slice(&[0, 0]); // avgFrameRate: unspecified
                                    // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3.
    out.push(((sps.max_sub_layers & 7) << 3) | (u8::from(sps.temporal_id_nesting) << 2) | 3);
    out.push(arrays.len() as u8); // numOfArrays
    for (t, nals) in &arrays {
        out.push(0x80 | t); // array_completeness 1: every parameter set is here
        out.extend_from_slice(&u16::try_from(nals.len()).ok()?.to_be_bytes());
        for n in nals {
            out.extend_from_slice(&u16::try_from(n.len()).ok()?.to_be_bytes());
            out.extend_from_slice(n);
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// An x265 Main-profile VPS/SPS/PPS for 320x240 at level 2 (`ffmpeg -f lavfi -i
    /// testsrc=size=320x240 -pix_fmt yuv420p -c:v libx265 -x265-params level-idc=2`). The SPS
    /// holds emulation prevention bytes inside profile_tier_level.
    const X265_HEADERS: &[u8] = &[
        0, 0, 0, 1, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90,
        0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x95, 0x94, 0x09, // VPS
        0, 0, 0, 1, 0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03,
        0x00, 0x00, 0x03, 0x00, 0x3c, 0xa0, 0x0a, 0x08, 0x0f, 0x16, 0x59, 0x59, 0x52, 0x93, 0x0b,
        0xc0, 0x5a, 0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x3c,
        0x10, // SPS
        0, 0, 0, 1, 0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89, // PPS
    ];

    #[test]
    fn parses_an_sps() {
        let nals = split_annexb(X265_HEADERS);
        assert_eq!(
            nals.iter().map(|n| nal_type(n)).collect::<Vec<_>>(),
            [32, 33, 34]
        );
        let s = parse_sps(nals[1]).expect("sps");
        assert_eq!(s.general_ptl[0], 0x01, "space 0, Main tier, profile_idc 1");
        assert_eq!(
            &s.general_ptl[1..5],
            &[0x60, 0, 0, 0],
            "compatible with 1 and 2"
        );
        assert_eq!(s.general_ptl[5], 0x90, "progressive, frame only");
        assert_eq!(s.general_ptl[11], 60, "level 2");
        assert_eq!(s.max_sub_layers, 1);
        assert!(s.temporal_id_nesting);
        assert_eq!(
            (
                s.chroma_format_idc,
                s.bit_depth_luma_minus8,
                s.bit_depth_chroma_minus8
            ),
            (1, 0, 0)
        );
    }

    #[test]
    fn builds_hvcc() {
        let c = hvcc_from_annexb(X265_HEADERS).expect("hvcC");
        assert_eq!(c[0], 1);
        assert_eq!(
            &c[1..13],
            &parse_sps(split_annexb(X265_HEADERS)[1])
                .unwrap()
                .general_ptl
        );
        assert_eq!(c[16], 0xFD, "4:2:0");
        assert_eq!((c[17], c[18]), (0xF8, 0xF8), "8-bit");
        assert_eq!(c[21] & 3, 3, "4-byte lengths");
        assert_eq!(c[22], 3, "three arrays");
        let mut o = 23;
        for t in [32u8, 33, 34] {
            assert_eq!(c[o], 0x80 | t);
            assert_eq!(u16::from_be_bytes([c[o + 1], c[o + 2]]), 1);
            let len = usize::from(u16::from_be_bytes([c[o + 3], c[o + 4]]));
            assert_eq!(nal_type(&c[o + 5..]), t);
            o += 5 + len;
        }
        assert_eq!(o, c.len());
        // codec-core's hvcC parser (the decoder's description check) reads it back.
        let h = codec_core::HevcDecoderConfigurationRecord::parse(&c).expect("parses");
        assert_eq!((h.general_profile_idc, h.general_level_idc), (1, 60));
        assert_eq!(h.general_profile_compatibility_flags, 0x6000_0000);
        assert_eq!(
            (h.chroma_format_idc, h.bit_depth_luma, h.nal_length_size),
            (1, 8, 4)
        );
        assert_eq!((h.num_temporal_layers, h.temporal_id_nested), (1, true));
        let nals = split_annexb(X265_HEADERS);
        for (i, t) in [NAL_VPS, NAL_SPS, NAL_PPS].into_iter().enumerate() {
            assert_eq!(h.nal_units(t).collect::<Vec<_>>(), [nals[i]]);
        }
        assert_eq!(h.to_bytes(), c, "byte-exact round trip");
        // No PPS → no record.
        let no_pps = &X265_HEADERS[..X265_HEADERS.len() - 10];
        assert!(hvcc_from_annexb(no_pps).is_none());
        assert!(hvcc_from_annexb(&[]).is_none());
    }

    #[test]
    fn reference_pictures() {
        // Two-byte headers: type << 1, then temporal_id_plus1 1.
        let au = |t: u8| vec![0, 0, 0, 1, 39 << 1, 1, 5, 0, 0, 1, t << 1, 1, 0xaf];
        for t in [0u8, 2, 4, 6, 8] {
            assert!(!is_reference(&au(t)), "type {t}");
        }
        for t in [1u8, 3, 9, 19, 20, 21] {
            assert!(is_reference(&au(t)), "type {t}");
        }
        // A prefix SEI alone is not a picture.
        assert!(!is_reference(&[0, 0, 1, 39 << 1, 1, 5]));
    }
}
