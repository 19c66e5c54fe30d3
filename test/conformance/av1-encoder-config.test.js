'use strict';
// VideoEncoderConfig.av1 (AV1 codec registration): forceScreenContentTools is converted,
// echoed by isConfigSupported, and switches libaom to its screen-content tools.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoFrame } = require('../..');
const { runCodec } = require('../helpers');

test('isConfigSupported echoes av1.forceScreenContentTools (default false)', async () => {
  const base = { codec: 'av01.0.04M.08', width: 640, height: 360, bitrate: 1e6, framerate: 5 };
  const on = await VideoEncoder.isConfigSupported({ ...base, av1: { forceScreenContentTools: true, bogus: 1 } });
  assert.equal(on.supported, true);
  assert.deepEqual(on.config.av1, { forceScreenContentTools: true });
  const dflt = await VideoEncoder.isConfigSupported({ ...base, av1: {} });
  assert.deepEqual(dflt.config.av1, { forceScreenContentTools: false });
  const none = await VideoEncoder.isConfigSupported(base);
  assert.equal(Object.hasOwn(none.config, 'av1'), false);
  await assert.rejects(VideoEncoder.isConfigSupported({ ...base, av1: 5 }), TypeError);
});

test('av1.forceScreenContentTools changes the encoding of screen-like content', async () => {
  const w = 160, h = 96;
  const pixels = new Uint8Array(w * h * 4);
  for (let i = 0; i < pixels.length; i += 4) { // hard-edged blocks, like text or UI
    pixels[i] = (i >> 5) & 1 ? 255 : 0;
    pixels[i + 1] = (i >> 8) & 1 ? 255 : 0;
    pixels[i + 3] = 255;
  }
  async function encode(force) {
    const sizes = [];
    const config = { codec: 'av01.0.04M.08', width: w, height: h, bitrate: 200000, av1: { forceScreenContentTools: force } };
    await runCodec(VideoEncoder, config, (c) => sizes.push(c.byteLength), (enc) => {
      for (let i = 0; i < 2; i++) {
        const f = new VideoFrame(pixels, { format: 'RGBA', codedWidth: w, codedHeight: h, timestamp: i * 33333 });
        enc.encode(f, { keyFrame: i === 0 });
        f.close();
      }
    });
    return sizes;
  }
  const off = await encode(false);
  const on = await encode(true);
  assert.equal(off.length, 2);
  assert.equal(on.length, 2);
  assert.notDeepEqual(on, off);
});
