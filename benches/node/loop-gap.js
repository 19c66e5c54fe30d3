'use strict';
// Event-loop gaps while our codecs and copyTo() work: how long the JS thread is kept from
// running other callbacks. `node --expose-gc benches/node/loop-gap.js [--only=REGEX]
// [--runs=N] [--json=FILE]`.
//
// For each scenario (the heartbeat alone, encode then flush, decode then flush, copyTo() to
// RGBA into one destination or into a new one per copy), `--runs` runs (default 5) measure:
//   - worst gap: the longest interval between two ticks of a 1 ms setInterval heartbeat,
//     minus the 1 ms period (and monitorEventLoopDelay's maximum, resolution 1 ms);
//   - what the threads did in the run's longest interval (Linux, lib/threads.js): the JS
//     thread's CPU time and its wait for a CPU, the codec threads' and Node's own threads' CPU
//     time, and the CPU time the process did not use (another process's, the hypervisor's, or
//     idle). A gap the JS thread spent waiting while our threads held every CPU is ours; one
//     it spent waiting while a CPU was not ours is the scheduler's or the machine's;
//   - busy: event-loop utilisation's active time (the JS thread running callbacks, ours and
//     the heartbeat's), and the process's CPU time (all threads: codec workers included);
//   - what the longest tasks were: V8 garbage collections (longest, count), the longest input
//     construction (`new VideoFrame` from a buffer, `new EncodedVideoChunk`) and the longest
//     `encode()`/`decode()` call.
// Scheduling noise (other processes on the machine) only ever adds to a gap, so the minimum
// over the runs is the best estimate of our own; the median shows the typical run. Busy time
// is CPU time, which preemption does not inflate.
const { monitorEventLoopDelay, performance, PerformanceObserver } = require('node:perf_hooks');
const fs = require('node:fs');
const os = require('node:os');
const { VideoEncoder, VideoDecoder, VideoFrame, EncodedVideoChunk } = require('../..');
const media = require('./lib/media');
const { Heartbeat } = require('./lib/threads');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=');
  return [k, v === undefined ? true : v];
}));
const RUNS = Math.max(1, Number(args.runs) || 5);
const ONLY = args.only ? new RegExp(args.only) : null;
const QUEUE = 8;
const SIZES = { '720p': [1280, 720], '1080p': [1920, 1080], '4K': [3840, 2160] };

// The current phase's longest tasks, filled by the GC observer and by `feed`.
const tasks = { gcMaxMs: 0, gcCount: 0, makeMaxMs: 0, callMaxMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    tasks.gcMaxMs = Math.max(tasks.gcMaxMs, e.duration);
    tasks.gcCount++;
  }
}).observe({ entryTypes: ['gc'] });

// Measures the phases of one run: `phase(name)` starts a phase, `end()` closes the last.
class GapProbe {
  constructor() {
    this.phases = [];
    this.heartbeat = new Heartbeat();
  }

  phase(name) {
    this.end();
    this.heartbeat.take();
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    Object.assign(tasks, { gcMaxMs: 0, gcCount: 0, makeMaxMs: 0, callMaxMs: 0 });
    this.current = {
      name, h, elu: performance.eventLoopUtilization(), cpu: process.cpuUsage(), t: performance.now(),
    };
  }

  end() {
    const p = this.current;
    if (!p) return;
    const gap = this.heartbeat.take();
    p.h.disable();
    const elu = performance.eventLoopUtilization(p.elu);
    const cpu = process.cpuUsage(p.cpu);
    this.phases.push({
      name: p.name,
      worstGapMs: Math.max(0, gap.worstMs),
      worstGapCause: gap.cause,
      eventLoopDelayMaxMs: p.h.max / 1e6,
      wallMs: performance.now() - p.t,
      jsBusyMs: elu.active,
      cpuMs: (cpu.user + cpu.system) / 1000,
      ...tasks,
    });
    this.current = null;
  }

  finish() {
    this.end();
    this.heartbeat.stop();
    return this.phases;
  }
}

const dequeued = (codec) => new Promise((resolve) => codec.addEventListener('dequeue', resolve, { once: true }));

async function feed(codec, method, count, make) {
  const pending = method === 'encode' ? 'encodeQueueSize' : 'decodeQueueSize';
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const input = make(i);
    const t1 = performance.now();
    codec[method](input);
    const t2 = performance.now();
    tasks.makeMaxMs = Math.max(tasks.makeMaxMs, t1 - t0);
    tasks.callMaxMs = Math.max(tasks.callMaxMs, t2 - t1);
    if (input.close) input.close();
    if (codec[pending] > QUEUE) {
      while (codec[pending] > QUEUE) await dequeued(codec);
    } else {
      // As a producer fed by I/O would, return to the loop between inputs: the gaps measured
      // are then the codec's, not a burst of this loop's own frame construction.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

// The source frames of the scenario being measured, read once for all its runs. When each
// run read its own copy (373 MB at 1080p for 120 frames) and left the previous one to be
// freed while it measured, 3 of 5 HEVC quality-mode 1080p runs had 6.7-10.2 ms of JS in their
// first interval; with one copy, only a process's first run has such an interval (the first
// frames' page faults, V8 compiling).
const sources = { src: null, all: null };

function readFrames(w, h, frames) {
  const src = media.videoSource(w, h, frames);
  const size = media.i420Size(w, h);
  if (sources.src !== src) {
    sources.all = null; // the previous scenario's frames can go while these are read
    sources.all = fs.readFileSync(src);
    sources.src = src;
  }
  const { all } = sources;
  return (i) => new VideoFrame(all.subarray(i * size, (i + 1) * size), {
    format: 'I420', codedWidth: w, codedHeight: h, timestamp: Math.round(i * 1e6 / 30), duration: 33333,
  });
}

function encoderConfig(codec, w, h, latencyMode = 'realtime') {
  return {
    codec, width: w, height: h, bitrate: h >= 1080 ? 4e6 : 2e6, framerate: 30, latencyMode,
    avc: { format: 'annexb' },
  };
}

// Gaps while `count` inputs go to `codec[method]`, then while it flushes.
async function measure(codec, method, count, make) {
  const probe = new GapProbe();
  probe.phase(method);
  await feed(codec, method, count, make);
  probe.phase('flush');
  await codec.flush();
  return probe.finish();
}

async function encodeRun(s) {
  const [w, h] = SIZES[s.size];
  let error = null;
  const enc = new VideoEncoder({ output: () => {}, error: (e) => { error = e; } });
  enc.configure(encoderConfig(s.codec, w, h, s.latencyMode));
  const phases = await measure(enc, 'encode', s.frames, readFrames(w, h, s.frames));
  enc.close();
  if (error) throw error;
  return phases;
}

// The chunks of `frames` frames from our encoder (made once per scenario, not measured).
async function chunksOf(s) {
  const [w, h] = SIZES[s.size];
  const frame = readFrames(w, h, s.frames);
  const chunks = [];
  let config = null;
  const enc = new VideoEncoder({
    output: (c, meta) => {
      const data = new Uint8Array(c.byteLength);
      c.copyTo(data);
      chunks.push({ type: c.type, timestamp: c.timestamp, data });
      if (meta && meta.decoderConfig) config = meta.decoderConfig;
    },
    error: (e) => { throw e; },
  });
  enc.configure(encoderConfig(s.codec, w, h));
  await feed(enc, 'encode', s.frames, frame);
  await enc.flush();
  enc.close();
  return { chunks, config };
}

async function decodeRun(s, input) {
  let error = null;
  const dec = new VideoDecoder({ output: (f) => f.close(), error: (e) => { error = e; } });
  dec.configure(input.config);
  const chunk = (i) => new EncodedVideoChunk(input.chunks[i]);
  const phases = await measure(dec, 'decode', input.chunks.length, chunk);
  dec.close();
  if (error) throw error;
  return phases;
}

// `s.fresh`: a new destination for every copy (`new Uint8Array(size)` per frame, as most
// callers write it), whose pages fault in as the conversion writes them; otherwise one
// destination, written before, for every copy.
async function copyToRun(s) {
  const [w, h] = SIZES[s.size];
  const f = readFrames(w, h, 1)(0);
  const reused = new Uint8Array(w * h * 4);
  const dest = () => (s.fresh ? new Uint8Array(w * h * 4) : reused);
  await f.copyTo(dest(), { format: 'RGBA' });
  const probe = new GapProbe();
  probe.phase('copyTo');
  for (let i = 0; i < s.iterations; i++) await f.copyTo(dest(), { format: 'RGBA' });
  const phases = probe.finish();
  f.close();
  return phases;
}

// No codec at all: the heartbeat alone for `s.ms`, the machine's own gaps.
async function idleRun(s) {
  const probe = new GapProbe();
  probe.phase('idle');
  await new Promise((resolve) => setTimeout(resolve, s.ms));
  return probe.finish();
}

function scenarios() {
  const list = [{ id: 'baseline', kind: 'idle', ms: 2000 }];
  for (const size of ['720p', '1080p']) {
    const frames = size === '720p' ? 90 : 60;
    for (const [name, codec] of [['h264', size === '720p' ? 'avc1.64001f' : 'avc1.640028'], ['vp9', 'vp09.00.40.08'], ['av1', 'av01.0.08M.08'], ['hevc', size === '720p' ? 'hev1.1.6.L93.B0' : 'hev1.1.6.L120.B0']]) {
      list.push({ id: `encode/${name}/${size}`, kind: 'encode', codec, size, frames });
      list.push({ id: `decode/${name}/${size}`, kind: 'decode', codec, size, frames });
    }
  }
  // Quality mode at 1080p: x264's and x265's frame threads and lookahead, more threads than
  // cores, and the frames the lookahead holds.
  for (const [name, codec] of [['h264', 'avc1.640028'], ['hevc', 'hev1.1.6.L120.90']]) {
    list.push({ id: `encode-quality/${name}/1080p`, kind: 'encode', codec, size: '1080p', frames: 120, latencyMode: 'quality' });
  }
  for (const size of ['720p', '1080p', '4K']) {
    list.push({ id: `copyTo/RGBA/${size}`, kind: 'copyTo', size, iterations: size === '4K' ? 20 : 40 });
    list.push({ id: `copyTo/RGBA-fresh/${size}`, kind: 'copyTo', size, fresh: true, iterations: size === '4K' ? 20 : 40 });
  }
  return list.filter((s) => !ONLY || ONLY.test(s.id));
}

// The threads' CPU time over the interval of a gap (threads.js `describe`).
const causeText = (c) => (c ? `JS ran ${c.jsCpuMs} waited ${c.jsWaitMs}; codec ${c.codecCpuMs}, node ${c.nodeCpuMs}, not ours ${c.notOursMs}` : '-');
const median = (v) => v.slice().sort((a, b) => a - b)[v.length >> 1];
const fmt = (v) => v.toFixed(1).padStart(6);

async function main() {
  const results = [];
  console.log(`${RUNS} runs per scenario; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('scenario/phase                 worst gap ms min/median/max  loop delay max ms min/median  JS busy ms  CPU ms  wall ms | longest GC (count), input, call ms (medians) | the largest gap\'s interval: CPU ms of the JS thread (and its run-queue wait), codec threads, Node\'s threads, CPU time not ours');
  for (const s of scenarios()) {
    const input = s.kind === 'decode' ? await chunksOf(s) : null;
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      if (global.gc) {
        global.gc();
        // The observer gets this collection's entry a task later: let it arrive before the
        // run's phase resets the counters, so it is not taken for one of the run's own.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const run = { idle: idleRun, encode: encodeRun, decode: decodeRun, copyTo: copyToRun }[s.kind];
      runs.push(await run(s, input));
    }
    for (const [i, { name }] of runs[0].entries()) {
      const of = (k) => runs.map((p) => p[i][k]);
      const worst = runs.map((p) => p[i]).reduce((a, b) => (b.worstGapMs > a.worstGapMs ? b : a));
      const row = {
        id: `${s.id}/${name}`,
        worstGapMs: { min: Math.min(...of('worstGapMs')), median: median(of('worstGapMs')), max: worst.worstGapMs },
        worstGapCause: worst.worstGapCause,
        // Every run's worst gap and what the threads did in it, in run order.
        gapsMs: of('worstGapMs'),
        causes: of('worstGapCause'),
        eventLoopDelayMaxMs: { min: Math.min(...of('eventLoopDelayMaxMs')), median: median(of('eventLoopDelayMaxMs')) },
        jsBusyMs: median(of('jsBusyMs')),
        cpuMs: median(of('cpuMs')),
        wallMs: median(of('wallMs')),
        gcMaxMs: median(of('gcMaxMs')),
        gcCount: median(of('gcCount')),
        makeMaxMs: median(of('makeMaxMs')),
        callMaxMs: median(of('callMaxMs')),
      };
      results.push(row);
      console.log(`${row.id.padEnd(30)} ${fmt(row.worstGapMs.min)} / ${fmt(row.worstGapMs.median)} / ${fmt(row.worstGapMs.max)}  ${fmt(row.eventLoopDelayMaxMs.min)} / ${fmt(row.eventLoopDelayMaxMs.median)}      ${fmt(row.jsBusyMs)}  ${fmt(row.cpuMs)}  ${fmt(row.wallMs)} | ${fmt(row.gcMaxMs)} (${row.gcCount}) ${fmt(row.makeMaxMs)} ${fmt(row.callMaxMs)} | ${causeText(row.worstGapCause)}`);
    }
  }
  if (args.json) {
    const out = { date: new Date().toISOString(), runs: RUNS, load: os.loadavg(), node: process.version, results };
    fs.writeFileSync(args.json, `${JSON.stringify(out, null, 1)}\n`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
