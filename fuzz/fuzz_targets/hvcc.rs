//! `Hvcc::parse` and `hvcc_from_annexb`: never panic; an accepted
//! record has a NAL length size of 1, 2 or 4, only VPS/SPS/PPS/SEI arrays whose units carry the
//! array's type, and re-serialises to bytes that parse to the same record; a record built from
//! Annex B parameter sets parses back.
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use media_parse::video::hevc::{hvcc_from_annexb, HevcDecoderConfigurationRecord as Hvcc, NAL_SPS};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Hvcc::parse(data) {
        assert!(matches!(r.nal_length_size, 1 | 2 | 4));
        assert!((8..=15).contains(&r.bit_depth_luma) && (8..=15).contains(&r.bit_depth_chroma));
        for a in &r.arrays {
            assert!(matches!(a.nal_unit_type, 32 | 33 | 34 | 39 | 40));
            for n in &a.nal_units {
                assert!(n.len() >= 2 && (n[0] >> 1) & 0x3f == a.nal_unit_type);
            }
        }
        common::assert_reserialises(data, &r, &r.to_bytes(), Hvcc::parse);
    }
    if let Some(c) = hvcc_from_annexb(data) {
        let r = Hvcc::parse(&c).expect("a built hvcC parses");
        assert_eq!(r.arrays.len(), 3);
        assert!(r.nal_units(NAL_SPS).next().is_some());
        assert_eq!(r.to_bytes(), c);
    }
});
