//! Readers and writers for the plain JS objects lib/*.js hands over (already converted the
//! WebIDL way there).

use codec_core::CodecError;
use neon::prelude::*;
use neon::types::buffer::TypedArray;

use crate::error::IntoJsError;

/// Exports `f` as `name`. A panic inside `f` while the environment is being torn down (a
/// `worker_threads` worker terminated during the call: Node-API calls then fail and some Neon
/// wrappers panic on that) ends the call quietly with `undefined`; Neon's own failure boundary
/// would try to throw, fail again and abort the whole process. Other panics propagate as usual.
pub(crate) fn export<V: Value>(
    cx: &mut ModuleContext,
    name: &str,
    f: fn(FunctionContext) -> JsResult<V>,
) -> NeonResult<()> {
    cx.export_function(name, move |mut cx: FunctionContext| -> JsResult<JsValue> {
        let probe = safe_callback::EnvProbe::new(&cx);
        let undefined = cx.undefined().upcast::<JsValue>();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(cx))) {
            Ok(r) => r.map(|v| v.upcast()),
            Err(_) if probe.stopping() => {
                probe.clear_exception();
                Ok(undefined)
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

pub(crate) fn opt_f64<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
) -> NeonResult<Option<f64>> {
    Ok(o.get_opt::<JsNumber, _, _>(cx, k)?.map(|n| n.value(cx)))
}

pub(crate) fn opt_u32<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
) -> NeonResult<Option<u32>> {
    Ok(opt_f64(cx, o, k)?.map(|v| v as u32))
}

pub(crate) fn opt_str<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
) -> NeonResult<Option<String>> {
    Ok(o.get_opt::<JsString, _, _>(cx, k)?.map(|s| s.value(cx)))
}

pub(crate) fn opt_bool<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
) -> NeonResult<Option<bool>> {
    Ok(o.get_opt::<JsBoolean, _, _>(cx, k)?.map(|b| b.value(cx)))
}

pub(crate) fn enum_or_default<'a, C: Context<'a>, T: Default>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
    parse: fn(&str) -> Option<T>,
) -> NeonResult<T> {
    match opt_str(cx, o, k)? {
        None => Ok(T::default()),
        Some(s) => match parse(&s) {
            Some(v) => Ok(v),
            None => CodecError::type_error(format!("'{s}' is not a valid value for {k}")).throw(cx),
        },
    }
}

pub(crate) fn bytes<'a, C: Context<'a>>(cx: &mut C, v: Handle<'a, JsTypedArray<u8>>) -> Vec<u8> {
    v.as_slice(cx).to_vec()
}

pub(crate) fn set_num<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
    v: f64,
) -> NeonResult<()> {
    let n = cx.number(v);
    o.set(cx, k, n)?;
    Ok(())
}

pub(crate) fn set_str<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
    v: &str,
) -> NeonResult<()> {
    let s = cx.string(v);
    o.set(cx, k, s)?;
    Ok(())
}

/// Optional numeric argument `i` (`undefined` → `None`).
pub(crate) fn opt_arg_f64(cx: &mut FunctionContext, i: usize) -> Option<f64> {
    let v = cx.argument_opt(i)?;
    let n = v.downcast::<JsNumber, _>(cx).ok()?;
    Some(n.value(cx))
}

/// Optional string argument `i` (`undefined` → `None`).
pub(crate) fn opt_arg_str(cx: &mut FunctionContext, i: usize) -> Option<String> {
    let v = cx.argument_opt(i)?;
    let s = v.downcast::<JsString, _>(cx).ok()?;
    Some(s.value(cx))
}
