'use strict';
// Mirrors, in our own words, the cases of these WPT webcodecs files:
//  - video-encoder-h264.https.any.js (?baseline ?main ?high ?high-6.2): the avcC the encoder
//    reports carries the asked-for profile and a level no higher than asked;
//  - full-cycle-test.https.any.js (all eight variants, quality and realtime latency): encode 16
//    dotted frames, decode them as they come out, check timestamps, size, colour space and
//    picture;
//  - temporal-svc-encoding.https.any.js (?av1 ?vp8 ?vp9 ?h264, L1T2 and L1T3): the base layer
//    of a layered stream decodes on its own;
//  - videoFrame-decoded-yuv.https.any.js: decoded frames stay YUV and copy out real planes;
//  - video-encoder-orientation.https.any.js: the first frame after configure() sets the
//    encoder's orientation, a frame with another one is a non-fatal DataError, configure()
//    forgets it, and the output decoderConfig carries it.
// WPT draws its frames on a canvas; here they are RGBA bytes with the same kind of content.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoDecoder, VideoFrame } = require('../..');
const { dottedFrame, hasDots } = require('./wpt-video-frames');
const { encoderVariants } = require('./wpt-codec-checks');
const { decodeChunks } = require('../helpers');


const H264_PROFILES = [
  ['baseline', 'avc1.42001e', 640, 480, 800, 600],
  ['main', 'avc1.4d001e', 640, 480, 800, 600],
  ['high', 'avc1.64001e', 640, 480, 800, 600],
  ['high-6.2', 'avc1.64003e', 7680, 4320, 7680, 4320],
];
for (const [variant, codec, width, height, displayWidth, displayHeight] of H264_PROFILES) {
  test(`WPT video-encoder-h264 ?${variant}: encoding with a specific H264 profile produces that profile`, async () => {
    const config = { codec, width, height, displayWidth, displayHeight, avc: { format: 'avc' } };
    assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true);
    let description = null;
    const enc = new VideoEncoder({
      output: (chunk, meta) => { assert.ok(meta); if (meta.decoderConfig) description = meta.decoderConfig.description; },
      error: (e) => assert.fail(e),
    });
    enc.configure(config);
    for (const ts of [0, 33333]) {
      const frame = dottedFrame(width, height, 1, ts);
      enc.encode(frame);
      frame.close();
    }
    await enc.flush();
    enc.close();
    assert.ok(description && description.byteLength > 0, 'an avcC description');
    const avcc = ArrayBuffer.isView(description)
      ? new Uint8Array(description.buffer, description.byteOffset, description.byteLength)
      : new Uint8Array(description);
    assert.equal(avcc[1], parseInt(codec.slice(5, 7), 16), 'AVCProfileIndication');
    assert.ok(avcc[3] <= parseInt(codec.slice(9, 11), 16), `AVCLevelIndication ${avcc[3]}`);
  });
}

// WPT's variants; the H.265 ones ask for prefer-hardware, which this build does not have (WPT
// then skips them as optional), so they also run on the software encoder.
const FULL_CYCLE = {
  ...Object.fromEntries(Object.entries(encoderVariants(['av1', 'vp8', 'vp9_p0', 'vp9_p2', 'h264_avc', 'h264_annexb']))
    .map(([name, codec]) => [name, { ...codec, embedded: name !== 'vp8' }])),
  h265_hevc: { codec: 'hvc1.1.6.L123.00', hevc: { format: 'hevc' }, embedded: true, hardware: true },
  h265_annexb: { codec: 'hvc1.1.6.L123.00', hevc: { format: 'annexb' }, embedded: true, hardware: true },
};
const BASE = { width: 320, height: 200, bitrate: 1000000, bitrateMode: 'constant', framerate: 30 };

// `realtime`: latencyMode realtime, where WPT lets the encoder drop frames (so neither count nor
// timestamps are fixed, but every chunk must decode); `strip`: the decoder config loses the
// encoder's colour space, so the bitstream's must match it.
async function fullCycle({ embedded, hardware, ...codec }, { strip = false, realtime = false } = {}) {
  const config = { ...codec, ...BASE, hardwareAcceleration: 'prefer-software' };
  if (realtime) config.latencyMode = 'realtime';
  assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true);
  let encoderSpace = null;
  const decoded = [];
  const checks = [];
  const dec = new VideoDecoder({
    output: (frame) => {
      decoded.push(frame.timestamp);
      assert.equal(frame.visibleRect.width, 320);
      assert.equal(frame.visibleRect.height, 200);
      // The decoder must report what the encoder said, even from the bitstream alone.
      assert.deepEqual({ ...frame.colorSpace.toJSON() }, { ...encoderSpace });
      checks.push(hasDots(frame, frame.timestamp).then((ok) => { frame.close(); return ok; }));
    },
    error: (e) => assert.fail(e),
  });
  const encoded = [];
  const enc = new VideoEncoder({
    output: (chunk, meta) => {
      if (meta?.decoderConfig) {
        const dc = { ...meta.decoderConfig, hardwareAcceleration: config.hardwareAcceleration };
        encoderSpace = dc.colorSpace;
        if (strip) dc.colorSpace = {};
        dec.configure(dc);
      }
      dec.decode(chunk);
      encoded.push(chunk.timestamp);
    },
    error: (e) => assert.fail(e),
  });
  enc.configure(config);
  for (let i = 0; i < 16; i++) {
    const frame = dottedFrame(320, 200, i, i);
    assert.notEqual(frame.colorSpace.matrix, null, 'input frames carry a colour space');
    enc.encode(frame, { keyFrame: i % 5 === 0 });
    frame.close();
  }
  await enc.flush();
  await dec.flush();
  enc.close();
  dec.close();
  const order = [...Array(16).keys()];
  if (realtime) {
    assert.ok(encoded.length > 0);
    assert.deepEqual(decoded, encoded, 'every chunk decodes');
  } else {
    assert.deepEqual(encoded, order, 'encode timestamps');
    assert.deepEqual(decoded, order, 'decode timestamps');
  }
  const ok = await Promise.all(checks);
  assert.deepEqual(ok.map((v, i) => (v ? -1 : i)).filter((i) => i >= 0), [], 'frames with the wrong dots');
}

for (const [variant, codec] of Object.entries(FULL_CYCLE)) {
  const W = `WPT full-cycle-test ?${variant}:`;
  const sw = codec.hardware ? ' (prefer-software; WPT asks for prefer-hardware)' : '';
  if (codec.hardware) {
    test(`${W} prefer-hardware is not supported by this build (WPT: optional)`, async () => {
      const { embedded, hardware, ...c } = codec;
      const config = { ...c, ...BASE, hardwareAcceleration: 'prefer-hardware' };
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, false);
    });
  }
  test(`${W} Encoding and decoding cycle${sw}`, () => fullCycle(codec));
  test(`${W} Encoding and decoding cycle with realtime latency mode${sw}`, () => fullCycle(codec, { realtime: true }));
  // WPT runs this one only for codecs whose bitstream carries a colour space (not VP8).
  if (codec.embedded) {
    test(`${W} Encoding and decoding cycle w/ stripped color space${sw}`, () => fullCycle(codec, { strip: true }));
  }
}

// temporal-svc-encoding: 24 frames, none forced to be a key frame; every chunk reports its
// temporal layer, and the base layer alone (every 2nd frame in L1T2, every 4th in L1T3) decodes
// to the right pictures.
const SVC = {
  av1: { codec: 'av01.0.04M.08' },
  vp8: { codec: 'vp8' },
  vp9: { codec: 'vp09.00.10.08' },
  h264: { codec: 'avc1.42001E', avc: { format: 'annexb' } },
};
for (const [variant, codec] of Object.entries(SVC)) {
  for (const [layers, decimator] of [[2, 2], [3, 4]]) {
    const config = { ...codec, ...BASE, scalabilityMode: `L1T${layers}`, hardwareAcceleration: 'prefer-software' };
    const name = `WPT temporal-svc-encoding ?${variant}: SVC L1T${layers}`;
    if (variant === 'h264') {
      // Baseline has no B-frames, which is how H.264 gets its temporal layers here.
      test(`${name} is not supported for H.264 Baseline (WPT: optional)`, async () => {
        assert.equal((await VideoEncoder.isConfigSupported(config)).supported, false);
      });
      continue;
    }
    test(name, async () => {
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true);
      const base = [];
      let encoded = 0;
      const enc = new VideoEncoder({
        output: (chunk, meta) => {
          encoded++;
          assert.ok(meta && Object.hasOwn(meta, 'svc') && Object.hasOwn(meta.svc, 'temporalLayerId'));
          assert.ok(meta.svc.temporalLayerId < layers);
          if (meta.svc.temporalLayerId === 0) base.push(chunk);
        },
        error: (e) => assert.fail(e),
      });
      enc.configure(config);
      for (let i = 0; i < 24; i++) {
        const frame = dottedFrame(320, 200, i, i);
        enc.encode(frame, { keyFrame: false });
        frame.close();
      }
      await enc.flush();
      enc.close();
      const checks = [];
      const dec = new VideoDecoder({
        output: (frame) => checks.push(hasDots(frame, frame.timestamp).then((ok) => { frame.close(); return ok || frame.timestamp; })),
        error: (e) => assert.fail(e),
      });
      dec.configure({ codec: codec.codec, hardwareAcceleration: 'prefer-software', codedWidth: 320, codedHeight: 200 });
      for (const chunk of base) dec.decode(chunk);
      await dec.flush();
      dec.close();
      assert.equal(encoded, 24);
      assert.equal(base.length, 24 / decimator, 'base-layer chunks');
      const results = await Promise.all(checks);
      assert.equal(results.length, 24 / decimator, 'every base-layer chunk decodes');
      assert.deepEqual(results.filter((r) => r !== true), [], 'corrupted frames');
    });
  }
}

for (const codec of ['avc1.42001f', 'vp8']) {
  for (const acceleration of ['prefer-software', 'no-preference']) {
    test(`WPT videoFrame-decoded-yuv: ${codec} ${acceleration}: decoded frame reports YUV and copies real planes`, async () => {
      const chunks = [];
      let decoderConfig = null;
      const enc = new VideoEncoder({
        output: (c, m) => { chunks.push(c); if (m?.decoderConfig) decoderConfig = m.decoderConfig; },
        error: (e) => assert.fail(e),
      });
      enc.configure({ codec, width: 320, height: 240, bitrate: 1000000, framerate: 24 });
      for (let i = 0; i < 5; i++) {
        const frame = dottedFrame(320, 240, 0, i * 41667, [64, 128, 64]);
        enc.encode(frame, { keyFrame: i === 0 });
        frame.close();
      }
      await enc.flush();
      enc.close();
      const config = { ...decoderConfig, hardwareAcceleration: acceleration };
      assert.equal((await VideoDecoder.isConfigSupported(config)).supported, true);
      const frames = await decodeChunks(config, chunks);
      const [frame] = frames;
      frames.slice(1).forEach((f) => f.close());
      assert.ok(['I420', 'NV12'].includes(frame.format), `YUV format, got ${frame.format}`);
      assert.notEqual(frame.colorSpace.matrix, null);
      assert.notEqual(frame.colorSpace.fullRange, null);
      const data = new Uint8Array(frame.allocationSize());
      const layout = await frame.copyTo(data);
      assert.equal(layout.length, frame.format === 'I420' ? 3 : 2, 'plane count');
      // rgb(64, 128, 64) is luma ≈ 103 in limited range (BT.601; BT.709 is close by).
      const want = 16 + 0.257 * 64 + 0.504 * 128 + 0.098 * 64;
      for (let y = 0; y < frame.codedHeight; y += 16) {
        for (let x = 0; x < frame.codedWidth; x += 16) {
          const v = data[layout[0].offset + y * layout[0].stride + x];
          assert.ok(Math.abs(v - want) < 24, `Y at (${x},${y}) is ${v}, want about ${want}`);
        }
      }
      frame.close();
    });
  }
}

// WPT video-encoder-orientation.https.any.js (VP8, 640x480, frames made by createFrame()).
const ORIENTED = { codec: 'vp8', width: 640, height: 480 };
function orientedFrame(timestamp, rotation, flip) {
  const base = dottedFrame(640, 480, 1, timestamp);
  const f = new VideoFrame(base, { rotation, flip });
  base.close();
  return f;
}
function orientationEncoder() {
  const got = { chunks: [], decoderConfig: null };
  const enc = new VideoEncoder({
    output: (chunk, metadata) => {
      assert.notEqual(metadata, null);
      if (metadata.decoderConfig) got.decoderConfig = metadata.decoderConfig;
      got.chunks.push(chunk);
    },
    error: (e) => assert.fail(e.message),
  });
  return { enc, got };
}

// Encodes one frame per [timestamp, rotation, flip], then flushes; frames encode() refuses are
// reported by their index.
async function encodeOriented(enc, specs) {
  const refused = [];
  specs.forEach(([timestamp, rotation, flip], i) => {
    const frame = orientedFrame(timestamp, rotation, flip);
    try {
      enc.encode(frame);
    } catch (e) {
      assert.ok(e instanceof DOMException && e.name === 'DataError', `frame ${i}: ${e}`);
      refused.push(i);
    } finally {
      frame.close();
    }
  });
  await enc.flush();
  return refused;
}

const orientationOf = (got) => [got.chunks.length, got.decoderConfig.rotation, got.decoderConfig.flip];

test('WPT video-encoder-orientation: Encode video frame with orientation', async () => {
  const { enc, got } = orientationEncoder();
  enc.configure(ORIENTED);
  assert.deepEqual(await encodeOriented(enc, [[0, 90, true]]), []);
  enc.close();
  assert.deepEqual(orientationOf(got), [1, 90, true]);
});

test('WPT video-encoder-orientation: Encode video frames with different orientation has non-fatal failures', async () => {
  const { enc, got } = orientationEncoder();
  enc.configure(ORIENTED);
  const refused = await encodeOriented(enc, [[0, 90, true], [33333, 90, false], [66666, 180, true], [99999, 90, true]]);
  enc.close();
  assert.deepEqual(refused, [1, 2]);
  assert.deepEqual(orientationOf(got), [2, 90, true]);
});

test('WPT video-encoder-orientation: Encode video frames with different orientations after reconfigure', async () => {
  const { enc, got } = orientationEncoder();
  enc.configure(ORIENTED);
  assert.deepEqual(await encodeOriented(enc, [[0, 90, true]]), []);
  assert.deepEqual(orientationOf(got), [1, 90, true]);
  enc.configure(ORIENTED);
  assert.deepEqual(await encodeOriented(enc, [[0, 270, false]]), []);
  assert.deepEqual(orientationOf(got), [2, 270, false]);
  enc.close();
});

// Not in WPT: an unrotated stream reports rotation 0 and no flip, and a configure() while frames
// of the previous configuration are still in the encoder does not relabel their output.
test('orientation: decoderConfig of unrotated frames, and of frames queued before a reconfigure', async () => {
  const { enc, got } = orientationEncoder();
  const configs = [];
  enc.configure({ ...ORIENTED, codec: 'avc1.42001f' });
  const seen = [];
  const enc2 = new VideoEncoder({
    output: (chunk, m) => { if (m.decoderConfig) configs.push([chunk.timestamp, m.decoderConfig.rotation, m.decoderConfig.flip]); seen.push(chunk.timestamp); },
    error: (e) => assert.fail(e.message),
  });
  const plain = dottedFrame(640, 480, 1, 0);
  enc.encode(plain);
  await enc.flush();
  assert.deepEqual([got.decoderConfig.rotation, got.decoderConfig.flip], [0, false]);
  enc.close();
  enc2.configure({ ...ORIENTED, codec: 'avc1.42001f', bitrate: 1e6 });
  const turned = orientedFrame(1000, 90, false);
  enc2.encode(turned);
  // H.264 holds frames back (lookahead): reconfigure while the first one is still inside.
  enc2.configure({ ...ORIENTED, codec: 'avc1.42001f', bitrate: 2e6 });
  const mirrored = orientedFrame(2000, 180, true);
  enc2.encode(mirrored);
  await enc2.flush();
  enc2.close();
  [plain, turned, mirrored].forEach((f) => f.close());
  assert.deepEqual(seen, [1000, 2000]);
  assert.deepEqual(configs, [[1000, 90, false], [2000, 180, true]]);
});

// --- partial-color-space-test.https.any.js (newest copy: WebKit's import of WPT): frames made
// from I420 bytes with a partial colour space (some members null) go through a full encode /
// decode cycle whose decoder config carries the source frame's colour space, nulls included;
// every decoded frame must report the source's primaries, transfer and matrix, nulls included.
// A null member is written as unspecified and stays null (see test/conformance/README.md).
const PARTIAL_SPACES = [
  ['primaries only 1', { primaries: 'smpte170m' }], ['primaries only 2', { primaries: 'bt709' }],
  ['transfer only1', { transfer: 'iec61966-2-1' }], ['transfer only 2', { transfer: 'bt709' }],
  ['matrix only 1', { matrix: 'bt470bg' }], ['matrix only 2', { matrix: 'bt709' }],
  ['primaries and transfer', { primaries: 'smpte170m', transfer: 'iec61966-2-1' }],
  ['primaries and matrix', { primaries: 'smpte170m', matrix: 'bt470bg' }],
  ['transfer and matrix', { transfer: 'iec61966-2-1', matrix: 'bt470bg' }],
  ['all fields set', { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false }],
];
const PARTIAL_VARIANTS = {
  ...encoderVariants(['av1', 'vp8', 'vp9_p0', 'h264_avc']),
  h265_hevc: { codec: 'hvc1.1.6.L123.00', hevc: { format: 'hevc' }, hardware: true },
};
const FIELDS = ['primaries', 'transfer', 'matrix'];
for (const [variant, { hardware, ...codec }] of Object.entries(PARTIAL_VARIANTS)) {
  const config = { ...codec, ...BASE, hardwareAcceleration: hardware ? 'prefer-hardware' : 'prefer-software' };
  const W = `WPT partial-color-space-test ?${variant}:`;
  if (hardware) {
    test(`${W} prefer-hardware is not supported by this build (WPT: optional, all ten cases)`, async () => {
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, false);
    });
    continue;
  }
  for (const [name, colorSpace] of PARTIAL_SPACES) {
    test(`${W} Partial color space preserved through decoderConfig - ${name}`, async () => {
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true);
      let source = null;
      let configured = false;
      const wrong = [];
      let decodedCount = 0;
      const dec = new VideoDecoder({
        output: (frame) => {
          for (const k of FIELDS) if (frame.colorSpace[k] !== source[k]) wrong.push(`${k} ${frame.colorSpace[k]} ≠ ${source[k]}`);
          decodedCount++;
          frame.close();
        },
        error: (e) => assert.fail(e),
      });
      let encodedCount = 0;
      const enc = new VideoEncoder({
        output: (chunk, meta) => {
          if (meta.decoderConfig && !configured) {
            dec.configure({ ...meta.decoderConfig, colorSpace: source });
            configured = true;
          }
          dec.decode(chunk);
          encodedCount++;
        },
        error: (e) => assert.fail(e),
      });
      enc.configure(config);
      for (let i = 0; i < 4; i++) {
        // Grey with a black bar that moves.
        const y = new Uint8Array(320 * 200).fill(128);
        for (let r = 10; r < 26; r++) y.fill(0, r * 320 + i * 20, r * 320 + i * 20 + 16);
        const data = new Uint8Array(320 * 200 * 1.5).fill(128);
        data.set(y);
        const frame = new VideoFrame(data, { format: 'I420', codedWidth: 320, codedHeight: 200, timestamp: i * 33333,
          duration: 33333, colorSpace });
        if (i === 0) {
          for (const k of FIELDS) if (colorSpace[k] !== undefined) assert.equal(frame.colorSpace[k], colorSpace[k], `source ${k}`);
          source = Object.fromEntries(FIELDS.map((k) => [k, frame.colorSpace[k]]));
        }
        enc.encode(frame, { keyFrame: i === 0 });
        frame.close();
      }
      await enc.flush();
      await dec.flush();
      enc.close();
      dec.close();
      assert.equal(encodedCount, 4);
      assert.equal(decodedCount, 4);
      assert.deepEqual([...new Set(wrong)], []);
    });
  }
}
