//! `media_parse::image::ico` (directory, DIB rebuild): never panics; a rebuilt packet comes
//! only from bytes that are in the data (a PNG entry is those bytes, a DIB gains a 14-byte
//! BMP file header).
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::image::ico::parse;

fuzz_target!(|data: &[u8]| {
    let Ok(Some(e)) = parse(data) else { return };
    assert!(e.size >= 8);
    if let Some(p) = e.packet(data) {
        assert!(e.offset + e.size <= data.len());
        assert_eq!(p.len(), if e.png { e.size } else { e.size + 14 });
    }
});
