//! The AAC `AudioSpecificConfig` (ISO/IEC 14496-3 §1.6.2.1).

use crate::error::{Error, Result};
use crate::reader::BitReader;

/// The sampling frequencies of `samplingFrequencyIndex` 0–12 (ADTS uses the same table).
pub const SAMPLING_FREQUENCIES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/// A parsed AAC `AudioSpecificConfig` (the fields a decoder needs to open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioSpecificConfig {
    /// `audioObjectType` (2 = AAC-LC, 5 = SBR/HE-AAC, 29 = PS/HE-AACv2, ...).
    pub audio_object_type: u8,
    /// The core sampling frequency in Hz.
    pub sampling_frequency: u32,
    /// `channelConfiguration` (0 = defined by a program config element, 1–7 otherwise).
    pub channel_configuration: u8,
    /// For SBR/PS (explicit hierarchical signalling): the extension sampling frequency.
    pub extension_sampling_frequency: Option<u32>,
}

fn object_type(r: &mut BitReader<'_>) -> Result<u8> {
    let t = r.bits(5)?;
    // At most 32 + 63 = 95: fits.
    let t = if t == 31 { 32 + r.bits(6)? } else { t } as u8;
    if t == 0 {
        return Err(Error::Malformed("audioObjectType"));
    }
    Ok(t)
}

fn frequency(r: &mut BitReader<'_>) -> Result<u32> {
    match r.bits(4)? {
        0xf => match r.bits(24)? {
            0 => Err(Error::Malformed("samplingFrequency")),
            f => Ok(f),
        },
        i => SAMPLING_FREQUENCIES
            .get(i as usize)
            .copied()
            .ok_or(Error::Malformed("samplingFrequencyIndex")),
    }
}

impl AudioSpecificConfig {
    /// Parses the leading fields of an AudioSpecificConfig; what follows them
    /// (GASpecificConfig, sync extensions) is not interpreted.
    ///
    /// # Errors
    /// [`Error::Truncated`] when it ends early, [`Error::Malformed`] for object type 0, a
    /// reserved sampling frequency index or a channel configuration above 7.
    pub fn parse(data: &[u8]) -> Result<Self> {
        let mut r = BitReader::new(data);
        let mut audio_object_type = object_type(&mut r)?;
        let sampling_frequency = frequency(&mut r)?;
        let channel_configuration = r.bits(4)? as u8;
        if channel_configuration > 7 {
            return Err(Error::Malformed("channelConfiguration"));
        }
        let mut extension_sampling_frequency = None;
        if audio_object_type == 5 || audio_object_type == 29 {
            extension_sampling_frequency = Some(frequency(&mut r)?);
            audio_object_type = object_type(&mut r)?;
        }
        Ok(Self {
            audio_object_type,
            sampling_frequency,
            channel_configuration,
            extension_sampling_frequency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_audio_specific_config() {
        // AAC-LC 48 kHz stereo.
        let a = AudioSpecificConfig::parse(&[0x11, 0x90]).expect("valid");
        assert_eq!(
            (
                a.audio_object_type,
                a.sampling_frequency,
                a.channel_configuration
            ),
            (2, 48000, 2)
        );
        assert_eq!(a.extension_sampling_frequency, None);
        // HE-AAC (SBR) explicit: AOT 5, 24 kHz core, stereo, 48 kHz extension, AOT 2.
        let a = AudioSpecificConfig::parse(&[0x2b, 0x11, 0x88, 0x00]).expect("valid");
        assert_eq!(a.extension_sampling_frequency, Some(48000));
        assert_eq!((a.audio_object_type, a.sampling_frequency), (2, 24000));
        // Escape: explicit 24-bit frequency.
        let a = AudioSpecificConfig::parse(&[0x17, 0x80, 0x3e, 0x80, 0x10]).expect("valid");
        assert_eq!(a.sampling_frequency, 32000);
        // Escaped object type 31 + 6 bits: 32 + 10 = 42 (USAC), 48 kHz (index 3), mono.
        let a = AudioSpecificConfig::parse(&[0xf9, 0x46, 0x20]).expect("valid");
        assert_eq!(
            (
                a.audio_object_type,
                a.sampling_frequency,
                a.channel_configuration
            ),
            (42, 48000, 1)
        );
    }

    #[test]
    fn rejects_bad_audio_specific_config() {
        let parse = AudioSpecificConfig::parse;
        assert_eq!(parse(&[]), Err(Error::Truncated { at: 0 }));
        assert!(matches!(parse(&[0xff]), Err(Error::Truncated { .. })));
        assert_eq!(
            parse(&[0x00, 0x10]),
            Err(Error::Malformed("audioObjectType"))
        );
        assert_eq!(
            parse(&[0x16, 0x90]),
            Err(Error::Malformed("samplingFrequencyIndex"))
        );
        assert_eq!(
            parse(&[0x11, 0xc0]),
            Err(Error::Malformed("channelConfiguration"))
        );
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..16)) {
            if let Ok(a) = AudioSpecificConfig::parse(&data) {
                prop_assert!(a.audio_object_type > 0 && a.audio_object_type <= 95);
                prop_assert!(a.channel_configuration <= 7 && a.sampling_frequency > 0);
            }
        }
    }
}
