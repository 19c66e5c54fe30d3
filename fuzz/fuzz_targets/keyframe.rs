//! `chunk_is_key` and `has_slice_nal` for every codec and framing (the checks `decode()` runs
//! on every chunk labelled "key"): never panic. The first byte picks the codec and framing.
#![no_main]
#[path = "framing.rs"]
mod framing;

use libfuzzer_sys::fuzz_target;
use media_parse::video::{chunk_is_key, has_slice_nal};

const CODECS: [&str; 7] = [
    "vp8",
    "vp09.00.10.08",
    "av01.0.04M.08",
    "avc1.42001f",
    "avc3.64001f",
    "hvc1.1.6.L93.B0",
    "hev1.1.6.L93.B0",
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, chunk)) = data.split_first() else {
        return;
    };
    let codec = CODECS[usize::from(sel & 7) % CODECS.len()];
    let framing = framing::framing(sel >> 6);
    let key = chunk_is_key(codec, chunk, framing);
    if chunk.is_empty() {
        assert_eq!(key, None);
    }
    let _ = has_slice_nal(codec.starts_with('h'), chunk, framing);
});
