'use strict';
// Animated GIF and APNG: frame counts, repetition counts, timestamps/durations and pixels of
// every frame against the ffmpeg CLI.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { ImageDecoder } = require('../..');
const {
  fixture, ffmpegRgba, frameRgba, psnrRgba, maxAbsDiff, generated, testsrcRgba, openImage, trackInfo,
} = require('./helpers');

async function checkAllFrames(file, type, n, minPsnr) {
  const d = await openImage(file, type);
  assert.equal(d.tracks.selectedTrack.frameCount, n);
  const ref = ffmpegRgba(file);
  const out = [];
  for (let i = 0; i < n; i++) {
    const { image, complete } = await d.decode({ frameIndex: i });
    assert.equal(complete, true);
    const size = image.codedWidth * image.codedHeight * 4;
    assert.equal(ref.length, n * size, 'ffmpeg produced the same number of frames');
    const p = psnrRgba(await frameRgba(image), ref.subarray(i * size, (i + 1) * size));
    assert.ok(p >= minPsnr, `frame ${i}: PSNR ${p.toFixed(1)}`);
    out.push({ timestamp: image.timestamp, duration: image.duration });
    image.close();
  }
  d.close();
  return out;
}

test('four-colors-flip.gif: two frames with their own delays, loops forever', async () => {
  const d = await openImage(fixture('four-colors-flip.gif'), 'image/gif');
  assert.equal(d.tracks.length, 1);
  assert.equal(d.tracks.selectedIndex, 0);
  const t = d.tracks[0];
  assert.equal(t, d.tracks.selectedTrack);
  assert.equal(t.selected, true);
  assert.deepEqual(trackInfo(t), { animated: true, frameCount: 2, repetitionCount: Infinity });
  d.close();
  const times = await checkAllFrames(fixture('four-colors-flip.gif'), 'image/gif', 2, 99);
  // ffprobe: packet durations 3 and 4 (1/100 s).
  assert.deepEqual(times, [{ timestamp: 0, duration: 30000 }, { timestamp: 30000, duration: 40000 }]);
});

test('generated 5-frame GIF: every frame matches ffmpeg, 100 ms apart', async () => {
  const times = await checkAllFrames(generated('anim.gif'), 'image/gif', 5, 99);
  assert.deepEqual(times.map((t) => t.timestamp), [0, 100000, 200000, 300000, 400000]);
  assert.ok(times.every((t) => t.duration === 100000));
});

test('GIF loop count 3 → repetitionCount 3', async () => {
  const d = await openImage(generated('anim-loop3.gif'), 'image/gif');
  assert.equal(d.tracks.selectedTrack.repetitionCount, 3);
  assert.equal(d.tracks.selectedTrack.frameCount, 3);
  d.close();
});

test('APNG: every frame matches ffmpeg, timestamps from fcTL delays', async () => {
  const d = await openImage(generated('anim.apng'), 'image/png');
  assert.deepEqual(trackInfo(d.tracks.selectedTrack), { animated: true, frameCount: 4, repetitionCount: Infinity });
  d.close();
  const times = await checkAllFrames(generated('anim.apng'), 'image/apng', 4, 99);
  assert.deepEqual(times.map((x) => x.timestamp), [0, 100000, 200000, 300000]);
  assert.ok(times.every((x) => x.duration === 100000));
});

test('APNG plays=2 → repetitionCount 1', async () => {
  const d = await openImage(generated('anim-plays2.apng'), 'image/png');
  assert.equal(d.tracks.selectedTrack.repetitionCount, 1);
  d.close();
});

test('frames can be decoded out of order and repeatedly', async () => {
  const file = generated('anim.gif');
  const d = new ImageDecoder({ data: fs.readFileSync(file), type: 'image/gif' });
  const ref = ffmpegRgba(file);
  const size = 64 * 48 * 4;
  for (const i of [3, 1, 4, 0, 4]) {
    const { image } = await d.decode({ frameIndex: i });
    assert.equal(image.timestamp, i * 100000);
    const p = psnrRgba(await frameRgba(image), ref.subarray(i * size, (i + 1) * size));
    assert.equal(p, 99, `frame ${i}`);
    image.close();
  }
  d.close();
});

test('frameIndex past the last frame rejects with RangeError, the decoder stays usable', async () => {
  const d = new ImageDecoder({ data: fs.readFileSync(fixture('four-colors-flip.gif')), type: 'image/gif' });
  await assert.rejects(d.decode({ frameIndex: 2 }), RangeError);
  const { image } = await d.decode({ frameIndex: 1 });
  assert.equal(image.timestamp, 30000);
  image.close();
  d.close();
});

test('four-colors-flip.avif: a still primary track and an animated AV1 sequence track', async () => {
  const file = fixture('four-colors-flip.avif');
  const data = fs.readFileSync(file);
  let d = new ImageDecoder({ data, type: 'image/avif' });
  await d.tracks.ready;
  assert.equal(d.tracks.length, 2);
  assert.equal(d.tracks.selectedIndex, 0);
  assert.equal(d.tracks[0].animated, false);
  assert.equal(d.tracks[0].frameCount, 1);
  assert.equal(d.tracks[1].animated, true);
  assert.equal(d.tracks[1].frameCount, 7);
  d.close();

  d = new ImageDecoder({ data, type: 'image/avif', preferAnimation: true });
  await d.tracks.ready;
  assert.equal(d.tracks.selectedIndex, 1);
  assert.equal(d.tracks[1].selected, true);
  const ref = ffmpegRgba(file);
  const size = 320 * 240 * 4;
  assert.equal(ref.length, 7 * size);
  for (let i = 0; i < 7; i++) {
    const { image } = await d.decode({ frameIndex: i });
    // ffprobe: 7 packets of 128 ticks; the track timescale makes that 128/timescale s each.
    assert.equal(image.timestamp, i * image.duration);
    const p = psnrRgba(await frameRgba(image), ref.subarray(i * size, (i + 1) * size));
    assert.ok(p >= 99, `frame ${i}: PSNR ${p}`);
    image.close();
  }
  await assert.rejects(d.decode({ frameIndex: 7 }), RangeError);
  // Switching to the still track.
  d.tracks[0].selected = true;
  assert.equal(d.tracks.selectedIndex, 0);
  assert.equal(d.tracks[1].selected, false);
  const { image } = await d.decode();
  assert.equal(image.duration, null);
  image.close();
  d.close();
});

test('animated WebP (lossless, sub-rectangle frames with blending): exact pixels, 100 ms frames', async () => {
  const d = await openImage(generated('anim.webp'), 'image/webp');
  assert.deepEqual(trackInfo(d.tracks.selectedTrack), { animated: true, frameCount: 3, repetitionCount: Infinity });
  const want = testsrcRgba(3);
  const size = 64 * 48 * 4;
  for (const i of [0, 1, 2, 0, 2]) {
    const { image } = await d.decode({ frameIndex: i });
    assert.equal(image.format, 'RGBA');
    assert.equal(image.timestamp, i * 100000);
    assert.equal(image.duration, 100000);
    const ours = await frameRgba(image);
    assert.equal(maxAbsDiff(ours, want.subarray(i * size, (i + 1) * size)), 0, `frame ${i}`);
    image.close();
  }
  await assert.rejects(d.decode({ frameIndex: 3 }), RangeError);
  d.close();
});

test('animated WebP (lossy, loop 2): repetitionCount 1, frames close to the source', async () => {
  const d = await openImage(generated('anim-lossy.webp'), 'image/webp');
  assert.equal(d.tracks.selectedTrack.repetitionCount, 1);
  const want = testsrcRgba(3);
  const size = 64 * 48 * 4;
  for (let i = 0; i < 3; i++) {
    const { image } = await d.decode({ frameIndex: i });
    // libwebp's default quality on this 64x48 pattern: ~21 dB (the ffmpeg CLI's decode of a
    // still lossy WebP of the same frame measures the same).
    const p = psnrRgba(await frameRgba(image), want.subarray(i * size, (i + 1) * size));
    assert.ok(p > 19, `frame ${i}: PSNR ${p.toFixed(1)}`);
    image.close();
  }
  d.close();
});
