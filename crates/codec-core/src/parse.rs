//! Pure, bounds-checked parsers for decoder `description`s: the H.264
//! `AVCDecoderConfigurationRecord` (avcC, ISO/IEC 14496-15 §5.3.3.1), the HEVC
//! `HEVCDecoderConfigurationRecord` (hvcC, ISO/IEC 14496-15 §8.3.3.1) and the AAC
//! `AudioSpecificConfig` (ISO/IEC 14496-3 §1.6.2.1). They never panic on any input (fuzzed in
//! `fuzz/`); decoders use them to reject a malformed description with `NotSupportedError`
//! before FFmpeg sees it.

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

/// `nal_unit_type`s an hvcC array may hold: VPS, SPS, PPS, prefix SEI, suffix SEI.
const HVCC_ARRAY_TYPES: [u8; 5] = [32, 33, 34, 39, 40];

/// One `NAL_unit_type` array of an hvcC record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HvccNalArray {
    /// `array_completeness`: every NAL unit of this type is in the array (none in-band).
    pub complete: bool,
    /// The `NAL_unit_type` shared by the array's units (32 VPS, 33 SPS, 34 PPS, 39/40 SEI).
    pub nal_unit_type: u8,
    /// The NAL units, each starting with its two-byte NAL unit header.
    pub nal_units: Vec<Vec<u8>>,
}

/// A parsed hvcC (`HEVCDecoderConfigurationRecord`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HevcDecoderConfigurationRecord {
    /// `general_profile_space` (0–3).
    pub general_profile_space: u8,
    /// `general_tier_flag`: High tier.
    pub general_tier_flag: bool,
    /// `general_profile_idc` (0–31).
    pub general_profile_idc: u8,
    /// `general_profile_compatibility_flags`.
    pub general_profile_compatibility_flags: u32,
    /// `general_constraint_indicator_flags` (48 bits).
    pub general_constraint_indicator_flags: u64,
    /// `general_level_idc` (30 × the level number).
    pub general_level_idc: u8,
    /// `min_spatial_segmentation_idc` (12 bits).
    pub min_spatial_segmentation_idc: u16,
    /// `parallelismType` (0–3).
    pub parallelism_type: u8,
    /// `chromaFormat` (`chroma_format_idc`, 0–3).
    pub chroma_format_idc: u8,
    /// Luma bit depth (8–15).
    pub bit_depth_luma: u8,
    /// Chroma bit depth (8–15).
    pub bit_depth_chroma: u8,
    /// `avgFrameRate` in frames per 256 seconds (0: unspecified).
    pub avg_frame_rate: u16,
    /// `constantFrameRate` (0–2).
    pub constant_frame_rate: u8,
    /// `numTemporalLayers` (0: unknown).
    pub num_temporal_layers: u8,
    /// `temporalIdNested`.
    pub temporal_id_nested: bool,
    /// Size in bytes of the NAL unit length prefix of the samples: 1, 2 or 4.
    pub nal_length_size: u8,
    /// The parameter set and SEI arrays, in record order.
    pub arrays: Vec<HvccNalArray>,
}

fn hvcc_array(r: &mut Bytes<'_>) -> Result<HvccNalArray, ParseError> {
    let head = r.u8()?;
    let nal_unit_type = head & 0x3f;
    if !HVCC_ARRAY_TYPES.contains(&nal_unit_type) {
        return Err(ParseError::Invalid("NAL_unit_type of an hvcC array"));
    }
    let count = usize::from(r.u16()?);
    // Each unit needs at least 2 length bytes: a count the data cannot hold is truncated.
    if count > (r.data.len() - r.pos) / 2 {
        return Err(ParseError::Truncated(r.data.len()));
    }
    let mut nal_units = Vec::with_capacity(count);
    for _ in 0..count {
        let len = usize::from(r.u16()?);
        let nal = r.take(len)?;
        // A two-byte header with forbidden_zero_bit clear and the array's nal_unit_type.
        match nal {
            [h, _, ..] if h & 0x80 == 0 && (h >> 1) & 0x3f == nal_unit_type => {
                nal_units.push(nal.to_vec());
            }
            _ => return Err(ParseError::Invalid("NAL unit in an hvcC array")),
        }
    }
    Ok(HvccNalArray {
        complete: head & 0x80 != 0,
        nal_unit_type,
        nal_units,
    })
}

impl HevcDecoderConfigurationRecord {
    /// Parses an hvcC. Every NAL unit length and count is checked against the data; trailing
    /// bytes after the last array are accepted and ignored (as for avcC). Reserved bits are
    /// not checked.
    ///
    /// # Errors
    /// [`ParseError`] when the record is truncated, has `configurationVersion != 1`, a NAL
    /// length size of 3, an array of a type other than VPS/SPS/PPS/SEI, or a NAL unit that is
    /// shorter than its header or not of its array's type.
    pub fn parse(data: &[u8]) -> Result<Self, ParseError> {
        let mut r = Bytes { data, pos: 0 };
        if r.u8()? != 1 {
            return Err(ParseError::Invalid("configurationVersion"));
        }
        let ptl = r.u8()?;
        let general_profile_compatibility_flags = u32::from(r.u16()?) << 16 | u32::from(r.u16()?);
        let general_constraint_indicator_flags =
            r.take(6)?.iter().fold(0u64, |v, b| v << 8 | u64::from(*b));
        let general_level_idc = r.u8()?;
        let min_spatial_segmentation_idc = r.u16()? & 0x0fff;
        let parallelism_type = r.u8()? & 3;
        let chroma_format_idc = r.u8()? & 3;
        let bit_depth_luma = (r.u8()? & 7) + 8;
        let bit_depth_chroma = (r.u8()? & 7) + 8;
        let avg_frame_rate = r.u16()?;
        let b = r.u8()?;
        let nal_length_size = (b & 3) + 1;
        if nal_length_size == 3 {
            return Err(ParseError::Invalid("lengthSizeMinusOne"));
        }
        let num_arrays = r.u8()?;
        let arrays = (0..num_arrays)
            .map(|_| hvcc_array(&mut r))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            general_profile_space: ptl >> 6,
            general_tier_flag: ptl & 0x20 != 0,
            general_profile_idc: ptl & 0x1f,
            general_profile_compatibility_flags,
            general_constraint_indicator_flags,
            general_level_idc,
            min_spatial_segmentation_idc,
            parallelism_type,
            chroma_format_idc,
            bit_depth_luma,
            bit_depth_chroma,
            avg_frame_rate,
            constant_frame_rate: b >> 6,
            num_temporal_layers: (b >> 3) & 7,
            temporal_id_nested: b & 4 != 0,
            nal_length_size,
            arrays,
        })
    }

    /// The NAL units of the arrays of `nal_unit_type` (e.g. 33 for the SPSs), in order.
    pub fn nal_units(&self, nal_unit_type: u8) -> impl Iterator<Item = &[u8]> {
        self.arrays
            .iter()
            .filter(move |a| a.nal_unit_type == nal_unit_type)
            .flat_map(|a| a.nal_units.iter().map(Vec::as_slice))
    }

    /// Serialises the record (reserved bits set to 1). Fields out of their bit ranges are
    /// masked; `parse(&r.to_bytes())` gives back `r` for every record `parse` returned.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(23);
        out.push(1);
        out.push(
            (self.general_profile_space & 3) << 6
                | u8::from(self.general_tier_flag) << 5
                | (self.general_profile_idc & 0x1f),
        );
        out.extend_from_slice(&self.general_profile_compatibility_flags.to_be_bytes());
        out.extend_from_slice(&self.general_constraint_indicator_flags.to_be_bytes()[2..]);
        out.push(self.general_level_idc);
        out.extend_from_slice(
            &(0xf000 | (self.min_spatial_segmentation_idc & 0x0fff)).to_be_bytes(),
        );
        out.push(0xfc | (self.parallelism_type & 3));
        out.push(0xfc | (self.chroma_format_idc & 3));
        out.push(0xf8 | (self.bit_depth_luma.wrapping_sub(8) & 7));
        out.push(0xf8 | (self.bit_depth_chroma.wrapping_sub(8) & 7));
        out.extend_from_slice(&self.avg_frame_rate.to_be_bytes());
        out.push(
            (self.constant_frame_rate & 3) << 6
                | (self.num_temporal_layers & 7) << 3
                | u8::from(self.temporal_id_nested) << 2
                | (self.nal_length_size.wrapping_sub(1) & 3),
        );
        out.push(self.arrays.len() as u8);
        for a in &self.arrays {
            out.push(u8::from(a.complete) << 7 | (a.nal_unit_type & 0x3f));
            out.extend_from_slice(&(a.nal_units.len() as u16).to_be_bytes());
            for n in &a.nal_units {
                out.extend_from_slice(&(n.len() as u16).to_be_bytes());
                out.extend_from_slice(n);
            }
        }
        out
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

    /// An hvcC as the encoder's builder writes it for a 320x240 x265 Main stream (level 2,
    /// 4:2:0 8-bit, 4-byte lengths), with the VPS/SPS/PPS cut to their NAL headers + 1 byte.
    const HVCC: [u8; 47] = [
        1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 60, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0,
        0x0f, 3, // arrays
        0xa0, 0, 1, 0, 3, 0x40, 0x01, 0x0c, // VPS
        0xa1, 0, 1, 0, 3, 0x42, 0x01, 0x01, // SPS
        0xa2, 0, 1, 0, 3, 0x44, 0x01, 0xc0, // PPS
    ];

    #[test]
    fn parses_hvcc() {
        let h = HevcDecoderConfigurationRecord::parse(&HVCC).expect("valid");
        assert_eq!(
            (
                h.general_profile_space,
                h.general_tier_flag,
                h.general_profile_idc
            ),
            (0, false, 1)
        );
        assert_eq!(h.general_profile_compatibility_flags, 0x6000_0000);
        assert_eq!(h.general_constraint_indicator_flags, 0x9000_0000_0000);
        assert_eq!(h.general_level_idc, 60);
        assert_eq!(
            (h.chroma_format_idc, h.bit_depth_luma, h.bit_depth_chroma),
            (1, 8, 8)
        );
        assert_eq!(
            (
                h.num_temporal_layers,
                h.temporal_id_nested,
                h.nal_length_size
            ),
            (1, true, 4)
        );
        assert_eq!(
            h.arrays
                .iter()
                .map(|a| (a.complete, a.nal_unit_type))
                .collect::<Vec<_>>(),
            [(true, 32), (true, 33), (true, 34)]
        );
        assert_eq!(
            h.nal_units(33).collect::<Vec<_>>(),
            [&[0x42u8, 0x01, 0x01][..]]
        );
        assert_eq!(h.to_bytes(), HVCC);
        // Trailing bytes are ignored; an empty array list is structurally fine.
        let mut ext = HVCC.to_vec();
        ext.push(0);
        assert_eq!(HevcDecoderConfigurationRecord::parse(&ext), Ok(h));
        let mut none = HVCC[..23].to_vec();
        none[22] = 0;
        let h = HevcDecoderConfigurationRecord::parse(&none).expect("no arrays");
        assert!(h.arrays.is_empty());
    }

    #[test]
    fn rejects_bad_hvcc() {
        let parse = HevcDecoderConfigurationRecord::parse;
        assert_eq!(parse(&[]), Err(ParseError::Truncated(0)));
        let bad = |i: usize, v: u8| {
            let mut d = HVCC;
            d[i] = v;
            parse(&d)
        };
        assert_eq!(bad(0, 0), Err(ParseError::Invalid("configurationVersion")));
        assert_eq!(
            bad(21, 0x0e),
            Err(ParseError::Invalid("lengthSizeMinusOne"))
        );
        // An array of slices (type 1), an SPS in the PPS array, a 1-byte NAL unit, a set
        // forbidden_zero_bit.
        assert!(matches!(bad(23, 0x81), Err(ParseError::Invalid(_))));
        assert!(matches!(bad(44, 0x42), Err(ParseError::Invalid(_))));
        let mut short = HVCC.to_vec();
        short[27] = 1;
        short.remove(29);
        assert!(matches!(parse(&short), Err(ParseError::Invalid(_))));
        assert!(matches!(bad(28, 0xc0), Err(ParseError::Invalid(_))));
        // Counts and lengths beyond the data.
        assert!(matches!(bad(22, 4), Err(ParseError::Truncated(_))));
        assert!(matches!(bad(25, 2), Err(ParseError::Truncated(_))));
        assert!(matches!(bad(24, 0xff), Err(ParseError::Truncated(_))));
        assert!(matches!(bad(43, 4), Err(ParseError::Truncated(_))));
        assert!(matches!(bad(26, 0x80), Err(ParseError::Truncated(_))));
        for n in 0..HVCC.len() {
            assert!(parse(&HVCC[..n]).is_err(), "prefix of {n} bytes");
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
            let _ = HevcDecoderConfigurationRecord::parse(&data);
        }

        /// Random bytes after a valid hvcC header: no panic, and whatever parses re-serialises
        /// to a record that parses to the same value.
        #[test]
        fn hvcc_never_panics_and_reparses(
            head in proptest::collection::vec(proptest::num::u8::ANY, 22..=22),
            tail in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
            flips in proptest::collection::vec((0usize..47, 0u8..8), 0..4),
        ) {
            let mut d = vec![1];
            d.extend_from_slice(&head[1..]);
            d.extend_from_slice(&tail);
            let _ = HevcDecoderConfigurationRecord::parse(&d);
            // Bit flips of the valid record reach the array checks more often.
            let mut v = HVCC.to_vec();
            for (i, b) in flips { v[i] ^= 1 << b; }
            for data in [d, v] {
                if let Ok(h) = HevcDecoderConfigurationRecord::parse(&data) {
                    proptest::prop_assert!(matches!(h.nal_length_size, 1 | 2 | 4));
                    proptest::prop_assert_eq!(HevcDecoderConfigurationRecord::parse(&h.to_bytes()), Ok(h));
                }
            }
        }

        #[test]
        fn hvcc_round_trips(
            ptl in (0u8..4, proptest::bool::ANY, 0u8..32, proptest::num::u32::ANY, 0u64..1 << 48, proptest::num::u8::ANY),
            misc in (0u16..4096, 0u8..4, 0u8..4, 8u8..16, 8u8..16, proptest::num::u16::ANY, 0u8..4, 0u8..8, proptest::bool::ANY),
            size in proptest::sample::select(vec![1u8, 2, 4]),
            arrays in proptest::collection::vec(
                (proptest::bool::ANY, proptest::sample::select(HVCC_ARRAY_TYPES.to_vec()),
                 proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 1..12), 0..3)),
                0..5),
        ) {
            let arrays: Vec<HvccNalArray> = arrays
                .into_iter()
                .map(|(complete, t, units)| HvccNalArray {
                    complete,
                    nal_unit_type: t,
                    nal_units: units.into_iter().map(|mut u| { u.insert(0, t << 1); u }).collect(),
                })
                .collect();
            let h = HevcDecoderConfigurationRecord {
                general_profile_space: ptl.0,
                general_tier_flag: ptl.1,
                general_profile_idc: ptl.2,
                general_profile_compatibility_flags: ptl.3,
                general_constraint_indicator_flags: ptl.4,
                general_level_idc: ptl.5,
                min_spatial_segmentation_idc: misc.0,
                parallelism_type: misc.1,
                chroma_format_idc: misc.2,
                bit_depth_luma: misc.3,
                bit_depth_chroma: misc.4,
                avg_frame_rate: misc.5,
                constant_frame_rate: misc.6 % 3,
                num_temporal_layers: misc.7,
                temporal_id_nested: misc.8,
                nal_length_size: size,
                arrays,
            };
            let bytes = h.to_bytes();
            proptest::prop_assert_eq!(HevcDecoderConfigurationRecord::parse(&bytes), Ok(h));
            // Every strict prefix is rejected.
            for n in 0..bytes.len() {
                proptest::prop_assert!(HevcDecoderConfigurationRecord::parse(&bytes[..n]).is_err());
            }
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
