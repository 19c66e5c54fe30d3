//! Image containers: ISOBMFF/AVIF (items, grids, alpha, sequences), PNG/APNG chunks, GIF blocks,
//! WebP RIFF chunks (`VP8X`, `ANIM`, `ANMF`), JPEG markers and scans, EXIF orientation and the
//! ICO directory.
//!
//! Every scanner works on a prefix of the file as it streams in: "not enough data yet" is
//! `Ok(None)` (or an explicit variant), never an error, and what a scanner reports (frame
//! ranges, item extents) lies inside the data it was given.

pub mod avif;
pub mod avif_sequence;
pub mod exif;
pub mod gif;
pub mod ico;
pub mod isobmff;
pub mod jpeg;
pub mod png;
pub mod webp;
