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
    'hev1.2.4.L120.B0']) {
    const { supported } = await VideoDecoder.isConfigSupported({ codec, codedWidth: 1920, codedHeight: 1088, displayAspectWidth: 1920, displayAspectHeight: 1080 });
    assert.equal(supported, true, codec);
    const d = new VideoDecoder({ output: assert.fail, error: assert.fail });
    d.configure({ codec });
    await d.flush();
    assert.equal(d.state, 'configured', codec);
    d.close();
  }
});
