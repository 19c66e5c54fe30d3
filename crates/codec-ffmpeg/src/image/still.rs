//! Still images: the one packet a JPEG, PNG, WebP, BMP, ICO entry or AVIF item is, when it is
//! all here (or, for a progressive JPEG, the complete scans so far), and what each format adds
//! after decoding: Adobe CMYK, the AVIF alpha plane, grid stitching, orientation (EXIF,
//! `irot`/`imir`) and colour (`nclx`, ICC).

use std::borrow::Cow;

use codec_core::{ColorMatrix, ColorPrimaries, ColorTransfer, VideoColorSpace};
use media_parse::image::avif::{extents_data, AvifImage};
use media_parse::image::jpeg::JpegScan;
use media_parse::image::{exif, jpeg, png, webp};

use super::decode::{decode_one, decoder_name, find, find_av1};
use super::icc::IccToSrgb;
use super::output::{shared_pixels, srgb};
use super::session::{DecodeOutcome, Layout};
use super::{
    alpha, cmyk, grid, png_still, ColorSpaceConversion, ImageFrameOutput, ImageSession, ImageType,
};
use crate::{Error, Result};

/// A still image's packet (borrowed from the data, or built: a partial progressive JPEG plus
/// an `EOI`), the generation of a partial image, and a JPEG's marker scan.
struct StillPacket<'a> {
    data: Cow<'a, [u8]>,
    generation: Option<u32>,
    jpeg: Option<JpegScan>,
}

impl ImageSession {
    /// A frame of the track whose bytes are not all here waits for more data; once the data
    /// is complete it never will be, which is corrupt data (`EncodingError`, fatal), as
    /// Chromium and WPT ("Test decoding a partial ArrayBuffer results in EncodingError") have
    /// it. An index past the track is another matter (`Infeasible`, `RangeError`).
    fn missing(&self) -> Result<DecodeOutcome> {
        if self.complete {
            Err(Error::malformed("the image data ends inside the frame"))
        } else {
            Ok(DecodeOutcome::NotYet)
        }
    }

    /// The packet of a whole-file still image (JPEG, PNG, WebP, BMP) and, for a partial
    /// progressive JPEG, its generation; `None` while it is not all here.
    ///
    /// A JPEG is whole at its `EOI`, a PNG at its `IEND`, a WebP at the end of its `RIFF`
    /// chunk, so they decode before the stream ends; a BMP (whose size field is often wrong)
    /// waits for the end of the data.
    fn still_packet(&self, partial_after: Option<u32>) -> Result<Option<StillPacket<'_>>> {
        let d = &self.data[..];
        let whole = |n: usize, jpeg: Option<JpegScan>| StillPacket {
            data: Cow::Borrowed(d.get(..n).unwrap_or(d)),
            generation: None,
            jpeg,
        };
        Ok(match self.ty {
            ImageType::Jpeg => {
                let s = jpeg::scan(d);
                if s.malformed {
                    return Err(Error::malformed("malformed JPEG marker structure"));
                }
                match (s.end, partial_after) {
                    (Some(end), _) => Some(whole(end, Some(s))),
                    (None, Some(after)) if s.progressive && s.complete_scans > after => {
                        // The scans so far plus an EOI: the decoder outputs what they hold.
                        let mut p = d.get(..s.scans_end).unwrap_or_default().to_vec();
                        p.extend_from_slice(&[0xFF, 0xD9]);
                        Some(StillPacket {
                            data: Cow::Owned(p),
                            generation: Some(s.complete_scans),
                            jpeg: Some(s),
                        })
                    }
                    _ => None,
                }
            }
            ImageType::Png => png::scan(d)
                .ok()
                .flatten()
                .filter(|s| s.ended)
                .map(|_| whole(d.len(), None)),
            ImageType::Webp => webp::riff_end(d)
                .filter(|&n| n <= d.len())
                .map(|n| whole(n, None)),
            _ => self.complete.then(|| whole(d.len(), None)),
        })
    }

    /// Decodes a still image (or the still primary item of an animated AVIF).
    pub(super) fn decode_still(
        &mut self,
        layout: &Layout,
        partial_after: Option<u32>,
    ) -> Result<DecodeOutcome> {
        let mut generation = None;
        let picture = match layout {
            Layout::Avif(img, _) if img.grid.is_some() => {
                let Some(f) = self.avif_grid(img)? else {
                    return self.missing();
                };
                let mut out = self.convert(&f)?;
                apply_avif_props(img, &mut out);
                return Ok(DecodeOutcome::Frame(out));
            }
            Layout::Avif(img, _) => self.avif_item(img)?,
            Layout::Ico(e) => match e.packet(&self.data) {
                Some(p) => {
                    let codec = find(if e.png { "png" } else { "bmp" })?;
                    Some(decode_one(codec, None, &p, "the icon")?)
                }
                None => None,
            },
            _ => match self.still_packet(partial_after)? {
                Some(packet) if self.ty == ImageType::Png && self.opts.desired_size.is_none() => {
                    match png_still::decode(&packet.data) {
                        Some(png) => return self.png_output(png),
                        None => Some(self.decode_whole_file(packet)?),
                    }
                }
                Some(packet) => {
                    generation = packet.generation;
                    Some(self.decode_whole_file(packet)?)
                }
                None => None,
            },
        };
        let Some(f) = picture else {
            return self.missing();
        };
        let mut out = self.convert(&f)?;
        if self.opts.color_space_conversion == ColorSpaceConversion::Default {
            self.apply_icc(&f, &mut out)?;
        }
        if let Layout::Avif(img, _) = layout {
            apply_avif_props(img, &mut out);
        }
        if self.ty == ImageType::Jpeg {
            if let Some(o) = exif::jpeg_orientation(&self.data) {
                (out.rotation, out.flip) = exif::orientation_transform(o);
            }
        }
        out.generation = generation;
        Ok(DecodeOutcome::Frame(out))
    }

    /// The output of a PNG the `png` crate decoded: its `iCCP` profile applied in place for
    /// `"default"` (before the pixels are shared, so nothing is copied).
    fn png_output(&mut self, png: png_still::DecodedPng) -> Result<DecodeOutcome> {
        let png_still::DecodedPng {
            mut pixels,
            format,
            width,
            height,
            icc,
        } = png;
        if self.opts.color_space_conversion == ColorSpaceConversion::Default {
            if let Some(t) = icc.as_deref().and_then(IccToSrgb::new) {
                let (w, h) = (width as usize, height as usize);
                t.apply(&mut pixels, w * 4, w, h)?;
            }
        }
        let frame = shared_pixels(pixels, format, width, height)?;
        Ok(DecodeOutcome::Frame(ImageFrameOutput::still(frame, srgb())))
    }

    /// Decodes a whole JPEG, PNG, WebP or BMP file.
    fn decode_whole_file(&self, packet: StillPacket<'_>) -> Result<ffmpeg_next::frame::Video> {
        let codec = find(decoder_name(self.ty, false))?;
        let mut data = packet.data;
        // Subsampled Adobe CMYK/YCCK: FFmpeg returns the raw planes, converted here.
        let four_component = match &packet.jpeg {
            Some(scan) if cmyk::rewrites(scan) => cmyk::raw_components(data.to_mut(), scan),
            _ => None,
        };
        let f = decode_one(codec, None, &data, "the image")?;
        match four_component {
            Some(t) => cmyk::to_rgbx(&f, t),
            None => Ok(f),
        }
    }

    /// The AVIF primary `av01` item, with its alpha plane merged in when it has one; `None`
    /// while its bytes are not all here.
    fn avif_item(&self, img: &AvifImage) -> Result<Option<ffmpeg_next::frame::Video>> {
        let alpha = img
            .alpha
            .as_ref()
            .map(|a| extents_data(&a.extents, &self.data));
        let (packet, alpha_packet) = match (img.item_data(&self.data), alpha) {
            (Some(p), None) => (p, None),
            (Some(p), Some(Some(a))) => (p, Some(a)),
            _ => return Ok(None),
        };
        let codec = find_av1()?;
        let mut f = decode_one(codec, Some(&img.av1c), &packet, "the AVIF image")?;
        if let (Some(a), Some(ap)) = (&img.alpha, alpha_packet) {
            let alpha = decode_one(codec, Some(&a.av1c), &ap, "the AVIF alpha")?;
            f = alpha::merge(&f, &alpha)?;
        }
        Ok(Some(f))
    }

    /// The tiles of an AVIF `grid` image, decoded and stitched (cropped to the output size);
    /// `None` while a tile's bytes are not here.
    fn avif_grid(&self, img: &AvifImage) -> Result<Option<ffmpeg_next::frame::Video>> {
        let Some(grid) = &img.grid else {
            return Err(Error::internal("not an AVIF grid"));
        };
        let mut packets = Vec::with_capacity(grid.tiles.len());
        for (_, extents) in &grid.tiles {
            match extents_data(extents, &self.data) {
                Some(p) => packets.push(p),
                None => return Ok(None),
            }
        }
        let codec = find_av1()?;
        let mut tiles = Vec::with_capacity(packets.len());
        for ((av1c, _), packet) in grid.tiles.iter().zip(&packets) {
            tiles.push(decode_one(codec, Some(av1c), packet, "an AVIF grid tile")?);
        }
        grid::stitch(&tiles, grid.columns, grid.output_width, grid.output_height).map(Some)
    }
}

/// Applies the AVIF item's `colr` (nclx), `irot` and `imir` properties.
fn apply_avif_props(img: &AvifImage, out: &mut ImageFrameOutput) {
    if let Some((p, t, m, full)) = img.nclx {
        if !out.frame.format().is_rgb() {
            out.color_space = VideoColorSpace {
                primaries: ColorPrimaries::from_code(u32::from(p)),
                transfer: ColorTransfer::from_code(u32::from(t)),
                matrix: ColorMatrix::from_code(u32::from(m)),
                full_range: Some(full),
            };
        }
    }
    // irot is anti-clockwise; VideoFrame rotation is clockwise.
    let mut rotation = (4 - u32::from(img.irot)) % 4 * 90;
    let mut flip = false;
    match img.imir {
        Some(0) => flip = true,
        // A top/bottom mirror is a left/right mirror plus a half turn.
        Some(_) => {
            flip = true;
            rotation = (rotation + 180) % 360;
        }
        None => {}
    }
    out.rotation = rotation;
    out.flip = flip;
}
