'use strict';
// ImageDecoder bitstream fuzzing (fixed seed, CI-sized): mutated JPEG, PNG, APNG, GIF, WebP
// (still and animated), AVIF (still and sequence), BMP and ICO data as a BufferSource and as a
// ReadableStream in random chunks → decoded frames or the spec's errors, never a crash or hang;
// every promise settles. Long runs: `npm run stress`.
const test = require('node:test');
const assert = require('node:assert/strict');
const { ImageDecoder } = require('../..');
const { runImageBitstreamFuzz } = require('./image-bitstream-harness');
const { images, chunkedStream } = require('./images');

test('mutated images for every ImageDecoder type (fixed seed)', { timeout: 120_000 }, async () => {
  const { details, stats, frames, pool } = await runImageBitstreamFuzz({ seed: 9090, numRuns: 1500 });
  assert.ok(!details.failed, `counterexample ${JSON.stringify(details.counterexample)} (seed ${details.seed}): ${details.errorInstance && details.errorInstance.message}`);
  assert.deepEqual([...new Set(pool.map((p) => p.type))].sort(),
    ['image/avif', 'image/bmp', 'image/gif', 'image/jpeg', 'image/png', 'image/webp', 'image/x-icon']);
  for (const { name } of pool) {
    assert.ok(Object.keys(stats).some((k) => k.startsWith(`${name} `)), `${name} was not fuzzed`);
  }
  assert.ok(frames > 100, `only ${frames} frames decoded`);
});

test('regression: animated WebP with a 2^16-pixel canvas → EncodingError, not an abort', async () => {
  // Found by the fuzzer: the VP8X canvas size was allocated as is (up to 2^24 x 2^24 x 4 bytes).
  const anim = (await images()).find((p) => p.name === 'webp-anim');
  assert.equal(String.fromCharCode(...anim.bytes.subarray(12, 16)), 'VP8X');
  for (const stream of [false, true]) {
    const bytes = anim.bytes.slice();
    bytes.fill(0xff, 24, 30); // canvas 2^24 x 2^24
    const d = new ImageDecoder({ type: 'image/webp', data: stream ? chunkedStream(bytes, [50]) : bytes });
    const p = d.decode({ frameIndex: 1 });
    await assert.rejects(d.tracks.ready, { name: 'EncodingError' });
    await assert.rejects(p, { name: 'EncodingError' });
    // The stream may be read to its end before the error arrives: then `completed` resolved.
    await d.completed.catch((e) => assert.equal(e.name, 'EncodingError'));
    d.close();
  }
});
