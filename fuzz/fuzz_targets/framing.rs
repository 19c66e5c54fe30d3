//! Shared by the NAL unit targets: the NAL framing a selector byte picks.
use media_parse::video::NalFraming;

/// Annex B for 0, else 1-, 2- or 4-byte length prefixes.
pub fn framing(sel: u8) -> NalFraming {
    match sel % 4 {
        0 => NalFraming::AnnexB,
        n => NalFraming::LengthPrefixed([1, 2, 4][usize::from(n - 1)]),
    }
}
