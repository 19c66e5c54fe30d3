//! `media_parse::image::exif` (JPEG APP1 segments, TIFF IFD0): never panics; an orientation it
//! reports is 1 to 8, and every orientation written in either byte order reads back.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::image::exif::{app1_with_orientation, jpeg_orientation, tiff_orientation};

fuzz_target!(|data: &[u8]| {
    assert!(jpeg_orientation(data).map_or(true, |o| (1..=8).contains(&o)));
    assert!(tiff_orientation(data).map_or(true, |o| (1..=8).contains(&o)));
    if let [o, le, ..] = data {
        let o = u16::from(o % 8 + 1);
        let mut d = vec![0xFF, 0xD8];
        d.extend(app1_with_orientation(o, le & 1 == 1));
        d.extend_from_slice(&data[2..]);
        assert_eq!(jpeg_orientation(&d), Some(o));
    }
});
