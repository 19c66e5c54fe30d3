//! The audio decoder session: FFmpeg's audio decoders behind [`DecoderBackend`].

use codec_core::audio_convert::map_samples;
use codec_core::{AudioBuffer, AudioDecoderConfig, AudioSampleFormat};
use control_queue::Cancel;
use ffmpeg::format::Sample;
use ffmpeg::{frame, Dictionary, Packet};
use ffmpeg_next as ffmpeg;
use media_parse::audio::{aac::AudioSpecificConfig, flac, opus::OpusHead};

use super::{kind_of, samples_to_us, Kind};
use crate::decoder::{receive, DecodeSession, DecoderBackend};
use crate::{raw, Error, Result};

/// One encoded audio chunk to decode.
#[derive(Debug, Clone)]
pub struct AudioDecodeInput {
    /// Chunk bytes.
    pub data: Vec<u8>,
    /// Timestamp in µs.
    pub timestamp: i64,
    /// Duration in µs.
    pub duration: Option<u64>,
}

/// One decoded `AudioData`.
#[derive(Debug, Clone)]
pub struct DecodedAudioOutput {
    /// The samples.
    pub data: AudioBuffer,
    /// Timestamp in µs.
    pub timestamp: i64,
}

struct Plan {
    codec: ffmpeg::Codec,
    kind: Kind,
    extradata: Option<Vec<u8>>,
}

/// What decoding `cfg` takes: the FFmpeg decoder and its extradata. A Vorbis config without a
/// description is supported here (clients probe before they have one, and Chromium answers
/// yes) but cannot open ([`Session::open`]).
fn plan(cfg: &AudioDecoderConfig) -> Result<Plan> {
    cfg.validate()?;
    let kind = kind_of(&cfg.codec)?;
    if i32::try_from(cfg.sample_rate).is_err() || cfg.number_of_channels > 255 {
        return Err(Error::unsupported(
            "unsupported sample rate or channel count",
        ));
    }
    let desc = cfg.description.as_deref().filter(|d| !d.is_empty());
    let (names, extradata): (&[&str], Option<Vec<u8>>) = match kind {
        Kind::Opus => {
            match desc {
                // An Opus stream without an OpusHead is mono or stereo (mapping family 0): a
                // decoder cannot know how the streams of more channels are coupled.
                None if cfg.number_of_channels > 2 => {
                    return Err(Error::unsupported(
                        "Opus with more than 2 channels needs a description",
                    ))
                }
                Some(d) => {
                    OpusHead::parse(d).map_err(|e| {
                        Error::unsupported(format!(
                            "the Opus description is not a valid OpusHead: {e}"
                        ))
                    })?;
                }
                None => {}
            }
            (&["opus", "libopus"], desc.map(<[u8]>::to_vec))
        }
        // FFmpeg's aac decoder handles LC, MPEG-2 LC (mp4a.67) and SBR/PS (HE-AAC v1/v2).
        Kind::Aac { .. } | Kind::AacHe => {
            if let Some(d) = desc {
                AudioSpecificConfig::parse(d).map_err(|e| {
                    Error::unsupported(format!("invalid AudioSpecificConfig description: {e}"))
                })?;
            }
            (&["aac"], desc.map(<[u8]>::to_vec))
        }
        // The FLAC registration requires the description (the stream's STREAMINFO).
        Kind::Flac => {
            let d = desc.ok_or_else(|| Error::unsupported("FLAC needs a description"))?;
            let si = flac::streaminfo(d).map_err(|e| {
                Error::unsupported(format!("the FLAC description is not valid: {e}"))
            })?;
            (&["flac"], Some(si.to_vec()))
        }
        Kind::Mp3 => (&["mp3float", "mp3"], None),
        Kind::Vorbis => (&["vorbis", "libvorbis"], desc.map(<[u8]>::to_vec)),
        Kind::Pcm(n) => match n {
            "pcm_u8" => (&["pcm_u8"], None),
            "pcm_s16le" => (&["pcm_s16le"], None),
            "pcm_s24le" => (&["pcm_s24le"], None),
            "pcm_s32le" => (&["pcm_s32le"], None),
            "pcm_f32le" => (&["pcm_f32le"], None),
            "pcm_mulaw" => (&["pcm_mulaw"], None),
            _ => (&["pcm_alaw"], None),
        },
    };
    let codec = names
        .iter()
        .find_map(|n| ffmpeg::decoder::find_by_name(n))
        .ok_or_else(|| Error::unsupported(format!("no decoder for '{}'", cfg.codec)))?;
    Ok(Plan {
        codec,
        kind,
        extradata,
    })
}

/// Whether `cfg` can be decoded (`AudioDecoder.isConfigSupported`). Pure; callable from any
/// thread.
///
/// # Errors
/// A spec `TypeError` for an invalid config, [`Error::Unsupported`] (`NotSupportedError`) for
/// an unsupported one (an unknown codec, Opus above two channels or FLAC without a
/// description, a description that is not valid for its codec).
pub fn audio_decoder_support(cfg: &AudioDecoderConfig) -> Result<()> {
    crate::init();
    plan(cfg).map(|_| ())
}

/// The decoded samples of `f` as an [`AudioBuffer`] in FFmpeg's sample format, or interleaved
/// when `interleave` (planar formats only; s64/dbl become f32-planar either way). The samples
/// are copied once, from the frame's planes into the buffer the `AudioData` keeps.
fn to_buffer(f: &frame::Audio, fallback_rate: u32, interleave: bool) -> Result<AudioBuffer> {
    let n = f.samples();
    let ch = usize::from(f.channels());
    if ch == 0 || f.planes() == 0 {
        return Err(Error::internal("decoder produced a frame without channels"));
    }
    let rate = if f.rate() > 0 {
        f.rate()
    } else {
        fallback_rate
    };
    let fmt = f.format();
    let planar = fmt.is_planar();
    let bps = fmt.bytes();
    let plane_len = if planar { n * bps } else { n * ch * bps };
    let planes = if planar { ch } else { 1 };
    if f.planes() < planes {
        return Err(Error::internal("decoder produced an incomplete frame"));
    }
    let plane = |p: usize| {
        f.data(p)
            .get(..plane_len)
            .ok_or_else(|| Error::internal("decoder produced a short frame"))
    };
    let buffer = |format, data| {
        AudioBuffer::from_vec(format, rate as f32, n as u32, ch as u32, data).map_err(Error::from)
    };
    let out_fmt = match fmt {
        Sample::U8(_) => Some(AudioSampleFormat::U8),
        Sample::I16(_) => Some(AudioSampleFormat::S16),
        Sample::I32(_) => Some(AudioSampleFormat::S32),
        Sample::F32(_) => Some(AudioSampleFormat::F32),
        _ => None,
    };
    if let (Some(o), true, true) = (out_fmt, planar, interleave) {
        let mut inter = vec![0u8; plane_len * ch];
        for c in 0..ch {
            let (src, dst) = ((0, 1), (c, ch));
            match bps {
                1 => map_samples::<1, 1>(plane(c)?, src, &mut inter, dst, n, |b| b),
                2 => map_samples::<2, 2>(plane(c)?, src, &mut inter, dst, n, |b| b),
                _ => map_samples::<4, 4>(plane(c)?, src, &mut inter, dst, n, |b| b),
            }
        }
        return buffer(o, inter);
    }
    if let Some(o) = out_fmt {
        let mut bytes = Vec::with_capacity(plane_len * planes);
        for p in 0..planes {
            bytes.extend_from_slice(plane(p)?);
        }
        return buffer(o.with_planar(planar), bytes);
    }
    // s64 / dbl → f32-planar.
    let mut out = vec![0u8; n * ch * 4];
    for c in 0..ch {
        let (src, at) = if planar {
            (plane(c)?, (0, 1))
        } else {
            (plane(0)?, (c, ch))
        };
        let dst = (c * n, 1);
        match fmt {
            Sample::F64(_) => map_samples::<8, 4>(src, at, &mut out, dst, n, |b| {
                (f64::from_le_bytes(b) as f32).to_le_bytes()
            }),
            _ => map_samples::<8, 4>(src, at, &mut out, dst, n, |b| {
                ((i64::from_le_bytes(b) as f64 / 9_223_372_036_854_775_808.0) as f32).to_le_bytes()
            }),
        }
    }
    buffer(AudioSampleFormat::F32Planar, out)
}

/// An open audio decoder.
pub struct Session {
    dec: ffmpeg::decoder::Audio,
    rate: u32,
    /// Output interleaved samples (Opus: `f32`, as Chromium's Opus decoder gives).
    interleave: bool,
    last_pts: Option<i64>,
    next_ts: Option<i64>,
}

/// The audio decoder backend run by a `CodecWorker`.
pub type AudioDecoderBackend = DecoderBackend<Session>;

impl DecodeSession for Session {
    type Config = AudioDecoderConfig;
    type Input = AudioDecodeInput;
    type Output = DecodedAudioOutput;
    type Shared = ();

    fn open(cfg: &AudioDecoderConfig) -> Result<Self> {
        let p = plan(cfg)?;
        if p.kind == Kind::Vorbis && p.extradata.is_none() {
            // Supported as a config (isConfigSupported), but FFmpeg's Vorbis decoder cannot
            // start without the identification and setup headers.
            return Err(Error::unsupported("Vorbis needs a description to decode"));
        }
        let mut ctx = ffmpeg::codec::Context::new_with_codec(p.codec);
        if let Some(x) = &p.extradata {
            raw::set_extradata(&mut ctx, x)
                .map_err(|e| Error::ffmpeg("cannot set description", e))?;
        }
        // No packet time base: FFmpeg then leaves frame timestamps at their packet's, instead
        // of moving the first one forward by the Opus pre-skip it discards. An output keeps
        // the timestamp of the chunk it came from.
        let mut opts = Dictionary::new();
        opts.set("ar", &cfg.sample_rate.to_string());
        opts.set("ac", &cfg.number_of_channels.to_string());
        let dec = ctx
            .decoder()
            .open_as_with(p.codec, opts)
            .and_then(|o| o.audio())
            .map_err(|e| Error::ffmpeg("cannot open decoder", e))?;
        Ok(Self {
            dec,
            rate: cfg.sample_rate,
            interleave: p.kind == Kind::Opus,
            last_pts: None,
            next_ts: None,
        })
    }

    fn packet(&mut self, input: &AudioDecodeInput) -> Result<Packet> {
        if input.data.is_empty() {
            return Err(Error::malformed("empty chunk"));
        }
        let mut pkt = Packet::copy(&input.data);
        pkt.set_pts(Some(input.timestamp));
        pkt.set_dts(Some(input.timestamp));
        if let Some(d) = input.duration.and_then(|d| i64::try_from(d).ok()) {
            pkt.set_duration(d);
        }
        Ok(pkt)
    }

    fn decoder(&mut self) -> &mut ffmpeg::codec::decoder::Opened {
        &mut self.dec
    }

    fn drain(
        &mut self,
        _: &mut (),
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedAudioOutput),
    ) -> Result<usize> {
        let mut count = 0;
        let mut f = frame::Audio::empty();
        while receive(&mut self.dec, &mut f)? {
            count += 1;
            if f.samples() == 0 {
                continue;
            }
            // A packet's first frame carries its chunk's timestamp; further frames of the same
            // packet continue from the previous one.
            let pts = f.pts();
            let timestamp = match (pts, self.next_ts) {
                (Some(p), _) if pts != self.last_pts => p,
                (_, Some(t)) => t,
                (p, None) => p.unwrap_or(0),
            };
            if pts.is_some() {
                self.last_pts = pts;
            }
            let data = to_buffer(&f, self.rate, self.interleave)?;
            let rate = data.sample_rate() as u32;
            self.next_ts = Some(timestamp + samples_to_us(f.samples() as i64, rate));
            if cancel.is_stale() {
                continue;
            }
            out(DecodedAudioOutput { data, timestamp });
        }
        Ok(count)
    }

    fn after_flush(&mut self) {
        self.last_pts = None;
        self.next_ts = None;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use ffmpeg::format::sample::Type;
    use ffmpeg::ChannelLayout;

    /// A frame of `fmt` with 3 samples per channel, stereo, sample `i` of channel `c` from
    /// `value(c, i)` as little-endian bytes.
    fn frame_of<const N: usize>(
        fmt: Sample,
        value: impl Fn(usize, usize) -> [u8; N],
    ) -> frame::Audio {
        crate::init();
        let mut f = frame::Audio::new(fmt, 3, ChannelLayout::STEREO);
        f.set_rate(48000);
        for c in 0..2 {
            for i in 0..3 {
                let (plane, at) = match fmt.is_planar() {
                    true => (c, i),
                    false => (0, i * 2 + c),
                };
                f.data_mut(plane)[at * N..at * N + N].copy_from_slice(&value(c, i));
            }
        }
        f
    }

    fn value(c: usize, i: usize) -> f32 {
        (c * 10 + i) as f32 / 64.0 - 0.25
    }

    #[test]
    fn planar_output_is_interleaved_when_asked() {
        let f = frame_of(Sample::F32(Type::Planar), |c, i| value(c, i).to_le_bytes());
        let b = to_buffer(&f, 48000, true).unwrap();
        assert_eq!(b.format(), AudioSampleFormat::F32);
        let want: Vec<u8> = (0..3)
            .flat_map(|i| (0..2).map(move |c| value(c, i)))
            .flat_map(f32::to_le_bytes)
            .collect();
        assert_eq!(b.bytes(), &want[..]);
        let f = frame_of(Sample::I16(Type::Planar), |c, i| {
            ((c * 10 + i) as i16 - 7).to_le_bytes()
        });
        let b = to_buffer(&f, 48000, true).unwrap();
        assert_eq!(b.format(), AudioSampleFormat::S16);
        let want: Vec<u8> = (0..3)
            .flat_map(|i| (0..2).map(move |c| (c * 10 + i) as i16 - 7))
            .flat_map(i16::to_le_bytes)
            .collect();
        assert_eq!(b.bytes(), &want[..]);
    }

    #[test]
    fn double_and_s64_become_f32_planar() {
        let planes: Vec<u8> = (0..2)
            .flat_map(|c| (0..3).map(move |i| value(c, i)))
            .flat_map(f32::to_le_bytes)
            .collect();
        for fmt in [Sample::F64(Type::Planar), Sample::F64(Type::Packed)] {
            let f = frame_of(fmt, |c, i| f64::from(value(c, i)).to_le_bytes());
            let b = to_buffer(&f, 48000, false).unwrap();
            assert_eq!(b.format(), AudioSampleFormat::F32Planar);
            assert_eq!(b.bytes(), &planes[..], "{fmt:?}");
        }
        for fmt in [Sample::I64(Type::Planar), Sample::I64(Type::Packed)] {
            let f = frame_of(fmt, |c, i| {
                ((f64::from(value(c, i)) * 9_223_372_036_854_775_808.0) as i64).to_le_bytes()
            });
            let b = to_buffer(&f, 48000, false).unwrap();
            assert_eq!(b.bytes(), &planes[..], "{fmt:?}");
        }
    }
}
