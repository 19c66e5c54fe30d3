//! `AvcDecoderConfigurationRecord::parse`: never panics; an accepted record re-serialises to
//! bytes that parse to the same record.
#![no_main]
use codec_core::AvcDecoderConfigurationRecord;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(r) = AvcDecoderConfigurationRecord::parse(data) else {
        return;
    };
    assert!(matches!(r.nal_length_size, 1 | 2 | 4));
    assert!(!r.sps.is_empty() && r.sps.len() < 32 && r.pps.len() < 256);
    let mut out = vec![
        1,
        r.profile_idc,
        r.profile_compatibility,
        r.level_idc,
        0xfc | (r.nal_length_size - 1),
        0xe0 | r.sps.len() as u8,
    ];
    for s in &r.sps {
        out.extend_from_slice(&(s.len() as u16).to_be_bytes());
        out.extend_from_slice(s);
    }
    out.push(r.pps.len() as u8);
    for p in &r.pps {
        out.extend_from_slice(&(p.len() as u16).to_be_bytes());
        out.extend_from_slice(p);
    }
    assert_eq!(AvcDecoderConfigurationRecord::parse(&out).as_ref(), Ok(&r));
});
