//! The other audio decoder descriptions: `OpusHead::parse` and FLAC's `streaminfo`: never
//! panic; what they accept is consistent.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::audio::{flac, opus::OpusHead};

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = OpusHead::parse(data) {
        assert!(h.channels > 0 && data.len() >= 19);
        match &h.mapping {
            None => assert!(h.mapping_family == 0 && h.channels <= 2),
            Some(m) => {
                assert_eq!(m.mapping.len(), usize::from(h.channels));
                assert!(m.streams > 0 && m.coupled <= m.streams);
                assert!(data.len() >= 21 + usize::from(h.channels));
            }
        }
    }
    if let Ok(si) = flac::streaminfo(data) {
        let at = if data.len() == flac::STREAMINFO_SIZE {
            0
        } else {
            8
        };
        assert_eq!(&si[..], &data[at..at + flac::STREAMINFO_SIZE]);
    }
});
