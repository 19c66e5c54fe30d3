use super::*;

/// BT.709 limited range, BT.601 full range.
fn coefficient_sets() -> [Coefficients; 2] {
    [
        Coefficients::new(0.2126, 0.0722, false),
        Coefficients::new(0.299, 0.114, true),
    ]
}

/// Deterministic bytes covering every value (a small LCG).
fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 24) as u8
        })
        .collect()
}

fn isas() -> Vec<Isa> {
    [Isa::Portable, Isa::Avx2]
        .into_iter()
        .filter(|i| i.available())
        .collect()
}

/// Every kernel writes exactly `Coefficients::pixel` of each pixel's own samples, for planar and
/// interleaved chroma, 4:4:4 and subsampled rows, one or two rows per chroma row, with and
/// without alpha, in both orders, at widths around the SIMD step (tails of every length), and
/// leaves the bytes after the row alone.
#[test]
fn every_kernel_writes_the_pixel_formula() {
    for k in coefficient_sets() {
        for width in [
            1usize, 2, 7, 15, 16, 31, 32, 33, 47, 63, 64, 65, 96, 130, 257,
        ] {
            for dup in [false, true] {
                let cw = if dup { width.div_ceil(2) } else { width };
                let (u, v) = (noise(cw, 3), noise(cw, 4));
                let uv: Vec<u8> = u.iter().zip(&v).flat_map(|(&u, &v)| [u, v]).collect();
                for isa in isas() {
                    let mut rc = RowConverter::with_isa(isa, k, width, dup).expect("available");
                    assert_eq!(rc.isa(), isa);
                    for (interleaved, alpha, order, count) in [
                        (false, false, Order::Rgba, 1),
                        (false, true, Order::Bgra, 2),
                        (true, false, Order::Bgra, 2),
                        (true, true, Order::Rgba, 1),
                    ] {
                        let ys: Vec<Vec<u8>> = (0..count).map(|i| noise(width, 10 + i)).collect();
                        let alphas: Vec<Vec<u8>> =
                            (0..count).map(|i| noise(width, 20 + i)).collect();
                        let mut outs = vec![vec![7u8; width * 4 + 5]; count as usize];
                        let mut rows: Vec<Row<'_>> = outs
                            .iter_mut()
                            .zip(ys.iter().zip(&alphas))
                            .map(|(out, (y, a))| Row {
                                y,
                                alpha: alpha.then_some(&a[..]),
                                out,
                            })
                            .collect();
                        let chroma = if interleaved {
                            Chroma::Interleaved(&uv)
                        } else {
                            Chroma::Planar(&u, &v)
                        };
                        rc.convert(chroma, &mut rows, order);
                        for (r, out) in outs.iter().enumerate() {
                            for x in 0..width {
                                let c = if dup { x / 2 } else { x };
                                let [red, g, b] = k.pixel(ys[r][x], u[c], v[c]);
                                let rgb = if order == Order::Bgra {
                                    [b, g, red]
                                } else {
                                    [red, g, b]
                                };
                                let a = if alpha { alphas[r][x] } else { 255 };
                                assert_eq!(
                                    out[4 * x..4 * x + 4],
                                    [rgb[0], rgb[1], rgb[2], a],
                                    "{isa:?} width {width} dup {dup} interleaved {interleaved} \\
                                     alpha {alpha} row {r} x {x}"
                                );
                            }
                            assert!(
                                out[width * 4..].iter().all(|&b| b == 7),
                                "{isa:?} wrote past the row"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Rows, chroma and outputs shorter than the width convert the pixels all of them cover, the
/// same way, and leave the rest alone, without panicking.
#[test]
fn short_inputs_convert_what_they_all_cover() {
    let k = Coefficients::new(0.2126, 0.0722, false);
    for isa in isas() {
        let mut rc = RowConverter::with_isa(isa, k, 100, true).expect("available");
        let (y, a) = (noise(90, 1), noise(80, 2));
        let (u, v) = (noise(50, 3), noise(36, 4));
        let mut out = vec![0u8; 100 * 4];
        let mut row = [Row {
            y: &y,
            alpha: Some(&a),
            out: &mut out,
        }];
        // Chroma covers 72 pixels, alpha 80, luma 90: 72 are converted.
        rc.convert(Chroma::Planar(&u, &v), &mut row, Order::Rgba);
        for x in 0..72 {
            let [r, g, b] = k.pixel(y[x], u[x / 2], v[x / 2]);
            assert_eq!(out[4 * x..4 * x + 4], [r, g, b, a[x]], "{isa:?} x {x}");
        }
        assert!(out[72 * 4..].iter().all(|&b| b == 0), "{isa:?}");
        let mut small = vec![0u8; 33 * 4 + 2];
        let mut row = [Row {
            y: &y,
            alpha: None,
            out: &mut small,
        }];
        rc.convert(Chroma::Interleaved(&[128; 7]), &mut row, Order::Bgra);
        // 3 chroma pairs cover 6 pixels.
        assert_eq!(&small[5 * 4..6 * 4], &{
            let [r, g, b] = k.pixel(y[5], 128, 128);
            [b, g, r, 255]
        });
        assert!(small[6 * 4..].iter().all(|&b| b == 0));
    }
}

/// Every luma code with extreme and neutral chroma through the SIMD path equals the formula
/// (the saturating, biased arithmetic of the AVX2 kernels at its limits).
#[test]
fn extremes_match_the_formula() {
    let codes = [0u8, 1, 16, 127, 128, 129, 235, 240, 254, 255];
    for k in [
        Coefficients::new(0.2126, 0.0722, false),
        Coefficients::new(0.2627, 0.0593, false),
        Coefficients::new(0.299, 0.114, true),
        Coefficients::new(0.2627, 0.0593, true),
    ] {
        for isa in isas() {
            for &cb in &codes {
                for &cr in &codes {
                    let y: Vec<u8> = (0..=255).collect();
                    let mut rc = RowConverter::with_isa(isa, k, 256, false).expect("available");
                    let mut out = vec![0u8; 256 * 4];
                    let (u, v) = ([cb; 256], [cr; 256]);
                    let mut row = [Row {
                        y: &y,
                        alpha: None,
                        out: &mut out,
                    }];
                    rc.convert(Chroma::Planar(&u, &v), &mut row, Order::Rgba);
                    for x in 0..256 {
                        let [r, g, b] = k.pixel(x as u8, cb, cr);
                        assert_eq!(
                            out[4 * x..4 * x + 4],
                            [r, g, b, 255],
                            "{isa:?} {x} {cb} {cr}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn detect_picks_an_available_isa() {
    assert!(Isa::detect().available());
    assert!(Isa::Portable.available());
    #[cfg(target_arch = "x86_64")]
    assert_eq!(Isa::Avx2.available(), std::is_x86_feature_detected!("avx2"));
}
