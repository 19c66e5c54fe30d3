'use strict';
// Every VideoPixelFormat through the encoder: a smooth picture built in that format, converted
// by copyTo() to RGBA as the reference, encoded (VP9 and H.264) and decoded, then compared with
// the decoded frame converted to RGBA the same way (PSNR over R, G and B).
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoFrame, VideoEncoder } = require('../..');
const { encodeChunks, decodeChunks } = require('../helpers');
const { PIXEL_FORMATS } = require('../../lib/video-frame');

const W = 96;
const H = 64;

// [chroma x subsampling, chroma y subsampling, bits, alpha plane, layout kind]
function describe(format) {
  if (format === 'NV12') return { sx: 2, sy: 2, bits: 8, alpha: false, kind: 'nv12' };
  if (['RGBA', 'RGBX', 'BGRA', 'BGRX'].includes(format)) return { sx: 1, sy: 1, bits: 8, alpha: false, kind: 'rgb' };
  const m = /^I4(20|22|44)(A?)(P10|P12)?$/.exec(format);
  const [sx, sy] = { 20: [2, 2], 22: [2, 1], 44: [1, 1] }[m[1]];
  return { sx, sy, bits: m[3] ? Number(m[3].slice(1)) : 8, alpha: m[2] === 'A', kind: 'yuv' };
}

// A smooth picture: luma and chroma gradients that move with t (so the encoder has work).
function buildFrame(format, t) {
  const d = describe(format);
  const max = (1 << d.bits) - 1;
  const bps = d.bits > 8 ? 2 : 1;
  const cw = Math.ceil(W / d.sx);
  const ch = Math.ceil(H / d.sy);
  const planes = [];
  const plane = (w, h, channels, fn) => {
    const buf = new Uint8Array(w * h * channels * bps);
    const view = new DataView(buf.buffer);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < channels; c++) {
          const v = Math.round(fn(x, y, c) * max);
          const i = (y * w + x) * channels + c;
          if (bps === 2) view.setUint16(i * 2, v, true);
          else buf[i] = v;
        }
      }
    }
    planes.push(buf);
  };
  const luma = (x, y) => 0.1 + 0.8 * ((x + y + t * 3) % (W + H)) / (W + H);
  if (d.kind === 'rgb') {
    plane(W, H, 4, (x, y, c) => (c === 3 ? 1 : c === 0 ? luma(x, y) : c === 1 ? 0.2 + 0.6 * y / H : 0.2 + 0.6 * x / W));
  } else {
    plane(W, H, 1, luma);
    const u = (x) => 0.3 + 0.4 * x / cw;
    const v = (x, y) => 0.7 - 0.4 * y / ch;
    if (d.kind === 'nv12') {
      plane(cw, ch, 2, (x, y, c) => (c === 0 ? u(x) : v(x, y)));
    } else {
      plane(cw, ch, 1, u);
      plane(cw, ch, 1, v);
    }
    if (d.alpha) plane(W, H, 1, () => 1);
  }
  const data = Buffer.concat(planes);
  return new VideoFrame(data, { format, codedWidth: W, codedHeight: H, timestamp: t * 33333, duration: 33333 });
}

async function rgba(frame) {
  const buf = new Uint8Array(frame.visibleRect.width * frame.visibleRect.height * 4);
  await frame.copyTo(buf, { format: 'RGBA' });
  return buf;
}

function psnrRgb(a, b) {
  let se = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = a[i + c] - b[i + c];
      se += d * d;
      n++;
    }
  }
  return se === 0 ? 99 : 10 * Math.log10((255 * 255) / (se / n));
}

async function roundTrip(format, codec) {
  const refs = [];
  const config = { codec, width: W, height: H, bitrate: 2_000_000, latencyMode: 'realtime' };
  const { chunks, decoderConfig } = await encodeChunks(VideoEncoder, config, async (enc) => {
    for (let t = 0; t < 4; t++) {
      const f = buildFrame(format, t);
      assert.equal(f.format, format);
      refs.push(await rgba(f));
      enc.encode(f, { keyFrame: t === 0 });
      f.close();
    }
  });
  const decoded = await decodeChunks(decoderConfig, chunks);
  assert.equal(decoded.length, refs.length, 'every frame comes back');
  const scores = [];
  for (let i = 0; i < decoded.length; i++) {
    assert.equal(decoded[i].timestamp, i * 33333);
    scores.push(psnrRgb(refs[i], await rgba(decoded[i])));
    decoded[i].close();
  }
  return Math.min(...scores);
}

test('every pixel format: copyTo(RGBA) of the source matches the decoded round trip', async () => {
  const table = [];
  for (const format of PIXEL_FORMATS) {
    const vp9 = await roundTrip(format, 'vp09.00.10.08');
    const h264 = await roundTrip(format, 'avc1.42001f');
    table.push({ format, vp9: vp9.toFixed(1), h264: h264.toFixed(1) });
    assert.ok(vp9 > 30, `${format} via VP9: ${vp9.toFixed(1)} dB`);
    assert.ok(h264 > 30, `${format} via H.264: ${h264.toFixed(1)} dB`);
  }
  if (process.env.WEBCODECS_VERBOSE) console.table(table);
});

test('VideoFrame from an ImageData-like object and from a canvas-like object', async () => {
  const data = new Uint8ClampedArray(8 * 4 * 4);
  for (let i = 0; i < data.length; i += 4) data.set([i & 255, 255 - (i & 255), 7, 255], i);
  assert.throws(() => new VideoFrame({ data, width: 8, height: 4 }), TypeError, 'timestamp is required');
  const f = new VideoFrame({ data, width: 8, height: 4 }, { timestamp: 5, duration: 3 });
  assert.equal(f.format, 'RGBA');
  assert.equal(f.codedWidth, 8);
  assert.equal(f.timestamp, 5);
  assert.equal(f.colorSpace.transfer, 'iec61966-2-1', 'canvas pixels are sRGB');
  const out = new Uint8Array(f.allocationSize());
  await f.copyTo(out);
  assert.deepEqual(out, new Uint8Array(data.buffer));
  f.close();

  const canvas = {
    width: 8, height: 4,
    getContext: (kind) => (kind === '2d' ? { getImageData: (x, y, w, h) => ({ data, width: w, height: h }) } : null),
  };
  const g = new VideoFrame(canvas, { timestamp: 0, alpha: 'discard' });
  assert.equal(g.format, 'RGBX');
  assert.equal(g.displayWidth, 8);
  g.close();
  assert.throws(() => new VideoFrame({ data: new Uint8ClampedArray(4), width: 8, height: 4 }, { timestamp: 0 }), TypeError);
  assert.throws(() => new VideoFrame({ width: 8 }, { timestamp: 0 }), TypeError);
});
