//! `VideoColorSpace` (<https://w3c.github.io/webcodecs/#videocolorspace>).

macro_rules! h273_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:expr, $s:expr;)* }) => {
        $(#[$m])*
        #[allow(missing_docs)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }
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
    /// `VideoColorPrimaries`.
    ColorPrimaries { Bt709 = 1, "bt709"; Bt470bg = 5, "bt470bg"; Smpte170m = 6, "smpte170m";
                     Bt2020 = 9, "bt2020"; Smpte432 = 12, "smpte432"; }
);
h273_enum!(
    /// `VideoTransferCharacteristics`.
    ColorTransfer { Bt709 = 1, "bt709"; Smpte170m = 6, "smpte170m"; Linear = 8, "linear";
                    Iec6196621 = 13, "iec61966-2-1"; Pq = 16, "pq"; Hlg = 18, "hlg"; }
);
h273_enum!(
    /// `VideoMatrixCoefficients`.
    ColorMatrix { Rgb = 0, "rgb"; Bt709 = 1, "bt709"; Bt470bg = 5, "bt470bg"; Smpte170m = 6, "smpte170m";
                  Bt2020Ncl = 9, "bt2020-ncl"; }
);

/// A colour space; every member may be unknown (`null` in JS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct VideoColorSpace {
    /// Colour primaries.
    pub primaries: Option<ColorPrimaries>,
    /// Transfer characteristics.
    pub transfer: Option<ColorTransfer>,
    /// Matrix coefficients.
    pub matrix: Option<ColorMatrix>,
    /// Full (true) or limited (false) range.
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

    /// Whether every member is unknown.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
