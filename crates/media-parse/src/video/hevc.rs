//! HEVC (ITU-T H.265): NAL unit headers, the start of the sequence parameter set
//! (§7.3.2.2), the `HEVCDecoderConfigurationRecord` (hvcC, ISO/IEC 14496-15 §8.3.3.1) and its
//! writer from Annex B parameter sets, and the key-frame rule.

use crate::error::{Error, Result};
use crate::reader::{rbsp, BitReader, ByteReader};
use crate::video::nal::{nal_units, read_units16, write_units16, AnnexBNals, NalFraming};

/// `nal_unit_type` of a video parameter set.
pub const NAL_VPS: u8 = 32;
/// `nal_unit_type` of a sequence parameter set.
pub const NAL_SPS: u8 = 33;
/// `nal_unit_type` of a picture parameter set.
pub const NAL_PPS: u8 = 34;

/// `nal_unit_type` of the NAL unit whose first header byte is `header` (the 6 bits after the
/// forbidden zero bit).
pub fn nal_unit_type(header: u8) -> u8 {
    (header >> 1) & 0x3f
}

/// The type of a NAL unit with a complete two-byte header, or `None`.
fn typed(nal: &[u8]) -> Option<u8> {
    match nal {
        [h, _, ..] => Some(nal_unit_type(*h)),
        _ => None,
    }
}

/// Whether an access unit is a key frame: one of its NAL units is an IRAP picture (BLA, IDR
/// or CRA: types 16–21). `Some(false)` when it has slices (types 0–21) but none of those,
/// `None` when it has none or the framing is broken before a key slice.
pub fn access_unit_is_key(data: &[u8], framing: NalFraming) -> Option<bool> {
    let mut any_slice = false;
    for nal in nal_units(data, framing) {
        let Some(&h) = nal.ok()?.first() else {
            continue;
        };
        let t = nal_unit_type(h);
        if (16..=21).contains(&t) {
            return Some(true);
        }
        any_slice |= t <= 21;
    }
    any_slice.then_some(false)
}

/// Whether an access unit holds a well-formed slice NAL unit (forbidden bit clear, a VCL type
/// below 32, `nuh_temporal_id_plus1` not 0). `false` when the framing breaks before one.
pub fn has_slice(data: &[u8], framing: NalFraming) -> bool {
    nal_units(data, framing)
        .map_while(Result::ok)
        .any(|n| matches!(n, [h, l, ..] if h & 0x80 == 0 && nal_unit_type(*h) <= 31 && l & 7 != 0))
}

/// Whether an Annex B access unit is a reference picture: some coded slice (`nal_unit_type`
/// below 32) is not a sub-layer non-reference type (`TRAIL_N`, `TSA_N`, `STSA_N`, `RADL_N`,
/// `RASL_N` and the reserved `RSV_VCL_N10/12/14`: the even types below 16). All pictures are
/// in temporal sub-layer 0 here, so sub-layer non-reference means non-reference.
pub fn is_reference(au: &[u8]) -> bool {
    AnnexBNals::new(au)
        .filter_map(typed)
        .any(|t| t < 32 && (t >= 16 || t % 2 == 1))
}

/// The SPS fields an hvcC record repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sps {
    /// The 12 bytes of `general_profile_tier_level`: space/tier/profile_idc, 32 compatibility
    /// flags, 48 constraint flags, level_idc (the order hvcC stores them in).
    pub general_ptl: [u8; 12],
    /// `sps_max_sub_layers_minus1` + 1 (1–7).
    pub max_sub_layers: u8,
    /// `sps_temporal_id_nesting_flag`.
    pub temporal_id_nesting: bool,
    /// `chroma_format_idc` (0–3).
    pub chroma_format_idc: u32,
    /// `pic_width_in_luma_samples`.
    pub width: u32,
    /// `pic_height_in_luma_samples`.
    pub height: u32,
    /// `bit_depth_luma_minus8` (0–8).
    pub bit_depth_luma_minus8: u32,
    /// `bit_depth_chroma_minus8` (0–8).
    pub bit_depth_chroma_minus8: u32,
}

impl Sps {
    /// Parses the start of an SPS NAL unit (header included, emulation prevention bytes still
    /// in) up to the bit depths.
    ///
    /// # Errors
    /// [`Error::Truncated`] when it ends early, [`Error::Malformed`] for a NAL unit of another
    /// type or a field out of its range.
    pub fn parse(nal: &[u8]) -> Result<Self> {
        let data = rbsp(nal);
        let mut b = ByteReader::new(&data);
        let [header, _] = b.array()?;
        if nal_unit_type(header) != NAL_SPS {
            return Err(Error::Malformed("not a sequence parameter set"));
        }
        let first = b.u8()?;
        let max_sub_layers_minus1 = (first >> 1) & 7;
        if max_sub_layers_minus1 == 7 {
            return Err(Error::Malformed("sps_max_sub_layers_minus1"));
        }
        // Byte-aligned here: general_profile_tier_level is the next 12 bytes.
        let general_ptl: [u8; 12] = b.array()?;
        let mut r = BitReader::new(b.rest());
        let n = usize::from(max_sub_layers_minus1);
        let mut present = [(false, false); 7];
        for p in present.iter_mut().take(n) {
            *p = (r.flag()?, r.flag()?);
        }
        if n > 0 {
            r.skip(2 * (8 - n))?; // reserved_zero_2bits
        }
        for &(profile, level) in present.iter().take(n) {
            r.skip(if profile { 88 } else { 0 } + if level { 8 } else { 0 })?;
        }
        if r.ue()? > 15 {
            return Err(Error::Malformed("sps_seq_parameter_set_id"));
        }
        let chroma_format_idc = r.ue()?;
        if chroma_format_idc > 3 {
            return Err(Error::Malformed("chroma_format_idc"));
        }
        if chroma_format_idc == 3 {
            r.skip(1)?; // separate_colour_plane_flag
        }
        let (width, height) = (r.ue()?, r.ue()?);
        if r.flag()? {
            for _ in 0..4 {
                r.ue()?; // conformance window offsets
            }
        }
        let bit_depth_luma_minus8 = r.ue()?;
        let bit_depth_chroma_minus8 = r.ue()?;
        if bit_depth_luma_minus8 > 8 || bit_depth_chroma_minus8 > 8 {
            return Err(Error::Malformed("bit depth"));
        }
        Ok(Self {
            general_ptl,
            max_sub_layers: max_sub_layers_minus1 + 1,
            temporal_id_nesting: first & 1 == 1,
            chroma_format_idc,
            width,
            height,
            bit_depth_luma_minus8,
            bit_depth_chroma_minus8,
        })
    }
}

/// `nal_unit_type`s an hvcC array may hold: VPS, SPS, PPS, prefix SEI, suffix SEI.
pub const HVCC_ARRAY_TYPES: [u8; 5] = [32, 33, 34, 39, 40];

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

fn hvcc_array(r: &mut ByteReader<'_>) -> Result<HvccNalArray> {
    let head = r.u8()?;
    let array_type = head & 0x3f;
    if !HVCC_ARRAY_TYPES.contains(&array_type) {
        return Err(Error::Malformed("NAL_unit_type of an hvcC array"));
    }
    let count = usize::from(r.u16_be()?);
    // Each unit: a two-byte header with forbidden_zero_bit clear and the array's type.
    let nal_units = read_units16(
        r,
        count,
        "NAL unit in an hvcC array",
        |u| matches!(u, [h, _, ..] if h & 0x80 == 0 && nal_unit_type(*h) == array_type),
    )?;
    Ok(HvccNalArray {
        complete: head & 0x80 != 0,
        nal_unit_type: array_type,
        nal_units,
    })
}

impl HevcDecoderConfigurationRecord {
    /// Parses an hvcC. Every NAL unit length and count is checked against the data; trailing
    /// bytes after the last array are accepted and ignored (as for avcC). Reserved bits are
    /// not checked.
    ///
    /// # Errors
    /// [`Error::Truncated`] when the record ends early; [`Error::Malformed`] for
    /// `configurationVersion != 1`, a NAL length size of 3, an array of a type other than
    /// VPS/SPS/PPS/SEI, or a NAL unit shorter than its header or not of its array's type.
    pub fn parse(data: &[u8]) -> Result<Self> {
        let mut r = ByteReader::new(data);
        if r.u8()? != 1 {
            return Err(Error::Malformed("configurationVersion"));
        }
        let ptl = r.u8()?;
        let general_profile_compatibility_flags = r.u32_be()?;
        let general_constraint_indicator_flags = r.uint_be(6)?;
        let general_level_idc = r.u8()?;
        let min_spatial_segmentation_idc = r.u16_be()? & 0x0fff;
        let [parallelism, chroma, luma, chroma_depth] = r.array()?;
        let avg_frame_rate = r.u16_be()?;
        let b = r.u8()?;
        let nal_length_size = (b & 3) + 1;
        if nal_length_size == 3 {
            return Err(Error::Malformed("lengthSizeMinusOne"));
        }
        let num_arrays = r.u8()?;
        let arrays = (0..num_arrays)
            .map(|_| hvcc_array(&mut r))
            .collect::<Result<_>>()?;
        Ok(Self {
            general_profile_space: ptl >> 6,
            general_tier_flag: ptl & 0x20 != 0,
            general_profile_idc: ptl & 0x1f,
            general_profile_compatibility_flags,
            general_constraint_indicator_flags,
            general_level_idc,
            min_spatial_segmentation_idc,
            parallelism_type: parallelism & 3,
            chroma_format_idc: chroma & 3,
            bit_depth_luma: (luma & 7) + 8,
            bit_depth_chroma: (chroma_depth & 7) + 8,
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
            write_units16(&mut out, &a.nal_units);
        }
        out
    }
}

/// Builds an hvcC record from Annex B parameter sets (x265's global header): the SPS's
/// profile/tier/level, chroma format and bit depths, then complete arrays of the VPS, SPS and
/// PPS NAL units, with 4-byte NAL length fields (units with the forbidden bit set are left
/// out). `None` if a parameter set is missing, there are more than fit the record, or the SPS
/// cannot be parsed.
pub fn hvcc_from_annexb(extradata: &[u8]) -> Option<Vec<u8>> {
    let of = |t: u8| -> Vec<Vec<u8>> {
        AnnexBNals::new(extradata)
            .filter(|n| typed(n) == Some(t) && n.first().is_some_and(|h| h & 0x80 == 0))
            .map(<[u8]>::to_vec)
            .collect()
    };
    let arrays: Vec<HvccNalArray> = [NAL_VPS, NAL_SPS, NAL_PPS]
        .into_iter()
        .map(|t| HvccNalArray {
            complete: true, // every parameter set is here
            nal_unit_type: t,
            nal_units: of(t),
        })
        .collect();
    let fits = |a: &HvccNalArray| {
        !a.nal_units.is_empty()
            && a.nal_units.len() <= 0xffff
            && a.nal_units.iter().all(|u| u.len() <= 0xffff)
    };
    if !arrays.iter().all(fits) {
        return None;
    }
    let sps = Sps::parse(&arrays[1].nal_units[0]).ok()?;
    let mut p = ByteReader::new(&sps.general_ptl);
    let ptl = p.u8().ok()?;
    let record = HevcDecoderConfigurationRecord {
        general_profile_space: ptl >> 6,
        general_tier_flag: ptl & 0x20 != 0,
        general_profile_idc: ptl & 0x1f,
        general_profile_compatibility_flags: p.u32_be().ok()?,
        general_constraint_indicator_flags: p.uint_be(6).ok()?,
        general_level_idc: p.u8().ok()?,
        min_spatial_segmentation_idc: 0,
        parallelism_type: 0, // unknown
        chroma_format_idc: sps.chroma_format_idc as u8,
        bit_depth_luma: sps.bit_depth_luma_minus8 as u8 + 8,
        bit_depth_chroma: sps.bit_depth_chroma_minus8 as u8 + 8,
        avg_frame_rate: 0, // unspecified
        constant_frame_rate: 0,
        num_temporal_layers: sps.max_sub_layers,
        temporal_id_nested: sps.temporal_id_nesting,
        nal_length_size: 4,
        arrays,
    };
    Some(record.to_bytes())
}

#[cfg(test)]
#[path = "hevc_tests.rs"]
mod tests;
