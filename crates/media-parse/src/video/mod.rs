//! Video bitstreams: H.264 and HEVC NAL units and their avcC/hvcC records, AV1 OBUs, VP8 and
//! VP9 frame headers, and the per-codec key-frame rules behind [`chunk_is_key`].

pub mod av1;
pub mod h264;
pub mod hevc;
mod nal;
pub mod vp8;
pub mod vp9;

pub use nal::{
    annexb_to_length_prefixed, nal_units, AnnexBNals, LengthPrefixedNals, NalFraming, NalUnits,
    Records,
};

/// Does a chunk labelled `"key"` really hold a key frame? The spec's `decode()` SHOULD check
/// (<https://w3c.github.io/webcodecs/#dom-videodecoder-decode>: "implementers SHOULD inspect
/// the chunk's [[internal data]] to verify that it is truly a key chunk"); a mismatch is a
/// `DataError`. `Some(true)` if `data` starts a key frame of `codec` (a WebCodecs codec
/// string), `Some(false)` if it certainly does not, `None` when the codec is not inspected or
/// the data cannot be parsed ("cannot tell", never a false negative). `framing` applies to
/// H.264 and HEVC only.
///
/// The rules, per codec: VP8 [`vp8::is_key`], VP9 [`vp9::is_key`], AV1
/// [`av1::temporal_unit_is_key`], H.264 [`h264::access_unit_is_key`] (an IDR slice, or a
/// recovery point SEI, as Chromium), HEVC [`hevc::access_unit_is_key`].
pub fn chunk_is_key(codec: &str, data: &[u8], framing: NalFraming) -> Option<bool> {
    match codec.split('.').next()? {
        "vp8" => vp8::is_key(data),
        "vp09" => vp9::is_key(data),
        "av01" => av1::temporal_unit_is_key(data),
        "avc1" | "avc3" => h264::access_unit_is_key(data, framing),
        "hvc1" | "hev1" => hevc::access_unit_is_key(data, framing),
        _ => None,
    }
}

/// Whether an H.264 (`hevc` false) or HEVC access unit holds at least one well-formed slice NAL
/// unit. A chunk without one cannot produce a picture: it is corrupt, even if FFmpeg would skip
/// it silently.
pub fn has_slice_nal(hevc: bool, data: &[u8], framing: NalFraming) -> bool {
    if hevc {
        hevc::has_slice(data, framing)
    } else {
        h264::has_slice(data, framing)
    }
}

/// `d` with byte `i` set to `v` (a damaged record for the parsers' tests).
#[cfg(test)]
fn with_byte<const N: usize>(mut d: [u8; N], i: usize, v: u8) -> [u8; N] {
    d[i] = v;
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dispatches_by_codec_family() {
        use NalFraming::{AnnexB, LengthPrefixed};
        let idr: &[u8] = &[0, 0, 0, 1, 0x65, 0x88];
        let lp_p: &[u8] = &[0, 0, 0, 2, 0x41, 0x9a];
        let hevc_idr: &[u8] = &[0, 0, 1, 0x26, 1, 0xaf];
        let cases: [(&str, &[u8], NalFraming, Option<bool>); 10] = [
            ("avc1.42001f", idr, AnnexB, Some(true)),
            ("avc3.42001f", idr, AnnexB, Some(true)),
            ("avc1.42001f", lp_p, LengthPrefixed(4), Some(false)),
            ("hvc1.1.6.L93.B0", hevc_idr, AnnexB, Some(true)),
            ("hev1.1.6.L93.B0", hevc_idr, AnnexB, Some(true)),
            ("vp8", &[0x51, 0, 0], AnnexB, Some(false)),
            ("vp09.00.10.08", &[0x80], AnnexB, Some(true)),
            ("av01.0.04M.08", &[0x12, 0x00], AnnexB, None),
            ("opus", &[1, 2, 3], AnnexB, None),
            ("", idr, AnnexB, None),
        ];
        for (codec, data, framing, want) in cases {
            let got = chunk_is_key(codec, data, framing);
            assert_eq!(got, want, "{codec:?} {data:02x?} {framing:?}");
        }
        assert!(has_slice_nal(false, idr, AnnexB));
        assert!(!has_slice_nal(true, &idr[..4], AnnexB));
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..64), n in 0u8..6) {
            for codec in ["vp8", "vp09.00.10.08", "av01.0.04M.08", "avc1.42001f", "hvc1.1.6.L93.B0"] {
                let _ = chunk_is_key(codec, &data, NalFraming::AnnexB);
                let _ = chunk_is_key(codec, &data, NalFraming::LengthPrefixed(n));
            }
            let _ = has_slice_nal(true, &data, NalFraming::LengthPrefixed(n));
            let _ = has_slice_nal(false, &data, NalFraming::AnnexB);
        }
    }
}
