'use strict';
// Node mirrors of WPT webcodecs/audio-encoder-config.https.any.js and
// audio-encoder-codec-specific.https.any.js (the Opus DTX case of the latter is in
// audio-config.test.js). The config tables are our own restatement of the cases WPT checks.
const test = require('node:test');
const assert = require('node:assert/strict');
const { AudioEncoder, AudioData } = require('../..');

const opus = (extra) => ({ codec: 'opus', sampleRate: 8000, numberOfChannels: 2, ...extra });

// Dictionaries that are not a valid AudioEncoderConfig: TypeError from both entry points.
const INVALID = {
  'Missing codec': { sampleRate: 48000, numberOfChannels: 2 },
  'Empty codec': { codec: '', sampleRate: 48000, numberOfChannels: 2 },
  // WPT's "Missing sampleRate" entry actually lacks numberOfChannels (a copy of the next one);
  // we check the missing sampleRate the name describes too.
  'Missing sampleRate': { codec: 'opus', numberOfChannels: 2 },
  'Missing numberOfChannels': { codec: 'opus', sampleRate: 48000 },
  'Zero sampleRate': opus({ sampleRate: 0 }),
  'Zero channels': opus({ numberOfChannels: 0 }),
  'Bit rate too big': opus({ bitrate: 6e9 }),
  'Opus complexity too big': opus({ opus: { complexity: 11 } }),
  'Opus packetlossperc too big': opus({ opus: { packetlossperc: 101 } }),
  'Opus frame duration too small': opus({ opus: { frameDuration: 0 } }),
  'Opus frame duration too big': opus({ opus: { frameDuration: 120001 } }),
  'Invalid Opus frameDuration': opus({ opus: { frameDuration: 2501 } }),
};

for (const [name, config] of Object.entries(INVALID)) {
  test(`WPT audio-encoder-config: isConfigSupported() and configure() reject invalid config: ${name}`, async () => {
    await assert.rejects(AudioEncoder.isConfigSupported(config), TypeError);
    const enc = new AudioEncoder({ output: () => assert.fail('output'), error: () => assert.fail('error') });
    assert.throws(() => enc.configure(config), TypeError);
    assert.equal(enc.state, 'unconfigured');
    enc.close();
  });
}

// Valid dictionaries no encoder here can satisfy.
const UNSUPPORTED = {
  'Bitrate is too low': { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 1 },
  'Unrecognized codec': { codec: 'bogus', sampleRate: 48000, numberOfChannels: 2 },
  'Sample rate is too small': { codec: 'opus', sampleRate: 1, numberOfChannels: 2 },
  'Sample rate is too large': { codec: 'opus', sampleRate: 10000000, numberOfChannels: 2 },
  'Way too many channels': opus({ numberOfChannels: 1024, bitrate: 128000 }),
  'Possible future opus codec string': { codec: 'opus.123', sampleRate: 48000, numberOfChannels: 2 },
  'Possible future aac codec string': { codec: 'mp4a.FF.9', sampleRate: 48000, numberOfChannels: 2 },
};

for (const [name, config] of Object.entries(UNSUPPORTED)) {
  test(`WPT audio-encoder-config: unsupported config (isConfigSupported, then configure → NotSupportedError): ${name}`, async () => {
    const support = await AudioEncoder.isConfigSupported(config);
    assert.equal(support.supported, false);
    assert.equal(support.config.codec, config.codec);
    assert.equal(support.config.sampleRate, config.sampleRate);
    assert.equal(support.config.numberOfChannels, config.numberOfChannels);

    let callbackError = null;
    let stateInCallback = null;
    const enc = new AudioEncoder({
      output: () => assert.fail('unexpected output'),
      error: (e) => { callbackError = e; stateInCallback = enc.state; },
    });
    enc.configure(config);
    const flushError = await enc.flush().then(() => null, (e) => e);
    assert.ok(flushError instanceof DOMException, 'flush rejects');
    assert.equal(flushError.name, 'NotSupportedError');
    assert.ok(callbackError instanceof DOMException, 'error callback ran before flush settled');
    assert.equal(callbackError.name, 'NotSupportedError');
    assert.equal(stateInCallback, 'closed');
    assert.equal(enc.state, 'closed');
  });
}

const VALID = [
  { codec: 'opus', sampleRate: 8000, numberOfChannels: 1 },
  { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 },
  { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 128000, bitrateMode: 'constant', bogus: 123 },
  { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 128000, bitrateMode: 'variable', bogus: 123 },
  {
    codec: 'opus', sampleRate: 48000, numberOfChannels: 2,
    opus: { complexity: 5, signal: 'music', application: 'audio', frameDuration: 20000, packetlossperc: 10, useinbandfec: true },
  },
  {
    codec: 'opus', sampleRate: 48000, numberOfChannels: 2,
    opus: {
      format: 'opus', signal: 'voice', application: 'lowdelay', complexity: 10, frameDuration: 60000,
      packetlossperc: 20, usedtx: true, bogus: 456,
    },
  },
  { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, opus: {} },
];

for (const config of VALID) {
  test(`WPT audio-encoder-config: isConfigSupported() supports and echoes ${JSON.stringify(config)}`, async () => {
    const { supported, config: echoed } = await AudioEncoder.isConfigSupported(config);
    assert.equal(supported, true);
    assert.equal(echoed.codec, config.codec);
    assert.equal(echoed.sampleRate, config.sampleRate);
    assert.equal(echoed.numberOfChannels, config.numberOfChannels);
    if (config.bitrate) assert.equal(echoed.bitrate, config.bitrate);
    assert.equal(Object.hasOwn(echoed, 'bogus'), false, 'unknown members are dropped');
    if (!config.opus) {
      assert.equal(Object.hasOwn(echoed, 'opus'), false);
      return;
    }
    const given = config.opus;
    const got = echoed.opus;
    // Members left out come back with their IDL defaults.
    assert.equal(got.format, given.format ?? 'opus');
    assert.equal(got.frameDuration, given.frameDuration ?? 20000);
    assert.equal(got.packetlossperc, given.packetlossperc ?? 0);
    assert.equal(got.useinbandfec, given.useinbandfec ?? false);
    assert.equal(got.usedtx, given.usedtx ?? false);
    assert.equal(Object.hasOwn(got, 'bogus'), false);
    if (given.complexity) assert.equal(got.complexity, given.complexity);
    else assert.ok(got.complexity === 5 || got.complexity === 9, `default complexity ${got.complexity}`);
  });
}

// 10 s in 100 ms buffers: a 100/150 Hz tone in the first and last buffer, silence between.
function* toneThenSilence(channels, sampleRate) {
  const frames = sampleRate / 10;
  for (let i = 0; i < 100; i++) {
    const samples = new Float32Array(frames * channels);
    if (i === 0 || i === 99) {
      for (let c = 0; c < channels; c++) {
        const hz = 100 + 50 * c;
        for (let n = 0; n < frames; n++) samples[c * frames + n] = Math.sin((2 * Math.PI * hz * n) / sampleRate);
      }
    }
    yield new AudioData({
      timestamp: i * 100000, data: samples, numberOfChannels: channels, numberOfFrames: frames, sampleRate, format: 'f32-planar',
    });
  }
}

async function encodedBytes(config) {
  let bytes = 0;
  let packets = 0;
  const enc = new AudioEncoder({
    output: (chunk) => { bytes += chunk.byteLength; packets++; },
    error: (e) => assert.fail(`encoder error: ${e.message}`),
  });
  enc.configure(config);
  for (const data of toneThenSilence(config.numberOfChannels, config.sampleRate)) {
    enc.encode(data);
    data.close();
  }
  await enc.flush();
  enc.close();
  return { bytes, packets };
}

test('WPT audio-encoder-codec-specific: Test the Opus bitrateMode flag works (VBR spends far less on silence than CBR)', async () => {
  const base = { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 256000 };
  const cbr = await encodedBytes({ ...base, bitrateMode: 'constant' });
  const vbr = await encodedBytes({ ...base, bitrateMode: 'variable' });
  // Same packet count (20 ms frames), so the difference is all in the packet sizes.
  assert.equal(vbr.packets, cbr.packets);
  assert.ok(vbr.bytes < cbr.bytes / 2, `VBR ${vbr.bytes} B vs CBR ${cbr.bytes} B`);
  // CBR at 256 kbit/s for ~10 s is about 320 kB whatever the content.
  assert.ok(Math.abs(cbr.bytes - 320000) < 16000, `CBR ${cbr.bytes} B`);
});
