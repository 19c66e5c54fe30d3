//! The kernels without `unsafe`: plain element-wise loops over fixed-size blocks that the
//! compiler turns into SIMD for the target's baseline (SSE2 `pmulhuw`/`paddsw`/`punpcklwd` on
//! x86-64, the NEON equivalents on AArch64). They also finish the rows the AVX2 kernels leave
//! (the last pixels of a row that do not fill a block). Terms are in pixel order.

use crate::coefficients::{out8, Coefficients};

/// The chroma terms of every sample of `u`/`v`, each written `DUP` times (the horizontal
/// subsampling) into `r`, `g` and `b` (pixel order); `DUP` 2 goes through `half` first.
/// Writes `min(u.len(), v.len()) · DUP` terms at most, fewer if the outputs are shorter.
pub(crate) fn chroma_terms<const DUP: usize>(
    u: &[u8],
    v: &[u8],
    k: &Coefficients,
    [r, g, b]: [&mut [i16]; 3],
    half: &mut [Vec<i16>; 3],
) {
    let n = u
        .len()
        .min(v.len())
        .min(r.len() / DUP)
        .min(g.len() / DUP)
        .min(b.len() / DUP);
    if DUP == 1 {
        fill(u, v, k, [&mut r[..n], &mut g[..n], &mut b[..n]]);
        return;
    }
    for h in half.iter_mut() {
        h.resize(n, 0);
    }
    let [hr, hg, hb] = half;
    fill(u, v, k, [&mut hr[..], &mut hg[..], &mut hb[..]]);
    for (full, half) in [(r, &hr[..]), (g, &hg[..]), (b, &hb[..])] {
        for (o, &h) in full.chunks_exact_mut(2).zip(half) {
            o[0] = h;
            o[1] = h;
        }
    }
}

/// One R, G and B term per sample of `u`/`v`.
fn fill(u: &[u8], v: &[u8], k: &Coefficients, [r, g, b]: [&mut [i16]; 3]) {
    for ((r, (g, b)), (&u, &v)) in r.iter_mut().zip(g.iter_mut().zip(b)).zip(u.iter().zip(v)) {
        (*r, *g, *b) = k.chroma(u, v);
    }
}

/// Pixels per block of the vectorised loop: one SSE2/NEON register of 16-bit lanes.
const LANES: usize = 8;

/// 255 for every pixel of a block (sources without alpha).
const OPAQUE: [u8; LANES] = [255; LANES];

/// Writes one row of RGB(A) pixels from luma `y`, the per-pixel chroma terms and `a` (alpha
/// per pixel, or 255): `y.len()` pixels, which every other slice must cover. `BGR` picks the
/// byte order at compile time. Whole blocks of [`LANES`] pixels go through [`block`], the rest
/// through the same arithmetic one by one.
#[inline(always)]
pub(crate) fn emit<const BGR: bool>(
    out: &mut [u8],
    y: &[u8],
    a: Option<&[u8]>,
    [tr, tg, tb]: [&[i16]; 3],
    k: &Coefficients,
) {
    let w = y.len();
    let split = w - w % LANES;
    let (body, tail) = out.split_at_mut(split * 4);
    let blocks = body
        .chunks_exact_mut(4 * LANES)
        .zip(y.chunks_exact(LANES))
        .zip(tr.chunks_exact(LANES).zip(tg.chunks_exact(LANES)))
        .zip(tb.chunks_exact(LANES));
    match a {
        Some(a) => {
            for ((((o, y), (r, g)), b), a) in blocks.zip(a.chunks_exact(LANES)) {
                block::<BGR>(o, y, a, (r, g, b), k);
            }
        }
        None => {
            for (((o, y), (r, g)), b) in blocks {
                block::<BGR>(o, y, &OPAQUE, (r, g, b), k);
            }
        }
    }
    let terms = tr[split..].iter().zip(&tg[split..]).zip(&tb[split..]);
    let pixels = tail.chunks_exact_mut(4).zip(&y[split..]).zip(terms);
    for (x, ((o, &y), ((&r, &g), &b))) in (split..).zip(pixels) {
        let [r, g, b] = k.apply(y, (r, g, b));
        let (first, third) = if BGR { (b, r) } else { (r, b) };
        let alpha = a.and_then(|a| a.get(x)).copied().unwrap_or(255);
        o.copy_from_slice(&[first, g, third, alpha]);
    }
}

/// One block of [`LANES`] pixels, written so that the compiler keeps it in registers: the
/// arithmetic of [`Coefficients::apply`] on 16-bit lanes, the channels saturated to bytes
/// (`packuswb`), paired R|G and B|A (`punpcklbw`) and the pairs joined into pixels
/// (`punpcklwd`/`punpckhwd`).
#[inline(always)]
fn block<const BGR: bool>(
    out: &mut [u8],
    y: &[u8],
    a: &[u8],
    (r, g, b): (&[i16], &[i16], &[i16]),
    k: &Coefficients,
) {
    type Px = [u8; LANES];
    type Terms = [i16; LANES];
    let (Ok(out), Ok(y), Ok(a), Ok(r), Ok(g), Ok(b)) = (
        <&mut [u8; 4 * LANES]>::try_from(out),
        <&Px>::try_from(y),
        <&Px>::try_from(a),
        <&Terms>::try_from(r),
        <&Terms>::try_from(g),
        <&Terms>::try_from(b),
    ) else {
        return;
    };
    let mut lo = [0u8; 2 * LANES];
    let mut hi = [0u8; 2 * LANES];
    for i in 0..LANES {
        let l = k.luma(y[i]);
        let (r, g, b) = (
            out8(l.saturating_add(r[i])),
            out8(l.saturating_add(g[i])),
            out8(l.saturating_add(b[i])),
        );
        let (first, third) = if BGR { (b, r) } else { (r, b) };
        lo[2 * i] = first;
        lo[2 * i + 1] = g;
        hi[2 * i] = third;
        hi[2 * i + 1] = a[i];
    }
    for i in 0..LANES {
        out[4 * i..4 * i + 2].copy_from_slice(&lo[2 * i..2 * i + 2]);
        out[4 * i + 2..4 * i + 4].copy_from_slice(&hi[2 * i..2 * i + 2]);
    }
}
