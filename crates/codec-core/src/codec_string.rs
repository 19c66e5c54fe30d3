//! Codec strings (<https://w3c.github.io/webcodecs/#config-codec-string> and the codec
//! registrations). Matching is case-sensitive in the prefix and exact: unknown strings are
//! *unsupported*, never invalid.

/// An H.264 codec string `avc1.PPCCLL` / `avc3.PPCCLL`
/// (<https://w3c.github.io/webcodecs/avc_codec_registration.html#fully-qualified-codec-strings>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvcCodecString {
    /// `profile_idc` (66 Baseline, 77 Main, 88 Extended, 100 High, ...).
    pub profile_idc: u8,
    /// The constraint-flag byte.
    pub constraint_flags: u8,
    /// `level_idc` (e.g. 31 for level 3.1).
    pub level_idc: u8,
    /// `avc3`: parameter sets may travel in band.
    pub in_band_parameter_sets: bool,
}

/// An HEVC codec string `hvc1.…` / `hev1.…` (ISO/IEC 14496-15 Annex E.3;
/// <https://w3c.github.io/webcodecs/hevc_codec_registration.html#fully-qualified-codec-strings>):
/// `[A|B|C]profile_idc . compatibility flags (hex, bit-reversed) . {L|H}level_idc` followed by
/// up to six constraint-indicator bytes in hex (trailing zero bytes omitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HevcCodecString {
    /// `general_profile_space` (0 = no letter, 1 = `A`, 2 = `B`, 3 = `C`).
    pub profile_space: u8,
    /// `general_profile_idc` (1 Main, 2 Main 10, 3 Main Still Picture, 4 Range extensions, ...).
    pub profile_idc: u8,
    /// `general_profile_compatibility_flags` in bitstream order (bit 31 = flag 0); the string
    /// spells them bit-reversed, so Main's flags 1 and 2 are written `6`.
    pub compatibility_flags: u32,
    /// `general_tier_flag` (`H`).
    pub high_tier: bool,
    /// `general_level_idc` (30 × level, e.g. 93 for level 3.1).
    pub level_idc: u8,
    /// The six `general_constraint_indicator_flags` bytes (missing ones are zero).
    pub constraint_flags: [u8; 6],
    /// `hev1`: parameter sets may travel in band.
    pub in_band_parameter_sets: bool,
}

/// A recognised video codec string (<https://w3c.github.io/webcodecs/#config-codec-string>; each
/// form is defined by its codec registration,
/// <https://w3c.github.io/webcodecs/codec_registry.html>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecString {
    /// H.264 / AVC.
    Avc(AvcCodecString),
    /// H.265 / HEVC.
    Hevc(HevcCodecString),
    /// VP8 (`vp8`).
    Vp8,
    /// VP9 (`vp09.PP.LL.DD[...]`).
    Vp9 {
        /// Profile 0–3.
        profile: u8,
        /// Level (10 = 1.0 ... 62 = 6.2).
        level: u8,
        /// 8, 10 or 12.
        bit_depth: u8,
        /// The optional `CC` field: 0 or 1 4:2:0 (vertical, colocated), 2 4:2:2, 3 4:4:4.
        chroma_subsampling: Option<u8>,
    },
    /// AV1 (`av01.P.LLT.DD[...]`).
    Av1 {
        /// Profile 0–2.
        profile: u8,
        /// `seq_level_idx` 0–31.
        level: u8,
        /// High tier.
        high_tier: bool,
        /// 8, 10 or 12.
        bit_depth: u8,
        /// The optional `M` field (`mono_chrome`).
        monochrome: Option<bool>,
        /// The optional `CCC` field's `subsampling_x` and `subsampling_y`: (1, 1) 4:2:0,
        /// (1, 0) 4:2:2, (0, 0) 4:4:4.
        subsampling: Option<(u8, u8)>,
    },
}

/// The codec-registration member of an encoder or decoder config (`av1`, `avc`, `hevc`) that
/// belongs to `codec`, by its prefix: `av01.`, `avc1.`/`avc3.`, `hvc1.`/`hev1.`. Members of
/// other codecs are validated and echoed (Clone Configuration keeps every member of the
/// dictionary) but change nothing.
pub fn codec_registration_member(codec: &str) -> Option<&'static str> {
    let (family, _) = codec.split_once('.')?;
    match family {
        "av01" => Some("av1"),
        "avc1" | "avc3" => Some("avc"),
        "hvc1" | "hev1" => Some("hevc"),
        _ => None,
    }
}

fn hex_byte(s: &str) -> Option<u8> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        u8::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

fn dec2(s: &str) -> Option<u8> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// A non-empty decimal number of at most three digits.
fn dec_u8(s: &str) -> Option<u8> {
    if (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// A non-empty hex number of at most `max` digits.
fn hex_u32(s: &str, max: usize) -> Option<u32> {
    if (1..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        u32::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

/// A colour primaries code point of ISO/IEC 23091-2 (H.273) that names a colour space (1 BT.709,
/// 2 unspecified, 4-12, 22 EBU 3213); 0, 3 and 13-21 are reserved.
fn is_primaries(v: u8) -> bool {
    matches!(v, 1 | 2 | 4..=12 | 22)
}

/// A transfer characteristics code point of ISO/IEC 23091-2 (1-18 but the reserved 3).
fn is_transfer(v: u8) -> bool {
    matches!(v, 1 | 2 | 4..=18)
}

/// A matrix coefficients code point of ISO/IEC 23091-2 (0 identity to 14 ICtCp, but the
/// reserved 3).
fn is_matrix(v: u8) -> bool {
    matches!(v, 0..=2 | 4..=14)
}

/// A single decimal digit at most `max`.
fn digit(s: &str, max: u8) -> Option<u8> {
    match s.as_bytes() {
        [d @ b'0'..=b'9'] if d - b'0' <= max => Some(d - b'0'),
        _ => None,
    }
}

/// `vp09.PP.LL.DD[.CC[.cp[.tc[.mc[.FF]]]]]` after the prefix
/// (<https://www.webmproject.org/vp9/mp4/#codecs-parameter-string>). The registration makes the
/// fields after the bit depth all-or-none; like Chromium, a leading part of them is accepted
/// too, and each given one must be in range. The colour fields describe the stream and change
/// nothing here (the decoder reads the bitstream's).
fn parse_vp9(rest: &str) -> Option<CodecString> {
    let f: Vec<&str> = rest.split('.').collect();
    if !(3..=8).contains(&f.len()) {
        return None;
    }
    let profile = dec2(f[0])?;
    let level = dec2(f[1])?;
    let bit_depth = dec2(f[2])?;
    const LEVELS: [u8; 14] = [10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 52, 60, 61, 62];
    if profile > 3 || !LEVELS.contains(&level) || ![8, 10, 12].contains(&bit_depth) {
        return None;
    }
    let checks: [fn(u8) -> bool; 5] = [
        |c| c <= 3, // 4:2:0 vertical, 4:2:0 colocated, 4:2:2, 4:4:4
        is_primaries,
        is_transfer,
        is_matrix,
        |r| r <= 1, // full range flag
    ];
    for (field, ok) in f[3..].iter().zip(checks) {
        if !dec2(field).is_some_and(ok) {
            return None;
        }
    }
    Some(CodecString::Vp9 {
        profile,
        level,
        bit_depth,
        chroma_subsampling: f.get(3).and_then(|c| dec2(c)),
    })
}

/// `av01.P.LLT.DD[.M[.CCC[.cp[.tc[.mc[.F]]]]]]` after the prefix
/// (<https://aomediacodec.github.io/av1-isobmff/#codecsparam>), as in the long strings DASH
/// manifests and MP4/WebM readers produce (`av01.0.04M.10.0.110.09.16.09.0`). The fields after
/// the bit depth are all-or-none in the registration; like Chromium, a leading part of them is
/// accepted too, and each given one must be in range. They describe the stream and change
/// nothing here (the decoder reads its sequence header).
fn parse_av1(rest: &str) -> Option<CodecString> {
    let f: Vec<&str> = rest.split('.').collect();
    if !(3..=9).contains(&f.len()) {
        return None;
    }
    let profile = digit(f[0], 2)?;
    if f[1].len() != 3 || !f[1].is_ascii() {
        return None;
    }
    let level = dec2(&f[1][0..2]).filter(|l| *l <= 31)?;
    let high_tier = match &f[1][2..] {
        "M" => false,
        "H" => true,
        _ => return None,
    };
    let bit_depth = dec2(f[2]).filter(|d| [8, 10, 12].contains(d))?;
    let monochrome = match f.get(3) {
        Some(m) => Some(digit(m, 1)? == 1),
        None => None,
    };
    // subsampling_x, subsampling_y, chroma_sample_position: 4:4:4 `000`, 4:2:2 `100`, 4:2:0
    // `11p` (p 0-3: unknown, vertical, colocated, reserved); AV1 has no 4:4:0.
    let subsampling = match f.get(4).map(|c| c.as_bytes()) {
        None => None,
        Some(b"000") => Some((0, 0)),
        Some(b"100") => Some((1, 0)),
        Some([b'1', b'1', b'0'..=b'3']) => Some((1, 1)),
        Some(_) => return None,
    };
    let colour: [fn(u8) -> bool; 3] = [is_primaries, is_transfer, is_matrix];
    for (field, ok) in f.iter().skip(5).zip(colour) {
        if !dec2(field).is_some_and(ok) {
            return None;
        }
    }
    if let Some(full_range) = f.get(8) {
        digit(full_range, 1)?;
    }
    Some(CodecString::Av1 {
        profile,
        level,
        high_tier,
        bit_depth,
        monochrome,
        subsampling,
    })
}

fn parse_hevc(rest: &str, in_band: bool) -> Option<HevcCodecString> {
    let f: Vec<&str> = rest.split('.').collect();
    if !(3..=9).contains(&f.len()) {
        return None;
    }
    let (profile_space, profile) = match f[0].as_bytes().first()? {
        b'A' => (1, &f[0][1..]),
        b'B' => (2, &f[0][1..]),
        b'C' => (3, &f[0][1..]),
        _ => (0, f[0]),
    };
    let profile_idc = dec_u8(profile).filter(|p| *p <= 31)?;
    // The string holds the 32 flags in reverse bit order: reverse them back.
    let compatibility_flags = hex_u32(f[1], 8)?.reverse_bits();
    let high_tier = match f[2].as_bytes().first()? {
        b'L' => false,
        b'H' => true,
        _ => return None,
    };
    let level_idc = dec_u8(&f[2][1..])?;
    let mut constraint_flags = [0u8; 6];
    for (slot, c) in constraint_flags.iter_mut().zip(&f[3..]) {
        *slot = hex_u32(c, 2)? as u8;
    }
    Some(HevcCodecString {
        profile_space,
        profile_idc,
        compatibility_flags,
        high_tier,
        level_idc,
        constraint_flags,
        in_band_parameter_sets: in_band,
    })
}

impl CodecString {
    /// Parses `s`; `None` means unknown or malformed (the config is unsupported).
    pub fn parse(s: &str) -> Option<Self> {
        if s == "vp8" {
            return Some(Self::Vp8);
        }
        if let Some(rest) = s.strip_prefix("hvc1.") {
            return parse_hevc(rest, false).map(Self::Hevc);
        }
        if let Some(rest) = s.strip_prefix("hev1.") {
            return parse_hevc(rest, true).map(Self::Hevc);
        }
        if let Some(rest) = s.strip_prefix("avc1.").or_else(|| s.strip_prefix("avc3.")) {
            if rest.len() != 6 || !rest.is_ascii() {
                return None;
            }
            return Some(Self::Avc(AvcCodecString {
                profile_idc: hex_byte(&rest[0..2])?,
                constraint_flags: hex_byte(&rest[2..4])?,
                level_idc: hex_byte(&rest[4..6])?,
                in_band_parameter_sets: s.starts_with("avc3"),
            }));
        }
        if let Some(rest) = s.strip_prefix("vp09.") {
            return parse_vp9(rest);
        }
        if let Some(rest) = s.strip_prefix("av01.") {
            return parse_av1(rest);
        }
        None
    }

    /// Whether the codec string says nothing against 8- or 10-bit 4:2:0 colour, the layout
    /// our VP9 and AV1 encoders produce: a VP9 or AV1 string whose optional fields ask for
    /// 4:2:2, 4:4:4 or monochrome does not (every other string does).
    pub fn allows_yuv420(&self) -> bool {
        match *self {
            Self::Vp9 {
                chroma_subsampling, ..
            } => chroma_subsampling.is_none_or(|c| c <= 1),
            Self::Av1 {
                monochrome,
                subsampling,
                ..
            } => monochrome != Some(true) && subsampling.is_none_or(|s| s == (1, 1)),
            _ => true,
        }
    }
}

impl HevcCodecString {
    /// The codec string for these fields (`hvc1`, or `hev1` when in-band), in the canonical
    /// spelling: compatibility flags without leading zeros, trailing zero constraint bytes
    /// omitted.
    pub fn to_codec_string(&self) -> String {
        let mut s = format!(
            "{}.{}{}.{:X}.{}{}",
            if self.in_band_parameter_sets {
                "hev1"
            } else {
                "hvc1"
            },
            ["", "A", "B", "C"][usize::from(self.profile_space & 3)],
            self.profile_idc,
            self.compatibility_flags.reverse_bits(),
            if self.high_tier { 'H' } else { 'L' },
            self.level_idc
        );
        let n = self
            .constraint_flags
            .iter()
            .rposition(|b| *b != 0)
            .map_or(0, |i| i + 1);
        for b in &self.constraint_flags[..n] {
            s.push_str(&format!(".{b:X}"));
        }
        s
    }
}

impl AvcCodecString {
    /// The x264-style profile name, if this is a profile we can encode.
    pub fn profile_name(&self) -> Option<&'static str> {
        match self.profile_idc {
            66 => Some("baseline"),
            77 => Some("main"),
            100 => Some("high"),
            _ => None,
        }
    }

    /// Whether a decoder should accept this profile.
    pub fn decodable(&self) -> bool {
        matches!(self.profile_idc, 66 | 77 | 88 | 100 | 110 | 122 | 244)
    }

    /// The level as x264 spells it ("3.1"); `level_idc` 9 is level 1b.
    pub fn level_name(&self) -> String {
        if self.level_idc == 9 {
            "1b".to_string()
        } else {
            format!("{}.{}", self.level_idc / 10, self.level_idc % 10)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_member_by_prefix() {
        for (codec, member) in [
            ("av01.0.04M.08", Some("av1")),
            ("avc1.42001f", Some("avc")),
            ("avc3.bogus", Some("avc")),
            ("hvc1.1.6.L93.B0", Some("hevc")),
            ("hev1.x", Some("hevc")),
            ("vp8", None),
            ("vp09.00.10.08", None),
            ("av01", None),
            ("avc1", None),
            ("AVC1.42001f", None),
        ] {
            assert_eq!(codec_registration_member(codec), member, "{codec}");
        }
    }

    #[test]
    fn parses_avc() {
        let Some(CodecString::Avc(a)) = CodecString::parse("avc1.42001f") else {
            panic!()
        };
        assert_eq!(
            (a.profile_idc, a.constraint_flags, a.level_idc),
            (0x42, 0, 0x1f)
        );
        assert_eq!(a.profile_name(), Some("baseline"));
        assert_eq!(a.level_name(), "3.1");
        assert!(CodecString::parse("avc1.64002A").is_some());
        assert!(CodecString::parse("avc1.42001").is_none());
        assert!(CodecString::parse("avc1.42001g").is_none());
        assert!(CodecString::parse("AVC1.42001f").is_none());
        assert!(CodecString::parse(" vp8").is_none());
        assert!(CodecString::parse("video/webm; codecs=\"vp8\"").is_none());
    }

    #[test]
    fn parses_vp9_and_av1() {
        assert!(matches!(
            CodecString::parse("vp09.00.10.08"),
            Some(CodecString::Vp9 { .. })
        ));
        assert!(CodecString::parse("vp09.00.10.08.01.01.01.01.00").is_some());
        assert!(CodecString::parse("vp09.00.99.08").is_none());
        assert!(CodecString::parse("vp9").is_none());
        assert!(matches!(
            CodecString::parse("av01.0.04M.08"),
            Some(CodecString::Av1 { .. })
        ));
        assert!(CodecString::parse("av01.0.04X.08").is_none());
    }

    #[test]
    fn vp9_optional_fields_each_in_range() {
        for ok in [
            "vp09.00.10.08.01.01.01.01.00",
            "vp09.02.10.10.01.09.16.09.00",
            "vp09.01.10.08.03",
            "vp09.03.10.10.03.01",
            "vp09.00.41.08.00.22.18.14.01",
            "vp09.00.41.08.01.02.02.00",
        ] {
            assert!(
                matches!(CodecString::parse(ok), Some(CodecString::Vp9 { .. })),
                "{ok}"
            );
        }
        for bad in [
            "vp09.00.10.08.04",             // chroma subsampling 0-3
            "vp09.00.10.08.01.00",          // primaries 0 reserved
            "vp09.00.10.08.01.03",          // primaries 3 reserved
            "vp09.00.10.08.01.23",          // primaries past 22
            "vp09.00.10.08.01.01.03",       // transfer 3 reserved
            "vp09.00.10.08.01.01.19",       // transfer past 18
            "vp09.00.10.08.01.01.01.03",    // matrix 3 reserved
            "vp09.00.10.08.01.01.01.15",    // matrix past 14
            "vp09.00.10.08.01.01.01.01.02", // full range 0 or 1
            "vp09.00.10.08.01.01.01.01.00.00",
            "vp09.00.10.08.1",
            "vp09.00.10.08.",
            "vp09.00.10.08..01",
        ] {
            assert!(CodecString::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn yuv420_unless_the_optional_fields_say_otherwise() {
        for (codec, yuv420) in [
            ("vp09.00.10.08", true),
            ("vp09.00.10.08.00", true),
            ("vp09.02.10.10.01.09.16.09.00", true),
            ("vp09.00.10.08.02", false),
            ("vp09.01.10.08.03.01.01.01.00", false),
            ("av01.0.04M.08", true),
            ("av01.0.04M.08.0", true),
            ("av01.0.04M.10.0.112.09.16.09.0", true),
            ("av01.0.04M.08.1", false),
            ("av01.0.04M.08.1.110.01.01.01.0", false),
            ("av01.1.04M.08.0.000", false),
            ("av01.2.04M.10.0.100.01.01.01.0", false),
            ("avc1.42001f", true),
            ("vp8", true),
        ] {
            let parsed = CodecString::parse(codec).unwrap_or_else(|| panic!("{codec}"));
            assert_eq!(parsed.allows_yuv420(), yuv420, "{codec}");
        }
    }

    #[test]
    fn av1_long_form_each_field_in_range() {
        // The registration's example, a YouTube DASH manifest's, a WebM writer's.
        for (ok, want) in [
            ("av01.0.04M.10.0.112.09.16.09.0", (0, 4, false, 10)),
            ("av01.0.08M.10.0.110.09.16.09.0", (0, 8, false, 10)),
            ("av01.0.01M.08.0.110.01.01.05.0", (0, 1, false, 8)),
            ("av01.1.13H.12.0.000.01.13.00.1", (1, 13, true, 12)),
            ("av01.2.31M.12.1.110.22.18.14.1", (2, 31, false, 12)),
            ("av01.2.05M.10.0.100", (2, 5, false, 10)),
            ("av01.0.04M.08.0", (0, 4, false, 8)),
            ("av01.0.04M.08.0.111.02.02.02", (0, 4, false, 8)),
        ] {
            let Some(CodecString::Av1 {
                profile,
                level,
                high_tier,
                bit_depth,
                ..
            }) = CodecString::parse(ok)
            else {
                panic!("{ok}")
            };
            assert_eq!((profile, level, high_tier, bit_depth), want, "{ok}");
        }
        for bad in [
            "av01.0.04M.10.0.112.09.16.09.0.0", // one field too many
            "av01.0.04M.10.2",                  // monochrome 0 or 1
            "av01.0.04M.10.00",                 // monochrome is one digit
            "av01.0.04M.10.0.11",               // subsampling is three digits
            "av01.0.04M.10.0.010",              // no 4:4:0 in AV1
            "av01.0.04M.10.0.101",              // a sample position needs 4:2:0
            "av01.0.04M.10.0.114",              // sample position 0-3
            "av01.0.04M.10.0.112.00",           // primaries 0 reserved
            "av01.0.04M.10.0.112.9",            // colour fields are two digits
            "av01.0.04M.10.0.112.09.03",        // transfer 3 reserved
            "av01.0.04M.10.0.112.09.16.15",     // matrix past 14
            "av01.0.04M.10.0.112.09.16.09.2",   // full range 0 or 1
            "av01.0.04M.10.0.112.09.16.09.00",  // full range is one digit
            "av01.0.04M.10.0.112.09.16..0",
            "av01.0.04M.10.",
            "av01.3.04M.10",
            "av01.0.32M.10",
            "av01.0.04M.09",
        ] {
            assert!(CodecString::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn parses_hevc() {
        let Some(CodecString::Hevc(h)) = CodecString::parse("hvc1.1.6.L93.B0") else {
            panic!()
        };
        assert_eq!(
            h,
            HevcCodecString {
                profile_space: 0,
                profile_idc: 1,
                // flags 1 and 2 set (string "6" = bits 1 and 2 of the reversed word)
                compatibility_flags: 0x6000_0000,
                high_tier: false,
                level_idc: 93,
                constraint_flags: [0xB0, 0, 0, 0, 0, 0],
                in_band_parameter_sets: false,
            }
        );
        assert_eq!(h.to_codec_string(), "hvc1.1.6.L93.B0");
        let Some(CodecString::Hevc(h)) = CodecString::parse("hev1.A2.4.H153.90.0.0.0.0.1") else {
            panic!()
        };
        assert_eq!(
            (h.profile_space, h.profile_idc, h.high_tier, h.level_idc),
            (1, 2, true, 153)
        );
        assert_eq!(h.constraint_flags, [0x90, 0, 0, 0, 0, 1]);
        assert!(h.in_band_parameter_sets);
        assert_eq!(h.to_codec_string(), "hev1.A2.4.H153.90.0.0.0.0.1");
        for ok in [
            "hvc1.1.6.L93",
            "hev1.1.60000000.L120.B0",
            "hvc1.2.4.L153.B0.0",
        ] {
            assert!(CodecString::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "hvc1",
            "hvc1.",
            "hvc1.1.6",
            "hvc1.1.6.93.B0",
            "hvc1.1.6.X93.B0",
            "hvc1.1.6.L.B0",
            "hvc1.1.6.L1000",
            "hvc1.D1.6.L93",
            "hvc1.32.6.L93",
            "hvc1..6.L93",
            "hvc1.1.G.L93",
            "hvc1.1.123456789.L93",
            "hvc1.1.6.L93.B00",
            "hvc1.1.6.L93.B0.0.0.0.0.0.0",
            "hvc1.1.6.L93.",
            "HVC1.1.6.L93.B0",
            "hvc2.1.6.L93.B0",
            "hvc1.1.6.L93.xyz",
        ] {
            assert!(CodecString::parse(bad).is_none(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn hevc_round_trips(space in 0u8..4, p in 0u8..32, compat: u32, high: bool, l: u8,
                            c in proptest::array::uniform6(0u8..), hev1: bool) {
            let h = HevcCodecString {
                profile_space: space, profile_idc: p, compatibility_flags: compat,
                high_tier: high, level_idc: l, constraint_flags: c, in_band_parameter_sets: hev1,
            };
            let s = h.to_codec_string();
            proptest::prop_assert_eq!(CodecString::parse(&s), Some(CodecString::Hevc(h)), "{}", s);
        }

        #[test]
        fn hevc_parse_is_consistent(
            s in "hvc1(\\.[ABC]?[0-9]{1,3}|\\.[0-9A-F]{0,3}|\\.[LH][0-9]{1,3}){0,10}"
        ) {
            // Whatever parses must re-serialise to a string that parses to the same value.
            if let Some(CodecString::Hevc(h)) = CodecString::parse(&s) {
                proptest::prop_assert_eq!(
                    CodecString::parse(&h.to_codec_string()), Some(CodecString::Hevc(h)));
            }
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,24}") {
            let _ = CodecString::parse(&s);
        }

        #[test]
        fn avc_round_trips(p in 0u8.., c in 0u8.., l in 0u8.., avc3 in proptest::bool::ANY) {
            let s = format!("{}.{p:02x}{c:02x}{l:02x}", if avc3 { "avc3" } else { "avc1" });
            let parsed = CodecString::parse(&s);
            proptest::prop_assert_eq!(parsed, Some(CodecString::Avc(AvcCodecString {
                profile_idc: p, constraint_flags: c, level_idc: l, in_band_parameter_sets: avc3 })));
        }
    }
}
