//! [`VideoEncoderBackend`]: the `control_queue::Backend` run by a `CodecWorker`, and the rules
//! that reopen its session: a new quantizer the encoder cannot take in place, a first frame
//! whose colour space differs from the one the session signals, and the first frame after
//! `flush()`.

use codec_core::{
    BitrateMode, CodecError, OutputConfigTracker, VideoColorSpace, VideoDecoderConfig,
    VideoEncoderConfig,
};
use control_queue::{Backend, Cancel, ThreadPriority};

use super::aom_session::AomSession;
use super::color::encoded_color_space;
use super::input::InputConverter;
use super::profile;
use super::session::{EncoderSession, Io, Session, SessionCore, Sink};
use super::{check, EncodedVideoOutput, VideoEncodeInput};
use crate::codecs::{Family, Resolved};
use crate::svc::TemporalLayers;
use crate::{Error, Result};

/// An encoder backend's session: none (not configured, reset, or closed by an error), open, or
/// drained by `flush()`. A drained session is reopened with the same configuration by the next
/// input rather than by `flush()` itself: x264, x265, libvpx, libaom and FFmpeg's audio
/// encoders cannot leave the draining state, and opening an encoder costs 10-100 ms at 1080p,
/// which the flush promise (the end of most streams) need not wait for.
#[derive(Default)]
pub(crate) enum SessionSlot<S> {
    /// No session.
    #[default]
    Empty,
    /// A session that takes input.
    Open(S),
    /// A session `flush()` drained: its configuration, for the next input to reopen.
    Drained(S),
}

impl<S> SessionSlot<S> {
    /// The open session.
    pub(crate) fn open_mut(&mut self) -> Option<&mut S> {
        match self {
            Self::Open(s) => Some(s),
            _ => None,
        }
    }

    /// Takes the open session out (the slot is left empty); `None`, and the slot unchanged, when
    /// no session is open.
    pub(crate) fn take_open(&mut self) -> Option<S> {
        match std::mem::take(self) {
            Self::Open(s) => Some(s),
            other => {
                *self = other;
                None
            }
        }
    }

    /// Takes the drained session out (the slot is left empty); `None`, and the slot
    /// unchanged, when it holds none.
    pub(crate) fn take_drained(&mut self) -> Option<S> {
        match std::mem::take(self) {
            Self::Drained(s) => Some(s),
            other => {
                *self = other;
                None
            }
        }
    }
}

/// The video encoder backend run by a `CodecWorker`.
#[derive(Default)]
pub struct VideoEncoderBackend {
    session: SessionSlot<Box<dyn EncoderSession>>,
    tracker: OutputConfigTracker<VideoDecoderConfig>,
    conv: InputConverter,
}

/// Opens the session for `cfg`: libaom directly for AV1 `L1T2`/`L1T3`, FFmpeg otherwise.
fn open_session(
    cfg: &VideoEncoderConfig,
    resolved: Resolved,
    qp: Option<u32>,
    color: VideoColorSpace,
) -> Result<Box<dyn EncoderSession>> {
    match (
        resolved.entry.family,
        TemporalLayers::for_mode(cfg.scalability_mode.as_deref()),
    ) {
        (Family::Av1, Some(layers)) => Ok(Box::new(AomSession::open(
            cfg, resolved, layers, qp, color,
        )?)),
        _ => Ok(Box::new(Session::open(cfg, resolved, qp, color)?)),
    }
}

/// Opens `old`'s configuration again with quantizer `qp` (`old`'s when `None`) and colour
/// space `color` (`old`'s when `None`), after closing `old`: one encoder's memory at a time.
fn reopen(
    old: Box<dyn EncoderSession>,
    qp: Option<u32>,
    color: Option<VideoColorSpace>,
) -> Result<Box<dyn EncoderSession>> {
    let c = old.core();
    let (cfg, resolved) = (c.cfg.clone(), c.resolved);
    let (qp, color) = (qp.unwrap_or(c.qp), color.unwrap_or(c.color));
    drop(old);
    open_session(&cfg, resolved, Some(qp), color)
}

/// What the video and audio encoder backends share in `Backend::process`: a stale input is
/// skipped, and a failure drops the session (the codec is closed with the error).
pub(crate) trait SessionBackend {
    /// One input to encode.
    type Input;
    /// One encoded chunk.
    type Output;

    /// Encodes `input` with the open session.
    fn encode(&mut self, input: Self::Input, out: &mut dyn FnMut(Self::Output)) -> Result<()>;

    /// Drops the session.
    fn close_session(&mut self);

    /// `Backend::process`.
    fn process_input(
        &mut self,
        input: Self::Input,
        cancel: &Cancel,
        out: &mut dyn FnMut(Self::Output),
    ) -> Result<(), CodecError> {
        if cancel.is_stale() {
            return Ok(());
        }
        let r = self.encode(input, out);
        if r.is_err() {
            self.close_session();
        }
        r.map_err(Into::into)
    }
}

/// What `input` asks of a session of `core`: its quantizer (quantizer mode, clamped to the
/// encoder's range) and the colour space its bitstream is to signal.
fn frame_settings(input: &VideoEncodeInput, core: &SessionCore) -> (Option<u32>, VideoColorSpace) {
    let profile = profile::of(&core.cfg, core.resolved.entry.family);
    let qp = match core.cfg.bitrate_mode {
        BitrateMode::Quantizer => input
            .quantizer
            .map(|q| q.min(profile.traits().max_quantizer)),
        _ => None,
    };
    (qp, encoded_color_space(input, profile))
}

fn not_configured() -> Error {
    CodecError::invalid_state("encoder is not configured").into()
}

impl VideoEncoderBackend {
    /// Drains the open session (if any) through `out` and closes it.
    fn finish(
        &mut self,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<Option<Box<dyn EncoderSession>>> {
        match self.session.take_open() {
            Some(mut s) => {
                s.drain(&mut Sink::new(&mut self.tracker, out))?;
                Ok(Some(s))
            }
            None => Ok(None),
        }
    }
}

impl SessionBackend for VideoEncoderBackend {
    type Input = VideoEncodeInput;
    type Output = EncodedVideoOutput;

    fn close_session(&mut self) {
        self.session = SessionSlot::Empty;
    }

    fn encode(
        &mut self,
        input: VideoEncodeInput,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<()> {
        if let Some(old) = self.session.take_drained() {
            // The first frame after a flush: one open with its quantizer and colour space.
            let (qp, cs) = frame_settings(&input, old.core());
            self.session = SessionSlot::Open(reopen(old, qp, Some(cs))?);
        }
        let s = self.session.open_mut().ok_or_else(not_configured)?;
        let (qp, cs) = frame_settings(&input, s.core());
        // Neither libvpx nor FFmpeg's libx264 wrapper can change the constant quantizer of an
        // open encoder (x264_encoder_reconfig ignores rc.i_qp_constant), so a new quantizer
        // reopens the encoder: free before the first frame, a key frame later. The libaom
        // session changes it in place (no key frame).
        if let Some(q) = qp {
            if q != s.core().qp && !s.set_quantizer(q)? {
                if let Some(old) = self.finish(out)? {
                    self.session = SessionSlot::Open(reopen(old, Some(q), None)?);
                }
            }
        }
        // The first frame of a session decides the signalled colour space: reopening before
        // any frame costs no key frame. Later changes are not signalled (the bitstream keeps
        // the first).
        if let Some(s) = self.session.open_mut() {
            if !s.core().started() && cs != s.core().color {
                let old = self.session.take_open().ok_or_else(not_configured)?;
                self.session = SessionSlot::Open(reopen(old, None, Some(cs))?);
            }
        }
        let s = self.session.open_mut().ok_or_else(not_configured)?;
        let mut io = Io {
            conv: &mut self.conv,
            sink: Sink::new(&mut self.tracker, out),
        };
        s.encode(&input, &mut io)
    }
}

impl Backend for VideoEncoderBackend {
    type Config = VideoEncoderConfig;
    type Input = VideoEncodeInput;
    type Output = EncodedVideoOutput;

    fn configure(
        &mut self,
        config: VideoEncoderConfig,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        crate::init();
        // Pending chunks of the previous configuration come first.
        let drained = self.finish(out);
        self.session = SessionSlot::Empty;
        self.tracker.clear();
        drained?;
        let resolved = check(&config)?;
        self.session = SessionSlot::Open(open_session(
            &config,
            resolved,
            None,
            VideoColorSpace::REC709,
        )?);
        Ok(())
    }

    fn process(
        &mut self,
        input: VideoEncodeInput,
        cancel: &Cancel,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        self.process_input(input, cancel, out)
    }

    fn flush(
        &mut self,
        cancel: &Cancel,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<(), CodecError> {
        if cancel.is_stale() {
            return Ok(());
        }
        // Drained; the next frame reopens the same configuration (see `SessionSlot`).
        if let Some(old) = self.finish(out)? {
            self.session = SessionSlot::Drained(old);
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.session = SessionSlot::Empty;
        self.tracker.clear();
    }

    /// The encoder profile's (see `Profile::thread_priority`); a codec string that does not
    /// resolve opens nothing and gets the default.
    fn thread_priority(&self, config: &VideoEncoderConfig) -> ThreadPriority {
        crate::codecs::resolve(&config.codec).map_or(ThreadPriority::Background, |r| {
            profile::of(config, r.entry.family).thread_priority()
        })
    }
}
