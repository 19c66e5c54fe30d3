//! `VideoEncoder` and `VideoDecoder` natives (the `VideoFrame` ones are in frame.rs). Arguments
//! arrive already converted the WebIDL way by lib/*.js; this file only extracts them and calls
//! into the crates below, where every rule lives.

use codec_core::{
    AlphaOption, AvcBitstreamFormat, BitrateMode, CodecError, CodecKind, HardwareAcceleration,
    HevcBitstreamFormat, InputFacts, LatencyMode, OutputContext, VideoDecoderConfig,
    VideoEncoderConfig,
};
use codec_ffmpeg::{
    DecodedVideoOutput, EncodedVideoOutput, VideoDecodeInput, VideoDecoderBackend,
    VideoEncodeInput, VideoEncoderBackend,
};
use neon::prelude::*;

use crate::codec::{self, with_core, CodecBox, JsConfig, OutputToJs};
use crate::error::IntoJsError;
use crate::frame::{color_space_from_js, frame_to_js};
pub(crate) use crate::frame::{color_space_to_js, FrameBox};
use crate::js::{
    bytes, enum_or_default, opt_arg_f64, opt_bool, opt_f64, opt_str, opt_u32, set_num, set_str,
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
    let force_screen_content_tools = match o.get_opt::<JsObject, _, _>(cx, "av1")? {
        Some(av1) => opt_bool(cx, av1, "forceScreenContentTools")?.unwrap_or(false),
        None => false,
    };
    Ok(VideoEncoderConfig {
        codec: opt_str(cx, o, "codec")?.unwrap_or_default(),
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
        content_hint: opt_str(cx, o, "contentHint")?,
        avc_format,
        hevc_format,
        force_screen_content_tools,
    }
    .with_codec_rules())
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
    set_num(cx, o, "rotation", f64::from(d.rotation))?;
    let flip = cx.boolean(d.flip);
    o.set(cx, "flip", flip)?;
    Ok(o)
}

impl OutputToJs for EncodedVideoOutput {
    fn to_js<'a, C: Context<'a>>(
        mut self,
        ctx: &OutputContext,
        cx: &mut C,
        event: Handle<'a, JsArray>,
    ) -> NeonResult<()> {
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
        if let Some(dc) = &mut self.decoder_config {
            ctx.apply_to_decoder_config(dc);
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
    fn to_js<'a, C: Context<'a>>(
        self,
        ctx: &OutputContext,
        cx: &mut C,
        event: Handle<'a, JsArray>,
    ) -> NeonResult<()> {
        let (w, h) = (self.frame.coded_width(), self.frame.coded_height());
        let meta = ctx.decoded_frame(w, h, self.timestamp, self.duration, self.color_space);
        let (frame, init) = frame_to_js(cx, self.frame, meta)?;
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

/// `videoEncoderEncode(box, this, frame, keyFrame, quantizer?)`: the frame's pixels and
/// metadata come from its handle.
fn video_encoder_encode(mut cx: FunctionContext) -> JsResult<JsValue> {
    let frame = cx.argument::<JsBox<FrameBox>>(2)?;
    let Some(buf) = frame.buffer() else {
        return CodecError::type_error("the VideoFrame is closed").throw(&mut cx);
    };
    let meta = frame.meta();
    let key_frame = cx.argument::<JsBoolean>(3)?.value(&mut cx);
    let quantizer = opt_arg_f64(&mut cx, 4).map(|n| n as u32);
    let input = VideoEncodeInput {
        frame: buf,
        visible: meta.visible,
        timestamp: meta.timestamp,
        duration: meta.duration,
        key_frame,
        quantizer,
        color_space: meta.color_space,
    };
    let ((), ev) = with_core::<VideoEncoderBackend, _>(&mut cx, |c| {
        c.model()
            .submit(input, |_| InputFacts::Frame(meta.orientation))
    })?;
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

/// `videoDecoderDecode(box, this, key, timestamp, duration?, data)`.
fn video_decoder_decode(mut cx: FunctionContext) -> JsResult<JsValue> {
    let key = cx.argument::<JsBoolean>(2)?.value(&mut cx);
    let timestamp = cx.argument::<JsNumber>(3)?.value(&mut cx) as i64;
    let duration = opt_arg_f64(&mut cx, 4).map(|n| n as u64);
    let data = cx.argument::<JsTypedArray<u8>>(5)?;
    let data = bytes(&mut cx, data);
    let input = VideoDecodeInput {
        data,
        key,
        timestamp,
        duration,
    };
    let ((), ev) =
        with_core::<VideoDecoderBackend, _>(&mut cx, |c| c.model().submit(input, chunk_facts))?;
    Ok(ev.upcast())
}

/// What the key-chunk rule reads from a chunk.
fn chunk_facts(i: &VideoDecodeInput) -> InputFacts<'_> {
    InputFacts::Chunk {
        key: i.key,
        data: &i.data,
    }
}

pub(crate) fn register(cx: &mut ModuleContext) -> NeonResult<()> {
    codec::export_common::<VideoEncoderBackend>(cx, "videoEncoder")?;
    crate::js::export(cx, "videoEncoderNew", video_encoder_new)?;
    crate::js::export(cx, "videoEncoderEncode", video_encoder_encode)?;
    codec::export_common::<VideoDecoderBackend>(cx, "videoDecoder")?;
    crate::js::export(cx, "videoDecoderNew", video_decoder_new)?;
    crate::js::export(cx, "videoDecoderDecode", video_decoder_decode)?;
    crate::frame::register(cx)
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
