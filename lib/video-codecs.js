'use strict';
const native = require('./native');
const idl = require('./webidl');
const { attachEvents, defineCodecMembers } = require('./codec');
const { VideoFrame, VideoColorSpace, adoptFrame, frameNative } = require('./video-frame');
const { adoptVideoChunk, videoDecodeArgs } = require('./chunks');

const { REQUIRED } = idl;
const hardwareAcceleration = [idl.enumOf(['no-preference', 'prefer-hardware', 'prefer-software']), 'no-preference'];

// VideoEncoderConfig with its codec-specific dictionaries, and VideoDecoderConfig, as tables
// for the WebIDL conversion (convertDictionary() in webidl.js). The result has only recognised
// members, with defaults filled in: it is also what isConfigSupported echoes.
const ENCODER_CONFIG = {
  alpha: [idl.enumOf(['keep', 'discard']), 'discard'],
  av1: [idl.nestedDictionary('AV1EncoderConfig', { forceScreenContentTools: [idl.bool, false] })],
  avc: [idl.nestedDictionary('AvcEncoderConfig', { format: [idl.enumOf(['annexb', 'avc']), 'avc'] })],
  bitrate: [idl.u64],
  bitrateMode: [idl.enumOf(['constant', 'variable', 'quantizer']), 'variable'],
  codec: [idl.string, REQUIRED],
  contentHint: [idl.string],
  displayHeight: [idl.u32],
  displayWidth: [idl.u32],
  framerate: [idl.double],
  hardwareAcceleration,
  height: [idl.u32, REQUIRED],
  hevc: [idl.nestedDictionary('HevcEncoderConfig', { format: [idl.enumOf(['annexb', 'hevc']), 'hevc'] })],
  latencyMode: [idl.enumOf(['quality', 'realtime']), 'quality'],
  scalabilityMode: [idl.string],
  width: [idl.u32, REQUIRED],
};
const DECODER_CONFIG = {
  codec: [idl.string, REQUIRED],
  codedHeight: [idl.u32],
  codedWidth: [idl.u32],
  colorSpace: [(v) => new VideoColorSpace(v).toJSON()],
  description: [idl.bytesCopy],
  displayAspectHeight: [idl.u32],
  displayAspectWidth: [idl.u32],
  flip: [idl.bool, false],
  hardwareAcceleration,
  optimizeForLatency: [idl.bool],
  rotation: [idl.u32, 0],
};

const convertVideoEncoderConfig = idl.dictionaryConverter('VideoEncoderConfig', ENCODER_CONFIG);
const convertVideoDecoderConfig = idl.dictionaryConverter('VideoDecoderConfig', DECODER_CONFIG);

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
      (handle, v) => [adoptFrame(handle, {
        format: v[0],
        codedWidth: v[1],
        codedHeight: v[2],
        timestamp: v[3],
        duration: v[4],
        rotation: v[5],
        flip: v[6],
        colorSpace: { primaries: v[7], transfer: v[8], matrix: v[9], fullRange: v[10] },
        displayWidth: v[11],
        displayHeight: v[12],
      })], native.videoDecoderNew);
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
