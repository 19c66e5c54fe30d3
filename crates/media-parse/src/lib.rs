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
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub mod audio;
mod error;
pub mod image;
mod reader;
pub mod video;

pub use error::{Error, Result};
pub use reader::{rbsp, BitReader, ByteReader};
