'use strict';
// Mirrors the cases of WPT webcodecs/video-encoder-config.https.any.js and
// video-encoder-content-hint.https.any.js in our own words: invalid configs (TypeError),
// valid-but-unsupported ones (supported: false with the config echoed; NotSupportedError
// through error() and a closed encoder) and supported configs echoed without unknown members.
// Codec-registration members (`avc`, `hevc`, `av1`) are members of VideoEncoderConfig, so the
// echo keeps them whatever the codec (WPT checks `avc.format` on its VP8 config).
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoFrame } = require('../..');

const W = 'WPT video-encoder-config:';

const INVALID = [
  ['Missing codec', { width: 640, height: 480 }],
  ['Empty codec', { codec: '', width: 640, height: 480 }],
  ['Width is 0', { codec: 'vp8', width: 0, height: 480 }],
  ['Height is 0', { codec: 'vp8', width: 640, height: 0 }],
  ['displayWidth is 0', { codec: 'vp8', displayWidth: 0, width: 640, height: 480 }],
  ['displayHeight is 0', { codec: 'vp8', width: 640, displayHeight: 0, height: 480 }],
  // The spec's validity check (newer than the stored WPT file): a bitrate that is present is > 0.
  ['Bitrate is present but zero', { codec: 'vp8', width: 640, height: 480, bitrate: 0 }],
];
for (const [name, config] of INVALID) {
  test(`${W} isConfigSupported() rejects invalid config: ${name}`, async () => {
    await assert.rejects(VideoEncoder.isConfigSupported(config), TypeError);
  });
  test(`${W} configure() rejects invalid config: ${name}`, () => {
    const enc = new VideoEncoder({ output: () => {}, error: () => {} });
    assert.throws(() => enc.configure(config), TypeError);
    assert.equal(enc.state, 'unconfigured');
    enc.close();
  });
}

const UNSUPPORTED = [
  ['Invalid scalability mode', { codec: 'vp8', width: 640, height: 480, scalabilityMode: 'ABC' }],
  ['Unrecognized codec', { codec: 'bogus', width: 640, height: 480 }],
  ['Codec with bad casing', { codec: 'vP8', width: 640, height: 480 }],
  ['Width is too large', { codec: 'vp8', width: 1000000, height: 480 }],
  ['Height is too large', { codec: 'vp8', width: 640, height: 1000000 }],
  ['Too strenuous accelerated encoding parameters', { codec: 'vp8', hardwareAcceleration: 'prefer-hardware',
    width: 20000, height: 20000, bitrate: 1, framerate: 240 }],
  ['Odd sized frames for H264', { codec: 'avc1.42001E', width: 641, height: 480, bitrate: 1000000, framerate: 24 }],
  ['Possible future H264 codec string', { codec: 'avc1.FF000b', width: 640, height: 480 }],
  ['Possible future HEVC codec string', { codec: 'hvc1.C99.6FFFFFF.L93', width: 640, height: 480 }],
  ['Possible future VP9 codec string', { codec: 'vp09.99.99.08', width: 640, height: 480 }],
  ['Possible future AV1 codec string', { codec: 'av01.9.99M.08', width: 640, height: 480 }],
];
for (const [name, config] of UNSUPPORTED) {
  test(`${W} isConfigSupported() doesn't support config: ${name}`, async () => {
    const { supported, config: echoed } = await VideoEncoder.isConfigSupported(config);
    assert.equal(supported, false);
    for (const k of ['codec', 'width', 'height', 'bitrate', 'framerate']) assert.equal(echoed[k], config[k], k);
  });
  test(`${W} configure() doesn't support config: ${name}`, async () => {
    const got = await new Promise((resolve) => {
      const enc = new VideoEncoder({
        output: () => assert.fail('no output expected'),
        error: (e) => resolve({ dom: e instanceof DOMException, name: e.name, state: enc.state }),
      });
      enc.configure(config);
    });
    assert.deepEqual(got, { dom: true, name: 'NotSupportedError', state: 'closed' });
  });
}

const SUPPORTED = [
  { codec: 'avc1.42001E', hardwareAcceleration: 'no-preference', width: 640, height: 480, bitrate: 5000000,
    framerate: 24, avc: { format: 'annexb' }, futureConfigFeature: 'foo' },
  { codec: 'vp8', hardwareAcceleration: 'no-preference', width: 800, height: 600, bitrate: 7000000,
    bitrateMode: 'variable', framerate: 60, scalabilityMode: 'L1T2', futureConfigFeature: 'foo',
    latencyMode: 'quality', avc: { format: 'annexb' } },
  { codec: 'vp09.00.10.08', hardwareAcceleration: 'no-preference', width: 1280, height: 720, bitrate: 7000000,
    bitrateMode: 'constant', framerate: 25, futureConfigFeature: 'foo', latencyMode: 'realtime', alpha: 'discard' },
];
for (const config of SUPPORTED) {
  test(`${W} isConfigSupported() supports: ${config.codec} ${config.width}x${config.height}`, async () => {
    const { supported, config: echoed } = await VideoEncoder.isConfigSupported(config);
    assert.equal(supported, true);
    assert.equal(Object.hasOwn(echoed, 'futureConfigFeature'), false);
    for (const k of ['codec', 'width', 'height', 'bitrate', 'framerate', 'bitrateMode', 'latencyMode', 'alpha', 'scalabilityMode']) {
      if (config[k] !== undefined) assert.equal(echoed[k], config[k], k);
    }
    if (config.avc) assert.deepEqual(echoed.avc, config.avc);
    else assert.equal(Object.hasOwn(echoed, 'avc'), false);
  });
}

test(`${W} (ours) another codec's member is validated, echoed with its defaults, and changes nothing`, async () => {
  await assert.rejects(VideoEncoder.isConfigSupported({ codec: 'vp8', width: 64, height: 64, avc: { format: 'bogus' } }), TypeError);
  const { supported, config } = await VideoEncoder.isConfigSupported({ codec: 'vp8', width: 64, height: 64,
    avc: {}, hevc: { format: 'annexb' }, av1: { forceScreenContentTools: true } });
  assert.equal(supported, true);
  assert.deepEqual(config.avc, { format: 'avc' });
  assert.deepEqual(config.hevc, { format: 'annexb' });
  assert.deepEqual(config.av1, { forceScreenContentTools: true });
  // A VP8 encode with an annexb `avc` member is still VP8 (no start codes, no description).
  const chunks = [];
  let decoderConfig;
  const enc = new VideoEncoder({ output: (c, m) => { chunks.push(c); decoderConfig ??= m?.decoderConfig; }, error: (e) => assert.fail(e) });
  enc.configure({ codec: 'vp8', width: 64, height: 64, avc: { format: 'annexb' } });
  const frame = new VideoFrame(new Uint8Array(64 * 64 * 4).fill(128), { format: 'RGBA', codedWidth: 64, codedHeight: 64, timestamp: 0 });
  enc.encode(frame);
  frame.close();
  await enc.flush();
  enc.close();
  assert.equal(decoderConfig.codec, 'vp8');
  assert.equal(decoderConfig.description, undefined);
  const bytes = new Uint8Array(chunks[0].byteLength);
  chunks[0].copyTo(bytes);
  assert.deepEqual([...bytes.subarray(3, 6)], [0x9d, 0x01, 0x2a], 'a VP8 key frame start code');
});

// video-encoder-content-hint.https.any.js
test('WPT video-encoder-content-hint: Test that contentHint is recognized by VideoEncoder', async () => {
  const config = { codec: 'vp8', width: 1280, height: 720, bitrate: 5000000, bitrateMode: 'constant', framerate: 25,
    latencyMode: 'realtime', contentHint: 'text' };
  const { supported, config: echoed } = await VideoEncoder.isConfigSupported(config);
  assert.equal(supported, true);
  assert.equal(echoed.codec, 'vp8');
  assert.equal(echoed.contentHint, 'text');
});
