'use strict';
// colorSpaceConversion ("default" | "none") and the colour space tagged on decoded images.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const zlib = require('node:zlib');
const path = require('node:path');
const { ImageDecoder } = require('../..');
const { fixture, ffmpegRgba, frameRgba, psnrRgba } = require('./helpers');

const SRGB = { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'rgb', fullRange: true };

async function decodeRgba(data, type, colorSpaceConversion) {
  const d = new ImageDecoder({ data, type, colorSpaceConversion });
  const { image } = await d.decode();
  const out = { rgba: await frameRgba(image), colorSpace: image.colorSpace.toJSON(), format: image.format };
  image.close();
  d.close();
  return out;
}

function chunk(type, body) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  const tb = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(tb));
  return Buffer.concat([len, tb, crc]);
}

// pattern.png (RGBA gradients) without its colour chunks, plus `extra` (a PNG chunk) right
// after IHDR.
function patternPngWith(extra) {
  const src = fs.readFileSync(fixture('pattern.png'));
  const parts = [src.subarray(0, 8)];
  for (let p = 8; p < src.length;) {
    const len = src.readUInt32BE(p);
    const type = src.toString('latin1', p + 4, p + 8);
    if (!['sRGB', 'gAMA', 'iCCP', 'cHRM'].includes(type)) parts.push(src.subarray(p, p + 12 + len));
    if (type === 'IHDR') parts.push(extra);
    p += 12 + len;
  }
  return Buffer.concat(parts);
}

// pattern.png with a gAMA chunk of `gamma` (× 100000) as its only colour chunk.
function pngWithGamma(gamma) {
  const g = Buffer.alloc(4);
  g.writeUInt32BE(gamma);
  return patternPngWith(chunk('gAMA', g));
}

function srgbEncode(linear) {
  const v = linear <= 0.0031308 ? 12.92 * linear : 1.055 * linear ** (1 / 2.4) - 0.055;
  return Math.round(v * 255);
}

// An ICC v2 display profile of `colorSpace` ('RGB ' or 'GRAY') with PCS XYZ, D50 white and
// `tags` ([signature, body] pairs).
function iccFromTags(colorSpace, tags) {
  let off = 128 + 4 + 12 * tags.length;
  const table = Buffer.alloc(4 + 12 * tags.length);
  table.writeUInt32BE(tags.length, 0);
  const bodies = [];
  tags.forEach(([sig, body], i) => {
    table.write(sig, 4 + 12 * i, 'latin1');
    table.writeUInt32BE(off, 8 + 12 * i);
    table.writeUInt32BE(body.length, 12 + 12 * i);
    const padded = Buffer.alloc((body.length + 3) & ~3);
    body.copy(padded);
    bodies.push(padded);
    off += padded.length;
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(off, 0);
  header.writeUInt32BE(0x02100000, 8);
  header.write(`mntr${colorSpace}XYZ `, 12, 'latin1');
  header.write('acsp', 36, 'latin1');
  [0.9642, 1, 0.8249].forEach((v, i) => header.writeInt32BE(Math.round(v * 65536), 68 + 4 * i));
  return Buffer.concat([header, table, ...bodies]);
}

const xyzTag = (v) => {
  const b = Buffer.alloc(20);
  b.write('XYZ ', 0, 'latin1');
  v.forEach((x, i) => b.writeInt32BE(Math.round(x * 65536), 8 + 4 * i));
  return b;
};
const D50 = [0.9642, 1, 0.8249];

// A tone curve tag: a gamma (`{ gamma }`) or the sRGB parametric curve (`'srgb'`).
function curveTag(trc) {
  if (trc === 'srgb') {
    const b = Buffer.alloc(32);
    b.write('para', 0, 'latin1');
    b.writeUInt16BE(3, 8);
    [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045].forEach((v, i) => b.writeInt32BE(Math.round(v * 65536), 12 + 4 * i));
    return b;
  }
  const b = Buffer.alloc(16);
  b.write('curv', 0, 'latin1');
  b.writeUInt32BE(1, 8);
  b.writeUInt16BE(Math.round(trc.gamma * 256), 12);
  return b;
}

// A matrix/TRC RGB profile: D50 colorants `cols` (r, g, b XYZ) and one curve for every channel.
function iccProfile(cols, trc) {
  return iccFromTags('RGB ', [['wtpt', xyzTag(D50)], ['rXYZ', xyzTag(cols[0])], ['gXYZ', xyzTag(cols[1])],
    ['bXYZ', xyzTag(cols[2])], ['rTRC', curveTag(trc)], ['gTRC', curveTag(trc)], ['bTRC', curveTag(trc)]]);
}

const SRGB_COLS = [[0.43607, 0.22249, 0.01393], [0.38515, 0.71687, 0.09710], [0.14307, 0.06061, 0.71419]];
const P3_COLS = [[0.51512, 0.24120, -0.00105], [0.29198, 0.69225, 0.04189], [0.15710, 0.06657, 0.78407]];

// pattern.png with an iCCP chunk holding `icc` as its only colour chunk.
function pngWithIcc(icc) {
  return patternPngWith(chunk('iCCP', Buffer.concat([Buffer.from('test\0\0', 'latin1'), zlib.deflateSync(icc)])));
}

// `jpeg` with an APP2 ICC_PROFILE segment holding `icc` right after SOI.
function jpegWithIcc(jpeg, icc) {
  const body = Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), icc]);
  const head = Buffer.from([0xff, 0xe2, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)]);
}

const srgbDecode = (v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);

// An RGB profile whose only transform is an A2B0 lut16 (mft2) table: the input tables undo the
// sRGB curve and the 9x9x9 grid holds the D50 XYZ of the sRGB colour (g, r, b). It describes
// sRGB with red and green swapped, so converting to sRGB swaps them.
function lutProfileSwappingRedGreen() {
  const n = 256;
  const g = 9;
  const head = Buffer.alloc(52);
  head.write('mft2', 0, 'latin1');
  head[8] = 3;
  head[9] = 3;
  head[10] = g;
  for (let i = 0; i < 3; i++) head.writeInt32BE(65536, 12 + 16 * i); // identity matrix
  head.writeUInt16BE(n, 48);
  head.writeUInt16BE(2, 50);
  const input = Buffer.alloc(2 * 3 * n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) input.writeUInt16BE(Math.round(srgbDecode(i / (n - 1)) * 65535), 2 * (c * n + i));
  }
  const grid = Buffer.alloc(2 * 3 * g ** 3);
  let o = 0;
  for (let r = 0; r < g; r++) {
    for (let gr = 0; gr < g; gr++) {
      for (let b = 0; b < g; b++) {
        const rgb = [gr / (g - 1), r / (g - 1), b / (g - 1)];
        for (let k = 0; k < 3; k++) {
          const v = SRGB_COLS[0][k] * rgb[0] + SRGB_COLS[1][k] * rgb[1] + SRGB_COLS[2][k] * rgb[2];
          grid.writeUInt16BE(Math.min(65535, Math.round(v * 32768)), o);
          o += 2;
        }
      }
    }
  }
  const output = Buffer.alloc(2 * 3 * 2);
  for (let c = 0; c < 3; c++) output.writeUInt16BE(65535, 2 * (2 * c + 1));
  return iccFromTags('RGB ', [['wtpt', xyzTag(D50)], ['A2B0', Buffer.concat([head, input, grid, output])]]);
}

test('colorSpaceConversion must be "default" or "none"', () => {
  const data = fs.readFileSync(fixture('four-colors.png'));
  for (const bad of ['srgb', 'None', '', 'display-p3']) {
    assert.throws(() => new ImageDecoder({ data, type: 'image/png', colorSpaceConversion: bad }), TypeError);
  }
  for (const ok of ['default', 'none', undefined]) {
    new ImageDecoder({ data, type: 'image/png', colorSpaceConversion: ok }).close();
  }
});

test('PNG with gAMA 1.0 (linear): "default" re-encodes to sRGB, "none" keeps the samples and tags linear', async () => {
  const png = pngWithGamma(100000);
  const raw = ffmpegRgba(fixture('pattern.png')); // the samples, whatever the tags say
  const none = await decodeRgba(png, 'image/png', 'none');
  assert.equal(psnrRgba(none.rgba, raw, true), 99);
  assert.equal(none.colorSpace.transfer, 'linear');
  const def = await decodeRgba(png, 'image/png', 'default');
  assert.deepEqual(def.colorSpace, SRGB);
  let changed = 0;
  for (let i = 0; i < raw.length; i++) {
    const want = i % 4 === 3 ? raw[i] : srgbEncode(raw[i] / 255);
    assert.ok(Math.abs(def.rgba[i] - want) <= 1, `byte ${i}: ${def.rgba[i]} vs ${want}`);
    if (def.rgba[i] !== raw[i]) changed++;
  }
  assert.ok(changed > raw.length / 8, 'the conversion changed the picture');
  // Omitting the member means "default".
  const implicit = await decodeRgba(png, 'image/png', undefined);
  assert.equal(psnrRgba(implicit.rgba, def.rgba, true), 99);
});

test('PNG tagged sRGB: "default" and "none" give the same sRGB pixels', async () => {
  const data = fs.readFileSync(fixture('four-colors.png'));
  const def = await decodeRgba(data, 'image/png', 'default');
  const none = await decodeRgba(data, 'image/png', 'none');
  assert.equal(psnrRgba(def.rgba, none.rgba, true), 99);
  assert.deepEqual(def.colorSpace, SRGB);
  assert.deepEqual(none.colorSpace, SRGB);
});

test('tagged colour spaces: JPEG full-range BT.601 YUV, PNG/GIF sRGB, WebP limited-range BT.601', async () => {
  const cases = [
    [fixture('four-colors-limited-range-420-8bpc.jpg'), 'image/jpeg', 'I420',
      { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'bt470bg', fullRange: true }],
    [path.join(__dirname, 'fixtures', 'progressive.jpg'), 'image/jpeg', 'I420',
      { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'bt470bg', fullRange: true }],
    [fixture('four-colors.gif'), 'image/gif', 'BGRA', SRGB],
    [fixture('pattern.png'), 'image/png', 'RGBA', SRGB],
    [fixture('four-colors-limited-range-420-8bpc.webp'), 'image/webp', 'I420',
      { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'bt470bg', fullRange: false }],
  ];
  for (const [file, type, format, cs] of cases) {
    for (const conv of ['default', 'none']) {
      const r = await decodeRgba(fs.readFileSync(file), type, conv);
      assert.equal(r.format, format, file);
      assert.deepEqual(r.colorSpace, cs, `${file} ${conv}`);
      // The tags are what the pixels need: converting with them matches the ffmpeg CLI.
      assert.ok(psnrRgba(r.rgba, ffmpegRgba(file, ['-frames:v', '1'])) > 30, file);
    }
  }
});

test('PNG with a linear ICC profile (iCCP): "default" converts to sRGB, "none" keeps the samples', async () => {
  const png = pngWithIcc(iccProfile(SRGB_COLS, { gamma: 1 }));
  const raw = ffmpegRgba(fixture('pattern.png'));
  const none = await decodeRgba(png, 'image/png', 'none');
  assert.equal(psnrRgba(none.rgba, raw, true), 99);
  const def = await decodeRgba(png, 'image/png', 'default');
  assert.deepEqual(def.colorSpace, SRGB);
  for (let i = 0; i < raw.length; i++) {
    const want = i % 4 === 3 ? raw[i] : srgbEncode(raw[i] / 255);
    assert.ok(Math.abs(def.rgba[i] - want) <= 1, `byte ${i}: ${def.rgba[i]} vs ${want}`);
  }
  // An sRGB profile changes nothing.
  const same = await decodeRgba(pngWithIcc(iccProfile(SRGB_COLS, 'srgb')), 'image/png', 'default');
  assert.ok(psnrRgba(same.rgba, raw, true) > 50);
});

test('JPEG with a Display P3 ICC profile (APP2): "default" gives sRGB RGBX, "none" the YUV as coded', async () => {
  // The gradients of our 4:2:0 fixture (the WPT four-colors images are pure colours, which
  // clip to the same values in both spaces).
  const src = fs.readFileSync(path.join(__dirname, 'fixtures', 'progressive.jpg'));
  const jpeg = jpegWithIcc(src, iccProfile(P3_COLS, 'srgb'));
  const none = await decodeRgba(jpeg, 'image/jpeg', 'none');
  assert.equal(none.format, 'I420');
  const def = await decodeRgba(jpeg, 'image/jpeg', 'default');
  assert.equal(def.format, 'RGBX');
  assert.deepEqual(def.colorSpace, SRGB);
  // The usual linear Display P3 → linear sRGB matrix.
  const M = [[1.2249, -0.2247, 0], [-0.0420, 1.0419, 0], [-0.0197, -0.0786, 1.0979]];
  // The two decodes upsample the 4:2:0 chroma differently (visible only at the pattern's
  // sharp chroma edges), so compare the bulk of the pixels.
  let close = 0;
  let n = 0;
  for (let i = 0; i < none.rgba.length; i += 4) {
    const lin = [0, 1, 2].map((c) => srgbDecode(none.rgba[i + c] / 255));
    for (let r = 0; r < 3; r++) {
      const v = Math.min(1, Math.max(0, M[r][0] * lin[0] + M[r][1] * lin[1] + M[r][2] * lin[2]));
      if (Math.abs(def.rgba[i + r] - srgbEncode(v)) <= 3) close++;
      n++;
    }
  }
  assert.ok(close / n > 0.97, `${((100 * close) / n).toFixed(1)}% of samples within 3`);
  // The conversion is visible: P3 colours are more saturated than the same numbers in sRGB.
  const p = psnrRgba(def.rgba, none.rgba);
  assert.ok(p < 35, `default vs none PSNR ${p.toFixed(1)} dB`);
});

test('PNG with a LUT-based (lut16) ICC profile: "default" converts through its table', async () => {
  const png = pngWithIcc(lutProfileSwappingRedGreen());
  const raw = ffmpegRgba(fixture('pattern.png'));
  const none = await decodeRgba(png, 'image/png', 'none');
  assert.equal(psnrRgba(none.rgba, raw, true), 99);
  const def = await decodeRgba(png, 'image/png', 'default');
  assert.deepEqual(def.colorSpace, SRGB);
  let close = 0;
  let swapped = 0;
  for (let i = 0; i < raw.length; i += 4) {
    const want = [raw[i + 1], raw[i], raw[i + 2]];
    if (want.every((v, c) => Math.abs(def.rgba[i + c] - v) <= 2)) close++;
    if (raw[i] !== raw[i + 1]) swapped++;
    assert.equal(def.rgba[i + 3], raw[i + 3], 'alpha is kept');
  }
  assert.ok(close / (raw.length / 4) > 0.99, `${((400 * close) / raw.length).toFixed(1)}% of pixels within 2`);
  assert.ok(swapped > raw.length / 16, 'the pattern has pixels whose red and green differ');
});

test('JPEG with a grey ICC profile (linear): "default" converts to sRGB, "none" keeps the grey', async () => {
  const { execFileSync } = require('node:child_process');
  const grey = execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48', '-frames:v', '1',
    '-pix_fmt', 'gray', '-f', 'mjpeg', '-']);
  const icc = iccFromTags('GRAY', [['wtpt', xyzTag(D50)], ['kTRC', curveTag({ gamma: 1 })]]);
  const jpeg = jpegWithIcc(grey, icc);
  const none = await decodeRgba(jpeg, 'image/jpeg', 'none');
  const def = await decodeRgba(jpeg, 'image/jpeg', 'default');
  assert.deepEqual(def.colorSpace, SRGB);
  let changed = 0;
  for (let i = 0; i < none.rgba.length; i += 4) {
    const want = srgbEncode(none.rgba[i] / 255);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(def.rgba[i + c] - want) <= 2, `pixel ${i / 4}: ${def.rgba[i + c]} vs ${want}`);
    if (def.rgba[i] !== none.rgba[i]) changed++;
  }
  assert.ok(changed > none.rgba.length / 16, 'the conversion changed the picture');
});
