//! AV1 (AV1 Bitstream & Decoding Process Specification): OBU headers (§5.3), the sequence
//! header OBU (§5.5) and the key-frame rule for a temporal unit.

use crate::error::{Error, Result};
use crate::reader::{BitReader, ByteReader};
use crate::video::nal::Records;

/// `obu_type` of a sequence header.
pub const OBU_SEQUENCE_HEADER: u8 = 1;
/// `obu_type` of a temporal delimiter.
pub const OBU_TEMPORAL_DELIMITER: u8 = 2;
/// `obu_type` of a frame header.
pub const OBU_FRAME_HEADER: u8 = 3;
/// `obu_type` of a frame (header and tile group).
pub const OBU_FRAME: u8 = 6;

/// One OBU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Obu<'a> {
    /// `obu_type` (0–15).
    pub obu_type: u8,
    /// `temporal_id` (0 without an extension header).
    pub temporal_id: u8,
    /// `spatial_id` (0 without an extension header).
    pub spatial_id: u8,
    /// Whether the header had `obu_has_size_field` set (otherwise the OBU ran to the end).
    pub has_size_field: bool,
    /// The OBU payload.
    pub payload: &'a [u8],
}

/// The OBUs of a temporal unit in low-overhead format. An OBU without a size field extends to
/// the end of the data. Yields an error (and then stops) for a set forbidden bit or a size
/// past the end.
pub type Obus<'a> = Records<'a, Obu<'a>>;

impl<'a> Obus<'a> {
    /// The OBUs of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Records::with_reader(data, |r| Some(read_obu(r)))
    }
}

/// One OBU (header, optional size, payload).
fn read_obu<'a>(r: &mut ByteReader<'a>) -> Result<Obu<'a>> {
    let header = r.u8()?;
    if header & 0x80 != 0 {
        return Err(Error::Malformed("obu_forbidden_bit"));
    }
    let (mut temporal_id, mut spatial_id) = (0, 0);
    if header & 0x04 != 0 {
        let ext = r.u8()?;
        temporal_id = ext >> 5;
        spatial_id = (ext >> 3) & 3;
    }
    let has_size_field = header & 0x02 != 0;
    let size = if has_size_field {
        usize::try_from(r.leb128()?).map_err(|_| Error::Limit("obu_size"))?
    } else {
        r.remaining()
    };
    Ok(Obu {
        obu_type: (header >> 3) & 0x0f,
        temporal_id,
        spatial_id,
        has_size_field,
        payload: r.take(size)?,
    })
}

/// Whether `d` is a well-formed, non-empty sequence of low-overhead OBUs: each header has its
/// forbidden bit clear and a size field, and the sizes add up to the data exactly.
pub fn obus_are_valid(d: &[u8]) -> bool {
    !d.is_empty() && Obus::new(d).all(|o| o.is_ok_and(|o| o.has_size_field))
}

/// One operating point of a sequence header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperatingPoint {
    /// `operating_point_idc` (which temporal and spatial layers it holds).
    pub idc: u16,
    /// `seq_level_idx` (0–31).
    pub level_idx: u8,
    /// `seq_tier` (only for levels above 3.3).
    pub tier: bool,
}

/// The fields of a sequence header OBU a decoder configuration depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceHeader {
    /// `seq_profile` (0 Main, 1 High, 2 Professional).
    pub seq_profile: u8,
    /// `still_picture`.
    pub still_picture: bool,
    /// `reduced_still_picture_header`: every frame is a key frame.
    pub reduced_still_picture_header: bool,
    /// The operating points (at least one).
    pub operating_points: Vec<OperatingPoint>,
    /// `max_frame_width_minus_1` + 1.
    pub max_frame_width: u32,
    /// `max_frame_height_minus_1` + 1.
    pub max_frame_height: u32,
    /// `BitDepth` (8, 10 or 12).
    pub bit_depth: u8,
    /// `mono_chrome`.
    pub mono_chrome: bool,
    /// `color_primaries` (2: unspecified).
    pub color_primaries: u8,
    /// `transfer_characteristics` (2: unspecified).
    pub transfer_characteristics: u8,
    /// `matrix_coefficients` (2: unspecified).
    pub matrix_coefficients: u8,
    /// `color_range`: full range.
    pub full_range: bool,
    /// `subsampling_x`.
    pub subsampling_x: bool,
    /// `subsampling_y`.
    pub subsampling_y: bool,
    /// `film_grain_params_present`.
    pub film_grain_params_present: bool,
}

/// `uvlc()` (§4.10.3): values up to 2³² − 1.
fn uvlc(r: &mut BitReader<'_>) -> Result<u32> {
    let mut zeros = 0u32;
    while !r.flag()? {
        zeros = zeros.saturating_add(1);
    }
    if zeros >= 32 {
        return Ok(u32::MAX);
    }
    Ok((r.bits(zeros)? as u64 + (1u64 << zeros) - 1) as u32)
}

impl SequenceHeader {
    /// Parses a sequence header OBU payload up to `film_grain_params_present`.
    ///
    /// # Errors
    /// [`Error::Truncated`] when it ends early, [`Error::Malformed`] for a reserved
    /// `seq_profile` (above 2).
    pub fn parse(payload: &[u8]) -> Result<Self> {
        let mut r = BitReader::new(payload);
        let seq_profile = r.bits(3)? as u8;
        if seq_profile > 2 {
            return Err(Error::Malformed("seq_profile"));
        }
        let still_picture = r.flag()?;
        let reduced = r.flag()?;
        let mut operating_points = Vec::new();
        if reduced {
            let level_idx = r.bits(5)? as u8;
            operating_points.push(OperatingPoint {
                idc: 0,
                level_idx,
                tier: false,
            });
        } else {
            let mut decoder_model_info = None;
            if r.flag()? {
                // timing_info()
                r.skip(64)?; // num_units_in_display_tick, time_scale
                if r.flag()? {
                    uvlc(&mut r)?; // num_ticks_per_picture_minus_1
                }
                if r.flag()? {
                    // decoder_model_info(): the buffer delay length matters below.
                    let buffer_delay_length = r.bits(5)? + 1;
                    r.skip(32 + 5 + 5)?;
                    decoder_model_info = Some(buffer_delay_length);
                }
            }
            let initial_display_delay_present = r.flag()?;
            let count = r.bits(5)? + 1;
            for _ in 0..count {
                let idc = r.bits(12)? as u16;
                let level_idx = r.bits(5)? as u8;
                let tier = level_idx > 7 && r.flag()?;
                if let Some(n) = decoder_model_info {
                    if r.flag()? {
                        // operating_parameters_info(): two delays and low_delay_mode_flag.
                        r.skip(2 * n as usize + 1)?;
                    }
                }
                if initial_display_delay_present && r.flag()? {
                    r.skip(4)?;
                }
                operating_points.push(OperatingPoint {
                    idc,
                    level_idx,
                    tier,
                });
            }
        }
        let width_bits = r.bits(4)? + 1;
        let height_bits = r.bits(4)? + 1;
        let max_frame_width = r.bits(width_bits)? + 1;
        let max_frame_height = r.bits(height_bits)? + 1;
        if !reduced && r.flag()? {
            r.skip(4 + 3)?; // delta_frame_id_length_minus_2, additional_frame_id_length_minus_1
        }
        r.skip(3)?; // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
        if !reduced {
            // enable_interintra_compound, enable_masked_compound, enable_warped_motion,
            // enable_dual_filter
            r.skip(4)?;
            let order_hint = r.flag()?;
            if order_hint {
                r.skip(2)?; // enable_jnt_comp, enable_ref_frame_mvs
            }
            // seq_choose_screen_content_tools, else seq_force_screen_content_tools.
            let force_screen_content_tools = if r.flag()? { 2 } else { r.bits(1)? };
            if force_screen_content_tools > 0 && !r.flag()? {
                r.skip(1)?; // seq_force_integer_mv
            }
            if order_hint {
                r.skip(3)?; // order_hint_bits_minus_1
            }
        }
        r.skip(3)?; // enable_superres, enable_cdef, enable_restoration
        let mut h = Self {
            seq_profile,
            still_picture,
            reduced_still_picture_header: reduced,
            operating_points,
            max_frame_width,
            max_frame_height,
            bit_depth: 8,
            mono_chrome: false,
            color_primaries: 2,
            transfer_characteristics: 2,
            matrix_coefficients: 2,
            full_range: false,
            subsampling_x: true,
            subsampling_y: true,
            film_grain_params_present: false,
        };
        h.color_config(&mut r)?;
        h.film_grain_params_present = r.flag()?;
        Ok(h)
    }

    /// `color_config()` (§5.5.2).
    fn color_config(&mut self, r: &mut BitReader<'_>) -> Result<()> {
        let high_bitdepth = r.flag()?;
        self.bit_depth = match (self.seq_profile, high_bitdepth) {
            (2, true) if r.flag()? => 12,
            (_, true) => 10,
            _ => 8,
        };
        self.mono_chrome = self.seq_profile != 1 && r.flag()?;
        if r.flag()? {
            self.color_primaries = r.bits(8)? as u8;
            self.transfer_characteristics = r.bits(8)? as u8;
            self.matrix_coefficients = r.bits(8)? as u8;
        }
        if self.mono_chrome {
            self.full_range = r.flag()?;
            return Ok(());
        }
        // BT.709 primaries, sRGB transfer, identity matrix: 4:4:4 full-range RGB.
        if (
            self.color_primaries,
            self.transfer_characteristics,
            self.matrix_coefficients,
        ) == (1, 13, 0)
        {
            self.full_range = true;
            (self.subsampling_x, self.subsampling_y) = (false, false);
        } else {
            self.full_range = r.flag()?;
            (self.subsampling_x, self.subsampling_y) = match self.seq_profile {
                0 => (true, true),
                1 => (false, false),
                _ if self.bit_depth == 12 => {
                    let x = r.flag()?;
                    (x, x && r.flag()?)
                }
                _ => (true, false),
            };
            if self.subsampling_x && self.subsampling_y {
                r.skip(2)?; // chroma_sample_position
            }
        }
        r.skip(1) // separate_uv_delta_q
    }
}

/// Whether a temporal unit is a key frame (§5.9.2): it carries a sequence header and its first
/// frame (header) OBU has `show_existing_frame` 0 and `frame_type` KEY_FRAME, or the sequence
/// header is a reduced still-picture one. `None` when that cannot be read (no frame OBU, a
/// broken OBU chain or sequence header).
pub fn temporal_unit_is_key(d: &[u8]) -> Option<bool> {
    let mut sequence_header: Option<SequenceHeader> = None;
    for obu in Obus::new(d) {
        let obu = obu.ok()?;
        match obu.obu_type {
            OBU_SEQUENCE_HEADER => sequence_header = Some(SequenceHeader::parse(obu.payload).ok()?),
            OBU_FRAME_HEADER | OBU_FRAME => {
                if let Some(s) = &sequence_header {
                    if s.reduced_still_picture_header {
                        return Some(true);
                    }
                }
                let mut r = BitReader::new(obu.payload);
                if r.flag().ok()? {
                    return Some(false); // show_existing_frame
                }
                return Some(sequence_header.is_some() && r.bits(2).ok()? == 0);
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
#[path = "av1_tests.rs"]
mod tests;
