'use strict';
// Audio config validity and support edge cases found in a WPT conformance pass, plus the
// Opus DTX behaviour those tests depend on. (The decoder cases of descriptions that are
// missing live in wpt-audio-decoder.test.js.)
const test = require('node:test');
const assert = require('node:assert/strict');
const { AudioEncoder, AudioDecoder, AudioData } = require('../..');
const { runCodec } = require('../helpers');

// Configures a fresh decoder and resolves with { error, flushError, state } once both the
// error callback and the flush promise have settled.
async function configureExpectingError(Codec, config) {
  let error = null;
  let codec;
  const gotError = new Promise((resolve) => {
    codec = new Codec({ output: () => assert.fail('unexpected output'), error: (e) => { error = e; resolve(); } });
  });
  codec.configure(config);
  const flushError = await codec.flush().then(() => null, (e) => e);
  await gotError;
  return { error, flushError, state: codec.state };
}

test('AudioEncoder: a bitrate above 2^31-1 is an invalid config (TypeError)', async () => {
  const config = { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 2 ** 31 };
  await assert.rejects(AudioEncoder.isConfigSupported(config), TypeError);
  const enc = new AudioEncoder({ output() {}, error() {} });
  assert.throws(() => enc.configure(config), TypeError);
  assert.equal(enc.state, 'unconfigured');
  enc.close();
  // The largest valid value is only a support question (libopus caps it), never a TypeError.
  const s = await AudioEncoder.isConfigSupported({ ...config, bitrate: 2 ** 31 - 1 });
  assert.equal(typeof s.supported, 'boolean');
});

function opusHead(channels, { family = channels > 2 ? 1 : 0, streams = channels, coupled = 0 } = {}) {
  const h = Buffer.alloc(family === 0 ? 19 : 21 + channels);
  h.write('OpusHead', 0, 'latin1');
  h[8] = 1;
  h[9] = channels;
  h.writeUInt16LE(312, 10);
  h.writeUInt32LE(48000, 12);
  h[18] = family;
  if (family !== 0) {
    h[19] = streams;
    h[20] = coupled;
    for (let c = 0; c < channels; c++) h[21 + c] = c;
  }
  return new Uint8Array(h);
}

test('AudioDecoder: an Opus description that is not a valid OpusHead is NotSupportedError at configure', async () => {
  const bad = [
    ['too short for multichannel', 3, new Uint8Array(9)],
    ['no magic', 2, new Uint8Array(19)],
    ['truncated mapping table', 3, opusHead(3).subarray(0, 22)],
    ['family 0 with three channels', 3, opusHead(3, { family: 0 })],
  ];
  for (const [what, numberOfChannels, description] of bad) {
    const config = { codec: 'opus', sampleRate: 48000, numberOfChannels, description };
    const s = await AudioDecoder.isConfigSupported(config);
    assert.equal(s.supported, false, what);
    const r = await configureExpectingError(AudioDecoder, config);
    assert.equal(r.error?.name, 'NotSupportedError', what);
    assert.equal(r.flushError?.name, 'NotSupportedError', what);
    assert.equal(r.state, 'closed', what);
  }
  // Well-formed heads are accepted.
  for (const [ch, d] of [[1, opusHead(1)], [2, opusHead(2)], [3, opusHead(3)]]) {
    const s = await AudioDecoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: ch, description: d });
    assert.equal(s.supported, true, `${ch} channels`);
  }
});

test('AudioEncoder: opus.usedtx drops the packets libopus marks as not to be transmitted', async () => {
  const rate = 48000;
  async function run(usedtx) {
    const chunks = [];
    const config = { codec: 'opus', sampleRate: rate, numberOfChannels: 1, opus: { usedtx } };
    await runCodec(AudioEncoder, config, (c) => chunks.push({ ts: c.timestamp, len: c.byteLength }), (enc) => {
      for (let i = 0; i < 20; i++) { // 2 s: a 100 ms tone, then silence
        const n = rate / 10;
        const data = new Float32Array(n);
        if (i === 0) for (let j = 0; j < n; j++) data[j] = 0.5 * Math.sin(2 * Math.PI * 440 * j / rate);
        const a = new AudioData({ format: 'f32-planar', sampleRate: rate, numberOfFrames: n, numberOfChannels: 1, timestamp: i * 100000, data });
        enc.encode(a);
        a.close();
      }
    });
    return chunks;
  }
  const normal = await run(false);
  const dtx = await run(true);
  assert.ok(dtx.length < normal.length / 2, `DTX ${dtx.length} chunks vs ${normal.length}`);
  assert.ok(dtx.every((c) => c.len > 2));
  for (let i = 1; i < dtx.length; i++) assert.ok(dtx[i].ts > dtx[i - 1].ts, 'timestamps increase');
  // The chunks that remain keep their place on the timeline.
  const normalTs = new Set(normal.map((c) => c.ts));
  assert.ok(dtx.every((c) => normalTs.has(c.ts)));
});
