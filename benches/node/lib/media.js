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
// The audio names are the API side's own: it keeps audio packets (with their timestamps as
// pts) in IVF too, and the CLI reads them from `writeAudioStream`'s file.
const FOURCC = {
  vp8: 'VP80', vp9: 'VP90', av1: 'AV01', h264: 'H264', hevc: 'HEVC', opus: 'OPUS', aac: 'MP4A', mp3: 'MP3 ', flac: 'FLAC',
};

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
    fh.writeBigInt64LE(BigInt(c.pts ?? i), 4);
    parts.push(fh, c.data);
  });
  fs.writeFileSync(file, Buffer.concat(parts));
  if (isAnnexB(family)) fs.writeFileSync(rawStream(file, family), Buffer.concat(chunks.map((c) => c.data)));
}

// The frames of an IVF file: [{ data, key, pts }] (the key flag as our encoder reported it is
// not stored; frame 0 is the key frame, the bench's video streams have no other).
function readIvf(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 4) !== 'DKIF') throw new Error(`${file} is not IVF`);
  const frames = [];
  for (let off = buf.readUInt16LE(6); off + 12 <= buf.length;) {
    const size = buf.readUInt32LE(off);
    frames.push({ data: buf.subarray(off + 12, off + 12 + size), key: frames.length === 0, pts: Number(buf.readBigInt64LE(off + 4)) });
    off += 12 + size;
  }
  return frames;
}

// The file the CLI decodes for the audio packets of `ivf` (see `writeAudioStream`).
const AUDIO_EXT = { opus: 'ogg', aac: 'aac', mp3: 'mp3', flac: 'flac' };
const audioStream = (ivf, name) => ivf.replace(/\.ivf$/, `.${AUDIO_EXT[name]}`);

// Ogg's CRC-32: polynomial 0x04c11db7, not reflected, starting from 0.
const OGG_CRC = Array.from({ length: 256 }, (_, i) => {
  let r = i << 24;
  for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
  return r >>> 0;
});

// One Ogg page holding one whole packet (`flags`: 2 first page, 4 last).
function oggPage(packet, granule, seq, flags) {
  const lacing = [...Array(Math.floor(packet.length / 255)).fill(255), packet.length % 255];
  if (lacing.length > 255) throw new Error(`an Ogg page holds no packet of ${packet.length} bytes`);
  const head = Buffer.alloc(27 + lacing.length);
  head.write('OggS', 0, 'latin1');
  head[5] = flags;
  head.writeBigInt64LE(BigInt(granule), 6);
  head.writeUInt32LE(0x5743, 14); // stream serial number
  head.writeUInt32LE(seq, 18);
  head[26] = lacing.length;
  lacing.forEach((v, i) => { head[27 + i] = v; });
  const page = Buffer.concat([head, packet]);
  let crc = 0;
  for (const b of page) crc = ((crc << 8) ^ OGG_CRC[((crc >>> 24) ^ b) & 255]) >>> 0;
  page.writeUInt32LE(crc, 22);
  return page;
}

// An ADTS header for a raw AAC frame of `length` bytes, from the AudioSpecificConfig `asc`
// (object type, sampling frequency index and channel configuration in its first 13 bits).
function adtsHeader(asc, length) {
  const profile = (asc[0] >> 3) - 1;
  const freq = ((asc[0] & 7) << 1) | (asc[1] >> 7);
  const channels = (asc[1] >> 3) & 15;
  const n = length + 7;
  return Buffer.from([
    0xff, 0xf1, (profile << 6) | (freq << 2) | (channels >> 2), ((channels & 3) << 6) | (n >> 11),
    (n >> 3) & 255, ((n & 7) << 5) | 0x1f, 0xfc,
  ]);
}

// Writes the packets our encoder made (`chunks`: [{ data, duration }] in µs, `config` its
// decoderConfig) as the file the FFmpeg CLI reads for `name`: Ogg Opus (OpusHead from the
// description, an empty OpusTags, a page per packet), ADTS AAC (a header per raw frame, from
// the AudioSpecificConfig), MP3 frames end to end, or FLAC (the description's "fLaC" and
// STREAMINFO, then the frames).
function writeAudioStream(file, name, config, chunks) {
  const desc = config.description ? Buffer.from(config.description) : null;
  let parts;
  if (name === 'opus') {
    const tags = Buffer.alloc(16);
    tags.write('OpusTags', 0, 'latin1'); // vendor string and comment list both empty
    const preSkip = desc.readUInt16LE(10);
    let granule = preSkip;
    parts = [oggPage(desc, 0, 0, 2), oggPage(tags, 0, 1, 0)];
    chunks.forEach((c, i) => {
      granule += Math.round(c.duration * 48000 / 1e6);
      parts.push(oggPage(c.data, granule, i + 2, i === chunks.length - 1 ? 4 : 0));
    });
  } else if (name === 'aac') {
    parts = chunks.flatMap((c) => [adtsHeader(desc, c.data.length), c.data]);
  } else if (name === 'mp3') {
    parts = chunks.map((c) => c.data);
  } else if (name === 'flac') {
    parts = [desc, ...chunks.map((c) => c.data)];
  } else {
    throw new Error(`no audio stream format for ${name}`);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

module.exports = {
  CACHE, cacheDir, runDir, i420Size, videoSource, audioSource, imageSource, writeIvf, readIvf, isAnnexB, rawStream, streamInput,
  audioStream, writeAudioStream,
};
