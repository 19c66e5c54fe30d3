'use strict';
// Writes BENCHMARKS.md (tables, machine, date) and benches/ratios.png (the API/FFmpeg ratio of
// every scenario) from the JSON `npm run bench` leaves in benches/node/results.json, plus the
// memory run's (`npm run bench:memory`) when there is one. With several inputs, a later run's
// result replaces an earlier one's of the same scenario (e.g. a re-run with --only).
//
//   node scripts/bench-report.js [--in=a.json,b.json] [--md=BENCHMARKS.md] [--png=benches/ratios.png]
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const IN = args.in ? args.in.split(',') : ['results.json', 'results-memory.json']
  .map((f) => path.join(ROOT, 'benches', 'node', f)).filter((f, i) => i === 0 || fs.existsSync(f));
const MD = args.md || path.join(ROOT, 'BENCHMARKS.md');
const PNG = args.png || path.join(ROOT, 'benches', 'ratios.png');

const f = (v, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));
const pair = (a, b, d = 1) => `${f(a, d)} / ${f(b, d)}`;
const ratio = (r) => (Number.isFinite(r) ? `**${r.toFixed(2)}**` : '–');
// The ratio of each back-to-back pair of runs (run.js `spread`): median (lowest–highest).
const spread = (p) => (p && Number.isFinite(p.median) ? `${p.median.toFixed(2)} (${p.min.toFixed(2)}–${p.max.toFixed(2)})` : '–');
const PAIRS = 'ratio per run pair median (min–max)';

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

// An audio row's first, untimed pass: "speed (ratio)", or a dash.
const firstPass = (r) => (r.firstPass ? `${f(r.firstPass.value, 0)} (${r.firstPass.ratio.toFixed(2)})` : '—');

function sections(results) {
  const ok = results.filter((r) => !r.error);
  const by = (kind) => ok.filter((r) => r.kind === kind);
  const js = (a) => `${f(a.callMedianUs, 0)} / ${f(a.callP99Us, 0)}`;
  const loop = (a) => (a.loopP99Ms === undefined ? f(a.loopMaxMs) : pair(a.loopMaxMs, a.loopP99Ms));
  const out = [];
  const enc = by('encode');
  if (enc.length) {
    out.push('## Encode', '', 'Frames per second (ratio = API ÷ FFmpeg, above 1 is faster than FFmpeg). PSNR: average of Y, U, V (4:1:1) against the source frames; kbit/s: the stream\'s payload.', '');
    out.push(table(['codec', 'size', 'latencyMode', 'API fps', 'FFmpeg fps', 'ratio', PAIRS, 'PSNR dB API / FFmpeg', 'kbit/s API / FFmpeg (target)', 'JS µs per encode() median / p99', 'loop gap ms worst / p99', 'peak RSS MB API / FFmpeg'],
      enc.map((r) => {
        const [, name, size, mode] = r.id.split('/');
        return [name, size, mode, f(r.api.value), f(r.cli.value), ratio(r.ratio), spread(r.pairs), pair(r.api.psnr, r.cli.psnr, 2),
          `${pair(r.api.kbps, r.cli.kbps, 0)} (${r.targetKbps})`, js(r.api), loop(r.api), pair(r.api.rssMB, r.cli.rssMB, 0)];
      })), '');
  }
  const dec = by('decode');
  if (dec.length) {
    out.push('## Decode', '', 'Frames per second decoding the same stream (made by our encoder in quality mode at the encode bitrate).', '');
    out.push(table(['codec', 'size', 'API fps', 'FFmpeg fps', 'ratio', PAIRS, 'JS µs per decode() median / p99', 'loop gap ms worst / p99', 'peak RSS MB API / FFmpeg'],
      dec.map((r) => {
        const [, name, size] = r.id.split('/');
        return [name, size, f(r.api.value), f(r.cli.value), ratio(r.ratio), spread(r.pairs), js(r.api), loop(r.api), pair(r.api.rssMB, r.cli.rssMB, 0)];
      })), '');
  }
  const copy = by('copyTo');
  if (copy.length) {
    out.push('## copyTo() to RGBA vs swscale', '', 'Milliseconds per I420 frame (ratio = swscale ÷ API, above 1 is faster than swscale). API: `await frame.copyTo(dest, { format: "RGBA" })`, median. swscale: the FFmpeg CLI converting the same frame (`-vf format=rgba`), minus the same run without the conversion, per frame.', '');
    out.push(table(['size', 'API ms', 'swscale ms', 'ratio', 'loop gap ms worst / p99', 'peak RSS MB'],
      copy.map((r) => [r.id.split('/')[2], f(r.api.value, 2), f(r.cli.value, 2), ratio(r.ratio), loop(r.api), f(r.api.rssMB, 0)])), '');
  }
  const scale = by('transform');
  if (scale.length) {
    out.push('## transformVideoSample (mediabunny\'s resize) vs swscale', '', 'Milliseconds per I420 frame scaled to the next size down (ratio = swscale ÷ API, above 1 is faster than swscale). API: `await transformVideoSample(sample, { width, height, fit: "fill", … })` with the source frame, median: the scaling runs off the JS thread, this is the wait of the awaiting caller. swscale: the FFmpeg CLI scaling the same frame (`-vf scale=W:H:flags=bilinear`), minus the same run without the scale, per frame.', '');
    out.push(table(['scaling', 'API ms', 'swscale ms', 'ratio', 'JS µs per call median / p99', 'loop gap ms worst / p99', 'peak RSS MB'],
      scale.map((r) => [r.id.split('/')[1], f(r.api.value, 2), f(r.cli.value, 2), ratio(r.ratio), js(r.api), loop(r.api), f(r.api.rssMB, 0)])), '');
  }
  const img = by('image');
  if (img.length) {
    out.push('## ImageDecoder to RGBA vs sharp', '', 'Milliseconds per image, median (ratio = sharp ÷ API). API: `decode()` then `copyTo(RGBA)`; sharp: `sharp(data).ensureAlpha().raw().toBuffer()` with its cache off.', '');
    out.push(table(['type', 'size', 'API ms', 'sharp ms', 'ratio', PAIRS, 'loop gap ms worst API / sharp', 'peak RSS MB API / sharp'],
      img.map((r) => {
        const [, type, size] = r.id.split('/');
        return [type, size, f(r.api.value), f(r.cli.value), ratio(r.ratio), spread(r.pairs), pair(r.api.loopMaxMs, r.cli.loopMaxMs), pair(r.api.rssMB, r.cli.rssMB, 0)];
      })), '');
  }
  const au = by('audio');
  if (au.length) {
    out.push('## Audio encode', '', 'Speed in seconds of 48 kHz stereo audio per second (ratio = API ÷ FFmpeg) and the bitrate produced. Each API process first runs the same encode on the same input three times, untimed, so that V8\'s optimizing compiler has finished with the JavaScript of the loop (in a fresh process its threads take 40-65 ms of the two CPUs during the first pass); "first pass" is the fastest of those first passes, a fresh process\'s speed.', '');
    out.push(table(['codec', 'API ×realtime', 'FFmpeg ×realtime', 'ratio', PAIRS, 'first pass ×realtime (ratio)', 'kbit/s API / FFmpeg (target)', 'JS µs per encode() median / p99', 'loop gap ms worst / p99', 'peak RSS MB API / FFmpeg'],
      au.map((r) => [r.id.split('/')[1], f(r.api.value, 0), f(r.cli.value, 0), ratio(r.ratio), spread(r.pairs),
        firstPass(r),
        `${pair(r.api.kbps, r.cli.kbps, 0)}${r.targetKbps ? ` (${r.targetKbps})` : ''}`, js(r.api), loop(r.api), pair(r.api.rssMB, r.cli.rssMB, 0)])), '');
  }
  const ad = by('audioDecode');
  if (ad.length) {
    out.push('## Audio decode', '', 'Speed in seconds of audio per second decoding what our encoder made of the same input at the same settings (ratio = API ÷ FFmpeg): the API from its packets (each `AudioData` closed at once), the CLI from the same packets in Ogg, ADTS, MP3 or FLAC (`-f null`). Both use the same FFmpeg decoder. Warmed up as the audio encode rows are.', '');
    out.push(table(['codec', 'seconds', 'API ×realtime', 'FFmpeg ×realtime', 'ratio', PAIRS, 'first pass ×realtime (ratio)', 'JS µs per decode() median / p99', 'loop gap ms worst / p99', 'peak RSS MB API / FFmpeg'],
      ad.map((r) => [r.id.split('/')[1], f(r.api.decodedSeconds, 1), f(r.api.value, 0), f(r.cli.value, 0), ratio(r.ratio), spread(r.pairs),
        firstPass(r), js(r.api), loop(r.api), pair(r.api.rssMB, r.cli.rssMB, 0)])), '');
  }
  const mem = by('memory');
  if (mem.length) {
    out.push('## Memory', '', 'A queue-respecting producer sends 1080p frames through an H.264 encoder whose chunks go straight into a decoder. RSS after the first 10% of frames, and its peak after that.', '');
    out.push(table(['run', 'fps', 'RSS after warm-up MB', 'peak RSS after warm-up MB', 'flat (≤ +10%)', 'process peak RSS MB', 'loop gap ms worst / p99'],
      mem.map((r) => [r.id, f(r.api.value), f(r.api.settledMB, 0), f(r.api.settledPeakMB, 0), r.flat ? 'yes' : '**no**', f(r.api.rssMB, 0), loop(r.api)])), '');
  }
  out.push(...gapCauses(ok));
  const failed = results.filter((r) => r.error);
  if (failed.length) out.push('## Failed scenarios', '', ...failed.map((r) => `- \`${r.id}\`: ${r.error.split('\n')[0]}`), '');
  return out;
}

// What the JS thread and the other threads did in the longest heartbeat interval of each
// monitored run (benches/node/lib/threads.js), for the gaps of GAP_MS and more.
const GAP_MS = 4;

// What held the JS thread up in a gap: its own work, a wait for a CPU while our threads held
// them all, a wait while a CPU was not the process's (another process's, the hypervisor's, or
// idle: the scheduler left the JS thread waiting), or neither (not running and not waiting).
function gapVerdict(g) {
  if (g.jsCpuMs >= g.jsWaitMs && g.jsCpuMs >= g.worstMs / 2) return 'JS thread running';
  if (g.jsWaitMs >= g.worstMs / 2) {
    if (g.notOursMs >= g.jsWaitMs) return 'waiting, a CPU not ours';
    return g.codecCpuMs >= g.nodeCpuMs ? 'waiting behind codec threads' : 'waiting behind Node\'s threads';
  }
  return 'neither running nor waiting';
}

function gapCauses(ok) {
  const rows = [];
  let all = 0;
  for (const r of ok) {
    for (const [side, m] of [['API', r.api], ['sharp', r.reference === 'sharp' ? r.cli : null]]) {
      const g = m && m.loopGap;
      if (!g || !Number.isFinite(g.jsCpuMs)) continue;
      all++;
      if (g.worstMs >= GAP_MS) rows.push([r.id + (side === 'API' ? '' : ' (sharp)'), g]);
    }
  }
  if (!all) return [];
  return [`## Event-loop gaps of ${GAP_MS} ms and more: what the threads did`, '',
    `Each monitored run also keeps a 1 ms timer of its own and, for its longest interval between two ticks, reads every thread's CPU time and the JS thread's wait for a CPU (Linux schedstat). ${rows.length} of ${all} monitored runs (sharp's included) had a gap of ${GAP_MS} ms or more. Gap: the interval minus the 1 ms period. CPU ms over the whole interval: JS thread (and its run-queue wait; "of it GC": V8's garbage-collection pauses within the interval), codec threads (our workers and the codec libraries' threads), Node's own threads (V8's platform workers, libuv's pool), and the CPU time of the ${'`'}cpus × interval${'`'} the process did not use (another process's, the hypervisor's, or idle). "waiting, a CPU not ours": the JS thread waited for a CPU although the process left at least that much CPU time unused, the scheduler's or the machine's doing; "waiting behind codec threads": our threads held the CPUs.`, '',
    `By what the JS thread was doing: ${verdictCounts(rows.map(([, g]) => g))}. "began at": when the interval began, from the start of the run's measurement (0: the run's first interval, with \`configure()\` and the first inputs made and sent).`, '',
    table(['run', 'gap ms', 'began at ms', 'JS ran ms (waited)', 'of it GC ms', 'codec threads ms', 'Node threads ms', 'not ours ms', 'the JS thread was'],
      rows.map(([id, g]) => [id, f(g.worstMs), f(g.atMs, 0), `${f(g.jsCpuMs)} (${f(g.jsWaitMs)})`, f(g.gcMs), f(g.codecCpuMs), f(g.nodeCpuMs), f(g.notOursMs), gapVerdict(g)])), ''];
}

// "running 3, waiting behind codec threads 5, …": how many gaps had each verdict.
function verdictCounts(gaps) {
  const counts = new Map();
  for (const v of gaps.map(gapVerdict)) counts.set(v, (counts.get(v) || 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([v, n]) => `${v} ${n}`).join(', ');
}

// The machine's event-loop floor (run.js `baseline/idle-loop`), as a line of the Machine section.
function floor(results) {
  const b = results.find((r) => r.kind === 'idle' && !r.error);
  if (!b) return [];
  return [`- Event-loop floor: a Node process with no codec at all, only the bench producer's rhythm (an allocation, then \`setImmediate\`), had worst loop gaps of ${b.api.runsMaxMs.map((v) => f(v)).join(', ')} ms in ${b.api.runsMaxMs.length} runs of ${b.seconds} s (p99 at most ${f(b.api.loopP99Ms, 2)} ms). That is the machine's own scheduling (on a virtual machine the host also schedules its CPUs), and the worst-gap column below cannot read lower than it; the p99 column shows the typical delay.`];
}

// A horizontal bar per scenario: its ratio, with the 1.0 line (FFmpeg / swscale / sharp parity).
function svg(results) {
  const rows = results.filter((r) => !r.error && Number.isFinite(r.ratio));
  const W = 900;
  const rowH = 16;
  const left = 300;
  const top = 40;
  const max = Math.max(2, ...rows.map((r) => Math.min(r.ratio, 4)));
  const x = (v) => left + (Math.min(v, max) / max) * (W - left - 60);
  const H = top + rows.length * rowH + 30;
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const bars = rows.map((r, i) => {
    const y = top + i * rowH;
    const colour = r.ratio >= 1 ? '#2e7d32' : r.ratio >= 0.95 ? '#f9a825' : '#c62828';
    return `<text x="${left - 6}" y="${y + 12}" text-anchor="end" font-size="11">${esc(r.id)}</text>` +
      `<rect x="${left}" y="${y + 2}" width="${x(r.ratio) - left}" height="${rowH - 4}" fill="${colour}"/>` +
      `<text x="${x(r.ratio) + 4}" y="${y + 12}" font-size="11">${r.ratio.toFixed(2)}</text>`;
  }).join('');
  const ticks = [0, 0.5, 1, 1.5, 2, 3, 4].filter((t) => t <= max).map((t) =>
    `<line x1="${x(t)}" y1="${top - 4}" x2="${x(t)}" y2="${H - 26}" stroke="${t === 1 ? '#000' : '#ccc'}" stroke-width="${t === 1 ? 1.5 : 1}"/>` +
    `<text x="${x(t)}" y="${H - 12}" text-anchor="middle" font-size="11">${t}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif">` +
    `<rect width="${W}" height="${H}" fill="#fff"/>` +
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">webcodecs-node ÷ FFmpeg CLI (copyTo, transform: ÷ swscale, images: ÷ sharp); above 1 is faster</text>` +
    `${ticks}${bars}</svg>`;
}

async function main() {
  const runs = IN.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  const [run, ...more] = runs;
  for (const extra of more) {
    for (const r of extra.results) {
      const i = run.results.findIndex((x) => x.id === r.id);
      if (i >= 0) run.results[i] = r;
      else run.results.push(r);
    }
  }
  const m = run.machine;
  const note = (x) => (x.note ? ` ${x.note}` : '');
  const also = more.map((x) => `- ${x.results.map((r) => `\`${r.id}\``).join(', ')}: run at \`${x.machine.commit}\` on ${x.date.slice(0, 10)} (mode ${x.mode}, load ${x.machine.load}).${note(x)}`);
  const md = [
    '# Benchmarks',
    '',
    `Written by \`scripts/bench-report.js\` from a \`npm run bench\` run (mode: ${run.mode}) on ${run.date.slice(0, 10)}, commit \`${m.commit}\`, in ${Math.round(run.seconds / 60)} min.${note(run)}`,
    ...(also.length ? ['', 'Rows from other runs on the same machine:', '', ...also] : []),
    '',
    `Regenerate this page: \`node scripts/bench-report.js --in=${IN.map((f) => path.relative(ROOT, f)).join(',')}\`.`,
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu}, ${m.cpus} logical CPUs (${m.simd.join(', ') || 'no AVX'}), ${m.memGB} GiB RAM`,
    `- OS: ${m.os}; Node ${m.node}; ${m.ffmpeg}`,
    `- Load average when the run started: ${m.load} (other work on the machine slows both sides alike but adds noise)`,
    ...floor(run.results),
    '',
    '## How',
    '',
    '- Each scenario runs through the WebCodecs API and through the `ffmpeg` CLI with the same input frames (one raw file, read from the page cache by both; 300 frames at 720p, 200 at 1080p) and the encoder settings our backend uses (the table in `benches/node/lib/settings.js`).',
    '- API time: `configure()` to the `flush()` promise, frames read and wrapped in `VideoFrame`/`AudioData` inside the loop; the producer keeps at most ' + `${run.queue} requests queued (\`encodeQueueSize\`/\`decodeQueueSize\`). Before its clock starts, each API process runs the same codec on 12 tiny frames (audio: the same encode three times, see its table), untimed, so that V8 has compiled the JavaScript paths (a one-time cost of a fresh process, which the CLI does not have). FFmpeg time: \`-benchmark\` rtime (the transcode loop; process start-up and option parsing excluded).`,
    '- Event loop: the timed runs of either side carry no event-loop monitor; the loop-gap columns come from one more API run per scenario (sharp: one more sharp run) with Node\'s `monitorEventLoopDelay` (resolution 1 ms). Its timer wakes the JS thread a thousand times a second, and each wake-up preempts a codec thread: that slowed VP9 at 1080p realtime by 4-5%, AV1 (libaom) by 3-5%, VP8 by 1% and x264 not at all (api.js `LOOP`), a cost of the measurement that the FFmpeg CLI does not pay.',
    '- Privileges: run as root, SVT-AV1 in the CLI gives its threads SCHED_FIFO priority, which an ordinary user\'s FFmpeg cannot and which our codec workers drop on purpose (codec threads must not preempt the event loop), so as root the CLI runs without CAP_SYS_NICE (`setpriv`): both sides schedule like an ordinary user\'s process.',
    '- PSNR: FFmpeg\'s psnr filter on both streams against the source. Peak RSS: each API run is its own Node process (`process.resourceUsage().maxRSS`); FFmpeg\'s is its `-benchmark` maxrss.',
    '- JS µs per call: time spent on the JS thread inside each `encode()`/`decode()` call. Loop gap: `monitorEventLoopDelay` (1 ms resolution) during the extra run with the monitor (see "Event loop" above), its maximum and 99th percentile.',
    ...(run.repeat > 1 ? [`- Each side ran ${run.repeat} times, API and FFmpeg alternately, in rounds that change which side goes first (so a slow spell of the machine falls on both); the tables show each side's fastest run, and the "ratio" column compares the two fastest. The "${PAIRS}" column takes the API run and the FFmpeg run of each round: the spread of those ${run.repeat} ratios is how far this machine moves a ratio from one run to the next.`] : []),
    '',
    ...sections(run.results),
    '![ratios](benches/ratios.png)',
    '',
  ].join('\n');
  fs.writeFileSync(MD, md);
  const sharp = require('sharp');
  fs.mkdirSync(path.dirname(PNG), { recursive: true });
  await sharp(Buffer.from(svg(run.results))).png().toFile(PNG);
  console.log(`wrote ${path.relative(ROOT, MD)} and ${path.relative(ROOT, PNG)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
