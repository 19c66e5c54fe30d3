'use strict';
// ImageDecoder output against the ffmpeg CLI's decode of the same files.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { ImageDecoder, VideoFrame } = require('../..');
const { fixture, ffmpegRgba, frameRgba, psnrRgba, maxAbsDiff, generated } = require('./helpers');

async function decodeFile(file, type, options = {}) {
  const d = new ImageDecoder({ data: fs.readFileSync(file), type, ...options });
  const r = await d.decode();
  return { d, r };
}

const STILLS = [
  // file, type, expected format, min PSNR against ffmpeg
  ['four-colors.jpg', 'image/jpeg', 'RGBX', 45],
  ['four-colors-limited-range-420-8bpc.jpg', 'image/jpeg', 'I420', 30],
  ['four-colors.png', 'image/png', 'RGBX', 99],
  ['pattern.png', 'image/png', 'RGBA', 99],
  ['four-colors.gif', 'image/gif', 'BGRA', 99],
  ['four-colors.webp', 'image/webp', 'RGBA', 99],
  ['four-colors-limited-range-420-8bpc.webp', 'image/webp', 'I420', 30],
  ['four-colors.avif', 'image/avif', 'RGBX', 99],
  ['four-colors-limited-range-420-8bpc.avif', 'image/avif', 'I420', 30],
  ['four-colors-limited-range-444-8bpc.avif', 'image/avif', 'I444', 30],
];

for (const [name, type, format, minPsnr] of STILLS) {
  test(`${name}: pixels match the ffmpeg CLI decode`, async () => {
    const file = fixture(name);
    const { d, r } = await decodeFile(file, type);
    assert.equal(r.complete, true);
    assert.ok(r.image instanceof VideoFrame);
    assert.equal(r.image.format, format);
    const ref = ffmpegRgba(file, ['-frames:v', '1']);
    const w = r.image.displayWidth;
    const h = r.image.displayHeight;
    assert.equal(ref.length, w * h * 4, 'size matches ffmpeg');
    assert.equal(r.image.timestamp, 0);
    const ours = await frameRgba(r.image);
    const p = psnrRgba(ours, ref, format.includes('A') && !format.startsWith('I'));
    assert.ok(p >= minPsnr, `PSNR ${p.toFixed(1)} dB < ${minPsnr}`);
    const track = d.tracks.selectedTrack;
    assert.equal(track.animated, false);
    assert.equal(track.frameCount, 1);
    assert.equal(track.repetitionCount, 0);
    r.image.close();
    d.close();
  });
}

test('colorSpace: sRGB for RGB output, the bitstream values for YUV output', async () => {
  let { d, r } = await decodeFile(fixture('four-colors.png'), 'image/png');
  assert.deepEqual(r.image.colorSpace.toJSON(),
    { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true });
  r.image.close();
  d.close();
  ({ d, r } = await decodeFile(fixture('four-colors-full-range-hlg-420-10bpc.avif'), 'image/avif'));
  assert.equal(r.image.format, 'I420P10');
  assert.deepEqual(r.image.colorSpace.toJSON(),
    { primaries: 'bt2020', transfer: 'hlg', matrix: 'bt2020-ncl', fullRange: true });
  r.image.close();
  d.close();
  ({ d, r } = await decodeFile(fixture('four-colors-limited-range-420-8bpc.avif'), 'image/avif'));
  assert.equal(r.image.colorSpace.fullRange, false);
  r.image.close();
  d.close();
});

test('10- and 12-bit AVIF decode to the P10/P12 formats', async () => {
  for (const [name, format] of [
    ['four-colors-full-range-hlg-422-10bpc.avif', 'I422P10'],
    ['four-colors-full-range-hlg-444-12bpc.avif', 'I444P12'],
    ['four-colors-full-range-hlg-420-12bpc.avif', 'I420P12'],
  ]) {
    const { d, r } = await decodeFile(fixture(name), 'image/avif');
    assert.equal(r.image.format, format, name);
    assert.equal(r.image.codedWidth, 320);
    r.image.close();
    d.close();
  }
});

test('BMP and ICO (BMP and PNG entries) match the ffmpeg CLI', async () => {
  for (const [name, type] of [['still.bmp', 'image/bmp'], ['still.ico', 'image/x-icon'], ['still-png.ico', 'image/vnd.microsoft.icon']]) {
    const file = generated(name);
    const { d, r } = await decodeFile(file, type);
    assert.equal(r.image.codedWidth, 64, name);
    assert.equal(r.image.codedHeight, 48, name);
    const ref = ffmpegRgba(name.endsWith('.ico') ? generated('still.bmp') : file, ['-frames:v', '1']);
    const ours = await frameRgba(r.image);
    assert.ok(maxAbsDiff(ours, ref) <= 1, `${name}: max diff ${maxAbsDiff(ours, ref)}`);
    r.image.close();
    d.close();
  }
});

test('desiredWidth/desiredHeight scale the output', async () => {
  const file = fixture('four-colors.png');
  const { d, r } = await decodeFile(file, 'image/png', { desiredWidth: 160, desiredHeight: 120 });
  assert.equal(r.image.codedWidth, 160);
  assert.equal(r.image.codedHeight, 120);
  const ref = ffmpegRgba(file, ['-vf', 'scale=160:120:flags=bicubic']);
  const p = psnrRgba(await frameRgba(r.image), ref);
  assert.ok(p > 30, `PSNR ${p}`);
  r.image.close();
  d.close();
});

test('decoding the same frame twice gives two independent frames', async () => {
  const d = new ImageDecoder({ data: fs.readFileSync(fixture('four-colors.jpg')), type: 'image/jpeg' });
  const [a, b] = await Promise.all([d.decode(), d.decode({ frameIndex: 0 })]);
  a.image.close();
  const buf = await frameRgba(b.image);
  assert.deepEqual([...buf.subarray(0, 4)], [255, 255, 0, 255]);
  b.image.close();
  d.close();
});

// four-colors.jpg with an EXIF APP1 segment (big-endian TIFF, IFD0 Orientation) after SOI.
function withOrientation(jpeg, o) {
  const tiff = Buffer.alloc(26);
  tiff.write('MM\0*', 0, 'latin1');
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(0x0112, 10);
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(o, 18);
  const seg = Buffer.concat([Buffer.from([0xff, 0xe1, 0, 0]), Buffer.from('Exif\0\0', 'latin1'), tiff]);
  seg.writeUInt16BE(seg.length - 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), seg, jpeg.subarray(2)]);
}

test('JPEG EXIF orientation becomes VideoFrame rotation and flip', async () => {
  const jpeg = fs.readFileSync(fixture('four-colors.jpg'));
  const expected = { 1: [0, false], 2: [0, true], 3: [180, false], 4: [180, true], 5: [90, true], 6: [90, false], 7: [270, true], 8: [270, false] };
  for (const [o, [rotation, flip]] of Object.entries(expected)) {
    const d = new ImageDecoder({ data: withOrientation(jpeg, Number(o)), type: 'image/jpeg' });
    const { image } = await d.decode();
    assert.equal(image.rotation, rotation, `orientation ${o}`);
    assert.equal(image.flip, flip, `orientation ${o}`);
    const swap = rotation === 90 || rotation === 270;
    assert.equal(image.displayWidth, swap ? 240 : 320);
    image.close();
    d.close();
  }
});
