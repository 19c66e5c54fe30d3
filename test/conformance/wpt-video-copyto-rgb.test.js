'use strict';
// Mirrors the cases of WPT webcodecs/videoFrame-copyTo-rgb.any.js in our own words. WPT reads
// the same frame back through a canvas (drawImage + getImageData) and wants copyTo() to agree
// within 1; Node has no canvas, so the oracle here is the defining float math: the frame's
// YCbCr matrix and range, then for a Display P3 target the sRGB → P3 primaries change.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoFrame } = require('../..');

const SMPTE170M = { matrix: 'smpte170m', primaries: 'smpte170m', transfer: 'smpte170m', fullRange: false };
const BT709 = { matrix: 'bt709', primaries: 'bt709', transfer: 'bt709', fullRange: false };
const FRAME_SPACES = [['null', null], ['smpte170m', SMPTE170M], ['bt709', BT709]];
const TARGETS = ['RGBA', 'RGBX', 'BGRA', 'BGRX'];
const CANVAS_SPACES = ['srgb', 'display-p3'];

// 8-bit colours the I420 frames are made of (WPT's set: yellow, red, blue, green, magenta,
// black, white, pink), turned into YCbCr with full-swing BT.601 weights as WPT does; stored in
// a Uint8Array, so red's rounded Cr of 256 wraps to 0 there too.
const COLOURS = [[255, 255, 0], [255, 0, 0], [0, 0, 255], [0, 255, 0], [255, 0, 255], [0, 0, 0],
  [255, 255, 255], [255, 120, 255]];
const toYuv = ([r, g, b]) => [
  Math.round(0.299 * r + 0.587 * g + 0.114 * b),
  Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128),
  Math.round(0.5 * r - 0.418688 * g - 0.081312 * b + 128),
].map((v) => v & 0xFF);

// Limited-range YCbCr → 8-bit sRGB with the given matrix (BT.601 or BT.709 weights).
function yuvToRgb([y, u, v], bt601) {
  const [kr, kb] = bt601 ? [0.299, 0.114] : [0.2126, 0.0722];
  const yn = (y - 16) / 219, pb = (u - 128) / 224, pr = (v - 128) / 224;
  const r = yn + 2 * (1 - kr) * pr;
  const b = yn + 2 * (1 - kb) * pb;
  const g = (yn - kr * r - kb * b) / (1 - kr - kb);
  return [r, g, b].map((c) => Math.min(255, Math.max(0, Math.round(c * 255))));
}

// 8-bit sRGB → 8-bit Display P3 (same transfer curve, different primaries).
function srgbToP3(rgb) {
  const lin = rgb.map((c) => { const v = c / 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  const m = [[0.8224621, 0.177538, 0], [0.0331942, 0.9668058, 0], [0.0170827, 0.0723974, 0.9105199]];
  return m.map((row) => {
    const l = Math.min(1, Math.max(0, row[0] * lin[0] + row[1] * lin[1] + row[2] * lin[2]));
    const v = l <= 0.0031308 ? l * 12.92 : 1.055 * l ** (1 / 2.4) - 0.055;
    return Math.round(v * 255);
  });
}

// copyTo() of the whole frame into `target` / `canvas`, checked pixel by pixel against
// `expect(x, y)` → [r, g, b] (alpha must be 255: WPT compares against an opaque canvas).
async function checkCopy(frame, target, canvas, expect, label) {
  const { width, height } = frame.visibleRect;
  const buf = new Uint8Array(width * height * 4);
  const layout = await frame.copyTo(buf, { rect: { x: 0, y: 0, width, height }, format: target, colorSpace: canvas });
  assert.equal(layout.length, 1, 'one packed RGB plane');
  const bgr = target.startsWith('BGR');
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const px = bgr ? [buf[i + 2], buf[i + 1], buf[i]] : [buf[i], buf[i + 1], buf[i + 2]];
      const want = canvas === 'display-p3' ? srgbToP3(expect(x, y)) : expect(x, y);
      for (let c = 0; c < 3; c++) {
        assert.ok(Math.abs(px[c] - want[c]) <= 2, `${label} (${x},${y}) channel ${c}: ${px} vs ${want}`);
      }
      assert.equal(buf[i + 3], 255, `${label} (${x},${y}) alpha/padding`);
    }
  }
}

for (const canvas of CANVAS_SPACES) {
  for (const target of TARGETS) {
    for (const [name, space] of FRAME_SPACES) {
      test(`WPT videoFrame-copyTo-rgb: Convert 4x4 ${name} I420 frames to ${target} / ${canvas}`, async () => {
        // WPT's first frame is all zeros (out-of-range YCbCr), then one frame per colour.
        for (const yuv of [[0, 0, 0], ...COLOURS.map(toYuv)]) {
          const data = new Uint8Array(24);
          data.fill(yuv[0], 0, 16).fill(yuv[1], 16, 20).fill(yuv[2], 20, 24);
          const init = { format: 'I420', timestamp: 0, codedWidth: 4, codedHeight: 4 };
          if (space) init.colorSpace = space;
          const frame = new VideoFrame(data, init);
          // An untagged I420 frame is BT.709 (our default for YUV input, as in Chromium).
          const rgb = yuvToRgb(yuv, space === SMPTE170M);
          await checkCopy(frame, target, canvas, () => rgb, `yuv ${yuv}`);
          frame.close();
        }
      });
      test(`WPT videoFrame-copyTo-rgb: Convert 4x4 ${name} RGBX frames to ${target} / ${canvas}`, async () => {
        for (const colour of [0xFFFF00, 0xFF0000, 0x0000FF, 0x00FF00, 0x000000, 0xFFFFFF]) {
          const init = { format: 'RGBX', timestamp: 0, codedWidth: 4, codedHeight: 4 };
          if (space) init.colorSpace = space;
          // A Uint32Array fill, as WPT does: on little-endian hosts the bytes are B,G,R,0.
          const data = new Uint32Array(16).fill(colour);
          const bytes = new Uint8Array(data.buffer, 0, 4);
          const rgb = [bytes[0], bytes[1], bytes[2]];
          const frame = new VideoFrame(data, init);
          await checkCopy(frame, target, canvas, () => rgb, `rgbx ${colour.toString(16)}`);
          frame.close();
        }
      });
    }
  }
}

// WPT draws a four-colour canvas (yellow, red, blue, green quadrants); here the frame is
// built from RGBA bytes of the same four quadrants.
const QUADRANTS = [[255, 255, 0], [255, 0, 0], [0, 0, 255], [0, 255, 0]];
const quadrant = (x, y, w, h) => QUADRANTS[(y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)];
for (const canvas of CANVAS_SPACES) {
  for (const target of TARGETS) {
    test(`WPT videoFrame-copyTo-rgb: Convert 4-color canvas frame to ${target} / ${canvas}`, async () => {
      const [w, h] = [32, 16];
      const data = new Uint8Array(w * h * 4);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) data.set([...quadrant(x, y, w, h), 255], (y * w + x) * 4);
      }
      const frame = new VideoFrame(data, { format: 'RGBA', timestamp: 0, codedWidth: w, codedHeight: h });
      await checkCopy(frame, target, canvas, (x, y) => quadrant(x, y, w, h), 'quadrants');
      frame.close();
    });
  }
}

test('WPT videoFrame-copyTo-rgb: copyTo() with layout', async () => {
  const frame = new VideoFrame(new Uint32Array(16).fill(0xFFFFFFFF),
    { format: 'RGBA', timestamp: 0, codedWidth: 4, codedHeight: 4 });
  const [offset, stride] = [5, 40];
  const dest = new Uint8Array(offset + stride * 4);
  await frame.copyTo(dest, { format: 'RGBA', layout: [{ offset, stride }] });
  assert.ok(dest.subarray(0, offset).every((b) => b === 0), 'bytes before the offset untouched');
  for (let row = 0; row < 4; row++) {
    const start = offset + row * stride;
    assert.ok(dest.subarray(start, start + 16).every((b) => b === 0xFF), `row ${row} pixels`);
    assert.ok(dest.subarray(start + 16, start + stride).every((b) => b === 0), `row ${row} margin`);
  }
  frame.close();
});

for (const format of ['I420', 'I420P10', 'I420P12', 'I420A', 'I422', 'I422A', 'I444', 'I444A', 'NV12']) {
  test(`WPT videoFrame-copyTo-rgb: Unsupported format ${format}`, async () => {
    const data = new Uint32Array(16);
    const frame = new VideoFrame(data, { format: 'RGBX', timestamp: 0, codedWidth: 4, codedHeight: 4 });
    assert.throws(() => frame.allocationSize({ format }), { name: 'NotSupportedError' });
    await assert.rejects(frame.copyTo(data, { format }), { name: 'NotSupportedError' });
    frame.close();
  });
}

test('WPT videoFrame-copyTo-rgb: (ours) a large display-p3 copy (converted off the JS thread) matches the inline path', async () => {
  const [w, h] = [1920, 1080];
  const data = Uint8Array.from({ length: w * h * 3 / 2 }, (_, i) => (i * 7) & 0xFF);
  const frame = new VideoFrame(data, { format: 'I420', codedWidth: w, codedHeight: h, timestamp: 0 });
  const whole = new Uint8Array(w * h * 4);
  await frame.copyTo(whole, { format: 'RGBA', colorSpace: 'display-p3' });
  const rect = { x: 0, y: 0, width: 64, height: 2 };
  const [p3, srgb] = [new Uint8Array(64 * 2 * 4), new Uint8Array(64 * 2 * 4)];
  await frame.copyTo(p3, { format: 'RGBA', colorSpace: 'display-p3', rect });
  await frame.copyTo(srgb, { format: 'RGBA', rect });
  for (let row = 0; row < 2; row++) {
    assert.deepEqual(whole.subarray(row * w * 4, row * w * 4 + 256), p3.subarray(row * 256, row * 256 + 256), `row ${row}`);
  }
  assert.notDeepEqual(p3, srgb, 'display-p3 is not the sRGB bytes');
  frame.close();
});
