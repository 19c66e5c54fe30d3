'use strict';
// Adobe CMYK and YCCK JPEGs (APP14 transform 0 and 2, inverted samples) decode to the RGB
// picture they describe.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ImageDecoder } = require('../..');
const { frameRgba } = require('./helpers');

const W = 128;
const H = 96;

// What fixtures/make-jpegs.c stores: inverted CMY = an RGB pattern, inverted K = 255 in the
// top half and 191 in the bottom half; an Adobe reader shows R = C' * K' / 255, etc.
function expectedRgb(x, y) {
  const k = 255 - (y < H / 2 ? 0 : 64);
  const rgb = [(x * 2) & 255, Math.floor((y * 255) / (H - 1)), ((Math.floor(x / 16) + Math.floor(y / 16)) & 1) ? 220 : 40];
  return rgb.map((v) => Math.floor((v * k) / 255));
}

// `interior`: only pixels 2 or more away from the pattern's edges (every 16 pixels, and the K
// step at row 48), where chroma subsampling cannot blur a sharp edge.
function psnrAgainstPattern(rgba, interior = false) {
  let se = 0;
  let n = 0;
  const near = (v) => v % 16 < 2 || v % 16 > 13;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      assert.equal(rgba[(y * W + x) * 4 + 3], 255, 'opaque');
      if (interior && (near(x) || near(y) || Math.abs(y - 48) <= 2)) continue;
      const e = expectedRgb(x, y);
      for (let c = 0; c < 3; c++) se += (rgba[(y * W + x) * 4 + c] - e[c]) ** 2;
      n += 3;
    }
  }
  return 10 * Math.log10((255 * 255) / (se / n));
}

async function decode(name) {
  const d = new ImageDecoder({ data: fs.readFileSync(path.join(__dirname, 'fixtures', name)), type: 'image/jpeg' });
  const r = await d.decode();
  return { d, ...r };
}

// [file, test name, frame format, colour matrix]
for (const [name, title, format, matrix] of [
  ['cmyk.jpg', 'Adobe CMYK JPEG (inverted) decodes to the RGB it describes', 'RGBA', 'rgb'],
  ['ycck.jpg', 'Adobe YCCK JPEG decodes to full-range BT.601 YUV of the same RGB', 'I444A', 'bt470bg'],
]) {
  test(title, async () => {
    const { d, image } = await decode(name);
    assert.equal(image.format, format);
    assert.deepEqual(image.colorSpace.toJSON(), { primaries: 'bt709', transfer: 'iec61966-2-1', matrix, fullRange: true });
    const p = psnrAgainstPattern(await frameRgba(image));
    assert.ok(p > 40, `PSNR ${p.toFixed(1)} dB`);
    image.close();
    d.close();
  });
}

for (const name of ['cmyk-420.jpg', 'ycck-420.jpg']) {
  test(`subsampled ${name} (which FFmpeg 5.1 converts wrongly) decodes to RGBX from its raw planes`, async () => {
    const { d, image } = await decode(name);
    assert.equal(image.format, 'RGBX');
    assert.deepEqual(image.colorSpace.toJSON(), { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true });
    const rgba = await frameRgba(image);
    const inner = psnrAgainstPattern(rgba, true);
    assert.ok(inner > 45, `PSNR away from edges ${inner.toFixed(1)} dB`);
    // Subsampled chroma blurs the pattern's sharp blue edges, nothing else.
    const all = psnrAgainstPattern(rgba);
    assert.ok(all > 20, `PSNR ${all.toFixed(1)} dB`);
    image.close();
    d.close();
  });
}
