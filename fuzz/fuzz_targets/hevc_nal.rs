//! HEVC NAL units: the SPS, `hvcc_from_annexb`, the key-frame, slice and reference checks in
//! both framings. Never panics; the two framings agree.
#![no_main]
#[path = "framing.rs"]
mod framing;

use libfuzzer_sys::fuzz_target;
use media_parse::video::hevc::{
    access_unit_is_key, has_slice, hvcc_from_annexb, is_reference, nal_unit_type, Sps, NAL_SPS,
};
use media_parse::video::{annexb_to_length_prefixed, nal_units, NalFraming};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, au)) = data.split_first() else {
        return;
    };
    let framing = framing::framing(sel);
    for nal in nal_units(au, framing).flatten() {
        if nal.first().is_some_and(|&h| nal_unit_type(h) == NAL_SPS) {
            if let Ok(s) = Sps::parse(nal) {
                assert!((1..=7).contains(&s.max_sub_layers) && s.chroma_format_idc <= 3);
                assert!(s.bit_depth_luma_minus8 <= 8 && s.bit_depth_chroma_minus8 <= 8);
            }
        }
    }
    let key = access_unit_is_key(au, framing);
    let slice = has_slice(au, framing);
    let _ = (is_reference(au), hvcc_from_annexb(au));
    if framing == NalFraming::AnnexB {
        let lp = annexb_to_length_prefixed(au);
        assert_eq!(access_unit_is_key(&lp, NalFraming::LengthPrefixed(4)), key);
        assert_eq!(has_slice(&lp, NalFraming::LengthPrefixed(4)), slice);
    }
});
