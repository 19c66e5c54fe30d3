'use strict';
// transformVideoSample, mediabunny's VideoSample transformer: resize, turn, mirror and crop
// without a canvas. Geometry without scaling is exact, so it is checked pixel for pixel against
// a reference written here; scaling is checked against FFmpeg's own scale filter (PSNR); and a
// mediabunny conversion that resizes goes through it end to end.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const webcodecs = require('../..');
const { VideoFrame, transformVideoSample } = webcodecs;
const { psnr } = require('../helpers');
const { muxFixture, inspect } = require('./media-check');

webcodecs.install({ overwrite: true });

let mb;
test.before(async () => {
  mb = await import('mediabunny');
  mb.registerVideoSampleTransformer(transformVideoSample);
});

// A W×H I420 frame whose every luma sample differs from its neighbours and whose chroma varies
// in both directions; `alpha` adds an alpha plane (I420A) with a pattern of its own.
function patternFrame(W, H, { alpha = false, timestamp = 1000 } = {}) {
  const [cw, ch] = [W / 2, H / 2];
  const planes = [
    Uint8Array.from({ length: W * H }, (_, i) => (i % W) * 3 + Math.floor(i / W) * 5 + ((i % W) * Math.floor(i / W)) % 7),
    Uint8Array.from({ length: cw * ch }, (_, i) => 40 + (i % cw) * 5 + Math.floor(i / cw) * 2),
    Uint8Array.from({ length: cw * ch }, (_, i) => 200 - (i % cw) * 2 - Math.floor(i / cw) * 4),
  ];
  if (alpha) planes.push(Uint8Array.from({ length: W * H }, (_, i) => (i * 13) & 255));
  const data = new Uint8Array(planes.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of planes) { data.set(p, o); o += p.length; }
  const frame = new VideoFrame(data, {
    format: alpha ? 'I420A' : 'I420', codedWidth: W, codedHeight: H, timestamp, duration: 40000,
    colorSpace: { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false },
  });
  return { frame, planes };
}

// The planes of an I420/I420A frame, each tightly packed.
async function planesOf(frame) {
  const buf = new Uint8Array(frame.allocationSize());
  const layout = await frame.copyTo(buf);
  const W = frame.codedWidth;
  const H = frame.codedHeight;
  const dims = [[W, H], [W / 2, H / 2], [W / 2, H / 2], [W, H]];
  return layout.map((l, p) => {
    const [w, h] = dims[p];
    const out = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) out.set(buf.subarray(l.offset + y * l.stride, l.offset + y * l.stride + w), y * w);
    return out;
  });
}

// Reference: plane `src` (w×h) turned clockwise by `rotation`, then mirrored when `flip`, and
// cropped to `crop` (in the turned picture, units of this plane).
function turnCrop(src, w, h, rotation, flip, crop) {
  const rw = rotation % 180 === 0 ? w : h;
  const out = new Uint8Array(crop.width * crop.height);
  for (let v = 0; v < crop.height; v++) {
    for (let u = 0; u < crop.width; u++) {
      let U = crop.left + u;
      const V = crop.top + v;
      if (flip) U = rw - 1 - U;
      const [x, y] = [[U, V], [V, h - 1 - U], [w - 1 - U, h - 1 - V], [w - 1 - V, U]][rotation / 90];
      out[v * crop.width + u] = src[y * w + x];
    }
  }
  return out;
}

async function transformed(frame, options) {
  const sample = new mb.VideoSample(frame.clone());
  const out = await sample.transform(options);
  sample.close();
  const f = out.toVideoFrame();
  out.close();
  return f;
}

test('turns, mirrors and crops without scaling: exactly the turned pixels, chroma with them', async () => {
  const { frame, planes } = patternFrame(64, 48);
  for (const rotate of [0, 90, 180, 270]) {
    for (const flip of [false, true]) {
      for (const crop of [undefined, { left: 8, top: 4, width: 24, height: 16 }]) {
        const f = await transformed(frame, { rotate, flip, crop });
        const [rw, rh] = rotate % 180 === 0 ? [64, 48] : [48, 64];
        const c = crop ?? { left: 0, top: 0, width: rw, height: rh };
        const what = `rotate ${rotate} flip ${flip} crop ${JSON.stringify(crop)}`;
        assert.deepEqual([f.format, f.codedWidth, f.codedHeight], ['I420', c.width, c.height], what);
        assert.equal(f.timestamp, 1000, 'the timestamp is kept');
        assert.deepEqual(f.colorSpace.toJSON(), frame.colorSpace.toJSON(), 'the colour space is kept');
        const [y, u, v] = await planesOf(f);
        assert.deepEqual(y, turnCrop(planes[0], 64, 48, rotate, flip, c), `luma, ${what}`);
        const half = { left: c.left / 2, top: c.top / 2, width: c.width / 2, height: c.height / 2 };
        assert.deepEqual(u, turnCrop(planes[1], 32, 24, rotate, flip, half), `U, ${what}`);
        assert.deepEqual(v, turnCrop(planes[2], 32, 24, rotate, flip, half), `V, ${what}`);
        f.close();
      }
    }
  }
  frame.close();
});

test('a frame\'s own rotation and flip come first, then the requested ones', async () => {
  const { frame, planes } = patternFrame(64, 48);
  for (const [own, ownFlip] of [[90, false], [90, true], [270, true], [180, true]]) {
    const turned = new VideoFrame(frame, { rotation: own, flip: ownFlip });
    for (const [rotate, flip] of [[0, false], [90, false], [90, true], [270, false]]) {
      const f = await transformed(turned, { rotate, flip });
      // The reference: the frame as it displays, then the requested turn and mirror.
      const [ow, oh] = own % 180 === 0 ? [64, 48] : [48, 64];
      const shown = turnCrop(planes[0], 64, 48, own, ownFlip, { left: 0, top: 0, width: ow, height: oh });
      const [rw, rh] = rotate % 180 === 0 ? [ow, oh] : [oh, ow];
      const want = turnCrop(shown, ow, oh, rotate, flip, { left: 0, top: 0, width: rw, height: rh });
      assert.deepEqual([f.codedWidth, f.codedHeight, f.rotation, f.flip], [rw, rh, 0, false]);
      const [y] = await planesOf(f);
      assert.deepEqual(y, want, `own ${own}/${ownFlip}, then ${rotate}/${flip}`);
      f.close();
    }
    turned.close();
  }
  frame.close();
});

test('contain letterboxes with black, cover cuts the overflow, both centred', async () => {
  const { frame, planes } = patternFrame(64, 48);
  // 64x48 contained in 64x64: the picture unscaled, 8 black rows above and below.
  let f = await transformed(frame, { width: 64, height: 64, fit: 'contain' });
  let [y, u] = await planesOf(f);
  for (let row = 0; row < 64; row++) {
    const got = y.subarray(row * 64, row * 64 + 64);
    if (row < 8 || row >= 56) assert.ok(got.every((s) => s === 16), `row ${row} is black`);
    else assert.deepEqual(got, planes[0].subarray((row - 8) * 64, (row - 7) * 64), `row ${row}`);
  }
  assert.ok(u.subarray(0, 4 * 32).every((s) => s === 128), 'black chroma');
  assert.deepEqual(u.subarray(4 * 32, 5 * 32), planes[1].subarray(0, 32));
  f.close();
  // 64x48 covering 48x48: columns 8 to 55, whole height.
  f = await transformed(frame, { width: 48, height: 48, fit: 'cover' });
  [y] = await planesOf(f);
  assert.deepEqual(y, turnCrop(planes[0], 64, 48, 0, false, { left: 8, top: 0, width: 48, height: 48 }));
  f.close();
  frame.close();
});

test('alpha: kept (I420A, turned with the picture) or discarded (I420)', async () => {
  const { frame, planes } = patternFrame(32, 16, { alpha: true });
  let f = await transformed(frame, { rotate: 90 });
  assert.equal(f.format, 'I420A');
  const [, , , a] = await planesOf(f);
  assert.deepEqual(a, turnCrop(planes[3], 32, 16, 90, false, { left: 0, top: 0, width: 16, height: 32 }));
  f.close();
  f = await transformed(frame, { rotate: 90, alpha: 'discard' });
  assert.equal(f.format, 'I420');
  f.close();
  frame.close();
});

test('scaling matches FFmpeg\'s scale filter (PSNR), for 4:2:0 and RGBA sources', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'webcodecs-transform-'));
  try {
    const src = path.join(tmp, 'src.rgb');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=1', '-frames:v', '1',
      '-pix_fmt', 'yuv420p', '-f', 'rawvideo', src]);
    const ref = execFileSync('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', '320x240', '-i', src,
      '-vf', 'scale=160:120:flags=bilinear', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-']).subarray(0, 160 * 120);
    const yuv = fs.readFileSync(src);
    const frame = new VideoFrame(yuv, { format: 'I420', codedWidth: 320, codedHeight: 240, timestamp: 0 });
    const f = await transformed(frame, { width: 160, height: 120, fit: 'fill' });
    const [y] = await planesOf(f);
    const db = psnr(y, ref);
    assert.ok(db > 40, `luma PSNR ${db.toFixed(1)} dB against FFmpeg's scale`);
    f.close();
    frame.close();
    // RGBA: a flat colour stays that colour (BT.709, limited range, then back to RGBA).
    const rgba = new Uint8Array(64 * 32 * 4);
    for (let i = 0; i < rgba.length; i += 4) rgba.set([200, 120, 40, 255], i);
    const rf = new VideoFrame(rgba, { format: 'RGBA', codedWidth: 64, codedHeight: 32, timestamp: 0 });
    const g = await transformed(rf, { width: 32, height: 16, fit: 'fill', alpha: 'discard' });
    assert.deepEqual([g.format, g.colorSpace.matrix, g.colorSpace.fullRange], ['I420', 'bt709', false]);
    const back = new Uint8Array(32 * 16 * 4);
    await g.copyTo(back, { format: 'RGBA' });
    [200, 120, 40].forEach((want, i) => assert.ok(Math.abs(back[8 * 32 * 4 + 16 * 4 + i] - want) <= 3, `channel ${i}: ${back[i]}`));
    g.close();
    rf.close();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('errors: a closed frame is InvalidStateError, an empty crop and a bad size TypeError', async () => {
  const { frame } = patternFrame(32, 16);
  const d = { width: 16, height: 8, fit: 'fill', rotation: 0, flip: false, alpha: 'keep' };
  const sample = { toVideoFrame: () => frame.clone(), constructor: mb.VideoSample, timestamp: 0, duration: 0 };
  await assert.rejects(transformVideoSample(sample, { ...d, crop: { left: 40, top: 0, width: 8, height: 8 } }), TypeError);
  await assert.rejects(transformVideoSample(sample, { ...d, width: 0 }), TypeError);
  await assert.rejects(transformVideoSample(sample, { ...d, rotation: 45 }), TypeError);
  await assert.rejects(transformVideoSample(sample, { ...d, width: 20000 }), TypeError);
  const closed = frame.clone();
  closed.close();
  await assert.rejects(transformVideoSample({ ...sample, toVideoFrame: () => closed }, d),
    (e) => e instanceof DOMException && e.name === 'InvalidStateError');
  // Not one of our frames: left to the next transformer (null).
  assert.equal(await transformVideoSample({ ...sample, toVideoFrame: () => ({ close() {} }) }, d), null);
  frame.close();
});

test('mediabunny converts an MP4 resizing it (contain, 160x90) through the transformer', async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'webcodecs-transform-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const input = muxFixture(tmp);
  const file = path.join(tmp, 'out.webm');
  const conversion = await mb.Conversion.init({
    input: new mb.Input({ source: new mb.FilePathSource(input), formats: mb.ALL_FORMATS }),
    output: new mb.Output({ format: new mb.WebMOutputFormat(), target: new mb.FilePathTarget(file) }),
    video: { codec: 'vp9', width: 160, height: 90, fit: 'contain', rotate: 90 },
    audio: { discard: true },
  });
  assert.equal(conversion.isValid, true);
  await conversion.execute();
  const out = await inspect(file);
  assert.deepEqual(out.tracks.map((x) => [x.type, x.codec, x.frames, x.size]), [['video', 'vp9', 10, [160, 90]]]);
});
