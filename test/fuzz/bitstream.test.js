'use strict';
// Bitstream fuzzing (fixed seed, CI-sized): mutated H.264 (avc + annexb), VP8, VP9, AV1, Opus,
// AAC, FLAC, MP3, Vorbis and PCM streams → valid output or EncodingError/DataError, never a crash
// or hang; flush promises settle. Long runs: `npm run stress`.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runBitstreamFuzz } = require('./bitstream-harness');

test('mutated bitstreams for every decoder (fixed seed)', { timeout: 120_000 }, async () => {
  const { details, stats, streams } = await runBitstreamFuzz({ seed: 4242, numRuns: 1500 });
  assert.ok(!details.failed, `counterexample ${JSON.stringify(details.counterexample)} (seed ${details.seed}): ${details.errorInstance && details.errorInstance.message}`);
  // Every seed stream exists (this build encodes all of them) and was exercised.
  assert.deepEqual(Object.keys(streams.video).sort(), ['av1', 'h264-annexb', 'h264-avc', 'vp8', 'vp9']);
  assert.deepEqual(Object.keys(streams.audio).sort(), ['aac', 'flac', 'mp3', 'opus', 'pcm-s16', 'vorbis']);
  for (const name of [...Object.keys(streams.video), ...Object.keys(streams.audio)]) {
    assert.ok(Object.keys(stats).some((k) => k.startsWith(`${name} `)), `${name} was not fuzzed`);
  }
});
