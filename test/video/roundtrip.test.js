'use strict';
// Decode what we encoded and compare pixels; decode real streams.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { EncodedVideoChunk } = require('../..');
const { encodeFrames, decodeChunks, assertDecodedPattern, frameY, annexbNals } = require('../helpers');

const W = 320;
const H = 240;
const cases = [
  ['H.264 avc (High)', { codec: 'avc1.64001f', width: W, height: H, bitrate: 1_000_000 }],
  ['H.264 annexb (Baseline)', { codec: 'avc1.42001f', width: W, height: H, bitrate: 1_000_000, avc: { format: 'annexb' } }],
  ['H.264 realtime', { codec: 'avc1.4d001f', width: W, height: H, bitrate: 1_000_000, latencyMode: 'realtime' }],
  ['VP8', { codec: 'vp8', width: W, height: H, bitrate: 1_000_000 }],
  ['VP8 realtime', { codec: 'vp8', width: W, height: H, bitrate: 1_000_000, latencyMode: 'realtime' }],
  ['VP9', { codec: 'vp09.00.10.08', width: W, height: H, bitrate: 1_000_000 }],
  ['AV1', { codec: 'av01.0.04M.08', width: W, height: H, bitrate: 1_000_000 }],
];

for (const [name, config] of cases) {
  test(`${name}: 30-frame round trip keeps timestamps and PSNR > 30 dB`, async () => {
    const { chunks, metas } = await encodeFrames(config, 30);
    assert.equal(chunks.length, 30);
    assert.equal(chunks[0].type, 'key');
    const dc = metas[0].decoderConfig;
    assert.equal(dc.codec, config.codec);
    assert.equal(dc.codedWidth, W);
    assert.equal(dc.codedHeight, H);
    assert.ok(metas.slice(1).every((m) => !m.decoderConfig), 'decoderConfig only when it changes');
    const isAvc = config.codec.startsWith('avc1') && config.avc?.format !== 'annexb';
    if (isAvc) {
      const d = new Uint8Array(dc.description);
      assert.equal(d[0], 1, 'avcC version');
      assert.equal(d[1], parseInt(config.codec.slice(5, 7), 16), 'avcC profile matches the codec string');
      // Chunks are length-prefixed: the first 4 bytes give the first NAL size.
      const b = new Uint8Array(chunks[0].byteLength);
      chunks[0].copyTo(b);
      const len = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
      assert.ok(len > 0 && len + 4 <= b.length);
    } else {
      assert.equal(dc.description, undefined);
    }
    if (config.avc?.format === 'annexb') {
      const b = new Uint8Array(chunks[0].byteLength);
      chunks[0].copyTo(b);
      assert.deepEqual([...b.subarray(0, 3)], [0, 0, 0].slice(0, 2).concat(b[2] === 1 ? [1] : [0]));
    }
    const frames = await decodeChunks(dc, chunks);
    assert.equal(frames.length, 30);
    await assertDecodedPattern(frames, chunks, W, H, (f) => assert.equal(f.format, 'I420'));
  });
}

// Real streams from the WPT media set (shared/fixtures beside the repository).
const FIXTURES = path.join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'wpt-media');

// Splits an Annex B stream into access units at access unit delimiters or at slices whose
// first_mb_in_slice is 0 (good enough for these simple streams).
function annexbAccessUnits(buf) {
  const nals = annexbNals(buf);
  const units = [];
  let cur = [];
  let curHasSlice = false;
  for (const n of nals) {
    const off = n[2] === 1 ? 3 : 4;
    const type = n[off] & 0x1f;
    const isSlice = type === 1 || type === 5;
    const firstMb = isSlice ? (n[off + 1] & 0x80) !== 0 : false; // ue(v) == 0 ⇔ first bit 1
    if ((type === 9 || (isSlice && firstMb) || ((type === 7 || type === 8 || type === 6) && curHasSlice)) && curHasSlice) {
      units.push(cur);
      cur = [];
      curHasSlice = false;
    }
    cur.push(n);
    if (isSlice) curHasSlice = true;
  }
  if (cur.length) units.push(cur);
  return units.map((u) => {
    const out = new Uint8Array(u.reduce((a, n) => a + n.length, 0));
    let o = 0;
    for (const n of u) { out.set(n, o); o += n.length; }
    const off = u.find((n) => ((n[n[2] === 1 ? 3 : 4] & 0x1f) === 5)) ? 'key' : 'delta';
    return { data: out, type: off };
  });
}

test('decodes the WPT h264.annexb stream', { skip: !fs.existsSync(FIXTURES) && 'fixtures not present' }, async () => {
  const units = annexbAccessUnits(fs.readFileSync(path.join(FIXTURES, 'h264.annexb')));
  assert.ok(units.length > 0);
  const frames = await decodeChunks({ codec: 'avc1.64000b' },
    units.map((u, i) => new EncodedVideoChunk({ type: u.type, timestamp: i * 33333, data: u.data })));
  // `ffprobe -count_frames` reports 10 frames of 320x240 for this file.
  assert.equal(units.length, 10);
  assert.equal(frames.length, 10);
  assert.equal(frames[0].codedWidth, 320);
  assert.equal(frames[0].codedHeight, 240);
  const y = await frameY(frames[0]);
  assert.ok(new Set(y).size > 2);
  frames.forEach((f) => f.close());
});
