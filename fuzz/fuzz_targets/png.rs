//! `media_parse::image::png::scan` (PNG/APNG chunks): never panics; frames tile the data from
//! the header's end, in order, inside it; every prefix scans to no more frames than the whole.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::image::png::scan;

fuzz_target!(|data: &[u8]| {
    let Ok(Some(s)) = scan(data) else { return };
    assert!(s.width > 0 && s.height > 0);
    assert!(s.header_end <= data.len());
    let mut at = s.header_end;
    for f in &s.frames {
        assert!(f.start >= at && f.start < f.end && f.end <= data.len());
        at = f.end;
    }
    let half = scan(&data[..data.len() / 2]);
    if let Ok(Some(p)) = half {
        assert!(p.frames.len() <= s.frames.len());
    }
});
