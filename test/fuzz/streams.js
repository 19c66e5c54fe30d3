'use strict';
// Small valid encoded streams for every codec, produced by our own encoders once per process.
// Used as seeds by the API-sequence and bitstream fuzzers (test/fuzz, test-stress).
const {
  VideoEncoder, AudioEncoder, AudioData, EncodedVideoChunk, EncodedAudioChunk,
} = require('../..');
const { makeFrame, encodeChunks } = require('../helpers');

const VIDEO = [
  ['h264-avc', { codec: 'avc1.42001f', width: 64, height: 48, latencyMode: 'realtime', avc: { format: 'avc' } }],
  ['h264-annexb', { codec: 'avc1.42001f', width: 64, height: 48, latencyMode: 'realtime', avc: { format: 'annexb' } }],
  ['vp8', { codec: 'vp8', width: 64, height: 48, latencyMode: 'realtime' }],
  ['vp9', { codec: 'vp09.00.10.08', width: 64, height: 48, latencyMode: 'realtime' }],
  ['av1', { codec: 'av01.0.04M.08', width: 64, height: 48, latencyMode: 'realtime' }],
];

const AUDIO = [
  ['opus', { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 }],
  ['aac', { codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 2 }],
  ['flac', { codec: 'flac', sampleRate: 48000, numberOfChannels: 2 }],
  ['mp3', { codec: 'mp3', sampleRate: 48000, numberOfChannels: 2 }],
  ['vorbis', { codec: 'vorbis', sampleRate: 48000, numberOfChannels: 2 }],
  ['pcm-s16', { codec: 'pcm-s16', sampleRate: 48000, numberOfChannels: 2 }],
];

function audioData(sampleRate, channels, frames, offset) {
  const d = new Float32Array(frames * channels);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < frames; i++) d[c * frames + i] = 0.4 * Math.sin(2 * Math.PI * (300 + 100 * c) * (offset + i) / sampleRate);
  }
  return new AudioData({
    format: 'f32-planar', sampleRate, numberOfFrames: frames, numberOfChannels: channels,
    timestamp: Math.round(offset * 1e6 / sampleRate), data: d,
  });
}

function encodeVideo(config, count, keyEvery = 4) {
  return encodeChunks(VideoEncoder, config, (enc) => {
    for (let i = 0; i < count; i++) {
      const f = makeFrame(config.width, config.height, i);
      enc.encode(f, { keyFrame: i % keyEvery === 0 });
      f.close();
    }
  });
}

function encodeAudio(config, seconds) {
  return encodeChunks(AudioEncoder, config, (enc) => {
    const total = Math.round(config.sampleRate * seconds);
    for (let off = 0; off < total; off += 960) {
      const a = audioData(config.sampleRate, config.numberOfChannels, Math.min(960, total - off), off);
      enc.encode(a);
      a.close();
    }
  });
}

let cache = null;
// { video: { name: {chunks, decoderConfig} }, audio: { ... } }; codecs this build cannot encode
// are left out.
async function streams() {
  if (cache) return cache;
  const video = {};
  const audio = {};
  for (const [name, cfg] of VIDEO) {
    if (!(await VideoEncoder.isConfigSupported(cfg)).supported) continue;
    video[name] = await encodeVideo(cfg, 12);
  }
  for (const [name, cfg] of AUDIO) {
    if (!(await AudioEncoder.isConfigSupported(cfg)).supported) continue;
    audio[name] = await encodeAudio(cfg, 0.25);
  }
  cache = { video, audio };
  return cache;
}

function chunkData(c) {
  const b = new Uint8Array(c.byteLength);
  c.copyTo(b);
  return b;
}

function videoChunk(type, timestamp, data) {
  return new EncodedVideoChunk({ type, timestamp, data });
}

function audioChunk(type, timestamp, data) {
  return new EncodedAudioChunk({ type, timestamp, data });
}

module.exports = { VIDEO, AUDIO, streams, audioData, chunkData, videoChunk, audioChunk };
