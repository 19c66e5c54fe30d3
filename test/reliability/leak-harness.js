'use strict';
// Encode+decode round trips of small frames in batches, sampling RSS after each batch (after gc()).
// Used by leak.test.js (CI-sized) and test-stress/leak.js (100k frames).
const {
  VideoEncoder, VideoDecoder, AudioEncoder, AudioDecoder,
} = require('../..');
const { makeFrame } = require('../helpers');
const { audioData } = require('../fuzz/streams');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function settle() {
  for (let i = 0; i < 3; i++) { if (global.gc) global.gc(); await sleep(5); }
}

// One batch: `n` video frames through a fresh-or-reused encoder/decoder pair (both paths),
// plus n/10 audio buffers through Opus.
async function batch(state, n, size, codec) {
  const [w, h] = size;
  const chunks = [];
  let meta = null;
  let error = null;
  const reuse = state.batch % 2 === 0 && state.enc;
  const enc = reuse ? state.enc : new VideoEncoder({
    output: (c, m) => { state.chunks.push(c); if (m && m.decoderConfig) state.meta = m.decoderConfig; },
    error: (e) => { state.error = e; },
  });
  if (!reuse) {
    if (state.enc) state.enc.close();
    state.enc = enc;
    enc.configure({ codec, width: w, height: h, latencyMode: 'realtime' });
  }
  state.chunks = chunks;
  for (let i = 0; i < n; i++) {
    const f = makeFrame(w, h, state.t++);
    enc.encode(f, { keyFrame: i === 0 });
    f.close();
  }
  await enc.flush();
  meta = state.meta;
  let decoded = 0;
  const dec = new VideoDecoder({ output: (f) => { decoded++; f.close(); }, error: (e) => { error = e; } });
  dec.configure(meta);
  for (const c of chunks) dec.decode(c);
  await dec.flush();
  dec.close();
  if (error || state.error) throw error || state.error;
  if (decoded !== n) throw new Error(`decoded ${decoded} of ${n}`);

  const ac = [];
  let adec = null;
  const ae = new AudioEncoder({ output: (c, m) => { ac.push(c); if (m && m.decoderConfig) adec = m.decoderConfig; }, error: (e) => { error = e; } });
  ae.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
  for (let i = 0; i < Math.max(1, n / 10); i++) { const a = audioData(48000, 2, 960, i * 960); ae.encode(a); a.close(); }
  await ae.flush();
  ae.close();
  const ad = new AudioDecoder({ output: (a) => a.close(), error: (e) => { error = e; } });
  ad.configure(adec);
  for (const c of ac) ad.decode(c);
  await ad.flush();
  ad.close();
  if (error) throw error;
  state.batch++;
}

// Returns { samples: [[frames, rssMiB]], warmRss, finalRss, growthMiB, seconds }.
async function runLeak({ frames, batchSize = 100, size = [64, 64], codec = 'vp8', warmupFraction = 0.2, log = null }) {
  const state = { t: 0, batch: 0, enc: null, chunks: [], meta: null, error: null };
  const samples = [];
  const t0 = Date.now();
  const warmFrames = Math.round(frames * warmupFraction);
  let warmRss = null;
  for (let done = 0; done < frames; done += batchSize) {
    await batch(state, batchSize, size, codec);
    if ((state.batch % 10 === 0) || done + batchSize >= frames || (warmRss === null && done + batchSize >= warmFrames)) {
      await settle();
      const rss = process.memoryUsage().rss / 2 ** 20;
      samples.push([done + batchSize, rss]);
      if (log) log(`${done + batchSize} frames: rss ${rss.toFixed(1)} MiB`);
      if (warmRss === null && done + batchSize >= warmFrames) warmRss = rss;
    }
  }
  if (state.enc) state.enc.close();
  await settle();
  const finalRss = process.memoryUsage().rss / 2 ** 20;
  return { samples, warmRss, finalRss, growthMiB: finalRss - warmRss, seconds: (Date.now() - t0) / 1000 };
}

module.exports = { runLeak };
