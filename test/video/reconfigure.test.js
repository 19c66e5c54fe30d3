'use strict';
// Reconfiguring mid-stream: a new size and bitrate flush the previous configuration's chunks
// first, the next chunk is a key chunk carrying the new decoderConfig, and a decoder that follows
// the decoderConfigs decodes both parts at their own sizes.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoDecoder } = require('../..');
const { makeFrame, frameY, i420Pattern, psnr } = require('../helpers');

for (const codec of ['avc1.42001f', 'vp8', 'vp09.00.10.08', 'av01.0.04M.08']) {
  test(`${codec}: reconfigure to a new size and bitrate mid-stream`, async () => {
    const out = [];
    const enc = new VideoEncoder({ output: (c, m) => out.push([c, m]), error: assert.fail });
    const sizes = [[320, 240, 500_000], [480, 272, 1_500_000]];
    for (const [i, [w, h, bitrate]] of sizes.entries()) {
      enc.configure({ codec, width: w, height: h, bitrate, latencyMode: 'realtime' });
      for (let t = 0; t < 8; t++) {
        const f = makeFrame(w, h, t, { timestamp: (i * 8 + t) * 33333 });
        enc.encode(f);
        f.close();
      }
    }
    await enc.flush();
    enc.close();
    assert.equal(out.length, 16);
    assert.deepEqual(out.map(([c]) => c.timestamp), [...Array(16).keys()].map((k) => k * 33333), 'order kept across configure()');
    for (const k of [0, 8]) {
      assert.equal(out[k][0].type, 'key', `chunk ${k} is a key chunk`);
      const dc = out[k][1].decoderConfig;
      assert.ok(dc, `chunk ${k} carries a decoderConfig`);
      assert.deepEqual([dc.codedWidth, dc.codedHeight], sizes[k / 8].slice(0, 2));
    }
    assert.ok(out.filter(([, m]) => m.decoderConfig).length === 2, 'decoderConfig only when it changes');

    const frames = [];
    const dec = new VideoDecoder({ output: (f) => frames.push(f), error: assert.fail });
    for (const [c, m] of out) {
      if (m.decoderConfig) dec.configure(m.decoderConfig);
      dec.decode(c);
    }
    await dec.flush();
    dec.close();
    assert.equal(frames.length, 16);
    for (const [k, f] of frames.entries()) {
      const [w, h] = sizes[Math.floor(k / 8)];
      assert.deepEqual([f.codedWidth, f.codedHeight], [w, h]);
      const score = psnr(await frameY(f), i420Pattern(w, h, k % 8));
      assert.ok(score > 28, `frame ${k}: ${score.toFixed(1)} dB`);
      f.close();
    }
  });
}
