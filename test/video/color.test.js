'use strict';
// The input frames' colorSpace is written into the bitstream and comes back on decoded frames;
// contentHint is accepted, echoed and never a reason to reject.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoFrame } = require('../..');
const { decodeChunks, i420Pattern } = require('../helpers');

const W = 160;
const H = 120;
const TAGGED = { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: true };

async function encodeTagged(codec, colorSpace, n = 3) {
  const chunks = [];
  const metas = [];
  const enc = new VideoEncoder({ output: (c, m) => { chunks.push(c); metas.push(m); }, error: assert.fail });
  enc.configure({ codec, width: W, height: H, bitrate: 300_000 });
  for (let i = 0; i < n; i++) {
    const f = new VideoFrame(i420Pattern(W, H, i), {
      format: 'I420', codedWidth: W, codedHeight: H, timestamp: i * 33333, colorSpace,
    });
    enc.encode(f);
    f.close();
  }
  await enc.flush();
  enc.close();
  return { chunks, metas };
}

for (const [codec, all] of [
  ['avc1.42001f', true],
  ['hvc1.1.6.L93.B0', true],
  ['av01.0.04M.08', true],
  ['vp09.00.10.08', false], // VP9 signals only the matrix and the range
]) {
  test(`${codec}: frame colorSpace survives encode → decode`, async () => {
    const { chunks, metas } = await encodeTagged(codec, TAGGED);
    const dc = metas[0].decoderConfig;
    assert.deepEqual(dc.colorSpace, TAGGED, 'decoderConfig.colorSpace');
    const frames = await decodeChunks({ codec: dc.codec, description: dc.description }, chunks);
    assert.equal(frames.length, chunks.length);
    const got = frames[0].colorSpace.toJSON();
    if (all) {
      assert.deepEqual(got, TAGGED);
    } else {
      assert.equal(got.matrix, TAGGED.matrix);
      assert.equal(got.fullRange, TAGGED.fullRange);
    }
    frames.forEach((f) => f.close());
  });
}

test('untagged I420 frames are signalled as BT.709 limited range', async () => {
  const { chunks, metas } = await encodeTagged('avc1.42001f', undefined, 1);
  const rec709 = { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false };
  assert.deepEqual(metas[0].decoderConfig.colorSpace, rec709);
  const [f] = await decodeChunks(metas[0].decoderConfig, chunks);
  assert.deepEqual(f.colorSpace.toJSON(), rec709);
  f.close();
});

test('contentHint is echoed and never rejected', async () => {
  for (const contentHint of ['text', 'motion', 'detail', 'something-else', '']) {
    for (const codec of ['vp8', 'vp09.00.10.08', 'av01.0.04M.08', 'avc1.42001f', 'hvc1.1.6.L93.B0']) {
      const r = await VideoEncoder.isConfigSupported({ codec, width: W, height: H, contentHint });
      assert.equal(r.supported, true, `${codec} ${contentHint}`);
      assert.equal(r.config.contentHint, contentHint);
    }
  }
  const { chunks } = await (async () => {
    const out = [];
    const enc = new VideoEncoder({ output: (c) => out.push(c), error: assert.fail });
    enc.configure({ codec: 'vp09.00.10.08', width: W, height: H, contentHint: 'text' });
    const f = new VideoFrame(i420Pattern(W, H, 0), { format: 'I420', codedWidth: W, codedHeight: H, timestamp: 0 });
    enc.encode(f);
    f.close();
    await enc.flush();
    enc.close();
    return { chunks: out };
  })();
  assert.equal(chunks.length, 1);
});

test('a partial decoder colorSpace override (null members) is accepted and applied', async () => {
  const { chunks, metas } = await encodeTagged('avc1.42001f', undefined, 1);
  const frames = await decodeChunks({ ...metas[0].decoderConfig, colorSpace: { primaries: 'bt2020' } }, chunks);
  assert.deepEqual(frames[0].colorSpace.toJSON(), { primaries: 'bt2020', transfer: 'bt709', matrix: 'bt709', fullRange: false });
  frames.forEach((f) => f.close());
});
