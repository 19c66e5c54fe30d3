'use strict';
// Timestamp continuity over long runs: 60 s of 48 kHz stereo fed as irregular AudioData sizes
// (441/1000/4096 frames) through each encoder and back through the decoder. Every chunk must
// start where the previous one ended (±1 µs of rounding), and the k-th chunk must sit at
// exactly k × frame on the input timeline (no drift). Every AudioData starts at the timestamp
// of the chunk it came from; they are back to back too, except that the Opus decoder's first
// output is shorter by the pre-skip it discards (its successor starts that much later).
const test = require('node:test');
const assert = require('node:assert/strict');
const { AudioEncoder, AudioDecoder, AudioData } = require('../..');
const { encodeChunks, decodeChunks } = require('../helpers');

const PIECES = [441, 1000, 4096];

// Stereo test signal (planar): two tones and a slow sweep, computed per piece.
function piece(rate, channels, off, n) {
  const d = new Float32Array(n * channels);
  for (let c = 0; c < channels; c++) {
    const f = 330 + 220 * c;
    for (let i = 0; i < n; i++) {
      const t = (off + i) / rate;
      d[c * n + i] = 0.4 * Math.sin(2 * Math.PI * f * t) + 0.1 * Math.sin(2 * Math.PI * (50 + 20 * t) * t);
    }
  }
  return d;
}

async function encodeTimeline(config, seconds) {
  const total = Math.round(config.sampleRate * seconds);
  const { chunks, decoderConfig } = await encodeChunks(AudioEncoder, config, async (enc) => {
    let k = 0;
    for (let off = 0; off < total;) {
      const n = Math.min(PIECES[k++ % PIECES.length], total - off);
      const a = new AudioData({
        format: 'f32-planar', sampleRate: config.sampleRate, numberOfFrames: n,
        numberOfChannels: config.numberOfChannels, timestamp: Math.round(off * 1e6 / config.sampleRate),
        data: piece(config.sampleRate, config.numberOfChannels, off, n),
      });
      enc.encode(a);
      a.close();
      off += n;
      // Keep the queue short so memory stays flat.
      if (enc.encodeQueueSize > 64) await new Promise((r) => enc.addEventListener('dequeue', r, { once: true }));
    }
  });
  return { chunks, decoderConfig, total };
}

// [name, config, seconds, samples per packet at the encoder rate, priming the decoder keeps]
const CASES = [
  ['opus', { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 96000, opus: { complexity: 0 } }, 60, 960, 0],
  ['aac', { codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 2, bitrate: 128000 }, 60, 1024, 1024],
  ['flac', { codec: 'flac', sampleRate: 48000, numberOfChannels: 2, flac: { blockSize: 4608, compressLevel: 0 } }, 60, 4608, 0],
  ['mp3', { codec: 'mp3', sampleRate: 48000, numberOfChannels: 2, bitrate: 128000 }, 60, 1152, 1152],
  // Resampled Opus: 44.1 kHz in, 48 kHz packets, timestamps on the input timeline.
  ['opus@44100', { codec: 'opus', sampleRate: 44100, numberOfChannels: 2, bitrate: 96000, opus: { complexity: 0 } }, 10, 960, 0],
];

for (const [name, config, seconds, frame, priming] of CASES) {
  test(`${name}: ${seconds} s of irregular AudioData → continuous, drift-free timestamps`, async () => {
    const t0 = Date.now();
    const { chunks, decoderConfig, total } = await encodeTimeline(config, seconds);
    const encRate = decoderConfig.sampleRate;
    const tEnc = Date.now() - t0;
    // Encoder: back to back, and chunk k at exactly k × frame (fixed-size packets).
    assert.equal(chunks[0].timestamp, 0);
    let worst = 0;
    for (let i = 1; i < chunks.length; i++) {
      const expected = chunks[i - 1].timestamp + chunks[i - 1].duration;
      assert.ok(Math.abs(chunks[i].timestamp - expected) <= 1, `chunk ${i}: ${chunks[i].timestamp} vs ${expected}`);
      if (i < chunks.length - 1) {
        const ideal = i * frame * 1e6 / encRate;
        worst = Math.max(worst, Math.abs(chunks[i].timestamp - ideal));
      }
    }
    assert.ok(worst <= 1, `drift: worst |timestamp − k·frame| = ${worst} µs`);
    const last = chunks[chunks.length - 1];
    const covered = last.timestamp + last.duration;
    const inputUs = total * 1e6 / config.sampleRate;
    // Chunks cover the input plus encoder priming, rounded up to a packet.
    const slack = (frame + 1200) * 1e6 / encRate;
    assert.ok(covered >= inputUs - 1 && covered <= inputUs + slack, `chunks cover ${covered} µs for ${inputUs} µs of input`);

    const t1 = Date.now();
    const decoded = await decodeChunks(decoderConfig, chunks, AudioDecoder);
    const tDec = Date.now() - t1;
    // The OpusHead's pre-skip (bytes 10-11, little-endian), discarded by the decoder.
    const head = decoderConfig.description ? new Uint8Array(decoderConfig.description) : null;
    const preSkip = config.codec === 'opus' ? head[10] | (head[11] << 8) : 0;
    assert.equal(decoded.length, chunks.length, 'one AudioData per chunk');
    let frames = 0;
    for (let i = 0; i < decoded.length; i++) {
      frames += decoded[i].numberOfFrames;
      assert.equal(decoded[i].timestamp, chunks[i].timestamp, `AudioData ${i} starts at its chunk's timestamp`);
      if (i > 0) {
        const gap = i === 1 ? preSkip * 1e6 / encRate : 0;
        const expected = decoded[i - 1].timestamp + decoded[i - 1].duration + gap;
        assert.ok(Math.abs(decoded[i].timestamp - expected) <= 1, `AudioData ${i}: ${decoded[i].timestamp} vs ${expected}`);
      }
    }
    const first = decoded[0];
    const end = decoded[decoded.length - 1].timestamp + decoded[decoded.length - 1].duration;
    // No drift over the whole run: the last end time is the first timestamp plus the frames
    // (and the discarded pre-skip).
    const spanDrift = Math.abs(end - first.timestamp - (frames + preSkip) * 1e6 / encRate);
    assert.ok(spanDrift <= 2, `decoded span drifts by ${spanDrift} µs`);
    const inFrames = Math.ceil(total * encRate / config.sampleRate);
    assert.ok(frames >= inFrames && frames < inFrames + frame + priming + 1200,
      `decoded ${frames} frames for ${inFrames}`);
    decoded.forEach((a) => a.close());
    console.log(`# ${name}: ${chunks.length} chunks, ${decoded.length} AudioData, ${frames} frames for ${inFrames}; ` +
      `first decoded ts ${first.timestamp} µs; encode ${tEnc} ms, decode ${tDec} ms`);
  });
}
