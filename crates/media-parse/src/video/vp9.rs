//! VP9 (VP9 Bitstream & Decoding Process Specification v0.6): the start of the uncompressed
//! header (§6.2), with the colour config and frame size of key frames (§6.2.2, §6.2.3).

use crate::error::{Error, Result};
use crate::reader::BitReader;

/// The `frame_sync_code` of key and intra-only frames.
pub const SYNC_CODE: u32 = 0x49_83_42;

/// `color_space` CS_RGB.
const CS_RGB: u8 = 7;

/// The fields of a key frame's header that describe its pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFrameInfo {
    /// Bit depth: 8, 10 or 12.
    pub bit_depth: u8,
    /// `color_space` (0 unknown, 1 BT.601, 2 BT.709, …, 7 RGB).
    pub color_space: u8,
    /// `color_range`: full range.
    pub full_range: bool,
    /// `subsampling_x`.
    pub subsampling_x: bool,
    /// `subsampling_y`.
    pub subsampling_y: bool,
    /// `frame_width_minus_1` + 1.
    pub width: u32,
    /// `frame_height_minus_1` + 1.
    pub height: u32,
}

/// The start of an uncompressed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// `profile` (0–3).
    pub profile: u8,
    /// `show_existing_frame`: the frame only shows an earlier one (nothing else follows).
    pub show_existing_frame: bool,
    /// `frame_type` is KEY_FRAME.
    pub key_frame: bool,
    /// `show_frame`.
    pub show_frame: bool,
    /// `error_resilient_mode`.
    pub error_resilient: bool,
    /// Colour config and size, for key frames.
    pub key_frame_info: Option<KeyFrameInfo>,
}

/// `frame_marker`, `profile` and `show_existing_frame`.
fn prefix(r: &mut BitReader<'_>) -> Result<(u8, bool)> {
    if r.bits(2)? != 2 {
        return Err(Error::Malformed("frame_marker"));
    }
    let profile = (r.bits(1)? | (r.bits(1)? << 1)) as u8;
    if profile == 3 {
        r.skip(1)?; // reserved_zero
    }
    Ok((profile, r.flag()?))
}

/// `color_config()` and `frame_size()` of a key frame, after its sync code.
fn key_frame_info(r: &mut BitReader<'_>, profile: u8) -> Result<KeyFrameInfo> {
    let bit_depth = match profile {
        0 | 1 => 8,
        _ if r.flag()? => 12,
        _ => 10,
    };
    let color_space = r.bits(3)? as u8;
    let odd_profile = profile % 2 == 1;
    let (full_range, subsampling_x, subsampling_y) = if color_space != CS_RGB {
        let full_range = r.flag()?;
        if odd_profile {
            let (x, y) = (r.flag()?, r.flag()?);
            r.skip(1)?; // reserved_zero
            (full_range, x, y)
        } else {
            (full_range, true, true)
        }
    } else if odd_profile {
        r.skip(1)?; // reserved_zero
        (true, false, false)
    } else {
        return Err(Error::Malformed("RGB in VP9 profile 0 or 2"));
    };
    let width = r.bits(16)? + 1;
    let height = r.bits(16)? + 1;
    Ok(KeyFrameInfo {
        bit_depth,
        color_space,
        full_range,
        subsampling_x,
        subsampling_y,
        width,
        height,
    })
}

impl FrameHeader {
    /// Parses the start of the uncompressed header of `frame`; for key frames up to the
    /// frame size.
    ///
    /// # Errors
    /// [`Error::Truncated`] when it ends early, [`Error::Malformed`] for a wrong frame
    /// marker or sync code, or RGB in a profile without 4:4:4.
    pub fn parse(frame: &[u8]) -> Result<Self> {
        let mut r = BitReader::new(frame);
        let (profile, show_existing_frame) = prefix(&mut r)?;
        let mut h = Self {
            profile,
            show_existing_frame,
            key_frame: false,
            show_frame: true,
            error_resilient: false,
            key_frame_info: None,
        };
        if show_existing_frame {
            return Ok(h);
        }
        h.key_frame = !r.flag()?;
        h.show_frame = r.flag()?;
        h.error_resilient = r.flag()?;
        if h.key_frame {
            if r.bits(24)? != SYNC_CODE {
                return Err(Error::Malformed("frame_sync_code"));
            }
            h.key_frame_info = Some(key_frame_info(&mut r, profile)?);
        }
        Ok(h)
    }
}

/// Whether `frame` is a key frame (`frame_type` KEY_FRAME and not `show_existing_frame`).
/// `None` when the frame marker is wrong or the data too short.
pub fn is_key(frame: &[u8]) -> Option<bool> {
    let mut r = BitReader::new(frame);
    let (_, show_existing_frame) = prefix(&mut r).ok()?;
    if show_existing_frame {
        return Some(false);
    }
    Some(!r.flag().ok()?) // frame_type: KEY_FRAME = 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Starts of 64x48 key frames from libvpx-vp9 (`ffmpeg -f lavfi -i testsrc -pix_fmt P`):
    // yuv420p (profile 0, unknown colour space, limited range), gbrp (profile 1, RGB) and
    // yuv420p10le (profile 2, 10-bit).
    const KEY: [u8; 10] = [0x82, 0x49, 0x83, 0x42, 0x00, 0x03, 0xf0, 0x02, 0xf6, 0x06];
    const KEY_RGB: [u8; 10] = [0xa2, 0x49, 0x83, 0x42, 0xe0, 0x03, 0xf0, 0x02, 0xf6, 0x08];
    const KEY_10BIT: [u8; 10] = [0x92, 0x49, 0x83, 0x42, 0x00, 0x01, 0xf8, 0x01, 0x7b, 0x04];

    #[test]
    fn parses_a_key_frame() {
        let h = FrameHeader::parse(&KEY).expect("key frame");
        assert_eq!((h.profile, h.key_frame, h.show_frame), (0, true, true));
        assert_eq!(
            h.key_frame_info,
            Some(KeyFrameInfo {
                bit_depth: 8,
                color_space: 0,
                full_range: false,
                subsampling_x: true,
                subsampling_y: true,
                width: 64,
                height: 48
            })
        );
        let rgb = FrameHeader::parse(&KEY_RGB)
            .expect("rgb")
            .key_frame_info
            .expect("key");
        assert_eq!(
            (rgb.color_space, rgb.full_range, rgb.subsampling_x),
            (7, true, false)
        );
        assert_eq!((rgb.width, rgb.height), (64, 48));
        let h = FrameHeader::parse(&KEY_10BIT).expect("10-bit");
        assert_eq!(h.profile, 2);
        let info = h.key_frame_info.expect("key");
        assert_eq!((info.bit_depth, info.width, info.height), (10, 64, 48));
        for n in 0..KEY.len() - 1 {
            assert!(
                FrameHeader::parse(&KEY[..n]).is_err(),
                "prefix of {n} bytes"
            );
        }
        let mut bad = KEY;
        bad[2] = 0;
        assert_eq!(
            FrameHeader::parse(&bad),
            Err(Error::Malformed("frame_sync_code"))
        );
    }

    #[test]
    fn key_frames() {
        // frame_marker 10, profile 0 (00), show_existing 0, frame_type 0 → 1000_0000
        assert_eq!(is_key(&[0x80]), Some(true));
        // frame_type 1 → 1000_0100
        assert_eq!(is_key(&[0x84]), Some(false));
        // show_existing_frame → 1000_1000
        assert_eq!(is_key(&[0x88]), Some(false));
        // profile 3 has a reserved bit before show_existing_frame: 1011_0000
        assert_eq!(is_key(&[0xb0]), Some(true));
        assert_eq!(is_key(&[0x00]), None);
        assert_eq!(is_key(&KEY), Some(true));
        let inter = FrameHeader::parse(&[0x86, 0x00]).expect("inter");
        assert_eq!((inter.key_frame, inter.show_frame), (false, true));
        assert!(
            FrameHeader::parse(&[0x88])
                .expect("existing")
                .show_existing_frame
        );
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..24)) {
            let key = is_key(&data);
            if let Ok(h) = FrameHeader::parse(&data) {
                prop_assert_eq!(key, Some(h.key_frame));
                prop_assert_eq!(h.key_frame, h.key_frame_info.is_some());
            }
        }
    }
}
