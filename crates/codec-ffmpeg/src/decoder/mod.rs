//! The decoder backends: what every FFmpeg decoder session does the same way (send a packet,
//! drain the frames it has ready, re-arm after a flush, drop the session on an error) lives
//! here once, in [`DecoderBackend`]; each codec kind implements [`DecodeSession`]: the video
//! decoders in `video.rs`, the audio decoders in `audio/decoder.rs`.

use codec_core::CodecError;
use control_queue::{Backend, Cancel, ThreadPriority};
use ffmpeg::{codec::decoder::Opened, Packet};
use ffmpeg_next as ffmpeg;

use crate::{is_eagain, Error, Result};

mod video;

pub(crate) use video::color_space;
pub use video::{video_decoder_support, DecodedVideoOutput, VideoDecodeInput, VideoDecoderBackend};

/// One opened FFmpeg decoder for one configuration.
pub trait DecodeSession: Sized + Send + 'static {
    /// The decoder configuration.
    type Config: Send + 'static;
    /// One chunk to decode.
    type Input: Send + 'static;
    /// One decoded frame or sample buffer.
    type Output: Send + 'static;
    /// State kept across sessions (the video decoder's scaler cache).
    type Shared: Default + Send + 'static;

    /// The priority its worker asks for `config` ([`Backend::thread_priority`]).
    fn thread_priority(_config: &Self::Config) -> ThreadPriority {
        ThreadPriority::Background
    }

    /// Opens a decoder for `config`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] (or a spec error) for a configuration it cannot run, FFmpeg
    /// errors when opening fails.
    fn open(config: &Self::Config) -> Result<Self>;

    /// Checks `input` and makes the packet to send for it (recording what the outputs need
    /// to carry back, such as timestamps).
    ///
    /// # Errors
    /// [`Error::Malformed`] for a chunk the codec cannot take (empty, a broken header).
    fn packet(&mut self, input: &Self::Input) -> Result<Packet>;

    /// The FFmpeg decoder.
    fn decoder(&mut self) -> &mut Opened;

    /// Takes every frame the decoder has ready and emits it (unless `cancel` is stale);
    /// returns how many frames were taken.
    ///
    /// # Errors
    /// FFmpeg decoding errors and frames that cannot be converted.
    fn drain(
        &mut self,
        shared: &mut Self::Shared,
        cancel: &Cancel,
        out: &mut dyn FnMut(Self::Output),
    ) -> Result<usize>;

    /// Forgets per-stream state after a flush drained the decoder (its buffers are flushed
    /// by the caller).
    fn after_flush(&mut self);
}

/// The next frame the decoder has ready (written into `frame`): `false` when it needs more
/// input or is drained.
///
/// # Errors
/// FFmpeg decoding errors.
pub(crate) fn receive(dec: &mut Opened, frame: &mut ffmpeg::Frame) -> Result<bool> {
    match dec.receive_frame(frame) {
        Ok(()) => Ok(true),
        Err(e) if is_eagain(&e) => Ok(false),
        Err(ffmpeg::Error::Eof) => Ok(false),
        Err(e) => Err(Error::ffmpeg("decoding failed", e)),
    }
}

/// Sends one packet (or, with `pkt` `None`, the end of stream) to a session's decoder,
/// draining its output whenever it refuses input (`EAGAIN`) and once more after.
fn send<S: DecodeSession>(
    s: &mut S,
    pkt: Option<&Packet>,
    shared: &mut S::Shared,
    cancel: &Cancel,
    out: &mut dyn FnMut(S::Output),
) -> Result<()> {
    loop {
        let sent = match pkt {
            Some(p) => s.decoder().send_packet(p),
            None => s.decoder().send_eof(),
        };
        match sent {
            Ok(()) => break,
            Err(e) if is_eagain(&e) => {
                if s.drain(shared, cancel, out)? == 0 {
                    return Err(Error::ffmpeg("decoder refuses input and has no output", e));
                }
            }
            Err(ffmpeg::Error::Eof) if pkt.is_none() => break,
            Err(e) => return Err(Error::ffmpeg("decoding failed", e)),
        }
    }
    s.drain(shared, cancel, out)?;
    Ok(())
}

/// A decoder backend run by a `CodecWorker`: at most one open session, replaced on configure
/// and dropped after any error or reset (the next chunk then needs a configure).
pub struct DecoderBackend<S: DecodeSession> {
    session: Option<S>,
    shared: S::Shared,
}

impl<S: DecodeSession> Default for DecoderBackend<S> {
    fn default() -> Self {
        Self {
            session: None,
            shared: S::Shared::default(),
        }
    }
}

impl<S: DecodeSession> DecoderBackend<S> {
    fn process_inner(
        &mut self,
        input: &S::Input,
        cancel: &Cancel,
        out: &mut dyn FnMut(S::Output),
    ) -> Result<()> {
        let Some(s) = self.session.as_mut() else {
            return Err(CodecError::invalid_state("decoder is not configured").into());
        };
        let r = s
            .packet(input)
            .and_then(|p| send(s, Some(&p), &mut self.shared, cancel, out));
        if r.is_err() {
            self.session = None;
        }
        r
    }

    fn flush_inner(&mut self, cancel: &Cancel, out: &mut dyn FnMut(S::Output)) -> Result<()> {
        let Some(s) = self.session.as_mut() else {
            return Ok(());
        };
        if let Err(e) = send(s, None, &mut self.shared, cancel, out) {
            self.session = None;
            return Err(e);
        }
        // Leave the draining state so decoding can continue (with a key chunk).
        s.decoder().flush();
        s.after_flush();
        Ok(())
    }
}

impl<S: DecodeSession> Backend for DecoderBackend<S> {
    type Config = S::Config;
    type Input = S::Input;
    type Output = S::Output;

    fn configure(
        &mut self,
        config: S::Config,
        out: &mut dyn FnMut(S::Output),
    ) -> Result<(), CodecError> {
        crate::init();
        if let Some(mut s) = self.session.take() {
            // Outputs still inside the old decoder belong to the old configuration.
            let _ = send(&mut s, None, &mut self.shared, &Cancel::never(), out);
        }
        self.session = Some(S::open(&config)?);
        Ok(())
    }

    fn thread_priority(&self, config: &S::Config) -> ThreadPriority {
        S::thread_priority(config)
    }

    fn process(
        &mut self,
        input: S::Input,
        cancel: &Cancel,
        out: &mut dyn FnMut(S::Output),
    ) -> Result<(), CodecError> {
        if cancel.is_stale() {
            return Ok(());
        }
        self.process_inner(&input, cancel, out).map_err(Into::into)
    }

    fn flush(&mut self, cancel: &Cancel, out: &mut dyn FnMut(S::Output)) -> Result<(), CodecError> {
        self.flush_inner(cancel, out).map_err(Into::into)
    }

    fn reset(&mut self) {
        self.session = None;
    }
}
