//! Still 8-bit PNGs decoded by the `png` crate (fdeflate) straight into the delivered RGBA or
//! RGBX frame: about 1.5x faster than FFmpeg's `png` decoder, with no intermediate picture and
//! no swscale pass.
//!
//! It takes exactly the images whose output it can make identical to the FFmpeg path's: 8-bit
//! RGB, RGBA, grey and grey+alpha without `tRNS`, and palette images of any bit depth. Anything
//! else (16-bit samples, 1/2/4-bit grey, `tRNS` on a non-palette image, sizes FFmpeg refuses),
//! and any file the crate does not decode cleanly (a bad CRC, truncated data), is left to
//! FFmpeg, which then decodes or fails exactly as before.

use std::io::Cursor;

use codec_core::VideoPixelFormat;
use png::{BitDepth, ColorType, Decoder, Reader, Transformations};

/// A still PNG decoded by this path.
pub(super) struct DecodedPng {
    /// Tightly packed 4-byte pixels.
    pub(super) pixels: Vec<u8>,
    /// RGBA (images with alpha, and palette images, as FFmpeg's `pal8` is delivered) or RGBX.
    pub(super) format: VideoPixelFormat,
    pub(super) width: u32,
    pub(super) height: u32,
    /// The `iCCP` profile, decompressed.
    pub(super) icc: Option<Vec<u8>>,
}

/// How one decoded row becomes 4-byte pixels.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expand {
    Rgba,
    Rgb,
    Gray,
    GrayAlpha,
    /// Palette indices of this many bits.
    Indexed(u8),
}

/// Whether FFmpeg accepts a picture this size (`av_image_check_size`): this path must not
/// decode what the FFmpeg path refuses.
fn ffmpeg_accepts(w: u32, h: u32) -> bool {
    w > 0
        && h > 0
        && (u64::from(w) + 128) * (u64::from(h) + 128) < (i32::MAX as u64) / 8
        && i32::try_from(w).is_ok()
        && i32::try_from(h).is_ok()
}

/// The palette as FFmpeg builds it: `PLTE` entries opaque, the rest opaque black, then `tRNS`
/// alpha for the first entries.
fn palette(plte: &[u8], trns: Option<&[u8]>) -> [[u8; 4]; 256] {
    let mut table = [[0, 0, 0, 255]; 256];
    for (e, rgb) in table.iter_mut().zip(plte.chunks_exact(3)) {
        e[..3].copy_from_slice(rgb);
    }
    for (e, &a) in table.iter_mut().zip(trns.unwrap_or_default()) {
        e[3] = a;
    }
    table
}

/// Writes `row` (as the decoder produced it) as `dst`'s 4-byte pixels.
fn expand_row(kind: Expand, row: &[u8], dst: &mut [u8], table: &[[u8; 4]; 256]) {
    match kind {
        Expand::Rgba => dst.copy_from_slice(&row[..dst.len()]),
        Expand::Rgb => {
            for (d, s) in dst.chunks_exact_mut(4).zip(row.chunks_exact(3)) {
                d.copy_from_slice(&[s[0], s[1], s[2], 255]);
            }
        }
        Expand::Gray => {
            for (d, &v) in dst.chunks_exact_mut(4).zip(row) {
                d.copy_from_slice(&[v, v, v, 255]);
            }
        }
        Expand::GrayAlpha => {
            for (d, s) in dst.chunks_exact_mut(4).zip(row.chunks_exact(2)) {
                d.copy_from_slice(&[s[0], s[0], s[0], s[1]]);
            }
        }
        Expand::Indexed(8) => {
            for (d, &i) in dst.chunks_exact_mut(4).zip(row) {
                d.copy_from_slice(&table[usize::from(i)]);
            }
        }
        Expand::Indexed(bits) => {
            let per_byte = usize::from(8 / bits);
            let mask = (1u8 << bits) - 1;
            for (x, d) in dst.chunks_exact_mut(4).enumerate() {
                let byte = row.get(x / per_byte).copied().unwrap_or(0);
                let shift = 8 - bits * (1 + (x % per_byte) as u8);
                d.copy_from_slice(&table[usize::from((byte >> shift) & mask)]);
            }
        }
    }
}

/// How this path delivers an image of `color`/`depth` (with `trns`), or `None` if it leaves the
/// image to FFmpeg.
fn plan(color: ColorType, depth: BitDepth, trns: bool) -> Option<(Expand, VideoPixelFormat)> {
    use VideoPixelFormat::{RGBA, RGBX};
    let eight = depth == BitDepth::Eight;
    Some(match color {
        ColorType::Rgba if eight => (Expand::Rgba, RGBA),
        ColorType::Rgb if eight && !trns => (Expand::Rgb, RGBX),
        ColorType::Grayscale if eight && !trns => (Expand::Gray, RGBX),
        ColorType::GrayscaleAlpha if eight => (Expand::GrayAlpha, RGBA),
        ColorType::Indexed => (Expand::Indexed(depth as u8), RGBA),
        _ => return None,
    })
}

/// Planes at least this large have their pages touched first by a helper thread.
const PREFAULT_MIN: usize = 4 << 20;

/// About how many bytes of rows the helper hands over at a time.
const BAND_BYTES: usize = 1 << 20;

/// Writes to one byte of every page of `band`, so that the kernel maps (and zeroes) its pages
/// now rather than when the decoder first writes there.
fn touch(band: &mut [u8]) {
    for i in (0..band.len()).step_by(4096) {
        // An opaque value: the store cannot be dropped as redundant on zeroed memory.
        band[i] = std::hint::black_box(0);
    }
}

/// Calls `each` on every `stride`-byte row of `plane` in order, stopping at its first `None`.
///
/// The first write to each page of a fresh buffer costs a page fault (about a third of the
/// decode of a 12 MP PNG, 48 MB of pixels); for a large plane a helper thread takes those
/// faults band by band ahead of `each`, on the other core, and hands each band over once its
/// pages are in.
fn rows_prefaulted(
    plane: &mut [u8],
    stride: usize,
    mut each: impl FnMut(&mut [u8]) -> Option<()>,
) -> Option<()> {
    if plane.len() < PREFAULT_MIN || stride == 0 {
        return plane.chunks_exact_mut(stride.max(1)).try_for_each(each);
    }
    let band = (BAND_BYTES / stride).max(1) * stride;
    let (tx, rx) = std::sync::mpsc::channel::<&mut [u8]>();
    let bands = plane.chunks_mut(band);
    let ahead = move || {
        for b in bands {
            touch(b);
            // The decoder stopped: no more bands are needed.
            if tx.send(b).is_err() {
                return;
            }
        }
    };
    std::thread::scope(|s| {
        // No thread to be had: FFmpeg decodes the image instead.
        std::thread::Builder::new()
            .name("webcodecs-prefault".into())
            .spawn_scoped(s, ahead)
            .ok()?;
        for b in rx {
            for row in b.chunks_exact_mut(stride) {
                each(row)?;
            }
        }
        Some(())
    })
}

/// Decodes the rows of `reader` into `plane`, `w`×`h` tightly packed 4-byte pixels.
fn decode_rows(
    reader: &mut Reader<Cursor<&[u8]>>,
    kind: Expand,
    plane: &mut [u8],
    (w, h): (usize, usize),
    table: &[[u8; 4]; 256],
) -> Option<()> {
    let stride = w * 4;
    if !reader.info().interlaced {
        let mut row = vec![0; reader.output_line_size(w as u32)?];
        rows_prefaulted(plane, stride, |dst| {
            if kind == Expand::Rgba {
                reader.read_row(dst).ok()??;
            } else {
                reader.read_row(&mut row).ok()??;
                expand_row(kind, &row, dst, table);
            }
            Some(())
        })?;
    } else if kind == Expand::Rgba {
        reader.next_frame(plane).ok()?;
    } else {
        // Adam7: the whole picture first, then each row.
        let mut buf = vec![0; reader.output_buffer_size()?];
        let info = reader.next_frame(&mut buf).ok()?;
        for (y, row) in buf.chunks_exact(info.line_size).take(h).enumerate() {
            let dst = plane.get_mut(y * stride..y * stride + w * 4)?;
            expand_row(kind, row, dst, table);
        }
    }
    // The chunks after the image data up to `IEND` must be sound too (FFmpeg fails otherwise).
    reader.finish().ok()
}

/// Decodes a still PNG this path takes; `None` leaves it to FFmpeg.
pub(super) fn decode(data: &[u8]) -> Option<DecodedPng> {
    let mut decoder = Decoder::new(Cursor::new(data));
    decoder.set_transformations(Transformations::IDENTITY);
    decoder.set_ignore_text_chunk(true);
    let mut reader = decoder.read_info().ok()?;
    let info = reader.info();
    if info.is_animated() || !ffmpeg_accepts(info.width, info.height) {
        return None;
    }
    let (kind, format) = plan(info.color_type, info.bit_depth, info.trns.is_some())?;
    let table = match kind {
        Expand::Indexed(_) => palette(info.palette.as_deref()?, info.trns.as_deref()),
        _ => [[0; 4]; 256],
    };
    let icc = info.icc_profile.as_ref().map(|p| p.to_vec());
    let (width, height) = (info.width, info.height);
    let size = (width as usize, height as usize);
    let mut pixels = vec![0; size.0.checked_mul(4)?.checked_mul(size.1)?];
    decode_rows(&mut reader, kind, &mut pixels, size, &table)?;
    Some(DecodedPng {
        pixels,
        format,
        width,
        height,
        icc,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::image::decode::{decode_one, find};
    use crate::image::{ImageSession, ImageType};
    use codec_core::FrameBuffer;

    const W: u32 = 37;
    const H: u32 = 23;

    /// The Adam7 passes: first column, first row, column step, row step.
    const ADAM7: [(u32, u32, u32, u32); 7] = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];

    /// A zlib stream of stored (uncompressed) deflate blocks.
    fn zlib_stored(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = data.chunks(0xFFFF).collect();
        for (i, b) in blocks.iter().enumerate() {
            let len = b.len() as u16;
            out.push(u8::from(i + 1 == blocks.len()));
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(b);
        }
        let (mut a, mut b) = (1u32, 0u32);
        for &v in data {
            a = (a + u32::from(v)) % 65521;
            b = (b + a) % 65521;
        }
        out.extend_from_slice(&((b << 16) | a).to_be_bytes());
        out
    }

    /// Sample `c` of pixel (x, y): every value of the bit depth occurs (so do palette indices
    /// past a short palette).
    fn sample(x: u32, y: u32, c: u32, depth: BitDepth) -> u32 {
        let max = (1u32 << depth as u32) - 1;
        (x * 7 + y * 13 + c * 29 + x * y) % (max + 1)
    }

    /// The filtered (filter type 0) scanlines of the pixels at `xs` × `ys`, bit-packed.
    fn scanlines(xs: &[u32], ys: &[u32], color: ColorType, depth: BitDepth) -> Vec<u8> {
        let bits = depth as u32;
        let mut out = Vec::new();
        for &y in ys {
            out.push(0);
            let mut acc = 0u32;
            let mut n = 0;
            for &x in xs {
                for c in 0..color.samples() as u32 {
                    let v = sample(x, y, c, depth);
                    if bits == 16 {
                        out.extend_from_slice(&(v as u16).to_be_bytes());
                        continue;
                    }
                    acc = acc << bits | v;
                    n += bits;
                    if n == 8 {
                        out.push(acc as u8);
                        (acc, n) = (0, 0);
                    }
                }
            }
            if n > 0 {
                out.push((acc << (8 - n)) as u8);
            }
        }
        out
    }

    /// The optional chunks of a test image.
    #[derive(Default, Clone, Copy)]
    struct Chunks<'a> {
        palette: Option<&'a [u8]>,
        trns: Option<&'a [u8]>,
        icc: Option<&'a [u8]>,
    }

    /// `PLTE` (and `tRNS`) chunks.
    fn pal<'a>(palette: &'a [u8], trns: Option<&'a [u8]>) -> Chunks<'a> {
        Chunks {
            palette: Some(palette),
            trns,
            icc: None,
        }
    }

    /// A `W`×`H` PNG of `color`/`depth` with `chunks`.
    fn encode(color: ColorType, depth: BitDepth, interlaced: bool, chunks: Chunks) -> Vec<u8> {
        encode_sized((W, H), color, depth, interlaced, chunks)
    }

    /// A `w`×`h` PNG of `color`/`depth` with `chunks`.
    fn encode_sized(
        (w, h): (u32, u32),
        color: ColorType,
        depth: BitDepth,
        interlaced: bool,
        chunks: Chunks,
    ) -> Vec<u8> {
        let Chunks { palette, trns, icc } = chunks;
        let mut info = png::Info::with_size(w, h);
        (info.color_type, info.bit_depth, info.interlaced) = (color, depth, interlaced);
        info.palette = palette.map(|p| p.to_vec().into());
        info.trns = trns.map(|t| t.to_vec().into());
        info.icc_profile = icc.map(|p| p.to_vec().into());
        let span = |from: u32, step: u32, to: u32| (from..to).step_by(step as usize).collect();
        let raw: Vec<u8> = if interlaced {
            ADAM7
                .iter()
                .map(|&(x0, y0, dx, dy)| (span(x0, dx, w), span(y0, dy, h)))
                .filter(|(xs, ys): &(Vec<u32>, Vec<u32>)| !xs.is_empty() && !ys.is_empty())
                .flat_map(|(xs, ys)| scanlines(&xs, &ys, color, depth))
                .collect()
        } else {
            scanlines(&span(0, 1, w), &span(0, 1, h), color, depth)
        };
        let mut out = Vec::new();
        let mut w = png::Encoder::with_info(&mut out, info)
            .unwrap()
            .write_header()
            .unwrap();
        w.write_chunk(png::chunk::IDAT, &zlib_stored(&raw)).unwrap();
        w.finish().unwrap();
        out
    }

    /// What the FFmpeg path delivers for `data`: format and tightly packed plane 0.
    fn ffmpeg(data: &[u8]) -> (VideoPixelFormat, Vec<u8>) {
        let f = decode_one(find("png").unwrap(), None, data, "test").unwrap();
        let mut s = ImageSession::new(ImageType::Png, Default::default());
        let out = s.convert(&f).unwrap();
        (out.frame.format(), packed(&out.frame))
    }

    fn packed(f: &FrameBuffer) -> Vec<u8> {
        let (p, stride) = f.plane(0);
        let row = f.coded_width() as usize * 4;
        (0..f.coded_height() as usize)
            .flat_map(|y| p[y * stride..y * stride + row].iter().copied())
            .collect()
    }

    #[test]
    fn matches_the_ffmpeg_decoder_exactly() {
        use BitDepth::*;
        let plte: Vec<u8> = (0..40u8)
            .flat_map(|i| [i * 6, 255 - i * 3, i ^ 0x5a])
            .collect();
        let short_trns: &[u8] = &[0, 80, 160, 255, 7];
        let none = Chunks::default();
        let cases = [
            ("rgb8", ColorType::Rgb, Eight, none),
            ("rgba8", ColorType::Rgba, Eight, none),
            ("grey8", ColorType::Grayscale, Eight, none),
            ("grey-alpha8", ColorType::GrayscaleAlpha, Eight, none),
            ("palette8", ColorType::Indexed, Eight, pal(&plte, None)),
            (
                "palette8 tRNS",
                ColorType::Indexed,
                Eight,
                pal(&plte, Some(short_trns)),
            ),
            ("palette4", ColorType::Indexed, Four, pal(&plte[..30], None)),
            (
                "palette2 tRNS",
                ColorType::Indexed,
                Two,
                pal(&plte[..9], Some(&[9])),
            ),
            ("palette1", ColorType::Indexed, One, pal(&plte[..6], None)),
        ];
        for (name, color, depth, chunks) in cases {
            for interlaced in [false, true] {
                let data = encode(color, depth, interlaced, chunks);
                let ours = decode(&data).unwrap_or_else(|| panic!("{name} not taken"));
                assert!(ours.icc.is_none());
                let (format, pixels) = ffmpeg(&data);
                assert_eq!(ours.format, format, "{name} interlaced {interlaced}");
                assert_eq!((ours.width, ours.height), (W, H));
                assert!(ours.pixels == pixels, "{name} interlaced {interlaced}");
            }
        }
    }

    #[test]
    fn large_planes_decode_the_same_with_their_pages_touched_ahead() {
        let size = (1031, 1100);
        for (color, expect) in [
            (ColorType::Rgb, VideoPixelFormat::RGBX),
            (ColorType::Rgba, VideoPixelFormat::RGBA),
        ] {
            let data = encode_sized(size, color, BitDepth::Eight, false, Chunks::default());
            let ours = decode(&data).unwrap();
            assert!(ours.pixels.len() >= PREFAULT_MIN);
            assert_eq!(ours.format, expect);
            assert!(ours.pixels == ffmpeg(&data).1, "{color:?}");
            // Cut inside the image data: the decode stops cleanly and leaves it to FFmpeg.
            let idat = data.windows(4).position(|w| w == b"IDAT").unwrap();
            let mut cut = data[..idat + data.len() / 2].to_vec();
            cut.extend_from_slice(&data[data.len() - 12..]);
            assert!(decode(&cut).is_none());
        }
    }

    #[test]
    fn other_layouts_are_left_to_ffmpeg() {
        use BitDepth::*;
        for (color, depth, trns) in [
            (ColorType::Rgb, Sixteen, None),
            (ColorType::Rgba, Sixteen, None),
            (ColorType::Grayscale, Sixteen, None),
            (ColorType::GrayscaleAlpha, Sixteen, None),
            (ColorType::Grayscale, One, None),
            (ColorType::Grayscale, Four, None),
            (ColorType::Rgb, Eight, Some(&[0u8, 7, 0, 9, 0, 11][..])),
            (ColorType::Grayscale, Eight, Some(&[0u8, 7][..])),
        ] {
            let chunks = Chunks {
                trns,
                ..Chunks::default()
            };
            let data = encode(color, depth, false, chunks);
            assert!(decode(&data).is_none(), "{color:?} {depth:?} {trns:?}");
            // FFmpeg decodes it.
            ffmpeg(&data);
        }
    }

    #[test]
    fn damaged_files_are_left_to_ffmpeg() {
        let good = encode(ColorType::Rgb, BitDepth::Eight, false, Chunks::default());
        assert!(decode(&good).is_some());
        let idat = good.windows(4).position(|w| w == b"IDAT").unwrap();
        let len = u32::from_be_bytes(good[idat - 4..idat].try_into().unwrap()) as usize;
        // A wrong IDAT CRC (FFmpeg ignores chunk CRCs).
        let mut bad_crc = good.clone();
        bad_crc[idat + 4 + len] ^= 1;
        // The image data cut short (its chunk length fixed), then IEND.
        let mut short = good[..idat - 4].to_vec();
        short.extend_from_slice(&((len / 2) as u32).to_be_bytes());
        short.extend_from_slice(&good[idat..idat + 4 + len / 2]);
        short.extend_from_slice(&[0; 4]);
        short.extend_from_slice(&good[good.len() - 12..]);
        // No IEND.
        let no_end = good[..good.len() - 12].to_vec();
        for data in [bad_crc, short, no_end] {
            assert!(decode(&data).is_none());
        }
    }

    #[test]
    fn the_icc_profile_comes_out() {
        let icc = b"not really a profile";
        let chunks = Chunks {
            icc: Some(icc),
            ..Chunks::default()
        };
        let data = encode(ColorType::Rgb, BitDepth::Eight, false, chunks);
        assert_eq!(decode(&data).unwrap().icc.as_deref(), Some(&icc[..]));
    }
}
