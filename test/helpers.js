'use strict';
// Shared test helpers: synthetic frames, PSNR, encode/decode drivers.
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { VideoEncoder, VideoDecoder, VideoFrame, EncodedVideoChunk } = require('..');

// A moving I420 test pattern: gradients plus a box that moves with `t`.
function i420Pattern(width, height, t) {
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const buf = new Uint8Array(width * height + 2 * cw * ch);
  const bx = (t * 7) % Math.max(1, width - 32);
  const by = (t * 3) % Math.max(1, height - 32);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const inBox = x >= bx && x < bx + 32 && y >= by && y < by + 32;
      buf[row + x] = inBox ? 235 : 16 + ((x + y + t * 2) % 200);
    }
  }
  const u = width * height;
  const v = u + cw * ch;
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      buf[u + y * cw + x] = 64 + ((x * 2 + t) % 128);
      buf[v + y * cw + x] = 192 - ((y * 2 + t) % 128);
    }
  }
  return buf;
}

function rgbaPattern(width, height, t) {
  const buf = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      buf[i] = (x * 255 / width + t) & 255;
      buf[i + 1] = (y * 255 / height) & 255;
      buf[i + 2] = ((x + y) * 2) & 255;
      buf[i + 3] = 255;
    }
  }
  return buf;
}

function makeFrame(width, height, t, opts = {}) {
  const fps = opts.fps ?? 30;
  return new VideoFrame(i420Pattern(width, height, t), {
    format: 'I420', codedWidth: width, codedHeight: height,
    timestamp: opts.timestamp ?? Math.round((t * 1e6) / fps),
    duration: opts.duration ?? Math.round(1e6 / fps),
  });
}

function psnr(a, b, n = Math.min(a.length, b.length)) {
  let se = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    se += d * d;
  }
  if (se === 0) return 99;
  return 10 * Math.log10((255 * 255) / (se / n));
}

// Configures a new codec of class `Codec` (any of the four) with `config`, lets `submit(codec)`
// (which may be async) queue the work, then flushes and closes it; `output` gets every output.
// Throws the error the codec reported, if any.
async function runCodec(Codec, config, output, submit) {
  let error = null;
  const codec = new Codec({ output, error: (e) => { error = e; } });
  codec.configure(config);
  await submit(codec);
  await codec.flush();
  codec.close();
  if (error) throw error;
}

// Encodes with a new `Encoder` (video or audio) configured with `config`, `submit(enc)` queueing
// the inputs; returns the chunks, their metadata and the first decoderConfig (null if none).
async function encodeChunks(Encoder, config, submit) {
  const chunks = [];
  const metas = [];
  await runCodec(Encoder, config, (c, m) => { chunks.push(c); metas.push(m); }, submit);
  const first = metas.find((m) => m && m.decoderConfig);
  return { chunks, metas, decoderConfig: first ? first.decoderConfig : null };
}

// Encodes `count` frames of the test pattern; returns { chunks, metas, decoderConfig }.
function encodeFrames(config, count, opts = {}) {
  return encodeChunks(VideoEncoder, config, (enc) => {
    for (let i = 0; i < count; i++) {
      const f = makeFrame(config.width, config.height, i);
      enc.encode(f, { keyFrame: opts.keyFrameAt ? opts.keyFrameAt(i) : false });
      f.close();
    }
  });
}

// Decodes `chunks` with a new `Decoder` (a VideoDecoder unless given); returns the outputs.
async function decodeChunks(config, chunks, Decoder = VideoDecoder) {
  const outputs = [];
  await runCodec(Decoder, config, (o) => outputs.push(o), (dec) => {
    for (const c of chunks) dec.decode(c);
  });
  return outputs;
}

async function frameY(frame) {
  const buf = new Uint8Array(frame.allocationSize());
  await frame.copyTo(buf);
  return buf.subarray(0, frame.codedWidth * frame.codedHeight);
}

// Checks decoded `frames` against the `chunks` they came from (one frame a chunk, with its
// timestamp and duration; `check(frame)` for more) and against frame i of the test pattern
// (width × height): the worst luma PSNR must pass 30 dB. Closes the frames.
async function assertDecodedPattern(frames, chunks, width, height, check = () => {}) {
  assert.equal(frames.length, chunks.length);
  let worst = Infinity;
  for (let i = 0; i < frames.length; i++) {
    assert.equal(frames[i].timestamp, chunks[i].timestamp);
    assert.equal(frames[i].duration, chunks[i].duration);
    check(frames[i]);
    worst = Math.min(worst, psnr(await frameY(frames[i]), i420Pattern(width, height, i)));
    frames[i].close();
  }
  assert.ok(worst > 30, `worst PSNR ${worst.toFixed(2)} dB`);
}

// The NAL units of an Annex B stream, each with its start code (3 or 4 bytes).
function annexbNals(buf) {
  const starts = [];
  for (let i = 0; i + 3 < buf.length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 1) {
      starts.push(i > 0 && buf[i - 1] === 0 ? i - 1 : i);
      i += 2;
    }
  }
  return starts.map((s, k) => buf.subarray(s, k + 1 < starts.length ? starts[k + 1] : buf.length));
}

// `obj` has the attribute values `expected` lists (one assertion for them all).
function assertAttributes(obj, expected) {
  assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, obj[k]])), expected);
}

// Runs `script` in a child Node process (with the Node options `args`); checks that it exits
// with status 0 and returns its stdout, trimmed.
function runScript(script, args = []) {
  const r = spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

function chunkBytes(c) {
  const b = new Uint8Array(c.byteLength);
  c.copyTo(b);
  return b;
}

function recordErrors() {
  const errors = [];
  return { errors, error: (e) => errors.push(e) };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

module.exports = {
  i420Pattern, rgbaPattern, makeFrame, psnr, assertAttributes, runCodec, encodeChunks, encodeFrames, decodeChunks, frameY, assertDecodedPattern, annexbNals, chunkBytes,
  runScript, recordErrors, tick, EncodedVideoChunk,
};
