'use strict';
// Mirrors the cases of WPT webcodecs/videoDecoder-codec-specific.https.any.js in our own words,
// for each of its variants (av1, vp8, vp9, h264 avc/annexb, h265 hevc/annexb), on the chunks WPT
// cuts from its media files; each variant runs a second time on chunks from our own encoder (a
// key frame and three delta frames of a small moving picture, with the decoder config the
// encoder reported). Also the files that share its setup script:
// videoDecoder-codec-specific-orientation, videoDecoder-444-h264, videoDecoder-interlaced-h264
// and videoDecoder-h264-sei.
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { VideoEncoder, VideoDecoder, VideoFrame, EncodedVideoChunk } = require('../..');
const { videoStream } = require('./wpt-media');
const { encodeChunks } = require('../helpers');
const { checkClosedCodec, checkQueueSize, checkDecodeAfterFlush } = require('./wpt-codec-checks');

const VARIANTS = {
  av1: { codec: 'av01.0.04M.08' },
  vp8: { codec: 'vp8' },
  vp9: { codec: 'vp09.00.10.08' },
  h264_avc: { codec: 'avc1.64000c', avc: { format: 'avc' } },
  h264_annexb: { codec: 'avc1.64000c', avc: { format: 'annexb' } },
  h265_hevc: { codec: 'hvc1.1.6.L60.90', hevc: { format: 'hevc' } },
  h265_annexb: { codec: 'hvc1.1.6.L60.90', hevc: { format: 'annexb' } },
};

// Encodes four 64x48 frames; returns the reported decoder config, the raw chunk bytes and
// chunks re-wrapped with timestamps 0..3 and duration 1 (WPT's CHUNKS have that shape).
async function makeStream(base) {
  const config = { ...base, width: 64, height: 48, bitrate: 200000, framerate: 30 };
  const { chunks: out, decoderConfig } = await encodeChunks(VideoEncoder, config, (enc) => {
    for (let i = 0; i < 4; i++) {
      const rgba = new Uint8Array(64 * 48 * 4);
      for (let p = 0; p < 64 * 48; p++) rgba.set([(p + i * 30) & 0xFF, 100, 50, 255], p * 4);
      const frame = new VideoFrame(rgba, { format: 'RGBA', codedWidth: 64, codedHeight: 48, timestamp: i });
      enc.encode(frame, { keyFrame: i === 0 });
      frame.close();
    }
  });
  const data = out.map((c) => { const b = new Uint8Array(c.byteLength); c.copyTo(b); return b; });
  const chunks = data.map((d, i) =>
    new EncodedVideoChunk({ type: i === 0 ? 'key' : 'delta', timestamp: i, duration: 1, data: d }));
  return { config: decoderConfig, data, chunks };
}

// A chunk whose bytes are those of chunk `i` with every fourth byte set to 0xFF.
function corruptChunk(data, i) {
  const bytes = Uint8Array.from(data[i]);
  for (let k = 0; k < bytes.length; k += 4) bytes[k] = 0xFF;
  return new EncodedVideoChunk({ type: 'delta', timestamp: i, data: bytes });
}

// A decoder whose callbacks can be swapped during a test (frames are closed by default).
function makeDecoder() {
  const cb = { output: (f) => f.close(), error: () => {} };
  const dec = new VideoDecoder({ output: (f) => cb.output(f), error: (e) => cb.error(e) });
  return { cb, dec };
}

const firstOutput = (cb, onFrame) => new Promise((resolve) => {
  cb.output = (f) => { onFrame(f); resolve(); };
});

const SOURCES = [
  ['', (variant) => videoStream(variant)],
  [' (our encoder\'s chunks)', (variant) => makeStream(VARIANTS[variant])],
];

for (const variant of Object.keys(VARIANTS)) for (const [source, load] of SOURCES) {
  test(`WPT videoDecoder-codec-specific ?${variant}${source}`, async (t) => {
    const { config: CONFIG, data: DATA, chunks: CHUNKS } = await load(variant);
    const name = (s) => `WPT videoDecoder-codec-specific ?${variant}${source}: ${s}`;

    await t.test(name('Test isConfigSupported()'), async () => {
      assert.equal((await VideoDecoder.isConfigSupported(CONFIG)).supported, true);
    });

    await t.test(name('Test isConfigSupported() with 1080p crop'), async () => {
      const s = await VideoDecoder.isConfigSupported({ codec: CONFIG.codec, codedWidth: 1920,
        codedHeight: 1088, displayAspectWidth: 1920, displayAspectHeight: 1080 });
      assert.equal(s.supported, true);
    });

    await t.test(name('Test that isConfigSupported() returns a parsed configuration'), async () => {
      const cfg = { ...CONFIG, colorSpace: { primaries: 'bt709' }, futureConfigFeature: 'foo' };
      const { supported, config } = await VideoDecoder.isConfigSupported(cfg);
      assert.equal(supported, true);
      for (const k of ['codec', 'codedWidth', 'codedHeight', 'displayAspectWidth', 'displayAspectHeight']) {
        assert.equal(config[k], cfg[k], k);
      }
      assert.deepEqual({ ...config.colorSpace },
        { primaries: 'bt709', transfer: null, matrix: null, fullRange: null });
      assert.equal(Object.hasOwn(config, 'futureConfigFeature'), false);
      if (cfg.description) {
        assert.notEqual(config.description, cfg.description, 'description is a copy');
        assert.deepEqual(new Uint8Array(config.description), new Uint8Array(cfg.description));
      } else {
        assert.equal(Object.hasOwn(config, 'description'), false);
      }
    });

    await t.test(name('Test invalid configs'), async () => {
      for (const bad of [{ ...CONFIG, codedWidth: 0 }, { ...CONFIG, displayAspectWidth: 0 }]) {
        await assert.rejects(VideoDecoder.isConfigSupported(bad), TypeError);
        const { dec } = makeDecoder();
        assert.throws(() => dec.configure(bad), TypeError);
        assert.equal(dec.state, 'unconfigured');
        dec.close();
      }
    });

    await t.test(name('Test configure()'), () => {
      const { dec } = makeDecoder();
      dec.configure(CONFIG);
      assert.equal(dec.state, 'configured');
      dec.close();
    });

    // Decodes the key frame with a configured decoder from makeDecoder(), flushes and closes it:
    // one output, with the chunk's timestamp and duration.
    async function expectKeyFrameOutput({ cb, dec }) {
      dec.decode(CHUNKS[0]);
      const got = [];
      cb.output = (f) => { got.push([f.timestamp, f.duration]); f.close(); };
      await dec.flush();
      assert.deepEqual(got, [[0, 1]]);
      dec.close();
    }

    await t.test(name('Decode a key frame'), async () => {
      const d = makeDecoder();
      d.dec.configure(CONFIG);
      await expectKeyFrameOutput(d);
    });

    await t.test(name('Decode a non key frame first fails'), () => {
      const { dec } = makeDecoder();
      dec.configure(CONFIG);
      assert.equal(CHUNKS[1].type, 'delta');
      assert.throws(() => dec.decode(CHUNKS[1]), { name: 'DataError' });
      dec.close();
    });

    await t.test(name('Decode a key frame marked as delta fails'), () => {
      const { dec } = makeDecoder();
      dec.configure(CONFIG);
      const mismarked = new EncodedVideoChunk({ type: 'delta', timestamp: 0, duration: 1, data: DATA[0] });
      assert.throws(() => dec.decode(mismarked), { name: 'DataError' });
      dec.close();
    });

    await t.test(name('Verify reset() suppresses outputs'), async () => {
      const { cb, dec } = makeDecoder();
      dec.configure(CONFIG);
      for (let i = 0; i < 16; i++) dec.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, data: DATA[0] }));
      assert.ok(dec.decodeQueueSize > 0, 'decodes are queued');
      const stamps = [];
      await firstOutput(cb, (f) => {
        stamps.push(f.timestamp);
        f.close();
        dec.reset();
        assert.equal(dec.decodeQueueSize, 0);
      });
      cb.output = (f) => { stamps.push(f.timestamp); f.close(); };
      dec.configure(CONFIG);
      for (let i = 0; i < 4; i++) dec.decode(new EncodedVideoChunk({ type: 'key', timestamp: 1, data: DATA[0] }));
      await dec.flush();
      assert.deepEqual(stamps, [0, 1, 1, 1, 1], 'one output before the reset, then only new ones');
      assert.equal(dec.decodeQueueSize, 0);
      dec.close();
    });

    await t.test(name('Test unconfigured VideoDecoder operations'), async () => {
      const { dec } = makeDecoder();
      dec.reset();
      assert.equal(dec.state, 'unconfigured');
      assert.throws(() => dec.decode(CHUNKS[0]), { name: 'InvalidStateError' });
      await assert.rejects(dec.flush(), { name: 'InvalidStateError' });
      dec.close();
    });

    await t.test(name('Test closed VideoDecoder operations'), () => checkClosedCodec(makeDecoder().dec, CONFIG, CHUNKS[0]));

    // Decodes the key frame then `bad`: one EncodingError through error() and flush(), closed.
    async function expectEncodingError(bad) {
      const { cb, dec } = makeDecoder();
      const errors = [];
      let outputs = 0;
      cb.error = (e) => errors.push(e);
      cb.output = (f) => { outputs++; f.close(); };
      dec.configure(CONFIG);
      dec.decode(CHUNKS[0]);
      dec.decode(bad);
      await assert.rejects(dec.flush(), (e) => e instanceof DOMException && e.name === 'EncodingError');
      assert.equal(errors.length, 1, 'error() ran once, before flush() settled');
      assert.ok(errors[0] instanceof DOMException);
      assert.equal(errors[0].name, 'EncodingError');
      assert.equal(dec.state, 'closed');
      assert.ok(outputs <= 1);
    }

    await t.test(name('Decode empty frame'), () =>
      expectEncodingError(new EncodedVideoChunk({ type: 'key', timestamp: 1, data: new ArrayBuffer(0) })));

    await t.test(name('Decode corrupt frame'), () => expectEncodingError(corruptChunk(DATA, 2)));

    await t.test(name('Close while decoding corrupt frame'), async () => {
      const { cb, dec } = makeDecoder();
      cb.error = () => assert.fail('no error() after close()');
      dec.configure(CONFIG);
      dec.decode(CHUNKS[0]);
      dec.decode(corruptChunk(DATA, 1));
      const flushed = dec.flush();
      dec.close();
      await assert.rejects(flushed, { name: 'AbortError' });
    });

    await t.test(name('Test decoding after flush'), () => checkDecodeAfterFlush(VideoDecoder, CONFIG, CHUNKS[0]));

    await t.test(name('Test decoding a with negative timestamp'), async () => {
      const { cb, dec } = makeDecoder();
      const stamps = [];
      cb.output = (f) => { stamps.push(f.timestamp); f.close(); };
      dec.configure(CONFIG);
      dec.decode(new EncodedVideoChunk({ type: 'key', timestamp: -42, data: DATA[0] }));
      await dec.flush();
      assert.deepEqual(stamps, [-42]);
      dec.close();
    });

    await t.test(name('Test reset during flush'), async () => {
      const { cb, dec } = makeDecoder();
      dec.configure(CONFIG);
      dec.decode(CHUNKS[0]);
      dec.decode(CHUNKS[1]);
      const flushed = dec.flush();
      let outputs = 0;
      await firstOutput(cb, (f) => { outputs++; dec.reset(); f.close(); });
      cb.output = (f) => { outputs++; f.close(); };
      await assert.rejects(flushed, { name: 'AbortError' });
      assert.equal(outputs, 1);
      dec.close();
    });

    // Decodes the key frame and flushes; the first output resets the decoder, swaps in `output`
    // (and `error`, when given), configures it again, decodes the key frame and `more`, and
    // flushes again. Checks that the first flush() rejected with AbortError; returns the
    // decoder and the second flush().
    async function resetInFlushCallback({ output, error, more = [] }) {
      const { cb, dec } = makeDecoder();
      dec.configure(CONFIG);
      dec.decode(CHUNKS[0]);
      const flushed = dec.flush();
      let second;
      await firstOutput(cb, (f) => {
        dec.reset();
        f.close();
        cb.output = output;
        if (error) cb.error = error;
        dec.configure(CONFIG);
        dec.decode(CHUNKS[0]);
        for (const chunk of more) dec.decode(chunk);
        second = dec.flush();
      });
      await assert.rejects(flushed, { name: 'AbortError' });
      return { dec, second };
    }

    await t.test(name('Test new flush after reset in a flush callback'), async () => {
      let outputs = 0;
      const { dec, second } = await resetInFlushCallback({
        output: (g) => { outputs++; g.close(); },
        error: (e) => assert.fail(e),
      });
      await second;
      assert.equal(outputs, 1);
      dec.close();
    });

    await t.test(name('Test decoding a corrupt frame after reset in a flush callback'), async () => {
      const { second } = await resetInFlushCallback({ output: (g) => g.close(), more: [corruptChunk(DATA, 1)] });
      await assert.rejects(second, { name: 'EncodingError' });
    });

    await t.test(name('Test low-latency decoding'), async () => {
      const { cb, dec } = makeDecoder();
      dec.configure({ ...CONFIG, optimizeForLatency: true });
      dec.decode(CHUNKS[0]);
      // The frame must arrive with no flush() to push it out.
      await firstOutput(cb, (f) => f.close());
      dec.close();
    });

    await t.test(name('VideoDecoder decodeQueueSize test'), async () => {
      const { dec } = makeDecoder();
      await checkQueueSize(dec, CONFIG, CHUNKS, 'decodeQueueSize');
      dec.close();
    });

    await t.test(name('Test configure, reset, configure does not stall'), async () => {
      const d = makeDecoder();
      d.dec.configure(CONFIG);
      d.dec.reset();
      d.dec.configure(CONFIG);
      await expectKeyFrameOutput(d);
    });

    await t.test(name('Test decoding chunks with duplicate timestamps preserves durations'), async () => {
      const { cb, dec } = makeDecoder();
      dec.configure(CONFIG);
      dec.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, duration: 111, data: DATA[0] }));
      dec.decode(new EncodedVideoChunk({ type: 'delta', timestamp: 0, duration: 222, data: DATA[1] }));
      const got = [];
      cb.output = (f) => { got.push([f.timestamp, f.duration]); f.close(); };
      await dec.flush();
      assert.deepEqual(got, [[0, 111], [0, 222]]);
      dec.close();
    });
  });
}

// --- videoDecoder-h264-sei.https.any.js (?h264_sei_avc, ?h264_sei_annexb), on WPT's
// h264_sei.mp4 / h264_sei.annexb: chunk 5 is an I frame that is not IDR, marked "key" because it
// starts with a recovery point SEI (recovery_frame_cnt 0). Decoding it first must be accepted as
// a key chunk (as Chromium does) and give one frame with its timestamp and duration.
for (const variant of ['h264_sei_avc', 'h264_sei_annexb']) {
  test(`WPT videoDecoder-h264-sei ?${variant}: H.264 SEI recovery point frames are treated as keyframes.`, async () => {
    const { config, chunks } = videoStream(variant);
    assert.equal((await VideoDecoder.isConfigSupported({ codec: config.codec })).supported, true);
    const got = [];
    const dec = new VideoDecoder({
      output: (f) => { got.push([f.timestamp, f.duration, f.codedWidth, f.codedHeight]); f.close(); },
      error: (e) => assert.fail(e),
    });
    dec.configure(config);
    dec.decode(chunks[5]);
    await dec.flush();
    assert.deepEqual(got, [[5, 1, 320, 240]]);
    // A delta chunk still cannot start decoding (after the flush, a key chunk is required).
    assert.throws(() => dec.decode(chunks[6]), { name: 'DataError' });
    dec.close();
  });
}

// --- videoDecoder-codec-specific-orientation.https.any.js: a decoder config's rotation and
// flip are echoed by isConfigSupported() and carried by every frame the configuration decodes;
// a reconfigure with another orientation applies to the frames after it.
for (const variant of Object.keys(VARIANTS)) {
  const { config: CONFIG, chunks: CHUNKS } = videoStream(variant);
  const W = `WPT videoDecoder-codec-specific-orientation ?${variant}:`;
  test(`${W} Test that isConfigSupported() with orientation`, async () => {
    const { supported, config } = await VideoDecoder.isConfigSupported({ ...CONFIG, rotation: 90, flip: true });
    assert.equal(supported, true);
    assert.equal(config.rotation, 90);
    assert.equal(config.flip, true);
  });
  test(`${W} Decode frames with orientation metadata`, async () => {
    const got = [];
    const dec = new VideoDecoder({
      output: (f) => { got.push([f.timestamp, f.rotation, f.flip]); f.close(); },
      error: (e) => assert.fail(e),
    });
    dec.configure({ ...CONFIG, rotation: 90, flip: true });
    dec.decode(CHUNKS[0]);
    dec.decode(CHUNKS[1]);
    await dec.flush();
    dec.configure({ ...CONFIG, rotation: 180, flip: false });
    dec.decode(CHUNKS[0]);
    dec.decode(CHUNKS[1]);
    await dec.flush();
    dec.close();
    assert.deepEqual(got, [[0, 90, true], [1, 90, true], [0, 180, false], [1, 180, false]]);
  });
}

// --- videoDecoder-interlaced-h264.https.any.js (?h264_interlaced_avc): the key frame of WPT's
// field-coded h264_interlaced.mp4 decodes to one frame.
test('WPT videoDecoder-interlaced-h264 ?h264_interlaced_avc: Test decoding h.264 interlaced content', async () => {
  const { config, chunks } = videoStream('h264_interlaced_avc');
  assert.equal((await VideoDecoder.isConfigSupported({ codec: config.codec })).supported, true);
  const got = [];
  const dec = new VideoDecoder({
    output: (f) => { got.push([f.timestamp, f.codedWidth, f.codedHeight]); f.close(); },
    error: (e) => assert.fail(e),
  });
  dec.configure(config);
  dec.decode(chunks[0]);
  await dec.flush();
  dec.close();
  assert.deepEqual(got, [[0, 320, 240]]);
});

// --- videoDecoder-444-h264.https.any.js (?h264_444_avc): WPT's h264_444.mp4 is not among our
// fixtures, so the ffmpeg CLI makes the same kind of stream: one High 4:4:4 Predictive frame
// (yuv444p) in an MP4, whose avcC and sample we cut out as WPT does. It decodes to one I444 frame.
function h264With444() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wpt-h264-444-'));
  const file = path.join(dir, 'h264_444.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-frames:v', '1',
    '-c:v', 'libx264', '-profile:v', 'high444', '-pix_fmt', 'yuv444p', file]);
  const packet = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pos,size',
    '-of', 'csv=p=0', file]).toString().trim().split('\n')[0].split(',').map(Number);
  const bytes = fs.readFileSync(file);
  fs.rmSync(dir, { recursive: true });
  const avcc = bytes.indexOf('avcC');
  const boxSize = bytes.readUInt32BE(avcc - 4);
  const [size, pos] = packet;
  return { description: bytes.subarray(avcc + 4, avcc - 4 + boxSize), data: bytes.subarray(pos, pos + size) };
}

test('WPT videoDecoder-444-h264 ?h264_444_avc: Test decoding h.264 4:4:4 content', async () => {
  const { description, data } = h264With444();
  assert.equal(description[1], 244, 'AVCProfileIndication: High 4:4:4 Predictive');
  const codec = `avc1.${[...description.subarray(1, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  assert.equal((await VideoDecoder.isConfigSupported({ codec })).supported, true);
  const got = [];
  const dec = new VideoDecoder({
    output: (f) => { got.push([f.timestamp, f.format, f.codedWidth, f.codedHeight]); f.close(); },
    error: (e) => assert.fail(e),
  });
  dec.configure({ codec, description, codedWidth: 320, codedHeight: 240 });
  dec.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, duration: 1, data }));
  await dec.flush();
  dec.close();
  assert.deepEqual(got, [[0, 'I444', 320, 240]]);
});
