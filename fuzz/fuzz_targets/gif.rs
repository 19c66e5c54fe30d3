//! `media_parse::image::gif::scan` (GIF blocks): never panics; frames tile the data from its
//! start, in order, inside it; a prefix never has more frames than the whole.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::image::gif::scan;

fuzz_target!(|data: &[u8]| {
    let Ok(Some(s)) = scan(data) else { return };
    assert!(s.width > 0 && s.height > 0);
    let mut at = 0;
    for f in &s.frames {
        assert_eq!(f.start, at);
        assert!(f.end > f.start && f.end <= data.len());
        at = f.end;
    }
    if let Ok(Some(p)) = scan(&data[..data.len() / 2]) {
        assert!(p.frames.len() <= s.frames.len());
    }
});
