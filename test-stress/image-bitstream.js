'use strict';
// Long ImageDecoder bitstream fuzzing run. FUZZ_RUNS (default 50000), FUZZ_SEED (default:
// time-based).
const { runImageBitstreamFuzz } = require('../test/fuzz/image-bitstream-harness');
const { fuzzMain } = require('./lib/fuzz-main');

fuzzMain({
  runs: 50000,
  run: runImageBitstreamFuzz,
  report: ({ stats, frames }, { seed, numRuns, seconds: s }) => {
    console.log(`image-bitstream: seed ${seed}, ${numRuns} runs in ${s.toFixed(1)} s (${(numRuns / s).toFixed(0)}/s), ${frames} frames`);
    if (process.env.FUZZ_STATS) console.log(stats);
  },
});
