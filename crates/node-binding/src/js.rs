//! Readers and writers for the plain JS objects lib/*.js hands over (already converted the
//! WebIDL way there).

use codec_core::CodecError;
use neon::prelude::*;
use neon::types::buffer::TypedArray;

use crate::error::IntoJsError;

/// The JS name of a native: the Rust function's name in camelCase (`audio_data_clone` →
/// `audioDataClone`; a leading `_` stays, as in `_sc_stress_new` → `_scStressNew`).
pub(crate) fn js_name(rust_name: &str) -> String {
    let mut out = String::with_capacity(rust_name.len());
    let mut upper = false;
    for c in rust_name.chars() {
        match c {
            '_' if !out.is_empty() => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// Exports each native function under its [`js_name`] (see [`export`]).
macro_rules! export_natives {
    ($cx:expr, $($f:ident),+ $(,)?) => {{
        $(crate::js::export($cx, &crate::js::js_name(stringify!($f)), $f)?;)+
        Ok(())
    }};
}
pub(crate) use export_natives;

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

/// A JS primitive that an optional dictionary member is read as (see [`opt`]).
pub(crate) trait Member: Sized {
    /// The JS type the member has.
    type Js: Value;
    /// Its Rust value.
    fn read<'a, C: Context<'a>>(cx: &mut C, v: Handle<'a, Self::Js>) -> Self;
}

/// Implements [`Member`] for each `Rust type: JS type => |cx, value| conversion;` row.
macro_rules! impl_member {
    ($($t:ty: $js:ty => |$cx:ident, $v:ident| $read:expr;)+) => {$(
        impl Member for $t {
            type Js = $js;
            fn read<'a, C: Context<'a>>($cx: &mut C, $v: Handle<'a, $js>) -> Self {
                $read
            }
        }
    )+};
}

impl_member! {
    f64: JsNumber => |cx, v| v.value(cx);
    u32: JsNumber => |cx, v| v.value(cx) as u32;
    String: JsString => |cx, v| v.value(cx);
    bool: JsBoolean => |cx, v| v.value(cx);
}

/// The member `k` of `o` as a `T`, or `None` when it is missing (`undefined` or `null`).
pub(crate) fn opt<'a, T: Member, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
) -> NeonResult<Option<T>> {
    Ok(o.get_opt::<T::Js, _, _>(cx, k)?.map(|v| T::read(cx, v)))
}

/// The member `k` of `o`, a `BufferSource` handed over as a `Uint8Array`, copied.
pub(crate) fn opt_bytes<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
) -> NeonResult<Option<Vec<u8>>> {
    Ok(o.get_opt::<JsTypedArray<u8>, _, _>(cx, k)?
        .map(|d| bytes(cx, d)))
}

pub(crate) fn enum_or_default<'a, C: Context<'a>, T: Default>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
    k: &str,
    parse: fn(&str) -> Option<T>,
) -> NeonResult<T> {
    match opt::<String, _>(cx, o, k)? {
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
