'use strict';
// Long leak run: LEAK_FRAMES (default 100000) 64x64 VP8 frames encoded+decoded (plus Opus audio),
// RSS sampled every 1000 frames. Fails if RSS grows more than LEAK_MAX_MIB (default 32) after the
// first 20% of frames.
const { runLeak } = require('../test/reliability/leak-harness');

(async () => {
  const frames = Number(process.env.LEAK_FRAMES || 100000);
  const max = Number(process.env.LEAK_MAX_MIB || 32);
  const r = await runLeak({ frames, log: (m) => console.log(`leak: ${m}`) });
  console.log(`leak: ${frames} frames in ${r.seconds.toFixed(1)} s; rss after warm-up ${r.warmRss.toFixed(1)} MiB → ${r.finalRss.toFixed(1)} MiB (+${r.growthMiB.toFixed(1)})`);
  if (r.growthMiB > max) { console.error(`leak: RSS grew more than ${max} MiB`); process.exit(1); }
})().catch((e) => { console.error(e); process.exit(1); });
