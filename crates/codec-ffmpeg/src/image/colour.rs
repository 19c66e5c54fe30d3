//! `colorSpaceConversion`: an embedded ICC profile applied for `"default"`, and a PNG whose only
//! colour information is `gAMA` re-encoded from that gamma to sRGB (or, for `"none"`, its
//! transfer reported as coded).

use codec_core::ColorTransfer;
use ffmpeg::format::Pixel;
use ffmpeg::frame;
use ffmpeg_next as ffmpeg;
use media_parse::image::png;

use super::icc::IccToSrgb;
use super::output::to_rgba_frame;
use super::{ColorSpaceConversion, ImageFrameOutput, ImageSession};
use crate::{raw, Result};

/// Maps 8-bit samples encoded with PNG gamma `gamma` (× 100000: sample = linear^gamma) to
/// sRGB-encoded samples.
fn gamma_to_srgb_lut(gamma: u32) -> [u8; 256] {
    let decode = 100_000.0 / f64::from(gamma);
    let mut lut = [0u8; 256];
    for (v, out) in lut.iter_mut().enumerate() {
        let linear = (v as f64 / 255.0).powf(decode);
        let srgb = if linear <= 0.003_130_8 {
            12.92 * linear
        } else {
            1.055 * linear.powf(1.0 / 2.4) - 0.055
        };
        *out = (srgb * 255.0).round().clamp(0.0, 255.0) as u8;
    }
    lut
}

impl ImageSession {
    /// `"default"` with an embedded RGB or grey ICC profile (JPEG, PNG, WebP, as FFmpeg exports
    /// it with the picture `f`): the pixels are converted to sRGB, as RGBX/RGBA. A YUV or grey
    /// picture is converted to RGB first, into a frame of its own that the profile is then
    /// applied to in place and that is shared as the output (scaled output keeps the order
    /// convert, scale, apply).
    pub(super) fn apply_icc(&mut self, f: &frame::Video, out: &mut ImageFrameOutput) -> Result<()> {
        let Some(sd) = f.side_data(ffmpeg::frame::side_data::Type::IccProfile) else {
            return Ok(());
        };
        let Some(t) = IccToSrgb::new(sd.data()) else {
            return Ok(());
        };
        let fmt = out.frame.format();
        if !(fmt.is_rgb() && fmt.plane_count() == 1 && fmt.bytes_per_element(0) == 4) {
            let full = raw::color_codes(f).range == 2
                || matches!(
                    f.format(),
                    Pixel::YUVJ420P | Pixel::YUVJ422P | Pixel::YUVJ444P
                );
            // RGBA with alpha 255, delivered as RGBX.
            let mut rgb = to_rgba_frame(f, full)?;
            rgb.set_format(Pixel::RGBZ);
            let in_place = self.opts.desired_size.is_none();
            if in_place {
                let (w, h) = (rgb.width() as usize, rgb.height() as usize);
                let stride = rgb.stride(0);
                t.apply(rgb.data_mut(0), stride, w, h)?;
            }
            let converted = self.convert(&rgb)?;
            out.frame = converted.frame;
            out.color_space = converted.color_space;
            if in_place {
                return Ok(());
            }
        }
        let (w, h) = (
            out.frame.coded_width() as usize,
            out.frame.coded_height() as usize,
        );
        let (plane, stride) = out.frame.plane_mut(0);
        t.apply(plane, stride, w, h)
    }

    /// A PNG with `gAMA` and no `sRGB`/`iCCP`: `"default"` re-encodes the samples from that
    /// gamma to sRGB; `"none"` keeps them and reports the transfer as coded (`linear` for a
    /// gamma of 1, otherwise unknown).
    pub(super) fn apply_png_gamma(&self, out: &mut ImageFrameOutput) {
        let fmt = out.frame.format();
        if !fmt.is_rgb() || fmt.plane_count() != 1 {
            return;
        }
        let Some(gamma) = png::scan(&self.data)
            .ok()
            .flatten()
            .filter(|s| !s.srgb_or_icc)
            .and_then(|s| s.gamma)
            .filter(|&g| g > 0)
        else {
            return;
        };
        match self.opts.color_space_conversion {
            ColorSpaceConversion::None => {
                out.color_space.transfer = (gamma == 100_000).then_some(ColorTransfer::Linear);
            }
            ColorSpaceConversion::Default => {
                let lut = gamma_to_srgb_lut(gamma);
                let (plane, _) = out.frame.plane_mut(0);
                // RGBA, RGBX, BGRA and BGRX all keep alpha (or padding) in the fourth byte.
                for px in plane.chunks_exact_mut(4) {
                    for c in &mut px[..3] {
                        *c = lut[usize::from(*c)];
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_lut_is_identity_for_srgb_like_gamma_at_the_ends() {
        let lut = gamma_to_srgb_lut(45_455);
        assert_eq!((lut[0], lut[255]), (0, 255));
        // Linear data (gamma 1) brightens: mid grey maps to sRGB's encoding of 0.5.
        assert_eq!(gamma_to_srgb_lut(100_000)[128], 188);
    }
}
