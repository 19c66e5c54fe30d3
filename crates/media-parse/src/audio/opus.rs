//! The Opus identification header, `OpusHead` (RFC 7845 §5.1): the `description` of an Opus
//! decoder config.

use crate::error::{Error, Result};
use crate::reader::ByteReader;

/// The channel mapping table of a header with a mapping family other than 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMapping {
    /// `stream_count` (at least 1).
    pub streams: u8,
    /// `coupled_count` (at most `streams`).
    pub coupled: u8,
    /// One stream index per output channel.
    pub mapping: Vec<u8>,
}

/// A parsed `OpusHead`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpusHead {
    /// `version` (major version 0).
    pub version: u8,
    /// Output channel count (at least 1).
    pub channels: u8,
    /// `pre_skip`: samples (at 48 kHz) to discard from the decoder output at the start.
    pub pre_skip: u16,
    /// The original input sample rate (informational).
    pub input_sample_rate: u32,
    /// Output gain in Q7.8 dB.
    pub output_gain: i16,
    /// Channel mapping family (0: mono/stereo, 1: Vorbis order, 255: undefined …).
    pub mapping_family: u8,
    /// The mapping table (absent for family 0).
    pub mapping: Option<ChannelMapping>,
}

impl OpusHead {
    /// Parses an `OpusHead`. Bytes after the header are ignored.
    ///
    /// # Errors
    /// [`Error::Truncated`] when it ends early (19 bytes, plus 2 + channels for families
    /// other than 0); [`Error::Malformed`] without the magic, for a major version other than
    /// 0, no channels, more than 2 channels in family 0, or stream counts that do not add up.
    pub fn parse(data: &[u8]) -> Result<Self> {
        let mut r = ByteReader::new(data);
        if r.take(8)? != b"OpusHead" {
            return Err(Error::Malformed("OpusHead magic"));
        }
        let version = r.u8()?;
        if version & 0xf0 != 0 {
            return Err(Error::Malformed("OpusHead version"));
        }
        let channels = r.u8()?;
        if channels == 0 {
            return Err(Error::Malformed("OpusHead channel count"));
        }
        let pre_skip = r.u16_le()?;
        let input_sample_rate = r.u32_le()?;
        let output_gain = r.u16_le()? as i16;
        let mapping_family = r.u8()?;
        let mapping = if mapping_family == 0 {
            if channels > 2 {
                return Err(Error::Malformed(
                    "OpusHead family 0 with more than 2 channels",
                ));
            }
            None
        } else {
            let [streams, coupled] = r.array()?;
            if streams == 0 || coupled > streams {
                return Err(Error::Malformed("OpusHead stream counts"));
            }
            Some(ChannelMapping {
                streams,
                coupled,
                mapping: r.take(usize::from(channels))?.to_vec(),
            })
        };
        Ok(Self {
            version,
            channels,
            pre_skip,
            input_sample_rate,
            output_gain,
            mapping_family,
            mapping,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn head(channels: u8, family: u8) -> Vec<u8> {
        let mut h = b"OpusHead".to_vec();
        h.extend_from_slice(&[1, channels, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, family]);
        if family != 0 {
            h.extend_from_slice(&[channels, 0]);
            h.extend(0..channels);
        }
        h
    }

    #[test]
    fn parses_opus_heads() {
        let h = OpusHead::parse(&head(2, 0)).expect("stereo");
        assert_eq!(
            (h.version, h.channels, h.pre_skip, h.input_sample_rate),
            (1, 2, 312, 48000)
        );
        assert_eq!((h.mapping_family, h.mapping, h.output_gain), (0, None, 0));
        let h = OpusHead::parse(&head(6, 1)).expect("5.1");
        assert_eq!(
            h.mapping,
            Some(ChannelMapping {
                streams: 6,
                coupled: 0,
                mapping: vec![0, 1, 2, 3, 4, 5]
            })
        );
        // WPT's sfx-opus.ogg identification header: mono, pre-skip 312, 48 kHz.
        let wpt = [
            b'O', b'p', b'u', b's', b'H', b'e', b'a', b'd', 1, 1, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0,
            0,
        ];
        let h = OpusHead::parse(&wpt).expect("wpt");
        assert_eq!(
            (h.channels, h.pre_skip, h.input_sample_rate),
            (1, 312, 48000)
        );
    }

    #[test]
    fn rejects_bad_opus_heads() {
        assert!(matches!(OpusHead::parse(&[0; 9]), Err(Error::Malformed(_))));
        assert_eq!(
            OpusHead::parse(&head(3, 0)),
            Err(Error::Malformed(
                "OpusHead family 0 with more than 2 channels"
            ))
        );
        assert_eq!(
            OpusHead::parse(&head(0, 0)),
            Err(Error::Malformed("OpusHead channel count"))
        );
        let mut v = head(2, 0);
        v[8] = 0x10;
        assert_eq!(
            OpusHead::parse(&v),
            Err(Error::Malformed("OpusHead version"))
        );
        let mut v = head(3, 1);
        v[19] = 0;
        assert_eq!(
            OpusHead::parse(&v),
            Err(Error::Malformed("OpusHead stream counts"))
        );
        let full = head(3, 1);
        for n in 0..full.len() {
            assert!(OpusHead::parse(&full[..n]).is_err(), "prefix of {n} bytes");
        }
    }

    proptest! {
        #[test]
        fn never_panics(tail in proptest::collection::vec(any::<u8>(), 0..24)) {
            let mut d = b"OpusHead".to_vec();
            d.extend_from_slice(&tail);
            if let Ok(h) = OpusHead::parse(&d) {
                prop_assert!(h.channels > 0);
                prop_assert_eq!(h.mapping.is_none(), h.mapping_family == 0);
                if let Some(m) = h.mapping {
                    prop_assert_eq!(m.mapping.len(), usize::from(h.channels));
                }
            }
        }
    }
}
