//! VP8 (RFC 6386): the frame tag and the key frame header (§9.1).

use crate::error::{Error, Result};
use crate::reader::ByteReader;

/// The start code of a key frame, after the frame tag.
pub const KEY_FRAME_START_CODE: [u8; 3] = [0x9d, 0x01, 0x2a];

/// The 3-byte frame tag at the start of every VP8 frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameTag {
    /// `key_frame` (the bit is 0 for key frames).
    pub key_frame: bool,
    /// `version` (0–3 are defined; 4–7 are reserved).
    pub version: u8,
    /// `show_frame`.
    pub show_frame: bool,
    /// `first_part_size`: bytes of the first partition.
    pub first_partition_size: u32,
}

/// The dimensions a key frame carries after its start code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFrameHeader {
    /// Width in pixels (14 bits).
    pub width: u16,
    /// `horizontal_scale` (0–3).
    pub horizontal_scale: u8,
    /// Height in pixels (14 bits).
    pub height: u16,
    /// `vertical_scale` (0–3).
    pub vertical_scale: u8,
}

impl FrameTag {
    /// Reads the frame tag of `frame`.
    ///
    /// # Errors
    /// [`Error::Truncated`] for fewer than 3 bytes.
    pub fn parse(frame: &[u8]) -> Result<Self> {
        let raw = ByteReader::new(frame).u24_le()?;
        Ok(Self {
            key_frame: raw & 1 == 0,
            version: ((raw >> 1) & 7) as u8,
            show_frame: (raw >> 4) & 1 == 1,
            first_partition_size: raw >> 5,
        })
    }

    /// Bytes before the first partition: the tag, and for key frames the start code and
    /// dimensions.
    pub fn header_size(&self) -> usize {
        if self.key_frame {
            10
        } else {
            3
        }
    }
}

impl KeyFrameHeader {
    /// Reads the start code and dimensions of a key frame (`frame` starts with its tag).
    ///
    /// # Errors
    /// [`Error::Truncated`] when the frame ends early, [`Error::Malformed`] for an inter frame
    /// or a wrong start code.
    pub fn parse(frame: &[u8]) -> Result<Self> {
        if !FrameTag::parse(frame)?.key_frame {
            return Err(Error::Malformed("not a VP8 key frame"));
        }
        let mut r = ByteReader::new(frame);
        r.skip(3)?;
        if r.array()? != KEY_FRAME_START_CODE {
            return Err(Error::Malformed("VP8 start code"));
        }
        let (w, h) = (r.u16_le()?, r.u16_le()?);
        Ok(Self {
            width: w & 0x3fff,
            horizontal_scale: (w >> 14) as u8,
            height: h & 0x3fff,
            vertical_scale: (h >> 14) as u8,
        })
    }
}

/// Whether a VP8 frame's tag is well formed: version 0–3, and a first partition that fits in
/// the data after the frame header.
pub fn tag_is_valid(frame: &[u8]) -> bool {
    FrameTag::parse(frame).is_ok_and(|t| {
        t.version <= 3
            && t.header_size()
                .checked_add(t.first_partition_size as usize)
                .is_some_and(|n| n <= frame.len())
    })
}

/// Whether `frame` is a key frame: its tag says so and the start code follows. `None` when
/// the data is too short to tell.
pub fn is_key(frame: &[u8]) -> Option<bool> {
    // The key_frame bit is the lowest bit of the first tag byte (0 for key frames).
    if frame.first()? & 1 == 1 {
        return Some(false);
    }
    Some(frame.get(3..6)? == KEY_FRAME_START_CODE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A 64x48 key frame as libvpx starts it (tag: key, version 0, shown, 2-byte partition).
    const KEY: [u8; 12] = [
        0x50, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x00, 0x30, 0x00, 1, 2,
    ];

    #[test]
    fn frame_tags() {
        let t = FrameTag::parse(&KEY).expect("tag");
        assert_eq!(
            t,
            FrameTag {
                key_frame: true,
                version: 0,
                show_frame: true,
                first_partition_size: 2
            }
        );
        assert_eq!(
            KeyFrameHeader::parse(&KEY),
            Ok(KeyFrameHeader {
                width: 64,
                horizontal_scale: 0,
                height: 48,
                vertical_scale: 0
            })
        );
        assert_eq!(FrameTag::parse(&[0x51, 0]), Err(Error::Truncated { at: 0 }));
        assert_eq!(
            KeyFrameHeader::parse(&[0x51, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0, 0, 0, 0]),
            Err(Error::Malformed("not a VP8 key frame"))
        );
    }

    #[test]
    fn key_frames() {
        assert_eq!(
            is_key(&[0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0, 0]),
            Some(true)
        );
        assert_eq!(is_key(&[0x51, 0x2a, 0x00, 0x00]), Some(false));
        assert_eq!(is_key(&[0x51]), Some(false));
        assert_eq!(is_key(&[0x50, 0x2a, 0x00, 0x00, 0x00, 0x00]), Some(false));
        assert_eq!(is_key(&[0x50, 0x2a]), None);
        assert_eq!(is_key(&[]), None);
    }

    #[test]
    fn tag_validity() {
        assert!(tag_is_valid(&KEY));
        assert!(!tag_is_valid(&KEY[..11]), "partition past the end");
        assert!(!tag_is_valid(&[0xff, 0x00, 0x00, 0]), "version 7");
        assert!(
            tag_is_valid(&[0x21, 0x00, 0x00, 0]),
            "inter frame, 1-byte partition"
        );
        assert!(!tag_is_valid(&[0x01]));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..32)) {
            let _ = is_key(&data);
            let _ = KeyFrameHeader::parse(&data);
            if tag_is_valid(&data) {
                let t = FrameTag::parse(&data).expect("valid tag");
                prop_assert!(t.header_size() + t.first_partition_size as usize <= data.len());
            }
        }
    }
}
