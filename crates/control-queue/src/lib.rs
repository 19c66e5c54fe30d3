//! Typed FIFO control messages and the [`CodecWorker`] that owns a codec backend on its own
//! thread.
//!
//! The JS thread sends [`Msg`]s through a [`ControlTx`] (never blocks); the worker runs them in
//! order against a [`Backend`] and reports back through a [`Sink`] (one FIFO channel per codec,
//! so outputs, flush completions and errors arrive in the order they happened), one [`Batch`] per
//! wake-up: the reports of every message it found queued, within [`BatchLimits`]. Messages of a
//! stale epoch are skipped and their payloads dropped on the worker thread. The backend — and
//! with it every FFmpeg context — is created, used and dropped on the worker thread only.
//!
//! This crate never depends on Neon or FFmpeg.
//!
//! # Example
//!
//! A worker running a toy backend, fed by hand (codec-core's `Model` produces these messages in
//! a real codec), reporting into a `flume` channel:
//!
//! ```
//! use std::time::Duration;
//!
//! use control_queue::{Backend, Cancel, CodecError, CodecWorker, Msg, Report, Tagged};
//!
//! /// Upper-cases text. A real backend owns a codec and is created, used and dropped on the
//! /// worker thread.
//! struct Upper;
//!
//! impl Backend for Upper {
//!     type Config = ();
//!     type Input = String;
//!     type Output = String;
//!
//!     fn configure(&mut self, _: (), _: &mut dyn FnMut(String)) -> Result<(), CodecError> {
//!         Ok(())
//!     }
//!
//!     fn process(
//!         &mut self,
//!         text: String,
//!         _: &Cancel,
//!         out: &mut dyn FnMut(String),
//!     ) -> Result<(), CodecError> {
//!         if text.is_empty() {
//!             return Err(CodecError::encoding("nothing to encode"));
//!         }
//!         out(text.to_uppercase());
//!         Ok(())
//!     }
//!
//!     fn flush(&mut self, _: &Cancel, _: &mut dyn FnMut(String)) -> Result<(), CodecError> {
//!         Ok(())
//!     }
//!
//!     fn reset(&mut self) {}
//! }
//!
//! let (sink, reports) = flume::unbounded();
//! let (tx, worker) = CodecWorker::spawn("upper", Upper, sink)?;
//! let messages = [
//!     Msg::Configure(()),
//!     Msg::Process("a".to_string()),
//!     Msg::Flush(1),
//!     Msg::Process(String::new()), // fails: the rest of this epoch is skipped
//!     Msg::Process("b".to_string()),
//!     Msg::Close, // the worker drops the backend and exits; the channel then closes
//! ];
//! for body in messages {
//!     tx.send(Tagged { epoch: 1, body })?; // never blocks
//! }
//! let reports: Vec<Report<String>> = reports.iter().map(|r| r.body).collect();
//! assert_eq!(
//!     reports,
//!     [
//!         Report::Configured,
//!         Report::Dequeued,
//!         Report::Output("A".to_string()),
//!         Report::Done,
//!         Report::FlushDone(1),
//!         Report::Dequeued,
//!         Report::Failed(CodecError::encoding("nothing to encode")),
//!         Report::Done,
//!     ]
//! );
//! assert!(worker.join_timeout(Duration::from_secs(5)));
//! # Ok::<(), control_queue::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use codec_core::{CodecError, Epoch, FlushId, Msg, Report, Tagged};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The worker has exited; the message was not sent.
    #[error("codec worker has stopped")]
    WorkerStopped,
    /// The OS refused to start a thread.
    #[error("could not start codec worker thread: {0}")]
    Spawn(#[from] std::io::Error),
}

/// Lets long-running backend work notice that its epoch was abandoned (reset/close).
#[derive(Debug, Clone)]
pub struct Cancel {
    live: Arc<AtomicU64>,
    epoch: Epoch,
}

impl Cancel {
    /// A token that never becomes stale (for driving a backend directly, in tests and tools).
    pub fn never() -> Self {
        Self {
            live: Arc::new(AtomicU64::new(0)),
            epoch: 0,
        }
    }

    /// Whether the work belongs to an epoch older than the live one.
    pub fn is_stale(&self) -> bool {
        self.live.load(Ordering::Acquire) > self.epoch
    }
}

/// A codec implementation run by a [`CodecWorker`] (the spec's `[[codec implementation]]`,
/// <https://w3c.github.io/webcodecs/#codec-processing-model-section>). All methods run on the
/// worker thread.
///
/// Every fallible method returns a `CodecError` whose name the JS side reports
/// (`NotSupportedError` for a configuration the backend cannot run, `EncodingError` for codec
/// failures); after an error the worker skips the rest of that epoch until the next configure.
pub trait Backend: Send + 'static {
    /// Configuration carried by `Msg::Configure`.
    type Config: Send + 'static;
    /// Input carried by `Msg::Process` (a frame to encode or a chunk to decode).
    type Input: Send + 'static;
    /// One output (an encoded chunk or a decoded frame).
    type Output: Send + 'static;

    /// Opens (or reopens) the codec. A configure while configured first drains the previous
    /// configuration's pending outputs through `out`.
    ///
    /// # Errors
    /// `NotSupportedError` if the configuration cannot run, `EncodingError` if opening failed.
    fn configure(
        &mut self,
        config: Self::Config,
        out: &mut dyn FnMut(Self::Output),
    ) -> Result<(), CodecError>;

    /// Encodes or decodes one input, emitting every output that became ready.
    ///
    /// # Errors
    /// `EncodingError` (or `DataError`) when the codec fails; the codec is then closed.
    fn process(
        &mut self,
        input: Self::Input,
        cancel: &Cancel,
        out: &mut dyn FnMut(Self::Output),
    ) -> Result<(), CodecError>;

    /// Drains every pending output, then leaves the codec ready for more input.
    ///
    /// # Errors
    /// `EncodingError` when draining fails.
    fn flush(
        &mut self,
        cancel: &Cancel,
        out: &mut dyn FnMut(Self::Output),
    ) -> Result<(), CodecError>;

    /// Forgets pending work (the JS side reset or closed the codec). Must not fail.
    fn reset(&mut self);

    /// The priority the codec that `config` opens should run at, handed to the embedding's
    /// [`ThreadHooks::configure`] hook before [`Backend::configure`] runs with `config`.
    /// [`ThreadPriority::Background`] unless a backend says otherwise.
    fn thread_priority(&self, _config: &Self::Config) -> ThreadPriority {
        ThreadPriority::Background
    }

    /// How many queued `Process` messages the worker takes ahead of the one it runs, reporting
    /// them `Dequeued` at once (none unless a backend says otherwise). For a codec whose inputs
    /// are cheap to run one by one (20 ms of audio that an encoder only queues until it has a
    /// frame), so that a host which refills the queue as requests are taken keeps the codec
    /// busy instead of waiting on every round trip.
    fn read_ahead(&self) -> usize {
        0
    }
}

/// The reports of one worker wake-up, in the order they happened.
pub type Batch<O> = Vec<Tagged<Report<O>>>;

/// Where the worker sends its reports (the codec's single event channel).
///
/// The worker hands over one [`Batch`] per wake-up through [`Sink::report_batch`]: every report
/// of the messages it ran back to back (bounded by [`BatchLimits`]), so a host pays one delivery
/// per batch instead of one per report. A sink only has to implement [`Sink::report`]; the
/// default `report_batch` sends the reports one by one.
pub trait Sink<O>: Send + 'static {
    /// Sends one report.
    ///
    /// # Errors
    /// Hands the report back when the receiver is gone; the worker then drops it.
    fn report(&self, report: Tagged<Report<O>>) -> Result<(), Tagged<Report<O>>>;

    /// Sends a batch of reports, in order (never empty). Override it to deliver the whole batch
    /// at once.
    ///
    /// # Errors
    /// Hands back the reports that were not sent when the receiver is gone.
    fn report_batch(&self, batch: Batch<O>) -> Result<(), Batch<O>> {
        let mut reports = batch.into_iter();
        while let Some(r) = reports.next() {
            if let Err(r) = self.report(r) {
                let mut rest = vec![r];
                rest.extend(reports);
                return Err(rest);
            }
        }
        Ok(())
    }
}

impl<O: Send + 'static> Sink<O> for flume::Sender<Tagged<Report<O>>> {
    fn report(&self, report: Tagged<Report<O>>) -> Result<(), Tagged<Report<O>>> {
        self.send(report).map_err(|e| e.into_inner())
    }
}

/// How long the worker keeps collecting reports before it hands a [`Batch`] to its [`Sink`].
///
/// A batch is delivered when the worker has nothing more to run (its queue is empty) or at most
/// four messages left with more than four in the batch (so a host refilling the queue hears of
/// taken messages before the worker idles), when a backend reading ahead has just taken the
/// last queued inputs (for the same reason), after `max_messages` messages, or as soon as its
/// oldest report has waited `max_delay` (checked whenever a report is added or a message
/// finishes), so a long drain still streams its outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    /// Messages whose reports may share one batch (at least 1).
    pub max_messages: usize,
    /// How long the oldest report of a batch may wait for the rest.
    pub max_delay: Duration,
}

impl Default for BatchLimits {
    /// 16 messages (the processing model's default in-flight cap) or 4 ms. A batch goes out at
    /// once when the worker has nothing more queued, so the delay only applies to a backlog:
    /// there it saves the JS thread a wake-up per output (at 720p decode speed, about a third of
    /// its time per frame), which the codec's threads get instead.
    fn default() -> Self {
        Self {
            max_messages: 16,
            max_delay: Duration::from_millis(4),
        }
    }
}

/// The sending half of a codec's control queue. Sending never blocks.
pub struct ControlTx<C, I> {
    tx: flume::Sender<Tagged<Msg<C, I>>>,
    live: Arc<AtomicU64>,
}

impl<C, I> ControlTx<C, I> {
    /// Publishes `msg.epoch` as the live epoch (earlier epochs become stale at once) and
    /// enqueues the message.
    ///
    /// # Errors
    /// [`Error::WorkerStopped`] if the worker has exited; the message is dropped.
    pub fn send(&self, msg: Tagged<Msg<C, I>>) -> Result<(), Error> {
        self.live.fetch_max(msg.epoch, Ordering::AcqRel);
        self.tx.send(msg).map_err(|_| Error::WorkerStopped)
    }

    /// Messages waiting for the worker.
    pub fn len(&self) -> usize {
        self.tx.len()
    }

    /// Whether no message is waiting.
    pub fn is_empty(&self) -> bool {
        self.tx.is_empty()
    }
}

impl<C, I> Drop for ControlTx<C, I> {
    /// Nobody can send or listen any more: every queued message becomes stale, so the worker
    /// frees the payloads without running them and exits.
    fn drop(&mut self) {
        self.live.store(Epoch::MAX, Ordering::Release);
    }
}

/// What [`CodecWorker::spawn`] returns: the sending half and the thread's owner.
pub type Spawned<B> = (
    ControlTx<<B as Backend>::Config, <B as Backend>::Input>,
    CodecWorker,
);

/// The priority a backend asks for the codec a configuration opens: for the worker thread and
/// the threads the codec library starts from it. What each level means on the machine is the
/// embedding's [`ThreadHooks::configure`] hook's to decide (node-binding: some nice steps
/// below the JS thread, or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThreadPriority {
    /// Below the threads of the host that started the worker, so that they keep their CPU
    /// while the codec works (the default).
    #[default]
    Background,
    /// [`ThreadPriority::Background`] for the threads the codec library starts; the worker
    /// thread itself is lowered less (node-binding: the same nice steps, but not the idle
    /// scheduling class): for a codec whose own threads do the work while the worker feeds them
    /// and waits (frame-threaded decoders), so that the worker answers as soon as they wake it
    /// instead of queueing behind them.
    Feeder,
    /// Below the host's threads, but without the means of [`ThreadPriority::Background`] that
    /// keeps a woken codec thread from preempting another (node-binding: the lowest nice value
    /// in the ordinary scheduling class, not the idle class): for a codec whose threads wait on
    /// each other many times per frame (libaom's row synchronisation, dav1d's tasks), where a
    /// woken thread that waits for the running one's time slice to end idles a CPU.
    Low,
    /// The priority of the thread that started the worker: for a codec whose threads wait on
    /// each other so often that each preemption by the host idles the others too, and whose
    /// threads, below the host's, the scheduler keeps moving away from the host's thread
    /// (libvpx's VP9 encoder).
    Host,
}

/// Thread policy the embedding sets once per process ([`set_thread_hooks`]). Both hooks run on
/// the worker thread.
#[derive(Debug, Clone, Copy)]
pub struct ThreadHooks {
    /// Runs first on every worker thread started afterwards, before its backend sees a message.
    pub start: fn(),
    /// Runs before each configuration the worker passes to [`Backend::configure`] (not for
    /// stale ones), with the backend's [`Backend::thread_priority`] for it, so that the threads
    /// the codec starts inherit what it sets.
    pub configure: fn(ThreadPriority),
}

/// The embedding's thread hooks (see [`set_thread_hooks`]).
static THREAD_HOOKS: std::sync::OnceLock<ThreadHooks> = std::sync::OnceLock::new();

/// Sets, once per process, the thread policy of every worker started afterwards. node-binding
/// uses it to run codec threads below the JS thread's priority, so that the JS thread keeps its
/// CPU, each as its backend asks ([`ThreadPriority`]). Returns `false`
/// (and changes nothing) when hooks are already set.
pub fn set_thread_hooks(hooks: ThreadHooks) -> bool {
    THREAD_HOOKS.set(hooks).is_ok()
}

/// Owns a codec worker thread: the spec's `[[codec work queue]]`
/// (<https://w3c.github.io/webcodecs/#codec-work-queue>), a parallel queue that runs the codec's
/// work in order. Dropping it detaches the thread, which exits by itself after a `Close` message or
/// when its [`ControlTx`] is dropped; nothing ever joins on the JS thread.
pub struct CodecWorker {
    handle: Option<JoinHandle<()>>,
    exited: Arc<(Mutex<bool>, Condvar)>,
}

impl CodecWorker {
    /// Starts a named worker thread running `backend`, reporting to `sink` in batches bounded
    /// by the default [`BatchLimits`].
    ///
    /// # Errors
    /// [`Error::Spawn`] if the thread cannot be created.
    pub fn spawn<B: Backend, S: Sink<B::Output>>(
        name: &str,
        backend: B,
        sink: S,
    ) -> Result<Spawned<B>, Error> {
        Self::spawn_with_limits(name, backend, sink, BatchLimits::default())
    }

    /// [`CodecWorker::spawn`] with explicit batch limits.
    ///
    /// # Errors
    /// [`Error::Spawn`] if the thread cannot be created.
    pub fn spawn_with_limits<B: Backend, S: Sink<B::Output>>(
        name: &str,
        backend: B,
        sink: S,
        limits: BatchLimits,
    ) -> Result<Spawned<B>, Error> {
        let (tx, rx) = flume::unbounded();
        let live = Arc::new(AtomicU64::new(0));
        let exited = Arc::new((Mutex::new(false), Condvar::new()));
        let worker_live = live.clone();
        let worker_exited = exited.clone();
        let handle = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                if let Some(hooks) = THREAD_HOOKS.get() {
                    (hooks.start)();
                }
                worker::run(backend, rx, worker_live, sink, limits);
                let (lock, cv) = &*worker_exited;
                if let Ok(mut done) = lock.lock() {
                    *done = true;
                }
                cv.notify_all();
            })?;
        Ok((
            ControlTx { tx, live },
            Self {
                handle: Some(handle),
                exited,
            },
        ))
    }

    /// Lets the thread finish on its own (the close and GC path).
    pub fn detach(mut self) {
        self.handle.take();
    }

    /// Waits up to `limit` for the thread to exit and joins it. For tests and shutdown code,
    /// never the JS thread. Returns whether it exited.
    pub fn join_timeout(mut self, limit: Duration) -> bool {
        let (lock, cv) = &*self.exited;
        let Ok(guard) = lock.lock() else { return false };
        let Ok((done, _)) = cv.wait_timeout_while(guard, limit, |done| !*done) else {
            return false;
        };
        if !*done {
            return false;
        }
        drop(done);
        self.handle.take().map(|h| h.join().is_ok()).unwrap_or(true)
    }
}

mod worker;

#[cfg(test)]
mod tests;
