//! H.264 (ITU-T H.264): NAL unit headers, the sequence parameter set (§7.3.2.1.1), SEI
//! messages (§7.3.2.3) with the recovery point (§D.1.8), the `AVCDecoderConfigurationRecord`
//! (avcC, ISO/IEC 14496-15 §5.3.3.1) and the key-frame rule WebCodecs decoders apply.

use crate::error::{Error, Result};
use crate::reader::{rbsp, BitReader, ByteReader};
use crate::video::nal::{nal_units, read_units16, write_units16, AnnexBNals, NalFraming, Records};

pub use crate::video::nal::annexb_to_length_prefixed as annexb_to_avc;

/// `nal_unit_type` of a non-IDR slice.
pub const NAL_SLICE: u8 = 1;
/// `nal_unit_type` of an IDR slice.
pub const NAL_IDR: u8 = 5;
/// `nal_unit_type` of an SEI NAL unit.
pub const NAL_SEI: u8 = 6;
/// `nal_unit_type` of a sequence parameter set.
pub const NAL_SPS: u8 = 7;
/// `nal_unit_type` of a picture parameter set.
pub const NAL_PPS: u8 = 8;
/// `payloadType` of a recovery point SEI message.
pub const SEI_RECOVERY_POINT: u32 = 6;

/// `nal_unit_type` of the NAL unit whose first (header) byte is `header`.
pub fn nal_unit_type(header: u8) -> u8 {
    header & 0x1f
}

/// Whether a NAL header byte is that of a coded slice (types 1 to 5: the VCL units).
fn is_vcl(header: u8) -> bool {
    matches!(nal_unit_type(header), 1..=5)
}

/// `profile_idc`s whose SPS carries `chroma_format_idc` and the bit depths (§7.3.2.1.1).
const HIGH_SPS_PROFILES: [u8; 13] = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135];

/// `profile_idc`s whose avcC carries the chroma format / bit depth extension (14496-15).
const AVCC_EXT_PROFILES: [u8; 4] = [100, 110, 122, 144];

/// The fields of a sequence parameter set up to the picture size (the VUI is not read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sps {
    /// `profile_idc`.
    pub profile_idc: u8,
    /// The `constraint_set0..5_flag`s and reserved bits, as one byte.
    pub constraint_flags: u8,
    /// `level_idc`.
    pub level_idc: u8,
    /// `seq_parameter_set_id` (0–31).
    pub sps_id: u32,
    /// `chroma_format_idc` (0–3; 1 when the profile does not signal it).
    pub chroma_format_idc: u32,
    /// `separate_colour_plane_flag`.
    pub separate_colour_plane: bool,
    /// `bit_depth_luma_minus8` (0–6).
    pub bit_depth_luma_minus8: u32,
    /// `bit_depth_chroma_minus8` (0–6).
    pub bit_depth_chroma_minus8: u32,
    /// `frame_mbs_only_flag` (false: the stream may hold fields).
    pub frame_mbs_only: bool,
    /// Width in luma samples after the frame cropping.
    pub width: u32,
    /// Height in luma samples after the frame cropping.
    pub height: u32,
    /// `vui_parameters_present_flag`.
    pub vui_present: bool,
}

/// Skips a `scaling_list()` of `size` coefficients (§7.3.2.1.1.1).
fn skip_scaling_list(r: &mut BitReader<'_>, size: usize) -> Result<()> {
    let (mut last, mut next) = (8i64, 8i64);
    for _ in 0..size {
        if next != 0 {
            let delta = i64::from(r.se()?);
            if !(-128..=127).contains(&delta) {
                return Err(Error::Malformed("delta_scale"));
            }
            next = (last + delta + 256) % 256;
        }
        if next != 0 {
            last = next;
        }
    }
    Ok(())
}

/// A `ue(v)` that must not exceed `max`.
fn ue_max(r: &mut BitReader<'_>, max: u32, what: &'static str) -> Result<u32> {
    let v = r.ue()?;
    if v > max {
        return Err(Error::Malformed(what));
    }
    Ok(v)
}

impl Sps {
    /// Parses an SPS NAL unit (header byte included, emulation prevention bytes still in).
    ///
    /// # Errors
    /// [`Error::Truncated`] when it ends early, [`Error::Malformed`] for a NAL unit of another
    /// type or a field out of its range (ids, chroma format, bit depths, a cropping larger
    /// than the picture).
    pub fn parse(nal: &[u8]) -> Result<Self> {
        let data = rbsp(nal);
        let mut b = ByteReader::new(&data);
        if nal_unit_type(b.u8()?) != NAL_SPS {
            return Err(Error::Malformed("not a sequence parameter set"));
        }
        let [profile_idc, constraint_flags, level_idc] = b.array()?;
        let mut r = BitReader::new(b.rest());
        let sps_id = ue_max(&mut r, 31, "seq_parameter_set_id")?;
        let (mut chroma_format_idc, mut separate_colour_plane) = (1, false);
        let (mut bit_depth_luma_minus8, mut bit_depth_chroma_minus8) = (0, 0);
        if HIGH_SPS_PROFILES.contains(&profile_idc) {
            chroma_format_idc = ue_max(&mut r, 3, "chroma_format_idc")?;
            if chroma_format_idc == 3 {
                separate_colour_plane = r.flag()?;
            }
            bit_depth_luma_minus8 = ue_max(&mut r, 6, "bit_depth_luma_minus8")?;
            bit_depth_chroma_minus8 = ue_max(&mut r, 6, "bit_depth_chroma_minus8")?;
            r.skip(1)?; // qpprime_y_zero_transform_bypass_flag
            if r.flag()? {
                let lists = if chroma_format_idc == 3 { 12 } else { 8 };
                for i in 0..lists {
                    if r.flag()? {
                        skip_scaling_list(&mut r, if i < 6 { 16 } else { 64 })?;
                    }
                }
            }
        }
        ue_max(&mut r, 12, "log2_max_frame_num_minus4")?;
        match ue_max(&mut r, 2, "pic_order_cnt_type")? {
            0 => {
                ue_max(&mut r, 12, "log2_max_pic_order_cnt_lsb_minus4")?;
            }
            1 => {
                r.skip(1)?; // delta_pic_order_always_zero_flag
                r.se()?; // offset_for_non_ref_pic
                r.se()?; // offset_for_top_to_bottom_field
                let cycle = ue_max(&mut r, 255, "num_ref_frames_in_pic_order_cnt_cycle")?;
                for _ in 0..cycle {
                    r.se()?;
                }
            }
            _ => {}
        }
        r.ue()?; // max_num_ref_frames
        r.skip(1)?; // gaps_in_frame_num_value_allowed_flag
        let width_mbs = u64::from(r.ue()?) + 1;
        let height_units = u64::from(r.ue()?) + 1;
        let frame_mbs_only = r.flag()?;
        if !frame_mbs_only {
            r.skip(1)?; // mb_adaptive_frame_field_flag
        }
        r.skip(1)?; // direct_8x8_inference_flag
        let crop = if r.flag()? {
            [r.ue()?, r.ue()?, r.ue()?, r.ue()?].map(u64::from)
        } else {
            [0; 4]
        };
        let vui_present = r.flag()?;
        // Crop units (Table 6-1 and equations 7-19 to 7-22).
        let field_factor = if frame_mbs_only { 1 } else { 2 };
        let chroma_array_type = if separate_colour_plane {
            0
        } else {
            chroma_format_idc
        };
        let (unit_x, unit_y) = match chroma_array_type {
            0 => (1, field_factor),
            1 => (2, 2 * field_factor),
            2 => (2, field_factor),
            _ => (1, field_factor),
        };
        let size = |units: u64, crop_a: u64, crop_b: u64, unit: u64| -> Result<u32> {
            let cropped = (crop_a + crop_b) * unit;
            units
                .checked_sub(cropped)
                .filter(|&v| v > 0)
                .and_then(|v| u32::try_from(v).ok())
                .ok_or(Error::Malformed("frame cropping"))
        };
        let width = size(width_mbs * 16, crop[0], crop[1], unit_x)?;
        let height = size(height_units * 16 * field_factor, crop[2], crop[3], unit_y)?;
        Ok(Self {
            profile_idc,
            constraint_flags,
            level_idc,
            sps_id,
            chroma_format_idc,
            separate_colour_plane,
            bit_depth_luma_minus8,
            bit_depth_chroma_minus8,
            frame_mbs_only,
            width,
            height,
            vui_present,
        })
    }
}

/// One SEI message of an SEI NAL unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeiMessage<'a> {
    /// `payloadType`.
    pub payload_type: u32,
    /// The payload bytes (`payloadSize` of them).
    pub payload: &'a [u8],
}

/// The SEI messages of an SEI RBSP (the NAL unit without its header byte, emulation
/// prevention removed). Yields an error, then stops, where a message does not fit.
pub type SeiMessages<'a> = Records<'a, SeiMessage<'a>>;

impl<'a> SeiMessages<'a> {
    /// The messages of `rbsp`.
    pub fn new(rbsp: &'a [u8]) -> Self {
        Records::with_reader(rbsp, |r| {
            // What is left is the rbsp_trailing_bits (0x80) or nothing: no more messages.
            if r.rest() == [0x80] {
                return None;
            }
            Some(read_sei_message(r))
        })
    }
}

/// One SEI message: its type, its size and that many payload bytes.
fn read_sei_message<'a>(r: &mut ByteReader<'a>) -> Result<SeiMessage<'a>> {
    let payload_type = ff_coded(r)?;
    let size = ff_coded(r)?;
    Ok(SeiMessage {
        payload_type,
        payload: r.take(size as usize)?,
    })
}

/// A `payloadType` or `payloadSize`: a run of 0xFF bytes (255 each) and a last byte.
fn ff_coded(r: &mut ByteReader<'_>) -> Result<u32> {
    let mut v = 0u32;
    loop {
        let b = r.u8()?;
        v = v
            .checked_add(u32::from(b))
            .ok_or(Error::Limit("SEI payload type or size"))?;
        if b != 0xff {
            return Ok(v);
        }
    }
}

/// A recovery point SEI message (§D.1.8): decoding can start at this access unit and give
/// correct pictures `recovery_frame_cnt` frames later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveryPoint {
    /// `recovery_frame_cnt`: 0 means the access unit itself decodes correctly.
    pub recovery_frame_cnt: u32,
    /// `exact_match_flag`.
    pub exact_match: bool,
    /// `broken_link_flag`.
    pub broken_link: bool,
    /// `changing_slice_group_idc` (0–2).
    pub changing_slice_group_idc: u8,
}

impl RecoveryPoint {
    /// Parses a recovery point payload.
    ///
    /// # Errors
    /// [`Error::Truncated`] when it ends early, [`Error::Malformed`] for the reserved
    /// `changing_slice_group_idc` 3.
    pub fn parse(payload: &[u8]) -> Result<Self> {
        let mut r = BitReader::new(payload);
        let recovery_frame_cnt = r.ue()?;
        let exact_match = r.flag()?;
        let broken_link = r.flag()?;
        let changing_slice_group_idc = r.bits(2)? as u8;
        if changing_slice_group_idc == 3 {
            return Err(Error::Malformed("changing_slice_group_idc"));
        }
        Ok(Self {
            recovery_frame_cnt,
            exact_match,
            broken_link,
            changing_slice_group_idc,
        })
    }
}

/// Whether an SEI NAL unit (header included) holds a recovery point with
/// `recovery_frame_cnt` 0. SEI messages that cannot be parsed count as none.
fn has_immediate_recovery_point(nal: &[u8]) -> bool {
    let data = rbsp(nal);
    let Some(body) = data.get(1..) else {
        return false;
    };
    SeiMessages::new(body)
        .map_while(Result::ok)
        .filter(|m| m.payload_type == SEI_RECOVERY_POINT)
        .any(|m| RecoveryPoint::parse(m.payload).is_ok_and(|p| p.recovery_frame_cnt == 0))
}

/// Whether an access unit is a key frame, by Chromium's rule (`media::mp4::AVC::AnalyzeAnnexB`
/// with recovery points treated as key frames): an SEI before the first slice that holds a
/// recovery point with `recovery_frame_cnt` 0 makes it one; otherwise the first slice decides
/// (IDR or not). `None` when there is no slice or the framing is broken before the decision.
pub fn access_unit_is_key(data: &[u8], framing: NalFraming) -> Option<bool> {
    for nal in nal_units(data, framing) {
        let nal = nal.ok()?;
        let Some(&header) = nal.first() else {
            continue;
        };
        match nal_unit_type(header) {
            NAL_SEI if has_immediate_recovery_point(nal) => return Some(true),
            t if is_vcl(header) => return Some(t == NAL_IDR),
            _ => {}
        }
    }
    None
}

/// Whether an access unit holds a well-formed slice NAL unit (forbidden bit clear, type 1–5).
/// `false` when the framing breaks before one is found.
pub fn has_slice(data: &[u8], framing: NalFraming) -> bool {
    nal_units(data, framing)
        .map_while(Result::ok)
        .any(|n| n.first().is_some_and(|&h| h & 0x80 == 0 && is_vcl(h)))
}

/// Whether an Annex B access unit is a reference picture: some coded slice (`nal_unit_type`
/// 1 or 5) has a non-zero `nal_ref_idc`. An access unit without slices is not one.
pub fn is_reference(au: &[u8]) -> bool {
    AnnexBNals::new(au).any(|n| {
        n.first()
            .is_some_and(|&h| matches!(nal_unit_type(h), NAL_SLICE | NAL_IDR) && h & 0x60 != 0)
    })
}

/// The chroma format and bit depth extension of a High-profile avcC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvcHighExtension {
    /// `chroma_format` (`chroma_format_idc`, 0–3).
    pub chroma_format_idc: u8,
    /// `bit_depth_luma_minus8` (0–7).
    pub bit_depth_luma_minus8: u8,
    /// `bit_depth_chroma_minus8` (0–7).
    pub bit_depth_chroma_minus8: u8,
    /// Sequence parameter set extension NAL units.
    pub sps_ext: Vec<Vec<u8>>,
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
    /// The High-profile extension (profiles 100, 110, 122, 144), when present and complete.
    pub high: Option<AvcHighExtension>,
}

/// `count` parameter sets of type `nal_type` (forbidden bit clear).
fn parameter_sets(
    r: &mut ByteReader<'_>,
    count: usize,
    nal_type: u8,
    what: &'static str,
) -> Result<Vec<Vec<u8>>> {
    read_units16(r, count, what, |u| {
        u.first()
            .is_some_and(|&h| h & 0x80 == 0 && nal_unit_type(h) == nal_type)
    })
}

fn high_extension(r: &mut ByteReader<'_>) -> Result<AvcHighExtension> {
    let [c, l, cd, n] = r.array()?;
    Ok(AvcHighExtension {
        chroma_format_idc: c & 3,
        bit_depth_luma_minus8: l & 7,
        bit_depth_chroma_minus8: cd & 7,
        sps_ext: read_units16(r, usize::from(n), "SPS extension", |u| !u.is_empty())?,
    })
}

impl AvcDecoderConfigurationRecord {
    /// Parses an avcC. The High-profile extension is read when the profile has one and it is
    /// complete; other trailing bytes are accepted and ignored.
    ///
    /// # Errors
    /// [`Error::Truncated`] when the record ends early; [`Error::Malformed`] for
    /// `configurationVersion != 1`, a NAL length size of 3, no SPS, or parameter sets of the
    /// wrong NAL type.
    pub fn parse(data: &[u8]) -> Result<Self> {
        let mut r = ByteReader::new(data);
        if r.u8()? != 1 {
            return Err(Error::Malformed("configurationVersion"));
        }
        let [profile_idc, profile_compatibility, level_idc, size] = r.array()?;
        let nal_length_size = (size & 0x03) + 1;
        if nal_length_size == 3 {
            return Err(Error::Malformed("lengthSizeMinusOne"));
        }
        let num_sps = usize::from(r.u8()? & 0x1f);
        if num_sps == 0 {
            return Err(Error::Malformed("numOfSequenceParameterSets"));
        }
        let sps = parameter_sets(&mut r, num_sps, NAL_SPS, "sequence parameter set")?;
        let num_pps = usize::from(r.u8()?);
        let pps = parameter_sets(&mut r, num_pps, NAL_PPS, "picture parameter set")?;
        let high = if AVCC_EXT_PROFILES.contains(&profile_idc) {
            high_extension(&mut r).ok()
        } else {
            None
        };
        Ok(Self {
            profile_idc,
            profile_compatibility,
            level_idc,
            nal_length_size,
            sps,
            pps,
            high,
        })
    }

    /// Serialises the record (reserved bits set to 1). `parse(&r.to_bytes())` gives back `r`
    /// for every record `parse` returned; counts and lengths beyond their fields (31 SPSs,
    /// 255 PPSs, 64 KiB units) do not fit the format and are not checked here.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![
            1,
            self.profile_idc,
            self.profile_compatibility,
            self.level_idc,
            0xfc | (self.nal_length_size.wrapping_sub(1) & 3),
            0xe0 | (self.sps.len() as u8 & 0x1f),
        ];
        write_units16(&mut out, &self.sps);
        out.push(self.pps.len() as u8);
        write_units16(&mut out, &self.pps);
        if let Some(h) = &self.high {
            out.push(0xfc | (h.chroma_format_idc & 3));
            out.push(0xf8 | (h.bit_depth_luma_minus8 & 7));
            out.push(0xf8 | (h.bit_depth_chroma_minus8 & 7));
            out.push(h.sps_ext.len() as u8);
            write_units16(&mut out, &h.sps_ext);
        }
        out
    }
}

/// Builds an avcC record from Annex B parameter sets (x264's global header), with 4-byte NAL
/// lengths and, for the High profiles, the chroma format and bit depths of the first SPS.
/// Units with the forbidden bit set are left out. `None` if there is no SPS or PPS, or more
/// than fit the record.
pub fn avcc_from_annexb(extradata: &[u8]) -> Option<Vec<u8>> {
    let of = |t: u8| -> Vec<Vec<u8>> {
        AnnexBNals::new(extradata)
            .filter(|n| {
                n.first()
                    .is_some_and(|&h| h & 0x80 == 0 && nal_unit_type(h) == t)
            })
            .map(<[u8]>::to_vec)
            .collect()
    };
    let (sps, pps) = (of(NAL_SPS), of(NAL_PPS));
    let first = sps.first()?;
    let &[_, profile_idc, profile_compatibility, level_idc, ..] = first.as_slice() else {
        return None;
    };
    let fits = |v: &[Vec<u8>], max: usize| v.len() <= max && v.iter().all(|u| u.len() <= 0xffff);
    if pps.is_empty() || !fits(&sps, 31) || !fits(&pps, 255) {
        return None;
    }
    let high = if AVCC_EXT_PROFILES.contains(&profile_idc) {
        Sps::parse(first).ok().map(|s| AvcHighExtension {
            chroma_format_idc: s.chroma_format_idc as u8,
            bit_depth_luma_minus8: s.bit_depth_luma_minus8 as u8,
            bit_depth_chroma_minus8: s.bit_depth_chroma_minus8 as u8,
            sps_ext: Vec::new(),
        })
    } else {
        None
    };
    let record = AvcDecoderConfigurationRecord {
        profile_idc,
        profile_compatibility,
        level_idc,
        nal_length_size: 4,
        high,
        sps,
        pps,
    };
    Some(record.to_bytes())
}

#[cfg(test)]
#[path = "h264_tests.rs"]
mod tests;
