//! The one place that turns `CodecError`s into thrown JavaScript errors.

use codec_core::{CodecError, ErrorName};
use neon::prelude::*;

/// Converts a domain error into a JS exception.
pub(crate) trait IntoJsError {
    /// Builds the JS error value (`TypeError`, `RangeError` or `DOMException`).
    fn to_js_error<'a, C: Context<'a>>(&self, cx: &mut C) -> JsResult<'a, JsValue>;

    /// Throws it.
    fn throw<'a, C: Context<'a>, T>(&self, cx: &mut C) -> NeonResult<T> {
        let e = self.to_js_error(cx)?;
        cx.throw(e)
    }
}

impl IntoJsError for CodecError {
    fn to_js_error<'a, C: Context<'a>>(&self, cx: &mut C) -> JsResult<'a, JsValue> {
        match self.name {
            ErrorName::TypeError => Ok(cx.type_error(&self.message)?.upcast()),
            ErrorName::RangeError => Ok(cx.range_error(&self.message)?.upcast()),
            name => {
                let dom = cx.global::<JsFunction>("DOMException").and_then(|ctor| {
                    let msg = cx.string(&self.message).upcast();
                    let n = cx.string(name.as_str()).upcast();
                    ctor.construct(cx, [msg, n])
                });
                match dom {
                    Ok(o) => Ok(o.upcast()),
                    // Something must still be thrown.
                    Err(_) => Ok(cx.error(format!("{name}: {}", self.message))?.upcast()),
                }
            }
        }
    }
}

/// `Result<T, CodecError>` → `NeonResult<T>`, throwing the mapped error.
pub(crate) trait OrThrow<T> {
    fn or_throw<'a, C: Context<'a>>(self, cx: &mut C) -> NeonResult<T>;
}

impl<T> OrThrow<T> for Result<T, CodecError> {
    fn or_throw<'a, C: Context<'a>>(self, cx: &mut C) -> NeonResult<T> {
        match self {
            Ok(v) => Ok(v),
            Err(e) => e.throw(cx),
        }
    }
}
