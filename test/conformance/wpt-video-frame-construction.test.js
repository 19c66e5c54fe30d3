'use strict';
// Mirrors the buffer- and VideoFrame-based cases of WPT webcodecs/videoFrame-construction.any.js
// in our own words. Node has no ImageBitmap or OffscreenCanvas: where WPT builds its source from
// a 32x16 ImageBitmap, these tests use a 32x16 RGBA VideoFrame (also a CanvasImageSource), and
// the cases that need a real <video>, canvas or ImageBitmap are left out.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoFrame } = require('../..');

const W = 'WPT videoFrame-construction:';
const I420_4x2 = () => new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 1, 2]);
const i420Frame = (extra = {}) =>
  new VideoFrame(I420_4x2(), { format: 'I420', timestamp: 1234, codedWidth: 4, codedHeight: 2, ...extra });
const rgbaSource = (w = 32, h = 16) =>
  new VideoFrame(new Uint8Array(w * h * 4).fill(200), { format: 'RGBA', timestamp: 10, codedWidth: w, codedHeight: h });
const RGB_BYTES = () => Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const spaceOf = (f) => ({ ...f.colorSpace.toJSON() });

test(`${W} Test that timestamp is NOT required when constructing VideoFrame from another VideoFrame`, () => {
  const src = i420Frame();
  const copy = new VideoFrame(src);
  assert.equal(copy.timestamp, 1234);
  copy.close();
  src.close();
});

test(`${W} Test constructing w/ unusable image argument throws: closed VideoFrame.`, () => {
  const src = rgbaSource();
  src.close();
  assert.throws(() => new VideoFrame(src), { name: 'InvalidStateError' });
});

test(`${W} Test invalid CanvasImageSource constructed VideoFrames`, () => {
  const image = rgbaSource();
  const bad = (init, why) => assert.throws(() => new VideoFrame(image, { timestamp: 10, ...init }), TypeError, why);
  bad({ visibleRect: { x: -1, y: 0, width: 10, height: 10 } }, 'negative visibleRect x');
  bad({ visibleRect: { x: 0, y: 0, width: -10, height: 10 } }, 'negative visibleRect width');
  bad({ visibleRect: { x: 0, y: 0, width: 10, height: 0 } }, 'zero visibleRect height');
  bad({ visibleRect: { x: 0, y: Infinity, width: 10, height: 10 } }, 'non-finite y');
  bad({ visibleRect: { x: 0, y: 0, width: 10, height: Infinity } }, 'non-finite height');
  bad({ visibleRect: { x: 0, y: 0, width: 33, height: 17 } }, 'larger than the coded size');
  bad({ visibleRect: { x: 2, y: 2, width: 32, height: 16 } }, 'outside the coded size');
  bad({ displayHeight: 10 }, 'displayHeight without displayWidth');
  bad({ displayWidth: 10 }, 'displayWidth without displayHeight');
  bad({ displayWidth: 0, displayHeight: 10 }, 'zero displayWidth');
  bad({ displayWidth: 10, displayHeight: 0 }, 'zero displayHeight');
  const i420 = i420Frame();
  assert.throws(() => new VideoFrame(i420, { visibleRect: { x: 1, y: 0, width: 2, height: 2 } }), TypeError, 'x not sample aligned');
  assert.throws(() => new VideoFrame(i420, { visibleRect: { x: 0, y: 1, width: 2, height: 2 } }), TypeError, 'y not sample aligned');
  i420.close();
  image.close();
});

// [case name, init of the 4x2 I420 source, expected display size of its right/left half]
const CROPS = [
  ['source display size = visible size', {}, { x: 0 }, [2, 2]],
  ['source display width = 2 * visible width (anamorphic)', { displayWidth: 8, displayHeight: 2 }, { x: 2 }, [4, 2]],
  ['source display size = 2 * visible size for both width and height', { displayWidth: 8, displayHeight: 4 }, { x: 2 }, [4, 4]],
];
for (const [name, init, { x }, [dw, dh]] of CROPS) {
  test(`${W} Test visibleRect metadata override where ${name}`, () => {
    const src = i420Frame(init);
    const crop = new VideoFrame(src, { visibleRect: { x, y: 0, width: 2, height: 2 } });
    assert.deepEqual([crop.codedWidth, crop.codedHeight], [4, 2]);
    assert.deepEqual([crop.visibleRect.x, crop.visibleRect.y, crop.visibleRect.width, crop.visibleRect.height], [x, 0, 2, 2]);
    assert.deepEqual([crop.displayWidth, crop.displayHeight], [dw, dh]);
    crop.close();
    src.close();
  });
}

test(`${W} Test visibleRect + display size metadata override`, () => {
  const image = rgbaSource();
  const f = new VideoFrame(image, { visibleRect: { x: 0, y: 0, width: 2, height: 2 }, displayWidth: 10, displayHeight: 20, timestamp: 0 });
  assert.deepEqual([f.codedWidth, f.codedHeight, f.visibleRect.width, f.visibleRect.height, f.displayWidth, f.displayHeight],
    [32, 16, 2, 2, 10, 20]);
  f.close();
  image.close();
});

test(`${W} Test display size metadata override`, () => {
  const image = rgbaSource();
  const f = new VideoFrame(image, { displayWidth: 10, displayHeight: 20, timestamp: 0 });
  assert.deepEqual([f.codedWidth, f.codedHeight, f.visibleRect.x, f.visibleRect.y, f.visibleRect.width, f.visibleRect.height,
    f.displayWidth, f.displayHeight], [32, 16, 0, 0, 32, 16, 10, 20]);
  f.close();
  image.close();
});

test(`${W} Test invalid buffer constructed VideoFrames`, () => {
  assert.throws(() => new VideoFrame(new Uint8Array(1), { format: 'ABCD', timestamp: 1234, codedWidth: 4, codedHeight: 2 }), TypeError, 'bad format');
  assert.throws(() => new VideoFrame(new Uint32Array(1), { format: 'RGBA', timestamp: 1234 }), TypeError, 'no coded size');
  const bad = (init, why) => assert.throws(() => new VideoFrame(I420_4x2(), { timestamp: 1234, ...init, format: 'I420' }), TypeError, why);
  bad({ codedWidth: 2 ** 32 - 1, codedHeight: 2 ** 32 - 1 }, 'huge coded size');
  bad({ codedWidth: 4, codedHeight: 0 }, 'zero coded height');
  bad({ codedWidth: 0, codedHeight: 4 }, 'zero coded width');
  // The stored WPT version also wants odd I420 coded sizes (4x1, 3x2) rejected; the spec and
  // newer WPT (videoFrame-copyTo "I420 with odd coded size") allow them, and so do we.
  bad({ codedWidth: 4, codedHeight: 2, visibleRect: { x: 100, y: 100, width: 1, height: 1 } }, 'visibleRect outside');
  bad({ codedWidth: 4, codedHeight: 2, visibleRect: { x: 0, y: 0, width: 0, height: 2 } }, 'zero visible width');
  bad({ codedWidth: 4, codedHeight: 2, visibleRect: { x: 0, y: 0, width: 2, height: 0 } }, 'zero visible height');
  bad({ codedWidth: 4, codedHeight: 2, visibleRect: { x: 0, y: 0, width: -100, height: -100 } }, 'negative visible size');
  bad({ codedWidth: 4, codedHeight: 2, displayWidth: 2 ** 32 }, 'display width out of range');
  bad({ codedWidth: 4, codedHeight: 2, displayWidth: 2 ** 32 - 1, displayHeight: 2 ** 32 }, 'display height out of range');
});

test(`${W} Test planar constructed I420 VideoFrame with colorSpace`, () => {
  const f = i420Frame({ colorSpace: { primaries: 'smpte170m', matrix: 'bt470bg' } });
  assert.deepEqual(spaceOf(f), { primaries: 'smpte170m', transfer: null, matrix: 'bt470bg', fullRange: null });
  f.close();
});

test(`${W} Test planar constructed I420 VideoFrame with null colorSpace values`, () => {
  const f = i420Frame({ colorSpace: { primaries: null, transfer: null, matrix: null, fullRange: null } });
  assert.deepEqual(spaceOf(f), { primaries: null, transfer: null, matrix: null, fullRange: null });
  f.close();
});

const REC709 = { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false };
const SRGB = { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true };

test(`${W} Test buffer constructed I420+Alpha VideoFrame`, () => {
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 1, 2, 8, 7, 6, 5, 4, 3, 2, 1]);
  const init = { format: 'I420A', timestamp: 1234, codedWidth: 4, codedHeight: 2 };
  const f = new VideoFrame(data, init);
  assert.equal(f.format, 'I420A');
  assert.deepEqual(spaceOf(f), REC709);
  f.close();
  const [y, u, v] = [{ offset: 0, stride: 4 }, { offset: 8, stride: 2 }, { offset: 10, stride: 2 }];
  assert.throws(() => new VideoFrame(data, { ...init, layout: [y, u, v, { offset: 12, stride: 1 }] }), TypeError, 'alpha stride');
  assert.throws(() => new VideoFrame(data.slice(0, 12), init), TypeError, 'data too small');
});

test(`${W} Test buffer constructed NV12 VideoFrame`, () => {
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4]);
  const init = { format: 'NV12', timestamp: 1234, codedWidth: 4, codedHeight: 2 };
  const f = new VideoFrame(data, init);
  assert.equal(f.format, 'NV12');
  assert.deepEqual(spaceOf(f), REC709);
  f.close();
  assert.throws(() => new VideoFrame(data, { ...init, layout: [{ offset: 0, stride: 1 }, { offset: 8, stride: 4 }] }), TypeError, 'y stride');
  assert.throws(() => new VideoFrame(data, { ...init, layout: [{ offset: 0, stride: 4 }, { offset: 8, stride: 1 }] }), TypeError, 'uv stride');
  assert.throws(() => new VideoFrame(data.slice(0, 8), init), TypeError, 'data too small');
});

test(`${W} Test buffer constructed RGB VideoFrames`, () => {
  for (const format of ['RGBA', 'RGBX', 'BGRA', 'BGRX']) {
    const f = new VideoFrame(RGB_BYTES(), { format, timestamp: 1234, codedWidth: 4, codedHeight: 2 });
    assert.equal(f.format, format);
    assert.deepEqual(spaceOf(f), SRGB, format);
    f.close();
  }
});

test(`${W} Test VideoFrame constructed VideoFrame`, () => {
  const src = rgbaSource();
  const same = new VideoFrame(src);
  for (const k of ['format', 'timestamp', 'codedWidth', 'codedHeight', 'displayWidth', 'displayHeight', 'duration']) {
    assert.equal(same[k], src[k], k);
  }
  same.close();
  const withDuration = new VideoFrame(src, { duration: 1234 });
  assert.deepEqual([withDuration.timestamp, withDuration.duration], [src.timestamp, 1234]);
  withDuration.close();
  const retimed = new VideoFrame(src, { timestamp: 1234, duration: 456 });
  assert.deepEqual([retimed.timestamp, retimed.duration], [1234, 456]);
  retimed.close();
  src.close();
});

test(`${W} Test I420 VideoFrame with odd visible size`, () => {
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 1, 2, 8, 7, 6, 5, 4, 3, 2, 1]);
  const f = new VideoFrame(data, { format: 'I420', timestamp: 1234, codedWidth: 4, codedHeight: 2,
    visibleRect: { x: 0, y: 0, width: 1, height: 1 } });
  assert.equal(f.format, 'I420');
  assert.deepEqual([f.visibleRect.x, f.visibleRect.y, f.visibleRect.width, f.visibleRect.height], [0, 0, 1, 1]);
  f.close();
});

test(`${W} Test I420A VideoFrame and alpha={keep,discard}`, () => {
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 1, 2, 8, 7, 6, 5, 4, 3, 2, 1]);
  const f = new VideoFrame(data, { format: 'I420A', timestamp: 1234, codedWidth: 4, codedHeight: 2 });
  const keep = new VideoFrame(f, { alpha: 'keep' });
  const discard = new VideoFrame(f, { alpha: 'discard' });
  assert.deepEqual([f.format, keep.format, discard.format], ['I420A', 'I420A', 'I420']);
  [f, keep, discard].forEach((x) => x.close());
});

test(`${W} Test RGBA, BGRA VideoFrames with alpha={keep,discard}`, () => {
  for (const [format, opaque] of [['RGBA', 'RGBX'], ['BGRA', 'BGRX']]) {
    const f = new VideoFrame(RGB_BYTES(), { format, timestamp: 1234, codedWidth: 4, codedHeight: 2 });
    const keep = new VideoFrame(f, { alpha: 'keep' });
    const discard = new VideoFrame(f, { alpha: 'discard' });
    assert.deepEqual([f.format, keep.format, discard.format], [format, format, opaque]);
    [f, keep, discard].forEach((x) => x.close());
  }
});

const PIXELS = [0xBA, 0xDF, 0x00, 0xD0, 0xBA, 0xDF, 0x01, 0xD0, 0xBA, 0xDF, 0x02, 0xD0, 0xBA, 0xDF, 0x03, 0xD0];
const rgba2x2 = (transfer) => ({ format: 'RGBA', timestamp: 1234, codedWidth: 2, codedHeight: 2,
  visibleRect: { x: 0, y: 0, width: 2, height: 2 }, transfer });
async function copyAll(frame) {
  const options = { rect: { x: 0, y: 0, width: 2, height: 2 } };
  const out = new Uint8Array(frame.allocationSize(options));
  await frame.copyTo(out, options);
  return [...out];
}

test(`${W} Test transfering ArrayBuffer to VideoFrame`, async () => {
  const data = new Uint8Array(PIXELS);
  const unused = new ArrayBuffer(123);
  const f = new VideoFrame(data, rgba2x2([data.buffer, unused]));
  assert.equal(f.format, 'RGBA');
  assert.equal(data.length, 0, 'data detached');
  assert.equal(unused.byteLength, 0, 'every listed buffer detached');
  assert.deepEqual(await copyAll(f), PIXELS);
  f.close();
});

test(`${W} Test transfering detached buffer to VideoFrame`, () => {
  const data = new Uint8Array(PIXELS);
  const detached = new ArrayBuffer(123);
  structuredClone({ x: detached }, { transfer: [detached] });
  assert.throws(() => new VideoFrame(data, rgba2x2([data.buffer, detached])), { name: 'DataCloneError' });
  assert.equal(data.length, 16, 'data not detached');
});

test(`${W} Test transfering view of an ArrayBuffer to VideoFrame`, async () => {
  const buffer = new ArrayBuffer(6 + 16);
  const data = new Uint8Array(buffer, 6);
  data.fill(0xEE);
  const f = new VideoFrame(data, rgba2x2([buffer]));
  assert.equal(data.length, 0);
  assert.equal(buffer.byteLength, 0);
  assert.deepEqual(await copyAll(f), new Array(16).fill(0xEE));
  f.close();
});

test(`${W} Test transfering same array buffer twice`, () => {
  const buffer = new ArrayBuffer(6 + 16);
  const data = new Uint8Array(buffer, 6);
  assert.throws(() => new VideoFrame(data, rgba2x2([buffer, buffer])), { name: 'DataCloneError' });
  assert.equal(data.length, 16, 'data not detached');
});

test(`${W} (ours) an anamorphic source keeps its pixel aspect through rotation and crop`, () => {
  const src = i420Frame({ displayWidth: 8, displayHeight: 2 });
  const turned = new VideoFrame(src, { rotation: 90 });
  assert.deepEqual([turned.displayWidth, turned.displayHeight], [2, 8], 'quarter turn swaps the display size');
  const cropped = new VideoFrame(turned, { visibleRect: { x: 0, y: 0, width: 2, height: 2 } });
  assert.deepEqual([cropped.displayWidth, cropped.displayHeight], [2, 4], 'half the width, still 2:1 pixels, still turned');
  [src, turned, cropped].forEach((f) => f.close());
});

// The four basic ImageBitmap cases, with a buffer-backed RGBA source in place of the bitmap.
test(`${W} Test we can construct a VideoFrame.`, () => {
  const image = rgbaSource();
  const f = new VideoFrame(image, { timestamp: 10 });
  assert.deepEqual([f.timestamp, f.duration, f.visibleRect.width, f.visibleRect.height, f.displayWidth, f.displayHeight],
    [10, null, 32, 16, 32, 16]);
  [f, image].forEach((x) => x.close());
});

test(`${W} Test closed VideoFrame.`, () => {
  const image = rgbaSource();
  const f = new VideoFrame(image, { timestamp: 10, duration: 15 });
  f.close();
  image.close();
  assert.deepEqual([f.format, f.timestamp, f.duration, f.codedWidth, f.codedHeight, f.visibleRect, f.displayWidth, f.displayHeight],
    [null, 10, 15, 0, 0, null, 0, 0]);
  assert.deepEqual(spaceOf(f), { primaries: null, transfer: null, matrix: null, fullRange: null });
  assert.throws(() => f.clone(), { name: 'InvalidStateError' });
});

test(`${W} Test we can construct a VideoFrame with a negative timestamp.`, () => {
  const image = rgbaSource();
  const f = new VideoFrame(image, { timestamp: -10 });
  assert.equal(f.timestamp, -10);
  [f, image].forEach((x) => x.close());
});

test(`${W} Test we can construct an odd-sized VideoFrame.`, () => {
  const image = rgbaSource(1, 1);
  const f = new VideoFrame(image, { timestamp: 10 });
  assert.deepEqual([f.visibleRect.width, f.visibleRect.height, f.displayWidth, f.displayHeight], [1, 1, 1, 1]);
  [f, image].forEach((x) => x.close());
});

// WPT's testBufferConstructedI420Frame(): an I420 frame from `data` reports the format and the
// BT.709 limited-range default colour space; a layout whose stride is too small for a plane, or
// data too short for the frame, is a TypeError.
function checkBufferConstructedI420(data) {
  const init = { format: 'I420', timestamp: 1234, codedWidth: 4, codedHeight: 2 };
  const f = new VideoFrame(data, init);
  assert.equal(f.format, 'I420');
  assert.deepEqual(spaceOf(f), { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false });
  f.close();
  const [y, u, v] = [{ offset: 0, stride: 4 }, { offset: 8, stride: 2 }, { offset: 10, stride: 2 }];
  for (const [plane, layout] of [['y', [{ offset: 0, stride: 1 }, u, v]], ['u', [y, { offset: 8, stride: 1 }, v]],
    ['v', [y, u, { offset: 10, stride: 1 }]]]) {
    assert.throws(() => new VideoFrame(data, { ...init, layout }), TypeError, `${plane} stride too small`);
  }
  assert.throws(() => new VideoFrame(data.slice(0, 8), init), TypeError, 'data too small');
}

// The four buffer types of videoFrame-construction.any.js ('ArrayBuffer', 'Uint8Array(ArrayBuffer)')
// and videoFrame-construction.crossOriginIsolated.https.any.js (the SharedArrayBuffer pair).
for (const [name, Buffer, view, file] of [
  ['Uint8Array(ArrayBuffer)', ArrayBuffer, true, W],
  ['ArrayBuffer', ArrayBuffer, false, W],
  ['SharedArrayBuffer', SharedArrayBuffer, false, 'WPT videoFrame-construction.crossOriginIsolated:'],
  ['Uint8Array(SharedArrayBuffer)', SharedArrayBuffer, true, 'WPT videoFrame-construction.crossOriginIsolated:'],
]) {
  test(`${file} Test ${name} constructed I420 VideoFrame`, () => {
    const buffer = new Buffer(12);
    new Uint8Array(buffer).set(I420_4x2());
    checkBufferConstructedI420(view ? new Uint8Array(buffer) : buffer);
  });
}

// "Test we can construct a <format> VideoFrame": every YUV format of the spec, 4x2, packed.
const YUV_FORMATS = ['I420', 'I420P10', 'I420P12', 'I420A', 'I420AP10', 'I420AP12', 'I422', 'I422P10', 'I422P12',
  'I422A', 'I422AP10', 'I422AP12', 'I444', 'I444P10', 'I444P12', 'I444A', 'I444AP10', 'I444AP12'];
for (const format of YUV_FORMATS) {
  test(`${W} Test we can construct a ${format} VideoFrame`, () => {
    const bytes = /P1[02]/.test(format) ? 2 : 1;
    const chroma = format.startsWith('I420') ? 2 : format.startsWith('I422') ? 4 : 8;
    const planes = [8, chroma, chroma, ...(/A/.test(format) ? [8] : [])];
    const size = planes.reduce((a, b) => a + b, 0) * bytes;
    const f = new VideoFrame(Uint8Array.from({ length: size }, (_, i) => i & 0x3), {
      format, timestamp: 1234, codedWidth: 4, codedHeight: 2,
    });
    assert.equal(f.format, format);
    assert.equal(f.allocationSize(), size, 'a packed copy is exactly the planes WPT passes');
    f.close();
    assert.throws(() => new VideoFrame(new Uint8Array(size - 1), { format, timestamp: 0, codedWidth: 4, codedHeight: 2 }),
      TypeError, 'one byte short');
  });
}

// --- videoFrame-odd-size.any.js: I420 with an odd coded size (3x3) has 2x2 chroma planes.
test('WPT videoFrame-odd-size: Test I420 VideoFrame construction with odd coded size', () => {
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 1, 2, 3, 4]);
  const f = new VideoFrame(data, { format: 'I420', timestamp: 1234, codedWidth: 3, codedHeight: 3,
    visibleRect: { x: 0, y: 0, width: 3, height: 3 } });
  assert.equal(f.format, 'I420');
  const r = f.visibleRect;
  assert.deepEqual([r.x, r.y, r.width, r.height], [0, 0, 3, 3]);
  f.close();
});

test('WPT videoFrame-odd-size: Test I420 copyTo with odd coded size.', async () => {
  const data = Uint8Array.from({ length: 17 }, (_, i) => i + 1);
  const f = new VideoFrame(data, { format: 'I420', timestamp: 0, codedWidth: 3, codedHeight: 3 });
  assert.equal(f.allocationSize(), 17);
  const out = new Uint8Array(17);
  const layout = await f.copyTo(out);
  assert.deepEqual(layout.map((p) => ({ ...p })), [{ offset: 0, stride: 3 }, { offset: 9, stride: 2 }, { offset: 13, stride: 2 }]);
  assert.deepEqual(out, data);
  f.close();
});

// --- videoFrame-orientation.any.js
// A 4x2 RGBX frame, yellow yellow red red / blue blue green green.
function fourByTwo(rotation, flip) {
  const px = { y: [255, 255, 0, 255], r: [255, 0, 0, 255], b: [0, 0, 255, 255], g: [0, 255, 0, 255] };
  const data = new Uint8Array([...'yyrrbbgg'].flatMap((c) => px[c]));
  return new VideoFrame(data, { format: 'RGBX', codedWidth: 4, codedHeight: 2, timestamp: 0, rotation, flip });
}

// WPT draws the frame on a canvas and reads back yellow/blue over red/green; Node has no canvas,
// so the rendering check is ours: the pixel that lands at display (x, y) under the frame's
// rotation (clockwise) and flip (horizontal, applied after the rotation).
function renderedAt(frame, rgbx, x, y) {
  const [w, h] = [frame.visibleRect.width, frame.visibleRect.height];
  let [dx, dy] = [frame.flip ? frame.displayWidth - 1 - x : x, y];
  let sx;
  let sy;
  switch (frame.rotation) {
    case 90: [sx, sy] = [dy, h - 1 - dx]; break;
    case 180: [sx, sy] = [w - 1 - dx, h - 1 - dy]; break;
    case 270: [sx, sy] = [w - 1 - dy, dx]; break;
    default: [sx, sy] = [dx, dy];
  }
  return [...rgbx.subarray((sy * w + sx) * 4, (sy * w + sx) * 4 + 3)];
}

test('WPT videoFrame-orientation: Test oriented VideoFrame from ArrayBuffer', async () => {
  const f = fourByTwo(-315, true);
  assert.deepEqual([f.visibleRect.width, f.visibleRect.height, f.rotation, f.flip, f.displayWidth, f.displayHeight],
    [4, 2, 90, true, 2, 4]);
  const rgbx = new Uint8Array(f.allocationSize());
  await f.copyTo(rgbx);
  // The expected rendering: y b / y b / r g / r g.
  assert.deepEqual(renderedAt(f, rgbx, 0, 0), [255, 255, 0]);
  assert.deepEqual(renderedAt(f, rgbx, 1, 0), [0, 0, 255]);
  assert.deepEqual(renderedAt(f, rgbx, 0, 3), [255, 0, 0]);
  assert.deepEqual(renderedAt(f, rgbx, 1, 3), [0, 255, 0]);
  f.close();
});

test('WPT videoFrame-orientation: Test combinations of rotation and flip', () => {
  for (let baseRotation = 0; baseRotation < 360; baseRotation += 90) {
    for (const baseFlip of [false, true]) {
      const base = fourByTwo(baseRotation, baseFlip);
      for (let rotation = 0; rotation < 360; rotation += 90) {
        for (const flip of [false, true]) {
          const f = new VideoFrame(base, { rotation, flip });
          // A flipped source turns the other way.
          const want = (baseRotation + (baseFlip ? 360 - rotation : rotation)) % 360;
          assert.deepEqual([f.rotation, f.flip], [want, baseFlip !== flip], `${baseRotation}/${baseFlip} + ${rotation}/${flip}`);
          f.close();
        }
      }
      base.close();
    }
  }
});

// --- videoColorSpace.any.js: toJSON() gives back every member that was set and null for the
// rest, for every combination of the spec's values (each member left out or set).
test('WPT videoColorSpace: Test VideoColorSpace toJSON() works.', () => {
  const { VideoColorSpace } = require('../..');
  const VALUES = {
    primaries: ['bt709', 'bt470bg', 'smpte170m', 'bt2020', 'smpte432'],
    transfer: ['bt709', 'smpte170m', 'iec61966-2-1', 'linear', 'pq', 'hlg'],
    matrix: ['rgb', 'bt709', 'bt470bg', 'smpte170m', 'bt2020-ncl'],
    fullRange: [true, false],
  };
  let inits = [{}];
  for (const [key, values] of Object.entries(VALUES)) {
    inits = inits.flatMap((init) => [init, ...values.map((v) => ({ ...init, [key]: v }))]);
  }
  assert.equal(inits.length, 6 * 7 * 6 * 3);
  for (const init of inits) {
    const json = new VideoColorSpace(init).toJSON();
    assert.deepEqual(Object.keys(json).sort(), ['fullRange', 'matrix', 'primaries', 'transfer']);
    for (const key of Object.keys(VALUES)) assert.equal(json[key], init[key] ?? null, `${JSON.stringify(init)} ${key}`);
  }
});

// --- video-frame-serialization.any.js: its clone() cases (the postMessage and IndexedDB ones
// need a structured-serialization hook Node does not give library classes). WPT's source is a
// 32x16 ImageBitmap; here a 32x16 RGBA frame, timestamp 100, duration 33.
const closedLike = (f) => f.format === null && f.codedWidth === 0 && f.codedHeight === 0 && f.displayWidth === 0
  && f.displayHeight === 0 && f.codedRect === null && f.visibleRect === null;
const serializationSource = () => {
  const image = rgbaSource();
  const f = new VideoFrame(image, { timestamp: 100, duration: 33 });
  image.close();
  return f;
};

test('WPT video-frame-serialization: Test we can clone a VideoFrame.', () => {
  const frame = serializationSource();
  const clone = frame.clone();
  for (const k of ['timestamp', 'duration']) assert.equal(clone[k], frame[k], k);
  for (const k of ['left', 'top', 'width', 'height']) assert.equal(clone.visibleRect[k], frame.visibleRect[k], k);
  frame.close();
  assert.ok(closedLike(frame));
  clone.close();
  assert.ok(closedLike(clone));
});

test('WPT video-frame-serialization: Verify closing a frame doesn\'t affect its clones.', () => {
  const frame = serializationSource();
  const copy = frame;
  const clone = frame.clone();
  frame.close();
  assert.deepEqual([copy.timestamp, copy.duration, closedLike(copy)], [100, 33, true]);
  assert.deepEqual([clone.timestamp, closedLike(clone)], [100, false]);
  clone.close();
});

test('WPT video-frame-serialization: Verify cloning a closed frame throws.', () => {
  const frame = serializationSource();
  frame.close();
  assert.throws(() => frame.clone(), { name: 'InvalidStateError' });
});
