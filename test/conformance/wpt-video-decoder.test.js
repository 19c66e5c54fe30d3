'use strict';
// Mirrors the cases of WPT webcodecs/video-decoder.https.any.js in our own words: config
// validation (TypeError), recognised-but-unsupported configs (supported: false, or
// NotSupportedError through error() and flush()), construction, and the two H.264 spellings.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoDecoder } = require('../..');

const W = 'WPT video-decoder:';
const noop = { output: (f) => f.close(), error: () => {} };

function detachedBuffer() {
  const b = new ArrayBuffer(4);
  structuredClone(b, { transfer: [b] });
  return b;
}

const INVALID = [
  ['Missing codec', () => ({})],
  ['Empty codec', () => ({ codec: '' })],
  ['Valid codec, detached description', () => ({ codec: 'vp8', description: detachedBuffer() })],
];
for (const [name, config] of INVALID) {
  test(`${W} isConfigSupported() rejects invalid config: ${name}`, async () => {
    const cfg = config();
    assert.equal(cfg.description?.byteLength ?? 0, 0);
    await assert.rejects(VideoDecoder.isConfigSupported(cfg), TypeError);
  });
  test(`${W} configure() rejects invalid config: ${name}`, () => {
    const dec = new VideoDecoder(noop);
    assert.throws(() => dec.configure(config()), TypeError);
    assert.equal(dec.state, 'unconfigured');
    dec.close();
  });
}

const UNSUPPORTED = [
  ['Unrecognized codec', { codec: 'bogus' }],
  ['Unrecognized codec with dataview description',
    { codec: '7\u{E03A2}\uFDFA\u06F9.9', description: new DataView(new ArrayBuffer(12583)) }],
  ['Audio codec', { codec: 'vorbis' }],
  ['Ambiguous codec', { codec: 'vp9' }],
  ['Codec with bad casing', { codec: 'Vp09.00.10.08' }],
  ['Codec with MIME type', { codec: 'video/webm; codecs="vp8"' }],
  ['Possible future H264 codec string', { codec: 'avc1.FF000b' }],
  ['Possible future H264 codec string (level 2.9)', { codec: 'avc1.4D401D' }],
  ['Possible future HEVC codec string', { codec: 'hvc1.C99.6FFFFFF.L93' }],
  ['Possible future VP9 codec string', { codec: 'vp09.99.99.08' }],
  ['Possible future AV1 codec string', { codec: 'av01.9.99M.08' }],
  ['codec with spaces', { codec: '  vp09.00.10.08  ' }],
];
for (const [name, config] of UNSUPPORTED) {
  test(`${W} isConfigSupported() doesn't support config: ${name}`, async () => {
    const support = await VideoDecoder.isConfigSupported(config);
    assert.equal(support.supported, false);
  });
  test(`${W} configure() doesn't support config: ${name}`, async () => {
    let seen = null;
    const dec = new VideoDecoder({
      output: () => assert.fail('no output expected'),
      error: (e) => { seen = { name: e.name, state: dec.state, dom: e instanceof DOMException }; },
    });
    dec.configure(config);
    await assert.rejects(dec.flush(), (e) => e instanceof DOMException && e.name === 'NotSupportedError');
    assert.deepEqual(seen, { name: 'NotSupportedError', state: 'closed', dom: true }, 'error() ran first');
    assert.equal(dec.state, 'closed');
  });
}

test(`${W} Test VideoDecoder construction`, () => {
  assert.throws(() => new VideoDecoder({}), TypeError);
  const dec = new VideoDecoder(noop);
  assert.equal(dec.state, 'unconfigured');
  dec.close();
  assert.equal(dec.state, 'closed');
});

for (const [name, codec] of [['variant 1 of h264 codec string', 'avc3.42001E'],
  ['variant 2 of h264 codec string', 'avc1.42001E']]) {
  test(`${W} isConfigSupported() accepts config: ${name}`, async () => {
    assert.equal((await VideoDecoder.isConfigSupported({ codec })).supported, true);
    const dec = new VideoDecoder({ output: (f) => f.close(), error: (e) => assert.fail(e) });
    dec.configure({ codec, width: 1280, height: 720 });
    await dec.flush();
    assert.equal(dec.state, 'configured');
    dec.close();
  });
}

// --- video-decoder.crossOriginIsolated.https.any.js: an avcC description in a
// SharedArrayBuffer (or a view of one) is read like any other (Node always has
// SharedArrayBuffer): the H.264 config of WPT's h264.mp4 probes as supported and configures.
const { videoStream } = require('./wpt-media');

for (const [what, useView] of [['a SharedArrayBuffer', false], ['a Uint8Array(SharedArrayBuffer)', true]]) {
  test(`WPT video-decoder.crossOriginIsolated: Test isConfigSupported() and configure() using ${what}`, async () => {
    const { config, chunks } = videoStream('h264_avc');
    const shared = new SharedArrayBuffer(config.description.length);
    new Uint8Array(shared).set(config.description);
    const sharedConfig = { ...config, description: useView ? new Uint8Array(shared) : shared };
    const support = await VideoDecoder.isConfigSupported(sharedConfig);
    assert.equal(support.supported, true);
    assert.deepEqual([...new Uint8Array(support.config.description)], [...config.description]);
    const got = [];
    const dec = new VideoDecoder({ output: (f) => { got.push(f.timestamp); f.close(); }, error: (e) => assert.fail(e) });
    dec.configure(sharedConfig);
    assert.equal(dec.state, 'configured');
    // Not in WPT: the shared description really configures the decoder.
    dec.decode(chunks[0]);
    await dec.flush();
    dec.close();
    assert.deepEqual(got, [0]);
  });
}
