//! Audio decoder descriptions (the AAC `AudioSpecificConfig`, the Opus identification header
//! `OpusHead`, FLAC's STREAMINFO) and Opus packet framing (RFC 6716 §3).

pub mod aac;
pub mod flac;
pub mod opus;
pub mod opus_packet;
