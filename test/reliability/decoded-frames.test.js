'use strict';
// Decoded frames share the decoder's pictures (no copy): closing one must release its picture
// at once, and keeping many open must neither disturb them nor stop decoding.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoDecoder, VideoFrame } = require('../..');
const { encodeFrames, i420Pattern, psnr } = require('../helpers');

const W = 320;
const H = 240;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function settle() {
  for (let i = 0; i < 3; i++) { if (global.gc) global.gc(); await sleep(5); }
}

function bytesOf(frame) {
  const b = new Uint8Array(frame.allocationSize());
  frame.copyTo(b);
  return b;
}

async function encoded(codec, count) {
  const { chunks, metas } = await encodeFrames({ codec, width: W, height: H, bitrate: 1e6, framerate: 30 }, count);
  return { chunks, config: metas[0].decoderConfig };
}

test('2,000 decoded frames closed as they come: RSS stays flat', { timeout: 120_000 }, async (t) => {
  const { chunks, config } = await encoded('avc1.42001f', 50);
  let error = null;
  let decoded = 0;
  const dec = new VideoDecoder({ output: (f) => { decoded++; f.close(); }, error: (e) => { error = e; } });
  dec.configure(config);
  let warm = 0;
  for (let round = 0; round < 40; round++) {
    for (const c of chunks) dec.decode(c);
    await dec.flush();
    if (round === 4) { await settle(); warm = process.memoryUsage().rss / 2 ** 20; }
  }
  dec.close();
  assert.equal(error, null);
  assert.equal(decoded, 2000);
  await settle();
  const rss = process.memoryUsage().rss / 2 ** 20;
  t.diagnostic(`rss ${warm.toFixed(1)} → ${rss.toFixed(1)} MiB`);
  // Each 320x240 picture is 113 KiB: 1,750 unreleased ones would add ~190 MiB.
  assert.ok(rss - warm < 24, `RSS grew ${(rss - warm).toFixed(1)} MiB after warm-up`);
});

test('decoded frames kept open keep their pixels while decoding goes on', { timeout: 120_000 }, async () => {
  for (const codec of ['avc1.42001f', 'vp09.00.10.08']) {
    const { chunks, config } = await encoded(codec, 30);
    const held = [];
    let more = 0;
    let error = null;
    let holding = true;
    const dec = new VideoDecoder({
      output: (f) => {
        if (holding) held.push([f, bytesOf(f)]);
        else { more++; f.close(); }
      },
      error: (e) => { error = e; },
    });
    dec.configure(config);
    for (const c of chunks) dec.decode(c);
    await dec.flush();
    holding = false;
    // Decode the stream three more times while every first-round frame stays open.
    for (let round = 0; round < 3; round++) {
      for (const c of chunks) dec.decode(c);
      await dec.flush();
    }
    dec.close();
    assert.equal(error, null);
    assert.equal(held.length, 30);
    assert.equal(more, 90);
    for (const [i, [f, snap]] of held.entries()) {
      const now = bytesOf(f);
      assert.deepEqual(now, snap, `${codec}: frame ${i} changed after the decoder went on`);
      const q = psnr(now.subarray(0, W * H), i420Pattern(W, H, i).subarray(0, W * H));
      assert.ok(q > 30, `${codec}: frame ${i} PSNR ${q}`);
      // A clone shares the same pixels and outlives the original.
      const c = f.clone();
      f.close();
      assert.deepEqual(bytesOf(c), snap);
      c.close();
      assert.throws(() => bytesOf(c), { name: 'InvalidStateError' });
    }
    assert.ok(held[0][0] instanceof VideoFrame);
  }
});
