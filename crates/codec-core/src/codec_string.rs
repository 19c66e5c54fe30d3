//! Codec strings (<https://w3c.github.io/webcodecs/#config-codec-string> and the codec
//! registrations). Matching is case-sensitive in the prefix and exact: unknown strings are
//! *unsupported*, never invalid.

/// An H.264 codec string `avc1.PPCCLL` / `avc3.PPCCLL`.
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

/// A recognised codec string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodecString {
    /// H.264 / AVC.
    Avc(AvcCodecString),
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
    },
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

impl CodecString {
    /// Parses `s`; `None` means unknown or malformed (the config is unsupported).
    pub fn parse(s: &str) -> Option<Self> {
        if s == "vp8" {
            return Some(Self::Vp8);
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
            let f: Vec<&str> = rest.split('.').collect();
            if f.len() != 3 && f.len() != 8 {
                return None;
            }
            let profile = dec2(f[0])?;
            let level = dec2(f[1])?;
            let bit_depth = dec2(f[2])?;
            const LEVELS: [u8; 14] = [10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 52, 60, 61, 62];
            if profile > 3 || !LEVELS.contains(&level) || ![8, 10, 12].contains(&bit_depth) {
                return None;
            }
            if f.len() == 8 && !f[3..].iter().all(|x| dec2(x).is_some()) {
                return None;
            }
            return Some(Self::Vp9 {
                profile,
                level,
                bit_depth,
            });
        }
        if let Some(rest) = s.strip_prefix("av01.") {
            let f: Vec<&str> = rest.split('.').collect();
            if f.len() != 3 && f.len() != 8 {
                return None;
            }
            if f[0].len() != 1 {
                return None;
            }
            let profile: u8 = f[0].parse().ok().filter(|p| *p <= 2)?;
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
            return Some(Self::Av1 {
                profile,
                level,
                high_tier,
                bit_depth,
            });
        }
        None
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

    proptest::proptest! {
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
