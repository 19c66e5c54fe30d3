'use strict';
const native = require('./native');
const idl = require('./webidl');
const { attachEvents, defineCodecMembers } = require('./codec');
const { VideoFrame, VideoColorSpace, adoptFrame, frameNative } = require('./video-frame');
const { adoptVideoChunk, videoDecodeArgs } = require('./chunks');

const HW = ['no-preference', 'prefer-hardware', 'prefer-software'];

function convertColorSpaceInit(v) {
  if (v === undefined) return undefined;
  const cs = new VideoColorSpace(v);
  return cs.toJSON();
}

// WebIDL conversion of VideoEncoderConfig (members in lexicographic order). The result has only
// recognised members, with defaults filled in: it is also what isConfigSupported echoes.
function convertVideoEncoderConfig(config) {
  const c = idl.requireObject(config, 'VideoEncoderConfig');
  const out = {};
  out.alpha = c.alpha === undefined ? 'discard' : idl.enumValue(c.alpha, ['keep', 'discard'], 'alpha');
  if (c.av1 !== undefined) {
    const av1 = idl.dictionary(c.av1, 'AV1EncoderConfig');
    out.av1 = { forceScreenContentTools: av1.forceScreenContentTools === undefined ? false : idl.bool(av1.forceScreenContentTools) };
  }
  if (c.avc !== undefined) {
    const avc = idl.dictionary(c.avc, 'AvcEncoderConfig');
    out.avc = { format: avc.format === undefined ? 'avc' : idl.enumValue(avc.format, ['annexb', 'avc'], 'avc.format') };
  }
  if (c.bitrate !== undefined) out.bitrate = idl.u64(c.bitrate, 'bitrate');
  out.bitrateMode = c.bitrateMode === undefined ? 'variable'
    : idl.enumValue(c.bitrateMode, ['constant', 'variable', 'quantizer'], 'bitrateMode');
  out.codec = idl.string(idl.required(c, 'codec', 'VideoEncoderConfig'));
  if (c.contentHint !== undefined) out.contentHint = idl.string(c.contentHint);
  if (c.displayHeight !== undefined) out.displayHeight = idl.u32(c.displayHeight, 'displayHeight');
  if (c.displayWidth !== undefined) out.displayWidth = idl.u32(c.displayWidth, 'displayWidth');
  if (c.framerate !== undefined) out.framerate = idl.double(c.framerate, 'framerate');
  out.hardwareAcceleration = c.hardwareAcceleration === undefined ? 'no-preference'
    : idl.enumValue(c.hardwareAcceleration, HW, 'hardwareAcceleration');
  out.height = idl.u32(idl.required(c, 'height', 'VideoEncoderConfig'), 'height');
  if (c.hevc !== undefined) {
    const hevc = idl.dictionary(c.hevc, 'HevcEncoderConfig');
    out.hevc = { format: hevc.format === undefined ? 'hevc' : idl.enumValue(hevc.format, ['annexb', 'hevc'], 'hevc.format') };
  }
  out.latencyMode = c.latencyMode === undefined ? 'quality'
    : idl.enumValue(c.latencyMode, ['quality', 'realtime'], 'latencyMode');
  if (c.scalabilityMode !== undefined) out.scalabilityMode = idl.string(c.scalabilityMode);
  out.width = idl.u32(idl.required(c, 'width', 'VideoEncoderConfig'), 'width');
  return out;
}

function convertVideoDecoderConfig(config) {
  const c = idl.requireObject(config, 'VideoDecoderConfig');
  const out = {};
  out.codec = idl.string(idl.required(c, 'codec', 'VideoDecoderConfig'));
  if (c.codedHeight !== undefined) out.codedHeight = idl.u32(c.codedHeight, 'codedHeight');
  if (c.codedWidth !== undefined) out.codedWidth = idl.u32(c.codedWidth, 'codedWidth');
  if (c.colorSpace !== undefined) out.colorSpace = convertColorSpaceInit(c.colorSpace);
  if (c.description !== undefined) out.description = idl.bytesCopy(c.description, 'description');
  if (c.displayAspectHeight !== undefined) out.displayAspectHeight = idl.u32(c.displayAspectHeight, 'displayAspectHeight');
  if (c.displayAspectWidth !== undefined) out.displayAspectWidth = idl.u32(c.displayAspectWidth, 'displayAspectWidth');
  out.flip = c.flip === undefined ? false : idl.bool(c.flip);
  out.hardwareAcceleration = c.hardwareAcceleration === undefined ? 'no-preference'
    : idl.enumValue(c.hardwareAcceleration, HW, 'hardwareAcceleration');
  if (c.optimizeForLatency !== undefined) out.optimizeForLatency = idl.bool(c.optimizeForLatency);
  out.rotation = c.rotation === undefined ? 0 : idl.u32(c.rotation, 'rotation');
  return out;
}

// An encoder output event → the output callback's (chunk, metadata).
function outputChunk(chunk, metadata) {
  const c = adoptVideoChunk(chunk);
  if (metadata.decoderConfig && metadata.decoderConfig.colorSpace) {
    metadata.decoderConfig.colorSpace = new VideoColorSpace(metadata.decoderConfig.colorSpace).toJSON();
  }
  return [c, metadata];
}

// The members every codec class shares (state, queue size, configure, encode or decode, flush,
// reset, close, isConfigSupported) are defined by defineCodecMembers() below.
class VideoEncoder extends EventTarget {
  constructor(init) {
    super();
    attachEvents(this, VideoEncoder, init, 'VideoEncoderInit', outputChunk, native.videoEncoderNew);
  }
}

// Decoded frames arrive with their metadata (display size, orientation, colour space from the
// configuration) already decided by the native model.
class VideoDecoder extends EventTarget {
  constructor(init) {
    super();
    attachEvents(this, VideoDecoder, init, 'VideoDecoderInit',
      (handle, frameInit) => [adoptFrame(handle, frameInit)], native.videoDecoderNew);
  }
}

// encode(frame, options): the frame's native handle (its pixels and metadata travel in it; the
// rules, state and [[active orientation]], are the native model's), keyFrame and the quantizer.
function encodeArgs(frame, options) {
  if (!(frame instanceof VideoFrame)) throw new TypeError('encode() needs a VideoFrame');
  const o = idl.dictionary(options, 'VideoEncoderEncodeOptions');
  let quantizer;
  for (const k of ['av1', 'avc', 'hevc', 'vp9']) {
    if (o[k] !== undefined) {
      const q = idl.dictionary(o[k], `${k} options`).quantizer;
      if (q !== undefined && q !== null) quantizer = idl.u32(q, `${k}.quantizer`);
    }
  }
  const keyFrame = idl.bool(o.keyFrame);
  const handle = frameNative(frame);
  if (handle === null) throw new TypeError('the VideoFrame is closed');
  return [handle, keyFrame, quantizer];
}

defineCodecMembers(VideoEncoder, 'videoEncoder', {
  queueSize: 'encodeQueueSize', convertConfig: convertVideoEncoderConfig, work: 'encode', workArgs: encodeArgs,
});
defineCodecMembers(VideoDecoder, 'videoDecoder', {
  queueSize: 'decodeQueueSize', convertConfig: convertVideoDecoderConfig, work: 'decode', workArgs: videoDecodeArgs,
});

module.exports = { VideoEncoder, VideoDecoder };
