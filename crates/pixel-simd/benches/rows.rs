//! The row kernels alone, on rows that stay in the L1/L2 cache: nanoseconds per pixel of each
//! instruction set this CPU runs, for 4:2:0 rows (two luma rows per chroma row), 4:4:4 rows and
//! NV12's interleaved chroma. Short runs, best of many: on a loaded machine some are not
//! preempted. `cargo bench -p pixel-simd --bench rows` (`WIDTH=n` for another row width).
#![allow(clippy::unwrap_used, missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use pixel_simd::{Chroma, Coefficients, Isa, Order, Row, RowConverter};

fn main() {
    let width: usize = std::env::var("WIDTH")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(1920);
    let pairs = 100;
    let k = Coefficients::new(0.2126, 0.0722, false);
    let y: Vec<u8> = (0..width).map(|i| (i * 7 % 251) as u8).collect();
    let u: Vec<u8> = (0..width).map(|i| (i * 5 % 241) as u8).collect();
    let v: Vec<u8> = (0..width).map(|i| (i * 3 % 239) as u8).collect();
    let uv: Vec<u8> = u.iter().zip(&v).flat_map(|(&u, &v)| [u, v]).collect();
    let (mut out0, mut out1) = (vec![0u8; width * 4], vec![0u8; width * 4]);
    for isa in [Isa::Portable, Isa::Avx2] {
        if !isa.available() {
            continue;
        }
        for (name, dup, interleaved) in [
            ("I420", true, false),
            ("I444", false, false),
            ("NV12", true, true),
        ] {
            let mut rc = RowConverter::with_isa(isa, k, width, dup).unwrap();
            let mut best = f64::MAX;
            for _ in 0..500 {
                let t = Instant::now();
                for _ in 0..pairs {
                    let chroma = if interleaved {
                        Chroma::Interleaved(&uv)
                    } else {
                        Chroma::Planar(&u, &v)
                    };
                    let mut rows = [
                        Row {
                            y: black_box(&y),
                            alpha: None,
                            out: &mut out0,
                        },
                        Row {
                            y: black_box(&y),
                            alpha: None,
                            out: &mut out1,
                        },
                    ];
                    if dup {
                        rc.convert(chroma, &mut rows, Order::Rgba);
                    } else {
                        let [a, b] = &mut rows;
                        rc.convert(chroma, std::slice::from_mut(a), Order::Rgba);
                        rc.convert(chroma, std::slice::from_mut(b), Order::Rgba);
                    }
                }
                black_box((&out0, &out1));
                best = best.min(t.elapsed().as_secs_f64());
            }
            let ns = best * 1e9 / (2 * pairs * width) as f64;
            println!("{isa:?} {name}: {ns:.3} ns/pixel");
        }
    }
}
