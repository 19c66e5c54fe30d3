'use strict';
// Node mirrors of WPT webcodecs/audio-data-copyto-offset.any.js: copyTo() of an interleaved
// AudioData into an interleaved destination must start at frameOffset and copy frameCount
// whole frames (every channel of each frame), whatever the sample type or channel count.
const test = require('node:test');
const assert = require('node:assert/strict');
const { AudioData } = require('../..');

// Builds an interleaved AudioData whose sample (frame, channel) is value(frame, channel), copies
// `count` frames from `offset` and checks each copied sample against value().
function checkInterleavedWindow({ format, Type, channels, frames, offset, count, value, tolerance = 0 }) {
  const samples = new Type(channels * frames);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) samples[f * channels + c] = value(f, c);
  }
  const data = new AudioData({
    timestamp: 0, data: samples, numberOfFrames: frames, numberOfChannels: channels, sampleRate: 44100, format,
  });
  try {
    const dest = new Type(channels * count).fill(Type === Float32Array ? NaN : 0x7ff);
    data.copyTo(dest, { planeIndex: 0, format, frameOffset: offset, frameCount: count });
    for (let f = 0; f < count; f++) {
      for (let c = 0; c < channels; c++) {
        const got = dest[f * channels + c];
        const want = value(offset + f, c);
        assert.ok(Math.abs(got - want) <= tolerance, `frame ${offset + f} channel ${c}: ${got} ≠ ${want}`);
      }
    }
  } finally {
    data.close();
  }
}

test('WPT audio-data-copyto-offset: interleaved-to-interleaved f32 with a non-zero frameOffset', () => {
  checkInterleavedWindow({
    format: 'f32', Type: Float32Array, channels: 2, frames: 10, offset: 3, count: 5,
    value: (f, c) => Math.fround((c === 0 ? 1 : -1) * f * 0.1), tolerance: 1e-6,
  });
});

test('WPT audio-data-copyto-offset: interleaved-to-interleaved s16 with a non-zero frameOffset', () => {
  checkInterleavedWindow({
    format: 's16', Type: Int16Array, channels: 2, frames: 10, offset: 4, count: 3,
    value: (f, c) => (c === 0 ? 1 : -1) * f * 1000,
  });
});

test('WPT audio-data-copyto-offset: interleaved-to-interleaved f32, 3 channels, frameOffset', () => {
  checkInterleavedWindow({
    format: 'f32', Type: Float32Array, channels: 3, frames: 8, offset: 2, count: 4,
    value: (f, c) => Math.fround(f + c * 0.01), tolerance: 1e-6,
  });
});
