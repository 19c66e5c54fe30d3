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

// WPT audio-data.any.js "Test conversion of X to Y": two channels of five frames holding each
// format's extremes, half scale and silence, copied to every format (planar and interleaved).
// Indices into each format's table of values:
const [MIN, MAX, HALF, NEG_HALF, SILENCE] = [0, 1, 2, 3, 4];
const VALUES = {
  u8: [0, 255, 191, 64, 128],
  s16: [-(2 ** 15), 2 ** 15 - 1, Math.floor((2 ** 15 - 1) / 2), -(2 ** 14), 0],
  s32: [-(2 ** 31), 2 ** 31 - 1, Math.floor((2 ** 31 - 1) / 2), -(2 ** 30), 0],
  f32: [-1, 1, 0.5, -0.5, 0],
};
// Distinct values per format, for the tolerance where resolution grows.
const STEPS = { u8: 2 ** 8, s16: 2 ** 16, s32: 2 ** 32, f32: 2 ** 24 };
const ARRAY = { u8: Uint8Array, s16: Int16Array, s32: Int32Array, f32: Float32Array };
const INPUT = [MIN, SILENCE, MAX, MIN, HALF, NEG_HALF, SILENCE, MAX, SILENCE, SILENCE];

// How far a converted value may be from the exact one (WPT's rule, restated): none for the same
// type, for integer extremes and silence, and when the source has more resolution; one step
// for float → u8/s16 (rounding either way); otherwise the ratio of resolutions, and the largest
// value a narrower integer can reach.
function tolerance(expected, from, to) {
  if (from === to) return 0;
  const int = (t) => t !== 'f32';
  // The largest value a widening integer conversion is allowed to stop at (WPT's numbers).
  const reach = { 'u8>s16': 32511, 'u8>s32': 2130706432, 's16>s32': 2147418112 }[`${from}>${to}`];
  if (expected === VALUES[to][MAX] && reach !== undefined) return expected - reach;
  if (int(from) && int(to) && (expected === VALUES[to][MIN] || expected === VALUES[to][SILENCE])) return 0;
  if (!int(from) && int(to) && to !== 's32') return 1;
  return STEPS[from] > STEPS[to] ? 0 : STEPS[to] / STEPS[from];
}

function assertConverted(got, indices, from, to, what) {
  assert.equal(got.length, indices.length);
  indices.forEach((idx, i) => {
    const want = VALUES[to][idx];
    const eps = tolerance(want, from, to);
    assert.ok(Math.abs(got[i] - want) <= eps, `${what}: [${i}] ${got[i]} ≠ ${want} ± ${eps} (${from} → ${to})`);
  });
}

for (const from of Object.keys(VALUES)) {
  for (const to of Object.keys(VALUES)) {
    test(`WPT audio-data: Test conversion of ${from} to ${to}`, () => {
      const make = (format) => new AudioData({
        timestamp: 0, data: new ARRAY[from](INPUT.map((i) => VALUES[from][i])), numberOfFrames: 5,
        numberOfChannels: 2, sampleRate: 8000, format,
      });
      const plane = new ARRAY[to](5);
      const all = new ARRAY[to](10);
      const interleaved = make(from);
      interleaved.copyTo(plane, { planeIndex: 0, format: `${to}-planar` });
      assertConverted(plane, [MIN, MAX, HALF, SILENCE, SILENCE], from, to, 'interleaved → plane 0');
      interleaved.copyTo(plane, { planeIndex: 1, format: `${to}-planar` });
      assertConverted(plane, [SILENCE, MIN, NEG_HALF, MAX, SILENCE], from, to, 'interleaved → plane 1');
      interleaved.copyTo(all, { planeIndex: 0, format: to });
      assertConverted(all, INPUT, from, to, 'interleaved → interleaved');
      interleaved.close();
      const planar = make(`${from}-planar`);
      planar.copyTo(plane, { planeIndex: 0, format: `${to}-planar` });
      assertConverted(plane, [MIN, SILENCE, MAX, MIN, HALF], from, to, 'planar → plane 0');
      planar.copyTo(plane, { planeIndex: 1, format: `${to}-planar` });
      assertConverted(plane, [NEG_HALF, SILENCE, MAX, SILENCE, SILENCE], from, to, 'planar → plane 1');
      planar.copyTo(all, { planeIndex: 0, format: to });
      assertConverted(all, [MIN, NEG_HALF, SILENCE, SILENCE, MAX, MAX, MIN, SILENCE, HALF, SILENCE], from, to,
        'planar → interleaved');
      planar.close();
    });
  }
}
