'use strict';
// Mirrors the cases of WPT webcodecs/encoded-video-chunk.any.js in our own words.
const test = require('node:test');
const assert = require('node:assert/strict');
const { EncodedVideoChunk } = require('../..');

const W = 'WPT encoded-video-chunk:';

test(`${W} Test we can construct an EncodedVideoChunk.`, () => {
  const key = new EncodedVideoChunk({ type: 'key', timestamp: 10, duration: 300, data: new Uint8Array([0x0A, 0x0B, 0x0C]) });
  assert.deepEqual([key.type, key.timestamp, key.duration, key.byteLength], ['key', 10, 300, 3]);
  const out = new Uint8Array(3);
  key.copyTo(out);
  assert.deepEqual([...out], [0x0A, 0x0B, 0x0C]);
  const delta = new EncodedVideoChunk({ type: 'delta', timestamp: 100, data: new Uint8Array([0x00, 0x01]) });
  assert.deepEqual([delta.type, delta.timestamp, delta.duration, delta.byteLength], ['delta', 100, null, 2]);
  const out2 = new Uint8Array(2).fill(9);
  delta.copyTo(out2);
  assert.deepEqual([...out2], [0x00, 0x01]);
});

test(`${W} Test copyTo() exception if destiation invalid`, () => {
  const chunk = new EncodedVideoChunk({ type: 'delta', timestamp: 100, data: new Uint8Array([0, 1, 2]) });
  assert.throws(() => chunk.copyTo(new Uint8Array(2)), TypeError, 'destination too small');
  const detached = new ArrayBuffer(4);
  structuredClone(detached, { transfer: [detached] });
  assert.throws(() => chunk.copyTo(detached), TypeError, 'detached destination');
});

test(`${W} Test we can construct a zero-sized EncodedVideoChunk.`, () => {
  const chunk = new EncodedVideoChunk({ type: 'key', timestamp: 10, duration: 300, data: new Uint8Array() });
  assert.equal(chunk.byteLength, 0);
  const out = new Uint8Array();
  chunk.copyTo(out);
  assert.equal(out.length, 0);
});
