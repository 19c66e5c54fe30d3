//! Sample conversion between the `AudioSampleFormat` sample types
//! (<https://w3c.github.io/webcodecs/#audio-sample-formats>): one inlined function per pair of
//! sample types and one loop, [`map_samples`], that the compiler specialises for each pair, so
//! a whole plane converts without a per-sample `match` (and vectorises when both sides are
//! contiguous).
//!
//! The rules: integer to integer is exact when widening and keeps the high bits when narrowing
//! (s16 16383 → u8 191, s32 1073741823 → s16 16383); floats are scaled, rounded half away from
//! zero and clamped (NaN becomes 0); integers become floats in [-1, 1).

/// 2³¹, the scale of an s32 sample.
const FULL: f64 = 2_147_483_648.0;

/// `x.round().clamp(lo, hi) as i32` (round half away from zero) for integral bounds within
/// ±2²³ (the 24-bit range), NaN → 0, in a form that vectorises four lanes wide: no `roundf`
/// call (`f32::round` on x86-64 without SSE4.1) and no saturating float → int cast (which the
/// compiler does lane by lane).
///
/// Rounding and clamping commute when the bounds are integers, so this clamps first. It rounds
/// the magnitude `a`: adding 2²³ rounds it to the nearest integer, ties to even, and leaves it
/// in the low mantissa bits (the sum is in [2²³, 2²⁴], where f32's step is 1; at 2²⁴ the
/// exponent's carry keeps the bit difference equal to the value). `a - r` is exact and is ½
/// exactly on a tie rounded down, which is then moved up. The sign goes back on last.
#[inline(always)]
fn round_clamp_f32(x: f32, lo: f32, hi: f32) -> i32 {
    const MAGIC: f32 = 8_388_608.0;
    let c = x.clamp(lo, hi);
    let a = c.abs();
    let y = a + MAGIC;
    let d = a - (y - MAGIC);
    let r = y.to_bits() as i32 - MAGIC.to_bits() as i32 + i32::from(d == 0.5);
    let r = if c < 0.0 { -r } else { r };
    if c.is_nan() {
        0
    } else {
        r
    }
}

/// As [`round_clamp_f32`], in f64, for bounds within ±2³¹: here 1.5 × 2⁵² rounds `c` of either
/// sign in one addition, and `c - r` is ±½ on a tie, which is moved away from zero.
#[inline(always)]
fn round_clamp_f64(x: f64, lo: f64, hi: f64) -> i32 {
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    let c = x.clamp(lo, hi);
    let y = c + MAGIC;
    let d = c - (y - MAGIC);
    let r = (y.to_bits() as i64 - MAGIC.to_bits() as i64) as i32;
    let r = r + i32::from(d == 0.5 && c > 0.0) - i32::from(d == -0.5 && c < 0.0);
    if c.is_nan() {
        0
    } else {
        r
    }
}

/// An integer sample at full s32 scale as a float.
#[inline(always)]
fn full_to_f32(x: i32) -> f32 {
    (f64::from(x) / FULL) as f32
}

/// u8 → s16.
#[inline(always)]
pub fn u8_to_s16(x: u8) -> i16 {
    ((i32::from(x) - 128) << 8) as i16
}

/// u8 → s32.
#[inline(always)]
pub fn u8_to_s32(x: u8) -> i32 {
    (i32::from(x) - 128) << 24
}

/// u8 → f32.
#[inline(always)]
pub fn u8_to_f32(x: u8) -> f32 {
    full_to_f32(u8_to_s32(x))
}

/// s16 → u8 (the high 8 bits).
#[inline(always)]
pub fn s16_to_u8(x: i16) -> u8 {
    ((i32::from(x) >> 8) + 128) as u8
}

/// s16 → s32.
#[inline(always)]
pub fn s16_to_s32(x: i16) -> i32 {
    i32::from(x) << 16
}

/// s16 → f32.
#[inline(always)]
pub fn s16_to_f32(x: i16) -> f32 {
    full_to_f32(s16_to_s32(x))
}

/// s32 → u8 (the high 8 bits).
#[inline(always)]
pub fn s32_to_u8(x: i32) -> u8 {
    ((x >> 24) + 128) as u8
}

/// s32 → s16 (the high 16 bits).
#[inline(always)]
pub fn s32_to_s16(x: i32) -> i16 {
    (x >> 16) as i16
}

/// s32 → f32.
#[inline(always)]
pub fn s32_to_f32(x: i32) -> f32 {
    full_to_f32(x)
}

/// f32 → u8: `v × 128 + 128`, rounded, clamped to 0..=255.
#[inline(always)]
pub fn f32_to_u8(v: f32) -> u8 {
    round_clamp_f32(v * 128.0 + 128.0, 0.0, 255.0) as u8
}

/// f32 → s16: `v × 32768`, rounded, clamped to the s16 range.
#[inline(always)]
pub fn f32_to_s16(v: f32) -> i16 {
    round_clamp_f32(v * 32768.0, -32768.0, 32767.0) as i16
}

/// f32 → s32: `v × 2³¹` (in f64), rounded, clamped to the s32 range.
#[inline(always)]
pub fn f32_to_s32(v: f32) -> i32 {
    round_clamp_f64(f64::from(v) * FULL, -FULL, FULL - 1.0)
}

/// f32 → an s32 whose top 24 bits hold the sample and whose low 8 bits are zero: `v × 2²³`
/// (exact in f32, a power-of-two scale), rounded, clamped to the 24-bit range, shifted up
/// (FLAC at 24 bits reads s32 samples this way).
#[inline(always)]
pub fn f32_to_s24_in_s32(v: f32) -> i32 {
    const S24: f32 = 8_388_608.0;
    round_clamp_f32(v * S24, -S24, S24 - 1.0) << 8
}

/// Converts `n` samples of `S` little-endian bytes in `src` into samples of `D` bytes in `dst`
/// with `f`. Positions are in samples: sample `i` is read at `src_start + i × src_stride` and
/// written at `dst_start + i × dst_stride` (stride 1: a plane; stride = channel count: one
/// channel of interleaved samples). Contiguous runs (both strides 1) take a loop the compiler
/// vectorises.
///
/// # Panics
/// If `src` or `dst` is too short for `n` samples at those positions.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn map_samples<const S: usize, const D: usize>(
    src: &[u8],
    (src_start, src_stride): (usize, usize),
    dst: &mut [u8],
    (dst_start, dst_stride): (usize, usize),
    n: usize,
    f: impl Fn([u8; S]) -> [u8; D],
) {
    if n == 0 {
        return;
    }
    let src_end = (src_start + (n - 1) * src_stride + 1) * S;
    let dst_end = (dst_start + (n - 1) * dst_stride + 1) * D;
    let src = src[src_start * S..src_end].as_chunks::<S>().0;
    let dst = dst[dst_start * D..dst_end].as_chunks_mut::<D>().0;
    if src_stride == 1 && dst_stride == 1 {
        for (d, s) in dst.iter_mut().zip(src.iter()) {
            *d = f(*s);
        }
    } else {
        let dst = dst.iter_mut().step_by(dst_stride);
        for (d, s) in dst.zip(src.iter().step_by(src_stride)) {
            *d = f(*s);
        }
    }
}
