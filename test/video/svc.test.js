'use strict';
// scalabilityMode L1T2/L1T3: metadata.svc.temporalLayerId on every chunk, and the layering is
// real: the base layer alone (and every lower-layer subset) decodes to the right pictures.
// VP8/VP9: libvpx reference flags. AV1: libaom's SVC controls. H.264/HEVC: runs of non-reference B-frames, so chunks come
// in decode order; ids are checked in presentation order.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoFrame, EncodedVideoChunk } = require('../..');
const { encodeFrames, decodeChunks, frameY, i420Pattern, makeFrame, psnr } = require('../helpers');

const W = 320;
const H = 240;
// 26 frames with a key frame at 9: every x264/x265 B-frame run is complete (9 and 25 are
// anchors in both modes), so their pattern is exactly libvpx's.
const N = 26;
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

const frameIndex = (c) => Math.round(c.timestamp * 30 / 1e6);

const CASES = [
  ['vp8', {}],
  ['vp09.00.10.08', {}],
  ['avc1.4d001f', { avc: { format: 'avc' } }],
  ['avc1.640028', { avc: { format: 'annexb' }, latencyMode: 'realtime' }],
  ['hvc1.1.6.L93.B0', { hevc: { format: 'hevc' } }],
  ['hev1.1.6.L93.B0', { hevc: { format: 'annexb' }, latencyMode: 'realtime' }],
  // AV1: libaom directly (SVC controls), dav1d decodes the subsets.
  ['av01.0.04M.08', {}],
  ['av01.0.04M.08', { latencyMode: 'realtime', bitrateMode: 'constant' }],
];

for (const [codec, extra] of CASES) {
  for (const [mode, pattern] of [['L1T2', [0, 1]], ['L1T3', [0, 2, 1, 2]]]) {
    test(`${codec} ${JSON.stringify(extra)} ${mode}: temporalLayerId pattern and layer subsets decode`, async () => {
      const config = { codec, width: W, height: H, bitrate: 600_000, framerate: 30, scalabilityMode: mode, ...extra };
      const { chunks, metas } = await encodeFrames(config, N, { keyFrameAt: (i) => KEYS.includes(i) });
      assert.equal(chunks.length, N);
      // Presentation order (x264/x265 emit B-frames after the anchor that follows them).
      const order = chunks.map((_, k) => k).sort((a, b) => chunks[a].timestamp - chunks[b].timestamp);
      assert.deepEqual(order.map((k) => frameIndex(chunks[k])), Array.from({ length: N }, (_, i) => i));
      const ids = metas.map((m) => m.svc?.temporalLayerId);
      assert.deepEqual(order.map((k) => ids[k]), expectedIds(pattern));
      assert.deepEqual(order.flatMap((k, i) => (chunks[k].type === 'key' ? [i] : [])), KEYS);
      const dc = metas[0].decoderConfig;
      for (let top = 0; top <= Math.max(...pattern); top++) {
        const subset = chunks.filter((_, k) => ids[k] <= top);
        const frames = await decodeChunks(dc, subset);
        assert.deepEqual(
          frames.map((f) => f.timestamp),
          subset.map((c) => c.timestamp).sort((a, b) => a - b),
          `layers <= ${top}`,
        );
        let worst = Infinity;
        for (let k = 0; k < frames.length; k++) {
          const i = frameIndex(frames[k]);
          worst = Math.min(worst, psnr(await frameY(frames[k]), i420Pattern(W, H, i)));
          frames[k].close();
        }
        assert.ok(worst > 30, `layers <= ${top}: worst PSNR ${worst.toFixed(2)} dB`);
      }
    });
  }
}

// Key frames requested in the middle of an x264/x265 B-frame run shorten the run (the frame
// before the key frame becomes a P-frame): the ids follow the coded stream, so dropping upper
// layers still yields exactly the remaining frames.
for (const codec of ['avc1.640028', 'hvc1.1.6.L93.B0']) {
  test(`${codec} L1T3: key frames mid-run keep every layer subset decodable`, async () => {
    const keys = [0, 6, 11];
    const n = 20;
    const config = { codec, width: W, height: H, bitrate: 600_000, framerate: 30, scalabilityMode: 'L1T3' };
    const { chunks, metas } = await encodeFrames(config, n, { keyFrameAt: (i) => keys.includes(i) });
    assert.equal(chunks.length, n);
    const idAt = new Map(chunks.map((c, k) => [frameIndex(c), metas[k].svc.temporalLayerId]));
    for (const k of keys) assert.equal(idAt.get(k), 0, `key frame ${k} on layer 0`);
    for (const k of [5, 10, n - 1]) assert.equal(idAt.get(k), 0, `frame ${k} is an anchor`);
    assert.deepEqual(
      chunks.flatMap((c) => (c.type === 'key' ? [frameIndex(c)] : [])),
      keys,
    );
    for (const top of [0, 1, 2]) {
      const subset = chunks.filter((_, k) => metas[k].svc.temporalLayerId <= top);
      const frames = await decodeChunks(metas[0].decoderConfig, subset);
      assert.deepEqual(
        frames.map((f) => frameIndex(f)),
        subset.map(frameIndex).sort((a, b) => a - b),
      );
      for (const f of frames) {
        assert.ok(psnr(await frameY(f), i420Pattern(W, H, frameIndex(f))) > 30);
        f.close();
      }
    }
  });
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
  for (const codec of ['vp8', 'vp09.00.10.08', 'avc1.4d001f', 'avc1.640028', 'hvc1.1.6.L93.B0', 'av01.0.04M.08']) {
    for (const m of ['L1T1', 'L1T2', 'L1T3']) assert.equal(await supported(codec, m), true, `${codec} ${m}`);
    for (const m of ['L1T4', 'L2T1', 'S2T2', 'L1T2h', '']) assert.equal(await supported(codec, m), false, `${codec} ${m}`);
  }
  // 10-bit AV1 only with layers (libaom directly; FFmpeg's wrapper path is 8-bit).
  assert.equal(await supported('av01.0.04M.10', 'L1T2'), true);
  assert.equal(await supported('av01.0.04M.10', undefined), true);
  // H.264 Constrained Baseline: no B-frames, which the H.264 layers are made of.
  for (const codec of ['avc1.42001f']) {
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

// AV1 10-bit: the libaom session takes I420P10 input (here converted from I420) and every layer
// subset decodes to 10-bit frames.
test('av01.0.04M.10 L1T3: 10-bit layers decode', async () => {
  const config = { codec: 'av01.0.04M.10', width: W, height: H, bitrate: 600_000, framerate: 30, scalabilityMode: 'L1T3' };
  const { chunks, metas } = await encodeFrames(config, 8);
  const ids = metas.map((m) => m.svc.temporalLayerId);
  assert.deepEqual(ids, [0, 2, 1, 2, 0, 2, 1, 2]);
  for (const top of [0, 1, 2]) {
    const subset = chunks.filter((_, k) => ids[k] <= top);
    const frames = await decodeChunks(metas[0].decoderConfig, subset);
    assert.equal(frames.length, subset.length);
    for (const f of frames) {
      assert.equal(f.format, 'I420P10');
      f.close();
    }
  }
});

// AV1 layers: flush mid-stream restarts the pattern on a key chunk; reset and close in the
// middle of a stream end the libaom session cleanly.
test('av01.0.04M.08 L1T2: flush, reset and close mid-stream', async () => {
  const chunks = [];
  const metas = [];
  const errors = [];
  const enc = new VideoEncoder({
    output: (c, m) => { chunks.push(c); metas.push(m); },
    error: (e) => errors.push(e),
  });
  const config = { codec: 'av01.0.04M.08', width: W, height: H, bitrate: 600_000, framerate: 30, scalabilityMode: 'L1T2' };
  enc.configure(config);
  // Encodes pattern frames `from` to `to` - 1.
  const encodeRange = (from, to) => {
    for (let i = from; i < to; i++) {
      const f = makeFrame(W, H, i);
      enc.encode(f);
      f.close();
    }
  };
  encodeRange(0, 3);
  await enc.flush();
  encodeRange(3, 7);
  await enc.flush();
  assert.equal(chunks.length, 7);
  assert.deepEqual(metas.map((m) => m.svc.temporalLayerId), [0, 1, 0, 0, 1, 0, 1]);
  assert.deepEqual(chunks.map((c) => c.type === 'key'), [true, false, false, true, false, false, false]);
  const frames = await decodeChunks(metas[0].decoderConfig, chunks);
  assert.equal(frames.length, 7);
  for (const f of frames) f.close();
  encodeRange(0, 3);
  enc.reset();
  assert.equal(enc.state, 'unconfigured');
  enc.configure(config);
  encodeRange(0, 3);
  enc.close();
  assert.equal(enc.state, 'closed');
  assert.deepEqual(errors, []);
});

// AV1 layers in quantizer mode: a per-frame av1.quantizer change applies in place, with no
// key frame and the layer pattern going on.
test('av01.0.04M.08 L1T2: per-frame av1.quantizer', async () => {
  const chunks = [];
  const metas = [];
  const enc = new VideoEncoder({
    output: (c, m) => { chunks.push(c); metas.push(m); },
    error: (e) => assert.fail(e),
  });
  enc.configure({ codec: 'av01.0.04M.08', width: W, height: H, framerate: 30, bitrateMode: 'quantizer', scalabilityMode: 'L1T2' });
  for (let i = 0; i < 8; i++) {
    const f = makeFrame(W, H, i);
    enc.encode(f, { av1: { quantizer: i < 4 ? 10 : 55 } });
    f.close();
  }
  await enc.flush();
  enc.close();
  assert.deepEqual(metas.map((m) => m.svc.temporalLayerId), [0, 1, 0, 1, 0, 1, 0, 1]);
  assert.deepEqual(chunks.map((c) => c.type), ['key', 'delta', 'delta', 'delta', 'delta', 'delta', 'delta', 'delta']);
  // Layer-0 inter chunks at q 10 (frame 2) and q 55 (frame 6).
  assert.ok(chunks[2].byteLength > 2 * chunks[6].byteLength, `${chunks[2].byteLength} vs ${chunks[6].byteLength}`);
  const frames = await decodeChunks(metas[0].decoderConfig, chunks);
  assert.equal(frames.length, 8);
  for (const f of frames) {
    assert.ok(psnr(await frameY(f), i420Pattern(W, H, frameIndex(f))) > 28);
    f.close();
  }
});

// Strict: every frame of a lower-layer subset, decoded alone, is bit for bit the frame the
// full stream decodes to. The content changes every frame (one more dark square per frame,
// and from frame 7 on, in half of the runs, a scene cut: every sample inverted), so a base
// layer that leaned on an upper-layer frame, or an encoder's own key frame on an upper layer,
// shows up as a different picture. (The Rust tests run the whole matrix, both latency modes
// with and without the cut; here each codec and mode runs quality with the cut and realtime
// without.)
const SW = 160;
const SH = 128;
const SN = 24;
const SKEYS = [0, 13];

function squaresFrame(t, { cut = false, alpha = false } = {}) {
  const colour = i420Pattern(SW, SH, t);
  const buf = new Uint8Array(colour.length + (alpha ? SW * SH : 0));
  buf.set(colour);
  const square = (k, plane, v) => {
    const x = (7 + 37 * k) % (SW - 6);
    const y = (5 + 23 * k) % (SH - 6);
    for (let r = y; r < y + 6; r++) for (let c = x; c < x + 6; c++) buf[plane + r * SW + c] = v;
  };
  for (let k = 0; k <= t; k++) square(k, 0, 16);
  if (cut && t >= 7) for (let i = 0; i < colour.length; i++) buf[i] = 255 - buf[i];
  if (alpha) {
    buf.fill(200, colour.length);
    for (let k = 0; k <= t; k++) square(3 * k + 1, colour.length, 40);
  }
  return new VideoFrame(buf, {
    format: alpha ? 'I420A' : 'I420', codedWidth: SW, codedHeight: SH, timestamp: t * 33_333, duration: 33_333,
  });
}

async function pixels(frame) {
  const b = new Uint8Array(frame.allocationSize());
  await frame.copyTo(b);
  frame.close();
  return b;
}

// Decodes `chunks` (with layer ids `ids`) in full and every lower-layer subset alone; each
// subset frame must equal the full decode's frame of the same timestamp, byte for byte.
async function assertSubsetsExact(what, config, chunks, ids) {
  const full = new Map();
  for (const f of await decodeChunks(config, chunks)) full.set(f.timestamp, await pixels(f));
  assert.equal(full.size, chunks.length, `${what}: full stream`);
  for (let top = 0; top < Math.max(...ids); top++) {
    const subset = chunks.filter((_, k) => ids[k] <= top);
    const frames = await decodeChunks(config, subset);
    assert.deepEqual(frames.map((f) => f.timestamp), subset.map((c) => c.timestamp).sort((a, b) => a - b));
    const differ = [];
    for (const f of frames) {
      const ts = f.timestamp;
      if (Buffer.compare(await pixels(f), full.get(ts)) !== 0) differ.push(Math.round(ts * 30 / 1e6));
    }
    assert.deepEqual(differ, [], `${what}: layers <= ${top} decode differently at frames ${differ}`);
  }
}

const STRICT = ['vp8', 'vp09.00.10.08', 'vp09.02.10.10', 'av01.0.04M.08', 'av01.0.04M.10', 'avc1.4d001f', 'avc1.640028', 'hvc1.1.6.L93.B0'];
async function encodeSquares(config, opts) {
  const chunks = [];
  const metas = [];
  const enc = new VideoEncoder({ output: (c, m) => { chunks.push(c); metas.push(m); }, error: assert.fail });
  enc.configure(config);
  for (let t = 0; t < SN; t++) {
    const f = squaresFrame(t, opts);
    enc.encode(f, { keyFrame: SKEYS.includes(t) });
    f.close();
  }
  await enc.flush();
  enc.close();
  assert.deepEqual(chunks.filter((c) => c.type === 'key').map(frameIndex).sort((a, b) => a - b), SKEYS, 'key chunks');
  return { chunks, metas, ids: metas.map((m) => m.svc.temporalLayerId) };
}

for (const codec of STRICT) {
  for (const mode of ['L1T2', 'L1T3']) {
    test(`${codec} ${mode}: layer subsets decode bit-identical to the full stream`, async () => {
      for (const [latencyMode, cut] of [['quality', true], ['realtime', false]]) {
        const config = { codec, width: SW, height: SH, bitrate: 600_000, framerate: 30, scalabilityMode: mode, latencyMode };
        const { chunks, metas, ids } = await encodeSquares(config, { cut });
        const what = `${codec} ${mode} ${latencyMode}${cut ? ' scene cut' : ''}`;
        await assertSubsetsExact(what, metas[0].decoderConfig, chunks, ids);
      }
    });
  }
}

// alpha "keep" with layers: the alpha stream (its own encoder, the same layer ids and
// reference flags) has exact layer subsets too.
for (const codec of ['vp8', 'vp09.00.10.08']) {
  for (const mode of ['L1T2', 'L1T3']) {
    test(`${codec} ${mode} alpha keep: the alpha stream's layer subsets decode bit-identical`, async () => {
      const config = { codec, width: SW, height: SH, bitrate: 600_000, framerate: 30, scalabilityMode: mode, alpha: 'keep' };
      const { chunks, metas, ids } = await encodeSquares(config, { cut: true, alpha: true });
      const alpha = chunks.map((c, k) => new EncodedVideoChunk({ type: c.type, timestamp: c.timestamp, data: metas[k].alphaSideData }));
      await assertSubsetsExact(`${codec} ${mode} colour`, metas[0].decoderConfig, chunks, ids);
      await assertSubsetsExact(`${codec} ${mode} alpha`, { codec }, alpha, ids);
    });
  }
}
