'use strict';
// Process-level behaviour, each in a child process: a busy codec keeps Node alive, an idle one
// does not, and garbage-collected codecs leave no threads or memory behind.
const test = require('node:test');
const assert = require('node:assert/strict');
const { runScript } = require('../helpers');
const fs = require('node:fs');

const LIB = JSON.stringify(require.resolve('../..'));
const HELPERS = JSON.stringify(require.resolve('../helpers'));


test('a pending flush keeps the process alive until it resolves', () => {
  const out = runScript(`
    const { VideoEncoder } = require(${LIB});
    const { makeFrame } = require(${HELPERS});
    (async () => {
      const enc = new VideoEncoder({ output: () => {}, error: (e) => { throw e; } });
      enc.configure({ codec: 'avc1.42001f', width: 640, height: 480 });
      for (let i = 0; i < 20; i++) { const f = makeFrame(640, 480, i); enc.encode(f); f.close(); }
      await enc.flush();
      console.log('done');
    })();
  `);
  assert.equal(out, 'done');
});

test('an idle configured codec that is never closed does not keep the process alive', () => {
  const t0 = Date.now();
  const out = runScript(`
    const { VideoEncoder, VideoDecoder } = require(${LIB});
    const enc = new VideoEncoder({ output: () => {}, error: () => {} });
    enc.configure({ codec: 'vp8', width: 64, height: 64 });
    const dec = new VideoDecoder({ output: () => {}, error: () => {} });
    dec.configure({ codec: 'vp8' });
    globalThis.keep = [enc, dec];
    setTimeout(() => console.log('idle'), 50);
  `);
  assert.equal(out, 'idle');
  assert.ok(Date.now() - t0 < 10_000);
});

function threadCount() {
  return `Number(require('fs').readFileSync('/proc/self/status', 'utf8').match(/Threads:\\s+(\\d+)/)[1])`;
}

test('200 unclosed codecs collected by GC: no crash, threads and memory return', { skip: !fs.existsSync('/proc/self/status') }, () => {
  const out = runScript(`
    const { VideoEncoder, VideoDecoder } = require(${LIB});
    const { makeFrame } = require(${HELPERS});
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const threads = () => ${threadCount()};
    (async () => {
      // Warm up once so lazily created pools exist in the baseline.
      { const e = new VideoEncoder({ output: () => {}, error: () => {} }); e.configure({ codec: 'vp8', width: 64, height: 64 }); await e.flush(); e.close(); }
      await sleep(100); gc();
      const baseThreads = threads();
      const baseRss = process.memoryUsage().rss;
      // Created in a separate function so no local variable keeps the last codecs reachable.
      function churn(i) {
          const enc = new VideoEncoder({ output: () => {}, error: () => {} });
          enc.configure({ codec: i % 2 ? 'vp8' : 'avc1.42001f', width: 128, height: 96 });
          const f = makeFrame(128, 96, i);
          enc.encode(f);
          f.close();
          const dec = new VideoDecoder({ output: (x) => x.close(), error: () => {} });
          dec.configure({ codec: 'vp8' });
      }
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 50; i++) churn(i);
        await sleep(200);
        gc();
      }
      // Worker threads end asynchronously (slower on a loaded machine): wait for them.
      for (let i = 0; i < 150 && (i < 20 || threads() > baseThreads + 8); i++) { await sleep(100); gc(); }
      console.log(JSON.stringify({ baseThreads, threads: threads(), baseRss, rss: process.memoryUsage().rss }));
    })();
  `, ['--expose-gc']);
  const m = JSON.parse(out);
  // 400 leaked codecs would leave hundreds of threads; allow a couple still unreachable-but-uncollected.
  assert.ok(m.threads <= m.baseThreads + 8, `threads ${m.baseThreads} → ${m.threads}`);
  // 400 leaked encoder/decoder contexts would take gigabytes; per-thread malloc arenas that glibc
  // keeps after the threads end account for the growth that is not a leak.
  assert.ok(m.rss < m.baseRss + 300 * 1024 * 1024, `rss ${m.baseRss} → ${m.rss}`);
});
