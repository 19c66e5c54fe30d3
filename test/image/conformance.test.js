'use strict';
// decode()/reset()/close() against the spec's ImageDecoder algorithms and the WPT
// image-decoder tests: Reject Infeasible Decode, streaming waits, reset and close while
// streaming, stream errors, and the `type` checks.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { ImageDecoder } = require('../..');
const {
  fixture, ffmpegRgba, frameRgba, psnrRgba, generated, controlledStream, isPending,
} = require('./helpers');

// Complete data that ends inside a frame of the track is corrupt data, as upstream WPT has it
// ("Test decoding a partial ArrayBuffer results in EncodingError", the first 100 bytes): the
// decode fails for good and closes the decoder. Only an index past the track is RangeError.
test('complete data that ends inside the frame: tracks ready, decode → EncodingError, the decoder closes', async () => {
  const png = fs.readFileSync(fixture('four-colors.png')).subarray(0, 100);
  const d = new ImageDecoder({ data: png, type: 'image/png' });
  await d.tracks.ready;
  assert.equal(d.tracks.length, 1);
  // Two queued decodes: the first fails, and the close it causes fails the second.
  const p0 = assert.rejects(d.decode({ frameIndex: 0 }), { name: 'EncodingError' });
  await assert.rejects(d.decode({ frameIndex: 1 }), { name: 'EncodingError' });
  await p0;
  await d.completed;
  assert.equal(d.type, '');
  assert.equal(d.tracks.length, 0);
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
});

test('truncated JPEG, WebP and AVIF buffers reject with EncodingError, not a crash', async () => {
  for (const [name, type] of [['four-colors.jpg', 'image/jpeg'], ['four-colors.webp', 'image/webp'], ['four-colors.avif', 'image/avif']]) {
    const bytes = fs.readFileSync(fixture(name));
    const d = new ImageDecoder({ data: bytes.subarray(0, bytes.length - 40), type });
    await assert.rejects(d.decode(), { name: 'EncodingError' }, name);
    // An index past the track is still RangeError, while the decoder is open.
    const e = new ImageDecoder({ data: bytes, type });
    await assert.rejects(e.decode({ frameIndex: 1 }), RangeError, name);
    e.close();
  }
});

test('streaming JPEG resolves as soon as its EOI arrives, before the stream ends', async () => {
  const bytes = fs.readFileSync(fixture('four-colors.jpg'));
  const s = controlledStream();
  const d = new ImageDecoder({ data: s.stream, type: 'image/jpeg' });
  s.push(bytes.subarray(0, 200));
  const p = d.decode();
  assert.ok(await isPending(p), 'waits while the scan is incomplete');
  s.push(bytes.subarray(200));
  const { image, complete } = await p;
  assert.equal(complete, true);
  assert.equal(d.complete, false, 'the stream has not ended');
  assert.ok(psnrRgba(await frameRgba(image), ffmpegRgba(fixture('four-colors.jpg'))) > 45);
  image.close();
  s.close();
  await d.completed;
  d.close();
});

// The generated 5-frame GIF without its trailer: every frame is here but the end is not.
function gifWithoutTrailer() {
  const bytes = fs.readFileSync(generated('anim.gif'));
  assert.equal(bytes[bytes.length - 1], 0x3b);
  return bytes.subarray(0, bytes.length - 1);
}

// A GIF decoder on a stream that has had all of anim.gif but its trailer, its tracks known:
// { s, d }, `s` the stream's controller.
async function streamingGif() {
  const s = controlledStream();
  const d = new ImageDecoder({ data: s.stream, type: 'image/gif' });
  s.push(gifWithoutTrailer());
  await d.tracks.ready;
  return { s, d };
}

test('streaming: a frame beyond the data waits, later requests wait behind it, and it becomes RangeError when the stream ends', async () => {
  const { s, d } = await streamingGif();
  assert.equal(d.tracks.selectedTrack.frameCount, 5);
  const { image } = await d.decode({ frameIndex: 4 });
  assert.equal(image.timestamp, 400000);
  image.close();
  const beyond = d.decode({ frameIndex: 5 });
  // Requests are served in order (the spec's control message queue, as in Chromium).
  const behind = d.decode({ frameIndex: 3 });
  const order = [];
  beyond.then(() => order.push('beyond'), () => order.push('beyond'));
  behind.then(() => order.push('behind'), () => order.push('behind'));
  assert.ok(await isPending(beyond), 'frame 5 may still come');
  assert.ok(await isPending(behind), 'frame 3 is here but waits behind the request for frame 5');
  s.push([0x3b]);
  s.close();
  await assert.rejects(beyond, RangeError);
  const r = await behind;
  assert.equal(r.image.timestamp, 300000);
  r.image.close();
  assert.deepEqual(order, ['beyond', 'behind']);
  await d.completed;
  assert.equal(d.complete, true);
  d.close();
});

test('reset() while streaming aborts the waiting decode only; the decoder keeps working', async () => {
  const { s, d } = await streamingGif();
  const waiting = d.decode({ frameIndex: 5 });
  d.reset();
  await assert.rejects(waiting, { name: 'AbortError' });
  const { image } = await d.decode({ frameIndex: 3 });
  const size = 64 * 48 * 4;
  assert.equal(psnrRgba(await frameRgba(image), ffmpegRgba(generated('anim.gif')).subarray(3 * size, 4 * size)), 99);
  image.close();
  assert.equal(d.complete, false);
  s.push([0x3b]);
  s.close();
  await d.completed;
  d.close();
});

test('close() while streaming: pending decode and completed reject with AbortError, type and tracks empty', async () => {
  const { s, d } = await streamingGif();
  const tracks = d.tracks;
  const track = d.tracks.selectedTrack;
  const waiting = d.decode({ frameIndex: 5 });
  const completed = d.completed;
  d.close();
  await assert.rejects(waiting, { name: 'AbortError' });
  await assert.rejects(completed, { name: 'AbortError' });
  assert.equal(d.type, '');
  assert.equal(tracks.length, 0);
  assert.equal(tracks.selectedIndex, -1);
  track.selected = true; // does nothing once closed
  assert.equal(tracks.selectedIndex, -1);
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
  // The stream was cancelled: feeding it now throws.
  assert.throws(() => s.push([0x3b]), TypeError);
});

test('a stream error rejects waiting decodes and completed with NotReadableError and clears the tracks', async () => {
  const { s, d } = await streamingGif();
  const waiting = d.decode({ frameIndex: 7 });
  s.error(new Error('network gone'));
  await assert.rejects(waiting, { name: 'NotReadableError' });
  await assert.rejects(d.completed, { name: 'NotReadableError' });
  assert.equal(d.tracks.length, 0);
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
});

test('type: invalid MIME strings throw TypeError; a non-image MIME type is NotSupportedError as in WPT; an unknown image type is NotSupportedError', async () => {
  const data = fs.readFileSync(fixture('four-colors.png'));
  for (const type of ['image/png; foo', ' image/png', 'image/png ', 'image/', 'image/png;', 'png', '']) {
    assert.throws(() => new ImageDecoder({ data, type }), TypeError, JSON.stringify(type));
    await assert.rejects(ImageDecoder.isTypeSupported(type), TypeError, JSON.stringify(type));
  }
  // WPT image-decoder.https.any.js: "Test invalid mime type rejects decode() requests" and
  // "... rejects decodeMetadata() requests", with the data as a stream and as a buffer.
  for (const type of ['junk/type', 'text/plain', 'video/mp4']) {
    for (const asStream of [false, true]) {
      const d = new ImageDecoder({ data: asStream ? new Blob([data]).stream() : data, type });
      await assert.rejects(d.decode(), { name: 'NotSupportedError' }, type);
      await assert.rejects(d.tracks.ready, { name: 'NotSupportedError' }, type);
    }
    await assert.rejects(ImageDecoder.isTypeSupported(type), TypeError, type);
  }
  // Parameters and case are allowed.
  assert.equal(await ImageDecoder.isTypeSupported('IMAGE/PNG; q="a b"'), true);
  const ok = new ImageDecoder({ data, type: 'image/png;charset=x' });
  const { image } = await ok.decode();
  assert.equal(image.codedWidth, 320);
  image.close();
  ok.close();
  assert.equal(await ImageDecoder.isTypeSupported('image/x-unknown'), false);
  const d = new ImageDecoder({ data, type: 'image/x-unknown' });
  await assert.rejects(d.decode(), { name: 'NotSupportedError' });
  // Later calls keep reporting the reason (as Chromium and Firefox do).
  await assert.rejects(d.decode(), { name: 'NotSupportedError' });
  assert.equal(d.type, '');
});
