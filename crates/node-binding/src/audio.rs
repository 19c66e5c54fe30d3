//! `AudioEncoder`, `AudioDecoder` and `AudioData` natives.

use std::cell::RefCell;
use std::sync::Arc;

use codec_core::{
    AudioBuffer, AudioCopy, AudioDecoderConfig, AudioEncoderConfig, AudioSampleFormat, BitrateMode,
    CodecError, InputFacts, OpusEncoderConfig, OutputContext,
};
use codec_ffmpeg::{
    AudioDecodeInput, AudioDecoderBackend, AudioEncodeInput, AudioEncoderBackend,
    DecodedAudioOutput, EncodedAudioOutput,
};
use neon::prelude::*;
use neon::types::buffer::TypedArray;

use crate::codec::{self, OutputToJs, OutputValues};
use crate::error::{IntoJsError, OrThrow};
use crate::js::{enum_or_default, opt, opt_arg_f64, opt_arg_str, opt_bytes, set_num, set_str};

fn encoder_config<'a, C: Context<'a>>(
    cx: &mut C,
    o: Handle<'a, JsObject>,
) -> NeonResult<AudioEncoderConfig> {
    let opus = match o.get_opt::<JsObject, _, _>(cx, "opus")? {
        Some(op) => Some(OpusEncoderConfig {
            format_ogg: opt::<String, _>(cx, op, "format")?.as_deref() == Some("ogg"),
            frame_duration: opt::<f64, _>(cx, op, "frameDuration")?.map(|v| v as u64),
            complexity: opt::<u32, _>(cx, op, "complexity")?,
            packetlossperc: opt::<u32, _>(cx, op, "packetlossperc")?,
            useinbandfec: opt::<bool, _>(cx, op, "useinbandfec")?.unwrap_or(false),
            usedtx: opt::<bool, _>(cx, op, "usedtx")?.unwrap_or(false),
        }),
        None => None,
    };
    let aac_adts = match o.get_opt::<JsObject, _, _>(cx, "aac")? {
        Some(a) => opt::<String, _>(cx, a, "format")?.as_deref() == Some("adts"),
        None => false,
    };
    let (flac_block_size, flac_compress_level) = match o.get_opt::<JsObject, _, _>(cx, "flac")? {
        Some(f) => (
            opt::<u32, _>(cx, f, "blockSize")?,
            opt::<u32, _>(cx, f, "compressLevel")?,
        ),
        None => (None, None),
    };
    Ok(AudioEncoderConfig {
        codec: opt::<String, _>(cx, o, "codec")?.unwrap_or_default(),
        sample_rate: opt::<u32, _>(cx, o, "sampleRate")?.unwrap_or(0),
        number_of_channels: opt::<u32, _>(cx, o, "numberOfChannels")?.unwrap_or(0),
        bitrate: opt::<f64, _>(cx, o, "bitrate")?.map(|v| v as u64),
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
    let description = opt_bytes(cx, o, "description")?;
    Ok(AudioDecoderConfig {
        codec: opt::<String, _>(cx, o, "codec")?.unwrap_or_default(),
        sample_rate: opt::<u32, _>(cx, o, "sampleRate")?.unwrap_or(0),
        number_of_channels: opt::<u32, _>(cx, o, "numberOfChannels")?.unwrap_or(0),
        description,
    })
}

impl OutputToJs for EncodedAudioOutput {
    fn to_js<'a, C: Context<'a>>(self, _: &OutputContext, cx: &mut C) -> OutputValues<'a> {
        let (timestamp, duration) = (self.timestamp, self.duration);
        let chunk = codec::chunk_to_js(cx, true, timestamp, duration, &self.data)?;
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
        Ok([chunk, meta.upcast()])
    }
}

impl OutputToJs for DecodedAudioOutput {
    /// `[handle, [format, sampleRate, numberOfFrames, numberOfChannels, timestamp]]`: the
    /// values by position (lib/audio-codecs.js makes the AudioData's info object from them). A
    /// named property set from here is a runtime call with a fresh key string to hash, five per
    /// output; at the thousands of outputs per second of an audio decode they were a tenth of
    /// the JS thread's time.
    fn to_js<'a, C: Context<'a>>(self, _: &OutputContext, cx: &mut C) -> OutputValues<'a> {
        let info = cx.empty_array();
        let format = cx.string(self.data.format().as_str());
        info.set(cx, 0, format)?;
        codec::set_num(cx, info, 1, f64::from(self.data.sample_rate()))?;
        codec::set_num(cx, info, 2, f64::from(self.data.frames()))?;
        codec::set_num(cx, info, 3, f64::from(self.data.channels()))?;
        codec::set_num(cx, info, 4, self.timestamp as f64)?;
        let h = cx.boxed(AudioBox {
            buf: RefCell::new(Some(Arc::new(self.data))),
        });
        Ok([h.upcast(), info.upcast()])
    }
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
    codec::submit::<AudioEncoderBackend>(&mut cx, input, |_| InputFacts::Plain)
}

fn audio_decoder_decode(mut cx: FunctionContext) -> JsResult<JsValue> {
    let c = codec::chunk_args(&mut cx)?;
    let key = c.key;
    let input = AudioDecodeInput {
        data: c.data,
        timestamp: c.timestamp,
        duration: c.duration,
    };
    codec::submit::<AudioDecoderBackend>(&mut cx, input, |i| InputFacts::Chunk {
        key,
        data: &i.data,
    })
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
    codec::export_common::<AudioDecoderBackend>(cx, "audioDecoder")?;
    crate::js::export_natives! {
        cx, audio_encoder_encode, audio_decoder_decode, audio_data_from_buffer, audio_data_clone,
        audio_data_close, audio_data_allocation_size, audio_data_copy_to
    }
}

codec::impl_js_config!(
    AudioEncoderConfig,
    Encoder,
    "webcodecs-aenc",
    encoder_config,
    codec_ffmpeg::audio_encoder_support
);
codec::impl_js_config!(
    AudioDecoderConfig,
    Decoder,
    "webcodecs-adec",
    decoder_config,
    codec_ffmpeg::audio_decoder_support
);
