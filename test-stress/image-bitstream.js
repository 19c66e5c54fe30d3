'use strict';
// Long ImageDecoder bitstream fuzzing run. FUZZ_RUNS (default 50000), FUZZ_SEED (default:
// time-based).
const { runImageBitstreamFuzz } = require('../test/fuzz/image-bitstream-harness');

(async () => {
  const seed = Number(process.env.FUZZ_SEED || Date.now() % 2 ** 31);
  const numRuns = Number(process.env.FUZZ_RUNS || 50000);
  const t0 = Date.now();
  const { details, stats, frames } = await runImageBitstreamFuzz({ seed, numRuns });
  const s = (Date.now() - t0) / 1000;
  console.log(`image-bitstream: seed ${seed}, ${numRuns} runs in ${s.toFixed(1)} s (${(numRuns / s).toFixed(0)}/s), ${frames} frames`);
  if (process.env.FUZZ_STATS) console.log(stats);
  if (details.failed) {
    console.error(`FAILED: ${details.errorInstance && details.errorInstance.stack}`);
    console.error(`counterexample: ${JSON.stringify(details.counterexample)}`);
    console.error(`replay: FUZZ_SEED=${details.seed}`);
    process.exit(1);
  }
})().catch((e) => { console.error(e); process.exit(1); });
