//! The still-image part of an AVIF file (HEIF `meta` box): the primary item's AV1 bytes
//! (`iloc`, file offsets or `idat`), its `av1C`, `ispe`, `colr` (nclx), `irot` and `imir`
//! properties, its alpha plane (an auxiliary `av01` item linked by an `auxl` reference whose
//! `auxC` names the alpha URN) and `grid` derived images. FFmpeg 5.1's mov demuxer cannot read
//! image items, so the items are handed to an AV1 decoder directly. The image sequence (`moov`)
//! is read by [`super::avif_sequence`].

use crate::error::{Error, Result};
use crate::image::isobmff::{boxes, full_box, top_level, BoxRef, TopBox};
use crate::reader::ByteReader;

/// `(offset, length)` extents of an item's data, absolute in the file.
pub type Extents = Vec<(usize, usize)>;

/// The primary image as far as a decoder needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AvifImage {
    /// `ispe` width.
    pub width: u32,
    /// `ispe` height.
    pub height: u32,
    /// The `av1C` box body (4 bytes + configOBUs), used as decoder extradata.
    pub av1c: Vec<u8>,
    /// Extents of the item data.
    pub extents: Extents,
    /// nclx colour: primaries, transfer, matrix, full range.
    pub nclx: Option<(u16, u16, u16, bool)>,
    /// Anti-clockwise rotation in quarter turns (`irot`).
    pub irot: u8,
    /// `imir` axis: 0 = vertical axis (left/right swap), 1 = horizontal axis (top/bottom swap).
    pub imir: Option<u8>,
    /// Whether the file also has (or announces) an image sequence (`moov`).
    pub has_sequence: bool,
    /// The alpha auxiliary image, if the primary item has one.
    pub alpha: Option<AvifAlpha>,
    /// The primary item is a `grid` derived image (then `extents` is empty and `av1c` is the
    /// first tile's).
    pub grid: Option<AvifGrid>,
}

/// A `grid` derived image: AV1 tiles in row-major order, stitched and cropped to the output
/// size.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AvifGrid {
    /// Tile rows.
    pub rows: u32,
    /// Tile columns.
    pub columns: u32,
    /// Width of the stitched image.
    pub output_width: u32,
    /// Height of the stitched image.
    pub output_height: u32,
    /// Each tile's `av1C` body and data extents.
    pub tiles: Vec<(Vec<u8>, Extents)>,
}

/// An alpha auxiliary item: a (usually monochrome) AV1 image whose luma is the alpha plane.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AvifAlpha {
    /// Its `av1C` box body.
    pub av1c: Vec<u8>,
    /// Extents of its data.
    pub extents: Extents,
    /// A `prem` reference says the colour is premultiplied by this alpha.
    pub premultiplied: bool,
}

/// The largest grid output side we accept.
pub const MAX_GRID_SIDE: u32 = 16384;
/// The largest grid output, in pixels.
pub const MAX_GRID_PIXELS: u64 = 1 << 26;
/// The most grid tiles.
pub const MAX_GRID_TILES: u32 = 4096;

/// `auxC` URNs that mark an alpha plane (AVIF, and the HEVC one AVIF readers also accept).
const ALPHA_URNS: [&[u8]; 2] = [
    b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha",
    b"urn:mpeg:hevc:2015:auxid:1",
];

/// The bytes of `extents` when they are all present in `d`.
pub fn extents_data(extents: &[(usize, usize)], d: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for &(o, l) in extents {
        let mut r = ByteReader::new(d);
        r.seek(o).ok()?;
        out.extend_from_slice(r.take(l).ok()?);
    }
    Some(out)
}

impl AvifImage {
    /// The item bytes when they are all present in `d`.
    pub fn item_data(&self, d: &[u8]) -> Option<Vec<u8>> {
        extents_data(&self.extents, d)
    }
}

/// Where the top-level boxes an AVIF reader needs are, once `ftyp` and `meta` are complete.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct AvifTop {
    /// Body range of the `meta` box.
    pub(crate) meta: (usize, usize),
    /// Body range of a complete `moov` box.
    pub(crate) moov: Option<(usize, usize)>,
    /// The `ftyp` names the `avis` (image sequence) brand.
    pub(crate) avis: bool,
}

/// The top level of a (possibly partial) AVIF file. `Ok(None)` until `ftyp` and `meta` are in.
pub(crate) fn avif_top(d: &[u8]) -> Result<Option<AvifTop>> {
    let list = top_level(d)?;
    let range = |b: &TopBox| (b.body_start, b.end);
    let Some(ftyp) = list.first() else {
        return Ok(None);
    };
    let Some(meta) = list.iter().find(|b| &b.ty == b"meta") else {
        return Ok(None);
    };
    let mut r = ByteReader::new(d);
    r.seek(ftyp.body_start)?;
    let brands = r.take(ftyp.end - ftyp.body_start)?;
    Ok(Some(AvifTop {
        meta: range(meta),
        moov: list.iter().find(|b| &b.ty == b"moov").map(range),
        // Major brand, minor version, compatible brands: any brand but the version.
        avis: brands
            .chunks_exact(4)
            .enumerate()
            .any(|(i, b)| i != 1 && b == b"avis"),
    }))
}

/// An `iloc` entry.
#[derive(Default)]
struct Loc {
    method: u16,
    base: u64,
    extents: Vec<(u64, u64)>,
}

/// What the `meta` box lists.
#[derive(Default)]
struct Meta<'a> {
    primary: Option<u32>,
    locs: Vec<(u32, Loc)>,
    item_types: Vec<(u32, [u8; 4])>,
    props: Vec<([u8; 4], &'a [u8])>,
    assoc: Vec<(u32, Vec<u16>)>,
    refs: Vec<([u8; 4], u32, Vec<u32>)>,
    /// File offset of the `idat` body.
    idat: Option<usize>,
}

/// An item id of 16 or 32 bits.
fn item_id(r: &mut ByteReader<'_>, wide: bool) -> Result<u32> {
    if wide {
        r.u32_be()
    } else {
        r.u16_be().map(u32::from)
    }
}

fn read_iloc(r: &mut ByteReader<'_>, m: &mut Meta<'_>) -> Result<()> {
    let (v, _) = full_box(r)?;
    let [a, b] = r.array::<2>()?;
    let (off_size, len_size, base_size) = (a >> 4, a & 15, b >> 4);
    let index_size = if v == 1 || v == 2 { b & 15 } else { 0 };
    for n in [off_size, len_size, base_size, index_size] {
        if !matches!(n, 0 | 4 | 8) {
            return Err(Error::Malformed("iloc field size"));
        }
    }
    let count = item_id(r, v >= 2)?;
    for _ in 0..count {
        let id = item_id(r, v >= 2)?;
        let method = if v == 1 || v == 2 {
            r.u16_be()? & 15
        } else {
            0
        };
        let _data_reference_index = r.u16_be()?;
        let base = r.uint_be(usize::from(base_size))?;
        let n = r.u16_be()?;
        let mut extents = Vec::new();
        for _ in 0..n {
            r.uint_be(usize::from(index_size))?;
            let o = r.uint_be(usize::from(off_size))?;
            let l = r.uint_be(usize::from(len_size))?;
            extents.push((o, l));
        }
        m.locs.push((
            id,
            Loc {
                method,
                base,
                extents,
            },
        ));
    }
    Ok(())
}

fn read_iinf(r: &mut ByteReader<'_>, m: &mut Meta<'_>) -> Result<()> {
    let (v, _) = full_box(r)?;
    let _count = item_id(r, v != 0)?;
    for b in boxes(r.rest())? {
        if &b.ty != b"infe" {
            continue;
        }
        let mut e = ByteReader::new(b.body);
        let (ev, _) = full_box(&mut e)?;
        if ev < 2 {
            continue;
        }
        let id = item_id(&mut e, ev != 2)?;
        let _protection_index = e.u16_be()?;
        m.item_types.push((id, e.array::<4>()?));
    }
    Ok(())
}

fn read_iprp<'a>(body: &'a [u8], m: &mut Meta<'a>) -> Result<()> {
    for b in boxes(body)? {
        if &b.ty == b"ipco" {
            m.props = boxes(b.body)?.into_iter().map(|p| (p.ty, p.body)).collect();
        } else if &b.ty == b"ipma" {
            let mut r = ByteReader::new(b.body);
            let (v, flags) = full_box(&mut r)?;
            for _ in 0..r.u32_be()? {
                let id = item_id(&mut r, v >= 1)?;
                let mut list = Vec::new();
                for _ in 0..r.u8()? {
                    list.push(if flags & 1 != 0 {
                        r.u16_be()? & 0x7fff
                    } else {
                        u16::from(r.u8()? & 0x7f)
                    });
                }
                m.assoc.push((id, list));
            }
        }
    }
    Ok(())
}

fn read_iref(r: &mut ByteReader<'_>, m: &mut Meta<'_>) -> Result<()> {
    let (v, _) = full_box(r)?;
    for b in boxes(r.rest())? {
        let mut e = ByteReader::new(b.body);
        let from = item_id(&mut e, v != 0)?;
        let mut to = Vec::new();
        for _ in 0..e.u16_be()? {
            to.push(item_id(&mut e, v != 0)?);
        }
        m.refs.push((b.ty, from, to));
    }
    Ok(())
}

fn read_meta<'a>(children: &[BoxRef<'a>], body_at: usize) -> Result<Meta<'a>> {
    let mut m = Meta::default();
    for b in children {
        let mut r = ByteReader::new(b.body);
        match &b.ty {
            b"pitm" => {
                let (v, _) = full_box(&mut r)?;
                m.primary = Some(item_id(&mut r, v != 0)?);
            }
            b"iloc" => read_iloc(&mut r, &mut m)?,
            b"iinf" => read_iinf(&mut r, &mut m)?,
            b"iprp" => read_iprp(b.body, &mut m)?,
            b"iref" => read_iref(&mut r, &mut m)?,
            b"idat" => m.idat = Some(body_at + b.offset),
            _ => {}
        }
    }
    Ok(m)
}

impl<'a> Meta<'a> {
    fn item_type(&self, id: u32) -> Option<[u8; 4]> {
        self.item_types
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, t)| *t)
    }

    /// The absolute extents of an item.
    fn extents(&self, id: u32) -> Result<Extents> {
        let loc = self
            .locs
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, l)| l)
            .ok_or(Error::Malformed("AVIF item has no location"))?;
        let origin = match loc.method {
            0 => 0u64,
            1 => loc_idat(self.idat)? as u64,
            _ => return Err(Error::Unsupported("iloc construction method 2")),
        };
        let mut out = Vec::new();
        for &(o, l) in &loc.extents {
            let start = origin
                .checked_add(loc.base)
                .and_then(|v| v.checked_add(o))
                .ok_or(Error::Malformed("iloc offset overflows"))?;
            if l == 0 {
                return Err(Error::Unsupported("open-ended iloc extents"));
            }
            let start = usize::try_from(start).map_err(|_| Error::Limit("iloc offset"))?;
            let l = usize::try_from(l).map_err(|_| Error::Limit("iloc length"))?;
            out.push((start, l));
        }
        if out.is_empty() {
            return Err(Error::Malformed("AVIF item has no data"));
        }
        Ok(out)
    }

    /// The properties associated with an item, in order.
    fn props_of(&self, id: u32) -> Vec<([u8; 4], &'a [u8])> {
        let list = self
            .assoc
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, l)| l.as_slice())
            .unwrap_or_default();
        list.iter()
            .filter_map(|&idx| {
                usize::from(idx)
                    .checked_sub(1)
                    .and_then(|i| self.props.get(i))
            })
            .copied()
            .collect()
    }

    /// An item's `av1C` body (at least its 4-byte header).
    fn av1c(&self, id: u32) -> Option<Vec<u8>> {
        self.props_of(id)
            .into_iter()
            .find(|(t, _)| t == b"av1C")
            .map(|(_, b)| b.to_vec())
            .filter(|b| b.len() >= 4)
    }
}

fn loc_idat(idat: Option<usize>) -> Result<usize> {
    idat.ok_or(Error::Malformed("iloc refers to a missing idat"))
}

/// Parses the primary image of an AVIF file (or the prefix received so far). `Ok(None)`: the
/// `meta` box (or a grid's description in `mdat`) has not arrived yet.
///
/// # Errors
/// [`Error::Malformed`] for a broken file; [`Error::Unsupported`] for layouts not handled (a
/// primary item that is neither `av01` nor `grid`, grid tiles or alpha planes that are not
/// `av01`, `iloc` construction method 2, open-ended extents); [`Error::Limit`] for a grid over
/// [`MAX_GRID_SIDE`], [`MAX_GRID_PIXELS`] or [`MAX_GRID_TILES`].
pub fn parse(d: &[u8]) -> Result<Option<AvifImage>> {
    let Some(top) = avif_top(d)? else {
        return Ok(None);
    };
    let (meta_start, meta_end) = top.meta;
    let mut r = ByteReader::new(d);
    r.seek(meta_start)?;
    let mut meta = r.sub(meta_end - meta_start)?;
    full_box(&mut meta)?;
    let body_at = meta_start + 4;
    let m = read_meta(&boxes(meta.rest())?, body_at)?;
    let id = m
        .primary
        .ok_or(Error::Malformed("AVIF has no primary item (pitm)"))?;
    let mut img = AvifImage {
        has_sequence: top.avis || top.moov.is_some(),
        ..Default::default()
    };
    match m.item_type(id) {
        Some(t) if &t == b"av01" => img.extents = m.extents(id)?,
        Some(t) if &t == b"grid" => {
            let Some(desc) = extents_data(&m.extents(id)?, d) else {
                return Ok(None);
            };
            let g = read_grid(&m, id, &desc)?;
            img.av1c = g.tiles.first().map(|t| t.0.clone()).unwrap_or_default();
            img.grid = Some(g);
        }
        Some(_) => return Err(Error::Unsupported("AVIF primary item type")),
        None => return Err(Error::Malformed("AVIF primary item has no item info")),
    }
    for (ty, body) in m.props_of(id) {
        let mut r = ByteReader::new(body);
        match &ty {
            b"av1C" => img.av1c = body.to_vec(),
            b"ispe" => {
                full_box(&mut r)?;
                img.width = r.u32_be()?;
                img.height = r.u32_be()?;
            }
            b"colr" if body.starts_with(b"nclx") => {
                r.skip(4)?;
                let (p, t, mx) = (r.u16_be()?, r.u16_be()?, r.u16_be()?);
                img.nclx = Some((p, t, mx, r.u8()? & 0x80 != 0));
            }
            b"irot" => img.irot = r.u8()? & 3,
            b"imir" => img.imir = Some(r.u8()? & 1),
            _ => {}
        }
    }
    if img.av1c.len() < 4 {
        return Err(Error::Malformed("AVIF primary item has no av1C"));
    }
    img.alpha = read_alpha(&m, id)?;
    Ok(Some(img))
}

/// The alpha plane: an `av01` item with an `auxl` reference to the primary item and an alpha
/// `auxC`.
fn read_alpha(m: &Meta<'_>, id: u32) -> Result<Option<AvifAlpha>> {
    let is_alpha = |a: u32| {
        m.props_of(a).iter().any(|(t, b)| {
            t == b"auxC"
                && ALPHA_URNS
                    .iter()
                    .any(|u| b.get(4..).is_some_and(|s| s.starts_with(u)))
        })
    };
    let Some(a) = m
        .refs
        .iter()
        .filter(|(t, _, to)| t == b"auxl" && to.contains(&id))
        .map(|(_, from, _)| *from)
        .find(|&a| is_alpha(a))
    else {
        return Ok(None);
    };
    if m.item_type(a) != Some(*b"av01") {
        return Err(Error::Unsupported(
            "AVIF alpha plane that is not a single av01 item",
        ));
    }
    let av1c = m
        .av1c(a)
        .ok_or(Error::Malformed("AVIF alpha item has no av1C"))?;
    let premultiplied = m
        .refs
        .iter()
        .any(|(t, from, to)| t == b"prem" && *from == id && to.contains(&a));
    Ok(Some(AvifAlpha {
        av1c,
        extents: m.extents(a)?,
        premultiplied,
    }))
}

/// A `grid` item: its `ImageGrid` description `desc` and its `dimg` tiles.
fn read_grid(m: &Meta<'_>, id: u32, desc: &[u8]) -> Result<AvifGrid> {
    let mut r = ByteReader::new(desc);
    if r.u8()? != 0 {
        return Err(Error::Unsupported("AVIF grid version"));
    }
    let wide = r.u8()? & 1 != 0;
    let rows = u32::from(r.u8()?) + 1;
    let columns = u32::from(r.u8()?) + 1;
    let (w, h) = if wide {
        (r.u32_be()?, r.u32_be()?)
    } else {
        (u32::from(r.u16_be()?), u32::from(r.u16_be()?))
    };
    if w == 0 || h == 0 {
        return Err(Error::Malformed("AVIF grid has a zero output size"));
    }
    if w > MAX_GRID_SIDE
        || h > MAX_GRID_SIDE
        || u64::from(w) * u64::from(h) > MAX_GRID_PIXELS
        || rows * columns > MAX_GRID_TILES
    {
        return Err(Error::Limit("AVIF grid size"));
    }
    let tiles = m
        .refs
        .iter()
        .find(|(t, from, _)| t == b"dimg" && *from == id)
        .map(|(_, _, to)| to.as_slice())
        .unwrap_or_default();
    if tiles.len() != (rows * columns) as usize {
        return Err(Error::Malformed(
            "AVIF grid tile count does not match rows x columns",
        ));
    }
    let mut g = AvifGrid {
        rows,
        columns,
        output_width: w,
        output_height: h,
        tiles: Vec::with_capacity(tiles.len()),
    };
    for &t in tiles {
        if m.item_type(t) != Some(*b"av01") {
            return Err(Error::Unsupported("AVIF grid tiles that are not av01"));
        }
        let av1c = m
            .av1c(t)
            .ok_or(Error::Malformed("AVIF grid tile has no av1C"))?;
        g.tiles.push((av1c, m.extents(t)?));
    }
    Ok(g)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use crate::image::isobmff::tests::bx;
    use proptest::prelude::*;

    /// A minimal AVIF: one 8x6 `av01` item rotated a quarter turn, whose data is `payload`.
    pub(crate) fn file(payload: &[u8]) -> Vec<u8> {
        let ftyp = bx(b"ftyp", b"avif\0\0\0\0avifmif1");
        let pitm = bx(b"pitm", &[0, 0, 0, 0, 0, 1]);
        let mut infe = vec![2, 0, 0, 0, 0, 1, 0, 0];
        infe.extend_from_slice(b"av01");
        infe.push(0);
        let mut iinf = vec![0, 0, 0, 0, 0, 1];
        iinf.extend(bx(b"infe", &infe));
        let iinf = bx(b"iinf", &iinf);
        let mut ipco = bx(b"av1C", &[0x81, 0, 0x0c, 0]);
        ipco.extend(bx(b"ispe", &[0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 6]));
        ipco.extend(bx(b"irot", &[1]));
        let mut iprp = bx(b"ipco", &ipco);
        iprp.extend(bx(b"ipma", &[0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 3, 0x81, 2, 3]));
        let iprp = bx(b"iprp", &iprp);
        // iloc v0, offset 4 bytes, length 4 bytes; offset patched below.
        let iloc_body = |off: u32| {
            let mut v = vec![0, 0, 0, 0, 0x44, 0x00, 0, 1, 0, 1, 0, 0, 0, 1];
            v.extend_from_slice(&off.to_be_bytes());
            v.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            v
        };
        let build = |off: u32| {
            let mut meta = vec![0, 0, 0, 0];
            meta.extend(bx(b"hdlr", &[0; 24]));
            meta.extend(&pitm);
            meta.extend(bx(b"iloc", &iloc_body(off)));
            meta.extend(&iinf);
            meta.extend(&iprp);
            let mut f = ftyp.clone();
            f.extend(bx(b"meta", &meta));
            f
        };
        let head = build(0);
        let off = (head.len() + 8) as u32;
        let mut f = build(off);
        f.extend(bx(b"mdat", payload));
        f
    }

    #[test]
    fn reads_primary_item() {
        let f = file(b"AV1DATA");
        let img = parse(&f).unwrap().unwrap();
        assert_eq!((img.width, img.height, img.irot), (8, 6, 1));
        assert_eq!(img.av1c, [0x81, 0, 0x0c, 0]);
        assert_eq!(img.item_data(&f).unwrap(), b"AV1DATA");
        assert!(!img.has_sequence && img.alpha.is_none() && img.grid.is_none());
    }

    #[test]
    fn prefixes_never_fail() {
        let f = file(b"AV1DATA");
        for n in 0..f.len() {
            match parse(&f[..n]) {
                Ok(None) => {}
                Ok(Some(img)) => assert!(img.item_data(&f[..n]).is_none()),
                Err(e) => panic!("prefix {n}: {e:?}"),
            }
        }
    }

    #[test]
    fn corrupt_bytes_are_errors_not_panics() {
        let f = file(b"AV1DATA");
        assert!(parse(b"\0\0\0\x08moov").is_err());
        for i in 28..f.len() {
            let mut g = f.clone();
            g[i] = 0xff;
            let _ = parse(&g);
        }
    }

    proptest! {
        /// Whatever the item table says, item data comes from bytes that are there.
        #[test]
        fn item_data_is_inside(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6)) {
            let mut f = file(b"AV1DATA");
            let n = f.len();
            for (at, v) in flips {
                f[at % n] ^= v;
            }
            if let Ok(Some(img)) = parse(&f) {
                prop_assert!(img.av1c.len() >= 4);
                if let Some(d) = img.item_data(&f) {
                    prop_assert_eq!(d.len(), img.extents.iter().map(|e| e.1).sum::<usize>());
                }
            }
        }
    }
}
