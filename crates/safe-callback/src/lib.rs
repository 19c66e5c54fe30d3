//! The callback-safety layer over Neon's [`Channel`]: the only code in the project that
//! schedules work on the JavaScript thread.
//!
//! [`SafeCallback::new`] creates one unbounded channel (one FIFO queue) and returns the JS-side
//! owner plus a cloneable [`CallbackSender`] for other threads. Guarantees:
//! - a call after [`SafeCallback::release`] (or after the environment is gone) fails and hands
//!   its payload back, so the caller can free it;
//! - nothing reaches JavaScript after `release` returns on the JS thread: queued closures check
//!   the released flag when they run and drop their payload instead;
//! - the channel starts unreferenced: an idle codec never keeps Node alive, and
//!   [`SafeCallback::set_keep_alive`] holds the loop open only while work is pending;
//! - [`CallbackSender::blocking_call`] refuses to run on the JS thread instead of deadlocking;
//! - a callback made with [`SafeCallback::relayed`] never makes the JS thread wait for a lock
//!   its callers hold: they queue deliveries without a lock and wake the event loop, and the JS
//!   thread itself hands them to the channel (see [`SafeCallback::relayed`]);
//! - deliveries share the event loop fairly: Node runs a channel's queued closures in one go
//!   (up to 1000 per loop iteration, and a handler that makes a worker report again adds to
//!   that same run), which can keep timers and I/O waiting for a second. Once handlers have
//!   run for [`TURN_BUDGET`] in one loop iteration, the rest wait, in order, for the next
//!   iteration (`setImmediate`), so timers and I/O run in between.
//!
//! # Example
//!
//! A native function that counts on another thread and calls back into JavaScript, in order
//! (`countTo(3, i => console.log(i))` logs 1, 2, 3). It only runs inside Node, so it is
//! compiled here but not run.
//!
//! ```no_run
//! use neon::prelude::*;
//! use safe_callback::SafeCallback;
//!
//! /// Keeps the callback alive as long as JavaScript holds the returned object.
//! struct Counter(SafeCallback<u32>);
//!
//! impl Finalize for Counter {}
//!
//! fn count_to(mut cx: FunctionContext) -> JsResult<JsBox<Counter>> {
//!     let n = cx.argument::<JsNumber>(0)?.value(&mut cx) as u32;
//!     let on_count = cx.argument::<JsFunction>(1)?.root(&mut cx);
//!     // Runs on the JS thread, once per delivered value, in call order.
//!     let callback = SafeCallback::new(&mut cx, move |cx, i: u32| {
//!         let f = on_count.to_inner(cx);
//!         let arg = cx.number(i);
//!         f.call_with(cx).arg(arg).exec(cx)
//!     });
//!     let sender = callback.sender();
//!     std::thread::spawn(move || {
//!         for i in 1..=n {
//!             // Fails once the callback is released or Node is exiting; the value comes back.
//!             if sender.call(i).is_err() {
//!                 break;
//!             }
//!         }
//!     });
//!     Ok(cx.boxed(Counter(callback)))
//! }
//!
//! #[neon::main]
//! fn register(mut cx: ModuleContext) -> NeonResult<()> {
//!     cx.export_function("countTo", count_to)
//! }
//! # fn main() {}
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use neon::context::{Context, Cx};
use neon::event::Channel;
use neon::handle::{Handle, Root};
use neon::object::Object;
use neon::result::NeonResult;
use neon::thread::LocalKey;
use neon::types::{JsFunction, JsValue};

/// Why a call did not run; carries the payload back to the caller.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<T> {
    /// The callback was released (codec closed or collected).
    #[error("callback released")]
    Released(T),
    /// Node is shutting down; the closure could not be queued.
    #[error("javascript environment is shutting down")]
    EnvironmentGone(T),
    /// `blocking_call` was made on the JS thread, where it would deadlock.
    #[error("blocking call on the javascript thread")]
    WouldDeadlock(T),
}

impl<T> Error<T> {
    /// The payload that was not delivered.
    pub fn into_payload(self) -> T {
        match self {
            Self::Released(t) | Self::EnvironmentGone(t) | Self::WouldDeadlock(t) => t,
        }
    }
}

type Handler<T> = dyn Fn(&mut Cx, T) -> NeonResult<()> + Send + Sync;

/// How long handlers may run in one event-loop iteration before the next deliveries wait for
/// the following iteration.
pub const TURN_BUDGET: Duration = Duration::from_millis(3);

/// A delivery that runs on the JS thread.
type Job = Box<dyn for<'a> FnOnce(&mut Cx<'a>) -> NeonResult<()>>;

/// Per JS thread: when handlers started running in this loop iteration, and the deliveries
/// waiting for a later one (all callbacks of the thread share it, so their order holds).
#[derive(Default)]
struct Turn {
    /// Set by the first delivery of an iteration; cleared by the `setImmediate` tick, which
    /// runs once the iteration reaches its check phase.
    started: Option<Instant>,
    /// A tick is scheduled.
    tick_scheduled: bool,
    /// Deliveries deferred to the next tick, in arrival order.
    backlog: VecDeque<Job>,
}

thread_local! {
    static TURN: RefCell<Turn> = RefCell::new(Turn::default());
}

/// Runs `job` now if this iteration's budget allows and nothing is waiting before it;
/// otherwise queues it for the next tick.
fn deliver(cx: &mut Cx, job: Job) -> NeonResult<()> {
    if env_guard::stopping(cx) {
        // Nothing can reach JS any more: the payload is dropped with the job.
        return Ok(());
    }
    let now = Instant::now();
    let (job, needs_tick) = TURN.with(|t| {
        let mut t = t.borrow_mut();
        let start = *t.started.get_or_insert(now);
        let needs_tick = !t.tick_scheduled;
        if !t.backlog.is_empty() || now.duration_since(start) >= TURN_BUDGET {
            t.backlog.push_back(job);
            (None, needs_tick)
        } else {
            (Some(job), needs_tick)
        }
    });
    if needs_tick && !schedule_tick(cx) {
        // No tick can run (setImmediate is gone or failing): deliver everything now, in order,
        // as a plain channel would.
        let waiting: Vec<Job> = TURN.with(|t| {
            let mut t = t.borrow_mut();
            t.started = None;
            t.backlog.drain(..).collect()
        });
        for j in waiting.into_iter().chain(job) {
            j(cx)?;
        }
        return Ok(());
    }
    match job {
        Some(job) => job(cx),
        None => Ok(()),
    }
}

/// The `setImmediate` the embedding registered for this JS environment ([`set_immediate_fn`]).
static SET_IMMEDIATE: LocalKey<Root<JsFunction>> = LocalKey::new();

/// Registers the environment's own `setImmediate` (node-binding passes `node:timers`'s at load,
/// before test code can replace the global one with a fake clock that never runs). Without it,
/// [`set_immediate`] uses the global `setImmediate`. The first registration per environment
/// counts.
pub fn set_immediate_fn<'a, C: Context<'a>>(cx: &mut C, f: Handle<'a, JsFunction>) {
    let root = f.root(cx);
    SET_IMMEDIATE.get_or_init(cx, || root);
}

/// Calls `f` in a later event-loop turn: `setImmediate(f)`, with the registered function
/// ([`set_immediate_fn`]) or else the global one.
pub fn set_immediate<'a, C: Context<'a>>(cx: &mut C, f: Handle<'a, JsFunction>) -> NeonResult<()> {
    let set_immediate: Handle<JsFunction> = match SET_IMMEDIATE.get(cx) {
        Some(root) => root.to_inner(cx),
        None => cx.global("setImmediate")?,
    };
    let undefined = cx.undefined();
    set_immediate.call(cx, undefined, [f.upcast::<JsValue>()])?;
    Ok(())
}

/// Schedules [`tick`] with `setImmediate` (it runs in this iteration's check phase, after the
/// channel's closures, or in the next iteration's when scheduled from a tick) and records it;
/// `false` if that failed.
fn schedule_tick(cx: &mut Cx) -> bool {
    let scheduled = catch_unwind(AssertUnwindSafe(|| -> NeonResult<()> {
        let f = tick_fn(cx)?;
        set_immediate(cx, f)
    }));
    let ok = matches!(scheduled, Ok(Ok(())));
    if !ok {
        env_guard::clear_exception(cx);
    }
    TURN.with(|t| t.borrow_mut().tick_scheduled = ok);
    ok
}

/// The JS function that runs [`tick`], made once per environment: a loop iteration that
/// delivers anything schedules it, and making a new function each time (`napi_create_function`)
/// cost about 15 µs of the JS thread per iteration, a tenth of the JS thread's time per frame
/// while decoding 720p AV1 at 600 frames per second.
static TICK_FN: LocalKey<Root<JsFunction>> = LocalKey::new();

/// This environment's [`TICK_FN`].
fn tick_fn<'a>(cx: &mut Cx<'a>) -> NeonResult<Handle<'a, JsFunction>> {
    let root = TICK_FN.get_or_try_init(cx, |cx| -> NeonResult<_> {
        let f = JsFunction::new(cx, |mut cx| {
            tick(&mut cx)?;
            Ok(cx.undefined())
        })?;
        Ok(f.root(cx))
    })?;
    Ok(root.to_inner(cx))
}

/// The end of an iteration's deliveries: a new budget, spent on the backlog (in order); what
/// is left waits for the next iteration's tick.
fn tick(cx: &mut Cx) -> NeonResult<()> {
    let start = Instant::now();
    TURN.with(|t| {
        let mut t = t.borrow_mut();
        t.started = None;
        t.tick_scheduled = false;
    });
    // Set when no later tick can be scheduled: the backlog is then finished now.
    let mut unlimited = false;
    loop {
        if env_guard::stopping(cx) {
            return Ok(());
        }
        let next = TURN.with(|t| {
            let mut t = t.borrow_mut();
            if t.backlog.is_empty() {
                return None;
            }
            if !unlimited && start.elapsed() >= TURN_BUDGET {
                return Some(None);
            }
            t.backlog.pop_front().map(Some)
        });
        match next {
            None => return Ok(()),
            Some(None) => {
                if schedule_tick(cx) {
                    return Ok(());
                }
                unlimited = true;
            }
            Some(Some(job)) => {
                if let Err(e) = job(cx) {
                    // The handler threw: the rest still run, in a later tick.
                    // (If no tick can be scheduled, the next channel delivery finishes them.)
                    if TURN.with(|t| !t.borrow().backlog.is_empty()) {
                        schedule_tick(cx);
                    }
                    return Err(e);
                }
            }
        }
    }
}

/// Signals a [`CallbackSender::blocking_call`] when dropped: after its handler ran, or when
/// the delivery was dropped unrun.
struct DoneGuard(Arc<(Mutex<bool>, Condvar)>);

impl Drop for DoneGuard {
    fn drop(&mut self) {
        let (lock, cv) = &*self.0;
        if let Ok(mut done) = lock.lock() {
            *done = true;
        }
        cv.notify_all();
    }
}

struct Inner<T> {
    released: AtomicBool,
    handler: Box<Handler<T>>,
    js_thread: ThreadId,
    /// The environment's waker, for a [`SafeCallback::relayed`] callback.
    relay: Option<Arc<waker::Waker>>,
}

/// JS-thread owner of a callback channel. Dropping it releases the callback.
pub struct SafeCallback<T: Send + 'static> {
    channel: Channel,
    sender: CallbackSender<T>,
}

/// A cloneable, thread-safe handle that schedules the callback on the JS thread.
pub struct CallbackSender<T: Send + 'static> {
    channel: Channel,
    inner: Arc<Inner<T>>,
}

impl<T: Send + 'static> Clone for CallbackSender<T> {
    fn clone(&self) -> Self {
        Self {
            channel: self.channel.clone(),
            inner: self.inner.clone(),
        }
    }
}

impl<T: Send + 'static> SafeCallback<T> {
    /// Creates the channel (unreferenced) and its sender. `handler` runs on the JS thread for
    /// every delivered payload, in call order.
    pub fn new<'a, C: Context<'a>>(
        cx: &mut C,
        handler: impl Fn(&mut Cx, T) -> NeonResult<()> + Send + Sync + 'static,
    ) -> Self {
        Self::with_relay(cx, handler, None)
    }

    /// As [`SafeCallback::new`], for a callback called from threads of lower priority than the
    /// JS thread (codec workers in the idle scheduling class): a call queues the delivery on a
    /// lock-free queue of the JS thread's environment and wakes its event loop (a libuv async
    /// handle, which takes no lock either); the JS thread then hands the deliveries to the
    /// channel itself, in call order.
    ///
    /// Why: Node's thread-safe function (what a [`Channel`] sends through) wakes the JS thread
    /// while the sending thread still holds the function's queue lock, and the JS thread takes
    /// that lock before it runs the deliveries. When the sender is a thread the scheduler
    /// serves last, the woken JS thread can preempt it inside that lock and then sleep on the
    /// lock until the sender gets a CPU again, behind every other low-priority thread: measured
    /// with `perf sched` during an x264 encode at 1080p, the JS thread slept up to 8.6 ms at a
    /// time in `ThreadSafeFunction::AsyncCb`, 15-37 ms per 120 frames. Only the JS thread
    /// touches the channel's lock here.
    ///
    /// A call still fails at once with [`Error::Released`] after release; a delivery whose
    /// environment is torn down before the JS thread takes it is dropped (the caller got
    /// `Ok`). Where libuv cannot be reached (not inside Node), calls send directly.
    pub fn relayed<'a, C: Context<'a>>(
        cx: &mut C,
        handler: impl Fn(&mut Cx, T) -> NeonResult<()> + Send + Sync + 'static,
    ) -> Self {
        let relay = waker::for_env(cx);
        Self::with_relay(cx, handler, relay)
    }

    fn with_relay<'a, C: Context<'a>>(
        cx: &mut C,
        handler: impl Fn(&mut Cx, T) -> NeonResult<()> + Send + Sync + 'static,
        relay: Option<Arc<waker::Waker>>,
    ) -> Self {
        let mut channel = Channel::new(cx);
        channel.unref(cx);
        // Cloned while unreferenced: the sender never holds the event loop open.
        let sender = CallbackSender {
            channel: channel.clone(),
            inner: Arc::new(Inner {
                released: AtomicBool::new(false),
                handler: Box::new(handler),
                js_thread: std::thread::current().id(),
                relay,
            }),
        };
        Self { channel, sender }
    }

    /// A sender for other threads (or for self-posting from the JS thread).
    pub fn sender(&self) -> CallbackSender<T> {
        self.sender.clone()
    }

    /// Schedules the handler with `value` (non-blocking).
    ///
    /// # Errors
    /// See [`CallbackSender::call`].
    pub fn call(&self, value: T) -> Result<(), Error<T>> {
        self.sender.call(value)
    }

    /// Stops all delivery; idempotent. Closures already queued drop their payloads when they run.
    pub fn release(&self) {
        self.sender.inner.released.store(true, Ordering::Release);
    }

    /// Whether [`SafeCallback::release`] was called.
    pub fn is_released(&self) -> bool {
        self.sender.inner.released.load(Ordering::Acquire)
    }

    /// Holds the Node event loop open (`true`) or lets it exit (`false`); idempotent.
    pub fn set_keep_alive<'a, C: Context<'a>>(&mut self, cx: &mut C, on: bool) {
        if on && !self.is_released() {
            self.channel.reference(cx);
        } else {
            self.channel.unref(cx);
        }
    }

    /// Releases and lets the event loop exit (the close path).
    pub fn release_and_unref<'a, C: Context<'a>>(&mut self, cx: &mut C) {
        self.release();
        self.channel.unref(cx);
    }
}

impl<T: Send + 'static> Drop for SafeCallback<T> {
    fn drop(&mut self) {
        // A referenced channel dropped here unrefs itself through its own queue.
        self.release();
    }
}

impl<T: Send + 'static> CallbackSender<T> {
    fn schedule(&self, value: T, done: Option<DoneGuard>) -> Result<(), Error<T>> {
        if self.inner.released.load(Ordering::Acquire) {
            return Err(Error::Released(value));
        }
        if let Some(relay) = &self.inner.relay {
            let this = self.clone();
            // Run on the JS thread; dropped unrun (payload and all) if the environment is torn
            // down first.
            relay.push(Box::new(move || drop(this.send(value, done))));
            return Ok(());
        }
        self.send(value, done)
    }

    /// Queues the delivery of `value` on the channel.
    fn send(&self, value: T, done: Option<DoneGuard>) -> Result<(), Error<T>> {
        // The slot lets us take the payload back if the closure is never queued.
        let slot = Arc::new(Mutex::new(Some(value)));
        let queued = slot.clone();
        let inner = self.inner.clone();
        let sent = self.channel.try_send(move |mut cx| {
            let Some(v) = queued.lock().ok().and_then(|mut s| s.take()) else {
                return Ok(());
            };
            let job: Job = Box::new(move |cx: &mut Cx| {
                let _done = done;
                run_handler(&inner, cx, v)
            });
            deliver(&mut cx, job)
        });
        sent.map(|_| ()).map_err(|_| {
            // The closure was dropped unrun, so the payload is still in the slot.
            let v = slot.lock().ok().and_then(|mut s| s.take());
            Error::EnvironmentGone(v.expect("an unqueued closure never takes its payload"))
        })
    }

    /// Schedules the handler with `value` without waiting.
    ///
    /// # Errors
    /// [`Error::Released`] after release, [`Error::EnvironmentGone`] when Node is shutting down;
    /// both return the payload.
    pub fn call(&self, value: T) -> Result<(), Error<T>> {
        self.schedule(value, None)
    }

    /// Schedules the handler and waits until it ran (or was dropped).
    ///
    /// # Errors
    /// As [`CallbackSender::call`], plus [`Error::WouldDeadlock`] on the JS thread.
    pub fn blocking_call(&self, value: T) -> Result<(), Error<T>> {
        if std::thread::current().id() == self.inner.js_thread {
            return Err(Error::WouldDeadlock(value));
        }
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        self.schedule(value, Some(DoneGuard(done.clone())))?;
        // The guard drops once the handler ran (or threw), or with the delivery if it is
        // dropped unrun (the environment went away).
        let (lock, cv) = &*done;
        let mut finished = lock.lock().unwrap_or_else(|p| p.into_inner());
        while !*finished {
            finished = cv.wait(finished).unwrap_or_else(|p| p.into_inner());
        }
        Ok(())
    }

    /// Whether the owner released the callback.
    pub fn is_released(&self) -> bool {
        self.inner.released.load(Ordering::Acquire)
    }
}

/// Runs the handler with `v` unless the callback was released meanwhile.
fn run_handler<T>(inner: &Inner<T>, cx: &mut Cx, v: T) -> NeonResult<()> {
    if inner.released.load(Ordering::Acquire) {
        drop(v);
        return Ok(());
    }
    let r = catch_unwind(AssertUnwindSafe(|| (inner.handler)(cx, v)));
    if env_guard::stopping(cx) {
        // The environment began shutting down while the handler ran (`worker.terminate()` or
        // process exit on another thread): Node-API calls now fail, and some of Neon's
        // wrappers panic on that. Neon's failure boundary would then abort the process while
        // trying to report it, so drop the rest of this delivery quietly.
        env_guard::clear_exception(cx);
        return Ok(());
    }
    match r {
        Ok(r) => r,
        Err(panic) => resume_unwind(panic),
    }
}

#[allow(unsafe_code)]
mod waker;

/// Whether the environment of `cx` is being torn down (e.g. `worker.terminate()`): Node-API
/// calls then fail with a pending exception, and several Neon wrappers panic on that.
#[derive(Debug, Clone, Copy)]
pub struct EnvProbe {
    env: neon::sys::bindings::Env,
}

impl EnvProbe {
    /// A probe for the environment `cx` runs in; usable while that call is on the stack (also
    /// after `cx` itself was moved).
    pub fn new(cx: &Cx) -> Self {
        Self { env: cx.to_raw() }
    }

    /// Whether JavaScript can no longer be called (the environment is stopping).
    pub fn stopping(&self) -> bool {
        env_guard::stopping_raw(self.env)
    }

    /// Clears a pending exception (V8's termination exception), if any.
    pub fn clear_exception(&self) {
        env_guard::clear_exception_raw(self.env);
    }
}

/// Raw Node-API probes Neon 1.1 does not expose safely.
#[allow(unsafe_code)]
mod env_guard {
    use neon::context::{Context, Cx};
    use neon::sys::bindings as napi;

    /// Whether the environment no longer accepts calls into JS (it is being torn down).
    pub(crate) fn stopping(cx: &Cx) -> bool {
        stopping_raw(cx.to_raw())
    }

    /// [`stopping`] for a raw environment of a call that is still on the stack.
    pub(crate) fn stopping_raw(env: napi::Env) -> bool {
        // SAFETY: `env` is the live environment of the callback running on this thread.
        // `napi_throw` first runs NAPI_PREAMBLE (fails with PendingException when JS cannot be
        // called) and only then rejects the null value with InvalidArg, throwing nothing. Neon's
        // own failure boundary uses the same probe.
        unsafe { napi::throw(env, std::ptr::null_mut()) != Err(napi::Status::InvalidArg) }
    }

    /// Clears a pending exception (e.g. V8's termination exception), if any.
    pub(crate) fn clear_exception(cx: &Cx) {
        clear_exception_raw(cx.to_raw());
    }

    /// [`clear_exception`] for a raw environment of a call that is still on the stack.
    pub(crate) fn clear_exception_raw(env: napi::Env) {
        let mut pending = false;
        // SAFETY: as above; both calls only read/clear the environment's last exception.
        unsafe {
            if napi::is_exception_pending(env, &mut pending).is_ok() && pending {
                let mut v = std::mem::MaybeUninit::uninit();
                let _ = napi::get_and_clear_last_exception(env, v.as_mut_ptr());
            }
        }
    }
}
