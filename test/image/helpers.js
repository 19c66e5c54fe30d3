'use strict';
// ImageDecoder test helpers: fixture paths, the ffmpeg CLI's reference decode, generated
// animations, PSNR.
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const { ImageDecoder } = require('../..');

const FIXTURES = path.join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'wpt-media');

function fixture(name) {
  return path.join(FIXTURES, name);
}

// Every frame of `file` as RGBA, decoded by the ffmpeg CLI (an independent decode path).
function ffmpegRgba(file, extra = []) {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, ...extra, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'],
    { maxBuffer: 1 << 28 });
}

async function frameRgba(frame) {
  const w = frame.visibleRect.width;
  const h = frame.visibleRect.height;
  const buf = new Uint8Array(w * h * 4);
  await frame.copyTo(buf, { format: 'RGBA' });
  return buf;
}

// PSNR over the RGB channels (alpha ignored unless `withAlpha`).
function psnrRgba(a, b, withAlpha = false) {
  if (a.length !== b.length) throw new Error(`size mismatch ${a.length} vs ${b.length}`);
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (!withAlpha && i % 4 === 3) continue;
    const d = a[i] - b[i];
    se += d * d;
    n++;
  }
  if (se === 0) return 99;
  return 10 * Math.log10((255 * 255) / (se / n));
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let tmp = null;
// Generates (once per process) small test images with the ffmpeg CLI into a temp dir.
function generated(name) {
  if (tmp === null) tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'webcodecs-image-'));
  const out = path.join(tmp, name);
  if (fs.existsSync(out)) return out;
  const src = ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10'];
  const args = {
    'anim.gif': [...src, '-frames:v', '5', '-loop', '0'],
    'big.gif': ['-f', 'lavfi', '-i', 'testsrc=size=480x360:rate=10', '-frames:v', '24', '-loop', '0'],
    'anim-loop3.gif': [...src, '-frames:v', '3', '-loop', '3'],
    'tiny-2frames.gif': ['-f', 'lavfi', '-i', 'testsrc=size=2x2:rate=10', '-frames:v', '2', '-loop', '0'],
    'anim.apng': [...src, '-frames:v', '4', '-plays', '0', '-f', 'apng'],
    'anim-plays2.apng': [...src, '-frames:v', '2', '-plays', '2', '-f', 'apng'],
    'anim.webp': [...src, '-frames:v', '3', '-c:v', 'libwebp_anim', '-lossless', '1', '-loop', '0'],
    'anim-lossy.webp': [...src, '-frames:v', '3', '-c:v', 'libwebp_anim', '-lossless', '0', '-loop', '2'],
    'still.bmp': [...src, '-frames:v', '1'],
    'still.ico': [...src, '-frames:v', '1', '-c:v', 'bmp', '-pix_fmt', 'bgr24'],
    'still-png.ico': [...src, '-frames:v', '1', '-c:v', 'png', '-pix_fmt', 'rgba'],
  }[name];
  if (!args) throw new Error(`unknown generated image ${name}`);
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args, out]);
  return out;
}

// The first `n` frames of the 64x48 testsrc pattern the generated images are made from, as RGBA.
function testsrcRgba(n) {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', String(n),
    '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], { maxBuffer: 1 << 26 });
}

// A ReadableStream that delivers `bytes` in `chunk`-byte pieces, `delayMs` apart.
function slowStream(bytes, chunk = 64, delayMs = 2) {
  let off = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, delayMs));
      if (off >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(new Uint8Array(bytes.subarray(off, off + chunk)));
      off += chunk;
    },
  });
}

// A ReadableStream fed by hand: push(bytes), close(), error(e).
function controlledStream() {
  let controller;
  const stream = new ReadableStream({ start(c) { controller = c; } });
  return {
    stream,
    push(bytes) { controller.enqueue(new Uint8Array(bytes)); },
    close() { controller.close(); },
    error(e) { controller.error(e); },
  };
}

// Resolves after the event loop has had `ms` milliseconds (lets the worker thread answer).
function settle(ms = 50) {
  return new Promise((r) => setTimeout(r, ms));
}

// Whether `p` is still pending after `ms` milliseconds.
async function isPending(p, ms = 50) {
  const marker = Symbol('pending');
  const r = await Promise.race([p.then(() => 'resolved', () => 'rejected'), settle(ms).then(() => marker)]);
  return r === marker;
}

// An ImageDecoder on the bytes of `file` (as `type`), once its tracks are known.
async function openImage(file, type) {
  const d = new ImageDecoder({ data: fs.readFileSync(file), type });
  await d.tracks.ready;
  return d;
}

// What an ImageTrack says of its animation, to compare in one assertion.
const trackInfo = (t) => ({ animated: t.animated, frameCount: t.frameCount, repetitionCount: t.repetitionCount });

module.exports = {
  FIXTURES, fixture, ffmpegRgba, frameRgba, psnrRgba, maxAbsDiff, generated, slowStream, testsrcRgba,
  controlledStream, settle, isPending, openImage, trackInfo,
};
