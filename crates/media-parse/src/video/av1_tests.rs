//! Tests of `av1.rs`: libaom sequence headers, OBU chains, key temporal units, and property
//! tests that no input (random or a flipped sequence header) panics.

use super::*;
use proptest::prelude::*;

// Sequence header OBU payloads written by libaom (`ffmpeg -f lavfi -i testsrc=size=64x48
// -c:v libaom-av1 -usage realtime -pix_fmt P -f obu`).
const SEQ_8BIT: [u8; 10] = [0x00, 0x00, 0x00, 0x02, 0xaf, 0xf7, 0x9b, 0x5f, 0x20, 0x08];
const SEQ_10BIT: [u8; 10] = [0x00, 0x00, 0x00, 0x02, 0xaf, 0xf7, 0x9b, 0x5f, 0x28, 0x08];
const SEQ_444: [u8; 10] = [0x20, 0x00, 0x00, 0x02, 0xaf, 0xf7, 0x9b, 0x5f, 0x20, 0x40];
const SEQ_GRAY: [u8; 10] = [0x00, 0x00, 0x00, 0x02, 0xaf, 0xf7, 0x9b, 0x5f, 0x25, 0x40];

/// A temporal unit: temporal delimiter, the 8-bit sequence header, a frame OBU whose payload
/// starts with `frame` (libaom's key frame starts 0x10, its inter frames 0x30).
fn temporal_unit(seq: bool, frame: u8) -> Vec<u8> {
    let mut tu = vec![0x12, 0x00];
    if seq {
        tu.extend_from_slice(&[0x0a, 0x0a]);
        tu.extend_from_slice(&SEQ_8BIT);
    }
    tu.extend_from_slice(&[0x32, 0x03, frame, 0x00, 0x90]);
    tu
}

#[test]
fn parses_libaom_sequence_headers() {
    let s = SequenceHeader::parse(&SEQ_8BIT).expect("8-bit");
    assert_eq!(
        (
            s.seq_profile,
            s.still_picture,
            s.reduced_still_picture_header
        ),
        (0, false, false)
    );
    assert_eq!(
        s.operating_points,
        [OperatingPoint {
            idc: 0,
            level_idx: 0,
            tier: false
        }]
    );
    assert_eq!((s.max_frame_width, s.max_frame_height), (64, 48));
    assert_eq!((s.bit_depth, s.mono_chrome), (8, false));
    assert_eq!(
        (s.subsampling_x, s.subsampling_y, s.full_range),
        (true, true, false)
    );
    assert_eq!(
        (
            s.color_primaries,
            s.transfer_characteristics,
            s.matrix_coefficients
        ),
        (2, 2, 2)
    );
    assert!(!s.film_grain_params_present);
    assert_eq!(
        SequenceHeader::parse(&SEQ_10BIT).expect("10-bit").bit_depth,
        10
    );
    let s = SequenceHeader::parse(&SEQ_444).expect("4:4:4");
    assert_eq!(
        (s.seq_profile, s.subsampling_x, s.subsampling_y),
        (1, false, false)
    );
    let s = SequenceHeader::parse(&SEQ_GRAY).expect("gray");
    assert!(s.mono_chrome);
    for n in 0..SEQ_8BIT.len() - 1 {
        assert!(
            SequenceHeader::parse(&SEQ_8BIT[..n]).is_err(),
            "prefix of {n} bytes"
        );
    }
    assert_eq!(
        SequenceHeader::parse(&[0xe0; 10]),
        Err(Error::Malformed("seq_profile"))
    );
}

#[test]
fn reduced_still_picture_header() {
    // seq_profile 0, still_picture 1, reduced 1, seq_level_idx 0, 4+4 size bits, 64x48 in
    // 6-bit fields, three tool flags, superres/cdef/restoration, color_config: 8-bit, not
    // mono, no description, limited range, chroma position, separate_uv_delta_q, no grain.
    let bits = "000 1 1 00000 0101 0101 111111 101111 000 000 0 0 0 0 00 0 0";
    let bits: String = bits.split(' ').collect();
    let mut d = vec![0u8; bits.len().div_ceil(8)];
    for (i, c) in bits.chars().enumerate() {
        if c == '1' {
            d[i / 8] |= 0x80 >> (i % 8);
        }
    }
    let s = SequenceHeader::parse(&d).expect("reduced");
    assert!(s.still_picture && s.reduced_still_picture_header);
    assert_eq!((s.max_frame_width, s.max_frame_height), (64, 48));
    // Every frame of such a sequence is a key frame, with no frame_type bits.
    let mut tu = vec![0x0a, d.len() as u8];
    tu.extend_from_slice(&d);
    tu.extend_from_slice(&[0x32, 0x01, 0xff]);
    assert_eq!(temporal_unit_is_key(&tu), Some(true));
}

#[test]
fn key_temporal_units() {
    assert_eq!(temporal_unit_is_key(&temporal_unit(true, 0x10)), Some(true));
    assert_eq!(
        temporal_unit_is_key(&temporal_unit(false, 0x30)),
        Some(false)
    );
    // A key frame header without a sequence header is not a key chunk.
    assert_eq!(
        temporal_unit_is_key(&temporal_unit(false, 0x10)),
        Some(false)
    );
    // show_existing_frame.
    assert_eq!(
        temporal_unit_is_key(&temporal_unit(true, 0x80)),
        Some(false)
    );
    // A temporal delimiter alone, a broken sequence header: cannot tell.
    assert_eq!(temporal_unit_is_key(&[0x12, 0x00]), None);
    assert_eq!(
        temporal_unit_is_key(&[0x0a, 0x01, 0x00, 0x32, 0x01, 0x10]),
        None
    );
    // The last OBU may omit its size.
    assert_eq!(temporal_unit_is_key(&[0x12, 0x00, 0x30, 0x30]), Some(false));
}

#[test]
fn obu_chains() {
    let tu = temporal_unit(true, 0x10);
    let obus: Vec<_> = Obus::new(&tu)
        .map(|o| o.map(|o| (o.obu_type, o.payload.len())))
        .collect();
    assert_eq!(obus, [Ok((2, 0)), Ok((1, 10)), Ok((6, 3))]);
    assert!(obus_are_valid(&tu));
    // Extension header: temporal_id 2, spatial_id 1.
    let ext = [0x36, 0b0100_1000, 0x01, 0x30];
    let o = Obus::new(&ext).next().expect("one").expect("valid");
    assert_eq!((o.obu_type, o.temporal_id, o.spatial_id), (6, 2, 1));
    assert!(obus_are_valid(&[0x12, 0x00, 0x32, 0x01, 0x20]));
    assert!(
        !obus_are_valid(&[0x12, 0x00, 0x32, 0x05, 0x20]),
        "size past the end"
    );
    assert!(!obus_are_valid(&[0xff, 0x00]), "forbidden bit");
    assert!(!obus_are_valid(&[0x10]), "no size field");
    assert!(!obus_are_valid(&[]));
    assert!(!obus_are_valid(&[0x12, 0x80]), "leb128 cut short");
}

proptest! {
    #[test]
    fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = SequenceHeader::parse(&data);
        let _ = temporal_unit_is_key(&data);
        let _ = obus_are_valid(&data);
        for o in Obus::new(&data).flatten() {
            prop_assert!(o.payload.len() < data.len());
        }
    }

    /// Bit flips of a real sequence header never panic; what parses keeps its invariants.
    #[test]
    fn sequence_header_flips(flips in proptest::collection::vec((0usize..10, 0u8..8), 0..4),
                             tail in proptest::collection::vec(any::<u8>(), 0..8)) {
        let mut d = SEQ_8BIT.to_vec();
        for (i, b) in flips { d[i] ^= 1 << b; }
        d.extend_from_slice(&tail);
        if let Ok(s) = SequenceHeader::parse(&d) {
            prop_assert!(s.seq_profile <= 2);
            prop_assert!(matches!(s.bit_depth, 8 | 10 | 12));
            prop_assert!(!s.operating_points.is_empty() && s.operating_points.len() <= 32);
            prop_assert!(s.max_frame_width >= 1 && s.max_frame_height >= 1);
        }
    }
}
