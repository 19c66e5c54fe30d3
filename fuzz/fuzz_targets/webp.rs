//! `media_parse::image::webp::scan` (RIFF, VP8X, ANIM, ANMF) and the frame rewrap: never panic;
//! frames lie inside the data and the canvas (at most 16383 a side); every rewrapped frame is a
//! RIFF file whose size field matches its length.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::image::webp::{riff_end, scan, MAX_CANVAS};

fuzz_target!(|data: &[u8]| {
    let _ = riff_end(data);
    let Ok(Some(s)) = scan(data) else { return };
    assert!(s.canvas_width <= MAX_CANVAS && s.canvas_height <= MAX_CANVAS);
    for f in &s.frames {
        assert!(f.start <= f.end && f.end <= data.len());
        assert!(f.x + f.width <= s.canvas_width && f.y + f.height <= s.canvas_height);
        let w = f.standalone(data).expect("a scanned frame's bytes are in the data");
        assert_eq!(riff_end(&w), Some(w.len()));
    }
});
