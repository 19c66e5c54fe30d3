'use strict';
// Mirrors the cases of WPT webcodecs/vp9-hdr.html and webcodecs/av1-hdr.html in our own words.
// WPT decodes a stored 10-bit BT.2020/PQ key frame; here the key frame comes from our own
// encoder, fed an I420P10 frame tagged BT.2020 / PQ / BT.2020 NCL / limited range. The
// av1-hdr cases run for "prefer-software" only: this build has no hardware decoder (a
// "prefer-hardware" configure gives NotSupportedError, which the spec allows).
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoDecoder, VideoFrame } = require('../..');

const HDR = { primaries: 'bt2020', transfer: 'pq', matrix: 'bt2020-ncl', fullRange: false };
const VP9_HDR = 'vp09.02.10.10.01.09.16.09.00';
const AV1_HDR = 'av01.0.04M.10';

async function hdrKeyFrame(codec) {
  const chunks = [];
  const enc = new VideoEncoder({ output: (c) => chunks.push(c), error: (e) => assert.fail(e) });
  enc.configure({ codec, width: 320, height: 240, bitrate: 500000 });
  const samples = new Uint16Array(320 * 240 * 3 / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = 64 + (i % 877);
  const frame = new VideoFrame(samples,
    { format: 'I420P10', codedWidth: 320, codedHeight: 240, timestamp: 0, colorSpace: HDR });
  enc.encode(frame, { keyFrame: true });
  frame.close();
  await enc.flush();
  enc.close();
  assert.equal(chunks[0].type, 'key');
  return chunks[0];
}

// Decodes `chunk` with a config that has no description, only `colorSpace` (if given).
async function decodeOne(codec, chunk, colorSpace) {
  const frames = [];
  const dec = new VideoDecoder({ output: (f) => frames.push(f), error: (e) => assert.fail(e) });
  const config = { codec, codedWidth: 320, codedHeight: 240, hardwareAcceleration: 'prefer-software' };
  if (colorSpace) config.colorSpace = colorSpace;
  dec.configure(config);
  dec.decode(chunk);
  await dec.flush();
  dec.close();
  assert.equal(frames.length, 1, 'one frame decoded');
  assert.equal(frames[0].format, 'I420P10', '10-bit output');
  return frames[0];
}

test('WPT vp9-hdr: VP9 profile 2 isConfigSupported', async () => {
  const s = await VideoDecoder.isConfigSupported({ codec: VP9_HDR, codedWidth: 320, codedHeight: 240 });
  assert.equal(s.supported, true);
});

test('WPT vp9-hdr: VP9 profile 2 decoded with WebCodecs has BT.2020', async () => {
  const f = await decodeOne(VP9_HDR, await hdrKeyFrame(VP9_HDR));
  assert.equal(f.colorSpace.primaries, 'bt2020');
  assert.equal(f.colorSpace.matrix, 'bt2020-ncl');
  assert.equal(f.colorSpace.fullRange, false);
  f.close();
});

test('WPT av1-hdr [prefer-software]', async (t) => {
  const chunk = await hdrKeyFrame(AV1_HDR);
  const name = (s) => `WPT av1-hdr [prefer-software]: ${s}`;
  await t.test(name('AV1 isConfigSupported'), async () => {
    const s = await VideoDecoder.isConfigSupported(
      { codec: AV1_HDR, codedWidth: 320, codedHeight: 240, hardwareAcceleration: 'prefer-software' });
    assert.equal(s.supported, true);
  });
  // [override, expected members of the decoded frame's colour space]
  const CASES = [
    ['(no override): bitstream colorSpace surfaces', undefined,
      { primaries: 'bt2020', matrix: 'bt2020-ncl', fullRange: false }],
    ['colorSpace override: primaries', { primaries: 'bt709' }, { primaries: 'bt709', matrix: 'bt2020-ncl' }],
    ['colorSpace override: matrix', { matrix: 'bt709' }, { primaries: 'bt2020', matrix: 'bt709' }],
    ['colorSpace override: transfer (pq)', { transfer: 'pq' },
      { primaries: 'bt2020', matrix: 'bt2020-ncl', transfer: 'pq' }],
    ['colorSpace override: fullRange (true)', { fullRange: true },
      { primaries: 'bt2020', matrix: 'bt2020-ncl', fullRange: true }],
    ['colorSpace override: fullRange (false)', { fullRange: false },
      { primaries: 'bt2020', matrix: 'bt2020-ncl', fullRange: false }],
  ];
  for (const [label, override, want] of CASES) {
    await t.test(name(`AV1 ${label}`), async () => {
      const f = await decodeOne(AV1_HDR, chunk, override);
      for (const [k, v] of Object.entries(want)) assert.equal(f.colorSpace[k], v, k);
      f.close();
    });
  }
});
