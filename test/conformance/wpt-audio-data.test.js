'use strict';
// Node mirrors of WPT webcodecs/audio-data.any.js, audio-data-copyTo.any.js,
// audio-data-copyto-offset.any.js and audio-data-copyto-oversized.any.js: construction, close
// and clone, and copyTo() of a window of frames (frameOffset, frameCount) between planar and
// interleaved layouts, from sources whose buffer is larger than the samples they hold.
const test = require('node:test');
const assert = require('node:assert/strict');
const { AudioData } = require('../..');

// Builds an AudioData whose sample (frame, channel) is value(frame, channel), in `format` or, if
// `planar`, in its planar form; copies `count` frames from `offset` into an interleaved
// destination of `format` and checks each copied sample against value().
function checkInterleavedWindow({ format, Type, channels, frames, offset, count, value, tolerance = 0, planar = false }) {
  const samples = new Type(channels * frames);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) samples[planar ? c * frames + f : f * channels + c] = value(f, c);
  }
  const data = new AudioData({
    timestamp: 0, data: samples, numberOfFrames: frames, numberOfChannels: channels, sampleRate: 44100,
    format: planar ? `${format}-planar` : format,
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

test('WPT audio-data-copyto-offset: planar-to-interleaved with a non-zero frameOffset', () => {
  checkInterleavedWindow({
    format: 'f32', Type: Float32Array, channels: 2, frames: 10, offset: 3, count: 5, planar: true,
    value: (f, c) => Math.fround((c + 1) * (f + 1) * 0.1), tolerance: 1e-6,
  });
});

test('WPT audio-data-copyto-offset: planar-to-interleaved s16, 3 channels, frameOffset', () => {
  checkInterleavedWindow({
    format: 's16', Type: Int16Array, channels: 3, frames: 8, offset: 2, count: 4, planar: true,
    value: (f, c) => (c + 1) * 1000 + f,
  });
});

test('WPT audio-data-copyto-offset: planar-to-interleaved baseline with frameOffset=0', () => {
  checkInterleavedWindow({
    format: 'f32', Type: Float32Array, channels: 2, frames: 4, offset: 0, count: 4, planar: true,
    value: (f, c) => f + 1 + c * 4,
  });
});

// --- audio-data-copyTo.any.js: copying into a window of a larger destination (a subarray view)
// touches exactly the frames asked for.
test('WPT audio-data-copyTo: Test that AudioData.copyTo copies frameCount amount of mono frames from frameOffset', () => {
  for (const [from, to] of [['f32', 'f32'], ['f32', 'f32-planar'], ['f32-planar', 'f32-planar'], ['f32-planar', 'f32']]) {
    const data = new AudioData({ format: from, sampleRate: 48000, numberOfChannels: 1, numberOfFrames: 5,
      data: new Float32Array([1, 2, 3, 4, 5]), timestamp: 0 });
    const out = new Float32Array(5);
    data.copyTo(out.subarray(1, 4), { planeIndex: 0, frameOffset: 1, frameCount: 3, format: to });
    data.close();
    assert.deepEqual([...out], [0, 2, 3, 4, 0], `${from} → ${to}`);
  }
});

test('WPT audio-data-copyTo: Test that AudioData.copyTo copies frameCount amount of stereo frames from frameOffset', () => {
  const data = new AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfChannels: 2, numberOfFrames: 5,
    data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), timestamp: 0 });
  const out = new Float32Array(10);
  data.copyTo(out.subarray(1, 4), { planeIndex: 0, frameOffset: 1, frameCount: 3 });
  data.copyTo(out.subarray(6, 9), { planeIndex: 1, frameOffset: 1, frameCount: 3 });
  data.close();
  assert.deepEqual([...out], [0, 2, 3, 4, 0, 0, 7, 8, 9, 0]);
});

test('WPT audio-data-copyTo: Test that AudioData.copyTo copies frameCount amount of interleaved stereo frames from frameOffset', () => {
  const data = new AudioData({ format: 'f32', sampleRate: 48000, numberOfChannels: 2, numberOfFrames: 5,
    data: new Float32Array([1, 6, 2, 7, 3, 8, 4, 9, 5, 10]), timestamp: 0 });
  const out = new Float32Array(10);
  data.copyTo(out.subarray(2, 8), { planeIndex: 0, frameOffset: 1, frameCount: 3, format: 'f32' });
  data.close();
  assert.deepEqual([...out], [0, 0, 2, 7, 3, 8, 4, 9, 0, 0]);
});

test('WPT audio-data-copyTo: AudioData.copyTo throws RangeError when frameOffset >= frameCount', () => {
  const data = new AudioData({ format: 'f32', sampleRate: 48000, numberOfChannels: 1, numberOfFrames: 5,
    data: new Float32Array([1, 2, 3, 4, 5]), timestamp: 0 });
  for (const frameOffset of [5, 6]) {
    assert.throws(() => data.copyTo(new Float32Array(5), { planeIndex: 0, frameOffset }), RangeError, `frameOffset ${frameOffset}`);
  }
  data.close();
});

// --- audio-data-copyto-oversized.any.js: the source buffer holds more floats than the frames;
// planes are numberOfFrames long from the start of the buffer, whatever its size. Each case:
// source layout, frames, the buffer's length in floats, destination format, window.
const LEFT = (f) => f + 1;
const RIGHT = (f) => f + 11;
const OVERSIZED = [
  ['interleaved-to-interleaved', 'f32', 4, 24, 'f32', 0, 4],
  ['interleaved-to-interleaved', 'f32', 6, 36, 'f32', 2, 3],
  ['interleaved-to-planar', 'f32', 4, 24, 'f32-planar', 0, 4],
  ['interleaved-to-planar', 'f32', 6, 36, 'f32-planar', 2, 3],
  ['planar-to-interleaved', 'f32-planar', 4, 20, 'f32', 0, 4],
  ['planar-to-interleaved', 'f32-planar', 6, 36, 'f32', 2, 4],
  ['planar-to-planar', 'f32-planar', 4, 24, 'f32-planar', 0, 4],
  ['planar-to-planar', 'f32-planar', 6, 36, 'f32-planar', 2, 3],
];
for (const [what, source, frames, floats, dest, offset, count] of OVERSIZED) {
  const name = offset ? `copyTo ${what} with oversized buffer and frameOffset` : `copyTo ${what} with oversized buffer`;
  test(`WPT audio-data-copyto-oversized: ${name}`, () => {
    const buffer = new Float32Array(floats).fill(-1);
    for (let f = 0; f < frames; f++) {
      if (source === 'f32') buffer.set([LEFT(f), RIGHT(f)], f * 2);
      else [buffer[f], buffer[frames + f]] = [LEFT(f), RIGHT(f)];
    }
    const data = new AudioData({ data: buffer.buffer, numberOfFrames: frames, numberOfChannels: 2, timestamp: 0,
      sampleRate: 44100, format: source });
    const window = Array.from({ length: count }, (_, i) => offset + i);
    const options = offset ? { frameOffset: offset, frameCount: count } : {};
    if (dest === 'f32') {
      const out = new Float32Array(count * 2);
      data.copyTo(out, { planeIndex: 0, format: dest, ...options });
      assert.deepEqual([...out], window.flatMap((f) => [LEFT(f), RIGHT(f)]));
    } else {
      for (const [plane, value] of [[0, LEFT], [1, RIGHT]]) {
        const out = new Float32Array(count);
        data.copyTo(out, { planeIndex: plane, format: dest, ...options });
        assert.deepEqual([...out], window.map(value), `plane ${plane}`);
      }
    }
    data.close();
  });
}

// --- audio-data.any.js: construction, close and clone, negative timestamps, planeIndex rules.
const stereo100 = (timestamp = 1234) => {
  const samples = new Float32Array(200);
  for (let i = 0; i < 200; i++) samples[i] = Math.sin(i / 7);
  return new AudioData({ timestamp, data: samples, numberOfFrames: 100, numberOfChannels: 2, sampleRate: 8000, format: 'f32-planar' });
};

test('WPT audio-data: Verify AudioData constructors', () => {
  const init = { timestamp: 1234, data: new Float32Array(200), numberOfFrames: 100, numberOfChannels: 2, sampleRate: 8000, format: 'f32-planar' };
  const data = new AudioData(init);
  assert.deepEqual([data.timestamp, data.numberOfFrames, data.numberOfChannels, data.sampleRate, data.duration, data.format],
    [1234, 100, 2, 8000, 12500, 'f32-planar']);
  assert.throws(() => new AudioData({ ...init, data: new Int16Array(200) }), TypeError, 'data too small for f32');
  for (const member of ['timestamp', 'data', 'numberOfFrames', 'numberOfChannels', 'sampleRate', 'format']) {
    const partial = { ...init };
    delete partial[member];
    assert.throws(() => new AudioData(partial), TypeError, `requires ${member}`);
  }
  assert.throws(() => new AudioData({ ...init, numberOfFrames: 0 }), TypeError);
  assert.throws(() => new AudioData({ ...init, numberOfChannels: 0 }), TypeError);
});

test('WPT audio-data: Verify closing and cloning AudioData', () => {
  const data = stereo100();
  const clone = data.clone();
  for (const k of ['timestamp', 'numberOfFrames', 'numberOfChannels', 'sampleRate', 'format']) assert.equal(clone[k], data[k], k);
  for (let plane = 0; plane < 2; plane++) {
    const a = new Float32Array(100);
    const b = new Float32Array(100);
    data.copyTo(a, { planeIndex: plane });
    clone.copyTo(b, { planeIndex: plane });
    assert.deepEqual(b, a, `plane ${plane}`);
  }
  data.close();
  assert.equal(data.numberOfFrames, 0);
  assert.equal(clone.numberOfFrames, 100, 'the clone stays open');
  clone.close();
  assert.equal(clone.numberOfFrames, 0);
  data.close(); // closing twice does not throw
});

test('WPT audio-data: Test we can construct AudioData with a negative timestamp.', () => {
  const data = stereo100(-10);
  assert.equal(data.timestamp, -10);
  data.close();
});

test('WPT audio-data: Test input array is copied on construction', () => {
  const samples = new Float32Array([0.25]);
  const data = new AudioData({ timestamp: 0, data: samples, numberOfFrames: 1, numberOfChannels: 1, sampleRate: 44100, format: 'f32' });
  samples[0] = 0.5;
  assert.equal(samples.length, 1, 'the input is not detached');
  const out = new Float32Array(1);
  data.copyTo(out, { planeIndex: 0 });
  assert.equal(out[0], 0.25, 'later writes to the input do not show');
});

test('WPT audio-data: Test that copyTo throws if copying from interleaved with a non-zero planeIndex', () => {
  const data = new AudioData({ timestamp: 0, data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), numberOfFrames: 4,
    numberOfChannels: 2, sampleRate: 44100, format: 'f32' });
  assert.throws(() => data.copyTo(new Float32Array(8), { planeIndex: 1 }), RangeError);
  data.close();
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
