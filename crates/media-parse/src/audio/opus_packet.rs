//! Opus packet framing: RFC 6716 §3.2 (a TOC byte and one to 48 frames) and Appendix B's
//! self-delimiting variant, which multistream packets (RFC 7845 §5.1.1) use for every stream
//! but the last. [`read_multistream`] splits a packet into its frames, [`concatenate`] joins
//! consecutive packets into one: an encoder that makes only some frame durations (libopus:
//! 2.5, 5, 10, 20, 40 and 60 ms) thus gives any multiple of 2.5 ms up to 120 ms, as several
//! equal frames in one code 3 packet (what libopus's own repacketizer does for 80–120 ms).

use crate::{ByteReader, Error, Result};

/// The most frames one packet holds (RFC 6716 §3.2.5: 120 ms of 2.5 ms frames).
pub const MAX_FRAMES: usize = 48;
/// The longest frame in bytes (RFC 6716 §3.4, R2).
pub const MAX_FRAME_BYTES: usize = 1275;
/// The longest packet in 48 kHz samples (120 ms, RFC 6716 §3.2.5).
pub const MAX_PACKET_SAMPLES: u32 = 5760;

/// An Opus mode (RFC 6716 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// SILK only (configurations 0–11).
    Silk,
    /// SILK and CELT (12–15).
    Hybrid,
    /// CELT only (16–31).
    Celt,
}

/// An Opus audio bandwidth (RFC 6716 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bandwidth {
    /// 4 kHz.
    Narrow,
    /// 6 kHz.
    Medium,
    /// 8 kHz.
    Wide,
    /// 12 kHz.
    SuperWide,
    /// 20 kHz.
    Full,
}

/// One Opus packet (one stream's part of a multistream packet): its TOC byte and frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The TOC byte as read (its two low bits are the frame-count code of this framing).
    pub toc: u8,
    /// The frames in order; a frame may be empty (DTX, or a lost frame).
    pub frames: Vec<&'a [u8]>,
}

impl Packet<'_> {
    /// The configuration number (0–31): mode, bandwidth and frame duration.
    pub fn config(&self) -> u8 {
        self.toc >> 3
    }

    /// Whether the frames code two channels.
    pub fn stereo(&self) -> bool {
        self.toc & 0x04 != 0
    }

    /// The mode of the frames.
    pub fn mode(&self) -> Mode {
        match self.config() {
            0..=11 => Mode::Silk,
            12..=15 => Mode::Hybrid,
            _ => Mode::Celt,
        }
    }

    /// The audio bandwidth of the frames.
    pub fn bandwidth(&self) -> Bandwidth {
        use Bandwidth::*;
        match self.config() {
            0..=3 | 16..=19 => Narrow,
            4..=7 => Medium,
            8..=11 | 20..=23 => Wide,
            12..=13 | 24..=27 => SuperWide,
            _ => Full,
        }
    }

    /// The duration of one frame in 48 kHz samples (120 to 2880).
    pub fn frame_samples(&self) -> u32 {
        let c = u32::from(self.config());
        match c {
            // SILK: 10, 20, 40, 60 ms.
            0..=11 => [480, 960, 1920, 2880][(c % 4) as usize],
            // Hybrid: 10, 20 ms.
            12..=15 => [480, 960][(c % 2) as usize],
            // CELT: 2.5, 5, 10, 20 ms.
            _ => [120, 240, 480, 960][(c % 4) as usize],
        }
    }

    /// The duration of the packet in 48 kHz samples.
    pub fn samples(&self) -> u32 {
        self.frame_samples() * self.frames.len() as u32
    }
}

/// Reads a frame length (RFC 6716 §3.2.1): one byte below 252, else two.
fn frame_length(r: &mut ByteReader<'_>) -> Result<usize> {
    let b0 = usize::from(r.u8()?);
    if b0 < 252 {
        return Ok(b0);
    }
    let len = b0 + 4 * usize::from(r.u8()?);
    if len > MAX_FRAME_BYTES {
        return Err(Error::Malformed("Opus frame length"));
    }
    Ok(len)
}

/// Writes a frame length (RFC 6716 §3.2.1).
fn put_frame_length(len: usize, out: &mut Vec<u8>) {
    if len < 252 {
        out.push(len as u8);
    } else {
        let b0 = 252 + (len & 3);
        out.push(b0 as u8);
        out.push(((len - b0) >> 2) as u8);
    }
}

/// Reads one packet: all of `r`, or with `self_delimited` exactly its own bytes (the reader
/// then stands at the next stream's packet).
///
/// # Errors
/// [`Error::Truncated`] or [`Error::Malformed`] for a packet that breaks RFC 6716 §3.2 / App.
/// B (bad lengths, a frame count of 0, over 120 ms, frames longer than 1275 bytes).
pub fn read<'a>(r: &mut ByteReader<'a>, self_delimited: bool) -> Result<Packet<'a>> {
    let toc = r.u8()?;
    let mut sizes: Vec<usize> = Vec::new();
    let mut padding = 0usize;
    // `Some(n)`: n frames share the bytes that remain (after padding), equally.
    let mut rest_frames: Option<usize> = None;
    match toc & 3 {
        0 if self_delimited => sizes.push(frame_length(r)?),
        0 => rest_frames = Some(1),
        1 if self_delimited => {
            let n = frame_length(r)?;
            sizes.extend([n, n]);
        }
        1 => rest_frames = Some(2),
        2 => {
            sizes.push(frame_length(r)?);
            if self_delimited {
                sizes.push(frame_length(r)?);
            } else {
                rest_frames = Some(1);
            }
        }
        _ => {
            let count = r.u8()?;
            let (vbr, padded, m) = (
                count & 0x80 != 0,
                count & 0x40 != 0,
                usize::from(count & 0x3f),
            );
            if m == 0 {
                return Err(Error::Malformed("Opus frame count"));
            }
            if padded {
                loop {
                    let b = usize::from(r.u8()?);
                    padding += if b == 255 { 254 } else { b };
                    if b != 255 {
                        break;
                    }
                }
            }
            match (vbr, self_delimited) {
                (true, _) => {
                    for _ in 0..m - 1 {
                        sizes.push(frame_length(r)?);
                    }
                    if self_delimited {
                        sizes.push(frame_length(r)?);
                    } else {
                        // The last frame takes what the others and the padding leave.
                        let used: usize = sizes.iter().sum();
                        let last = r
                            .remaining()
                            .checked_sub(used + padding)
                            .ok_or(Error::Malformed("Opus frame lengths"))?;
                        sizes.push(last);
                    }
                }
                (false, true) => {
                    let n = frame_length(r)?;
                    sizes.extend(std::iter::repeat_n(n, m));
                }
                (false, false) => rest_frames = Some(m),
            }
        }
    }
    if let Some(n) = rest_frames {
        // What the sized frames (code 2's first) and the padding leave.
        let body = r
            .remaining()
            .checked_sub(padding + sizes.iter().sum::<usize>())
            .ok_or(Error::Malformed("Opus padding"))?;
        if body % n != 0 {
            return Err(Error::Malformed("Opus CBR frame sizes"));
        }
        sizes.extend(std::iter::repeat_n(body / n, n));
    }
    let mut frames = Vec::with_capacity(sizes.len());
    for &s in &sizes {
        if s > MAX_FRAME_BYTES {
            return Err(Error::Malformed("Opus frame length"));
        }
        frames.push(r.take(s)?);
    }
    r.skip(padding)?;
    if !self_delimited && !r.is_empty() {
        return Err(Error::Malformed("Opus packet length"));
    }
    let p = Packet { toc, frames };
    if p.samples() > MAX_PACKET_SAMPLES {
        return Err(Error::Malformed("Opus packet longer than 120 ms"));
    }
    Ok(p)
}

/// Reads a multistream packet of `streams` streams: every stream's packet but the last is
/// self-delimited (RFC 7845 §5.1.1; one stream is a plain packet).
///
/// # Errors
/// As [`read`], for any stream.
pub fn read_multistream(data: &[u8], streams: usize) -> Result<Vec<Packet<'_>>> {
    let mut r = ByteReader::new(data);
    (0..streams.max(1))
        .map(|s| read(&mut r, s + 1 < streams))
        .collect()
}

/// Writes `frames` as one packet with the configuration and stereo flag of `toc`: code 0 for
/// one frame, code 3 otherwise (CBR when the frames are of one size, else VBR), with
/// `padding` bytes added to the packet's size (code 3 only; 0 for none).
///
/// # Errors
/// [`Error::Limit`] for more than 48 frames, over 120 ms, or a frame over 1275 bytes.
pub fn write(
    toc: u8,
    frames: &[&[u8]],
    self_delimited: bool,
    padding: usize,
    out: &mut Vec<u8>,
) -> Result<()> {
    let config = toc & !3;
    let probe = Packet {
        toc: config,
        frames: frames.to_vec(),
    };
    if frames.is_empty() || frames.len() > MAX_FRAMES || probe.samples() > MAX_PACKET_SAMPLES {
        return Err(Error::Limit("Opus frames in one packet"));
    }
    if frames.iter().any(|f| f.len() > MAX_FRAME_BYTES) {
        return Err(Error::Limit("Opus frame length"));
    }
    if frames.len() == 1 && padding == 0 {
        out.push(config);
        if self_delimited {
            put_frame_length(frames[0].len(), out);
        }
        out.extend_from_slice(frames[0]);
        return Ok(());
    }
    let cbr = frames.iter().all(|f| f.len() == frames[0].len());
    out.push(config | 3);
    let mut count = frames.len() as u8;
    if !cbr {
        count |= 0x80;
    }
    if padding > 0 {
        count |= 0x40;
    }
    out.push(count);
    // `padding` bytes in all: 255s (each one byte plus 254 of padding), then the remainder.
    let mut pad = 0;
    if padding > 0 {
        let n255 = (padding - 1) / 255;
        out.extend(std::iter::repeat_n(255, n255));
        let last = padding - 255 * n255 - 1;
        out.push(last as u8);
        pad = 254 * n255 + last;
    }
    match (cbr, self_delimited) {
        (false, _) => {
            let n = frames.len() - usize::from(!self_delimited);
            for f in &frames[..n] {
                put_frame_length(f.len(), out);
            }
        }
        (true, true) => put_frame_length(frames[0].len(), out),
        (true, false) => {}
    }
    for f in frames {
        out.extend_from_slice(f);
    }
    out.extend(std::iter::repeat_n(0, pad));
    Ok(())
}

/// Joins consecutive multistream packets of `streams` streams into one, each stream carrying
/// all its frames in order. With `keep_size` the result is padded to the packets' total size
/// (a constant-bitrate stream stays constant).
///
/// # Errors
/// [`Error::Malformed`] when a packet cannot be read or a stream's packets differ in
/// configuration or channel count (one packet has one TOC), [`Error::Limit`] when the result
/// would exceed 48 frames or 120 ms.
pub fn concatenate(packets: &[&[u8]], streams: usize, keep_size: bool) -> Result<Vec<u8>> {
    let streams = streams.max(1);
    let parsed = packets
        .iter()
        .map(|p| read_multistream(p, streams))
        .collect::<Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for s in 0..streams {
        let toc = parsed
            .first()
            .and_then(|p| p.get(s))
            .map(|p| p.toc)
            .ok_or(Error::Malformed("no Opus packet"))?;
        let mut frames = Vec::new();
        for p in &parsed {
            if p[s].toc >> 2 != toc >> 2 {
                return Err(Error::Malformed("Opus frames of different configurations"));
            }
            frames.extend_from_slice(&p[s].frames);
        }
        let last = s + 1 == streams;
        let mut packet = Vec::new();
        write(toc, &frames, !last, 0, &mut packet)?;
        let target: usize = packets.iter().map(|p| p.len()).sum();
        let have = out.len() + packet.len();
        if last && keep_size && have < target {
            // Padding needs code 3 (a frame-count byte): rewrite with the difference.
            packet.clear();
            let header = usize::from(frames.len() == 1);
            write(
                toc,
                &frames,
                false,
                (target - have).saturating_sub(header).max(1),
                &mut packet,
            )?;
        }
        out.extend_from_slice(&packet);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A CELT fullband 2.5 ms stereo TOC (configuration 28).
    const CELT_2_5: u8 = 28 << 3 | 0x04;

    fn frames_of(data: &[u8]) -> Vec<Vec<u8>> {
        read(&mut ByteReader::new(data), false)
            .unwrap()
            .frames
            .iter()
            .map(|f| f.to_vec())
            .collect()
    }

    #[test]
    fn reads_every_code() {
        // Code 0, code 1 (two equal), code 2 (lengths 1 and rest).
        assert_eq!(frames_of(&[CELT_2_5, 7, 8]), [vec![7, 8]]);
        assert_eq!(
            frames_of(&[CELT_2_5 | 1, 1, 2, 3, 4]),
            [vec![1, 2], vec![3, 4]]
        );
        assert_eq!(
            frames_of(&[CELT_2_5 | 2, 1, 9, 3, 4]),
            [vec![9], vec![3, 4]]
        );
        // Code 3 CBR with 2 bytes of padding; code 3 VBR.
        assert_eq!(
            frames_of(&[CELT_2_5 | 3, 0x40 | 2, 2, 1, 2, 0, 0]),
            [vec![1], vec![2]]
        );
        assert_eq!(
            frames_of(&[CELT_2_5 | 3, 0x80 | 3, 1, 0, 5, 6, 7]),
            [vec![5], vec![], vec![6, 7]]
        );
        let p = read(&mut ByteReader::new(&[CELT_2_5, 1]), false).unwrap();
        assert_eq!(
            (p.mode(), p.bandwidth(), p.stereo()),
            (Mode::Celt, Bandwidth::Full, true)
        );
        assert_eq!(p.frame_samples(), 120);
    }

    #[test]
    fn refuses_bad_packets() {
        for bad in [
            &[][..],
            &[CELT_2_5 | 1, 1, 2, 3],          // odd code 1 body
            &[CELT_2_5 | 2, 5, 1],             // frame 1 longer than the packet
            &[CELT_2_5 | 3, 0],                // zero frames
            &[CELT_2_5 | 3, 49, 0],            // 49 frames
            &[CELT_2_5 | 3, 0x40 | 1, 9, 1],   // padding longer than the packet
            &[CELT_2_5 | 3, 0x80 | 2, 253, 0], // length past the end
            &[(3 << 3) | 3, 3, 0, 0, 0],       // 3 × 60 ms
        ] {
            assert!(read(&mut ByteReader::new(bad), false).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn long_frame_lengths_use_two_bytes() {
        let big = vec![1u8; 700];
        let mut out = Vec::new();
        write(CELT_2_5, &[&big, &[2u8; 3]], false, 0, &mut out).unwrap();
        // TOC, count, a two-byte length, the frames.
        assert_eq!(out.len(), 2 + 2 + 703);
        let p = read(&mut ByteReader::new(&out), false).unwrap();
        assert_eq!(p.frames, [&big[..], &[2u8; 3][..]]);
    }

    #[test]
    fn joins_multistream_packets_and_keeps_their_size() {
        // Two streams (the first self-delimited), two packets of one 2.5 ms frame each.
        let mut a = Vec::new();
        write(CELT_2_5, &[&[1, 1]], true, 0, &mut a).unwrap();
        write(CELT_2_5 & !4, &[&[2, 2, 2]], false, 0, &mut a).unwrap();
        let mut b = Vec::new();
        write(CELT_2_5, &[&[3]], true, 0, &mut b).unwrap();
        write(CELT_2_5 & !4, &[&[4, 4, 4]], false, 0, &mut b).unwrap();
        for keep_size in [false, true] {
            let joined = concatenate(&[&a, &b], 2, keep_size).unwrap();
            let streams = read_multistream(&joined, 2).unwrap();
            assert_eq!(streams[0].frames, [&[1, 1][..], &[3][..]]);
            assert_eq!(streams[1].frames, [&[2, 2, 2][..], &[4, 4, 4][..]]);
            assert_eq!(streams[0].samples(), 240);
            if keep_size {
                assert_eq!(joined.len(), a.len() + b.len());
            }
        }
        // Padded (CBR) packets: the joined packet is padded back to their total size.
        let mut p = Vec::new();
        write(CELT_2_5, &[&[1, 1]], false, 5, &mut p).unwrap();
        assert_eq!(p.len(), 9);
        let joined = concatenate(&[&p, &p], 1, true).unwrap();
        assert_eq!(joined.len(), 18);
        assert_eq!(frames_of(&joined), [vec![1, 1], vec![1, 1]]);
        assert_eq!(concatenate(&[&p, &p], 1, false).unwrap().len(), 6);
        // A stream whose configuration changes cannot be one packet.
        let mut c = Vec::new();
        write(CELT_2_5 & !4, &[&[3]], true, 0, &mut c).unwrap();
        write(CELT_2_5 & !4, &[&[4]], false, 0, &mut c).unwrap();
        assert!(concatenate(&[&a, &c], 2, false).is_err());
        // 49 frames are too many.
        let one = [CELT_2_5, 0];
        let many: Vec<&[u8]> = (0..49).map(|_| &one[..]).collect();
        assert_eq!(
            concatenate(&many, 1, false),
            Err(Error::Limit("Opus frames in one packet"))
        );
    }

    proptest! {
        #[test]
        fn write_then_read_gives_the_frames(
            sizes in proptest::collection::vec(0usize..1276, 1..8),
            self_delimited in any::<bool>(),
            padding in 0usize..600,
            fill in any::<u8>(),
        ) {
            let frames: Vec<Vec<u8>> = sizes.iter().map(|&n| vec![fill; n]).collect();
            let refs: Vec<&[u8]> = frames.iter().map(Vec::as_slice).collect();
            let mut out = Vec::new();
            write(CELT_2_5, &refs, self_delimited, padding, &mut out).unwrap();
            let header_and_frames: usize = sizes.iter().sum();
            if padding > 0 {
                prop_assert!(out.len() >= header_and_frames + padding);
            }
            let mut r = ByteReader::new(&out);
            let p = read(&mut r, self_delimited).unwrap();
            prop_assert!(r.is_empty());
            prop_assert_eq!(p.frames, refs);
        }

        #[test]
        fn reading_never_panics(data in proptest::collection::vec(any::<u8>(), 0..64), streams in 1usize..4) {
            let _ = read_multistream(&data, streams);
        }
    }
}
