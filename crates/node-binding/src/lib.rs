//! Neon glue: exposes the WebCodecs classes' native halves to `lib/*.js`. Thin by design: it
//! converts values, calls codec-core for the rules and the worker for the work, and maps errors
//! (in `error.rs`, the only file that creates JS errors).
#![deny(unsafe_code)]

mod audio;
mod codec;
mod error;
mod frame;
mod image;
mod js;
mod share;
#[cfg(feature = "testing")]
mod testing;
mod video;

#[neon::main]
fn main(mut cx: neon::context::ModuleContext) -> neon::result::NeonResult<()> {
    codec_ffmpeg::init();
    // Codec threads run below the JS thread's priority, as their backend asks
    // (docs/ARCHITECTURE.md, "Threads").
    control_queue::set_thread_hooks(control_queue::ThreadHooks {
        start: codec_ffmpeg::prepare_worker_thread,
        configure: codec_ffmpeg::settle_worker_priority,
    });
    cx.export_function("setImmediateFn", set_immediate_fn)?;
    video::register(&mut cx)?;
    audio::register(&mut cx)?;
    image::register(&mut cx)?;
    #[cfg(feature = "testing")]
    testing::register(&mut cx)?;
    Ok(())
}

/// `setImmediateFn(fn)`: the `setImmediate` deliveries and banded copies use in this
/// environment (lib/native.js passes `node:timers`'s, which fake timers leave alone).
fn set_immediate_fn(
    mut cx: neon::context::FunctionContext,
) -> neon::result::JsResult<neon::types::JsUndefined> {
    let f = cx.argument::<neon::types::JsFunction>(0)?;
    safe_callback::set_immediate_fn(&mut cx, f);
    Ok(neon::context::Context::undefined(&mut cx))
}
