//! One open encoder of one configuration ([`EncoderSession`]), the state every session keeps
//! ([`SessionCore`]), and the FFmpeg session ([`Session`]).

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard, PoisonError};

use codec_core::{
    AlphaOption, LatencyMode, OutputConfigTracker, VideoColorSpace, VideoDecoderConfig,
    VideoEncoderConfig,
};
use ffmpeg::{codec, format::Pixel, frame, picture, Dictionary, Packet, Rational};
use ffmpeg_next as ffmpeg;

use super::alpha::AlphaEncoder;
use super::color::set_color;
use super::input::InputConverter;
use super::profile::{self, framerate, key_interval, Layering, Setup};
use super::{EncodedVideoOutput, VideoEncodeInput};
use crate::codecs::{self, Resolved};
use crate::{is_eagain, raw, Error, Result};
use media_parse::video::h264 as avc;

/// Where a session's chunks go: the output callback, with the tracker that decides which
/// chunk carries a `decoderConfig`.
pub(crate) struct Sink<'a> {
    tracker: &'a mut OutputConfigTracker<VideoDecoderConfig>,
    out: &'a mut dyn FnMut(EncodedVideoOutput),
}

impl<'a> Sink<'a> {
    /// Chunks go to `out`; `tracker` remembers the last `decoderConfig` reported.
    pub(crate) fn new(
        tracker: &'a mut OutputConfigTracker<VideoDecoderConfig>,
        out: &'a mut dyn FnMut(EncodedVideoOutput),
    ) -> Self {
        Self { tracker, out }
    }

    /// Emits `chunk`, carrying `config` when it differs from the last one reported.
    pub(crate) fn emit(&mut self, mut chunk: EncodedVideoOutput, config: &VideoDecoderConfig) {
        chunk.decoder_config = self.tracker.update(config);
        (self.out)(chunk);
    }
}

/// What a session encodes a frame with: the backend's input converter (its scalers outlive
/// sessions) and the sink for the chunks.
pub(crate) struct Io<'a> {
    /// Converts the frame to the encoder's input.
    pub(crate) conv: &'a mut InputConverter,
    /// Takes the chunks.
    pub(crate) sink: Sink<'a>,
}

/// One open encoder of one configuration, driven by `VideoEncoderBackend`: FFmpeg's
/// ([`Session`]) or, for AV1 with temporal layers, libaom's (`aom_session::AomSession`).
pub(crate) trait EncoderSession: Send {
    /// Encodes one frame and emits every chunk that is ready.
    fn encode(&mut self, input: &VideoEncodeInput, io: &mut Io<'_>) -> Result<()>;

    /// Drains the encoder: emits every remaining chunk. The session is not used afterwards.
    fn drain(&mut self, sink: &mut Sink<'_>) -> Result<()>;

    /// What every session keeps: its configuration, quantizer, colour space, frames in flight.
    fn core(&self) -> &SessionCore;

    /// Changes the constant quantizer (quantizer mode) of the open encoder in place; `false`
    /// when the encoder cannot, and must be reopened instead.
    fn set_quantizer(&mut self, _q: u32) -> Result<bool> {
        Ok(false)
    }
}

/// Who places key frames, when the session does: the first frame and one `gop` frames after
/// the previous key frame (requested or not).
#[derive(Debug, Clone, Copy)]
struct KeyClock {
    gop: u64,
    /// Frames since the last key frame.
    since_key: u64,
}

/// The state shared by every [`EncoderSession`].
pub(crate) struct SessionCore {
    /// The configuration the session was opened with.
    pub(crate) cfg: VideoEncoderConfig,
    /// The resolved codec.
    pub(crate) resolved: Resolved,
    /// The quantizer in effect (quantizer mode).
    pub(crate) qp: u32,
    /// The colour space the bitstream signals (every member set).
    pub(crate) color: VideoColorSpace,
    /// The encoder's input pixel format (yuv420p, or yuv420p10le at 10 bits).
    pub(crate) pix: Pixel,
    decoder_config: VideoDecoderConfig,
    /// Next frame counter used as pts (time base 1/framerate).
    next_pts: i64,
    /// pts → (timestamp, duration, temporal layer id) of frames not yet returned.
    pending: BTreeMap<i64, (i64, Option<u64>, Option<u32>)>,
    /// The session's key-frame placement; `None` when the encoder places periodic ones.
    keys: Option<KeyClock>,
}

impl SessionCore {
    /// The state of a new session; `description` is its `decoderConfig.description`, and
    /// with `forced_keys` the session places the first and the periodic key frames.
    pub(crate) fn new(
        cfg: &VideoEncoderConfig,
        resolved: Resolved,
        qp: u32,
        color: VideoColorSpace,
        description: Option<Vec<u8>>,
        forced_keys: bool,
    ) -> Self {
        let (w, h) = (cfg.width, cfg.height);
        let decoder_config = VideoDecoderConfig {
            codec: cfg.codec.clone(),
            description,
            coded_width: Some(w),
            coded_height: Some(h),
            display_aspect_width: Some(cfg.display_width.unwrap_or(w)),
            display_aspect_height: Some(cfg.display_height.unwrap_or(h)),
            color_space: Some(color),
            ..Default::default()
        };
        let gop = u64::from(key_interval(f64::from(framerate(cfg))));
        Self {
            cfg: cfg.clone(),
            resolved,
            qp,
            color,
            pix: input_format(&resolved),
            decoder_config,
            next_pts: 0,
            pending: BTreeMap::new(),
            keys: forced_keys.then_some(KeyClock { gop, since_key: 0 }),
        }
    }

    /// Whether a frame was encoded already.
    pub(crate) fn started(&self) -> bool {
        self.next_pts > 0
    }

    /// The `decoderConfig` chunks report.
    pub(crate) fn decoder_config(&self) -> &VideoDecoderConfig {
        &self.decoder_config
    }

    /// Starts the next frame: returns its pts and whether it must be a key frame (requested,
    /// or the session's first or periodic one).
    pub(crate) fn begin(&mut self, input: &VideoEncodeInput) -> (i64, bool) {
        let pts = self.next_pts;
        self.next_pts += 1;
        let mut key = input.key_frame;
        if let Some(k) = self.keys.as_mut() {
            key |= pts == 0 || k.since_key >= k.gop;
            if key {
                k.since_key = 0;
            }
            k.since_key += 1;
        }
        (pts, key)
    }

    /// Remembers the timestamp, duration and layer id of the frame sent at `pts`.
    pub(crate) fn sent(&mut self, pts: i64, input: &VideoEncodeInput, layer: Option<u32>) {
        self.pending
            .insert(pts, (input.timestamp, input.duration, layer));
    }

    /// The chunk of the packet with `pts`: its frame's timestamp, duration and layer id (the
    /// `decoderConfig` is the [`Sink`]'s to add).
    pub(crate) fn chunk(
        &mut self,
        pts: Option<i64>,
        data: Vec<u8>,
        key: bool,
    ) -> EncodedVideoOutput {
        let (timestamp, duration, temporal_layer_id) =
            match pts.and_then(|p| self.pending.remove(&p)) {
                Some(t) => t,
                // Never expected (every packet has the pts of its frame); keep order anyway.
                None => self
                    .pending
                    .pop_first()
                    .map(|(_, t)| t)
                    .unwrap_or((0, None, None)),
            };
        EncodedVideoOutput {
            data,
            key,
            timestamp,
            duration,
            decoder_config: None,
            temporal_layer_id,
            alpha_side_data: None,
        }
    }

    /// Forgets the frames not returned (after a drain).
    pub(crate) fn clear_pending(&mut self) {
        self.pending.clear();
    }
}

/// One opened FFmpeg encoder (and, for `alpha: "keep"`, its alpha encoder).
pub(crate) struct Session {
    core: SessionCore,
    /// The colour encoder; `None` for a `keys_by_reopening` one (libsvtav1) until its first
    /// frame: SVT-AV1 1.4 cannot be closed before it got a frame (end-of-stream then waits
    /// forever for a last packet, and closing without it hangs too).
    enc: Option<OpenEncoder>,
    layering: Layering,
    alpha: Option<AlphaEncoder>,
    /// `Traits::keys_by_reopening`: each key frame after the first opens a new encoder.
    keys_by_reopening: bool,
    /// Whether `enc` got end-of-stream.
    drained: bool,
}

impl Drop for Session {
    /// libsvtav1 (the encoder behind `keys_by_reopening`) hangs when closed before it got
    /// end-of-stream (SVT-AV1 1.4: "deinit called without sending EOS"), as after `reset()`,
    /// `close()` or a reconfigure: drain it first, dropping its packets.
    fn drop(&mut self) {
        if let (true, false, Some(enc)) = (self.keys_by_reopening, self.drained, self.enc.as_mut())
        {
            let _ = send_and_receive(enc, None);
        }
    }
}

/// Encoders whose libraries change process-wide state in their open and close paths without a
/// lock of their own, so that two codec threads opening or closing one at the same time corrupt
/// memory. SVT-AV1 1.4 (libsvtav1): three AV1 quality-mode encoders opened, used and closed in
/// parallel crash the process within seconds ("double free or corruption", or a NULL table
/// read in `svt_av1_enc_init_handle`; first seen as a SIGSEGV in WPT's partial-color-space test,
/// where one test's encoder closes while the next one's opens). x265 sets up its primitives
/// and CTU-size globals on first open, unlocked, too.
const SERIALIZED: [&str; 2] = ["libsvtav1", "libx265"];

/// Held while an encoder of a [`SERIALIZED`] library opens or closes.
static OPEN_CLOSE: Mutex<()> = Mutex::new(());

/// Takes [`OPEN_CLOSE`] if `serialized` (a panic elsewhere while holding it leaves nothing
/// half-done that the next holder could see, so a poisoned lock is taken as is).
fn open_close_lock(serialized: bool) -> Option<MutexGuard<'static, ()>> {
    serialized.then(|| OPEN_CLOSE.lock().unwrap_or_else(PoisonError::into_inner))
}

/// An opened FFmpeg encoder that closes under [`OPEN_CLOSE`] when its library needs it, as it
/// opened.
pub(crate) struct OpenEncoder {
    /// `Some` until dropped.
    enc: Option<ffmpeg::encoder::video::Encoder>,
    serialized: bool,
}

impl Deref for OpenEncoder {
    type Target = ffmpeg::encoder::video::Encoder;

    fn deref(&self) -> &Self::Target {
        self.enc
            .as_ref()
            .expect("an OpenEncoder holds its encoder until dropped")
    }
}

impl DerefMut for OpenEncoder {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.enc
            .as_mut()
            .expect("an OpenEncoder holds its encoder until dropped")
    }
}

impl Drop for OpenEncoder {
    fn drop(&mut self) {
        let _guard = open_close_lock(self.serialized);
        drop(self.enc.take());
    }
}

/// What [`open_encoder`] decided besides the opened encoder.
pub(crate) struct Opened {
    /// The opened encoder.
    pub(crate) enc: OpenEncoder,
    /// Its temporal layering.
    pub(crate) layering: Layering,
    /// Its constant quantizer, in range.
    pub(crate) qp: u32,
}

/// The input pixel format of an encoder of `resolved`: yuv420p, or yuv420p10le at 10 bits.
pub(crate) fn input_format(resolved: &Resolved) -> Pixel {
    if resolved.bit_depth == 10 {
        Pixel::YUV420P10LE
    } else {
        Pixel::YUV420P
    }
}

/// Creates, configures and opens one FFmpeg encoder for `cfg`. `alpha_stream`: the second
/// libvpx encoder of `alpha: "keep"` (8-bit input; like the colour encoder it places no key
/// frame itself, and gets one exactly when the colour encoder produced one).
pub(crate) fn open_encoder(
    cfg: &VideoEncoderConfig,
    resolved: Resolved,
    qp: Option<u32>,
    color: &VideoColorSpace,
    alpha_stream: bool,
) -> Result<Opened> {
    let profile = profile::of(cfg, resolved.entry.family);
    let codec = codecs::has_encoder(profile.encoder().unwrap_or(resolved.entry.encoder))?;
    let mut v = codec::Context::new_with_codec(codec)
        .encoder()
        .video()
        .map_err(|e| Error::ffmpeg("cannot create encoder", e))?;
    let (w, h) = (cfg.width, cfg.height);
    let rate = framerate(cfg);
    v.set_width(w);
    v.set_height(h);
    v.set_format(if alpha_stream {
        Pixel::YUV420P
    } else {
        input_format(&resolved)
    });
    v.set_frame_rate(Some(rate));
    v.set_time_base(rate.invert());
    let layering = profile.layering(cfg);
    v.set_max_b_frames(layering.bframes() as usize);
    let traits = profile.traits();
    v.set_gop(if traits.forces_key_frames {
        i32::MAX as u32
    } else {
        key_interval(f64::from(rate))
    });
    set_color(&mut v, color);
    let (dw, dh) = (
        cfg.display_width.unwrap_or(w),
        cfg.display_height.unwrap_or(h),
    );
    if (dw, dh) != (w, h) {
        // sample aspect ratio = (dw / dh) / (w / h)
        let (n, d) = (dw.saturating_mul(h), dh.saturating_mul(w));
        let g = gcd(n, d);
        v.set_aspect_ratio(Rational::new((n / g) as i32, (d / g) as i32));
    }
    v.set_threading(codec::threading::Config {
        count: profile.threads(cfg),
        ..Default::default()
    });
    let qp = traits.quantizer(qp);
    let mut opts = Dictionary::new();
    profile.configure(&mut Setup {
        v: &mut v,
        opts: &mut opts,
        cfg,
        resolved: &resolved,
        bitrate: cfg.bitrate.filter(|b| *b > 0),
        fps: f64::from(rate),
        qp,
        realtime: cfg.latency_mode == LatencyMode::Realtime,
        text: cfg.content_hint.as_deref() == Some("text"),
        layering: &layering,
    })?;
    let serialized = SERIALIZED.contains(&codec.name());
    let enc = {
        let _guard = open_close_lock(serialized);
        v.open_with(opts)
            .map_err(|e| Error::ffmpeg("cannot open encoder", e))?
    };
    let enc = OpenEncoder {
        enc: Some(enc),
        serialized,
    };
    Ok(Opened { enc, layering, qp })
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a.max(1)
    } else {
        gcd(b, a % b)
    }
}

impl Session {
    /// Opens the FFmpeg encoder(s) for `cfg` with quantizer `qp` (the profile's default when
    /// `None`) signalling `color`.
    pub(crate) fn open(
        cfg: &VideoEncoderConfig,
        resolved: Resolved,
        qp: Option<u32>,
        color: VideoColorSpace,
    ) -> Result<Self> {
        let profile = profile::of(cfg, resolved.entry.family);
        let keep = cfg.alpha == AlphaOption::Keep;
        let colour_cfg = if keep {
            AlphaEncoder::colour_config(cfg)
        } else {
            cfg.clone()
        };
        let traits = profile.traits();
        let (enc, layering, qp, description) = if traits.keys_by_reopening {
            // Opened at the first frame (see `Session::enc`); no description (AV1).
            let layering = profile.layering(&colour_cfg);
            (None, layering, traits.quantizer(qp), None)
        } else {
            let Opened { enc, layering, qp } =
                open_encoder(&colour_cfg, resolved, qp, &color, false)?;
            let description = profile.description(cfg, &raw::extradata(&enc))?;
            (Some(enc), layering, qp, description)
        };
        let alpha = match keep {
            true => Some(AlphaEncoder::open(cfg, resolved, qp, &color)?),
            false => None,
        };
        Ok(Self {
            core: SessionCore::new(
                cfg,
                resolved,
                qp,
                color,
                description,
                traits.forces_key_frames,
            ),
            enc,
            layering,
            alpha,
            keys_by_reopening: traits.keys_by_reopening,
            drained: false,
        })
    }

    /// Sends one frame (or EOF with `None`) to the colour encoder (and its alpha picture to
    /// the alpha encoder), then emits every ready chunk.
    fn send(
        &mut self,
        frame: Option<(&frame::Video, Option<&mut frame::Video>)>,
        sink: &mut Sink<'_>,
    ) -> Result<()> {
        let (frame, alpha_frame) = match frame {
            Some((f, a)) => (Some(f), a),
            None => (None, None),
        };
        self.drained |= frame.is_none();
        let packets = match self.enc.as_mut() {
            Some(enc) => send_and_receive(enc, frame)?,
            None => Vec::new(),
        };
        if let Some(alpha) = self.alpha.as_mut() {
            match (frame, alpha_frame) {
                (Some(f), Some(a)) => alpha.send(f, a, &packets)?,
                (Some(_), None) => return Err(Error::internal("alpha frame missing")),
                (None, _) => alpha.drain()?,
            }
        }
        for p in packets {
            self.emit(&p, sink);
        }
        if let Some(alpha) = self.alpha.as_mut() {
            alpha.forget_through(frame.and_then(|f| f.pts()));
        }
        Ok(())
    }

    /// Emits one colour packet as a chunk, with its alpha packet (same pts) if any.
    fn emit(&mut self, pkt: &Packet, sink: &mut Sink<'_>) {
        let bytes = pkt.data().unwrap_or(&[]);
        let data = if self.core.decoder_config().description.is_some() {
            avc::annexb_to_avc(bytes)
        } else {
            bytes.to_vec()
        };
        let mut chunk = self.core.chunk(pkt.pts(), data, pkt.is_key());
        if let Layering::BFrames(l) = &mut self.layering {
            chunk.temporal_layer_id = Some(l.layer_of(bytes, pkt.pts().unwrap_or(0)));
        }
        chunk.alpha_side_data = self.alpha.as_mut().and_then(|a| a.take(pkt.pts()));
        sink.emit(chunk, self.core.decoder_config());
    }
}

impl EncoderSession for Session {
    fn encode(&mut self, input: &VideoEncodeInput, io: &mut Io<'_>) -> Result<()> {
        let mut f = io.conv.colour(input, &self.core)?;
        let mut alpha_frame = match self.alpha {
            Some(_) => Some(io.conv.alpha(input, &self.core)?),
            None => None,
        };
        let (pts, key) = self.core.begin(input);
        if key && pts > 0 && self.keys_by_reopening {
            // Drain the encoder, then a new one starts with a key frame (no alpha encoder and
            // no layering here: libsvtav1 only).
            self.send(None, &mut io.sink)?;
            self.enc = None;
        }
        if self.enc.is_none() {
            let c = &self.core;
            self.enc = Some(open_encoder(&c.cfg, c.resolved, Some(c.qp), &c.color, false)?.enc);
            self.drained = false;
        }
        f.set_pts(Some(pts));
        let layer = match &mut self.layering {
            Layering::Vpx(l) => {
                let (id, meta) = l.next(key);
                f.set_metadata(meta);
                Some(id)
            }
            Layering::None | Layering::BFrames(_) => None,
        };
        f.set_kind(if key {
            picture::Type::I
        } else {
            picture::Type::None
        });
        if let Some(a) = alpha_frame.as_mut() {
            AlphaEncoder::follow(&f, a);
        }
        self.core.sent(pts, input, layer);
        self.send(Some((&f, alpha_frame.as_mut())), &mut io.sink)
    }

    fn drain(&mut self, sink: &mut Sink<'_>) -> Result<()> {
        self.send(None, sink)
    }

    fn core(&self) -> &SessionCore {
        &self.core
    }
}

/// Sends one frame (or EOF with `None`) to `enc` and returns every packet it has ready.
pub(crate) fn send_and_receive(
    enc: &mut ffmpeg::encoder::video::Encoder,
    frame: Option<&frame::Video>,
) -> Result<Vec<Packet>> {
    let mut packets = Vec::new();
    loop {
        let r = match frame {
            Some(f) => enc.send_frame(f),
            None => enc.send_eof(),
        };
        match r {
            Ok(()) => break,
            Err(e) if is_eagain(&e) => {
                // The encoder is full: take its packets, then resend the same frame.
                if receive_packets(enc, &mut packets)? == 0 {
                    return Err(Error::ffmpeg("encoder refuses input and has no output", e));
                }
            }
            Err(ffmpeg::Error::Eof) if frame.is_none() => break,
            Err(e) => return Err(Error::ffmpeg("encoding failed", e)),
        }
    }
    receive_packets(enc, &mut packets)?;
    Ok(packets)
}

/// Appends every packet `enc` has ready to `packets`; returns how many.
fn receive_packets(
    enc: &mut ffmpeg::encoder::video::Encoder,
    packets: &mut Vec<Packet>,
) -> Result<usize> {
    let mut n = 0;
    loop {
        let mut pkt = Packet::empty();
        match enc.receive_packet(&mut pkt) {
            Ok(()) => {}
            Err(e) if is_eagain(&e) => return Ok(n),
            Err(ffmpeg::Error::Eof) => return Ok(n),
            Err(e) => return Err(Error::ffmpeg("encoding failed", e)),
        }
        n += 1;
        packets.push(pkt);
    }
}
