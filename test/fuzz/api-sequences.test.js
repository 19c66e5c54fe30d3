'use strict';
// API-sequence fuzzing (fixed seed, CI-sized): random configure / encode|decode / flush / reset /
// close / clone / gc sequences over VideoEncoder, VideoDecoder, AudioEncoder, AudioDecoder.
// Properties: the process survives, every promise settles, sync throws are TypeError or the
// spec's DOMExceptions, error callbacks and flush rejections are DOMExceptions with spec names,
// `state` follows the spec and queue sizes return to 0. Long runs: `npm run stress`.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runApiFuzz } = require('./api-harness');

const SEED = 20260101;

test('API sequences across the four codec classes (fixed seed)', { timeout: 120_000 }, async () => {
  const { details, runs } = await runApiFuzz({ seed: SEED, numRuns: 250, maxOps: 40 });
  assert.ok(!details.failed, `counterexample ${JSON.stringify(details.counterexample)} (seed ${details.seed}, path ${details.counterexamplePath}): ${details.errorInstance && details.errorInstance.message}`);
  assert.ok(runs >= 250);
});
