'use strict';
// Node benchmark: JS-thread cost of encode()/decode() calls, throughput, and event-loop delay
// while codecs work. `npm run bench`.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { VideoEncoder, VideoDecoder, VideoFrame } = require('../..');
const { i420Pattern } = require('../../test/helpers');

const W = 1280;
const H = 720;
const N = Number(process.env.BENCH_FRAMES || 300);

async function bench(name, config) {
  const frame = new VideoFrame(i420Pattern(W, H, 1), { format: 'I420', codedWidth: W, codedHeight: H, timestamp: 0 });
  const chunks = [];
  let decoderConfig;
  const enc = new VideoEncoder({ output: (c, m) => { chunks.push(c); if (m.decoderConfig) decoderConfig = m.decoderConfig; }, error: (e) => { throw e; } });
  enc.configure(config);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const callTimes = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const f = new VideoFrame(frame, { timestamp: i * 33333 });
    const c0 = performance.now();
    enc.encode(f);
    callTimes.push(performance.now() - c0);
    f.close();
    if (i % 30 === 29) await new Promise((r) => setImmediate(r));
  }
  await enc.flush();
  const encMs = performance.now() - t0;
  h.disable();
  enc.close();
  frame.close();

  const dec = new VideoDecoder({ output: (f) => f.close(), error: (e) => { throw e; } });
  dec.configure(decoderConfig);
  const decCalls = [];
  const t1 = performance.now();
  for (const c of chunks) {
    const c0 = performance.now();
    dec.decode(c);
    decCalls.push(performance.now() - c0);
  }
  await dec.flush();
  const decMs = performance.now() - t1;
  dec.close();
  const med = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1] * 1000;
  const p99 = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length * 0.99)] * 1000;
  console.log(`${name}: encode ${(N / encMs * 1000).toFixed(1)} fps, encode() call median ${med(callTimes).toFixed(1)} µs p99 ${p99(callTimes).toFixed(1)} µs, ` +
    `event-loop delay max ${(h.max / 1e6).toFixed(1)} ms; decode ${(chunks.length / decMs * 1000).toFixed(1)} fps, decode() call median ${med(decCalls).toFixed(1)} µs`);
}

// copyTo() with a conversion to RGBA: time to settle, and the event-loop delay meanwhile.
async function benchCopyTo(w, h) {
  const frame = new VideoFrame(i420Pattern(w, h, 1), { format: 'I420', codedWidth: w, codedHeight: h, timestamp: 0 });
  const dest = new Uint8Array(w * h * 4);
  await frame.copyTo(dest, { format: 'RGBA' });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const times = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await frame.copyTo(dest, { format: 'RGBA' });
    times.push(performance.now() - t);
  }
  loop.disable();
  frame.close();
  times.sort((a, b) => a - b);
  console.log(`copyTo(RGBA) ${w}x${h}: median ${times[10].toFixed(2)} ms, event-loop delay max ${(loop.max / 1e6).toFixed(1)} ms`);
}

(async () => {
  await benchCopyTo(1280, 720);
  await benchCopyTo(3840, 2160);
  console.log(`${N} frames ${W}x${H}`);
  await bench('H.264 realtime', { codec: 'avc1.42001f', width: W, height: H, bitrate: 3e6, latencyMode: 'realtime' });
  await bench('H.264 quality', { codec: 'avc1.64001f', width: W, height: H, bitrate: 3e6 });
  await bench('VP8 realtime', { codec: 'vp8', width: W, height: H, bitrate: 3e6, latencyMode: 'realtime' });
})();
