//! The fixed-point arithmetic every kernel shares, one pixel at a time.

/// Fractional bits of the 16-bit fixed point.
pub(crate) const FRAC: u32 = 6;

/// One chroma coefficient `c` (0 ≤ `c` < 4) as `round(c · 2^13)`: `c · (s − 128) · 2^FRAC` for a
/// chroma sample `s` is `((s − 128) · 2^8 · mul + 2^14) >> 15`, the rounded, doubled high half
/// of a signed 16 × 16-bit product: one `pmulhrsw`, and `(s − 128) · 2^8` is `s · 2^8` with its
/// top bit flipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Term {
    pub(crate) mul: i16,
}

impl Term {
    fn new(c: f64) -> Self {
        Self {
            mul: (c * f64::from(1u32 << (FRAC + 7))).round() as i16,
        }
    }

    /// `c · (s − 128)` in Q6: `(x + 64) >> 7` for `x = (s − 128) · mul`, which is what
    /// `pmulhrsw` computes for `(s − 128) · 2^8`. Written with 16-bit operations only (the high
    /// half of the product, `x >> 8`, and bits 6 and 7 of its low half) so that the portable
    /// kernels vectorise on SSE2 and NEON without 32-bit lanes.
    #[inline(always)]
    pub(crate) fn apply(self, s: u8) -> i16 {
        let c = i16::from(s) - 128;
        let hi = ((i32::from(c << 8) * i32::from(self.mul)) >> 16) as i16;
        let lo = (c as u16).wrapping_mul(self.mul as u16);
        (hi << 1) + ((lo >> 7) & 1) as i16 + ((lo >> 6) & 1) as i16
    }
}

/// Y'CbCr → R'G'B' for one matrix and range in 16-bit fixed point with 6 fractional bits: the
/// float formulas (BT.601/709/2020 style, `R = Y + 2(1−Kr)·Cr`, …) multiplied out.
///
/// Error budget, in units of 2^-6 of a code: luma ≤ 1.5 (the rounded product, scale and
/// offset), each chroma term ≤ 1 (the rounded product and coefficient), so a channel (G has two
/// chroma terms) is off by at most 3.5 units, under 0.06 of a code, before the final rounding: every channel is within 1 of the rounded float result. Every kernel of this crate
/// computes exactly [`Coefficients::pixel`] for every pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coefficients {
    /// `ys · 2^FRAC · 2^8` (below 2^15): `(y · 2^7 · y_mul + 2^14) >> 15` (one `pmulhrsw`) is
    /// `ys · y` in Q6, rounded.
    pub(crate) y_mul: i16,
    /// `ys · offset` in Q6, less the rounding constant of the final shift.
    pub(crate) y_sub: i16,
    pub(crate) cr_r: Term,
    pub(crate) cb_b: Term,
    pub(crate) cr_g: Term,
    pub(crate) cb_g: Term,
}

impl Coefficients {
    /// The coefficients of the matrix with luma weights `kr` and `kb` (BT.709: 0.2126 and
    /// 0.0722), for full-range samples (0–255) or limited-range ones (luma 16–235, chroma
    /// 16–240; codes outside are extrapolated, then clamped).
    pub fn new(kr: f64, kb: f64, full_range: bool) -> Self {
        let kg = 1.0 - kr - kb;
        let (ys, cs, offset) = if full_range {
            (1.0, 1.0, 0.0)
        } else {
            (255.0 / 219.0, 255.0 / 224.0, 16.0)
        };
        let one = f64::from(1u32 << FRAC);
        Self {
            y_mul: (ys * one * 256.0).round() as i16,
            y_sub: (ys * offset * one - one / 2.0).round() as i16,
            cr_r: Term::new(2.0 * (1.0 - kr) * cs),
            cb_b: Term::new(2.0 * (1.0 - kb) * cs),
            cr_g: Term::new(kr * 2.0 * (1.0 - kr) * cs / kg),
            cb_g: Term::new(kb * 2.0 * (1.0 - kb) * cs / kg),
        }
    }

    /// The 8-bit R, G and B codes of one pixel.
    pub fn pixel(&self, y: u8, cb: u8, cr: u8) -> [u8; 3] {
        self.apply(y, self.chroma(cb, cr))
    }

    /// The luma term (with the rounding constant) of all three channels, Q6.
    #[inline(always)]
    pub(crate) fn luma(&self, y: u8) -> i16 {
        // `pmulhrsw` of `y · 2^7` and `y_mul`, i.e. `(y · y_mul + 128) >> 8`, with 16-bit
        // operations only: the high half of `y · 2^8 · y_mul` is `(y · y_mul) >> 8`, and bit 7 of
        // the low half of `y · y_mul` rounds it.
        let (y, m) = (u16::from(y), self.y_mul as u16);
        let hi = ((u32::from(y << 8) * u32::from(m)) >> 16) as u16;
        let round = (y.wrapping_mul(m) >> 7) & 1;
        (hi + round) as i16 - self.y_sub
    }

    /// The chroma terms added to the luma term for R, G and B, Q6.
    #[inline(always)]
    pub(crate) fn chroma(&self, cb: u8, cr: u8) -> (i16, i16, i16) {
        (
            self.cr_r.apply(cr),
            -(self.cr_g.apply(cr) + self.cb_g.apply(cb)),
            self.cb_b.apply(cb),
        )
    }

    /// One pixel from its luma sample and chroma terms.
    #[inline(always)]
    pub(crate) fn apply(&self, y: u8, (r, g, b): (i16, i16, i16)) -> [u8; 3] {
        let l = self.luma(y);
        [
            out8(l.saturating_add(r)),
            out8(l.saturating_add(g)),
            out8(l.saturating_add(b)),
        ]
    }
}

/// A Q6 channel value (luma term plus chroma term) to an 8-bit code: the rounding constant is
/// in the luma term, so this is a floor, then a clamp.
#[inline(always)]
pub(crate) fn out8(v: i16) -> u8 {
    (v >> FRAC).clamp(0, 255) as u8
}
