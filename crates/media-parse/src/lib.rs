//! Pure parsers for the bytes WebCodecs hands around: codec bitstreams (H.264/HEVC NAL units and
//! their avcC/hvcC records, AV1 OBUs, VP8/VP9 frame headers, AAC AudioSpecificConfig, Opus
//! headers and packets) and image
//! containers (ISOBMFF/AVIF, PNG/APNG, GIF, WebP, JPEG, EXIF, ICO).
//!
//! Every parser reads through the one [`ByteReader`]/[`BitReader`] pair in this crate, never
//! indexes a slice directly, and returns an [`Error`] instead of panicking on any input: each is a
//! cargo-fuzz target (`fuzz/`).
//!
//! This crate must never depend on FFmpeg or Neon, spawn threads or use `unsafe`: it is the part
//! of the project that reads hostile bytes, so it is kept where the fuzzers can reach it.
//!
//! # Example
//!
//! Reading the avcC `description` an H.264 `VideoDecoderConfig` carries, and the picture size
//! its sequence parameter set gives:
//!
//! ```
//! use media_parse::video::h264::{AvcDecoderConfigurationRecord, Sps};
//! use media_parse::Error;
//!
//! // One SPS (Baseline, level 1.0, 64×48) and one PPS; chunks prefix NAL units with 4 bytes.
//! let sps = [
//!     0x67, 0x42, 0xc0, 0x0a, 0xd9, 0x04, 0x7b, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10,
//!     0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x22, 0x64, 0x80,
//! ];
//! let pps = [0x68, 0xcb, 0x83, 0xcb, 0x20];
//! let mut avcc = vec![1, 0x42, 0xc0, 0x0a, 0xff, 0xe1, 0, sps.len() as u8];
//! avcc.extend(sps);
//! avcc.extend([1, 0, pps.len() as u8]);
//! avcc.extend(pps);
//!
//! let record = AvcDecoderConfigurationRecord::parse(&avcc)?;
//! assert_eq!((record.profile_idc, record.level_idc), (66, 10));
//! assert_eq!(record.nal_length_size, 4);
//! assert_eq!(record.to_bytes(), avcc);
//! let sps = Sps::parse(&record.sps[0])?;
//! assert_eq!((sps.width, sps.height), (64, 48));
//!
//! // Bad input is an error, never a panic or a read past the end.
//! let cut = AvcDecoderConfigurationRecord::parse(&avcc[..10]);
//! assert!(matches!(cut, Err(Error::Truncated { .. })));
//! assert!(matches!(Sps::parse(&pps), Err(Error::Malformed(_))));
//! # Ok::<(), Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub mod audio;
mod error;
pub mod image;
mod reader;
pub mod video;

pub use error::{Error, Result};
pub use reader::{rbsp, BitReader, ByteReader};
