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
    codec_core::set_pool_warm_hook(warm_frame_pool);
    cx.export_function("setImmediateFn", set_immediate_fn)?;
    video::register(&mut cx)?;
    audio::register(&mut cx)?;
    image::register(&mut cx)?;
    #[cfg(feature = "testing")]
    testing::register(&mut cx)?;
    Ok(())
}

/// Has `codec_core::fill_pool_ahead(len, ahead)` run on the frame pool's helper thread
/// ("webcodecs-pool", started on first use; it then waits for the next request): the page
/// faults of fresh frame buffers happen there instead of on the JS thread that makes a
/// `VideoFrame` (1.3-1.8 ms per 1080p frame at the start of a stream, 0.2-0.3 ms with a buffer
/// made ahead). If the thread cannot start, nothing is made ahead.
fn warm_frame_pool(len: usize, ahead: usize) {
    use std::sync::mpsc::{channel, Sender};
    static WARMER: std::sync::OnceLock<Option<Sender<(usize, usize)>>> = std::sync::OnceLock::new();
    let warmer = WARMER.get_or_init(|| {
        let (tx, rx) = channel::<(usize, usize)>();
        std::thread::Builder::new()
            .name("webcodecs-pool".into())
            .spawn(move || {
                while let Ok((len, ahead)) = rx.recv() {
                    let _ = codec_core::fill_pool_ahead(len, ahead);
                }
            })
            .ok()
            .map(|_| tx)
    });
    if let Some(tx) = warmer {
        let _ = tx.send((len, ahead));
    }
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
