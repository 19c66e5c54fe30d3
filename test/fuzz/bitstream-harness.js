'use strict';
// Bitstream fuzzing from Node: valid encoded streams (test/fuzz/streams.js) are truncated,
// bit-flipped, reordered, duplicated, spliced or replaced by random bytes (and their decoder
// `description`s mutated), then decoded. Allowed outcomes: valid output, a DataError thrown by
// decode() (delta chunk where a key chunk is required), or an error callback with EncodingError /
// DataError (NotSupportedError for a mutated description). Never a crash, a hang or another error;
// every flush promise settles. Used by bitstream.test.js (quick) and test-stress/ (long).
const fc = require('fast-check');
const { VideoDecoder, AudioDecoder } = require('../..');
const { streams, chunkData, videoChunk, audioChunk } = require('./streams');
const { withTimeout, PropertyFailure } = require('./api-harness');

const CALLBACK_NAMES = new Set(['EncodingError', 'DataError']);
const CONFIG_NAMES = new Set(['EncodingError', 'DataError', 'NotSupportedError']);

const mutationArb = fc.oneof(
  fc.record({ m: fc.constant('truncate'), i: fc.nat(), n: fc.nat() }),
  fc.record({ m: fc.constant('flip'), i: fc.nat(), bit: fc.nat(), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ m: fc.constant('swap'), i: fc.nat(), j: fc.nat() }),
  fc.record({ m: fc.constant('drop'), i: fc.nat() }),
  fc.record({ m: fc.constant('dup'), i: fc.nat() }),
  fc.record({ m: fc.constant('random'), i: fc.nat(), bytes: fc.uint8Array({ maxLength: 400 }) }),
  fc.record({ m: fc.constant('splice'), i: fc.nat(), j: fc.nat(), at: fc.nat() }),
  fc.record({ m: fc.constant('retype'), i: fc.nat() }),
  fc.record({ m: fc.constant('garbage'), chunks: fc.array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { minLength: 1, maxLength: 8 }) }),
  fc.record({ m: fc.constant('zero'), i: fc.nat(), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
);

const planArb = fc.record({
  audio: fc.boolean(),
  stream: fc.nat(),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
  description: fc.option(fc.oneof(
    fc.record({ m: fc.constant('flip'), bit: fc.nat() }),
    fc.record({ m: fc.constant('truncate'), n: fc.nat() }),
    fc.record({ m: fc.constant('random'), bytes: fc.uint8Array({ maxLength: 64 }) }),
  ), { freq: 6 }),
  resetAt: fc.option(fc.nat(), { freq: 6 }),
});

function applyMutation(list, mu) {
  if (list.length === 0) return;
  const i = mu.i % list.length;
  const c = list[i];
  switch (mu.m) {
    case 'truncate': c.data = c.data.slice(0, c.data.length ? mu.n % c.data.length : 0); break;
    case 'flip': {
      const d = c.data.slice();
      for (let k = 0; k < mu.count && d.length; k++) {
        const b = (mu.bit + k * 7919) % (d.length * 8);
        d[b >> 3] ^= 1 << (b & 7);
      }
      c.data = d;
      break;
    }
    case 'swap': { const j = mu.j % list.length; [list[i], list[j]] = [list[j], list[i]]; break; }
    case 'drop': list.splice(i, 1); break;
    case 'dup': list.splice(i, 0, { ...c }); break;
    case 'random': list.splice(i, 0, { type: 'key', timestamp: c.timestamp, data: mu.bytes }); break;
    case 'splice': {
      const o = list[mu.j % list.length].data;
      const at = c.data.length ? mu.at % c.data.length : 0;
      const d = new Uint8Array(at + o.length);
      d.set(c.data.subarray(0, at));
      d.set(o, at);
      c.data = d;
      break;
    }
    case 'garbage':
      list.splice(0, list.length, ...mu.chunks.map((data, k) => ({ type: 'key', timestamp: k * 1000, data })));
      break;
    case 'retype': c.type = c.type === 'key' ? 'delta' : 'key'; break;
    case 'zero': {
      const d = c.data.slice();
      if (d.length) d.fill(0, mu.at % d.length, (mu.at % d.length) + mu.len);
      c.data = d;
      break;
    }
    default: throw new Error(mu.m);
  }
}

function mutateDescription(desc, mu) {
  // A copy: the seed stream's description is shared by every run.
  const d = ArrayBuffer.isView(desc) ? new Uint8Array(desc.buffer, desc.byteOffset, desc.byteLength).slice() : new Uint8Array(desc).slice();
  if (mu.m === 'flip') { if (d.length) d[(mu.bit >> 3) % d.length] ^= 1 << (mu.bit & 7); return d; }
  if (mu.m === 'truncate') return d.slice(0, d.length ? mu.n % d.length : 0);
  return mu.bytes;
}

async function decodeOnce(plan, s, ctx) {
  const pool = plan.audio ? s.audio : s.video;
  const names = Object.keys(pool);
  const name = names[plan.stream % names.length];
  const st = pool[name];
  const list = st.chunks.map((c) => ({ type: c.type, timestamp: c.timestamp, data: chunkData(c) }));
  for (const mu of plan.mutations) applyMutation(list, mu);
  const config = { ...st.decoderConfig };
  let mutatedConfig = false;
  if (plan.description && config.description) {
    config.description = mutateDescription(config.description, plan.description);
    mutatedConfig = true;
  }
  const Ctor = plan.audio ? AudioDecoder : VideoDecoder;
  const mk = plan.audio ? audioChunk : videoChunk;
  const errors = [];
  let outputs = 0;
  let fail = null;
  const dec = new Ctor({
    output: (o) => {
      outputs++;
      try {
        if (plan.audio) {
          if (!(o.numberOfFrames > 0 && o.numberOfChannels > 0 && o.sampleRate > 0)) fail = `bad AudioData ${o.numberOfFrames}x${o.numberOfChannels}@${o.sampleRate}`;
        } else if (!(o.codedWidth > 0 && o.codedHeight > 0 && o.allocationSize() > 0)) {
          fail = `bad VideoFrame ${o.codedWidth}x${o.codedHeight}`;
        }
      } catch (e) {
        fail = `output accessor threw ${e.name}: ${e.message}`;
      }
      o.close();
    },
    error: (e) => {
      errors.push(e);
      const allowed = mutatedConfig ? CONFIG_NAMES : CALLBACK_NAMES;
      if (!(e instanceof DOMException) || !allowed.has(e.name)) fail = `${name}: error callback ${e && e.name}: ${e && e.message}`;
    },
  });
  const flushes = [];
  const track = (p) => flushes.push(p.then(() => null, (e) => {
    if (!(e instanceof DOMException) || !(CONFIG_NAMES.has(e.name) || e.name === 'AbortError')) fail = `${name}: flush rejected ${e && e.name}: ${e && e.message}`;
  }));
  dec.configure(config);
  for (let i = 0; i < list.length; i++) {
    if (dec.state !== 'configured') break;
    if (plan.resetAt !== null && i === plan.resetAt % list.length) {
      track(dec.flush());
      dec.reset();
      dec.configure(config);
    }
    const c = list[i];
    try {
      dec.decode(mk(c.type, c.timestamp, c.data));
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'DataError')) throw new PropertyFailure(`${name}: decode threw ${e && e.name}: ${e && e.message}`);
    }
  }
  if (dec.state === 'configured') track(dec.flush());
  await withTimeout(Promise.all(flushes), ctx.timeoutMs, `${name}: flush`);
  if (dec.state !== 'closed') dec.close();
  if (errors.length > 1) fail = `${name}: ${errors.length} error callbacks`;
  ctx.count(`${name} ${errors.length ? `error ${errors[0].name}` : 'ok'}`);
  ctx.outputs += outputs;
  if (fail) throw new PropertyFailure(fail);
}

async function runBitstreamFuzz({ seed, numRuns, timeoutMs = 20000 }) {
  const s = await streams();
  const ctx = { timeoutMs, stats: {}, outputs: 0, count(k) { this.stats[k] = (this.stats[k] || 0) + 1; } };
  const details = await fc.check(fc.asyncProperty(planArb, (plan) => decodeOnce(plan, s, ctx)), { seed, numRuns });
  return { details, stats: ctx.stats, outputs: ctx.outputs, streams: s };
}

module.exports = { runBitstreamFuzz };
