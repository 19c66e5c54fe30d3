//! Natives that let `test/safe-callback.test.js` exercise the safe-callback layer and the error
//! mapping against a real Node environment. Compiled only with the `testing` feature, which the
//! production addon leaves out (`npm run pretest:node` builds the test artifact).

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use neon::prelude::*;
use safe_callback::{Error, SafeCallback};

use crate::error::IntoJsError;

struct Stress {
    cb: RefCell<Option<SafeCallback<u64>>>,
    stop: Arc<AtomicBool>,
    sent: Arc<AtomicU64>,
    rejected: Arc<AtomicU64>,
    finished: Arc<AtomicU64>,
}

impl Finalize for Stress {}

/// `scStressNew(onDeliver, relayed)`: a callback whose handler calls `onDeliver(value)`,
/// made with `SafeCallback::relayed` when `relayed` is true.
fn stress_new(mut cx: FunctionContext) -> JsResult<JsBox<Stress>> {
    let f = Arc::new(cx.argument::<JsFunction>(0)?.root(&mut cx));
    let relayed = cx
        .argument_opt(1)
        .and_then(|v| v.downcast::<JsBoolean, _>(&mut cx).ok())
        .is_some_and(|b| b.value(&mut cx));
    let handler = move |cx: &mut Cx, v: u64| {
        let f = f.to_inner(cx);
        let undefined = cx.undefined();
        let v = cx.number(v as f64).upcast();
        f.call(cx, undefined, [v])?;
        Ok(())
    };
    let cb = if relayed {
        SafeCallback::relayed(&mut cx, handler)
    } else {
        SafeCallback::new(&mut cx, handler)
    };
    Ok(cx.boxed(Stress {
        cb: RefCell::new(Some(cb)),
        stop: Arc::new(AtomicBool::new(false)),
        sent: Arc::new(AtomicU64::new(0)),
        rejected: Arc::new(AtomicU64::new(0)),
        finished: Arc::new(AtomicU64::new(0)),
    }))
}

/// `scStressStart(box, threads)`: each thread calls (and every 16th time blocking-calls) until
/// stopped, counting delivered-to-queue and rejected calls.
fn stress_start(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let b = cx.argument::<JsBox<Stress>>(0)?;
    let n = cx.argument::<JsNumber>(1)?.value(&mut cx) as usize;
    let Some(sender) = b.cb.borrow().as_ref().map(|c| c.sender()) else {
        return Ok(cx.undefined());
    };
    for t in 0..n {
        let s = sender.clone();
        let (stop, sent, rejected, finished) = (
            b.stop.clone(),
            b.sent.clone(),
            b.rejected.clone(),
            b.finished.clone(),
        );
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(Ordering::Acquire) {
                let v = (t as u64) << 32 | i;
                let r = if i.is_multiple_of(16) {
                    s.blocking_call(v)
                } else {
                    s.call(v)
                };
                match r {
                    Ok(()) => sent.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        assert_eq!(e.into_payload(), v, "the payload comes back");
                        rejected.fetch_add(1, Ordering::Relaxed)
                    }
                };
                i += 1;
                if i.is_multiple_of(64) {
                    std::thread::yield_now();
                }
            }
            finished.fetch_add(1, Ordering::Release);
        });
    }
    Ok(cx.undefined())
}

fn stress_release(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let b = cx.argument::<JsBox<Stress>>(0)?;
    if let Some(cb) = b.cb.borrow_mut().as_mut() {
        cb.release_and_unref(&mut cx);
    }
    Ok(cx.undefined())
}

/// `scStressStop(box)` → `[sent, rejected, finishedThreads]` (never joins).
fn stress_stop(mut cx: FunctionContext) -> JsResult<JsArray> {
    let b = cx.argument::<JsBox<Stress>>(0)?;
    b.stop.store(true, Ordering::Release);
    let arr = cx.empty_array();
    for (i, v) in [&b.sent, &b.rejected, &b.finished].iter().enumerate() {
        let n = cx.number(v.load(Ordering::Acquire) as f64);
        arr.set(&mut cx, i as u32, n)?;
    }
    Ok(arr)
}

/// `scCallAfterRelease()` → whether `call` after `release` handed the payload back.
fn call_after_release(mut cx: FunctionContext) -> JsResult<JsBoolean> {
    let cb = SafeCallback::new(&mut cx, |_cx: &mut Cx, _v: String| Ok(()));
    cb.release();
    let ok = matches!(cb.call("payload".to_string()), Err(Error::Released(p)) if p == "payload");
    Ok(cx.boolean(ok))
}

/// `scBlockingOnJsThread()` → whether a blocking call on the JS thread was refused.
fn blocking_on_js_thread(mut cx: FunctionContext) -> JsResult<JsBoolean> {
    let cb = SafeCallback::new(&mut cx, |_cx: &mut Cx, _v: u8| Ok(()));
    let refused = matches!(cb.sender().blocking_call(7), Err(Error::WouldDeadlock(7)));
    Ok(cx.boolean(refused))
}

/// `_errThrow(kind)`: throws the error of each crate named by `kind` (or the `CodecError` of
/// that spec name) through `error.rs`, so the test can check the JS type and name they get.
fn error_throw(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    use codec_core::{CodecError, ErrorName};
    let kind = cx.argument::<JsString>(0)?.value(&mut cx);
    let io = || std::io::Error::other("refused");
    let e = match kind.as_str() {
        "queue.spawn" => control_queue::Error::Spawn(io()).to_codec_error(),
        "queue.stopped" => control_queue::Error::WorkerStopped.to_codec_error(),
        "callback.released" => Error::Released(()).to_codec_error(),
        "callback.gone" => Error::EnvironmentGone(()).to_codec_error(),
        "callback.deadlock" => Error::WouldDeadlock(()).to_codec_error(),
        "ffmpeg.malformed" => codec_ffmpeg::Error::malformed("x").to_codec_error(),
        "ffmpeg.unsupported" => codec_ffmpeg::Error::unsupported("x").to_codec_error(),
        "ffmpeg.limit" => codec_ffmpeg::Error::limit("x").to_codec_error(),
        "ffmpeg.internal" => codec_ffmpeg::Error::internal("x").to_codec_error(),
        "ffmpeg.spec" => codec_ffmpeg::Error::from(CodecError::data("x")).to_codec_error(),
        "thread" => crate::error::thread_refused("a thread", &io()),
        name => {
            let all = [
                ErrorName::TypeError,
                ErrorName::RangeError,
                ErrorName::NotSupportedError,
                ErrorName::InvalidStateError,
                ErrorName::DataError,
                ErrorName::EncodingError,
                ErrorName::AbortError,
                ErrorName::QuotaExceededError,
                ErrorName::DataCloneError,
            ];
            match all.into_iter().find(|n| n.as_str() == name) {
                Some(n) => CodecError::new(n, "x"),
                None => CodecError::type_error(format!("unknown error kind {name}")),
            }
        }
    };
    e.throw(&mut cx)
}

pub(crate) fn register(cx: &mut ModuleContext) -> NeonResult<()> {
    crate::js::export(cx, "_errThrow", error_throw)?;
    crate::js::export(cx, "_scStressNew", stress_new)?;
    crate::js::export(cx, "_scStressStart", stress_start)?;
    crate::js::export(cx, "_scStressRelease", stress_release)?;
    crate::js::export(cx, "_scStressStop", stress_stop)?;
    crate::js::export(cx, "_scCallAfterRelease", call_after_release)?;
    crate::js::export(cx, "_scBlockingOnJsThread", blocking_on_js_thread)?;
    Ok(())
}
