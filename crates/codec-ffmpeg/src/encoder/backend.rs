//! [`VideoEncoderBackend`]: the `control_queue::Backend` run by a `CodecWorker`, and the rules
//! that reopen its session: a new quantizer the encoder cannot take in place, a first frame
//! whose colour space differs from the one the session signals, and `flush()`.

use codec_core::{
    BitrateMode, CodecError, OutputConfigTracker, VideoColorSpace, VideoDecoderConfig,
    VideoEncoderConfig,
};
use control_queue::{Backend, Cancel};

use super::aom_session::AomSession;
use super::color::encoded_color_space;
use super::input::InputConverter;
use super::profile;
use super::session::{EncoderSession, Io, Session, Sink};
use super::{check, EncodedVideoOutput, VideoEncodeInput};
use crate::codecs::{Family, Resolved};
use crate::svc::TemporalLayers;
use crate::{Error, Result};

/// The video encoder backend run by a `CodecWorker`.
#[derive(Default)]
pub struct VideoEncoderBackend {
    session: Option<Box<dyn EncoderSession>>,
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

/// Opens `old`'s configuration again with quantizer `qp` and colour space `color`.
fn reopen(
    old: &dyn EncoderSession,
    qp: u32,
    color: VideoColorSpace,
) -> Result<Box<dyn EncoderSession>> {
    let c = old.core();
    open_session(&c.cfg, c.resolved, Some(qp), color)
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

fn not_configured() -> Error {
    CodecError::invalid_state("encoder is not configured").into()
}

impl VideoEncoderBackend {
    /// Drains the open session (if any) through `out` and closes it.
    fn finish(
        &mut self,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<Option<Box<dyn EncoderSession>>> {
        match self.session.take() {
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
        self.session = None;
    }

    fn encode(
        &mut self,
        input: VideoEncodeInput,
        out: &mut dyn FnMut(EncodedVideoOutput),
    ) -> Result<()> {
        let s = self.session.as_mut().ok_or_else(not_configured)?;
        let profile = profile::of(&s.core().cfg, s.core().resolved.entry.family);
        if s.core().cfg.bitrate_mode == BitrateMode::Quantizer {
            // Neither libvpx nor FFmpeg's libx264 wrapper can change the constant quantizer of
            // an open encoder (x264_encoder_reconfig ignores rc.i_qp_constant), so a new
            // quantizer reopens the encoder: free before the first frame, a key frame later.
            // The libaom session changes it in place (no key frame).
            if let Some(q) = input
                .quantizer
                .map(|q| q.min(profile.traits().max_quantizer))
            {
                if q != s.core().qp && !s.set_quantizer(q)? {
                    if let Some(old) = self.finish(out)? {
                        self.session = Some(reopen(&*old, q, old.core().color)?);
                    }
                }
            }
        }
        let s = self.session.as_mut().ok_or_else(not_configured)?;
        // The first frame of a session decides the signalled colour space: reopening before
        // any frame is free. Later changes are not signalled (the bitstream keeps the first).
        let cs = encoded_color_space(&input, profile);
        if !s.core().started() && cs != s.core().color {
            *s = reopen(&**s, s.core().qp, cs)?;
        }
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
        self.tracker.clear();
        drained?;
        let resolved = check(&config)?;
        self.session = Some(open_session(
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
        // x264 and libvpx cannot leave the draining state: drain, then reopen the same config.
        if let Some(old) = self.finish(out)? {
            self.session = Some(reopen(&*old, old.core().qp, old.core().color)?);
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.session = None;
        self.tracker.clear();
    }
}
