'use strict';
// VideoEncoderConfig.alpha "keep" (VP8 and 8-bit VP9): every chunk's metadata.alphaSideData is
// the alpha plane encoded by a second encoder of the same codec (as in Chromium), which a
// second VideoDecoder of the same codec decodes to a picture whose Y plane is the alpha.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoFrame, EncodedVideoChunk } = require('../..');
const { decodeChunks, frameY, i420Pattern, psnr } = require('../helpers');

const W = 320;
const H = 240;
const N = 20;
const KEYS = [0, 9];
const CODECS = ['vp8', 'vp09.00.10.08'];

// A moving alpha pattern: a horizontal ramp, an opaque square and a transparent band.
function alphaPattern(width, height, t) {
  const a = new Uint8Array(width * height);
  const bx = (10 + 5 * t) % width;
  const by = (20 + 3 * t) % height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 40 + Math.floor((x * 170) / width);
      if ((y + 2 * t) % height < height / 10) v = 0;
      if (x >= bx && x < bx + width / 6 && y >= by && y < by + height / 6) v = 255;
      a[y * width + x] = v;
    }
  }
  return a;
}

function i420aFrame(t) {
  const colour = i420Pattern(W, H, t);
  const buf = new Uint8Array(colour.length + W * H);
  buf.set(colour);
  buf.set(alphaPattern(W, H, t), colour.length);
  return new VideoFrame(buf, { format: 'I420A', codedWidth: W, codedHeight: H, timestamp: t * 33_333, duration: 33_333 });
}

function rgbaFrame(t) {
  const a = alphaPattern(W, H, t);
  const buf = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) {
    buf[4 * i] = (i % W) * 200 / W + t;
    buf[4 * i + 1] = Math.floor(i / W) * 200 / H;
    buf[4 * i + 2] = 128;
    buf[4 * i + 3] = a[i];
  }
  return new VideoFrame(buf, { format: 'RGBA', codedWidth: W, codedHeight: H, timestamp: t * 33_333, duration: 33_333 });
}

async function encode(config, makeFrame, n = N) {
  const chunks = [];
  const metas = [];
  let error = null;
  const enc = new VideoEncoder({ output: (c, m) => { chunks.push(c); metas.push(m); }, error: (e) => { error = e; } });
  enc.configure(config);
  for (let t = 0; t < n; t++) {
    const f = makeFrame(t);
    enc.encode(f, { keyFrame: KEYS.includes(t) });
    f.close();
  }
  await enc.flush();
  enc.close();
  if (error) throw error;
  return { chunks, metas };
}

// VP8: frame tag bit 0 is 0 on key frames. VP9 (profile 0): frame_marker(2) profile(2)
// show_existing_frame(1) frame_type(1), 0 = key.
function isKey(codec, bytes) {
  return codec === 'vp8' ? (bytes[0] & 1) === 0 : ((bytes[0] >> 2) & 1) === 0;
}

function alphaChunks(chunks, metas) {
  return chunks.map((c, i) => new EncodedVideoChunk({ type: c.type, timestamp: c.timestamp, data: metas[i].alphaSideData }));
}

for (const codec of CODECS) {
  for (const [name, makeFrame] of [['I420A', i420aFrame], ['RGBA', rgbaFrame]]) {
    test(`${codec} alpha keep, ${name} input: alphaSideData on every chunk decodes to the alpha`, async () => {
      const config = { codec, width: W, height: H, bitrate: 1_000_000, framerate: 30, alpha: 'keep' };
      const { chunks, metas } = await encode(config, makeFrame);
      assert.equal(chunks.length, N);
      assert.deepEqual(chunks.flatMap((c, i) => (c.type === 'key' ? [i] : [])), KEYS);
      for (let i = 0; i < N; i++) {
        const a = metas[i].alphaSideData;
        assert.ok(a instanceof ArrayBuffer, `chunk ${i}: alphaSideData is an ArrayBuffer`);
        assert.ok(a.byteLength > 0);
        assert.equal(isKey(codec, new Uint8Array(a)), chunks[i].type === 'key', `chunk ${i}: alpha key flag`);
      }
      const dc = metas[0].decoderConfig;
      assert.equal(dc.codec, codec);
      const colour = await decodeChunks(dc, chunks);
      const alpha = await decodeChunks({ codec: dc.codec }, alphaChunks(chunks, metas));
      assert.equal(colour.length, N);
      assert.equal(alpha.length, N);
      let worst = Infinity;
      for (let t = 0; t < N; t++) {
        assert.equal(alpha[t].timestamp, chunks[t].timestamp);
        assert.equal(alpha[t].codedWidth, W);
        worst = Math.min(worst, psnr(await frameY(alpha[t]), alphaPattern(W, H, t)));
        if (name === 'I420A') {
          const p = psnr(await frameY(colour[t]), i420Pattern(W, H, t));
          assert.ok(p > 30, `colour frame ${t}: PSNR ${p.toFixed(2)} dB`);
        }
        colour[t].close();
        alpha[t].close();
      }
      assert.ok(worst > 35, `alpha min PSNR ${worst.toFixed(2)} dB`);
    });
  }

  test(`${codec}: no alphaSideData with alpha discard (the default), even for I420A input`, async () => {
    for (const alpha of [undefined, 'discard']) {
      const config = { codec, width: W, height: H, bitrate: 1_000_000 };
      if (alpha) config.alpha = alpha;
      const { chunks, metas } = await encode(config, i420aFrame, 4);
      assert.equal(chunks.length, 4);
      assert.ok(metas.every((m) => !('alphaSideData' in m)));
    }
  });

  test(`${codec} alpha keep with opaque input: the alpha decodes to 255`, async () => {
    const config = { codec, width: W, height: H, bitrate: 1_000_000, alpha: 'keep' };
    const { chunks, metas } = await encode(config, (t) => new VideoFrame(i420Pattern(W, H, t),
      { format: 'I420', codedWidth: W, codedHeight: H, timestamp: t * 33_333 }), 4);
    assert.ok(metas.every((m) => m.alphaSideData instanceof ArrayBuffer));
    const alpha = await decodeChunks({ codec }, alphaChunks(chunks, metas));
    assert.equal(alpha.length, 4);
    for (const f of alpha) {
      const y = await frameY(f);
      assert.ok(y.every((v) => v >= 250), 'opaque');
      f.close();
    }
  });
}

test('isConfigSupported with alpha keep: VP8 and 8-bit VP9 only', async () => {
  const table = [
    ['vp8', true],
    ['vp09.00.10.08', true],
    ['vp09.00.41.08.01.01.01.01.00', true],
    ['vp09.02.10.10', false],
    ['avc1.42001E', false],
    ['hvc1.1.6.L93.B0', false],
    ['av01.0.04M.08', false],
  ];
  for (const [codec, keep] of table) {
    const base = { codec, width: 640, height: 480, bitrate: 1_000_000 };
    const r = await VideoEncoder.isConfigSupported({ ...base, alpha: 'keep' });
    assert.equal(r.supported, keep, `${codec} keep`);
    assert.equal(r.config.alpha, 'keep');
    const d = await VideoEncoder.isConfigSupported({ ...base, alpha: 'discard' });
    assert.equal(d.supported, true, `${codec} discard`);
  }
  // L1T2/L1T3 combine with alpha (the alpha encoder follows the same layer pattern).
  for (const codec of ['vp8', 'vp09.00.10.08']) {
    const r = await VideoEncoder.isConfigSupported({ codec, width: 640, height: 480, alpha: 'keep', scalabilityMode: 'L1T3' });
    assert.equal(r.supported, true, codec);
  }
});

test('configure with unsupported alpha keep: NotSupportedError', async () => {
  const errors = [];
  const enc = new VideoEncoder({ output: assert.fail, error: (e) => errors.push(e) });
  enc.configure({ codec: 'avc1.42001E', width: W, height: H, alpha: 'keep' });
  await assert.rejects(enc.flush(), (e) => e.name === 'NotSupportedError');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].name, 'NotSupportedError');
  assert.equal(enc.state, 'closed');
});
