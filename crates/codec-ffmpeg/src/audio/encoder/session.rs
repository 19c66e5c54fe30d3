//! One open audio encoder: input converted to f32 and queued per channel (resampled where the
//! encoder runs at another rate), sent in frames of the encoder's size, and its packets turned
//! into chunks by the profile, timestamped on the input timeline.

use std::collections::VecDeque;

use codec_core::{
    AudioCopy, AudioDecoderConfig, AudioEncoderConfig, AudioSampleFormat, OutputConfigTracker,
};
use ffmpeg::format::sample::Type as SampleType;
use ffmpeg::format::Sample;
use ffmpeg::software::resampling;
use ffmpeg::{codec, frame, ChannelLayout, Dictionary, Packet};
use ffmpeg_next as ffmpeg;

use super::profile::{self, AudioProfile, Packets};
use super::timeline::Timeline;
use super::{AudioEncodeInput, EncodedAudioOutput};
use crate::audio::{kind_of, MAX_RATE, MIN_RATE};
use crate::{is_eagain, raw, Error, Result};

/// The shared checks of a valid `cfg`, then the profile's: the profile, the rate its encoder
/// runs at and the FFmpeg encoder.
pub(crate) fn plan(
    cfg: &AudioEncoderConfig,
) -> Result<(Box<dyn AudioProfile>, u32, ffmpeg::Codec)> {
    let kind = kind_of(&cfg.codec)?;
    let rate = cfg.sample_rate;
    if !(MIN_RATE..=MAX_RATE).contains(&rate) {
        return Err(Error::unsupported(format!(
            "sample rate {rate} is outside {MIN_RATE}..={MAX_RATE}"
        )));
    }
    let profile = profile::of(kind);
    let plan = profile.plan(cfg)?;
    let name = plan.encoder;
    let codec = ffmpeg::encoder::find_by_name(name)
        .ok_or_else(|| Error::unsupported(format!("encoder {name} is not available")))?;
    Ok((profile, plan.enc_rate, codec))
}

/// Writes `v` (nominal -1..1) as one sample of `fmt`; `bits24` rounds s32 samples to the
/// 24-bit grid (FLAC at 24 bits reads the top 24 bits of each s32).
fn write_sample(fmt: Sample, bits24: bool, v: f32, out: &mut [u8]) {
    match fmt {
        Sample::I32(_) if bits24 => out[..4].copy_from_slice(
            &(((f64::from(v) * 8_388_608.0)
                .round()
                .clamp(-8_388_608.0, 8_388_607.0) as i32)
                << 8)
                .to_le_bytes(),
        ),
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

/// One opened audio encoder.
pub(crate) struct Session {
    profile: Box<dyn AudioProfile>,
    cfg: AudioEncoderConfig,
    enc: ffmpeg::encoder::Audio,
    fmt: Sample,
    layout: ChannelLayout,
    /// The encoder's rate (the configured rate unless resampling).
    enc_rate: u32,
    /// A stream deeper than 16 bits (FLAC at 24 bits).
    deep: bool,
    /// configured rate → `enc_rate`, when they differ.
    resampler: Option<resampling::Context>,
    /// Samples per frame (0 = any).
    frame_size: usize,
    /// Whether the encoder takes a shorter last frame.
    small_last: bool,
    /// Turns packets into chunks.
    packets: Box<dyn Packets>,
    description: Option<Vec<u8>>,
    /// One f32 queue per channel, at `enc_rate`.
    fifo: Vec<VecDeque<f32>>,
    timeline: Timeline,
    /// Samples (encoder rate) sent to the encoder so far (frame pts).
    sent_samples: i64,
    /// Samples (encoder rate) covered by emitted chunks.
    out_samples: i64,
}

impl Session {
    /// Opens the encoder for `cfg` (a valid configuration: `AudioEncoderConfig::validate`);
    /// `deep`: more than 16 bits (see [`AudioProfile::deep_input`]).
    pub(crate) fn open(cfg: &AudioEncoderConfig, deep: bool) -> Result<Self> {
        let (profile, enc_rate, codec) = plan(cfg)?;
        let rate = enc_rate as i32;
        let channels = cfg.number_of_channels as i32;
        let (fmt, raw_bits) = profile.sample_format(&codec, deep);
        let layout = profile.layout(cfg.number_of_channels);
        let mut ctx = codec::Context::new_with_codec(codec);
        if profile.global_header(cfg) {
            ctx.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        if let Some(bits) = raw_bits {
            raw::set_bits_per_raw_sample(&mut ctx, bits);
        }
        let mut enc = ctx
            .encoder()
            .audio()
            .map_err(|e| Error::ffmpeg("cannot create encoder", e))?;
        enc.set_rate(rate);
        enc.set_channel_layout(layout);
        enc.set_channels(channels);
        enc.set_format(fmt);
        enc.set_time_base(ffmpeg::Rational::new(1, rate));
        if let Some(b) = cfg.bitrate.or(profile.default_bitrate(cfg)) {
            enc.set_bit_rate(usize::try_from(b).unwrap_or(usize::MAX));
        }
        let mut opts = Dictionary::new();
        profile.options(cfg, &mut opts);
        // libvorbis, lame and libopus have limits of their own: a configuration they refuse
        // is not supported.
        let enc = enc
            .open_as_with(codec, opts)
            .map_err(|e| Error::unsupported(format!("cannot open encoder: {e}")))?;
        let description = profile.description(cfg, &raw::extradata(&enc))?;
        let packets = profile.packets(cfg, &enc)?;
        let resampler = if enc_rate == cfg.sample_rate {
            None
        } else {
            let f = Sample::F32(SampleType::Planar);
            Some(
                resampling::Context::get(f, layout, cfg.sample_rate, f, layout, enc_rate)
                    .map_err(|e| Error::unsupported(format!("cannot resample: {e}")))?,
            )
        };
        let caps = codec.capabilities();
        let small_last = caps.contains(codec::capabilities::Capabilities::VARIABLE_FRAME_SIZE)
            || caps.contains(codec::capabilities::Capabilities::SMALL_LAST_FRAME);
        let frame_size = enc.frame_size() as usize;
        Ok(Self {
            profile,
            cfg: cfg.clone(),
            enc,
            fmt,
            layout,
            enc_rate,
            deep: raw_bits.is_some(),
            resampler,
            frame_size,
            small_last,
            packets,
            description,
            fifo: vec![VecDeque::new(); cfg.number_of_channels as usize],
            timeline: Timeline::new(cfg.sample_rate, enc_rate),
            sent_samples: 0,
            out_samples: 0,
        })
    }

    /// The configuration.
    pub(crate) fn cfg(&self) -> &AudioEncoderConfig {
        &self.cfg
    }

    /// Whether the stream is deeper than 16 bits.
    pub(crate) fn deep(&self) -> bool {
        self.deep
    }

    /// The codec's profile.
    pub(crate) fn profile(&self) -> &dyn AudioProfile {
        &*self.profile
    }

    /// Appends planar f32 samples at `enc_rate` to the FIFO.
    fn append(&mut self, planes: &[Vec<f32>]) {
        for (q, p) in self.fifo.iter_mut().zip(planes) {
            q.extend(p.iter().copied());
        }
    }

    /// Copies the resampler's output frame into the FIFO.
    fn append_frame(&mut self, f: &frame::Audio) {
        let n = f.samples();
        for (ch, q) in self.fifo.iter_mut().enumerate() {
            let d = &f.data(ch)[..n * 4];
            q.extend(
                d.chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            );
        }
    }

    fn resample(&mut self, planes: &[Vec<f32>]) -> Result<()> {
        let Some(r) = self.resampler.as_mut() else {
            self.append(planes);
            return Ok(());
        };
        let n = planes.first().map_or(0, Vec::len);
        if n == 0 {
            return Ok(());
        }
        let f32p = Sample::F32(SampleType::Planar);
        let mut input = frame::Audio::new(f32p, n, self.layout);
        input.set_rate(self.cfg.sample_rate);
        for (ch, p) in planes.iter().enumerate() {
            let d = input.data_mut(ch);
            for (i, v) in p.iter().enumerate() {
                d[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        let cap = n * self.enc_rate as usize / self.cfg.sample_rate as usize + 256;
        let mut output = frame::Audio::new(f32p, cap, self.layout);
        r.run(&input, &mut output)
            .map_err(|e| Error::ffmpeg("resampling failed", e))?;
        self.append_frame(&output);
        Ok(())
    }

    /// Drains the resampler's buffered tail into the FIFO.
    fn flush_resampler(&mut self) -> Result<()> {
        let f32p = Sample::F32(SampleType::Planar);
        while let Some(r) = self.resampler.as_mut() {
            let mut output = frame::Audio::new(f32p, 4096, self.layout);
            r.flush(&mut output)
                .map_err(|e| Error::ffmpeg("resampling failed", e))?;
            if output.samples() == 0 {
                break;
            }
            self.append_frame(&output);
        }
        Ok(())
    }

    /// Queues one `AudioData`'s samples.
    pub(crate) fn push(&mut self, input: &AudioEncodeInput) -> Result<()> {
        let b = &input.data;
        if b.channels() != self.cfg.number_of_channels {
            return Err(Error::malformed(
                "AudioData channel count differs from the configuration",
            ));
        }
        if (b.sample_rate() - self.cfg.sample_rate as f32).abs() > 0.5 {
            return Err(Error::malformed(
                "AudioData sample rate differs from the configuration",
            ));
        }
        let frames = b.frames() as usize;
        // Restart the timestamp base on the first input and on gaps.
        self.timeline.input(input.timestamp, frames as i64);
        let mut bytes = vec![0u8; frames * 4];
        let mut planes = Vec::with_capacity(b.channels() as usize);
        for ch in 0..b.channels() {
            let o = AudioCopy {
                plane_index: ch,
                frame_offset: 0,
                frame_count: None,
                format: Some(AudioSampleFormat::F32Planar),
            };
            b.copy_to(&mut bytes, &o)?;
            planes.push(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect::<Vec<f32>>(),
            );
        }
        self.resample(&planes)
    }

    /// Sends `n` samples from the FIFO (zero-padded to `pad_to`).
    fn send_frame(
        &mut self,
        n: usize,
        pad_to: usize,
        out: &mut dyn FnMut(EncodedAudioOutput),
        tracker: &mut OutputConfigTracker<AudioDecoderConfig>,
    ) -> Result<()> {
        let total = pad_to.max(n);
        let mut f = frame::Audio::new(self.fmt, total, self.layout);
        f.set_rate(self.enc_rate);
        f.set_pts(Some(self.sent_samples));
        let bps = self.fmt.bytes();
        let channels = self.fifo.len();
        let planar = self.fmt.is_planar();
        if f.planes() < if planar { channels } else { 1 } {
            return Err(Error::limit("cannot allocate an audio frame"));
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
                write_sample(self.fmt, self.deep, v, &mut data[at..at + bps]);
            }
        }
        self.sent_samples += total as i64;
        self.packets.before_frame(&self.enc)?;
        loop {
            match self.enc.send_frame(&f) {
                Ok(()) => break,
                Err(e) if is_eagain(&e) => {
                    if self.drain(out, tracker)? == 0 {
                        return Err(Error::ffmpeg("encoder refuses input and has no output", e));
                    }
                }
                Err(e) => return Err(Error::ffmpeg("encoding failed", e)),
            }
        }
        self.drain(out, tracker)?;
        Ok(())
    }

    /// Sends every whole frame the FIFO holds.
    pub(crate) fn encode_ready(
        &mut self,
        out: &mut dyn FnMut(EncodedAudioOutput),
        tracker: &mut OutputConfigTracker<AudioDecoderConfig>,
    ) -> Result<()> {
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

    /// Emits every packet the encoder has ready; returns how many it gave.
    fn drain(
        &mut self,
        out: &mut dyn FnMut(EncodedAudioOutput),
        tracker: &mut OutputConfigTracker<AudioDecoderConfig>,
    ) -> Result<usize> {
        let mut n = 0;
        loop {
            let mut pkt = Packet::empty();
            match self.enc.receive_packet(&mut pkt) {
                Ok(()) => {}
                Err(e) if is_eagain(&e) => return Ok(n),
                Err(ffmpeg::Error::Eof) => return Ok(n),
                Err(e) => return Err(Error::ffmpeg("encoding failed", e)),
            }
            n += 1;
            let Some(bytes) = pkt.data().filter(|d| !d.is_empty()) else {
                continue; // e.g. FLAC's final STREAMINFO-update packet
            };
            let samples = if self.profile.whole_frames() && self.frame_size > 0 {
                (self.frame_size * self.packets.per_chunk()) as i64
            } else if pkt.duration() > 0 {
                pkt.duration()
            } else if self.frame_size > 0 {
                self.frame_size as i64
            } else {
                let bps = (bytes.len() / self.fifo.len().max(1)).max(1);
                bps as i64
            };
            let Some(chunk) = self.packets.packet(bytes)? else {
                continue;
            };
            let start = self.out_samples;
            let timestamp = self.timeline.time_at(start);
            self.out_samples += samples;
            if !chunk.send {
                continue;
            }
            let end_time = self.timeline.time_in_front(self.out_samples);
            let duration = Some((end_time - timestamp).max(0) as u64);
            // Chromium reports the rate the encoder runs at (48 kHz for resampled Opus).
            let dc = AudioDecoderConfig {
                codec: self.cfg.codec.clone(),
                sample_rate: self.enc_rate,
                number_of_channels: self.cfg.number_of_channels,
                description: self.description.clone(),
            };
            out(EncodedAudioOutput {
                data: chunk.data,
                timestamp,
                duration,
                decoder_config: tracker.update(&dc),
            });
        }
    }

    /// Zero samples that make the stream end on a whole chunk when chunks are made of several
    /// packets: the encoder codes its input and its delay (`initial_padding`) in packets of
    /// `frame_size`, so the input is padded until those packets fill whole chunks.
    fn tail_padding(&self) -> usize {
        let per = self.packets.per_chunk();
        let input = self.sent_samples as usize + self.fifo.first().map_or(0, VecDeque::len);
        if per <= 1 || self.frame_size == 0 || input == 0 {
            return 0;
        }
        let delay = raw::initial_padding(&self.enc).max(0) as usize;
        let chunk = self.frame_size * per;
        let chunks = (input + delay).div_ceil(chunk);
        (chunks * chunk).saturating_sub(delay + input)
    }

    /// Encodes what is queued and drains the encoder (end of stream).
    pub(crate) fn finish(
        &mut self,
        out: &mut dyn FnMut(EncodedAudioOutput),
        tracker: &mut OutputConfigTracker<AudioDecoderConfig>,
    ) -> Result<()> {
        self.flush_resampler()?;
        let pad = self.tail_padding();
        for q in &mut self.fifo {
            q.extend(std::iter::repeat(0.0).take(pad));
        }
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
        self.packets.before_end(&self.enc)?;
        match self.enc.send_eof() {
            Ok(()) | Err(ffmpeg::Error::Eof) => {}
            Err(e) => return Err(Error::ffmpeg("encoder flush failed", e)),
        }
        self.drain(out, tracker)?;
        Ok(())
    }
}
