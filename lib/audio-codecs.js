'use strict';
const native = require('./native');
const idl = require('./webidl');
const { attachEvents, defineCodecMembers } = require('./codec');
const { AudioData, createAudioData, audioDataNative } = require('./audio-data');
const { adoptAudioChunk, audioDecodeArgs } = require('./chunks');

const { REQUIRED } = idl;

// AudioEncoderConfig with its codec-specific dictionaries, and AudioDecoderConfig, as tables
// for the WebIDL conversion (convertDictionary() in webidl.js). The result has only recognised
// members, with defaults filled in: it is also what isConfigSupported echoes.
const ENCODER_CONFIG = {
  aac: [idl.nestedDictionary('AacEncoderConfig', { format: [idl.enumOf(['aac', 'adts']), 'aac'] })],
  bitrate: [idl.u64],
  bitrateMode: [idl.enumOf(['constant', 'variable']), 'variable'],
  codec: [idl.string, REQUIRED],
  flac: [idl.nestedDictionary('FlacEncoderConfig', { blockSize: [idl.u32, 0], compressLevel: [idl.u32, 5] })],
  numberOfChannels: [idl.u32, REQUIRED],
  opus: [idl.nestedDictionary('OpusEncoderConfig', {
    application: [idl.enumOf(['voip', 'audio', 'lowdelay']), 'audio'],
    // complexity has no IDL default; browsers report 9 on desktop.
    complexity: [idl.u32, 9],
    format: [idl.enumOf(['opus', 'ogg']), 'opus'],
    frameDuration: [idl.u64, 20000],
    packetlossperc: [idl.u32, 0],
    signal: [idl.enumOf(['auto', 'music', 'voice']), 'auto'],
    usedtx: [idl.bool, false],
    useinbandfec: [idl.bool, false],
  })],
  sampleRate: [idl.u32, REQUIRED],
};
const DECODER_CONFIG = {
  codec: [idl.string, REQUIRED],
  description: [idl.bytesCopy],
  numberOfChannels: [idl.u32, REQUIRED],
  sampleRate: [idl.u32, REQUIRED],
};

const convertAudioEncoderConfig = idl.dictionaryConverter('AudioEncoderConfig', ENCODER_CONFIG);
const convertAudioDecoderConfig = idl.dictionaryConverter('AudioDecoderConfig', DECODER_CONFIG);

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
      (handle, v) => [createAudioData(handle, {
        format: v[0], sampleRate: v[1], numberOfFrames: v[2], numberOfChannels: v[3], timestamp: v[4],
      })], native.audioDecoderNew);
  }
}

// encode(data): the AudioData's native handle and timestamp.
function encodeArgs(data) {
  if (!(data instanceof AudioData)) throw new TypeError('encode() needs an AudioData');
  const args = audioDataNative(data);
  if (args === null) throw new TypeError('the AudioData is closed');
  return args;
}

defineCodecMembers(AudioEncoder, 'audioEncoder', {
  queueSize: 'encodeQueueSize', convertConfig: convertAudioEncoderConfig, work: 'encode', workArgs: encodeArgs,
});
defineCodecMembers(AudioDecoder, 'audioDecoder', {
  queueSize: 'decodeQueueSize', convertConfig: convertAudioDecoderConfig, work: 'decode', workArgs: audioDecodeArgs,
});

module.exports = { AudioEncoder, AudioDecoder };
