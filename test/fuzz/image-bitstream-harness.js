'use strict';
// ImageDecoder bitstream fuzzing: valid images of every supported type (test/fuzz/images.js)
// are truncated, bit-flipped, zeroed, spliced with another image, cut up, or replaced by random
// bytes, then given to an ImageDecoder as a BufferSource or as a ReadableStream in random
// chunks, and frames (in range and beyond) are decoded. Allowed outcomes: decoded frames, or
// EncodingError (RangeError for a frame index beyond the track; AbortError/InvalidStateError
// for decodes that the decoder's own close cancels; TypeError only for empty data). Never a
// crash, a hang or another error; tracks.ready, completed and every decode promise settle.
// Used by image-bitstream.test.js (quick, fixed seed) and test-stress/ (long).
const fc = require('fast-check');
const { ImageDecoder, VideoFrame } = require('../..');
const { images, chunkedStream } = require('./images');
const { withTimeout, PropertyFailure } = require('./api-harness');

const DECODE_NAMES = new Set(['EncodingError', 'RangeError', 'InvalidStateError', 'AbortError']);
// InvalidStateError: the data is complete but ends before the tracks are known (spec: Establish
// Tracks).
const READY_NAMES = new Set(['EncodingError', 'InvalidStateError', 'AbortError']);

const mutationArb = fc.oneof(
  fc.record({ m: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ m: fc.constant('flip'), bit: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ m: fc.constant('zero'), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ m: fc.constant('splice'), other: fc.nat(), at: fc.nat(), from: fc.nat() }),
  fc.record({ m: fc.constant('cut'), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ m: fc.constant('dup'), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ m: fc.constant('insert'), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ m: fc.constant('random'), keep: fc.nat(64), bytes: fc.uint8Array({ maxLength: 2000 }) }),
  // Big-endian 16/32-bit length fields are everywhere in these containers: make them huge.
  fc.record({ m: fc.constant('huge'), at: fc.nat(), v: fc.constantFrom(0xff, 0x7f, 0x80, 0x00) }),
);

const planArb = fc.record({
  image: fc.nat(),
  mutations: fc.array(mutationArb, { minLength: 0, maxLength: 5 }),
  stream: fc.boolean(),
  sizes: fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 }),
  yieldEvery: fc.integer({ min: 0, max: 4 }),
  // Frame indices to decode (mod frameCount + 2, so some are out of range), before and after
  // tracks.ready.
  early: fc.array(fc.nat(), { maxLength: 2 }),
  late: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
  completeFramesOnly: fc.boolean(),
  preferAnimation: fc.option(fc.boolean(), { freq: 3 }),
});

function mutate(bytes, mu, pool) {
  const n = bytes.length;
  const at = n ? mu.at % n : 0;
  switch (mu.m) {
    case 'truncate': return bytes.slice(0, at);
    case 'flip': {
      const d = bytes.slice();
      for (let k = 0; k < mu.count && n; k++) {
        const b = (mu.bit + k * 7919) % (n * 8);
        d[b >> 3] ^= 1 << (b & 7);
      }
      return d;
    }
    case 'zero': { const d = bytes.slice(); d.fill(0, at, at + mu.len); return d; }
    case 'huge': { const d = bytes.slice(); d.fill(mu.v, at, at + 4); return d; }
    case 'splice': {
      const o = pool[mu.other % pool.length].bytes;
      const from = mu.from % o.length;
      const d = new Uint8Array(at + o.length - from);
      d.set(bytes.subarray(0, at));
      d.set(o.subarray(from), at);
      return d;
    }
    case 'cut': return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + mu.len)]);
    case 'dup': return Uint8Array.from([...bytes.subarray(0, at + mu.len), ...bytes.subarray(at)]);
    case 'insert': return Uint8Array.from([...bytes.subarray(0, at), ...mu.bytes, ...bytes.subarray(at)]);
    case 'random': return Uint8Array.from([...bytes.subarray(0, mu.keep), ...mu.bytes]);
    default: throw new Error(mu.m);
  }
}

function checkFrame(image, what) {
  if (!(image instanceof VideoFrame)) throw new PropertyFailure(`${what}: image is not a VideoFrame`);
  const ok = image.codedWidth > 0 && image.codedHeight > 0 && image.allocationSize() > 0
    && image.visibleRect.width > 0 && image.visibleRect.height > 0;
  image.close();
  if (!ok) throw new PropertyFailure(`${what}: bad frame ${image.codedWidth}x${image.codedHeight}`);
}

// Settles `p`; a rejection must be a DOMException (or RangeError/TypeError) named in `names`.
async function settled(p, names, what, ms) {
  try {
    return { ok: true, v: await withTimeout(p, ms, what) };
  } catch (e) {
    if (e instanceof PropertyFailure) throw e;
    const named = e instanceof DOMException || e instanceof RangeError || e instanceof TypeError;
    if (!named || !names.has(e.name)) throw new PropertyFailure(`${what} rejected with ${e && e.name}: ${e && e.message}`);
    return { ok: false, e };
  }
}

async function decodeOnce(plan, pool, ctx) {
  const seed = pool[plan.image % pool.length];
  let bytes = seed.bytes;
  for (const mu of plan.mutations) bytes = mutate(bytes, mu, pool);
  const mutated = plan.mutations.length > 0;
  const what = `${seed.name}${plan.stream ? ' (stream)' : ''}`;
  const init = { type: seed.type, completeFramesOnly: plan.completeFramesOnly };
  if (plan.preferAnimation !== null) init.preferAnimation = plan.preferAnimation;
  init.data = plan.stream ? chunkedStream(bytes, plan.sizes, plan.yieldEvery) : bytes;
  let d;
  try {
    d = new ImageDecoder(init);
  } catch (e) {
    // Only an empty BufferSource is invalid.
    if (e instanceof TypeError && !plan.stream && bytes.length === 0) { ctx.count(`${seed.name} empty`); return; }
    throw new PropertyFailure(`${what}: constructor threw ${e && e.name}: ${e && e.message}`);
  }
  const promises = [];
  const decodeAt = (i, n) => {
    const p = d.decode({ frameIndex: i % (n + 2), completeFramesOnly: plan.completeFramesOnly });
    promises.push(settled(p, DECODE_NAMES, `${what}: decode(${i % (n + 2)})`, ctx.timeoutMs).then((r) => {
      if (r.ok) { checkFrame(r.v.image, what); ctx.frames++; } else ctx.count(`${seed.name} decode ${r.e.name}`);
      // A valid image decodes every frame in range.
      if (!mutated && !r.ok && r.e.name !== 'RangeError') throw new PropertyFailure(`${what}: valid image, decode ${r.e.name}: ${r.e.message}`);
      return r;
    }));
  };
  const max = Math.max(...seed.frameCounts);
  for (const i of plan.early) decodeAt(i, max);
  const ready = await settled(d.tracks.ready, READY_NAMES, `${what}: tracks.ready`, ctx.timeoutMs);
  if (!mutated && !ready.ok) throw new PropertyFailure(`${what}: valid image, tracks.ready ${ready.e.name}`);
  if (ready.ok) {
    const t = d.tracks.selectedTrack;
    if (d.tracks.length < 1 || (t && !(t.frameCount >= 0))) throw new PropertyFailure(`${what}: tracks ${d.tracks.length}, frameCount ${t && t.frameCount}`);
    for (const i of plan.late) decodeAt(i, t ? Math.max(t.frameCount, 1) : 1);
  }
  const completed = await settled(d.completed, READY_NAMES, `${what}: completed`, ctx.timeoutMs);
  const results = await Promise.all(promises);
  ctx.count(`${seed.name} ${ready.ok ? 'ready' : `ready ${ready.e.name}`}, completed ${completed.ok ? 'ok' : completed.e.name}, ${results.filter((r) => r.ok).length}/${results.length} decoded`);
  d.close();
}

async function runImageBitstreamFuzz({ seed, numRuns, timeoutMs = 20000 }) {
  const pool = await images();
  const ctx = { timeoutMs, stats: {}, frames: 0, count(k) { this.stats[k] = (this.stats[k] || 0) + 1; } };
  const details = await fc.check(fc.asyncProperty(planArb, (plan) => decodeOnce(plan, pool, ctx)), { seed, numRuns });
  return { details, stats: ctx.stats, frames: ctx.frames, pool };
}

module.exports = { runImageBitstreamFuzz };
