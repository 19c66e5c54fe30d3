//! `VideoEncoder` and `VideoDecoder` natives (the `VideoFrame` ones are in frame.rs). Arguments
//! arrive already converted the WebIDL way by lib/*.js; this file only extracts them and calls
//! into the crates below, where every rule lives.

use codec_core::{
    AlphaOption, AvcBitstreamFormat, BitrateMode, CodecError, HardwareAcceleration,
    HevcBitstreamFormat, InputFacts, LatencyMode, OutputContext, VideoDecoderConfig,
    VideoEncoderConfig,
};
use codec_ffmpeg::{
    DecodedVideoOutput, EncodedVideoOutput, VideoDecodeInput, VideoDecoderBackend,
    VideoEncodeInput, VideoEncoderBackend,
};
use neon::prelude::*;

use crate::codec::{self, OutputToJs, OutputValues};
use crate::error::IntoJsError;
use crate::frame::{color_space_from_js, frame_to_js};
pub(crate) use crate::frame::{color_space_to_js, FrameBox};
use crate::js::{enum_or_default, opt, opt_arg_f64, opt_bytes, set_num, set_str};

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
        Some(av1) => opt::<bool, _>(cx, av1, "forceScreenContentTools")?.unwrap_or(false),
        None => false,
    };
    Ok(VideoEncoderConfig {
        codec: opt::<String, _>(cx, o, "codec")?.unwrap_or_default(),
        width: opt::<u32, _>(cx, o, "width")?.unwrap_or(0),
        height: opt::<u32, _>(cx, o, "height")?.unwrap_or(0),
        display_width: opt::<u32, _>(cx, o, "displayWidth")?,
        display_height: opt::<u32, _>(cx, o, "displayHeight")?,
        bitrate: opt::<f64, _>(cx, o, "bitrate")?.map(|v| v as u64),
        framerate: opt::<f64, _>(cx, o, "framerate")?,
        hardware_acceleration: enum_or_default(
            cx,
            o,
            "hardwareAcceleration",
            HardwareAcceleration::parse,
        )?,
        alpha: enum_or_default(cx, o, "alpha", AlphaOption::parse)?,
        scalability_mode: opt::<String, _>(cx, o, "scalabilityMode")?,
        bitrate_mode: enum_or_default(cx, o, "bitrateMode", BitrateMode::parse)?,
        latency_mode: enum_or_default(cx, o, "latencyMode", LatencyMode::parse)?,
        content_hint: opt::<String, _>(cx, o, "contentHint")?,
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
    let description = opt_bytes(cx, o, "description")?;
    let color_space = match o.get_opt::<JsObject, _, _>(cx, "colorSpace")? {
        Some(c) => Some(color_space_from_js(cx, c)?),
        None => None,
    };
    Ok(VideoDecoderConfig {
        codec: opt::<String, _>(cx, o, "codec")?.unwrap_or_default(),
        description,
        coded_width: opt::<u32, _>(cx, o, "codedWidth")?,
        coded_height: opt::<u32, _>(cx, o, "codedHeight")?,
        display_aspect_width: opt::<u32, _>(cx, o, "displayAspectWidth")?,
        display_aspect_height: opt::<u32, _>(cx, o, "displayAspectHeight")?,
        color_space,
        hardware_acceleration: enum_or_default(
            cx,
            o,
            "hardwareAcceleration",
            HardwareAcceleration::parse,
        )?,
        optimize_for_latency: opt::<bool, _>(cx, o, "optimizeForLatency")?,
        rotation: opt::<u32, _>(cx, o, "rotation")?.unwrap_or(0),
        flip: opt::<bool, _>(cx, o, "flip")?.unwrap_or(false),
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
    fn to_js<'a, C: Context<'a>>(mut self, ctx: &OutputContext, cx: &mut C) -> OutputValues<'a> {
        let (key, timestamp, duration) = (self.key, self.timestamp, self.duration);
        let chunk = codec::chunk_to_js(cx, key, timestamp, duration, &self.data)?;
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
        Ok([chunk, meta.upcast()])
    }
}

impl OutputToJs for DecodedVideoOutput {
    fn to_js<'a, C: Context<'a>>(self, ctx: &OutputContext, cx: &mut C) -> OutputValues<'a> {
        let (w, h) = (self.frame.coded_width(), self.frame.coded_height());
        let meta = ctx.decoded_frame(w, h, self.timestamp, self.duration, self.color_space);
        let (frame, init) = frame_to_js(cx, self.frame, meta)?;
        Ok([frame.upcast(), init.upcast()])
    }
}

// ---- VideoEncoder ----

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
    codec::submit::<VideoEncoderBackend>(&mut cx, input, |_| InputFacts::Frame(meta.orientation))
}

// ---- VideoDecoder ----

/// `videoDecoderDecode(box, this, key, timestamp, duration?, data)`.
fn video_decoder_decode(mut cx: FunctionContext) -> JsResult<JsValue> {
    let c = codec::chunk_args(&mut cx)?;
    let input = VideoDecodeInput {
        data: c.data,
        key: c.key,
        timestamp: c.timestamp,
        duration: c.duration,
    };
    codec::submit::<VideoDecoderBackend>(&mut cx, input, chunk_facts)
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
    codec::export_common::<VideoDecoderBackend>(cx, "videoDecoder")?;
    crate::js::export_natives!(cx, video_encoder_encode, video_decoder_decode)?;
    crate::frame::register(cx)
}

codec::impl_js_config!(
    VideoEncoderConfig,
    Encoder,
    "webcodecs-venc",
    encoder_config,
    codec_ffmpeg::video_encoder_support
);
codec::impl_js_config!(
    VideoDecoderConfig,
    Decoder,
    "webcodecs-vdec",
    decoder_config,
    codec_ffmpeg::video_decoder_support
);
