//! The colour space an encoded bitstream signals.

use codec_core::VideoColorSpace;
use ffmpeg::color;
use ffmpeg_next as ffmpeg;

use super::profile::Profile;
use super::VideoEncodeInput;

/// The colour space the bitstream describes for `input`: RGB input is converted with the
/// BT.709 matrix to limited range (its primaries and transfer stay, BT.709 where unknown); YUV
/// input keeps its samples, so its own tags apply, and an unknown (null) member is written as
/// "unspecified" and stays null in `decoderConfig.colorSpace`, as browsers do (WPT's
/// partial-color-space test). Then what the profile's bitstream can say of it
/// ([`Profile::signalled`]).
pub(crate) fn encoded_color_space(
    input: &VideoEncodeInput,
    profile: &dyn Profile,
) -> VideoColorSpace {
    let c = input.color_space;
    let d = VideoColorSpace::REC709;
    let cs = if input.frame.format().is_rgb() {
        VideoColorSpace {
            primaries: c.primaries.or(d.primaries),
            transfer: c.transfer.or(d.transfer),
            matrix: d.matrix,
            full_range: d.full_range,
        }
    } else {
        VideoColorSpace {
            full_range: c.full_range.or(d.full_range),
            ..c
        }
    };
    profile.signalled(cs)
}

/// Sets the codec context's colour description (x264/x265 VUI, VP9 colour space and range,
/// AV1 colour config; VP8 has none). An unknown member is written as unspecified.
pub(crate) fn set_color(v: &mut ffmpeg::encoder::video::Video, cs: &VideoColorSpace) {
    use codec_core::{ColorMatrix as M, ColorPrimaries as P, ColorTransfer as T};
    v.set_color_primaries(match cs.primaries {
        None => color::Primaries::Unspecified,
        Some(P::Bt709) => color::Primaries::BT709,
        Some(P::Bt470bg) => color::Primaries::BT470BG,
        Some(P::Smpte170m) => color::Primaries::SMPTE170M,
        Some(P::Bt2020) => color::Primaries::BT2020,
        Some(P::Smpte432) => color::Primaries::SMPTE432,
    });
    v.set_color_transfer_characteristic(match cs.transfer {
        None => color::TransferCharacteristic::Unspecified,
        Some(T::Bt709) => color::TransferCharacteristic::BT709,
        Some(T::Smpte170m) => color::TransferCharacteristic::SMPTE170M,
        Some(T::Linear) => color::TransferCharacteristic::Linear,
        Some(T::Iec6196621) => color::TransferCharacteristic::IEC61966_2_1,
        Some(T::Pq) => color::TransferCharacteristic::SMPTE2084,
        Some(T::Hlg) => color::TransferCharacteristic::ARIB_STD_B67,
    });
    v.set_colorspace(match cs.matrix {
        None => color::Space::Unspecified,
        Some(M::Bt709) => color::Space::BT709,
        Some(M::Rgb) => color::Space::RGB,
        Some(M::Bt470bg) => color::Space::BT470BG,
        Some(M::Smpte170m) => color::Space::SMPTE170M,
        Some(M::Bt2020Ncl) => color::Space::BT2020NCL,
    });
    v.set_color_range(if cs.full_range == Some(true) {
        color::Range::JPEG
    } else {
        color::Range::MPEG
    });
}
