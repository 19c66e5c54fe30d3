//! `VideoFrame` natives and the native half of a frame, [`FrameBox`], which carries the frame's
//! pixels and its metadata (so an encoder takes both from the handle). Arguments arrive already
//! converted the WebIDL way by lib/video-frame.js.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use codec_core::{
    CodecError, ColorMatrix, ColorPrimaries, ColorTransfer, FrameBuffer, Orientation, PlaneLayout,
    Rect, VideoColorSpace, VideoFrameMeta, VideoPixelFormat,
};
use neon::prelude::*;
use neon::types::buffer::TypedArray;

use crate::error::{IntoJsError, OrThrow};
use crate::js::{opt, opt_arg_f64, set_num, set_str};

/// Reads a `VideoColorSpaceInit`-shaped object; `null`, `undefined` and unknown strings are
/// unknown members (`VideoColorSpace.toJSON()` gives `null` for them).
pub(crate) fn color_space_from_js<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
) -> NeonResult<VideoColorSpace> {
    let text = |cx: &mut C, k: &str| -> NeonResult<Option<String>> {
        let v: Handle<JsValue> = o.get(cx, k)?;
        Ok(v.downcast::<JsString, _>(cx).ok().map(|s| s.value(cx)))
    };
    let primaries = text(cx, "primaries")?;
    let transfer = text(cx, "transfer")?;
    let matrix = text(cx, "matrix")?;
    let full_range: Handle<JsValue> = o.get(cx, "fullRange")?;
    let full_range = full_range
        .downcast::<JsBoolean, _>(cx)
        .ok()
        .map(|b| b.value(cx));
    Ok(VideoColorSpace {
        primaries: primaries.as_deref().and_then(ColorPrimaries::parse),
        transfer: transfer.as_deref().and_then(ColorTransfer::parse),
        matrix: matrix.as_deref().and_then(ColorMatrix::parse),
        full_range,
    })
}

/// The members of a `VideoColorSpace` as JS values, in the order of [`COLOR_MEMBERS`]
/// (`null` for one unknown).
fn color_space_values<'a, C: Context<'a>>(
    cx: &mut C,
    c: &VideoColorSpace,
) -> [Handle<'a, JsValue>; 4] {
    let mut name = |n: Option<&str>| -> Handle<'a, JsValue> {
        match n {
            Some(n) => cx.string(n).upcast(),
            None => cx.null().upcast(),
        }
    };
    let primaries = name(c.primaries.map(|x| x.as_str()));
    let transfer = name(c.transfer.map(|x| x.as_str()));
    let matrix = name(c.matrix.map(|x| x.as_str()));
    let full_range = match c.full_range {
        Some(b) => cx.boolean(b).upcast(),
        None => cx.null().upcast(),
    };
    [primaries, transfer, matrix, full_range]
}

/// The `VideoColorSpace` members [`color_space_values`] gives, in its order.
const COLOR_MEMBERS: [&str; 4] = ["primaries", "transfer", "matrix", "fullRange"];

pub(crate) fn color_space_to_js<'a, C: Context<'a>>(
    cx: &mut C,
    c: &VideoColorSpace,
) -> JsResult<'a, JsObject> {
    let o = cx.empty_object();
    for (key, v) in COLOR_MEMBERS.into_iter().zip(color_space_values(cx, c)) {
        o.set(cx, key, v)?;
    }
    Ok(o)
}

/// The native half of a `VideoFrame`: a shared, immutable pixel buffer and the frame's
/// metadata. `close()` drops the buffer reference at once.
pub(crate) struct FrameBox {
    buf: RefCell<Option<Arc<FrameBuffer>>>,
    meta: Cell<VideoFrameMeta>,
}

impl Finalize for FrameBox {}

impl FrameBox {
    /// A frame around `f` with default metadata ([`VideoFrameMeta::of`]); `createFrame(handle,
    /// init)` in lib/video-frame.js then sets the metadata JS gives it.
    pub(crate) fn new(f: FrameBuffer) -> Self {
        let meta = VideoFrameMeta::of(&f);
        Self::with_meta(f, meta)
    }

    /// A frame around `f` with its metadata (see [`frame_to_js`]).
    pub(crate) fn with_meta(f: FrameBuffer, meta: VideoFrameMeta) -> Self {
        Self::shared(Arc::new(f), meta)
    }

    fn shared(buf: Arc<FrameBuffer>, meta: VideoFrameMeta) -> Self {
        Self {
            buf: RefCell::new(Some(buf)),
            meta: Cell::new(meta),
        }
    }

    /// The pixels, unless the frame is closed.
    pub(crate) fn buffer(&self) -> Option<Arc<FrameBuffer>> {
        self.buf.borrow().clone()
    }

    /// The frame's metadata.
    pub(crate) fn meta(&self) -> VideoFrameMeta {
        self.meta.get()
    }
}

/// The init object lib/video-frame.js builds a JS `VideoFrame` from, without the display size:
/// format, coded size, timestamp, duration, rotation, flip and colour space (the whole coded
/// rect visible).
pub(crate) fn frame_init<'a, C: Context<'a>>(
    cx: &mut C,
    buf: &FrameBuffer,
    meta: &VideoFrameMeta,
) -> JsResult<'a, JsObject> {
    let init = cx.empty_object();
    set_str(cx, init, "format", buf.format().as_str())?;
    set_num(cx, init, "codedWidth", f64::from(buf.coded_width()))?;
    set_num(cx, init, "codedHeight", f64::from(buf.coded_height()))?;
    set_num(cx, init, "timestamp", meta.timestamp as f64)?;
    if let Some(d) = meta.duration {
        set_num(cx, init, "duration", d as f64)?;
    }
    set_num(cx, init, "rotation", f64::from(meta.orientation.rotation))?;
    let flip = cx.boolean(meta.orientation.flip);
    init.set(cx, "flip", flip)?;
    let cs = color_space_to_js(cx, &meta.color_space)?;
    init.set(cx, "colorSpace", cs)?;
    Ok(init)
}

/// A decoded frame's handle and its metadata by position, as lib/video-codecs.js reads them:
/// `[format, codedWidth, codedHeight, timestamp, duration | undefined, rotation, flip,
/// primaries, transfer, matrix, fullRange, displayWidth, displayHeight]` (a colour member
/// unknown is null). An object with named properties set from here would cost a V8 runtime
/// call and a fresh key string per member, 14 per frame (the colour space its own object);
/// setting array elements skips the strings, and JS builds the objects from them.
pub(crate) fn frame_to_js<'a, C: Context<'a>>(
    cx: &mut C,
    buf: FrameBuffer,
    meta: VideoFrameMeta,
) -> NeonResult<(Handle<'a, JsBox<FrameBox>>, Handle<'a, JsArray>)> {
    let v = cx.empty_array();
    let format = cx.string(buf.format().as_str());
    v.set(cx, 0, format)?;
    crate::codec::set_num(cx, v, 1, f64::from(buf.coded_width()))?;
    crate::codec::set_num(cx, v, 2, f64::from(buf.coded_height()))?;
    crate::codec::set_num(cx, v, 3, meta.timestamp as f64)?;
    let duration: Handle<JsValue> = match meta.duration {
        Some(d) => cx.number(d as f64).upcast(),
        None => cx.undefined().upcast(),
    };
    v.set(cx, 4, duration)?;
    crate::codec::set_num(cx, v, 5, f64::from(meta.orientation.rotation))?;
    let flip = cx.boolean(meta.orientation.flip);
    v.set(cx, 6, flip)?;
    for (i, x) in (7..).zip(color_space_values(cx, &meta.color_space)) {
        v.set(cx, i, x)?;
    }
    crate::codec::set_num(cx, v, 11, f64::from(meta.display_width))?;
    crate::codec::set_num(cx, v, 12, f64::from(meta.display_height))?;
    let handle = cx.boxed(FrameBox::with_meta(buf, meta));
    Ok((handle, v))
}

/// The metadata arguments lib/video-frame.js passes from index `first` on: `timestamp,
/// duration?, visible x, y, width, height, displayWidth, displayHeight, rotation, flip,
/// colorSpace?`; a missing colour space is `default_color`.
fn meta_args(
    cx: &mut FunctionContext,
    first: usize,
    default_color: VideoColorSpace,
) -> NeonResult<VideoFrameMeta> {
    let num = |cx: &mut FunctionContext, i: usize| -> NeonResult<f64> {
        Ok(cx.argument::<JsNumber>(first + i)?.value(cx))
    };
    let timestamp = num(cx, 0)? as i64;
    let duration = opt_arg_f64(cx, first + 1).map(|d| d as u64);
    let visible = rect_args(cx, first + 2)?;
    let display_width = num(cx, 6)? as u32;
    let display_height = num(cx, 7)? as u32;
    let rotation = num(cx, 8)? as u32;
    let flip = cx.argument::<JsBoolean>(first + 9)?.value(cx);
    let color_space = match cx.argument_opt(first + 10) {
        Some(v) => match v.downcast::<JsObject, _>(cx) {
            Ok(o) => color_space_from_js(cx, o)?,
            Err(_) => default_color,
        },
        None => default_color,
    };
    Ok(VideoFrameMeta {
        timestamp,
        duration,
        visible,
        display_width,
        display_height,
        orientation: Orientation { rotation, flip },
        color_space,
    })
}

/// `frameFromBuffer(format, codedWidth, codedHeight, data, layout?, keep x, y, width, height,
/// ...metadata)`: copies the `keep` rect of the frame in `data` (all of it, or the visible rect
/// of a buffer source, which keeps only its visible pixels).
fn frame_from_buffer(mut cx: FunctionContext) -> JsResult<JsBox<FrameBox>> {
    let format = format_arg(&mut cx, 0)?;
    let w = cx.argument::<JsNumber>(1)?.value(&mut cx) as u32;
    let h = cx.argument::<JsNumber>(2)?.value(&mut cx) as u32;
    let data = cx.argument::<JsTypedArray<u8>>(3)?;
    let layout = layout_arg(&mut cx, 4)?;
    let keep = rect_args(&mut cx, 5)?;
    let meta = meta_args(&mut cx, 9, VideoColorSpace::default_for(format))?;
    let f =
        FrameBuffer::from_bytes_visible(format, w, h, data.as_slice(&cx), layout.as_deref(), keep);
    let f = f.or_throw(&mut cx)?;
    Ok(cx.boxed(FrameBox::with_meta(f, meta)))
}

/// `frameClone(frame, ...metadata)`: a new handle on the same pixels; a missing colour space
/// is the source's.
fn frame_clone(mut cx: FunctionContext) -> JsResult<JsBox<FrameBox>> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    let Some(buf) = b.buffer() else {
        return CodecError::invalid_state("VideoFrame is closed").throw(&mut cx);
    };
    let source = b.meta().color_space;
    let meta = meta_args(&mut cx, 1, source)?;
    Ok(cx.boxed(FrameBox::shared(buf, meta)))
}

/// `frameSetMeta(frame, ...metadata)`: the metadata of a frame built around a bare handle
/// (`createFrame(handle, init)`); a missing colour space keeps the frame's.
fn frame_set_meta(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    let meta = meta_args(&mut cx, 1, b.meta().color_space)?;
    b.meta.set(meta);
    Ok(cx.undefined())
}

/// `frameColorSpace(frame)` → the frame's `VideoColorSpaceInit` (read once by the JS getter).
fn frame_color_space(mut cx: FunctionContext) -> JsResult<JsObject> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    let cs = b.meta().color_space;
    color_space_to_js(&mut cx, &cs)
}

fn layout_arg<'a>(cx: &mut FunctionContext<'a>, i: usize) -> NeonResult<Option<Vec<PlaneLayout>>> {
    let Some(v) = cx.argument_opt(i) else {
        return Ok(None);
    };
    let Ok(arr) = v.downcast::<JsArray, _>(cx) else {
        return Ok(None);
    };
    let items = arr.to_vec(cx)?;
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let o = it.downcast_or_throw::<JsObject, _>(cx)?;
        let offset = opt::<u32, _>(cx, o, "offset")?.unwrap_or(0);
        let stride = opt::<u32, _>(cx, o, "stride")?.unwrap_or(0);
        out.push(PlaneLayout { offset, stride });
    }
    Ok(Some(out))
}

fn format_arg(cx: &mut FunctionContext, i: usize) -> NeonResult<VideoPixelFormat> {
    let s = cx.argument::<JsString>(i)?.value(cx);
    match VideoPixelFormat::parse(&s) {
        Some(f) => Ok(f),
        None => CodecError::type_error(format!("'{s}' is not a VideoPixelFormat")).throw(cx),
    }
}

fn rect_args(cx: &mut FunctionContext, first: usize) -> NeonResult<Rect> {
    let mut r = [0u32; 4];
    for (i, slot) in r.iter_mut().enumerate() {
        *slot = cx.argument::<JsNumber>(first + i)?.value(cx) as u32;
    }
    Ok(Rect::new(r[0], r[1], r[2], r[3]))
}

fn layout_to_js<'a, C: Context<'a>>(cx: &mut C, l: &[PlaneLayout]) -> JsResult<'a, JsArray> {
    let arr = cx.empty_array();
    for (i, p) in l.iter().enumerate() {
        let o = cx.empty_object();
        set_num(cx, o, "offset", f64::from(p.offset))?;
        set_num(cx, o, "stride", f64::from(p.stride))?;
        arr.set(cx, i as u32, o)?;
    }
    Ok(arr)
}

fn frame_close(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    b.buf.borrow_mut().take();
    Ok(cx.undefined())
}

/// `frameCopyTo(frame, dest: Uint8Array, x, y, w, h, layout?)` → PlaneLayout[], or a promise
/// of it for a copy of [`DEFERRED_BYTES`] or more: that one is checked now (errors are thrown)
/// and copied in bands of at most [`BAND_BYTES`] and about [`BAND_TIME_NS`], one event-loop
/// turn each, like an RGB conversion, so a 12-megapixel RGBA image does not hold the loop for
/// its whole copy.
fn frame_copy_to(mut cx: FunctionContext) -> JsResult<JsValue> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    let Some(buf) = b.buffer() else {
        return CodecError::invalid_state("VideoFrame is closed").throw(&mut cx);
    };
    let mut dest = cx.argument::<JsTypedArray<u8>>(1)?;
    let rect = rect_args(&mut cx, 2)?;
    let layout = layout_arg(&mut cx, 6)?;
    let (regions, size) =
        codec_core::compute_layout(buf.format(), rect, layout.as_deref()).or_throw(&mut cx)?;
    if size < DEFERRED_BYTES {
        let r = buf.copy_to(rect, dest.as_mut_slice(&mut cx), layout.as_deref());
        let l = r.or_throw(&mut cx)?;
        return Ok(layout_to_js(&mut cx, &l)?.upcast());
    }
    // The checks the copy would make, made now so that they throw.
    buf.check_rect(rect).or_throw(&mut cx)?;
    if (dest.as_slice(&cx).len() as u64) < u64::from(size) {
        return CodecError::type_error("destination is too small").throw(&mut cx);
    }
    let copy = PlainCopy {
        buf,
        rect,
        layouts: regions.iter().map(|r| r.layout).collect(),
    };
    defer_copy(&mut cx, Box::new(copy), dest)
}

/// Plain copies of at least this many bytes settle later, in bands.
const DEFERRED_BYTES: u32 = 8 << 20;

/// The most bytes copied per event-loop turn in a deferred plain copy (fewer when they take
/// longer than [`BAND_TIME_NS`]).
const BAND_BYTES: u64 = 4 << 20;

/// How long one band of a deferred copy or conversion should hold the event loop. The first
/// write to each 4 KiB page of a fresh destination (`new Uint8Array(size)` per frame, the usual
/// pattern; above 32 MiB glibc maps every one anew) faults it in, which costs more than
/// converting it: a 2-megapixel RGBA band took 0.5 ms into a destination written before and
/// 2.5-5 ms into a fresh one on the development machine. Bands are sized by the time the last
/// one took per byte, so they stay near this. (1.5 ms made 12-megapixel copies 10-20% slower,
/// more turns; 2.5 ms kept their speed, and the worst loop gaps of fresh 720p-4K copies,
/// benches/node/loop-gap.js, dropped by 0.2-1 ms.)
const BAND_TIME_NS: f64 = 2_500_000.0;

/// Nanoseconds per destination byte assumed before any band has been timed on this thread:
/// about a fresh destination's (page faults included) on the development machine.
const FIRST_NS_PER_BYTE: f64 = 0.5;

thread_local! {
    /// The time per destination byte of the last band copied on this thread (the JS thread of
    /// one isolate), which sizes the next band.
    static NS_PER_BYTE: Cell<f64> = const { Cell::new(FIRST_NS_PER_BYTE) };
}

/// Rows of the next band of `copy` from its row `y0`: the destination bytes [`BAND_TIME_NS`]
/// covers at the last band's pace (see [`BandedCopy::band_rows`]; the rows left may be fewer).
fn paced_rows(copy: &dyn BandedCopy, y0: u32) -> u32 {
    let budget = (BAND_TIME_NS / NS_PER_BYTE.get()) as u64;
    copy.band_rows(budget).min(copy.height() - y0)
}

/// Notes that `rows` rows of `copy` took `ns` nanoseconds.
fn record_pace(copy: &dyn BandedCopy, rows: u32, ns: u128) {
    let bytes = copy.dest_bytes_per_row().max(1) as f64 * f64::from(rows.max(1));
    // Bounded, so one very fast or very slow band (a preempted thread) cannot send the next
    // band to an extreme.
    NS_PER_BYTE.set((ns as f64 / bytes).clamp(0.01, 50.0));
}

/// A copy that goes in bands of rows, one event-loop turn each.
trait BandedCopy {
    /// Rows of the rect.
    fn height(&self) -> u32;
    /// Rows per band for about `budget` destination bytes, no more than the copy's own limit
    /// ([`BAND_BYTES`], [`BAND_PIXELS`]), a multiple of the vertical chroma subsampling (so
    /// every band starts on a chroma row), at least one such multiple.
    fn band_rows(&self, budget: u64) -> u32;
    /// Bytes one row of the rect writes into the destination.
    fn dest_bytes_per_row(&self) -> u64;
    /// Rows `y0..y0 + rows` of the rect into their place in `dest`.
    fn band(&self, dest: &mut [u8], y0: u32, rows: u32) -> Result<(), CodecError>;
    /// The layout the promise resolves with.
    fn layouts(&self) -> Vec<PlaneLayout>;
}

/// Rows per band for `bytes_per_row` (the sum over planes): `budget` bytes, rounded down to a
/// multiple of the format's vertical chroma subsampling, so that every band starts on a
/// chroma row.
fn rows_for(format: VideoPixelFormat, bytes_per_row: u64, budget: u64) -> u32 {
    let sy = format.subsampling(1).1.max(1);
    let rows = (budget / bytes_per_row.max(1)).clamp(1, u64::from(u32::MAX)) as u32;
    (rows / sy).max(1) * sy
}

/// One plain `copyTo()` (the frame's own format): the frame's pixels (kept alive by their
/// own reference, so `close()` may come first), the rect, and the destination layout of each
/// plane.
struct PlainCopy {
    buf: Arc<FrameBuffer>,
    rect: Rect,
    layouts: Vec<PlaneLayout>,
}

impl BandedCopy for PlainCopy {
    fn height(&self) -> u32 {
        self.rect.height
    }

    fn band_rows(&self, budget: u64) -> u32 {
        rows_for(
            self.buf.format(),
            self.dest_bytes_per_row(),
            budget.min(BAND_BYTES),
        )
    }

    fn dest_bytes_per_row(&self) -> u64 {
        let f = self.buf.format();
        (0..f.plane_count())
            .map(|p| {
                let (sx, sy) = f.subsampling(p);
                u64::from(self.rect.width.div_ceil(sx.max(1))) * u64::from(f.bytes_per_element(p))
                    / u64::from(sy.max(1))
            })
            .sum()
    }

    fn band(&self, dest: &mut [u8], y0: u32, rows: u32) -> Result<(), CodecError> {
        let f = self.buf.format();
        // The band's own rect, and each plane's layout moved down to the band's first row.
        let layouts: Vec<PlaneLayout> = self
            .layouts
            .iter()
            .enumerate()
            .map(|(p, l)| PlaneLayout {
                offset: l.offset + y0 / f.subsampling(p).1.max(1) * l.stride,
                stride: l.stride,
            })
            .collect();
        let band = Rect::new(self.rect.x, self.rect.y + y0, self.rect.width, rows);
        self.buf.copy_to(band, dest, Some(&layouts)).map(|_| ())
    }

    fn layouts(&self) -> Vec<PlaneLayout> {
        self.layouts.clone()
    }
}

/// Conversions of at least this many pixels settle later (the promise resolves after the
/// conversion, which starts in a later event-loop turn); smaller ones are converted at once.
const DEFERRED_PIXELS: u64 = 256 * 256;

/// The most pixels converted per event-loop turn (fewer when they take longer than
/// [`BAND_TIME_NS`]): about 0.5 ms with the AVX2 kernels into a destination written before,
/// so a 4K conversion leaves the loop free between its bands.
const BAND_PIXELS: u64 = 1 << 21;

/// A band at least this large is shared between the JS thread and one helper thread, in
/// chunks of about [`CHUNK_PIXELS`] (both write straight into the destination while the JS
/// thread is in the call); below it a thread costs more than it saves. 720p (0.9 megapixels)
/// is above it: shared, an I420 to RGBA copy took 0.24 ms instead of 0.33 ms on the 2-CPU
/// development machine, where swscale takes 0.30 ms (`npm run bench`, copyTo rows).
const SPLIT_PIXELS: u64 = 1 << 19;

/// The chunk of rows the threads sharing a band take at a time: about 70 µs of work.
const CHUNK_PIXELS: u64 = 1 << 18;

/// The single plane layout of an RGB copy of `rect` with the caller's `layout`.
fn compute_layout_of(
    format: VideoPixelFormat,
    rect: Rect,
    layout: Option<&[PlaneLayout]>,
) -> Result<PlaneLayout, CodecError> {
    let (regions, _) = codec_core::compute_layout(format, rect, layout)?;
    regions
        .first()
        .map(|r| r.layout)
        .ok_or_else(|| CodecError::type_error("no plane to copy"))
}

/// One `copyTo()` to an RGB format: the frame's pixels (kept alive by their own reference, so
/// `close()` may come first), what to convert, and where its rows go in the destination.
struct RgbCopy {
    buf: Arc<FrameBuffer>,
    rect: Rect,
    format: VideoPixelFormat,
    color_space: VideoColorSpace,
    display_p3: bool,
    /// Where row 0 starts in the destination, and the distance between rows.
    base: PlaneLayout,
}

impl BandedCopy for RgbCopy {
    fn height(&self) -> u32 {
        self.rect.height
    }

    fn band_rows(&self, budget: u64) -> u32 {
        rows_for(
            self.buf.format(),
            self.dest_bytes_per_row(),
            budget.min(BAND_PIXELS * 4),
        )
    }

    fn dest_bytes_per_row(&self) -> u64 {
        u64::from(self.rect.width) * 4
    }

    fn layouts(&self) -> Vec<PlaneLayout> {
        vec![self.base]
    }

    /// Converts rows `y0..y0 + rows` of the rect into `dest` (re-encoded as Display P3 when
    /// asked), straight into their place. A large band is shared with a helper thread in
    /// chunks of rows taken in turn: the result is the same bytes, and if the helper is slow to
    /// start (a busy machine), this thread converts the chunks it has not taken, so the wait
    /// is at most one chunk.
    fn band(&self, dest: &mut [u8], y0: u32, rows: u32) -> Result<(), CodecError> {
        let stride = self.base.stride as usize;
        let start = self.base.offset as usize + y0 as usize * stride;
        let end = start + (rows as usize - 1) * stride + self.rect.width as usize * 4;
        let dest = dest
            .get_mut(start..end)
            .ok_or_else(|| CodecError::type_error("destination is too small"))?;
        if u64::from(self.rect.width) * u64::from(rows) < SPLIT_PIXELS {
            return self.rows(dest, y0, rows);
        }
        let sy = self.buf.format().subsampling(1).1.max(1);
        let chunk = ((CHUNK_PIXELS / u64::from(self.rect.width)) as u32 / sy).max(1) * sy;
        crate::share::on_two_threads(
            "webcodecs-copyto",
            dest.chunks_mut(chunk as usize * stride)
                .zip((y0..).step_by(chunk as usize)),
            |(d, first)| self.rows(d, first, chunk.min(y0 + rows - first)),
            || CodecError::encoding("conversion failed"),
        )
    }
}

impl RgbCopy {
    /// Rows `y0..y0 + rows` of the rect into `dest`, whose first row is row `y0`.
    fn rows(&self, dest: &mut [u8], y0: u32, rows: u32) -> Result<(), CodecError> {
        let stride = self.base.stride as usize;
        let rect = Rect::new(self.rect.x, self.rect.y + y0, self.rect.width, rows);
        let cs = &self.color_space;
        codec_core::convert_to_rgb_into(&self.buf, rect, self.format, cs, dest, stride)?;
        if self.display_p3 {
            let (w, n) = (self.rect.width as usize, rows as usize);
            codec_core::srgb_to_display_p3_into(dest, stride, w, n, self.format)?;
        }
        Ok(())
    }
}

/// A deferred copy between event-loop turns: the copy, the destination (rooted), the promise
/// and the next row to copy.
struct CopyJob {
    copy: Box<dyn BandedCopy>,
    dest: Root<JsTypedArray<u8>>,
    deferred: neon::types::Deferred,
    next_row: u32,
}

/// Runs the next band of `job` in a later event-loop turn (`setImmediate`): each band is its
/// own turn, so timers and I/O run between them. (A channel would not do: Node runs every
/// callback queued on it, including ones queued meanwhile, in one turn.)
fn schedule_band<'a, C: Context<'a>>(
    cx: &mut C,
    job: Rc<RefCell<Option<CopyJob>>>,
) -> NeonResult<()> {
    let step = JsFunction::new(cx, move |mut cx| {
        run_band(&mut cx, &job)?;
        Ok(cx.undefined())
    })?;
    safe_callback::set_immediate(cx, step)
}

/// One band of `job`; then the next turn's, or the promise settled (with the layout, or the
/// error: a destination detached or shrunk meanwhile is a TypeError).
fn run_band(cx: &mut FunctionContext, job: &Rc<RefCell<Option<CopyJob>>>) -> NeonResult<()> {
    let Some(mut j) = job.borrow_mut().take() else {
        return Ok(());
    };
    let rows = paced_rows(&*j.copy, j.next_row);
    let mut dest = j.dest.to_inner(cx);
    let start = std::time::Instant::now();
    let r = j.copy.band(dest.as_mut_slice(cx), j.next_row, rows);
    record_pace(&*j.copy, rows, start.elapsed().as_nanos());
    j.next_row += rows;
    match r {
        Ok(()) if j.next_row < j.copy.height() => {
            *job.borrow_mut() = Some(j);
            schedule_band(cx, job.clone())
        }
        Ok(()) => {
            let layout = layout_to_js(cx, &j.copy.layouts())?;
            j.dest.drop(cx);
            j.deferred.resolve(cx, layout);
            Ok(())
        }
        Err(e) => {
            let e = e.to_js_error(cx)?;
            j.dest.drop(cx);
            j.deferred.reject(cx, e);
            Ok(())
        }
    }
}

/// `frameCopyToRgb(frame, dest, x, y, w, h, format, layout?, displayP3?)` → PlaneLayout[] or a
/// promise of it: converts `rect` from the frame's colour space to an RGB format (sRGB, or
/// Display P3 when `displayP3` is true) straight into `dest`, placed by `layout`. Every
/// argument is checked before returning (errors are thrown). A small rect is converted at once;
/// a large one starts in a later event-loop turn and goes in bands of rows, one turn each (a
/// band of 1 Mpixel or more split over two threads), so even a 4K frame never holds the loop
/// for long, and the promise settles after the last band.
fn frame_copy_to_rgb(mut cx: FunctionContext) -> JsResult<JsValue> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    let Some(buf) = b.buffer() else {
        return CodecError::invalid_state("VideoFrame is closed").throw(&mut cx);
    };
    let color_space = b.meta().color_space;
    let mut dest = cx.argument::<JsTypedArray<u8>>(1)?;
    let rect = rect_args(&mut cx, 2)?;
    let format = format_arg(&mut cx, 6)?;
    let layout = layout_arg(&mut cx, 7)?;
    let display_p3 = match cx.argument_opt(8) {
        Some(v) => v
            .downcast::<JsBoolean, _>(&mut cx)
            .is_ok_and(|b| b.value(&mut cx)),
        None => false,
    };
    let full = Rect::new(0, 0, rect.width, rect.height);
    // The checks the conversion would make, made now so that they throw.
    buf.check_rect(rect).or_throw(&mut cx)?;
    if !format.is_rgb() {
        let e = CodecError::not_supported(format!("cannot convert to {}", format.as_str()));
        return e.throw(&mut cx);
    }
    let (_, needed) =
        codec_core::compute_layout(format, full, layout.as_deref()).or_throw(&mut cx)?;
    if (dest.as_slice(&cx).len() as u64) < u64::from(needed) {
        return CodecError::type_error("destination is too small").throw(&mut cx);
    }
    let base = compute_layout_of(format, full, layout.as_deref()).or_throw(&mut cx)?;
    let copy = RgbCopy {
        buf,
        rect,
        format,
        color_space,
        display_p3,
        base,
    };
    if u64::from(rect.width) * u64::from(rect.height) < DEFERRED_PIXELS {
        copy.band(dest.as_mut_slice(&mut cx), 0, rect.height)
            .or_throw(&mut cx)?;
        return Ok(layout_to_js(&mut cx, &[base])?.upcast());
    }
    defer_copy(&mut cx, Box::new(copy), dest)
}

/// Starts `copy` into `dest` in a later event-loop turn; the promise settles after its last
/// band.
fn defer_copy<'a>(
    cx: &mut FunctionContext<'a>,
    copy: Box<dyn BandedCopy>,
    dest: Handle<'a, JsTypedArray<u8>>,
) -> JsResult<'a, JsValue> {
    let (deferred, promise) = cx.promise();
    let job = CopyJob {
        copy,
        dest: dest.root(cx),
        deferred,
        next_row: 0,
    };
    schedule_band(cx, Rc::new(RefCell::new(Some(job))))?;
    Ok(promise.upcast())
}

/// `frameAllocationSize(format, x, y, w, h, layout?)` → number
fn frame_allocation_size(mut cx: FunctionContext) -> JsResult<JsNumber> {
    let format = format_arg(&mut cx, 0)?;
    let rect = rect_args(&mut cx, 1)?;
    let layout = layout_arg(&mut cx, 5)?;
    let (_, size) =
        codec_core::compute_layout(format, rect, layout.as_deref()).or_throw(&mut cx)?;
    Ok(cx.number(size))
}

/// `frameTransform(frame, source x, y, width, height, scaledWidth, scaledHeight, rotation,
/// flip, canvasWidth, canvasHeight, x, y, keepAlpha, fullRange)` → a promise of a new frame
/// handle (`codec_ffmpeg::FrameTransform`: the source rect scaled, turned, mirrored and placed
/// on a black canvas; lib/transform.js gives it its metadata). The arguments are checked here
/// (a `TypeError` is thrown); the work runs on a thread of libuv's pool, holding its own
/// reference to the pixels, so the frame may be closed meanwhile.
fn frame_transform(mut cx: FunctionContext) -> JsResult<JsPromise> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    let Some(buf) = b.buffer() else {
        return CodecError::invalid_state("VideoFrame is closed").throw(&mut cx);
    };
    let source = rect_args(&mut cx, 1)?;
    let n = |cx: &mut FunctionContext, i: usize| -> NeonResult<u32> {
        Ok(cx.argument::<JsNumber>(i)?.value(cx) as u32)
    };
    let t = codec_ffmpeg::FrameTransform {
        source,
        scaled_width: n(&mut cx, 5)?,
        scaled_height: n(&mut cx, 6)?,
        rotation: n(&mut cx, 7)?,
        flip: cx.argument::<JsBoolean>(8)?.value(&mut cx),
        canvas_width: n(&mut cx, 9)?,
        canvas_height: n(&mut cx, 10)?,
        x: n(&mut cx, 11)?,
        y: n(&mut cx, 12)?,
        keep_alpha: cx.argument::<JsBoolean>(13)?.value(&mut cx),
        full_range: cx.argument::<JsBoolean>(14)?.value(&mut cx),
    };
    t.check(&buf).or_throw(&mut cx)?;
    let promise = cx
        .task(move || codec_ffmpeg::transform_frame(&buf, &t))
        .promise(|mut cx, r| match r {
            Ok(f) => Ok(cx.boxed(FrameBox::new(f))),
            Err(e) => e.throw(&mut cx),
        });
    Ok(promise)
}

pub(crate) fn register(cx: &mut ModuleContext) -> NeonResult<()> {
    crate::js::export_natives! {
        cx, frame_from_buffer, frame_clone, frame_set_meta, frame_color_space, frame_close,
        frame_copy_to, frame_allocation_size, frame_copy_to_rgb, frame_transform
    }
}
