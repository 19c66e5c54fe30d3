//! `CodecString::parse` and `codec_registration_member` on arbitrary strings: never panic;
//! accepted AVC strings round-trip and belong to the `avc` member.
#![no_main]
use codec_core::CodecString;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let member = codec_core::codec_registration_member(s);
    if let Some(CodecString::Avc(a)) = CodecString::parse(s) {
        assert_eq!(member, Some("avc"));
        let _ = a.profile_name();
        let _ = a.decodable();
        let _ = a.level_name();
        // Hex digits may be upper case in the input; the parse result must not depend on it.
        let prefix = if a.in_band_parameter_sets { "avc3" } else { "avc1" };
        let canonical = format!(
            "{prefix}.{:02x}{:02x}{:02x}",
            a.profile_idc, a.constraint_flags, a.level_idc
        );
        assert_eq!(CodecString::parse(&canonical), Some(CodecString::Avc(a)));
    }
});
