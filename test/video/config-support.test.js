'use strict';
// VideoDecoder config validity (TypeError) versus support (supported: false / NotSupportedError
// through the error callback), for the codec-string corner cases browsers are tested on.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoDecoder } = require('../..');

const detached = new ArrayBuffer(4);
structuredClone(detached, { transfer: [detached] });

test('invalid decoder configs: TypeError from isConfigSupported and configure', async () => {
  for (const config of [{}, { codec: '' }, { codec: '   ' }, { codec: 'vp8', description: detached }]) {
    await assert.rejects(VideoDecoder.isConfigSupported(config), TypeError, JSON.stringify(config));
    const d = new VideoDecoder({ output: assert.fail, error: assert.fail });
    assert.throws(() => d.configure(config), TypeError);
    assert.equal(d.state, 'unconfigured');
    d.close();
  }
});

test('valid but unsupported codec strings: supported false, and NotSupportedError on configure', async () => {
  const strings = [
    'bogus', 'vorbis', 'vp9', 'Vp09.00.10.08', 'video/webm; codecs="vp8"', '  vp09.00.10.08  ', ' vp8',
    'avc1.FF000b', // unknown profile
    'avc1.4D401D', // level 2.9 does not exist
    'hvc1.C99.6FFFFFF.L93', 'vp09.99.99.08', 'av01.9.99M.08', 'avc1.42001', 'avc1.42001E0',
    // Optional VP9/AV1 fields out of range: one too many, chroma subsampling 4 in VP9, reserved
    // colour primaries 0, transfer 3, matrix 15, AV1 4:4:0, full range 2, a one-digit colour.
    'vp09.00.10.08.01.01.01.01.00.00', 'vp09.00.10.08.04', 'vp09.00.10.08.01.00', 'vp09.00.10.08.01.01.01.01.02',
    'av01.0.04M.10.0.112.09.16.09.0.0', 'av01.0.04M.10.0.010', 'av01.0.04M.10.0.112.09.03',
    'av01.0.04M.10.0.112.09.16.15', 'av01.0.04M.10.0.112.09.16.09.2', 'av01.0.04M.10.0.112.9.16.09.0',
  ];
  for (const codec of strings) {
    const { supported, config } = await VideoDecoder.isConfigSupported({ codec });
    assert.equal(supported, false, codec);
    assert.equal(config.codec, codec, 'the codec string is echoed as given');
    const errors = [];
    const d = new VideoDecoder({ output: assert.fail, error: (e) => errors.push(e) });
    d.configure({ codec });
    assert.equal(d.state, 'configured', 'support is checked asynchronously');
    await assert.rejects(d.flush(), (e) => e instanceof DOMException && e.name === 'NotSupportedError', codec);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].name, 'NotSupportedError');
    assert.equal(d.state, 'closed');
  }
});

test('supported decoder codec strings (each case and spelling browsers accept)', async () => {
  for (const codec of ['avc1.42001E', 'avc3.42001E', 'avc1.64001f', 'avc1.4d0028', 'vp8', 'vp09.00.10.08',
    'vp09.02.10.10', 'vp09.00.10.08.01.01.01.01.00', 'av01.0.04M.08', 'av01.0.08M.10', 'hvc1.1.6.L93.B0',
    'hev1.2.4.L120.B0',
    // The long AV1 form (the registration's example; a DASH manifest's; a WebM reader's), and
    // leading parts of the optional fields (WPT's 'vp09.01.10.08.03'), as Chromium takes them.
    'av01.0.04M.10.0.112.09.16.09.0', 'av01.0.08M.10.0.110.09.16.09.0', 'av01.0.01M.08.0.110.01.01.05.0',
    'av01.0.04M.08.0', 'vp09.01.10.08.03', 'vp09.00.10.08.01.01']) {
    const { supported } = await VideoDecoder.isConfigSupported({ codec, codedWidth: 1920, codedHeight: 1088, displayAspectWidth: 1920, displayAspectHeight: 1080 });
    assert.equal(supported, true, codec);
    const d = new VideoDecoder({ output: assert.fail, error: assert.fail });
    d.configure({ codec });
    await d.flush();
    assert.equal(d.state, 'configured', codec);
    d.close();
  }
});

// Encoders take the long forms too, when their optional fields ask for what they produce (8- or
// 10-bit 4:2:0); the string is echoed in decoderConfig.codec and a decoder takes it back.
test('long VP9 and AV1 codec strings: encoded with 4:2:0, refused for 4:2:2, 4:4:4 and monochrome', async () => {
  const { VideoEncoder, VideoFrame } = require('../..');
  for (const codec of ['vp09.00.10.08.01', 'av01.0.04M.08.0.110.01.01.01.0', 'av01.0.04M.08.0.112.02.02.05.0']) {
    const config = { codec, width: 64, height: 48, bitrate: 200000 };
    assert.equal((await VideoEncoder.isConfigSupported(config)).supported, true, codec);
    const chunks = [];
    let decoderConfig;
    const enc = new VideoEncoder({
      output: (c, m) => { chunks.push(c); decoderConfig ??= m?.decoderConfig; },
      error: assert.fail,
    });
    enc.configure(config);
    for (let i = 0; i < 3; i++) {
      const data = new Uint8Array(64 * 48 * 3 / 2).map((_, j) => (j * 7 + i * 40) & 255);
      const frame = new VideoFrame(data, { format: 'I420', codedWidth: 64, codedHeight: 48, timestamp: i * 33333 });
      enc.encode(frame);
      frame.close();
    }
    await enc.flush();
    enc.close();
    assert.equal(decoderConfig.codec, codec, 'echoed as given');
    const frames = [];
    const dec = new VideoDecoder({ output: (f) => { frames.push([f.timestamp, f.codedWidth]); f.close(); }, error: assert.fail });
    dec.configure(decoderConfig);
    for (const c of chunks) dec.decode(c);
    await dec.flush();
    dec.close();
    assert.deepEqual(frames, [[0, 64], [33333, 64], [66666, 64]], codec);
  }
  for (const codec of ['vp09.00.10.08.02', 'vp09.00.10.08.03.01.01.01.00', 'av01.0.04M.08.1', 'av01.0.04M.08.1.110.01.01.01.0',
    'av01.0.04M.08.0.000', 'av01.0.04M.10.0.100.01.01.01.0']) {
    const { supported } = await VideoEncoder.isConfigSupported({ codec, width: 64, height: 48 });
    assert.equal(supported, false, codec);
  }
});
