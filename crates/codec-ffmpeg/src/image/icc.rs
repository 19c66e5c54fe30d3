//! Embedded ICC profiles (as FFmpeg exports them: JPEG `APP2`, PNG `iCCP`, WebP `ICCP`) applied
//! for `colorSpaceConversion: "default"`, through moxcms: RGB profiles of any kind (matrix/TRC,
//! `lut8`/`lut16`, `mAB`/`mBA`) and grey profiles convert to sRGB. A profile moxcms cannot read
//! (malformed, CMYK, Lab, ...) is ignored, never an error, as browsers show such images
//! unconverted.
//!
//! moxcms replaces a hand-written matrix/TRC reader that ignored LUT-based and grey profiles.

use moxcms::{ColorProfile, DataColorSpace, Layout, Transform8BitExecutor, TransformOptions};

use crate::{Error, Result};

/// A transform from an embedded profile to sRGB, on 4-byte pixels.
pub(super) struct IccToSrgb {
    transform: std::sync::Arc<Transform8BitExecutor>,
    /// The profile is grey: the first byte of each pixel is the grey level.
    gray: bool,
}

impl IccToSrgb {
    /// The transform for an RGB or grey profile; `None` for anything else, for a profile
    /// moxcms refuses, or for one that is sRGB already (within rounding), which needs no work.
    pub(super) fn new(icc: &[u8]) -> Option<Self> {
        let src = ColorProfile::new_from_slice(icc).ok()?;
        let gray = match src.color_space {
            DataColorSpace::Rgb => false,
            DataColorSpace::Gray => true,
            _ => return None,
        };
        let layout = if gray {
            Layout::GrayAlpha
        } else {
            Layout::Rgba
        };
        let transform = src
            .create_transform_8bit(
                layout,
                &ColorProfile::new_srgb(),
                Layout::Rgba,
                TransformOptions::default(),
            )
            .ok()?;
        let t = Self { transform, gray };
        (!t.is_srgb()).then_some(t)
    }

    /// Whether the transform changes no 8-bit value by more than 1 (an sRGB profile).
    fn is_srgb(&self) -> bool {
        let mut ramp = Vec::with_capacity(256 * 4 * 3);
        for c in 0..3 {
            for v in 0..=255u8 {
                let mut px = [0, 0, 0, 255];
                px[c] = v;
                ramp.extend_from_slice(&px);
            }
        }
        let mut out = ramp.clone();
        self.apply_row(&mut out).is_ok()
            && ramp.chunks_exact(4).zip(out.chunks_exact(4)).all(|(a, b)| {
                // A grey profile reads only the first byte: compare with that grey.
                let want = if self.gray {
                    [a[0], a[0], a[0]]
                } else {
                    [a[0], a[1], a[2]]
                };
                want.iter().zip(b).all(|(w, g)| w.abs_diff(*g) <= 1)
            })
    }

    /// Converts one row of 4-byte pixels (RGBA, RGBX; the fourth byte is kept) in place.
    fn apply_row(&self, row: &mut [u8]) -> Result<()> {
        let src: Vec<u8> = if self.gray {
            row.chunks_exact(4).flat_map(|p| [p[0], p[3]]).collect()
        } else {
            row.to_vec()
        };
        self.transform
            .transform(&src, row)
            .map_err(|e| Error::internal(format!("ICC transform failed: {e}")))
    }

    /// Converts `rows` rows of `width` 4-byte pixels, `stride` bytes apart, in place.
    pub(super) fn apply(
        &self,
        plane: &mut [u8],
        stride: usize,
        width: usize,
        rows: usize,
    ) -> Result<()> {
        for y in 0..rows {
            let row = plane
                .get_mut(y * stride..y * stride + width * 4)
                .ok_or_else(|| Error::internal("ICC transform out of bounds"))?;
            self.apply_row(row)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_and_unsupported_profiles_are_ignored() {
        assert!(IccToSrgb::new(&[]).is_none());
        assert!(IccToSrgb::new(&[0u8; 200]).is_none());
        let mut h = vec![0u8; 132];
        h[16..20].copy_from_slice(b"RGB ");
        h[20..24].copy_from_slice(b"XYZ ");
        h[36..40].copy_from_slice(b"acsp");
        h[128..132].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(IccToSrgb::new(&h).is_none());
    }
}
