//! A bounds-checked GIF block scanner: finds where each frame's bytes start and end (so they can
//! be fed to FFmpeg's `gif` decoder one packet per frame, as its demuxer does), each frame's delay
//! and the NETSCAPE2.0 loop count. Works on a prefix of the file (streaming): only frames whose
//! image data is complete are listed.

/// One complete frame: `data[start..end]` is the packet (the first one includes the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GifFrame {
    pub start: usize,
    pub end: usize,
    /// Delay from the Graphic Control Extension, in hundredths of a second.
    pub delay_cs: u16,
}

/// What a scan of the bytes so far found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct GifScan {
    pub width: u16,
    pub height: u16,
    pub frames: Vec<GifFrame>,
    /// NETSCAPE2.0 loop count (0 = forever); `None` without the extension.
    pub loop_count: Option<u16>,
    /// The trailer (or trailing garbage after at least one frame) was reached.
    pub ended: bool,
}

/// Skips data sub-blocks starting at `p`; returns the position after the terminator.
fn skip_sub_blocks(d: &[u8], mut p: usize) -> Option<usize> {
    loop {
        let n = *d.get(p)? as usize;
        p += 1;
        if n == 0 {
            return Some(p);
        }
        p += n;
        if p > d.len() {
            return None;
        }
    }
}

fn color_table_len(packed: u8) -> usize {
    if packed & 0x80 != 0 {
        3 * (1usize << ((packed & 7) + 1))
    } else {
        0
    }
}

/// Scans `d`. `Ok(None)`: the header is not complete yet. `Err`: not a GIF.
pub(crate) fn scan(d: &[u8]) -> Result<Option<GifScan>, &'static str> {
    let sig_len = d.len().min(6);
    if d[..sig_len] != b"GIF89a"[..sig_len] && d[..sig_len] != b"GIF87a"[..sig_len] {
        return Err("not a GIF file");
    }
    if d.len() < 13 {
        return Ok(None);
    }
    let width = u16::from_le_bytes([d[6], d[7]]);
    let height = u16::from_le_bytes([d[8], d[9]]);
    if width == 0 || height == 0 {
        return Err("GIF has a zero size");
    }
    let mut p = 13 + color_table_len(d[10]);
    if p > d.len() {
        return Ok(None);
    }
    let mut s = GifScan {
        width,
        height,
        ..Default::default()
    };
    let mut frame_start = 0;
    let mut delay = 0u16;
    while let Some(&b) = d.get(p) {
        match b {
            0x21 => {
                let Some(&label) = d.get(p + 1) else { break };
                if label == 0xF9 {
                    // Graphic Control Extension: size 4, packed, delay (LE), transparent index.
                    if let (Some(&4), Some(lo), Some(hi)) =
                        (d.get(p + 2), d.get(p + 4), d.get(p + 5))
                    {
                        delay = u16::from_le_bytes([*lo, *hi]);
                    }
                } else if label == 0xFF
                    && d.get(p + 2) == Some(&11)
                    && d.get(p + 3..p + 14) == Some(&b"NETSCAPE2.0"[..])
                    && d.get(p + 14) == Some(&3)
                    && d.get(p + 15) == Some(&1)
                {
                    if let (Some(lo), Some(hi)) = (d.get(p + 16), d.get(p + 17)) {
                        s.loop_count = Some(u16::from_le_bytes([*lo, *hi]));
                    }
                }
                let Some(next) = skip_sub_blocks(d, p + 2) else {
                    break;
                };
                p = next;
            }
            0x2C => {
                // Image descriptor (10 bytes), optional local colour table, LZW code size, data.
                let Some(&packed) = d.get(p + 9) else { break };
                let q = p + 10 + color_table_len(packed) + 1;
                let Some(next) = skip_sub_blocks(d, q) else {
                    break;
                };
                s.frames.push(GifFrame {
                    start: frame_start,
                    end: next,
                    delay_cs: delay,
                });
                frame_start = next;
                delay = 0;
                p = next;
            }
            0x3B => {
                s.ended = true;
                break;
            }
            _ if !s.frames.is_empty() => {
                // Trailing garbage after a frame: browsers show the frames so far.
                s.ended = true;
                break;
            }
            _ => return Err("corrupt GIF block"),
        }
    }
    Ok(Some(s))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

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
        assert_eq!(
            s.frames.iter().map(|f| f.delay_cs).collect::<Vec<_>>(),
            [10, 11, 12]
        );
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
        assert!(scan(&d).is_err());
        assert_eq!(scan(b"GIF8").unwrap(), None);
    }
}
