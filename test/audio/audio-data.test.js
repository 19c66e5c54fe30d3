'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { AudioData } = require('../..');
const { assertAttributes } = require('../helpers');

function s16Stereo(frames) {
  const a = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) { a[2 * i] = i * 100; a[2 * i + 1] = -i * 100; }
  return a;
}

test('construction, attributes and exact duration', () => {
  const d = new AudioData({ format: 's16', sampleRate: 48000, numberOfFrames: 480, numberOfChannels: 2, timestamp: 1000, data: s16Stereo(480) });
  assertAttributes(d, {
    format: 's16', sampleRate: 48000, numberOfFrames: 480, numberOfChannels: 2, timestamp: 1000, duration: 10000,
  });
  const odd = new AudioData({ format: 'f32', sampleRate: 44100, numberOfFrames: 1, numberOfChannels: 1, timestamp: 0, data: new Float32Array(1) });
  assert.equal(odd.duration, 22, 'truncated: 1e6 / 44100 = 22.67');
  d.close();
  odd.close();
});

test('copyTo converts s16 interleaved to f32-planar per plane, with offsets and counts', () => {
  const d = new AudioData({ format: 's16', sampleRate: 8000, numberOfFrames: 4, numberOfChannels: 2, timestamp: 0, data: s16Stereo(4) });
  assert.equal(d.allocationSize({ planeIndex: 1, format: 'f32-planar' }), 16);
  const right = new Float32Array(4);
  d.copyTo(right, { planeIndex: 1, format: 'f32-planar' });
  assert.deepEqual([...right], [0, -100, -200, -300].map((v) => v / 32768));
  const part = new Int16Array(2);
  d.copyTo(part, { planeIndex: 0, frameOffset: 1, frameCount: 1 });
  assert.deepEqual([...part], [100, -100]);
  const u8 = new Uint8Array(8);
  d.copyTo(u8, { planeIndex: 0, format: 'u8' });
  assert.equal(u8[0], 128);
  d.close();
});

test('copyTo and allocationSize errors: RangeError, InvalidStateError, TypeError', () => {
  const d = new AudioData({ format: 'f32-planar', sampleRate: 8000, numberOfFrames: 4, numberOfChannels: 2, timestamp: 0, data: new Float32Array(8) });
  assert.throws(() => d.allocationSize({ planeIndex: 2 }), RangeError);
  assert.throws(() => d.allocationSize({ planeIndex: 0, frameOffset: 4 }), RangeError);
  assert.throws(() => d.allocationSize({ planeIndex: 0, frameCount: 5 }), RangeError);
  assert.throws(() => d.allocationSize({ planeIndex: 1, format: 'f32' }), RangeError);
  assert.throws(() => d.copyTo(new Float32Array(3), { planeIndex: 0 }), RangeError);
  assert.throws(() => d.allocationSize({}), TypeError);
  const c = d.clone();
  d.close();
  assert.equal(d.format, null);
  assert.equal(d.numberOfFrames, 0);
  assert.throws(() => d.allocationSize({ planeIndex: 0 }), (e) => e instanceof DOMException && e.name === 'InvalidStateError');
  assert.throws(() => d.clone(), { name: 'InvalidStateError' });
  d.close();
  assert.equal(c.allocationSize({ planeIndex: 0 }), 16);
  c.close();
});

test('invalid AudioDataInit is a TypeError', () => {
  const base = { format: 'f32', sampleRate: 8000, numberOfFrames: 4, numberOfChannels: 1, timestamp: 0, data: new Float32Array(4) };
  for (const bad of [{ sampleRate: 0 }, { numberOfFrames: 0 }, { numberOfChannels: 0 }, { data: new Float32Array(3) }, { format: 'f64' }, { sampleRate: NaN }]) {
    assert.throws(() => new AudioData({ ...base, ...bad }), TypeError, JSON.stringify(bad));
  }
});
