'use strict';
// The safe-callback layer against a real Node environment (natives in
// crates/node-binding/src/testing.rs).
const test = require('node:test');
const assert = require('node:assert/strict');
const native = require('../lib/native');

test('call after release fails and hands the payload back', () => {
  assert.equal(native._scCallAfterRelease(), true);
});

test('blocking call on the JS thread is refused, not deadlocked', () => {
  assert.equal(native._scBlockingOnJsThread(), true);
});

test('8 threads calling while the JS thread releases: nothing is delivered after release', async () => {
  let released = false;
  let before = 0;
  let after = 0;
  const h = native._scStressNew(() => { if (released) after++; else before++; });
  native._scStressStart(h, 8);
  await new Promise((r) => setTimeout(r, 100));
  native._scStressRelease(h);
  released = true;
  await new Promise((r) => setTimeout(r, 100));
  const [sent, rejected] = native._scStressStop(h);
  let finished = 0;
  for (let i = 0; i < 100 && finished < 8; i++) {
    await new Promise((r) => setTimeout(r, 20));
    finished = native._scStressStop(h)[2];
  }
  assert.equal(finished, 8, 'every thread stopped (blocking calls were not left hanging)');
  assert.ok(before > 0, 'calls were delivered before release');
  assert.ok(sent >= before);
  assert.ok(rejected > 0, 'calls after release were rejected');
  assert.equal(after, 0, 'no delivery after release');
});
