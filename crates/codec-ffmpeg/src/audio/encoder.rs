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
use ffmpeg::software::resampling;
use ffmpeg::{codec, frame, ChannelLayout, Dictionary, Packet};
use ffmpeg_next as ffmpeg;

use super::{kind_of, samples_to_us, Kind, AAC_RATES, MAX_RATE, MIN_RATE};
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
    /// The rate the FFmpeg encoder runs at: the configured rate, or 48 kHz when Opus resamples.
    enc_rate: u32,
}

/// The rates libopus encodes natively; anything else is resampled to 48 kHz (as Chromium does).
const OPUS_RATES: [u32; 5] = [8000, 12000, 16000, 24000, 48000];

/// The lowest Opus bitrate accepted (Chromium's `AudioOpusEncoder::kMinBitrate`).
const OPUS_MIN_BITRATE: u64 = 6000;

fn plan(cfg: &AudioEncoderConfig) -> Result<Plan, CodecError> {
    cfg.validate()?;
    let kind = kind_of(&cfg.codec)?;
    let ch = cfg.number_of_channels;
    let rate = cfg.sample_rate;
    if !(MIN_RATE..=MAX_RATE).contains(&rate) {
        return Err(CodecError::not_supported(format!(
            "sample rate {rate} is outside {MIN_RATE}..={MAX_RATE}"
        )));
    }
    let mut enc_rate = rate;
    let name = match kind {
        Kind::Opus => {
            if ch > 8 {
                return Err(CodecError::not_supported(
                    "Opus encoding supports 1 to 8 channels",
                ));
            }
            if cfg.bitrate.is_some_and(|b| b < OPUS_MIN_BITRATE) {
                return Err(CodecError::not_supported(format!(
                    "Opus bitrate must be at least {OPUS_MIN_BITRATE}"
                )));
            }
            if !OPUS_RATES.contains(&rate) {
                enc_rate = 48000;
            }
            "libopus"
        }
        Kind::Aac { .. } => {
            if !AAC_RATES.contains(&rate) {
                return Err(CodecError::not_supported(
                    "AAC encoding needs one of the MPEG-4 sampling frequencies (7350-96000 Hz)",
                ));
            }
            if !(1..=6).contains(&ch) && ch != 8 {
                return Err(CodecError::not_supported("unsupported AAC channel count"));
            }
            "aac"
        }
        Kind::AacHe => {
            return Err(CodecError::not_supported(
                "HE-AAC encoding is not available (FFmpeg's aac encoder produces AAC-LC only)",
            ))
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
                return Err(CodecError::not_supported(
                    "MP3 encoding needs 1 or 2 channels at 8-48 kHz (MPEG-1/2/2.5 rates)",
                ));
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
    let codec = ffmpeg::encoder::find_by_name(name)
        .ok_or_else(|| CodecError::not_supported(format!("encoder {name} is not available")))?;
    Ok(Plan {
        kind,
        codec,
        enc_rate,
    })
}

/// Whether `cfg` can be encoded. Pure; callable from any thread.
///
/// # Errors
/// `TypeError` for an invalid config, `NotSupportedError` for an unsupported one.
pub fn audio_encoder_support(cfg: &AudioEncoderConfig) -> Result<(), CodecError> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, Result<(), CodecError>>>> = OnceLock::new();
    crate::init();
    plan(cfg)?;
    // Opening the encoder (1-12 ms) makes isConfigSupported() agree with configure() exactly:
    // libvorbis, lame and libopus have limits of their own. Results are cached per config.
    let key = format!("{cfg:?}");
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(r) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return r.clone();
    }
    let r = Session::open(cfg, false).map(|_| ());
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= 256 {
        map.clear();
    }
    map.insert(key, r.clone());
    r
}

/// The layout libopus's mapping family 1 requires (RFC 7845 §5.1.1.2, Vorbis channel layouts).
/// Samples are taken in FFmpeg/WAV order (so channel 3 of 6-8 is the LFE) and FFmpeg reorders
/// them into Vorbis order in the stream; FFmpeg's and Chromium's decoders reorder them back.
fn opus_layout(channels: u32) -> ChannelLayout {
    match channels {
        1 => ChannelLayout::MONO,
        2 => ChannelLayout::STEREO,
        3 => ChannelLayout::SURROUND,
        4 => ChannelLayout::QUAD,
        5 => ChannelLayout::_5POINT0_BACK,
        6 => ChannelLayout::_5POINT1_BACK,
        7 => ChannelLayout::_6POINT1,
        _ => ChannelLayout::_7POINT1,
    }
}

/// Whether FLAC input of this format is encoded at 24 bits (s32/f32) rather than 16.
fn wants_24_bit(f: AudioSampleFormat) -> bool {
    matches!(
        f,
        AudioSampleFormat::S32
            | AudioSampleFormat::S32Planar
            | AudioSampleFormat::F32
            | AudioSampleFormat::F32Planar
    )
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

/// The 7-byte ADTS header for an AAC-LC raw frame of `len` bytes.
fn adts_header(rate: u32, channels: u32, mpeg2: bool, len: usize) -> [u8; 7] {
    let sf = AAC_RATES.iter().position(|r| *r == rate).unwrap_or(4) as u8;
    let ch = (if channels == 8 { 7 } else { channels }) as u8;
    let full = (len + 7) as u32;
    let profile = 1u8; // AAC LC (object type 2) - 1
    [
        0xFF,
        if mpeg2 { 0xF9 } else { 0xF1 },
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
    /// The encoder's rate (the configured rate unless resampling).
    enc_rate: u32,
    /// FLAC at 24 bits per sample.
    flac24: bool,
    /// configured rate → `enc_rate`, when they differ.
    resampler: Option<resampling::Context>,
    /// Samples per frame (0 = any).
    frame_size: usize,
    small_last: bool,
    /// Opus DTX is on: packets of 2 bytes or less need not be transmitted and are dropped.
    dtx: bool,
    description: Option<Vec<u8>>,
    /// One f32 queue per channel, at `enc_rate`.
    fifo: Vec<VecDeque<f32>>,
    /// Input samples (configured rate) pushed so far.
    in_samples: i64,
    /// Samples (encoder rate) sent to the encoder so far (frame pts).
    sent_samples: i64,
    /// Samples (encoder rate) covered by emitted chunks.
    out_samples: i64,
    /// (first input sample, timestamp) of each contiguous run of input.
    segments: VecDeque<(i64, i64)>,
}

impl Session {
    fn open(cfg: &AudioEncoderConfig, flac24: bool) -> Result<Self, CodecError> {
        let p = plan(cfg)?;
        let flac24 = flac24 && p.kind == Kind::Flac;
        let rate = p.enc_rate as i32;
        let channels = cfg.number_of_channels as i32;
        let fmt = if flac24 {
            Sample::I32(SampleType::Packed)
        } else {
            pick_format(&p.codec)
        };
        let layout = if p.kind == Kind::Opus {
            opus_layout(cfg.number_of_channels)
        } else {
            ChannelLayout::default(channels)
        };
        let mut ctx = codec::Context::new_with_codec(p.codec);
        if matches!(p.kind, Kind::Aac { .. }) && !cfg.aac_adts || p.kind == Kind::Vorbis {
            ctx.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        if flac24 {
            raw::set_bits_per_raw_sample(&mut ctx, 24);
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
            Kind::Aac { .. } | Kind::Mp3 | Kind::Vorbis => {
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
                if cfg.bitrate_mode == BitrateMode::Constant {
                    opts.set("vbr", "off");
                }
                if cfg.number_of_channels > 2 {
                    // RFC 7845 channel mapping family 1 (Vorbis channel order, up to 8).
                    opts.set("mapping_family", "1");
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
        // FFmpeg 5.1's libopus wrapper has no `dtx` option: set it on libopus directly.
        let dtx = p.kind == Kind::Opus
            && cfg.opus.as_ref().is_some_and(|o| o.usedtx)
            && raw::opus_enable_dtx(&enc);
        let extradata = raw::extradata(&enc);
        let description = match p.kind {
            // Chromium always emits the OpusHead: it carries the pre-skip (and, above two
            // channels, the channel mapping table a decoder cannot do without).
            Kind::Opus => {
                let mut h = if extradata.len() >= 19 && extradata.starts_with(b"OpusHead") {
                    extradata.clone()
                } else {
                    let mut h = b"OpusHead".to_vec();
                    h.push(1);
                    h.push(cfg.number_of_channels as u8);
                    h.extend_from_slice(&312u16.to_le_bytes());
                    h.extend_from_slice(&[0; 4]);
                    h.extend_from_slice(&[0, 0, 0]);
                    h
                };
                // "Input sample rate": the rate the author configured, before resampling.
                h[12..16].copy_from_slice(&cfg.sample_rate.to_le_bytes());
                Some(h)
            }
            Kind::Aac { .. } if !cfg.aac_adts => Some(extradata),
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
        let resampler = if p.enc_rate == cfg.sample_rate {
            None
        } else {
            let f = Sample::F32(SampleType::Planar);
            Some(
                resampling::Context::get(f, layout, cfg.sample_rate, f, layout, p.enc_rate)
                    .map_err(|e| CodecError::not_supported(format!("cannot resample: {e}")))?,
            )
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
            enc_rate: p.enc_rate,
            flac24,
            resampler,
            frame_size,
            small_last,
            dtx,
            description,
            fifo: vec![VecDeque::new(); cfg.number_of_channels as usize],
            in_samples: 0,
            sent_samples: 0,
            out_samples: 0,
            segments: VecDeque::new(),
        })
    }

    /// The timestamp of encoder-rate sample `pos` in the front input segment: exact rational
    /// arithmetic on the input timeline, floored to µs (no accumulated rounding).
    fn time_in_front(&self, pos: i64) -> i64 {
        let Some(&(s0, t0)) = self.segments.front() else {
            return 0;
        };
        let in_r = i128::from(self.cfg.sample_rate);
        let enc_r = i128::from(self.enc_rate);
        let num = (i128::from(pos) * in_r - i128::from(s0) * enc_r) * 1_000_000;
        t0 + num.div_euclid(in_r * enc_r) as i64
    }

    /// Drops segments that end before encoder-rate sample `pos`, then [`Self::time_in_front`].
    fn ts_at(&mut self, pos: i64) -> i64 {
        let in_r = i128::from(self.cfg.sample_rate);
        let enc_r = i128::from(self.enc_rate);
        while self.segments.len() > 1
            && i128::from(self.segments[1].0) * enc_r <= i128::from(pos) * in_r
        {
            self.segments.pop_front();
        }
        self.time_in_front(pos)
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

    fn resample(&mut self, planes: &[Vec<f32>]) -> Result<(), CodecError> {
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
            .map_err(|e| av_error("resampling failed", e))?;
        self.append_frame(&output);
        Ok(())
    }

    /// Drains the resampler's buffered tail into the FIFO.
    fn flush_resampler(&mut self) -> Result<(), CodecError> {
        let f32p = Sample::F32(SampleType::Planar);
        while let Some(r) = self.resampler.as_mut() {
            let mut output = frame::Audio::new(f32p, 4096, self.layout);
            r.flush(&mut output)
                .map_err(|e| av_error("resampling failed", e))?;
            if output.samples() == 0 {
                break;
            }
            self.append_frame(&output);
        }
        Ok(())
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
        self.in_samples += frames as i64;
        self.resample(&planes)
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
        f.set_rate(self.enc_rate);
        f.set_pts(Some(self.sent_samples));
        let bps = self.fmt.bytes();
        let channels = self.fifo.len();
        let planar = self.fmt.is_planar();
        if f.planes() < if planar { channels } else { 1 } {
            return Err(CodecError::encoding("cannot allocate an audio frame"));
        }
        let bits24 = self.flac24;
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
                write_sample(self.fmt, bits24, v, &mut data[at..at + bps]);
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
            // Fixed-frame codecs (Opus, AAC, MP3) decode every packet to a whole frame, so each
            // chunk covers one frame, as in Chromium (FFmpeg shortens the last packets'
            // durations to the input length instead).
            let fixed = matches!(self.kind, Kind::Opus | Kind::Aac { .. } | Kind::Mp3);
            let samples = if fixed && self.frame_size > 0 {
                self.frame_size as i64
            } else if pkt.duration() > 0 {
                pkt.duration()
            } else if self.frame_size > 0 {
                self.frame_size as i64
            } else {
                let bps = (bytes.len() / self.fifo.len().max(1)).max(1);
                bps as i64
            };
            let data = match self.kind {
                Kind::Aac { mpeg2 } if self.cfg.aac_adts => {
                    let mut d = adts_header(
                        self.enc_rate,
                        self.cfg.number_of_channels,
                        mpeg2,
                        bytes.len(),
                    )
                    .to_vec();
                    d.extend_from_slice(bytes);
                    d
                }
                _ => bytes.to_vec(),
            };
            let start = self.out_samples;
            let timestamp = self.ts_at(start);
            self.out_samples += samples;
            // libopus: "if the return value is 2 bytes or less, then the packet does not need
            // to be transmitted (DTX)". Chromium drops these as well; the timeline moves on.
            if self.dtx && bytes.len() <= 2 {
                continue;
            }
            let end_time = self.time_in_front(self.out_samples);
            let duration = Some((end_time - timestamp).max(0) as u64);
            // Chromium reports the rate the encoder runs at (48 kHz for resampled Opus).
            let dc = AudioDecoderConfig {
                codec: self.cfg.codec.clone(),
                sample_rate: self.enc_rate,
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
        self.flush_resampler()?;
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
    /// FLAC: 24-bit output, decided by the first input's format after `configure` (s32/f32 →
    /// 24-bit, u8/s16 → 16-bit) and kept until the next `configure`.
    flac24: Option<bool>,
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
        self.flac24 = None;
        self.session = Some(Session::open(&config, false)?);
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
        if s.kind == Kind::Flac && self.flac24.is_none() {
            let deep = wants_24_bit(input.data.format());
            self.flac24 = Some(deep);
            if deep {
                match Session::open(&s.cfg, true) {
                    Ok(n) => *s = n,
                    Err(e) => {
                        self.session = None;
                        return Err(e);
                    }
                }
            }
        }
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
        self.session = Some(Session::open(&s.cfg, s.flac24)?);
        Ok(())
    }

    fn reset(&mut self) {
        self.session = None;
        self.tracker.clear();
        self.flac24 = None;
    }
}
