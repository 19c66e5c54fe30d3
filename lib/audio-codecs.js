'use strict';
const native = require('./native');
const idl = require('./webidl');
const { CodecBase, dispatch, flushVia, convertInit, isConfigSupportedVia, kApply, kOutput } = require('./codec');
const { AudioData, kCreate, kNative } = require('./audio-data');
const { EncodedAudioChunk, kAdopt, kBytes } = require('./chunks');

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
  if (c.description !== undefined) {
    const d = idl.bytesOf(c.description, 'description');
    if (d.buffer instanceof ArrayBuffer && idl.isDetached(d.buffer)) throw new TypeError('description is detached');
    out.description = d.slice();
  }
  out.numberOfChannels = idl.u32(idl.required(c, 'numberOfChannels', 'AudioDecoderConfig'), 'numberOfChannels');
  out.sampleRate = idl.u32(idl.required(c, 'sampleRate', 'AudioDecoderConfig'), 'sampleRate');
  return out;
}

class AudioEncoder extends CodecBase {
  #h;
  constructor(init) {
    const { output, error } = convertInit(init, 'AudioEncoderInit');
    super(output, error);
    this.#h = native.audioEncoderNew(dispatch);
  }

  get state() { return native.audioEncoderState(this.#h)[0]; }
  get encodeQueueSize() { return native.audioEncoderState(this.#h)[1]; }

  configure(config) {
    this[kApply](native.audioEncoderConfigure(this.#h, this, convertAudioEncoderConfig(config)));
  }

  encode(data) {
    if (!(data instanceof AudioData)) throw new TypeError('encode() needs an AudioData');
    const a = AudioData[kNative](data);
    if (a === null) throw new TypeError('the AudioData is closed');
    this[kApply](native.audioEncoderEncode(this.#h, this, a.handle, a.timestamp));
  }

  flush() { return flushVia(this, native.audioEncoderFlush, this.#h); }
  reset() { this[kApply](native.audioEncoderReset(this.#h, this)); }
  close() { this[kApply](native.audioEncoderClose(this.#h, this)); }

  [kOutput](chunk, metadata) { return [EncodedAudioChunk[kAdopt](chunk), metadata]; }

  static isConfigSupported(config) {
    return isConfigSupportedVia(convertAudioEncoderConfig, native.audioEncoderCheckConfig, config);
  }

  get [Symbol.toStringTag]() { return 'AudioEncoder'; }
}

class AudioDecoder extends CodecBase {
  #h;
  constructor(init) {
    const { output, error } = convertInit(init, 'AudioDecoderInit');
    super(output, error);
    this.#h = native.audioDecoderNew(dispatch);
  }

  get state() { return native.audioDecoderState(this.#h)[0]; }
  get decodeQueueSize() { return native.audioDecoderState(this.#h)[1]; }

  configure(config) {
    this[kApply](native.audioDecoderConfigure(this.#h, this, convertAudioDecoderConfig(config)));
  }

  decode(chunk) {
    if (!(chunk instanceof EncodedAudioChunk)) throw new TypeError('decode() needs an EncodedAudioChunk');
    this[kApply](native.audioDecoderDecode(this.#h, this, chunk.type === 'key', chunk.timestamp,
      chunk.duration ?? undefined, EncodedAudioChunk[kBytes](chunk)));
  }

  flush() { return flushVia(this, native.audioDecoderFlush, this.#h); }
  reset() { this[kApply](native.audioDecoderReset(this.#h, this)); }
  close() { this[kApply](native.audioDecoderClose(this.#h, this)); }

  [kOutput](handle, init) { return [AudioData[kCreate](handle, init)]; }

  static isConfigSupported(config) {
    return isConfigSupportedVia(convertAudioDecoderConfig, native.audioDecoderCheckConfig, config);
  }

  get [Symbol.toStringTag]() { return 'AudioDecoder'; }
}

module.exports = { AudioEncoder, AudioDecoder };
