//! The one place that turns errors into thrown JavaScript errors.
//!
//! Every crate's error reaches JS through [`IntoJsError`]: codec-core's `CodecError` carries its
//! spec category; `codec_ffmpeg::Error` decides its own through `name()`; the worker's and the
//! callback layer's errors are given theirs here. `TypeError` and `RangeError` are plain JS
//! errors, every other category is a `DOMException` of that name; a plain `Error` is thrown only
//! if building the `DOMException` itself fails, so that something is always thrown.

use codec_core::{CodecError, ErrorName};
use neon::prelude::*;

/// Converts an error into a JS exception.
pub(crate) trait IntoJsError {
    /// The spec error this failure is reported as.
    fn to_codec_error(&self) -> CodecError;

    /// Builds the JS error value (`TypeError`, `RangeError` or `DOMException`).
    fn to_js_error<'a, C: Context<'a>>(&self, cx: &mut C) -> JsResult<'a, JsValue> {
        js_error(cx, &self.to_codec_error())
    }

    /// Throws it.
    fn throw<'a, C: Context<'a>, T>(&self, cx: &mut C) -> NeonResult<T> {
        let e = self.to_js_error(cx)?;
        cx.throw(e)
    }
}

fn js_error<'a, C: Context<'a>>(cx: &mut C, e: &CodecError) -> JsResult<'a, JsValue> {
    match e.name {
        ErrorName::TypeError => Ok(cx.type_error(&e.message)?.upcast()),
        ErrorName::RangeError => Ok(cx.range_error(&e.message)?.upcast()),
        name => {
            let dom = cx.global::<JsFunction>("DOMException").and_then(|ctor| {
                let msg = cx.string(&e.message).upcast();
                let n = cx.string(name.as_str()).upcast();
                ctor.construct(cx, [msg, n])
            });
            match dom {
                Ok(o) => Ok(o.upcast()),
                // Something must still be thrown.
                Err(_) => Ok(cx.error(format!("{name}: {}", e.message))?.upcast()),
            }
        }
    }
}

impl IntoJsError for CodecError {
    fn to_codec_error(&self) -> CodecError {
        self.clone()
    }
}

impl IntoJsError for codec_ffmpeg::Error {
    fn to_codec_error(&self) -> CodecError {
        self.clone().into()
    }
}

impl IntoJsError for control_queue::Error {
    /// A worker that cannot start is a resource limit (`QuotaExceededError`); a worker that has
    /// stopped serves a codec that is closed (`InvalidStateError`).
    fn to_codec_error(&self) -> CodecError {
        let name = match self {
            Self::Spawn(_) => ErrorName::QuotaExceededError,
            _ => ErrorName::InvalidStateError,
        };
        CodecError::new(name, self.to_string())
    }
}

impl<T> IntoJsError for safe_callback::Error<T> {
    /// A released callback belongs to a closed object (`InvalidStateError`); an environment
    /// that is shutting down abandons the work (`AbortError`); a blocking call on the JS thread
    /// is a bug reported as `InvalidStateError`.
    fn to_codec_error(&self) -> CodecError {
        let name = match self {
            Self::EnvironmentGone(_) => ErrorName::AbortError,
            _ => ErrorName::InvalidStateError,
        };
        CodecError::new(name, self.to_string())
    }
}

/// The OS refused to start a helper thread: a resource limit, reported as `QuotaExceededError`.
pub(crate) fn thread_refused(what: &str, e: &std::io::Error) -> CodecError {
    CodecError::new(
        ErrorName::QuotaExceededError,
        format!("cannot start {what}: {e}"),
    )
}

/// `Result<T, E>` → `NeonResult<T>`, throwing the mapped error.
pub(crate) trait OrThrow<T> {
    fn or_throw<'a, C: Context<'a>>(self, cx: &mut C) -> NeonResult<T>;
}

impl<T, E: IntoJsError> OrThrow<T> for Result<T, E> {
    fn or_throw<'a, C: Context<'a>>(self, cx: &mut C) -> NeonResult<T> {
        match self {
            Ok(v) => Ok(v),
            Err(e) => e.throw(cx),
        }
    }
}
