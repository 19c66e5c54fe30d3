//! `Avcc::parse` and `avcc_from_annexb`: never panic; an accepted
//! record re-serialises to bytes that parse to the same record; a record built from Annex B
//! parameter sets parses back to them (the units with the forbidden bit set left out).
#![no_main]
mod common;

use libfuzzer_sys::fuzz_target;
use media_parse::video::h264::{avcc_from_annexb, AvcDecoderConfigurationRecord as Avcc};
use media_parse::video::AnnexBNals;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Avcc::parse(data) {
        assert!(matches!(r.nal_length_size, 1 | 2 | 4));
        assert!(!r.sps.is_empty() && r.sps.len() < 32 && r.pps.len() < 256);
        common::assert_reserialises(data, &r, &r.to_bytes(), Avcc::parse);
    }
    if let Some(c) = avcc_from_annexb(data) {
        let r = Avcc::parse(&c).expect("a built avcC parses");
        let units: Vec<&[u8]> = AnnexBNals::new(data).collect();
        let of = |t: u8| -> Vec<Vec<u8>> {
            units
                .iter()
                .filter(|u| u[0] & 0x80 == 0 && u[0] & 0x1f == t)
                .map(|u| u.to_vec())
                .collect()
        };
        assert_eq!(r.sps, of(7));
        assert_eq!(r.pps, of(8));
        assert_eq!(r.nal_length_size, 4);
    }
});
