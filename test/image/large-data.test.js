'use strict';
// The constructor's copy of a large `data` (several megabytes: shared between the JS thread and
// a helper thread, in chunks). The decoder must see exactly the bytes `data` held during the
// constructor, from wherever the view starts in its buffer, whatever the caller writes into
// the buffer afterwards. A lossless PNG of noise makes any misplaced chunk visible in the
// pixels, so the pixels are compared bit-exactly.
const test = require('node:test');
const assert = require('node:assert/strict');
const sharp = require('sharp');
const { ImageDecoder } = require('../..');

const W = 1200;
const H = 1100;

// RGBA noise (a fixed-seed generator), every pixel opaque-to-transparent varied.
function noise() {
  const px = new Uint8Array(W * H * 4);
  let seed = 0x2545f491;
  for (let i = 0; i < px.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    px[i] = seed >>> 24;
  }
  return px;
}

// The noise pixels and their PNG (stored, not compressed: several megabytes), made once.
let made = null;
function noisePng() {
  if (!made) {
    const px = noise();
    made = sharp(Buffer.from(px.buffer), { raw: { width: W, height: H, channels: 4 } })
      .png({ compressionLevel: 0 })
      .toBuffer()
      .then((png) => ({ px, png }));
  }
  return made;
}

async function decodeRgba(decoder) {
  const { image } = await decoder.decode();
  assert.equal(image.codedWidth, W);
  assert.equal(image.codedHeight, H);
  const out = new Uint8Array(W * H * 4);
  await image.copyTo(out, { format: 'RGBA' });
  image.close();
  return out;
}

function firstDifference(a, b) {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

test('a multi-megabyte data view at an offset is copied whole, and later writes to it do not reach the decoder', async () => {
  const { px, png } = await noisePng();
  // Large enough for the shared copy (4 MiB and up), and not a whole number of its chunks.
  assert.ok(png.length > 5 << 20 && png.length % (1 << 20) !== 0, `PNG of ${png.length} bytes`);

  // A view that starts 13 bytes into a larger buffer.
  const backing = new Uint8Array(png.length + 40);
  backing.fill(0xee);
  backing.set(png, 13);
  const view = backing.subarray(13, 13 + png.length);
  const decoder = new ImageDecoder({ data: view, type: 'image/png' });
  // The constructor has copied: overwriting the caller's buffer changes nothing.
  backing.fill(0);
  assert.equal(await decoder.completed, undefined);
  const rgba = await decodeRgba(decoder);
  decoder.close();
  const at = firstDifference(rgba, px);
  assert.equal(at, -1, `first wrong byte at ${at} (pixel ${at >> 2}, row ${Math.floor((at >> 2) / W)})`);
});

test('a multi-megabyte ArrayBuffer decodes to the same pixels, decoder after decoder', async () => {
  const { px, png } = await noisePng();
  const data = png.buffer.slice(png.byteOffset, png.byteOffset + png.length);
  for (let i = 0; i < 3; i++) {
    const decoder = new ImageDecoder({ data, type: 'image/png' });
    const rgba = await decodeRgba(decoder);
    decoder.close();
    assert.equal(firstDifference(rgba, px), -1, `decoder ${i}`);
  }
});
