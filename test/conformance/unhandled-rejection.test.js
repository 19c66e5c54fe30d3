'use strict';
// The whole Node test run must fail on any unhandled promise rejection. node:test does that on
// its own (Node 20 and later): a rejection nobody handles while a test runs fails that test
// (failureType 'unhandledRejection'), and one that surfaces after its test ended fails the file,
// even when the test file installs its own 'unhandledRejection' listener. This checks that the
// runner in use still behaves so, by running small test files in a child `node --test`.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function runTestFile(source) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unhandled-'));
  const file = path.join(dir, 'case.test.js');
  fs.writeFileSync(file, source);
  // A fresh runner: without the marker node:test sets for the files it runs as children.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  try {
    return spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { encoding: 'utf8', timeout: 60000, env });
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

test('an unhandled rejection during a test fails that test and the run', () => {
  const r = runTestFile(`
    const test = require('node:test');
    test('leaves a rejection', async () => { Promise.reject(new Error('nobody handles me')); await new Promise((s) => setTimeout(s, 20)); });
    test('fine', () => {});
  `);
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stdout, /not ok 1 - leaves a rejection/);
  assert.match(r.stdout, /failureType: 'unhandledRejection'/);
  assert.match(r.stdout, /ok 2 - fine/);
});

test('an unhandled rejection after its test ended fails the run', () => {
  const r = runTestFile(`
    const test = require('node:test');
    test('rejects later', () => { setTimeout(() => Promise.reject(new Error('too late')), 10); });
    test('waits', async () => { await new Promise((s) => setTimeout(s, 100)); });
  `);
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stdout, /too late/);
});

test('a test file\'s own unhandledRejection listener does not hide it', () => {
  const r = runTestFile(`
    const test = require('node:test');
    process.on('unhandledRejection', () => {});
    test('swallows', async () => { Promise.reject(new Error('hidden?')); await new Promise((s) => setTimeout(s, 20)); });
  `);
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stdout, /failureType: 'unhandledRejection'/);
});

test('a rejection handled later in the same turn is not reported', () => {
  const r = runTestFile(`
    const test = require('node:test');
    test('handles it', async () => { const p = Promise.reject(new Error('caught')); await p.catch(() => {}); });
  `);
  assert.equal(r.status, 0, r.stdout);
});
