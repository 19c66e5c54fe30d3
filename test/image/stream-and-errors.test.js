'use strict';
// Progressive input from a ReadableStream, the spec's errors, reset/close and isTypeSupported.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { ImageDecoder, ImageTrackList, ImageTrack } = require('../..');
const { fixture, ffmpegRgba, frameRgba, psnrRgba, generated, slowStream } = require('./helpers');

test('streaming GIF: tracks.ready before the data ends, frameCount grows, completed resolves', async () => {
  const file = generated('anim.gif');
  const bytes = fs.readFileSync(file);
  const d = new ImageDecoder({ data: slowStream(bytes, 200, 3), type: 'image/gif' });
  assert.equal(d.complete, false);
  assert.equal(d.tracks.length, 0);
  assert.equal(d.tracks.selectedIndex, -1);
  assert.equal(d.tracks.selectedTrack, null);
  let completedAt = null;
  d.completed.then(() => { completedAt = Date.now(); });
  // A decode issued before anything arrived waits for its frame.
  const last = d.decode({ frameIndex: 4 });
  await d.tracks.ready;
  assert.ok(d.tracks.ready instanceof Promise);
  assert.equal(d.complete, false, 'tracks are known before the stream ends');
  const early = d.tracks.selectedTrack.frameCount;
  assert.ok(early >= 2 && early < 5, `frameCount ${early} while streaming`);
  const { image } = await last;
  assert.equal(image.timestamp, 400000);
  const size = 64 * 48 * 4;
  assert.equal(psnrRgba(await frameRgba(image), ffmpegRgba(file).subarray(4 * size)), 99);
  image.close();
  await d.completed;
  assert.ok(completedAt !== null);
  assert.equal(d.complete, true);
  assert.equal(d.tracks.selectedTrack.frameCount, 5);
  await assert.rejects(d.decode({ frameIndex: 5 }), RangeError);
  d.close();
});

test('streaming still images (PNG, JPEG, AVIF) in small chunks decode once complete', async () => {
  for (const [name, type] of [['pattern.png', 'image/png'], ['four-colors.jpg', 'image/jpeg'], ['four-colors.avif', 'image/avif']]) {
    const bytes = fs.readFileSync(fixture(name));
    const d = new ImageDecoder({ data: slowStream(bytes, 97, 1), type });
    const p = d.decode();
    await d.tracks.ready;
    const { image, complete } = await p;
    assert.equal(complete, true);
    const ref = ffmpegRgba(fixture(name), ['-frames:v', '1']);
    assert.ok(psnrRgba(await frameRgba(image), ref) > 45, name);
    // An AVIF item can be complete before the stream reports its end.
    await d.completed;
    assert.equal(d.complete, true);
    image.close();
    d.close();
  }
});

test('stream chunks that are not Uint8Arrays close the decoder with DataError', async () => {
  const s = new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close(); } });
  const d = new ImageDecoder({ data: s, type: 'image/png' });
  await assert.rejects(d.completed, { name: 'DataError' });
  await assert.rejects(d.tracks.ready, { name: 'DataError' });
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
});

test('a stream error closes the decoder with NotReadableError', async () => {
  const s = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([0x89, 0x50])); c.error(new Error('boom')); } });
  const d = new ImageDecoder({ data: s, type: 'image/png' });
  const p = d.decode();
  await assert.rejects(p, { name: 'NotReadableError' });
  await assert.rejects(d.completed, { name: 'NotReadableError' });
});

test('constructor TypeErrors for invalid init', () => {
  const data = fs.readFileSync(fixture('four-colors.png'));
  assert.throws(() => new ImageDecoder(), TypeError);
  assert.throws(() => new ImageDecoder({ type: 'image/png' }), TypeError);
  assert.throws(() => new ImageDecoder({ data }), TypeError);
  assert.throws(() => new ImageDecoder({ data, type: 'png' }), TypeError);
  assert.throws(() => new ImageDecoder({ data: new Uint8Array(0), type: 'image/png' }), TypeError);
  assert.throws(() => new ImageDecoder({ data, type: 'image/png', desiredWidth: 10 }), TypeError);
  const buf = new ArrayBuffer(8);
  structuredClone(buf, { transfer: [buf] });
  assert.throws(() => new ImageDecoder({ data: buf, type: 'image/png' }), TypeError);
  const s = new ReadableStream();
  s.getReader();
  assert.throws(() => new ImageDecoder({ data: s, type: 'image/png' }), TypeError);
  assert.throws(() => new ImageDecoder({ data, type: 'image/png', transfer: [data.buffer, data.buffer] }), { name: 'DataCloneError' });
  assert.throws(() => new ImageTrackList(), TypeError);
  assert.throws(() => new ImageTrack(), TypeError);
});

test('transfer detaches the data buffer', async () => {
  const bytes = new Uint8Array(fs.readFileSync(fixture('four-colors.png')));
  const d = new ImageDecoder({ data: bytes, type: 'image/png', transfer: [bytes.buffer] });
  assert.equal(bytes.buffer.byteLength, 0);
  const { image } = await d.decode();
  assert.equal(image.codedWidth, 320);
  image.close();
  d.close();
});

test('unsupported type: decode, tracks.ready and completed reject with NotSupportedError', async () => {
  const d = new ImageDecoder({ data: new Uint8Array([1, 2, 3]), type: 'image/x-unknown' });
  assert.equal(d.type, 'image/x-unknown');
  await assert.rejects(d.decode(), { name: 'NotSupportedError' });
  await assert.rejects(d.tracks.ready, { name: 'NotSupportedError' });
  // Buffer data is complete at once, so `completed` already resolved.
  await d.completed;
  const s = new ImageDecoder({ data: slowStream(new Uint8Array(10)), type: 'image/x-unknown' });
  await assert.rejects(s.completed, { name: 'NotSupportedError' });
});

test('corrupt data → EncodingError (tracks.ready and decode)', async () => {
  const garbage = new Uint8Array(256).map((_, i) => (i * 37) & 255);
  const d = new ImageDecoder({ data: garbage, type: 'image/png' });
  await assert.rejects(d.tracks.ready, { name: 'EncodingError' });
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
  // A valid header with corrupt pixel data fails at decode time.
  const png = new Uint8Array(fs.readFileSync(fixture('four-colors.png')));
  const idat = Buffer.from(png).indexOf('IDAT');
  const len = Buffer.from(png).readUInt32BE(idat - 4);
  for (let i = idat + 4; i < idat + 4 + len; i++) png[i] ^= 0x5a;
  const e = new ImageDecoder({ data: png, type: 'image/png' });
  await e.tracks.ready.catch(() => {});
  await assert.rejects(e.decode(), { name: 'EncodingError' });
  // JPEG data that is not a JPEG at all.
  const f = new ImageDecoder({ data: new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]), type: 'image/jpeg' });
  await assert.rejects(f.decode(), { name: 'EncodingError' });
});

test('data that ends before the header → InvalidStateError', async () => {
  const d = new ImageDecoder({ data: new Uint8Array([0x89, 0x50, 0x4e]), type: 'image/png' });
  await assert.rejects(d.tracks.ready, { name: 'InvalidStateError' });
});

test('frameIndex past a still image → RangeError', async () => {
  const d = new ImageDecoder({ data: fs.readFileSync(fixture('four-colors.webp')), type: 'image/webp' });
  await assert.rejects(d.decode({ frameIndex: 1 }), RangeError);
  const { image } = await d.decode();
  image.close();
  d.close();
});

test('closed decoder: decode rejects with InvalidStateError; ready rejects with AbortError', async () => {
  const d = new ImageDecoder({ data: fs.readFileSync(fixture('four-colors.png')), type: 'image/png' });
  d.close();
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
  await assert.rejects(d.tracks.ready, { name: 'AbortError' });
  assert.equal(d.tracks.length, 0);
  d.close(); // idempotent
  d.reset(); // never throws
});

test('close() after tracks are known clears the list and rejects pending decodes with AbortError', async () => {
  const d = new ImageDecoder({ data: fs.readFileSync(generated('anim.gif')), type: 'image/gif' });
  await d.tracks.ready;
  const p = d.decode({ frameIndex: 4 });
  d.close();
  await assert.rejects(p, { name: 'AbortError' });
  assert.equal(d.tracks.length, 0);
  assert.equal(d.tracks.selectedIndex, -1);
  assert.equal(d.tracks[0], undefined);
});

test('reset() rejects pending decodes with AbortError and the decoder keeps working', async () => {
  const bytes = fs.readFileSync(generated('anim.gif'));
  const d = new ImageDecoder({ data: slowStream(bytes, 100, 5), type: 'image/gif' });
  const pending = [d.decode({ frameIndex: 3 }), d.decode({ frameIndex: 4 })];
  d.reset();
  for (const p of pending) await assert.rejects(p, { name: 'AbortError' });
  const { image } = await d.decode({ frameIndex: 2 });
  assert.equal(image.timestamp, 200000);
  image.close();
  await d.completed;
  d.close();
});

test('deselecting the track aborts pending decodes; decode then rejects', async () => {
  const d = new ImageDecoder({ data: fs.readFileSync(generated('anim.gif')), type: 'image/gif' });
  await d.tracks.ready;
  const t = d.tracks.selectedTrack;
  const p = d.decode({ frameIndex: 1 });
  t.selected = false;
  await assert.rejects(p, { name: 'AbortError' });
  assert.equal(d.tracks.selectedIndex, -1);
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
  t.selected = true;
  assert.equal(d.tracks.selectedIndex, 0);
  const { image } = await d.decode({ frameIndex: 1 });
  image.close();
  d.close();
});

test('isTypeSupported', async () => {
  for (const t of ['image/jpeg', 'image/png', 'image/apng', 'image/gif', 'image/webp', 'image/avif', 'image/bmp', 'image/x-icon', 'IMAGE/PNG']) {
    assert.equal(await ImageDecoder.isTypeSupported(t), true, t);
  }
  for (const t of ['image/svg+xml', 'image/heic', 'image/jxl', 'image/tiff']) {
    assert.equal(await ImageDecoder.isTypeSupported(t), false, t);
  }
  await assert.rejects(ImageDecoder.isTypeSupported('video/mp4'), TypeError);
  await assert.rejects(ImageDecoder.isTypeSupported('not a mime'), TypeError);
});

test('an animated WebP header without frames → EncodingError', async () => {
  // RIFF/WEBP with only a VP8X chunk whose animation flag is set.
  const b = new Uint8Array(30);
  b.set([...Buffer.from('RIFF')], 0);
  b.set([22, 0, 0, 0], 4);
  b.set([...Buffer.from('WEBPVP8X')], 8);
  b.set([10, 0, 0, 0, 0x02], 16);
  const d = new ImageDecoder({ data: b, type: 'image/webp' });
  await assert.rejects(d.tracks.ready, { name: 'EncodingError' });
});

test('streaming animated WebP: frames become available as their ANMF chunks arrive', async () => {
  const bytes = fs.readFileSync(generated('anim.webp'));
  const d = new ImageDecoder({ data: slowStream(bytes, 50, 2), type: 'image/webp' });
  const p = d.decode({ frameIndex: 2 });
  await d.tracks.ready;
  assert.equal(d.complete, false);
  const { image } = await p;
  assert.equal(image.timestamp, 200000);
  image.close();
  await d.completed;
  assert.equal(d.tracks.selectedTrack.frameCount, 3);
  d.close();
});
