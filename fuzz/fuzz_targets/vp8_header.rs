//! VP8 frame tags and key frame headers: never panic; the checks agree with each other.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::video::vp8::{is_key, tag_is_valid, FrameTag, KeyFrameHeader};

fuzz_target!(|data: &[u8]| {
    let tag = FrameTag::parse(data);
    if tag_is_valid(data) {
        let t = tag.expect("a valid tag parses");
        assert!(t.version <= 3);
        assert!(t.header_size() + t.first_partition_size as usize <= data.len());
    }
    if let Ok(k) = KeyFrameHeader::parse(data) {
        assert!(k.horizontal_scale < 4 && k.vertical_scale < 4);
        assert_eq!(is_key(data), Some(true));
    }
    if let Ok(t) = tag {
        if !t.key_frame {
            assert_eq!(is_key(data), Some(false));
        }
    }
});
