//! The `ImageDecoder` processing model (<https://w3c.github.io/webcodecs/#imagedecoder-interface>)
//! as a sans-IO state machine, the image counterpart of [`crate::Model`].
//!
//! The model owns every rule of the spec that needs no codec: the `[[closed]]`/`[[tracks
//! established]]` state, `[[pending decode promises]]`, `[[complete]]`, track selection, "Get
//! Default Selected Track Index", "Update Tracks", "Reject Infeasible Decode" (`RangeError` or
//! `InvalidStateError`), "Fatally Reject Bad Data" and the effects of "Close ImageDecoder". The
//! worker (a [`crate::Msg`] consumer such as `control_queue::CodecWorker`) owns `[[encoded
//! data]]`, the codec and the `[[codec work queue]]` of decodes waiting for data; it answers with
//! [`ImageOutput`]s.
//!
//! Call order: a spec method ([`ImageDecoderModel::decode`], [`reset`](ImageDecoderModel::reset),
//! [`close`](ImageDecoderModel::close), [`select_track`](ImageDecoderModel::select_track), data
//! arrival through [`append`](ImageDecoderModel::append) and
//! [`end_of_data`](ImageDecoderModel::end_of_data)) or
//! [`handle_report`](ImageDecoderModel::handle_report), then drain
//! [`poll_action`](ImageDecoderModel::poll_action) (messages for the worker, in order) and
//! [`poll_event`](ImageDecoderModel::poll_event) (JS-visible effects, in order).
//!
//! Epochs: `reset()` and a track change do **not** start a new epoch. The data messages queued
//! before them must still reach the worker (the bytes are not kept anywhere else), so they
//! cancel decodes with [`Msg::Reset`] (the worker forgets the decodes it holds) and the model
//! drops any later report for a decode whose promise is no longer pending. Close starts a new
//! epoch: every queued message becomes stale (its payload is freed unrun) and every report
//! still in flight is dropped.

use std::collections::VecDeque;

use crate::error::CodecError;
use crate::model::{Epoch, Msg, Report, Tagged};

#[cfg(test)]
mod tests;

/// Identifies one of the `[[pending decode promises]]`.
pub type DecodeId = u64;

/// One image track as the encoded data describes it (`ImageTrack`'s `animated`, `frameCount`
/// and `repetitionCount`, <https://w3c.github.io/webcodecs/#imagetrack-interface>).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageTrackInfo {
    /// Whether the track is an animation.
    pub animated: bool,
    /// Frames known so far (grows while streaming).
    pub frame_count: u32,
    /// Repetitions after the first play; `f64::INFINITY` loops forever.
    pub repetition_count: f64,
}

/// "Get Default Selected Track Index": the primary track (the first; every container we read
/// lists it first) unless `prefer_animation` asks for the other kind and such a track exists.
pub fn default_selected_track(tracks: &[ImageTrackInfo], prefer_animation: Option<bool>) -> usize {
    match (prefer_animation, tracks.first()) {
        (Some(p), Some(t)) if t.animated != p => {
            tracks.iter().position(|t| t.animated == p).unwrap_or(0)
        }
        _ => 0,
    }
}

/// A message body for the worker (`Msg::Process`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRequest {
    /// Append bytes to `[[encoded data]]`, then answer [`ImageOutput::Tracks`].
    Data(Vec<u8>),
    /// `[[complete]]` became true: no more bytes will come. Answer [`ImageOutput::Tracks`].
    EndOfData,
    /// The decode control message: answer [`ImageOutput::Decoded`] (possibly several times
    /// for one partial image after another only when a later request asks again),
    /// [`ImageOutput::Infeasible`], or fail; requests are served in order, a request whose
    /// frame has not arrived holding back every later one.
    Decode {
        /// The promise to settle.
        id: DecodeId,
        /// `[[internal selected track index]]`; `None` before the tracks are established (the
        /// worker then uses [`default_selected_track`]).
        track: Option<u32>,
        /// `frameIndex`.
        frame_index: u32,
        /// `completeFramesOnly`.
        complete_frames_only: bool,
    },
    /// The selected track changed: clear `[[progressive frame generations]]`.
    TrackChanged,
}

/// What the worker reports (`Report::Output`); `F` is a decoded frame.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageOutput<F> {
    /// The answer to [`ImageRequest::Data`] and [`ImageRequest::EndOfData`]: the tracks as the
    /// encoded data describes them now (`None`: not enough data to tell).
    Tracks {
        /// The tracks, primary first.
        tracks: Option<Vec<ImageTrackInfo>>,
        /// The answer is to [`ImageRequest::EndOfData`] (or later data).
        data_complete: bool,
    },
    /// A decoded frame.
    Decoded {
        /// The request.
        id: DecodeId,
        /// The image.
        frame: F,
        /// Full detail (`false` for a partial progressive image).
        complete: bool,
    },
    /// The frame can never be decoded: the data is complete (or the container has ended) and
    /// does not contain it (an index past the track, or data that ends inside the frame).
    Infeasible {
        /// The request.
        id: DecodeId,
    },
}

/// What JS must do, in order, drained through [`ImageDecoderModel::poll_event`].
#[derive(Debug, Clone, PartialEq)]
pub enum ImageEvent<F> {
    /// Establish Tracks' task: publish `tracks`, select `selected`, resolve `tracks.ready`.
    /// Emitted at most once, never after [`ImageEvent::Closed`].
    TracksEstablished {
        /// The track list.
        tracks: Vec<ImageTrackInfo>,
        /// `[[selected index]]`.
        selected: usize,
    },
    /// Update Tracks' task: `(track index, new frame count)` for every track that grew.
    /// Only after [`ImageEvent::TracksEstablished`]; counts only grow.
    FrameCountsChanged(Vec<(usize, u32)>),
    /// Resolve Decode. Exactly one of `Resolved`/`Rejected` per [`DecodeId`].
    Resolved {
        /// The promise.
        id: DecodeId,
        /// The image.
        frame: F,
        /// `ImageDecodeResult.complete`.
        complete: bool,
    },
    /// Reject the decode promise with `error`.
    Rejected {
        /// The promise.
        id: DecodeId,
        /// Why.
        error: CodecError,
    },
    /// `[[complete]]` became true: resolve `completed`. Never after [`ImageEvent::Closed`].
    Completed,
    /// Close ImageDecoder ran (its decode rejections come first): clear `type`; reject
    /// `tracks.ready` with `error` if the tracks were not established, else empty the list
    /// (selected index -1); reject `completed` with `error` if the data was not complete.
    /// The last event of a model.
    Closed {
        /// The exception.
        error: CodecError,
        /// `[[tracks established]]` at the time.
        tracks_established: bool,
        /// `[[complete]]` at the time.
        complete: bool,
    },
}

/// The decoder's state (`[[closed]]`, `[[tracks established]]` and the track list).
#[derive(Debug, Clone, PartialEq)]
pub enum ImageState {
    /// Open; the encoded data has not told the tracks yet.
    Establishing,
    /// Open with its tracks known.
    Established {
        /// `[[track list]]` (frame counts as last published).
        tracks: Vec<ImageTrackInfo>,
        /// `[[selected index]]`; `None` is -1.
        selected: Option<usize>,
    },
    /// Closed for good.
    Closed {
        /// The type was not supported (later `decode()` calls reject with
        /// `NotSupportedError`, as in Chromium and Firefox, instead of `InvalidStateError`).
        unsupported: bool,
    },
}

/// The per-decoder processing model of `ImageDecoder`
/// (<https://w3c.github.io/webcodecs/#imagedecoder-interface>). See the module docs for the call
/// order.
pub struct ImageDecoderModel<C, F> {
    state: ImageState,
    /// `[[complete]]`
    complete: bool,
    /// `[[prefer animation]]`
    prefer_animation: Option<bool>,
    epoch: Epoch,
    next_id: DecodeId,
    /// `[[pending decode promises]]`, in request order.
    pending_decode_promises: VecDeque<DecodeId>,
    /// `Process` messages sent to the worker and not yet `Done`.
    in_flight: u32,
    actions: VecDeque<Tagged<Msg<C, ImageRequest>>>,
    events: VecDeque<ImageEvent<F>>,
}

impl<C, F> ImageDecoderModel<C, F> {
    fn blank(prefer_animation: Option<bool>) -> Self {
        Self {
            state: ImageState::Establishing,
            complete: false,
            prefer_animation,
            epoch: 0,
            next_id: 1,
            pending_decode_promises: VecDeque::new(),
            in_flight: 0,
            actions: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The constructor for a supported type: its configure message carries `config`.
    /// `prefer_animation` is `ImageDecoderInit.preferAnimation`.
    pub fn new(config: C, prefer_animation: Option<bool>) -> Self {
        let mut m = Self::blank(prefer_animation);
        m.send(Msg::Configure(config));
        m
    }

    /// The constructor for a type this build cannot decode: the configure message closes the
    /// decoder with `NotSupportedError` at once (the caller applies the events in a later
    /// microtask, as the message would run). `data_complete`: the data was a BufferSource, so
    /// `completed` resolved first. No message is ever sent to a worker.
    pub fn unsupported(data_complete: bool) -> Self {
        let mut m = Self::blank(None);
        if data_complete {
            m.complete = true;
            m.events.push_back(ImageEvent::Completed);
        }
        m.close_with(CodecError::not_supported(
            "this image type is not supported",
        ));
        m.state = ImageState::Closed { unsupported: true };
        m.actions.clear();
        m
    }

    /// The state.
    pub fn state(&self) -> &ImageState {
        &self.state
    }

    /// `complete` attribute.
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// Whether the decoder is closed.
    pub fn is_closed(&self) -> bool {
        matches!(self.state, ImageState::Closed { .. })
    }

    /// The current epoch; messages for the worker carry it.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// Number of decode promises not yet settled.
    pub fn pending_decodes(&self) -> usize {
        self.pending_decode_promises.len()
    }

    /// Whether the worker owes an answer (a message it has not finished). Decodes waiting for
    /// stream data do not count: nothing will happen until more data arrives, so the host must
    /// not stay alive for them alone.
    pub fn is_busy(&self) -> bool {
        !self.is_closed() && self.in_flight > 0
    }

    /// Next message for the worker, in FIFO order.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Tagged<Msg<C, ImageRequest>>> {
        self.actions.pop_front()
    }

    /// Whether JS-visible effects are waiting in [`ImageDecoderModel::poll_event`].
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Next JS-visible effect, in order.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ImageEvent<F>> {
        self.events.pop_front()
    }

    /// Fetch Stream Data Loop
    /// (<https://w3c.github.io/webcodecs/#imagedecoder-fetch-stream-data-loop>), chunk steps:
    /// append `bytes` to `[[encoded data]]` (ignored once closed, or empty). A BufferSource is one
    /// such chunk followed by [`ImageDecoderModel::end_of_data`].
    pub fn append(&mut self, bytes: Vec<u8>) {
        if !self.is_closed() && !bytes.is_empty() {
            self.process(ImageRequest::Data(bytes));
        }
    }

    /// The data is complete (a BufferSource at construction, or the stream's close steps):
    /// `[[complete]]` becomes true and `completed` resolves. Ignored once closed or complete.
    pub fn end_of_data(&mut self) {
        if self.is_closed() || self.complete {
            return;
        }
        self.complete = true;
        self.events.push_back(ImageEvent::Completed);
        self.process(ImageRequest::EndOfData);
    }

    /// Fetch Stream Data Loop: a chunk that is not a `Uint8Array` closes with `DataError`.
    pub fn chunk_not_bytes(&mut self) {
        self.close_if_open(CodecError::data(
            "ReadableStream chunks must be Uint8Arrays",
        ));
    }

    /// Fetch Stream Data Loop, error steps: closes with `NotReadableError`.
    pub fn stream_error(&mut self, message: &str) {
        self.close_if_open(CodecError::not_readable(format!(
            "reading the image stream failed: {message}"
        )));
    }

    /// `decode(options)` (<https://w3c.github.io/webcodecs/#dom-imagedecoder-decode>): returns the
    /// id of the new pending decode promise.
    ///
    /// Spec step 2 rejects while `[[selected index]]` is -1, which read literally includes the
    /// time before the tracks are established; but the control message then "waits for
    /// `[[tracks established]]`", and Chromium, Firefox and WPT (decodes issued before
    /// `tracks.ready`) queue such a decode. So do we: only a decoder whose tracks are known and
    /// none selected rejects.
    ///
    /// # Errors
    /// `InvalidStateError` when closed (`NotSupportedError` when closed because the type is not
    /// supported) or when no track is selected; the caller returns a rejected promise.
    pub fn decode(
        &mut self,
        frame_index: u32,
        complete_frames_only: bool,
    ) -> Result<DecodeId, CodecError> {
        let track = match &self.state {
            ImageState::Closed { unsupported: true } => {
                return Err(CodecError::not_supported(
                    "this image type is not supported",
                ))
            }
            ImageState::Closed { .. } => {
                return Err(CodecError::invalid_state("ImageDecoder is closed"))
            }
            ImageState::Established { selected: None, .. } => {
                return Err(CodecError::invalid_state("no track is selected"))
            }
            ImageState::Established {
                selected: Some(s), ..
            } => Some(*s as u32),
            ImageState::Establishing => None,
        };
        let id = self.next_id;
        self.next_id += 1;
        self.pending_decode_promises.push_back(id);
        self.process(ImageRequest::Decode {
            id,
            track,
            frame_index,
            complete_frames_only,
        });
        Ok(id)
    }

    /// `reset()`: "Reset ImageDecoder"
    /// (<https://w3c.github.io/webcodecs/#imagedecoder-reset-imagedecoder>) with `AbortError`.
    /// Never fails (a no-op once closed).
    pub fn reset(&mut self) {
        if !self.is_closed() {
            self.reset_with(CodecError::abort("ImageDecoder was reset"));
        }
    }

    /// `close()`: "Close ImageDecoder"
    /// (<https://w3c.github.io/webcodecs/#imagedecoder-close-imagedecoder>) with `AbortError` (a
    /// no-op once closed).
    pub fn close(&mut self) {
        self.close_if_open(CodecError::abort("ImageDecoder was closed"));
    }

    /// The host is going away (garbage collection): like `close()`, never reports.
    pub fn shut_down(&mut self) {
        self.close();
    }

    /// `ImageTrack.selected = value` on track `index`. Returns the new `[[selected index]]`
    /// (`None`: -1) when the selection changed, after which pending decodes are rejected with
    /// `AbortError` and the worker is told; `None` when nothing changes (closed, tracks not
    /// established, no such track, or `value` equals the track's `selected`).
    pub fn select_track(&mut self, index: usize, value: bool) -> Option<Option<usize>> {
        let ImageState::Established { tracks, selected } = &mut self.state else {
            return None;
        };
        if index >= tracks.len() || (*selected == Some(index)) == value {
            return None;
        }
        // `value` differs from the track's `selected`: deselecting it leaves none selected.
        let new = value.then_some(index);
        *selected = new;
        self.reset_with(CodecError::abort("the selected track changed"));
        self.process(ImageRequest::TrackChanged);
        Some(new)
    }

    /// A report from the worker. Reports of a stale epoch, or arriving after close, are
    /// dropped; so are decode answers for promises no longer pending (aborted by a reset).
    pub fn handle_report(&mut self, report: Tagged<Report<ImageOutput<F>>>) {
        if report.epoch != self.epoch || self.is_closed() {
            return;
        }
        match report.body {
            Report::Configured | Report::Dequeued | Report::FlushDone(_) => {}
            Report::Done => self.in_flight = self.in_flight.saturating_sub(1),
            Report::Failed(e) => self.close_with(e),
            Report::Output(ImageOutput::Tracks {
                tracks,
                data_complete,
            }) => self.tracks_known(tracks, data_complete),
            Report::Output(ImageOutput::Decoded {
                id,
                frame,
                complete,
            }) => {
                if self.take_pending(id) {
                    self.events.push_back(ImageEvent::Resolved {
                        id,
                        frame,
                        complete,
                    });
                }
            }
            Report::Output(ImageOutput::Infeasible { id }) => {
                if self.take_pending(id) {
                    // Reject Infeasible Decode. The worker reports it only when the frame can
                    // never come (the data is complete, or the container says it has ended):
                    // `RangeError`. Its other case, a closed decoder, is Close's rejection.
                    let error =
                        CodecError::range_error("the image data does not contain this frame");
                    self.events.push_back(ImageEvent::Rejected { id, error });
                }
            }
        }
    }

    /// Establish Tracks or Update Tracks with what the encoded data says now.
    fn tracks_known(&mut self, tracks: Option<Vec<ImageTrackInfo>>, data_complete: bool) {
        match (&mut self.state, tracks) {
            (ImageState::Establishing, None) if data_complete => self.close_with(
                CodecError::invalid_state("the image data ended before its header"),
            ),
            (ImageState::Establishing, Some(t)) if t.is_empty() => {
                self.close_with(CodecError::encoding("the image has no tracks"))
            }
            (ImageState::Establishing, Some(t)) => {
                let selected = default_selected_track(&t, self.prefer_animation);
                self.state = ImageState::Established {
                    tracks: t.clone(),
                    selected: Some(selected),
                };
                self.events.push_back(ImageEvent::TracksEstablished {
                    tracks: t,
                    selected,
                });
            }
            (ImageState::Established { tracks, .. }, Some(latest)) => {
                let mut changes = Vec::new();
                for (i, (t, l)) in tracks.iter_mut().zip(&latest).enumerate() {
                    if l.frame_count > t.frame_count {
                        t.frame_count = l.frame_count;
                        changes.push((i, l.frame_count));
                    }
                }
                if !changes.is_empty() {
                    self.events
                        .push_back(ImageEvent::FrameCountsChanged(changes));
                }
            }
            _ => {}
        }
    }

    fn take_pending(&mut self, id: DecodeId) -> bool {
        match self.pending_decode_promises.iter().position(|&p| p == id) {
            Some(i) => {
                self.pending_decode_promises.remove(i);
                true
            }
            None => false,
        }
    }

    fn send(&mut self, body: Msg<C, ImageRequest>) {
        self.actions.push_back(Tagged {
            epoch: self.epoch,
            body,
        });
    }

    fn process(&mut self, r: ImageRequest) {
        self.in_flight += 1;
        self.send(Msg::Process(r));
    }

    /// Reset ImageDecoder: the worker drops the decodes it holds, every pending promise is
    /// rejected with `exception`.
    fn reset_with(&mut self, exception: CodecError) {
        self.send(Msg::Reset);
        for id in self.pending_decode_promises.drain(..) {
            self.events.push_back(ImageEvent::Rejected {
                id,
                error: exception.clone(),
            });
        }
    }

    fn close_if_open(&mut self, exception: CodecError) {
        if !self.is_closed() {
            self.close_with(exception);
        }
    }

    /// Close ImageDecoder with `exception` (also "Fatally Reject Bad Data" with an
    /// `EncodingError`).
    fn close_with(&mut self, exception: CodecError) {
        self.reset_with(exception.clone());
        let tracks_established = matches!(self.state, ImageState::Established { .. });
        self.state = ImageState::Closed { unsupported: false };
        self.epoch += 1;
        self.in_flight = 0;
        self.send(Msg::Close);
        self.events.push_back(ImageEvent::Closed {
            error: exception,
            tracks_established,
            complete: self.complete,
        });
    }
}
