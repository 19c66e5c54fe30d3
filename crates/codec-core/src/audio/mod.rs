//! Audio sample formats, `AudioData` storage and copy/convert arithmetic
//! (<https://w3c.github.io/webcodecs/#audiodata-interface>), and the audio codec configurations
//! (`config`).

use crate::error::CodecError;

mod config;

pub use config::{AudioDecoderConfig, AudioEncoderConfig, OpusEncoderConfig, OPUS_MIN_BITRATE};

/// `AudioSampleFormat` (<https://w3c.github.io/webcodecs/#enumdef-audiosampleformat>): the sample
/// type, and whether channels are interleaved or planar
/// (<https://w3c.github.io/webcodecs/#audio-sample-formats>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioSampleFormat {
    /// `"u8"`: unsigned 8-bit, interleaved.
    U8,
    /// `"s16"`: signed 16-bit, interleaved.
    S16,
    /// `"s32"`: signed 32-bit, interleaved.
    S32,
    /// `"f32"`: 32-bit float, interleaved.
    F32,
    /// `"u8-planar"`: unsigned 8-bit, one plane per channel.
    U8Planar,
    /// `"s16-planar"`: signed 16-bit, one plane per channel.
    S16Planar,
    /// `"s32-planar"`: signed 32-bit, one plane per channel.
    S32Planar,
    /// `"f32-planar"`: 32-bit float, one plane per channel.
    F32Planar,
}

const ALL_AUDIO: [AudioSampleFormat; 8] = {
    use AudioSampleFormat::*;
    [U8, S16, S32, F32, U8Planar, S16Planar, S32Planar, F32Planar]
};

impl AudioSampleFormat {
    /// Every format, in IDL order.
    pub fn all() -> &'static [Self] {
        &ALL_AUDIO
    }

    /// The IDL enum string.
    pub fn as_str(self) -> &'static str {
        use AudioSampleFormat::*;
        match self {
            U8 => "u8",
            S16 => "s16",
            S32 => "s32",
            F32 => "f32",
            U8Planar => "u8-planar",
            S16Planar => "s16-planar",
            S32Planar => "s32-planar",
            F32Planar => "f32-planar",
        }
    }

    /// Parses the IDL enum string.
    pub fn parse(s: &str) -> Option<Self> {
        ALL_AUDIO.iter().copied().find(|f| f.as_str() == s)
    }

    /// Bytes per sample.
    pub fn bytes_per_sample(self) -> usize {
        use AudioSampleFormat::*;
        match self {
            U8 | U8Planar => 1,
            S16 | S16Planar => 2,
            _ => 4,
        }
    }

    /// Whether each channel has its own plane.
    pub fn is_planar(self) -> bool {
        use AudioSampleFormat::*;
        matches!(self, U8Planar | S16Planar | S32Planar | F32Planar)
    }

    /// The planar (or interleaved) variant with the same sample type.
    pub fn with_planar(self, planar: bool) -> Self {
        use AudioSampleFormat::*;
        match (self, planar) {
            (U8 | U8Planar, false) => U8,
            (U8 | U8Planar, true) => U8Planar,
            (S16 | S16Planar, false) => S16,
            (S16 | S16Planar, true) => S16Planar,
            (S32 | S32Planar, false) => S32,
            (S32 | S32Planar, true) => S32Planar,
            (F32 | F32Planar, false) => F32,
            (F32 | F32Planar, true) => F32Planar,
        }
    }

    /// The sample type, without the layout.
    fn sample_type(self) -> SampleType {
        use AudioSampleFormat::*;
        match self {
            U8 | U8Planar => SampleType::U8,
            S16 | S16Planar => SampleType::S16,
            S32 | S32Planar => SampleType::S32,
            F32 | F32Planar => SampleType::F32,
        }
    }
}

/// An `AudioSampleFormat`'s sample type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SampleType {
    U8,
    S16,
    S32,
    F32,
}

/// Converts `n` samples of format `from` in `src` into format `to` in `dst`, at the sample
/// positions and strides given as in
/// [`map_samples`](crate::audio_convert::map_samples): one loop per pair of sample types.
fn convert_run(
    (from, src, src_at): (AudioSampleFormat, &[u8], (usize, usize)),
    (to, dst, dst_at): (AudioSampleFormat, &mut [u8], (usize, usize)),
    n: usize,
) {
    use crate::audio_convert::*;
    use SampleType::{F32, S16, S32, U8};
    macro_rules! run {
        ($s:literal, $d:literal, $f:expr) => {
            map_samples::<$s, $d>(src, src_at, dst, dst_at, n, $f)
        };
    }
    let i16_of = i16::from_le_bytes;
    let i32_of = i32::from_le_bytes;
    let f32_of = f32::from_le_bytes;
    match (from.sample_type(), to.sample_type()) {
        (U8, U8) => run!(1, 1, |b| b),
        (U8, S16) => run!(1, 2, |[x]| u8_to_s16(x).to_le_bytes()),
        (U8, S32) => run!(1, 4, |[x]| u8_to_s32(x).to_le_bytes()),
        (U8, F32) => run!(1, 4, |[x]| u8_to_f32(x).to_le_bytes()),
        (S16, U8) => run!(2, 1, |b| [s16_to_u8(i16_of(b))]),
        (S16, S16) => run!(2, 2, |b| b),
        (S16, S32) => run!(2, 4, |b| s16_to_s32(i16_of(b)).to_le_bytes()),
        (S16, F32) => run!(2, 4, |b| s16_to_f32(i16_of(b)).to_le_bytes()),
        (S32, U8) => run!(4, 1, |b| [s32_to_u8(i32_of(b))]),
        (S32, S16) => run!(4, 2, |b| s32_to_s16(i32_of(b)).to_le_bytes()),
        (S32, S32) | (F32, F32) => run!(4, 4, |b| b),
        (S32, F32) => run!(4, 4, |b| s32_to_f32(i32_of(b)).to_le_bytes()),
        (F32, U8) => run!(4, 1, |b| [f32_to_u8(f32_of(b))]),
        (F32, S16) => run!(4, 2, |b| f32_to_s16(f32_of(b)).to_le_bytes()),
        (F32, S32) => run!(4, 4, |b| f32_to_s32(f32_of(b)).to_le_bytes()),
    }
}

/// The samples of an `AudioData`, its media resource
/// (<https://w3c.github.io/webcodecs/#raw-media-memory-model-reference-counting>): immutable once
/// built, shared with `Arc` between clones.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioBuffer {
    format: AudioSampleFormat,
    sample_rate: f32,
    frames: u32,
    channels: u32,
    data: Vec<u8>,
}

/// `AudioDataCopyToOptions` after WebIDL conversion
/// (<https://w3c.github.io/webcodecs/#dictdef-audiodatacopytooptions>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioCopy {
    /// Plane to copy (0 for interleaved destinations).
    pub plane_index: u32,
    /// First frame to copy.
    pub frame_offset: u32,
    /// Frames to copy (all remaining when `None`).
    pub frame_count: Option<u32>,
    /// Destination format (the buffer's own when `None`).
    pub format: Option<AudioSampleFormat>,
}

impl AudioBuffer {
    /// Copies `frames × channels` samples of `format` out of `src` (planes tightly packed).
    ///
    /// # Errors
    /// `TypeError` for a zero rate, frame or channel count, or `src` too short.
    pub fn from_bytes(
        format: AudioSampleFormat,
        sample_rate: f32,
        frames: u32,
        channels: u32,
        src: &[u8],
    ) -> Result<Self, CodecError> {
        let need = Self::check(format, sample_rate, frames, channels, src.len())?;
        Ok(Self {
            format,
            sample_rate,
            frames,
            channels,
            data: src[..need].to_vec(),
        })
    }

    /// [`from_bytes`](Self::from_bytes) taking `data` as the buffer instead of copying it (a
    /// decoder's output, made for it); bytes past `frames × channels` samples are dropped.
    ///
    /// # Errors
    /// As [`from_bytes`](Self::from_bytes).
    pub fn from_vec(
        format: AudioSampleFormat,
        sample_rate: f32,
        frames: u32,
        channels: u32,
        mut data: Vec<u8>,
    ) -> Result<Self, CodecError> {
        let need = Self::check(format, sample_rate, frames, channels, data.len())?;
        data.truncate(need);
        Ok(Self {
            format,
            sample_rate,
            frames,
            channels,
            data,
        })
    }

    /// The byte length of `frames × channels` samples of `format`, once the rate and counts
    /// are valid and `len` bytes hold them.
    fn check(
        format: AudioSampleFormat,
        sample_rate: f32,
        frames: u32,
        channels: u32,
        len: usize,
    ) -> Result<usize, CodecError> {
        if !(sample_rate > 0.0 && sample_rate.is_finite()) || frames == 0 || channels == 0 {
            return Err(CodecError::type_error(
                "sampleRate, numberOfFrames and numberOfChannels must be non-zero",
            ));
        }
        let need = frames as u64 * channels as u64 * format.bytes_per_sample() as u64;
        if (len as u64) < need {
            return Err(CodecError::type_error(format!(
                "data is {len} bytes, {need} are needed"
            )));
        }
        // At most `len`, so it fits in usize.
        Ok(need as usize)
    }

    /// `format`: the sample format the bytes are in.
    pub fn format(&self) -> AudioSampleFormat {
        self.format
    }
    /// `sampleRate` in Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }
    /// `numberOfFrames` (samples per channel).
    pub fn frames(&self) -> u32 {
        self.frames
    }
    /// `numberOfChannels`.
    pub fn channels(&self) -> u32 {
        self.channels
    }
    /// Raw bytes (planes tightly packed, or interleaved).
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// `duration` in microseconds, truncated
    /// (<https://w3c.github.io/webcodecs/#dom-audiodata-duration>).
    pub fn duration_us(&self) -> u64 {
        (f64::from(self.frames) * 1_000_000.0 / f64::from(self.sample_rate)) as u64
    }

    /// "Compute Copy Element Count"
    /// (<https://w3c.github.io/webcodecs/#compute-copy-element-count>): elements the copy would
    /// write.
    ///
    /// # Errors
    /// `RangeError` for a bad plane index, frame offset or frame count.
    pub fn copy_element_count(&self, o: &AudioCopy) -> Result<usize, CodecError> {
        let dest = o.format.unwrap_or(self.format);
        if !dest.is_planar() && o.plane_index > 0 {
            return Err(CodecError::range_error(
                "planeIndex must be 0 for interleaved formats",
            ));
        }
        if dest.is_planar() && o.plane_index >= self.channels {
            return Err(CodecError::range_error("planeIndex is out of range"));
        }
        if o.frame_offset >= self.frames {
            return Err(CodecError::range_error("frameOffset is out of range"));
        }
        let copy_frames = self.frames - o.frame_offset;
        let count = match o.frame_count {
            Some(c) if c > copy_frames => {
                return Err(CodecError::range_error("frameCount is out of range"));
            }
            Some(c) => c,
            None => copy_frames,
        };
        Ok(if dest.is_planar() {
            count as usize
        } else {
            count as usize * self.channels as usize
        })
    }

    /// `allocationSize(options)` (<https://w3c.github.io/webcodecs/#dom-audiodata-allocationsize>):
    /// bytes `copy_to` writes with these options.
    ///
    /// # Errors
    /// As [`AudioBuffer::copy_element_count`].
    pub fn allocation_size(&self, o: &AudioCopy) -> Result<usize, CodecError> {
        let dest = o.format.unwrap_or(self.format);
        Ok(self.copy_element_count(o)? * dest.bytes_per_sample())
    }

    /// `copyTo(dest, options)` (<https://w3c.github.io/webcodecs/#dom-audiodata-copyto>),
    /// converting to `options.format` if it differs.
    ///
    /// # Errors
    /// `RangeError` for bad options or a destination that is too small.
    pub fn copy_to(&self, dest: &mut [u8], o: &AudioCopy) -> Result<(), CodecError> {
        let size = self.allocation_size(o)?;
        if dest.len() < size {
            return Err(CodecError::range_error(format!(
                "destination is {} bytes, {size} are needed",
                dest.len()
            )));
        }
        let df = o.format.unwrap_or(self.format);
        let bps = df.bytes_per_sample();
        let frames = self.copy_element_count(o)?
            / if df.is_planar() {
                1
            } else {
                self.channels as usize
            };
        if df == self.format {
            // Same layout: a straight byte copy.
            let start = if df.is_planar() {
                (o.plane_index as usize * self.frames as usize + o.frame_offset as usize) * bps
            } else {
                o.frame_offset as usize * self.channels as usize * bps
            };
            dest[..size].copy_from_slice(&self.data[start..start + size]);
            return Ok(());
        }
        let (sf, ch) = (self.format, self.channels as usize);
        let (plane_len, offset) = (self.frames as usize, o.frame_offset as usize);
        // Where channel `c`'s first copied sample is in the source, and the step to the next.
        let src_at = |c: usize| match sf.is_planar() {
            true => (c * plane_len + offset, 1),
            false => (offset * ch + c, ch),
        };
        if df.is_planar() {
            let at = src_at(o.plane_index as usize);
            convert_run((sf, &self.data, at), (df, dest, (0, 1)), frames);
        } else if !sf.is_planar() {
            // Interleaved to interleaved: one run over every channel.
            convert_run(
                (sf, &self.data, (offset * ch, 1)),
                (df, dest, (0, 1)),
                frames * ch,
            );
        } else {
            for c in 0..ch {
                convert_run((sf, &self.data, src_at(c)), (df, dest, (c, ch)), frames);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
