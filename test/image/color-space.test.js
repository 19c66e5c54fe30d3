'use strict';
// colorSpaceConversion ("default" | "none") and the colour space tagged on decoded images.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const zlib = require('node:zlib');
const path = require('node:path');
const { ImageDecoder } = require('../..');
const { fixture, ffmpegRgba, frameRgba, psnrRgba } = require('./helpers');

const SRGB = { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true };

async function decodeRgba(data, type, colorSpaceConversion) {
  const d = new ImageDecoder({ data, type, colorSpaceConversion });
  const { image } = await d.decode();
  const out = { rgba: await frameRgba(image), colorSpace: image.colorSpace.toJSON(), format: image.format };
  image.close();
  d.close();
  return out;
}

function chunk(type, body) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const tb = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(tb));
  return Buffer.concat([len, tb, crc]);
}

// pattern.png (RGBA gradients) with a gAMA chunk of `gamma` (× 100000) after IHDR and no
// other colour chunk.
function pngWithGamma(gamma) {
  const src = fs.readFileSync(fixture('pattern.png'));
  const parts = [src.subarray(0, 8)];
  for (let p = 8; p < src.length;) {
    const len = src.readUInt32BE(p);
    const type = src.toString('latin1', p + 4, p + 8);
    if (!['sRGB', 'gAMA', 'iCCP', 'cHRM'].includes(type)) parts.push(src.subarray(p, p + 12 + len));
    if (type === 'IHDR') {
      const g = Buffer.alloc(4);
      g.writeUInt32BE(gamma);
      parts.push(chunk('gAMA', g));
    }
    p += 12 + len;
  }
  return Buffer.concat(parts);
}

function srgbEncode(linear) {
  const v = linear <= 0.0031308 ? 12.92 * linear : 1.055 * linear ** (1 / 2.4) - 0.055;
  return Math.round(v * 255);
}

test('colorSpaceConversion must be "default" or "none"', () => {
  const data = fs.readFileSync(fixture('four-colors.png'));
  for (const bad of ['srgb', 'None', '', 'display-p3']) {
    assert.throws(() => new ImageDecoder({ data, type: 'image/png', colorSpaceConversion: bad }), TypeError);
  }
  for (const ok of ['default', 'none', undefined]) {
    new ImageDecoder({ data, type: 'image/png', colorSpaceConversion: ok }).close();
  }
});

test('PNG with gAMA 1.0 (linear): "default" re-encodes to sRGB, "none" keeps the samples and tags linear', async () => {
  const png = pngWithGamma(100000);
  const raw = ffmpegRgba(fixture('pattern.png')); // the samples, whatever the tags say
  const none = await decodeRgba(png, 'image/png', 'none');
  assert.equal(psnrRgba(none.rgba, raw, true), 99);
  assert.equal(none.colorSpace.transfer, 'linear');
  const def = await decodeRgba(png, 'image/png', 'default');
  assert.deepEqual(def.colorSpace, SRGB);
  let changed = 0;
  for (let i = 0; i < raw.length; i++) {
    const want = i % 4 === 3 ? raw[i] : srgbEncode(raw[i] / 255);
    assert.ok(Math.abs(def.rgba[i] - want) <= 1, `byte ${i}: ${def.rgba[i]} vs ${want}`);
    if (def.rgba[i] !== raw[i]) changed++;
  }
  assert.ok(changed > raw.length / 8, 'the conversion changed the picture');
  // Omitting the member means "default".
  const implicit = await decodeRgba(png, 'image/png', undefined);
  assert.equal(psnrRgba(implicit.rgba, def.rgba, true), 99);
});

test('PNG tagged sRGB: "default" and "none" give the same sRGB pixels', async () => {
  const data = fs.readFileSync(fixture('four-colors.png'));
  const def = await decodeRgba(data, 'image/png', 'default');
  const none = await decodeRgba(data, 'image/png', 'none');
  assert.equal(psnrRgba(def.rgba, none.rgba, true), 99);
  assert.deepEqual(def.colorSpace, SRGB);
  assert.deepEqual(none.colorSpace, SRGB);
});

test('tagged colour spaces: JPEG full-range BT.601 YUV, PNG/GIF sRGB, WebP limited-range BT.601', async () => {
  const cases = [
    [fixture('four-colors-limited-range-420-8bpc.jpg'), 'image/jpeg', 'I420',
      { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'bt470bg', fullRange: true }],
    [path.join(__dirname, 'fixtures', 'progressive.jpg'), 'image/jpeg', 'I420',
      { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'bt470bg', fullRange: true }],
    [fixture('four-colors.gif'), 'image/gif', 'BGRA', SRGB],
    [fixture('pattern.png'), 'image/png', 'RGBA', SRGB],
    [fixture('four-colors-limited-range-420-8bpc.webp'), 'image/webp', 'I420',
      { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'bt470bg', fullRange: false }],
  ];
  for (const [file, type, format, cs] of cases) {
    for (const conv of ['default', 'none']) {
      const r = await decodeRgba(fs.readFileSync(file), type, conv);
      assert.equal(r.format, format, file);
      assert.deepEqual(r.colorSpace, cs, `${file} ${conv}`);
      // The tags are what the pixels need: converting with them matches the ffmpeg CLI.
      assert.ok(psnrRgba(r.rgba, ffmpegRgba(file, ['-frames:v', '1'])) > 30, file);
    }
  }
});
