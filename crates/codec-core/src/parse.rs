//! Pure, bounds-checked parsers for decoder `description`s: the H.264
//! `AVCDecoderConfigurationRecord` (avcC, ISO/IEC 14496-15 §5.3.3.1) and the AAC
//! `AudioSpecificConfig` (ISO/IEC 14496-3 §1.6.2.1). They never panic on any input (fuzzed in
//! `fuzz/`); decoders use them to reject a malformed description with `NotSupportedError`
//! before FFmpeg sees it. (hvcC is not parsed here yet.)

/// Why a description was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The data ended inside a field.
    #[error("truncated at byte {0}")]
    Truncated(usize),
    /// A field holds a value the format does not allow.
    #[error("invalid {0}")]
    Invalid(&'static str),
}

/// A parsed avcC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvcDecoderConfigurationRecord {
    /// `AVCProfileIndication` (profile_idc).
    pub profile_idc: u8,
    /// `profile_compatibility` (the constraint flags).
    pub profile_compatibility: u8,
    /// `AVCLevelIndication` (level_idc).
    pub level_idc: u8,
    /// Size in bytes of the NAL unit length prefix of the samples: 1, 2 or 4.
    pub nal_length_size: u8,
    /// Sequence parameter set NAL units (each starts with a type-7 NAL header).
    pub sps: Vec<Vec<u8>>,
    /// Picture parameter set NAL units (each starts with a type-8 NAL header).
    pub pps: Vec<Vec<u8>>,
}

struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    fn u8(&mut self) -> Result<u8, ParseError> {
        let b = *self
            .data
            .get(self.pos)
            .ok_or(ParseError::Truncated(self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn u16(&mut self) -> Result<u16, ParseError> {
        Ok(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ParseError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.data.len())
            .ok_or(ParseError::Truncated(self.data.len()))?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
}

fn nal_units(
    r: &mut Bytes<'_>,
    count: usize,
    nal_type: u8,
    what: &'static str,
) -> Result<Vec<Vec<u8>>, ParseError> {
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let len = usize::from(r.u16()?);
        let nal = r.take(len)?;
        // forbidden_zero_bit clear and the expected nal_unit_type.
        match nal.first() {
            Some(h) if h & 0x80 == 0 && h & 0x1f == nal_type => out.push(nal.to_vec()),
            _ => return Err(ParseError::Invalid(what)),
        }
    }
    Ok(out)
}

impl AvcDecoderConfigurationRecord {
    /// Parses an avcC. Trailing bytes (the High-profile chroma/bit-depth extension, SPS-ext
    /// units) are accepted and ignored.
    ///
    /// # Errors
    /// [`ParseError`] when the record is truncated, has `configurationVersion != 1`, a NAL
    /// length size of 3, no SPS, or parameter sets of the wrong NAL type.
    pub fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let mut r = Bytes { data, pos: 0 };
        if r.u8()? != 1 {
            return Err(ParseError::Invalid("configurationVersion"));
        }
        let profile_idc = r.u8()?;
        let profile_compatibility = r.u8()?;
        let level_idc = r.u8()?;
        let nal_length_size = (r.u8()? & 0x03) + 1;
        if nal_length_size == 3 {
            return Err(ParseError::Invalid("lengthSizeMinusOne"));
        }
        let num_sps = usize::from(r.u8()? & 0x1f);
        if num_sps == 0 {
            return Err(ParseError::Invalid("numOfSequenceParameterSets"));
        }
        let sps = nal_units(&mut r, num_sps, 7, "sequence parameter set")?;
        let num_pps = usize::from(r.u8()?);
        let pps = nal_units(&mut r, num_pps, 8, "picture parameter set")?;
        Ok(Self {
            profile_idc,
            profile_compatibility,
            level_idc,
            nal_length_size,
            sps,
            pps,
        })
    }
}

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

const AAC_RATES: [u32; 13] = [
    96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn read(&mut self, n: u32) -> Result<u32, ParseError> {
        let mut v = 0u32;
        for _ in 0..n {
            let byte = *self
                .data
                .get(self.pos / 8)
                .ok_or(ParseError::Truncated(self.pos / 8))?;
            v = (v << 1) | u32::from((byte >> (7 - (self.pos % 8))) & 1);
            self.pos += 1;
        }
        Ok(v)
    }

    fn object_type(&mut self) -> Result<u8, ParseError> {
        let t = self.read(5)?;
        let t = if t == 31 { 32 + self.read(6)? } else { t };
        // At most 32 + 63 = 95: fits.
        u8::try_from(t).map_err(|_| ParseError::Invalid("audioObjectType"))
    }

    fn frequency(&mut self) -> Result<u32, ParseError> {
        match self.read(4)? {
            0xf => match self.read(24)? {
                0 => Err(ParseError::Invalid("samplingFrequency")),
                f => Ok(f),
            },
            i => AAC_RATES
                .get(i as usize)
                .copied()
                .ok_or(ParseError::Invalid("samplingFrequencyIndex")),
        }
    }
}

impl AudioSpecificConfig {
    /// Parses the leading fields of an AudioSpecificConfig; what follows them
    /// (GASpecificConfig, sync extensions) is not interpreted.
    ///
    /// # Errors
    /// [`ParseError`] when truncated, for object type 0, a reserved sampling frequency index
    /// or a channel configuration above 7.
    pub fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let mut r = Bits { data, pos: 0 };
        let mut audio_object_type = r.object_type()?;
        if audio_object_type == 0 {
            return Err(ParseError::Invalid("audioObjectType"));
        }
        let sampling_frequency = r.frequency()?;
        let channel_configuration =
            u8::try_from(r.read(4)?).map_err(|_| ParseError::Invalid("channelConfiguration"))?;
        if channel_configuration > 7 {
            return Err(ParseError::Invalid("channelConfiguration"));
        }
        let mut extension_sampling_frequency = None;
        if audio_object_type == 5 || audio_object_type == 29 {
            extension_sampling_frequency = Some(r.frequency()?);
            audio_object_type = r.object_type()?;
            if audio_object_type == 0 {
                return Err(ParseError::Invalid("audioObjectType"));
            }
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

    // avcC of a 64x48 Baseline stream as produced by x264 (SPS/PPS shortened but well-typed).
    const AVCC: [u8; 18] = [
        1, 0x42, 0xc0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x42, 0xc0, 0x1f, 1, 0, 3, 0x68, 0xce, 0x3c,
    ];

    #[test]
    fn parses_avcc() {
        let a = AvcDecoderConfigurationRecord::parse(&AVCC).expect("valid");
        assert_eq!(
            (a.profile_idc, a.level_idc, a.nal_length_size),
            (0x42, 0x1f, 4)
        );
        assert_eq!(a.sps, vec![vec![0x67, 0x42, 0xc0, 0x1f]]);
        assert_eq!(a.pps, vec![vec![0x68, 0xce, 0x3c]]);
        // Trailing extension bytes are fine.
        let mut ext = AVCC.to_vec();
        ext.extend_from_slice(&[0xfd, 0xf8, 0xf8, 0]);
        assert!(AvcDecoderConfigurationRecord::parse(&ext).is_ok());
    }

    #[test]
    fn rejects_bad_avcc() {
        let parse = AvcDecoderConfigurationRecord::parse;
        assert_eq!(parse(&[]), Err(ParseError::Truncated(0)));
        assert_eq!(parse(&[1, 2, 3]), Err(ParseError::Truncated(3)));
        let mut v = AVCC;
        v[0] = 0;
        assert!(matches!(parse(&v), Err(ParseError::Invalid(_))));
        let mut v = AVCC;
        v[4] = 0xfe; // length size 3
        assert!(matches!(parse(&v), Err(ParseError::Invalid(_))));
        let mut v = AVCC;
        v[5] = 0xe0; // no SPS
        assert!(matches!(parse(&v), Err(ParseError::Invalid(_))));
        let mut v = AVCC;
        v[8] = 0x68; // SPS slot holds a PPS
        assert!(matches!(parse(&v), Err(ParseError::Invalid(_))));
        for n in 0..AVCC.len() {
            assert!(parse(&AVCC[..n]).is_err(), "prefix of {n} bytes");
        }
    }

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
        // HE-AAC (SBR) explicit: AOT 5, 24 kHz core, stereo, 48 kHz extension, AOT 2.
        let a = AudioSpecificConfig::parse(&[0x2b, 0x11, 0x88, 0x00]).expect("valid");
        assert_eq!(a.extension_sampling_frequency, Some(48000));
        assert_eq!(a.audio_object_type, 2);
        assert_eq!(a.sampling_frequency, 24000);
        // Escape: explicit 24-bit frequency.
        let a = AudioSpecificConfig::parse(&[0x17, 0x80, 0x3e, 0x80, 0x10]).expect("valid");
        assert_eq!(a.sampling_frequency, 32000);
    }

    #[test]
    fn rejects_bad_audio_specific_config() {
        let parse = AudioSpecificConfig::parse;
        assert!(parse(&[]).is_err());
        assert!(parse(&[0xff]).is_err());
        assert!(parse(&[0x00, 0x10]).is_err()); // object type 0
        assert!(parse(&[0x16, 0x90]).is_err()); // frequency index 13
        assert!(parse(&[0x11, 0xc0]).is_err()); // channel configuration 8
    }

    proptest::proptest! {
        #[test]
        fn parsers_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let _ = AvcDecoderConfigurationRecord::parse(&data);
            let _ = AudioSpecificConfig::parse(&data);
        }

        #[test]
        fn avcc_round_trips(
            sps in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..20), 1..3),
            pps in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..20), 0..3),
            size in proptest::sample::select(vec![1u8, 2, 4]),
        ) {
            let sps: Vec<Vec<u8>> = sps.into_iter().map(|mut s| { s.insert(0, 0x67); s }).collect();
            let pps: Vec<Vec<u8>> = pps.into_iter().map(|mut p| { p.insert(0, 0x68); p }).collect();
            let mut d = vec![1, 100, 0, 40, 0xfc | (size - 1), 0xe0 | sps.len() as u8];
            for s in &sps { d.extend_from_slice(&(s.len() as u16).to_be_bytes()); d.extend_from_slice(s); }
            d.push(pps.len() as u8);
            for p in &pps { d.extend_from_slice(&(p.len() as u16).to_be_bytes()); d.extend_from_slice(p); }
            let a = AvcDecoderConfigurationRecord::parse(&d).expect("round trip");
            proptest::prop_assert_eq!(a.nal_length_size, size);
            proptest::prop_assert_eq!(a.sps, sps);
            proptest::prop_assert_eq!(a.pps, pps);
        }
    }
}
