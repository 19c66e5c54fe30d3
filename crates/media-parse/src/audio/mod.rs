//! Audio decoder descriptions: the AAC `AudioSpecificConfig`, the Opus identification header
//! (`OpusHead`) and FLAC's STREAMINFO.

pub mod aac;
pub mod flac;
pub mod opus;
