//! The per-codec table: which FFmpeg encoder/decoder runs which WebCodecs codec string, and
//! the support checks. Adding a codec means adding a [`Family`] variant, a row in
//! [`TABLE`] and its encoder profile in `encoder/` (`encoder::profile::of`).

use codec_core::{AvcCodecString, CodecString, HardwareAcceleration, HevcCodecString};
use ffmpeg_next as ffmpeg;

use crate::{Error, Result};

/// A codec family we know how to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    H264,
    H265,
    Vp8,
    Vp9,
    Av1,
}

/// One row of the codec table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub(crate) family: Family,
    /// FFmpeg encoder name.
    pub(crate) encoder: &'static str,
    /// FFmpeg decoder names, most preferred first (the first one FFmpeg has is used).
    pub(crate) decoders: &'static [&'static str],
}

const TABLE: &[Entry] = &[
    Entry {
        family: Family::H264,
        encoder: "libx264",
        decoders: &["h264"],
    },
    Entry {
        family: Family::H265,
        encoder: "libx265",
        decoders: &["hevc"],
    },
    Entry {
        family: Family::Vp8,
        encoder: "libvpx",
        decoders: &["vp8"],
    },
    Entry {
        family: Family::Vp9,
        encoder: "libvpx-vp9",
        decoders: &["vp9"],
    },
    Entry {
        family: Family::Av1,
        // libaom honours forced key frames (libsvtav1 and librav1e do not).
        encoder: "libaom-av1",
        decoders: &["libdav1d", "libaom-av1"],
    },
];

/// The largest dimension we accept (VP8 stores 14 bits; x264 has no lower limit of its own).
pub(crate) const MAX_DIMENSION: u32 = 16_383;

/// A parsed, known codec string.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Resolved {
    pub(crate) entry: Entry,
    /// The avc parameters for H.264.
    pub(crate) avc: Option<AvcCodecString>,
    /// The hvc1/hev1 parameters for HEVC.
    pub(crate) hevc: Option<HevcCodecString>,
    /// VP9/AV1 profile from the codec string (0 otherwise).
    pub(crate) profile: u8,
    /// Bit depth from the codec string (8 for H.264 and VP8).
    pub(crate) bit_depth: u8,
    /// The codec string allows 4:2:0 colour (`CodecString::allows_yuv420`): VP9 and AV1
    /// strings can ask for 4:2:2, 4:4:4 or monochrome, which our encoders do not produce.
    pub(crate) yuv420: bool,
}

fn entry(family: Family) -> Entry {
    // Every `Family` has exactly one row.
    TABLE
        .iter()
        .copied()
        .find(|e| e.family == family)
        .unwrap_or(TABLE[0])
}

/// Resolves a codec string to its table row.
///
/// # Errors
/// `NotSupportedError` for unknown or malformed strings and for families without a row yet.
pub(crate) fn resolve(codec: &str) -> Result<Resolved> {
    let unsupported = || Error::unsupported(format!("codec '{codec}' is not supported"));
    let parsed = CodecString::parse(codec).ok_or_else(unsupported)?;
    let yuv420 = parsed.allows_yuv420();
    match parsed {
        CodecString::Avc(a) => Ok(Resolved {
            entry: entry(Family::H264),
            avc: Some(a),
            hevc: None,
            profile: 0,
            bit_depth: 8,
            yuv420,
        }),
        CodecString::Hevc(h) => Ok(Resolved {
            entry: entry(Family::H265),
            avc: None,
            hevc: Some(h),
            profile: h.profile_idc,
            // Main 10 is the only 10-bit profile we encode; decoders take any depth.
            bit_depth: if h.profile_idc == 2 { 10 } else { 8 },
            yuv420,
        }),
        CodecString::Vp8 => Ok(Resolved {
            entry: entry(Family::Vp8),
            avc: None,
            hevc: None,
            profile: 0,
            bit_depth: 8,
            yuv420,
        }),
        CodecString::Vp9 {
            profile, bit_depth, ..
        } => Ok(Resolved {
            entry: entry(Family::Vp9),
            avc: None,
            hevc: None,
            profile,
            bit_depth,
            yuv420,
        }),
        CodecString::Av1 {
            profile, bit_depth, ..
        } => Ok(Resolved {
            entry: entry(Family::Av1),
            avc: None,
            hevc: None,
            profile,
            bit_depth,
            yuv420,
        }),
        _ => Err(unsupported()),
    }
}

/// H.264 level_idc values of the standard (9 = level 1b).
pub(crate) const AVC_LEVELS: [u8; 20] = [
    9, 10, 11, 12, 13, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52, 60, 61, 62,
];

/// HEVC `general_level_idc` values (30 × level) with their MaxLumaPs (H.265 Table A.8).
pub(crate) const HEVC_LEVELS: [(u8, u64); 13] = [
    (30, 36_864),
    (60, 122_880),
    (63, 245_760),
    (90, 552_960),
    (93, 983_040),
    (120, 2_228_224),
    (123, 2_228_224),
    (150, 8_912_896),
    (153, 8_912_896),
    (156, 8_912_896),
    (180, 35_651_584),
    (183, 35_651_584),
    (186, 35_651_584),
];

/// Rejects `prefer-hardware`: every codec here is a software implementation.
pub(crate) fn check_hardware(hw: HardwareAcceleration) -> Result<()> {
    if hw == HardwareAcceleration::PreferHardware {
        return Err(Error::unsupported("no hardware codec is available"));
    }
    Ok(())
}

/// Whether FFmpeg has the named encoder (a table lookup; nothing is opened).
pub(crate) fn has_encoder(name: &str) -> Result<ffmpeg::Codec> {
    crate::init();
    ffmpeg::encoder::find_by_name(name)
        .ok_or_else(|| Error::unsupported(format!("FFmpeg has no encoder '{name}'")))
}

/// The first of the named decoders FFmpeg has.
pub(crate) fn has_decoder(names: &[&str]) -> Result<ffmpeg::Codec> {
    crate::init();
    names
        .iter()
        .find_map(|n| ffmpeg::decoder::find_by_name(n))
        .ok_or_else(|| Error::unsupported(format!("FFmpeg has none of the decoders {names:?}")))
}
