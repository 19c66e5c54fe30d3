'use strict';
// HEVC (H.265): libx265 encoding in both bitstream formats, the hvcC description, key chunks
// exactly where requested, and decoding a real Annex B stream.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { VideoEncoder, VideoDecoder, EncodedVideoChunk } = require('../..');
const {
  encodeFrames, decodeChunks, assertDecodedPattern, frameY, chunkBytes, annexbNals,
} = require('../helpers');

const W = 320;
const H = 240;
const KEYS = [0, 7, 19];

// Reads an HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1).
function parseHvcc(buf) {
  const d = new Uint8Array(buf);
  const arrays = [];
  let o = 23;
  for (let a = 0; a < d[22]; a++) {
    const type = d[o] & 0x3f;
    const n = (d[o + 1] << 8) | d[o + 2];
    o += 3;
    const nals = [];
    for (let k = 0; k < n; k++) {
      const len = (d[o] << 8) | d[o + 1];
      nals.push(d.subarray(o + 2, o + 2 + len));
      o += 2 + len;
    }
    arrays.push({ type, nals });
  }
  return {
    version: d[0],
    profileIdc: d[1] & 0x1f,
    tier: (d[1] >> 5) & 1,
    levelIdc: d[12],
    chromaFormat: d[16] & 3,
    bitDepthLuma: (d[17] & 7) + 8,
    lengthSize: (d[21] & 3) + 1,
    arrays,
    end: o,
    size: d.length,
  };
}

// NAL unit types of a chunk with 4-byte length prefixes that exactly fill it.
function lengthPrefixedTypes(b) {
  const types = [];
  let o = 0;
  while (o < b.length) {
    const len = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    assert.ok(len > 0 && o + 4 + len <= b.length, 'NAL length within the chunk');
    types.push((b[o + 4] >> 1) & 0x3f);
    o += 4 + len;
  }
  return types;
}

function annexbTypes(b) {
  const types = [];
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1) {
      types.push((b[i + 3] >> 1) & 0x3f);
      i += 2;
    }
  }
  return types;
}

for (const [name, codec, hevc] of [
  ['hevc format (hvcC + length-prefixed)', 'hvc1.1.6.L93.B0', undefined],
  ['annexb format', 'hev1.1.6.L93.B0', { format: 'annexb' }],
  ['hevc format, realtime', 'hvc1.1.6.L93.B0', { format: 'hevc' }],
]) {
  test(`HEVC ${name}: exact key chunks, timestamps and PSNR > 30 dB`, async () => {
    const config = { codec, width: W, height: H, bitrate: 500_000, framerate: 30 };
    if (hevc) config.hevc = hevc;
    if (name.endsWith('realtime')) config.latencyMode = 'realtime';
    const { chunks, metas } = await encodeFrames(config, 24, { keyFrameAt: (i) => KEYS.includes(i) });
    assert.equal(chunks.length, 24);
    assert.deepEqual(chunks.flatMap((c, i) => (c.type === 'key' ? [i] : [])), KEYS);
    const dc = metas[0].decoderConfig;
    assert.equal(dc.codec, codec);
    assert.equal(dc.codedWidth, W);
    assert.equal(dc.codedHeight, H);
    assert.ok(metas.slice(1).every((m) => !m.decoderConfig));
    const annexb = hevc?.format === 'annexb';
    if (annexb) {
      assert.equal(dc.description, undefined);
      for (const k of KEYS) {
        const types = annexbTypes(chunkBytes(chunks[k]));
        for (const t of [32, 33, 34]) assert.ok(types.includes(t), `key chunk ${k} carries NAL type ${t}`);
      }
    } else {
      const h = parseHvcc(dc.description);
      assert.equal(h.version, 1);
      assert.equal(h.profileIdc, 1);
      assert.equal(h.tier, 0);
      assert.ok(h.levelIdc <= 93, `level ${h.levelIdc}`);
      assert.equal(h.chromaFormat, 1);
      assert.equal(h.bitDepthLuma, 8);
      assert.equal(h.lengthSize, 4);
      assert.deepEqual(h.arrays.map((a) => a.type), [32, 33, 34]);
      assert.equal(h.end, h.size);
      for (const c of chunks) {
        const types = lengthPrefixedTypes(chunkBytes(c));
        assert.ok(types.every((t) => t < 32 || t > 34), 'parameter sets only in the description');
      }
    }
    const frames = await decodeChunks(dc, chunks);
    assert.equal(frames.length, 24);
    await assertDecodedPattern(frames, chunks, W, H);
  });
}

test('HEVC Main 10 encodes and decodes to I420P10', async () => {
  const config = { codec: 'hvc1.2.4.L93.B0', width: W, height: H, bitrate: 500_000 };
  const { chunks, metas } = await encodeFrames(config, 3);
  const h = parseHvcc(metas[0].decoderConfig.description);
  assert.equal(h.profileIdc, 2);
  assert.equal(h.bitDepthLuma, 10);
  const frames = await decodeChunks(metas[0].decoderConfig, chunks);
  assert.equal(frames.length, 3);
  assert.equal(frames[0].format, 'I420P10');
  frames.forEach((f) => f.close());
});

test('HEVC isConfigSupported', async () => {
  const r = await VideoEncoder.isConfigSupported({ codec: 'hvc1.1.6.L93.B0', width: 640, height: 480 });
  assert.equal(r.supported, true);
  assert.equal(r.config.codec, 'hvc1.1.6.L93.B0');
  assert.equal('hevc' in r.config, false, 'no hevc member unless given');
  const a = await VideoEncoder.isConfigSupported({ codec: 'hev1.1.6.L93.B0', width: 640, height: 480, hevc: {} });
  assert.equal(a.supported, true);
  assert.deepEqual(a.config.hevc, { format: 'hevc' }, 'the IDL default is filled in');
  const b = await VideoEncoder.isConfigSupported({ codec: 'hvc1.1.6.L93.B0', width: 64, height: 64, hevc: { format: 'annexb', x: 1 } });
  assert.deepEqual(b.config.hevc, { format: 'annexb' });
  await assert.rejects(
    VideoEncoder.isConfigSupported({ codec: 'hvc1.1.6.L93.B0', width: 64, height: 64, hevc: { format: 'hvcc' } }),
    TypeError,
  );
  for (const codec of ['hvc1', 'hvc1.1.6', 'hvc1.1.6.X93.B0', 'hvc1.garbage', 'HVC1.1.6.L93.B0', 'hvc1.1.6.L93.B0.0.0.0.0.0.0']) {
    assert.equal((await VideoEncoder.isConfigSupported({ codec, width: 64, height: 64 })).supported, false, codec);
    assert.equal((await VideoDecoder.isConfigSupported({ codec })).supported, false, codec);
  }
  // 1920x1080 does not fit level 3.1; level 4 does.
  assert.equal((await VideoEncoder.isConfigSupported({ codec: 'hvc1.1.6.L93.B0', width: 1920, height: 1080 })).supported, false);
  assert.equal((await VideoEncoder.isConfigSupported({ codec: 'hvc1.1.6.L120.B0', width: 1920, height: 1080 })).supported, true);
  assert.equal((await VideoDecoder.isConfigSupported({ codec: 'hvc1.1.6.L93.B0' })).supported, true);
  assert.equal((await VideoDecoder.isConfigSupported({ codec: 'hev1.2.4.L153.B0' })).supported, true);
});

// Splits an HEVC Annex B stream into access units: a new one starts at a VPS/SPS/PPS/AUD/prefix
// SEI after a slice, or at a slice whose first_slice_segment_in_pic_flag is set.
function hevcAccessUnits(buf) {
  const units = [];
  let cur = [];
  let hasSlice = false;
  let key = false;
  const push = () => {
    const out = Buffer.concat(cur);
    units.push({ data: new Uint8Array(out), type: key ? 'key' : 'delta' });
  };
  for (const n of annexbNals(buf)) {
    const off = n[2] === 1 ? 3 : 4;
    const type = (n[off] >> 1) & 0x3f;
    const isSlice = type < 32;
    const firstInPic = isSlice && (n[off + 2] & 0x80) !== 0;
    const startsAu = (isSlice && firstInPic) || [32, 33, 34, 35, 39].includes(type);
    if (startsAu && hasSlice) {
      push();
      cur = [];
      hasSlice = false;
      key = false;
    }
    cur.push(n);
    if (isSlice) {
      hasSlice = true;
      if (type >= 16 && type <= 21) key = true; // BLA, IDR, CRA
    }
  }
  if (cur.length) push();
  return units;
}

const FIXTURES = path.join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'wpt-media');

test('decodes the WPT h265.annexb stream', { skip: !fs.existsSync(FIXTURES) && 'fixtures not present' }, async () => {
  const units = hevcAccessUnits(fs.readFileSync(path.join(FIXTURES, 'h265.annexb')));
  // `ffprobe -count_frames` reports 10 frames of 320x240 (Main, level 2).
  assert.equal(units.length, 10);
  assert.equal(units[0].type, 'key');
  const frames = await decodeChunks({ codec: 'hev1.1.6.L60.90' },
    units.map((u, i) => new EncodedVideoChunk({ type: u.type, timestamp: i * 33333, data: u.data })));
  assert.equal(frames.length, 10);
  assert.deepEqual(frames.map((f) => f.timestamp), units.map((_, i) => i * 33333));
  assert.equal(frames[0].codedWidth, 320);
  assert.equal(frames[0].codedHeight, 240);
  assert.ok(new Set(await frameY(frames[0])).size > 2);
  frames.forEach((f) => f.close());
});
