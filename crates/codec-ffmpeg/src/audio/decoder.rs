//! The audio decoder backend.

use codec_core::{AudioBuffer, AudioDecoderConfig, AudioSampleFormat, CodecError};
use control_queue::{Backend, Cancel};
use ffmpeg::format::Sample;
use ffmpeg::{frame, Dictionary, Packet};
use ffmpeg_next as ffmpeg;

use super::{kind_of, samples_to_us, Kind};
use crate::{av_error, is_eagain, raw};

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
    extradata: Option<Vec<u8>>,
}

/// The 34-byte STREAMINFO inside a `fLaC` description (or the description itself if bare).
fn flac_streaminfo(d: &[u8]) -> Option<Vec<u8>> {
    if d.len() == 34 {
        return Some(d.to_vec());
    }
    if d.len() >= 42 && d.starts_with(b"fLaC") && d[4] & 0x7F == 0 {
        let len = usize::from(d[5]) << 16 | usize::from(d[6]) << 8 | usize::from(d[7]);
        if len >= 34 {
            return Some(d[8..42].to_vec());
        }
    }
    None
}

/// Whether `d` is an Opus identification header (RFC 7845 §5.1): the `OpusHead` magic,
/// version 0.x, a non-zero channel count, and for a mapping family other than 0 the
/// stream counts and one mapping byte per channel.
fn is_opus_head(d: &[u8]) -> bool {
    if d.len() < 19 || !d.starts_with(b"OpusHead") || d[8] & 0xF0 != 0 || d[9] == 0 {
        return false;
    }
    let channels = usize::from(d[9]);
    match d[18] {
        0 => channels <= 2,
        _ => d.len() >= 21 + channels && d[19] > 0 && d[20] <= d[19],
    }
}

fn plan(cfg: &AudioDecoderConfig) -> Result<Plan, CodecError> {
    cfg.validate()?;
    let kind = kind_of(&cfg.codec)?;
    if i32::try_from(cfg.sample_rate).is_err() || cfg.number_of_channels > 255 {
        return Err(CodecError::not_supported(
            "unsupported sample rate or channel count",
        ));
    }
    let desc = cfg.description.as_deref().filter(|d| !d.is_empty());
    let (names, extradata): (&[&str], Option<Vec<u8>>) = match kind {
        Kind::Opus => {
            if desc.is_none() && cfg.number_of_channels > 2 {
                return Err(CodecError::not_supported(
                    "Opus with more than 2 channels needs a description",
                ));
            }
            if let Some(d) = desc {
                if !is_opus_head(d) {
                    return Err(CodecError::not_supported(
                        "the Opus description is not a valid OpusHead",
                    ));
                }
            }
            (&["opus", "libopus"], desc.map(<[u8]>::to_vec))
        }
        // FFmpeg's aac decoder handles LC, MPEG-2 LC (mp4a.67) and SBR/PS (HE-AAC v1/v2).
        Kind::Aac { .. } | Kind::AacHe => {
            if let Some(d) = desc {
                codec_core::AudioSpecificConfig::parse(d).map_err(|e| {
                    CodecError::not_supported(format!(
                        "invalid AudioSpecificConfig description: {e}"
                    ))
                })?;
            }
            (&["aac"], desc.map(<[u8]>::to_vec))
        }
        // The registration requires a description, but FFmpeg's flac decoder reads every
        // frame header anyway, so a missing one is accepted (Chromium reports FLAC without a
        // description as supported too); a description that is present must be valid.
        Kind::Flac => match desc {
            None => (&["flac"], None),
            Some(d) => {
                let si = flac_streaminfo(d).ok_or_else(|| {
                    CodecError::not_supported("the FLAC description is not valid")
                })?;
                (&["flac"], Some(si))
            }
        },
        Kind::Mp3 => (&["mp3float", "mp3"], None),
        Kind::Vorbis => {
            let d = desc.ok_or_else(|| CodecError::not_supported("Vorbis needs a description"))?;
            (&["vorbis", "libvorbis"], Some(d.to_vec()))
        }
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
        .ok_or_else(|| CodecError::not_supported(format!("no decoder for '{}'", cfg.codec)))?;
    Ok(Plan { codec, extradata })
}

/// Whether `cfg` can be decoded. Pure; callable from any thread.
///
/// # Errors
/// `TypeError` for an invalid config, `NotSupportedError` for an unsupported one.
pub fn audio_decoder_support(cfg: &AudioDecoderConfig) -> Result<(), CodecError> {
    crate::init();
    plan(cfg).map(|_| ())
}

/// Maps a decoded frame to an `AudioBuffer`.
/// The decoded samples of `f` as an [`AudioBuffer`] in FFmpeg's sample format, or interleaved
/// when `interleave` (planar formats only; s64/dbl become f32-planar either way).
fn to_buffer(
    f: &frame::Audio,
    fallback_rate: u32,
    interleave: bool,
) -> Result<AudioBuffer, CodecError> {
    let n = f.samples();
    let ch = usize::from(f.channels());
    if ch == 0 || f.planes() == 0 {
        return Err(CodecError::encoding(
            "decoder produced a frame without channels",
        ));
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
        return Err(CodecError::encoding("decoder produced an incomplete frame"));
    }
    let mut bytes = Vec::with_capacity(plane_len * planes);
    for p in 0..planes {
        let d = f.data(p);
        bytes.extend_from_slice(
            d.get(..plane_len)
                .ok_or_else(|| CodecError::encoding("short frame"))?,
        );
    }
    let out_fmt = match fmt {
        Sample::U8(_) => Some(AudioSampleFormat::U8),
        Sample::I16(_) => Some(AudioSampleFormat::S16),
        Sample::I32(_) => Some(AudioSampleFormat::S32),
        Sample::F32(_) => Some(AudioSampleFormat::F32),
        _ => None,
    };
    if let (Some(o), true, true) = (out_fmt, planar, interleave) {
        let mut inter = vec![0u8; bytes.len()];
        for (c, plane) in bytes.chunks_exact(plane_len).enumerate() {
            for (i, sample) in plane.chunks_exact(bps).enumerate() {
                let at = (i * ch + c) * bps;
                inter[at..at + bps].copy_from_slice(sample);
            }
        }
        return AudioBuffer::from_bytes(o, rate as f32, n as u32, ch as u32, &inter);
    }
    if let Some(o) = out_fmt {
        return AudioBuffer::from_bytes(
            o.with_planar(planar),
            rate as f32,
            n as u32,
            ch as u32,
            &bytes,
        );
    }
    // s64 / dbl → f32-planar.
    let mut out = vec![0u8; n * ch * 4];
    for c in 0..ch {
        for i in 0..n {
            let idx = if planar { c * n + i } else { i * ch + c };
            let b = &bytes[idx * 8..idx * 8 + 8];
            let arr = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
            let v = match fmt {
                Sample::F64(_) => f64::from_le_bytes(arr) as f32,
                _ => (i64::from_le_bytes(arr) as f64 / 9_223_372_036_854_775_808.0) as f32,
            };
            out[(c * n + i) * 4..(c * n + i) * 4 + 4].copy_from_slice(&v.to_le_bytes());
        }
    }
    AudioBuffer::from_bytes(
        AudioSampleFormat::F32Planar,
        rate as f32,
        n as u32,
        ch as u32,
        &out,
    )
}

struct Session {
    dec: ffmpeg::decoder::Audio,
    rate: u32,
    /// Output interleaved samples (Opus: `f32`, as Chromium's Opus decoder gives).
    interleave: bool,
    last_pts: Option<i64>,
    next_ts: Option<i64>,
}

impl Session {
    fn open(cfg: &AudioDecoderConfig) -> Result<Self, CodecError> {
        let p = plan(cfg)?;
        let mut ctx = ffmpeg::codec::Context::new_with_codec(p.codec);
        if let Some(x) = &p.extradata {
            raw::set_extradata(&mut ctx, x).map_err(|e| av_error("cannot set description", e))?;
        }
        let mut dec = ctx.decoder();
        dec.set_packet_time_base(ffmpeg::Rational::new(1, 1_000_000));
        let mut opts = Dictionary::new();
        opts.set("ar", &cfg.sample_rate.to_string());
        opts.set("ac", &cfg.number_of_channels.to_string());
        let dec = dec
            .open_as_with(p.codec, opts)
            .and_then(|o| o.audio())
            .map_err(|e| av_error("cannot open decoder", e))?;
        Ok(Self {
            dec,
            rate: cfg.sample_rate,
            interleave: matches!(kind_of(&cfg.codec)?, Kind::Opus),
            last_pts: None,
            next_ts: None,
        })
    }

    fn send(
        &mut self,
        pkt: Option<&Packet>,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedAudioOutput),
    ) -> Result<(), CodecError> {
        crate::send_draining(
            self,
            pkt.is_none(),
            |s| match pkt {
                Some(p) => s.dec.send_packet(p),
                None => s.dec.send_eof(),
            },
            |s| s.drain(cancel, out),
        )
    }

    fn drain(
        &mut self,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedAudioOutput),
    ) -> Result<usize, CodecError> {
        let mut count = 0;
        loop {
            let mut f = frame::Audio::empty();
            match self.dec.receive_frame(&mut f) {
                Ok(()) => {}
                Err(e) if is_eagain(&e) => return Ok(count),
                Err(ffmpeg::Error::Eof) => return Ok(count),
                Err(e) => return Err(av_error("decoding failed", e)),
            }
            count += 1;
            if f.samples() == 0 {
                continue;
            }
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
    }

    fn decode(
        &mut self,
        input: &AudioDecodeInput,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedAudioOutput),
    ) -> Result<(), CodecError> {
        if input.data.is_empty() {
            return Err(CodecError::encoding("empty chunk"));
        }
        let mut pkt = Packet::copy(&input.data);
        pkt.set_pts(Some(input.timestamp));
        pkt.set_dts(Some(input.timestamp));
        if let Some(d) = input.duration.and_then(|d| i64::try_from(d).ok()) {
            pkt.set_duration(d);
        }
        self.send(Some(&pkt), cancel, out)
    }
}

/// The audio decoder backend run by a `CodecWorker`.
#[derive(Default)]
pub struct AudioDecoderBackend {
    session: Option<Session>,
}

impl Backend for AudioDecoderBackend {
    type Config = AudioDecoderConfig;
    type Input = AudioDecodeInput;
    type Output = DecodedAudioOutput;

    fn configure(
        &mut self,
        config: AudioDecoderConfig,
        out: &mut dyn FnMut(DecodedAudioOutput),
    ) -> Result<(), CodecError> {
        crate::init();
        if let Some(mut s) = self.session.take() {
            let _ = s.send(None, &Cancel::never(), out);
        }
        self.session = Some(Session::open(&config)?);
        Ok(())
    }

    fn process(
        &mut self,
        input: AudioDecodeInput,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedAudioOutput),
    ) -> Result<(), CodecError> {
        if cancel.is_stale() {
            return Ok(());
        }
        let Some(s) = self.session.as_mut() else {
            return Err(CodecError::invalid_state("decoder is not configured"));
        };
        let r = s.decode(&input, cancel, out);
        if r.is_err() {
            self.session = None;
        }
        r
    }

    fn flush(
        &mut self,
        cancel: &Cancel,
        out: &mut dyn FnMut(DecodedAudioOutput),
    ) -> Result<(), CodecError> {
        let Some(s) = self.session.as_mut() else {
            return Ok(());
        };
        let r = s.send(None, cancel, out);
        if r.is_err() {
            self.session = None;
            return r;
        }
        s.dec.flush();
        s.last_pts = None;
        s.next_ts = None;
        Ok(())
    }

    fn reset(&mut self) {
        self.session = None;
    }
}
