'use strict';
// Long API-sequence fuzzing run. FUZZ_RUNS (default 5000), FUZZ_SEED (default: time-based),
// FUZZ_MAX_OPS (default 60). Exits 1 with the counterexample on failure.
const { runApiFuzz, stats } = require('../test/fuzz/api-harness');

(async () => {
  const seed = Number(process.env.FUZZ_SEED || Date.now() % 2 ** 31);
  const numRuns = Number(process.env.FUZZ_RUNS || 5000);
  const maxOps = Number(process.env.FUZZ_MAX_OPS || 60);
  const t0 = Date.now();
  const { details, runs } = await runApiFuzz({ seed, numRuns, maxOps });
  const s = (Date.now() - t0) / 1000;
  console.log(`api-sequences: seed ${seed}, ${runs} runs of ≤${maxOps} ops in ${s.toFixed(1)} s`);
  if (process.env.FUZZ_STATS) console.log(stats);
  if (details.failed) {
    console.error(`FAILED: ${details.errorInstance && details.errorInstance.stack}`);
    console.error(`counterexample: ${JSON.stringify(details.counterexample)}`);
    console.error(`replay: FUZZ_SEED=${details.seed} (path ${details.counterexamplePath})`);
    process.exit(1);
  }
})().catch((e) => { console.error(e); process.exit(1); });
