//! Generic glue between a JS codec object, its codec-core [`Model`] and its [`CodecWorker`].
//!
//! The model lives behind an `Arc<Mutex<_>>` that is only ever locked on the JS thread (the
//! mutex exists to satisfy `Send` for the channel handler); the worker holds no reference to it.
//! Worker reports arrive through one [`SafeCallback`] per codec, so outputs, flush results,
//! errors and dequeue ticks reach JS in the order they happened; each delivery is one batch of
//! reports, applied under one lock and handed to JS in one dispatcher call (see
//! `handle_incoming` for the one exception).

use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use codec_core::{
    CodecKind, InputFacts, JsEvent, Model, ModelConfig, OutputContext, Report, Tagged,
};
use control_queue::{Backend, Batch, CodecWorker, ControlTx, Sink};
use neon::prelude::*;
use safe_callback::{CallbackSender, SafeCallback};

use crate::error::IntoJsError;

/// The two JS values an output event carries after its code: the object (a chunk's init, a
/// frame or audio handle) and its second argument (metadata, an init).
pub(crate) type OutputValues<'a> = NeonResult<[Handle<'a, JsValue>; 2]>;

/// Converts one backend output into the JS values passed to the dispatcher.
pub(crate) trait OutputToJs: Send + Sized + 'static {
    /// The event's JS arguments after the event code; `ctx` is what the configuration that
    /// produced the output says about it (codec-core decides how it applies).
    fn to_js<'a, C: Context<'a>>(self, ctx: &OutputContext, cx: &mut C) -> OutputValues<'a>;
}

/// What the codec's channel carries to the JS thread.
pub(crate) enum Incoming<O> {
    /// The reports of one worker wake-up, in order (one delivery, one lock, one pump).
    Reports(Batch<O>),
    /// A `dequeue` event scheduled by a method call (posted behind what is already queued).
    DequeueTick,
}

struct WorkerSink<O: Send + 'static>(CallbackSender<Incoming<O>>);

impl<O: Send + 'static> WorkerSink<O> {
    fn send(&self, batch: Batch<O>) -> Result<(), Batch<O>> {
        self.0
            .call(Incoming::Reports(batch))
            .map_err(|e| match e.into_payload() {
                Incoming::Reports(b) => b,
                Incoming::DequeueTick => Vec::new(),
            })
    }
}

impl<O: Send + 'static> Sink<O> for WorkerSink<O> {
    fn report(&self, r: Tagged<Report<O>>) -> Result<(), Tagged<Report<O>>> {
        // What comes back is the batch of one, unless nothing did.
        self.send(vec![r])
            .or_else(|mut b| b.pop().map_or(Ok(()), Err))
    }

    fn report_batch(&self, batch: Batch<O>) -> Result<(), Batch<O>> {
        self.send(batch)
    }
}

pub(crate) struct Core<B: Backend> {
    model: Model<B::Config, B::Input, B::Output>,
    tx: ControlTx<B::Config, B::Input>,
    callback: SafeCallback<Incoming<B::Output>>,
    /// The JS object, held only while the codec is busy (keeps it from being collected while
    /// results are due).
    owner: Option<Root<JsObject>>,
    dispatch: Root<JsFunction>,
    worker: Option<CodecWorker>,
}

/// The boxed native half of a codec object.
pub(crate) struct CodecBox<B: Backend> {
    core: Arc<Mutex<Core<B>>>,
}

impl<B: Backend> Finalize for CodecBox<B> {
    fn finalize<'a, C: Context<'a>>(self, cx: &mut C) {
        if let Ok(mut c) = self.core.lock() {
            c.model.shut_down();
            c.send_actions();
            c.callback.release_and_unref(cx);
            if let Some(w) = c.worker.take() {
                w.detach();
            }
        }
    }
}

// Event codes shared with lib/event-codes.js.
const EV_OUTPUT: f64 = 0.0;
const EV_ERROR: f64 = 1.0;
const EV_FLUSH_RESOLVED: f64 = 2.0;
const EV_FLUSH_REJECTED: f64 = 3.0;
const EV_DEQUEUE: f64 = 4.0;

impl<B: Backend> Core<B>
where
    B::Output: OutputToJs,
{
    /// Sends worker messages and turns model events into a JS array of events.
    /// The model's pending events as a JS array, and its length.
    ///
    /// `in_task`: the caller is a task of the codec's own queue (a channel callback), so a
    /// scheduled `dequeue` event fires in this batch, in its place among the other events, as
    /// the spec's queued task would. From a JS method call it is posted as a separate task
    /// instead (events never fire synchronously inside a method).
    fn pump<'a, C: Context<'a>>(
        &mut self,
        cx: &mut C,
        in_task: bool,
    ) -> NeonResult<(Handle<'a, JsArray>, u32)> {
        self.send_actions();
        let out = cx.empty_array();
        let mut n = 0;
        while let Some(ev) = self.model.poll_event() {
            let item = cx.empty_array();
            match ev {
                JsEvent::Output(o, ctx) => {
                    set_num(cx, item, 0, EV_OUTPUT)?;
                    for (i, v) in (1..).zip(o.to_js(&ctx, cx)?) {
                        item.set(cx, i, v)?;
                    }
                }
                JsEvent::Error(e) => {
                    set_num(cx, item, 0, EV_ERROR)?;
                    let v = e.to_js_error(cx)?;
                    item.set(cx, 1, v)?;
                }
                JsEvent::FlushResolved(id) => {
                    set_num(cx, item, 0, EV_FLUSH_RESOLVED)?;
                    set_num(cx, item, 1, id as f64)?;
                }
                JsEvent::FlushRejected(id, e) => {
                    set_num(cx, item, 0, EV_FLUSH_REJECTED)?;
                    set_num(cx, item, 1, id as f64)?;
                    let v = e.to_js_error(cx)?;
                    item.set(cx, 2, v)?;
                }
                JsEvent::ScheduleDequeue if in_task => {
                    if !self.model.dequeue_event_fired() {
                        continue;
                    }
                    set_num(cx, item, 0, EV_DEQUEUE)?;
                }
                JsEvent::ScheduleDequeue => {
                    // Self-post on the codec's own queue: fires after what is already queued.
                    let _ = self.callback.call(Incoming::DequeueTick);
                    continue;
                }
            }
            out.set(cx, n, item)?;
            n += 1;
        }
        self.send_actions();
        Ok((out, n))
    }

    /// Holds the JS object and the event loop while busy; lets both go when idle.
    fn update_keep_alive<'a, C: Context<'a>>(
        &mut self,
        cx: &mut C,
        this: Option<Handle<'a, JsObject>>,
    ) {
        let busy = self.model.is_busy();
        hold_while_busy(cx, &mut self.owner, &mut self.callback, this, busy);
    }
}

/// While `busy`, roots the JS object `this` in `owner` (once) and keeps the event loop alive
/// through `callback`; when idle, drops the root and lets the loop go. Shared by the codecs and
/// ImageDecoder.
pub(crate) fn hold_while_busy<'a, C: Context<'a>, T: Send + 'static>(
    cx: &mut C,
    owner: &mut Option<Root<JsObject>>,
    callback: &mut SafeCallback<T>,
    this: Option<Handle<'a, JsObject>>,
    busy: bool,
) {
    if busy {
        if owner.is_none() {
            if let Some(t) = this {
                *owner = Some(t.root(cx));
            }
        }
    } else if let Some(o) = owner.take() {
        o.drop(cx);
    }
    callback.set_keep_alive(cx, busy);
}

/// `arr[index] = v`. Indices are tracked in Rust on purpose: `JsArray::len` panics inside Neon
/// when the environment stops accepting calls (a `worker_threads` worker being terminated while
/// a channel callback runs), and a panic there aborts the whole process.
pub(crate) fn set_num<'a, C: Context<'a>>(
    cx: &mut C,
    arr: Handle<'a, JsArray>,
    index: u32,
    v: f64,
) -> NeonResult<()> {
    let n = cx.number(v);
    arr.set(cx, index, n)?;
    Ok(())
}

fn lock<B: Backend>(core: &Mutex<Core<B>>) -> MutexGuard<'_, Core<B>> {
    // Only the JS thread locks it and nothing panics while holding it; recover if it did.
    core.lock().unwrap_or_else(|p| p.into_inner())
}

/// Creates the native codec: model, worker thread and event channel.
/// `dispatch(owner, events)` is a module-level JS function (it must not capture the codec).
fn create<'a, B>(
    cx: &mut FunctionContext<'a>,
    kind: CodecKind,
    name: &str,
    backend: B,
    dispatch: Handle<'a, JsFunction>,
) -> JsResult<'a, JsBox<CodecBox<B>>>
where
    B: Backend,
    B::Output: OutputToJs,
{
    // The handler reaches the core through a weak reference set once the core exists, so the
    // channel never keeps the codec alive.
    let core_slot: Arc<OnceLock<Weak<Mutex<Core<B>>>>> = Arc::new(OnceLock::new());
    let handler_slot = core_slot.clone();
    // Relayed: the worker runs in the idle scheduling class (see `SafeCallback::relayed`).
    let callback = SafeCallback::relayed(cx, move |cx: &mut Cx, incoming: Incoming<B::Output>| {
        let Some(core) = handler_slot.get().and_then(Weak::upgrade) else {
            return Ok(());
        };
        handle_incoming(cx, &core, incoming)
    });
    let sink = WorkerSink(callback.sender());
    let (tx, worker) = match CodecWorker::spawn(name, backend, sink) {
        Ok(v) => v,
        Err(e) => return e.throw(cx),
    };
    let dispatch = dispatch.root(cx);
    let core = Arc::new(Mutex::new(Core {
        model: Model::new(kind),
        tx,
        callback,
        owner: None,
        dispatch,
        worker: Some(worker),
    }));
    let _ = core_slot.set(Arc::downgrade(&core));
    Ok(cx.boxed(CodecBox { core }))
}

/// Whether a report settles something JS may still be waiting on (a flush, or the codec itself).
fn settles<O>(r: &Tagged<Report<O>>) -> bool {
    matches!(r.body, Report::FlushDone(_) | Report::Failed(_))
}

/// One delivery of the codec's channel: applies it to the model under one lock, turns the
/// resulting events into one JS array and hands it to the dispatcher in one call.
///
/// Callbacks may call `reset()` or `close()` while the events run, and those must still find
/// every flush the callbacks have not seen settled pending, so a report that settles a flush (or
/// fails the codec) after events that are not dispatched yet starts a new round: the events so far
/// are dispatched first. The usual batch (outputs, dequeues) takes one round.
fn handle_incoming<B>(
    cx: &mut Cx,
    core: &Arc<Mutex<Core<B>>>,
    incoming: Incoming<B::Output>,
) -> NeonResult<()>
where
    B: Backend,
    B::Output: OutputToJs,
{
    let mut reports = match incoming {
        Incoming::Reports(reports) => reports.into_iter().peekable(),
        Incoming::DequeueTick => {
            let mut c = lock(core);
            let fire = c.model.dequeue_event_fired();
            return dispatch_events(cx, c, fire);
        }
    };
    loop {
        let mut c = lock(core);
        while let Some(r) = reports.next_if(|r| !(settles(r) && c.model.has_events())) {
            c.model.handle_report(r);
        }
        dispatch_events(cx, c, false)?;
        if reports.peek().is_none() {
            return Ok(());
        }
    }
}

/// Pumps the model (with a fired `dequeue` event at the end if `fire_dequeue`), releases the
/// lock and calls the dispatcher with the events, if any.
fn dispatch_events<B>(
    cx: &mut Cx,
    mut c: MutexGuard<'_, Core<B>>,
    fire_dequeue: bool,
) -> NeonResult<()>
where
    B: Backend,
    B::Output: OutputToJs,
{
    let (events, mut len) = c.pump(cx, true)?;
    if fire_dequeue {
        let item = cx.empty_array();
        set_num(cx, item, 0, EV_DEQUEUE)?;
        events.set(cx, len, item)?;
        len += 1;
    }
    // Taken before the keep-alive update may drop the root: the handle stays valid in this call.
    let owner = c.owner.as_ref().map(|o| o.to_inner(cx));
    let dispatch = c.dispatch.to_inner(cx);
    c.update_keep_alive(cx, None);
    c.detach_if_closed(cx);
    drop(c);
    call_dispatch(cx, dispatch, owner, events, len)
}

/// Calls `dispatch(owner, events)` when there is an owner (the JS object is still held) and
/// `len` events. Shared by the codecs and ImageDecoder.
pub(crate) fn call_dispatch<'a, C: Context<'a>>(
    cx: &mut C,
    dispatch: Handle<'a, JsFunction>,
    owner: Option<Handle<'a, JsObject>>,
    events: Handle<'a, JsArray>,
    len: u32,
) -> NeonResult<()> {
    match owner {
        Some(o) if len > 0 => {
            let undefined = cx.undefined();
            dispatch
                .call(cx, undefined, [o.upcast(), events.upcast()])
                .map(|_| ())
        }
        _ => Ok(()),
    }
}

/// Runs a spec method on the model, then returns the resulting JS events (already-settled
/// flushes etc.) for the JS object to apply.
fn with_core<'a, B, T>(
    cx: &mut FunctionContext<'a>,
    f: impl FnOnce(&mut Core<B>) -> Result<T, codec_core::CodecError>,
) -> NeonResult<(T, Handle<'a, JsArray>)>
where
    B: Backend,
    B::Output: OutputToJs,
{
    let boxed = cx.argument::<JsBox<CodecBox<B>>>(0)?;
    let this = cx.argument::<JsObject>(1)?;
    let core = boxed.core.clone();
    let mut c = lock(&core);
    let r = f(&mut c);
    let (events, _) = c.pump(cx, false)?;
    c.update_keep_alive(cx, Some(this));
    c.detach_if_closed(cx);
    drop(c);
    match r {
        Ok(v) => Ok((v, events)),
        Err(e) => e.throw(cx),
    }
}

impl<B: Backend> Core<B> {
    /// Once the model is closed: no more deliveries, the loop may exit, the worker finishes on
    /// its own.
    fn detach_if_closed<'a, C: Context<'a>>(&mut self, cx: &mut C) {
        if self.model.state() == codec_core::CodecState::Closed {
            self.callback.release_and_unref(cx);
            if let Some(w) = self.worker.take() {
                w.detach();
            }
        }
    }

    fn send_actions(&mut self) {
        while let Some(a) = self.model.poll_action() {
            // A stopped worker only happens after close; the payload is dropped here.
            let _ = self.tx.send(a);
        }
    }

    pub(crate) fn model(&mut self) -> &mut Model<B::Config, B::Input, B::Output> {
        &mut self.model
    }
}

/// Submits one `encode()`/`decode()` input to the model (`facts`: what the spec's checks read
/// from it) and returns the resulting events.
pub(crate) fn submit<'a, B>(
    cx: &mut FunctionContext<'a>,
    input: B::Input,
    facts: impl FnOnce(&B::Input) -> InputFacts<'_>,
) -> JsResult<'a, JsValue>
where
    B: Backend,
    B::Output: OutputToJs,
{
    let ((), events) = with_core::<B, _>(cx, |c| c.model().submit(input, facts))?;
    Ok(events.upcast())
}

/// The chunk a `{prefix}Decode(box, this, key, timestamp, duration?, data)` native is given.
pub(crate) struct ChunkArgs {
    pub(crate) key: bool,
    pub(crate) timestamp: i64,
    pub(crate) duration: Option<u64>,
    pub(crate) data: Vec<u8>,
}

/// Reads [`ChunkArgs`] from arguments 2 to 5.
pub(crate) fn chunk_args(cx: &mut FunctionContext) -> NeonResult<ChunkArgs> {
    let key = cx.argument::<JsBoolean>(2)?.value(cx);
    let timestamp = cx.argument::<JsNumber>(3)?.value(cx) as i64;
    let duration = crate::js::opt_arg_f64(cx, 4).map(|n| n as u64);
    let data = cx.argument::<JsTypedArray<u8>>(5)?;
    let data = crate::js::bytes(cx, data);
    Ok(ChunkArgs {
        key,
        timestamp,
        duration,
        data,
    })
}

/// The init of an encoder output's `Encoded{Video,Audio}Chunk`.
pub(crate) fn chunk_to_js<'a, C: Context<'a>>(
    cx: &mut C,
    key: bool,
    timestamp: i64,
    duration: Option<u64>,
    data: &[u8],
) -> JsResult<'a, JsValue> {
    let chunk = cx.empty_object();
    crate::js::set_str(cx, chunk, "type", if key { "key" } else { "delta" })?;
    crate::js::set_num(cx, chunk, "timestamp", timestamp as f64)?;
    if let Some(d) = duration {
        crate::js::set_num(cx, chunk, "duration", d as f64)?;
    }
    let data = JsArrayBuffer::from_slice(cx, data)?;
    chunk.set(cx, "data", data)?;
    Ok(chunk.upcast())
}

/// A codec configuration as the JS classes hand it over: read, checked for validity
/// (`TypeError`) and for support (`NotSupportedError`), the same way for all four codecs.
pub(crate) trait JsConfig: ModelConfig + Sized {
    /// Whether the codec this configures encodes or decodes.
    const KIND: CodecKind;
    /// The name of the codec's worker thread.
    const THREAD: &'static str;
    /// Reads the converted dictionary.
    fn from_js<'a, C: Context<'a>>(cx: &mut C, o: Handle<'a, JsObject>) -> NeonResult<Self>;
    /// The spec's validity check.
    fn validate(&self) -> Result<(), codec_core::CodecError>;
    /// Whether the backend can run it.
    fn supported(&self) -> bool;
}

/// Implements [`JsConfig`] for `$cfg`: `$kind` and `$thread` name the codec, `$read` reads the
/// dictionary, the type's own `validate` checks it and `$support` is the backend's check.
macro_rules! impl_js_config {
    ($cfg:ty, $kind:ident, $thread:literal, $read:path, $support:path) => {
        impl crate::codec::JsConfig for $cfg {
            const KIND: codec_core::CodecKind = codec_core::CodecKind::$kind;
            const THREAD: &'static str = $thread;
            fn from_js<'a, C: Context<'a>>(
                cx: &mut C,
                o: Handle<'a, JsObject>,
            ) -> NeonResult<Self> {
                $read(cx, o)
            }
            fn validate(&self) -> Result<(), codec_core::CodecError> {
                <$cfg>::validate(self)
            }
            fn supported(&self) -> bool {
                $support(self).is_ok()
            }
        }
    };
}
pub(crate) use impl_js_config;

fn valid_config<'a, T: JsConfig>(cx: &mut FunctionContext<'a>, arg: usize) -> NeonResult<T> {
    let o = cx.argument::<JsObject>(arg)?;
    let cfg = T::from_js(cx, o)?;
    match cfg.validate() {
        Ok(()) => Ok(cfg),
        Err(e) => e.throw(cx),
    }
}

/// The natives every codec class shares, for the backend `B` (exported by [`export_common`]).
struct Natives<B>(PhantomData<B>);

impl<B> Natives<B>
where
    B: Backend + Default,
    B::Config: JsConfig,
    B::Output: OutputToJs,
{
    /// `{prefix}New(dispatch)`: a new codec (see [`create`]).
    fn js_new(mut cx: FunctionContext) -> JsResult<JsBox<CodecBox<B>>> {
        let dispatch = cx.argument::<JsFunction>(0)?;
        let kind = B::Config::KIND;
        create(&mut cx, kind, B::Config::THREAD, B::default(), dispatch)
    }

    /// `{prefix}State(box)` → `[state, queueSize]`.
    fn state(mut cx: FunctionContext) -> JsResult<JsValue> {
        let boxed = cx.argument::<JsBox<CodecBox<B>>>(0)?;
        let c = lock(&boxed.core);
        let s = c.model.state().as_str();
        let q = c.model.queue_size();
        drop(c);
        let arr = cx.empty_array();
        let s = cx.string(s);
        arr.set(&mut cx, 0, s)?;
        let q = cx.number(q);
        arr.set(&mut cx, 1, q)?;
        Ok(arr.upcast())
    }

    /// `{prefix}Flush(box, this)` → `[flush id, events]`.
    fn flush(mut cx: FunctionContext) -> JsResult<JsValue> {
        let (id, events) = with_core::<B, _>(&mut cx, |c| c.model().flush())?;
        let arr = cx.empty_array();
        let id = cx.number(id as f64);
        arr.set(&mut cx, 0, id)?;
        arr.set(&mut cx, 1, events)?;
        Ok(arr.upcast())
    }

    /// Runs a spec method that gives back nothing; returns the events.
    fn method(mut cx: FunctionContext, f: ModelMethod<B>) -> JsResult<JsValue> {
        let ((), events) = with_core::<B, _>(&mut cx, |c| f(c.model()))?;
        Ok(events.upcast())
    }

    /// `{prefix}Reset(box, this)` → events.
    fn reset(cx: FunctionContext) -> JsResult<JsValue> {
        Self::method(cx, Model::reset)
    }

    /// `{prefix}Close(box, this)` → events.
    fn close(cx: FunctionContext) -> JsResult<JsValue> {
        Self::method(cx, Model::close)
    }

    /// `{prefix}CheckConfig(config)` → `Promise<boolean>`, throwing `TypeError` for invalid
    /// configs. The support check runs on a helper thread ("in parallel", as the spec says):
    /// some checks open an FFmpeg encoder, which must not happen on the JS thread.
    fn check_config(mut cx: FunctionContext) -> JsResult<JsPromise> {
        let cfg = valid_config::<B::Config>(&mut cx, 0)?;
        let channel = cx.channel();
        let (deferred, promise) = cx.promise();
        let spawned = std::thread::Builder::new()
            .name("webcodecs-support".into())
            .spawn(move || {
                let supported = cfg.supported();
                deferred.settle_with(&channel, move |mut cx| Ok(cx.boolean(supported)));
            });
        if let Err(e) = spawned {
            return crate::error::thread_refused("a support check", &e).throw(&mut cx);
        }
        Ok(promise)
    }

    /// `{prefix}Configure(box, this, config)` → events.
    fn configure(mut cx: FunctionContext) -> JsResult<JsValue> {
        let cfg = valid_config::<B::Config>(&mut cx, 2)?;
        let ((), events) = with_core::<B, _>(&mut cx, |c| c.model().configure(cfg))?;
        Ok(events.upcast())
    }
}

/// A model method that takes no argument and returns nothing (`reset`, `close`).
type ModelMethod<B> = fn(
    &mut Model<<B as Backend>::Config, <B as Backend>::Input, <B as Backend>::Output>,
) -> Result<(), codec_core::CodecError>;

/// Exports the natives every codec class shares, as `{prefix}New`, `{prefix}CheckConfig`,
/// `{prefix}Configure`, `{prefix}State`, `{prefix}Flush`, `{prefix}Reset` and `{prefix}Close`.
pub(crate) fn export_common<B>(cx: &mut ModuleContext, prefix: &str) -> NeonResult<()>
where
    B: Backend + Default,
    B::Config: JsConfig,
    B::Output: OutputToJs,
{
    use crate::js::export;
    export(cx, &format!("{prefix}New"), Natives::<B>::js_new)?;
    export(
        cx,
        &format!("{prefix}CheckConfig"),
        Natives::<B>::check_config,
    )?;
    export(cx, &format!("{prefix}Configure"), Natives::<B>::configure)?;
    export(cx, &format!("{prefix}State"), Natives::<B>::state)?;
    export(cx, &format!("{prefix}Flush"), Natives::<B>::flush)?;
    export(cx, &format!("{prefix}Reset"), Natives::<B>::reset)?;
    export(cx, &format!("{prefix}Close"), Natives::<B>::close)?;
    Ok(())
}
