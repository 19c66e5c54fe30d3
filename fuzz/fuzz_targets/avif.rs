//! `media_parse::image::avif::parse` and `avif_sequence::parse_sequence` (ISOBMFF boxes, item
//! tables, grids, alpha, sample tables): never panic or hang on any input or prefix; item and
//! sample ranges they report are usable (`extents_data` only reads bytes that are there).
#![no_main]
use libfuzzer_sys::fuzz_target;
use media_parse::image::avif::{extents_data, parse};
use media_parse::image::avif_sequence::{parse_sequence, SequenceScan};

fuzz_target!(|data: &[u8]| {
    for d in [data, &data[..data.len() / 2]] {
        if let Ok(Some(img)) = parse(d) {
            assert!(img.av1c.len() >= 4);
            if let Some(bytes) = img.item_data(d) {
                assert_eq!(bytes.len(), img.extents.iter().map(|e| e.1).sum::<usize>());
            }
            if let Some(g) = &img.grid {
                assert_eq!(g.tiles.len() as u32, g.rows * g.columns);
                assert!(g.output_width > 0 && g.output_height > 0);
            }
            if let Some(a) = &img.alpha {
                let _ = extents_data(&a.extents, d);
            }
        }
        if let Ok(SequenceScan::Present(s)) = parse_sequence(d) {
            assert!(!s.samples.is_empty());
            assert_eq!(s.samples.len(), s.durations_us.len());
        }
    }
});
