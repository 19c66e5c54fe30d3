//! WebCodecs encoder and decoder backends on FFmpeg (through `ffmpeg-next`).
//!
//! Each backend implements [`control_queue::Backend`] and is owned by a
//! [`control_queue::CodecWorker`] thread: every FFmpeg context is created, used and dropped on that
//! thread. The pure support checks ([`video_encoder_support`], [`video_decoder_support`]) can be
//! called from any thread.
//!
//! A program that wants WebCodecs semantics (states, queue sizes, flush promises, reset) drives a
//! backend through codec-core's `Model` and a `CodecWorker`: see the crate's examples
//! (`examples/quickstart.rs`, `examples/encode_decode.rs`, `examples/decode_image.rs`; `cargo
//! run --release -p codec-ffmpeg --example encode_decode`). A backend can also be called
//! directly, synchronously, on the calling thread:
//!
//! ```
//! use std::sync::Arc;
//!
//! use codec_core::{FrameBuffer, Rect, VideoEncoderConfig, VideoPixelFormat};
//! use codec_ffmpeg::{
//!     video_encoder_support, VideoDecodeInput, VideoDecoderBackend, VideoEncodeInput,
//!     VideoEncoderBackend,
//! };
//! use control_queue::{Backend, Cancel};
//!
//! let config = VideoEncoderConfig {
//!     codec: "vp8".into(),
//!     width: 64,
//!     height: 48,
//!     ..Default::default()
//! };
//! video_encoder_support(&config)?; // what `isConfigSupported` answers
//! let (mut encoder, mut chunks) = (VideoEncoderBackend::default(), Vec::new());
//! encoder.configure(config, &mut |c| chunks.push(c))?;
//! let input = VideoEncodeInput {
//!     frame: Arc::new(FrameBuffer::new_zeroed(VideoPixelFormat::I420, 64, 48)?),
//!     visible: Rect::new(0, 0, 64, 48),
//!     timestamp: 0,
//!     duration: None,
//!     key_frame: true,
//!     quantizer: None,
//!     color_space: Default::default(),
//! };
//! encoder.process(input, &Cancel::never(), &mut |c| chunks.push(c))?;
//! encoder.flush(&Cancel::never(), &mut |c| chunks.push(c))?;
//! assert_eq!(chunks.len(), 1);
//! assert!(chunks[0].key);
//!
//! let decoder_config = chunks[0].decoder_config.clone().ok_or("no decoderConfig")?;
//! let (mut decoder, mut frames) = (VideoDecoderBackend::default(), Vec::new());
//! decoder.configure(decoder_config, &mut |f| frames.push(f))?;
//! let chunk = VideoDecodeInput {
//!     data: chunks[0].data.clone(),
//!     key: true,
//!     timestamp: 0,
//!     duration: None,
//! };
//! decoder.process(chunk, &Cancel::never(), &mut |f| frames.push(f))?;
//! decoder.flush(&Cancel::never(), &mut |f| frames.push(f))?;
//! assert_eq!(frames.len(), 1);
//! assert_eq!((frames[0].frame.coded_width(), frames[0].frame.coded_height()), (64, 48));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Supported so far (see `codecs.rs` for the per-codec table):
//!
//! | codec string            | encoder                          | decoder                      |
//! |-------------------------|----------------------------------|------------------------------|
//! | `avc1.PPCCLL`/`avc3.*`  | libx264                          | FFmpeg `h264`                |
//! | `hvc1.*`/`hev1.*`       | libx265 (Main, Main 10)          | FFmpeg `hevc` (profiles 1–4) |
//! | `vp8`                   | libvpx                           | FFmpeg `vp8`                 |
//! | `vp09.PP.LL.DD[...]`    | libvpx-vp9 (profiles 0 and 2)    | FFmpeg `vp9` (any)           |
//! | `av01.P.LLT.DD[...]`    | libaom-av1 (profile 0, 8-bit)    | libdav1d, else libaom-av1    |
//! | `av01.0.*` + `L1T2/L1T3`| libaom directly (8/10-bit)       | (as above)                   |
//!
//! `ImageDecoder` lives in `image/` ([`ImageSession`], run on a `CodecWorker` by
//! [`ImageBackend`]): containers are scanned by `media_parse::image` (GIF blocks, PNG/APNG
//! chunks, AVIF `meta`/`moov`, ICO directory, WebP `ANMF`, JPEG markers and EXIF) and each frame
//! goes to FFmpeg as one packet. See `image/mod.rs` for the per-type table.
//!
//! Policies worth knowing:
//! * Encoder input that is not I420 at exactly the configured size is converted and scaled
//!   (swscale, bilinear) from its visible rect to the configured size, as Chromium does.
//! * The encoder never produces B-frames, so chunks come out in input order, except x264/x265
//!   with `scalabilityMode` `L1T2`/`L1T3` (below): chunks then come in decode order, each with
//!   its frame's timestamp.
//! * H.264 and HEVC need even dimensions (4:2:0); odd ones are `NotSupportedError`.
//! * VP9 and AV1 chunks carry no `description`: VP9 needs none, and AV1 chunks are
//!   low-overhead OBUs whose key chunks carry the sequence header in-band. VP9 runs without
//!   look-ahead or alt-ref frames (no superframes), so both are one chunk per frame.
//! * AV1 `realtime` uses libaom's `realtime` usage (cpu-used 8); `quality` uses SVT-AV1 (preset
//!   8 to 10 by frame size), except screen content, scalability modes and quantizer mode, which
//!   stay on libaom (`realtime` usage, cpu-used 6: libaom 3.6's `good` usage with no look-ahead
//!   turns each forced key frame into two).
//! * VP9 profile 2 (`vp09.02.*.10`) encodes 10-bit 4:2:0; its decoded frames are `I420P10`.
//! * `flush()` drains the encoder, and the next frame reopens it (x264, x265, libvpx and libaom
//!   cannot leave the draining state; the flush does not wait for the reopening), so the first
//!   chunk after a flush is a key chunk. The `decoderConfig` is not re-reported when the
//!   reopened encoder's config is identical.
//! * `bitrateMode: "quantizer"`: the encoder runs at a constant QP (x264/x265 `qp`, 0–51) or
//!   quantizer (libvpx/libaom `qmin = qmax`, 0–63). None can change it while open, so a frame
//!   whose `quantizer` differs from the current one drains and reopens the encoder (free before the
//!   first frame; a key chunk, and a new `decoderConfig` for H.264, later). The AV1 layered
//!   session (libaom directly) changes it in place instead (no key chunk).
//! * `avc3.*` is encoded like `avc1.*`: with `avc` format the parameter sets travel only in the
//!   avcC `description`.
//! * `scalabilityMode` `L1T2` and `L1T3` for VP8 and VP9: libvpx temporal layers with
//!   explicit per-frame reference flags (libvpx/WebRTC patterns; layer ids 0,1,… and
//!   0,2,1,2,…), upper layers never update what lower layers reference nor the entropy context,
//!   and VP9 runs error-resilient, so any layer subset decodes on its own, bit for bit as in the
//!   full stream (tested for every codec). Each chunk carries
//!   `temporal_layer_id`. Key frames restart the pattern on layer 0, and the periodic key frame
//!   is forced by us (not by libvpx) for that reason. Bitrate split 60/40 (L1T2) and 40/20/40
//!   (L1T3) as in libwebrtc. VP9 with layers runs CBR even for `variable` (libvpx's VBR
//!   overshot about fourfold with layers).
//! * `scalabilityMode` `L1T2` and `L1T3` for AV1: an `encoder::aom_session::AomSession` on libaom
//!   directly (`aom.rs`, the only libaom FFI), since FFmpeg 5.1's wrapper cannot pass libaom's
//!   SVC structs. Per-frame layer id and reference config follow libaom's `svc_encoder_rtc.c`
//!   (layer 0 refreshes slot 0; L1T3's layer 1 refreshes slot 1, read by the layer-2 frame after
//!   it; no other frame refreshes anything), so every layer subset decodes. Same speed, key
//!   frame, colour and quantizer handling as the FFmpeg path; `variable` runs CBR.
//! * `scalabilityMode` `L1T2` and `L1T3` for H.264 (Main and High; Baseline has no B-frames) and
//!   HEVC: fixed runs of non-reference B-frames (1 for L1T2, 3 for L1T3, no B-pyramid, no
//!   adaptive placement; see `svc.rs`). I/P frames are layer 0; L1T2's B-frames layer 1; L1T3's
//!   middle B-frame (display offset 2 from its anchor) layer 1, the others layer 2. Layer ids
//!   are read from each output packet (H.264 `nal_ref_idc`, HEVC `_N` slice types) and its
//!   display position, so runs cut short by a requested key frame (the frame before it becomes
//!   a P-frame), the periodic key frame or the flush stay correctly labelled; every subset
//!   decodes because no frame references a B-frame. HEVC also marks the B-frames as temporal
//!   sub-layer 1 (x265 `temporal-layers=1`, `TSA_N` slices): `nuh_temporal_id` equals the
//!   layer id for L1T2 and is 1 for both upper layers of L1T3. `realtime` keeps x264 without look-ahead:
//!   output is delayed by the run length (1 or 3 frames). x265 needs a look-ahead longer than
//!   the run and then delays output by 6 (L1T2) or 10 (L1T3) frames.
//! * `alpha: "keep"` (VP8 and 8-bit VP9 only), as Chromium's software VP8/VP9 encoders do it: a
//!   second libvpx encoder with the same codec and settings encodes a 4:2:0 picture whose Y
//!   plane is the alpha plane (U and V 128), and its packet for each frame is that chunk's
//!   `alphaSideData`. It never places key frames itself: it gets one exactly when the colour
//!   encoder produced one, and with `L1T2`/`L1T3` it gets the same layer ids and reference
//!   flags, so its layer subsets decode on their own too. Alpha comes from the `*A` formats'
//!   alpha plane (10/12-bit reduced to 8) or RGBA/BGRA's 4th channel, scaled like the colour
//!   planes; frames without alpha are opaque (255). A configured bitrate is split as in
//!   Chromium: 3/4 for the colour encoder, 1/4 for the alpha encoder (other settings are the
//!   same). Unlike Chromium (which refuses `scalabilityMode` with alpha), `L1T2`/`L1T3` work.
//!   FFmpeg's own libvpx alpha mode (yuva420p input) is not used: its codec controls (speed,
//!   row-mt, temporal layer ids) reach only the colour encoder, and it cannot sync key frames.
//! * `prefer-hardware`, `alpha: "keep"` for H.264, HEVC, AV1 and VP9 profile 2, and any other
//!   `scalabilityMode` (or `L1T2`/`L1T3` for AV1, whose FFmpeg 5.1 wrapper has no temporal
//!   layer control, and for H.264 Baseline) are `NotSupportedError`.
//! * Colour: the first frame after configure/flush decides the signalled colour space (the
//!   encoder is reopened before encoding if it differs; later changes are not signalled). YUV
//!   frames keep their samples, so their `colorSpace` is written as is; RGB frames are
//!   converted with BT.709 to limited range, so only their primaries and transfer are kept.
//!   Unknown members are BT.709 limited. x264/x265 write all four (VUI), libaom too, VP9 only
//!   the matrix and range, VP8 nothing. `decoderConfig.colorSpace` reports the same values,
//!   except that for VP9 it reports what the bitstream can say: the matrix and range, with
//!   the primaries and transfer a decoder derives from the matrix (BT.709 → BT.709, BT.601 →
//!   SMPTE 170M), exactly what a VP9 decoder without a configured colorSpace reports.
//! * `contentHint: "text"` turns on screen-content tuning in libvpx-vp9 (`tune-content`) and
//!   libaom (`tune-content=screen`); other hints and other codecs are unaffected.
//! * Rate control: `variable` with a bitrate → average bitrate; without one → x264 CRF 23, libvpx
//!   ~0.1 bit/pixel. `constant` → maxrate = bitrate with a one-second buffer (libvpx CBR).
//! * Key frames come only on request (`keyFrame: true`), at the start and max(300 frames, 10 s)
//!   after the previous key frame; no encoder places one at a scene cut (x264/x265 `scenecut=0`;
//!   libvpx places none itself, `kf_min_dist = kf_max_dist`, and the session forces the periodic
//!   one: VP8 in "good" mode put one at a scene cut, on an upper layer with `L1T2`/`L1T3`).
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[allow(unsafe_code)]
mod aom;
mod audio;
mod codecs;
mod convert;
mod decoder;
mod encoder;
mod error;
mod image;
#[allow(unsafe_code)]
mod raw;
mod svc;
mod transform;

use std::sync::Once;

use control_queue::ThreadPriority;

pub use audio::{
    audio_decoder_support, audio_encoder_support, AudioDecodeInput, AudioDecoderBackend,
    AudioEncodeInput, AudioEncoderBackend, DecodedAudioOutput, EncodedAudioOutput,
};

pub use decoder::{
    video_decoder_support, DecodedVideoOutput, VideoDecodeInput, VideoDecoderBackend,
};
pub use encoder::{
    video_encoder_support, EncodedVideoOutput, VideoEncodeInput, VideoEncoderBackend,
};
pub use error::{Error, Result};
pub use image::{
    image_type_supported, ColorSpaceConversion, DecodeOutcome, ImageBackend, ImageDecoderConfig,
    ImageDecoderOptions, ImageFrameOutput, ImageSession, ImageType,
};
pub use transform::{transform_frame, FrameTransform, MAX_CANVAS_PIXELS, MAX_SIDE};

use ffmpeg_next as ffmpeg;

/// Initialises FFmpeg once (idempotent, thread-safe) and sets its log level to `quiet`: every
/// failure is reported through an [`Error`] instead of stderr noise. The backends call it
/// themselves; calling it early (at addon load) is harmless.
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // `ffmpeg::init` only fails when device registration fails, which we do not use.
        let _ = ffmpeg::init();
        ffmpeg::util::log::set_level(ffmpeg::util::log::Level::Quiet);
    });
}

/// Whether `e` is `AVERROR(EAGAIN)`.
pub(crate) fn is_eagain(e: &ffmpeg::Error) -> bool {
    matches!(e, ffmpeg::Error::Other { errno } if *errno == ffmpeg::util::error::EAGAIN)
}

/// How many nice steps codec worker threads run below the thread that starts them (a codec
/// whose backend asks for [`ThreadPriority::Low`] goes to 19, one that asks for
/// [`ThreadPriority::Host`] keeps the starting thread's priority, see
/// [`settle_worker_priority`]): 10 unless the `WEBCODECS_WORKER_NICE` environment variable says
/// otherwise (0 to 19; 0 keeps the starting thread's priority for every codec). Read once.
pub fn worker_nice() -> i32 {
    static NICE: std::sync::OnceLock<i32> = std::sync::OnceLock::new();
    *NICE.get_or_init(|| {
        env_number::<i32>("WEBCODECS_WORKER_NICE").map_or(DEFAULT_WORKER_NICE, |n| n.clamp(0, 19))
    })
}

const DEFAULT_WORKER_NICE: i32 = 10;

/// Whether lowered codec threads also leave the ordinary scheduling class for `SCHED_IDLE`
/// (Linux): yes unless the `WEBCODECS_WORKER_IDLE` environment variable is `0`. A nice value
/// only weighs the CPU share: a JS thread that wakes while the codec threads hold every core
/// still waits in the run queue until the scheduler finds it due. An idle-class thread yields
/// to an ordinary one as soon as the scheduler acts on its wake-up (at once, or on the kernel
/// of the development VM sometimes only at the next tick, 4 ms at 250 Hz). Measured over 8
/// runs of 120 frames of x264 in quality mode at 1080p, with a 1 ms timer: the JS thread's
/// longest run-queue wait per run was 4.6-7.9 ms (median 5.5) 10 nice steps down, 1.7-7.3 ms
/// (median 4.0) in the idle class, and its loop gaps over 5 ms per run 3-6 against 0-4, at the
/// same frame rate. The cost: on a machine whose cores other processes keep busy, codec threads
/// get almost no CPU (where 10 nice steps gave them a tenth of a contended core). Read once.
pub fn worker_idle_class() -> bool {
    static IDLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *IDLE.get_or_init(|| env_number::<u32>("WEBCODECS_WORKER_IDLE") != Some(0))
}

/// The environment variable `name` as a number, if it is set and parses.
fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// The scheduler time slice of codec threads in µs: twice the default slice the JS thread runs
/// with (at least 3 ms; the kernel's default grows with the CPU count, 1.4 ms on a 2-CPU
/// machine), so that the JS thread, with the shorter slice, preempts them as soon as it wakes.
/// Without it, a timer or I/O callback of the event loop waited up to 4-5 ms (a scheduler
/// tick) behind x264 or libvpx threads at 1080p; with it, about 1 ms
/// (benches/node/loop-gap.js). `WEBCODECS_WORKER_SLICE_US` overrides it (100 to 100000; 0
/// keeps the kernel's default). Read once, by the first codec thread (whose slice is still the
/// one it inherited from the JS thread).
pub fn worker_slice_us() -> u64 {
    static SLICE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SLICE.get_or_init(|| {
        let default = raw::current_time_slice_ns().map_or(MIN_WORKER_SLICE_US, |ns| {
            (ns / 1000 * 2).clamp(MIN_WORKER_SLICE_US, 20_000)
        });
        env_number::<u64>("WEBCODECS_WORKER_SLICE_US").map_or(default, |n| {
            if n == 0 {
                0
            } else {
                n.clamp(100, 100_000)
            }
        })
    })
}

const MIN_WORKER_SLICE_US: u64 = 3000;

/// Prepares the calling thread to run codecs at a lower priority than the thread that started
/// it (Linux; elsewhere nothing). Meant as the start hook of `control_queue::set_thread_hooks`:
/// a codec worker thread runs it before it opens a codec, so the threads FFmpeg, x264, libvpx
/// and libaom start inherit what it sets, and on a busy machine the JS thread (at the process's
/// own priority) is not kept waiting behind them: its event loop keeps running while they
/// encode.
///
/// It takes away the thread's right to real-time scheduling (Linux `CAP_SYS_NICE`, which only
/// root has): run as root, SVT-AV1 would otherwise start its threads as `SCHED_FIFO`, ahead of
/// every ordinary thread, and the JS thread would wait hundreds of milliseconds. It gives the
/// thread a long scheduler time slice ([`worker_slice_us`]; Linux 6.12 and later), so the JS
/// thread, with the default shorter slice, preempts it the moment it wakes. And it marks the
/// thread as still to be lowered ([`worker_nice`] steps, [`worker_idle_class`]): the configure
/// hook does it before the first configuration, as its codec asks (see
/// [`settle_worker_priority`]).
pub fn prepare_worker_thread() {
    raw::drop_realtime_privilege();
    let slice = worker_slice_us();
    if slice > 0 {
        raw::lengthen_time_slice(slice);
    }
    LOWERING.set(Lowering::Pending);
}

/// Where a thread is in its lowering ([`prepare_worker_thread`], [`settle_worker_priority`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lowering {
    /// The start hook did not run on it: left as it is.
    Unprepared,
    /// Prepared, not lowered yet.
    Pending,
    /// Lowered as this priority asks.
    Done(ThreadPriority),
}

thread_local! {
    /// This thread's [`Lowering`].
    static LOWERING: std::cell::Cell<Lowering> = const { std::cell::Cell::new(Lowering::Unprepared) };
}

/// Lowers the calling thread's priority as `priority` asks, if [`prepare_worker_thread`]
/// prepared it: meant as the configure hook of `control_queue::set_thread_hooks`, which runs it
/// on the worker thread before each configuration, with the backend's
/// `Backend::thread_priority` for it, so that the threads the codec starts inherit it. A thread
/// the start hook did not prepare is left as it is; [`worker_nice`] 0 leaves every thread as
/// it is.
///
/// - [`ThreadPriority::Background`] (most codecs): [`worker_nice`] steps down, and into the
///   idle scheduling class ([`worker_idle_class`]).
/// - [`ThreadPriority::Feeder`] (the video decoders) lowers the nice value the same way but
///   keeps the worker in the ordinary class, and marks it so that `start_codec_threads` opens
///   each codec from a helper thread in the idle class: the threads the codec starts then run
///   there, and the worker, which mostly waits for them, runs as soon as they wake it. In the
///   idle class the worker waited behind them instead: 170-210 ms per 300 frames of 720p AV1
///   (its own CPU time: 13 ms), 5-40 ms in the ordinary class.
/// - [`ThreadPriority::Low`] (libaom, the AV1 decoder) goes to the lowest nice value (19;
///   [`LOW_NICE`]) and keeps the worker and the threads it starts in the ordinary class. An
///   idle-class thread that wakes never preempts a running one, and these codecs' threads wake
///   each other many times per frame (row-based multithreading, dav1d's tasks), so there each
///   waited for another's time slice to end while a CPU idled. Measured on 2 CPUs, 8
///   alternating runs of 200 frames in realtime mode: libaom at 720p median 63.9 → 66.6 fps,
///   at 1080p 41.3 → 42.8 fps (the FFmpeg CLI: 63.6 and 42.5), loop-gap.js's worst gap (7 runs
///   each) median 3.2 → 2.7 ms at 720p and 1.5 → 2.2 ms at 1080p, within the runs' noise.
///   dav1d's threads (AV1 decode): 8 alternating runs of the bench's 720p stream, 7 pairs of 8
///   faster, median pair ratio 1.04 in a busy spell of the machine, 1.00-1.02 in a quiet one.
///   x264 in quality mode at 1080p lost a tenth of its speed there (83.6 → 75 fps), VP8 and
///   SVT-AV1 gained nothing (SVT-AV1 lost 7%), FFmpeg's frame-threaded H.264 and VP9 decoders
///   lost 5-13% (6 pairs each at 1080p): they stay in the idle class.
/// - [`ThreadPriority::Host`] (libvpx's VP9 encoder) leaves the worker as it is, at the JS
///   thread's priority (a later configuration that asks for less still lowers it). At nice 19
///   VP9 ran as fast as at the JS thread's priority on a quiet event loop (1080p realtime,
///   median 94.7 against 92.8 fps over 14 runs), but lost more whenever the JS thread woke
///   often: with a 1 ms `setInterval` running, 80.4 against 86.4 fps (5 runs each; 89-91 fps
///   without the timer). Each wake of the JS thread preempts a codec thread; the scheduler,
///   which balances CPUs by weighted load, then kept moving nice-19 threads away from the JS
///   thread's CPU onto the other codec thread's (about 200 migrations per run instead of 5),
///   where they waited for each other's time slices (the main libvpx thread waited 190-230 ms
///   per run for a CPU instead of 10-60). In the idle class VP9 ran at 0.93× the FFmpeg CLI.
///
/// A thread cannot raise its priority again without privileges, nor leave the idle class: a
/// worker reconfigured from a `Background` codec to a `Low` one stays where it is; one
/// reconfigured from a `Low` codec to a `Background` one enters the idle class then (its nice
/// value, 19, is already below). A video decoder's worker moves between `Feeder` and `Low`
/// both ways (it stays in the ordinary class), at nice 19 once it has been `Low`.
pub fn settle_worker_priority(priority: ThreadPriority) {
    use ThreadPriority::{Background, Feeder, Host, Low};
    let nice = worker_nice();
    let now = match LOWERING.get() {
        Lowering::Unprepared => return,
        _ if nice == 0 => return,
        Lowering::Pending => None,
        Lowering::Done(p) if p == priority => return,
        Lowering::Done(p) => Some(p),
    };
    match (now, priority) {
        // Left as it is (still to be lowered for a later codec that asks for it).
        (_, Host) => return,
        (None, Low) | (Some(Feeder), Low) => raw::lower_thread_priority(LOW_NICE),
        (None, Background) | (Some(Low), Background) => {
            raw::lower_thread_priority(nice);
            if worker_idle_class() {
                raw::enter_idle_class();
            }
        }
        // The codec's threads go idle when it opens (`start_codec_threads`).
        (None, Feeder) | (Some(Low), Feeder) => raw::lower_thread_priority(nice),
        // An idle-class worker cannot leave the class; a feeder never turns into a
        // `Background` codec's worker (decoders of different kinds have workers of their own).
        (Some(_), _) => return,
    }
    LOWERING.set(Lowering::Done(priority));
}

/// The nice steps a [`ThreadPriority::Low`] worker goes down: all the way (nice values stop
/// at 19), since it stays in the ordinary class.
pub const LOW_NICE: i32 = 19;

/// Runs `open` (the opening of a codec, which starts its threads) so that the threads it
/// starts run in the idle class when the calling worker asked for that
/// ([`ThreadPriority::Feeder`], see [`settle_worker_priority`]): on a helper thread that enters
/// the idle class first and inherits everything else from the caller (nice value, time slice,
/// capabilities). Otherwise, or if no thread can be started, on the calling thread.
pub(crate) fn start_codec_threads<T: Send>(open: impl FnOnce() -> T + Send) -> T {
    let mut open = Some(open);
    if LOWERING.get() == Lowering::Done(ThreadPriority::Feeder) && worker_idle_class() {
        let slot = &mut open;
        let opened = std::thread::scope(|s| {
            let helper = std::thread::Builder::new().spawn_scoped(s, move || {
                raw::enter_idle_class();
                slot.take().map(|f| f())
            });
            // A helper that could not start dropped its closure: `open` is still there.
            helper
                .ok()
                .and_then(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
        });
        if let Some(t) = opened {
            return t;
        }
    }
    let open = open.expect("the opening runs once: on the helper, or else here");
    open()
}

#[cfg(all(test, target_os = "linux"))]
mod priority_tests {
    use control_queue::ThreadPriority;

    /// The calling thread's nice value and scheduling policy.
    fn priority() -> (i32, i32) {
        let nice = crate::raw::thread_nice().expect("the thread's nice value");
        (nice, crate::raw::thread_policy())
    }

    /// The policy a `Background` codec's threads get.
    fn background_policy() -> i32 {
        if super::worker_nice() > 0 && super::worker_idle_class() {
            libc::SCHED_IDLE
        } else {
            libc::SCHED_OTHER
        }
    }

    /// The nice value `steps` below `start` (none when `worker_nice` is 0).
    fn lowered(start: i32, steps: i32) -> i32 {
        if super::worker_nice() > 0 {
            (start + steps).min(19)
        } else {
            start
        }
    }

    /// [`super::worker_nice`] steps below `start`.
    fn lowered_nice(start: i32) -> i32 {
        lowered(start, super::worker_nice())
    }

    /// A priority of the worker and one of a thread the codec starts.
    type Settled = ((i32, i32), (i32, i32));

    /// Settles the calling worker for a codec that asks for `p`; then its priority, and that of
    /// a thread started while the codec opens (one of the codec's threads).
    fn settle(p: ThreadPriority) -> Settled {
        super::settle_worker_priority(p);
        let codec = super::start_codec_threads(|| {
            std::thread::spawn(priority).join().expect("codec thread")
        });
        (priority(), codec)
    }

    /// Runs `steps` on a new thread that the start hook prepared; returns the thread's priority
    /// before the hook, and what `steps` returned.
    fn on_prepared_worker<T: Send + 'static>(
        steps: impl FnOnce() -> T + Send + 'static,
    ) -> ((i32, i32), T) {
        std::thread::spawn(|| {
            let start = priority();
            super::prepare_worker_thread();
            assert_eq!(
                priority(),
                start,
                "the hook itself leaves nice value and policy"
            );
            (start, steps())
        })
        .join()
        .expect("worker")
    }

    #[test]
    fn a_prepared_thread_is_lowered_once_by_its_first_configure_that_does_not_keep_priority() {
        let (start, (host, background, again, host_again)) = on_prepared_worker(|| {
            let host = settle(ThreadPriority::Host);
            let background = settle(ThreadPriority::Background);
            (
                host,
                background,
                settle(ThreadPriority::Background),
                settle(ThreadPriority::Host),
            )
        });
        assert_eq!(start.1, libc::SCHED_OTHER);
        assert_eq!(
            host,
            (start, start),
            "a codec that keeps the priority (VP9)"
        );
        let lowered = (lowered_nice(start.0), background_policy());
        assert_eq!(background, (lowered, lowered), "then a Background codec");
        assert_eq!(again, background, "lowered once only");
        assert_eq!(host_again, background, "and not raised again");
    }

    #[test]
    fn a_low_worker_and_its_codec_go_to_nice_19_in_the_ordinary_class_then_idle_for_background() {
        let (start, (low, background, low_again)) = on_prepared_worker(|| {
            let low = settle(ThreadPriority::Low);
            let background = settle(ThreadPriority::Background);
            (low, background, settle(ThreadPriority::Low))
        });
        let ordinary = (lowered(start.0, super::LOW_NICE), libc::SCHED_OTHER);
        assert_eq!(low, (ordinary, ordinary), "a Low codec (libaom)");
        let idle = (ordinary.0, background_policy());
        assert_eq!(
            background,
            (idle, idle),
            "then a Background one (H.264): nice 19 already"
        );
        assert_eq!(
            low_again, background,
            "a thread cannot leave the idle class"
        );
    }

    #[test]
    fn a_background_worker_reconfigured_to_a_low_codec_stays_as_it_is() {
        let (start, (background, low)) = on_prepared_worker(|| {
            let background = settle(ThreadPriority::Background);
            (background, settle(ThreadPriority::Low))
        });
        let lowered = (lowered_nice(start.0), background_policy());
        assert_eq!(background, (lowered, lowered));
        assert_eq!(low, background);
    }

    #[test]
    fn a_feeder_stays_in_the_ordinary_class_its_codec_threads_go_idle_and_low_moves_both_ways() {
        let (start, (feeder, low, feeder_again)) = on_prepared_worker(|| {
            let feeder = settle(ThreadPriority::Feeder);
            let low = settle(ThreadPriority::Low);
            (feeder, low, settle(ThreadPriority::Feeder))
        });
        let nice = lowered_nice(start.0);
        assert_eq!(
            feeder,
            ((nice, libc::SCHED_OTHER), (nice, background_policy())),
            "a video decoder: the worker lowered in the ordinary class, frame threads idle"
        );
        let low_nice = lowered(start.0, super::LOW_NICE);
        let ordinary = (low_nice, libc::SCHED_OTHER);
        assert_eq!(low, (ordinary, ordinary), "AV1: worker and dav1d's threads");
        assert_eq!(
            feeder_again,
            (ordinary, (low_nice, background_policy())),
            "then H.264 again: the frame threads idle, the worker stays at nice 19"
        );
    }

    #[test]
    fn without_a_feeder_a_codec_opens_on_the_calling_thread() {
        let (caller, opener) = std::thread::spawn(|| {
            let caller = std::thread::current().id();
            (
                caller,
                super::start_codec_threads(|| std::thread::current().id()),
            )
        })
        .join()
        .expect("thread");
        assert_eq!(opener, caller);
    }

    #[test]
    fn a_thread_the_hook_did_not_prepare_is_left_as_it_is() {
        let (start, after) = std::thread::spawn(|| {
            let start = priority();
            super::settle_worker_priority(ThreadPriority::Background);
            (start, priority())
        })
        .join()
        .expect("thread");
        assert_eq!(after, start);
    }
}
