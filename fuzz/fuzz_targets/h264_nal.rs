//! H.264 NAL units: Annex B and length-prefixed splitting, the SPS, SEI messages and recovery
//! points, the key-frame and slice checks. Never panics; the two framings agree.
#![no_main]
#[path = "framing.rs"]
mod framing;

use libfuzzer_sys::fuzz_target;
use media_parse::rbsp;
use media_parse::video::h264::{
    access_unit_is_key, annexb_to_avc, has_slice, is_reference, nal_unit_type, RecoveryPoint,
    SeiMessages, Sps, NAL_SEI, NAL_SPS, SEI_RECOVERY_POINT,
};
use media_parse::video::{nal_units, AnnexBNals, NalFraming};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, au)) = data.split_first() else {
        return;
    };
    let framing = framing::framing(sel);
    for nal in nal_units(au, framing).flatten() {
        let Some(&h) = nal.first() else { continue };
        match nal_unit_type(h) {
            NAL_SPS => {
                if let Ok(s) = Sps::parse(nal) {
                    assert!(s.width > 0 && s.height > 0 && s.sps_id < 32);
                    assert!(s.chroma_format_idc <= 3 && s.bit_depth_luma_minus8 <= 6);
                }
            }
            NAL_SEI => {
                let body = rbsp(nal);
                for m in SeiMessages::new(&body[1..]).flatten() {
                    if m.payload_type == SEI_RECOVERY_POINT {
                        if let Ok(p) = RecoveryPoint::parse(m.payload) {
                            assert!(p.changing_slice_group_idc < 3);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let key = access_unit_is_key(au, framing);
    let slice = has_slice(au, framing);
    if key.is_some() && framing == NalFraming::AnnexB {
        assert!(AnnexBNals::new(au).any(|n| matches!(n[0] & 0x1f, 1..=6)));
    }
    let _ = (slice, is_reference(au));
    // Annex B → 4-byte lengths keeps the units, so both framings answer alike.
    if framing == NalFraming::AnnexB {
        let lp = annexb_to_avc(au);
        let back: Vec<&[u8]> = nal_units(&lp, NalFraming::LengthPrefixed(4))
            .collect::<Result<_, _>>()
            .expect("converted units are well framed");
        assert_eq!(back, AnnexBNals::new(au).collect::<Vec<_>>());
        assert_eq!(access_unit_is_key(&lp, NalFraming::LengthPrefixed(4)), key);
        assert_eq!(has_slice(&lp, NalFraming::LengthPrefixed(4)), slice);
    }
});
