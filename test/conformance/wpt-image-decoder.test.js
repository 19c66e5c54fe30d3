'use strict';
// Node mirrors of the WPT webcodecs/ ImageDecoder files as they are upstream today
// (image-decoder.https.any.js, image-decoder.crossOriginIsolated.https.any.js,
// image-decoder-animated-zero-delay.https.any.js, the image-decoder/imagedecoder *-crash.html
// files, and idlharness's promise-typed attributes), on WPT's own media files. The
// EXIF-orientation cases need a canvas to render the oriented image (our rotation/flip
// metadata is checked in test/image/decode.test.js).
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { ImageDecoder } = require('../..');
const { spawnSync } = require('node:child_process');
const { fixture, controlledStream, isPending, generated, settle, trackInfo } = require('../image/helpers');

const read = (name) => fs.readFileSync(fixture(name));

function streamOf(bytes) {
  return new ReadableStream({ start(c) { c.enqueue(new Uint8Array(bytes)); c.close(); } });
}

// The "four colors" images are 320x240: yellow, red / blue, green quadrants.
const QUADRANTS = [
  [80, 60, [255, 255, 0]], [240, 60, [255, 0, 0]], [80, 180, [0, 0, 255]], [240, 180, [0, 255, 0]],
];

async function assertFourColors(image, tolerance) {
  assert.equal(image.displayWidth, 320);
  assert.equal(image.displayHeight, 240);
  const rgba = new Uint8Array(320 * 240 * 4);
  await image.copyTo(rgba, { format: 'RGBA' });
  for (const [x, y, want] of QUADRANTS) {
    const at = (y * 320 + x) * 4;
    const got = Array.from(rgba.subarray(at, at + 3));
    assert.ok(got.every((v, i) => Math.abs(v - want[i]) <= tolerance), `(${x},${y}) is ${got}, want ${want}`);
  }
}

const STREAMED = [
  ['Test JPEG image decoding.', 'four-colors.jpg', 'image/jpeg'],
  ['Test PNG image decoding.', 'four-colors.png', 'image/png'],
  ['Test AVIF image decoding.', 'four-colors.avif', 'image/avif'],
  ['Test high bit depth HDR AVIF image decoding.', 'four-colors-full-range-bt2020-pq-444-10bpc.avif', 'image/avif', { tolerance: 3 }],
  ['Test multi-track AVIF image decoding w/ preferAnimation=false.', 'four-colors-flip.avif', 'image/avif', { preferAnimation: false }],
  ['Test multi-track AVIF image decoding w/ preferAnimation=true.', 'four-colors-flip.avif', 'image/avif', { preferAnimation: true }],
  ['Test WEBP image decoding.', 'four-colors.webp', 'image/webp'],
  ['Test GIF image decoding.', 'four-colors.gif', 'image/gif'],
];

for (const [wptName, file, type, { tolerance = 1, preferAnimation } = {}] of STREAMED) {
  test(`WPT image-decoder: ${wptName} (${file} from a ReadableStream)`, async () => {
    assert.equal(await ImageDecoder.isTypeSupported(type), true);
    const d = new ImageDecoder({ data: streamOf(read(file)), type, preferAnimation });
    const { image, complete } = await d.decode();
    assert.equal(complete, true);
    assert.equal(image.timestamp, 0);
    await assertFourColors(image, tolerance);
    image.close();
    d.close();
  });
}

const YUV = [
  ['Test JPEG image YUV 4:2:0 decoding.', 'four-colors-limited-range-420-8bpc.jpg', 'image/jpeg', 'I420'],
  ['Test AVIF image YUV 4:2:0 decoding.', 'four-colors-limited-range-420-8bpc.avif', 'image/avif', 'I420'],
  ['Test AVIF image YUV 4:2:2 decoding.', 'four-colors-limited-range-422-8bpc.avif', 'image/avif', 'I422'],
  ['Test AVIF image YUV 4:4:4 decoding.', 'four-colors-limited-range-444-8bpc.avif', 'image/avif', 'I444'],
  ['Test WEBP image YUV 4:2:0 decoding.', 'four-colors-limited-range-420-8bpc.webp', 'image/webp', 'I420'],
];

for (const [wptName, file, type, format] of YUV) {
  test(`WPT image-decoder: ${wptName} (frame stays ${format})`, async () => {
    const d = new ImageDecoder({ data: read(file), type });
    const { image } = await d.decode();
    assert.equal(image.format, format);
    await assertFourColors(image, 3);
    image.close();
    d.close();
  });
}

test('WPT image-decoder: Test invalid mime type rejects decode() and decodeMetadata() (tracks.ready) requests', async () => {
  for (const wait of [(d) => d.decode(), (d) => d.tracks.ready]) {
    const d = new ImageDecoder({ data: streamOf(read('four-colors.png')), type: 'junk/type' });
    await assert.rejects(wait(d), { name: 'NotSupportedError' });
  }
});

test('WPT image-decoder: Test out of range index returns RangeError', async () => {
  const d = new ImageDecoder({ data: read('four-colors.png'), type: 'image/png' });
  await assert.rejects(d.decode({ frameIndex: 1 }), RangeError);
  d.close();
});

// The data is complete (a buffer) and ends inside the only frame: decoding it fails for good
// (EncodingError), which closes the decoder, so the later request for frame 1 gets the same
// error instead of RangeError. Both settle together: the request for frame 0, which has no
// handler until the other one settled (as in WPT), never surfaces as an unhandled rejection.
test('WPT image-decoder: Test decoding a partial ArrayBuffer results in EncodingError', async () => {
  const unhandled = [];
  const onUnhandled = (e) => unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  try {
    const d = new ImageDecoder({ data: read('four-colors.png').subarray(0, 100), type: 'image/png' });
    await d.tracks.ready;
    const first = d.decode({ frameIndex: 0 });
    await assert.rejects(d.decode({ frameIndex: 1 }), { name: 'EncodingError' });
    await assert.rejects(first, { name: 'EncodingError' });
    await settle();
    assert.deepEqual(unhandled, []);
    assert.equal(d.type, '', 'the decoder closed');
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('WPT image-decoder: Test completed property on fully buffered decode', async () => {
  const d = new ImageDecoder({ data: read('four-colors.png').subarray(0, 100), type: 'image/png' });
  await d.completed;
  assert.equal(d.complete, true);
  d.close();
});

test('WPT image-decoder: Test decode, decodeMetadata after no track selected.', async () => {
  const d = new ImageDecoder({ data: streamOf(read('four-colors.png')), type: 'image/png' });
  await d.tracks.ready;
  d.tracks.selectedTrack.selected = false;
  assert.equal(d.tracks.selectedIndex, -1);
  assert.equal(d.tracks.selectedTrack, null);
  await d.tracks.ready;
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
  d.tracks[0].selected = true;
  assert.equal(d.tracks.selectedIndex, 0);
  const { image } = await d.decode();
  assert.equal(image.displayWidth, 320);
  assert.equal(image.displayHeight, 240);
  image.close();
  d.close();
});

test('WPT image-decoder: Test track selection in multi track image.', async () => {
  const d = new ImageDecoder({ data: streamOf(read('four-colors-flip.avif')), type: 'image/avif', preferAnimation: false });
  await d.tracks.ready;
  assert.equal(d.tracks.length, 2);
  let track = d.tracks.selectedTrack;
  assert.equal(track.animated, false);
  assert.equal(track.frameCount, 1);
  assert.equal(track.repetitionCount, 0);
  let { image } = await d.decode();
  assert.equal(image.timestamp, 0);
  image.close();

  d.tracks[(d.tracks.selectedIndex + 1) % 2].selected = true;
  ({ image } = await d.decode());
  assert.equal(image.displayWidth, 320);
  assert.equal(image.timestamp, 0);
  assert.equal(image.duration, 10000);
  image.close();
  track = d.tracks.selectedTrack;
  assert.deepEqual(trackInfo(track), { animated: true, frameCount: 7, repetitionCount: Infinity });
  ({ image } = await d.decode({ frameIndex: 1 }));
  assert.equal(image.timestamp, 10000);
  assert.equal(image.duration, 10000);
  image.close();
  d.close();
});

// WPT's endless GIF: four-colors-flip.gif without its trailer, loop count patched, and its two
// frames (30 ms and 40 ms) appended again on demand.
function endlessGif(repetitions) {
  const file = read('four-colors-flip.gif');
  assert.equal(file[file.length - 1], 0x3b);
  const base = new Uint8Array(file.subarray(0, file.length - 1));
  base[0x23] = repetitions; // NETSCAPE2.0 loop count, low byte
  const FRAME1 = 0x26;
  const FRAME2 = 0x553;
  const s = controlledStream();
  s.push(base);
  let added = 0;
  return {
    stream: s.stream,
    addFrame() { s.push(added++ % 2 === 0 ? base.subarray(FRAME1, FRAME2) : base.subarray(FRAME2)); },
    end() { s.push([0x3b]); s.close(); },
  };
}

test('WPT image-decoder: Test ReadableStream of gif', async () => {
  const src = endlessGif(5);
  const d = new ImageDecoder({ data: src.stream, type: 'image/gif' });
  await d.tracks.ready;
  assert.equal(d.tracks.selectedTrack.frameCount, 2);
  assert.equal(d.tracks.selectedTrack.repetitionCount, 5);

  const expectFrame = async (index, timestamp, duration) => {
    const { image } = await d.decode({ frameIndex: index });
    assert.equal(d.tracks.selectedTrack.frameCount, 4 > index ? index + 1 : 4);
    assert.equal(image.displayWidth, 320);
    assert.equal(image.displayHeight, 240);
    assert.equal(image.timestamp, timestamp, `timestamp of frame ${index}`);
    assert.equal(image.duration, duration, `duration of frame ${index}`);
    image.close();
  };
  src.addFrame();
  await expectFrame(2, 70000, 30000);
  src.addFrame();
  await expectFrame(3, 100000, 40000);

  // A frame that has not arrived, then reset(): AbortError; earlier frames still decode.
  let waiting = d.decode({ frameIndex: 5 });
  d.reset();
  await assert.rejects(waiting, { name: 'AbortError' });
  await expectFrame(3, 100000, 40000);

  // The same, then close(): type and both track lists empty, selecting does nothing.
  waiting = d.decode({ frameIndex: 5 });
  const tracks = d.tracks;
  const track = d.tracks.selectedTrack;
  d.close();
  assert.equal(d.type, '');
  assert.equal(d.tracks.length, 0);
  assert.equal(tracks.length, 0);
  track.selected = true;
  assert.equal(d.tracks.selectedIndex, -1);
  await assert.rejects(waiting, { name: 'AbortError' });
  // The stream was cancelled: feeding it more throws instead of crashing.
  assert.throws(() => src.addFrame(), TypeError);
});

// Requests are served in order (the spec's control message queue; Chromium decodes one at a
// time while the data is incomplete): a decode of a frame that is here waits behind an earlier
// one for a frame that is not. WPT's own check is weaker (it only waits for tracks.ready).
test('WPT image-decoder: Test that decode requests are serialized.', async () => {
  const src = endlessGif(5);
  const d = new ImageDecoder({ data: src.stream, type: 'image/gif' });
  await d.tracks.ready;
  assert.equal(d.tracks.selectedTrack.frameCount, 2);
  const later = d.decode({ frameIndex: 2 });
  const earlier = d.decode({ frameIndex: 1 });
  const order = [];
  later.then(() => order.push(2), () => {});
  earlier.then(() => order.push(1), () => {});
  assert.ok(await isPending(later), 'frame 2 has not arrived');
  assert.ok(await isPending(earlier), 'frame 1 waits behind the request for frame 2');
  src.addFrame();
  const [a, b] = await Promise.all([later, earlier]);
  assert.equal(a.image.timestamp, 70000);
  assert.equal(b.image.timestamp, 30000);
  assert.deepEqual(order, [2, 1]);
  a.image.close();
  b.image.close();
  d.close();
});

test('WPT image-decoder: Test ReadableStream aborts promises on track change', async () => {
  const src = endlessGif(5);
  const d = new ImageDecoder({ data: src.stream, type: 'image/gif' });
  await d.tracks.ready;
  const waiting = d.decode({ frameIndex: 5 });
  d.tracks.selectedTrack.selected = false;
  await assert.rejects(waiting, { name: 'AbortError' });
  d.close();
});

test('WPT image-decoder: Test ReadableStream aborts completed on close', async () => {
  const src = endlessGif(5);
  const d = new ImageDecoder({ data: src.stream, type: 'image/gif' });
  await d.tracks.ready;
  const completed = d.completed;
  d.close();
  await assert.rejects(completed, { name: 'AbortError' });
});

test('WPT image-decoder: Test ReadableStream resolves completed', async () => {
  const src = endlessGif(5);
  const d = new ImageDecoder({ data: src.stream, type: 'image/gif' });
  await d.tracks.ready;
  src.end();
  await d.completed;
  assert.equal(d.complete, true);
  assert.equal(d.tracks.selectedTrack.frameCount, 2);
  d.close();
});

// image-decoder.crossOriginIsolated.https.any.js: Node has SharedArrayBuffer without isolation.
for (const useView of [false, true]) {
  const what = useView ? 'a Uint8Array(SharedArrayBuffer)' : 'a SharedArrayBuffer';
  test(`WPT image-decoder.crossOriginIsolated: Test ImageDecoder decoding with ${what} source`, async () => {
    const bytes = read('four-colors.png');
    const shared = new SharedArrayBuffer(bytes.length);
    new Uint8Array(shared).set(bytes);
    const d = new ImageDecoder({ data: useView ? new Uint8Array(shared) : shared, type: 'image/png' });
    const { image } = await d.decode();
    await assertFourColors(image, 1);
    image.close();
    d.close();
  });
}

// image-decoder-animated-zero-delay.https.any.js: WPT's animated-zero-delay.gif (2x2, two
// frames, looping forever, the first with a delay of 0) is not in our fixtures; we make one.
function zeroDelayGif() {
  const gif = new Uint8Array(fs.readFileSync(generated('tiny-2frames.gif')));
  const gce = Buffer.from(gif).indexOf(Buffer.from([0x21, 0xf9, 0x04]));
  assert.ok(gce > 0);
  gif[gce + 4] = 0;
  gif[gce + 5] = 0;
  return gif;
}

test('WPT image-decoder-animated-zero-delay: Test animated GIF with zero first-frame delay decodes all frames', async () => {
  const d = new ImageDecoder({ data: zeroDelayGif(), type: 'image/gif' });
  await d.tracks.ready;
  assert.equal(d.tracks.length, 1);
  const track = d.tracks.selectedTrack;
  assert.equal(track.animated, true);
  assert.equal(track.frameCount, 2);
  for (const frameIndex of [0, 1]) {
    const { image, complete } = await d.decode({ frameIndex });
    assert.equal(complete, true);
    assert.equal(image.codedWidth, 2);
    assert.equal(image.codedHeight, 2);
    image.close();
  }
  d.close();
});

test('WPT image-decoder-animated-zero-delay: Test animated GIF with zero first-frame delay reports correct metadata', async () => {
  const d = new ImageDecoder({ data: zeroDelayGif(), type: 'image/gif' });
  await d.completed;
  await d.tracks.ready;
  assert.deepEqual(trackInfo(d.tracks.selectedTrack), { animated: true, frameCount: 2, repetitionCount: Infinity });
  d.close();
});

// The *-crash.html files: each scenario must end without a crash. Node's equivalent of a
// torn-down document is a process that exits with the decoder still open.
function runsToTheEnd(script) {
  const lib = JSON.stringify(require.resolve('../..'));
  const r = spawnSync(process.execPath, ['--unhandled-rejections=strict', '-e', `const { ImageDecoder } = require(${lib});\n${script}`],
    { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.signal, null);
  return r.stdout.trim();
}

test('WPT image-decoder-disconnect-readable-stream-crash: an ImageDecoder over a stream, abandoned', () => {
  assert.equal(runsToTheEnd(`
    globalThis.d = new ImageDecoder({ data: new Blob(['blob']).stream(), type: 'image/jpeg' });
    d.tracks.ready.catch((e) => console.log(e.name));
  `), 'EncodingError');
});

test('WPT imagedecoder-zero-length-crash: a stream whose only chunk is empty and that never ends', () => {
  assert.equal(runsToTheEnd(`
    const d = new ImageDecoder({ type: 'image/png', data: new ReadableStream({ start(c) { c.enqueue(new Uint8Array(0)); } }) });
    setTimeout(() => console.log(d.complete, d.tracks.length), 100);
  `), 'false 0');
});

test('WPT image-decoder-transfer-nondetachable-crash: transferring a buffer that cannot be detached', () => {
  const out = runsToTheEnd(`
    function buffer() {
      const b = new WebAssembly.Memory({ initial: 1 }).buffer;
      new Uint8Array(b).set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      return b;
    }
    for (const [view, close] of [[false, true], [true, true], [false, false]]) {
      const b = buffer();
      try {
        const d = new ImageDecoder({ type: 'image/png', data: view ? new Uint8Array(b) : b, transfer: [b] });
        if (close) d.close();
        console.log('constructed');
      } catch (e) {
        console.log(e.name);
      }
    }
  `);
  for (const line of out.split('\n')) assert.match(line, /^(constructed|TypeError|DataCloneError)$/);
});

test('WPT imagedecoder-bmp-in-ico-crash: an icon whose BMP arrives late, scaled to 16x16', () => {
  const out = runsToTheEnd(`
    const W = 255, H = 255;
    const maskBytes = Math.floor((W + 31) / 32) * 4 * H;
    const bytesInRes = 40 + 12 + maskBytes;
    const head = new Uint8Array(62);
    head.set([0, 0, 1, 0, 1, 0, W, H, 0, 0, 1, 0, 32, 0], 0);
    new DataView(head.buffer).setUint32(14, bytesInRes, true);
    new DataView(head.buffer).setUint32(18, 22, true);
    const bih = new DataView(head.buffer, 22, 40);
    bih.setUint32(0, 40, true);
    bih.setInt32(4, W, true);
    bih.setInt32(8, H * 2, true);
    bih.setUint16(12, 1, true);
    bih.setUint16(14, 32, true);
    bih.setUint32(16, 3, true);
    const tail = new Uint8Array(12 + maskBytes);
    const masks = new DataView(tail.buffer);
    masks.setUint32(0, 0x00ff0000, true);
    masks.setUint32(4, 0x0000ff00, true);
    masks.setUint32(8, 0x000000ff, true);
    let deliver;
    const data = new ReadableStream({
      async start(c) {
        c.enqueue(head);
        await new Promise((r) => { deliver = r; });
        c.enqueue(tail);
        c.close();
      },
    });
    const d = new ImageDecoder({ type: 'image/x-icon', data, desiredWidth: 16, desiredHeight: 16 });
    (async () => {
      await d.tracks.ready;
      const p = d.decode();
      setTimeout(deliver, 100);
      try {
        const { image } = await p;
        console.log(image.codedWidth, image.codedHeight);
      } catch (e) {
        console.log(e.name);
      }
    })();
  `);
  assert.match(out, /^(16 16|EncodingError)$/);
});

// idlharness.https.any.js: promise-typed attributes reject on a wrong receiver instead of
// throwing; interfaces without a constructor have a length of 0.
test('WPT idlharness: ImageDecoder.completed and ImageTrackList.ready on a wrong receiver reject with TypeError', async () => {
  const { ImageTrackList } = require('../..');
  for (const [C, attr] of [[ImageDecoder, 'completed'], [ImageTrackList, 'ready']]) {
    const get = Object.getOwnPropertyDescriptor(C.prototype, attr).get;
    for (const receiver of [{}, undefined, 1]) {
      let p;
      assert.doesNotThrow(() => { p = get.call(receiver); });
      await assert.rejects(p, TypeError);
    }
  }
});

test('WPT idlharness: ImageTrackList.length and ImageTrack.length are 0', () => {
  const { ImageTrackList, ImageTrack } = require('../..');
  assert.equal(ImageTrackList.length, 0);
  assert.equal(ImageTrack.length, 0);
  assert.equal(ImageDecoder.length, 1);
});
