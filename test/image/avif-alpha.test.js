'use strict';
// AVIF with an alpha auxiliary image: the alpha item's AV1 payload is decoded and merged into
// the colour image (I420A for 4:2:0 colour).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { ImageDecoder } = require('../..');
const { frameRgba, slowStream } = require('./helpers');

const FILE = path.join(__dirname, 'fixtures', 'alpha.avif');

// The RGBA picture alpha.avif was encoded from (see fixtures/README.md).
function sourceRgba() {
  return execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=black:size=64x48',
    '-vf', "format=rgba,geq=r='X*4':g='Y*5':b='255-X*2':a='min(255,X*4+Y)'", '-frames:v', '1',
    '-f', 'rawvideo', '-pix_fmt', 'rgba', '-']);
}

// Alpha must be exact (it was coded losslessly); colour within lossy-coding error where the
// pixel is not fully transparent.
function checkAgainstSource(rgba, src) {
  let se = 0;
  let n = 0;
  for (let i = 0; i < src.length; i += 4) {
    assert.equal(rgba[i + 3], src[i + 3], `alpha at pixel ${i / 4}`);
    if (src[i + 3] === 0) continue;
    for (let c = 0; c < 3; c++) {
      const e = rgba[i + c] - src[i + c];
      se += e * e;
      n++;
    }
  }
  const psnr = 10 * Math.log10((255 * 255) / (se / n));
  assert.ok(psnr > 35, `colour PSNR ${psnr.toFixed(1)} dB`);
}

test('AVIF with an alpha auxiliary item decodes to I420A with the exact alpha plane', async () => {
  const d = new ImageDecoder({ data: fs.readFileSync(FILE), type: 'image/avif' });
  const { image, complete } = await d.decode();
  assert.equal(complete, true);
  assert.equal(image.format, 'I420A');
  assert.equal(image.codedWidth, 64);
  assert.equal(image.codedHeight, 48);
  const src = sourceRgba();
  assert.ok(src.some((v, i) => i % 4 === 3 && v > 0 && v < 255), 'the source has partial alpha');
  checkAgainstSource(await frameRgba(image), src);
  // The alpha plane itself, straight from the I420A layout.
  const planes = new Uint8Array(image.allocationSize());
  const layout = await image.copyTo(planes);
  assert.equal(layout.length, 4);
  const a = layout[3];
  for (const [x, y] of [[0, 0], [10, 5], [63, 47]]) {
    assert.equal(planes[a.offset + y * a.stride + x], Math.min(255, x * 4 + y), `alpha(${x},${y})`);
  }
  image.close();
  d.close();
});

test('AVIF alpha streamed in small chunks; truncated alpha data → EncodingError', async () => {
  const bytes = fs.readFileSync(FILE);
  const d = new ImageDecoder({ data: slowStream(bytes, 100, 1), type: 'image/avif' });
  const { image } = await d.decode();
  assert.equal(image.format, 'I420A');
  checkAgainstSource(await frameRgba(image), sourceRgba());
  image.close();
  d.close();
  const cut = new ImageDecoder({ data: bytes.subarray(0, bytes.length - 10), type: 'image/avif' });
  await assert.rejects(cut.decode(), { name: 'EncodingError' });
  cut.close();
});

test('a corrupt AV1 sequence header (colour code points FFmpeg has no enum for) does not crash', async () => {
  // Byte 833 lies in the colour item's AV1 sequence header; flipping it once crashed the
  // process in ffmpeg-next's colour-space getter (found by the corruption sweep in
  // crates/codec-ffmpeg/tests/image.rs).
  const bytes = Buffer.from(fs.readFileSync(FILE));
  bytes[833] ^= 0xa5;
  const d = new ImageDecoder({ data: bytes, type: 'image/avif' });
  const { image } = await d.decode();
  assert.equal(image.format, 'I420A');
  assert.equal(image.codedWidth, 64);
  image.close();
  d.close();
});
