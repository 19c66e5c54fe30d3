//! A bounds-checked reader for the still-image part of an AVIF file (HEIF `meta` box): the
//! primary item's AV1 bytes (`iloc`, file offsets or `idat`), its `av1C`, `ispe`, `colr` (nclx),
//! `irot` and `imir` properties, and its alpha plane: an auxiliary `av01` item linked by an
//! `auxl` reference whose `auxC` names the alpha URN. FFmpeg 5.1's mov demuxer cannot read image
//! items, so the items are handed to the AV1 decoder directly.

/// Why the bytes so far cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AvifError {
    /// More bytes are needed.
    Incomplete,
    /// The file is malformed.
    Invalid(String),
    /// The file uses a feature we do not decode.
    Unsupported(String),
}

fn invalid(m: impl Into<String>) -> AvifError {
    AvifError::Invalid(m.into())
}

/// The primary image as far as the decoder needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AvifImage {
    pub width: u32,
    pub height: u32,
    /// The `av1C` box body (4 bytes + configOBUs), used as decoder extradata.
    pub av1c: Vec<u8>,
    /// `(offset, length)` extents of the item data, absolute in the file.
    pub extents: Vec<(usize, usize)>,
    /// nclx colour: primaries, transfer, matrix, full range.
    pub nclx: Option<(u16, u16, u16, bool)>,
    /// Anti-clockwise rotation in quarter turns (`irot`).
    pub irot: u8,
    /// `imir` axis: 0 = vertical axis (left/right swap), 1 = horizontal axis (top/bottom swap).
    pub imir: Option<u8>,
    /// Whether the file also has a `moov` (an image sequence, which we do not decode).
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
pub(crate) struct AvifGrid {
    pub rows: u32,
    pub columns: u32,
    pub output_width: u32,
    pub output_height: u32,
    /// Each tile's `av1C` body and data extents.
    pub tiles: Vec<(Vec<u8>, Extents)>,
}

/// `(offset, length)` extents of an item's data, absolute in the file.
pub(crate) type Extents = Vec<(usize, usize)>;

/// The largest grid output we stitch (each side, and in pixels) and the most tiles.
const MAX_GRID_SIDE: u32 = 16384;
const MAX_GRID_PIXELS: u64 = 1 << 26;
const MAX_GRID_TILES: u32 = 4096;

/// An alpha auxiliary item: a (usually monochrome) AV1 image whose luma is the alpha plane.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AvifAlpha {
    /// Its `av1C` box body.
    pub av1c: Vec<u8>,
    /// `(offset, length)` extents of its data, absolute in the file.
    pub extents: Vec<(usize, usize)>,
    /// A `prem` reference says the colour is premultiplied by this alpha.
    pub premultiplied: bool,
}

/// The bytes of `extents` when they are all present in `d`.
pub(crate) fn extents_data(extents: &[(usize, usize)], d: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for &(o, l) in extents {
        out.extend_from_slice(d.get(o..o.checked_add(l)?)?);
    }
    Some(out)
}

impl AvifImage {
    /// The item bytes when they are all present in `d`.
    pub(crate) fn item_data(&self, d: &[u8]) -> Option<Vec<u8>> {
        extents_data(&self.extents, d)
    }
}

/// `auxC` URNs that mark an alpha plane (AVIF, and the HEVC one AVIF readers also accept).
const ALPHA_URNS: [&[u8]; 2] = [
    b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha",
    b"urn:mpeg:hevc:2015:auxid:1",
];

struct Reader<'a> {
    d: &'a [u8],
    p: usize,
}

impl<'a> Reader<'a> {
    fn new(d: &'a [u8]) -> Self {
        Self { d, p: 0 }
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], AvifError> {
        let end = self.p.checked_add(n).ok_or_else(|| invalid("overflow"))?;
        let b = self
            .d
            .get(self.p..end)
            .ok_or_else(|| invalid("box too short"))?;
        self.p = end;
        Ok(b)
    }
    fn u8(&mut self) -> Result<u8, AvifError> {
        Ok(self.bytes(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, AvifError> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, AvifError> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// An unsigned big-endian integer of `n` (0, 4 or 8) bytes.
    fn uint(&mut self, n: u8) -> Result<u64, AvifError> {
        match n {
            0 => Ok(0),
            4 => Ok(u64::from(self.u32()?)),
            8 => {
                let b = self.bytes(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Ok(u64::from_be_bytes(a))
            }
            _ => Err(invalid("unsupported iloc field size")),
        }
    }
    fn full_box(&mut self) -> Result<(u8, u32), AvifError> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0x00ff_ffff))
    }
}

/// Iterates the boxes in `d` as `(type, body, body offset in d)`.
/// A child box: type, body and the body's offset in the parent.
type BoxRef<'a> = ([u8; 4], &'a [u8], usize);

fn boxes(d: &[u8]) -> Result<Vec<BoxRef<'_>>, AvifError> {
    let mut out = Vec::new();
    let mut p = 0;
    while p < d.len() {
        let mut r = Reader { d, p };
        let size = r.u32().map_err(|_| invalid("truncated box header"))? as u64;
        let ty = r.bytes(4).map_err(|_| invalid("truncated box header"))?;
        let mut header = 8u64;
        let size = match size {
            1 => {
                header = 16;
                r.uint(8).map_err(|_| invalid("truncated box header"))?
            }
            0 => (d.len() - p) as u64,
            s => s,
        };
        if size < header {
            return Err(invalid("box size smaller than its header"));
        }
        let end = (p as u64)
            .checked_add(size)
            .ok_or_else(|| invalid("overflow"))?;
        if end > d.len() as u64 {
            return Err(invalid("box runs past its parent"));
        }
        let body_start = p + header as usize;
        out.push((
            [ty[0], ty[1], ty[2], ty[3]],
            &d[body_start..end as usize],
            body_start,
        ));
        p = end as usize;
    }
    Ok(out)
}

/// Where the top-level boxes we need are.
#[derive(Debug, Clone, Copy, Default)]
struct TopLevel {
    /// Body range of a complete `meta` box.
    meta: Option<(usize, usize)>,
    /// Body range of a complete `moov` box.
    moov: Option<(usize, usize)>,
    /// The `ftyp` names the `avis` (image sequence) brand.
    avis: bool,
}

/// Finds the top-level boxes in a (possibly partial) file. `Incomplete` until `ftyp` and a
/// complete `meta` are here.
fn top_level(d: &[u8]) -> Result<TopLevel, AvifError> {
    let mut p = 0;
    let mut ftyp_ok = false;
    let mut t = TopLevel::default();
    loop {
        if p + 8 > d.len() {
            break;
        }
        let size = u32::from_be_bytes([d[p], d[p + 1], d[p + 2], d[p + 3]]) as u64;
        let ty = &d[p + 4..p + 8];
        let (header, size) = match size {
            1 => {
                let Some(b) = d.get(p + 8..p + 16) else { break };
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                (16u64, u64::from_be_bytes(a))
            }
            0 => (8, u64::MAX),
            s => (8, s),
        };
        if size < header {
            return Err(invalid("box size smaller than its header"));
        }
        let complete = size != u64::MAX && p as u64 + size <= d.len() as u64;
        if p == 0 {
            if ty != b"ftyp" {
                return Err(invalid("not an ISOBMFF file (no ftyp)"));
            }
            if !complete {
                break;
            }
            ftyp_ok = true;
            let body = &d[p + 8..p + size as usize];
            t.avis = body
                .chunks_exact(4)
                .enumerate()
                .any(|(i, b)| i != 1 && b == b"avis");
        }
        if complete && (ty == b"meta" || ty == b"moov") {
            let range = Some((p + header as usize, p + size as usize));
            if ty == b"meta" {
                t.meta = range;
            } else {
                t.moov = range;
            }
        }
        if size == u64::MAX {
            break;
        }
        p = match usize::try_from(p as u64 + size) {
            Ok(v) => v,
            Err(_) => break,
        };
    }
    if !ftyp_ok || t.meta.is_none() {
        return Err(AvifError::Incomplete);
    }
    Ok(t)
}

/// An AV1 image sequence track (`moov`), as far as the decoder needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AvifSequence {
    /// The sample entry's `av1C` body.
    pub av1c: Vec<u8>,
    /// `(offset, size)` of every sample, absolute in the file.
    pub samples: Vec<(usize, usize)>,
    /// Every sample's duration in microseconds.
    pub durations_us: Vec<u64>,
    /// The edit list asks for endless repetition.
    pub repeat_forever: bool,
}

fn find<'a>(list: &[BoxRef<'a>], ty: &[u8; 4]) -> Option<&'a [u8]> {
    list.iter().find(|(t, _, _)| t == ty).map(|(_, b, _)| *b)
}

fn parse_trak(trak: &[u8]) -> Result<Option<AvifSequence>, AvifError> {
    let kids = boxes(trak)?;
    let Some(mdia) = find(&kids, b"mdia") else {
        return Ok(None);
    };
    let mdia = boxes(mdia)?;
    let hdlr = find(&mdia, b"hdlr").ok_or_else(|| invalid("track without hdlr"))?;
    let handler = hdlr.get(8..12).ok_or_else(|| invalid("short hdlr"))?;
    if handler != b"pict" && handler != b"vide" {
        return Ok(None);
    }
    let mdhd = find(&mdia, b"mdhd").ok_or_else(|| invalid("track without mdhd"))?;
    let mut r = Reader::new(mdhd);
    let (v, _) = r.full_box()?;
    r.bytes(if v == 1 { 16 } else { 8 })?;
    let timescale = u64::from(r.u32()?.max(1));
    let minf = boxes(find(&mdia, b"minf").ok_or_else(|| invalid("track without minf"))?)?;
    let stbl = boxes(find(&minf, b"stbl").ok_or_else(|| invalid("track without stbl"))?)?;
    let stsd = find(&stbl, b"stsd").ok_or_else(|| invalid("track without stsd"))?;
    let entries = boxes(stsd.get(8..).ok_or_else(|| invalid("short stsd"))?)?;
    let Some((ty, entry, _)) = entries.first() else {
        return Err(invalid("empty stsd"));
    };
    if ty != b"av01" {
        return Err(invalid("AVIF sequence track is not AV1"));
    }
    // VisualSampleEntry: 78 bytes before its child boxes.
    let children = boxes(entry.get(78..).ok_or_else(|| invalid("short av01 entry"))?)?;
    let av1c = find(&children, b"av1C").ok_or_else(|| invalid("av01 entry without av1C"))?;

    let mut sizes = Vec::new();
    let stsz = find(&stbl, b"stsz").ok_or_else(|| invalid("track without stsz"))?;
    let mut r = Reader::new(stsz);
    r.full_box()?;
    let fixed = r.u32()?;
    let count = r.u32()? as usize;
    if count > stsz.len() * 8 + 1_000_000 {
        return Err(invalid("implausible sample count"));
    }
    for _ in 0..count {
        sizes.push(if fixed != 0 { fixed } else { r.u32()? } as usize);
    }
    let mut chunk_offsets = Vec::new();
    if let Some(stco) = find(&stbl, b"stco") {
        let mut r = Reader::new(stco);
        r.full_box()?;
        for _ in 0..r.u32()? {
            chunk_offsets.push(u64::from(r.u32()?));
        }
    } else if let Some(co64) = find(&stbl, b"co64") {
        let mut r = Reader::new(co64);
        r.full_box()?;
        for _ in 0..r.u32()? {
            chunk_offsets.push(r.uint(8)?);
        }
    } else {
        return Err(invalid("track without chunk offsets"));
    }
    let stsc = find(&stbl, b"stsc").ok_or_else(|| invalid("track without stsc"))?;
    let mut r = Reader::new(stsc);
    r.full_box()?;
    let mut runs = Vec::new();
    for _ in 0..r.u32()? {
        let first = r.u32()?;
        let per_chunk = r.u32()?;
        r.u32()?;
        runs.push((first.max(1) as usize, per_chunk as usize));
    }
    let mut samples = Vec::with_capacity(count);
    let mut s = 0;
    for (ci, &off) in chunk_offsets.iter().enumerate() {
        let chunk = ci + 1;
        let per = runs
            .iter()
            .rev()
            .find(|(first, _)| *first <= chunk)
            .map_or(0, |(_, n)| *n);
        let mut o = usize::try_from(off).map_err(|_| invalid("offset too large"))?;
        for _ in 0..per {
            let Some(&size) = sizes.get(s) else { break };
            samples.push((o, size));
            o = o.checked_add(size).ok_or_else(|| invalid("overflow"))?;
            s += 1;
        }
    }
    if samples.len() != count || count == 0 {
        return Err(invalid("sample tables disagree"));
    }
    let stts = find(&stbl, b"stts").ok_or_else(|| invalid("track without stts"))?;
    let mut r = Reader::new(stts);
    r.full_box()?;
    let mut durations_us = Vec::with_capacity(count);
    for _ in 0..r.u32()? {
        let n = r.u32()? as usize;
        let delta = u64::from(r.u32()?);
        // Only the first `count` durations matter: a corrupt run of 2^32 samples must not
        // loop 2^32 times.
        let n = n.min(count - durations_us.len());
        durations_us.extend(std::iter::repeat(delta * 1_000_000 / timescale).take(n));
    }
    durations_us.resize(count, 0);
    let mut repeat_forever = false;
    if let Some(edts) = find(&kids, b"edts") {
        if let Some(elst) = find(&boxes(edts)?, b"elst") {
            let mut r = Reader::new(elst);
            repeat_forever = r.full_box()?.1 & 1 != 0;
        }
    }
    Ok(Some(AvifSequence {
        av1c: av1c.to_vec(),
        samples,
        durations_us,
        repeat_forever,
    }))
}

/// The first AV1 picture track of the file's `moov`, if the file has one and it is complete.
pub(crate) fn parse_sequence(d: &[u8]) -> Result<Option<AvifSequence>, AvifError> {
    let t = top_level(d)?;
    let Some((a, b)) = t.moov else {
        return if t.avis {
            Err(AvifError::Incomplete)
        } else {
            Ok(None)
        };
    };
    for (ty, body, _) in boxes(&d[a..b])? {
        if &ty == b"trak" {
            if let Some(s) = parse_trak(body)? {
                return Ok(Some(s));
            }
        }
    }
    Ok(None)
}

#[derive(Default)]
struct Loc {
    method: u16,
    base: u64,
    extents: Vec<(u64, u64)>,
}

/// Parses the primary image of an AVIF file (or the prefix received so far).
pub(crate) fn parse(d: &[u8]) -> Result<AvifImage, AvifError> {
    let t = top_level(d)?;
    let (meta_start, meta_end) = t.meta.ok_or(AvifError::Incomplete)?;
    let moov = t.avis || t.moov.is_some();
    let mut r = Reader::new(&d[meta_start..meta_end]);
    r.full_box()?;
    let children = boxes(&d[meta_start + 4..meta_end])?;
    let mut primary: Option<u32> = None;
    let mut locs: Vec<(u32, Loc)> = Vec::new();
    let mut item_types: Vec<(u32, [u8; 4])> = Vec::new();
    let mut props: Vec<([u8; 4], &[u8])> = Vec::new();
    let mut assoc: Vec<(u32, Vec<u16>)> = Vec::new();
    let mut refs: Vec<([u8; 4], u32, Vec<u32>)> = Vec::new();
    let mut idat: Option<usize> = None;
    for (ty, body, off) in &children {
        let mut r = Reader::new(body);
        match ty {
            b"pitm" => {
                let (v, _) = r.full_box()?;
                primary = Some(if v == 0 {
                    u32::from(r.u16()?)
                } else {
                    r.u32()?
                });
            }
            b"iloc" => {
                let (v, _) = r.full_box()?;
                let a = r.u8()?;
                let b = r.u8()?;
                let (off_size, len_size, base_size) = (a >> 4, a & 15, b >> 4);
                let index_size = if v == 1 || v == 2 { b & 15 } else { 0 };
                let count = if v < 2 { u32::from(r.u16()?) } else { r.u32()? };
                for _ in 0..count {
                    let id = if v < 2 { u32::from(r.u16()?) } else { r.u32()? };
                    let method = if v == 1 || v == 2 { r.u16()? & 15 } else { 0 };
                    let _dref = r.u16()?;
                    let base = r.uint(base_size)?;
                    let n = r.u16()?;
                    let mut extents = Vec::new();
                    for _ in 0..n {
                        r.uint(index_size)?;
                        let o = r.uint(off_size)?;
                        let l = r.uint(len_size)?;
                        extents.push((o, l));
                    }
                    locs.push((
                        id,
                        Loc {
                            method,
                            base,
                            extents,
                        },
                    ));
                }
            }
            b"iinf" => {
                let (v, _) = r.full_box()?;
                let _count = if v == 0 {
                    u32::from(r.u16()?)
                } else {
                    r.u32()?
                };
                for (ety, ebody, _) in boxes(&body[r.p..])? {
                    if &ety != b"infe" {
                        continue;
                    }
                    let mut e = Reader::new(ebody);
                    let (ev, _) = e.full_box()?;
                    if ev < 2 {
                        continue;
                    }
                    let id = if ev == 2 {
                        u32::from(e.u16()?)
                    } else {
                        e.u32()?
                    };
                    e.u16()?;
                    let t = e.bytes(4)?;
                    item_types.push((id, [t[0], t[1], t[2], t[3]]));
                }
            }
            b"iprp" => {
                for (pty, pbody, _) in boxes(body)? {
                    if &pty == b"ipco" {
                        props = boxes(pbody)?.into_iter().map(|(t, b, _)| (t, b)).collect();
                    } else if &pty == b"ipma" {
                        let mut m = Reader::new(pbody);
                        let (v, flags) = m.full_box()?;
                        let n = m.u32()?;
                        for _ in 0..n {
                            let id = if v < 1 { u32::from(m.u16()?) } else { m.u32()? };
                            let k = m.u8()?;
                            let mut list = Vec::new();
                            for _ in 0..k {
                                let idx = if flags & 1 != 0 {
                                    m.u16()? & 0x7fff
                                } else {
                                    u16::from(m.u8()? & 0x7f)
                                };
                                list.push(idx);
                            }
                            assoc.push((id, list));
                        }
                    }
                }
            }
            b"iref" => {
                let (v, _) = r.full_box()?;
                for (rty, rbody, _) in boxes(&body[r.p..])? {
                    let mut e = Reader::new(rbody);
                    let mut id = || -> Result<u32, AvifError> {
                        Ok(if v == 0 {
                            u32::from(e.u16()?)
                        } else {
                            e.u32()?
                        })
                    };
                    let from = id()?;
                    let mut to = Vec::new();
                    let n = {
                        let b = e.bytes(2)?;
                        u16::from_be_bytes([b[0], b[1]])
                    };
                    for _ in 0..n {
                        to.push(if v == 0 {
                            u32::from(e.u16()?)
                        } else {
                            e.u32()?
                        });
                    }
                    refs.push((rty, from, to));
                }
            }
            b"idat" => idat = Some(*off + meta_start + 4),
            _ => {}
        }
    }
    let item_type = |id: u32| item_types.iter().find(|(i, _)| *i == id).map(|(_, t)| *t);
    let extents_of = |id: u32| -> Result<Vec<(usize, usize)>, AvifError> {
        let loc = locs
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, l)| l)
            .ok_or_else(|| invalid("AVIF item has no location"))?;
        item_extents(loc, idat)
    };
    let props_of = |id: u32| -> Vec<([u8; 4], &[u8])> {
        let list = assoc
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, l)| l.as_slice())
            .unwrap_or_default();
        list.iter()
            .filter_map(|&idx| (idx as usize).checked_sub(1).and_then(|i| props.get(i)))
            .copied()
            .collect()
    };
    let id = primary.ok_or_else(|| invalid("AVIF has no primary item (pitm)"))?;
    let av1c_of = |item: u32| {
        props_of(item)
            .into_iter()
            .find(|(t, _)| t == b"av1C")
            .map(|(_, b)| b.to_vec())
            .filter(|b| b.len() >= 4)
    };
    let mut img = AvifImage {
        has_sequence: moov,
        ..Default::default()
    };
    match item_type(id) {
        Some([b'a', b'v', b'0', b'1']) => img.extents = extents_of(id)?,
        Some([b'g', b'r', b'i', b'd']) => {
            let grid =
                parse_grid(&extents_data(&extents_of(id)?, d).ok_or(AvifError::Incomplete)?)?;
            let (rows, columns, output_width, output_height) = grid;
            let tiles = refs
                .iter()
                .find(|(t, from, _)| t == b"dimg" && *from == id)
                .map(|(_, _, to)| to.clone())
                .unwrap_or_default();
            if tiles.len() != (rows * columns) as usize {
                return Err(invalid(
                    "AVIF grid tile count does not match rows x columns",
                ));
            }
            let mut g = AvifGrid {
                rows,
                columns,
                output_width,
                output_height,
                tiles: Vec::new(),
            };
            for t in tiles {
                if item_type(t) != Some(*b"av01") {
                    return Err(AvifError::Unsupported(
                        "AVIF grid tiles must be av01".into(),
                    ));
                }
                let av1c = av1c_of(t).ok_or_else(|| invalid("AVIF grid tile has no av1C"))?;
                g.tiles.push((av1c, extents_of(t)?));
            }
            img.av1c = g.tiles.first().map(|t| t.0.clone()).unwrap_or_default();
            img.grid = Some(g);
        }
        Some(t) => {
            return Err(AvifError::Unsupported(format!(
                "AVIF primary item type '{}' is not supported",
                String::from_utf8_lossy(&t)
            )))
        }
        None => return Err(invalid("AVIF primary item has no item info")),
    }
    for (ty, body) in props_of(id) {
        let mut r = Reader::new(body);
        match &ty {
            b"av1C" => img.av1c = body.to_vec(),
            b"ispe" => {
                r.full_box()?;
                img.width = r.u32()?;
                img.height = r.u32()?;
            }
            b"colr" if body.starts_with(b"nclx") => {
                r.bytes(4)?;
                let p = r.u16()?;
                let t = r.u16()?;
                let m = r.u16()?;
                let f = r.u8()? & 0x80 != 0;
                img.nclx = Some((p, t, m, f));
            }
            b"irot" => img.irot = r.u8()? & 3,
            b"imir" => img.imir = Some(r.u8()? & 1),
            _ => {}
        }
    }
    if img.av1c.len() < 4 {
        return Err(invalid("AVIF primary item has no av1C"));
    }
    // The alpha plane: an av01 item with an `auxl` reference to the primary item and an alpha
    // `auxC`.
    let alpha_id = refs
        .iter()
        .filter(|(t, _, to)| t == b"auxl" && to.contains(&id))
        .map(|(_, from, _)| *from)
        .find(|&a| {
            props_of(a).iter().any(|(t, b)| {
                t == b"auxC"
                    && ALPHA_URNS
                        .iter()
                        .any(|u| b.get(4..).is_some_and(|s| s.starts_with(u)))
            })
        });
    if let Some(a) = alpha_id {
        if item_type(a) != Some(*b"av01") {
            return Err(AvifError::Unsupported(
                "AVIF alpha planes that are not a single av01 item (e.g. grids) are not supported"
                    .into(),
            ));
        }
        let av1c = av1c_of(a).ok_or_else(|| invalid("AVIF alpha item has no av1C"))?;
        let premultiplied = refs
            .iter()
            .any(|(t, from, to)| t == b"prem" && *from == id && to.contains(&a));
        img.alpha = Some(AvifAlpha {
            av1c,
            extents: extents_of(a)?,
            premultiplied,
        });
    }
    Ok(img)
}

/// The `ImageGrid` structure of a `grid` item: rows, columns, output width and height.
fn parse_grid(b: &[u8]) -> Result<(u32, u32, u32, u32), AvifError> {
    let mut r = Reader::new(b);
    if r.u8()? != 0 {
        return Err(AvifError::Unsupported("AVIF grid version".into()));
    }
    let wide = r.u8()? & 1 != 0;
    let rows = u32::from(r.u8()?) + 1;
    let columns = u32::from(r.u8()?) + 1;
    let (w, h) = if wide {
        (r.u32()?, r.u32()?)
    } else {
        (u32::from(r.u16()?), u32::from(r.u16()?))
    };
    if w == 0 || h == 0 {
        return Err(invalid("AVIF grid has a zero output size"));
    }
    if w > MAX_GRID_SIDE
        || h > MAX_GRID_SIDE
        || u64::from(w) * u64::from(h) > MAX_GRID_PIXELS
        || rows * columns > MAX_GRID_TILES
    {
        return Err(AvifError::Unsupported(format!(
            "AVIF grid of {rows}x{columns} tiles, {w}x{h} pixels, is larger than we decode"
        )));
    }
    Ok((rows, columns, w, h))
}

/// The absolute `(offset, length)` extents of an item.
fn item_extents(loc: &Loc, idat: Option<usize>) -> Result<Vec<(usize, usize)>, AvifError> {
    let origin = match loc.method {
        0 => 0u64,
        1 => idat.ok_or_else(|| invalid("iloc refers to a missing idat"))? as u64,
        _ => return Err(invalid("iloc construction method 2 is not supported")),
    };
    let mut out = Vec::new();
    for &(o, l) in &loc.extents {
        let start = origin
            .checked_add(loc.base)
            .and_then(|v| v.checked_add(o))
            .ok_or_else(|| invalid("overflow"))?;
        if l == 0 {
            return Err(invalid("open-ended iloc extents are not supported"));
        }
        let start = usize::try_from(start).map_err(|_| invalid("offset too large"))?;
        let l = usize::try_from(l).map_err(|_| invalid("length too large"))?;
        out.push((start, l));
    }
    if out.is_empty() {
        return Err(invalid("AVIF item has no data"));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn bx(ty: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(ty);
        v.extend_from_slice(body);
        v
    }

    fn file(payload: &[u8]) -> Vec<u8> {
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
        let img = parse(&f).unwrap();
        assert_eq!((img.width, img.height, img.irot), (8, 6, 1));
        assert_eq!(img.av1c, [0x81, 0, 0x0c, 0]);
        assert_eq!(img.item_data(&f).unwrap(), b"AV1DATA");
        assert!(!img.has_sequence);
    }

    #[test]
    fn huge_stts_run_is_cut_to_the_sample_count() {
        // Regression (found by image/scan_fuzz.rs): an `stts` entry of 2^32 - 1 samples looped
        // 2^32 times (40 s in a debug build) on every rescan of the data.
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/wpt-media/four-colors-flip.avif");
        let Ok(mut d) = std::fs::read(path) else {
            return;
        };
        let good = parse_sequence(&d).unwrap().unwrap();
        let at = d.windows(4).position(|w| w == b"stts").unwrap();
        d[at + 12..at + 16].fill(0xff); // first entry's sample_count
        let t0 = std::time::Instant::now();
        let s = parse_sequence(&d).unwrap().unwrap();
        assert!(t0.elapsed() < std::time::Duration::from_millis(500));
        assert_eq!(s.samples, good.samples);
        assert_eq!(s.durations_us.len(), good.durations_us.len());
        assert_eq!(s.durations_us[0], good.durations_us[0]);
    }

    #[test]
    fn prefixes_never_panic() {
        let f = file(b"AV1DATA");
        for n in 0..f.len() {
            match parse(&f[..n]) {
                Err(AvifError::Incomplete) => {}
                Ok(img) => assert!(img.item_data(&f[..n]).is_none()),
                Err(e) => panic!("prefix {n}: {e:?}"),
            }
        }
    }

    #[test]
    fn corrupt_bytes_never_panic() {
        let f = file(b"AV1DATA");
        assert!(parse(b"\0\0\0\x08moov").is_err());
        // Flip every byte after ftyp to 0xff in turn: each parse must return, not panic.
        for i in 28..f.len() {
            let mut g = f.clone();
            g[i] = 0xff;
            let _ = parse(&g);
            let _ = parse_sequence(&g);
        }
    }
}
