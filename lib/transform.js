'use strict';
// transformVideoSample: a VideoSample transformer for mediabunny
// (`registerVideoSampleTransformer(transformVideoSample)`). mediabunny resizes, rotates, flips
// and crops frames (`VideoSample.transform()`, and its conversions with `video.width`,
// `height`, `fit`, `rotate`, `crop`) by drawing them on a canvas, which Node lacks; this does
// the same drawing natively, off the JS thread (crates/codec-ffmpeg/src/transform.rs), and
// returns an I420 (or I420A) sample of the canvas size.
//
// The geometry follows mediabunny's canvas drawing: the picture in square pixels (the frame's
// display size) is turned clockwise by `rotation`, then mirrored when `flip`; `crop` is a rect
// of that turned picture; the crop is drawn into a `width`×`height` canvas stretched ('fill'),
// whole and centred with black bars ('contain'), or filling it, centred, its overflow cut
// ('cover').
const native = require('./native');
const { VideoFrame, createFrame, frameNative, chromaSubsampling, RGB, OPAQUE } = require('./video-frame');

// What the canvas draws, in the native transform's terms: the rect of the frame's buffer read,
// the size it is scaled to before the turn, and where the turned image goes on the canvas.
function plan(frame, d) {
  if (![0, 90, 180, 270].includes(d.rotation ?? 0)) throw new TypeError('rotation must be 0, 90, 180 or 270');
  // A frame's own rotation and flip come first (they are how it displays; mediabunny's
  // geometry starts from the displayed picture): turning by r1, mirroring when f1, then by the
  // description's r2 and f2 is one turn by r1 ± r2 (minus when f1), mirrored when f1 ≠ f2.
  const [r1, f1] = [frame.rotation, frame.flip];
  const rotation = (r1 + (f1 ? 360 - (d.rotation ?? 0) : d.rotation ?? 0)) % 360;
  const flip = f1 !== Boolean(d.flip);
  const canvas = [d.width, d.height];
  if (!canvas.every((n) => Number.isInteger(n) && n > 0)) {
    throw new TypeError('width and height must be positive integers');
  }
  const [W, H] = canvas;
  const v = frame.visibleRect;
  // The upright picture in square pixels (the display size before the frame's own turn).
  const [dw, dh] = r1 % 180 === 0 ? [frame.displayWidth, frame.displayHeight] : [frame.displayHeight, frame.displayWidth];
  const [rw, rh] = rotation % 180 === 0 ? [dw, dh] : [dh, dw];
  // The crop, in the turned picture's square pixels, clamped to it.
  const crop = d.crop ?? { left: 0, top: 0, width: rw, height: rh };
  const cx = Math.min(Math.max(0, crop.left), rw);
  const cy = Math.min(Math.max(0, crop.top), rh);
  const cw = Math.min(crop.width, rw - cx);
  const ch = Math.min(crop.height, rh - cy);
  if (!(cw > 0 && ch > 0)) throw new TypeError('the crop is empty');
  // g: the part of the crop drawn; dest: where on the canvas.
  let g = { x: cx, y: cy, w: cw, h: ch };
  let dest = { x: 0, y: 0, w: W, h: H };
  if (d.fit === 'contain') {
    const s = Math.min(W / cw, H / ch);
    const w = Math.min(W, Math.max(1, Math.round(cw * s)));
    const h = Math.min(H, Math.max(1, Math.round(ch * s)));
    // Even offsets keep the chroma samples with their luma.
    dest = { x: ((W - w) >> 1) & ~1, y: ((H - h) >> 1) & ~1, w, h };
  } else if (d.fit === 'cover') {
    const s = Math.max(W / cw, H / ch);
    const [gw, gh] = [W / s, H / s];
    g = { x: cx + (cw - gw) / 2, y: cy + (ch - gh) / 2, w: gw, h: gh };
  } else if (d.fit !== undefined && d.fit !== 'fill') {
    throw new TypeError('fit must be "fill", "contain" or "cover"');
  }
  // Undo the mirror, then the turn: the region in the upright picture (dw × dh).
  if (flip) g = { ...g, x: rw - g.x - g.w };
  const u = [
    g,
    { x: g.y, y: dh - g.x - g.w, w: g.h, h: g.w },
    { x: dw - g.x - g.w, y: dh - g.y - g.h, w: g.w, h: g.h },
    { x: dw - g.y - g.h, y: g.x, w: g.h, h: g.w },
  ][rotation / 90];
  // Into the frame's own pixels (its visible rect), widened to the chroma grid.
  const [sx, sy] = chromaSubsampling(frame.format);
  const axis = (start, length, scale, grid, visible, room) => {
    const a = Math.floor(Math.max(0, Math.round(start * scale)) / grid) * grid;
    let b = Math.min(room, Math.ceil(Math.min(visible, Math.round((start + length) * scale)) / grid) * grid);
    if (b <= a) b = Math.min(room, a + grid);
    return [a, b - a];
  };
  const [x0, sw] = axis(u.x, u.w, v.width / dw, sx, v.width, frame.codedWidth - v.x);
  const [y0, sh] = axis(u.y, u.h, v.height / dh, sy, v.height, frame.codedHeight - v.y);
  return {
    source: [v.x + x0, v.y + y0, sw, sh],
    scaled: rotation % 180 === 0 ? [dest.w, dest.h] : [dest.h, dest.w],
    rotation,
    flip,
    canvas,
    at: [dest.x, dest.y],
  };
}

// `frame` transformed as `description` says (mediabunny's VideoSampleTransformationDescription:
// width, height, fit, rotation, flip, crop, alpha) into a new VideoFrame; `frame` stays open.
async function transformFrame(frame, description) {
  if (frame.format === null) throw new DOMException('VideoFrame is closed', 'InvalidStateError');
  const p = plan(frame, description);
  const keepAlpha = description.alpha !== 'discard';
  const cs = RGB.has(frame.format)
    ? { primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'bt709', fullRange: false }
    : frame.colorSpace.toJSON();
  const handle = await native.frameTransform(frameNative(frame), ...p.source, ...p.scaled, p.rotation, p.flip,
    ...p.canvas, ...p.at, keepAlpha, cs.fullRange === true);
  return createFrame(handle, {
    format: keepAlpha && Object.hasOwn(OPAQUE, frame.format) ? 'I420A' : 'I420',
    codedWidth: p.canvas[0],
    codedHeight: p.canvas[1],
    timestamp: frame.timestamp,
    duration: frame.duration ?? undefined,
    colorSpace: cs,
  });
}

// mediabunny's transformer: a VideoSample in, a transformed VideoSample (of the same class)
// out, or null for a sample that is not backed by this package's VideoFrame (install() makes
// mediabunny build ours).
async function transformVideoSample(sample, description) {
  const frame = sample.toVideoFrame();
  try {
    if (!(frame instanceof VideoFrame)) return null;
    const out = await transformFrame(frame, description);
    return new sample.constructor(out, {
      timestamp: sample.timestamp, duration: sample.duration, rotation: 0, flip: false,
    });
  } finally {
    frame.close();
  }
}

module.exports = { transformVideoSample };
