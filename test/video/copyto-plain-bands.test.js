'use strict';
// copyTo() in the frame's own format for large copies (8 MiB or more): checked at the call,
// then copied in bands of rows, one event-loop turn each. Every result must equal the bytes a
// plain JS copy of the same rect gives, plane by plane, into the caller's layout, with the
// bytes outside the planes' rows untouched.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoFrame } = require('../..');

// [bytes per element, horizontal and vertical subsampling] of each plane.
const PLANES = {
  I420: [[1, 1, 1], [1, 2, 2], [1, 2, 2]],
  NV12: [[1, 1, 1], [2, 2, 2]],
  RGBA: [[4, 1, 1]],
};

// A w×h frame whose every byte differs from its neighbours, and its planes as
// { data, stride, rows } for the reference copy.
function frame(format, w, h) {
  const planes = PLANES[format].map(([bpe, sx, sy]) => {
    const stride = Math.ceil(w / sx) * bpe;
    return { bpe, sx, sy, stride, rows: Math.ceil(h / sy) };
  });
  const size = planes.reduce((a, p) => a + p.stride * p.rows, 0);
  const data = Uint8Array.from({ length: size }, (_, i) => (i * 7919 + (i >> 11) * 31 + (i >> 5)) & 255);
  let offset = 0;
  for (const p of planes) {
    p.data = data.subarray(offset, offset + p.stride * p.rows);
    offset += p.stride * p.rows;
  }
  return { f: new VideoFrame(data, { format, codedWidth: w, codedHeight: h, timestamp: 0 }), planes };
}

// Checks each plane's rows of `rect` in `dest` at `layout`, and that every other byte is `fill`.
function assertCopy(dest, planes, rect, layout, fill, what) {
  const touched = new Uint8Array(dest.length);
  planes.forEach((p, i) => {
    const left = (rect.x / p.sx) * p.bpe;
    const top = rect.y / p.sy;
    const row = Math.ceil(rect.width / p.sx) * p.bpe;
    const rows = Math.ceil(rect.height / p.sy);
    for (let y = 0; y < rows; y++) {
      const at = layout[i].offset + y * layout[i].stride;
      const want = p.data.subarray((top + y) * p.stride + left, (top + y) * p.stride + left + row);
      if (Buffer.compare(dest.subarray(at, at + row), want) !== 0) assert.fail(`${what}: plane ${i} row ${y} differs`);
      touched.fill(1, at, at + row);
    }
  });
  for (let i = 0; i < dest.length; i++) {
    if (!touched[i] && dest[i] !== fill) assert.fail(`${what}: byte ${i} outside the planes was written`);
  }
}

test('large plain copies go in bands and equal the source rows, tight and into a padded layout', async () => {
  // 3200×2000: I420 and NV12 9.6 MB (three bands of about 4 MiB), RGBA 25.6 MB (seven).
  const [W, H] = [3200, 2000];
  for (const format of Object.keys(PLANES)) {
    const { f, planes } = frame(format, W, H);
    // The whole frame, tight.
    const size = f.allocationSize();
    const tight = new Uint8Array(size).fill(0xa5);
    const layout = await f.copyTo(tight);
    assertCopy(tight, planes, { x: 0, y: 0, width: W, height: H }, layout, 0xa5, `${format} tight`);
    // An inner rect into a padded layout with the planes in reverse order.
    const rect = { x: 10, y: 6, width: 3170, height: 1981 };
    const padded = planes.map((p) => ({ row: Math.ceil(rect.width / p.sx) * p.bpe + 40, rows: Math.ceil(rect.height / p.sy) }));
    const custom = new Array(planes.length);
    let offset = 24;
    for (let i = planes.length - 1; i >= 0; i--) {
      custom[i] = { offset, stride: padded[i].row };
      offset += padded[i].row * padded[i].rows + 8;
    }
    const dest = new Uint8Array(offset).fill(0x3c);
    const got = await f.copyTo(dest, { rect, layout: custom });
    assert.deepEqual(got.map((l) => ({ offset: l.offset, stride: l.stride })), custom, `${format}: the layout`);
    assertCopy(dest, planes, rect, custom, 0x3c, `${format} rect, padded`);
    f.close();
  }
});

test('a banded plain copy leaves the event loop turns between its bands, and survives close()', async () => {
  const { f, planes } = frame('RGBA', 3000, 2000); // 24 MB: six bands
  const dest = new Uint8Array(f.allocationSize()).fill(7);
  let turns = 0;
  let ticking = true;
  const tick = () => { if (ticking) { turns++; setImmediate(tick); } };
  setImmediate(tick);
  const p = f.copyTo(dest);
  f.close(); // the copy holds its own reference to the pixels
  const layout = await p;
  ticking = false;
  assert.ok(turns >= 3, `the loop ran ${turns} turns during the copy`);
  assertCopy(dest, planes, { x: 0, y: 0, width: 3000, height: 2000 }, layout, 7, 'after close()');
});

test('a large plain copy checks its destination at the call', async () => {
  const { f } = frame('RGBA', 3000, 2000);
  await assert.rejects(f.copyTo(new Uint8Array(f.allocationSize() - 1)), TypeError);
  f.close();
  await assert.rejects(f.copyTo(new Uint8Array(24e6)), { name: 'InvalidStateError' });
});
