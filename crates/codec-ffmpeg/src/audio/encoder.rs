//! The audio encoder backend: FIFO-buffered input, one chunk per codec frame.

use std::collections::VecDeque;
use std::sync::Arc;

use codec_core::{
    AudioBuffer, AudioCopy, AudioDecoderConfig, AudioEncoderConfig, AudioSampleFormat, BitrateMode,
    CodecError, OutputConfigTracker,
};
use control_queue::{Backend, Cancel};
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::format::Sample;
use ffmpeg::{codec, frame, ChannelLayout, Dictionary, Packet};
use ffmpeg_next as ffmpeg;

use super::{kind_of, samples_to_us, Kind, AAC_RATES};
use crate::{av_error, is_eagain, raw};

/// One `AudioData` to encode.
#[derive(Debug, Clone)]
pub struct AudioEncodeInput {
    /// The samples.
    pub data: Arc<AudioBuffer>,
    /// Timestamp in µs.
    pub timestamp: i64,
}

/// One encoded chunk (always a key chunk).
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedAudioOutput {
    /// Chunk bytes.
    pub data: Vec<u8>,
    /// Timestamp in µs.
    pub timestamp: i64,
    /// Duration in µs.
    pub duration: Option<u64>,
    /// `decoderConfig` metadata, on the first chunk and whenever it changes.
    pub decoder_config: Option<AudioDecoderConfig>,
}

struct Plan {
    kind: Kind,
    codec: ffmpeg::Codec,
}

fn plan(cfg: &AudioEncoderConfig) -> Result<Plan, CodecError> {
    cfg.validate()?;
    let kind = kind_of(&cfg.codec)?;
    let ch = cfg.number_of_channels;
    let rate = cfg.sample_rate;
    let name = match kind {
        Kind::Opus => {
            if ![8000, 12000, 16000, 24000, 48000].contains(&rate) {
                return Err(CodecError::not_supported(
                    "Opus encoding needs 8, 12, 16, 24 or 48 kHz",
                ));
            }
            if ch > 2 {
                return Err(CodecError::not_supported(
                    "Opus encoding supports 1 or 2 channels",
                ));
            }
            "libopus"
        }
        Kind::Aac => {
            if !AAC_RATES.contains(&rate) {
                return Err(CodecError::not_supported("unsupported AAC sample rate"));
            }
            if !(1..=6).contains(&ch) && ch != 8 {
                return Err(CodecError::not_supported("unsupported AAC channel count"));
            }
            "aac"
        }
        Kind::Flac => {
            if ch > 8 || rate > 655_350 {
                return Err(CodecError::not_supported("unsupported FLAC configuration"));
            }
            "flac"
        }
        Kind::Mp3 => {
            if ch > 2
                || ![8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000].contains(&rate)
            {
                return Err(CodecError::not_supported("unsupported MP3 configuration"));
            }
            "libmp3lame"
        }
        Kind::Vorbis => {
            if ch > 8 {
                return Err(CodecError::not_supported(
                    "unsupported Vorbis channel count",
                ));
            }
            "libvorbis"
        }
        Kind::Pcm(n) => {
            if ch > 8 {
                return Err(CodecError::not_supported(
                    "PCM encoding supports up to 8 channels",
                ));
            }
            n
        }
    };
    if i32::try_from(rate).is_err() || i32::try_from(ch).is_err() {
        return Err(CodecError::not_supported(
            "unsupported sample rate or channel count",
        ));
    }
    let codec = ffmpeg::encoder::find_by_name(name)
        .ok_or_else(|| CodecError::not_supported(format!("encoder {name} is not available")))?;
    Ok(Plan { kind, codec })
}

/// Whether `cfg` can be encoded. Pure; callable from any thread.
///
/// # Errors
/// `TypeError` for an invalid config, `NotSupportedError` for an unsupported one.
pub fn audio_encoder_support(cfg: &AudioEncoderConfig) -> Result<(), CodecError> {
    crate::init();
    plan(cfg).map(|_| ())
}

fn pick_format(codec: &ffmpeg::Codec) -> Sample {
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

/// Writes `v` (nominal -1..1) as one sample of `fmt`.
fn write_sample(fmt: Sample, v: f32, out: &mut [u8]) {
    match fmt {
        Sample::U8(_) => out[0] = (v * 128.0 + 128.0).round().clamp(0.0, 255.0) as u8,
        Sample::I16(_) => out[..2].copy_from_slice(
            &((v * 32768.0).round().clamp(-32768.0, 32767.0) as i16).to_le_bytes(),
        ),
        Sample::I32(_) => out[..4].copy_from_slice(
            &((f64::from(v) * 2_147_483_648.0)
                .round()
                .clamp(-2_147_483_648.0, 2_147_483_647.0) as i32)
                .to_le_bytes(),
        ),
        Sample::I64(_) => out[..8]
            .copy_from_slice(&((f64::from(v) * 9_223_372_036_854_775_808.0) as i64).to_le_bytes()),
        Sample::F64(_) => out[..8].copy_from_slice(&f64::from(v).to_le_bytes()),
        _ => out[..4].copy_from_slice(&v.to_le_bytes()),
    }
}

/// The 7-byte ADTS header for an AAC-LC raw frame of `len` bytes.
fn adts_header(rate: u32, channels: u32, len: usize) -> [u8; 7] {
    let sf = AAC_RATES.iter().position(|r| *r == rate).unwrap_or(4) as u8;
    let ch = (if channels == 8 { 7 } else { channels }) as u8;
    let full = (len + 7) as u32;
    let profile = 1u8; // AAC LC (object type 2) - 1
    [
        0xFF,
        0xF1,
        (profile << 6) | (sf << 2) | ((ch >> 2) & 1),
        ((ch & 3) << 6) | ((full >> 11) & 3) as u8,
        ((full >> 3) & 0xFF) as u8,
        (((full & 7) << 5) as u8) | 0x1F,
        0xFC,
    ]
}

struct Session {
    kind: Kind,
    cfg: AudioEncoderConfig,
    enc: ffmpeg::encoder::Audio,
    fmt: Sample,
    layout: ChannelLayout,
    /// Samples per frame (0 = any).
    frame_size: usize,
    small_last: bool,
    description: Option<Vec<u8>>,
    /// One f32 queue per channel.
    fifo: Vec<VecDeque<f32>>,
    /// Samples pushed into the FIFO so far.
    in_samples: i64,
    /// Samples sent to the encoder so far (frame pts).
    sent_samples: i64,
    /// Samples covered by emitted chunks.
    out_samples: i64,
    /// (first sample, timestamp) of each contiguous run of input.
    segments: VecDeque<(i64, i64)>,
}

impl Session {
    fn open(cfg: &AudioEncoderConfig) -> Result<Self, CodecError> {
        let p = plan(cfg)?;
        let rate = cfg.sample_rate as i32;
        let channels = cfg.number_of_channels as i32;
        let fmt = pick_format(&p.codec);
        let layout = ChannelLayout::default(channels);
        let mut ctx = codec::Context::new_with_codec(p.codec);
        if p.kind == Kind::Aac && !cfg.aac_adts || p.kind == Kind::Vorbis {
            ctx.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut enc = ctx
            .encoder()
            .audio()
            .map_err(|e| av_error("cannot create encoder", e))?;
        enc.set_rate(rate);
        enc.set_channel_layout(layout);
        enc.set_channels(channels);
        enc.set_format(fmt);
        enc.set_time_base(ffmpeg::Rational::new(1, rate));
        let mut opts = Dictionary::new();
        let default_bitrate = match p.kind {
            Kind::Aac | Kind::Mp3 | Kind::Vorbis => {
                Some(128_000 * u64::from(cfg.number_of_channels.min(2)) / 2)
            }
            _ => None,
        };
        if let Some(b) = cfg.bitrate.or(default_bitrate) {
            enc.set_bit_rate(usize::try_from(b).unwrap_or(usize::MAX));
        }
        match p.kind {
            Kind::Opus => {
                let o = cfg.opus.clone().unwrap_or_default();
                let dur = o.frame_duration.unwrap_or(20_000);
                opts.set("frame_duration", &format!("{}", dur as f64 / 1000.0));
                if let Some(c) = o.complexity {
                    opts.set("compression_level", &c.to_string());
                }
                if let Some(pl) = o.packetlossperc {
                    opts.set("packet_loss", &pl.to_string());
                }
                if o.useinbandfec {
                    opts.set("fec", "1");
                }
                if o.usedtx {
                    opts.set("dtx", "1");
                }
                if cfg.bitrate_mode == BitrateMode::Constant {
                    opts.set("vbr", "off");
                }
            }
            Kind::Flac => {
                if let Some(b) = cfg.flac_block_size.filter(|b| *b != 0) {
                    opts.set("frame_size", &b.to_string());
                }
                if let Some(c) = cfg.flac_compress_level {
                    opts.set("compression_level", &c.to_string());
                }
            }
            Kind::Mp3 if cfg.bitrate_mode == BitrateMode::Constant => {
                opts.set("abr", "0");
            }
            _ => {}
        }
        let enc = enc
            .open_as_with(p.codec, opts)
            .map_err(|e| CodecError::not_supported(format!("cannot open encoder: {e}")))?;
        let extradata = raw::extradata(&enc);
        let description = match p.kind {
            Kind::Opus if cfg.opus.as_ref().is_some_and(|o| o.format_ogg) => {
                if extradata.len() >= 19 && extradata.starts_with(b"OpusHead") {
                    Some(extradata[..19].to_vec())
                } else {
                    let mut h = b"OpusHead".to_vec();
                    h.push(1);
                    h.push(cfg.number_of_channels as u8);
                    h.extend_from_slice(&312u16.to_le_bytes());
                    h.extend_from_slice(&cfg.sample_rate.to_le_bytes());
                    h.extend_from_slice(&[0, 0, 0]);
                    Some(h)
                }
            }
            Kind::Aac if !cfg.aac_adts => Some(extradata),
            Kind::Vorbis => Some(extradata),
            Kind::Flac => {
                if extradata.len() < 34 {
                    return Err(CodecError::encoding("FLAC encoder gave no STREAMINFO"));
                }
                let mut d = b"fLaC".to_vec();
                d.extend_from_slice(&[0x80, 0, 0, 34]);
                d.extend_from_slice(&extradata[..34]);
                Some(d)
            }
            _ => None,
        };
        let caps = p.codec.capabilities();
        let small_last = caps.contains(codec::capabilities::Capabilities::VARIABLE_FRAME_SIZE)
            || caps.contains(codec::capabilities::Capabilities::SMALL_LAST_FRAME);
        let frame_size = enc.frame_size() as usize;
        Ok(Self {
            kind: p.kind,
            cfg: cfg.clone(),
            enc,
            fmt,
            layout,
            frame_size,
            small_last,
            description,
            fifo: vec![VecDeque::new(); cfg.number_of_channels as usize],
            in_samples: 0,
            sent_samples: 0,
            out_samples: 0,
            segments: VecDeque::new(),
        })
    }

    fn ts_at(&mut self, sample: i64) -> i64 {
        while self.segments.len() > 1 && self.segments[1].0 <= sample {
            self.segments.pop_front();
        }
        match self.segments.front() {
            Some(&(s0, t0)) => t0 + samples_to_us(sample - s0, self.cfg.sample_rate),
            None => 0,
        }
    }

    fn push(&mut self, input: &AudioEncodeInput) -> Result<(), CodecError> {
        let b = &input.data;
        if b.channels() != self.cfg.number_of_channels {
            return Err(CodecError::encoding(
                "AudioData channel count differs from the configuration",
            ));
        }
        if (b.sample_rate() - self.cfg.sample_rate as f32).abs() > 0.5 {
            return Err(CodecError::encoding(
                "AudioData sample rate differs from the configuration",
            ));
        }
        // Restart the timestamp base on the first input and on gaps.
        let expected = self
            .segments
            .back()
            .map(|&(s0, t0)| t0 + samples_to_us(self.in_samples - s0, self.cfg.sample_rate));
        let tolerance = samples_to_us(1, self.cfg.sample_rate) + 1;
        if expected.map_or(true, |e| (input.timestamp - e).abs() > tolerance) {
            self.segments.push_back((self.in_samples, input.timestamp));
        }
        let frames = b.frames() as usize;
        let mut plane = vec![0u8; frames * 4];
        for ch in 0..b.channels() {
            let o = AudioCopy {
                plane_index: ch,
                frame_offset: 0,
                frame_count: None,
                format: Some(AudioSampleFormat::F32Planar),
            };
            b.copy_to(&mut plane, &o)?;
            let q = &mut self.fifo[ch as usize];
            q.extend(
                plane
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
        self.in_samples += frames as i64;
        Ok(())
    }

    /// Sends `n` samples from the FIFO (zero-padded to `pad_to`).
    fn send_frame(
        &mut self,
        n: usize,
        pad_to: usize,
        out: &mut dyn FnMut(EncodedAudioOutput),
        tracker: &mut OutputConfigTracker<AudioDecoderConfig>,
    ) -> Result<(), CodecError> {
        let total = pad_to.max(n);
        let mut f = frame::Audio::new(self.fmt, total, self.layout);
        f.set_rate(self.cfg.sample_rate);
        f.set_pts(Some(self.sent_samples));
        let bps = self.fmt.bytes();
        let channels = self.fifo.len();
        let planar = self.fmt.is_planar();
        if f.planes() < if planar { channels } else { 1 } {
            return Err(CodecError::encoding("cannot allocate an audio frame"));
        }
        for (ch, q) in self.fifo.iter_mut().enumerate() {
            let (plane, stride, off) = if planar {
                (ch, 1, 0)
            } else {
                (0, channels, ch)
            };
            let data = f.data_mut(plane);
            for i in 0..total {
                let v = if i < n {
                    q.pop_front().unwrap_or(0.0)
                } else {
                    0.0
                };
                let at = (i * stride + off) * bps;
                write_sample(self.fmt, v, &mut data[at..at + bps]);
            }
        }
        self.sent_samples += total as i64;
        loop {
            match self.enc.send_frame(&f) {
                Ok(()) => break,
                Err(e) if is_eagain(&e) => {
                    if self.drain(out, tracker)? == 0 {
                        return Err(av_error("encoder refuses input and has no output", e));
                    }
                }
                Err(e) => return Err(av_error("encoding failed", e)),
            }
        }
        self.drain(out, tracker)?;
        Ok(())
    }

    fn encode_ready(
        &mut self,
        out: &mut dyn FnMut(EncodedAudioOutput),
        tracker: &mut OutputConfigTracker<AudioDecoderConfig>,
    ) -> Result<(), CodecError> {
        loop {
            let have = self.fifo.first().map_or(0, VecDeque::len);
            if have == 0 {
                return Ok(());
            }
            if self.frame_size == 0 {
                let n = have.min(4096);
                self.send_frame(n, n, out, tracker)?;
            } else if have >= self.frame_size {
                self.send_frame(self.frame_size, self.frame_size, out, tracker)?;
            } else {
                return Ok(());
            }
        }
    }

    fn drain(
        &mut self,
        out: &mut dyn FnMut(EncodedAudioOutput),
        tracker: &mut OutputConfigTracker<AudioDecoderConfig>,
    ) -> Result<usize, CodecError> {
        let mut n = 0;
        loop {
            let mut pkt = Packet::empty();
            match self.enc.receive_packet(&mut pkt) {
                Ok(()) => {}
                Err(e) if is_eagain(&e) => return Ok(n),
                Err(ffmpeg::Error::Eof) => return Ok(n),
                Err(e) => return Err(av_error("encoding failed", e)),
            }
            n += 1;
            let Some(bytes) = pkt.data().filter(|d| !d.is_empty()) else {
                continue; // e.g. FLAC's final STREAMINFO-update packet
            };
            let samples = if pkt.duration() > 0 {
                pkt.duration()
            } else if self.frame_size > 0 {
                self.frame_size as i64
            } else {
                let bps = (bytes.len() / self.fifo.len().max(1)).max(1);
                bps as i64
            };
            let data = if self.kind == Kind::Aac && self.cfg.aac_adts {
                let mut d = adts_header(
                    self.cfg.sample_rate,
                    self.cfg.number_of_channels,
                    bytes.len(),
                )
                .to_vec();
                d.extend_from_slice(bytes);
                d
            } else {
                bytes.to_vec()
            };
            let start = self.out_samples;
            let timestamp = self.ts_at(start);
            self.out_samples += samples;
            let duration = Some(samples_to_us(samples, self.cfg.sample_rate).max(0) as u64);
            let dc = AudioDecoderConfig {
                codec: self.cfg.codec.clone(),
                sample_rate: self.cfg.sample_rate,
                number_of_channels: self.cfg.number_of_channels,
                description: self.description.clone(),
            };
            out(EncodedAudioOutput {
                data,
                timestamp,
                duration,
                decoder_config: tracker.update(&dc),
            });
        }
    }

    fn finish(
        &mut self,
        out: &mut dyn FnMut(EncodedAudioOutput),
        tracker: &mut OutputConfigTracker<AudioDecoderConfig>,
    ) -> Result<(), CodecError> {
        self.encode_ready(out, tracker)?;
        let have = self.fifo.first().map_or(0, VecDeque::len);
        if have > 0 {
            let pad = if self.small_last {
                have
            } else {
                self.frame_size
            };
            self.send_frame(have, pad, out, tracker)?;
        }
        match self.enc.send_eof() {
            Ok(()) | Err(ffmpeg::Error::Eof) => {}
            Err(e) => return Err(av_error("encoder flush failed", e)),
        }
        self.drain(out, tracker)?;
        Ok(())
    }
}

/// The audio encoder backend run by a `CodecWorker`.
#[derive(Default)]
pub struct AudioEncoderBackend {
    session: Option<Session>,
    tracker: OutputConfigTracker<AudioDecoderConfig>,
}

impl Backend for AudioEncoderBackend {
    type Config = AudioEncoderConfig;
    type Input = AudioEncodeInput;
    type Output = EncodedAudioOutput;

    fn configure(
        &mut self,
        config: AudioEncoderConfig,
        out: &mut dyn FnMut(EncodedAudioOutput),
    ) -> Result<(), CodecError> {
        crate::init();
        if let Some(mut s) = self.session.take() {
            let _ = s.finish(out, &mut self.tracker);
        }
        self.tracker.clear();
        self.session = Some(Session::open(&config)?);
        Ok(())
    }

    fn process(
        &mut self,
        input: AudioEncodeInput,
        cancel: &Cancel,
        out: &mut dyn FnMut(EncodedAudioOutput),
    ) -> Result<(), CodecError> {
        if cancel.is_stale() {
            return Ok(());
        }
        let Some(s) = self.session.as_mut() else {
            return Err(CodecError::invalid_state("encoder is not configured"));
        };
        let r = s
            .push(&input)
            .and_then(|()| s.encode_ready(out, &mut self.tracker));
        if r.is_err() {
            self.session = None;
        }
        r
    }

    fn flush(
        &mut self,
        _cancel: &Cancel,
        out: &mut dyn FnMut(EncodedAudioOutput),
    ) -> Result<(), CodecError> {
        let Some(mut s) = self.session.take() else {
            return Ok(());
        };
        s.finish(out, &mut self.tracker)?;
        self.session = Some(Session::open(&s.cfg)?);
        Ok(())
    }

    fn reset(&mut self) {
        self.session = None;
        self.tracker.clear();
    }
}
