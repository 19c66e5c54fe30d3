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
//! - [`CallbackSender::blocking_call`] refuses to run on the JS thread instead of deadlocking.
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

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use neon::context::{Context, Cx};
use neon::event::Channel;
use neon::result::NeonResult;

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

struct Inner<T> {
    released: AtomicBool,
    handler: Box<Handler<T>>,
    js_thread: ThreadId,
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
        let mut channel = Channel::new(cx);
        channel.unref(cx);
        // Cloned while unreferenced: the sender never holds the event loop open.
        let sender = CallbackSender {
            channel: channel.clone(),
            inner: Arc::new(Inner {
                released: AtomicBool::new(false),
                handler: Box::new(handler),
                js_thread: std::thread::current().id(),
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
    fn schedule(&self, value: T) -> Result<neon::event::JoinHandle<()>, Error<T>> {
        if self.inner.released.load(Ordering::Acquire) {
            return Err(Error::Released(value));
        }
        // The slot lets us take the payload back if the closure is never queued.
        let slot = Arc::new(Mutex::new(Some(value)));
        let queued = slot.clone();
        let inner = self.inner.clone();
        let sent = self.channel.try_send(move |mut cx| {
            let Some(v) = queued.lock().ok().and_then(|mut s| s.take()) else {
                return Ok(());
            };
            if inner.released.load(Ordering::Acquire) {
                drop(v);
                return Ok(());
            }
            let r = catch_unwind(AssertUnwindSafe(|| (inner.handler)(&mut cx, v)));
            if env_guard::stopping(&cx) {
                // The environment began shutting down while the handler ran (`worker.terminate()`
                // or process exit on another thread): Node-API calls now fail, and some of Neon's
                // wrappers panic on that. Neon's failure boundary would then abort the process
                // while trying to report it, so drop the rest of this delivery quietly.
                env_guard::clear_exception(&cx);
                return Ok(());
            }
            match r {
                Ok(r) => r,
                Err(panic) => resume_unwind(panic),
            }
        });
        sent.map_err(|_| {
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
        self.schedule(value).map(|_| ())
    }

    /// Schedules the handler and waits until it ran (or was dropped).
    ///
    /// # Errors
    /// As [`CallbackSender::call`], plus [`Error::WouldDeadlock`] on the JS thread.
    pub fn blocking_call(&self, value: T) -> Result<(), Error<T>> {
        if std::thread::current().id() == self.inner.js_thread {
            return Err(Error::WouldDeadlock(value));
        }
        let handle = self.schedule(value)?;
        // Err means the closure threw or the environment went away; either way it is done.
        let _ = handle.join();
        Ok(())
    }

    /// Whether the owner released the callback.
    pub fn is_released(&self) -> bool {
        self.inner.released.load(Ordering::Acquire)
    }
}

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
