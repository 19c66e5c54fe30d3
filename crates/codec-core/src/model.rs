//! The codec processing model (<https://w3c.github.io/webcodecs/#codec-processing-model-section>).
//!
//! One [`Model`] serves all four codec interfaces (`VideoEncoder`, `VideoDecoder`, `AudioEncoder`,
//! `AudioDecoder`); they differ only in the payload types and in the decoder's key-chunk rule.

use std::collections::VecDeque;

use crate::error::{CodecError, ErrorName};
use crate::frame::Orientation;
use crate::rules::{InputFacts, KeyChunkCheck, ModelConfig, OutputContext};

/// A configuration generation. Reset and close start a new one; work and reports of older
/// epochs are stale and dropped ("cease producing output for the previous configuration").
pub type Epoch = u64;

/// Identifies one of the `[[pending flush promises]]`.
pub type FlushId = u64;

/// `CodecState` (<https://w3c.github.io/webcodecs/#enumdef-codecstate>).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecState {
    /// Not configured: only `configure()`, `reset()` and `close()` are legal.
    Unconfigured,
    /// Configured: `encode()`/`decode()` and `flush()` are legal.
    Configured,
    /// Permanently closed: every method throws `InvalidStateError` (flush rejects with it).
    Closed,
}

impl CodecState {
    /// The JS string value of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconfigured => "unconfigured",
            Self::Configured => "configured",
            Self::Closed => "closed",
        }
    }
}

/// Whether the model runs an encoder or a decoder (decoders have `[[key chunk required]]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodecKind {
    /// `VideoEncoder` / `AudioEncoder`.
    Encoder,
    /// `VideoDecoder` / `AudioDecoder`.
    Decoder,
}

/// A value stamped with the epoch it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged<T> {
    /// Epoch of the configuration the value belongs to.
    pub epoch: Epoch,
    /// The value.
    pub body: T,
}

/// A control message for the codec worker, in the order the worker must run them
/// (<https://w3c.github.io/webcodecs/#control-messages>). The worker runs them on its
/// `[[codec work queue]]` (<https://w3c.github.io/webcodecs/#codec-work-queue>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg<C, I> {
    /// Open (or reopen) the codec with this configuration; report [`Report::Configured`] or
    /// [`Report::Failed`].
    Configure(C),
    /// Encode or decode one input; report [`Report::Dequeued`] when taken and [`Report::Done`]
    /// when finished.
    Process(I),
    /// Drain every pending output, report [`Report::FlushDone`], then re-arm the codec.
    Flush(FlushId),
    /// Forget all pending work of previous epochs; the codec may stay allocated.
    Reset,
    /// Free the codec and stop the worker.
    Close,
}

/// What the worker reports back, each stamped with the epoch of the message that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report<O> {
    /// A `Configure` succeeded; unblocks the control message queue.
    Configured,
    /// The worker took a `Process` message: the queue size goes down by one.
    Dequeued,
    /// The worker finished a `Process` message: one less unit of in-flight work.
    Done,
    /// One output (encoded chunk or decoded frame/data).
    Output(O),
    /// A flush finished after all its outputs were reported.
    FlushDone(FlushId),
    /// The codec failed (unsupported config or codec error): the model closes with this error.
    Failed(CodecError),
}

/// What the JS side must do, in order, drained through [`Model::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsEvent<O> {
    /// Call the `output` callback, with what the configuration that produced the output says
    /// about it. Never emitted after close or for a stale epoch.
    Output(O, OutputContext),
    /// Call the `error` callback (the codec is already closed). Never emitted for `AbortError`.
    Error(CodecError),
    /// Resolve this flush promise.
    FlushResolved(FlushId),
    /// Reject this flush promise with the error.
    FlushRejected(FlushId, CodecError),
    /// Queue a task that fires `dequeue` and then calls [`Model::dequeue_event_fired`] ("Schedule
    /// Dequeue Event", <https://w3c.github.io/webcodecs/#videodecoder-schedule-dequeue-event>). At
    /// most one is outstanding at a time (`[[dequeue event scheduled]]`).
    ScheduleDequeue,
}

enum Queued<C, I> {
    Configure(C),
    Process(I),
    Flush(FlushId),
}

/// Default cap on `Process` messages handed to the worker and not yet finished: at the cap the
/// model's `[[codec saturated]]` is true and further inputs wait in its control message queue.
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 16;

/// The per-codec processing model
/// (<https://w3c.github.io/webcodecs/#codec-processing-model-section>): the state, internal slots
/// (<https://w3c.github.io/webcodecs/#videoencoder-internal-slots>,
/// <https://w3c.github.io/webcodecs/#videodecoder-internal-slots>) and method steps of
/// `VideoEncoder`, `VideoDecoder`, `AudioEncoder` and `AudioDecoder`, with the codec work left to a
/// worker.
///
/// Call order: a spec method (`configure`, `submit`, `flush`, `reset`, `close`) or
/// [`Model::handle_report`], then drain [`Model::poll_action`] (messages for the worker, in order)
/// and [`Model::poll_event`] (JS-visible effects, in order). All of this happens on the JS thread;
/// the model never blocks and never touches a codec.
pub struct Model<C, I, O> {
    kind: CodecKind,
    state: CodecState,
    epoch: Epoch,
    next_flush_id: FlushId,
    /// `[[control message queue]]`
    control_message_queue: VecDeque<Queued<C, I>>,
    /// `[[message queue blocked]]`
    message_queue_blocked: bool,
    /// Process messages handed to the worker and not yet `Done`.
    in_flight: u32,
    max_in_flight: u32,
    /// `[[encodeQueueSize]]` / `[[decodeQueueSize]]`
    queue_size: u32,
    /// `[[dequeue event scheduled]]`
    dequeue_event_scheduled: bool,
    /// `[[pending flush promises]]`
    pending_flush_promises: Vec<FlushId>,
    /// `[[key chunk required]]` (decoders only)
    key_chunk_required: bool,
    /// The key-chunk check of the last configuration (video decoders).
    key_chunk_check: Option<KeyChunkCheck>,
    /// What outputs of the configuration the worker runs carry.
    output_context: OutputContext,
    /// The same for configurations `configure()` accepted and the worker has not confirmed yet,
    /// oldest first. The last one (or `output_context` when empty) is the one `encode()` sees:
    /// it holds `[[active orientation]]`.
    pending_contexts: VecDeque<OutputContext>,
    actions: VecDeque<Tagged<Msg<C, I>>>,
    events: VecDeque<JsEvent<O>>,
}

impl<C, I, O> Model<C, I, O> {
    /// A new codec in state `unconfigured` with the default saturation cap.
    pub fn new(kind: CodecKind) -> Self {
        Self::with_max_in_flight(kind, DEFAULT_MAX_IN_FLIGHT)
    }

    /// A new codec whose worker holds at most `max_in_flight` (at least 1) unfinished inputs;
    /// beyond that `[[codec saturated]]` is true and inputs wait in the control message queue.
    pub fn with_max_in_flight(kind: CodecKind, max_in_flight: u32) -> Self {
        Self {
            kind,
            state: CodecState::Unconfigured,
            epoch: 0,
            next_flush_id: 1,
            control_message_queue: VecDeque::new(),
            message_queue_blocked: false,
            in_flight: 0,
            max_in_flight: max_in_flight.max(1),
            queue_size: 0,
            dequeue_event_scheduled: false,
            pending_flush_promises: Vec::new(),
            key_chunk_required: kind == CodecKind::Decoder,
            key_chunk_check: None,
            output_context: OutputContext::default(),
            pending_contexts: VecDeque::new(),
            actions: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The `state` attribute (<https://w3c.github.io/webcodecs/#dom-videodecoder-state>).
    pub fn state(&self) -> CodecState {
        self.state
    }

    /// `[[key chunk required]]` (decoders,
    /// <https://w3c.github.io/webcodecs/#videodecoder-internal-slots>): the next `submit()` must be
    /// a key chunk.
    pub fn key_chunk_required(&self) -> bool {
        self.key_chunk_required
    }

    /// The `encodeQueueSize` / `decodeQueueSize` attribute
    /// (<https://w3c.github.io/webcodecs/#dom-videoencoder-encodequeuesize>,
    /// <https://w3c.github.io/webcodecs/#dom-videodecoder-decodequeuesize>): inputs submitted and
    /// not yet taken by the worker.
    pub fn queue_size(&self) -> u32 {
        self.queue_size
    }

    /// The current epoch; messages sent to the worker carry it.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// `[[codec saturated]]` (<https://w3c.github.io/webcodecs/#videodecoder-internal-slots>): the
    /// worker holds as many unfinished inputs as the model allows, so the next input waits in the
    /// control message queue.
    pub fn codec_saturated(&self) -> bool {
        self.in_flight >= self.max_in_flight
    }

    /// Number of flush promises not yet settled.
    pub fn pending_flushes(&self) -> usize {
        self.pending_flush_promises.len()
    }

    /// Whether work is outstanding that will surely produce a JS-visible result (queued or
    /// unfinished inputs, a configure in progress, pending flushes, a scheduled `dequeue` event).
    /// While busy the host keeps
    /// the process alive; an idle configured codec must not.
    pub fn is_busy(&self) -> bool {
        self.state != CodecState::Closed
            && (self.queue_size > 0
                || self.in_flight > 0
                || self.message_queue_blocked
                || self.dequeue_event_scheduled
                || !self.control_message_queue.is_empty()
                || !self.pending_flush_promises.is_empty())
    }

    /// Whether [`Model::poll_event`] has something to give.
    pub fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// Next message for the worker, in FIFO order.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Tagged<Msg<C, I>>> {
        self.actions.pop_front()
    }

    /// Next JS-visible effect, in order.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<JsEvent<O>> {
        self.events.pop_front()
    }

    /// `encode()` / `decode()` (<https://w3c.github.io/webcodecs/#dom-videoencoder-encode>,
    /// <https://w3c.github.io/webcodecs/#dom-videodecoder-decode>). `facts(&input)` tells the rules
    /// what they need to know: a frame's orientation (video encoders), a chunk's type and bytes
    /// (decoders).
    ///
    /// # Errors
    /// `InvalidStateError` if not configured; `DataError` if a frame's orientation differs from
    /// `[[active orientation]]`, or if a decoder needs a key chunk and the chunk is not labelled
    /// "key" or its bytes show it is not one. The codec is unchanged and `input` is dropped.
    pub fn submit<F>(&mut self, input: I, facts: F) -> Result<(), CodecError>
    where
        F: FnOnce(&I) -> InputFacts<'_>,
    {
        if self.state != CodecState::Configured {
            return Err(CodecError::invalid_state(format!(
                "codec is {}",
                self.state.as_str()
            )));
        }
        match (self.kind, facts(&input)) {
            (CodecKind::Encoder, InputFacts::Frame(o)) => self.check_orientation(o)?,
            (CodecKind::Decoder, InputFacts::Chunk { key, data }) if self.key_chunk_required => {
                if !key {
                    return Err(CodecError::data(
                        "a key chunk is required after configure() or flush()",
                    ));
                }
                if let Some(check) = &self.key_chunk_check {
                    check.check(data)?;
                }
                self.key_chunk_required = false;
            }
            _ => {}
        }
        self.queue_size = self.queue_size.saturating_add(1);
        self.control_message_queue.push_back(Queued::Process(input));
        self.process_control_message_queue();
        Ok(())
    }

    /// `[[active orientation]]`: the first frame after `configure()` sets it; a frame with
    /// another orientation is a `DataError` (the codec keeps working).
    fn check_orientation(&mut self, o: Orientation) -> Result<(), CodecError> {
        let active = match self.pending_contexts.back_mut() {
            Some(c) => c,
            None => &mut self.output_context,
        };
        match active.orientation {
            None => active.orientation = Some(o),
            Some(a) if a != o => {
                return Err(CodecError::data(
                    "the frame's rotation and flip differ from the first frame's after configure()",
                ))
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// `flush()` (<https://w3c.github.io/webcodecs/#dom-videodecoder-flush>). Returns the id of the
    /// new pending flush promise.
    ///
    /// # Errors
    /// `InvalidStateError` if not configured (the caller returns a rejected promise).
    pub fn flush(&mut self) -> Result<FlushId, CodecError> {
        if self.state != CodecState::Configured {
            return Err(CodecError::invalid_state(format!(
                "codec is {}",
                self.state.as_str()
            )));
        }
        if self.kind == CodecKind::Decoder {
            self.key_chunk_required = true;
        }
        let id = self.next_flush_id;
        self.next_flush_id += 1;
        self.pending_flush_promises.push(id);
        self.control_message_queue.push_back(Queued::Flush(id));
        self.process_control_message_queue();
        Ok(id)
    }

    /// `reset()`: "Reset VideoDecoder" (<https://w3c.github.io/webcodecs/#reset-videodecoder>) with
    /// `AbortError`.
    ///
    /// # Errors
    /// `InvalidStateError` if closed.
    pub fn reset(&mut self) -> Result<(), CodecError> {
        self.ensure_not_closed()?;
        self.reset_with(CodecError::abort("reset() was called"));
        Ok(())
    }

    /// `close()`: "Close VideoDecoder" (<https://w3c.github.io/webcodecs/#close-videodecoder>) with
    /// `AbortError`.
    ///
    /// # Errors
    /// `InvalidStateError` if already closed.
    pub fn close(&mut self) -> Result<(), CodecError> {
        self.ensure_not_closed()?;
        self.close_with(CodecError::abort("close() was called"));
        Ok(())
    }

    /// Close the codec because the host is going away (garbage collection, environment
    /// teardown): like `close()` but never fails and never reports an error.
    pub fn shut_down(&mut self) {
        if self.state != CodecState::Closed {
            self.close_with(CodecError::abort("codec was garbage-collected"));
        }
    }

    /// A report from the worker. Reports of a stale epoch, or arriving after close, are dropped.
    pub fn handle_report(&mut self, report: Tagged<Report<O>>) {
        if report.epoch != self.epoch || self.state == CodecState::Closed {
            return;
        }
        match report.body {
            Report::Configured => {
                if let Some(c) = self.pending_contexts.pop_front() {
                    self.output_context = c;
                }
                self.message_queue_blocked = false;
                self.process_control_message_queue();
            }
            Report::Dequeued => {
                self.queue_size = self.queue_size.saturating_sub(1);
                self.schedule_dequeue_event();
            }
            Report::Done => {
                self.in_flight = self.in_flight.saturating_sub(1);
                self.process_control_message_queue();
            }
            Report::Output(o) => self
                .events
                .push_back(JsEvent::Output(o, self.output_context)),
            Report::FlushDone(id) => {
                if let Some(pos) = self.pending_flush_promises.iter().position(|&p| p == id) {
                    self.pending_flush_promises.remove(pos);
                    self.events.push_back(JsEvent::FlushResolved(id));
                }
            }
            Report::Failed(e) => self.close_with(e),
        }
    }

    /// The scheduled `dequeue` task ran: clears `[[dequeue event scheduled]]`. Returns whether
    /// the event should actually be fired (not after close).
    pub fn dequeue_event_fired(&mut self) -> bool {
        self.dequeue_event_scheduled = false;
        self.state != CodecState::Closed
    }

    fn ensure_not_closed(&self) -> Result<(), CodecError> {
        if self.state == CodecState::Closed {
            Err(CodecError::invalid_state("codec is closed"))
        } else {
            Ok(())
        }
    }

    fn send(&mut self, body: Msg<C, I>) {
        self.actions.push_back(Tagged {
            epoch: self.epoch,
            body,
        });
    }

    /// "Process the control message queue".
    fn process_control_message_queue(&mut self) {
        while !self.message_queue_blocked {
            let Some(head) = self.control_message_queue.front() else {
                break;
            };
            if matches!(head, Queued::Process(_)) && self.codec_saturated() {
                break; // "not processed": stays at the head until work completes
            }
            let Some(head) = self.control_message_queue.pop_front() else {
                break;
            };
            match head {
                Queued::Configure(c) => {
                    self.message_queue_blocked = true;
                    self.send(Msg::Configure(c));
                }
                Queued::Process(i) => {
                    self.in_flight += 1;
                    self.send(Msg::Process(i));
                }
                Queued::Flush(id) => self.send(Msg::Flush(id)),
            }
        }
    }

    /// "Schedule Dequeue Event".
    fn schedule_dequeue_event(&mut self) {
        if self.dequeue_event_scheduled {
            return;
        }
        self.dequeue_event_scheduled = true;
        self.events.push_back(JsEvent::ScheduleDequeue);
    }

    /// "Reset VideoDecoder/VideoEncoder/..." with `exception` (state already checked).
    fn reset_with(&mut self, exception: CodecError) {
        self.state = CodecState::Unconfigured;
        self.epoch += 1;
        self.control_message_queue.clear();
        self.message_queue_blocked = false;
        self.in_flight = 0;
        self.key_chunk_check = None;
        self.output_context = OutputContext::default();
        self.pending_contexts.clear();
        self.send(Msg::Reset);
        if self.queue_size > 0 {
            self.queue_size = 0;
            self.schedule_dequeue_event();
        }
        for id in self.pending_flush_promises.drain(..) {
            self.events
                .push_back(JsEvent::FlushRejected(id, exception.clone()));
        }
    }

    /// "Close VideoDecoder/..." with `exception`.
    fn close_with(&mut self, exception: CodecError) {
        self.reset_with(exception.clone());
        self.state = CodecState::Closed;
        self.send(Msg::Close);
        if exception.name != ErrorName::AbortError {
            self.events.push_back(JsEvent::Error(exception));
        }
    }
}

impl<C: ModelConfig, I, O> Model<C, I, O> {
    /// `configure(config)` after the validity check passed
    /// (<https://w3c.github.io/webcodecs/#dom-videodecoder-configure>). Resets
    /// `[[active orientation]]` and takes the config's key-chunk check.
    ///
    /// # Errors
    /// `InvalidStateError` if closed; the codec is unchanged.
    pub fn configure(&mut self, config: C) -> Result<(), CodecError> {
        self.ensure_not_closed()?;
        self.state = CodecState::Configured;
        if self.kind == CodecKind::Decoder {
            self.key_chunk_required = true;
        }
        self.key_chunk_check = config.key_chunk_check();
        self.pending_contexts.push_back(config.output_context());
        self.control_message_queue
            .push_back(Queued::Configure(config));
        self.process_control_message_queue();
        Ok(())
    }
}
