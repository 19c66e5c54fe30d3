'use strict';
// Mirrors, in our own words, the cases of these WPT webcodecs files:
//  - video-encoder.https.any.js: construction, configure/encode/flush, queue size, reset and
//    reconfigure, closed and unconfigured encoders, closed frames, negative timestamps;
//  - video-encoder-flush.https.any.js (?av1 ?vp8 ?h264_avc): reset() during a flush;
//  - reconfiguring-encoder.https.any.js (six variants): a reconfigure to another size;
//  - video-encoder-no-size: video-decoder-no-size-in-configure.https.any.js (five variants);
//  - video-encoder-rescaling.https.any.js (five variants): frames are scaled to the configured
//    size;
//  - per-frame-qp-encoding.https.any.js (?av1 ?vp9_p0 ?vp9_p2): a quantizer per frame;
//  - video-encoder-h26x-annexb.https.any.js: the NAL unit order of Annex B output;
//  - video-encoder-hbd.https.any.js (seven variants): 10/12-bit frames in, the colour out.
// Variants WPT treats as optional (assert_implements_optional) that this build does not support
// are checked to be reported as unsupported.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoDecoder, VideoFrame } = require('../..');
const { dottedFrame, darkDots } = require('./wpt-video-frames');
const { checkClosedCodec, checkQueueSize, encoderVariants } = require('./wpt-codec-checks');
const { decodeChunks: decodeAll } = require('../helpers');

const noCallbacks = () => ({ output: () => assert.fail('unexpected output'), error: (e) => assert.fail(`unexpected error ${e}`) });

// Encodes `frames` with `config` (each frame closed after encode(), with `options(i)`); returns
// the chunks and the last decoderConfig reported.
async function encodeAll(config, frames, options = () => ({})) {
  const chunks = [];
  let decoderConfig = null;
  const enc = new VideoEncoder({
    output: (c, m) => { chunks.push(c); if (m?.decoderConfig) decoderConfig = m.decoderConfig; },
    error: (e) => assert.fail(e),
  });
  enc.configure(config);
  frames.forEach((f, i) => { enc.encode(f, options(i)); f.close(); });
  await enc.flush();
  enc.close();
  return { chunks, decoderConfig };
}

// --- video-encoder.https.any.js
{
  const W = 'WPT video-encoder:';
  const VP8 = { codec: 'vp8', width: 640, height: 480 };

  test(`${W} Test VideoEncoder construction`, () => {
    assert.throws(() => new VideoEncoder({}), TypeError);
    const enc = new VideoEncoder(noCallbacks());
    assert.equal(enc.state, 'unconfigured');
    enc.close();
  });

  test(`${W} Test successful configure(), encode(), and flush()`, async () => {
    const frames = [dottedFrame(640, 480, 1, 0), dottedFrame(640, 480, 2, 33333)];
    const stamps = frames.map((f) => [f.timestamp, f.duration]);
    const { chunks, decoderConfig } = await encodeAll({ ...VP8, displayWidth: 800, displayHeight: 600 }, frames);
    assert.ok(decoderConfig, 'a decoderConfig with the first chunk');
    assert.equal(decoderConfig.codec, 'vp8');
    assert.ok(decoderConfig.codedWidth >= 640 && decoderConfig.codedHeight >= 480);
    assert.deepEqual([decoderConfig.displayAspectWidth, decoderConfig.displayAspectHeight], [800, 600]);
    for (const k of ['primaries', 'transfer', 'matrix', 'fullRange']) assert.notEqual(decoderConfig.colorSpace[k], null, k);
    assert.deepEqual(chunks.map((c) => [c.timestamp, c.duration]), stamps);
  });

  test(`${W} encodeQueueSize test`, async () => {
    const enc = new VideoEncoder({ output: () => {}, error: (e) => assert.fail(e) });
    const frames = Array.from({ length: 100 }, (_, i) => dottedFrame(320, 200, i % 10, i * 16000));
    await checkQueueSize(enc, { codec: 'vp8', width: 320, height: 200 }, frames, 'encodeQueueSize', (f) => f.close());
    enc.close();
  });

  test(`${W} Test successful reset() and re-confiugre()`, async () => {
    // Frames before the reset have even timestamps, after it odd ones.
    let before = 0;
    let after = 0;
    let resetDone = false;
    const enc = new VideoEncoder({
      output: (chunk) => {
        if (chunk.timestamp % 2 === 0) {
          before++;
          if (before === 3) { enc.reset(); resetDone = true; }
        } else {
          after++;
        }
      },
      error: (e) => assert.fail(e),
    });
    enc.configure(VP8);
    await enc.flush();
    const original = dottedFrame(320, 200, 1, 0);
    let timestamp = 0;
    for (let i = 0; i < 30; i++) {
      const f = new VideoFrame(original, { timestamp });
      timestamp += 40000;
      enc.encode(f);
      f.close();
    }
    original.close();
    const deadline = Date.now() + 10000;
    while (!resetDone && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    assert.ok(resetDone, 'reset() was called from the output callback');
    assert.equal(before, 3);
    assert.equal(enc.encodeQueueSize, 0);
    enc.configure({ ...VP8, width: 800, height: 600 });
    for (let i = 0; i < 5; i++) {
      const f = dottedFrame(800, 600, i, timestamp + 1);
      timestamp += 40000;
      enc.encode(f);
      f.close();
    }
    await enc.flush();
    assert.equal(after, 5, 'every output after the reconfigure');
    assert.equal(before, 3, 'nothing from before the reset');
    assert.equal(enc.encodeQueueSize, 0);
    enc.close();
  });

  test(`${W} Test successful encode() after re-configure().`, async () => {
    let chunks = [];
    let failure;
    const failed = new Promise((resolve) => { failure = resolve; });
    const enc = new VideoEncoder({ output: (c) => chunks.push(c), error: (e) => failure(e) });
    assert.equal(enc.encodeQueueSize, 0);
    enc.configure(VP8);
    const frame1 = dottedFrame(640, 480, 1, 0);
    const frame2 = dottedFrame(640, 480, 2, 33333);
    enc.encode(frame1);
    enc.configure(VP8);
    enc.encode(frame2);
    await enc.flush();
    assert.equal(enc.encodeQueueSize, 0);
    assert.deepEqual(chunks.map((c) => c.timestamp), [0, 33333]);
    chunks = [];
    enc.encode(dottedFrame(640, 480, 3, 66666));
    assert.throws(() => enc.configure({ ...VP8, codec: '' }), TypeError);
    enc.configure({ ...VP8, codec: 'bogus' });
    const e = await failed;
    assert.ok(e instanceof DOMException);
    assert.equal(e.name, 'NotSupportedError');
    assert.equal(enc.state, 'closed');
    [frame1, frame2].forEach((f) => f.close());
  });

  test(`${W} Verify closed VideoEncoder operations`, async () => {
    const enc = new VideoEncoder(noCallbacks());
    assert.equal(enc.state, 'unconfigured');
    const frame = dottedFrame(640, 480, 0, 0);
    await checkClosedCodec(enc, VP8, frame);
    frame.close();
  });

  test(`${W} Verify unconfigured VideoEncoder operations`, async () => {
    const enc = new VideoEncoder(noCallbacks());
    enc.reset();
    assert.equal(enc.state, 'unconfigured');
    const frame = dottedFrame(640, 480, 0, 0);
    assert.throws(() => enc.encode(frame), { name: 'InvalidStateError' });
    frame.close();
    await assert.rejects(enc.flush(), { name: 'InvalidStateError' });
    enc.close();
  });

  test(`${W} Verify encoding closed frames throws.`, () => {
    const enc = new VideoEncoder(noCallbacks());
    const frame = dottedFrame(640, 480, 0, 0);
    frame.close();
    enc.configure(VP8);
    assert.throws(() => enc.encode(frame), TypeError);
    enc.close();
  });

  test(`${W} Encode video with negative timestamp`, async () => {
    const { chunks } = await encodeAll(VP8, [dottedFrame(640, 480, 0, -10000)]);
    assert.equal(chunks.length, 1);
    assert.equal(chunks[0].timestamp, -10000);
    assert.ok(chunks[0].byteLength > 0);
  });
}

// --- video-encoder-flush.https.any.js
const FLUSH = encoderVariants(['av1', 'vp8', 'h264_avc'], 'avc1.42001e');
for (const [variant, codec] of Object.entries(FLUSH)) {
  const W = `WPT video-encoder-flush ?${variant}:`;
  const config = { ...codec, width: 640, height: 480, displayWidth: 800, displayHeight: 600 };

  test(`${W} Test reset during flush`, async () => {
    let outputs = 0;
    let enc;
    const first = new Promise((resolve) => {
      enc = new VideoEncoder({ output: () => { outputs++; enc.reset(); resolve(); }, error: (e) => assert.fail(e) });
    });
    enc.configure(config);
    const frames = [dottedFrame(640, 480, 1, 0), dottedFrame(640, 480, 2, 33333)];
    frames.forEach((f) => enc.encode(f));
    const flushed = enc.flush();
    await first;
    await assert.rejects(flushed, { name: 'AbortError' });
    assert.equal(outputs, 1);
    frames.forEach((f) => f.close());
    enc.close();
  });

  test(`${W} Test new flush after reset in a flush callback`, async () => {
    const frame1 = dottedFrame(640, 480, 1, 0);
    const frame2 = dottedFrame(640, 480, 2, 33333);
    let onOutput;
    const enc = new VideoEncoder({ output: (c, m) => onOutput(c, m), error: (e) => assert.fail(e) });
    let outputs = 0;
    let second;
    const first = new Promise((resolve) => {
      onOutput = () => {
        enc.reset();
        onOutput = () => { outputs++; };
        enc.configure(config);
        enc.encode(frame2);
        second = enc.flush();
        resolve();
      };
    });
    enc.configure(config);
    enc.encode(frame1);
    const flushed = enc.flush();
    await first;
    await assert.rejects(flushed, { name: 'AbortError' });
    await second;
    assert.equal(outputs, 1);
    [frame1, frame2].forEach((f) => f.close());
    enc.close();
  });
}

// --- reconfiguring-encoder.https.any.js: 16 frames at 800x600 / 3 Mbit/s, a reconfigure to
// 640x480 / 2 Mbit/s, 16 more, then back. decoderConfigs report the size of their frames.
const RECONFIGURE = encoderVariants(['av1', 'vp8', 'vp9_p0', 'vp9_p2', 'h264_avc', 'h264_annexb'], 'avc1.42001F');
for (const [variant, codec] of Object.entries(RECONFIGURE)) {
  test(`WPT reconfiguring-encoder ?${variant}: Reconfiguring encoder`, async () => {
    const params = { ...codec, hardwareAcceleration: 'prefer-software', bitrateMode: 'constant', framerate: 30,
      width: 800, height: 600, bitrate: 3000000 };
    assert.equal((await VideoEncoder.isConfigSupported(params)).supported, true);
    let reconfiguredAt = 0;
    const counts = { before: 0, after: 0 };
    const sizes = [];
    const enc = new VideoEncoder({
      output: (chunk, meta) => {
        const after = reconfiguredAt !== 0 && chunk.timestamp >= reconfiguredAt;
        counts[after ? 'after' : 'before']++;
        if (meta?.decoderConfig) sizes.push([after, meta.decoderConfig.codedWidth, meta.decoderConfig.codedHeight]);
      },
      error: (e) => assert.fail(e),
    });
    enc.configure(params);
    await enc.flush();
    let ts = 0;
    for (let i = 0; i < 16; i++) { const f = dottedFrame(800, 600, i, ts++); enc.encode(f, {}); f.close(); }
    enc.configure({ ...params, width: 640, height: 480, bitrate: 2000000 });
    reconfiguredAt = ts;
    for (let i = 0; i < 16; i++) { const f = dottedFrame(640, 480, i, ts++); enc.encode(f, {}); f.close(); }
    await enc.flush();
    enc.configure(params);
    await enc.flush();
    enc.close();
    assert.deepEqual(counts, { before: 16, after: 16 });
    assert.ok(sizes.length >= 2);
    for (const [after, w, h] of sizes) assert.deepEqual([w, h], after ? [640, 480] : [800, 600]);
  });
}

// --- video-decoder-no-size-in-configure.https.any.js: a decoder config without coded size or
// display aspect still decodes, and the frame has the encoded size.
const NO_SIZE = encoderVariants(['av1', 'vp8', 'vp9_p0', 'h264_avc', 'h264_annexb']);
for (const [variant, codec] of Object.entries(NO_SIZE)) {
  test(`WPT video-decoder-no-size-in-configure ?${variant}: Test configure() without setting width and height`, async () => {
    const config = { ...codec, width: 320, height: 240, framerate: 30, bitrate: 3000000 };
    assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true);
    const { chunks, decoderConfig } = await encodeAll(config, [dottedFrame(320, 240, 0, 0)]);
    for (const k of ['codedWidth', 'codedHeight', 'displayAspectWidth', 'displayAspectHeight']) delete decoderConfig[k];
    assert.equal((await VideoDecoder.isConfigSupported(decoderConfig)).supported, true);
    const [frame] = await decodeAll(decoderConfig, chunks.slice(-1));
    assert.deepEqual([frame.codedWidth, frame.codedHeight], [320, 240]);
    frame.close();
  });
}

// --- video-encoder-rescaling.https.any.js: a frame of one size encoded with a config of
// another comes out at the config's size, still showing its four quadrants (yellow, red / green,
// blue); the mean error per channel stays within 5 %. The frames are RGBX or I420 (JPEG-style
// full-range BT.601 values, as WPT computes them).
const QUADRANTS = [[255, 255, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]];
const quadrantOf = (x, y, w, h) => (y * 2 >= h ? 2 : 0) + (x * 2 >= w ? 1 : 0);
const toYuv = ([r, g, b]) => [
  Math.floor(0.299 * r + 0.587 * g + 0.114 * b),
  Math.floor(-0.168736 * r - 0.331264 * g + 0.5 * b + 128),
  Math.floor(0.5 * r - 0.418688 * g - 0.081312 * b + 128),
];
function quadrantFrame(format, w, h) {
  if (format === 'RGBX') {
    const data = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([...QUADRANTS[quadrantOf(x, y, w, h)], 255], (y * w + x) * 4);
    return new VideoFrame(data, { format, codedWidth: w, codedHeight: h, displayWidth: w, displayHeight: h, timestamp: 0 });
  }
  const [cw, ch] = [w / 2, h / 2];
  const data = new Uint8Array(w * h + 2 * cw * ch);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = toYuv(QUADRANTS[quadrantOf(x, y, w, h)])[0];
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const [, u, v] = toYuv(QUADRANTS[quadrantOf(x, y, cw, ch)]);
      data[w * h + y * cw + x] = u;
      data[w * h + cw * ch + y * cw + x] = v;
    }
  }
  return new VideoFrame(data, { format, codedWidth: w, codedHeight: h, displayWidth: w, displayHeight: h, timestamp: 0 });
}
const RESCALE_VARIANTS = NO_SIZE;
const SCALES = [[64, 64, 128, 128], [128, 128, 128, 128], [128, 128, 64, 64], [32, 32, 96, 96], [192, 192, 64, 64],
  [64, 32, 128, 64], [128, 256, 64, 128], [64, 64, 128, 192], [128, 192, 64, 64]];
for (const [variant, codec] of Object.entries(RESCALE_VARIANTS)) {
  for (const [fw, fh, tw, th] of SCALES) {
    for (const format of ['RGBX', 'I420']) {
      test(`WPT video-encoder-rescaling ?${variant}: Scaling Image in Encoding from ${fw} x ${fh} to ${tw} x ${th} Format: ${format}`, async () => {
        const { chunks, decoderConfig } = await encodeAll(
          { ...codec, framerate: 30, bitrate: 3000000, width: tw, height: th }, [quadrantFrame(format, fw, fh)]);
        const [frame] = await decodeAll(decoderConfig, chunks);
        const [w, h] = [frame.codedWidth, frame.codedHeight];
        assert.deepEqual([frame.visibleRect.width, frame.visibleRect.height], [tw, th]);
        const rgbx = new Uint8Array(frame.allocationSize({ format: 'RGBX' }));
        const [{ offset, stride }] = await frame.copyTo(rgbx, { format: 'RGBX' });
        frame.close();
        let err = 0;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const want = QUADRANTS[quadrantOf(x, y, w, h)];
            for (let c = 0; c < 3; c++) err += Math.abs(rgbx[offset + y * stride + x * 4 + c] - want[c]);
          }
        }
        const mean = err / (w * h * 3) / 255;
        assert.ok(mean <= 0.05, `mean error ${mean.toFixed(4)}`);
      });
    }
  }
}

// --- per-frame-qp-encoding.https.any.js: 12 frames in quantizer mode, each with its own QP
// (stepping by 3 through the codec's range), all decode; with QPs 1-20 every frame also shows
// its dots, and no frame shows an extra one.
const QP = {
  av1: { config: { codec: 'av01.0.04M.08' }, member: 'av1', max: 63 },
  vp9_p0: { config: { codec: 'vp09.00.10.08' }, member: 'vp9', max: 63 },
  vp9_p2: { config: { codec: 'vp09.02.10.10' }, member: 'vp9', max: 63 },
};
for (const [variant, { config: codec, member, max }] of Object.entries(QP)) {
  for (const [name, range, validate] of [['Frame QP encoding, full range', [1, max], false],
    ['Frame QP encoding, good range with validation', [1, 20], true]]) {
    test(`WPT per-frame-qp-encoding ?${variant}: ${name}`, async () => {
      const config = { ...codec, width: 320, height: 200, bitrate: 1000000, bitrateMode: 'quantizer', framerate: 30 };
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true);
      const qps = [];
      for (let i = 0, qp = range[0]; i < 12; i++, qp = qp + 3 > range[1] ? range[0] : qp + 3) qps.push(qp);
      const frames = qps.map((_, i) => dottedFrame(320, 200, i, i));
      const { chunks } = await encodeAll(config, frames, (i) => ({ keyFrame: false, [member]: { quantizer: qps[i] } }));
      assert.equal(chunks.length, 12);
      const decoded = await decodeAll({ codec: codec.codec, codedWidth: 320, codedHeight: 200 }, chunks);
      assert.equal(decoded.length, 12);
      const corrupted = [];
      for (const f of decoded) {
        const dark = await darkDots(f, f.timestamp);
        if ((validate && !dark.slice(0, f.timestamp).every(Boolean)) || dark[f.timestamp]) corrupted.push(f.timestamp);
        f.close();
      }
      assert.deepEqual(corrupted, []);
    });
  }
}

// --- video-encoder-h26x-annexb.https.any.js: in every Annex B chunk, parameter sets and SEI
// come before the first slice, the slice type agrees with the chunk type (IDR / IRAP ⇔ key),
// and nothing but allowed units follow the last slice. Key frames every 5th frame of 16.
function naluTypes(bytes, hevc) {
  const types = [];
  for (let i = 3; i <= bytes.length; i++) {
    if (bytes[i - 3] === 0 && bytes[i - 2] === 0 && bytes[i - 1] === 1 && i < bytes.length) {
      types.push(hevc ? (bytes[i] >> 1) & 0x3f : bytes[i] & 0x1f);
    }
  }
  return types;
}
// For each NAL type: 'aud', 'pre' (before the first VCL unit), 'vcl', 'key' (an IDR/IRAP VCL
// unit), 'post' (only after it), 'ignore'.
function h264Kind(t) {
  if (t === 9) return 'aud';
  if ([6, 7, 8, 13, 14, 15, 16, 17, 18].includes(t)) return 'pre';
  if (t === 5) return 'key';
  if (t >= 1 && t <= 4) return 'vcl';
  if ([10, 11, 19].includes(t)) return 'post';
  return 'ignore';
}
function h265Kind(t) {
  if (t === 35) return 'aud';
  if ([32, 33, 34, 39, 41, 42, 43, 44].includes(t) || (t >= 48 && t <= 55)) return 'pre';
  if (t >= 16 && t <= 23) return 'key';
  if (t <= 15 || (t >= 24 && t <= 31)) return 'vcl';
  return 'post';
}
function checkAccessUnit(chunk, hevc) {
  const bytes = new Uint8Array(chunk.byteLength);
  chunk.copyTo(bytes);
  const kinds = naluTypes(bytes, hevc).map(hevc ? h265Kind : h264Kind);
  const firstVcl = kinds.findIndex((k) => k === 'vcl' || k === 'key');
  assert.ok(firstVcl >= 0, 'a slice');
  assert.ok(kinds.slice(1).every((k) => k !== 'aud'), 'an AUD only comes first');
  assert.ok(kinds.slice(firstVcl).every((k) => k !== 'pre'), `no parameter set or prefix SEI after a slice: ${kinds}`);
  assert.ok(kinds.slice(0, firstVcl).every((k) => k !== 'post'), 'no suffix unit before the first slice');
  const key = kinds.includes('key');
  if (!hevc) assert.ok(kinds.filter((k) => k === 'vcl' || k === 'key').every((k) => (k === 'key') === key));
  assert.equal(key, chunk.type === 'key', `the slices say ${key ? 'key' : 'delta'}, the chunk ${chunk.type}`);
}
const ANNEXB = {
  h264_annexb_software: { codec: 'avc1.42001E', avc: { format: 'annexb' }, hardwareAcceleration: 'prefer-software' },
  h264_annexb_hardware: { codec: 'avc1.42001E', avc: { format: 'annexb' }, hardwareAcceleration: 'prefer-hardware' },
  h265_annexb_software: { codec: 'hvc1.1.6.L123.00', hevc: { format: 'annexb' }, hardwareAcceleration: 'prefer-software' },
  h265_annexb_hardware: { codec: 'hvc1.1.6.L123.00', hevc: { format: 'annexb' }, hardwareAcceleration: 'prefer-hardware' },
};
for (const [variant, codec] of Object.entries(ANNEXB)) {
  const config = { ...codec, width: 320, height: 200, bitrate: 1000000, framerate: 30 };
  const W = `WPT video-encoder-h26x-annexb ?${variant}:`;
  if (variant.endsWith('hardware')) {
    test(`${W} prefer-hardware is not supported by this build (WPT: optional)`, async () => {
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, false);
    });
    continue;
  }
  test(`${W} Verify stream compliance h26x annexb`, async () => {
    assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true);
    const frames = Array.from({ length: 16 }, (_, i) => dottedFrame(320, 200, i, i));
    const { chunks } = await encodeAll(config, frames, (i) => ({ keyFrame: i % 5 === 0 }));
    assert.equal(chunks.length, 16);
    chunks.forEach((c) => checkAccessUnit(c, variant.startsWith('h265')));
    assert.deepEqual(chunks.filter((c) => c.type === 'key').map((c) => c.timestamp), [0, 5, 10, 15]);
  });
}

// --- video-encoder-hbd.https.any.js: one 64x48 frame of a high-bit-depth format, Y/U/V at
// 96/155/104 (8-bit scale; sRGB about 50, 100, 150), encoded (8-bit profiles convert it down,
// VP9 profiles 2 and 3 keep the depth), decoded and read back as RGBA within 25.
const HBD = {
  av1: { codec: 'av01.0.04M.08' },
  vp8: { codec: 'vp8' },
  vp9: { codec: 'vp09.00.10.08' },
  vp9_p1: { codec: 'vp09.01.10.08.03', optional: true },
  vp9_p2: { codec: 'vp09.02.10.10' },
  vp9_p3: { codec: 'vp09.03.10.10.03', optional: true },
  h264: { codec: 'avc1.42001E', avc: { format: 'avc' } },
};
const HBD_FORMATS = ['I420P10', 'I422P10', 'I444P10', 'I420P12', 'I422P12', 'I444P12', 'I420AP10', 'I422AP10', 'I444AP10'];
function hbdFrame(format, w, h) {
  const [cw, ch] = format.startsWith('I420') ? [w / 2, h / 2] : format.startsWith('I422') ? [w / 2, h] : [w, h];
  const shift = format.includes('P12') ? 4 : 2;
  const alpha = format.includes('AP');
  const data = new Uint16Array(w * h * (alpha ? 2 : 1) + 2 * cw * ch);
  data.fill(96 << shift, 0, w * h);
  data.fill(155 << shift, w * h, w * h + cw * ch);
  data.fill(104 << shift, w * h + cw * ch, w * h + 2 * cw * ch);
  if (alpha) data.fill((1 << (8 + shift)) - 1, w * h + 2 * cw * ch);
  return new VideoFrame(data, { format, timestamp: 0, codedWidth: w, codedHeight: h });
}
for (const [variant, { optional, ...codec }] of Object.entries(HBD)) {
  const config = { ...codec, width: 64, height: 48, bitrate: 1000000, framerate: 30 };
  const W = `WPT video-encoder-hbd ?${variant}:`;
  if (optional) {
    // libvpx profiles 1 and 3 (4:4:4) are not enabled in this build's encoder.
    test(`${W} ${codec.codec} is not supported by this build (WPT: optional)`, async () => {
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, false);
    });
    continue;
  }
  const hbd = variant === 'vp9_p2';
  for (const format of HBD_FORMATS) {
    test(`${W} Test ${hbd ? '16-bit high-bit-depth encoding' : '16-to-8 bit conversion encoding'} of ${format}`, async () => {
      assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true);
      const { chunks, decoderConfig } = await encodeAll(config, [hbdFrame(format, 64, 48)]);
      assert.equal(chunks.length, 1);
      assert.ok(chunks[0].byteLength > 0);
      assert.equal((await VideoDecoder.isConfigSupported(decoderConfig)).supported, true);
      const [frame] = await decodeAll(decoderConfig, chunks);
      if (hbd) assert.match(frame.format, /P10$/, 'profile 2 decodes to 10 bits');
      const rgba = new Uint8Array(frame.allocationSize({ format: 'RGBA' }));
      await frame.copyTo(rgba, { format: 'RGBA' });
      frame.close();
      const want = [50, 100, 150, 255];
      want.forEach((v, i) => assert.ok(Math.abs(rgba[i] - v) <= 25, `channel ${i}: ${rgba[i]}, want ${v} ± 25`));
    });
  }
}
