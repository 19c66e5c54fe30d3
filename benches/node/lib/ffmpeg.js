'use strict';
// The FFmpeg CLI side. Timing: `-benchmark` prints `rtime`, the wall time of FFmpeg's
// transcode loop (encoder/decoder open, reading input from the page cache, coding, writing
// output), which leaves out process start-up, library loading and option parsing; and
// `maxrss`, the process's peak resident set.
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');

// Run as root, SVT-AV1 gives its threads SCHED_FIFO priority 99 (an ordinary user's FFmpeg
// cannot), while our codec workers drop CAP_SYS_NICE on purpose (codec threads must never
// preempt the event loop; crates/codec-ffmpeg `prepare_worker_thread`). So as root the
// CLI runs without CAP_SYS_NICE too: both sides with an ordinary user's scheduling.
const SETPRIV = '/usr/bin/setpriv';
const NO_REALTIME = process.getuid && process.getuid() === 0 && fs.existsSync(SETPRIV)
  ? [SETPRIV, '--bounding-set', '-sys_nice', '--inh-caps', '-sys_nice'] : [];

// Runs `cmd` as a grandchild, through `sh` (which forks it): Linux keeps a process's peak RSS
// across exec, so a program spawned straight from this Node process would report at least
// this process's RSS as its own peak (getrusage, `-benchmark` maxrss, process.resourceUsage()).
// Forked from a small shell, its peak is its own.
function spawnMeasured(cmd, args, options) {
  return spawnSync('sh', ['-c', '"$@"; exit $?', 'sh', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
}

// Runs ffmpeg with `args` (quiet, no stdin); returns its stderr. Throws on failure.
function ffmpeg(args, { benchmark = false } = {}) {
  const full = ['-hide_banner', '-nostdin', '-loglevel', benchmark ? 'info' : 'error', ...(benchmark ? ['-benchmark'] : []), ...args];
  const [cmd, ...pre] = [...NO_REALTIME, 'ffmpeg'];
  const r = spawnMeasured(cmd, [...pre, ...full], { env: { ...process.env, SVT_LOG: '1' } });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`ffmpeg ${full.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return r.stderr;
}

// Runs ffmpeg with -benchmark: { ms: rtime in ms, rssMB: peak RSS in MiB }.
function benchmark(args) {
  const err = ffmpeg(args, { benchmark: true });
  const rtime = /bench: utime=[\d.]+s stime=[\d.]+s rtime=([\d.]+)s/.exec(err);
  const rss = /bench: maxrss=(\d+)kB/.exec(err);
  if (!rtime) throw new Error(`no -benchmark line in:\n${err.slice(-2000)}`);
  return { ms: Number(rtime[1]) * 1000, rssMB: rss ? Number(rss[1]) / 1024 : null };
}

// PSNR (dB) of the first `frames` frames of an encoded stream (`input`: FFmpeg input options)
// against the raw I420 `source`, by FFmpeg's psnr filter (the same measurement for both sides):
// { y, avg } (avg weights Y:U:V 4:1:1).
function psnr(input, source, w, h, frames) {
  const err = ffmpeg([
    '-loglevel', 'info', ...input,
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', `${w}x${h}`, '-r', '30', '-i', source,
    '-lavfi', '[0:v][1:v]psnr', '-frames:v', String(frames), '-f', 'null', '-',
  ]);
  const m = /PSNR y:([\d.inf]+) u:[\d.inf]+ v:[\d.inf]+ average:([\d.inf]+)/.exec(err);
  if (!m) throw new Error(`no PSNR line in:\n${err.slice(-2000)}`);
  const num = (s) => (s === 'inf' ? 99 : Number(s));
  return { y: num(m[1]), avg: num(m[2]) };
}

// Whether an `ffmpeg` binary is on PATH.
function available() {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

// `ffmpeg version X` from `ffmpeg -version`.
function version() {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' });
  return r.stdout ? r.stdout.split('\n')[0].split(' ').slice(0, 3).join(' ') : 'unknown';
}

// The payload bytes of the packets FFmpeg wrote to a `-f framecrc` file (its size column).
function framecrcBytes(text) {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).reduce((n, l) => n + Number(l.split(',')[4]), 0);
}

module.exports = { spawnMeasured, ffmpeg, benchmark, psnr, framecrcBytes, available, version };
