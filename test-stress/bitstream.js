'use strict';
// Long bitstream fuzzing run. FUZZ_RUNS (default 50000), FUZZ_SEED (default: time-based).
const { runBitstreamFuzz } = require('../test/fuzz/bitstream-harness');

(async () => {
  const seed = Number(process.env.FUZZ_SEED || Date.now() % 2 ** 31);
  const numRuns = Number(process.env.FUZZ_RUNS || 50000);
  const t0 = Date.now();
  const { details, stats, outputs } = await runBitstreamFuzz({ seed, numRuns });
  const s = (Date.now() - t0) / 1000;
  console.log(`bitstream: seed ${seed}, ${numRuns} runs in ${s.toFixed(1)} s (${(numRuns / s).toFixed(0)}/s), ${outputs} outputs`);
  console.log(stats);
  if (details.failed) {
    console.error(`FAILED: ${details.errorInstance && details.errorInstance.stack}`);
    console.error(`counterexample: ${JSON.stringify(details.counterexample)}`);
    console.error(`replay: FUZZ_SEED=${details.seed}`);
    process.exit(1);
  }
})().catch((e) => { console.error(e); process.exit(1); });
