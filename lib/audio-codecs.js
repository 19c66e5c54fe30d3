'use strict';
const native = require('./native');
const idl = require('./webidl');
const { attachEvents, defineCodecMembers } = require('./codec');
const { AudioData, createAudioData, audioDataNative } = require('./audio-data');
const { adoptAudioChunk, audioDecodeArgs } = require('./chunks');

function convertOpus(o) {
  o = idl.dictionary(o, 'OpusEncoderConfig');
  const out = {};
  out.application = o.application === undefined ? 'audio' : idl.enumValue(o.application, ['voip', 'audio', 'lowdelay'], 'opus.application');
  // complexity has no IDL default; browsers report 9 on desktop.
  out.complexity = o.complexity === undefined ? 9 : idl.u32(o.complexity, 'opus.complexity');
  out.format = o.format === undefined ? 'opus' : idl.enumValue(o.format, ['opus', 'ogg'], 'opus.format');
  out.frameDuration = o.frameDuration === undefined ? 20000 : idl.u64(o.frameDuration, 'opus.frameDuration');
  out.packetlossperc = o.packetlossperc === undefined ? 0 : idl.u32(o.packetlossperc, 'opus.packetlossperc');
  out.signal = o.signal === undefined ? 'auto' : idl.enumValue(o.signal, ['auto', 'music', 'voice'], 'opus.signal');
  out.usedtx = o.usedtx === undefined ? false : idl.bool(o.usedtx);
  out.useinbandfec = o.useinbandfec === undefined ? false : idl.bool(o.useinbandfec);
  return out;
}

function convertAudioEncoderConfig(config) {
  const c = idl.requireObject(config, 'AudioEncoderConfig');
  const out = {};
  if (c.aac !== undefined) {
    const a = idl.dictionary(c.aac, 'AacEncoderConfig');
    out.aac = { format: a.format === undefined ? 'aac' : idl.enumValue(a.format, ['aac', 'adts'], 'aac.format') };
  }
  if (c.bitrate !== undefined) out.bitrate = idl.u64(c.bitrate, 'bitrate');
  out.bitrateMode = c.bitrateMode === undefined ? 'variable' : idl.enumValue(c.bitrateMode, ['constant', 'variable'], 'bitrateMode');
  out.codec = idl.string(idl.required(c, 'codec', 'AudioEncoderConfig'));
  if (c.flac !== undefined) {
    const f = idl.dictionary(c.flac, 'FlacEncoderConfig');
    out.flac = {
      blockSize: f.blockSize === undefined ? 0 : idl.u32(f.blockSize, 'flac.blockSize'),
      compressLevel: f.compressLevel === undefined ? 5 : idl.u32(f.compressLevel, 'flac.compressLevel'),
    };
  }
  out.numberOfChannels = idl.u32(idl.required(c, 'numberOfChannels', 'AudioEncoderConfig'), 'numberOfChannels');
  if (c.opus !== undefined) out.opus = convertOpus(c.opus);
  out.sampleRate = idl.u32(idl.required(c, 'sampleRate', 'AudioEncoderConfig'), 'sampleRate');
  return out;
}

function convertAudioDecoderConfig(config) {
  const c = idl.requireObject(config, 'AudioDecoderConfig');
  const out = {};
  out.codec = idl.string(idl.required(c, 'codec', 'AudioDecoderConfig'));
  if (c.description !== undefined) out.description = idl.bytesCopy(c.description, 'description');
  out.numberOfChannels = idl.u32(idl.required(c, 'numberOfChannels', 'AudioDecoderConfig'), 'numberOfChannels');
  out.sampleRate = idl.u32(idl.required(c, 'sampleRate', 'AudioDecoderConfig'), 'sampleRate');
  return out;
}

// The members every codec class shares (state, queue size, configure, encode or decode, flush,
// reset, close, isConfigSupported) are defined by defineCodecMembers() below.
class AudioEncoder extends EventTarget {
  constructor(init) {
    super();
    attachEvents(this, AudioEncoder, init, 'AudioEncoderInit',
      (chunk, metadata) => [adoptAudioChunk(chunk), metadata], native.audioEncoderNew);
  }
}

class AudioDecoder extends EventTarget {
  constructor(init) {
    super();
    attachEvents(this, AudioDecoder, init, 'AudioDecoderInit',
      (handle, dataInit) => [createAudioData(handle, dataInit)], native.audioDecoderNew);
  }
}

// encode(data): the AudioData's native handle and timestamp.
function encodeArgs(data) {
  if (!(data instanceof AudioData)) throw new TypeError('encode() needs an AudioData');
  const a = audioDataNative(data);
  if (a === null) throw new TypeError('the AudioData is closed');
  return [a.handle, a.timestamp];
}

defineCodecMembers(AudioEncoder, 'audioEncoder', {
  queueSize: 'encodeQueueSize', convertConfig: convertAudioEncoderConfig, work: 'encode', workArgs: encodeArgs,
});
defineCodecMembers(AudioDecoder, 'audioDecoder', {
  queueSize: 'decodeQueueSize', convertConfig: convertAudioDecoderConfig, work: 'decode', workArgs: audioDecodeArgs,
});

module.exports = { AudioEncoder, AudioDecoder };
