//! `ImageDecoder` natives. The worker thread ([`ImageWorker`]) owns the decoding; its replies
//! come back through one [`SafeCallback`] per decoder, in order. The JS object is held (and the
//! event loop kept open) only while a reply is due: data being scanned or a decode being worked
//! on. A decode that waits for stream data does not hold the loop (the stream's producer does,
//! if there is one); otherwise a never-ending stream would keep Node alive forever.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use codec_core::ErrorName;
use codec_ffmpeg::{
    ColorSpaceConversion, ImageDecoderOptions, ImageEvent, ImageRequest, ImageTrackInfo, ImageType,
    ImageWorker,
};
use neon::prelude::*;
use neon::types::buffer::TypedArray;
use safe_callback::SafeCallback;

use crate::error::IntoJsError;
use crate::js::{set_num, set_str};
use crate::video::{color_space_to_js, FrameBox};

struct Inner {
    worker: Option<ImageWorker>,
    callback: SafeCallback<ImageEvent>,
    owner: Option<Root<JsObject>>,
    dispatch: Root<JsFunction>,
    /// `Append`/`End` requests whose `Data` reply has not arrived.
    data_pending: usize,
    /// Decode ids whose reply is still wanted.
    decodes: HashSet<u64>,
    /// The subset of `decodes` the worker parked until more data arrives (as of its last
    /// `Waiting` events since the last `Data` reply).
    waiting: HashSet<u64>,
}

/// The boxed native half of an `ImageDecoder`.
pub(crate) struct ImageBox {
    inner: Arc<Mutex<Inner>>,
}

impl Finalize for ImageBox {
    fn finalize<'a, C: Context<'a>>(self, cx: &mut C) {
        let mut i = lock(&self.inner);
        i.shut_down(cx);
    }
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    // Only the JS thread locks it; recover from a poisoned lock rather than abort.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Inner {
    fn busy(&self) -> bool {
        self.data_pending > 0 || self.decodes.len() > self.waiting.len()
    }

    /// Forgets every pending decode.
    fn clear_decodes(&mut self) {
        self.decodes.clear();
        self.waiting.clear();
    }

    /// Holds the JS object and the event loop while a reply is due; lets both go when idle.
    fn update_keep_alive<'a, C: Context<'a>>(
        &mut self,
        cx: &mut C,
        this: Option<Handle<'a, JsObject>>,
    ) {
        let busy = self.busy() && self.worker.is_some();
        crate::codec::hold_while_busy(cx, &mut self.owner, &mut self.callback, this, busy);
    }

    /// Stops delivery and lets the worker thread end (it exits when its channel closes).
    fn shut_down<'a, C: Context<'a>>(&mut self, cx: &mut C) {
        self.worker = None;
        self.clear_decodes();
        self.data_pending = 0;
        self.callback.release_and_unref(cx);
        if let Some(o) = self.owner.take() {
            o.drop(cx);
        }
    }

    fn send(&mut self, r: ImageRequest) {
        let counts_data = matches!(r, ImageRequest::Append(_) | ImageRequest::End);
        if let Some(w) = &self.worker {
            if w.send(r) && counts_data {
                self.data_pending += 1;
            }
        }
    }
}

// Event codes shared with lib/image-decoder.js.
const EV_DATA: f64 = 0.0;
const EV_DECODED: f64 = 1.0;
const EV_DECODE_FAILED: f64 = 2.0;

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

/// Turns one worker event into `[code, ...]`, or `None` when nobody waits for it.
fn event_to_js<'a, C: Context<'a>>(
    cx: &mut C,
    inner: &mut Inner,
    ev: ImageEvent,
) -> NeonResult<Option<Handle<'a, JsArray>>> {
    let item = cx.empty_array();
    match ev {
        ImageEvent::Data(r) => {
            inner.data_pending = inner.data_pending.saturating_sub(1);
            // The worker re-examines parked decodes after each `Data` reply and announces
            // again those that still wait: until then they count as work in progress.
            inner.waiting.clear();
            crate::codec::set_num(cx, item, 0, EV_DATA)?;
            match r {
                Ok(Some(t)) => {
                    let t = tracks_to_js(cx, &t)?;
                    item.set(cx, 1, t)?;
                }
                Ok(None) => {
                    let n = cx.null();
                    item.set(cx, 1, n)?;
                }
                Err(e) => {
                    let n = cx.null();
                    item.set(cx, 1, n)?;
                    let e = e.to_js_error(cx)?;
                    item.set(cx, 2, e)?;
                }
            }
        }
        ImageEvent::Waiting { id } => {
            if inner.decodes.contains(&id) {
                inner.waiting.insert(id);
            }
            return Ok(None);
        }
        ImageEvent::Decoded { id, output } => {
            inner.waiting.remove(&id);
            if !inner.decodes.remove(&id) {
                return Ok(None);
            }
            crate::codec::set_num(cx, item, 0, EV_DECODED)?;
            crate::codec::set_num(cx, item, 1, id as f64)?;
            let init = cx.empty_object();
            let f = &output.frame;
            set_str(cx, init, "format", f.format().as_str())?;
            set_num(cx, init, "codedWidth", f64::from(f.coded_width()))?;
            set_num(cx, init, "codedHeight", f64::from(f.coded_height()))?;
            set_num(cx, init, "timestamp", output.timestamp as f64)?;
            if let Some(d) = output.duration {
                set_num(cx, init, "duration", d as f64)?;
            }
            set_num(cx, init, "rotation", f64::from(output.rotation))?;
            let flip = cx.boolean(output.flip);
            init.set(cx, "flip", flip)?;
            let cs = color_space_to_js(cx, &output.color_space)?;
            init.set(cx, "colorSpace", cs)?;
            let complete = cx.boolean(output.generation.is_none());
            let frame = cx.boxed(FrameBox::new(output.frame));
            item.set(cx, 2, frame)?;
            item.set(cx, 3, init)?;
            item.set(cx, 4, complete)?;
        }
        ImageEvent::DecodeFailed { id, error } => {
            inner.waiting.remove(&id);
            if !inner.decodes.remove(&id) && error.name == ErrorName::RangeError {
                return Ok(None);
            }
            crate::codec::set_num(cx, item, 0, EV_DECODE_FAILED)?;
            crate::codec::set_num(cx, item, 1, id as f64)?;
            let e = error.to_js_error(cx)?;
            item.set(cx, 2, e)?;
            let fatal = cx.boolean(error.name != ErrorName::RangeError);
            item.set(cx, 3, fatal)?;
        }
    }
    Ok(Some(item))
}

fn handle_event(cx: &mut Cx, inner: &Arc<Mutex<Inner>>, ev: ImageEvent) -> NeonResult<()> {
    let (owner, dispatch, item) = {
        let mut i = lock(inner);
        if i.worker.is_none() {
            return Ok(());
        }
        let item = event_to_js(cx, &mut i, ev)?;
        let owner = i.owner.as_ref().map(|o| o.to_inner(cx));
        let dispatch = i.dispatch.to_inner(cx);
        (owner, dispatch, item)
    };
    let result = match (owner, item) {
        (Some(o), Some(item)) => {
            let undefined = cx.undefined();
            dispatch
                .call(cx, undefined, [o.upcast(), item.upcast()])
                .map(|_| ())
        }
        _ => Ok(()),
    };
    let mut i = lock(inner);
    i.update_keep_alive(cx, None);
    result
}

fn image_type_arg(cx: &mut FunctionContext, i: usize) -> NeonResult<Option<ImageType>> {
    let s = cx.argument::<JsString>(i)?.value(cx);
    Ok(ImageType::from_mime(&s))
}

/// `imageTypeSupported(type) → boolean`
fn image_type_supported(mut cx: FunctionContext) -> JsResult<JsBoolean> {
    let s = cx.argument::<JsString>(0)?.value(&mut cx);
    Ok(cx.boolean(codec_ffmpeg::image_type_supported(&s)))
}

/// `imageDecoderNew(dispatch, type, desiredWidth?, desiredHeight?, preferAnimation?,
/// colorSpaceConversion?)`: the type must be supported (the JS side checks first); the
/// conversion is `"default"` unless `"none"` is given.
fn image_decoder_new(mut cx: FunctionContext) -> JsResult<JsBox<ImageBox>> {
    let dispatch = cx.argument::<JsFunction>(0)?;
    let Some(ty) = image_type_arg(&mut cx, 1)? else {
        return codec_core::CodecError::not_supported("unsupported image type").throw(&mut cx);
    };
    let w = crate::js::opt_arg_f64(&mut cx, 2);
    let h = crate::js::opt_arg_f64(&mut cx, 3);
    let prefer_animation = match cx.argument_opt(4) {
        Some(v) => v
            .downcast::<JsBoolean, _>(&mut cx)
            .ok()
            .map(|b| b.value(&mut cx)),
        None => None,
    };
    let color_space_conversion = match cx.argument_opt(5) {
        Some(v) => match v.downcast::<JsString, _>(&mut cx) {
            Ok(s) if s.value(&mut cx) == "none" => ColorSpaceConversion::None,
            _ => ColorSpaceConversion::Default,
        },
        None => ColorSpaceConversion::Default,
    };
    let opts = ImageDecoderOptions {
        color_space_conversion,
        prefer_animation,
        desired_size: match (w, h) {
            (Some(w), Some(h)) if w >= 1.0 && h >= 1.0 => Some((w as u32, h as u32)),
            _ => None,
        },
    };
    let slot: Arc<OnceLock<Weak<Mutex<Inner>>>> = Arc::new(OnceLock::new());
    let handler_slot = slot.clone();
    let callback = SafeCallback::new(&mut cx, move |cx: &mut Cx, ev: ImageEvent| {
        let Some(inner) = handler_slot.get().and_then(Weak::upgrade) else {
            return Ok(());
        };
        handle_event(cx, &inner, ev)
    });
    let sender = callback.sender();
    let worker = ImageWorker::spawn(ty, opts, move |ev| {
        // After release the payload comes back and is dropped here, on the worker thread.
        let _ = sender.call(ev);
    });
    let worker = match worker {
        Ok(w) => w,
        Err(e) => {
            return crate::error::thread_refused("an image decoder thread", &e).throw(&mut cx)
        }
    };
    let dispatch = dispatch.root(&mut cx);
    let inner = Arc::new(Mutex::new(Inner {
        worker: Some(worker),
        callback,
        owner: None,
        dispatch,
        data_pending: 0,
        decodes: HashSet::new(),
        waiting: HashSet::new(),
    }));
    let _ = slot.set(Arc::downgrade(&inner));
    Ok(cx.boxed(ImageBox { inner }))
}

fn with_inner<'a>(
    cx: &mut FunctionContext<'a>,
    f: impl FnOnce(&mut FunctionContext<'a>, &mut Inner) -> NeonResult<()>,
) -> JsResult<'a, JsUndefined> {
    let b = cx.argument::<JsBox<ImageBox>>(0)?;
    let this = cx.argument::<JsObject>(1)?;
    let inner = b.inner.clone();
    let mut i = lock(&inner);
    f(cx, &mut i)?;
    i.update_keep_alive(cx, Some(this));
    Ok(cx.undefined())
}

/// `imageDecoderAppend(box, this, bytes: Uint8Array)`
fn image_decoder_append(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    with_inner(&mut cx, |cx, i| {
        let data = cx.argument::<JsTypedArray<u8>>(2)?;
        let bytes = data.as_slice(cx).to_vec();
        i.send(ImageRequest::Append(bytes));
        Ok(())
    })
}

/// `imageDecoderEnd(box, this)`
fn image_decoder_end(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    with_inner(&mut cx, |_, i| {
        i.send(ImageRequest::End);
        Ok(())
    })
}

/// `imageDecoderDecode(box, this, id, frameIndex, track, completeFramesOnly)` (`track` -1: the
/// default track)
fn image_decoder_decode(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    with_inner(&mut cx, |cx, i| {
        let id = cx.argument::<JsNumber>(2)?.value(cx) as u64;
        let frame_index = cx.argument::<JsNumber>(3)?.value(cx) as u32;
        let track = cx.argument::<JsNumber>(4)?.value(cx);
        let track = (track >= 0.0).then_some(track as u32);
        let complete_frames_only = cx.argument::<JsBoolean>(5)?.value(cx);
        if i.worker.is_some() {
            i.decodes.insert(id);
            i.send(ImageRequest::Decode {
                id,
                track,
                frame_index,
                complete_frames_only,
            });
        }
        Ok(())
    })
}

/// `imageDecoderReset(box, this, trackChanged)`: forgets every pending decode (and, when the
/// selected track changed, the progressive generations delivered).
fn image_decoder_reset(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    with_inner(&mut cx, |cx, i| {
        let track_changed = cx.argument::<JsBoolean>(2)?.value(cx);
        i.clear_decodes();
        i.send(ImageRequest::Reset { track_changed });
        Ok(())
    })
}

/// `imageDecoderClose(box)`: never blocks; the worker thread ends on its own.
fn image_decoder_close(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let b = cx.argument::<JsBox<ImageBox>>(0)?;
    let inner = b.inner.clone();
    let mut i = lock(&inner);
    i.shut_down(&mut cx);
    Ok(cx.undefined())
}

pub(crate) fn register(cx: &mut ModuleContext) -> NeonResult<()> {
    crate::js::export(cx, "imageTypeSupported", image_type_supported)?;
    crate::js::export(cx, "imageDecoderNew", image_decoder_new)?;
    crate::js::export(cx, "imageDecoderAppend", image_decoder_append)?;
    crate::js::export(cx, "imageDecoderEnd", image_decoder_end)?;
    crate::js::export(cx, "imageDecoderDecode", image_decoder_decode)?;
    crate::js::export(cx, "imageDecoderReset", image_decoder_reset)?;
    crate::js::export(cx, "imageDecoderClose", image_decoder_close)?;
    Ok(())
}
