'use strict';
// What the long fuzzing runs in test-stress/ share: the seed and run count from the environment
// (FUZZ_SEED, default time-based; FUZZ_RUNS, default `runs`), the timing, and the exit (status 1
// with fast-check's counterexample and the seed that replays it).

/**
 * Runs `run({ seed, numRuns })`, which resolves to a result holding fast-check's `details`;
 * `report(result, { seed, numRuns, seconds })` prints the summary.
 */
function fuzzMain({ runs, run, report }) {
  (async () => {
    const seed = Number(process.env.FUZZ_SEED || Date.now() % 2 ** 31);
    const numRuns = Number(process.env.FUZZ_RUNS || runs);
    const t0 = Date.now();
    const result = await run({ seed, numRuns });
    report(result, { seed, numRuns, seconds: (Date.now() - t0) / 1000 });
    const { details } = result;
    if (details.failed) {
      console.error(`FAILED: ${details.errorInstance && details.errorInstance.stack}`);
      console.error(`counterexample: ${JSON.stringify(details.counterexample)}`);
      console.error(`replay: FUZZ_SEED=${details.seed} (path ${details.counterexamplePath})`);
      process.exit(1);
    }
  })().catch((e) => { console.error(e); process.exit(1); });
}

module.exports = { fuzzMain };
