//! `HevcDecoderConfigurationRecord::parse`: never panics; an accepted record has a NAL length
//! size of 1, 2 or 4, only VPS/SPS/PPS/SEI arrays whose units carry the array's type, and
//! re-serialises to bytes that parse to the same record.
#![no_main]
use codec_core::HevcDecoderConfigurationRecord;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(r) = HevcDecoderConfigurationRecord::parse(data) else {
        return;
    };
    assert!(matches!(r.nal_length_size, 1 | 2 | 4));
    assert!((8..=15).contains(&r.bit_depth_luma) && (8..=15).contains(&r.bit_depth_chroma));
    for a in &r.arrays {
        assert!(matches!(a.nal_unit_type, 32 | 33 | 34 | 39 | 40));
        for n in &a.nal_units {
            assert!(n.len() >= 2 && (n[0] >> 1) & 0x3f == a.nal_unit_type);
        }
    }
    let out = r.to_bytes();
    assert!(out.len() <= data.len(), "re-serialised record is no longer than the input");
    assert_eq!(HevcDecoderConfigurationRecord::parse(&out).as_ref(), Ok(&r));
});
