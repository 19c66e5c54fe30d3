//! `VideoEncoder`, `VideoDecoder` and `VideoFrame` natives. Arguments arrive already converted
//! the WebIDL way by lib/*.js; this file only extracts them and calls into the crates below.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use codec_core::{
    chunk_is_key, AlphaOption, AvcBitstreamFormat, BitrateMode, CodecError, CodecKind, CodecState,
    ColorMatrix, ColorPrimaries, ColorTransfer, FrameBuffer, HardwareAcceleration,
    HevcBitstreamFormat, LatencyMode, NalFraming, PlaneLayout, Rect, VideoColorSpace,
    VideoDecoderConfig, VideoEncoderConfig, VideoPixelFormat,
};
use codec_ffmpeg::{
    DecodedVideoOutput, EncodedVideoOutput, VideoDecodeInput, VideoDecoderBackend,
    VideoEncodeInput, VideoEncoderBackend,
};
use neon::prelude::*;
use neon::types::buffer::TypedArray;

use crate::codec::{self, with_core, CodecBox, JsConfig, OutputToJs};
use crate::error::{IntoJsError, OrThrow};
use crate::js::{
    bytes, enum_or_default, opt_arg_f64, opt_arg_str, opt_bool, opt_f64, opt_str, opt_u32, set_num,
    set_str,
};

type EncBox = JsBox<CodecBox<VideoEncoderBackend>>;
type DecBox = JsBox<CodecBox<VideoDecoderBackend>>;

fn encoder_config<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
) -> NeonResult<VideoEncoderConfig> {
    let avc_format = match o.get_opt::<JsObject, _, _>(cx, "avc")? {
        Some(avc) => enum_or_default(cx, avc, "format", AvcBitstreamFormat::parse)?,
        None => AvcBitstreamFormat::default(),
    };
    let hevc_format = match o.get_opt::<JsObject, _, _>(cx, "hevc")? {
        Some(hevc) => enum_or_default(cx, hevc, "format", HevcBitstreamFormat::parse)?,
        None => HevcBitstreamFormat::default(),
    };
    // av1.forceScreenContentTools: the encoder's screen-content mode is what contentHint
    // "text" selects for AV1 (libaom tune-content=screen), so the flag forces that hint.
    let force_screen = match o.get_opt::<JsObject, _, _>(cx, "av1")? {
        Some(av1) => opt_bool(cx, av1, "forceScreenContentTools")?.unwrap_or(false),
        None => false,
    };
    let codec = opt_str(cx, o, "codec")?.unwrap_or_default();
    let content_hint = if force_screen && codec.starts_with("av01.") {
        Some("text".to_owned())
    } else {
        opt_str(cx, o, "contentHint")?
    };
    Ok(VideoEncoderConfig {
        codec,
        width: opt_u32(cx, o, "width")?.unwrap_or(0),
        height: opt_u32(cx, o, "height")?.unwrap_or(0),
        display_width: opt_u32(cx, o, "displayWidth")?,
        display_height: opt_u32(cx, o, "displayHeight")?,
        bitrate: opt_f64(cx, o, "bitrate")?.map(|v| v as u64),
        framerate: opt_f64(cx, o, "framerate")?,
        hardware_acceleration: enum_or_default(
            cx,
            o,
            "hardwareAcceleration",
            HardwareAcceleration::parse,
        )?,
        alpha: enum_or_default(cx, o, "alpha", AlphaOption::parse)?,
        scalability_mode: opt_str(cx, o, "scalabilityMode")?,
        bitrate_mode: enum_or_default(cx, o, "bitrateMode", BitrateMode::parse)?,
        latency_mode: enum_or_default(cx, o, "latencyMode", LatencyMode::parse)?,
        content_hint,
        avc_format,
        hevc_format,
    })
}

/// Reads a `VideoColorSpaceInit`-shaped object; `null`, `undefined` and unknown strings are
/// unknown members (`VideoColorSpace.toJSON()` gives `null` for them).
fn color_space_from_js<'a, C: Context<'a>>(
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

fn decoder_config<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
) -> NeonResult<VideoDecoderConfig> {
    let description = o
        .get_opt::<JsTypedArray<u8>, _, _>(cx, "description")?
        .map(|d| bytes(cx, d));
    let color_space = match o.get_opt::<JsObject, _, _>(cx, "colorSpace")? {
        Some(c) => Some(color_space_from_js(cx, c)?),
        None => None,
    };
    Ok(VideoDecoderConfig {
        codec: opt_str(cx, o, "codec")?.unwrap_or_default(),
        description,
        coded_width: opt_u32(cx, o, "codedWidth")?,
        coded_height: opt_u32(cx, o, "codedHeight")?,
        display_aspect_width: opt_u32(cx, o, "displayAspectWidth")?,
        display_aspect_height: opt_u32(cx, o, "displayAspectHeight")?,
        color_space,
        hardware_acceleration: enum_or_default(
            cx,
            o,
            "hardwareAcceleration",
            HardwareAcceleration::parse,
        )?,
        optimize_for_latency: opt_bool(cx, o, "optimizeForLatency")?,
        rotation: opt_u32(cx, o, "rotation")?.unwrap_or(0),
        flip: opt_bool(cx, o, "flip")?.unwrap_or(false),
    })
}

// ---- JS values for outputs ----

pub(crate) fn color_space_to_js<'a, C: Context<'a>>(
    cx: &mut C,
    c: &VideoColorSpace,
) -> JsResult<'a, JsObject> {
    let o = cx.empty_object();
    let null = cx.null();
    let v: Handle<JsValue> = match c.primaries {
        Some(p) => cx.string(p.as_str()).upcast(),
        None => null.upcast(),
    };
    o.set(cx, "primaries", v)?;
    let v: Handle<JsValue> = match c.transfer {
        Some(p) => cx.string(p.as_str()).upcast(),
        None => null.upcast(),
    };
    o.set(cx, "transfer", v)?;
    let v: Handle<JsValue> = match c.matrix {
        Some(p) => cx.string(p.as_str()).upcast(),
        None => null.upcast(),
    };
    o.set(cx, "matrix", v)?;
    let v: Handle<JsValue> = match c.full_range {
        Some(p) => cx.boolean(p).upcast(),
        None => null.upcast(),
    };
    o.set(cx, "fullRange", v)?;
    Ok(o)
}

fn decoder_config_to_js<'a, C: Context<'a>>(
    cx: &mut C,
    d: &VideoDecoderConfig,
) -> JsResult<'a, JsObject> {
    let o = cx.empty_object();
    set_str(cx, o, "codec", &d.codec)?;
    if let Some(desc) = &d.description {
        let b = JsArrayBuffer::from_slice(cx, desc)?;
        o.set(cx, "description", b)?;
    }
    for (k, v) in [
        ("codedWidth", d.coded_width),
        ("codedHeight", d.coded_height),
        ("displayAspectWidth", d.display_aspect_width),
        ("displayAspectHeight", d.display_aspect_height),
    ] {
        if let Some(v) = v {
            set_num(cx, o, k, f64::from(v))?;
        }
    }
    if let Some(c) = &d.color_space {
        let c = color_space_to_js(cx, c)?;
        o.set(cx, "colorSpace", c)?;
    }
    Ok(o)
}

impl OutputToJs for EncodedVideoOutput {
    fn to_js<'a, C: Context<'a>>(self, cx: &mut C, event: Handle<'a, JsArray>) -> NeonResult<()> {
        let chunk = cx.empty_object();
        set_str(cx, chunk, "type", if self.key { "key" } else { "delta" })?;
        set_num(cx, chunk, "timestamp", self.timestamp as f64)?;
        if let Some(d) = self.duration {
            set_num(cx, chunk, "duration", d as f64)?;
        }
        let data = JsArrayBuffer::from_slice(cx, &self.data)?;
        chunk.set(cx, "data", data)?;
        event.set(cx, 1, chunk)?;
        let meta = cx.empty_object();
        if let Some(dc) = &self.decoder_config {
            let d = decoder_config_to_js(cx, dc)?;
            meta.set(cx, "decoderConfig", d)?;
        }
        if let Some(id) = self.temporal_layer_id {
            let svc = cx.empty_object();
            set_num(cx, svc, "temporalLayerId", f64::from(id))?;
            meta.set(cx, "svc", svc)?;
        }
        if let Some(a) = &self.alpha_side_data {
            let b = JsArrayBuffer::from_slice(cx, a)?;
            meta.set(cx, "alphaSideData", b)?;
        }
        event.set(cx, 2, meta)?;
        Ok(())
    }
}

impl OutputToJs for DecodedVideoOutput {
    fn to_js<'a, C: Context<'a>>(self, cx: &mut C, event: Handle<'a, JsArray>) -> NeonResult<()> {
        let init = cx.empty_object();
        set_str(cx, init, "format", self.frame.format().as_str())?;
        set_num(cx, init, "codedWidth", f64::from(self.frame.coded_width()))?;
        set_num(
            cx,
            init,
            "codedHeight",
            f64::from(self.frame.coded_height()),
        )?;
        set_num(cx, init, "timestamp", self.timestamp as f64)?;
        if let Some(d) = self.duration {
            set_num(cx, init, "duration", d as f64)?;
        }
        let cs = color_space_to_js(cx, &self.color_space)?;
        init.set(cx, "colorSpace", cs)?;
        let frame = cx.boxed(FrameBox::new(self.frame));
        event.set(cx, 1, frame)?;
        event.set(cx, 2, init)?;
        Ok(())
    }
}

// ---- VideoEncoder ----

fn video_encoder_new(mut cx: FunctionContext) -> JsResult<EncBox> {
    let dispatch = cx.argument::<JsFunction>(0)?;
    codec::create(
        &mut cx,
        CodecKind::Encoder,
        "webcodecs-venc",
        VideoEncoderBackend::default(),
        dispatch,
    )
}

fn video_encoder_encode(mut cx: FunctionContext) -> JsResult<JsValue> {
    let frame = cx.argument::<JsBox<FrameBox>>(2)?;
    let Some(buf) = frame.buffer() else {
        return CodecError::type_error("the VideoFrame is closed").throw(&mut cx);
    };
    let timestamp = cx.argument::<JsNumber>(3)?.value(&mut cx) as i64;
    let duration = opt_arg_f64(&mut cx, 4).map(|n| n as u64);
    let mut r = [0u32; 4];
    for (i, slot) in r.iter_mut().enumerate() {
        *slot = cx.argument::<JsNumber>(5 + i)?.value(&mut cx) as u32;
    }
    let key_frame = cx.argument::<JsBoolean>(9)?.value(&mut cx);
    let quantizer = opt_arg_f64(&mut cx, 10).map(|n| n as u32);
    let color_space = match cx.argument_opt(11) {
        Some(v) => match v.downcast::<JsObject, _>(&mut cx) {
            Ok(o) => color_space_from_js(&mut cx, o)?,
            Err(_) => VideoColorSpace::default(),
        },
        None => VideoColorSpace::default(),
    };
    let input = VideoEncodeInput {
        frame: buf,
        visible: Rect::new(r[0], r[1], r[2], r[3]),
        timestamp,
        duration,
        key_frame,
        quantizer,
        color_space,
    };
    let ((), ev) = with_core::<VideoEncoderBackend, _>(&mut cx, |c| c.model().submit(input, true))?;
    Ok(ev.upcast())
}

// ---- VideoDecoder ----

fn video_decoder_new(mut cx: FunctionContext) -> JsResult<DecBox> {
    let dispatch = cx.argument::<JsFunction>(0)?;
    codec::create(
        &mut cx,
        CodecKind::Decoder,
        "webcodecs-vdec",
        VideoDecoderBackend::default(),
        dispatch,
    )
}

fn video_decoder_decode(mut cx: FunctionContext) -> JsResult<JsValue> {
    let key = cx.argument::<JsBoolean>(2)?.value(&mut cx);
    let timestamp = cx.argument::<JsNumber>(3)?.value(&mut cx) as i64;
    let duration = opt_arg_f64(&mut cx, 4).map(|n| n as u64);
    let data = cx.argument::<JsTypedArray<u8>>(5)?;
    let data = bytes(&mut cx, data);
    // For the key-chunk check: the configured codec and NAL length size (0: Annex B).
    let inspect = if key {
        let codec = opt_arg_str(&mut cx, 6);
        let n = opt_arg_f64(&mut cx, 7).unwrap_or(0.0) as u8;
        let framing = if n == 0 {
            NalFraming::AnnexB
        } else {
            NalFraming::LengthPrefixed(n)
        };
        codec.map(|c| (c, framing))
    } else {
        None
    };
    let input = VideoDecodeInput {
        data,
        key,
        timestamp,
        duration,
    };
    let ((), ev) = with_core::<VideoDecoderBackend, _>(&mut cx, |c| {
        let m = c.model();
        if let Some((codec, framing)) = inspect {
            let pending = m.state() == CodecState::Configured && m.key_chunk_required();
            if pending && chunk_is_key(&codec, &input.data, framing) == Some(false) {
                return Err(CodecError::data(
                    "the chunk is labelled \"key\" but does not hold a key frame",
                ));
            }
        }
        m.submit(input, key)
    })?;
    Ok(ev.upcast())
}

// ---- VideoFrame ----

/// The native half of a `VideoFrame`: a shared, immutable pixel buffer; `close()` drops this
/// reference at once.
pub(crate) struct FrameBox {
    buf: RefCell<Option<Arc<FrameBuffer>>>,
}

impl Finalize for FrameBox {}

impl FrameBox {
    pub(crate) fn new(f: FrameBuffer) -> Self {
        Self {
            buf: RefCell::new(Some(Arc::new(f))),
        }
    }
    fn buffer(&self) -> Option<Arc<FrameBuffer>> {
        self.buf.borrow().clone()
    }
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
        let offset = opt_u32(cx, o, "offset")?.unwrap_or(0);
        let stride = opt_u32(cx, o, "stride")?.unwrap_or(0);
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

/// `frameFromBuffer(format, codedWidth, codedHeight, data: Uint8Array, layout?)`
fn frame_from_buffer(mut cx: FunctionContext) -> JsResult<JsBox<FrameBox>> {
    let format = format_arg(&mut cx, 0)?;
    let w = cx.argument::<JsNumber>(1)?.value(&mut cx) as u32;
    let h = cx.argument::<JsNumber>(2)?.value(&mut cx) as u32;
    let data = cx.argument::<JsTypedArray<u8>>(3)?;
    let layout = layout_arg(&mut cx, 4)?;
    let f = FrameBuffer::from_bytes(format, w, h, data.as_slice(&cx), layout.as_deref());
    let f = f.or_throw(&mut cx)?;
    Ok(cx.boxed(FrameBox::new(f)))
}

fn frame_clone(mut cx: FunctionContext) -> JsResult<JsBox<FrameBox>> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    let buf = b.buffer();
    let Some(buf) = buf else {
        return CodecError::invalid_state("VideoFrame is closed").throw(&mut cx);
    };
    Ok(cx.boxed(FrameBox {
        buf: RefCell::new(Some(buf)),
    }))
}

fn frame_close(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    b.buf.borrow_mut().take();
    Ok(cx.undefined())
}

/// `frameCopyTo(frame, dest: Uint8Array, x, y, w, h, layout?)` → PlaneLayout[]
fn frame_copy_to(mut cx: FunctionContext) -> JsResult<JsArray> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    let Some(buf) = b.buffer() else {
        return CodecError::invalid_state("VideoFrame is closed").throw(&mut cx);
    };
    let mut dest = cx.argument::<JsTypedArray<u8>>(1)?;
    let rect = rect_args(&mut cx, 2)?;
    let layout = layout_arg(&mut cx, 6)?;
    let r = buf.copy_to(rect, dest.as_mut_slice(&mut cx), layout.as_deref());
    let l = r.or_throw(&mut cx)?;
    layout_to_js(&mut cx, &l)
}

/// Conversions of at least this many pixels run on a helper thread (the promise settles later);
/// smaller ones are converted at once.
const OFF_THREAD_PIXELS: u64 = 256 * 256;

/// The size of one band of the final copy of an off-thread conversion.
const COPY_BAND_BYTES: u32 = 4 << 20;

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

/// `convert_to_rgb`, then re-encoded as Display P3 when asked for.
fn to_rgb(
    buf: &FrameBuffer,
    rect: Rect,
    format: VideoPixelFormat,
    cs: &VideoColorSpace,
    display_p3: bool,
) -> Result<FrameBuffer, CodecError> {
    let mut rgb = codec_core::convert_to_rgb(buf, rect, format, cs)?;
    if display_p3 {
        codec_core::srgb_to_display_p3(&mut rgb)?;
    }
    Ok(rgb)
}

/// `frameCopyToRgb(frame, dest, x, y, w, h, format, colorSpace, layout?, displayP3?)` →
/// PlaneLayout[] or a promise of it: converts `rect` to an RGB format (sRGB, or Display P3 when
/// `displayP3` is true), then copies it into `dest`. Every argument
/// is checked before returning (errors are thrown); a large conversion then runs off the JS
/// thread and only the final copy into `dest` happens back on it.
fn frame_copy_to_rgb(mut cx: FunctionContext) -> JsResult<JsValue> {
    let b = cx.argument::<JsBox<FrameBox>>(0)?;
    let Some(buf) = b.buffer() else {
        return CodecError::invalid_state("VideoFrame is closed").throw(&mut cx);
    };
    let mut dest = cx.argument::<JsTypedArray<u8>>(1)?;
    let rect = rect_args(&mut cx, 2)?;
    let format = format_arg(&mut cx, 6)?;
    let cs = cx.argument::<JsObject>(7)?;
    let cs = color_space_from_js(&mut cx, cs)?;
    let layout = layout_arg(&mut cx, 8)?;
    let display_p3 = match cx.argument_opt(9) {
        Some(v) => v
            .downcast::<JsBoolean, _>(&mut cx)
            .is_ok_and(|b| b.value(&mut cx)),
        None => false,
    };
    let full = Rect::new(0, 0, rect.width, rect.height);
    // The checks convert_to_rgb and copy_to would make, made now so that they throw.
    buf.check_rect(rect).or_throw(&mut cx)?;
    let (_, needed) =
        codec_core::compute_layout(format, full, layout.as_deref()).or_throw(&mut cx)?;
    if (dest.as_slice(&cx).len() as u64) < u64::from(needed) {
        return CodecError::type_error("destination is too small").throw(&mut cx);
    }
    if u64::from(rect.width) * u64::from(rect.height) < OFF_THREAD_PIXELS {
        let rgb = to_rgb(&buf, rect, format, &cs, display_p3).or_throw(&mut cx)?;
        let l = rgb.copy_to(full, dest.as_mut_slice(&mut cx), layout.as_deref());
        let l = l.or_throw(&mut cx)?;
        return Ok(layout_to_js(&mut cx, &l)?.upcast());
    }
    let base = compute_layout_of(format, full, layout.as_deref()).or_throw(&mut cx)?;
    let dest = Arc::new(dest.root(&mut cx));
    let channel = cx.channel();
    let (deferred, promise) = cx.promise();
    let work = move || {
        let rgb = match to_rgb(&buf, rect, format, &cs, display_p3) {
            Ok(rgb) => Arc::new(rgb),
            Err(e) => {
                deferred.settle_with(&channel, move |mut cx| {
                    e.throw::<_, Handle<JsValue>>(&mut cx)
                });
                return;
            }
        };
        // The copy into `dest` happens on the JS thread in bands of about 4 MiB, one event-loop
        // turn each, so even a 4K frame never holds the loop for long.
        let failed = Arc::new(Mutex::new(None::<CodecError>));
        let band = (COPY_BAND_BYTES / (rect.width * 4)).max(1);
        for y0 in (0..rect.height).step_by(band as usize) {
            let (rgb, dest, failed) = (rgb.clone(), dest.clone(), failed.clone());
            let rows = band.min(rect.height - y0);
            channel.send(move |mut cx| {
                let mut failed = failed.lock().unwrap_or_else(|p| p.into_inner());
                if failed.is_none() {
                    let mut d = dest.to_inner(&mut cx);
                    let part = [PlaneLayout {
                        offset: base.offset + y0 * base.stride,
                        stride: base.stride,
                    }];
                    // The destination may have been detached or shrunk meanwhile: copy_to checks.
                    let r = rgb.copy_to(
                        Rect::new(0, y0, rect.width, rows),
                        d.as_mut_slice(&mut cx),
                        Some(&part),
                    );
                    *failed = r.err();
                }
                Ok(())
            });
        }
        deferred.settle_with(&channel, move |mut cx| {
            if let Ok(root) = Arc::try_unwrap(dest) {
                root.drop(&mut cx);
            }
            if let Some(e) = failed.lock().unwrap_or_else(|p| p.into_inner()).take() {
                return e.throw(&mut cx);
            }
            layout_to_js(&mut cx, &[base])
        });
    };
    if let Err(e) = std::thread::Builder::new()
        .name("webcodecs-copyto".into())
        .spawn(work)
    {
        return crate::error::thread_refused("a conversion thread", &e).throw(&mut cx);
    }
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

pub(crate) fn register(cx: &mut ModuleContext) -> NeonResult<()> {
    codec::export_common::<VideoEncoderBackend>(cx, "videoEncoder")?;
    crate::js::export(cx, "videoEncoderNew", video_encoder_new)?;
    crate::js::export(cx, "videoEncoderEncode", video_encoder_encode)?;
    codec::export_common::<VideoDecoderBackend>(cx, "videoDecoder")?;
    crate::js::export(cx, "videoDecoderNew", video_decoder_new)?;
    crate::js::export(cx, "videoDecoderDecode", video_decoder_decode)?;
    crate::js::export(cx, "frameFromBuffer", frame_from_buffer)?;
    crate::js::export(cx, "frameClone", frame_clone)?;
    crate::js::export(cx, "frameClose", frame_close)?;
    crate::js::export(cx, "frameCopyTo", frame_copy_to)?;
    crate::js::export(cx, "frameAllocationSize", frame_allocation_size)?;
    crate::js::export(cx, "frameCopyToRgb", frame_copy_to_rgb)?;
    Ok(())
}

impl JsConfig for VideoEncoderConfig {
    fn from_js<'a, C: Context<'a>>(cx: &mut C, o: Handle<'a, JsObject>) -> NeonResult<Self> {
        encoder_config(cx, o)
    }
    fn validate(&self) -> Result<(), CodecError> {
        VideoEncoderConfig::validate(self)
    }
    fn supported(&self) -> bool {
        codec_ffmpeg::video_encoder_support(self).is_ok()
    }
}

impl JsConfig for VideoDecoderConfig {
    fn from_js<'a, C: Context<'a>>(cx: &mut C, o: Handle<'a, JsObject>) -> NeonResult<Self> {
        decoder_config(cx, o)
    }
    fn validate(&self) -> Result<(), CodecError> {
        VideoDecoderConfig::validate(self)
    }
    fn supported(&self) -> bool {
        codec_ffmpeg::video_decoder_support(self).is_ok()
    }
}
