'use strict';
// The processing model end to end: flush/reset/close ordering, queue sizes, dequeue events,
// errors and their types.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoDecoder, VideoFrame, EncodedVideoChunk } = require('../..');
const { makeFrame, encodeFrames, chunkBytes, tick } = require('../helpers');

const CFG = { codec: 'avc1.42001f', width: 160, height: 120 };

function encoder() {
  const out = [];
  const errors = [];
  const enc = new VideoEncoder({ output: (c, m) => out.push([c, m]), error: (e) => errors.push(e) });
  return { enc, out, errors };
}

test('reset() while a flush is pending rejects it with AbortError; no error callback', async () => {
  const { enc, out, errors } = encoder();
  enc.configure(CFG);
  for (let i = 0; i < 20; i++) { const f = makeFrame(160, 120, i); enc.encode(f); f.close(); }
  const p = enc.flush();
  enc.reset();
  assert.equal(enc.state, 'unconfigured');
  assert.equal(enc.encodeQueueSize, 0);
  await assert.rejects(p, (e) => e instanceof DOMException && e.name === 'AbortError');
  const seen = out.length;
  await tick(100);
  assert.equal(out.length, seen, 'no outputs after reset');
  assert.deepEqual(errors, []);
  enc.close();
});

test('close() with a pending flush and queued frames: AbortError, then silence', async () => {
  const { enc, out, errors } = encoder();
  let dequeues = 0;
  enc.ondequeue = () => { dequeues++; };
  enc.configure(CFG);
  for (let i = 0; i < 30; i++) { const f = makeFrame(160, 120, i); enc.encode(f); f.close(); }
  const p = enc.flush();
  enc.close();
  assert.equal(enc.state, 'closed');
  const after = [out.length, errors.length, dequeues];
  await assert.rejects(p, { name: 'AbortError' });
  await tick(200);
  assert.deepEqual([out.length, errors.length, dequeues], after, 'no callbacks after close()');
  assert.throws(() => enc.reset(), { name: 'InvalidStateError' });
  assert.throws(() => enc.close(), { name: 'InvalidStateError' });
  assert.throws(() => enc.configure(CFG), { name: 'InvalidStateError' });
  await assert.rejects(enc.flush(), { name: 'InvalidStateError' });
});

test('no output of the previous configuration after reset()', async () => {
  const { enc, out } = encoder();
  enc.configure(CFG);
  for (let i = 0; i < 15; i++) { const f = makeFrame(160, 120, i, { timestamp: i }); enc.encode(f); f.close(); }
  await tick(5);
  enc.reset();
  const before = out.length;
  enc.configure(CFG);
  for (let i = 0; i < 10; i++) { const f = makeFrame(160, 120, i, { timestamp: 1e9 + i }); enc.encode(f); f.close(); }
  await enc.flush();
  const after = out.slice(before).map(([c]) => c.timestamp);
  assert.equal(after.length, 10);
  assert.ok(after.every((t) => t >= 1e9), `old timestamps leaked: ${after}`);
  assert.ok(out[before][1].decoderConfig, 'first chunk after reconfigure carries decoderConfig');
  enc.close();
});

test('outputs of flushed work are all delivered before the flush resolves (1500 frames)', async () => {
  const { enc, out } = encoder();
  enc.configure({ codec: 'vp8', width: 16, height: 16, latencyMode: 'realtime' });
  const f = makeFrame(16, 16, 0);
  for (let i = 0; i < 1500; i++) enc.encode(f);
  f.close();
  await enc.flush();
  assert.equal(out.length, 1500);
  enc.close();
});

test('encodeQueueSize and dequeue events', async () => {
  const { enc } = encoder();
  const events = [];
  enc.addEventListener('dequeue', () => events.push(['listener', enc.encodeQueueSize]));
  enc.ondequeue = () => events.push(['handler', enc.encodeQueueSize]);
  enc.configure(CFG);
  assert.equal(enc.encodeQueueSize, 0);
  const frame = makeFrame(160, 120, 0);
  for (let i = 1; i <= 5; i++) {
    enc.encode(frame);
    assert.equal(enc.encodeQueueSize, i, 'incremented synchronously');
  }
  assert.equal(events.length, 0, 'no dequeue event inside the calling task');
  await enc.flush();
  assert.equal(enc.encodeQueueSize, 0);
  await tick(10);
  assert.ok(events.length >= 2, 'dequeue fired');
  assert.ok(events.length <= 10, 'coalesced: never more events than decrements');
  // Both listener kinds fire for each event, listener first (registered first).
  assert.equal(events.filter(([k]) => k === 'listener').length, events.filter(([k]) => k === 'handler').length);
  // Reset with a non-empty queue fires exactly one more dequeue event.
  for (let i = 0; i < 5; i++) enc.encode(frame);
  events.length = 0;
  enc.reset();
  assert.equal(enc.encodeQueueSize, 0);
  await tick(20);
  assert.ok(events.length >= 1 && events.length <= 2 * 2, `events after reset: ${events.length}`);
  frame.close();
  enc.close();
});

test('encode → flush → encode → flush keeps working (codec re-armed)', async () => {
  const { enc, out, errors } = encoder();
  enc.configure(CFG);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 5; i++) { const f = makeFrame(160, 120, round * 5 + i); enc.encode(f); f.close(); }
    await enc.flush();
    assert.equal(out.length, (round + 1) * 5);
  }
  assert.deepEqual(errors, []);
  enc.close();
});

test('decoder: key chunk required after configure and flush (DataError); decode after flush works', async () => {
  const { chunks, metas } = await encodeFrames({ ...CFG, latencyMode: 'realtime' }, 10, { keyFrameAt: (i) => i === 5 });
  const frames = [];
  const dec = new VideoDecoder({ output: (f) => frames.push(f), error: assert.fail });
  assert.throws(() => dec.decode(chunks[0]), { name: 'InvalidStateError' });
  dec.configure(metas[0].decoderConfig);
  assert.throws(() => dec.decode(chunks[1]), (e) => e instanceof DOMException && e.name === 'DataError');
  for (const c of chunks.slice(0, 5)) dec.decode(c);
  await dec.flush();
  assert.throws(() => dec.decode(chunks[6]), { name: 'DataError' });
  for (const c of chunks.slice(5)) dec.decode(c);
  await dec.flush();
  assert.equal(frames.length, 10);
  assert.deepEqual(frames.map((f) => f.timestamp), chunks.map((c) => c.timestamp));
  frames.forEach((f) => f.close());
  dec.close();
});

test('decoder: corrupt data → error callback with EncodingError, closed, flush rejected with it', async () => {
  const errors = [];
  const dec = new VideoDecoder({ output: () => {}, error: (e) => errors.push(e) });
  dec.configure({ codec: 'vp8' });
  const junk = new Uint8Array(2000).map((_, i) => (i * 7919) & 255);
  // A VP8 key frame tag and start code, then garbage: passes the key check, fails decoding.
  junk.set([0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
  dec.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, data: junk }));
  const p = dec.flush();
  await assert.rejects(p, (e) => e instanceof DOMException && e.name === 'EncodingError');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].name, 'EncodingError');
  assert.equal(dec.state, 'closed');
});

test('unsupported but valid config: configure() does not throw; NotSupportedError arrives async', async () => {
  for (const Ctor of [VideoEncoder, VideoDecoder]) {
    const errors = [];
    const c = new Ctor({ output: () => {}, error: (e) => errors.push(e) });
    const cfg = Ctor === VideoEncoder ? { codec: 'bogus', width: 64, height: 64 } : { codec: 'bogus' };
    c.configure(cfg);
    assert.equal(c.state, 'configured');
    const p = c.flush();
    await assert.rejects(p, { name: 'NotSupportedError' });
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof DOMException);
    assert.equal(errors[0].name, 'NotSupportedError');
    assert.equal(c.state, 'closed');
  }
});

test('invalid configs are TypeErrors thrown synchronously, before the state check', () => {
  const { enc } = encoder();
  assert.throws(() => enc.configure({ codec: '', width: 64, height: 64 }), TypeError);
  assert.throws(() => enc.configure({ codec: 'vp8', width: 0, height: 64 }), TypeError);
  assert.throws(() => enc.configure({ codec: 'vp8', height: 64 }), TypeError);
  assert.throws(() => enc.configure({ codec: 'vp8', width: 64, height: 64, latencyMode: 'fast' }), TypeError);
  assert.throws(() => enc.configure({ codec: 'vp8', width: -1, height: 64 }), TypeError);
  assert.equal(enc.state, 'unconfigured');
  enc.close();
  assert.throws(() => enc.configure({ codec: '', width: 64, height: 64 }), TypeError);
  const dec = new VideoDecoder({ output: () => {}, error: () => {} });
  assert.throws(() => dec.configure({ codec: 'vp8', codedWidth: 64 }), TypeError);
  assert.throws(() => dec.configure({ codec: ' ' }), TypeError);
  assert.throws(() => new VideoEncoder({ output: () => {} }), TypeError);
  assert.throws(() => new VideoDecoder({ output: 1, error: () => {} }), TypeError);
  dec.close();
});

test('isConfigSupported resolves {supported, config} and rejects invalid configs', async () => {
  const r = await VideoEncoder.isConfigSupported({ codec: 'avc1.42001f', width: 640, height: 480, futureKey: 1 });
  assert.equal(r.supported, true);
  assert.equal(r.config.codec, 'avc1.42001f');
  assert.equal('futureKey' in r.config, false);
  assert.equal(r.config.latencyMode, 'quality');
  assert.equal((await VideoEncoder.isConfigSupported({ codec: 'vp8', width: 64, height: 64 })).supported, true);
  assert.equal((await VideoEncoder.isConfigSupported({ codec: 'avc1.42001', width: 64, height: 64 })).supported, false);
  assert.equal((await VideoDecoder.isConfigSupported({ codec: 'vp8' })).supported, true);
  assert.equal((await VideoDecoder.isConfigSupported({ codec: ' vp8' })).supported, false);
  await assert.rejects(VideoEncoder.isConfigSupported({ codec: 'vp8', width: 0, height: 1 }), TypeError);
  await assert.rejects(VideoDecoder.isConfigSupported({ codec: '' }), TypeError);
});

test('errors thrown by the output callback are reported and do not break bookkeeping', () => {
  // In a child process: the exceptions surface as uncaught exceptions, as from any callback.
  const { execFileSync } = require('node:child_process');
  const script = `
    const { VideoEncoder } = require(${JSON.stringify(require.resolve('../..'))});
    const { makeFrame } = require(${JSON.stringify(require.resolve('../helpers'))});
    const uncaught = [];
    process.on('uncaughtException', (e) => uncaught.push(e.message));
    const seen = [];
    const enc = new VideoEncoder({ output: (c) => { seen.push(c); throw new Error('user bug'); }, error: () => {} });
    enc.configure({ codec: 'vp8', width: 64, height: 64 });
    for (let i = 0; i < 3; i++) { const f = makeFrame(64, 64, i); enc.encode(f); f.close(); }
    enc.flush().then(() => setTimeout(() => {
      console.log(JSON.stringify({ seen: seen.length, uncaught, queue: enc.encodeQueueSize }));
      enc.close();
    }, 10));
  `;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  assert.deepEqual(out, { seen: 3, uncaught: ['user bug', 'user bug', 'user bug'], queue: 0 });
});

test('encode(): a frame whose orientation differs from the first one is a DataError', async () => {
  const { enc, out } = encoder();
  enc.configure(CFG);
  const a = makeFrame(160, 120, 0);
  const rotated = new VideoFrame(a, { rotation: 90 });
  enc.encode(a);
  assert.throws(() => enc.encode(rotated), (e) => e instanceof DOMException && e.name === 'DataError');
  enc.encode(a);
  await enc.flush();
  assert.equal(out.length, 2);
  // configure() forgets the orientation.
  enc.configure(CFG);
  enc.encode(rotated);
  await enc.flush();
  assert.equal(out.length, 3);
  a.close();
  rotated.close();
  enc.close();
});

// Encoder configs of `width` × `height` for every codec and bitstream format (HEVC's two only
// with `hevc`).
function everyFormat(width, height, { hevc = false } = {}) {
  const hevcFormats = [{ codec: 'hvc1.1.6.L93.B0' }, { codec: 'hvc1.1.6.L93.B0', hevc: { format: 'annexb' } }];
  return [
    { codec: 'avc1.42001f' },
    { codec: 'avc1.42001f', avc: { format: 'annexb' } },
    ...(hevc ? hevcFormats : []),
    { codec: 'vp8' },
    { codec: 'vp09.00.10.08' },
    { codec: 'av01.0.04M.08' },
  ].map((config) => ({ ...config, width, height }));
}

test('decoder: a delta frame labelled "key" is a DataError (the chunk is inspected)', async () => {
  for (const config of everyFormat(64, 64)) {
    const { chunks, metas } = await encodeFrames(config, 3);
    assert.equal(chunks[1].type, 'delta');
    const dec = new VideoDecoder({ output: (f) => f.close(), error: assert.fail });
    dec.configure(metas[0].decoderConfig);
    const fake = new EncodedVideoChunk({ type: 'key', timestamp: 0, data: chunkBytes(chunks[1]) });
    assert.throws(() => dec.decode(fake), (e) => e instanceof DOMException && e.name === 'DataError', config.codec);
    assert.equal(dec.state, 'configured', 'the DataError leaves the decoder configured');
    assert.equal(dec.decodeQueueSize, 0);
    // The real key chunk is accepted, and the rest decodes.
    for (const c of chunks) dec.decode(c);
    await dec.flush();
    dec.close();
  }
});

test('decoder: a delta chunk with every 4th byte set to 0xFF is an EncodingError for every codec', async () => {
  for (const config of everyFormat(96, 64, { hevc: true })) {
    const what = `${config.codec} ${config.avc?.format ?? config.hevc?.format ?? ''}`;
    const { chunks, metas } = await encodeFrames(config, 3);
    const errors = [];
    let outputs = 0;
    const dec = new VideoDecoder({ output: (f) => { outputs++; f.close(); }, error: (e) => errors.push(e) });
    dec.configure(metas[0].decoderConfig);
    dec.decode(chunks[0]);
    const bad = chunkBytes(chunks[2]);
    for (let i = 0; i < bad.length; i += 4) bad[i] = 0xff;
    dec.decode(new EncodedVideoChunk({ type: 'delta', timestamp: 2, data: bad }));
    await assert.rejects(dec.flush(), (e) => e instanceof DOMException && e.name === 'EncodingError', what);
    assert.equal(errors.length, 1, what);
    assert.equal(errors[0].name, 'EncodingError', what);
    assert.equal(dec.state, 'closed', what);
    assert.ok(outputs <= 1, what);
  }
});
