//! `AudioEncoder`, `AudioDecoder` and `AudioData` natives.

use std::cell::RefCell;
use std::sync::Arc;

use codec_core::{
    AudioBuffer, AudioCopy, AudioDecoderConfig, AudioEncoderConfig, AudioSampleFormat, BitrateMode,
    CodecError, CodecKind, InputFacts, OpusEncoderConfig, OutputContext,
};
use codec_ffmpeg::{
    AudioDecodeInput, AudioDecoderBackend, AudioEncodeInput, AudioEncoderBackend,
    DecodedAudioOutput, EncodedAudioOutput,
};
use neon::prelude::*;
use neon::types::buffer::TypedArray;

use crate::codec::{self, with_core, CodecBox, JsConfig, OutputToJs};
use crate::error::{IntoJsError, OrThrow};
use crate::js::{
    bytes, enum_or_default, opt_arg_f64, opt_arg_str, opt_bool, opt_f64, opt_str, opt_u32, set_num,
    set_str,
};

type EncBox = JsBox<CodecBox<AudioEncoderBackend>>;
type DecBox = JsBox<CodecBox<AudioDecoderBackend>>;

fn encoder_config<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
) -> NeonResult<AudioEncoderConfig> {
    let opus = match o.get_opt::<JsObject, _, _>(cx, "opus")? {
        Some(op) => Some(OpusEncoderConfig {
            format_ogg: opt_str(cx, op, "format")?.as_deref() == Some("ogg"),
            frame_duration: opt_f64(cx, op, "frameDuration")?.map(|v| v as u64),
            complexity: opt_u32(cx, op, "complexity")?,
            packetlossperc: opt_u32(cx, op, "packetlossperc")?,
            useinbandfec: opt_bool(cx, op, "useinbandfec")?.unwrap_or(false),
            usedtx: opt_bool(cx, op, "usedtx")?.unwrap_or(false),
        }),
        None => None,
    };
    let aac_adts = match o.get_opt::<JsObject, _, _>(cx, "aac")? {
        Some(a) => opt_str(cx, a, "format")?.as_deref() == Some("adts"),
        None => false,
    };
    let (flac_block_size, flac_compress_level) = match o.get_opt::<JsObject, _, _>(cx, "flac")? {
        Some(f) => (
            opt_u32(cx, f, "blockSize")?,
            opt_u32(cx, f, "compressLevel")?,
        ),
        None => (None, None),
    };
    Ok(AudioEncoderConfig {
        codec: opt_str(cx, o, "codec")?.unwrap_or_default(),
        sample_rate: opt_u32(cx, o, "sampleRate")?.unwrap_or(0),
        number_of_channels: opt_u32(cx, o, "numberOfChannels")?.unwrap_or(0),
        bitrate: opt_f64(cx, o, "bitrate")?.map(|v| v as u64),
        bitrate_mode: enum_or_default(cx, o, "bitrateMode", BitrateMode::parse)?,
        opus,
        aac_adts,
        flac_block_size,
        flac_compress_level,
    })
}

fn decoder_config<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
) -> NeonResult<AudioDecoderConfig> {
    let description = o
        .get_opt::<JsTypedArray<u8>, _, _>(cx, "description")?
        .map(|d| bytes(cx, d));
    Ok(AudioDecoderConfig {
        codec: opt_str(cx, o, "codec")?.unwrap_or_default(),
        sample_rate: opt_u32(cx, o, "sampleRate")?.unwrap_or(0),
        number_of_channels: opt_u32(cx, o, "numberOfChannels")?.unwrap_or(0),
        description,
    })
}

impl OutputToJs for EncodedAudioOutput {
    fn to_js<'a, C: Context<'a>>(
        self,
        _: &OutputContext,
        cx: &mut C,
        event: Handle<'a, JsArray>,
    ) -> NeonResult<()> {
        let chunk = cx.empty_object();
        set_str(cx, chunk, "type", "key")?;
        set_num(cx, chunk, "timestamp", self.timestamp as f64)?;
        if let Some(d) = self.duration {
            set_num(cx, chunk, "duration", d as f64)?;
        }
        let data = JsArrayBuffer::from_slice(cx, &self.data)?;
        chunk.set(cx, "data", data)?;
        event.set(cx, 1, chunk)?;
        let meta = cx.empty_object();
        if let Some(dc) = &self.decoder_config {
            let d = cx.empty_object();
            set_str(cx, d, "codec", &dc.codec)?;
            set_num(cx, d, "sampleRate", f64::from(dc.sample_rate))?;
            set_num(cx, d, "numberOfChannels", f64::from(dc.number_of_channels))?;
            if let Some(desc) = &dc.description {
                let b = JsArrayBuffer::from_slice(cx, desc)?;
                d.set(cx, "description", b)?;
            }
            meta.set(cx, "decoderConfig", d)?;
        }
        event.set(cx, 2, meta)?;
        Ok(())
    }
}

impl OutputToJs for DecodedAudioOutput {
    fn to_js<'a, C: Context<'a>>(
        self,
        _: &OutputContext,
        cx: &mut C,
        event: Handle<'a, JsArray>,
    ) -> NeonResult<()> {
        let init = cx.empty_object();
        set_str(cx, init, "format", self.data.format().as_str())?;
        set_num(cx, init, "sampleRate", f64::from(self.data.sample_rate()))?;
        set_num(cx, init, "numberOfFrames", f64::from(self.data.frames()))?;
        set_num(
            cx,
            init,
            "numberOfChannels",
            f64::from(self.data.channels()),
        )?;
        set_num(cx, init, "timestamp", self.timestamp as f64)?;
        let h = cx.boxed(AudioBox {
            buf: RefCell::new(Some(Arc::new(self.data))),
        });
        event.set(cx, 1, h)?;
        event.set(cx, 2, init)?;
        Ok(())
    }
}

fn audio_encoder_new(mut cx: FunctionContext) -> JsResult<EncBox> {
    let dispatch = cx.argument::<JsFunction>(0)?;
    codec::create(
        &mut cx,
        CodecKind::Encoder,
        "webcodecs-aenc",
        AudioEncoderBackend::default(),
        dispatch,
    )
}

fn audio_encoder_encode(mut cx: FunctionContext) -> JsResult<JsValue> {
    let data = cx.argument::<JsBox<AudioBox>>(2)?;
    let Some(buf) = data.buffer() else {
        return CodecError::type_error("the AudioData is closed").throw(&mut cx);
    };
    let timestamp = cx.argument::<JsNumber>(3)?.value(&mut cx) as i64;
    let input = AudioEncodeInput {
        data: buf,
        timestamp,
    };
    let ((), ev) = with_core::<AudioEncoderBackend, _>(&mut cx, |c| {
        c.model().submit(input, |_| InputFacts::Plain)
    })?;
    Ok(ev.upcast())
}

fn audio_decoder_new(mut cx: FunctionContext) -> JsResult<DecBox> {
    let dispatch = cx.argument::<JsFunction>(0)?;
    codec::create(
        &mut cx,
        CodecKind::Decoder,
        "webcodecs-adec",
        AudioDecoderBackend::default(),
        dispatch,
    )
}

fn audio_decoder_decode(mut cx: FunctionContext) -> JsResult<JsValue> {
    let key = cx.argument::<JsBoolean>(2)?.value(&mut cx);
    let timestamp = cx.argument::<JsNumber>(3)?.value(&mut cx) as i64;
    let duration = opt_arg_f64(&mut cx, 4).map(|n| n as u64);
    let data = cx.argument::<JsTypedArray<u8>>(5)?;
    let data = bytes(&mut cx, data);
    let input = AudioDecodeInput {
        data,
        timestamp,
        duration,
    };
    let ((), ev) = with_core::<AudioDecoderBackend, _>(&mut cx, |c| {
        c.model()
            .submit(input, |i| InputFacts::Chunk { key, data: &i.data })
    })?;
    Ok(ev.upcast())
}

/// The native half of an `AudioData`: shared immutable samples; `close()` drops this reference.
pub(crate) struct AudioBox {
    buf: RefCell<Option<Arc<AudioBuffer>>>,
}

impl Finalize for AudioBox {}

impl AudioBox {
    fn buffer(&self) -> Option<Arc<AudioBuffer>> {
        self.buf.borrow().clone()
    }
}

fn closed<T>(cx: &mut FunctionContext) -> NeonResult<T> {
    CodecError::invalid_state("AudioData is closed").throw(cx)
}

/// `audioDataFromBuffer(format, sampleRate, frames, channels, data)`
fn audio_data_from_buffer(mut cx: FunctionContext) -> JsResult<JsBox<AudioBox>> {
    let f = cx.argument::<JsString>(0)?.value(&mut cx);
    let Some(format) = AudioSampleFormat::parse(&f) else {
        return CodecError::type_error(format!("'{f}' is not an AudioSampleFormat")).throw(&mut cx);
    };
    let rate = cx.argument::<JsNumber>(1)?.value(&mut cx) as f32;
    let frames = cx.argument::<JsNumber>(2)?.value(&mut cx) as u32;
    let channels = cx.argument::<JsNumber>(3)?.value(&mut cx) as u32;
    let data = cx.argument::<JsTypedArray<u8>>(4)?;
    let b = AudioBuffer::from_bytes(format, rate, frames, channels, data.as_slice(&cx));
    let b = b.or_throw(&mut cx)?;
    Ok(cx.boxed(AudioBox {
        buf: RefCell::new(Some(Arc::new(b))),
    }))
}

fn audio_data_clone(mut cx: FunctionContext) -> JsResult<JsBox<AudioBox>> {
    let b = cx.argument::<JsBox<AudioBox>>(0)?;
    let Some(buf) = b.buffer() else {
        return closed(&mut cx);
    };
    Ok(cx.boxed(AudioBox {
        buf: RefCell::new(Some(buf)),
    }))
}

fn audio_data_close(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let b = cx.argument::<JsBox<AudioBox>>(0)?;
    b.buf.borrow_mut().take();
    Ok(cx.undefined())
}

fn copy_options(cx: &mut FunctionContext, first: usize) -> NeonResult<AudioCopy> {
    let plane_index = cx.argument::<JsNumber>(first)?.value(cx) as u32;
    let frame_offset = cx.argument::<JsNumber>(first + 1)?.value(cx) as u32;
    let frame_count = opt_arg_f64(cx, first + 2).map(|n| n as u32);
    let format = match opt_arg_str(cx, first + 3) {
        None => None,
        Some(s) => match AudioSampleFormat::parse(&s) {
            Some(f) => Some(f),
            None => {
                return CodecError::type_error(format!("'{s}' is not an AudioSampleFormat"))
                    .throw(cx)
            }
        },
    };
    Ok(AudioCopy {
        plane_index,
        frame_offset,
        frame_count,
        format,
    })
}

/// `audioDataAllocationSize(h, planeIndex, frameOffset, frameCount?, format?)`
fn audio_data_allocation_size(mut cx: FunctionContext) -> JsResult<JsNumber> {
    let b = cx.argument::<JsBox<AudioBox>>(0)?;
    let Some(buf) = b.buffer() else {
        return closed(&mut cx);
    };
    let o = copy_options(&mut cx, 1)?;
    let n = buf.allocation_size(&o).or_throw(&mut cx)?;
    Ok(cx.number(n as f64))
}

/// `audioDataCopyTo(h, dest, planeIndex, frameOffset, frameCount?, format?)`
fn audio_data_copy_to(mut cx: FunctionContext) -> JsResult<JsUndefined> {
    let b = cx.argument::<JsBox<AudioBox>>(0)?;
    let Some(buf) = b.buffer() else {
        return closed(&mut cx);
    };
    let mut dest = cx.argument::<JsTypedArray<u8>>(1)?;
    let o = copy_options(&mut cx, 2)?;
    let r = buf.copy_to(dest.as_mut_slice(&mut cx), &o);
    r.or_throw(&mut cx)?;
    Ok(cx.undefined())
}

pub(crate) fn register(cx: &mut ModuleContext) -> NeonResult<()> {
    codec::export_common::<AudioEncoderBackend>(cx, "audioEncoder")?;
    crate::js::export(cx, "audioEncoderNew", audio_encoder_new)?;
    crate::js::export(cx, "audioEncoderEncode", audio_encoder_encode)?;
    codec::export_common::<AudioDecoderBackend>(cx, "audioDecoder")?;
    crate::js::export(cx, "audioDecoderNew", audio_decoder_new)?;
    crate::js::export(cx, "audioDecoderDecode", audio_decoder_decode)?;
    crate::js::export(cx, "audioDataFromBuffer", audio_data_from_buffer)?;
    crate::js::export(cx, "audioDataClone", audio_data_clone)?;
    crate::js::export(cx, "audioDataClose", audio_data_close)?;
    crate::js::export(cx, "audioDataAllocationSize", audio_data_allocation_size)?;
    crate::js::export(cx, "audioDataCopyTo", audio_data_copy_to)?;
    Ok(())
}

impl JsConfig for AudioEncoderConfig {
    fn from_js<'a, C: Context<'a>>(cx: &mut C, o: Handle<'a, JsObject>) -> NeonResult<Self> {
        encoder_config(cx, o)
    }
    fn validate(&self) -> Result<(), CodecError> {
        AudioEncoderConfig::validate(self)
    }
    fn supported(&self) -> bool {
        codec_ffmpeg::audio_encoder_support(self).is_ok()
    }
}

impl JsConfig for AudioDecoderConfig {
    fn from_js<'a, C: Context<'a>>(cx: &mut C, o: Handle<'a, JsObject>) -> NeonResult<Self> {
        decoder_config(cx, o)
    }
    fn validate(&self) -> Result<(), CodecError> {
        AudioDecoderConfig::validate(self)
    }
    fn supported(&self) -> bool {
        codec_ffmpeg::audio_decoder_support(self).is_ok()
    }
}
