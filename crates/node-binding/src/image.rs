//! `ImageDecoder` natives: glue between `lib/image-decoder.js`, codec-core's
//! [`ImageDecoderModel`] (every spec rule) and a `CodecWorker` running an [`ImageBackend`] (the
//! encoded data and the decoding).
//!
//! Each native runs one spec method on the model and returns the JS events it produced; worker
//! reports arrive through one [`SafeCallback`] per decoder, in order, and their events go to the
//! module-level `dispatch(owner, events)`. The JS object is held (and the event loop kept
//! open) only while the worker owes an answer; a decode that waits for stream data does not
//! hold the loop (the stream's producer does, if there is one), or a never-ending stream would
//! keep Node alive forever.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use codec_core::{ImageDecoderModel, ImageEvent, ImageOutput, ImageRequest, ImageTrackInfo};
use codec_core::{Orientation, Report, Tagged, VideoFrameMeta};
use codec_ffmpeg::{
    ColorSpaceConversion, ImageBackend, ImageDecoderConfig, ImageDecoderOptions, ImageFrameOutput,
    ImageType,
};
use control_queue::{Batch, CodecWorker, ControlTx, Sink};
use neon::prelude::*;
use neon::types::buffer::TypedArray;
use safe_callback::{CallbackSender, SafeCallback};

use crate::codec::set_num as set_index;
use crate::error::IntoJsError;
use crate::js::set_num;
use crate::video::FrameBox;

type Model = ImageDecoderModel<ImageDecoderConfig, ImageFrameOutput>;
type ImageReport = Tagged<Report<ImageOutput<ImageFrameOutput>>>;
type ImageBatch = Batch<ImageOutput<ImageFrameOutput>>;

/// The worker's reports, carried to the JS thread by the decoder's callback channel: one
/// delivery per batch, in order.
struct ImageSink(CallbackSender<ImageBatch>);

impl Sink<ImageOutput<ImageFrameOutput>> for ImageSink {
    // The trait hands an undeliverable report back by value (after release only), so the
    // error is as large as a report.
    #[allow(clippy::result_large_err)]
    fn report(&self, r: ImageReport) -> Result<(), ImageReport> {
        // What comes back is the batch of one, unless nothing did.
        self.report_batch(vec![r])
            .or_else(|mut b| b.pop().map_or(Ok(()), Err))
    }

    fn report_batch(&self, batch: ImageBatch) -> Result<(), ImageBatch> {
        // After release the batch comes back and is dropped on the worker thread.
        self.0.call(batch).map_err(|e| e.into_payload())
    }
}

struct Inner {
    model: Model,
    /// `None` for an unsupported type (no worker) and after close.
    tx: Option<ControlTx<ImageDecoderConfig, ImageRequest>>,
    worker: Option<CodecWorker>,
    callback: SafeCallback<ImageBatch>,
    /// Reports of a delivered batch held back for a later task (see [`handle_batch`]).
    deferred: VecDeque<ImageReport>,
    /// The JS object, held only while the worker owes an answer.
    owner: Option<Root<JsObject>>,
    dispatch: Root<JsFunction>,
}

/// The boxed native half of an `ImageDecoder`.
pub(crate) struct ImageBox {
    inner: Arc<Mutex<Inner>>,
}

impl Finalize for ImageBox {
    fn finalize<'a, C: Context<'a>>(self, cx: &mut C) {
        let mut i = lock(&self.inner);
        i.model.shut_down();
        i.send_actions();
        i.after_close(cx);
    }
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    // Only the JS thread locks it; recover from a poisoned lock rather than abort.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

// Event codes shared with lib/event-codes.js.
const EV_TRACKS: f64 = 0.0;
const EV_FRAME_COUNTS: f64 = 1.0;
const EV_RESOLVED: f64 = 2.0;
const EV_REJECTED: f64 = 3.0;
const EV_COMPLETED: f64 = 4.0;
const EV_CLOSED: f64 = 5.0;

fn tracks_to_js<'a, C: Context<'a>>(cx: &mut C, t: &[ImageTrackInfo]) -> JsResult<'a, JsArray> {
    let arr = cx.empty_array();
    for (i, t) in t.iter().enumerate() {
        let o = cx.empty_object();
        let a = cx.boolean(t.animated);
        o.set(cx, "animated", a)?;
        set_num(cx, o, "frameCount", f64::from(t.frame_count))?;
        set_num(cx, o, "repetitionCount", t.repetition_count)?;
        arr.set(cx, i as u32, o)?;
    }
    Ok(arr)
}

/// `[frame box, VideoFrame init]` for a decoded image.
fn frame_to_js<'a, C: Context<'a>>(
    cx: &mut C,
    item: Handle<'a, JsArray>,
    out: ImageFrameOutput,
) -> NeonResult<()> {
    let meta = VideoFrameMeta {
        timestamp: out.timestamp,
        duration: out.duration,
        orientation: Orientation {
            rotation: out.rotation,
            flip: out.flip,
        },
        color_space: out.color_space,
        ..VideoFrameMeta::of(&out.frame)
    };
    let init = crate::frame::frame_init(cx, &out.frame, &meta)?;
    let frame = cx.boxed(FrameBox::new(out.frame));
    item.set(cx, 2, frame)?;
    item.set(cx, 3, init)?;
    Ok(())
}

/// One model event as `[code, ...]`.
fn event_to_js<'a, C: Context<'a>>(
    cx: &mut C,
    ev: ImageEvent<ImageFrameOutput>,
) -> JsResult<'a, JsArray> {
    let item = cx.empty_array();
    match ev {
        ImageEvent::TracksEstablished { tracks, selected } => {
            set_index(cx, item, 0, EV_TRACKS)?;
            let t = tracks_to_js(cx, &tracks)?;
            item.set(cx, 1, t)?;
            set_index(cx, item, 2, selected as f64)?;
        }
        ImageEvent::FrameCountsChanged(changes) => {
            set_index(cx, item, 0, EV_FRAME_COUNTS)?;
            let mut at = 1;
            for (i, n) in changes {
                set_index(cx, item, at, i as f64)?;
                set_index(cx, item, at + 1, f64::from(n))?;
                at += 2;
            }
        }
        ImageEvent::Resolved {
            id,
            frame,
            complete,
        } => {
            set_index(cx, item, 0, EV_RESOLVED)?;
            set_index(cx, item, 1, id as f64)?;
            frame_to_js(cx, item, frame)?;
            let c = cx.boolean(complete);
            item.set(cx, 4, c)?;
        }
        ImageEvent::Rejected { id, error } => {
            set_index(cx, item, 0, EV_REJECTED)?;
            set_index(cx, item, 1, id as f64)?;
            let e = error.to_js_error(cx)?;
            item.set(cx, 2, e)?;
        }
        ImageEvent::Completed => set_index(cx, item, 0, EV_COMPLETED)?,
        ImageEvent::Closed {
            error,
            tracks_established,
            complete,
        } => {
            set_index(cx, item, 0, EV_CLOSED)?;
            let e = error.to_js_error(cx)?;
            item.set(cx, 1, e)?;
            let t = cx.boolean(tracks_established);
            item.set(cx, 2, t)?;
            let c = cx.boolean(complete);
            item.set(cx, 3, c)?;
        }
    }
    Ok(item)
}

impl Inner {
    fn send_actions(&mut self) {
        while let Some(a) = self.model.poll_action() {
            // No worker (unsupported type) or a stopped one (after close): the payload is
            // dropped here.
            if let Some(tx) = &self.tx {
                let _ = tx.send(a);
            }
        }
    }

    /// Sends the worker its messages and returns the model's events as a JS array, and how
    /// many there are (counted here: `JsArray::len` panics inside Neon while a worker thread
    /// is being terminated).
    fn pump<'a, C: Context<'a>>(&mut self, cx: &mut C) -> NeonResult<(Handle<'a, JsArray>, u32)> {
        self.send_actions();
        let out = cx.empty_array();
        let mut n = 0;
        while let Some(ev) = self.model.poll_event() {
            let item = event_to_js(cx, ev)?;
            out.set(cx, n, item)?;
            n += 1;
        }
        Ok((out, n))
    }

    /// Once closed, stops delivery and lets the worker thread end on its own; otherwise holds
    /// the JS object and the event loop while the worker owes an answer.
    fn update_keep_alive<'a, C: Context<'a>>(
        &mut self,
        cx: &mut C,
        this: Option<Handle<'a, JsObject>>,
    ) {
        if self.model.is_closed() {
            self.after_close(cx);
        } else {
            let busy = self.model.is_busy();
            crate::codec::hold_while_busy(cx, &mut self.owner, &mut self.callback, this, busy);
        }
    }

    fn after_close<'a, C: Context<'a>>(&mut self, cx: &mut C) {
        self.tx = None;
        self.callback.release_and_unref(cx);
        if let Some(o) = self.owner.take() {
            o.drop(cx);
        }
        if let Some(w) = self.worker.take() {
            w.detach();
        }
    }
}

/// Whether a report can close the decoder or fail a decode.
fn can_close(r: &ImageReport) -> bool {
    matches!(
        r.body,
        Report::Failed(_) | Report::Output(ImageOutput::Infeasible { .. })
    )
}

/// Applies one batch of worker reports under one lock, then dispatches the resulting events to
/// JS in one call.
///
/// The spec runs each answer as a task of its own, so promise continuations of earlier answers
/// (`await tracks.ready`, a resolved `decode()`) run before a later failure closes the decoder.
/// A report that can close it, behind events not dispatched yet, therefore waits for a later
/// task: it and the rest of the batch go to `deferred` (ahead of any batch that arrives
/// meanwhile, so the order holds) and an empty batch is posted to pick them up.
fn handle_batch(cx: &mut Cx, inner: &Arc<Mutex<Inner>>, batch: ImageBatch) -> NeonResult<()> {
    let (owner, dispatch, events) = {
        let mut i = lock(inner);
        let mut reports = std::mem::take(&mut i.deferred);
        reports.extend(batch);
        while let Some(r) = reports.pop_front() {
            if can_close(&r) && i.model.has_events() {
                reports.push_front(r);
                break;
            }
            i.model.handle_report(r);
        }
        if !reports.is_empty() {
            i.deferred = reports;
            // Refused only after close, when nothing is delivered any more.
            let _ = i.callback.call(Vec::new());
        }
        let events = i.pump(cx)?;
        let owner = i.owner.as_ref().map(|o| o.to_inner(cx));
        (owner, i.dispatch.to_inner(cx), events)
    };
    let (events, n) = events;
    let result = crate::codec::call_dispatch(cx, dispatch, owner, events, n);
    lock(inner).update_keep_alive(cx, None);
    result
}

/// `imageTypeSupported(type) → boolean`
fn image_type_supported(mut cx: FunctionContext) -> JsResult<JsBoolean> {
    let s = cx.argument::<JsString>(0)?.value(&mut cx);
    Ok(cx.boolean(codec_ffmpeg::image_type_supported(&s)))
}

/// The `ImageDecoderInit` options from `imageDecoderNew`'s arguments 3 to 6.
fn options(cx: &mut FunctionContext) -> ImageDecoderOptions {
    let w = crate::js::opt_arg_f64(cx, 3);
    let h = crate::js::opt_arg_f64(cx, 4);
    let prefer_animation = cx
        .argument_opt(5)
        .and_then(|v| v.downcast::<JsBoolean, _>(cx).ok())
        .map(|b| b.value(cx));
    let color_space_conversion = match crate::js::opt_arg_str(cx, 6).as_deref() {
        Some("none") => ColorSpaceConversion::None,
        _ => ColorSpaceConversion::Default,
    };
    ImageDecoderOptions {
        color_space_conversion,
        prefer_animation,
        desired_size: match (w, h) {
            (Some(w), Some(h)) if w >= 1.0 && h >= 1.0 => Some((w as u32, h as u32)),
            _ => None,
        },
    }
}

/// Copies of at least this many bytes are shared between the calling thread and a helper.
const SHARED_COPY_BYTES: usize = 4 << 20;

/// The piece of a shared copy each thread takes at a time.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// A copy of `src` (the constructor's copy of `init.data`, on the JS thread). Most of the
/// cost of copying tens of megabytes into a fresh buffer is the kernel's page faults (a 26 MB
/// PNG: 15-20 ms on the 2-CPU development machine, 4-5 ms when the allocator reuses memory),
/// so a large copy is shared with one helper thread, in 1 MiB chunks taken in turn: the two
/// take their faults in parallel. `src` cannot change meanwhile (no JS runs while this thread
/// is in the call), and if the helper cannot start, this thread copies every chunk.
fn copy_bytes(src: &[u8]) -> Vec<u8> {
    if src.len() < SHARED_COPY_BYTES {
        return src.to_vec();
    }
    // Zeroed memory fresh from the kernel is not touched until the copy writes it.
    let mut out = vec![0u8; src.len()];
    let copied: Result<(), ()> = crate::share::on_two_threads(
        "webcodecs-copy",
        out.chunks_mut(COPY_CHUNK_BYTES)
            .zip(src.chunks(COPY_CHUNK_BYTES)),
        |(to, from)| {
            to.copy_from_slice(from);
            Ok(())
        },
        || (),
    );
    // Only a panicking helper fails (chunks of equal length cannot): copy its part again.
    if copied.is_err() {
        out.copy_from_slice(src);
    }
    out
}

/// `imageDecoderNew(dispatch, this, type, desiredWidth?, desiredHeight?, preferAnimation?,
/// colorSpaceConversion?, data?) → [box, events]`: `data` (a Uint8Array) is complete buffer
/// data; without it the caller streams with `imageDecoderAppend`/`imageDecoderEnd`. The
/// events (a type that is not supported closes at once) are for the caller to apply in a
/// microtask, as the configure message would run.
fn image_decoder_new(mut cx: FunctionContext) -> JsResult<JsArray> {
    let dispatch = cx.argument::<JsFunction>(0)?;
    let this = cx.argument::<JsObject>(1)?;
    let mime = cx.argument::<JsString>(2)?.value(&mut cx);
    let opts = options(&mut cx);
    let data = match cx.argument_opt(7) {
        Some(v) => v
            .downcast::<JsTypedArray<u8>, _>(&mut cx)
            .ok()
            .map(|a| copy_bytes(a.as_slice(&cx))),
        None => None,
    };
    let ty = ImageType::from_mime(&mime).filter(|_| codec_ffmpeg::image_type_supported(&mime));
    let slot: Arc<OnceLock<Weak<Mutex<Inner>>>> = Arc::new(OnceLock::new());
    let handler_slot = slot.clone();
    // Relayed: the worker runs in the idle scheduling class (see `SafeCallback::relayed`).
    let callback = SafeCallback::relayed(&mut cx, move |cx: &mut Cx, b: ImageBatch| {
        let Some(inner) = handler_slot.get().and_then(Weak::upgrade) else {
            return Ok(());
        };
        handle_batch(cx, &inner, b)
    });
    let (model, tx, worker) = match ty {
        Some(ty) => {
            let sink = ImageSink(callback.sender());
            let (tx, worker) =
                match CodecWorker::spawn("webcodecs-image", ImageBackend::new(), sink) {
                    Ok(v) => v,
                    Err(e) => return e.throw(&mut cx),
                };
            let config = ImageDecoderConfig { ty, options: opts };
            let mut model = Model::new(config, opts.prefer_animation);
            if let Some(d) = data {
                model.append(d);
                model.end_of_data();
            }
            (model, Some(tx), Some(worker))
        }
        None => (Model::unsupported(data.is_some()), None, None),
    };
    let dispatch = dispatch.root(&mut cx);
    let inner = Arc::new(Mutex::new(Inner {
        model,
        tx,
        worker,
        callback,
        deferred: VecDeque::new(),
        owner: None,
        dispatch,
    }));
    let _ = slot.set(Arc::downgrade(&inner));
    let (events, _) = {
        let mut i = lock(&inner);
        let events = i.pump(&mut cx)?;
        i.update_keep_alive(&mut cx, Some(this));
        events
    };
    let result = cx.empty_array();
    let boxed = cx.boxed(ImageBox { inner });
    result.set(&mut cx, 0, boxed)?;
    result.set(&mut cx, 1, events)?;
    Ok(result)
}

/// What a spec method gives back: a JS value, or the spec error to throw.
type MethodResult<'a> = NeonResult<Result<Handle<'a, JsValue>, codec_core::CodecError>>;

/// Runs a spec method on the model (`box` is argument 0, the JS object argument 1) and
/// returns `[its value, events]`, or throws its spec error once the events are taken (so
/// nothing is lost; there are none then).
fn with_model<'a>(
    cx: &mut FunctionContext<'a>,
    f: impl FnOnce(&mut FunctionContext<'a>, &mut Model) -> MethodResult<'a>,
) -> JsResult<'a, JsArray> {
    let b = cx.argument::<JsBox<ImageBox>>(0)?;
    let this = cx.argument::<JsObject>(1)?;
    let inner = b.inner.clone();
    let mut i = lock(&inner);
    let r = f(cx, &mut i.model)?;
    let (events, _) = i.pump(cx)?;
    i.update_keep_alive(cx, Some(this));
    drop(i);
    let value = match r {
        Ok(v) => v,
        Err(e) => return e.throw(cx),
    };
    let out = cx.empty_array();
    out.set(cx, 0, value)?;
    out.set(cx, 1, events)?;
    Ok(out)
}

/// `imageDecoderAppend(box, this, bytes: Uint8Array) → [undefined, events]`
fn image_decoder_append(mut cx: FunctionContext) -> JsResult<JsArray> {
    with_model(&mut cx, |cx, m| {
        let bytes = cx.argument::<JsTypedArray<u8>>(2)?.as_slice(cx).to_vec();
        m.append(bytes);
        Ok(Ok(cx.undefined().upcast()))
    })
}

/// Runs a spec method that gives back nothing: `[undefined, events]`.
fn with_model_unit(mut cx: FunctionContext, f: fn(&mut Model)) -> JsResult<JsArray> {
    with_model(&mut cx, |cx, m| {
        f(m);
        Ok(Ok(cx.undefined().upcast()))
    })
}

/// `imageDecoderEnd(box, this) → [undefined, events]`: the stream ended.
fn image_decoder_end(cx: FunctionContext) -> JsResult<JsArray> {
    with_model_unit(cx, Model::end_of_data)
}

/// `imageDecoderStreamFailed(box, this, notBytes: boolean, message) → [undefined, events]`:
/// a chunk that is not a Uint8Array (`DataError`) or a read error (`NotReadableError`).
fn image_decoder_stream_failed(mut cx: FunctionContext) -> JsResult<JsArray> {
    with_model(&mut cx, |cx, m| {
        let not_bytes = cx.argument::<JsBoolean>(2)?.value(cx);
        if not_bytes {
            m.chunk_not_bytes();
        } else {
            let message = crate::js::opt_arg_str(cx, 3).unwrap_or_default();
            m.stream_error(&message);
        }
        Ok(Ok(cx.undefined().upcast()))
    })
}

/// `imageDecoderDecode(box, this, frameIndex, completeFramesOnly) → [id, events]`; throws the
/// spec's rejection (`InvalidStateError`, `NotSupportedError`).
fn image_decoder_decode(mut cx: FunctionContext) -> JsResult<JsArray> {
    with_model(&mut cx, |cx, m| {
        let frame_index = cx.argument::<JsNumber>(2)?.value(cx) as u32;
        let complete_frames_only = cx.argument::<JsBoolean>(3)?.value(cx);
        Ok(m.decode(frame_index, complete_frames_only)
            .map(|id| cx.number(id as f64).upcast()))
    })
}

/// `imageDecoderSelect(box, this, trackIndex, selected) → [selectedIndex | null, events]`:
/// the new selected index (-1 for none), or `null` when nothing changed.
fn image_decoder_select(mut cx: FunctionContext) -> JsResult<JsArray> {
    with_model(&mut cx, |cx, m| {
        let index = cx.argument::<JsNumber>(2)?.value(cx) as usize;
        let value = cx.argument::<JsBoolean>(3)?.value(cx);
        Ok(Ok(match m.select_track(index, value) {
            Some(s) => cx.number(s.map_or(-1.0, |s| s as f64)).upcast(),
            None => cx.null().upcast(),
        }))
    })
}

/// `imageDecoderReset(box, this) → [undefined, events]`
fn image_decoder_reset(cx: FunctionContext) -> JsResult<JsArray> {
    with_model_unit(cx, Model::reset)
}

/// `imageDecoderClose(box, this) → [undefined, events]`: never blocks; the worker thread ends
/// on its own.
fn image_decoder_close(cx: FunctionContext) -> JsResult<JsArray> {
    with_model_unit(cx, Model::close)
}

/// `imageDecoderComplete(box) → boolean`: `[[complete]]`.
fn image_decoder_complete(mut cx: FunctionContext) -> JsResult<JsBoolean> {
    let b = cx.argument::<JsBox<ImageBox>>(0)?;
    let complete = lock(&b.inner).model.complete();
    Ok(cx.boolean(complete))
}

pub(crate) fn register(cx: &mut ModuleContext) -> NeonResult<()> {
    crate::js::export_natives! {
        cx, image_type_supported, image_decoder_new, image_decoder_append, image_decoder_end,
        image_decoder_stream_failed, image_decoder_decode, image_decoder_select,
        image_decoder_reset, image_decoder_close, image_decoder_complete
    }
}
