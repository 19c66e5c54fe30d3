'use strict';
// API-sequence fuzzing: random sequences of configure / encode|decode / flush / reset / close /
// clone / gc over the four codec classes, checked against the spec's processing model, and of
// construct / decode / tracks.ready / track selection / reset / close / gc over ImageDecoder.
// Used by test/fuzz/api-sequences.test.js (fixed seed, quick) and test-stress/ (long runs).
const fc = require('fast-check');
const {
  VideoEncoder, VideoDecoder, AudioEncoder, AudioDecoder, ImageDecoder, VideoFrame,
} = require('../..');
const { makeFrame } = require('../helpers');
const { streams, audioData, videoChunk, audioChunk, chunkData } = require('./streams');
const { images, chunkedStream } = require('./images');

// Names a synchronous throw, an error callback and a flush rejection may carry.
const SYNC_NAMES = new Set(['InvalidStateError', 'NotSupportedError', 'DataError']);
const CALLBACK_NAMES = new Set(['EncodingError', 'NotSupportedError', 'DataError', 'QuotaExceededError']);
const FLUSH_NAMES = new Set(['AbortError', 'InvalidStateError', 'EncodingError', 'NotSupportedError', 'DataError', 'QuotaExceededError']);

class PropertyFailure extends Error {}
// Counters of what the runs exercised (printed by the stress runner).
const stats = {};
function count(key) { stats[key] = (stats[key] || 0) + 1; }
function check(cond, msg) {
  if (!cond) throw new PropertyFailure(msg);
}

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, reject) => { t = setTimeout(() => reject(new PropertyFailure(`${what} did not settle within ${ms} ms`)), ms); }),
  ]);
}

const tick = (ms) => new Promise((r) => setTimeout(r, ms));

// --- per-kind configuration menus --------------------------------------------------------
// Each entry: { cfg, kind: 'valid' | 'invalid' (TypeError) | 'unsupported' | 'odd' (may error) }.
function videoEncoderConfigs() {
  return [
    { kind: 'valid', cfg: { codec: 'vp8', width: 32, height: 32, latencyMode: 'realtime' } },
    { kind: 'valid', cfg: { codec: 'vp8', width: 64, height: 48 } },
    { kind: 'valid', cfg: { codec: 'avc1.42001f', width: 64, height: 48, latencyMode: 'realtime' } },
    { kind: 'valid', cfg: { codec: 'avc1.4d001f', width: 96, height: 64, avc: { format: 'annexb' } } },
    { kind: 'valid', cfg: { codec: 'vp09.00.10.08', width: 48, height: 32, latencyMode: 'realtime' } },
    { kind: 'valid', cfg: { codec: 'av01.0.04M.08', width: 32, height: 32, latencyMode: 'realtime' } },
    // The encoders with their own open/close hazards: SVT-AV1 (AV1 quality mode, from 64x64; a
    // new encoder at each key frame, drained before it closes) and x265 (process-wide set-up).
    { kind: 'valid', cfg: { codec: 'av01.0.04M.08', width: 64, height: 64, bitrate: 200000 } },
    // Not under valgrind (scripts/memcheck-node.sh sets MEMCHECK_SUPP): x265's own uninitialised
    // reads would bury any report of ours.
    ...(process.env.MEMCHECK_SUPP ? [] : [
      { kind: 'valid', cfg: { codec: 'hev1.1.6.L93.B0', width: 64, height: 64, latencyMode: 'realtime' } },
      { kind: 'valid', cfg: { codec: 'hvc1.1.6.L93.B0', width: 96, height: 64, hevc: { format: 'annexb' } } },
    ]),
    { kind: 'valid', cfg: { codec: 'vp09.00.10.08', width: 64, height: 48 } },
    { kind: 'invalid', cfg: { codec: '', width: 32, height: 32 } },
    { kind: 'invalid', cfg: { codec: 'vp8', width: 0, height: 32 } },
    { kind: 'invalid', cfg: { codec: 'vp8', width: 32 } },
    { kind: 'unsupported', cfg: { codec: 'bogus', width: 32, height: 32 } },
    { kind: 'unsupported', cfg: { codec: 'avc1.42001', width: 32, height: 32 } },
    { kind: 'odd', cfg: { codec: 'vp8', width: 33, height: 17 } },
    { kind: 'odd', cfg: { codec: 'avc1.42001f', width: 64, height: 48, bitrate: 1, framerate: 1000 } },
  ];
}

function videoDecoderConfigs(s) {
  const out = [];
  for (const [name, st] of Object.entries(s.video)) out.push({ kind: 'valid', cfg: st.decoderConfig, stream: name });
  out.push({ kind: 'invalid', cfg: { codec: '' } });
  out.push({ kind: 'invalid', cfg: { codec: 'vp8', codedWidth: 32 } });
  out.push({ kind: 'unsupported', cfg: { codec: 'bogus' } });
  out.push({ kind: 'odd', cfg: { codec: 'avc1.42001f', description: new Uint8Array([1, 2, 3]) } });
  out.push({ kind: 'odd', cfg: { codec: 'vp8', codedWidth: 16, codedHeight: 16 }, stream: 'vp8' });
  return out;
}

function audioEncoderConfigs() {
  return [
    { kind: 'valid', cfg: { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 } },
    { kind: 'valid', cfg: { codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 2 } },
    { kind: 'valid', cfg: { codec: 'flac', sampleRate: 44100, numberOfChannels: 1 } },
    { kind: 'valid', cfg: { codec: 'pcm-s16', sampleRate: 48000, numberOfChannels: 1 } },
    { kind: 'invalid', cfg: { codec: 'opus', sampleRate: 0, numberOfChannels: 2 } },
    { kind: 'invalid', cfg: { codec: '', sampleRate: 48000, numberOfChannels: 2 } },
    { kind: 'unsupported', cfg: { codec: 'bogus', sampleRate: 48000, numberOfChannels: 2 } },
    { kind: 'odd', cfg: { codec: 'opus', sampleRate: 11025, numberOfChannels: 7 } },
  ];
}

function audioDecoderConfigs(s) {
  const out = [];
  for (const [name, st] of Object.entries(s.audio)) out.push({ kind: 'valid', cfg: st.decoderConfig, stream: name });
  out.push({ kind: 'invalid', cfg: { codec: '', sampleRate: 48000, numberOfChannels: 2 } });
  out.push({ kind: 'unsupported', cfg: { codec: 'bogus', sampleRate: 48000, numberOfChannels: 2 } });
  out.push({ kind: 'odd', cfg: { codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 2, description: new Uint8Array([0xff]) } });
  return out;
}

// ImageDecoder "configurations": constructor inits. `seed` names an image of ./images.js; `frames`
// is the frame count of the track selected by default. 'invalid' inits throw a TypeError,
// 'unsupported' ones close the decoder with NotSupportedError, 'odd' ones may fail to decode.
function imageInits(pool) {
  const out = [];
  const by = (name) => pool.find((p) => p.name === name);
  const frames = (p, preferAnimation) => {
    const i = preferAnimation === true && p.frameCounts.length > 1 ? 1 : 0;
    return p.frameCounts[i];
  };
  for (const p of pool) {
    out.push({ kind: 'valid', seed: p.name, type: p.type, frames: frames(p), init: () => ({ data: p.bytes, type: p.type }) });
  }
  for (const [name, sizes] of [['gif-5', [37]], ['webp-anim', [300, 1]], ['avif-anim', [64]], ['apng', [500, 3]], ['jpeg', [100]], ['ico', [1000]]]) {
    const p = by(name);
    out.push({ kind: 'valid', seed: name, type: p.type, frames: frames(p), init: () => ({ data: chunkedStream(p.bytes, sizes, 2), type: p.type }) });
  }
  const anim = by('avif-anim');
  for (const preferAnimation of [true, false]) {
    out.push({ kind: 'valid', seed: 'avif-anim', type: anim.type, frames: frames(anim, preferAnimation), init: () => ({ data: anim.bytes, type: anim.type, preferAnimation }) });
  }
  const png = by('png').bytes;
  const locked = () => { const st = new ReadableStream(); st.getReader(); return st; };
  for (const init of [
    () => ({ type: 'image/png' }),
    () => ({ data: png, type: 'png' }),
    () => ({ data: new Uint8Array(0), type: 'image/png' }),
    () => ({ data: png, type: 'image/png', desiredWidth: 10 }),
    () => ({ data: locked(), type: 'image/png' }),
    () => ({ data: 'not a buffer', type: 'image/png' }),
  ]) out.push({ kind: 'invalid', init });
  // (`frames` of the entries below: nominal, their decodes are not checked for success.)
  out.push({ kind: 'unsupported', type: 'image/x-unknown', frames: 1, init: () => ({ data: png, type: 'image/x-unknown' }) });
  out.push({ kind: 'unsupported', type: 'junk/type', frames: 1, init: () => ({ data: png, type: 'junk/type' }) });
  out.push({ kind: 'unsupported', type: 'image/tiff', frames: 1, init: () => ({ data: chunkedStream(png, [100]), type: 'image/tiff' }) });
  out.push({ kind: 'odd', type: 'image/gif', frames: 1, init: () => ({ data: png, type: 'image/gif' }) });
  const gif = by('gif-5').bytes;
  out.push({ kind: 'odd', type: 'image/gif', frames: 5, init: () => ({ data: chunkedStream(gif.slice(0, gif.length >> 1), [50]), type: 'image/gif' }) });
  return out;
}

// --- the op arbitrary ----------------------------------------------------------------------
const KINDS = ['ve', 'vd', 'ae', 'ad', 'id'];
const K = KINDS.length - 1;
const opArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('configure'), k: fc.nat(K), v: fc.nat(40) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('work'), k: fc.nat(K), n: fc.integer({ min: 1, max: 4 }),
      mode: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'closed', 'wrongSize', 'bad', 'other', 'clone'),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flush'), k: fc.nat(K), wait: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reset'), k: fc.nat(K) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('close'), k: fc.nat(K) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('renew'), k: fc.nat(K), drop: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('gc') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick'), ms: fc.constantFrom(0, 1, 5, 20) }) },
);

// --- the interpreter ---------------------------------------------------------------------
class Subject {
  constructor(kind, menus, ctx) {
    this.kind = kind;
    this.menus = menus;
    this.ctx = ctx;
    this.create();
  }

  create() {
    const Ctor = { ve: VideoEncoder, vd: VideoDecoder, ae: AudioEncoder, ad: AudioDecoder }[this.kind];
    const me = { expected: 'unconfigured', tainted: false, errors: [] };
    this.me = me;
    this.entry = null;
    this.pos = 0;
    this.ts = 0;
    this.orientation = null; // [[active orientation]] as the spec would have it (encoders)
    const ctx = this.ctx;
    const codec = new Ctor({
      output: (o) => {
        count(`${this.kind} output`);
        if (me.expected === 'closed') ctx.fail(`${this.kind}: output after close/error`);
        if (typeof o.close === 'function') o.close();
      },
      error: (e) => {
        me.errors.push(e);
        count(`${this.kind} error ${e && e.name}`);
        if (!(e instanceof DOMException) || !CALLBACK_NAMES.has(e.name)) ctx.fail(`${this.kind}: error callback got ${e && e.name}: ${e && e.message}`);
        if (me.expected === 'closed') ctx.fail(`${this.kind}: error callback while already closed`);
        if (codec.state !== 'closed') ctx.fail(`${this.kind}: state ${codec.state} inside the error callback`);
        if (!me.tainted) ctx.fail(`${this.kind}: ${e.name} (${e.message}) after only valid operations`);
        me.expected = 'closed';
      },
    });
    this.codec = codec;
  }

  get queueSize() {
    return this.kind[1] === 'e' ? this.codec.encodeQueueSize : this.codec.decodeQueueSize;
  }

  checkState(where) {
    check(this.codec.state === this.me.expected, `${this.kind} after ${where}: state ${this.codec.state}, expected ${this.me.expected}`);
    const q = this.queueSize;
    check(Number.isInteger(q) && q >= 0 && q < 1e6, `${this.kind}: queue size ${q}`);
    if (this.me.expected !== 'configured') check(q === 0, `${this.kind} ${this.me.expected}: queue size ${q}`);
  }

  // Runs `fn`; a throw must be a TypeError or one of the spec's DOMExceptions.
  guard(what, fn, expectName) {
    try {
      fn();
    } catch (e) {
      const ok = e instanceof TypeError || (e instanceof DOMException && SYNC_NAMES.has(e.name));
      check(ok, `${this.kind}.${what} threw ${e && e.name}: ${e && e.message}`);
      if (expectName) check(e.name === expectName, `${this.kind}.${what}: expected ${expectName}, got ${e.name} (${e.message})`);
      count(`${this.kind}.${what} threw ${e.name}`);
      return e;
    }
    count(`${this.kind}.${what} ok`);
    if (expectName) throw new PropertyFailure(`${this.kind}.${what}: expected ${expectName}, nothing thrown`);
    return null;
  }

  configure(v) {
    const menu = this.menus[this.kind];
    const entry = menu[v % menu.length];
    const closed = this.me.expected === 'closed';
    const expect = entry.kind === 'invalid' ? 'TypeError' : closed ? 'InvalidStateError' : null;
    this.guard('configure', () => this.codec.configure(entry.cfg), expect);
    if (expect) return;
    this.me.expected = 'configured';
    if (entry.kind !== 'valid') this.me.tainted = true;
    this.entry = entry;
    this.pos = 0;
    this.orientation = null;
  }

  work(n, mode) {
    for (let i = 0; i < n; i++) this.workOne(mode);
  }

  workOne(mode) {
    const configured = this.me.expected === 'configured';
    const e = this.entry;
    if (mode !== 'valid' && mode !== 'clone' && configured) this.me.tainted = true;
    if (this.kind === 've') {
      const w = e && e.cfg.width > 0 ? e.cfg.width : 32;
      const h = e && e.cfg.height > 0 ? e.cfg.height : 32;
      const size = mode === 'wrongSize' ? [w === 32 ? 64 : 32, h === 32 ? 48 : 32] : [w, h];
      let f = makeFrame(size[0], size[1], this.ts, { timestamp: this.ts * 33333 });
      // 'other': a turned frame. The first frame after configure() sets the orientation; a frame
      // with another one is a DataError that leaves the encoder configured.
      const rotation = mode === 'other' ? [0, 90, 180, 270][this.ts % 4] : 0;
      if (rotation) { const r = new VideoFrame(f, { rotation }); f.close(); f = r; }
      this.ts++;
      if (mode === 'clone') { const c = f.clone(); f.close(); f = c; }
      if (mode === 'closed') f.close();
      const turned = configured && this.orientation !== null && this.orientation !== rotation;
      const before = this.queueSize;
      const err = this.guard('encode', () => this.codec.encode(f, { keyFrame: this.ts % 5 === 0 }),
        mode === 'closed' ? 'TypeError' : !configured ? 'InvalidStateError' : turned ? 'DataError' : null);
      if (!err) check(this.queueSize === before + 1, `ve: encodeQueueSize ${before} → ${this.queueSize}`);
      if (err) check(this.queueSize === before, `ve: a refused frame changed encodeQueueSize ${before} → ${this.queueSize}`);
      if (!err) this.orientation ??= rotation;
      f.close();
    } else if (this.kind === 'ae') {
      const rate = e && e.cfg.sampleRate > 0 ? e.cfg.sampleRate : 48000;
      const ch = e && e.cfg.numberOfChannels > 0 ? e.cfg.numberOfChannels : 2;
      let a = mode === 'wrongSize' ? audioData(22050, 3, 300, this.ts * 300) : audioData(rate, ch, 480, this.ts * 480);
      this.ts++;
      if (mode === 'clone') { const c = a.clone(); a.close(); a = c; }
      if (mode === 'closed') a.close();
      const before = this.queueSize;
      const err = this.guard('encode', () => this.codec.encode(a),
        mode === 'closed' ? 'TypeError' : configured ? null : 'InvalidStateError');
      if (!err) check(this.queueSize === before + 1, `ae: encodeQueueSize ${before} → ${this.queueSize}`);
      a.close();
    } else {
      const video = this.kind === 'vd';
      const pool = video ? this.ctx.streams.video : this.ctx.streams.audio;
      const mk = video ? videoChunk : audioChunk;
      let chunk;
      if (mode === 'bad' || mode === 'closed' || mode === 'wrongSize') {
        const len = mode === 'wrongSize' ? 0 : 1 + (this.ts * 7919) % 600;
        const data = new Uint8Array(len).map((_, i) => (i * 131 + this.ts * 17) & 255);
        chunk = mk(mode === 'closed' ? 'delta' : 'key', this.ts, data);
        if (mode === 'closed') this.me.tainted = this.me.tainted || configured; // delta first: DataError or decode error
      } else if (mode === 'other') {
        const names = Object.keys(pool);
        const st = pool[names[this.ts % names.length]];
        const c = st.chunks[this.ts % st.chunks.length];
        chunk = mk(c.type, c.timestamp, chunkData(c));
      } else {
        const st = e && e.stream ? pool[e.stream] : pool[Object.keys(pool)[0]];
        const c = st.chunks[this.pos % st.chunks.length];
        this.pos++;
        chunk = c;
      }
      this.ts++;
      const before = this.queueSize;
      const err = this.guard('decode', () => this.codec.decode(chunk), configured ? null : 'InvalidStateError');
      if (!err) check(this.queueSize === before + 1, `${this.kind}: decodeQueueSize ${before} → ${this.queueSize}`);
      if (err && err.name === 'DataError') this.pos = 0;
    }
  }

  async flush(wait) {
    const configured = this.me.expected === 'configured';
    let p;
    try {
      p = this.codec.flush();
    } catch (e) {
      throw new PropertyFailure(`${this.kind}.flush() threw ${e.name}: ${e.message}`);
    }
    check(p instanceof Promise, 'flush() returns a promise');
    const tracked = this.ctx.track(p, this.kind);
    this.pos = 0;
    if (!configured) {
      const r = await withTimeout(p.then(() => null, (e) => e), 5000, `${this.kind}.flush() when ${this.me.expected}`);
      check(r && r.name === 'InvalidStateError', `${this.kind}.flush() when ${this.me.expected}: ${r && r.name}`);
      return;
    }
    if (!wait) return;
    const r = await withTimeout(tracked, this.ctx.timeoutMs, `${this.kind}.flush()`);
    if (r.ok) {
      check(this.me.expected === 'configured', `${this.kind}: flush resolved but state is ${this.me.expected}`);
      check(this.queueSize === 0, `${this.kind}: queue size ${this.queueSize} after an awaited flush`);
    }
  }

  reset() {
    const closed = this.me.expected === 'closed';
    this.guard('reset', () => this.codec.reset(), closed ? 'InvalidStateError' : null);
    if (!closed) this.me.expected = 'unconfigured';
    this.entry = null;
  }

  close() {
    const closed = this.me.expected === 'closed';
    this.guard('close', () => this.codec.close(), closed ? 'InvalidStateError' : null);
    this.me.expected = 'closed';
  }

  renew(drop) {
    if (this.me.expected !== 'closed' && !drop) return;
    // `drop`: the old codec is abandoned without close() (left to GC).
    this.create();
  }
}

// ImageDecoder has no configure/flush; the same ops map onto its API:
//   configure → a new ImageDecoder from an init of the menu (the old one closed or dropped),
//   work → decode() with in-range ('valid', 'clone': completeFramesOnly false), out-of-range
//          ('bad') or invalid ('wrongSize') options, track selection changes ('other') or
//          closing the VideoFrames kept from earlier decodes ('closed'),
//   flush → awaiting tracks.ready and every decode so far (wait), then checking the track list,
//   reset / close / renew (drop: abandoned without close) as for the codecs.
// Every promise (decodes, tracks.ready, completed) is tracked and must settle with a result or
// one of the names below; with a valid init and only valid decodes, a decode may only be
// aborted (reset/close: AbortError; closed: InvalidStateError).
const IMAGE_NAMES = new Set(['InvalidStateError', 'RangeError', 'EncodingError', 'NotSupportedError', 'AbortError', 'TypeError']);

class ImageSubject {
  constructor(kind, menus, ctx) {
    this.kind = kind;
    this.menus = menus;
    this.ctx = ctx;
    this.me = { expected: 'unconfigured', tainted: false };
    this.d = null;
    this.entry = null;
    this.ts = 0;
    this.kept = [];
    this.pending = []; // the settled-promises of the current decoder
  }

  get queueSize() { return 0; }

  checkState(where) {
    const d = this.d;
    if (!d) return;
    const t = d.tracks;
    check(typeof d.complete === 'boolean', `id after ${where}: complete ${d.complete}`);
    check(Number.isInteger(t.length) && t.length >= 0 && t.length <= 2, `id after ${where}: ${t.length} tracks`);
    check(t.selectedIndex >= -1 && t.selectedIndex < t.length, `id after ${where}: selectedIndex ${t.selectedIndex} of ${t.length}`);
    check(t.selectedIndex === -1 ? t.selectedTrack === null : t.selectedTrack === t[t.selectedIndex], `id after ${where}: selectedTrack`);
    if (this.me.expected === 'closed') check(t.length === 0, `id after ${where}: closed decoder lists ${t.length} tracks`);
    // close() empties `type` (as in Chromium, Firefox and WPT); so does a close by an error.
    if (this.me.expected === 'closed') check(d.type === '', `id after ${where}: closed decoder has type ${d.type}`);
    else check(d.type === this.entry.type || d.type === '', `id after ${where}: type ${d.type}`);
  }

  // Tracks `p` until the end of the sequence; `strict`: only AbortError/InvalidStateError may reject it.
  track(p, what, strict, onValue) {
    const settled = p.then((v) => {
      count(`id.${what} resolved`);
      if (onValue) onValue(v);
      return { ok: true };
    }, (e) => {
      count(`id.${what} rejected ${e && e.name}`);
      const named = e instanceof DOMException || e instanceof RangeError || e instanceof TypeError;
      if (!named || !IMAGE_NAMES.has(e.name)) this.ctx.fail(`id.${what} rejected with ${e && e.name}: ${e && e.message}`);
      else if (strict && strict() && !['AbortError', 'InvalidStateError'].includes(e.name)) {
        this.ctx.fail(`id.${what} (${this.entry.seed}): ${e.name} (${e.message}) after only valid operations`);
      }
      return { ok: false, e };
    });
    this.ctx.flushes.push(settled);
    this.pending.push(settled);
  }

  open() {
    this.pending = [];
    const entry = this.entry;
    let d;
    try {
      d = new ImageDecoder(entry.init());
    } catch (e) {
      check(e instanceof TypeError && entry.kind === 'invalid', `id: constructor (${entry.kind}) threw ${e && e.name}: ${e && e.message}`);
      count('id.construct threw TypeError');
      this.d = null;
      this.me.expected = 'unconfigured';
      return;
    }
    check(entry.kind !== 'invalid', 'id: an invalid init constructed');
    count(`id.construct ${entry.kind}`);
    this.d = d;
    this.me = { expected: 'configured', tainted: entry.kind !== 'valid' };
    const me = this.me;
    const strict = () => !me.tainted;
    this.track(d.tracks.ready, 'tracks.ready', strict);
    this.track(d.completed, 'completed', strict);
  }

  configure(v) {
    const menu = this.menus.id;
    if (this.d && this.me.expected !== 'closed' && v % 3 === 0) this.d.close();
    this.entry = menu[v % menu.length];
    this.open();
  }

  work(n, mode) {
    for (let i = 0; i < n; i++) this.workOne(mode);
  }

  workOne(mode) {
    const d = this.d;
    if (!d) return;
    const me = this.me;
    const e = this.entry;
    this.ts++;
    if (mode === 'closed') {
      for (const f of this.kept.splice(0)) f.close();
      return;
    }
    if (mode === 'other') {
      const t = d.tracks;
      me.tainted = true; // another track has another frame count
      if (t.length) {
        const track = t[this.ts % t.length];
        this.guard(() => { track.selected = !track.selected; }, 'select');
        return;
      }
    }
    let options;
    if (mode === 'bad') options = { frameIndex: e.frames + (this.ts % 3) };
    else if (mode === 'wrongSize') options = [{ frameIndex: -1 }, 'not a dictionary', { frameIndex: 1e10 }, { frameIndex: 1 }][this.ts % 4];
    else options = { frameIndex: this.ts % e.frames, completeFramesOnly: mode !== 'clone' };
    let p;
    this.guard(() => { p = d.decode(options); }, 'decode');
    check(p instanceof Promise, 'id.decode() returns a promise');
    const valid = mode === 'valid' || mode === 'clone';
    const strict = () => !me.tainted && valid;
    if (mode === 'bad') {
      // Beyond the track: RangeError (or aborted), never a frame.
      p = p.then((r) => {
        if (!me.tainted) this.ctx.fail(`id: decode(${options.frameIndex}) of ${e.frames} frames (${e.seed}) resolved`);
        return r;
      }, (x) => {
        if (!me.tainted && !['RangeError', 'AbortError', 'InvalidStateError'].includes(x.name)) this.ctx.fail(`id: out-of-range decode (${e.seed}) rejected ${x.name}`);
        throw x;
      });
    }
    this.track(p, 'decode', strict, (r) => {
      // With completeFramesOnly false, a progressive image still arriving may resolve with a
      // reduced-detail generation (complete: false).
      const partialOk = options.completeFramesOnly === false;
      check(r && (r.complete === true || (partialOk && r.complete === false)) && r.image instanceof VideoFrame, 'id.decode result');
      const img = r.image;
      if (!(img.codedWidth > 0 && img.codedHeight > 0 && img.allocationSize() > 0)) this.ctx.fail(`id: bad frame ${img.codedWidth}x${img.codedHeight}`);
      // Closed now, kept for a later 'closed' op, or dropped for GC.
      const fate = this.ts % 3;
      if (fate === 0) img.close();
      else if (fate === 1) this.kept.push(img);
    });
  }

  // No ImageDecoder method throws synchronously (decode() returns a rejected promise).
  guard(fn, what) {
    try {
      fn();
    } catch (e) {
      throw new PropertyFailure(`id.${what} threw ${e && e.name}: ${e && e.message}`);
    }
  }

  async flush(wait) {
    if (!this.d || !wait) return;
    const d = this.d;
    const r = await withTimeout(d.tracks.ready.then(() => null, (e) => e), this.ctx.timeoutMs, 'id tracks.ready');
    count(`id.ready ${r ? r.name : 'ok'}`);
    if (r) return;
    const t = d.tracks;
    if (this.me.expected === 'closed' || d !== this.d) return;
    check(t.length >= 1, `id (${this.entry.seed}): ready with ${t.length} tracks`);
    for (let i = 0; i < t.length; i++) {
      check(t[i].frameCount >= 1 && typeof t[i].animated === 'boolean', `id: track ${i} frameCount ${t[i].frameCount}`);
    }
    if (!this.me.tainted) check(t.selectedTrack && t.selectedTrack.frameCount >= 1, `id (${this.entry.seed}): no selected track`);
    await withTimeout(Promise.all(this.pending), this.ctx.timeoutMs, `id (${this.entry.seed}): ${this.pending.length} promises`);
  }

  reset() {
    if (this.d) this.guard(() => this.d.reset(), 'reset');
  }

  close() {
    if (!this.d) return;
    this.guard(() => this.d.close(), 'close');
    this.me.expected = 'closed';
  }

  renew(drop) {
    if (!this.entry || (this.me.expected !== 'closed' && !drop)) return;
    // `drop`: the old decoder is abandoned without close() (left to GC).
    this.open();
  }
}

async function runSequence(initial, ops, ctx) {
  const subjects = KINDS.map((k) => (k === 'id' ? new ImageSubject(k, ctx.menus, ctx) : new Subject(k, ctx.menus, ctx)));
  // Most sequences start with every codec validly configured, so work reaches the codecs.
  subjects.forEach((s, i) => {
    const valid = ctx.menus[s.kind].filter((e) => e.kind === 'valid');
    if (initial[i] > 0) { s.configure(ctx.menus[s.kind].indexOf(valid[initial[i] % valid.length])); s.checkState('configure'); }
  });
  for (const o of ops) {
    if (ctx.failure) break;
    const s = o.k === undefined ? null : subjects[o.k];
    switch (o.op) {
      case 'configure': s.configure(o.v); break;
      case 'work': s.work(o.n, o.mode); break;
      case 'flush': await s.flush(o.wait); break;
      case 'reset': s.reset(); break;
      case 'close': s.close(); break;
      case 'renew': s.renew(o.drop); break;
      case 'gc': if (global.gc) global.gc(); break;
      case 'tick': await tick(o.ms); break;
      default: throw new Error(`unknown op ${o.op}`);
    }
    if (s) s.checkState(o.op);
    if (ctx.failure) break;
  }
  // Drain: every configured codec flushes to an empty queue, then everything is closed.
  for (const s of subjects) {
    if (ctx.failure) break;
    if (s.me.expected === 'configured') await s.flush(true);
    s.checkState('final flush');
    if (s.me.expected !== 'closed') s.close();
    s.checkState('final close');
  }
  const pending = ctx.flushes.splice(0);
  await withTimeout(Promise.all(pending), ctx.timeoutMs, `${pending.length} flush promises`);
  await tick(5);
  if (ctx.failure) throw new PropertyFailure(ctx.failure);
}

// Runs the property; returns fast-check's run details (throws on failure with the seed/path).
async function runApiFuzz({ seed, numRuns, maxOps = 30, timeoutMs = 20000, verbose = false }) {
  const s = await streams();
  const menus = {
    ve: videoEncoderConfigs(), vd: videoDecoderConfigs(s), ae: audioEncoderConfigs(), ad: audioDecoderConfigs(s),
    id: imageInits(await images()),
  };
  let runs = 0;
  const initialArb = fc.array(fc.nat(12), { minLength: KINDS.length, maxLength: KINDS.length });
  const opsArb = fc.array(opArb, { minLength: 1, maxLength: maxOps, size: 'max' });
  // No run may leave a promise rejected with nobody to handle it: each run's rejections that
  // reach 'unhandledRejection' fail that run (with its counterexample), not just the process.
  let unhandled = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  const prop = fc.asyncProperty(initialArb, opsArb, async (initial, ops) => {
    runs++;
    unhandled = [];
    const ctx = {
      streams: s, menus, timeoutMs, failure: null, flushes: [],
      fail(msg) { if (!this.failure) this.failure = msg; },
      track(p, kind) {
        const t = p.then(() => { count(`${kind}.flush resolved`); return { ok: true }; }, (e) => {
          count(`${kind}.flush rejected ${e && e.name}`);
          if (!(e instanceof DOMException) || !FLUSH_NAMES.has(e.name)) this.fail(`${kind}.flush rejected with ${e && e.name}: ${e && e.message}`);
          return { ok: false, e };
        });
        this.flushes.push(t);
        return t;
      },
    };
    await runSequence(initial, ops, ctx);
    await new Promise((resolve) => setImmediate(resolve));
    check(unhandled.length === 0, `unhandled rejection: ${unhandled.map((e) => `${e && e.name}: ${e && e.message}`).join('; ')}`);
  });
  process.on('unhandledRejection', onUnhandled);
  try {
    const details = await fc.check(prop, { seed, numRuns, verbose, endOnFailure: false });
    return { details, runs };
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
}

module.exports = { runApiFuzz, stats, withTimeout, PropertyFailure, CALLBACK_NAMES, FLUSH_NAMES };
