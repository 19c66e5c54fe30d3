'use strict';
// Lifecycle edge cases for all four codec classes and ImageDecoder: close()/reset() racing
// pending flushes/decodes and output delivery, re-entrant calls from callbacks and then-handlers,
// abandoned codecs, decoders and frames, process.exit() with queued work, codecs in terminated
// worker_threads, many concurrent decoders. ImageDecoder has no flush(), state or output
// callback, so it has its own table (IMAGE_SOURCES) with the same scenarios in its terms:
// pending decode() promises take the place of a pending flush.
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const {
  VideoEncoder, VideoDecoder, AudioEncoder, AudioDecoder, ImageDecoder,
} = require('../..');
const { makeFrame, tick } = require('../helpers');
const { streams, audioData } = require('../fuzz/streams');
const { generated, fixture, slowStream } = require('../image/helpers');

const LIB = JSON.stringify(require.resolve('../..'));
const HELPERS = JSON.stringify(require.resolve('../helpers'));
// A 24-frame 480x360 GIF (~3 ms per frame to decode) and an AVIF with an AV1 sequence track.
const BIG_GIF = generated('big.gif');
const GIF_JS = JSON.stringify(BIG_GIF);
const HAS_PROC = fs.existsSync('/proc/self/task');

function run(script, { args = ['--expose-gc'], timeout = 60_000 } = {}) {
  return spawnSync(process.execPath, [...args, '-e', script], { encoding: 'utf8', timeout });
}

// One "fill the queue" helper per class: returns a codec with queued work and its output log.
const CLASSES = {
  async VideoEncoder() {
    const log = { out: 0, errors: [] };
    const c = new VideoEncoder({ output: () => { log.out++; if (log.hook) log.hook(); }, error: (e) => log.errors.push(e) });
    c.configure({ codec: 'avc1.42001f', width: 160, height: 120 });
    for (let i = 0; i < 30; i++) { const f = makeFrame(160, 120, i); c.encode(f); f.close(); }
    return { c, log, size: () => c.encodeQueueSize };
  },
  async VideoDecoder() {
    const s = await streams();
    const log = { out: 0, errors: [] };
    const c = new VideoDecoder({ output: (f) => { log.out++; f.close(); if (log.hook) log.hook(); }, error: (e) => log.errors.push(e) });
    c.configure(s.video['h264-avc'].decoderConfig);
    for (let r = 0; r < 3; r++) for (const ch of s.video['h264-avc'].chunks) c.decode(ch);
    return { c, log, size: () => c.decodeQueueSize };
  },
  async AudioEncoder() {
    const log = { out: 0, errors: [] };
    const c = new AudioEncoder({ output: () => { log.out++; if (log.hook) log.hook(); }, error: (e) => log.errors.push(e) });
    c.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
    for (let i = 0; i < 40; i++) { const a = audioData(48000, 2, 960, i * 960); c.encode(a); a.close(); }
    return { c, log, size: () => c.encodeQueueSize };
  },
  async AudioDecoder() {
    const s = await streams();
    const log = { out: 0, errors: [] };
    const c = new AudioDecoder({ output: (a) => { log.out++; a.close(); if (log.hook) log.hook(); }, error: (e) => log.errors.push(e) });
    c.configure(s.audio.aac.decoderConfig);
    for (let r = 0; r < 3; r++) for (const ch of s.audio.aac.chunks) c.decode(ch);
    return { c, log, size: () => c.decodeQueueSize };
  },
};

for (const [name, fill] of Object.entries(CLASSES)) {
  for (const how of ['close', 'reset']) {
    test(`${name}: ${how}() while a flush is pending → AbortError, queue 0, silence`, async () => {
      const { c, log, size } = await fill();
      const p1 = c.flush();
      const p2 = c.flush();
      c[how]();
      assert.equal(c.state, how === 'close' ? 'closed' : 'unconfigured');
      assert.equal(size(), 0);
      for (const p of [p1, p2]) await assert.rejects(p, (e) => e instanceof DOMException && e.name === 'AbortError');
      const seen = log.out;
      await tick(50);
      assert.equal(log.out, seen, `outputs after ${how}()`);
      assert.deepEqual(log.errors, []);
      if (how === 'reset') c.close();
    });
  }

  test(`${name}: close() / reset() from inside the output callback`, async () => {
    for (const how of ['close', 'reset']) {
      const { c, log } = await fill();
      let threw = null;
      let stateInside = null;
      let outsAtCall = -1;
      log.hook = () => {
        log.hook = null;
        outsAtCall = log.out;
        try { c[how](); } catch (e) { threw = e; }
        stateInside = c.state;
      };
      const p = c.flush();
      await assert.rejects(p, (e) => e instanceof DOMException && e.name === 'AbortError');
      assert.equal(threw, null);
      assert.equal(stateInside, how === 'close' ? 'closed' : 'unconfigured');
      await tick(30);
      assert.equal(log.out, outsAtCall, 'no outputs after the re-entrant call');
      assert.deepEqual(log.errors, []);
      if (how === 'reset') c.close();
    }
  });
}

test('re-entrant calls inside callbacks: close in output, reset+reconfigure in output, close in error', async () => {
  // close() inside the first output: no further outputs, the flush rejects with AbortError.
  {
    let outs = 0;
    const enc = new VideoEncoder({
      output: () => { outs++; if (outs === 1) enc.close(); },
      error: assert.fail,
    });
    enc.configure({ codec: 'vp8', width: 64, height: 48, latencyMode: 'realtime' });
    for (let i = 0; i < 20; i++) { const f = makeFrame(64, 48, i); enc.encode(f); f.close(); }
    await assert.rejects(enc.flush(), { name: 'AbortError' });
    await tick(30);
    assert.equal(outs, 1);
    assert.equal(enc.state, 'closed');
  }
  // reset() + configure() + encode() inside an output callback: only new-configuration outputs follow.
  {
    const ts = [];
    let switched = false;
    const enc = new VideoEncoder({
      output: (c) => {
        ts.push(c.timestamp);
        if (!switched) {
          switched = true;
          enc.reset();
          enc.configure({ codec: 'vp8', width: 32, height: 32, latencyMode: 'realtime' });
          for (let i = 0; i < 3; i++) { const f = makeFrame(32, 32, i, { timestamp: 1e9 + i }); enc.encode(f); f.close(); }
        }
      },
      error: assert.fail,
    });
    enc.configure({ codec: 'vp8', width: 64, height: 48, latencyMode: 'realtime' });
    for (let i = 0; i < 10; i++) { const f = makeFrame(64, 48, i, { timestamp: i }); enc.encode(f); f.close(); }
    while (!switched) await tick(1);
    await enc.flush();
    assert.equal(ts[0], 0);
    assert.deepEqual(ts.slice(1), [1e9, 1e9 + 1, 1e9 + 2]);
    enc.close();
  }
  // Inside the error callback the codec is already closed: close()/reset() throw InvalidStateError,
  // flush() rejects, configure() throws; nothing crashes.
  {
    const seen = [];
    const dec = new VideoDecoder({
      output: () => {},
      error: (e) => {
        seen.push(e.name);
        for (const m of ['close', 'reset']) {
          try { dec[m](); seen.push(`${m}:ok`); } catch (x) { seen.push(`${m}:${x.name}`); }
        }
        try { dec.configure({ codec: 'vp8' }); } catch (x) { seen.push(`configure:${x.name}`); }
        dec.flush().catch((x) => seen.push(`flush:${x.name}`));
      },
    });
    dec.configure({ codec: 'vp8' });
    // A VP8 key frame tag and start code, then garbage: passes the key-chunk inspection, fails decoding.
    const junk = new Uint8Array(500).fill(7);
    junk.set([0x50, 0x2a, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]);
    dec.decode(new (require('../..').EncodedVideoChunk)({ type: 'key', timestamp: 0, data: junk }));
    await assert.rejects(dec.flush(), { name: 'EncodingError' });
    await tick(10);
    assert.deepEqual(seen, ['EncodingError', 'close:InvalidStateError', 'reset:InvalidStateError', 'configure:InvalidStateError', 'flush:InvalidStateError']);
  }
});

// One "start decoding" helper per ImageDecoder data source: returns a decoder with `n` decode()
// promises pending (every frame of its selected track) and a log of how each settled.
const IMAGE_SOURCES = {
  async 'GIF BufferSource'() {
    return new ImageDecoder({ data: fs.readFileSync(BIG_GIF), type: 'image/gif' });
  },
  async 'GIF ReadableStream'() {
    return new ImageDecoder({ data: slowStream(fs.readFileSync(BIG_GIF), 4096, 1), type: 'image/gif' });
  },
  async 'AVIF sequence'() {
    return new ImageDecoder({ data: fs.readFileSync(fixture('four-colors-flip.avif')), type: 'image/avif', preferAnimation: true });
  },
};
const IMAGE_FRAMES = { 'GIF BufferSource': 24, 'GIF ReadableStream': 24, 'AVIF sequence': 2 };

function decodeAll(d, n) {
  const log = { resolved: 0, rejected: [], order: [] };
  const settled = [];
  for (let i = 0; i < n; i++) {
    settled.push(d.decode({ frameIndex: i }).then(({ image }) => {
      log.resolved++;
      log.order.push(i);
      if (log.hook) log.hook(i);
      image.close();
    }, (e) => { log.rejected.push(e); }));
  }
  return { log, all: () => Promise.all(settled) };
}

for (const [name, open] of Object.entries(IMAGE_SOURCES)) {
  const n = IMAGE_FRAMES[name];
  for (const how of ['close', 'reset']) {
    test(`ImageDecoder (${name}): ${how}() while decodes are pending → AbortError, then silence`, async () => {
      const d = await open();
      await d.tracks.ready;
      const { log, all } = decodeAll(d, n);
      d[how]();
      const resolvedAtCall = log.resolved;
      await all();
      // Promises settle once: whatever had not resolved when reset()/close() ran is aborted.
      assert.equal(log.resolved, resolvedAtCall, `decodes resolved after ${how}()`);
      assert.equal(log.resolved + log.rejected.length, n);
      assert.ok(log.rejected.length > 0, 'something was still pending');
      for (const e of log.rejected) assert.ok(e instanceof DOMException && e.name === 'AbortError', `${e.name}: ${e.message}`);
      if (how === 'close') {
        await assert.rejects(d.decode(), { name: 'InvalidStateError' });
        assert.equal(d.tracks.length, 0);
      } else {
        // The decoder keeps working after reset(): the last frame decodes.
        const { image } = await d.decode({ frameIndex: n - 1 });
        assert.ok(image.timestamp > 0);
        image.close();
        d.close();
      }
    });
  }

  test(`ImageDecoder (${name}): close() / reset() inside a decode's then-handler and inside tracks.ready's`, async () => {
    for (const how of ['close', 'reset']) {
      // In the first resolved decode's handler.
      let d = await open();
      const { log, all } = decodeAll(d, n);
      let threw = null;
      log.hook = () => {
        log.hook = null;
        try { d[how](); } catch (e) { threw = e; }
      };
      await withTimeoutP(all(), 20_000);
      assert.equal(threw, null);
      assert.ok(log.resolved >= 1);
      for (const e of log.rejected) assert.equal(e.name, 'AbortError');
      assert.equal(log.resolved + log.rejected.length, n);
      if (how === 'reset') {
        const { image } = await d.decode({ frameIndex: n - 1 });
        image.close();
      }
      d.close();
      // In tracks.ready's handler: every decode issued before it is aborted, none resolves.
      d = await open();
      const early = decodeAll(d, n);
      await d.tracks.ready.then(() => d[how]());
      await early.all();
      // Decodes finished in the same batch as the track data may have resolved first.
      assert.ok(early.log.rejected.every((e) => e.name === 'AbortError'));
      assert.equal(early.log.resolved + early.log.rejected.length, n);
      // A re-entrant decode() after reset() in the handler works; after close() it rejects.
      const again = d.decode({ frameIndex: 0 });
      if (how === 'reset') (await again).image.close();
      else await assert.rejects(again, { name: 'InvalidStateError' });
      d.close();
    }
  });
}

function withTimeoutP(p, ms) {
  let t;
  return Promise.race([p.finally(() => clearTimeout(t)), new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`not settled within ${ms} ms`)), ms); })]);
}

test('ImageDecoder: deselecting the track inside a decode handler aborts the rest; a frame outlives close()', async () => {
  const d = new ImageDecoder({ data: fs.readFileSync(BIG_GIF), type: 'image/gif' });
  await d.tracks.ready;
  const track = d.tracks.selectedTrack;
  const { log, all } = decodeAll(d, 24);
  log.hook = () => { log.hook = null; track.selected = false; };
  await all();
  assert.ok(log.resolved >= 1);
  assert.ok(log.rejected.every((e) => e.name === 'AbortError'));
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
  track.selected = true;
  // A frame outlives its decoder.
  const { image } = await d.decode({ frameIndex: 23 });
  d.close();
  const buf = new Uint8Array(image.allocationSize());
  await image.copyTo(buf);
  assert.ok(buf.some((b) => b !== 0));
  image.close();
});

test('64 ImageDecoders decoding concurrently (Buffer and stream), then closed while busy', async () => {
  const bytes = fs.readFileSync(BIG_GIF);
  const decs = [];
  for (let i = 0; i < 64; i++) {
    const data = i % 2 ? slowStream(bytes, 16384, 0) : bytes;
    const d = new ImageDecoder({ data, type: 'image/gif' });
    decs.push({ d, run: decodeAll(d, 4) });
  }
  await Promise.all(decs.map(({ run }) => run.all()));
  for (const { run } of decs) {
    assert.deepEqual(run.log.rejected, []);
    assert.equal(run.log.resolved, 4);
  }
  // Again, closed while busy this time.
  const busy = decs.map(({ d }) => decodeAll(d, 24));
  for (const { d } of decs) d.close();
  await Promise.all(busy.map((b) => b.all()));
  for (const b of busy) {
    assert.equal(b.log.resolved + b.log.rejected.length, 24);
    assert.ok(b.log.rejected.every((e) => e.name === 'AbortError'));
  }
});

const THREADS = `() => require('fs').readdirSync('/proc/self/task').length`;

test('codecs, ImageDecoders and frames dropped without close(), then gc(): threads return to baseline, clean exit', { skip: !HAS_PROC }, (t) => {
  const r = run(`
    const W = require(${LIB});
    const { makeFrame } = require(${HELPERS});
    const threads = ${THREADS};
    const gif = require('fs').readFileSync(${GIF_JS});
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    function settle() { return (async () => { for (let i = 0; i < 30; i++) { gc(); await sleep(50); } })(); }
    function churn(i) {
      const ve = new W.VideoEncoder({ output: (c) => {}, error: () => {} });
      ve.configure({ codec: ['vp8', 'avc1.42001f', 'vp09.00.10.08'][i % 3], width: 64, height: 48 });
      for (let k = 0; k < 3; k++) ve.encode(makeFrame(64, 48, k)); // frames never closed
      if (i % 2) ve.flush().catch(() => {});
      const vd = new W.VideoDecoder({ output: (f) => {}, error: () => {} }); // outputs never closed
      vd.configure({ codec: 'vp8' });
      const ae = new W.AudioEncoder({ output: () => {}, error: () => {} });
      ae.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
      ae.encode(new W.AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfFrames: 960, numberOfChannels: 2, timestamp: 0, data: new Float32Array(1920) }));
      const ad = new W.AudioDecoder({ output: () => {}, error: () => {} });
      ad.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
      makeFrame(64, 48, i).clone(); // orphan frames
      // ImageDecoders with decodes pending (Buffer and stream data), outputs never closed.
      const id = new W.ImageDecoder({ data: gif, type: 'image/gif' });
      id.decode({ frameIndex: i % 24 }).catch(() => {});
      const bytes = gif.subarray(0, 20000 + i * 1000);
      const rs = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(bytes)); if (i % 2) c.close(); } });
      new W.ImageDecoder({ data: rs, type: 'image/gif' }).decode({ frameIndex: 23 }).catch(() => {});
    }
    (async () => {
      churn(0); await settle();
      const base = threads();
      for (let i = 0; i < 60; i++) churn(i);
      const peak = threads();
      await settle();
      let now = threads();
      for (let i = 0; i < 40 && now > base; i++) { await sleep(100); gc(); now = threads(); }
      console.log(JSON.stringify({ base, peak, now }));
    })();
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.signal, null);
  const m = JSON.parse(r.stdout.trim());
  t.diagnostic(JSON.stringify(m));
  assert.ok(m.peak > m.base, `codecs start threads (${JSON.stringify(m)})`);
  assert.ok(m.now <= m.base + 2, `threads ${JSON.stringify(m)}`);
});

test('process.exit() with work queued (and from inside an output callback or decode handler) exits 0 promptly', () => {
  const scripts = [
    `const W = require(${LIB}); const { makeFrame } = require(${HELPERS});
     const e = new W.VideoEncoder({ output: () => {}, error: () => {} });
     e.configure({ codec: 'avc1.42001f', width: 640, height: 480 });
     for (let i = 0; i < 60; i++) e.encode(makeFrame(640, 480, i));
     e.flush();
     const a = new W.AudioEncoder({ output: () => {}, error: () => {} });
     a.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
     for (let i = 0; i < 50; i++) a.encode(new W.AudioData({ format: 'f32-planar', sampleRate: 48000, numberOfFrames: 960, numberOfChannels: 2, timestamp: i * 20000, data: new Float32Array(1920) }));
     setTimeout(() => process.exit(0), 20);`,
    `const W = require(${LIB}); const { makeFrame } = require(${HELPERS});
     const e = new W.VideoEncoder({ output: () => process.exit(0), error: () => {} });
     e.configure({ codec: 'vp8', width: 320, height: 240 });
     for (let i = 0; i < 100; i++) e.encode(makeFrame(320, 240, i));
     e.flush();`,
    `const W = require(${LIB}); const { makeFrame } = require(${HELPERS});
     const e = new W.VideoEncoder({ output: () => {}, error: () => {} });
     e.configure({ codec: 'av01.0.04M.08', width: 320, height: 240 });
     for (let i = 0; i < 30; i++) e.encode(makeFrame(320, 240, i));
     process.exit(0);`,
    `const W = require(${LIB});
     const d = new W.ImageDecoder({ data: require('fs').readFileSync(${GIF_JS}), type: 'image/gif' });
     for (let i = 0; i < 24; i++) d.decode({ frameIndex: i }).then(({ image }) => { if (i === 3) process.exit(0); });
     setTimeout(() => process.exit(0), 5);`,
  ];
  for (const s of scripts) {
    const t0 = Date.now();
    const r = run(s, { args: [], timeout: 20_000 });
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  }
});

test('an ImageDecoder waiting for stream data does not keep Node alive; a live producer still delivers', () => {
  // Regression: a decode parked until more data arrives held the event loop, so a stream that
  // never ends (and has no producer left) kept the process alive forever.
  const parked = run(`
    const W = require(${LIB});
    const gif = require('fs').readFileSync(${GIF_JS});
    const rs = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(gif.subarray(0, 30000))); } });
    const d = new W.ImageDecoder({ data: rs, type: 'image/gif' });
    d.tracks.ready.then(() => console.log('ready'));
    d.decode({ frameIndex: 0 }).then(({ image }) => { console.log('frame 0'); image.close(); });
    d.decode({ frameIndex: 23 }).then(() => console.log('frame 23?'), (e) => console.log(e.name));
  `, { args: [], timeout: 20_000 });
  assert.equal(parked.signal, null, 'the process hung (killed by the timeout)');
  assert.equal(parked.status, 0, parked.stderr);
  assert.deepEqual(parked.stdout.trim().split('\n'), ['ready', 'frame 0']);
  // The same decode with a producer that delivers the rest later resolves.
  const live = run(`
    const W = require(${LIB});
    const gif = require('fs').readFileSync(${GIF_JS});
    const rs = new ReadableStream({ start(c) {
      c.enqueue(new Uint8Array(gif.subarray(0, 30000)));
      setTimeout(() => { c.enqueue(new Uint8Array(gif.subarray(30000))); c.close(); }, 300);
    } });
    const d = new W.ImageDecoder({ data: rs, type: 'image/gif' });
    d.decode({ frameIndex: 23 }).then(({ image }) => { console.log('frame 23', image.timestamp); image.close(); });
  `, { args: [], timeout: 20_000 });
  assert.equal(live.status, 0, live.stderr);
  assert.equal(live.stdout.trim(), 'frame 23 2300000');
});

test('worker_threads terminated mid-encode and mid-image-decode (720p, 8 times): main survives, threads return', { skip: !HAS_PROC }, (t) => {
  const r = run(`
    const { Worker } = require('worker_threads');
    const threads = ${THREADS};
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const src = \`
      const { parentPort } = require('worker_threads');
      const W = require(${LIB.replace(/\\/g, '\\\\')});
      const { makeFrame } = require(${HELPERS.replace(/\\/g, '\\\\')});
      const e = new W.VideoEncoder({ output: () => parentPort.postMessage('out'), error: () => {} });
      e.configure({ codec: 'avc1.42001f', width: 1280, height: 720 });
      const d = new W.VideoDecoder({ output: (f) => f.close(), error: () => {} });
      d.configure({ codec: 'vp8' });
      const id = new W.ImageDecoder({ data: require('fs').readFileSync(${GIF_JS.replace(/\\/g, '\\\\')}), type: 'image/gif' });
      for (let i = 0; i < 24; i++) id.decode({ frameIndex: i }).then(({ image }) => image.close(), () => {});
      for (let i = 0; i < 40; i++) { const f = makeFrame(1280, 720, i); e.encode(f); f.close(); }
      e.flush();
      parentPort.postMessage('queued');
    \`;
    (async () => {
      // Warm-up worker so the baseline includes Node's lazily created threads.
      { const w = new Worker('1', { eval: true }); await new Promise((r) => w.on('exit', r)); }
      await sleep(100);
      const base = threads();
      // Regression: terminating while a channel callback delivered outputs aborted the process
      // (Neon panicked on a failed Node-API call, then failed to report it).
      for (let i = 0; i < 8; i++) {
        const w = new Worker(src, { eval: true });
        await new Promise((resolve) => w.on('message', (m) => { if (m === 'queued' || m === 'out') resolve(); }));
        await sleep((i * 13) % 60);
        await w.terminate();
      }
      let now = threads();
      for (let i = 0; i < 50 && now > base; i++) { await sleep(100); gc(); now = threads(); }
      console.log(JSON.stringify({ base, now }));
    })();
  `, { timeout: 120_000 });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout.trim());
  t.diagnostic(JSON.stringify(m));
  assert.ok(m.now <= m.base + 2, `threads ${JSON.stringify(m)}`);
});

test('worker_threads that finish on their own after encoding, decoding and an image decode (8 times): exit 0, main survives', () => {
  // Each environment has a libuv handle through which codec threads wake its event loop
  // (safe-callback's relay); it must be closed before the worker's loop is, or Node aborts.
  const r = run(`
    const { Worker } = require('worker_threads');
    const src = \`
      const W = require(${LIB.replace(/\\/g, '\\\\')});
      const { makeFrame } = require(${HELPERS.replace(/\\/g, '\\\\')});
      (async () => {
        let outs = 0;
        const e = new W.VideoEncoder({ output: () => { outs++; }, error: (x) => { throw x; } });
        e.configure({ codec: 'vp8', width: 320, height: 240 });
        for (let i = 0; i < 10; i++) { const f = makeFrame(320, 240, i); e.encode(f); f.close(); }
        await e.flush();
        e.close();
        const id = new W.ImageDecoder({ data: require('fs').readFileSync(${GIF_JS.replace(/\\/g, '\\\\')}), type: 'image/gif' });
        (await id.decode({ frameIndex: 0 })).image.close();
        id.close();
        if (outs !== 10) throw new Error('outputs ' + outs);
      })();
    \`;
    (async () => {
      for (let i = 0; i < 8; i++) {
        const w = new Worker(src, { eval: true });
        const code = await new Promise((r) => w.on('exit', r));
        if (code !== 0) throw new Error('worker exit ' + code);
      }
      console.log('survived');
    })();
  `, { args: [], timeout: 60_000 });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(0, 500)}`);
  assert.equal(r.status, 0, r.stderr.slice(0, 500));
  assert.equal(r.stdout.trim(), 'survived');
});

test('worker_threads terminated inside native calls (VideoFrame create/clone/close loop, 30 times): no abort', () => {
  // Regression: a Node-API call failing during termination made Neon panic inside the native
  // function, and Neon's failure boundary then aborted the whole process while reporting it.
  const r = run(`
    const { Worker } = require('worker_threads');
    const src = \`
      const { parentPort } = require('worker_threads');
      const W = require(${LIB.replace(/\\/g, '\\\\')});
      const data = new Uint8Array(16 * 16 * 3 / 2);
      parentPort.postMessage('go');
      for (let i = 0; ; i++) {
        const f = new W.VideoFrame(data, { format: 'I420', codedWidth: 16, codedHeight: 16, timestamp: i });
        f.clone().close();
        f.close();
      }
    \`;
    (async () => {
      for (let i = 0; i < 30; i++) {
        const w = new Worker(src, { eval: true });
        await new Promise((r) => w.on('message', r));
        await new Promise((r) => setTimeout(r, i % 7));
        await w.terminate();
      }
      console.log('survived');
    })();
  `, { args: [], timeout: 60_000 });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr.slice(0, 500)}`);
  assert.equal(r.status, 0, r.stderr.slice(0, 500));
  assert.equal(r.stdout.trim(), 'survived');
});

test('64 decoders decoding concurrently, then closed', async () => {
  const s = await streams();
  const names = Object.keys(s.video);
  const decs = [];
  const outs = new Array(64).fill(0);
  const errors = [];
  for (let i = 0; i < 64; i++) {
    const st = s.video[names[i % names.length]];
    const d = new VideoDecoder({ output: (f) => { outs[i]++; f.close(); }, error: (e) => errors.push(e) });
    d.configure(st.decoderConfig);
    for (const c of st.chunks) d.decode(c);
    decs.push([d, st.chunks.length]);
  }
  await Promise.all(decs.map(([d]) => d.flush()));
  assert.deepEqual(errors, []);
  decs.forEach(([d, n], i) => assert.equal(outs[i], n, `decoder ${i}`));
  // Again, closed while busy this time.
  // Chunks of another codec may fail the key-chunk inspection (a synchronous DataError).
  for (const [d] of decs) {
    for (const c of s.video[names[0]].chunks) {
      if (d.state !== 'configured') break;
      try { d.decode(c); } catch (e) { assert.equal(e.name, 'DataError'); break; }
    }
  }
  for (const [d] of decs) d.close();
  const seen = outs.reduce((a, b) => a + b, 0);
  await tick(50);
  assert.equal(outs.reduce((a, b) => a + b, 0), seen);
});
