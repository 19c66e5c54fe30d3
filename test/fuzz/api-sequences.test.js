'use strict';
// API-sequence fuzzing (fixed seed, CI-sized): random configure / encode|decode / flush / reset /
// close / clone / gc sequences over VideoEncoder, VideoDecoder, AudioEncoder, AudioDecoder, and
// construct / decode / tracks.ready / track selection / reset / close / gc over ImageDecoder
// (BufferSource and ReadableStream data, every image type).
// Properties: the process survives, every promise settles, sync throws are TypeError or the
// spec's DOMExceptions, error callbacks and flush rejections are DOMExceptions with spec names,
// `state` follows the spec and queue sizes return to 0. Long runs: `npm run stress`.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runApiFuzz, stats } = require('./api-harness');

const SEED = 20260101;

test('API sequences across the four codec classes and ImageDecoder (fixed seed)', { timeout: 120_000 }, async () => {
  const { details, runs } = await runApiFuzz({ seed: SEED, numRuns: 250, maxOps: 40 });
  assert.ok(!details.failed, `counterexample ${JSON.stringify(details.counterexample)} (seed ${details.seed}, path ${details.counterexamplePath}): ${details.errorInstance && details.errorInstance.message}`);
  assert.ok(runs >= 250);
  // ImageDecoder was exercised: frames decoded, and the spec's rejections seen.
  for (const k of ['id.construct valid', 'id.construct threw TypeError', 'id.construct unsupported', 'id.decode resolved',
    'id.decode rejected RangeError', 'id.decode rejected AbortError', 'id.decode rejected InvalidStateError', 'id.tracks.ready resolved']) {
    assert.ok(stats[k] > 0, `${k}: ${stats[k]}`);
  }
  // The orientation rule was exercised: turned frames refused while another orientation was active.
  assert.ok(stats['ve.encode threw DataError'] > 0, `ve.encode threw DataError: ${stats['ve.encode threw DataError']}`);
});
