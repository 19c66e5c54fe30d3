//! `VideoColorSpace` (<https://w3c.github.io/webcodecs/#videocolorspace>).

macro_rules! h273_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:expr, $s:expr;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`\"", $s, "\"` (H.273 code point ", stringify!($code), ").")]
                $variant
            ),*
        }
        impl $name {
            /// The IDL enum string.
            pub fn as_str(self) -> &'static str { match self { $(Self::$variant => $s),* } }
            /// Parses the IDL enum string.
            pub fn parse(s: &str) -> Option<Self> { match s { $($s => Some(Self::$variant),)* _ => None } }
            /// The ITU-T H.273 code point (FFmpeg's `AVCOL_*` value).
            pub fn code(self) -> u32 { match self { $(Self::$variant => $code),* } }
            /// The variant for an H.273 code point, if the IDL has one.
            pub fn from_code(c: u32) -> Option<Self> { match c { $($code => Some(Self::$variant),)* _ => None } }
        }
    };
}

h273_enum!(
    /// `VideoColorPrimaries` (<https://w3c.github.io/webcodecs/#enumdef-videocolorprimaries>).
    ColorPrimaries { Bt709 = 1, "bt709"; Bt470bg = 5, "bt470bg"; Smpte170m = 6, "smpte170m";
                     Bt2020 = 9, "bt2020"; Smpte432 = 12, "smpte432"; }
);
h273_enum!(
    /// `VideoTransferCharacteristics`
    /// (<https://w3c.github.io/webcodecs/#enumdef-videotransfercharacteristics>).
    ColorTransfer { Bt709 = 1, "bt709"; Smpte170m = 6, "smpte170m"; Linear = 8, "linear";
                    Iec6196621 = 13, "iec61966-2-1"; Pq = 16, "pq"; Hlg = 18, "hlg"; }
);
h273_enum!(
    /// `VideoMatrixCoefficients`
    /// (<https://w3c.github.io/webcodecs/#enumdef-videomatrixcoefficients>).
    ColorMatrix { Rgb = 0, "rgb"; Bt709 = 1, "bt709"; Bt470bg = 5, "bt470bg"; Smpte170m = 6, "smpte170m";
                  Bt2020Ncl = 9, "bt2020-ncl"; }
);

/// `VideoColorSpace` (<https://w3c.github.io/webcodecs/#videocolorspace>, initialised from a
/// `VideoColorSpaceInit`): every member may be unknown (`null` in JS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct VideoColorSpace {
    /// `primaries`.
    pub primaries: Option<ColorPrimaries>,
    /// `transfer`: the transfer characteristics.
    pub transfer: Option<ColorTransfer>,
    /// `matrix`: the matrix coefficients.
    pub matrix: Option<ColorMatrix>,
    /// `fullRange`: full (true) or limited (false) range.
    pub full_range: Option<bool>,
}

impl VideoColorSpace {
    /// BT.709 limited range, the default for YUV frames ("REC709").
    pub const REC709: Self = Self {
        primaries: Some(ColorPrimaries::Bt709),
        transfer: Some(ColorTransfer::Bt709),
        matrix: Some(ColorMatrix::Bt709),
        full_range: Some(false),
    };
    /// sRGB, the default for RGB frames.
    pub const SRGB: Self = Self {
        primaries: Some(ColorPrimaries::Bt709),
        transfer: Some(ColorTransfer::Iec6196621),
        matrix: Some(ColorMatrix::Rgb),
        full_range: Some(true),
    };

    /// The colour space of a frame whose maker said nothing: sRGB for RGB formats, BT.709
    /// otherwise (as browsers do for frames built from buffers).
    pub fn default_for(format: crate::pixel::VideoPixelFormat) -> Self {
        if format.is_rgb() {
            Self::SRGB
        } else {
            Self::REC709
        }
    }

    /// Whether every member is unknown.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// What a VP9 bitstream says about `self`. VP9 carries only a colour space id (the
    /// matrix) and the range; decoders (Chromium's libvpx decoder, ours) read the id as the
    /// whole standard colour space: BT.709 → BT.709 primaries and transfer; BT.601
    /// (`bt470bg`, `smpte170m`) → SMPTE 170M; RGB → sRGB; BT.2020 → BT.2020 primaries (its
    /// transfer depends on the bit depth and has no WebCodecs name: unknown). An unknown
    /// matrix says nothing about primaries and transfer.
    pub fn vp9_signalled(self) -> Self {
        use ColorPrimaries as P;
        use ColorTransfer as T;
        let (primaries, transfer) = match self.matrix {
            Some(ColorMatrix::Bt709) => (Some(P::Bt709), Some(T::Bt709)),
            Some(ColorMatrix::Bt470bg | ColorMatrix::Smpte170m) => {
                (Some(P::Smpte170m), Some(T::Smpte170m))
            }
            Some(ColorMatrix::Rgb) => (Some(P::Bt709), Some(T::Iec6196621)),
            Some(ColorMatrix::Bt2020Ncl) => (Some(P::Bt2020), None),
            None => (None, None),
        };
        Self {
            primaries,
            transfer,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vp9_signalled_keeps_matrix_and_range_only() {
        // sRGB-tagged primaries/transfer with a BT.709 matrix: VP9 says BT.709 throughout.
        let cs = VideoColorSpace {
            transfer: Some(ColorTransfer::Iec6196621),
            ..VideoColorSpace::REC709
        };
        assert_eq!(cs.vp9_signalled(), VideoColorSpace::REC709);
        let bt601 = VideoColorSpace {
            primaries: Some(ColorPrimaries::Bt709),
            transfer: Some(ColorTransfer::Pq),
            matrix: Some(ColorMatrix::Bt470bg),
            full_range: Some(true),
        };
        assert_eq!(
            bt601.vp9_signalled(),
            VideoColorSpace {
                primaries: Some(ColorPrimaries::Smpte170m),
                transfer: Some(ColorTransfer::Smpte170m),
                ..bt601
            }
        );
        let bt2020 = VideoColorSpace {
            matrix: Some(ColorMatrix::Bt2020Ncl),
            ..VideoColorSpace::REC709
        };
        assert_eq!(
            (
                bt2020.vp9_signalled().primaries,
                bt2020.vp9_signalled().transfer
            ),
            (Some(ColorPrimaries::Bt2020), None)
        );
        assert_eq!(VideoColorSpace::SRGB.vp9_signalled(), VideoColorSpace::SRGB);
        let unknown = VideoColorSpace {
            full_range: Some(false),
            ..Default::default()
        };
        assert_eq!(unknown.vp9_signalled(), unknown);
    }
}
