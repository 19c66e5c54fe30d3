//! The pure container scanners (GIF, PNG/APNG, WebP, AVIF, ICO, JPEG EXIF) over mutated fixtures
//! and random bytes: they must never panic, and the frame ranges they report lie inside the
//! data. (They live in this FFmpeg-linked crate, so this loop stands in for a cargo-fuzz
//! target.) Iterations: `SCAN_FUZZ_ITERS`, else 16 × `PROPTEST_CASES` when that is set (as
//! under `scripts/leakcheck.sh`), else 8,000 (about 10 s in a debug build). For a long run:
//! `SCAN_FUZZ_ITERS=2000000 cargo test --release -p codec-ffmpeg --lib scan_fuzz`.

use std::path::Path;

use super::{avif, exif, gif, ico, png, webp};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn seeds() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/wpt-media");
    let mut out: Vec<Vec<u8>> = [
        "four-colors.gif",
        "four-colors-flip.gif",
        "four-colors.png",
        "four-colors.webp",
        "four-colors-limited-range-420-8bpc.webp",
        "four-colors.avif",
        "four-colors-flip.avif",
        "four-colors.jpg",
    ]
    .iter()
    .filter_map(|f| std::fs::read(dir.join(f)).ok())
    .collect();
    // Bare signatures, so the loop also runs without the fixtures.
    out.push(b"GIF89a\x10\x00\x10\x00\x80\x00\x00".to_vec());
    out.push(png::SIGNATURE.to_vec());
    out.push(
        b"RIFF\x40\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x02\x00\x00\x00\x07\x00\x00\x05\x00\x00"
            .to_vec(),
    );
    out.push(
        b"\x00\x00\x01\x00\x01\x00\x10\x10\x00\x00\x01\x00\x20\x00\x10\x00\x00\x00\x16\x00\x00\x00"
            .to_vec(),
    );
    out.push(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf".to_vec());
    out
}

fn mutate(rng: &mut Rng, d: &mut Vec<u8>, pool: &[Vec<u8>]) {
    let at = rng.below(d.len() + 1);
    match rng.below(7) {
        0 => d.truncate(at),
        1 => {
            for _ in 0..1 + rng.below(8) {
                if !d.is_empty() {
                    let i = rng.below(d.len());
                    d[i] ^= 1 << rng.below(8);
                }
            }
        }
        2 => {
            // A big-endian or little-endian length field made huge or zero.
            let v = [0xff, 0x7f, 0x80, 0x00][rng.below(4)];
            let end = (at + 4).min(d.len());
            d[at..end].fill(v);
        }
        3 => {
            let o = &pool[rng.below(pool.len())];
            let from = rng.below(o.len());
            d.truncate(at);
            d.extend_from_slice(&o[from..]);
        }
        4 => {
            let n = rng.below(64);
            let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            d.splice(at..at, bytes);
        }
        5 => {
            let end = (at + 1 + rng.below(200)).min(d.len());
            d.drain(at..end);
        }
        _ => {
            let end = (at + 1 + rng.below(200)).min(d.len());
            let dup = d[at..end].to_vec();
            d.splice(at..at, dup);
        }
    }
}

fn scan_all(d: &[u8]) {
    if let Ok(Some(s)) = gif::scan(d) {
        for f in &s.frames {
            assert!(f.start <= f.end && f.end <= d.len(), "GIF frame {f:?}");
        }
    }
    if let Ok(Some(s)) = png::scan(d) {
        assert!(s.header_end <= d.len());
        for f in &s.frames {
            assert!(f.start <= f.end && f.end <= d.len(), "PNG frame {f:?}");
        }
    }
    if let Ok(Some(s)) = webp::scan(d) {
        for f in &s.frames {
            assert!(f.start <= f.end && f.end <= d.len(), "WebP frame {f:?}");
            assert!(f.x + f.width <= s.canvas_width && f.y + f.height <= s.canvas_height);
            let _ = f.standalone(d);
        }
    }
    let _ = avif::parse(d);
    let _ = avif::parse_sequence(d);
    let _ = ico::parse(d);
    let _ = exif::jpeg_orientation(d);
}

#[test]
fn scanners_never_panic_on_mutated_images() {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<usize>().ok());
    let iters = env("SCAN_FUZZ_ITERS")
        .or_else(|| env("PROPTEST_CASES").map(|c| c * 16))
        .unwrap_or(8_000);
    let pool = seeds();
    let mut rng = Rng(0x5eed_1a6e_d0c0_ffee);
    for i in 0..iters {
        let mut d = pool[i % pool.len()].clone();
        for _ in 0..1 + rng.below(4) {
            mutate(&mut rng, &mut d, &pool);
        }
        scan_all(&d);
        // As data streams in, every prefix is scanned.
        let cut = rng.below(d.len() + 1);
        scan_all(&d[..cut]);
    }
    // And pure noise.
    for _ in 0..iters / 10 {
        let n = rng.below(512);
        let d: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        scan_all(&d);
    }
}
