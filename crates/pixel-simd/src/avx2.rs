//! The AVX2 kernels: 32 pixels per step in 16-bit lanes, computing exactly
//! [`Coefficients::pixel`] for every pixel, so they agree byte for byte with the portable ones.
//!
//! The only module of the crate allowed `unsafe`, for two things: the unaligned loads and stores
//! of the intrinsics (through references to arrays of exactly the register's size, so every
//! access stays inside its slice), and the calls into `#[target_feature(enable = "avx2")]`
//! code, which need an [`Avx2`] token, made only after `is_x86_feature_detected!("avx2")`.
//!
//! # Layout
//! The 32 bytes of a row's step, read as 16 words, hold pixel pair `j` in word `j`: the even
//! pixel in the low byte, the odd one in the high byte. So `w << 8` and `w & 0xff00` are the
//! even and odd samples times 256 without any shuffle, and a chroma sample shared by a pair
//! needs no repeating. The words are first put in `spread` order (pairs `0 1 4 5 8 9 12 13 |
//! 2 3 6 7 10 11 14 15`), which makes the final unpacks of pairs into pixels come out in memory
//! order with no cross-half shuffle. A step's chroma terms are computed in registers and used
//! for every luma row that shares them (both rows of a 4:2:0 pair), so all the row's streams
//! (luma, chroma, alpha, output) advance together, as the hardware prefetchers like.
//!
//! # Clamping
//! A channel is `clamp((l + t) >> 6, 0, 255)` for the luma term `l` and chroma term `t` (Q6).
//! The kernels store `l + 8192` and `t + 8192` (both still fit 16 bits), so one saturating add
//! gives `min(l + t + 16384, 32767)`, and a `max` with 16384 clamps the low end: the result `x`
//! is in 16384..=32767, whose bits 6–13 are the code. `x >> 6` has the code in its low byte and
//! `x << 2` in its high byte, so two channels join into a pixel's byte pair with one byte blend.
#![allow(unsafe_code)]

use core::arch::x86_64::*;

use crate::coefficients::{Coefficients, Term, FRAC};

/// The bias added to the stored luma and chroma terms (see the module doc).
const HALF_BIAS: i16 = 8192;

/// Proof that the CPU runs AVX2: the only way to reach the kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Avx2(());

impl Avx2 {
    /// The token, if this CPU has AVX2.
    pub(crate) fn detect() -> Option<Self> {
        is_x86_feature_detected!("avx2").then_some(Self(()))
    }

    /// Converts the first `steps` steps (32 pixels each) of every row in `rows` (RGBA, or BGRA
    /// when `bgr`) from their luma and alpha and the chroma of `chroma`: 16 samples of Cb and
    /// Cr per step when `shared` (subsampled), 32 otherwise (planar only: interleaved 4:4:4
    /// chroma converts nothing). The caller makes every slice cover the steps.
    pub(crate) fn convert(
        self,
        chroma: crate::Chroma<'_>,
        shared: bool,
        k: &Coefficients,
        steps: usize,
        rows: &mut [crate::Row<'_>],
        bgr: bool,
    ) {
        let alpha = rows.iter().any(|r| r.alpha.is_some());
        // SAFETY: the token exists only when the CPU has AVX2.
        unsafe {
            match (bgr, shared, alpha) {
                (false, true, false) => kernel::<false, true, false>(chroma, k, steps, rows),
                (false, true, true) => kernel::<false, true, true>(chroma, k, steps, rows),
                (true, true, false) => kernel::<true, true, false>(chroma, k, steps, rows),
                (true, true, true) => kernel::<true, true, true>(chroma, k, steps, rows),
                (false, false, false) => kernel::<false, false, false>(chroma, k, steps, rows),
                (false, false, true) => kernel::<false, false, true>(chroma, k, steps, rows),
                (true, false, false) => kernel::<true, false, false>(chroma, k, steps, rows),
                (true, false, true) => kernel::<true, false, true>(chroma, k, steps, rows),
            }
        }
    }
}

#[target_feature(enable = "avx2")]
#[inline]
fn load16(s: &[u8; 16]) -> __m128i {
    // SAFETY: `s` is 16 readable bytes; `loadu` has no alignment requirement.
    unsafe { _mm_loadu_si128(s.as_ptr().cast()) }
}

#[target_feature(enable = "avx2")]
#[inline]
fn load32(s: &[u8; 32]) -> __m256i {
    // SAFETY: `s` is 32 readable bytes; `loadu` has no alignment requirement.
    unsafe { _mm256_loadu_si256(s.as_ptr().cast()) }
}

#[target_feature(enable = "avx2")]
#[inline]
fn store32(d: &mut [u8; 32], v: __m256i) {
    // SAFETY: `d` is 32 writable bytes; `storeu` has no alignment requirement.
    unsafe { _mm256_storeu_si256(d.as_mut_ptr().cast(), v) }
}

/// 16 words `0..16` in the order `0 1 4 5 8 9 12 13 | 2 3 6 7 10 11 14 15` (see the module doc).
#[target_feature(enable = "avx2")]
#[inline]
fn spread(v: __m256i) -> __m256i {
    _mm256_permutevar8x32_epi32(v, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7))
}

/// `(s − 128) · 2^8` of 16 samples `s · 2^8`, the operand of [`Term::apply`]'s multiply.
#[target_feature(enable = "avx2")]
#[inline]
fn centred(s256: __m256i) -> __m256i {
    _mm256_xor_si256(s256, _mm256_set1_epi16(0x8000u16 as i16))
}

/// [`Term::apply`] on 16 lanes of [`centred`] samples.
#[target_feature(enable = "avx2")]
#[inline]
fn term(t: Term, c: __m256i) -> __m256i {
    _mm256_mulhrs_epi16(c, _mm256_set1_epi16(t.mul))
}

/// [`Coefficients::chroma`] on 16 lanes of [`centred`] Cb and Cr, each term plus
/// [`HALF_BIAS`].
#[target_feature(enable = "avx2")]
#[inline]
fn terms(k: &Coefficients, cb: __m256i, cr: __m256i) -> [__m256i; 3] {
    let bias = _mm256_set1_epi16(HALF_BIAS);
    let g = _mm256_add_epi16(term(k.cr_g, cr), term(k.cb_g, cb));
    [
        _mm256_add_epi16(term(k.cr_r, cr), bias),
        _mm256_sub_epi16(bias, g),
        _mm256_add_epi16(term(k.cb_b, cb), bias),
    ]
}

/// The low and high bytes of 16 words, each times 256 and [`centred`].
#[target_feature(enable = "avx2")]
#[inline]
fn bytes(w: __m256i) -> (__m256i, __m256i) {
    (
        centred(_mm256_slli_epi16::<8>(w)),
        centred(_mm256_and_si256(w, _mm256_set1_epi16(0xff00u16 as i16))),
    )
}

/// 16 bytes as 16 words times 256, [`centred`], in `spread` order.
#[target_feature(enable = "avx2")]
#[inline]
fn widen(s: &[u8; 16]) -> __m256i {
    centred(_mm256_slli_epi16::<8>(spread(_mm256_cvtepu8_epi16(
        load16(s),
    ))))
}

/// The [`centred`] Cb and Cr words of step `i`: of its pixel pairs (`SHARED`), or of its even
/// and odd pixels; `None` past the end of the samples.
#[target_feature(enable = "avx2")]
#[inline]
fn samples<const SHARED: bool>(
    chroma: &crate::Chroma<'_>,
    i: usize,
) -> Option<([__m256i; 2], [__m256i; 2])> {
    match *chroma {
        crate::Chroma::Planar(u, v) if SHARED => {
            let (u, v) = (u.as_chunks::<16>().0.get(i)?, v.as_chunks::<16>().0.get(i)?);
            let (u, v) = (widen(u), widen(v));
            Some(([u, u], [v, v]))
        }
        crate::Chroma::Planar(u, v) => {
            let (u, v) = (u.as_chunks::<32>().0.get(i)?, v.as_chunks::<32>().0.get(i)?);
            let (ue, uo) = bytes(spread(load32(u)));
            let (ve, vo) = bytes(spread(load32(v)));
            Some(([ue, uo], [ve, vo]))
        }
        crate::Chroma::Interleaved(uv) if SHARED => {
            let (u, v) = bytes(spread(load32(uv.as_chunks::<32>().0.get(i)?)));
            Some(([u, u], [v, v]))
        }
        // Interleaved 4:4:4 chroma (no WebCodecs format has it): the caller splits it.
        crate::Chroma::Interleaved(_) => None,
    }
}

/// The channel value `x` of the module doc from a biased luma and chroma term.
#[target_feature(enable = "avx2")]
#[inline]
fn channel(l: __m256i, t: __m256i) -> __m256i {
    _mm256_max_epi16(_mm256_adds_epi16(l, t), _mm256_set1_epi16(16384))
}

/// 16 pixel pairs (even pixels in `e`, odd in `o`, each as channel words `x` in R, G, B order
/// and alpha × 256) as 128 bytes of RGBA (BGRA when `BGR`).
#[target_feature(enable = "avx2")]
#[inline]
fn store_pairs<const BGR: bool>(out: &mut [u8; 128], e: [__m256i; 4], o: [__m256i; 4]) {
    let hi_byte = _mm256_set1_epi16(0xff00u16 as i16);
    // Byte pairs (first, G) and (third, A) of each pixel.
    let join = |[r, g, b, a]: [__m256i; 4]| {
        let (first, third) = if BGR { (b, r) } else { (r, b) };
        let fg = _mm256_blendv_epi8(
            _mm256_srli_epi16::<{ FRAC as i32 }>(first),
            _mm256_slli_epi16::<{ 8 - FRAC as i32 }>(g),
            hi_byte,
        );
        let ta = _mm256_blendv_epi8(_mm256_srli_epi16::<{ FRAC as i32 }>(third), a, hi_byte);
        (fg, ta)
    };
    let ((efg, eta), (ofg, ota)) = (join(e), join(o));
    let (e_lo, e_hi) = (
        _mm256_unpacklo_epi16(efg, eta),
        _mm256_unpackhi_epi16(efg, eta),
    );
    let (o_lo, o_hi) = (
        _mm256_unpacklo_epi16(ofg, ota),
        _mm256_unpackhi_epi16(ofg, ota),
    );
    let out = out.as_chunks_mut::<32>().0;
    store32(&mut out[0], _mm256_unpacklo_epi32(e_lo, o_lo));
    store32(&mut out[1], _mm256_unpackhi_epi32(e_lo, o_lo));
    store32(&mut out[2], _mm256_unpacklo_epi32(e_hi, o_hi));
    store32(&mut out[3], _mm256_unpackhi_epi32(e_hi, o_hi));
}

#[target_feature(enable = "avx2")]
fn kernel<const BGR: bool, const SHARED: bool, const ALPHA: bool>(
    chroma: crate::Chroma<'_>,
    k: &Coefficients,
    steps: usize,
    rows: &mut [crate::Row<'_>],
) {
    let y_mul = _mm256_set1_epi16(k.y_mul);
    let y_sub = _mm256_set1_epi16(k.y_sub.wrapping_sub(HALF_BIAS));
    let hi_byte = _mm256_set1_epi16(0xff00u16 as i16);
    for i in 0..steps {
        let Some((cb, cr)) = samples::<SHARED>(&chroma, i) else {
            return;
        };
        let te = terms(k, cb[0], cr[0]);
        let to = if SHARED { te } else { terms(k, cb[1], cr[1]) };
        for row in rows.iter_mut() {
            let (Some(y), Some(out)) = (
                row.y.as_chunks::<32>().0.get(i),
                row.out.as_chunks_mut::<128>().0.get_mut(i),
            ) else {
                continue;
            };
            let w = spread(load32(y));
            // Even and odd luma × 128, then their biased luma terms.
            let ye = _mm256_srli_epi16::<1>(_mm256_slli_epi16::<8>(w));
            let yo = _mm256_srli_epi16::<1>(_mm256_and_si256(w, hi_byte));
            let le = _mm256_sub_epi16(_mm256_mulhrs_epi16(ye, y_mul), y_sub);
            let lo = _mm256_sub_epi16(_mm256_mulhrs_epi16(yo, y_mul), y_sub);
            // Alpha × 256 of the even and odd pixels (opaque: 0xff00).
            let alpha = row.alpha.and_then(|a| a.as_chunks::<32>().0.get(i));
            let (ae, ao) = match alpha {
                Some(a) if ALPHA => {
                    let w = spread(load32(a));
                    (_mm256_slli_epi16::<8>(w), _mm256_and_si256(w, hi_byte))
                }
                _ => (hi_byte, hi_byte),
            };
            store_pairs::<BGR>(
                out,
                [
                    channel(le, te[0]),
                    channel(le, te[1]),
                    channel(le, te[2]),
                    ae,
                ],
                [
                    channel(lo, to[0]),
                    channel(lo, to[1]),
                    channel(lo, to[2]),
                    ao,
                ],
            );
        }
    }
}
