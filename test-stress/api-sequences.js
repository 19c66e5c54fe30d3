'use strict';
// Long API-sequence fuzzing run. FUZZ_RUNS (default 5000), FUZZ_SEED (default: time-based),
// FUZZ_MAX_OPS (default 60). Exits 1 with the counterexample on failure.
const { runApiFuzz, stats } = require('../test/fuzz/api-harness');
const { fuzzMain } = require('./lib/fuzz-main');

const maxOps = Number(process.env.FUZZ_MAX_OPS || 60);
fuzzMain({
  runs: 5000,
  run: (options) => runApiFuzz({ ...options, maxOps }),
  report: ({ runs }, { seed, seconds }) => {
    console.log(`api-sequences: seed ${seed}, ${runs} runs of ≤${maxOps} ops in ${seconds.toFixed(1)} s`);
    if (process.env.FUZZ_STATS) console.log(stats);
  },
});
