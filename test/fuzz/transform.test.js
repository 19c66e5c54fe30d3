'use strict';
// transformVideoSample fuzzing (fixed seed): every pixel format and size, any turn, mirror,
// crop, fit and canvas, sensible or not, and a frame's own rotation and flip → a frame of the
// canvas size, or a TypeError; never another error, a crash or a read past a buffer (the
// native side checks the geometry again). The native call itself gets arbitrary numbers too.
const test = require('node:test');
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { VideoFrame, transformVideoSample } = require('../..');
const native = require('../../lib/native');
const { frameNative, PIXEL_FORMATS } = require('../../lib/video-frame');

const ALPHA = (f) => /^I4\d\dA/.test(f) || f === 'RGBA' || f === 'BGRA';

function frameOf(format, w, h, rotation, flip) {
  // Four bytes per sample of every plane is more than any format needs.
  return new VideoFrame(new Uint8Array(w * h * 16).map((_, i) => i * 31), {
    format, codedWidth: w, codedHeight: h, timestamp: 5, rotation, flip,
  });
}

// Mostly sensible values, now and then a bad one.
const mostly = (good, bad) => fc.oneof({ arbitrary: good, weight: 9 }, { arbitrary: bad, weight: 1 });
const side = mostly(fc.integer({ min: 1, max: 48 }), fc.constantFrom(0, -1, 0.5, 2 ** 32, NaN));
const description = fc.record({
  width: side,
  height: side,
  fit: mostly(fc.constantFrom('fill', 'contain', 'cover'), fc.constant('bogus')),
  rotation: mostly(fc.constantFrom(0, 90, 180, 270), fc.constant(45)),
  flip: fc.boolean(),
  crop: fc.option(mostly(
    fc.record({
      left: fc.integer({ min: 0, max: 16 }), top: fc.integer({ min: 0, max: 16 }),
      width: fc.integer({ min: 1, max: 40 }), height: fc.integer({ min: 1, max: 40 }),
    }),
    fc.record({
      left: fc.integer({ min: -4, max: 60 }), top: fc.integer({ min: -4, max: 60 }),
      width: fc.integer({ min: 0, max: 70 }), height: fc.integer({ min: 0, max: 70 }),
    }),
  ), { nil: undefined }),
  alpha: fc.constantFrom('keep', 'discard'),
});

test('transformVideoSample: a frame of the canvas size or a TypeError, for any input', { timeout: 120_000 }, async () => {
  let made = 0;
  await fc.assert(fc.asyncProperty(
    fc.constantFrom(...PIXEL_FORMATS), mostly(fc.integer({ min: 1, max: 20 }).map((n) => 2 * n), fc.integer({ min: 1, max: 40 })),
    mostly(fc.integer({ min: 1, max: 20 }).map((n) => 2 * n), fc.integer({ min: 1, max: 40 })),
    fc.constantFrom(0, 90, 180, 270), fc.boolean(), description,
    async (format, w, h, rotation, flip, d) => {
      let frame;
      try {
        frame = frameOf(format, w, h, rotation, flip);
      } catch (e) {
        assert.ok(e instanceof TypeError, `${format} ${w}x${h}: ${e}`); // odd size of a subsampled format
        return;
      }
      const sample = { toVideoFrame: () => frame.clone(), timestamp: 0, duration: 0, constructor: class { constructor(f) { this.frame = f; } } };
      try {
        const out = await transformVideoSample(sample, d);
        made++;
        assert.deepEqual([out.frame.codedWidth, out.frame.codedHeight], [d.width, d.height]);
        assert.equal(out.frame.format, d.alpha === 'keep' && ALPHA(format) ? 'I420A' : 'I420');
        assert.equal(out.frame.timestamp, 5);
        // The pixels are readable to the end.
        await out.frame.copyTo(new Uint8Array(out.frame.allocationSize()));
        out.frame.close();
      } catch (e) {
        assert.ok(e instanceof TypeError, `${format} ${w}x${h} ${JSON.stringify(d)}: ${e && e.stack}`);
        // Only a description that is itself bad may be refused.
        const [dw, dh] = d.rotation % 180 === 0 ? [frame.displayWidth, frame.displayHeight] : [frame.displayHeight, frame.displayWidth];
        const c = d.crop ?? { left: 0, top: 0, width: dw, height: dh };
        const cropEmpty = Math.min(c.width, dw - Math.max(0, c.left)) <= 0 || Math.min(c.height, dh - Math.max(0, c.top)) <= 0
          || c.left >= dw || c.top >= dh;
        const bad = ![d.width, d.height].every((n) => Number.isInteger(n) && n > 0 && n <= 16384)
          || !['fill', 'contain', 'cover'].includes(d.fit) || ![0, 90, 180, 270].includes(d.rotation) || cropEmpty;
        assert.ok(bad, `a sensible transform was refused: ${format} ${w}x${h} own ${rotation}/${flip} ${JSON.stringify(d)}: ${e.message}`);
      } finally {
        frame.close();
      }
    },
  ), { seed: 20261208, numRuns: 1500 });
  assert.ok(made > 500, `only ${made} transforms made`);
});

test('frameTransform (native) with arbitrary numbers: a frame or a TypeError', { timeout: 60_000 }, async () => {
  const n = fc.oneof(fc.integer({ min: 0, max: 70 }), fc.constantFrom(-1, 2 ** 32 - 1, 2 ** 40, NaN, Infinity, 16385));
  await fc.assert(fc.asyncProperty(
    fc.constantFrom(...PIXEL_FORMATS), fc.array(n, { minLength: 11, maxLength: 11 }), fc.boolean(), fc.boolean(), fc.boolean(),
    async (format, [x, y, w, h, sw, sh, rot, cw, ch, px, py], flip, alpha, full) => {
      const frame = frameOf(format, 32, 24, 0, false);
      try {
        const handle = await native.frameTransform(frameNative(frame), x, y, w, h, sw, sh, rot, flip, cw, ch, px, py, alpha, full);
        assert.equal(typeof handle, 'object');
      } catch (e) {
        assert.ok(e instanceof TypeError, String(e));
      } finally {
        frame.close();
      }
    },
  ), { seed: 77, numRuns: 3000 });
});
