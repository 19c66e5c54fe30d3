//! Codec configurations and their validity checks. Validity (a `TypeError`) is separate from
//! support (`NotSupportedError`, decided by the backend), as the spec requires
//! (<https://w3c.github.io/webcodecs/#valid-videoencoderconfig>).

use crate::color::VideoColorSpace;
use crate::error::CodecError;

macro_rules! idl_enum {
    ($(#[$m:meta])* $name:ident default $def:ident { $($variant:ident = $s:expr),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            /// The default value (what a dictionary without this member gets).
            #[default]
            $def,
            $(#[doc = concat!("`\"", $s, "\"`.")] $variant),*
        }
        impl $name {
            /// Parses the IDL enum string.
            pub fn parse(s: &str) -> Option<Self> {
                if s == Self::$def.as_str() { return Some(Self::$def); }
                match s { $($s => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

idl_enum!(
    /// `HardwareAcceleration` (<https://w3c.github.io/webcodecs/#enumdef-hardwareacceleration>);
    /// the default is `"no-preference"`.
    HardwareAcceleration default NoPreference { PreferHardware = "prefer-hardware", PreferSoftware = "prefer-software" }
);
idl_enum!(
    /// `AlphaOption` (<https://w3c.github.io/webcodecs/#enumdef-alphaoption>); the default is
    /// `"discard"`.
    AlphaOption default Discard { Keep = "keep" }
);
idl_enum!(
    /// `VideoEncoderBitrateMode`
    /// (<https://w3c.github.io/webcodecs/#enumdef-videoencoderbitratemode>); the default is
    /// `"variable"`. Audio encoders use the `"constant"` and `"variable"` values of `BitrateMode`.
    BitrateMode default Variable { Constant = "constant", Quantizer = "quantizer" }
);
idl_enum!(
    /// `LatencyMode` (<https://w3c.github.io/webcodecs/#enumdef-latencymode>); the default is
    /// `"quality"`.
    LatencyMode default Quality { Realtime = "realtime" }
);
idl_enum!(
    /// `AvcBitstreamFormat`
    /// (<https://w3c.github.io/webcodecs/avc_codec_registration.html#enumdef-avcbitstreamformat>);
    /// the default is `"avc"`.
    AvcBitstreamFormat default Avc { Annexb = "annexb" }
);

idl_enum!(
    /// `HevcBitstreamFormat`
    /// (<https://w3c.github.io/webcodecs/hevc_codec_registration.html#enumdef-hevcbitstreamformat>);
    /// the default is `"hevc"`.
    HevcBitstreamFormat default Hevc { Annexb = "annexb" }
);

impl HevcBitstreamFormat {
    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hevc => "hevc",
            Self::Annexb => "annexb",
        }
    }
}

impl HardwareAcceleration {
    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoPreference => "no-preference",
            Self::PreferHardware => "prefer-hardware",
            Self::PreferSoftware => "prefer-software",
        }
    }
}
impl AlphaOption {
    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discard => "discard",
            Self::Keep => "keep",
        }
    }
}
impl BitrateMode {
    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Variable => "variable",
            Self::Constant => "constant",
            Self::Quantizer => "quantizer",
        }
    }
}
impl LatencyMode {
    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Quality => "quality",
            Self::Realtime => "realtime",
        }
    }
}
impl AvcBitstreamFormat {
    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Avc => "avc",
            Self::Annexb => "annexb",
        }
    }
}

/// `TypeError` for a codec string that is empty or only ASCII white space.
pub(crate) fn check_codec(codec: &str) -> Result<(), CodecError> {
    if codec
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .is_empty()
    {
        return Err(CodecError::type_error("codec is empty"));
    }
    Ok(())
}

/// "If config.bitrate exists and is 0, return false" (encoder configs): a bitrate that is present
/// must be positive.
pub(crate) fn check_bitrate(bitrate: Option<u64>) -> Result<(), CodecError> {
    if bitrate == Some(0) {
        return Err(CodecError::type_error("bitrate must be greater than 0"));
    }
    Ok(())
}

/// `VideoEncoderConfig` after WebIDL conversion
/// (<https://w3c.github.io/webcodecs/#video-encoder-config>).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VideoEncoderConfig {
    /// Codec string.
    pub codec: String,
    /// Encoded width.
    pub width: u32,
    /// Encoded height.
    pub height: u32,
    /// Intended display width (defaults to `width`).
    pub display_width: Option<u32>,
    /// Intended display height (defaults to `height`).
    pub display_height: Option<u32>,
    /// Target bitrate in bits per second.
    pub bitrate: Option<u64>,
    /// Expected frame rate.
    pub framerate: Option<f64>,
    /// Hardware preference.
    pub hardware_acceleration: HardwareAcceleration,
    /// Keep or drop alpha.
    pub alpha: AlphaOption,
    /// Scalability mode such as `L1T2`.
    pub scalability_mode: Option<String>,
    /// Rate control.
    pub bitrate_mode: BitrateMode,
    /// Latency versus quality trade-off.
    pub latency_mode: LatencyMode,
    /// Content hint (never a reason to reject).
    pub content_hint: Option<String>,
    /// `avc.format`.
    pub avc_format: AvcBitstreamFormat,
    /// `hevc.format`.
    pub hevc_format: HevcBitstreamFormat,
    /// `av1.forceScreenContentTools`.
    pub force_screen_content_tools: bool,
}

impl VideoEncoderConfig {
    /// The config with its codec-specific members applied to the generic ones. AV1:
    /// `av1.forceScreenContentTools` forces the encoder's screen-content tools, which is what
    /// `contentHint: "text"` selects, so the flag sets that hint. Members of other codecs change
    /// nothing (see [`crate::codec_registration_member`]).
    pub fn with_codec_rules(mut self) -> Self {
        if self.force_screen_content_tools
            && crate::codec_registration_member(&self.codec) == Some("av1")
        {
            self.content_hint = Some("text".to_owned());
        }
        self
    }

    /// "Check if a VideoEncoderConfig is a valid VideoEncoderConfig"
    /// (<https://w3c.github.io/webcodecs/#valid-videoencoderconfig>).
    ///
    /// # Errors
    /// `TypeError` for an empty codec, a zero width/height, a zero display dimension or a
    /// bitrate that is present but zero.
    pub fn validate(&self) -> Result<(), CodecError> {
        check_codec(&self.codec)?;
        if self.width == 0 || self.height == 0 {
            return Err(CodecError::type_error("width and height must be non-zero"));
        }
        check_bitrate(self.bitrate)?;
        if self.display_width == Some(0) || self.display_height == Some(0) {
            return Err(CodecError::type_error(
                "displayWidth and displayHeight must be non-zero",
            ));
        }
        Ok(())
    }
}

/// `VideoDecoderConfig` after WebIDL conversion
/// (<https://w3c.github.io/webcodecs/#video-decoder-config>). Also the `decoderConfig` an encoder
/// reports in its output metadata.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VideoDecoderConfig {
    /// Codec string.
    pub codec: String,
    /// Codec-specific extradata (avcC for `avc` format H.264, hvcC for `hevc` format HEVC).
    pub description: Option<Vec<u8>>,
    /// Coded width.
    pub coded_width: Option<u32>,
    /// Coded height.
    pub coded_height: Option<u32>,
    /// Display aspect width.
    pub display_aspect_width: Option<u32>,
    /// Display aspect height.
    pub display_aspect_height: Option<u32>,
    /// Colour space override.
    pub color_space: Option<VideoColorSpace>,
    /// Hardware preference.
    pub hardware_acceleration: HardwareAcceleration,
    /// Minimise decoder delay.
    pub optimize_for_latency: Option<bool>,
    /// Rotation in degrees (0, 90, 180, 270).
    pub rotation: u32,
    /// Horizontal flip.
    pub flip: bool,
}

impl VideoDecoderConfig {
    /// How this config's H.264/HEVC chunks delimit NAL units: length prefixes of the size the
    /// `description` (avcC `lengthSizeMinusOne` in byte 4, hvcC in byte 21) gives, or Annex B
    /// start codes without one (and for every other codec).
    pub fn nal_framing(&self) -> crate::NalFraming {
        let d = self.description.as_deref().unwrap_or_default();
        let at = match crate::codec_registration_member(&self.codec) {
            Some("avc") => 4,
            Some("hevc") => 21,
            _ => return crate::NalFraming::AnnexB,
        };
        match d.get(at) {
            Some(b) => crate::NalFraming::LengthPrefixed((b & 3) + 1),
            None => crate::NalFraming::AnnexB,
        }
    }

    /// "Check if a VideoDecoderConfig is a valid VideoDecoderConfig"
    /// (<https://w3c.github.io/webcodecs/#valid-videodecoderconfig>).
    ///
    /// # Errors
    /// `TypeError` for an empty codec, a lone or zero coded dimension, or a lone or zero display
    /// aspect dimension.
    pub fn validate(&self) -> Result<(), CodecError> {
        check_codec(&self.codec)?;
        match (self.coded_width, self.coded_height) {
            (Some(0), _) | (_, Some(0)) => {
                return Err(CodecError::type_error(
                    "codedWidth and codedHeight must be non-zero",
                ))
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(CodecError::type_error(
                    "codedWidth and codedHeight go together",
                ))
            }
            _ => {}
        }
        match (self.display_aspect_width, self.display_aspect_height) {
            (Some(0), _) | (_, Some(0)) => Err(CodecError::type_error(
                "displayAspectWidth and displayAspectHeight must be non-zero",
            )),
            (Some(_), None) | (None, Some(_)) => Err(CodecError::type_error(
                "displayAspectWidth and displayAspectHeight go together",
            )),
            _ => Ok(()),
        }
    }
}

/// `[[active output config]]` (<https://w3c.github.io/webcodecs/#videoencoder-internal-slots>;
/// "Output EncodedVideoChunks", <https://w3c.github.io/webcodecs/#output-encodedvideochunks>):
/// decides when output metadata carries `decoderConfig` (only when the output config differs from
/// the last one reported; after configure or reset the first output always carries it).
#[derive(Debug, Clone, Default)]
pub struct OutputConfigTracker<T> {
    active: Option<T>,
}

impl<T: PartialEq + Clone> OutputConfigTracker<T> {
    /// A tracker with no active output config.
    pub fn new() -> Self {
        Self { active: None }
    }

    /// Returns `Some(config)` if `config` differs from the active one (and makes it active).
    pub fn update(&mut self, config: &T) -> Option<T> {
        if self.active.as_ref() == Some(config) {
            None
        } else {
            self.active = Some(config.clone());
            Some(config.clone())
        }
    }

    /// Forgets the active config (configure, reset).
    pub fn clear(&mut self) {
        self.active = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoder_validity() {
        let ok = VideoEncoderConfig {
            codec: "vp8".into(),
            width: 2,
            height: 2,
            ..Default::default()
        };
        ok.validate().expect("valid");
        let e = VideoEncoderConfig {
            codec: "  ".into(),
            ..ok.clone()
        };
        assert!(e.validate().is_err());
        let e = VideoEncoderConfig {
            width: 0,
            ..ok.clone()
        };
        assert!(e.validate().is_err());
        let e = VideoEncoderConfig {
            display_width: Some(0),
            ..ok.clone()
        };
        assert!(e.validate().is_err());
        let e = VideoEncoderConfig {
            bitrate: Some(0),
            ..ok.clone()
        };
        assert_eq!(
            e.validate().expect_err("bitrate 0").name,
            crate::ErrorName::TypeError
        );
        VideoEncoderConfig {
            bitrate: Some(1),
            ..ok.clone()
        }
        .validate()
        .expect("any positive bitrate is valid");
        // Unknown codecs are valid (merely unsupported).
        let u = VideoEncoderConfig {
            codec: "bogus".into(),
            ..ok
        };
        u.validate().expect("valid but unsupported");
    }

    #[test]
    fn decoder_validity() {
        let ok = VideoDecoderConfig {
            codec: "vp8".into(),
            ..Default::default()
        };
        ok.validate().expect("valid");
        assert!(VideoDecoderConfig {
            coded_width: Some(4),
            ..ok.clone()
        }
        .validate()
        .is_err());
        assert!(VideoDecoderConfig {
            coded_width: Some(0),
            coded_height: Some(4),
            ..ok.clone()
        }
        .validate()
        .is_err());
        assert!(VideoDecoderConfig {
            display_aspect_height: Some(3),
            ..ok.clone()
        }
        .validate()
        .is_err());
    }

    #[test]
    fn av1_screen_content_flag_sets_the_text_hint_for_av1_only() {
        let c = VideoEncoderConfig {
            codec: "av01.0.04M.08".into(),
            force_screen_content_tools: true,
            ..Default::default()
        };
        assert_eq!(
            c.clone().with_codec_rules().content_hint.as_deref(),
            Some("text")
        );
        let vp9 = VideoEncoderConfig {
            codec: "vp09.00.10.08".into(),
            content_hint: Some("motion".into()),
            ..c.clone()
        };
        assert_eq!(
            vp9.with_codec_rules().content_hint.as_deref(),
            Some("motion")
        );
        let off = VideoEncoderConfig {
            force_screen_content_tools: false,
            content_hint: Some("detail".into()),
            ..c
        };
        assert_eq!(
            off.with_codec_rules().content_hint.as_deref(),
            Some("detail")
        );
    }

    #[test]
    fn nal_framing_comes_from_the_description() {
        use crate::NalFraming::*;
        let cfg = |codec: &str, d: Option<Vec<u8>>| VideoDecoderConfig {
            codec: codec.into(),
            description: d,
            ..Default::default()
        };
        assert_eq!(cfg("avc1.42001f", None).nal_framing(), AnnexB);
        assert_eq!(
            cfg("avc1.42001f", Some(vec![1, 66, 0, 31, 0xff])).nal_framing(),
            LengthPrefixed(4)
        );
        assert_eq!(
            cfg("avc3.42001f", Some(vec![1, 66, 0, 31, 0xfc])).nal_framing(),
            LengthPrefixed(1)
        );
        assert_eq!(
            cfg("avc1.42001f", Some(vec![1, 66, 0, 31])).nal_framing(),
            AnnexB
        );
        let mut hvcc = vec![0u8; 23];
        hvcc[21] = 0x0f;
        assert_eq!(
            cfg("hvc1.1.6.L93.B0", Some(hvcc.clone())).nal_framing(),
            LengthPrefixed(4)
        );
        assert_eq!(
            cfg("hev1.1.6.L93.B0", Some(hvcc[..21].to_vec())).nal_framing(),
            AnnexB
        );
        assert_eq!(cfg("vp8", Some(vec![0xff; 30])).nal_framing(), AnnexB);
    }

    #[test]
    fn tracker_reports_changes_only() {
        let mut t = OutputConfigTracker::new();
        assert_eq!(t.update(&1), Some(1));
        assert_eq!(t.update(&1), None);
        assert_eq!(t.update(&2), Some(2));
        t.clear();
        assert_eq!(t.update(&2), Some(2));
    }
}
