//! AV1 OBU chains and sequence headers: never panic; the chain validity check agrees with the
//! OBU iterator, and every parsed sequence header keeps its invariants.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::video::av1::{
    obus_are_valid, temporal_unit_is_key, Obus, SequenceHeader, OBU_SEQUENCE_HEADER,
};

fuzz_target!(|data: &[u8]| {
    let mut all_sized = !data.is_empty();
    for obu in Obus::new(data) {
        let Ok(obu) = obu else {
            all_sized = false;
            break;
        };
        all_sized &= obu.has_size_field;
        assert!(obu.obu_type < 16 && obu.temporal_id < 8 && obu.spatial_id < 4);
        if obu.obu_type == OBU_SEQUENCE_HEADER {
            if let Ok(s) = SequenceHeader::parse(obu.payload) {
                assert!(s.seq_profile <= 2 && matches!(s.bit_depth, 8 | 10 | 12));
                assert!(!s.operating_points.is_empty() && s.operating_points.len() <= 32);
                assert!(s.max_frame_width > 0 && s.max_frame_height > 0);
                assert!(s.subsampling_x || !s.subsampling_y);
            }
        }
    }
    assert_eq!(obus_are_valid(data), all_sized);
    let _ = temporal_unit_is_key(data);
    // The payload alone, as a sequence header.
    let _ = SequenceHeader::parse(data);
});
