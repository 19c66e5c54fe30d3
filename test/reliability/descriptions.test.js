'use strict';
// Malformed decoder descriptions (avcC for avc1/avc3, hvcC for hvc1/hev1, AudioSpecificConfig
// for mp4a.40.*) are rejected as unsupported configurations: isConfigSupported → false,
// configure() → error callback with NotSupportedError (not EncodingError, not silence).
// Parsers: codec-core parse.rs.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoDecoder, AudioDecoder } = require('../..');
const { streams } = require('../fuzz/streams');

async function expectNotSupported(Ctor, config) {
  assert.equal((await Ctor.isConfigSupported(config)).supported, false, JSON.stringify(config));
  const errors = [];
  const d = new Ctor({ output: () => {}, error: (e) => errors.push(e) });
  d.configure(config);
  await assert.rejects(d.flush(), { name: 'NotSupportedError' });
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof DOMException);
  assert.equal(errors[0].name, 'NotSupportedError');
  assert.equal(d.state, 'closed');
}

test('malformed avcC descriptions → NotSupportedError', async () => {
  const s = await streams();
  const good = new Uint8Array(s.video['h264-avc'].decoderConfig.description);
  assert.equal((await VideoDecoder.isConfigSupported(s.video['h264-avc'].decoderConfig)).supported, true);
  const bad = [
    new Uint8Array([1, 2, 3]),
    good.slice(0, good.length - 2), // truncated PPS
    Uint8Array.from(good, (b, i) => (i === 0 ? 2 : b)), // configurationVersion 2
    Uint8Array.from(good, (b, i) => (i === 5 ? 0xe0 : b)), // no SPS
  ];
  for (const description of bad) {
    await expectNotSupported(VideoDecoder, { codec: 'avc1.42001f', description });
  }
});

test('malformed AudioSpecificConfig descriptions → NotSupportedError', async () => {
  const s = await streams();
  const cfg = s.audio.aac.decoderConfig;
  assert.equal((await AudioDecoder.isConfigSupported(cfg)).supported, true);
  for (const description of [new Uint8Array([0xff]), new Uint8Array([0x00, 0x10]), new Uint8Array([0x16, 0x90])]) {
    await expectNotSupported(AudioDecoder, { ...cfg, description });
  }
});

test('malformed hvcC descriptions → NotSupportedError', async () => {
  // The hvcC box of the WPT h265.mp4 fixture.
  const mp4 = require('node:fs').readFileSync(require('../image/helpers').fixture('h265.mp4'));
  const at = mp4.indexOf('hvcC');
  const good = new Uint8Array(mp4.subarray(at + 4, at - 4 + mp4.readUInt32BE(at - 4)));
  const codec = 'hvc1.1.6.L60.90';
  assert.equal((await VideoDecoder.isConfigSupported({ codec, description: good })).supported, true);
  const bad = [
    new Uint8Array([1, 2, 3]),
    good.slice(0, good.length - 1), // truncated last NAL unit
    Uint8Array.from(good, (b, i) => (i === 0 ? 0 : b)), // configurationVersion 0
    Uint8Array.from(good, (b, i) => (i === 21 ? (b & ~3) | 2 : b)), // lengthSizeMinusOne 2
    Uint8Array.from(good, (b, i) => (i === 23 ? 0x81 : b)), // an array of slice NAL units
  ];
  for (const description of bad) await expectNotSupported(VideoDecoder, { codec, description });
});
