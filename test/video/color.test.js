'use strict';
// The input frames' colorSpace is written into the bitstream and comes back on decoded frames;
// contentHint is accepted, echoed and never a reason to reject.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoFrame } = require('../..');
const { decodeChunks, i420Pattern, rgbaPattern } = require('../helpers');

const W = 160;
const H = 120;
const TAGGED = { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: true };

async function encodeTagged(codec, colorSpace, n = 3, format = 'I420') {
  const chunks = [];
  const metas = [];
  const enc = new VideoEncoder({ output: (c, m) => { chunks.push(c); metas.push(m); }, error: assert.fail });
  enc.configure({ codec, width: W, height: H, bitrate: 300_000 });
  for (let i = 0; i < n; i++) {
    const data = format === 'RGBA' ? rgbaPattern(W, H, i) : i420Pattern(W, H, i);
    const f = new VideoFrame(data, {
      format, codedWidth: W, codedHeight: H, timestamp: i * 33333, colorSpace,
    });
    enc.encode(f);
    f.close();
  }
  await enc.flush();
  enc.close();
  return { chunks, metas };
}

// SMPTE 170M throughout is also what VP9 (matrix and range only) decodes its matrix as.
for (const codec of ['avc1.42001f', 'hvc1.1.6.L93.B0', 'av01.0.04M.08', 'vp09.00.10.08']) {
  test(`${codec}: frame colorSpace survives encode → decode`, async () => {
    const { chunks, metas } = await encodeTagged(codec, TAGGED);
    const dc = metas[0].decoderConfig;
    assert.deepEqual(dc.colorSpace, TAGGED, 'decoderConfig.colorSpace');
    const frames = await decodeChunks({ codec: dc.codec, description: dc.description }, chunks);
    assert.equal(frames.length, chunks.length);
    for (const f of frames) assert.deepEqual(f.colorSpace.toJSON(), TAGGED);
    frames.forEach((f) => f.close());
  });
}

// WPT full-cycle "w/ stripped color space": decoderConfig.colorSpace must be what the
// bitstream carries, so a decoder configured with `colorSpace: {}` reports the same, as does
// one configured with it. Canvas-like sRGB RGBA frames are converted with BT.709; VP9 carries
// only matrix and range, so its report is BT.709 throughout (not the sRGB transfer), and a
// BT.601 matrix with BT.709 primaries reads back as SMPTE 170M.
const SRGB = { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true };
const MIXED = { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'smpte170m', fullRange: false };
const REC709 = { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false };
const SRGB_709 = { ...REC709, transfer: 'iec61966-2-1' };
const VP9_MIXED = { primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: false };
for (const [codec, fromRgba, fromMixed] of [
  ['vp09.00.10.08', REC709, VP9_MIXED],
  ['vp09.02.10.10', REC709, VP9_MIXED],
  ['avc1.640028', SRGB_709, MIXED],
  ['hvc1.1.6.L93.B0', SRGB_709, MIXED],
  ['av01.0.04M.08', SRGB_709, MIXED],
]) {
  test(`${codec}: decoderConfig.colorSpace equals what a stripped-config decode reports`, async () => {
    for (const [format, colorSpace, want] of [['RGBA', SRGB, fromRgba], ['I420', MIXED, fromMixed]]) {
      const { chunks, metas } = await encodeTagged(codec, colorSpace, 2, format);
      const dc = metas[0].decoderConfig;
      assert.deepEqual(dc.colorSpace, want, `${format}: decoderConfig.colorSpace`);
      for (const config of [{ ...dc, colorSpace: {} }, dc]) {
        const frames = await decodeChunks(config, chunks);
        assert.equal(frames.length, 2);
        for (const f of frames) {
          assert.deepEqual(f.colorSpace.toJSON(), want, `${format} ${JSON.stringify(config.colorSpace)}`);
          f.close();
        }
      }
    }
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
