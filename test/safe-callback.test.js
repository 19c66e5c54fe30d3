'use strict';
// The safe-callback layer and the error mapping against a real Node environment. The natives
// (crates/node-binding/src/testing.rs) exist only in the test build of the addon
// (`cargo build -p node-binding --features testing`, run by `npm run pretest:node`), never in
// the production index.node.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// The test build of the addon, copied to a `.node` file so that Node can load it.
function loadTestingAddon() {
  const target = process.env.CARGO_TARGET_DIR ?? path.join(__dirname, '..', 'target');
  const file = { darwin: 'libnode_binding.dylib', win32: 'node_binding.dll' }[process.platform] ?? 'libnode_binding.so';
  const built = path.join(target, 'debug', file);
  if (!fs.existsSync(built)) {
    throw new Error(`${built} is missing: run \`npm run pretest:node\` (the addon's test build)`);
  }
  const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'webcodecs-testing-')), 'testing.node');
  fs.copyFileSync(built, copy);
  return require(copy);
}

const native = loadTestingAddon();
// As lib/native.js does for the production addon: the setImmediate that fake timers leave alone.
native.setImmediateFn(require('node:timers').setImmediate);
const production = require('../lib/native');

// Every native only the test build exports.
const TEST_NATIVES = ['_errThrow', '_scBlockingOnJsThread', '_scCallAfterRelease', '_scStressNew',
  '_scStressRelease', '_scStressStart', '_scStressStop'];

test('the test natives exist only in the test build, never in the production index.node', () => {
  const onlyInTest = Object.keys(native).filter((k) => !(k in production)).sort();
  assert.deepEqual(onlyInTest, TEST_NATIVES);
  for (const k of TEST_NATIVES) assert.equal(k in production, false, k);
  assert.deepEqual(Object.keys(production).filter((k) => k.startsWith('_')), []);
});

test('every crate\'s error reaches JS as a TypeError, a RangeError or a DOMException of its spec name', () => {
  const dom = (name) => (e) => e instanceof DOMException && e.name === name;
  const cases = {
    TypeError: (e) => e instanceof TypeError && e.constructor === TypeError,
    RangeError: (e) => e instanceof RangeError && e.constructor === RangeError,
    NotSupportedError: dom('NotSupportedError'),
    InvalidStateError: dom('InvalidStateError'),
    DataError: dom('DataError'),
    EncodingError: dom('EncodingError'),
    AbortError: dom('AbortError'),
    QuotaExceededError: dom('QuotaExceededError'),
    DataCloneError: dom('DataCloneError'),
    'queue.spawn': dom('QuotaExceededError'),
    'queue.stopped': dom('InvalidStateError'),
    'callback.released': dom('InvalidStateError'),
    'callback.gone': dom('AbortError'),
    'callback.deadlock': dom('InvalidStateError'),
    'ffmpeg.malformed': dom('EncodingError'),
    'ffmpeg.unsupported': dom('NotSupportedError'),
    'ffmpeg.limit': dom('EncodingError'),
    'ffmpeg.internal': dom('EncodingError'),
    'ffmpeg.spec': dom('DataError'),
    thread: dom('QuotaExceededError'),
  };
  for (const [kind, check] of Object.entries(cases)) {
    assert.throws(() => native._errThrow(kind), check, kind);
  }
});

test('call after release fails and hands the payload back', () => {
  assert.equal(native._scCallAfterRelease(), true);
});

test('blocking call on the JS thread is refused, not deadlocked', () => {
  assert.equal(native._scBlockingOnJsThread(), true);
});

// Each callback either sends on its channel from the calling thread or, made with
// `SafeCallback::relayed` (what the codecs use), through the process's relay thread.
for (const relayed of [false, true]) {
  const mode = relayed ? ' (relayed)' : '';

  test(`8 threads calling while the JS thread releases: nothing is delivered after release${mode}`, async () => {
    let released = false;
    let before = 0;
    let after = 0;
    const h = native._scStressNew(() => { if (released) after++; else before++; }, relayed);
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

  test(`a flood of deliveries leaves timers their turn, and each sender's order holds${mode}`, async () => {
    // Each handler spends about 0.2 ms, and two threads keep the channel full: Node would run up to
    // 1000 queued closures in one loop iteration (about 200 ms here) before a timer could fire.
    const last = new Map();
    let delivered = 0;
    let outOfOrder = 0;
    const h = native._scStressNew((v) => {
      const thread = Math.floor(v / 2 ** 32);
      const i = v % 2 ** 32;
      if (last.has(thread) && i <= last.get(thread)) outOfOrder++;
      last.set(thread, i);
      delivered++;
      const until = performance.now() + 0.2;
      while (performance.now() < until);
    }, relayed);
    let worst = 0;
    let prev = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - prev);
      prev = now;
    }, 1);
    native._scStressStart(h, 2);
    await new Promise((r) => setTimeout(r, 400));
    clearInterval(timer);
    native._scStressRelease(h);
    native._scStressStop(h);
    for (let i = 0; i < 100 && native._scStressStop(h)[2] < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(delivered > 100, `${delivered} deliveries`);
    assert.equal(outOfOrder, 0, 'per-sender order');
    // The budget per iteration is 3 ms; 50 ms leaves room for a loaded machine.
    assert.ok(worst < 50, `a 1 ms interval waited ${worst.toFixed(1)} ms`);
  });
}

test('deliveries never stall when the global setImmediate is replaced (fake timers)', async () => {
  const real = global.setImmediate;
  global.setImmediate = () => {}; // a fake clock that never advances
  let delivered = 0;
  const h = native._scStressNew(() => {
    delivered++;
    const until = performance.now() + 0.2;
    while (performance.now() < until);
  });
  try {
    native._scStressStart(h, 1);
    await new Promise((r) => setTimeout(r, 300));
    const before = delivered;
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(before > 50, `${before} deliveries in the first 300 ms`);
    assert.ok(delivered > before + 50, `deliveries kept coming (${before} then ${delivered})`);
  } finally {
    native._scStressRelease(h);
    native._scStressStop(h);
    for (let i = 0; i < 100 && native._scStressStop(h)[2] < 1; i++) await new Promise((r) => setTimeout(r, 20));
    global.setImmediate = real;
  }
});

test('a codec flushes and a large copyTo() settles with the global setImmediate replaced', async () => {
  const { VideoEncoder, VideoFrame } = require('..');
  const real = global.setImmediate;
  global.setImmediate = () => {};
  try {
    let chunks = 0;
    const enc = new VideoEncoder({ output: () => chunks++, error: (e) => assert.fail(e) });
    enc.configure({ codec: 'vp8', width: 640, height: 480, bitrate: 1e6 });
    const data = new Uint8Array(640 * 480 * 3 / 2);
    for (let i = 0; i < 60; i++) {
      data.fill(i * 4, 0, 640 * 480);
      const f = new VideoFrame(data, { format: 'I420', codedWidth: 640, codedHeight: 480, timestamp: i * 33333 });
      enc.encode(f);
      f.close();
    }
    await enc.flush();
    enc.close();
    assert.equal(chunks, 60);
    const big = new VideoFrame(new Uint8Array(3000 * 2000 * 4), { format: 'RGBA', codedWidth: 3000, codedHeight: 2000, timestamp: 0 });
    await big.copyTo(new Uint8Array(big.allocationSize()));
    await big.copyTo(new Uint8Array(3000 * 2000 * 4), { format: 'BGRA' });
    big.close();
  } finally {
    global.setImmediate = real;
  }
});
