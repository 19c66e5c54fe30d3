'use strict';
// copyTo() to an RGB format for large rects: converted straight into the destination in bands
// of rows (one event-loop turn each; large bands shared with a helper thread in chunks of
// rows). Every result must equal the same rows converted by small copyTo() calls, which take
// the immediate single-call path, byte for byte.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoFrame } = require('../..');

// Plane sizes of a w×h frame of each format (w, h even).
const PLANES = {
  I420: (w, h) => [w * h, (w / 2) * (h / 2), (w / 2) * (h / 2)],
  I420A: (w, h) => [w * h, (w / 2) * (h / 2), (w / 2) * (h / 2), w * h],
  I422: (w, h) => [w * h, (w / 2) * h, (w / 2) * h],
  I444: (w, h) => [w * h, w * h, w * h],
  NV12: (w, h) => [w * h, w * (h / 2)],
};

function frame(format, w, h) {
  const size = PLANES[format](w, h).reduce((a, b) => a + b, 0);
  // Varied samples in every plane, out-of-range codes included.
  const data = Uint8Array.from({ length: size }, (_, i) => (i * 7919 + (i >> 11) * 31 + (i >> 5)) & 255);
  return new VideoFrame(data, { format, codedWidth: w, codedHeight: h, timestamp: 0 });
}

// `rect` of `f` converted in strips small enough (under 256×256 pixels) for the immediate path.
async function byStrips(f, rect, options) {
  const out = new Uint8Array(rect.width * rect.height * 4);
  const rows = Math.floor(60000 / rect.width) & ~1;
  for (let y = 0; y < rect.height; y += rows) {
    const height = Math.min(rows, rect.height - y);
    const strip = new Uint8Array(rect.width * height * 4);
    await f.copyTo(strip, { ...options, rect: { x: rect.x, y: rect.y + y, width: rect.width, height } });
    out.set(strip, y * rect.width * 4);
  }
  return out;
}

// Compares the rows of a strided destination with a tight reference; the bytes before the
// first row and between rows must be untouched (`fill`).
function assertRows(dest, ref, { offset, stride }, width, height, fill, what) {
  const row = width * 4;
  assert.ok(dest.subarray(0, offset).every((b) => b === fill), `${what}: bytes before the first row`);
  for (let y = 0; y < height; y++) {
    const got = dest.subarray(offset + y * stride, offset + y * stride + row);
    const want = ref.subarray(y * row, (y + 1) * row);
    if (Buffer.compare(got, want) !== 0) assert.fail(`${what}: row ${y} differs`);
    const gap = dest.subarray(offset + y * stride + row, offset + (y + 1) * stride);
    if (y < height - 1) assert.ok(gap.every((b) => b === fill), `${what}: gap after row ${y}`);
  }
}

test('large RGB copies (two bands, the first shared with a helper thread) equal small ones, into a strided layout', async () => {
  // 2048×1100: a band of 1024 rows (2 Mpixel, shared with the helper thread) and one of 76.
  const [W, H] = [2048, 1100];
  const rect = { x: 2, y: 2, width: 2044, height: 1096 };
  for (const format of Object.keys(PLANES)) {
    const f = frame(format, W, H);
    for (const target of ['RGBA', 'BGRX']) {
      const layout = [{ offset: 16, stride: rect.width * 4 + 12 }];
      const dest = new Uint8Array(16 + layout[0].stride * rect.height).fill(0xab);
      const got = await f.copyTo(dest, { format: target, rect, layout });
      assert.deepEqual(got, layout);
      const ref = await byStrips(f, rect, { format: target });
      assertRows(dest, ref, layout[0], rect.width, rect.height, 0xab, `${format} → ${target}`);
    }
    f.close();
  }
});

test('a large Display P3 copy equals small ones', async () => {
  const f = frame('I420', 1920, 1088);
  const rect = { x: 0, y: 0, width: 1920, height: 1088 };
  const dest = new Uint8Array(1920 * 1088 * 4);
  await f.copyTo(dest, { format: 'RGBA', colorSpace: 'display-p3' });
  const ref = await byStrips(f, rect, { format: 'RGBA', colorSpace: 'display-p3' });
  assert.equal(Buffer.compare(dest, ref), 0);
  // And it is a re-encoding: the sRGB result differs.
  const srgb = new Uint8Array(dest.length);
  await f.copyTo(srgb, { format: 'RGBA' });
  assert.notEqual(Buffer.compare(dest, srgb), 0);
  f.close();
});

test('the event loop keeps turning during a 4K copy, which starts after copyTo() returns', async () => {
  const f = frame('I420', 3840, 2160);
  const dest = new Uint8Array(3840 * 2160 * 4).fill(1);
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const p = f.copyTo(dest, { format: 'RGBA' });
  assert.ok(dest.every((b) => b === 1), 'nothing is written before copyTo() returns');
  f.close(); // the copy holds its own reference to the pixels
  await p;
  done = true;
  // 3840×2160 is at least four bands of at most 546 rows (2 Mpixel), each in its own turn:
  // the other immediate chain advances between them.
  assert.ok(turns >= 3, `only ${turns} loop turns during the copy`);
  assert.equal(dest[dest.length - 1], 255, 'the last pixel is written (opaque alpha)');
});

test('a destination detached between two bands rejects the copy with a TypeError', async () => {
  const f = frame('NV12', 3840, 2160);
  const dest = new Uint8Array(3840 * 2160 * 4);
  const p = f.copyTo(dest, { format: 'BGRA' });
  // The first band runs in this turn's immediates, before this one; the second in a later turn.
  await new Promise(setImmediate);
  structuredClone(dest.buffer, { transfer: [dest.buffer] });
  await assert.rejects(p, TypeError);
  f.close();
});
