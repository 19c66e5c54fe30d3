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
#[cfg(feature = "testing")]
mod testing;
mod video;

#[neon::main]
fn main(mut cx: neon::context::ModuleContext) -> neon::result::NeonResult<()> {
    codec_ffmpeg::init();
    // Codec threads run below the JS thread's priority (docs/ARCHITECTURE.md, "Threads").
    control_queue::set_thread_start_hook(codec_ffmpeg::lower_worker_thread_priority);
    video::register(&mut cx)?;
    audio::register(&mut cx)?;
    image::register(&mut cx)?;
    #[cfg(feature = "testing")]
    testing::register(&mut cx)?;
    Ok(())
}
