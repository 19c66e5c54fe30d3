// Makes a video from RGBA frames drawn in code, the way a canvas would give them: each picture
// is an ImageData-like { data, width, height }, turned into a VideoFrame, encoded by our
// VideoEncoder and muxed by mediabunny.
//
//   node examples/rgba-to-video.mjs out.mp4 [frames]    # H.264
//   node examples/rgba-to-video.mjs out.webm [frames]   # VP9
import { VideoEncoder, VideoFrame, install } from 'webcodecs-node';
import {
  EncodedVideoPacketSource, FilePathTarget, Mp4OutputFormat, Output, WebMOutputFormat,
} from 'mediabunny';
import { muxInto } from './lib/mux.mjs';
import { progress } from './lib/progress.mjs';

// mediabunny checks chunks against the global EncodedVideoChunk: give it ours.
install();

const [file, count = '150'] = process.argv.slice(2);
if (!file || !/\.(webm|mp4)$/.test(file)) {
  console.error('usage: node examples/rgba-to-video.mjs <out.mp4|out.webm> [frames]');
  process.exit(2);
}
const FRAMES = Number(count);
const W = 640;
const H = 360;
const FPS = 30;
const webm = file.endsWith('.webm');

// A stand-in for a 2D canvas: a sky gradient and a ball bouncing across it, as RGBA bytes.
/** @param {number} t frame number */
function draw(t) {
  const data = new Uint8ClampedArray(W * H * 4);
  const bx = W / 2 + (W / 3) * Math.sin(t / 20);
  const by = H - 60 - Math.abs(Math.sin(t / 9)) * (H - 120);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      const inBall = (x - bx) ** 2 + (y - by) ** 2 < 40 ** 2;
      data[i] = inBall ? 250 : 40 + (y * 80) / H;
      data[i + 1] = inBall ? 200 : 90 + (y * 100) / H;
      data[i + 2] = inBall ? 40 : 200 - (x * 60) / W;
      data[i + 3] = 255;
    }
  }
  return { data, width: W, height: H };
}

const source = new EncodedVideoPacketSource(webm ? 'vp9' : 'avc');
const output = new Output({ format: webm ? new WebMOutputFormat() : new Mp4OutputFormat(), target: new FilePathTarget(file) });
output.addVideoTrack(source, { frameRate: FPS });
await output.start();

// Chunks go to the muxer in order.
const mux = muxInto(source);
const encoder = new VideoEncoder(mux.init);
encoder.configure({
  codec: webm ? 'vp09.00.31.08' : 'avc1.42001f', width: W, height: H, bitrate: 2_000_000, framerate: FPS,
});

const bar = progress({ label: file, total: FRAMES });
for (let i = 0; i < FRAMES; i++) {
  const frame = new VideoFrame(draw(i), { timestamp: Math.round((i * 1e6) / FPS), duration: Math.round(1e6 / FPS) });
  encoder.encode(frame, { keyFrame: i % (2 * FPS) === 0 });
  frame.close();
  // Backpressure: let the encoder catch up rather than queueing every frame at once.
  while (encoder.encodeQueueSize > 4) await new Promise((resolve) => encoder.addEventListener('dequeue', resolve, { once: true }));
  bar.update(i + 1);
}
await encoder.flush();
encoder.close();
bar.finish();
await mux.done();
source.close();
await output.finalize();
console.log(`wrote ${file}: ${FRAMES} frames of ${W}x${H} at ${FPS} fps (${webm ? 'VP9' : 'H.264'})`);
