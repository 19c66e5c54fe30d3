//! VP9 uncompressed headers: never panic; `is_key` agrees with the full header parse.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::video::vp9::{is_key, FrameHeader};

fuzz_target!(|data: &[u8]| {
    let key = is_key(data);
    if let Ok(h) = FrameHeader::parse(data) {
        assert!(h.profile < 4);
        assert_eq!(key, Some(h.key_frame));
        assert_eq!(h.key_frame, h.key_frame_info.is_some());
        if let Some(k) = h.key_frame_info {
            assert!(matches!(k.bit_depth, 8 | 10 | 12) && k.color_space < 8);
            assert!(k.width > 0 && k.height > 0);
        }
    }
});
