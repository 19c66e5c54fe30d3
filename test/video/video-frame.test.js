'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoFrame, VideoColorSpace, DOMRectReadOnly } = require('../..');
const { assertAttributes } = require('../helpers');

function i420(w, h) {
  const size = w * h + 2 * Math.ceil(w / 2) * Math.ceil(h / 2);
  return Uint8Array.from({ length: size }, (_, i) => i & 255);
}

test('construction from an I420 buffer and its attributes', () => {
  const f = new VideoFrame(i420(4, 2), { format: 'I420', codedWidth: 4, codedHeight: 2, timestamp: 1234, duration: 10 });
  assertAttributes(f, {
    format: 'I420', codedWidth: 4, codedHeight: 2, timestamp: 1234, duration: 10, displayWidth: 4, displayHeight: 2,
  });
  assert.ok(f.visibleRect instanceof DOMRectReadOnly);
  assert.deepEqual(f.visibleRect.toJSON(), { x: 0, y: 0, width: 4, height: 2, top: 0, right: 4, bottom: 2, left: 0 });
  assert.ok(f.colorSpace instanceof VideoColorSpace);
  assert.deepEqual(f.colorSpace.toJSON(), { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false });
  assert.equal(f.allocationSize(), 12);
  f.close();
});

test('copyTo copies the planes and returns the layout; rect and layout options', async () => {
  const data = i420(4, 2);
  const f = new VideoFrame(data, { format: 'I420', codedWidth: 4, codedHeight: 2, timestamp: 0 });
  const dest = new Uint8Array(12);
  const layout = await f.copyTo(dest);
  assert.deepEqual(layout, [{ offset: 0, stride: 4 }, { offset: 8, stride: 2 }, { offset: 10, stride: 2 }]);
  assert.deepEqual([...dest], [...data]);
  // A right-half rect.
  const half = new Uint8Array(f.allocationSize({ rect: { x: 2, y: 0, width: 2, height: 2 } }));
  assert.equal(half.length, 6);
  await f.copyTo(half, { rect: { x: 2, y: 0, width: 2, height: 2 } });
  assert.deepEqual([...half], [2, 3, 6, 7, 9, 11]);
  // An explicit padded layout.
  const padded = new Uint8Array(40);
  const l = [{ offset: 0, stride: 8 }, { offset: 20, stride: 4 }, { offset: 30, stride: 4 }];
  assert.deepEqual(await f.copyTo(padded, { layout: l }), l);
  assert.deepEqual([...padded.subarray(8, 12)], [4, 5, 6, 7]);
  assert.deepEqual([...padded.subarray(20, 22)], [8, 9]);
  // Too-small destinations and bad rects reject with TypeError, never throw.
  await assert.rejects(f.copyTo(new Uint8Array(11)), TypeError);
  await assert.rejects(f.copyTo(dest, { rect: { x: 1, y: 0, width: 2, height: 2 } }), TypeError);
  await assert.rejects(f.copyTo(dest, { rect: { x: 0, y: 0, width: 8, height: 2 } }), TypeError);
  f.close();
});

test('RGBA frames, the layout option at construction, and data offsets', async () => {
  const px = Uint8Array.from({ length: 2 * 2 * 4 }, (_, i) => i);
  // The pixels inside a larger buffer with a stride of 12 bytes and an offset.
  const big = new Uint8Array(64);
  big.set(px.subarray(0, 8), 4);
  big.set(px.subarray(8, 16), 16);
  const view = new DataView(big.buffer, 0, 64);
  const f = new VideoFrame(view, { format: 'RGBA', codedWidth: 2, codedHeight: 2, timestamp: 0, layout: [{ offset: 4, stride: 12 }] });
  const out = new Uint8Array(16);
  await f.copyTo(out);
  assert.deepEqual([...out], [...px]);
  assert.deepEqual(f.colorSpace.toJSON(), { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true });
  f.close();
});

test('clone shares pixels and survives closing the original; close releases', async () => {
  const f = new VideoFrame(i420(4, 2), { format: 'I420', codedWidth: 4, codedHeight: 2, timestamp: 5 });
  const c = f.clone();
  f.close();
  assert.equal(f.format, null);
  assert.equal(f.codedWidth, 0);
  assert.equal(f.visibleRect, null);
  assert.equal(f.timestamp, 5, 'timestamp survives close');
  assert.throws(() => f.clone(), (e) => e instanceof DOMException && e.name === 'InvalidStateError');
  assert.throws(() => f.allocationSize(), { name: 'InvalidStateError' });
  assert.throws(() => f.metadata(), { name: 'InvalidStateError' });
  await assert.rejects(f.copyTo(new Uint8Array(12)), { name: 'InvalidStateError' });
  f.close(); // idempotent
  const out = new Uint8Array(12);
  await c.copyTo(out);
  assert.deepEqual([...out], [...i420(4, 2)]);
  const g = new VideoFrame(c, { timestamp: 99 });
  assert.equal(g.timestamp, 99);
  assert.equal(g.codedWidth, 4);
  c.close();
  g.close();
  assert.throws(() => new VideoFrame(c), { name: 'InvalidStateError' });
});

test('visibleRect, rotation and display size', () => {
  const f = new VideoFrame(i420(8, 4), {
    format: 'I420', codedWidth: 8, codedHeight: 4, timestamp: 0,
    visibleRect: { x: 2, y: 2, width: 4, height: 2 }, rotation: 90,
  });
  // A buffer source keeps only its visible pixels: the rect becomes the coded size.
  assert.deepEqual([f.codedWidth, f.codedHeight, f.visibleRect.x, f.visibleRect.y], [4, 2, 0, 0]);
  assert.equal(f.rotation, 90);
  assert.equal(f.displayWidth, 2);
  assert.equal(f.displayHeight, 4);
  assert.equal(f.allocationSize(), 4 * 2 + 2 * 2 * 1);
  f.close();
  assert.throws(() => new VideoFrame(i420(8, 4), { format: 'I420', codedWidth: 8, codedHeight: 4, timestamp: 0, visibleRect: { x: 1, y: 0, width: 4, height: 2 } }), TypeError);
  assert.throws(() => new VideoFrame(i420(8, 4), { format: 'I420', codedWidth: 8, codedHeight: 4, timestamp: 0, displayWidth: 4 }), TypeError);
  assert.throws(() => new VideoFrame(i420(8, 4), { format: 'I420', codedWidth: 8, codedHeight: 4 }), TypeError);
  assert.throws(() => new VideoFrame({}, { format: 'I420', codedWidth: 8, codedHeight: 4, timestamp: 0 }), TypeError);
});

test('transfer detaches the buffer', () => {
  const data = i420(4, 2);
  const f = new VideoFrame(data, { format: 'I420', codedWidth: 4, codedHeight: 2, timestamp: 0, transfer: [data.buffer] });
  assert.equal(data.buffer.byteLength, 0);
  assert.equal(f.allocationSize(), 12);
  f.close();
  const d2 = i420(4, 2);
  assert.throws(() => new VideoFrame(d2, { format: 'I420', codedWidth: 4, codedHeight: 2, timestamp: 0, transfer: [d2.buffer, d2.buffer] }), { name: 'DataCloneError' });
});

test('VideoColorSpace', () => {
  const c = new VideoColorSpace({ primaries: 'bt2020', fullRange: true });
  assert.deepEqual(c.toJSON(), { primaries: 'bt2020', transfer: null, matrix: null, fullRange: true });
  assert.deepEqual(new VideoColorSpace().toJSON(), { primaries: null, transfer: null, matrix: null, fullRange: null });
  assert.throws(() => new VideoColorSpace({ primaries: 'nope' }), TypeError);
});

test('copyTo converts to RGBA/BGRA/RGBX/BGRX (BT.709 limited → sRGB)', async () => {
  // A 4x2 I420 frame: left half pure red, right half pure blue (BT.709 limited-range codes).
  const y = [63, 63, 32, 32, 63, 63, 32, 32];
  const u = [102, 240];
  const v = [240, 118];
  const f = new VideoFrame(new Uint8Array([...y, ...u, ...v]), { format: 'I420', codedWidth: 4, codedHeight: 2, timestamp: 0 });
  assert.equal(f.allocationSize({ format: 'RGBA' }), 32);
  const rgba = new Uint8Array(32);
  const layout = await f.copyTo(rgba, { format: 'RGBA' });
  assert.deepEqual(layout, [{ offset: 0, stride: 16 }]);
  const near = (a, b) => a.every((x, i) => Math.abs(x - b[i]) <= 3);
  assert.ok(near([...rgba.subarray(0, 4)], [255, 0, 0, 255]), `red: ${rgba.subarray(0, 4)}`);
  assert.ok(near([...rgba.subarray(8, 12)], [0, 0, 255, 255]), `blue: ${rgba.subarray(8, 12)}`);
  const bgrx = new Uint8Array(16);
  await f.copyTo(bgrx, { format: 'BGRX', rect: { x: 2, y: 0, width: 2, height: 2 } });
  assert.ok(near([...bgrx.subarray(0, 4)], [255, 0, 0, 255]), `blue as BGRX: ${bgrx.subarray(0, 4)}`);
  await assert.rejects(f.copyTo(new Uint8Array(64), { format: 'NV12' }), { name: 'NotSupportedError' });
  await assert.rejects(f.copyTo(new Uint8Array(31), { format: 'RGBA' }), TypeError);
  await assert.rejects(f.copyTo(new Uint8Array(32), { format: 'rgba' }), TypeError);
  f.close();
});

test('metadata(): registry members only, copied by clone and by construction from a frame', () => {
  const data = new Uint8Array(4 * 4 * 4);
  const f = new VideoFrame(data, {
    format: 'RGBA', codedWidth: 4, codedHeight: 4, timestamp: 0,
    metadata: { rtpTimestamp: 2 ** 32 + 7, notInTheRegistry: 'dropped' },
  });
  assert.deepEqual(f.metadata(), { rtpTimestamp: 7 }, 'unsigned long conversion, unknown members dropped');
  const m = f.metadata();
  m.rtpTimestamp = 1;
  assert.equal(f.metadata().rtpTimestamp, 7, 'metadata() returns a copy');
  const c = f.clone();
  assert.deepEqual(c.metadata(), { rtpTimestamp: 7 });
  const g = new VideoFrame(f, { timestamp: 9 });
  assert.deepEqual(g.metadata(), { rtpTimestamp: 7 }, 'kept from the source frame');
  const h = new VideoFrame(f, { metadata: { rtpTimestamp: 3 } });
  assert.deepEqual(h.metadata(), { rtpTimestamp: 3 });
  const plain = new VideoFrame(data, { format: 'RGBA', codedWidth: 4, codedHeight: 4, timestamp: 0 });
  assert.deepEqual(plain.metadata(), {});
  for (const x of [f, c, g, h, plain]) x.close();
});

test('copyTo with conversion of a large rect runs off the JS thread and matches the inline path', async () => {
  const W = 512;
  const H = 510;
  const f = new VideoFrame(i420(W, H), { format: 'I420', codedWidth: W, codedHeight: H, timestamp: 0 });
  const whole = new Uint8Array(W * H * 4);
  const pending = f.copyTo(whole, { format: 'BGRA' });
  f.clone().close();
  const g = f.clone();
  f.close(); // the conversion holds its own reference to the pixels
  const layout = await pending;
  assert.deepEqual(layout, [{ offset: 0, stride: W * 4 }]);
  // Reference: the same picture converted in strips small enough to be converted inline.
  for (let y = 0; y < H; y += 102) {
    const strip = new Uint8Array(W * 102 * 4);
    await g.copyTo(strip, { format: 'BGRA', rect: { x: 0, y, width: W, height: 102 } });
    assert.deepEqual(strip, whole.subarray(y * W * 4, (y + 102) * W * 4), `rows ${y}..${y + 102}`);
  }
  // A destination detached while the conversion runs: the promise rejects with a TypeError.
  const dest = new Uint8Array(W * H * 4);
  const p = g.copyTo(dest, { format: 'RGBA' });
  structuredClone(dest.buffer, { transfer: [dest.buffer] });
  await assert.rejects(p, TypeError);
  // Errors in the arguments still reject at once.
  await assert.rejects(g.copyTo(new Uint8Array(10), { format: 'RGBA' }), TypeError);
  g.close();
});

test('an ImageDecoder frame (made around a bare native handle) encodes with its own timestamp', async () => {
  const { ImageDecoder, VideoEncoder } = require('../..');
  const { generated } = require('../image/helpers');
  const data = require('node:fs').readFileSync(generated('anim.gif'));
  const dec = new ImageDecoder({ data, type: 'image/gif' });
  const { image } = await dec.decode({ frameIndex: 2 });
  dec.close();
  assert.ok(image.timestamp > 0, `timestamp ${image.timestamp}`);
  const chunks = [];
  const enc = new VideoEncoder({ output: (c) => chunks.push(c), error: assert.fail });
  enc.configure({ codec: 'vp8', width: image.codedWidth, height: image.codedHeight });
  enc.encode(image);
  await enc.flush();
  enc.close();
  assert.deepEqual(chunks.map((c) => c.timestamp), [image.timestamp]);
  image.close();
});
