//! [`ImageBackend`]: the worker side of codec-core's `ImageDecoderModel`, run by a
//! `control_queue::CodecWorker`. It owns `[[encoded data]]` (an [`ImageSession`]), the
//! `[[codec work queue]]` of decode requests and `[[progressive frame generations]]`.
//!
//! Each `Data`/`EndOfData` message is answered with the tracks as the data describes them; then
//! the decode requests are served in request order (the spec's control message queue, as in
//! Chromium): the first one whose frame has not arrived holds back every later one until more
//! data comes. Any error is fatal (the worker reports `Failed` and the model closes the decoder).

use std::collections::{HashMap, VecDeque};

use codec_core::{DecodeId, ImageOutput, ImageRequest};
use control_queue::{Backend, Cancel, CodecError};

use super::session::DecodeOutcome;
use super::{ImageDecoderConfig, ImageFrameOutput, ImageSession};
use crate::{Error, Result};

/// A decode request waiting in the codec work queue.
struct Waiting {
    id: DecodeId,
    track: Option<u32>,
    frame_index: u32,
    complete_frames_only: bool,
}

/// The image decoding backend.
#[derive(Default)]
pub struct ImageBackend {
    session: Option<ImageSession>,
    /// Decodes not served yet, in request order.
    waiting: VecDeque<Waiting>,
    /// `[[progressive frame generations]]`: frame index → generation last delivered.
    generations: HashMap<u32, u32>,
}

impl ImageBackend {
    /// A backend waiting for its configure message.
    pub fn new() -> Self {
        Self::default()
    }

    fn session(&mut self) -> Result<&mut ImageSession> {
        self.session
            .as_mut()
            .ok_or_else(|| Error::internal("image decoder used before configure"))
    }

    /// Runs one request; see the module docs.
    ///
    /// # Errors
    /// Malformed data, a decoder failure or a missing FFmpeg decoder: fatal for the decoder.
    pub fn handle(
        &mut self,
        request: ImageRequest,
        cancel: &Cancel,
        out: &mut dyn FnMut(ImageOutput<ImageFrameOutput>),
    ) -> Result<()> {
        match request {
            ImageRequest::Data(bytes) => {
                let s = self.session()?;
                s.append_owned(bytes);
                let tracks = s.tracks()?;
                out(ImageOutput::Tracks {
                    tracks,
                    data_complete: s.is_complete(),
                });
            }
            ImageRequest::EndOfData => {
                let s = self.session()?;
                s.set_complete();
                let tracks = s.tracks()?;
                out(ImageOutput::Tracks {
                    tracks,
                    data_complete: true,
                });
            }
            ImageRequest::Decode {
                id,
                track,
                frame_index,
                complete_frames_only,
            } => self.waiting.push_back(Waiting {
                id,
                track,
                frame_index,
                complete_frames_only,
            }),
            ImageRequest::TrackChanged => self.generations.clear(),
        }
        self.serve(cancel, out)
    }

    /// Serves waiting decodes in order until one must wait for data.
    fn serve(
        &mut self,
        cancel: &Cancel,
        out: &mut dyn FnMut(ImageOutput<ImageFrameOutput>),
    ) -> Result<()> {
        while let Some(w) = self.waiting.front() {
            if cancel.is_stale() {
                return Ok(());
            }
            let after = (!w.complete_frames_only)
                .then(|| self.generations.get(&w.frame_index).copied().unwrap_or(0));
            let (id, track, index) = (w.id, w.track, w.frame_index);
            match self.session()?.decode(track, index, after)? {
                DecodeOutcome::NotYet => return Ok(()),
                DecodeOutcome::Infeasible => out(ImageOutput::Infeasible { id }),
                DecodeOutcome::Frame(frame) => {
                    match frame.generation {
                        Some(g) => self.generations.insert(index, g),
                        None => self.generations.remove(&index),
                    };
                    let complete = frame.generation.is_none();
                    out(ImageOutput::Decoded {
                        id,
                        frame,
                        complete,
                    });
                }
            }
            self.waiting.pop_front();
        }
        Ok(())
    }
}

impl Backend for ImageBackend {
    type Config = ImageDecoderConfig;
    type Input = ImageRequest;
    type Output = ImageOutput<ImageFrameOutput>;

    fn configure(
        &mut self,
        config: ImageDecoderConfig,
        _out: &mut dyn FnMut(Self::Output),
    ) -> Result<(), CodecError> {
        self.session = Some(ImageSession::new(config.ty, config.options));
        self.waiting.clear();
        self.generations.clear();
        Ok(())
    }

    fn process(
        &mut self,
        input: ImageRequest,
        cancel: &Cancel,
        out: &mut dyn FnMut(Self::Output),
    ) -> Result<(), CodecError> {
        self.handle(input, cancel, out).map_err(Into::into)
    }

    fn flush(
        &mut self,
        _cancel: &Cancel,
        _out: &mut dyn FnMut(Self::Output),
    ) -> Result<(), CodecError> {
        Ok(())
    }

    /// Reset ImageDecoder: the waiting decodes are dropped (their promises are already
    /// rejected); the data and the generations stay.
    fn reset(&mut self) {
        self.waiting.clear();
    }
}
