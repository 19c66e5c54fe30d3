'use strict';
// scalabilityMode L1T2/L1T3: metadata.svc.temporalLayerId on every chunk, and the layering is
// real: the base layer alone (and every lower-layer subset) decodes to the right pictures.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder } = require('../..');
const { encodeFrames, decodeChunks, frameY, i420Pattern, psnr } = require('../helpers');

const W = 320;
const H = 240;
const N = 24;
const KEYS = [0, 9];

// The layer pattern restarts at every key frame.
function expectedIds(pattern) {
  let idx = 0;
  return Array.from({ length: N }, (_, i) => {
    if (KEYS.includes(i)) idx = 0;
    const id = pattern[idx];
    idx = (idx + 1) % pattern.length;
    return id;
  });
}

for (const codec of ['vp8', 'vp09.00.10.08']) {
  for (const [mode, pattern] of [['L1T2', [0, 1]], ['L1T3', [0, 2, 1, 2]]]) {
    test(`${codec} ${mode}: temporalLayerId pattern and layer subsets decode`, async () => {
      const config = { codec, width: W, height: H, bitrate: 600_000, framerate: 30, scalabilityMode: mode };
      const { chunks, metas } = await encodeFrames(config, N, { keyFrameAt: (i) => KEYS.includes(i) });
      assert.equal(chunks.length, N);
      const ids = metas.map((m) => m.svc?.temporalLayerId);
      assert.deepEqual(ids, expectedIds(pattern));
      assert.deepEqual(chunks.flatMap((c, i) => (c.type === 'key' ? [i] : [])), KEYS);
      const dc = metas[0].decoderConfig;
      for (let top = 0; top <= Math.max(...pattern); top++) {
        const subset = chunks.filter((_, i) => ids[i] <= top);
        const frames = await decodeChunks(dc, subset);
        assert.equal(frames.length, subset.length, `layers <= ${top}`);
        let worst = Infinity;
        for (let k = 0; k < frames.length; k++) {
          assert.equal(frames[k].timestamp, subset[k].timestamp);
          const i = Math.round(subset[k].timestamp * 30 / 1e6);
          worst = Math.min(worst, psnr(await frameY(frames[k]), i420Pattern(W, H, i)));
          frames[k].close();
        }
        assert.ok(worst > 30, `layers <= ${top}: worst PSNR ${worst.toFixed(2)} dB`);
      }
    });
  }
}

test('no svc metadata without a multi-layer scalabilityMode', async () => {
  for (const scalabilityMode of [undefined, 'L1T1']) {
    const config = { codec: 'vp8', width: W, height: H, bitrate: 600_000 };
    if (scalabilityMode) config.scalabilityMode = scalabilityMode;
    const { metas } = await encodeFrames(config, 3);
    assert.ok(metas.every((m) => !('svc' in m)));
  }
});

test('scalabilityMode support', async () => {
  const supported = async (codec, scalabilityMode) =>
    (await VideoEncoder.isConfigSupported({ codec, width: W, height: H, scalabilityMode })).supported;
  for (const codec of ['vp8', 'vp09.00.10.08']) {
    for (const m of ['L1T1', 'L1T2', 'L1T3']) assert.equal(await supported(codec, m), true, `${codec} ${m}`);
    for (const m of ['L1T4', 'L2T1', 'S2T2', 'L1T2h', '']) assert.equal(await supported(codec, m), false, `${codec} ${m}`);
  }
  for (const codec of ['avc1.42001f', 'hvc1.1.6.L93.B0', 'av01.0.04M.08']) {
    assert.equal(await supported(codec, 'L1T1'), true, codec);
    assert.equal(await supported(codec, 'L1T2'), false, codec);
    assert.equal(await supported(codec, 'L1T3'), false, codec);
  }
  const r = await VideoEncoder.isConfigSupported({ codec: 'vp8', width: W, height: H, scalabilityMode: 'L1T3' });
  assert.equal(r.config.scalabilityMode, 'L1T3');
  // configure() with an unsupported mode closes the encoder with NotSupportedError.
  const errors = [];
  const enc = new VideoEncoder({ output: () => {}, error: (e) => errors.push(e) });
  enc.configure({ codec: 'avc1.42001f', width: W, height: H, scalabilityMode: 'L1T2' });
  await assert.rejects(enc.flush(), { name: 'NotSupportedError' });
  assert.equal(errors[0]?.name, 'NotSupportedError');
  assert.equal(enc.state, 'closed');
});
