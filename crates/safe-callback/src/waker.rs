//! The lock-free path of [`SafeCallback::relayed`](crate::SafeCallback::relayed) callbacks:
//! per JS environment, a queue of sends and a libuv async handle that wakes the event loop,
//! whose callback (on the JS thread) runs the queued sends.

use std::ffi::{c_int, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock, RwLock};

use neon::context::Context;
use neon::sys::bindings as napi;
use neon::thread::LocalKey;

/// One send, run on the JS thread.
pub(crate) type Task = Box<dyn FnOnce() + Send>;

/// libuv's `uv_handle_t` / `uv_loop_t`, opaque.
type Handle = c_void;
type Loop = c_void;
/// `UV_ASYNC` in libuv's `uv_handle_type`.
const UV_ASYNC: c_int = 1;

type GetLoop = unsafe extern "C" fn(napi::Env, *mut *mut Loop) -> c_int;
/// `napi_async_cleanup_hook_handle`, opaque.
type CleanupHandle = *mut c_void;
type AddCleanup = unsafe extern "C" fn(
    napi::Env,
    unsafe extern "C" fn(CleanupHandle, *mut c_void),
    *mut c_void,
    *mut CleanupHandle,
) -> c_int;
type RemoveCleanup = unsafe extern "C" fn(CleanupHandle) -> c_int;
type HandleSize = unsafe extern "C" fn(c_int) -> usize;
type AsyncInit =
    unsafe extern "C" fn(*mut Loop, *mut Handle, unsafe extern "C" fn(*mut Handle)) -> c_int;
type AsyncSend = unsafe extern "C" fn(*mut Handle) -> c_int;
type Close = unsafe extern "C" fn(*mut Handle, unsafe extern "C" fn(*mut Handle));
type Unref = unsafe extern "C" fn(*mut Handle);
type SetData = unsafe extern "C" fn(*mut Handle, *mut c_void);
type GetData = unsafe extern "C" fn(*const Handle) -> *mut c_void;

/// The entry points, looked up in the host process (Node exports them), so that nothing
/// links against them: a program without Node (the crate's tests) has none.
struct Uv {
    get_loop: GetLoop,
    add_cleanup: AddCleanup,
    remove_cleanup: RemoveCleanup,
    handle_size: HandleSize,
    async_init: AsyncInit,
    async_send: AsyncSend,
    close: Close,
    unref: Unref,
    set_data: SetData,
    get_data: GetData,
}

/// A symbol of the host process, if it has it.
fn symbol(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name only looks the name up.
    let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!p.is_null()).then_some(p)
}

fn uv() -> Option<&'static Uv> {
    static UV: OnceLock<Option<Uv>> = OnceLock::new();
    UV.get_or_init(|| {
        // SAFETY (each): the pointer is the named function of Node's Node-API or libuv,
        // whose C signature is the one it is transmuted to (node_api.h, uv.h).
        macro_rules! f {
            ($name:literal as $ty:ty) => {
                unsafe { std::mem::transmute::<*mut c_void, $ty>(symbol($name)?) }
            };
        }
        Some(Uv {
            get_loop: f!(c"napi_get_uv_event_loop" as GetLoop),
            add_cleanup: f!(c"napi_add_async_cleanup_hook" as AddCleanup),
            remove_cleanup: f!(c"napi_remove_async_cleanup_hook" as RemoveCleanup),
            handle_size: f!(c"uv_handle_size" as HandleSize),
            async_init: f!(c"uv_async_init" as AsyncInit),
            async_send: f!(c"uv_async_send" as AsyncSend),
            close: f!(c"uv_close" as Close),
            unref: f!(c"uv_unref" as Unref),
            set_data: f!(c"uv_handle_set_data" as SetData),
            get_data: f!(c"uv_handle_get_data" as GetData),
        })
    })
    .as_ref()
}

/// The senders' side of an environment's relay.
pub(crate) struct Waker {
    tx: Sender<Task>,
    /// The async handle while it is open; `None` from the environment's teardown on. The
    /// JS thread takes the write lock once, at teardown; senders only read.
    handle: RwLock<Option<HandlePtr>>,
}

/// The handle's address (only used while the `Waker`'s lock says it is open).
#[derive(Clone, Copy)]
struct HandlePtr(*mut Handle);
// SAFETY: the pointer is only passed to `uv_async_send`, which may be called from any
// thread, while the handle is open (guarded by `Waker::handle`).
unsafe impl Send for HandlePtr {}
unsafe impl Sync for HandlePtr {}

/// The JS thread's side, owned by the handle (its data pointer).
struct Local {
    rx: Receiver<Task>,
    waker: Arc<Waker>,
    /// The memory of the handle itself (`uv_handle_size(UV_ASYNC)` bytes), kept here.
    _memory: Box<[u64]>,
    /// What tells Node that the teardown finished (set by `teardown`).
    cleanup: CleanupHandle,
}

impl Waker {
    /// Queues `task` and wakes the JS thread. After teardown the task is dropped here.
    pub(crate) fn push(&self, task: Task) {
        if self.tx.send(task).is_err() {
            return;
        }
        let guard = self.handle.read().unwrap_or_else(|p| p.into_inner());
        if let (Some(h), Some(uv)) = (*guard, uv()) {
            // SAFETY: the handle is open (the read lock keeps teardown from closing it
            // meanwhile), and uv_async_send may be called from any thread.
            unsafe {
                (uv.async_send)(h.0);
            }
        }
    }
}

static WAKER: LocalKey<Option<Arc<Waker>>> = LocalKey::new();

/// The waker of the environment of `cx` (made on first use, on its JS thread), or `None`
/// where libuv cannot be reached.
pub(crate) fn for_env<'a, C: Context<'a>>(cx: &mut C) -> Option<Arc<Waker>> {
    let env = cx.to_raw();
    WAKER.get_or_init(cx, || open(env)).clone()
}

fn open(env: napi::Env) -> Option<Arc<Waker>> {
    let uv = uv()?;
    let mut lp: *mut Loop = std::ptr::null_mut();
    // SAFETY: `env` is the live environment of the call on this (its JS) thread; the loop
    // pointer is written by Node.
    if unsafe { (uv.get_loop)(env, &mut lp) } != 0 || lp.is_null() {
        return None;
    }
    // SAFETY: uv_handle_size only reads its argument.
    let size = unsafe { (uv.handle_size)(UV_ASYNC) };
    let mut memory = vec![0u64; size.div_ceil(8)].into_boxed_slice();
    let h: *mut Handle = memory.as_mut_ptr().cast();
    let (tx, rx) = mpsc::channel();
    let waker = Arc::new(Waker {
        tx,
        handle: RwLock::new(None),
    });
    // SAFETY: `h` points to zeroed, 8-aligned memory of the size libuv asks for an async
    // handle, which stays allocated (moved into `Local`, not reallocated) until the close
    // callback frees it; `lp` is this thread's loop, where uv_async_init must be called.
    if unsafe { (uv.async_init)(lp, h, on_wake) } != 0 {
        return None;
    }
    let local = Box::into_raw(Box::new(Local {
        rx,
        waker: waker.clone(),
        _memory: memory,
        cleanup: std::ptr::null_mut(),
    }));
    // SAFETY: `h` is an initialised handle of this thread's loop; its data is the `Local`
    // that owns it, read back by `on_wake`, `teardown` and `on_closed` on this thread. The
    // handle must not keep the loop alive (unref). The asynchronous cleanup hook runs on
    // this thread when the environment is torn down, and Node keeps the loop running until
    // `on_closed` reports it done, so the handle is closed before the loop is.
    unsafe {
        (uv.set_data)(h, local.cast());
        (uv.unref)(h);
        let mut hook: CleanupHandle = std::ptr::null_mut();
        if (uv.add_cleanup)(env, teardown, h.cast(), &mut hook) != 0 {
            (uv.close)(h, on_closed);
            return None;
        }
    }
    *waker.handle.write().unwrap_or_else(|p| p.into_inner()) = Some(HandlePtr(h));
    Some(waker)
}

/// The async callback (JS thread): runs every queued send, in order.
unsafe extern "C" fn on_wake(h: *mut Handle) {
    let Some(uv) = uv() else { return };
    // SAFETY: the handle's data is its `Local` (set in `open`), alive until `on_closed`,
    // which cannot run while this callback does; only this thread touches it.
    let local = unsafe { &*(uv.get_data)(h).cast::<Local>() };
    while let Ok(task) = local.rx.try_recv() {
        // A send never panics; if one did, it must not unwind into libuv.
        let _ = catch_unwind(AssertUnwindSafe(task));
    }
}

/// The environment's asynchronous cleanup hook (JS thread): no more wake-ups, then close
/// the handle; `on_closed` tells Node when that is done.
unsafe extern "C" fn teardown(done: CleanupHandle, arg: *mut c_void) {
    let Some(uv) = uv() else { return };
    let h: *mut Handle = arg;
    // SAFETY: `arg` is the handle registered in `open`, still open (closed only here), and
    // its `Local` is only touched on this thread.
    let local = unsafe { &mut *(uv.get_data)(h).cast::<Local>() };
    local.cleanup = done;
    *local
        .waker
        .handle
        .write()
        .unwrap_or_else(|p| p.into_inner()) = None;
    // SAFETY: closing an open handle on its loop's thread; `on_closed` frees it.
    unsafe { (uv.close)(h, on_closed) };
}

/// Close callback: frees the handle and its `Local` (queued sends are dropped unrun), then
/// reports the teardown done.
unsafe extern "C" fn on_closed(h: *mut Handle) {
    let Some(uv) = uv() else { return };
    // SAFETY: the data is the `Local` leaked in `open`; libuv is done with the handle, so
    // its memory (owned by the `Local`) can go with it.
    let local = unsafe { Box::from_raw((uv.get_data)(h).cast::<Local>()) };
    let done = local.cleanup;
    drop(local);
    if !done.is_null() {
        // SAFETY: `done` is the hook handle Node passed to `teardown`, reported once.
        unsafe { (uv.remove_cleanup)(done) };
    }
}
