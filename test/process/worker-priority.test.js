'use strict';
// Codec threads run below the JS thread: 10 nice steps lower (WEBCODECS_WORKER_NICE) and in the
// SCHED_IDLE class (WEBCODECS_WORKER_IDLE), so that a waking JS thread preempts them. libaom's
// and an AV1 decoder's (dav1d's), which wake each other too often for the idle class, where a
// woken thread never preempts another, run at the lowest nice value in the ordinary class
// instead; the VP9 encoder's keep the JS thread's priority (see crates/codec-ffmpeg/src/lib.rs
// `settle_worker_priority`); all have a longer scheduler slice than the JS thread's (Linux
// 6.12+). A video decoder's worker, which feeds its frame threads, stays in the ordinary class.
// None runs with real-time scheduling, even when the process runs as root, where SVT-AV1 (AV1
// in latencyMode "quality") would start its threads as SCHED_FIFO and starve the JS thread.
// Linux only: the scheduling attributes are read from /proc/self/task.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {
  VideoEncoder, VideoDecoder, VideoFrame, AudioEncoder, AudioDecoder, AudioData, ImageDecoder,
} = require('../..');

// Every thread of this process: name, nice value and scheduling policy (0 SCHED_OTHER,
// 1 SCHED_FIFO, 2 SCHED_RR, 3 SCHED_BATCH, 5 SCHED_IDLE).
function threads() {
  return fs.readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const sched = fs.readFileSync(`/proc/self/task/${tid}/sched`, 'utf8');
      const slice = /^se\.slice\s*:\s*(\d+)/m.exec(sched);
      return [{ tid: Number(tid), name, nice: Number(fields[16]), policy: Number(fields[38]), slice: slice ? Number(slice[1]) : null }];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

// The tids of the process's threads now.
const tids = () => new Set(threads().map((t) => t.tid));

// The codec threads of `seen` (a `threads()` list) but for those in `before` (a `tids()` snapshot).
const codecThreadsSince = (seen, before) => seen.filter((t) => t.name.startsWith('webcodecs') && !before.has(t.tid));

const SCHED_OTHER = 0;
const SCHED_BATCH = 3;
const SCHED_IDLE = 5;

// Asserts that `t` (a `threads()` entry) runs below `js`, the JS thread: 10 nice steps lower, in
// the idle class.
function assertLowered(t, js, when = '') {
  assert.equal(t.nice, Math.min(19, js.nice + 10), `${t.name} (${t.tid}) nice${when}`);
  assert.equal(t.policy, SCHED_IDLE, `${t.name} (${t.tid}) policy${when}`);
}

// The codec threads `enc` ran while it encoded 8 frames of `config`, but for those in `before`
// (a `tids()` snapshot); `seen` gets every thread of the process, as the first output saw them.
async function newThreadsWhileEncoding(enc, config, seen, before) {
  const { width: w, height: h } = config;
  seen.length = 0;
  enc.configure(config);
  const data = new Uint8Array(w * h * 3 / 2);
  for (let i = 0; i < 8; i++) {
    data.fill(16 + i * 20, 0, w * h);
    const f = new VideoFrame(data, { format: 'I420', codedWidth: w, codedHeight: h, timestamp: i * 33333 });
    enc.encode(f);
    f.close();
  }
  await enc.flush();
  return codecThreadsSince(seen, before);
}

test('codec threads (SVT-AV1\'s included) run in the idle class, 10 nice steps below the JS thread, never real-time', { skip: process.platform !== 'linux' }, async () => {
  const js = threads().find((t) => t.tid === process.pid);
  const seen = [];
  const before = tids();
  const enc = new VideoEncoder({
    output: () => { if (seen.length === 0) seen.push(...threads()); },
    error: (e) => assert.fail(e),
  });
  const codec = await newThreadsWhileEncoding(enc, { codec: 'av01.0.04M.08', width: 320, height: 240, bitrate: 500_000, latencyMode: 'quality' }, seen, before);
  enc.close();
  assert.ok(codec.length > 1, `codec threads while encoding: ${codec.map((t) => t.name)}`);
  for (const t of seen) assert.ok([SCHED_OTHER, SCHED_BATCH, SCHED_IDLE].includes(t.policy), `${t.name} (${t.tid}) runs with policy ${t.policy}`);
  for (const t of codec) assertLowered(t, js);
});

// Asserts that `t` (a `threads()` entry) runs at the lowest nice value, in the ordinary class.
function assertLow(t) {
  assert.equal(t.nice, 19, `${t.name} (${t.tid}) nice`);
  assert.equal(t.policy, SCHED_OTHER, `${t.name} (${t.tid}) policy`);
}

test('libaom\'s threads (AV1 in realtime mode) and an AV1 decoder\'s (dav1d\'s) run at the lowest nice value in the ordinary class', { skip: process.platform !== 'linux' }, async () => {
  const seen = [];
  const chunks = [];
  let decoderConfig = null;
  const before = tids();
  // libaom may start its threads after the first frame: every output adds what it sees.
  const byTid = new Map();
  const enc = new VideoEncoder({
    output: (c, meta) => {
      for (const t of threads()) byTid.set(t.tid, t);
      if (meta && meta.decoderConfig) decoderConfig = meta.decoderConfig;
      chunks.push(c);
    },
    error: (e) => assert.fail(e),
  });
  await newThreadsWhileEncoding(enc, { codec: 'av01.0.04M.08', width: 640, height: 480, bitrate: 500_000, latencyMode: 'realtime' }, seen, before);
  // libaom names its threads "aom enc worker"; the rest of the process's keep "node".
  const codec = [...byTid.values()].filter((t) => !before.has(t.tid) && /^(webcodecs|aom)/.test(t.name));
  enc.close();
  assert.ok(codec.some((t) => t.name.startsWith('aom')), `libaom threads (the worker and libaom's): ${codec.map((t) => t.name)}`);
  for (const t of codec) assertLow(t);

  // dav1d names its threads "dav1d-worker"; they and the decoder's worker, which feeds them,
  // run like libaom's.
  const beforeDecoder = tids();
  const decSeen = new Map();
  const dec = new VideoDecoder({
    output: (f) => { for (const t of threads()) decSeen.set(t.tid, t); f.close(); },
    error: (e) => assert.fail(e),
  });
  dec.configure(decoderConfig);
  for (const c of chunks) dec.decode(c);
  await dec.flush();
  dec.close();
  const decThreads = [...decSeen.values()].filter((t) => !beforeDecoder.has(t.tid) && /^(webcodecs|dav1d)/.test(t.name));
  assert.ok(decThreads.some((t) => t.name.startsWith('dav1d')), `dav1d threads: ${decThreads.map((t) => t.name)}`);
  assert.ok(decThreads.some((t) => t.name.startsWith('webcodecs')), `the decoder's worker: ${decThreads.map((t) => t.name)}`);
  for (const t of decThreads) assertLow(t);
});

test('the VP9 encoder\'s threads keep the JS thread\'s priority; reconfigured to H.264, they go below it; a VP9 decoder\'s frame threads go below, its worker 10 nice steps down only', { skip: process.platform !== 'linux' }, async () => {
  const js = threads().find((t) => t.tid === process.pid);
  const seen = [];
  const chunks = [];
  let decoderConfig = null;
  const before = tids();
  const enc = new VideoEncoder({
    output: (c, meta) => {
      if (seen.length === 0) seen.push(...threads());
      if (meta && meta.decoderConfig) decoderConfig = meta.decoderConfig;
      chunks.push(c);
    },
    error: (e) => assert.fail(e),
  });
  const vp9 = await newThreadsWhileEncoding(enc, { codec: 'vp09.00.10.08', width: 640, height: 480, bitrate: 1_000_000, latencyMode: 'realtime' }, seen, before);
  assert.ok(vp9.length > 1, `VP9 encoder threads (the worker and libvpx's): ${vp9.map((t) => t.name)}`);
  for (const t of vp9) {
    assert.equal(t.nice, js.nice, `${t.name} (${t.tid}) nice`);
    assert.ok(t.policy === SCHED_OTHER || t.policy === SCHED_BATCH, `${t.name} (${t.tid}) runs with policy ${t.policy}`);
  }
  // Linux 6.12 and later take a custom EEVDF slice: at the JS thread's priority, codec threads
  // get twice its slice (at least 3 ms), so the JS thread preempts them when it wakes.
  const [major, minor] = require('node:os').release().split('.').map(Number);
  if ((major > 6 || (major === 6 && minor >= 12)) && js.slice !== null) {
    for (const t of vp9) {
      const want = Math.min(20_000_000, Math.max(3_000_000, Math.floor(js.slice / 1000) * 2000));
      assert.equal(t.slice, want, `${t.name} (${t.tid}) time slice`);
      assert.ok(t.slice > js.slice, `${t.name} (${t.tid}) slice ${t.slice} vs the JS thread's ${js.slice}`);
    }
  }
  const vp9Chunks = chunks.splice(0);
  const vp9Config = decoderConfig;

  // The same worker thread, reconfigured: it lowers itself before x264 opens. libvpx's threads
  // are gone by then; the worker is the one left of `vp9`.
  const avc = await newThreadsWhileEncoding(enc, { codec: 'avc1.42001f', width: 640, height: 480, bitrate: 1_000_000 }, seen, tids());
  const vp9Tids = new Set(vp9.map((t) => t.tid));
  const worker = threads().filter((t) => vp9Tids.has(t.tid));
  enc.close();
  assert.ok(avc.length >= 1, `x264 threads: ${avc.map((t) => t.name)}`);
  assert.equal(worker.length, 1, `the worker thread alone is left of the VP9 threads: ${worker.map((t) => t.tid)}`);
  for (const t of [...avc, ...worker]) assertLowered(t, js, ' after the reconfigure');

  // A video decoder's worker feeds the frame threads FFmpeg starts when it opens the decoder
  // and mostly waits for them: those run in the idle class, the worker (started with the
  // VideoDecoder) only 10 nice steps down, in the ordinary class, so that it runs as soon as
  // they wake it (crates/codec-ffmpeg/src/lib.rs `settle_worker_priority`).
  const decSeen = [];
  const beforeDecoder = tids();
  const dec = new VideoDecoder({
    output: (f) => { if (decSeen.length === 0) decSeen.push(...threads()); f.close(); },
    error: (e) => assert.fail(e),
  });
  // The worker thread names itself once it runs, which may be a moment after the constructor
  // returns (more so while the previous test's codec threads wind down): wait for the name.
  let workerTids = new Set();
  for (let i = 0; i < 2000 && workerTids.size === 0; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    workerTids = new Set(codecThreadsSince(threads(), beforeDecoder).map((t) => t.tid));
  }
  assert.equal(workerTids.size, 1, 'the decoder\'s worker starts with the VideoDecoder');
  dec.configure(vp9Config);
  for (const c of vp9Chunks) dec.decode(c);
  await dec.flush();
  dec.close();
  const decThreads = codecThreadsSince(decSeen, beforeDecoder);
  const decWorker = decThreads.filter((t) => workerTids.has(t.tid));
  const frameThreads = decThreads.filter((t) => !workerTids.has(t.tid));
  assert.equal(decWorker.length, 1, `the decoder's worker: ${decThreads.map((t) => t.tid)}`);
  assert.equal(decWorker[0].nice, Math.min(19, js.nice + 10), 'decoder worker nice');
  assert.equal(decWorker[0].policy, SCHED_OTHER, 'decoder worker policy');
  assert.ok(frameThreads.length >= 1, `VP9 decoder frame threads: ${frameThreads.map((t) => t.name)}`);
  for (const t of frameThreads) assertLowered(t, js);
});

// The worker loop lowers every configured worker whose backend does not ask for the JS thread's
// priority: the audio and image backends say nothing, so theirs go below too.
test('audio encoder, audio decoder and ImageDecoder workers run in the idle class, 10 nice steps below the JS thread', { skip: process.platform !== 'linux' }, async () => {
  const js = threads().find((t) => t.tid === process.pid);
  const before = tids();
  const chunks = [];
  let decoderConfig = null;
  const enc = new AudioEncoder({
    output: (c, meta) => { if (meta && meta.decoderConfig) decoderConfig = meta.decoderConfig; chunks.push(c); },
    error: (e) => assert.fail(e),
  });
  enc.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 1, bitrate: 64000 });
  const pcm = new Float32Array(960 * 5).map((_, i) => Math.sin(i / 10) * 0.5);
  const data = new AudioData({ format: 'f32', sampleRate: 48000, numberOfFrames: pcm.length, numberOfChannels: 1, timestamp: 0, data: pcm });
  enc.encode(data);
  data.close();
  await enc.flush();
  const dec = new AudioDecoder({ output: (d) => d.close(), error: (e) => assert.fail(e) });
  dec.configure(decoderConfig);
  for (const c of chunks) dec.decode(c);
  await dec.flush();
  const image = new ImageDecoder({
    data: fs.readFileSync(path.join(__dirname, '..', 'image', 'fixtures', 'progressive.jpg')),
    type: 'image/jpeg',
  });
  const { image: frame } = await image.decode();
  frame.close();
  const workers = threads().filter((t) => !before.has(t.tid) && /^webcodecs-(aenc|adec|image)$/.test(t.name));
  enc.close();
  dec.close();
  image.close();
  assert.deepEqual(workers.map((t) => t.name).sort(), ['webcodecs-adec', 'webcodecs-aenc', 'webcodecs-image']);
  for (const t of workers) assertLowered(t, js);
});
