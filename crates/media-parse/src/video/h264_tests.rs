//! Tests of `h264.rs`: x264 SPSs, SEI recovery points, key access units as Chromium judges
//! them, slices and reference pictures, avcC parsing and building, and property tests (no input
//! panics, avcC round trips).

use super::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn annexb(units: &[&[u8]]) -> Vec<u8> {
    units
        .iter()
        .flat_map(|u| [&[0, 0, 0, 1][..], u].concat())
        .collect()
}

// x264 parameter sets (`ffmpeg -f lavfi -i testsrc=size=WxH -c:v libx264 -profile:v P`).
const SPS_HIGH_64X48: &str = "6764000aacd9447b0110000003001000000303c0f1225960";
const SPS_BASELINE_64X48: &str = "6742c00ad9047b0110000003001000000303c0f1226480";
const SPS_HIGH444_66X50: &str = "67f4000a919b28a4f1f1f80880000003008000001e078912cb";
const SPS_HIGH10_64X48: &str = "676e000aa6cd9447b0110000030001000003003c0f122596";
const SPS_HIGH422_70X46: &str = "677a000abcd9457e6bc044000003000400000300f03c489658";
const PPS_HIGH: &str = "68ebe3cb22c0";

#[test]
fn parses_x264_sequence_parameter_sets() {
    let s = Sps::parse(&hex(SPS_HIGH_64X48)).expect("high");
    assert_eq!((s.profile_idc, s.level_idc, s.sps_id), (100, 10, 0));
    assert_eq!((s.chroma_format_idc, s.bit_depth_luma_minus8), (1, 0));
    assert_eq!((s.width, s.height, s.frame_mbs_only), (64, 48, true));
    assert!(s.vui_present);
    let s = Sps::parse(&hex(SPS_BASELINE_64X48)).expect("baseline");
    assert_eq!((s.profile_idc, s.constraint_flags), (66, 0xc0));
    assert_eq!((s.chroma_format_idc, s.width, s.height), (1, 64, 48));
    let s = Sps::parse(&hex(SPS_HIGH444_66X50)).expect("high 4:4:4");
    assert_eq!((s.profile_idc, s.chroma_format_idc), (244, 3));
    assert_eq!(
        (s.width, s.height),
        (66, 50),
        "cropped from 80x64 in 1-sample units"
    );
    let s = Sps::parse(&hex(SPS_HIGH10_64X48)).expect("high 10");
    assert_eq!((s.bit_depth_luma_minus8, s.bit_depth_chroma_minus8), (2, 2));
    let s = Sps::parse(&hex(SPS_HIGH422_70X46)).expect("high 4:2:2");
    assert_eq!((s.chroma_format_idc, s.width, s.height), (2, 70, 46));
}

#[test]
fn rejects_bad_sequence_parameter_sets() {
    // The fields read end in byte 8 (the VUI that follows is not read): shorter prefixes
    // fail, longer ones give the same SPS.
    let good = hex(SPS_HIGH_64X48);
    let full = Sps::parse(&good).expect("full");
    for n in 0..good.len() {
        let p = Sps::parse(&good[..n]);
        assert_eq!(p.is_ok(), n >= 8, "prefix of {n} bytes");
        assert!(p.is_err() || p == Ok(full.clone()));
    }
    assert_eq!(
        Sps::parse(&hex(PPS_HIGH)),
        Err(Error::Malformed("not a sequence parameter set"))
    );
    // chroma_format_idc 4 (ue 00101) right after sps_id 0.
    assert_eq!(
        Sps::parse(&[0x67, 100, 0, 10, 0b1001_0100, 0]),
        Err(Error::Malformed("chroma_format_idc"))
    );
}

#[test]
fn sei_messages_and_recovery_points() {
    // The SEI of WPT's h264_sei.mp4 frame 5: recovery point, cnt 0, exact match.
    let sei = [0x06, 0x06, 0x01, 0xc4, 0x80];
    let msgs: Vec<_> = SeiMessages::new(&sei[1..]).collect();
    assert_eq!(
        msgs,
        [Ok(SeiMessage {
            payload_type: 6,
            payload: &[0xc4]
        })]
    );
    assert_eq!(
        RecoveryPoint::parse(&[0xc4]),
        Ok(RecoveryPoint {
            recovery_frame_cnt: 0,
            exact_match: true,
            broken_link: false,
            changing_slice_group_idc: 0
        })
    );
    assert!(has_immediate_recovery_point(&sei));
    // recovery_frame_cnt 2 (ue 011): not immediate.
    assert!(!has_immediate_recovery_point(&[
        0x06, 0x06, 0x01, 0x6c, 0x80
    ]));
    // 0xFF-extended type and size: type 5 + 255 = 260, size 1; then a second message.
    let two = [0xff, 0x05, 0x01, 0xaa, 0x06, 0x01, 0xc4, 0x80];
    let msgs: Vec<_> = SeiMessages::new(&two)
        .map(|m| m.map(|m| m.payload_type))
        .collect();
    assert_eq!(msgs, [Ok(260), Ok(6)]);
    // A size past the end: one error, then nothing.
    let msgs: Vec<_> = SeiMessages::new(&[0x06, 0x09, 0xc4]).collect();
    assert!(matches!(msgs[..], [Err(Error::Truncated { .. })]));
}

#[test]
fn key_frames_follow_chromium() {
    let sps = hex(SPS_HIGH_64X48);
    let pps = hex(PPS_HIGH);
    let sei = [0x06, 0x06, 0x01, 0xc4, 0x80];
    let idr = [0x65, 0x88, 0x84];
    let p = [0x41, 0x9a, 0x02];
    let key = |units: &[&[u8]]| access_unit_is_key(&annexb(units), NalFraming::AnnexB);
    assert_eq!(key(&[&sps, &pps, &idr]), Some(true));
    assert_eq!(key(&[&p]), Some(false));
    assert_eq!(
        key(&[&sps, &pps, &sei, &p]),
        Some(true),
        "recovery point SEI"
    );
    assert_eq!(
        key(&[&p, &sei]),
        Some(false),
        "an SEI after the first slice"
    );
    assert_eq!(
        key(&[&[0x06, 0x06, 0x01, 0x6c, 0x80], &p]),
        Some(false),
        "recovery_frame_cnt 2"
    );
    assert_eq!(
        key(&[&[0x06, 0x06, 0x09, 0xc4], &p]),
        Some(false),
        "broken SEI"
    );
    assert_eq!(key(&[&sps, &pps]), None, "no slice");
    let lp = annexb_to_avc(&annexb(&[&sei, &p]));
    assert_eq!(
        access_unit_is_key(&lp, NalFraming::LengthPrefixed(4)),
        Some(true)
    );
    assert_eq!(
        access_unit_is_key(&[0, 0, 0, 9, 0x41], NalFraming::LengthPrefixed(4)),
        None,
        "length past the end"
    );
}

#[test]
fn wpt_sei_fixture_chunk_is_a_key_frame() {
    // h264_sei.mp4 sample 5 (4-byte lengths): SEI recovery point, then a non-IDR I slice.
    let chunk = [
        0, 0, 0, 5, 0x06, 0x06, 0x01, 0xc4, 0x80, 0, 0, 0, 4, 0x41, 0x88, 0x99, 0x40,
    ];
    assert_eq!(
        access_unit_is_key(&chunk, NalFraming::LengthPrefixed(4)),
        Some(true)
    );
    assert!(has_slice(&chunk, NalFraming::LengthPrefixed(4)));
}

#[test]
fn slice_presence() {
    assert!(has_slice(&[0, 0, 0, 1, 0x41, 0x9a], NalFraming::AnnexB));
    assert!(!has_slice(&[0, 0, 1, 0x67, 1], NalFraming::AnnexB));
    assert!(
        !has_slice(&[0xff, 0xff, 0, 0, 1, 0xff, 0xff], NalFraming::AnnexB),
        "forbidden bit"
    );
    assert!(has_slice(
        &[0, 0, 0, 2, 0x65, 0x88],
        NalFraming::LengthPrefixed(4)
    ));
    assert!(!has_slice(
        &[0, 0, 0, 9, 0x65, 0x88],
        NalFraming::LengthPrefixed(4)
    ));
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

#[test]
fn builds_avcc_from_x264_headers() {
    let (sps, pps) = (hex(SPS_HIGH10_64X48), hex(PPS_HIGH));
    let c = avcc_from_annexb(&annexb(&[&sps, &pps])).expect("avcC");
    assert_eq!(&c[..6], &[1, 110, 0, 10, 0xff, 0xe1]);
    assert_eq!(&c[c.len() - 4..], &[0xfd, 0xfa, 0xfa, 0], "4:2:0, 10-bit");
    let r = AvcDecoderConfigurationRecord::parse(&c).expect("parses");
    assert_eq!(
        (r.sps, r.pps, r.nal_length_size),
        (vec![sps.clone()], vec![pps.clone()], 4)
    );
    // Found by the avcc fuzz target: a unit with the forbidden bit set (0xe7: type 7) went
    // into the record, which the parser then refused. It is left out now.
    let bad_sps = [0xe7, 100, 0, 10, 0xac];
    let c = avcc_from_annexb(&annexb(&[&bad_sps, &sps, &pps])).expect("avcC");
    let r = AvcDecoderConfigurationRecord::parse(&c).expect("parses");
    assert_eq!(r.sps, std::slice::from_ref(&sps));
    assert!(avcc_from_annexb(&annexb(&[&bad_sps, &pps])).is_none());
    // Baseline: no extension.
    let c =
        avcc_from_annexb(&annexb(&[&hex(SPS_BASELINE_64X48), &hex("68cb83cb20")])).expect("avcC");
    assert_eq!(c.len(), 6 + 2 + 23 + 1 + 2 + 5);
    assert!(
        avcc_from_annexb(&[0, 0, 1, 0x67, 66, 0, 30]).is_none(),
        "no PPS"
    );
    assert!(
        avcc_from_annexb(&annexb(&[&[0x67, 66, 0], &pps])).is_none(),
        "short SPS"
    );
}

// avcC of a 64x48 Baseline stream as produced by x264 (SPS/PPS shortened but well-typed).
const AVCC: [u8; 18] = [
    1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1f, 1, 0, 3, 0x68, 0xce, 0x3c,
];

#[test]
fn parses_avcc() {
    let a = AvcDecoderConfigurationRecord::parse(&AVCC).expect("valid");
    assert_eq!(
        (a.profile_idc, a.level_idc, a.nal_length_size),
        (0x42, 0x1f, 4)
    );
    assert_eq!(a.sps, [[0x67, 0x42, 0xc0, 0x1f]]);
    assert_eq!(a.pps, [[0x68, 0xce, 0x3c]]);
    assert_eq!(a.to_bytes(), AVCC);
    // Trailing bytes are fine (a Baseline record has no extension to read).
    let mut ext = AVCC.to_vec();
    ext.extend_from_slice(&[0xfd, 0xf8, 0xf8, 0]);
    assert_eq!(AvcDecoderConfigurationRecord::parse(&ext), Ok(a));
    // A High record's extension is read; a cut one is ignored.
    let mut high = ext.clone();
    high[1] = 100;
    let h = AvcDecoderConfigurationRecord::parse(&high).expect("high");
    assert_eq!(
        h.high,
        Some(AvcHighExtension {
            chroma_format_idc: 1,
            bit_depth_luma_minus8: 0,
            bit_depth_chroma_minus8: 0,
            sps_ext: vec![]
        })
    );
    assert_eq!(h.to_bytes(), high);
    let cut = AvcDecoderConfigurationRecord::parse(&high[..high.len() - 1]).expect("cut");
    assert_eq!(cut.high, None);
}

#[test]
fn rejects_bad_avcc() {
    let parse = AvcDecoderConfigurationRecord::parse;
    assert_eq!(parse(&[]), Err(Error::Truncated { at: 0 }));
    assert_eq!(parse(&[1, 2, 3]), Err(Error::Truncated { at: 1 }));
    let bad = |i: usize, v: u8| parse(&crate::video::with_byte(AVCC, i, v));
    assert_eq!(bad(0, 0), Err(Error::Malformed("configurationVersion")));
    assert_eq!(bad(4, 0xfe), Err(Error::Malformed("lengthSizeMinusOne")));
    assert_eq!(
        bad(5, 0xe0),
        Err(Error::Malformed("numOfSequenceParameterSets"))
    );
    assert!(
        matches!(bad(8, 0x68), Err(Error::Malformed(_))),
        "SPS slot holds a PPS"
    );
    assert!(
        matches!(bad(5, 0xff), Err(Error::Truncated { .. })),
        "31 SPSs"
    );
    for n in 0..AVCC.len() {
        assert!(parse(&AVCC[..n]).is_err(), "prefix of {n} bytes");
    }
}

fn units(t: u8) -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 0..3).prop_map(
        move |v| {
            v.into_iter()
                .map(|mut u| {
                    u.insert(0, t);
                    u
                })
                .collect()
        },
    )
}

proptest! {
    #[test]
    fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..64), n in 0u8..6) {
        let _ = AvcDecoderConfigurationRecord::parse(&data);
        let _ = Sps::parse(&data);
        let _ = RecoveryPoint::parse(&data);
        let _ = SeiMessages::new(&data).count();
        let _ = access_unit_is_key(&data, NalFraming::AnnexB);
        let _ = access_unit_is_key(&data, NalFraming::LengthPrefixed(n));
        let _ = has_slice(&data, NalFraming::LengthPrefixed(n));
        let _ = avcc_from_annexb(&data);
        let _ = is_reference(&data);
    }

    /// Record → bytes → record, and every strict prefix fails.
    #[test]
    fn avcc_round_trips(
        head in (any::<u8>(), any::<u8>(), any::<u8>()),
        sps in units(0x67).prop_filter("an SPS", |v| !v.is_empty()),
        pps in units(0x68),
        size in proptest::sample::select(vec![1u8, 2, 4]),
        ext in proptest::option::of((0u8..4, 0u8..8, 0u8..8, units(0x6d))),
    ) {
        let profile_idc = if ext.is_some() { 100 } else { head.0 & 0x3f };
        let r = AvcDecoderConfigurationRecord {
            profile_idc,
            profile_compatibility: head.1,
            level_idc: head.2,
            nal_length_size: size,
            sps,
            pps,
            high: ext.map(|(c, l, cd, sps_ext)| AvcHighExtension {
                chroma_format_idc: c,
                bit_depth_luma_minus8: l,
                bit_depth_chroma_minus8: cd,
                sps_ext,
            }),
        };
        let bytes = r.to_bytes();
        prop_assert_eq!(AvcDecoderConfigurationRecord::parse(&bytes), Ok(r.clone()));
        // Every strict prefix fails, except one cut inside the extension, which drops it.
        for n in 0..bytes.len() {
            if let Ok(p) = AvcDecoderConfigurationRecord::parse(&bytes[..n]) {
                prop_assert!(r.high.is_some());
                prop_assert_eq!(p, AvcDecoderConfigurationRecord { high: None, ..r.clone() });
            }
        }
    }

    /// Whatever parses re-serialises to bytes that parse to the same record.
    #[test]
    fn parsed_avcc_reserialises(tail in proptest::collection::vec(any::<u8>(), 0..40),
                                flips in proptest::collection::vec((0usize..18, 0u8..8), 0..4)) {
        let mut d = AVCC.to_vec();
        for (i, b) in flips { d[i] ^= 1 << b; }
        d.extend_from_slice(&tail);
        if let Ok(r) = AvcDecoderConfigurationRecord::parse(&d) {
            prop_assert!(matches!(r.nal_length_size, 1 | 2 | 4));
            prop_assert_eq!(AvcDecoderConfigurationRecord::parse(&r.to_bytes()), Ok(r));
        }
    }

    /// Annex B parameter sets → avcC → the same parameter sets.
    #[test]
    fn built_avcc_parses_back(sps_tail in proptest::collection::vec(any::<u8>(), 3..30),
                              pps in units(0x68).prop_filter("a PPS", |v| !v.is_empty())) {
        let mut sps = vec![0x67];
        sps.extend_from_slice(&sps_tail);
        // Annex B cannot carry zero bytes at the end of a unit, nor start codes inside one.
        prop_assume!(sps.last() != Some(&0) && pps.iter().all(|p| p.last() != Some(&0)));
        let all: Vec<&[u8]> = std::iter::once(&sps[..]).chain(pps.iter().map(Vec::as_slice)).collect();
        let stream = annexb(&all);
        prop_assume!(AnnexBNals::new(&stream).count() == all.len());
        let c = avcc_from_annexb(&stream).expect("built");
        let r = AvcDecoderConfigurationRecord::parse(&c).expect("parses");
        prop_assert_eq!(r.sps, vec![sps.clone()]);
        prop_assert_eq!(r.pps, pps);
        prop_assert_eq!((r.profile_idc, r.level_idc, r.nal_length_size), (sps[1], sps[3], 4));
    }
}
