'use strict';
// opus.frameDuration: any multiple of 2.5 ms from 2.5 to 120 ms gives chunks of exactly that
// duration, back to back, that decode to the input (every sample, none lost). libopus makes
// 2.5 to 60 ms frames; the other durations are several frames in one Opus packet.
//
// A duration the configuration check does not accept yet (before codec-core's 2.5 ms rule)
// is skipped with a note; every one of them runs once it does.
const test = require('node:test');
const assert = require('node:assert/strict');
const { AudioEncoder, AudioDecoder, AudioData } = require('../..');
const { runCodec, encodeChunks } = require('../helpers');

const RATE = 48000;
const FRAMES = RATE + 123;

function chirp(channel, i) {
  const t = i / RATE;
  return 0.5 * Math.sin(2 * Math.PI * ((200 + 150 * channel) * t + 1500 * t * t));
}

function encode(config) {
  return encodeChunks(AudioEncoder, config, (enc) => {
    for (let off = 0; off < FRAMES; off += 1000) {
      const n = Math.min(1000, FRAMES - off);
      const data = new Float32Array(2 * n);
      for (let c = 0; c < 2; c++) for (let i = 0; i < n; i++) data[c * n + i] = chirp(c, off + i);
      const a = new AudioData({
        format: 'f32-planar', sampleRate: RATE, numberOfFrames: n, numberOfChannels: 2,
        timestamp: Math.round(off * 1e6 / RATE), data,
      });
      enc.encode(a);
      a.close();
    }
  });
}

async function decode(config, chunks) {
  const planes = [[], []];
  await runCodec(AudioDecoder, config, (a) => {
    for (let c = 0; c < 2; c++) {
      const p = new Float32Array(a.numberOfFrames);
      a.copyTo(p, { planeIndex: c, format: 'f32-planar' });
      planes[c].push(...p);
    }
    a.close();
  }, (dec) => {
    for (const c of chunks) dec.decode(c);
  });
  return planes;
}

// SNR (dB) against the chirp at lag 0, away from both ends.
function snr(channel, got) {
  const n = Math.min(FRAMES, got.length);
  let s = 0;
  let e = 0;
  for (let i = Math.floor(n / 10); i < n - Math.floor(n / 10); i++) {
    const w = chirp(channel, i);
    s += w * w;
    e += (w - got[i]) ** 2;
  }
  return 10 * Math.log10(s / e);
}

for (let duration = 2500; duration <= 120000; duration += 2500) {
  test(`opus frameDuration ${duration / 1000} ms: chunks of exactly that duration decode to the input`, async (t) => {
    const config = {
      codec: 'opus', sampleRate: RATE, numberOfChannels: 2, bitrate: 128000, opus: { frameDuration: duration },
    };
    const support = await AudioEncoder.isConfigSupported(config).catch((e) => e);
    if (support instanceof TypeError) {
      t.skip(`frameDuration ${duration} is not valid before codec-core's 2.5 ms rule is merged`);
      return;
    }
    assert.equal(support.supported, true);
    assert.equal(support.config.opus.frameDuration, duration);
    const { chunks, decoderConfig } = await encode(config);
    chunks.forEach((c, k) => {
      assert.equal(c.timestamp, k * duration, `chunk ${k} timestamp`);
      assert.equal(c.duration, duration, `chunk ${k} duration`);
    });
    const head = new DataView(decoderConfig.description instanceof ArrayBuffer
      ? decoderConfig.description : decoderConfig.description.buffer);
    const preSkip = head.getUint16(10, true);
    const perChunk = duration * RATE / 1e6;
    assert.equal(chunks.length, Math.ceil((FRAMES + preSkip) / perChunk));
    const planes = await decode(decoderConfig, chunks);
    assert.equal(planes[0].length, chunks.length * perChunk - preSkip, 'every sample, pre-skip discarded');
    for (let c = 0; c < 2; c++) {
      const s = snr(c, planes[c]);
      // 2.5 ms frames keep least of the chirp (about 14 dB at 64 kbit/s a channel).
      assert.ok(s > 12, `channel ${c}: SNR ${s.toFixed(1)} dB`);
    }
  });
}
