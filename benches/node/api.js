'use strict';
// The API side of one scenario, in a process of its own (so that its peak RSS is its own):
// `node benches/node/api.js '<json params>'`. Prints one line `BENCH_RESULT <json>`.
//
// Timing: from configure() (or the first call) to the flush() promise resolving; the input is
// read from the page cache frame by frame, as the FFmpeg CLI reads it, and wrapped in a
// VideoFrame/AudioData (a copy) inside the timed loop. The producer respects the codec's
// queue: it waits for a `dequeue` event while more than `queue` requests are pending, and
// otherwise returns to the event loop before its next input.
// Before the clock starts, `warmUp()` runs the same codec on a few tiny inputs, untimed: a fresh
// Node process interprets JavaScript until V8 has compiled the hot paths (on the same two
// cores as the codec), a one-time cost of the process rather than of the codec, which the
// FFmpeg CLI does not have. Audio warms up on its own loop instead (see AUDIO_WARM_PASSES).
const fs = require('node:fs');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const {
  VideoEncoder, VideoDecoder, VideoFrame, EncodedVideoChunk, AudioEncoder, AudioDecoder, AudioData, EncodedAudioChunk,
  ImageDecoder, transformVideoSample,
} = require('../..');
const {
  i420Size, writeIvf, readIvf, audioStream, writeAudioStream,
} = require('./lib/media');
const { Heartbeat } = require('./lib/threads');

// Whether this run measures the event loop's delay (params `loop`, default true). Its monitor
// is a 1 ms libuv timer: it wakes the JS thread a thousand times a second, and each wake-up
// preempts a codec thread, which costs the codecs whose threads wait on each other: VP9 at
// 1080p realtime ran 4-5% slower with it (10-12% while its threads ran at nice 19), AV1
// (libaom) 3-5%, VP8 1%, x264 nothing. The FFmpeg CLI has no such timer, so run.js times each
// side without it and measures the loop in a run of its own.
let LOOP = true;

// JS-thread cost of each call, the event loop's worst delay (when LOOP), and the process's
// peak RSS.
class Probe {
  constructor() {
    this.calls = [];
    this.loop = LOOP ? monitorEventLoopDelay({ resolution: 1 }) : null;
    if (this.loop) this.loop.enable();
    // The same gaps seen by a 1 ms timer of our own, which also says what the threads did in
    // the longest one (lib/threads.js).
    this.heartbeat = LOOP ? new Heartbeat() : null;
  }

  // A probe whose monitors have started and settled. Their own set-up (the heartbeat's first
  // sample opens two files per thread of the process) is the bench's work, not the codec's:
  // it ran inside the first interval both monitors measured, which at 1080p was already the
  // encode runs' longest (0.5-1.3 ms of it). So the probe waits a few ms, then both monitors
  // start over, and the caller starts its clock.
  static async start() {
    const probe = new Probe();
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (probe.loop) probe.loop.reset();
    if (probe.heartbeat) probe.heartbeat.take();
    return probe;
  }

  call(fn) {
    const t = performance.now();
    const r = fn();
    this.calls.push(performance.now() - t);
    return r;
  }

  finish(extra) {
    if (this.loop) this.loop.disable();
    const gap = this.heartbeat ? this.heartbeat.stop() : null;
    const sorted = this.calls.slice().sort((a, b) => a - b);
    const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] * 1000 : null);
    return {
      callMedianUs: at(0.5),
      callP99Us: at(0.99),
      loopMaxMs: this.loop ? this.loop.max / 1e6 : null,
      loopP99Ms: this.loop ? this.loop.percentile(99) / 1e6 : null,
      loopGap: gap && { worstMs: gap.worstMs, ...gap.cause },
      rssMB: process.resourceUsage().maxRSS / 1024,
      ...extra,
    };
  }
}

// A producer fed by I/O returns to the event loop between inputs; one that is not (the first
// `queue` inputs here, read synchronously) would add its own burst to the loop gap.
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

const dequeued = (codec) => new Promise((resolve) => codec.addEventListener('dequeue', resolve, { once: true }));

// Feeds `count` inputs made by `make(i)` to `codec.encode`/`decode` (closing each frame or
// AudioData after the call), waiting whenever more than `queue` requests are pending, then
// flushes and closes the codec. Throws the codec's error, if any (`error()` returns it).
async function drive(codec, method, count, make, queue, probe, error) {
  const pending = method === 'encode' ? 'encodeQueueSize' : 'decodeQueueSize';
  for (let i = 0; i < count && !error(); i++) {
    const input = make(i);
    probe.call(() => codec[method](input));
    if (input.close) input.close();
    if (codec[pending] > queue) {
      while (codec[pending] > queue) await dequeued(codec);
    } else {
      await yieldToLoop();
    }
  }
  await codec.flush();
  codec.close();
  if (error()) throw error();
}

// Audio scenarios (encode and decode) warm up on their own loop and input, this many passes,
// untimed. An audio run is 3000 calls in 0.15-1.5 s, and in a fresh process V8's optimizing
// compiler is still compiling its JavaScript (the producer's, the API's, Node's event dispatch)
// during the first passes: measured with /proc/<pid>/task/*/schedstat, its threads took 40-65 ms
// of CPU in a first pass, shared with the encoder on the two CPUs, and 3-8 ms in a fourth (FLAC
// 0.21 s -> 0.16 s, Opus 0.88 s -> 0.76 s), while one or two passes, or 0.25-10 s of audio, left
// it where it was. The first pass's speed is reported as well (`firstSpeed`). Video runs are
// longer and the tiny warm-up of warmUp() leaves those threads under 4 ms per run.
const AUDIO_WARM_PASSES = 3;

// Runs the code paths of a video scenario on tiny inputs, untimed (see the top of this file):
// 12 frames of 64x64 through an encoder of `codec` and back through a decoder.
async function warmUp(p) {
  const fail = (e) => { throw e; };
  const chunks = [];
  let config = null;
  const enc = new VideoEncoder({
    output: (c, meta) => { if (meta && meta.decoderConfig) config = meta.decoderConfig; chunks.push(c); },
    error: fail,
  });
  enc.configure({ codec: p.codec, width: 64, height: 64, bitrate: 200000, framerate: 30, latencyMode: p.realtime ? 'realtime' : 'quality' });
  const data = new Uint8Array(i420Size(64, 64));
  for (let i = 0; i < 12; i++) {
    data.forEach((_, k) => { data[k] = (k * 7 + i * 13) & 255; });
    const f = new VideoFrame(data, { format: 'I420', codedWidth: 64, codedHeight: 64, timestamp: i * 33333, duration: 33333 });
    enc.encode(f);
    f.close();
  }
  await enc.flush();
  enc.close();
  const dec = new VideoDecoder({ output: (f) => f.close(), error: fail });
  dec.configure(config);
  for (const c of chunks) dec.decode(c);
  await dec.flush();
  dec.close();
}

async function encode(p) {
  const size = i420Size(p.width, p.height);
  const fd = fs.openSync(p.src, 'r');
  // Zero-filled (its pages touched) before the clock and the loop probe start, and read into
  // once: the process's first fs.readSync of 3 MB took 1.8 ms where the next took 0.15-0.4.
  const buf = Buffer.alloc(size);
  fs.readSync(fd, buf, 0, size, 0);
  const chunks = [];
  let error = null;
  const enc = new VideoEncoder({
    output: (c) => {
      const data = Buffer.allocUnsafe(c.byteLength);
      c.copyTo(data);
      chunks.push({ data, key: c.type === 'key' });
    },
    error: (e) => { error = e; },
  });
  const probe = await Probe.start();
  const t0 = performance.now();
  enc.configure({
    codec: p.codec, width: p.width, height: p.height, bitrate: p.bitrate, framerate: 30,
    latencyMode: p.realtime ? 'realtime' : 'quality', avc: { format: 'annexb' }, hevc: { format: 'annexb' },
  });
  await drive(enc, 'encode', p.frames, (i) => {
    fs.readSync(fd, buf, 0, size, i * size);
    return new VideoFrame(buf, {
      format: 'I420', codedWidth: p.width, codedHeight: p.height, timestamp: Math.round(i * 1e6 / 30), duration: 33333,
    });
  }, p.queue, probe, () => error);
  const ms = performance.now() - t0;
  // The probe stops here: writing the stream out (a synchronous write of a few MB) is the
  // bench's own work, not the codec's, and would otherwise be the row's worst loop gap.
  const bytes = chunks.reduce((n, c) => n + c.data.length, 0);
  const result = probe.finish({ ms, fps: p.frames / (ms / 1000), frames: chunks.length, bytes });
  fs.closeSync(fd);
  writeIvf(p.out, p.family, p.width, p.height, chunks);
  return result;
}

async function decode(p) {
  const packets = readIvf(p.file);
  let frames = 0;
  let error = null;
  const dec = new VideoDecoder({
    output: (f) => { frames++; f.close(); },
    error: (e) => { error = e; },
  });
  const probe = await Probe.start();
  const t0 = performance.now();
  dec.configure({ codec: p.codec, codedWidth: p.width, codedHeight: p.height });
  await drive(dec, 'decode', packets.length, (i) => new EncodedVideoChunk({
    type: packets[i].key ? 'key' : 'delta', timestamp: Math.round(i * 1e6 / 30), data: packets[i].data,
  }), p.queue, probe, () => error);
  const ms = performance.now() - t0;
  return probe.finish({ ms, fps: frames / (ms / 1000), frames });
}

// The first I420 frame of the raw file `p.src` (`p.width`×`p.height`).
function firstFrame(p) {
  const size = i420Size(p.width, p.height);
  const buf = Buffer.alloc(size);
  const fd = fs.openSync(p.src, 'r');
  fs.readSync(fd, buf, 0, size, 0);
  fs.closeSync(fd);
  return new VideoFrame(buf, { format: 'I420', codedWidth: p.width, codedHeight: p.height, timestamp: 0 });
}

async function copyTo(p) {
  const frame = firstFrame(p);
  const dest = new Uint8Array(p.width * p.height * 4);
  for (let i = 0; i < 2; i++) await frame.copyTo(dest, { format: 'RGBA' });
  const probe = await Probe.start();
  const times = [];
  for (let i = 0; i < p.iterations; i++) {
    const t = performance.now();
    await probe.call(() => frame.copyTo(dest, { format: 'RGBA' }));
    times.push(performance.now() - t);
  }
  frame.close();
  times.sort((a, b) => a - b);
  return probe.finish({ msPerFrame: times[times.length >> 1], msMin: times[0] });
}

// One frame resized by transformVideoSample `iterations` times (after two warm-ups): what
// mediabunny's VideoSample.transform() costs the JS side's awaiting caller, per frame.
async function transform(p) {
  const frame = firstFrame(p);
  // A stand-in for mediabunny's VideoSample: what the transformer reads of it.
  const sample = { toVideoFrame: () => frame.clone(), timestamp: 0, duration: 0, constructor: class { constructor(f) { this.frame = f; } } };
  const [width, height] = p.to;
  const d = { width, height, fit: 'fill', rotation: 0, flip: false, crop: { left: 0, top: 0, width: p.width, height: p.height }, alpha: 'keep' };
  for (let i = 0; i < 2; i++) (await transformVideoSample(sample, d)).frame.close();
  const probe = await Probe.start();
  const times = [];
  for (let i = 0; i < p.iterations; i++) {
    const t = performance.now();
    const out = await probe.call(() => transformVideoSample(sample, d));
    times.push(performance.now() - t);
    out.frame.close();
  }
  frame.close();
  times.sort((a, b) => a - b);
  return probe.finish({ msPerFrame: times[times.length >> 1], msMin: times[0] });
}

// One image decoded to RGBA `iterations` times (after one warm-up) by our ImageDecoder or by
// sharp (libvips; its operation cache off, so every run decodes).
async function image(p) {
  const data = fs.readFileSync(p.file);
  let run;
  if (p.side === 'sharp') {
    const sharp = require('sharp');
    sharp.cache(false);
    run = () => sharp(data).ensureAlpha().raw().toBuffer();
  } else {
    run = async () => {
      const d = new ImageDecoder({ data, type: `image/${p.type}` });
      const { image: frame } = await d.decode();
      const rgba = new Uint8Array(frame.allocationSize({ format: 'RGBA' }));
      await frame.copyTo(rgba, { format: 'RGBA' });
      frame.close();
      d.close();
      return rgba;
    };
  }
  const first = await run();
  if (first.length !== p.width * p.height * 4) throw new Error(`${p.side} gave ${first.length} bytes`);
  const probe = await Probe.start();
  const times = [];
  for (let i = 0; i < p.iterations; i++) {
    const t = performance.now();
    await probe.call(run);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return probe.finish({ msPerImage: times[times.length >> 1], msMin: times[0] });
}

// With `p.out` (a run that makes the audio decode scenario's input, untimed), the packets are
// also kept and written out: to `p.out` (IVF, with their timestamps), its decoderConfig to
// `p.out`.json, and the same packets in the container the CLI reads (`writeAudioStream`).
async function audio(p) {
  const FRAMES = 960; // 20 ms at 48 kHz
  const fd = fs.openSync(p.src, 'r');
  const total = p.seconds * 48000;
  const chunk = new Float32Array(FRAMES * 2);
  const bytesView = new Uint8Array(chunk.buffer);
  let bytes = 0;
  let error = null;
  const kept = p.out ? [] : null;
  let decoderConfig = null;
  const enc = new AudioEncoder({
    output: (c, meta) => {
      bytes += c.byteLength;
      if (!kept) return;
      if (meta && meta.decoderConfig) decoderConfig = meta.decoderConfig;
      const data = Buffer.allocUnsafe(c.byteLength);
      c.copyTo(data);
      kept.push({ data, pts: c.timestamp, duration: c.duration });
    },
    error: (e) => { error = e; },
  });
  const probe = await Probe.start();
  const t0 = performance.now();
  enc.configure({ ...p.config, sampleRate: 48000, numberOfChannels: 2 });
  await drive(enc, 'encode', Math.ceil(total / FRAMES), (i) => {
    fs.readSync(fd, bytesView, 0, bytesView.length, i * FRAMES * 8);
    return new AudioData({
      format: 'f32', sampleRate: 48000, numberOfFrames: FRAMES, numberOfChannels: 2,
      timestamp: Math.round(i * FRAMES * 1e6 / 48000), data: chunk,
    });
  }, p.queue, probe, () => error);
  const ms = performance.now() - t0;
  fs.closeSync(fd);
  const result = probe.finish({ ms, speed: p.seconds / (ms / 1000), kbps: bytes * 8 / p.seconds / 1000 });
  if (kept) {
    writeIvf(p.out, p.family, 0, 0, kept);
    const desc = decoderConfig.description;
    fs.writeFileSync(`${p.out}.json`, JSON.stringify({ ...decoderConfig, description: desc ? Buffer.from(desc).toString('hex') : undefined }));
    writeAudioStream(audioStream(p.out, p.family), p.family, decoderConfig, kept);
  }
  return result;
}

// Decodes the packets `audio()` kept in `p.file` (`p.seconds` of audio) with their
// decoderConfig; each AudioData is closed at once, as the CLI's null output drops its frames.
async function audioDecode(p) {
  const packets = readIvf(p.file);
  const saved = JSON.parse(fs.readFileSync(`${p.file}.json`, 'utf8'));
  const config = { ...saved, description: saved.description ? Buffer.from(saved.description, 'hex') : undefined };
  let samples = 0;
  let error = null;
  const dec = new AudioDecoder({
    output: (d) => { samples += d.numberOfFrames; d.close(); },
    error: (e) => { error = e; },
  });
  const probe = await Probe.start();
  const t0 = performance.now();
  dec.configure(config);
  await drive(dec, 'decode', packets.length, (i) => new EncodedAudioChunk({
    type: 'key', timestamp: packets[i].pts, data: packets[i].data,
  }), p.queue, probe, () => error);
  const ms = performance.now() - t0;
  return probe.finish({ ms, speed: p.seconds / (ms / 1000), decodedSeconds: samples / config.sampleRate });
}

// The long memory run: `frames` 1080p frames through an encoder whose chunks go straight into a
// decoder, the producer waiting on both queues. RSS is sampled every `sampleEvery` frames.
async function memory(p) {
  const size = i420Size(p.width, p.height);
  const fd = fs.openSync(p.src, 'r');
  const buf = Buffer.alloc(size);
  let error = null;
  let decoded = 0;
  const dec = new VideoDecoder({ output: (f) => { decoded++; f.close(); }, error: (e) => { error = e; } });
  const enc = new VideoEncoder({
    output: (c, meta) => {
      if (meta && meta.decoderConfig) dec.configure(meta.decoderConfig);
      dec.decode(c);
    },
    error: (e) => { error = e; },
  });
  const probe = await Probe.start();
  const samples = [];
  const t0 = performance.now();
  enc.configure({ codec: p.codec, width: p.width, height: p.height, bitrate: p.bitrate, framerate: 30, latencyMode: 'realtime' });
  for (let i = 0; i < p.frames && !error; i++) {
    fs.readSync(fd, buf, 0, size, (i % p.sourceFrames) * size);
    const frame = new VideoFrame(buf, { format: 'I420', codedWidth: p.width, codedHeight: p.height, timestamp: Math.round(i * 1e6 / 30) });
    probe.call(() => enc.encode(frame));
    frame.close();
    if (enc.encodeQueueSize <= p.queue && dec.decodeQueueSize <= p.queue) await yieldToLoop();
    while (enc.encodeQueueSize > p.queue || dec.decodeQueueSize > p.queue) {
      await dequeued(enc.encodeQueueSize > p.queue ? enc : dec);
    }
    if (i % p.sampleEvery === 0) samples.push({ frame: i, rssMB: process.memoryUsage().rss / 1048576 });
  }
  await enc.flush();
  await dec.flush();
  const ms = performance.now() - t0;
  enc.close();
  dec.close();
  fs.closeSync(fd);
  if (error) throw error;
  samples.push({ frame: p.frames, rssMB: process.memoryUsage().rss / 1048576 });
  return probe.finish({ ms, fps: p.frames / (ms / 1000), decoded, samples });
}

// The machine's own event-loop floor: the same producer rhythm (a small allocation, then back
// to the event loop through setImmediate) for `seconds`, with no codec and no native call. On
// a virtual machine whose CPUs the host also schedules, this alone shows gaps of several ms;
// the codec scenarios' loop gaps read against it.
async function idle(p) {
  const probe = await Probe.start();
  const t0 = performance.now();
  let sum = 0;
  while (performance.now() - t0 < p.seconds * 1000) {
    sum += new Float32Array(1920).length;
    await yieldToLoop();
  }
  return probe.finish({ ms: performance.now() - t0, ticks: sum / 1920 });
}

const KINDS = {
  encode, decode, copyTo, transform, image, audio, audioDecode, memory, idle,
};

(async () => {
  const p = JSON.parse(process.argv[2]);
  LOOP = p.loop !== false || p.kind === 'idle';
  if (['encode', 'decode'].includes(p.kind)) await warmUp(p);
  const warm = [];
  if (p.kind === 'audio' || p.kind === 'audioDecode') {
    for (let i = 0; i < AUDIO_WARM_PASSES; i++) warm.push(await KINDS[p.kind]({ ...p, out: undefined }));
  }
  const result = await KINDS[p.kind](p);
  if (warm.length) result.firstSpeed = warm[0].speed;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
})().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
