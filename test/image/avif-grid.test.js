'use strict';
// AVIF `grid` derived images: the AV1 tiles are decoded and stitched, cropped to the grid's
// output size.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ImageDecoder } = require('../..');
const { frameRgba, psnrRgba, slowStream } = require('./helpers');

// 2x2 grid of 128x80 tiles (see fixtures/README.md).
const FILE = path.join(__dirname, 'fixtures', 'grid.avif');

function sourceRgba(w, h) {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=256x160', '-frames:v', '1',
    '-vf', `crop=${w}:${h}:0:0`, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-']);
}

async function decodeRgba(data) {
  const d = new ImageDecoder({ data, type: 'image/avif' });
  const { image } = await d.decode();
  const r = { format: image.format, w: image.codedWidth, h: image.codedHeight, rgba: await frameRgba(image) };
  image.close();
  d.close();
  return r;
}

test('AVIF grid: four tiles stitched into the 256x160 picture', async () => {
  const r = await decodeRgba(fs.readFileSync(FILE));
  assert.equal(r.format, 'I420');
  assert.equal(r.w, 256);
  assert.equal(r.h, 160);
  const p = psnrRgba(r.rgba, sourceRgba(256, 160));
  assert.ok(p > 38, `PSNR ${p.toFixed(1)} dB`);
});

test('AVIF grid: an output size smaller than the tiles crops them', async () => {
  const bytes = Buffer.from(fs.readFileSync(FILE));
  // The ImageGrid payload: version 0, flags 0, rows-1 = 1, columns-1 = 1, 256, 160.
  const at = bytes.indexOf(Buffer.from([0, 0, 1, 1, 0x01, 0x00, 0x00, 0xa0]));
  assert.ok(at > 0);
  bytes.writeUInt16BE(250, at + 4);
  bytes.writeUInt16BE(150, at + 6);
  const r = await decodeRgba(bytes);
  assert.equal(r.w, 250);
  assert.equal(r.h, 150);
  const p = psnrRgba(r.rgba, sourceRgba(250, 150));
  assert.ok(p > 38, `PSNR ${p.toFixed(1)} dB`);
});

test('AVIF grid streamed in small chunks; a missing tile is EncodingError once the data ends', async () => {
  const bytes = fs.readFileSync(FILE);
  const d = new ImageDecoder({ data: slowStream(bytes, 256, 1), type: 'image/avif' });
  const { image } = await d.decode();
  assert.equal(image.codedWidth, 256);
  image.close();
  d.close();
  const cut = new ImageDecoder({ data: bytes.subarray(0, bytes.length - 100), type: 'image/avif' });
  await assert.rejects(cut.decode(), { name: 'EncodingError' });
  cut.close();
});
