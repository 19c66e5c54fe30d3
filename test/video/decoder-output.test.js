'use strict';
// What a VideoDecoder's configuration says about its output frames (the spec's "Output
// VideoFrames"): rotation and flip, the display size of displayAspectWidth/Height, and colour
// space members that override the bitstream's. Each frame carries the configuration it was
// decoded under, also when configure() was called again before it came out.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoDecoder, VideoEncoder, VideoFrame } = require('../..');
const { encodeFrames } = require('../helpers');

const CFG = { codec: 'vp8', width: 64, height: 48 };

async function decodeWith(configs, chunks) {
  const frames = [];
  const dec = new VideoDecoder({ output: (f) => frames.push(f), error: (e) => assert.fail(e.message) });
  for (const config of configs) {
    dec.configure(config);
    for (const c of chunks) dec.decode(c);
  }
  await dec.flush();
  dec.close();
  return frames;
}

const summary = (f) => ({
  rotation: f.rotation, flip: f.flip, displayWidth: f.displayWidth, displayHeight: f.displayHeight,
  colorSpace: f.colorSpace.toJSON(),
});

test('rotation, flip, display aspect and colour space of the config reach every frame', async () => {
  const { chunks, metas } = await encodeFrames(CFG, 3);
  // The encoder's decoderConfig names a colour space (and an aspect ratio); leave them out to
  // see the bitstream's.
  const { colorSpace, displayAspectWidth, displayAspectHeight, ...base } = metas[0].decoderConfig;
  assert.ok(colorSpace);
  const [plain] = await decodeWith([base], chunks.slice(0, 1));
  const bitstream = plain.colorSpace.toJSON();
  plain.close();
  const frames = await decodeWith([{
    ...base, rotation: 90, flip: true, displayAspectWidth: 16, displayAspectHeight: 9,
    colorSpace: { matrix: 'smpte170m' },
  }], chunks);
  assert.equal(frames.length, 3);
  for (const f of frames) {
    // 64x48 is 4:3; at 16:9 the width grows to 85 (no dimension shrinks).
    assert.deepEqual(summary(f), {
      rotation: 90, flip: true, displayWidth: 85, displayHeight: 48, colorSpace: { ...bitstream, matrix: 'smpte170m' },
    });
    assert.deepEqual([f.codedWidth, f.codedHeight, f.visibleRect.width, f.visibleRect.height], [64, 48, 64, 48]);
    f.close();
  }
  // Without an aspect ratio a quarter rotation swaps the display size; rotations snap to 90°.
  const turned = await decodeWith([{ ...base, rotation: 280 }], chunks.slice(0, 1));
  assert.deepEqual(summary(turned[0]), {
    rotation: 270, flip: false, displayWidth: 48, displayHeight: 64, colorSpace: bitstream,
  });
  turned[0].close();
});

test('frames keep the configuration they were decoded under across a configure()', async () => {
  const { chunks, metas } = await encodeFrames(CFG, 4);
  const base = metas[0].decoderConfig;
  const frames = await decodeWith([{ ...base, rotation: 180 }, { ...base, flip: true }], chunks);
  assert.equal(frames.length, 8);
  assert.deepEqual(frames.map((f) => [f.rotation, f.flip]), [
    [180, false], [180, false], [180, false], [180, false], [0, true], [0, true], [0, true], [0, true]]);
  frames.forEach((f) => f.close());
});

test('a decoded frame re-encodes with its own orientation, taken from its native handle', async () => {
  const { chunks, metas } = await encodeFrames(CFG, 1);
  const [frame] = await decodeWith([{ ...metas[0].decoderConfig, rotation: 90 }], chunks);
  let decoderConfig;
  const enc = new VideoEncoder({ output: (c, m) => { decoderConfig = m.decoderConfig ?? decoderConfig; }, error: assert.fail });
  enc.configure(CFG);
  enc.encode(frame);
  // A frame without the rotation is refused while the first one's orientation is active.
  const upright = new VideoFrame(frame, { rotation: 270 });
  assert.equal(upright.rotation, 0);
  assert.throws(() => enc.encode(upright), { name: 'DataError' });
  await enc.flush();
  enc.close();
  frame.close();
  upright.close();
  assert.deepEqual([decoderConfig.rotation, decoderConfig.flip], [90, false]);
});
