'use strict';
// Mirrors the cases of WPT webcodecs/videoFrame-copyTo.any.js in our own words: plane layouts
// (default, custom offsets/strides, padding), rects (coded, cropped, empty, out of bounds) and
// the TypeErrors for bad layouts, undersized buffers and closed frames; and of
// videoFrame-copyTo-opaque-swizzle.https.any.js: converting between the opaque and alpha forms
// of the 8-bit RGB formats writes every row of the destination.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoFrame, VideoEncoder, VideoDecoder } = require('../..');

const W = 'WPT videoFrame-copyTo:';
// A 4x2 I420 frame: Y 1..8, U 9 10, V 11 12.
const I420_BYTES = Uint8Array.from({ length: 12 }, (_, i) => i + 1);
const i420 = () => new VideoFrame(I420_BYTES, { format: 'I420', timestamp: 0, codedWidth: 4, codedHeight: 2 });
const plain = (layout) => layout.map(({ offset, stride }) => ({ offset, stride }));

// Checks allocationSize(options), then copyTo() into a buffer of exactly that size.
async function expectCopy(frame, options, wantLayout, wantBytes) {
  assert.equal(frame.allocationSize(options), wantBytes.length, 'allocationSize()');
  const data = new Uint8Array(wantBytes.length);
  const layout = await frame.copyTo(data, options);
  assert.deepEqual(plain(layout), wantLayout);
  assert.deepEqual([...data], [...wantBytes]);
}

async function expectTypeError(frame, options) {
  assert.throws(() => frame.allocationSize(options), TypeError);
  await assert.rejects(frame.copyTo(new Uint8Array(12), options), TypeError);
}

test(`${W} Test closed frame.`, async () => {
  const frame = i420();
  frame.close();
  assert.throws(() => frame.allocationSize(), { name: 'InvalidStateError' });
  await assert.rejects(frame.copyTo(new Uint8Array(12)), { name: 'InvalidStateError' });
});

for (const [name, make] of [['ArrayBuffer', () => new ArrayBuffer(12)], ['ArrayBufferView', () => new Uint8Array(12)]]) {
  test(`${W} Test copying I420 frame to a non-shared ${name}`, async () => {
    const dest = make();
    const layout = await i420().copyTo(dest);
    assert.deepEqual(plain(layout), [{ offset: 0, stride: 4 }, { offset: 8, stride: 2 }, { offset: 10, stride: 2 }]);
    assert.deepEqual([...new Uint8Array(ArrayBuffer.isView(dest) ? dest.buffer : dest)], [...I420_BYTES]);
  });
}

test(`${W} Test RGBA frame.`, async () => {
  const bytes = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
  const frame = new VideoFrame(bytes, { format: 'RGBA', timestamp: 0, codedWidth: 2, codedHeight: 2 });
  await expectCopy(frame, undefined, [{ offset: 0, stride: 8 }], bytes);
});

test(`${W} Test NV12 frame.`, async () => {
  const frame = new VideoFrame(I420_BYTES, { format: 'NV12', timestamp: 0, codedWidth: 4, codedHeight: 2 });
  await expectCopy(frame, undefined, [{ offset: 0, stride: 4 }, { offset: 8, stride: 4 }], I420_BYTES);
});

test(`${W} Test undersized buffer.`, async () => {
  await assert.rejects(i420().copyTo(new Uint8Array(11)), TypeError);
});

test(`${W} Test incorrect plane count.`, async () => {
  await expectTypeError(i420(), { layout: [{ offset: 0, stride: 4 }] });
});

test(`${W} Test I420 stride and offset work.`, async () => {
  const layout = [{ offset: 4, stride: 4 }, { offset: 0, stride: 2 }, { offset: 2, stride: 2 }];
  await expectCopy(i420(), { layout }, layout, [9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test(`${W} Test I420 stride and offset with padding.`, async () => {
  const layout = [{ offset: 9, stride: 5 }, { offset: 1, stride: 3 }, { offset: 5, stride: 3 }];
  await expectCopy(i420(), { layout }, layout,
    [0, 9, 10, 0, 0, 11, 12, 0, 0, 1, 2, 3, 4, 0, 5, 6, 7, 8, 0]);
});

test(`${W} Test I420A stride and offset work.`, async () => {
  const bytes = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
  const frame = new VideoFrame(bytes, { format: 'I420A', timestamp: 0, codedWidth: 4, codedHeight: 2 });
  const layout = [{ offset: 12, stride: 4 }, { offset: 8, stride: 2 }, { offset: 10, stride: 2 }, { offset: 0, stride: 4 }];
  await expectCopy(frame, { layout }, layout,
    [13, 14, 15, 16, 17, 18, 19, 20, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test(`${W} Test I420 with odd coded size.`, async () => {
  const bytes = Uint8Array.from({ length: 17 }, (_, i) => i + 1);
  const frame = new VideoFrame(bytes, { format: 'I420', timestamp: 0, codedWidth: 3, codedHeight: 3 });
  await expectCopy(frame, undefined, [{ offset: 0, stride: 3 }, { offset: 9, stride: 2 }, { offset: 13, stride: 2 }], bytes);
});

test(`${W} Test NV12 stride and offset work.`, async () => {
  const frame = new VideoFrame(I420_BYTES, { format: 'NV12', timestamp: 0, codedWidth: 4, codedHeight: 2 });
  const layout = [{ offset: 4, stride: 4 }, { offset: 0, stride: 4 }];
  await expectCopy(frame, { layout }, layout, [9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test(`${W} Test invalid stride.`, async () => {
  await expectTypeError(i420(), { layout: [{ offset: 0, stride: 1 }, { offset: 8, stride: 2 }, { offset: 10, stride: 2 }] });
});

test(`${W} Test address overflow.`, async () => {
  await expectTypeError(i420(), { layout: [{ offset: 0, stride: 4 }, { offset: 8, stride: 2 }, { offset: 2 ** 32 - 2, stride: 2 }] });
});

test(`${W} Test codedRect.`, async () => {
  const frame = i420();
  await expectCopy(frame, { rect: frame.codedRect },
    [{ offset: 0, stride: 4 }, { offset: 8, stride: 2 }, { offset: 10, stride: 2 }], I420_BYTES);
});

test(`${W} Test empty rect.`, async () => {
  await expectTypeError(i420(), { rect: { x: 0, y: 0, width: 4, height: 0 } });
});

test(`${W} Test left crop.`, async () => {
  await expectCopy(i420(), { rect: { x: 2, y: 0, width: 2, height: 2 } },
    [{ offset: 0, stride: 2 }, { offset: 4, stride: 1 }, { offset: 5, stride: 1 }], [3, 4, 7, 8, 10, 12]);
});

test(`${W} Test invalid rect.`, async () => {
  await expectTypeError(i420(), { rect: { x: 0, y: 0, width: 4, height: 4 } });
});

// WPT videoFrame-copyTo.any.js "copyTo from byte data with non-default visibleRect": a frame built
// from bytes keeps only its visible pixels, so its coded size is the rect's and the rect starts
// at (0, 0); copying that rect gives exactly the visible pixels.
test('WPT videoFrame-copyTo: copyTo from byte data with non-default visibleRect', async () => {
  const init = { format: 'I420', timestamp: 1234, codedWidth: 8, codedHeight: 16,
    visibleRect: { x: 2, y: 2, width: 4, height: 8 },
    colorSpace: { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: false } };
  // BT.601 red inside the visible rect (and, as WPT's fill does, to its right and above it).
  const [Y, U, V] = [76, 84, 255];
  const fill = (w, h, rect) => {
    const data = new Uint8Array(w * h * 3 / 2);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) data[y * w + x] = x >= rect.x && y < rect.y + rect.height ? Y : 0;
    }
    const cw = w / 2;
    const ch = h / 2;
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const inside = x >= rect.x / 2 && y < (rect.y + rect.height) / 2;
        data[w * h + y * cw + x] = inside ? U : 128;
        data[w * h + cw * ch + y * cw + x] = inside ? V : 128;
      }
    }
    return data;
  };
  const frame = new VideoFrame(fill(8, 16, init.visibleRect), init);
  assert.deepEqual([frame.codedWidth, frame.codedHeight], [4, 8]);
  assert.deepEqual([frame.visibleRect.x, frame.visibleRect.y, frame.visibleRect.width, frame.visibleRect.height], [0, 0, 4, 8]);
  assert.deepEqual([frame.displayWidth, frame.displayHeight], [4, 8]);
  const options = { rect: frame.visibleRect };
  const copied = new Uint8Array(frame.allocationSize(options));
  await frame.copyTo(copied, options);
  assert.deepEqual([...copied], [...fill(4, 8, frame.visibleRect)]);
  frame.close();
});

// --- videoFrame-copyTo-opaque-swizzle.https.any.js
const SOLID = [0x41, 0x42, 0x43, 0xFF];
const solidFrame = (format, width, height) => {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(SOLID, i);
  return new VideoFrame(data, { format, codedWidth: width, codedHeight: height, timestamp: 0 });
};
// Copies a solid frame to `to` over a destination prefilled with 0xDE; returns the destination.
async function solidCopy(from, to, width, height) {
  const frame = solidFrame(from, width, height);
  const out = new Uint8Array(frame.allocationSize({ format: to })).fill(0xDE);
  await frame.copyTo(out, { format: to });
  frame.close();
  return out;
}
for (const [from, to, width, height, note] of [
  ['BGRX', 'BGRA', 8, 4, ''], ['RGBX', 'RGBA', 8, 4, ''], ['BGRX', 'BGRA', 100, 100, ''], ['RGBX', 'RGBA', 100, 100, ''],
  ['BGRX', 'BGRA', 90, 50, ', non-aligned width'], ['BGRX', 'BGRA', 7, 3, ', odd dimensions'],
  ['BGRA', 'BGRX', 100, 100, ''], ['RGBA', 'RGBX', 100, 100, ''],
]) {
  test(`WPT videoFrame-copyTo-opaque-swizzle: ${from} to ${to} copyTo writes all rows (${width}x${height}${note})`, async () => {
    const out = await solidCopy(from, to, width, height);
    assert.equal(out.length, width * height * 4);
    for (let i = 0; i < out.length; i += 4) {
      assert.deepEqual([...out.subarray(i, i + 4)], SOLID, `pixel ${i / 4} (row ${Math.floor(i / 4 / width)})`);
    }
  });
}

test('WPT videoFrame-copyTo-opaque-swizzle: BGRX to BGRA copyTo overwrites all bytes (sentinel test)', async () => {
  const out = await solidCopy('BGRX', 'BGRA', 100, 100);
  assert.equal(out.filter((b) => b === 0xDE).length, 0);
});

// WPT only checks rows when the decoder hands out BGRX/RGBX; ours gives I420, so the row check
// applies to its RGBA copy (every row of a solid picture like the first, within VP8's loss).
test('WPT videoFrame-copyTo-opaque-swizzle: Decoded frame opaque-to-alpha copyTo writes all rows', async () => {
  let chunk = null;
  let decoderConfig = null;
  const enc = new VideoEncoder({
    output: (c, m) => { chunk = c; decoderConfig = m?.decoderConfig ?? decoderConfig; },
    error: (e) => assert.fail(e),
  });
  enc.configure({ codec: 'vp8', width: 100, height: 100, bitrate: 5000000 });
  const input = solidFrame('RGBA', 100, 100);
  enc.encode(input);
  input.close();
  await enc.flush();
  enc.close();
  let decoded = null;
  const dec = new VideoDecoder({ output: (f) => { decoded = f; }, error: (e) => assert.fail(e) });
  dec.configure(decoderConfig);
  dec.decode(chunk);
  await dec.flush();
  dec.close();
  const target = decoded.format === 'BGRX' ? 'BGRA' : 'RGBA';
  const out = new Uint8Array(decoded.allocationSize({ format: target }));
  await decoded.copyTo(out, { format: target });
  decoded.close();
  let bad = 0;
  for (let row = 1; row < 100; row++) {
    for (let col = 0; col < 100; col++) {
      for (let k = 0; k < 4; k++) if (Math.abs(out[(row * 100 + col) * 4 + k] - out[col * 4 + k]) > 20) bad++;
    }
  }
  assert.equal(bad, 0);
  assert.equal(out[3], 255, 'opaque');
});
