//! The worker thread's loop: runs control messages in order against a [`Backend`] and hands
//! their reports to the [`Sink`] in batches.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use codec_core::{CodecError, Epoch, Msg, Report, Tagged};

use crate::{Backend, Batch, BatchLimits, Cancel, Sink};

/// A batch goes out when this few messages (or fewer, but some) are left in the queue.
const LOW_WATER: usize = 4;

/// Collects reports and hands them to the sink as one [`Batch`] when [`BatchLimits`] say so.
struct Batcher<'s, O, S: Sink<O>> {
    sink: &'s S,
    limits: BatchLimits,
    reports: Batch<O>,
    /// When the oldest report of `reports` was added.
    since: Option<Instant>,
    /// Messages that finished since the last delivery.
    messages: usize,
}

impl<'s, O, S: Sink<O>> Batcher<'s, O, S> {
    fn new(sink: &'s S, limits: BatchLimits) -> Self {
        Self {
            sink,
            limits,
            reports: Vec::new(),
            since: None,
            messages: 0,
        }
    }

    fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    fn push(&mut self, epoch: Epoch, body: Report<O>) {
        if self.reports.is_empty() {
            self.since = Some(Instant::now());
        }
        self.reports.push(Tagged { epoch, body });
    }

    /// An output produced in the middle of a message: delivers at once if the batch is old.
    fn push_output(&mut self, epoch: Epoch, output: O) {
        self.push(epoch, Report::Output(output));
        if self.too_old() {
            self.deliver();
        }
    }

    fn too_old(&self) -> bool {
        self.since
            .is_some_and(|t| t.elapsed() >= self.limits.max_delay)
    }

    /// One message finished, `queued` messages still wait: delivers if the batch holds enough
    /// messages or is old, or if the queue is running low and the batch holds more than
    /// [`LOW_WATER`] messages. A host that refills the queue as its requests are taken (a
    /// producer waiting for `dequeue`) then hears of them while the worker still has messages
    /// to run, instead of after it has gone idle: with a fast codec (FLAC, small frames) the
    /// refill overlaps the work. (One such early delivery per run-down: the rest of the batch
    /// goes when the queue is empty.)
    fn message_done(&mut self, queued: usize) {
        self.messages += 1;
        if self.messages >= self.limits.max_messages.max(1)
            || self.too_old()
            || (queued > 0 && queued <= LOW_WATER && self.messages > LOW_WATER)
        {
            self.deliver();
        }
    }

    /// Hands the collected reports over (a receiver that is gone drops them here).
    fn deliver(&mut self) {
        self.messages = 0;
        self.since = None;
        if !self.reports.is_empty() {
            let _ = self.sink.report_batch(std::mem::take(&mut self.reports));
        }
    }
}

fn guarded<T>(f: impl FnOnce() -> Result<T, CodecError>) -> Result<T, CodecError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(CodecError::encoding(format!(
                "internal error in codec worker: {what}"
            )))
        }
    }
}

/// Runs messages until `Close` or until every sender is gone. While reports are pending it
/// only takes messages that are already queued, so it delivers before it would block.
pub(crate) fn run<B: Backend, S: Sink<B::Output>>(
    mut backend: B,
    rx: flume::Receiver<Tagged<Msg<B::Config, B::Input>>>,
    live: Arc<AtomicU64>,
    sink: S,
    limits: BatchLimits,
) {
    let mut batch = Batcher::new(&sink, limits);
    let mut failed_epoch: Option<Epoch> = None;
    let mut ahead: Ahead<B::Config, B::Input> = VecDeque::new();
    loop {
        let next = if let Some(m) = ahead.pop_front() {
            Some(m)
        } else if batch.is_empty() {
            rx.recv().ok().map(|m| (m, false))
        } else {
            match rx.try_recv() {
                Ok(m) => Some((m, false)),
                Err(flume::TryRecvError::Empty) => {
                    batch.deliver();
                    continue;
                }
                Err(flume::TryRecvError::Disconnected) => None,
            }
        };
        let Some((Tagged { epoch, body }, dequeued)) = next else {
            break;
        };
        let stale = live.load(Ordering::Acquire) > epoch;
        let cancel = Cancel {
            live: live.clone(),
            epoch,
        };
        // Outputs of an epoch that went stale meanwhile are dropped here.
        let out = |batch: &mut Batcher<'_, B::Output, S>, o: B::Output| {
            if !cancel.is_stale() {
                batch.push_output(epoch, o);
            }
        };
        match body {
            Msg::Close => break,
            Msg::Reset => {
                let _ = guarded(|| {
                    backend.reset();
                    Ok(())
                });
            }
            // Payloads of stale or failed epochs are dropped here, on the worker thread.
            _ if stale || failed_epoch == Some(epoch) => {}
            Msg::Configure(c) => {
                let r = guarded(|| {
                    if let Some(hooks) = crate::THREAD_HOOKS.get() {
                        (hooks.configure)(backend.thread_priority(&c));
                    }
                    backend.configure(c, &mut |o| out(&mut batch, o))
                });
                match r {
                    Ok(()) => {
                        failed_epoch = None;
                        batch.push(epoch, Report::Configured);
                    }
                    Err(e) => {
                        failed_epoch = Some(epoch);
                        batch.push(epoch, Report::Failed(e));
                    }
                }
            }
            Msg::Process(input) => {
                if !dequeued {
                    batch.push(epoch, Report::Dequeued);
                }
                let want = backend.read_ahead().saturating_sub(ahead.len());
                if take_ahead(&rx, &live, want, &mut ahead, &mut batch) {
                    batch.deliver();
                }
                let r = guarded(|| backend.process(input, &cancel, &mut |o| out(&mut batch, o)));
                if let Err(e) = r {
                    failed_epoch = Some(epoch);
                    batch.push(epoch, Report::Failed(e));
                }
                batch.push(epoch, Report::Done);
            }
            Msg::Flush(id) => {
                let r = guarded(|| backend.flush(&cancel, &mut |o| out(&mut batch, o)));
                match r {
                    Ok(()) => batch.push(epoch, Report::FlushDone(id)),
                    Err(e) => {
                        failed_epoch = Some(epoch);
                        batch.push(epoch, Report::Failed(e));
                    }
                }
            }
        }
        batch.message_done(rx.len() + ahead.len());
    }
    batch.deliver();
    // `backend` (and every codec context it owns) is dropped here, on this thread.
    drop(backend);
}

/// Messages taken off the queue ahead of the one running (`Backend::read_ahead`), each with
/// whether its `Dequeued` was already reported.
type Ahead<C, I> = VecDeque<(Tagged<Msg<C, I>>, bool)>;

/// Takes up to `want` more `Process` messages off the queue into `ahead`, stopping after any
/// other message (taken too, so the order holds), and reports `Dequeued` for each one not
/// already stale: the host hears that they left its queue and can queue more while they wait
/// here. (One that goes stale or whose epoch fails before it runs is skipped as usual; the
/// host drops reports of an epoch it has left.)
///
/// Returns whether it took inputs and left the queue empty: then the caller delivers at once,
/// because a host whose producer waits for `dequeue` has nothing queued and hears of it only
/// through this batch, while the worker still has the inputs taken ahead to run. Left for the
/// batch's usual limits, that news came when the worker was almost idle: measured on a FLAC
/// encode (inputs that mostly only fill the encoder's frame, about 5 µs, and one frame
/// encode of about 200 µs per five), the worker slept on an empty queue 85 times in one encode
/// of 60 s of audio; delivering here took the encode's wall time from 139-142 ms to 129-134 ms
/// (medians of two series of 12 runs; the worker's CPU time stayed at 122-126 ms).
fn take_ahead<C, I, O, S: Sink<O>>(
    rx: &flume::Receiver<Tagged<Msg<C, I>>>,
    live: &AtomicU64,
    want: usize,
    ahead: &mut Ahead<C, I>,
    batch: &mut Batcher<'_, O, S>,
) -> bool {
    if ahead
        .back()
        .is_some_and(|(m, _)| !matches!(m.body, Msg::Process(_)))
    {
        // Nothing is read past a message that is not an input.
        return false;
    }
    let mut took = false;
    for _ in 0..want {
        let Ok(m) = rx.try_recv() else {
            break;
        };
        let process = matches!(m.body, Msg::Process(_));
        let reported = process && live.load(Ordering::Acquire) <= m.epoch;
        if reported {
            batch.push(m.epoch, Report::Dequeued);
            took = true;
        }
        ahead.push_back((m, reported));
        if !process {
            break;
        }
    }
    took && rx.is_empty()
}
