'use strict';
// CI-sized leak check: 2,000 64x64 VP8 frames (plus Opus audio) encoded and decoded in batches;
// RSS after warm-up must not keep growing. The 100k-frame version is test-stress/leak.js.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runLeak } = require('./leak-harness');

test('encode+decode 2k small frames: RSS growth after warm-up stays bounded', { timeout: 120_000 }, async (t) => {
  const r = await runLeak({ frames: 2000 });
  t.diagnostic(`rss ${r.warmRss.toFixed(1)} → ${r.finalRss.toFixed(1)} MiB in ${r.seconds.toFixed(1)} s`);
  // A per-frame leak of a 64x64 I420 frame (6 KiB) would add ~10 MiB; chunk or context leaks more.
  assert.ok(r.growthMiB < 24, `RSS grew ${r.growthMiB.toFixed(1)} MiB after warm-up`);
});
