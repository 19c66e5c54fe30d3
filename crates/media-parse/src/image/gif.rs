//! GIF block scanning: where each frame's bytes start and end (so each can be fed to a decoder as
//! one packet, as FFmpeg's GIF demuxer does), each frame's delay and the NETSCAPE2.0 loop count.
//! Works on a prefix of the file (streaming): only frames whose image data is complete count.

use crate::error::{Error, Result};
use crate::reader::ByteReader;

/// One complete frame: `data[start..end]` is its packet (the first one includes the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GifFrame {
    /// Offset of the packet.
    pub start: usize,
    /// Offset just past the frame's image data.
    pub end: usize,
    /// Delay from the Graphic Control Extension, in hundredths of a second.
    pub delay_cs: u16,
}

/// What a scan of the bytes so far found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GifScan {
    /// Logical screen width.
    pub width: u16,
    /// Logical screen height.
    pub height: u16,
    /// The complete frames so far.
    pub frames: Vec<GifFrame>,
    /// NETSCAPE2.0 loop count (0 = forever); `None` without the extension.
    pub loop_count: Option<u16>,
    /// The trailer (or trailing garbage after at least one frame) was reached.
    pub ended: bool,
}

/// Bytes of the colour table a packed field announces (none without its flag).
fn color_table_len(packed: u8) -> usize {
    if packed & 0x80 != 0 {
        3 * (1usize << ((packed & 7) + 1))
    } else {
        0
    }
}

/// Skips data sub-blocks up to and including their terminator.
fn skip_sub_blocks(r: &mut ByteReader<'_>) -> Result<()> {
    loop {
        match r.u8()? {
            0 => return Ok(()),
            n => r.skip(usize::from(n))?,
        }
    }
}

/// An extension block (after its `0x21`): its label and what it tells about the animation.
fn extension(r: &mut ByteReader<'_>, delay: &mut u16, loop_count: &mut Option<u16>) -> Result<()> {
    let label = r.u8()?;
    let mut body = r.clone();
    if label == 0xF9 && body.u8()? == 4 {
        // Graphic Control Extension: size 4, packed, delay (LE), transparent index.
        body.skip(1)?;
        *delay = body.u16_le()?;
    } else if label == 0xFF
        && body.u8()? == 11
        && body.take(11)? == b"NETSCAPE2.0"
        && body.u8()? == 3
        && body.u8()? == 1
    {
        *loop_count = Some(body.u16_le()?);
    }
    skip_sub_blocks(r)
}

/// Scans `d`. `Ok(None)`: the header is not complete yet.
///
/// # Errors
/// [`Error::Malformed`] when `d` is not a GIF prefix (signature, zero size, a byte where a block
/// must start before the first frame).
pub fn scan(d: &[u8]) -> Result<Option<GifScan>> {
    let sig_len = d.len().min(6);
    if d[..sig_len] != b"GIF89a"[..sig_len] && d[..sig_len] != b"GIF87a"[..sig_len] {
        return Err(Error::Malformed("GIF signature"));
    }
    let mut r = ByteReader::new(d);
    let Ok(header) = r.take(13) else {
        return Ok(None);
    };
    let mut h = ByteReader::new(&header[6..]);
    let (width, height, packed) = (h.u16_le()?, h.u16_le()?, h.u8()?);
    if width == 0 || height == 0 {
        return Err(Error::Malformed("GIF has a zero size"));
    }
    if r.skip(color_table_len(packed)).is_err() {
        return Ok(None);
    }
    let mut s = GifScan {
        width,
        height,
        ..Default::default()
    };
    let mut frame_start = 0;
    let mut delay = 0u16;
    while let Ok(b) = r.peek_u8() {
        // A block that does not end inside the data leaves `r` where it started.
        let mut block = r.clone();
        block.skip(1)?;
        let complete = match b {
            0x21 => {
                // Applied only once the whole block is in.
                let (mut d, mut l) = (delay, s.loop_count);
                let ok = extension(&mut block, &mut d, &mut l).is_ok();
                if ok {
                    (delay, s.loop_count) = (d, l);
                }
                ok
            }
            0x2C => {
                // Image descriptor (9 bytes after 0x2C), local colour table, LZW code size, data.
                let image = block
                    .skip(8)
                    .and_then(|()| block.u8())
                    .and_then(|packed| block.skip(color_table_len(packed) + 1))
                    .and_then(|()| skip_sub_blocks(&mut block));
                if image.is_ok() {
                    s.frames.push(GifFrame {
                        start: frame_start,
                        end: block.position(),
                        delay_cs: delay,
                    });
                    frame_start = block.position();
                    delay = 0;
                }
                image.is_ok()
            }
            0x3B => {
                s.ended = true;
                break;
            }
            // Trailing garbage after a frame: browsers show the frames so far.
            _ if !s.frames.is_empty() => {
                s.ended = true;
                break;
            }
            _ => return Err(Error::Malformed("GIF block")),
        };
        if !complete {
            break;
        }
        r = block;
    }
    Ok(Some(s))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gif(frames: usize, loop_count: Option<u16>) -> Vec<u8> {
        let mut v = b"GIF89a".to_vec();
        v.extend_from_slice(&[2, 0, 2, 0, 0x80, 0, 0]); // 2x2, 2-entry global table
        v.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        if let Some(n) = loop_count {
            v.extend_from_slice(&[0x21, 0xFF, 11]);
            v.extend_from_slice(b"NETSCAPE2.0");
            v.extend_from_slice(&[3, 1, n as u8, (n >> 8) as u8, 0]);
        }
        for i in 0..frames {
            v.extend_from_slice(&[0x21, 0xF9, 4, 0, 10 + i as u8, 0, 0, 0]);
            v.extend_from_slice(&[0x2C, 0, 0, 0, 0, 2, 0, 2, 0, 0]);
            v.extend_from_slice(&[2, 2, 0x44, 0x01, 0]); // code size 2, one data block
        }
        v.push(0x3B);
        v
    }

    #[test]
    fn frames_delays_and_loop() {
        let d = gif(3, Some(0));
        let s = scan(&d).unwrap().unwrap();
        assert_eq!((s.width, s.height), (2, 2));
        assert_eq!(s.frames.len(), 3);
        let delays: Vec<u16> = s.frames.iter().map(|f| f.delay_cs).collect();
        assert_eq!(delays, [10, 11, 12]);
        assert_eq!(s.frames[0].start, 0);
        assert_eq!(s.frames[1].start, s.frames[0].end);
        assert_eq!(s.frames[2].end, d.len() - 1);
        assert_eq!(s.loop_count, Some(0));
        assert!(s.ended);
    }

    #[test]
    fn every_prefix_is_safe_and_monotonic() {
        let d = gif(4, Some(3));
        let mut last = 0;
        for n in 0..=d.len() {
            match scan(&d[..n]).unwrap() {
                None => assert!(n < 13 + 6),
                Some(s) => {
                    assert!(s.frames.len() >= last);
                    last = s.frames.len();
                    assert!(s.frames.iter().all(|f| f.end <= n));
                    assert_eq!(s.loop_count, (n >= 19 + 19).then_some(3));
                }
            }
        }
        assert_eq!(last, 4);
    }

    #[test]
    fn rejects_non_gif_and_garbage() {
        assert!(scan(b"\x89PNG").is_err());
        let mut d = gif(0, None);
        d.pop();
        d.push(0x99);
        assert_eq!(scan(&d), Err(Error::Malformed("GIF block")));
        assert_eq!(scan(b"GIF8").unwrap(), None);
        // Garbage after a frame ends the file.
        let mut d = gif(1, None);
        d.pop();
        d.push(0x99);
        let s = scan(&d).unwrap().unwrap();
        assert!(s.ended && s.frames.len() == 1);
    }

    proptest! {
        /// Frames tile the data from the start, in order, inside it.
        #[test]
        fn frames_tile_the_data(rest in proptest::collection::vec(any::<u8>(), 0..200), keep in 0usize..120) {
            let d = crate::image::after_prefix(&gif(3, Some(1)), keep, rest);
            if let Ok(Some(s)) = scan(&d) {
                let mut at = 0;
                for f in &s.frames {
                    prop_assert_eq!(f.start, at);
                    prop_assert!(f.end > f.start && f.end <= d.len());
                    at = f.end;
                }
            }
        }
    }
}
