'use strict';
// benches/node/lib/threads.js, which says what the threads did in an event-loop gap: it must
// count the JS thread's own work as the JS thread's, a codec's work as the codec threads', and
// find the gap a blocked event loop makes.
const test = require('node:test');
const assert = require('node:assert/strict');
const { ThreadClock, describe, Heartbeat } = require('../../benches/node/lib/threads');
const { VideoEncoder, VideoFrame } = require('../..');

const linux = process.platform === 'linux' || 'schedstat is Linux only';

const spin = (ms) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test('describe: the CPU time the process left unused is the interval times the CPUs minus ours', () => {
  assert.deepEqual(describe({ jsCpu: 1, jsWait: 2, codecCpu: 3.04, nodeCpu: 1 }, 4, 2), {
    jsCpuMs: 1, jsWaitMs: 2, codecCpuMs: 3, nodeCpuMs: 1, notOursMs: 3,
  });
  // Never below zero (clock granularity can make ours exceed the interval).
  assert.equal(describe({ jsCpu: 5, jsWait: 0, codecCpu: 5, nodeCpu: 0 }, 4, 2).notOursMs, 0);
  assert.equal(describe(null, 4, 2), null);
});

test('ThreadClock: JS work counts as the JS thread\'s, an encoder\'s as the codec threads\'', { skip: linux !== true && linux }, async () => {
  const clock = new ThreadClock();
  assert.ok(clock.supported);
  clock.sample();
  spin(30);
  const js = clock.sample();
  assert.ok(js.jsCpu >= 10, `JS thread CPU over a 30 ms spin: ${js.jsCpu} ms`);
  assert.ok(js.codecCpu < 5, `codec threads while none runs: ${js.codecCpu} ms`);

  const enc = new VideoEncoder({ output: () => {}, error: (e) => { throw e; } });
  enc.configure({ codec: 'vp8', width: 640, height: 480, bitrate: 1e6, framerate: 30 });
  const size = 640 * 480 * 3 / 2;
  for (let i = 0; i < 30; i++) {
    const data = new Uint8Array(size);
    for (let j = 0; j < size; j += 7) data[j] = (j * 31 + i * 17) & 255;
    const f = new VideoFrame(data, { format: 'I420', codedWidth: 640, codedHeight: 480, timestamp: i * 33333 });
    enc.encode(f);
    f.close();
  }
  await enc.flush();
  const coded = clock.sample();
  enc.close();
  clock.close();
  assert.ok(coded.codecCpu > 1, `codec threads' CPU over 30 VGA frames of VP8: ${coded.codecCpu} ms`);
});

test('Heartbeat: a blocked event loop is the worst gap, and the JS thread ran through it', { skip: linux !== true && linux }, async () => {
  const hb = new Heartbeat();
  await new Promise((resolve) => setTimeout(resolve, 10));
  spin(40);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const { worstMs, cause } = hb.stop();
  assert.ok(worstMs >= 35, `worst gap ${worstMs} ms`);
  assert.ok(cause.jsCpuMs >= 15 && cause.jsCpuMs >= cause.jsWaitMs, JSON.stringify(cause));
  assert.ok(cause.atMs >= 5, `the gap began after the first ticks: ${cause.atMs} ms`);
});
