'use strict';
// `npm run stress`: the long reliability runs in test-stress/ (not part of `npm test`), one child
// process each, with --expose-gc. `npm run stress -- leak` runs only files whose name contains
// "leak". Knobs (env): FUZZ_RUNS, FUZZ_SEED, FUZZ_MAX_OPS, LEAK_FRAMES.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dir = path.join(__dirname, '..', 'test-stress');
const filter = process.argv[2] || '';
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.js') && f.includes(filter)).sort();
let failed = 0;
for (const f of files) {
  const t0 = Date.now();
  console.log(`stress: ${f}`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(dir, f)], { stdio: 'inherit' });
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    failed++;
    console.log(`stress: ${f} FAILED (status ${r.status}, signal ${r.signal}) after ${s} s`);
  } else {
    console.log(`stress: ${f} ok in ${s} s`);
  }
}
process.exit(failed ? 1 : 0);
