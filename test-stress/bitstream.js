'use strict';
// Long bitstream fuzzing run. FUZZ_RUNS (default 50000), FUZZ_SEED (default: time-based).
const { runBitstreamFuzz } = require('../test/fuzz/bitstream-harness');
const { fuzzMain } = require('./lib/fuzz-main');

fuzzMain({
  runs: 50000,
  run: runBitstreamFuzz,
  report: ({ stats, outputs }, { seed, numRuns, seconds: s }) => {
    console.log(`bitstream: seed ${seed}, ${numRuns} runs in ${s.toFixed(1)} s (${(numRuns / s).toFixed(0)}/s), ${outputs} outputs`);
    console.log(stats);
  },
});
