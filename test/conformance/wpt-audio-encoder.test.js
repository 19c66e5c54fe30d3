'use strict';
// Node mirrors of WPT webcodecs/audio-encoder-config.https.any.js and
// audio-encoder-codec-specific.https.any.js (the Opus DTX case of the latter is in
// audio-config.test.js). The config tables are our own restatement of the cases WPT checks.
const test = require('node:test');
const assert = require('node:assert/strict');
const { AudioEncoder, AudioDecoder, AudioData } = require('../..');
const { checkQueueSize, checkNotSupportedConfigure } = require('./wpt-codec-checks');

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
  'Bit rate present but equal to zero': opus({ bitrate: 0 }),
  'Bitrate is too low for Opus': { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 1 },
  // Not in WPT: the same two rules for another codec and at the Opus limit.
  'AAC bitrate present but equal to zero': { codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 2, bitrate: 0 },
  'Opus bitrate just below 6000': { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 5999 },
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

// WPT audio-encoder-codec-specific "Test Opus valid frame durations": any multiple of 2.5 ms up to
// 120 ms is a valid config (encoding each of them is checked where the encoder supports it).
test('WPT audio-encoder-codec-specific: Opus frame durations that are multiples of 2500 µs are valid configs', async () => {
  for (const frameDuration of [2500, 7500, 30000, 117500, 120000]) {
    const config = { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 256000, opus: { frameDuration } };
    const support = await AudioEncoder.isConfigSupported(config);
    assert.equal(support.config.opus.frameDuration, frameDuration);
    const enc = new AudioEncoder({ output: () => {}, error: () => {} });
    enc.configure(config);
    assert.equal(enc.state, 'configured');
    enc.close();
  }
});

// Valid dictionaries no encoder here can satisfy.
const UNSUPPORTED = {
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
    await checkNotSupportedConfigure(AudioEncoder, config);
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

test('WPT audio-encoder-codec-specific: Test the AAC bitrateMode flag works.', async () => {
  const base = { codec: 'mp4a.40.2', sampleRate: 48000, numberOfChannels: 2, bitrate: 192000 };
  for (const bitrateMode of ['constant', 'variable']) {
    assert.equal((await AudioEncoder.isConfigSupported({ ...base, bitrateMode })).supported, true, bitrateMode);
  }
  const cbr = await encodedBytes({ ...base, bitrateMode: 'constant' });
  const vbr = await encodedBytes({ ...base, bitrateMode: 'variable' });
  // WPT only asks for VBR ≤ CBR (an encoder without VBR may fall back to CBR).
  assert.ok(vbr.bytes <= cbr.bytes, `VBR ${vbr.bytes} B vs CBR ${cbr.bytes} B`);
  assert.equal(vbr.packets, cbr.packets, 'one packet per 1024 samples either way');
});

// --- audio-encoder.https.any.js (stored in a WPT fork; not in the upstream index) ---

// Planar f32 sines (100 Hz + 50 Hz per channel index), as WPT's helper makes them.
function sines(timestamp, channels, sampleRate, frames) {
  const samples = new Float32Array(frames * channels);
  for (let c = 0; c < channels; c++) {
    const hz = 100 + 50 * c;
    for (let n = 0; n < frames; n++) samples[c * frames + n] = Math.sin((2 * Math.PI * hz * n) / sampleRate);
  }
  return new AudioData({ timestamp, data: samples, numberOfChannels: channels, numberOfFrames: frames, sampleRate, format: 'f32-planar' });
}

// Encodes `count` buffers of `seconds` each and returns the chunks.
async function encodeSines(config, count, seconds) {
  const chunks = [];
  const enc = new AudioEncoder({ output: (c) => chunks.push(c), error: (e) => assert.fail(`encoder error: ${e.message}`) });
  assert.equal(enc.state, 'unconfigured');
  enc.configure(config);
  const frames = Math.round(seconds * config.sampleRate);
  for (let i = 0; i < count; i++) {
    const data = sines(Math.round(i * seconds * 1e6), config.numberOfChannels, config.sampleRate, frames);
    enc.encode(data);
    data.close();
  }
  await enc.flush();
  enc.close();
  return chunks;
}

function assertCoversInput(chunks, count, seconds, slackUs) {
  const end = count * seconds * 1e6;
  assert.ok(chunks.length >= count, `${chunks.length} chunks`);
  assert.equal(chunks[0].timestamp, 0);
  let total = 0;
  for (const c of chunks) {
    assert.ok(c.byteLength > 0);
    assert.ok(c.timestamp <= end + slackUs, `chunk at ${c.timestamp} after the input ended`);
    assert.ok(c.duration > 0);
    total += c.duration;
  }
  assert.ok(total >= end, `encoded ${total} µs of ${end}`);
}

const OPUS_256K = { codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrate: 256000 };

test('WPT audio-encoder: Simple audio encoding', async () => {
  assertCoversInput(await encodeSines(OPUS_256K, 10, 0.1), 10, 0.1, 0);
});

test('WPT audio-encoder: Test reset during flush', async () => {
  let outputs = 0;
  let enc;
  const firstOutput = new Promise((resolve) => {
    enc = new AudioEncoder({
      output: () => { outputs++; enc.reset(); resolve(); },
      error: (e) => assert.fail(e.message),
    });
  });
  enc.configure(OPUS_256K);
  for (const ts of [0, 21333]) {
    const data = sines(ts, 2, 48000, 1024);
    enc.encode(data);
    data.close();
  }
  const flushed = enc.flush();
  await firstOutput;
  await assert.rejects(flushed, { name: 'AbortError' });
  assert.equal(outputs, 1);
  enc.close();
});

test('WPT audio-encoder: Encode audio with negative timestamp', async () => {
  const chunks = [];
  const enc = new AudioEncoder({ output: (c) => chunks.push(c), error: (e) => assert.fail(e.message) });
  enc.configure(OPUS_256K);
  const data = sines(-10000, 2, 48000, 10000);
  enc.encode(data);
  data.close();
  await enc.flush();
  enc.close();
  assert.ok(chunks.length >= 1);
  assert.equal(chunks[0].timestamp, -10000);
  for (const c of chunks) {
    assert.ok(c.byteLength > 0);
    assert.ok(c.timestamp >= -10000);
  }
});

// Two good buffers encode without error; a buffer whose channel count or sample rate differs
// from the configuration then makes the encoder report an error.
async function goodThenMismatched(config, bad) {
  const support = await AudioEncoder.isConfigSupported(config);
  assert.equal(support.supported, true);
  let error = null;
  let outputs = 0;
  const enc = new AudioEncoder({ output: () => { outputs++; }, error: (e) => { error = e; } });
  enc.configure(support.config);
  const frames = config.sampleRate / 10;
  for (const ts of [0, 100000]) {
    const data = sines(ts, config.numberOfChannels, config.sampleRate, frames);
    enc.encode(data);
    data.close();
  }
  await enc.flush();
  assert.equal(error, null);
  assert.ok(outputs > 0);
  const data = sines(200000, bad.numberOfChannels, bad.sampleRate, frames);
  enc.encode(data);
  data.close();
  await enc.flush().catch(() => {});
  assert.ok(error instanceof DOMException, 'the mismatched buffer is reported');
  assert.equal(enc.state, 'closed');
}

for (const channels of [1, 2]) {
  test(`WPT audio-encoder: Channel number variation: ${channels}`, async () => {
    await goodThenMismatched(
      { codec: 'opus', sampleRate: 48000, numberOfChannels: channels, bitrate: 128000 },
      { numberOfChannels: channels + 1, sampleRate: 48000 });
  });
}

for (let rate = 3000; rate < 96000; rate += 10000) {
  test(`WPT audio-encoder: Sample rate variation: ${rate}`, async () => {
    await goodThenMismatched(
      { codec: 'opus', sampleRate: rate, numberOfChannels: 1, bitrate: 128000 },
      { numberOfChannels: 1, sampleRate: rate + 333 });
  });
}

test('WPT audio-encoder: Encoding and decoding (waveform survives an Opus round trip)', async () => {
  const decoded = [];
  const dec = new AudioDecoder({ output: (d) => decoded.push(d), error: (e) => assert.fail(e.message) });
  const enc = new AudioEncoder({
    output: (chunk, metadata) => {
      if (metadata && metadata.decoderConfig) dec.configure(metadata.decoderConfig);
      dec.decode(chunk);
    },
    error: (e) => assert.fail(e.message),
  });
  enc.configure(OPUS_256K);
  const frames = 4800;
  for (let i = 0; i < 10; i++) {
    const data = sines(i * 100000, 2, 48000, frames);
    enc.encode(data);
    data.close();
  }
  await enc.flush();
  enc.close();
  await dec.flush();
  dec.close();
  // The Opus decoder outputs interleaved 'f32', as Chromium's does and WPT expects; the
  // waveform is compared per channel through copyTo() conversion.
  for (const d of decoded) assert.equal(d.format, 'f32');
  assert.equal(decoded[0].numberOfChannels, 2);
  assert.equal(decoded[0].sampleRate, 48000);
  const totalOut = decoded.reduce((n, d) => n + d.numberOfFrames, 0);
  assert.ok(totalOut >= 10 * frames, `${totalOut} frames out`);
  for (let ch = 0; ch < 2; ch++) {
    const plane = new Float32Array(totalOut);
    let at = 0;
    for (const d of decoded) {
      d.copyTo(plane.subarray(at), { planeIndex: ch, format: 'f32-planar' });
      at += d.numberOfFrames;
    }
    // Each input buffer restarts its sine at phase 0, so compare the first buffer's samples.
    const hz = 100 + 50 * ch;
    for (let n = 0; n < frames; n += 10) {
      const want = Math.sin((2 * Math.PI * hz * n) / 48000);
      assert.ok(Math.abs(plane[n] - want) <= 0.5, `channel ${ch} sample ${n}: ${plane[n]} vs ${want}`);
    }
  }
  for (const d of decoded) d.close();
});

test('WPT audio-encoder: Emit decoder config and extra data.', async () => {
  let configs = [];
  const enc = new AudioEncoder({
    output: (chunk, metadata) => configs.push(metadata ? metadata.decoderConfig : undefined),
    error: (e) => assert.fail(e.message),
  });
  const config = { codec: 'opus', sampleRate: 24000, numberOfChannels: 1, bitrate: 96000 };
  const second = sines(0, 1, 24000, 24000);
  for (const bitrate of [96000, 256000]) {
    configs = [];
    enc.configure({ ...config, bitrate });
    enc.encode(second);
    await enc.flush();
    assert.ok(configs.length > 1);
    const [first, ...rest] = configs;
    assert.equal(typeof first, 'object');
    assert.equal(first.codec, 'opus');
    assert.equal(first.sampleRate, 24000);
    assert.equal(first.numberOfChannels, 1);
    const head = ArrayBuffer.isView(first.description)
      ? new Uint8Array(first.description.buffer, first.description.byteOffset, first.description.byteLength)
      : new Uint8Array(first.description);
    assert.equal(Buffer.from(head.subarray(0, 4)).toString('latin1'), 'Opus');
    assert.ok(rest.every((c) => c === undefined), 'only the first output after configure() carries a config');
  }
  second.close();
  enc.close();
});

test('WPT audio-encoder: encodeQueueSize test', async () => {
  const enc = new AudioEncoder({ output: () => {}, error: (e) => assert.fail(e.message) });
  const buffers = [];
  for (let i = 0; i < 100; i++) buffers.push(sines(i * 10000, 2, 48000, 480));
  await checkQueueSize(enc, OPUS_256K, buffers, 'encodeQueueSize', (b) => b.close());
  enc.close();
});

const OPUS_PARAMS = {
  'Empty Opus config': {},
  'Opus with frameDuration': { frameDuration: 2500 },
  'Opus with complexity': { complexity: 10 },
  'Opus with useinbandfec': { packetlossperc: 15, useinbandfec: true },
  'Opus with usedtx': { usedtx: true },
  'Opus mixed parameters': { frameDuration: 40000, complexity: 0, packetlossperc: 10, useinbandfec: true, usedtx: true },
};

for (const [name, opus] of Object.entries(OPUS_PARAMS)) {
  test(`WPT audio-encoder: Test encoding Opus with additional parameters: ${name}`, async () => {
    const chunks = await encodeSines({ ...OPUS_256K, opus }, 10, 0.05);
    // Encoders may add one buffer of padding.
    assertCoversInput(chunks, 10, 0.05, 50000);
    if (opus.frameDuration) {
      // Every packet but the last lasts frameDuration.
      assert.ok(chunks.slice(0, -1).every((c) => c.duration === opus.frameDuration), `durations ${chunks[0].duration}`);
    }
  });
}

// --- opus-multichannel.https.any.js: 16-channel Opus (RFC 7845 channel mapping family 255)
// encodes with an OpusHead description carrying the channel count, decodes back to 16
// channels, and needs that description to decode at all.
async function encodeOpus16() {
  const config = { codec: 'opus', sampleRate: 48000, numberOfChannels: 16 };
  assert.equal((await AudioEncoder.isConfigSupported(config)).supported, true, '16-channel Opus encoding is supported');
  let decoderConfig = null;
  const chunks = [];
  const enc = new AudioEncoder({
    output: (chunk, metadata) => { decoderConfig ??= metadata?.decoderConfig ?? null; chunks.push(chunk); },
    error: (e) => assert.fail(`encoder error: ${e.message}`),
  });
  enc.configure(config);
  const data = sines(0, 16, 48000, 48000);
  enc.encode(data);
  await enc.flush();
  enc.close();
  data.close();
  return { decoderConfig, chunks };
}

test('WPT opus-multichannel: Encoding 16ch Opus produces a valid OpusHead decoderConfig description.', async () => {
  const { decoderConfig, chunks } = await encodeOpus16();
  assert.ok(chunks.length > 0);
  assert.ok(decoderConfig, 'a decoderConfig in the metadata');
  assert.deepEqual([decoderConfig.codec, decoderConfig.numberOfChannels, decoderConfig.sampleRate], ['opus', 16, 48000]);
  const head = new Uint8Array(ArrayBuffer.isView(decoderConfig.description) ? decoderConfig.description.buffer : decoderConfig.description);
  assert.ok(head.length >= 19);
  assert.equal(String.fromCharCode(...head.subarray(0, 8)), 'OpusHead');
  assert.equal(head[9], 16, 'channel count');
});

test('WPT opus-multichannel: Encoding then decoding 16ch Opus produces frames with 16 channels.', async () => {
  const { decoderConfig, chunks } = await encodeOpus16();
  const channels = [];
  const dec = new AudioDecoder({ output: (d) => { channels.push(d.numberOfChannels); d.close(); }, error: (e) => assert.fail(e) });
  dec.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 16, description: decoderConfig.description });
  for (const c of chunks) dec.decode(c);
  await dec.flush();
  dec.close();
  assert.ok(channels.length > 0);
  assert.ok(channels.every((n) => n === 16), `channel counts ${[...new Set(channels)]}`);
});

test('WPT opus-multichannel: Configuring AudioDecoder with 16ch Opus without description must fail.', async () => {
  const error = await new Promise((resolve) => {
    const dec = new AudioDecoder({ output: () => {}, error: resolve });
    dec.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 16 });
  });
  assert.ok(error instanceof DOMException);
  assert.equal(error.name, 'NotSupportedError');
});
