//! Tests of `hevc.rs`: an x265 SPS, hvcC parsing and building, key frames, slices and reference
//! pictures, and property tests (no input panics, hvcC round trips).

use super::*;
use proptest::prelude::*;

/// An x265 Main-profile VPS/SPS/PPS for 320x240 at level 2 (`ffmpeg -f lavfi -i
/// testsrc=size=320x240 -pix_fmt yuv420p -c:v libx265 -x265-params level-idc=2`). The SPS
/// holds emulation prevention bytes inside profile_tier_level.
const X265_HEADERS: &[u8] = &[
    0, 0, 0, 1, 0x40, 0x01, 0x0c, 0x01, 0xff, 0xff, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
    0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x95, 0x94, 0x09, // VPS
    0, 0, 0, 1, 0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
    0x00, 0x03, 0x00, 0x3c, 0xa0, 0x0a, 0x08, 0x0f, 0x16, 0x59, 0x59, 0x52, 0x93, 0x0b, 0xc0, 0x5a,
    0x02, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x3c, 0x10, // SPS
    0, 0, 0, 1, 0x44, 0x01, 0xc0, 0x73, 0xc1, 0x89, // PPS
];

fn headers() -> Vec<&'static [u8]> {
    AnnexBNals::new(X265_HEADERS).collect()
}

#[test]
fn parses_an_sps() {
    let nals = headers();
    assert_eq!(
        nals.iter().filter_map(|n| typed(n)).collect::<Vec<_>>(),
        [32, 33, 34]
    );
    let s = Sps::parse(nals[1]).expect("sps");
    assert_eq!(s.general_ptl[0], 0x01, "space 0, Main tier, profile_idc 1");
    assert_eq!(
        &s.general_ptl[1..5],
        &[0x60, 0, 0, 0],
        "compatible with 1 and 2"
    );
    assert_eq!(s.general_ptl[5], 0x90, "progressive, frame only");
    assert_eq!(s.general_ptl[11], 60, "level 2");
    assert_eq!((s.max_sub_layers, s.temporal_id_nesting), (1, true));
    assert_eq!((s.width, s.height), (320, 240));
    assert_eq!(
        (
            s.chroma_format_idc,
            s.bit_depth_luma_minus8,
            s.bit_depth_chroma_minus8
        ),
        (1, 0, 0)
    );
    // The fields read end in byte 23 (with the emulation prevention bytes): shorter prefixes
    // fail, longer ones give the same SPS.
    for n in 0..nals[1].len() {
        let p = Sps::parse(&nals[1][..n]);
        assert_eq!(p.is_ok(), n >= 23, "prefix of {n} bytes");
        assert!(p.is_err() || p == Ok(s.clone()));
    }
    assert_eq!(
        Sps::parse(nals[0]),
        Err(Error::Malformed("not a sequence parameter set"))
    );
}

#[test]
fn builds_hvcc() {
    let c = hvcc_from_annexb(X265_HEADERS).expect("hvcC");
    let nals = headers();
    assert_eq!(c[0], 1);
    assert_eq!(&c[1..13], &Sps::parse(nals[1]).expect("sps").general_ptl);
    assert_eq!(c[16], 0xfd, "4:2:0");
    assert_eq!((c[17], c[18]), (0xf8, 0xf8), "8-bit");
    assert_eq!(c[21] & 3, 3, "4-byte lengths");
    assert_eq!(c[22], 3, "three arrays");
    let h = HevcDecoderConfigurationRecord::parse(&c).expect("parses");
    assert_eq!((h.general_profile_idc, h.general_level_idc), (1, 60));
    assert_eq!(h.general_profile_compatibility_flags, 0x6000_0000);
    assert_eq!(
        (h.chroma_format_idc, h.bit_depth_luma, h.nal_length_size),
        (1, 8, 4)
    );
    assert_eq!((h.num_temporal_layers, h.temporal_id_nested), (1, true));
    for (i, t) in [NAL_VPS, NAL_SPS, NAL_PPS].into_iter().enumerate() {
        assert_eq!(h.nal_units(t).collect::<Vec<_>>(), [nals[i]]);
        assert!(h.arrays[i].complete);
    }
    assert_eq!(h.to_bytes(), c, "byte-exact round trip");
    // No PPS → no record.
    let no_pps = &X265_HEADERS[..X265_HEADERS.len() - 10];
    assert!(hvcc_from_annexb(no_pps).is_none());
    assert!(hvcc_from_annexb(&[]).is_none());
    // Found by the hvcc fuzz target: a unit with the forbidden bit set (0xc0: type 32) went
    // into the record, which the parser then refused. It is left out now.
    let mut stream = vec![0, 0, 0, 1, 0xc0, 0x01, 0x0c];
    stream.extend_from_slice(X265_HEADERS);
    let h = HevcDecoderConfigurationRecord::parse(&hvcc_from_annexb(&stream).expect("hvcC"))
        .expect("parses");
    assert_eq!(h.nal_units(NAL_VPS).collect::<Vec<_>>(), [nals[0]]);
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

#[test]
fn key_frames_and_slices() {
    // IDR_W_RADL = 19 → header byte 0x26; TRAIL_R = 1 → 0x02.
    assert_eq!(
        access_unit_is_key(&[0, 0, 1, 0x26, 1, 0xaf], NalFraming::AnnexB),
        Some(true)
    );
    assert_eq!(
        access_unit_is_key(&[0, 0, 1, 0x02, 1, 0xaf], NalFraming::AnnexB),
        Some(false)
    );
    assert_eq!(
        access_unit_is_key(&[0, 0, 1, 0x40, 1], NalFraming::AnnexB),
        None
    );
    assert!(has_slice(&[0, 0, 1, 0x02, 1, 0xaf], NalFraming::AnnexB));
    assert!(
        !has_slice(&[0, 0, 1, 0x02, 0, 0xaf], NalFraming::AnnexB),
        "temporal id 0"
    );
    assert!(
        !has_slice(&[0, 0, 1, 0x40, 1], NalFraming::AnnexB),
        "VPS only"
    );
    assert!(has_slice(
        &[0, 0, 0, 3, 0x26, 1, 0xaf],
        NalFraming::LengthPrefixed(4)
    ));
}

/// An hvcC as the encoder's builder writes it for a 320x240 x265 Main stream (level 2,
/// 4:2:0 8-bit, 4-byte lengths), with the VPS/SPS/PPS cut to their NAL headers + 1 byte.
const HVCC: [u8; 47] = [
    1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 60, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f,
    3, // arrays
    0xa0, 0, 1, 0, 3, 0x40, 0x01, 0x0c, // VPS
    0xa1, 0, 1, 0, 3, 0x42, 0x01, 0x01, // SPS
    0xa2, 0, 1, 0, 3, 0x44, 0x01, 0xc0, // PPS
];

#[test]
fn parses_hvcc() {
    let h = HevcDecoderConfigurationRecord::parse(&HVCC).expect("valid");
    assert_eq!(
        (
            h.general_profile_space,
            h.general_tier_flag,
            h.general_profile_idc
        ),
        (0, false, 1)
    );
    assert_eq!(h.general_profile_compatibility_flags, 0x6000_0000);
    assert_eq!(h.general_constraint_indicator_flags, 0x9000_0000_0000);
    assert_eq!(h.general_level_idc, 60);
    assert_eq!(
        (h.chroma_format_idc, h.bit_depth_luma, h.bit_depth_chroma),
        (1, 8, 8)
    );
    assert_eq!(
        (
            h.num_temporal_layers,
            h.temporal_id_nested,
            h.nal_length_size
        ),
        (1, true, 4)
    );
    assert_eq!(
        h.arrays
            .iter()
            .map(|a| (a.complete, a.nal_unit_type))
            .collect::<Vec<_>>(),
        [(true, 32), (true, 33), (true, 34)]
    );
    assert_eq!(
        h.nal_units(33).collect::<Vec<_>>(),
        [&[0x42u8, 0x01, 0x01][..]]
    );
    assert_eq!(h.to_bytes(), HVCC);
    // Trailing bytes are ignored; an empty array list is structurally fine.
    let mut ext = HVCC.to_vec();
    ext.push(0);
    assert_eq!(HevcDecoderConfigurationRecord::parse(&ext), Ok(h));
    let mut none = HVCC[..23].to_vec();
    none[22] = 0;
    let h = HevcDecoderConfigurationRecord::parse(&none).expect("no arrays");
    assert!(h.arrays.is_empty());
}

#[test]
fn rejects_bad_hvcc() {
    let parse = HevcDecoderConfigurationRecord::parse;
    assert_eq!(parse(&[]), Err(Error::Truncated { at: 0 }));
    let bad = |i: usize, v: u8| parse(&crate::video::with_byte(HVCC, i, v));
    assert_eq!(bad(0, 0), Err(Error::Malformed("configurationVersion")));
    assert_eq!(bad(21, 0x0e), Err(Error::Malformed("lengthSizeMinusOne")));
    // An array of slices (type 1), an SPS in the PPS array, a 1-byte NAL unit, a set
    // forbidden_zero_bit.
    assert!(matches!(bad(23, 0x81), Err(Error::Malformed(_))));
    assert!(matches!(bad(44, 0x42), Err(Error::Malformed(_))));
    let mut short = HVCC.to_vec();
    short[27] = 1;
    short.remove(29);
    assert!(matches!(parse(&short), Err(Error::Malformed(_))));
    assert!(matches!(bad(28, 0xc0), Err(Error::Malformed(_))));
    // Counts and lengths beyond the data.
    assert!(matches!(bad(22, 4), Err(Error::Truncated { .. })));
    assert!(matches!(bad(25, 2), Err(Error::Truncated { .. })));
    assert!(matches!(bad(24, 0xff), Err(Error::Truncated { .. })));
    assert!(matches!(bad(43, 4), Err(Error::Truncated { .. })));
    assert!(matches!(bad(26, 0x80), Err(Error::Truncated { .. })));
    for n in 0..HVCC.len() {
        assert!(parse(&HVCC[..n]).is_err(), "prefix of {n} bytes");
    }
}

proptest! {
    #[test]
    fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..64), n in 0u8..6) {
        let _ = HevcDecoderConfigurationRecord::parse(&data);
        let _ = Sps::parse(&data);
        let _ = hvcc_from_annexb(&data);
        let _ = is_reference(&data);
        let _ = access_unit_is_key(&data, NalFraming::LengthPrefixed(n));
        let _ = has_slice(&data, NalFraming::AnnexB);
    }

    /// Random bytes after a valid hvcC header: no panic, and whatever parses re-serialises
    /// to a record that parses to the same value.
    #[test]
    fn hvcc_never_panics_and_reparses(
        head in proptest::collection::vec(any::<u8>(), 22..=22),
        tail in proptest::collection::vec(any::<u8>(), 0..80),
        flips in proptest::collection::vec((0usize..47, 0u8..8), 0..4),
    ) {
        let mut d = vec![1];
        d.extend_from_slice(&head[1..]);
        d.extend_from_slice(&tail);
        let _ = HevcDecoderConfigurationRecord::parse(&d);
        // Bit flips of the valid record reach the array checks more often.
        let mut v = HVCC.to_vec();
        for (i, b) in flips { v[i] ^= 1 << b; }
        for data in [d, v] {
            if let Ok(h) = HevcDecoderConfigurationRecord::parse(&data) {
                prop_assert!(matches!(h.nal_length_size, 1 | 2 | 4));
                prop_assert_eq!(HevcDecoderConfigurationRecord::parse(&h.to_bytes()), Ok(h));
            }
        }
    }

    #[test]
    fn hvcc_round_trips(
        ptl in (0u8..4, any::<bool>(), 0u8..32, any::<u32>(), 0u64..1 << 48, any::<u8>()),
        misc in (0u16..4096, 0u8..4, 0u8..4, 8u8..16, 8u8..16, any::<u16>(), 0u8..4, 0u8..8, any::<bool>()),
        size in proptest::sample::select(vec![1u8, 2, 4]),
        arrays in proptest::collection::vec(
            (any::<bool>(), proptest::sample::select(HVCC_ARRAY_TYPES.to_vec()),
             proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..12), 0..3)),
            0..5),
    ) {
        let arrays: Vec<HvccNalArray> = arrays
            .into_iter()
            .map(|(complete, t, units)| HvccNalArray {
                complete,
                nal_unit_type: t,
                nal_units: units.into_iter().map(|mut u| { u.insert(0, t << 1); u }).collect(),
            })
            .collect();
        let h = HevcDecoderConfigurationRecord {
            general_profile_space: ptl.0,
            general_tier_flag: ptl.1,
            general_profile_idc: ptl.2,
            general_profile_compatibility_flags: ptl.3,
            general_constraint_indicator_flags: ptl.4,
            general_level_idc: ptl.5,
            min_spatial_segmentation_idc: misc.0,
            parallelism_type: misc.1,
            chroma_format_idc: misc.2,
            bit_depth_luma: misc.3,
            bit_depth_chroma: misc.4,
            avg_frame_rate: misc.5,
            constant_frame_rate: misc.6 % 3,
            num_temporal_layers: misc.7,
            temporal_id_nested: misc.8,
            nal_length_size: size,
            arrays,
        };
        let bytes = h.to_bytes();
        prop_assert_eq!(HevcDecoderConfigurationRecord::parse(&bytes), Ok(h));
        // Every strict prefix is rejected.
        for n in 0..bytes.len() {
            prop_assert!(HevcDecoderConfigurationRecord::parse(&bytes[..n]).is_err());
        }
    }

    /// Annex B parameter sets (with the real SPS) → hvcC → the same parameter sets.
    #[test]
    fn built_hvcc_parses_back(vps in proptest::collection::vec(1u8..=255, 1..20),
                              pps in proptest::collection::vec(1u8..=255, 1..20)) {
        let vps = [&[0x40, 0x01][..], &vps].concat();
        let pps = [&[0x44, 0x01][..], &pps].concat();
        let sps = headers()[1];
        let mut stream = Vec::new();
        for u in [&vps[..], sps, &pps[..]] {
            stream.extend_from_slice(&[0, 0, 0, 1]);
            stream.extend_from_slice(u);
        }
        prop_assume!(AnnexBNals::new(&stream).count() == 3);
        let h = HevcDecoderConfigurationRecord::parse(&hvcc_from_annexb(&stream).expect("built"))
            .expect("parses");
        prop_assert_eq!(h.nal_units(NAL_VPS).collect::<Vec<_>>(), [&vps[..]]);
        prop_assert_eq!(h.nal_units(NAL_SPS).collect::<Vec<_>>(), [sps]);
        prop_assert_eq!(h.nal_units(NAL_PPS).collect::<Vec<_>>(), [&pps[..]]);
    }
}
