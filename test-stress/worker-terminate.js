'use strict';
// worker_threads running codecs and an ImageDecoder terminated at random moments, many times
// (WORKER_ROUNDS, default 200). The process must survive, and threads return to the baseline
// at the end.
const { Worker } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');

const LIB = JSON.stringify(path.resolve(__dirname, '..'));
const HELPERS = JSON.stringify(path.resolve(__dirname, '..', 'test', 'helpers.js'));
const GIF = JSON.stringify(require('../test/image/helpers').generated('big.gif'));
const threads = () => fs.readdirSync('/proc/self/task').length;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const src = `
  const { parentPort, workerData } = require('worker_threads');
  const W = require(${LIB});
  const { makeFrame } = require(${HELPERS});
  const size = workerData.big ? [1280, 720] : [160, 120];
  const e = new W.VideoEncoder({ output: (c) => { parentPort.postMessage('out'); }, error: () => {} });
  e.configure({ codec: ['avc1.42001f', 'vp8', 'vp09.00.10.08'][workerData.i % 3], width: size[0], height: size[1] });
  const d = new W.VideoDecoder({ output: (f) => f.close(), error: () => {} });
  d.configure({ codec: 'vp8' });
  const a = new W.AudioEncoder({ output: () => {}, error: () => {} });
  a.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
  const id = new W.ImageDecoder({ data: require('fs').readFileSync(${GIF}), type: 'image/gif' });
  for (let i = 0; i < 24; i++) id.decode({ frameIndex: i }).then(({ image }) => image.close(), () => {});
  for (let i = 0; i < 30; i++) {
    const f = makeFrame(size[0], size[1], i); e.encode(f); f.close();
    const x = new W.AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfFrames: 960, numberOfChannels: 2, timestamp: i * 20000, data: new Float32Array(1920) });
    a.encode(x); x.close();
  }
  e.flush().then(() => parentPort.postMessage('flushed'));
  a.flush();
  parentPort.postMessage('queued');
`;

(async () => {
  const rounds = Number(process.env.WORKER_ROUNDS || 200);
  { const w = new Worker('1', { eval: true }); await new Promise((r) => w.on('exit', r)); }
  await sleep(100);
  const base = threads();
  const t0 = Date.now();
  for (let i = 0; i < rounds; i++) {
    const w = new Worker(src, { eval: true, workerData: { i, big: i % 4 === 0 } });
    await new Promise((resolve) => w.on('message', (m) => { if (m === 'queued') resolve(); }));
    await sleep((i * 7) % 40);
    await w.terminate();
  }
  let now = threads();
  for (let i = 0; i < 100 && now > base; i++) { await sleep(100); global.gc && gc(); now = threads(); }
  console.log(`worker-terminate: ${rounds} rounds in ${((Date.now() - t0) / 1000).toFixed(1)} s; threads ${base} → ${now}`);
  if (now > base + 2) process.exit(1);
})();
