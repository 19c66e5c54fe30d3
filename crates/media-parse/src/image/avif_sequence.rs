//! The image sequence of an animated AVIF (`moov`): the first AV1 picture track's sample
//! entry, sample offsets and sizes (`stsz`, `stco`/`co64`, `stsc`), durations (`stts`,
//! `mdhd` timescale) and whether its edit list repeats forever.

use crate::error::{Error, Result};
use crate::image::avif::avif_top;
use crate::image::isobmff::{boxes, find, full_box, BoxRef};
use crate::reader::ByteReader;

/// An AV1 image sequence track, as far as a decoder needs it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AvifSequence {
    /// The sample entry's `av1C` body.
    pub av1c: Vec<u8>,
    /// `(offset, size)` of every sample, absolute in the file.
    pub samples: Vec<(usize, usize)>,
    /// Every sample's duration in microseconds.
    pub durations_us: Vec<u64>,
    /// The edit list asks for endless repetition.
    pub repeat_forever: bool,
}

/// What a file prefix says about its image sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SequenceScan {
    /// The `meta` box, or an announced (`avis` brand) `moov`, has not arrived yet.
    NeedMore,
    /// The file has no AV1 picture track.
    Absent,
    /// The first AV1 picture track.
    Present(AvifSequence),
}

/// The first AV1 picture track of the file's `moov`.
///
/// # Errors
/// [`Error::Malformed`] for a broken track (missing tables, tables that disagree, a sample entry
/// that is not `av01`); [`Error::Limit`] for an implausible sample count.
pub fn parse_sequence(d: &[u8]) -> Result<SequenceScan> {
    let Some(top) = avif_top(d)? else {
        return Ok(SequenceScan::NeedMore);
    };
    let Some((a, b)) = top.moov else {
        return Ok(if top.avis {
            SequenceScan::NeedMore
        } else {
            SequenceScan::Absent
        });
    };
    let mut r = ByteReader::new(d);
    r.seek(a)?;
    for t in boxes(r.take(b - a)?)? {
        if &t.ty == b"trak" {
            if let Some(s) = parse_trak(t.body)? {
                return Ok(SequenceScan::Present(s));
            }
        }
    }
    Ok(SequenceScan::Absent)
}

fn need<'a>(list: &[BoxRef<'a>], ty: &[u8; 4], what: &'static str) -> Result<&'a [u8]> {
    find(list, ty).ok_or(Error::Malformed(what))
}

/// A full box's body after its version/flags.
fn full(body: &[u8]) -> Result<ByteReader<'_>> {
    let mut r = ByteReader::new(body);
    full_box(&mut r)?;
    Ok(r)
}

fn parse_trak(trak: &[u8]) -> Result<Option<AvifSequence>> {
    let kids = boxes(trak)?;
    let Some(mdia) = find(&kids, b"mdia") else {
        return Ok(None);
    };
    let mdia = boxes(mdia)?;
    let mut hdlr = full(need(&mdia, b"hdlr", "track without hdlr")?)?;
    hdlr.skip(4)?; // pre_defined
    let handler = hdlr.array::<4>()?;
    if &handler != b"pict" && &handler != b"vide" {
        return Ok(None);
    }
    let mdhd = need(&mdia, b"mdhd", "track without mdhd")?;
    let mut r = ByteReader::new(mdhd);
    let (v, _) = full_box(&mut r)?;
    r.skip(if v == 1 { 16 } else { 8 })?; // creation and modification times
    let timescale = u64::from(r.u32_be()?.max(1));
    let minf = boxes(need(&mdia, b"minf", "track without minf")?)?;
    let stbl = boxes(need(&minf, b"stbl", "track without stbl")?)?;
    let mut stsd = full(need(&stbl, b"stsd", "track without stsd")?)?;
    stsd.skip(4)?; // entry count
    let entries = boxes(stsd.rest())?;
    let entry = entries.first().ok_or(Error::Malformed("empty stsd"))?;
    if &entry.ty != b"av01" {
        return Err(Error::Malformed("AVIF sequence track is not AV1"));
    }
    // VisualSampleEntry: 78 bytes before its child boxes.
    let mut e = ByteReader::new(entry.body);
    e.skip(78)?;
    let av1c = find(&boxes(e.rest())?, b"av1C")
        .ok_or(Error::Malformed("av01 entry without av1C"))?
        .to_vec();
    let sizes = sample_sizes(need(&stbl, b"stsz", "track without stsz")?)?;
    let count = sizes.len();
    let samples = sample_offsets(&stbl, &sizes)?;
    let durations_us = durations(
        need(&stbl, b"stts", "track without stts")?,
        count,
        timescale,
    )?;
    let mut repeat_forever = false;
    if let Some(edts) = find(&kids, b"edts") {
        if let Some(elst) = find(&boxes(edts)?, b"elst") {
            repeat_forever = full_box(&mut ByteReader::new(elst))?.1 & 1 != 0;
        }
    }
    Ok(Some(AvifSequence {
        av1c,
        samples,
        durations_us,
        repeat_forever,
    }))
}

/// `stsz`: every sample's size.
fn sample_sizes(stsz: &[u8]) -> Result<Vec<usize>> {
    let mut r = full(stsz)?;
    let fixed = r.u32_be()?;
    let count = r.u32_be()? as usize;
    // Each listed size takes 4 bytes; a fixed size lists none, so bound the count anyway.
    if count > stsz.len() * 8 + 1_000_000 {
        return Err(Error::Limit("AVIF sequence sample count"));
    }
    (0..count)
        .map(|_| Ok(if fixed != 0 { fixed } else { r.u32_be()? } as usize))
        .collect()
}

/// `stco`/`co64` and `stsc`: every sample's `(offset, size)`.
fn sample_offsets(stbl: &[BoxRef<'_>], sizes: &[usize]) -> Result<Vec<(usize, usize)>> {
    let mut chunk_offsets = Vec::new();
    if let Some(stco) = find(stbl, b"stco") {
        let mut r = full(stco)?;
        for _ in 0..r.u32_be()? {
            chunk_offsets.push(u64::from(r.u32_be()?));
        }
    } else if let Some(co64) = find(stbl, b"co64") {
        let mut r = full(co64)?;
        for _ in 0..r.u32_be()? {
            chunk_offsets.push(r.u64_be()?);
        }
    } else {
        return Err(Error::Malformed("track without chunk offsets"));
    }
    let mut r = full(need(stbl, b"stsc", "track without stsc")?)?;
    let mut runs = Vec::new();
    for _ in 0..r.u32_be()? {
        let first = r.u32_be()?;
        let per_chunk = r.u32_be()?;
        let _description_index = r.u32_be()?;
        runs.push((first.max(1) as usize, per_chunk as usize));
    }
    let mut samples = Vec::with_capacity(sizes.len());
    let mut s = 0;
    for (ci, &off) in chunk_offsets.iter().enumerate() {
        let chunk = ci + 1;
        let per = runs
            .iter()
            .rev()
            .find(|(first, _)| *first <= chunk)
            .map_or(0, |(_, n)| *n);
        let mut o = usize::try_from(off).map_err(|_| Error::Limit("chunk offset"))?;
        for _ in 0..per {
            let Some(&size) = sizes.get(s) else { break };
            samples.push((o, size));
            o = o
                .checked_add(size)
                .ok_or(Error::Malformed("sample offset overflows"))?;
            s += 1;
        }
    }
    if samples.len() != sizes.len() || sizes.is_empty() {
        return Err(Error::Malformed("sample tables disagree"));
    }
    Ok(samples)
}

/// `stts`: the first `count` durations, in microseconds (missing ones are 0).
fn durations(stts: &[u8], count: usize, timescale: u64) -> Result<Vec<u64>> {
    let mut r = full(stts)?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..r.u32_be()? {
        let n = r.u32_be()? as usize;
        let delta = u64::from(r.u32_be()?);
        // Only the first `count` durations matter: a corrupt run of 2^32 samples must not
        // loop 2^32 times.
        let n = n.min(count - out.len());
        out.extend(std::iter::repeat_n(delta * 1_000_000 / timescale, n));
    }
    out.resize(count, 0);
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::image::avif::tests::file;
    use crate::image::isobmff::tests::bx;

    fn full_bx(ty: &[u8], body: &[u8]) -> Vec<u8> {
        let mut v = vec![0, 0, 0, 0];
        v.extend_from_slice(body);
        bx(ty, &v)
    }

    /// A `moov` with one AV1 track of `sizes.len()` samples in one chunk at `at`, 1/10 s each
    /// (the first `stts` run covers `run` samples).
    fn moov(sizes: &[u32], at: u32, run: u32) -> Vec<u8> {
        let mut mdhd = vec![0; 8];
        mdhd.extend_from_slice(&1000u32.to_be_bytes());
        mdhd.extend_from_slice(&[0; 8]);
        let mut hdlr = vec![0; 4];
        hdlr.extend_from_slice(b"pict");
        hdlr.extend_from_slice(&[0; 12]);
        let mut entry = vec![0u8; 78];
        entry.extend(bx(b"av1C", &[0x81, 0, 0x0c, 0]));
        let mut stsd = 1u32.to_be_bytes().to_vec();
        stsd.extend(bx(b"av01", &entry));
        let mut stsz = 0u32.to_be_bytes().to_vec();
        stsz.extend_from_slice(&(sizes.len() as u32).to_be_bytes());
        for s in sizes {
            stsz.extend_from_slice(&s.to_be_bytes());
        }
        let mut stsc = 1u32.to_be_bytes().to_vec();
        for v in [1, sizes.len() as u32, 1] {
            stsc.extend_from_slice(&v.to_be_bytes());
        }
        let mut stco = 1u32.to_be_bytes().to_vec();
        stco.extend_from_slice(&at.to_be_bytes());
        let mut stts = 1u32.to_be_bytes().to_vec();
        stts.extend_from_slice(&run.to_be_bytes());
        stts.extend_from_slice(&100u32.to_be_bytes());
        let mut stbl = full_bx(b"stsd", &stsd);
        stbl.extend(full_bx(b"stsz", &stsz));
        stbl.extend(full_bx(b"stsc", &stsc));
        stbl.extend(full_bx(b"stco", &stco));
        stbl.extend(full_bx(b"stts", &stts));
        let minf = bx(b"minf", &bx(b"stbl", &stbl));
        let mut mdia = full_bx(b"mdhd", &mdhd);
        mdia.extend(full_bx(b"hdlr", &hdlr));
        mdia.extend(minf);
        let mut trak = bx(b"mdia", &mdia);
        let elst = bx(b"elst", &[0, 0, 0, 1, 0, 0, 0, 0]);
        trak.extend(bx(b"edts", &elst));
        bx(b"moov", &bx(b"trak", &trak))
    }

    #[test]
    fn reads_the_track() {
        let mut f = file(b"AV1DATA");
        f.extend(moov(&[3, 4], 100, 2));
        let SequenceScan::Present(s) = parse_sequence(&f).unwrap() else {
            panic!("no sequence");
        };
        assert_eq!(s.samples, [(100, 3), (103, 4)]);
        assert_eq!(s.durations_us, [100_000, 100_000]);
        assert_eq!(s.av1c, [0x81, 0, 0x0c, 0]);
        assert!(s.repeat_forever);
        assert_eq!(parse_sequence(&file(b"x")).unwrap(), SequenceScan::Absent);
        assert_eq!(parse_sequence(&f[..20]).unwrap(), SequenceScan::NeedMore);
    }

    #[test]
    fn huge_stts_run_is_cut_to_the_sample_count() {
        // Regression (found by the old scanner mutation loop): an `stts` entry of 2^32 - 1
        // samples looped 2^32 times (40 s in a debug build) on every rescan of the data.
        let mut f = file(b"AV1DATA");
        f.extend(moov(&[3, 4], 100, u32::MAX));
        let t0 = std::time::Instant::now();
        let SequenceScan::Present(s) = parse_sequence(&f).unwrap() else {
            panic!("no sequence");
        };
        assert!(t0.elapsed() < std::time::Duration::from_millis(500));
        assert_eq!(s.durations_us, [100_000, 100_000]);
    }

    #[test]
    fn broken_tables_are_errors() {
        let mut f = file(b"AV1DATA");
        let mut m = moov(&[3, 4], 100, 2);
        let at = m.windows(4).position(|w| w == b"stco").unwrap();
        m[at..at + 4].copy_from_slice(b"xxxx");
        f.extend(m);
        assert_eq!(
            parse_sequence(&f),
            Err(Error::Malformed("track without chunk offsets"))
        );
        for i in 0..f.len() {
            let mut g = f.clone();
            g[i] ^= 0xff;
            let _ = parse_sequence(&g);
        }
    }
}
