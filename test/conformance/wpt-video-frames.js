'use strict';
// Frames for the WPT encoder mirrors. WPT draws them on a canvas (four coloured quadrants, black
// dots counting the frame number) and reads them back through a canvas; here they are RGBA
// bytes with the same kind of content, read back with copyTo().
const { VideoFrame } = require('../..');

// Where dot `d` of a `w`-wide frame sits: 8x8 squares on a row-major grid of 16 px cells.
const dotOrigin = (w, d) => [4 + (d % Math.floor(w / 16)) * 16, 4 + Math.floor(d / Math.floor(w / 16)) * 16];

/** An RGBA frame in `fill`, with `dots` black dots. */
function dottedFrame(w, h, dots, timestamp, fill = [230, 200, 60]) {
  const row = new Uint8Array(w * 4);
  for (let x = 0; x < w; x++) row.set([...fill, 255], x * 4);
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) rgba.set(row, y * w * 4);
  for (let d = 0; d < dots; d++) {
    const [x0, y0] = dotOrigin(w, d);
    for (let y = y0; y < y0 + 8; y++) for (let x = x0; x < x0 + 8; x++) rgba.set([0, 0, 0, 255], (y * w + x) * 4);
  }
  return new VideoFrame(rgba, { format: 'RGBA', codedWidth: w, codedHeight: h, timestamp });
}

/** For dots 0..count of `frame`, whether each shows dark (drawn) at its centre. */
async function darkDots(frame, count) {
  const w = frame.visibleRect.width;
  const rgba = new Uint8Array(w * frame.visibleRect.height * 4);
  await frame.copyTo(rgba, { format: 'RGBA' });
  return Array.from({ length: count + 1 }, (_, d) => {
    const [x, y] = dotOrigin(w, d);
    const i = ((y + 4) * w + x + 4) * 4;
    return rgba[i] + rgba[i + 1] <= 120;
  });
}

/** Whether `frame` shows exactly `dots` dots: the first `dots` drawn, the next one not. */
async function hasDots(frame, dots) {
  const dark = await darkDots(frame, dots);
  return dark.slice(0, dots).every(Boolean) && !dark[dots];
}

module.exports = { dottedFrame, darkDots, hasDots };
