'use strict';
// Audio encoders and decoders: round trips with SNR, timestamp continuity, errors.
const test = require('node:test');
const assert = require('node:assert/strict');
const { AudioEncoder, AudioDecoder, AudioData, EncodedAudioChunk } = require('../..');
const { encodeChunks, decodeChunks } = require('../helpers');

function sine(rate, channels, frames, start = 0) {
  const d = new Float32Array(frames * channels);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < frames; i++) d[c * frames + i] = 0.5 * Math.sin(2 * Math.PI * (440 + 220 * c) * (start + i) / rate);
  }
  return d;
}

async function encodeAll(config, seconds, piece = 700) {
  const total = Math.round(config.sampleRate * seconds);
  const { chunks, decoderConfig } = await encodeChunks(AudioEncoder, config, (enc) => {
    for (let off = 0; off < total; off += piece) {
      const n = Math.min(piece, total - off);
      const a = new AudioData({
        format: 'f32-planar', sampleRate: config.sampleRate, numberOfFrames: n, numberOfChannels: config.numberOfChannels,
        timestamp: Math.round(off * 1e6 / config.sampleRate), data: sine(config.sampleRate, config.numberOfChannels, n, off),
      });
      enc.encode(a);
      a.close();
    }
  });
  return { chunks, decoderConfig, total };
}

const decodeAll = (config, chunks) => decodeChunks(config, chunks, AudioDecoder);

function channel0(datas) {
  const n = datas.reduce((s, a) => s + a.numberOfFrames, 0);
  const out = new Float32Array(n);
  let o = 0;
  for (const a of datas) {
    const tmp = new Float32Array(a.numberOfFrames);
    a.copyTo(tmp, { planeIndex: 0, format: 'f32-planar' });
    out.set(tmp, o);
    o += a.numberOfFrames;
  }
  return out;
}

// Best SNR over lags 0..maxLag (encoder delay).
function snr(ref, got, maxLag = 4096) {
  let best = -Infinity;
  const n = Math.min(ref.length, got.length - maxLag) - 2000;
  for (let lag = 0; lag <= maxLag; lag += 1) {
    let s = 0; let e = 0;
    for (let i = 1000; i < n; i += 3) { const r = ref[i]; const d = r - got[i + lag]; s += r * r; e += d * d; }
    best = Math.max(best, 10 * Math.log10(s / Math.max(e, 1e-12)));
  }
  return best;
}

const CASES = [
  ['opus', { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 128000 }, 10],
  ['aac', { codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 2, bitrate: 128000 }, 10],
  ['flac', { codec: 'flac', sampleRate: 48000, numberOfChannels: 2 }, 60],
  ['pcm-s16', { codec: 'pcm-s16', sampleRate: 48000, numberOfChannels: 2 }, 60],
];

for (const [name, config, minSnr] of CASES) {
  test(`${name}: round trip, continuous timestamps, SNR > ${minSnr} dB`, async (t) => {
    const support = await AudioEncoder.isConfigSupported(config);
    if (!support.supported) return t.skip(`${name} encoding is not supported in this build`);
    const { chunks, decoderConfig, total } = await encodeAll(config, 1);
    assert.ok(chunks.length > 0);
    assert.ok(decoderConfig, 'first chunk carries decoderConfig');
    assert.equal(decoderConfig.codec, config.codec);
    assert.ok(chunks.every((c) => c.type === 'key'));
    for (let i = 1; i < chunks.length; i++) {
      const expected = chunks[i - 1].timestamp + chunks[i - 1].duration;
      assert.ok(Math.abs(chunks[i].timestamp - expected) <= 1, `chunk ${i}: ${chunks[i].timestamp} vs ${expected}`);
    }
    const decoded = await decodeAll(decoderConfig, chunks);
    const got = channel0(decoded);
    assert.ok(got.length >= total, `decoded ${got.length} of ${total} frames`);
    const s = snr(sine(config.sampleRate, config.numberOfChannels, total).subarray(0, total), got);
    assert.ok(s > minSnr, `SNR ${s.toFixed(1)} dB`);
    decoded.forEach((a) => a.close());
  });
}

test('audio decoder: corrupt data closes with EncodingError', async () => {
  const errors = [];
  const dec = new AudioDecoder({ output: () => {}, error: (e) => errors.push(e) });
  dec.configure({ codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 2 });
  for (let i = 0; i < 5; i++) {
    dec.decode(new EncodedAudioChunk({ type: 'key', timestamp: i, data: new Uint8Array(300).map((_, k) => (k * 31 + i) & 255) }));
  }
  await assert.rejects(dec.flush(), { name: 'EncodingError' });
  assert.equal(errors.length, 1);
  assert.equal(dec.state, 'closed');
});

test('audio configs: invalid → TypeError, unsupported → supported:false', async () => {
  await assert.rejects(AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: 0, numberOfChannels: 2 }), TypeError);
  await assert.rejects(AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2, opus: { complexity: 11 } }), TypeError);
  await assert.rejects(AudioDecoder.isConfigSupported({ codec: '', sampleRate: 48000, numberOfChannels: 2 }), TypeError);
  assert.equal((await AudioEncoder.isConfigSupported({ codec: 'bogus', sampleRate: 48000, numberOfChannels: 2 })).supported, false);
  const r = await AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2, opus: {} });
  assert.equal(r.config.opus.complexity, 9);
  assert.equal(r.config.opus.frameDuration, 20000);
});

test('isConfigSupported: Opus resamples any rate; AAC/MP3 rate lists; HE-AAC decode only', async () => {
  const enc = async (c) => (await AudioEncoder.isConfigSupported({ numberOfChannels: 2, ...c })).supported;
  const dec = async (c) => (await AudioDecoder.isConfigSupported({ sampleRate: 48000, numberOfChannels: 2, ...c })).supported;
  for (const sampleRate of [8000, 11025, 22050, 32000, 44100, 48000, 96000]) {
    assert.equal(await enc({ codec: 'opus', sampleRate }), true, `opus @${sampleRate}`);
  }
  assert.equal(await enc({ codec: 'opus', sampleRate: 48000, numberOfChannels: 6 }), true);
  assert.equal(await enc({ codec: 'opus', sampleRate: 48000, numberOfChannels: 16 }), true);
  assert.equal(await enc({ codec: 'opus', sampleRate: 48000, numberOfChannels: 26 }), false);
  assert.equal(await enc({ codec: 'opus', sampleRate: 1 }), false);
  assert.equal(await enc({ codec: 'opus', sampleRate: 1e7 }), false);
  await assert.rejects(enc({ codec: 'opus', sampleRate: 48000, bitrate: 1 }), TypeError);
  assert.equal(await enc({ codec: 'mp4a.40.2', sampleRate: 44100 }), true);
  assert.equal(await enc({ codec: 'mp4a.40.2', sampleRate: 37800 }), false);
  assert.equal(await enc({ codec: 'mp4a.67', sampleRate: 48000 }), true);
  assert.equal(await enc({ codec: 'mp3', sampleRate: 96000 }), false);
  assert.equal(await enc({ codec: 'vorbis', sampleRate: 37800 }), true);
  for (const codec of ['mp4a.40.5', 'mp4a.40.05', 'mp4a.40.29', 'mp4a.40.42']) {
    assert.equal(await enc({ codec, sampleRate: 48000 }), false, `encode ${codec}`);
  }
  for (const codec of ['mp4a.40.2', 'mp4a.40.5', 'mp4a.40.05', 'mp4a.40.29', 'mp4a.67']) {
    assert.equal(await dec({ codec }), true, `decode ${codec}`);
  }
  assert.equal(await dec({ codec: 'mp4a.40.42' }), false);
  // And configure() agrees with isConfigSupported().
  const errors = [];
  const e = new AudioEncoder({ output: () => {}, error: (x) => errors.push(x) });
  e.configure({ codec: 'mp4a.40.5', sampleRate: 48000, numberOfChannels: 2 });
  await assert.rejects(e.flush(), { name: 'NotSupportedError' });
  assert.equal(errors[0].name, 'NotSupportedError');
});

test('opus at 44.1 kHz: decoderConfig reports 48 kHz and the OpusHead keeps 44100', async () => {
  const { chunks, decoderConfig, total } = await encodeAll({ codec: 'opus', sampleRate: 44100, numberOfChannels: 2 }, 0.5, 441);
  assert.equal(decoderConfig.sampleRate, 48000);
  const head = new Uint8Array(decoderConfig.description);
  assert.equal(String.fromCharCode(...head.subarray(0, 8)), 'OpusHead');
  assert.equal(new DataView(head.buffer, head.byteOffset).getUint32(12, true), 44100);
  chunks.forEach((c, i) => { assert.equal(c.timestamp, i * 20000); assert.equal(c.duration, 20000); });
  const decoded = await decodeAll(decoderConfig, chunks);
  assert.equal(decoded[0].sampleRate, 48000);
  const frames = decoded.reduce((s, a) => s + a.numberOfFrames, 0);
  assert.ok(frames >= Math.ceil(total * 48000 / 44100), `${frames} frames`);
  decoded.forEach((a) => a.close());
});

test('flac: s32 AudioData gives 24-bit FLAC that decodes losslessly to s32', async () => {
  const frames = 9000;
  const src = new Int32Array(frames * 2);
  for (let i = 0; i < src.length; i++) src[i] = (((i * 2654435761) >>> 8) - (1 << 23)) << 8;
  const chunks = [];
  let decoderConfig = null;
  const enc = new AudioEncoder({ output: (c, m) => { chunks.push(c); if (m.decoderConfig) decoderConfig = m.decoderConfig; }, error: (e) => { throw e; } });
  enc.configure({ codec: 'flac', sampleRate: 96000, numberOfChannels: 2, flac: { blockSize: 1024, compressLevel: 2 } });
  for (let off = 0; off < frames; off += 3000) {
    const a = new AudioData({ format: 's32', sampleRate: 96000, numberOfFrames: 3000, numberOfChannels: 2, timestamp: Math.round(off * 1e6 / 96000), data: src.subarray(off * 2, (off + 3000) * 2) });
    enc.encode(a);
    a.close();
  }
  await enc.flush();
  enc.close();
  const d = new Uint8Array(decoderConfig.description);
  assert.equal((((d[8 + 12] & 1) << 4) | (d[8 + 13] >> 4)) + 1, 24, 'STREAMINFO bits per sample');
  const decoded = await decodeAll(decoderConfig, chunks);
  const got = new Int32Array(frames * 2);
  let o = 0;
  for (const a of decoded) {
    assert.ok(a.format.startsWith('s32'), a.format);
    const tmp = new Int32Array(a.numberOfFrames * 2);
    a.copyTo(tmp, { planeIndex: 0, format: 's32' });
    got.set(tmp, o);
    o += tmp.length;
    a.close();
  }
  assert.deepEqual(got, src);
});
