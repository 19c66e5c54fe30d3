'use strict';
// The benchmark harness (benches/node/run.js) end to end on tiny inputs: one scenario of each
// kind runs through the API and through the FFmpeg CLI (or sharp) and reports every number the
// table shows. Proves the harness works; asserts no timing (tiny runs measure nothing).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const RUN = path.join(__dirname, '..', '..', 'benches', 'node', 'run.js');
const hasFfmpeg = !spawnSync('ffmpeg', ['-version']).error;

test('bench harness: --tiny runs encode, decode, copyTo, transform, image, audio encode and audio decode scenarios on both sides', { skip: !hasFfmpeg && 'no ffmpeg CLI on PATH' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-test-'));
  const json = path.join(dir, 'results.json');
  const only = '^(baseline/|encode/vp9/tiny/realtime|encode/h264-baseline/tiny/quality|decode/vp9/tiny|copyTo/|transform/|image/(jpeg|png)/|audio/opus|audio-decode/(opus|aac))';
  const r = spawnSync(process.execPath, [RUN, '--tiny', `--only=${only}`, `--json=${json}`], {
    encoding: 'utf8', env: { ...process.env, BENCH_CACHE: path.join(dir, 'cache') }, timeout: 240_000,
  });
  assert.equal(r.status, 0, `run.js failed:\n${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(fs.readFileSync(json, 'utf8'));
  assert.equal(out.mode, 'tiny');
  assert.ok(out.machine.cpu && out.machine.cpus >= 1 && out.machine.ffmpeg.startsWith('ffmpeg version'));
  const byId = Object.fromEntries(out.results.map((x) => [x.id, x]));
  assert.deepEqual(Object.keys(byId).sort(), [
    'audio-decode/aac', 'audio-decode/opus', 'audio/opus', 'baseline/idle-loop', 'copyTo/RGBA/tiny', 'decode/vp9/tiny', 'encode/h264-baseline/tiny/quality',
    'encode/vp9/tiny/realtime', 'image/jpeg/tiny', 'image/png/tiny', 'transform/tiny-to-90p',
  ]);
  const positive = (v, what) => assert.ok(Number.isFinite(v) && v > 0, `${what}: ${v}`);
  // The event-loop floor: a codec-free process's worst gap in each run (one with --tiny).
  const floor = byId['baseline/idle-loop'];
  assert.equal(floor.error, undefined, floor.error);
  assert.equal(floor.api.runsMaxMs.length, 1);
  assert.ok(floor.api.loopMaxMs > 0 && floor.api.loopP99Ms > 0 && floor.api.loopP99Ms <= floor.api.loopMaxMs, JSON.stringify(floor.api));
  for (const x of out.results.filter((r) => r.kind !== 'idle')) {
    assert.equal(x.error, undefined, `${x.id}: ${x.error}`);
    positive(x.api.value, `${x.id} API value`);
    // swscale's cost is a difference of two CLI runs: on tiny frames it can drown in noise,
    // and the harness then reports no number (null) rather than a wrong one.
    if (!['copyTo', 'transform'].includes(x.kind) || x.cli.value !== null) {
      positive(x.cli.value, `${x.id} reference value`);
      positive(x.ratio, `${x.id} ratio`);
    } else {
      assert.equal(x.ratio, null, `${x.id}: no reference, no ratio`);
    }
    positive(x.api.rssMB, `${x.id} API RSS`);
    assert.ok(Number.isFinite(x.api.loopMaxMs) && x.api.loopMaxMs >= 0, `${x.id} loop gap`);
    // (A run shorter than the histogram's first sample has neither a maximum nor a p99.)
    assert.ok(Number.isFinite(x.api.loopP99Ms) && (x.api.loopMaxMs === 0 || x.api.loopP99Ms <= x.api.loopMaxMs), `${x.id} loop gap p99 ${x.api.loopP99Ms}`);
    positive(x.api.callMedianUs, `${x.id} JS time per call`);
    // The monitored run's own heartbeat: its worst gap, and on Linux what the threads did.
    const g = x.api.loopGap;
    assert.ok(g && Number.isFinite(g.worstMs) && g.worstMs >= 0, `${x.id} heartbeat gap ${JSON.stringify(g)}`);
    if (process.platform === 'linux') {
      for (const k of ['jsCpuMs', 'jsWaitMs', 'codecCpuMs', 'nodeCpuMs', 'notOursMs', 'gcMs', 'atMs']) {
        assert.ok(Number.isFinite(g[k]) && g[k] >= 0, `${x.id} loopGap.${k}: ${JSON.stringify(g)}`);
      }
    }
  }
  for (const id of ['encode/vp9/tiny/realtime', 'encode/h264-baseline/tiny/quality']) {
    const e = byId[id];
    // Both sides decode to the source's picture (PSNR from FFmpeg's psnr filter) and make a
    // stream of plausible size for the target bitrate.
    assert.ok(e.api.psnr > 25 && e.cli.psnr > 25, `${id} PSNR ${e.api.psnr} / ${e.cli.psnr}`);
    assert.ok(e.api.kbps > e.targetKbps / 10 && e.cli.kbps > e.targetKbps / 10, `${id} kbit/s`);
    positive(e.cli.rssMB, `${id} CLI RSS`);
  }
  // Each API run paired with the CLI run after it: with one run per side (--tiny), the one
  // pair is the two runs the headline ratio compares, so both ratios must agree.
  for (const id of ['encode/vp9/tiny/realtime', 'encode/h264-baseline/tiny/quality', 'decode/vp9/tiny', 'image/jpeg/tiny', 'image/png/tiny', 'audio/opus', 'audio-decode/opus', 'audio-decode/aac']) {
    const { pairs, ratio } = byId[id];
    assert.equal(pairs.n, 1, id);
    assert.ok(pairs.min === pairs.median && pairs.median === pairs.max, `${id} ${JSON.stringify(pairs)}`);
    assert.ok(Math.abs(pairs.median - ratio) < 1e-9 * ratio, `${id}: pair ratio ${pairs.median} vs ratio ${ratio}`);
  }
  assert.equal(byId['copyTo/RGBA/tiny'].pairs, undefined);
  assert.equal(byId['encode/vp9/tiny/realtime'].unit, 'fps');
  assert.equal(byId['decode/vp9/tiny'].unit, 'fps');
  assert.equal(byId['copyTo/RGBA/tiny'].unit, 'ms/frame');
  assert.equal(byId['transform/tiny-to-90p'].unit, 'ms/frame');
  assert.equal(byId['image/jpeg/tiny'].reference, 'sharp');
  const opus = byId['audio/opus'];
  assert.equal(opus.targetKbps, 128);
  assert.ok(opus.api.kbps > 64 && opus.cli.kbps > 64, `opus kbit/s ${opus.api.kbps} / ${opus.cli.kbps}`);
  // The API process's first (untimed warm-up) pass over the same input, against the same CLI run.
  positive(opus.firstPass.value, 'opus first pass');
  assert.ok(Math.abs(opus.firstPass.ratio - opus.firstPass.value / opus.cli.value) < 1e-9, JSON.stringify(opus.firstPass));
  // Audio decode: both sides decode the packets our encoder made (the CLI from the Ogg and
  // ADTS files the bench writes around them), the API all of the 2 s (Opus: plus its
  // 312-sample pre-skip, which our decoder outputs as the CLI's decoder does before trimming).
  for (const id of ['audio-decode/opus', 'audio-decode/aac']) {
    const d = byId[id];
    assert.equal(d.unit, 'x realtime');
    assert.ok(d.api.decodedSeconds >= 2 && d.api.decodedSeconds < 2.05, `${id} decoded ${d.api.decodedSeconds} s`);
    assert.ok(Math.abs(d.firstPass.ratio - d.firstPass.value / d.cli.value) < 1e-9, JSON.stringify(d.firstPass));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
