'use strict';
// The bench's inputs, made once and cached: raw I420 video (a zooming fractal blended with a
// moving test pattern and light grain, so encoders see detail, motion and noise), PCM audio,
// and JPEG/PNG/WebP images. Plus the IVF container both sides read and write.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ffmpeg } = require('./ffmpeg');

const CACHE = process.env.BENCH_CACHE || path.join(os.tmpdir(), 'webcodecs-bench');

function cacheDir() {
  fs.mkdirSync(CACHE, { recursive: true });
  return CACHE;
}

// A fresh directory for one run's outputs.
function runDir() {
  return fs.mkdtempSync(path.join(cacheDir(), 'run-'));
}

const i420Size = (w, h) => w * h + 2 * Math.ceil(w / 2) * Math.ceil(h / 2);

// The raw I420 source for `w`×`h`, at least `frames` frames at 30 fps (made once).
function videoSource(w, h, frames) {
  const file = path.join(cacheDir(), `src_${w}x${h}_${frames}.yuv`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.part`;
    ffmpeg([
      '-f', 'lavfi', '-i',
      `mandelbrot=s=${w}x${h}:r=30,format=yuv420p[m];testsrc2=s=${w}x${h}:r=30,format=yuv420p,hue=s=0.6[t];` +
      '[m][t]blend=all_mode=overlay:all_opacity=0.5,noise=alls=3:allf=t',
      '-frames:v', String(frames), '-pix_fmt', 'yuv420p', '-f', 'rawvideo', '-y', tmp,
    ]);
    fs.renameSync(tmp, file);
  }
  return file;
}

// Interleaved f32 stereo PCM at 48 kHz, `seconds` long: a chord of five partials whose levels
// drift slowly, plus quiet noise (music-like, neither a steady tone nor silence).
function audioSource(seconds) {
  const file = path.join(cacheDir(), `src_48k_stereo_${seconds}s.f32`);
  if (!fs.existsSync(file)) {
    const rate = 48000;
    const n = rate * seconds;
    const pcm = new Float32Array(n * 2);
    const partials = [220, 277.18, 329.63, 440, 659.25];
    let seed = 12345;
    const noise = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 31 - 1; };
    for (let i = 0; i < n; i++) {
      const t = i / rate;
      let l = 0;
      let r = 0;
      partials.forEach((f, k) => {
        const amp = 0.08 * (1 + 0.5 * Math.sin(2 * Math.PI * (0.1 + 0.07 * k) * t));
        const s = amp * Math.sin(2 * Math.PI * f * t + k);
        l += s * (k % 2 ? 0.7 : 1);
        r += s * (k % 2 ? 1 : 0.7);
      });
      pcm[2 * i] = l + 0.01 * noise();
      pcm[2 * i + 1] = r + 0.01 * noise();
    }
    fs.writeFileSync(file, Buffer.from(pcm.buffer));
  }
  return file;
}

// A still image of `w`×`h` in `type` ('jpeg', 'png', 'webp'), from the video source's look
// (encoded by sharp: JPEG quality 90 4:2:0, PNG default, WebP lossy quality 80).
async function imageSource(w, h, type) {
  const file = path.join(cacheDir(), `img_${w}x${h}.${type}`);
  if (!fs.existsSync(file)) {
    const sharp = require('sharp');
    const raw = path.join(cacheDir(), `img_${w}x${h}.rgb`);
    if (!fs.existsSync(raw)) {
      ffmpeg([
        '-f', 'lavfi', '-i',
        `mandelbrot=s=${w}x${h}:r=30,format=rgb24[m];testsrc2=s=${w}x${h}:r=30,format=rgb24,hue=s=0.6[t];` +
        '[m][t]blend=all_mode=overlay:all_opacity=0.5,noise=alls=3:allf=t',
        '-frames:v', '1', '-pix_fmt', 'rgb24', '-f', 'rawvideo', '-y', raw,
      ]);
    }
    const img = sharp(fs.readFileSync(raw), { raw: { width: w, height: h, channels: 3 } });
    const encoded = { jpeg: () => img.jpeg({ quality: 90 }), png: () => img.png(), webp: () => img.webp({ quality: 80 }) }[type]();
    fs.writeFileSync(file, await encoded.toBuffer());
  }
  return file;
}

// IVF: a 32-byte file header, then per frame a 12-byte header (size, 64-bit pts) and the data.
// FFmpeg reads it for VP8, VP9 and AV1 (and H.264 by fourcc, but not HEVC: the CLI gets raw
// Annex B streams for those two, see `rawStream`). The API side keeps its chunk boundaries in
// IVF for every codec.
const FOURCC = { vp8: 'VP80', vp9: 'VP90', av1: 'AV01', h264: 'H264', hevc: 'HEVC' };

// Whether the CLI reads `family` as a raw Annex B stream (H.264, HEVC) rather than IVF.
const isAnnexB = (family) => family === 'h264' || family === 'hevc';

// The file the CLI reads for an IVF written by `writeIvf`: itself, or its Annex B twin.
const rawStream = (ivf, family) => (isAnnexB(family) ? ivf.replace(/\.ivf$/, `.${family}`) : ivf);

// FFmpeg input options for a stream of `family` (raw Annex B has no timing: 30 fps).
const streamInput = (file, family) => [...(isAnnexB(family) ? ['-framerate', '30'] : []), '-i', file];

function writeIvf(file, family, w, h, chunks) {
  const head = Buffer.alloc(32);
  head.write('DKIF', 0);
  head.writeUInt16LE(0, 4);
  head.writeUInt16LE(32, 6);
  head.write(FOURCC[family], 8);
  head.writeUInt16LE(w, 12);
  head.writeUInt16LE(h, 14);
  head.writeUInt32LE(30, 16);
  head.writeUInt32LE(1, 20);
  head.writeUInt32LE(chunks.length, 24);
  const parts = [head];
  chunks.forEach((c, i) => {
    const fh = Buffer.alloc(12);
    fh.writeUInt32LE(c.data.length, 0);
    fh.writeBigUInt64LE(BigInt(i), 4);
    parts.push(fh, c.data);
  });
  fs.writeFileSync(file, Buffer.concat(parts));
  if (isAnnexB(family)) fs.writeFileSync(rawStream(file, family), Buffer.concat(chunks.map((c) => c.data)));
}

// The frames of an IVF file: [{ data, key }] (the key flag as our encoder reported it is not
// stored; frame 0 is the key frame, the bench's streams have no other).
function readIvf(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 4) !== 'DKIF') throw new Error(`${file} is not IVF`);
  const frames = [];
  for (let off = buf.readUInt16LE(6); off + 12 <= buf.length;) {
    const size = buf.readUInt32LE(off);
    frames.push({ data: buf.subarray(off + 12, off + 12 + size), key: frames.length === 0 });
    off += 12 + size;
  }
  return frames;
}

module.exports = {
  CACHE, cacheDir, runDir, i420Size, videoSource, audioSource, imageSource, writeIvf, readIvf, isAnnexB, rawStream, streamInput,
};
