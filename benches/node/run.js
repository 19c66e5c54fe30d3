'use strict';
// `npm run bench`: every scenario through the WebCodecs API and through the FFmpeg CLI, same
// input, same settings (lib/settings.js), same run. Prints a table and writes the results as
// JSON (default benches/node/results.json) for scripts/bench-report.js.
//
//   node benches/node/run.js [--quick] [--only=REGEX] [--memory] [--json=FILE] [--tiny]
//
// --quick   smoke run: 720p, 30 frames, 3 MP images, 10 s of audio (a minute or two)
// --only    run the scenarios whose id matches REGEX (e.g. --only='^encode/vp9')
// --memory  add the long memory run (10,000 1080p frames, several minutes)
// --tiny    320x180 frames and small images, for the harness test (numbers mean nothing)
// --repeat=N  run each side N times, alternating API and FFmpeg, and keep each side's best
//             time (default 3; 1 with --quick or --tiny)
// --note=TEXT  a remark stored with the results and printed in BENCHMARKS.md
//
// How each side is timed: lib/ffmpeg.js (CLI: -benchmark rtime, start-up excluded) and api.js
// (configure() to flush(), frames read and wrapped inside the loop). Each API run is its own
// process, so its peak RSS is its own; the CLI's is FFmpeg's maxrss. Timed API runs carry no
// event-loop monitor (its 1 ms timer slows some codecs, see api.js `LOOP`); one more API run
// per scenario measures the loop gap (`withLoop`).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { VIDEO, AUDIO, VIDEO_BITRATE } = require('./lib/settings');
const media = require('./lib/media');
const ff = require('./lib/ffmpeg');

const args = Object.fromEntries(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=');
  return [k, v === undefined ? true : v];
}));
const QUICK = Boolean(args.quick);
const TINY = Boolean(args.tiny);
const ONLY = args.only ? new RegExp(args.only) : null;
const JSON_OUT = args.json || path.join(__dirname, 'results.json');
// Requests the producer keeps in flight (encodeQueueSize / decodeQueueSize above this: wait).
const QUEUE = 8;
const REPEAT = Math.max(1, Number(args.repeat) || (QUICK || TINY ? 1 : 3));

// `run()` REPEAT times; the result with the lowest `time(result)`.
function best(run, time) {
  return bestPair(run, null, time)[0];
}

// `a()` and `b()` REPEAT times each, alternately (a b, b a, a b, ...: neither side always runs
// first), so that a slow spell of the machine (page zeroing, another process) falls on both
// sides alike; for each, the result with the lowest `time(result)`. `b` may be null. The
// third element holds every round as an [a result, b result] pair, for `spread()`.
function bestPair(a, b, time) {
  const pick = [null, null];
  const pairs = [];
  for (let i = 0; i < REPEAT; i++) {
    const pair = [null, null];
    for (const k of i % 2 ? [1, 0] : [0, 1]) {
      const run = [a, b][k];
      if (!run) continue;
      const r = run();
      if (!pick[k] || time(r) < time(pick[k])) pick[k] = r;
      pair[k] = r;
    }
    pairs.push(pair);
  }
  return [...pick, pairs];
}

// The ratio of each round's back-to-back pair of runs (`ratio(a result, b result)`): its
// median, lowest and highest. The headline ratio compares each side's best run; this shows how
// far one pair of runs moves on this machine, so a row's distance from a target can be read
// against noise.
function spread(pairs, ratio) {
  const v = pairs.map(([x, y]) => ratio(x, y)).sort((p, q) => p - q);
  return { median: v[v.length >> 1], min: v[0], max: v[v.length - 1], n: v.length };
}
const ms = (r) => r.ms;

const SIZES = {
  tiny: [320, 180],
  '180p': [320, 180],
  '720p': [1280, 720],
  '1080p': [1920, 1080],
  '4K': [3840, 2160],
};
const IMAGE_SIZES = { tiny: [640, 480], '3MP': [2048, 1536], '12MP': [4000, 3000] };

// The scenario list for this run's mode: [{ id, kind, ...params }].
function scenarios() {
  const list = [{ id: 'baseline/idle-loop', kind: 'idle', seconds: TINY ? 1 : 5 }];
  const videoSizes = TINY ? ['tiny'] : QUICK ? ['720p'] : ['720p', '1080p'];
  // 10 s at 720p and about 7 s at 1080p: long enough that one-time costs of either side (its
  // first-touch page faults, encoder set-up) weigh little next to the coding itself. With 90
  // and 60 frames (until 2026-12-05) VP9 measured 0.89-0.92 of the CLI, while 300-frame runs
  // in one warm process measured 1.03-1.19; our cold start includes the frame pool's first ten
  // or so fresh buffers (a 720p VideoFrame into a fresh buffer: 1-2 ms on this VM, 0.1 ms
  // recycled).
  const frames = (s) => (TINY ? 10 : QUICK ? 30 : s === '720p' ? 300 : 200);
  for (const size of videoSizes) {
    for (const name of Object.keys(VIDEO)) {
      for (const mode of ['realtime', 'quality']) {
        list.push({ id: `encode/${name}/${size}/${mode}`, kind: 'encode', name, size, mode, frames: frames(size) });
      }
    }
  }
  for (const size of videoSizes) {
    for (const name of ['h264-high', 'hevc', 'vp8', 'vp9', 'av1']) {
      list.push({ id: `decode/${name}/${size}`, kind: 'decode', name, size, frames: frames(size) });
    }
  }
  // Small frames (a preview, a thumbnail strip), 60 s of them: where a decoder's per-frame
  // costs (frame threads handing pictures over, the delivery to JS) weigh most.
  if (!TINY && !QUICK) {
    for (const name of ['h264-high', 'hevc', 'vp8', 'vp9', 'av1']) {
      list.push({ id: `decode/${name}/180p`, kind: 'decode', name, size: '180p', frames: 1800 });
    }
  }
  const copySizes = TINY ? ['tiny'] : QUICK ? ['720p', '1080p'] : ['720p', '1080p', '4K'];
  for (const size of copySizes) list.push({ id: `copyTo/RGBA/${size}`, kind: 'copyTo', size });
  // transformVideoSample (mediabunny's resize) against swscale: a frame scaled to the next size
  // down.
  const scales = TINY ? [['tiny', [160, 90]]] : QUICK ? [['1080p', [1280, 720]]] : [['1080p', [1280, 720]], ['4K', [1920, 1080]]];
  for (const [size, to] of scales) {
    list.push({ id: `transform/${size}-to-${to[1]}p`, kind: 'transform', size, to });
  }
  const imageSizes = TINY ? ['tiny'] : QUICK ? ['3MP'] : ['3MP', '12MP'];
  for (const size of imageSizes) {
    for (const type of ['jpeg', 'png', 'webp']) list.push({ id: `image/${type}/${size}`, kind: 'image', type, size });
  }
  const audioSeconds = TINY ? 2 : QUICK ? 10 : 60;
  for (const name of Object.keys(AUDIO)) {
    list.push({ id: `audio/${name}`, kind: 'audio', name, seconds: audioSeconds });
  }
  // Four minutes: decoding a minute took FFmpeg 30-115 ms, short enough that the machine's
  // noise moved single runs by half.
  for (const name of Object.keys(AUDIO)) {
    list.push({ id: `audio-decode/${name}`, kind: 'audioDecode', name, seconds: TINY ? 2 : QUICK ? 10 : 240 });
  }
  if (args.memory) {
    const frames = Number(args.frames) || 10000;
    list.push({ id: `memory/h264/1080p/${frames}`, kind: 'memory', frames });
  }
  return list.filter((s) => !ONLY || ONLY.test(s.id));
}

// Runs one API scenario in its own Node process.
function api(params) {
  const r = ff.spawnMeasured(process.execPath, ['--expose-gc', path.join(__dirname, 'api.js'), JSON.stringify(params)]);
  const line = (r.stdout || '').split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (r.status !== 0 || !line) throw new Error(`API ${params.kind} failed (${r.status}): ${(r.stderr || '').slice(-2000)}`);
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

// A timed API run: without the event-loop monitor, whose 1 ms timer slows some codecs (see
// api.js `LOOP`); the FFmpeg CLI runs without one too.
const timed = (params) => api({ ...params, loop: false });

// `result` (a timed run's) with the event-loop figures of one more run of `params` that
// measures them.
function withLoop(params, result) {
  const probed = api({ ...params, loop: true });
  return { ...result, loopMaxMs: probed.loopMaxMs, loopP99Ms: probed.loopP99Ms, loopGap: probed.loopGap };
}

const ivfOverhead = (frames) => 32 + 12 * frames;

// The bitrate of the streams of frame height `h` (settings.js VIDEO_BITRATE).
const bitrateFor = (h) => VIDEO_BITRATE[h >= 1080 ? 1080 : h >= 720 ? 720 : 180];

// Encoded streams of the quality-mode encode runs, reused as the decode runs' input.
const streams = new Map();

function runEncode(s, dir) {
  const [w, h] = SIZES[s.size];
  const v = VIDEO[s.name];
  const realtime = s.mode === 'realtime';
  const bitrate = bitrateFor(h);
  const src = media.videoSource(w, h, s.frames);
  const out = path.join(dir, `${s.name}_${s.size}_${s.mode}.ivf`);
  const annexB = media.isAnnexB(v.family);
  const cliOut = path.join(dir, `${s.name}_${s.size}_${s.mode}_cli.${annexB ? v.family : 'ivf'}`);
  const params = {
    kind: 'encode', codec: v.codec(h), family: v.family, width: w, height: h, frames: s.frames,
    bitrate, realtime, src, out, queue: QUEUE,
  };
  const [timedRun, c, pairs] = bestPair(() => timed(params), () => ff.benchmark([
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${w}x${h}`, '-r', '30', '-i', src,
    '-frames:v', String(s.frames), ...v.cli({ realtime, bitrate, width: w, height: h }), '-f', annexB ? v.family : 'ivf', '-y', cliOut,
  ]), ms);
  // Size and PSNR from the timed runs' stream (the loop run then writes it again).
  const bytes = timedRun.bytes;
  const apiPsnr = ff.psnr(media.streamInput(media.rawStream(out, v.family), v.family), src, w, h, s.frames);
  const a = withLoop(params, timedRun);
  if (!realtime) streams.set(`${s.name}/${s.size}`, out);
  const seconds = s.frames / 30;
  const cliBytes = fs.statSync(cliOut).size - (annexB ? 0 : ivfOverhead(s.frames));
  const cliPsnr = ff.psnr(media.streamInput(cliOut, v.family), src, w, h, s.frames);
  return {
    unit: 'fps',
    api: { value: a.fps, psnr: apiPsnr.avg, psnrY: apiPsnr.y, kbps: bytes * 8 / seconds / 1000, ...pick(a) },
    cli: { value: s.frames / (c.ms / 1000), psnr: cliPsnr.avg, psnrY: cliPsnr.y, kbps: cliBytes * 8 / seconds / 1000, rssMB: c.rssMB },
    targetKbps: bitrate / 1000,
    ratio: a.fps / (s.frames / (c.ms / 1000)),
    pairs: spread(pairs, (x, y) => x.fps / (s.frames / (y.ms / 1000))),
  };
}

function runDecode(s, dir) {
  const [w, h] = SIZES[s.size];
  const v = VIDEO[s.name];
  let file = streams.get(`${s.name}/${s.size}`);
  if (!file) {
    file = path.join(dir, `${s.name}_${s.size}_quality.ivf`);
    api({
      kind: 'encode', codec: v.codec(h), family: v.family, width: w, height: h, frames: s.frames,
      bitrate: bitrateFor(h), realtime: false, src: media.videoSource(w, h, s.frames), out: file, queue: QUEUE,
    });
    streams.set(`${s.name}/${s.size}`, file);
  }
  const params = { kind: 'decode', codec: v.codec(h), family: v.family, width: w, height: h, file, queue: QUEUE };
  const [timedRun, c, pairs] = bestPair(
    () => timed(params),
    () => ff.benchmark([...media.streamInput(media.rawStream(file, v.family), v.family), '-an', '-f', 'null', '-']),
    ms,
  );
  const a = withLoop(params, timedRun);
  const cliFps = a.frames / (c.ms / 1000);
  return {
    unit: 'fps',
    api: { value: a.fps, ...pick(a) },
    cli: { value: cliFps, rssMB: c.rssMB },
    ratio: a.fps / cliFps,
    pairs: spread(pairs, (x, y) => x.fps / (x.frames / (y.ms / 1000))),
  };
}

// One frame of `s.size` through the API (`params`, its `iterations` as the size asks) against
// swscale doing the CLI filter `vf` to the same frame: the same CLI run with and without it,
// the difference divided by the frame count (input reading and the rest cancel out).
function againstSwscale(s, dir, params, vf, iterations, frames) {
  const [w, h] = SIZES[s.size];
  const src = media.videoSource(w, h, TINY ? 10 : 30);
  const one = path.join(dir, `frame_${s.size}.yuv`);
  const size = media.i420Size(w, h);
  const fd = fs.openSync(src, 'r');
  const buf = Buffer.alloc(size);
  fs.readSync(fd, buf, 0, size, 0);
  fs.closeSync(fd);
  fs.writeFileSync(one, buf);
  const p = { ...params, width: w, height: h, src, iterations: TINY ? 5 : iterations[s.size] };
  const a = withLoop(p, best(() => timed(p), (r) => r.msPerFrame));
  const n = TINY ? 20 : frames[s.size];
  const input = ['-stream_loop', '-1', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${w}x${h}`, '-i', one, '-frames:v', String(n)];
  const fastest = (f) => Math.min(...Array.from({ length: 3 * REPEAT }, () => ff.benchmark([...input, '-vf', f, '-f', 'null', '-']).ms));
  // A difference below zero is noise (tiny frames): no number rather than a wrong one.
  const diff = fastest(vf) - fastest('null');
  const swsMs = diff > 0 ? diff / n : null;
  return {
    unit: 'ms/frame',
    api: { value: a.msPerFrame, ...pick(a) },
    cli: { value: swsMs },
    ratio: swsMs === null ? null : swsMs / a.msPerFrame,
  };
}

// copyTo() to RGBA against swscale's RGBA conversion.
function runCopyTo(s, dir) {
  return againstSwscale(s, dir, { kind: 'copyTo' }, 'format=rgba',
    { '720p': 100, '1080p': 60, '4K': 20 }, { '720p': 600, '1080p': 300, '4K': 80 });
}

// transformVideoSample's cost per frame (a 'fill' resize, mediabunny's conversion with a new
// width and height) against swscale's bilinear scale of the same frame.
function runTransform(s, dir) {
  const [tw, th] = s.to;
  return againstSwscale(s, dir, { kind: 'transform', to: s.to }, `scale=${tw}:${th}:flags=bilinear`,
    { '1080p': 100, '4K': 40 }, { '1080p': 300, '4K': 80 });
}

async function runImage(s) {
  const [w, h] = IMAGE_SIZES[s.size];
  const file = await media.imageSource(w, h, s.type);
  const iterations = TINY ? 2 : s.size === '12MP' ? 5 : 10;
  const params = (side) => ({ kind: 'image', side, type: s.type, file, width: w, height: h, iterations });
  const [timedApi, timedSharp, pairs] = bestPair(() => timed(params('api')), () => timed(params('sharp')), (r) => r.msPerImage);
  const a = withLoop(params('api'), timedApi);
  const b = withLoop(params('sharp'), timedSharp);
  return {
    unit: 'ms/image',
    api: { value: a.msPerImage, ...pick(a) },
    cli: { value: b.msPerImage, rssMB: b.rssMB, loopMaxMs: b.loopMaxMs, loopGap: b.loopGap },
    ratio: b.msPerImage / a.msPerImage,
    pairs: spread(pairs, (x, y) => y.msPerImage / x.msPerImage),
    reference: 'sharp',
  };
}

// One audio scenario (encode or decode) timed on both sides, `cli` the FFmpeg arguments: the
// API's run with its loop figures (`a`), FFmpeg's (`c`), FFmpeg's speed, and the result fields
// both kinds share.
function timeAudio(s, params, cli) {
  const [timedRun, c, pairs] = bestPair(() => timed(params), () => ff.benchmark(cli), ms);
  const a = withLoop(params, timedRun);
  const cliSpeed = s.seconds / (c.ms / 1000);
  // Each API process's first, untimed pass (api.js AUDIO_WARM_PASSES), the fastest of them.
  const first = Math.max(...pairs.map(([x]) => x.firstSpeed));
  return {
    a,
    c,
    cliSpeed,
    shared: {
      unit: 'x realtime',
      firstPass: { value: first, ratio: first / cliSpeed },
      ratio: a.speed / cliSpeed,
      pairs: spread(pairs, (x, y) => x.speed / (s.seconds / (y.ms / 1000))),
    },
  };
}

function runAudio(s, dir) {
  const au = AUDIO[s.name];
  const src = media.audioSource(s.seconds);
  const out = path.join(dir, `${s.name}.framecrc`);
  const params = { kind: 'audio', config: au.config, seconds: s.seconds, src, queue: QUEUE };
  const { a, c, cliSpeed, shared } = timeAudio(s, params,
    ['-f', 'f32le', '-ar', '48000', '-ac', '2', '-i', src, ...au.cli, '-f', 'framecrc', '-y', out]);
  return {
    ...shared,
    api: { value: a.speed, kbps: a.kbps, ...pick(a) },
    cli: { value: cliSpeed, kbps: ff.framecrcBytes(fs.readFileSync(out, 'utf8')) * 8 / s.seconds / 1000, rssMB: c.rssMB },
    targetKbps: au.config.bitrate ? au.config.bitrate / 1000 : null,
  };
}

// Decoding what our encoder made of the audio scenario's input (same settings; an untimed
// API run writes the packets, and the same packets in the container the CLI reads: Ogg Opus,
// ADTS, MP3, FLAC; see media.writeAudioStream). Both sides use the same FFmpeg decoder.
function runAudioDecode(s, dir) {
  const au = AUDIO[s.name];
  const file = path.join(dir, `${s.name}_decode.ivf`);
  api({
    kind: 'audio', family: s.name, config: au.config, seconds: s.seconds, src: media.audioSource(s.seconds), queue: QUEUE, out: file, loop: false,
  });
  const params = { kind: 'audioDecode', file, seconds: s.seconds, queue: QUEUE };
  const { a, c, cliSpeed, shared } = timeAudio(s, params, ['-i', media.audioStream(file, s.name), '-f', 'null', '-']);
  return {
    ...shared,
    api: { value: a.speed, decodedSeconds: a.decodedSeconds, ...pick(a) },
    cli: { value: cliSpeed, rssMB: c.rssMB },
  };
}

// The event-loop floor of this machine (api.js `idle`), REPEAT runs: each run's worst gap.
function runIdle(s) {
  const runs = Array.from({ length: REPEAT }, () => api({ kind: 'idle', seconds: s.seconds }));
  const maxes = runs.map((r) => r.loopMaxMs).sort((a, b) => a - b);
  return {
    unit: 'ms worst loop gap',
    api: {
      value: maxes[maxes.length >> 1],
      runsMaxMs: maxes,
      loopMaxMs: maxes[maxes.length - 1],
      loopP99Ms: Math.max(...runs.map((r) => r.loopP99Ms)),
      // The worst run's longest heartbeat interval and what the threads did in it.
      loopGap: runs.reduce((x, y) => ((y.loopGap?.worstMs ?? 0) > (x.loopGap?.worstMs ?? 0) ? y : x)).loopGap,
      rssMB: Math.max(...runs.map((r) => r.rssMB)),
    },
    cli: null,
    seconds: s.seconds,
    ratio: null,
  };
}

function runMemory(s) {
  const [w, h] = SIZES['1080p'];
  const sourceFrames = 60;
  const a = api({
    kind: 'memory', codec: 'avc1.640028', width: w, height: h, bitrate: VIDEO_BITRATE[1080], frames: s.frames,
    src: media.videoSource(w, h, sourceFrames), sourceFrames, queue: QUEUE, sampleEvery: 250,
  });
  // Flat: after the first 10% (warm-up), the RSS never rises more than 10% above that level.
  const settled = a.samples.filter((x) => x.frame >= s.frames / 10);
  const base = settled.length ? settled[0].rssMB : a.rssMB;
  const peak = Math.max(...settled.map((x) => x.rssMB));
  return {
    unit: 'fps',
    api: { value: a.fps, ...pick(a), samples: a.samples, settledMB: base, settledPeakMB: peak },
    cli: null,
    flat: peak <= base * 1.1,
    ratio: null,
  };
}

const pick = (a) => ({ callMedianUs: a.callMedianUs, callP99Us: a.callP99Us, loopMaxMs: a.loopMaxMs, loopP99Ms: a.loopP99Ms, loopGap: a.loopGap, rssMB: a.rssMB });

function machine() {
  const cpu = (fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '');
  const model = (/model name\s*:\s*(.*)/.exec(cpu) || [])[1] || os.cpus()[0]?.model || 'unknown';
  const flags = ((/flags\s*:\s*(.*)/.exec(cpu) || [])[1] || '').split(' ');
  const simd = ['sse4_2', 'avx2', 'avx512f', 'avx512bw'].filter((f) => flags.includes(f));
  let commit = 'unknown';
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8' });
  if (git.status === 0) commit = git.stdout.trim();
  return {
    cpu: model, cpus: os.availableParallelism(), simd, memGB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} (${os.arch()})`, node: process.version, ffmpeg: ff.version(), commit,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));

// One table line per result.
function line(r) {
  if (r.error) return `${r.id.padEnd(34)} ERROR ${r.error.split('\n')[0]}`;
  const a = r.api;
  const c = r.cli || {};
  const parts = [
    r.id.padEnd(34),
    `${fmt(a.value, 2)} vs ${fmt(c.value, 2)} ${r.unit}`.padEnd(30),
    `ratio ${fmt(r.ratio, 2)}`.padEnd(11),
  ];
  if (r.pairs) parts.push(`pairs ${fmt(r.pairs.median, 2)} (${fmt(r.pairs.min, 2)}-${fmt(r.pairs.max, 2)})`);
  if (r.firstPass) parts.push(`first pass ${fmt(r.firstPass.value, 0)} (${fmt(r.firstPass.ratio, 2)})`);
  if (a.psnr !== undefined) parts.push(`PSNR ${fmt(a.psnr, 2)}/${fmt(c.psnr, 2)} dB`);
  if (a.kbps !== undefined) parts.push(`kbit/s ${fmt(a.kbps, 0)}/${fmt(c.kbps, 0)}${r.targetKbps ? ` (target ${r.targetKbps})` : ''}`);
  parts.push(`JS ${fmt(a.callMedianUs, 0)}µs p99 ${fmt(a.callP99Us, 0)}µs`, `loop ${fmt(a.loopMaxMs)}ms p99 ${fmt(a.loopP99Ms)}ms`, `RSS ${fmt(a.rssMB, 0)}/${fmt(c.rssMB, 0)}MB`);
  if (r.flat !== undefined) parts.push(`RSS after warm-up ${fmt(a.settledMB, 0)}→peak ${fmt(a.settledPeakMB, 0)}MB ${r.flat ? 'flat' : 'GROWS'}`);
  return parts.join('  ');
}

async function main() {
  if (!ff.available()) throw new Error('the bench needs the ffmpeg CLI on PATH');
  const list = scenarios();
  const dir = media.runDir();
  const results = [];
  const started = Date.now();
  console.log(`${list.length} scenarios${QUICK ? ' (quick)' : ''}${TINY ? ' (tiny)' : ''}; API side vs FFmpeg CLI (vs sharp for images); files in ${dir}`);
  for (const s of list) {
    let r;
    try {
      const run = {
        idle: runIdle, encode: runEncode, decode: runDecode, copyTo: runCopyTo, transform: runTransform, image: runImage, audio: runAudio, audioDecode: runAudioDecode, memory: runMemory,
      }[s.kind];
      r = { id: s.id, kind: s.kind, ...(await run(s, dir)) };
    } catch (e) {
      r = { id: s.id, kind: s.kind, error: String(e && e.message ? e.message : e) };
    }
    results.push(r);
    console.log(line(r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const out = {
    date: new Date().toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    mode: TINY ? 'tiny' : QUICK ? 'quick' : 'full',
    machine: machine(),
    queue: QUEUE,
    repeat: REPEAT,
    ...(args.note ? { note: String(args.note) } : {}),
    results,
  };
  fs.writeFileSync(JSON_OUT, `${JSON.stringify(out, null, 1)}\n`);
  console.log(`${results.filter((r) => r.error).length} errors; ${out.seconds} s; results in ${JSON_OUT}`);
  if (results.some((r) => r.error)) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
