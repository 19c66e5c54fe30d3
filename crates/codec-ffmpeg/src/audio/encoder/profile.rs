//! What differs per audio codec, behind one trait: [`AudioProfile`], one implementation per
//! codec (`opus.rs`, `aac.rs`, `mp3.rs`, `flac.rs`, `vorbis.rs`, `pcm.rs`). The session
//! (`session.rs`) is shared: input FIFO, resampling, timeline, frames and packets.

use codec_core::{AudioEncoderConfig, AudioSampleFormat};
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::format::Sample;
use ffmpeg::{ChannelLayout, Dictionary};
use ffmpeg_next as ffmpeg;

use super::{aac, flac, mp3, opus, pcm, vorbis};
use crate::audio::Kind;
use crate::Result;

/// What a profile decides from a configuration before anything is opened.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// The FFmpeg encoder.
    pub(crate) encoder: &'static str,
    /// The rate it runs at: the configured one, or 48 kHz where Opus resamples.
    pub(crate) enc_rate: u32,
}

/// One chunk, made of one encoder packet or several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// The chunk bytes.
    pub(crate) data: Vec<u8>,
    /// Whether it is sent: a chunk libopus's DTX marked as not to be transmitted is not,
    /// but its samples still move the timeline on.
    pub(crate) send: bool,
}

/// How a session's encoder packets become chunks.
pub(crate) trait Packets: Send {
    /// Called before the encoder gets each frame (`enc`: the opened encoder).
    ///
    /// # Errors
    /// When the encoder cannot be set up for the frame.
    fn before_frame(&mut self, _enc: &ffmpeg::codec::Context) -> Result<()> {
        Ok(())
    }

    /// Called before the end of the stream: the encoder then codes its delay's frames on its
    /// own, without [`Self::before_frame`].
    ///
    /// # Errors
    /// When the encoder cannot be set up for those frames.
    fn before_end(&mut self, _enc: &ffmpeg::codec::Context) -> Result<()> {
        Ok(())
    }

    /// The chunk that encoder packet `bytes` completes, if any.
    ///
    /// # Errors
    /// When the packets cannot be made into a chunk.
    fn packet(&mut self, bytes: &[u8]) -> Result<Option<Chunk>>;

    /// How many packets make one chunk.
    fn per_chunk(&self) -> usize {
        1
    }
}

/// One chunk per packet, as the encoder made it.
pub(crate) struct PerPacket;

impl Packets for PerPacket {
    fn packet(&mut self, bytes: &[u8]) -> Result<Option<Chunk>> {
        Ok(Some(Chunk {
            data: bytes.to_vec(),
            send: true,
        }))
    }
}

/// What differs per audio codec.
pub(crate) trait AudioProfile: Send + Sync {
    /// Checks `cfg` for this codec (channel counts, rates, bitrates); the FFmpeg encoder and
    /// the rate it runs at.
    ///
    /// # Errors
    /// `Unsupported` for what this codec cannot encode.
    fn plan(&self, cfg: &AudioEncoderConfig) -> Result<Plan>;

    /// Whether the first input's `format` makes the stream deeper than 16 bits (FLAC only;
    /// `None`: the input format changes nothing).
    fn deep_input(&self, _format: AudioSampleFormat) -> Option<bool> {
        None
    }

    /// The encoder's sample format (with `deep`, see [`Self::deep_input`]) and the
    /// `bits_per_raw_sample` it needs, if any.
    fn sample_format(&self, codec: &ffmpeg::Codec, _deep: bool) -> (Sample, Option<i32>) {
        (preferred_format(codec), None)
    }

    /// The channel layout of `channels` channels.
    fn layout(&self, channels: u32) -> ChannelLayout {
        ChannelLayout::default(channels as i32)
    }

    /// Whether the encoder puts its setup in `extradata` (FFmpeg's `GLOBAL_HEADER`).
    fn global_header(&self, _cfg: &AudioEncoderConfig) -> bool {
        false
    }

    /// The bitrate used when the configuration has none.
    fn default_bitrate(&self, _cfg: &AudioEncoderConfig) -> Option<u64> {
        None
    }

    /// The encoder options.
    fn options(&self, _cfg: &AudioEncoderConfig, _opts: &mut Dictionary) {}

    /// `decoderConfig.description`, from the opened encoder's `extradata`.
    ///
    /// # Errors
    /// `Internal` when the encoder gave no usable setup.
    fn description(&self, _cfg: &AudioEncoderConfig, _extradata: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }

    /// Whether every packet decodes to a whole encoder frame (Opus, AAC, MP3), so that each
    /// chunk covers one, as in Chromium (FFmpeg shortens the last packets' durations to the
    /// input instead).
    fn whole_frames(&self) -> bool {
        false
    }

    /// How the packets of the opened encoder `enc` become chunks.
    ///
    /// # Errors
    /// When the encoder's setup cannot be read.
    fn packets(
        &self,
        _cfg: &AudioEncoderConfig,
        _enc: &ffmpeg::encoder::Audio,
    ) -> Result<Box<dyn Packets>> {
        Ok(Box::new(PerPacket))
    }
}

/// The profile of `kind` (`HE-AAC` has none: it is refused by the shared checks first).
pub(crate) fn of(kind: Kind) -> Box<dyn AudioProfile> {
    match kind {
        Kind::Opus => Box::new(opus::Opus),
        Kind::Aac { mpeg2 } => Box::new(aac::Aac { mpeg2 }),
        Kind::AacHe => Box::new(aac::HeAac),
        Kind::Flac => Box::new(flac::Flac),
        Kind::Mp3 => Box::new(mp3::Mp3),
        Kind::Vorbis => Box::new(vorbis::Vorbis),
        Kind::Pcm(name) => Box::new(pcm::Pcm(name)),
    }
}

/// The encoder's float format if it has one (planar first), else its first format.
pub(crate) fn preferred_format(codec: &ffmpeg::Codec) -> Sample {
    let list: Vec<Sample> = codec
        .audio()
        .ok()
        .and_then(|a| a.formats())
        .map(|f| f.collect())
        .unwrap_or_default();
    for want in [
        Sample::F32(SampleType::Planar),
        Sample::F32(SampleType::Packed),
    ] {
        if list.contains(&want) {
            return want;
        }
    }
    list.first()
        .copied()
        .unwrap_or(Sample::F32(SampleType::Packed))
}

/// At most 8 channels.
pub(crate) fn at_most_8(channels: u32, what: &'static str) -> Result<()> {
    if channels > 8 {
        return Err(crate::Error::unsupported(what));
    }
    Ok(())
}

/// The default bitrate of AAC, MP3 and Vorbis: 128 kbit/s for stereo, 64 for mono.
pub(crate) fn lossy_default_bitrate(cfg: &AudioEncoderConfig) -> Option<u64> {
    Some(128_000 * u64::from(cfg.number_of_channels.min(2)) / 2)
}
