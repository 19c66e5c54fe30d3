//! `media_parse::image::jpeg::scan` (markers, scans, progressive tracking, Adobe APP14,
//! component ids): never panics; every offset it reports lies inside the data; a prefix that is
//! not malformed never has more complete scans than the whole.
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::image::jpeg::scan;

fuzz_target!(|data: &[u8]| {
    let s = scan(data);
    assert!(s.scans_end <= data.len());
    assert!(s.end.map_or(true, |e| e <= data.len()));
    assert!(s.component_ids.iter().all(|&o| o < data.len()));
    assert!(s.adobe_transform.map_or(true, |(o, t)| data.get(o) == Some(&t)));
    let p = scan(&data[..data.len() / 2]);
    if !p.malformed && !s.malformed {
        assert!(p.complete_scans <= s.complete_scans);
    }
});
