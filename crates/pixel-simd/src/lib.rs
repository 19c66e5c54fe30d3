//! Y'CbCr → RGB(A) row kernels in 16-bit fixed point, for `VideoFrame.copyTo(dest, { format:
//! "RGBA" })` (<https://w3c.github.io/webcodecs/#videoframe-convert-to-rgb-frame>).
//!
//! A [`RowConverter`] turns rows of 8-bit luma, chroma (planar, or interleaved as NV12's) and
//! optional alpha into RGBA/BGRA bytes, 4:4:4 or horizontally subsampled, one chroma row and
//! the luma rows that share it at a time. Each pixel is exactly
//! [`Coefficients::pixel`] of its samples, whichever kernel runs: the portable one (plain loops
//! the compiler vectorises for the target's baseline: SSE2, NEON), or AVX2, chosen at run time
//! when the CPU has it ([`Isa::detect`]).
//!
//! The crate exists to hold the one piece of `unsafe` the AVX2 path needs (calling
//! `#[target_feature]` code after detecting the feature, and the intrinsics' loads and stores),
//! so that codec-core keeps `forbid(unsafe_code)`. That code lives in one module (`avx2`) with a
//! `// SAFETY:` note on every block. This crate must never depend on FFmpeg or Neon, allocate
//! per row or spawn threads.
#![deny(unsafe_code)]
#![warn(missing_docs, unreachable_pub, clippy::undocumented_unsafe_blocks)]

#[cfg(target_arch = "x86_64")]
mod avx2;
mod coefficients;
mod portable;

pub use coefficients::Coefficients;

/// The instruction sets a [`RowConverter`] can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isa {
    /// The portable kernels, vectorised by the compiler for the build target's baseline.
    Portable,
    /// The AVX2 kernels (x86-64 CPUs that have it).
    Avx2,
}

impl Isa {
    /// The fastest instruction set this CPU runs.
    pub fn detect() -> Self {
        if Self::Avx2.available() {
            Self::Avx2
        } else {
            Self::Portable
        }
    }

    /// Whether this CPU runs it.
    pub fn available(self) -> bool {
        Kernels::new(self).is_some()
    }
}

/// Where the chroma samples of a row come from.
#[derive(Debug, Clone, Copy)]
pub enum Chroma<'a> {
    /// Separate Cb and Cr rows (I420, I422, I444 …).
    Planar(&'a [u8], &'a [u8]),
    /// One row of Cb, Cr pairs (NV12).
    Interleaved(&'a [u8]),
}

/// The byte order of the output pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// R, G, B, A (RGBA and RGBX).
    Rgba,
    /// B, G, R, A (BGRA and BGRX).
    Bgra,
}

/// One luma row to convert: its samples, its alpha (`None`: opaque) and where its pixels go.
#[derive(Debug)]
pub struct Row<'a> {
    /// 8-bit luma, one sample per pixel.
    pub y: &'a [u8],
    /// 8-bit alpha, one sample per pixel, or `None` for 255.
    pub alpha: Option<&'a [u8]>,
    /// 4 bytes per pixel.
    pub out: &'a mut [u8],
}

/// The kernels a converter runs, with the proof that the CPU runs them.
#[derive(Debug, Clone, Copy)]
enum Kernels {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2(avx2::Avx2),
}

impl Kernels {
    fn new(isa: Isa) -> Option<Self> {
        match isa {
            Isa::Portable => Some(Self::Portable),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => avx2::Avx2::detect().map(Self::Avx2),
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx2 => None,
        }
    }
}

/// Converts rows of one picture width: [`RowConverter::convert`] takes one row of chroma and
/// the luma rows that share it (two rows of a 4:2:0 picture, one otherwise).
#[derive(Debug, Clone)]
pub struct RowConverter {
    k: Coefficients,
    kernels: Kernels,
    width: usize,
    /// Horizontal subsampling: one chroma sample per two pixels.
    dup: bool,
    /// Chroma terms per pixel (R, G, B) of what the portable kernels convert.
    terms: [Vec<i16>; 3],
    /// One term per chroma sample, before repeating (portable kernels).
    half: [Vec<i16>; 3],
    /// Cb and Cr of an interleaved row, apart (for the portable kernels, and 4:4:4).
    split: [Vec<u8>; 2],
    /// Cb and Cr of an interleaved row's last pixels, apart (after the AVX2 kernels).
    tail: [Vec<u8>; 2],
}

impl RowConverter {
    /// A converter for rows of `width` pixels with [`Isa::detect`]'s kernels; `subsampled`:
    /// one chroma sample covers two pixels (4:2:0, 4:2:2), otherwise one (4:4:4).
    pub fn new(k: Coefficients, width: usize, subsampled: bool) -> Self {
        let kernels = Kernels::new(Isa::detect()).unwrap_or(Kernels::Portable);
        Self::with_kernels(kernels, k, width, subsampled)
    }

    /// [`RowConverter::new`] with the kernels of `isa`, if this CPU runs them.
    pub fn with_isa(isa: Isa, k: Coefficients, width: usize, subsampled: bool) -> Option<Self> {
        Kernels::new(isa).map(|kernels| Self::with_kernels(kernels, k, width, subsampled))
    }

    fn with_kernels(kernels: Kernels, k: Coefficients, width: usize, dup: bool) -> Self {
        Self {
            k,
            kernels,
            width,
            dup,
            terms: Default::default(),
            half: Default::default(),
            split: Default::default(),
            tail: Default::default(),
        }
    }

    /// The instruction set the converter runs on.
    pub fn isa(&self) -> Isa {
        match self.kernels {
            Kernels::Portable => Isa::Portable,
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2(_) => Isa::Avx2,
        }
    }

    /// Converts `rows` (usually one or two), which share the chroma row `chroma`: pixel `x` of
    /// a row, from `y[x]`, the chroma sample covering `x` (sample `x`, or `x / 2` when
    /// subsampled) and `alpha[x]` (255 without alpha), goes to `out[4x..4x + 4]` in `order`.
    /// Converts `width` pixels, or as many as every row and the chroma cover (the chroma's
    /// first sample is the first pixel's); bytes of `out` after them are left alone.
    pub fn convert(&mut self, chroma: Chroma<'_>, rows: &mut [Row<'_>], order: Order) {
        let sx = if self.dup { 2 } else { 1 };
        let samples = match chroma {
            Chroma::Planar(u, v) => u.len().min(v.len()),
            Chroma::Interleaved(uv) => uv.len() / 2,
        };
        let n = covered(self.width.min(samples * sx), rows);
        let bgr = order == Order::Bgra;
        let Self {
            k,
            kernels,
            terms,
            half,
            split,
            tail,
            ..
        } = self;
        // Interleaved chroma apart, for the portable kernels and 4:4:4 (NV12 stays as it is for
        // the AVX2 kernels).
        let simd_takes_interleaved = self.dup && !matches!(kernels, Kernels::Portable);
        let chroma = match chroma {
            Chroma::Interleaved(uv) if !simd_takes_interleaved => {
                let [u, v] = split;
                u.clear();
                v.clear();
                for p in uv[..n.div_ceil(sx) * 2].chunks_exact(2) {
                    u.push(p[0]);
                    v.push(p[1]);
                }
                Chroma::Planar(&u[..], &v[..])
            }
            c => c,
        };
        let simd = match *kernels {
            Kernels::Portable => 0,
            #[cfg(target_arch = "x86_64")]
            Kernels::Avx2(t) => {
                let simd = n / 32 * 32;
                t.convert(chroma, self.dup, k, simd / 32, rows, bgr);
                simd
            }
        };
        if simd == n {
            return;
        }
        // The rest through the portable kernels: the chroma terms of its pixels, then each row.
        let (c0, c1) = (simd / sx, n.div_ceil(sx));
        let (u, v) = match chroma {
            Chroma::Planar(u, v) => (&u[c0..c1], &v[c0..c1]),
            Chroma::Interleaved(uv) => {
                let [u, v] = tail;
                u.clear();
                v.clear();
                for p in uv[c0 * 2..c1 * 2].chunks_exact(2) {
                    u.push(p[0]);
                    v.push(p[1]);
                }
                (&u[..], &v[..])
            }
        };
        let len = (c1 - c0) * sx;
        for t in terms.iter_mut() {
            t.resize(len, 0);
        }
        let [r, g, b] = terms;
        let out_terms = [&mut r[..], &mut g[..], &mut b[..]];
        if self.dup {
            portable::chroma_terms::<2>(u, v, k, out_terms, half);
        } else {
            portable::chroma_terms::<1>(u, v, k, out_terms, half);
        }
        let rest = n - simd;
        let terms = [&r[..rest], &g[..rest], &b[..rest]];
        for row in rows.iter_mut() {
            let out = &mut row.out[simd * 4..n * 4];
            let (y, a) = (&row.y[simd..n], row.alpha.map(|a| &a[simd..n]));
            if bgr {
                portable::emit::<true>(out, y, a, terms, k);
            } else {
                portable::emit::<false>(out, y, a, terms, k);
            }
        }
    }
}

/// How many of `limit` pixels every row of `rows` covers: its luma, output and (if any) alpha.
///
/// Not inlined, so that valgrind memcheck's one false report in this crate stays here (see
/// `scripts/memcheck.supp`): the optimiser computes the minimum with a `None` alpha's length
/// (a slot never written) and discards it by a conditional move, which memcheck reports as
/// depending on an uninitialised value.
#[inline(never)]
fn covered(limit: usize, rows: &[Row<'_>]) -> usize {
    rows.iter().fold(limit, |n, r| {
        n.min(r.y.len())
            .min(r.out.len() / 4)
            .min(r.alpha.map_or(usize::MAX, <[u8]>::len))
    })
}

#[cfg(test)]
mod tests;
