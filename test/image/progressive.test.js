'use strict';
// Progressive decoding from a ReadableStream fed scan by scan: partial images with
// complete:false (completeFramesOnly false), one per new generation, then the full image; and
// frameCount growing while an animation streams in.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ImageDecoder } = require('../..');
const {
  ffmpegRgba, frameRgba, psnrRgba, generated, controlledStream, isPending, testsrcRgba,
} = require('./helpers');

// 128x96 progressive JPEG (10 scans), written by test/image/fixtures/make-jpegs.c.
const PROGRESSIVE = path.join(__dirname, 'fixtures', 'progressive.jpg');

// Offsets of the SOS markers (in entropy-coded data 0xFF is always followed by 0x00 or RSTn,
// so every FF DA is a scan header).
function scanStarts(bytes) {
  const at = [];
  for (let i = 0; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0xda) at.push(i);
  return at;
}

test('progressive JPEG: partial generations with complete:false, then the full image', async () => {
  const bytes = fs.readFileSync(PROGRESSIVE);
  const sos = scanStarts(bytes);
  assert.equal(sos.length, 10);
  const ref = ffmpegRgba(PROGRESSIVE);
  const s = controlledStream();
  const d = new ImageDecoder({ data: s.stream, type: 'image/jpeg' });
  // The header and the first scan (its end is known once the second scan header starts).
  s.push(bytes.subarray(0, sos[1] + 2));
  const first = await d.decode({ completeFramesOnly: false });
  assert.equal(first.complete, false);
  assert.equal(first.image.codedWidth, 128);
  assert.equal(first.image.codedHeight, 96);
  const p1 = psnrRgba(await frameRgba(first.image), ref);
  assert.ok(p1 > 20 && p1 < 40, `first scan PSNR ${p1.toFixed(1)}`);
  first.image.close();

  // No new scan: the next partial decode waits for a higher generation.
  const next = d.decode({ completeFramesOnly: false });
  assert.ok(await isPending(next));
  s.push(bytes.subarray(sos[1] + 2, sos[4] + 2));
  const second = await next;
  assert.equal(second.complete, false);
  const p2 = psnrRgba(await frameRgba(second.image), ref);
  assert.ok(p2 > p1 + 3, `more scans, more detail: ${p1.toFixed(1)} → ${p2.toFixed(1)} dB`);
  second.image.close();
  // Requests are served in order: a partial request behind a complete-frame one waits with it.
  const full = d.decode();
  const behind = d.decode({ completeFramesOnly: false });
  assert.ok(await isPending(full), 'completeFramesOnly (the default) waits for the whole frame');
  assert.ok(await isPending(behind), 'a later request waits behind the earlier one');

  s.push(bytes.subarray(sos[4] + 2));
  const whole = await full;
  assert.equal(whole.complete, true);
  const p3 = psnrRgba(await frameRgba(whole.image), ref);
  assert.ok(p3 >= 45, `full image PSNR ${p3.toFixed(1)}`);
  whole.image.close();
  const after = await behind;
  assert.equal(after.complete, true, 'the partial request behind it gets the full image');
  after.image.close();
  // Once the frame is whole, a partial request gets the full image at once.
  const again = await d.decode({ completeFramesOnly: false });
  assert.equal(again.complete, true);
  assert.equal(psnrRgba(await frameRgba(again.image), ref), p3);
  again.image.close();
  s.close();
  await d.completed;
  d.close();
});

// Complete data that ends inside the frame is corrupt data (WPT: "Test decoding a partial
// ArrayBuffer results in EncodingError"): the waiting request fails and the decoder closes.
test('progressive JPEG cut short: partial images, then EncodingError when the stream ends', async () => {
  const bytes = fs.readFileSync(PROGRESSIVE);
  const sos = scanStarts(bytes);
  const s = controlledStream();
  const d = new ImageDecoder({ data: s.stream, type: 'image/jpeg' });
  s.push(bytes.subarray(0, sos[3]));
  const r = await d.decode({ completeFramesOnly: false });
  assert.equal(r.complete, false);
  r.image.close();
  const waiting = d.decode({ completeFramesOnly: false });
  s.close();
  await assert.rejects(waiting, { name: 'EncodingError' });
  await assert.rejects(d.decode(), { name: 'InvalidStateError' });
  assert.equal(d.type, '');
});

test('a baseline JPEG is not progressive: completeFramesOnly:false still waits for the whole frame', async () => {
  const bytes = fs.readFileSync(path.join(__dirname, 'fixtures', 'cmyk.jpg'));
  const s = controlledStream();
  const d = new ImageDecoder({ data: s.stream, type: 'image/jpeg' });
  s.push(bytes.subarray(0, bytes.length - 2));
  const p = d.decode({ completeFramesOnly: false });
  assert.ok(await isPending(p));
  s.push(bytes.subarray(bytes.length - 2));
  const r = await p;
  assert.equal(r.complete, true);
  r.image.close();
  s.close();
  d.close();
});

test('animated WebP streamed in pieces: frameCount grows, complete/completed settle at the end', async () => {
  const file = generated('anim.webp');
  const bytes = fs.readFileSync(file);
  const s = controlledStream();
  const d = new ImageDecoder({ data: s.stream, type: 'image/webp' });
  // The first ANMF frame and part of the second.
  const anmf = [];
  for (let i = 0; i + 4 <= bytes.length; i++) if (bytes.toString('latin1', i, i + 4) === 'ANMF') anmf.push(i);
  assert.equal(anmf.length, 3);
  s.push(bytes.subarray(0, anmf[1] + 20));
  await d.tracks.ready;
  const track = d.tracks.selectedTrack;
  assert.equal(track.animated, true);
  assert.equal(track.frameCount, 1);
  const second = d.decode({ frameIndex: 1 });
  assert.ok(await isPending(second));
  s.push(bytes.subarray(anmf[1] + 20, anmf[2] + 20));
  const { image: f1 } = await second;
  assert.equal(track.frameCount, 2);
  f1.close();
  assert.equal(d.complete, false);
  const last = d.decode({ frameIndex: 2 });
  assert.ok(await isPending(last));
  s.push(bytes.subarray(anmf[2] + 20));
  const { image } = await last;
  assert.equal(track.frameCount, 3);
  const size = 64 * 48 * 4;
  // Lossless frames of the testsrc pattern.
  assert.equal(psnrRgba(await frameRgba(image), testsrcRgba(3).subarray(2 * size, 3 * size)), 99);
  image.close();
  s.close();
  await d.completed;
  assert.equal(d.complete, true);
  d.close();
});
