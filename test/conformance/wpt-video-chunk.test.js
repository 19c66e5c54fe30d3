'use strict';
// Mirrors the cases of WPT webcodecs/encoded-video-chunk.any.js, encoded-audio-chunk.any.js,
// encoded-video-chunk.crossOriginIsolated.https.any.js and the chunk, AudioData and
// ImageDecoder cases of transfering.https.any.js (its VideoFrame cases are in
// wpt-video-frame-construction.test.js) in our own words.
const test = require('node:test');
const assert = require('node:assert/strict');
const { EncodedVideoChunk, EncodedAudioChunk, AudioData, AudioEncoder, ImageDecoder } = require('../..');
const { media } = require('./wpt-media');

const W = 'WPT encoded-video-chunk:';

// A key chunk with a duration and a delta chunk without: attributes and copyTo() of each (WPT's
// "Test we can construct an Encoded{Video,Audio}Chunk.").
function checkConstruction(Chunk, duration) {
  const key = new Chunk({ type: 'key', timestamp: 10, duration, data: new Uint8Array([0x0A, 0x0B, 0x0C]) });
  assert.deepEqual([key.type, key.timestamp, key.duration, key.byteLength], ['key', 10, duration, 3]);
  const out = new Uint8Array(3);
  key.copyTo(out);
  assert.deepEqual([...out], [0x0A, 0x0B, 0x0C]);
  const delta = new Chunk({ type: 'delta', timestamp: 100, data: new Uint8Array([0x00, 0x01]) });
  assert.deepEqual([delta.type, delta.timestamp, delta.duration, delta.byteLength], ['delta', 100, null, 2]);
  const out2 = new Uint8Array(2).fill(9);
  delta.copyTo(out2);
  assert.deepEqual([...out2], [0x00, 0x01]);
}

// copyTo() into a destination too small, or detached, is a TypeError.
function checkCopyToErrors(Chunk) {
  const chunk = new Chunk({ type: 'delta', timestamp: 100, data: new Uint8Array([0, 1, 2]) });
  assert.throws(() => chunk.copyTo(new Uint8Array(2)), TypeError, 'destination too small');
  const detached = new ArrayBuffer(10);
  structuredClone(detached, { transfer: [detached] });
  assert.throws(() => chunk.copyTo(detached), TypeError, 'detached destination');
  assert.throws(() => chunk.copyTo(new Uint8Array(detached)), TypeError, 'view of a detached destination');
}

test(`${W} Test we can construct an EncodedVideoChunk.`, () => checkConstruction(EncodedVideoChunk, 300));

test(`${W} Test copyTo() exception if destiation invalid`, () => checkCopyToErrors(EncodedVideoChunk));

test(`${W} Test we can construct a zero-sized EncodedVideoChunk.`, () => {
  const chunk = new EncodedVideoChunk({ type: 'key', timestamp: 10, duration: 300, data: new Uint8Array() });
  assert.equal(chunk.byteLength, 0);
  const out = new Uint8Array();
  chunk.copyTo(out);
  assert.equal(out.length, 0);
});

// --- encoded-audio-chunk.any.js
test('WPT encoded-audio-chunk: Test we can construct an EncodedAudioChunk.', () => checkConstruction(EncodedAudioChunk, 123));

test('WPT encoded-audio-chunk: Test copyTo() exception if destination invalid', () => checkCopyToErrors(EncodedAudioChunk));

// --- encoded-video-chunk.crossOriginIsolated.https.any.js: data and destination may live in a
// SharedArrayBuffer, given directly or through a view.
for (const [what, useView] of [['a SharedArrayBuffer', false], ['a Uint8Array(SharedArrayBuffer)', true]]) {
  test(`WPT encoded-video-chunk.crossOriginIsolated: Test construction and copyTo() using ${what}`, () => {
    const shared = new SharedArrayBuffer(3);
    new Uint8Array(shared).set([0x0A, 0x0B, 0x0C]);
    const chunk = new EncodedVideoChunk({ type: 'key', timestamp: 10, duration: 123, data: useView ? new Uint8Array(shared) : shared });
    new Uint8Array(shared)[0] = 0xFF; // the chunk keeps its own copy
    assert.equal(chunk.byteLength, 3);
    const dest = new SharedArrayBuffer(3);
    chunk.copyTo(useView ? new Uint8Array(dest) : dest);
    assert.deepEqual([...new Uint8Array(dest)], [0x0A, 0x0B, 0x0C]);
  });
}

// --- transfering.https.any.js: every buffer listed in `transfer` is detached, and the object
// keeps the bytes.
const BYTES = [0xBA, 0xDF, 0x00, 0xD0, 0xBA, 0xDF, 0x01, 0xD0, 0xBA, 0xDF];
for (const [name, Chunk] of [['EncodedAudioChunk', EncodedAudioChunk], ['EncodedVideoChunk', EncodedVideoChunk]]) {
  test(`WPT transfering: Test transfering ArrayBuffer to ${name}`, () => {
    const data = new Uint8Array(BYTES);
    const unused = new ArrayBuffer(123);
    const chunk = new Chunk({ type: 'key', timestamp: 0, data, transfer: [data.buffer, unused] });
    assert.equal(data.length, 0, 'data detached');
    assert.equal(unused.byteLength, 0, 'every listed buffer detached');
    const out = new Uint8Array(chunk.byteLength);
    chunk.copyTo(out);
    assert.deepEqual([...out], BYTES);
  });
}

test('WPT transfering: Test transfering ArrayBuffer to AudioData', () => {
  const data = new Uint8Array(BYTES);
  const unused = new ArrayBuffer(123);
  const audio = new AudioData({ timestamp: 0, numberOfFrames: data.length, numberOfChannels: 1, sampleRate: 10000,
    format: 'u8', data, transfer: [data.buffer, unused] });
  assert.equal(data.length, 0);
  assert.equal(unused.byteLength, 0);
  const out = new Uint8Array(BYTES.length);
  audio.copyTo(out, { planeIndex: 0, format: 'u8' });
  assert.deepEqual([...out], BYTES);
  audio.close();
});

test('WPT transfering: Encoding from AudioData with transferred buffer', async () => {
  const chunks = [];
  const enc = new AudioEncoder({ output: (c) => chunks.push(c), error: (e) => assert.fail(e) });
  enc.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 256000 });
  for (let i = 0; i < 10; i++) {
    const samples = new Float32Array(4800 * 2);
    for (let k = 0; k < samples.length; k++) samples[k] = Math.sin(k / 9) / 2;
    const data = new AudioData({ timestamp: i * 100000, data: samples, numberOfChannels: 2, numberOfFrames: 4800,
      sampleRate: 48000, format: 'f32-planar', transfer: [samples.buffer] });
    assert.equal(samples.length, 0, 'detached');
    enc.encode(data);
  }
  await enc.flush();
  enc.close();
  assert.ok(chunks.length > 0);
  assert.ok(chunks.every((c) => c.byteLength > 0));
});

test('WPT transfering: Test transfering ArrayBuffer to ImageDecoder.', async () => {
  const file = media('four-colors.png');
  const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.length);
  const unused = new ArrayBuffer(123);
  const decoder = new ImageDecoder({ data: buffer, type: 'image/png', transfer: [buffer, unused] });
  assert.equal(buffer.byteLength, 0, 'data detached');
  assert.equal(unused.byteLength, 0, 'every listed buffer detached');
  const { image } = await decoder.decode();
  assert.deepEqual([image.displayWidth, image.displayHeight], [320, 240]);
  image.close();
  decoder.close();
});
