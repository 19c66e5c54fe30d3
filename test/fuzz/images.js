'use strict';
// Small valid images of every ImageDecoder type (fixtures and images generated with the ffmpeg
// CLI), with their track layout, and a ReadableStream that delivers bytes in given chunk sizes.
// Seeds for the ImageDecoder fuzzers (image-harness.js, api-harness.js, test-stress/).
const fs = require('node:fs');
const { fixture, generated } = require('../image/helpers');

// MIME type → { name: file }, in seed order; the frame counts are read back by the decoder
// itself in images().
const SEEDS = {
  'image/jpeg': { jpeg: () => fixture('four-colors.jpg') },
  'image/png': { png: () => fixture('four-colors.png'), apng: () => generated('anim.apng') },
  'image/gif': { gif: () => fixture('four-colors-flip.gif'), 'gif-5': () => generated('anim.gif') },
  'image/webp': { webp: () => fixture('four-colors.webp'), 'webp-anim': () => generated('anim.webp') },
  'image/avif': { avif: () => fixture('four-colors.avif'), 'avif-anim': () => fixture('four-colors-flip.avif') },
  'image/bmp': { bmp: () => generated('still.bmp') },
  'image/x-icon': { ico: () => generated('still.ico'), 'ico-png': () => generated('still-png.ico') },
};

let cache = null;

// [{ name, type, bytes, frameCounts: [per track] }], loaded (and checked to decode) once.
async function images() {
  if (cache) return cache;
  const { ImageDecoder } = require('../..');
  const out = [];
  for (const [type, files] of Object.entries(SEEDS)) {
    for (const [name, file] of Object.entries(files)) {
      const bytes = new Uint8Array(fs.readFileSync(file()));
      const d = new ImageDecoder({ data: bytes, type });
      await d.tracks.ready;
      const frameCounts = Array.from({ length: d.tracks.length }, (_, i) => d.tracks[i].frameCount);
      const { image } = await d.decode({ frameIndex: frameCounts[d.tracks.selectedIndex] - 1 });
      image.close();
      d.close();
      out.push({ name, type, bytes, frameCounts });
    }
  }
  cache = out;
  return out;
}

// A ReadableStream of `bytes` in pieces of sizes[i % sizes.length] (≥ 1) bytes; every
// `yieldEvery`-th piece waits for a macrotask first, so decoding interleaves with arrival.
function chunkedStream(bytes, sizes, yieldEvery = 3) {
  let off = 0;
  let n = 0;
  return new ReadableStream({
    async pull(controller) {
      if (yieldEvery > 0 && n % yieldEvery === yieldEvery - 1) await new Promise((r) => setImmediate(r));
      if (off >= bytes.length) {
        controller.close();
        return;
      }
      const size = Math.max(1, sizes.length ? sizes[n % sizes.length] : bytes.length);
      controller.enqueue(bytes.slice(off, off + size));
      off += size;
      n++;
    },
  });
}

module.exports = { images, chunkedStream };
