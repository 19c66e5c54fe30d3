//! Image containers: ISOBMFF/AVIF (items, grids, alpha, sequences), PNG/APNG chunks, GIF blocks,
//! WebP RIFF chunks (`VP8X`, `ANIM`, `ANMF`), JPEG markers and scans, EXIF orientation and the
//! ICO directory.
//!
//! Every scanner works on a prefix of the file as it streams in: "not enough data yet" is
//! `Ok(None)` (or an explicit variant), never an error, and what a scanner reports (frame
//! ranges, item extents) lies inside the data it was given.

pub mod avif;
pub mod avif_sequence;
pub mod exif;
pub mod gif;
pub mod ico;
pub mod isobmff;
pub mod jpeg;
pub mod png;
pub mod webp;

/// The first `keep` bytes of `base` (all of it if it is shorter) followed by `rest`: the start
/// of a valid file and random bytes after it, for the scanners' property tests.
#[cfg(test)]
fn after_prefix(base: &[u8], keep: usize, rest: Vec<u8>) -> Vec<u8> {
    let mut d = base[..keep.min(base.len())].to_vec();
    d.extend(rest);
    d
}

/// Every scanner on real files (the WPT fixtures next to the repository, and the project's own
/// test images) after random damage: the invariants the cargo-fuzz targets check, on every
/// `cargo test`. Files that are absent are skipped.
#[cfg(test)]
mod fixture_mutations {
    use proptest::prelude::*;

    const FILES: [&str; 10] = [
        "shared/fixtures/wpt-media/four-colors.gif",
        "shared/fixtures/wpt-media/four-colors-flip.gif",
        "shared/fixtures/wpt-media/four-colors.png",
        "shared/fixtures/wpt-media/four-colors.webp",
        "shared/fixtures/wpt-media/four-colors-flip.avif",
        "shared/fixtures/wpt-media/four-colors.jpg",
        "webcodecs/test/image/fixtures/grid.avif",
        "webcodecs/test/image/fixtures/alpha.avif",
        "webcodecs/test/image/fixtures/progressive.jpg",
        "webcodecs/test/image/fixtures/cmyk-420.jpg",
    ];

    fn files() -> Vec<Vec<u8>> {
        let up = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        FILES
            .iter()
            .filter_map(|f| match f.strip_prefix("webcodecs/") {
                Some(own) => std::fs::read(repo.join(own)).ok(),
                None => std::fs::read(up.join(f)).ok(),
            })
            .collect()
    }

    fn check(d: &[u8]) -> Result<(), TestCaseError> {
        use super::*;
        if let Ok(Some(s)) = gif::scan(d) {
            prop_assert!(s.frames.iter().all(|f| f.start < f.end && f.end <= d.len()));
        }
        if let Ok(Some(s)) = png::scan(d) {
            prop_assert!(s.frames.iter().all(|f| f.start < f.end && f.end <= d.len()));
        }
        if let Ok(Some(s)) = webp::scan(d) {
            for f in &s.frames {
                prop_assert!(f.standalone(d).is_some());
            }
        }
        if let Ok(Some(img)) = avif::parse(d) {
            prop_assert!(img.av1c.len() >= 4);
        }
        let _ = avif_sequence::parse_sequence(d);
        let s = jpeg::scan(d);
        prop_assert!(s.scans_end <= d.len() && s.component_ids.iter().all(|&o| o < d.len()));
        prop_assert!(exif::jpeg_orientation(d).is_none_or(|o| (1..=8).contains(&o)));
        if let Ok(Some(e)) = ico::parse(d) {
            let _ = e.packet(d);
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn damaged_fixtures(pick in any::<usize>(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8), cut in any::<usize>()) {
            let files = files();
            if files.is_empty() {
                return Ok(());
            }
            let mut d = files[pick % files.len()].clone();
            let n = d.len();
            for (at, v) in flips {
                d[at % n] ^= v;
            }
            check(&d)?;
            check(&d[..cut % (n + 1)])?;
        }
    }
}
