// Thumbnails (PNG, at most 160 pixels wide) of a video and of images.
//
//   node examples/thumbnails.mjs <out dir> <video.mp4|.webm|…> [image.jpg|.png|.gif|.webp|.avif …]
//
// The video: mediabunny demuxes, our VideoDecoder decodes, and the frame on screen at four
// evenly spaced times becomes a thumbnail. The images: our ImageDecoder decodes the first frame.
// Each frame is read as RGBA with VideoFrame.copyTo() and shrunk in JS.
import fs from 'node:fs';
import path from 'node:path';
import { ImageDecoder, VideoDecoder, EncodedVideoChunk } from 'webcodecs-node';
import { ALL_FORMATS, EncodedPacketSink, FilePathSource, Input } from 'mediabunny';
import { downscale, encodePng } from './lib/png.mjs';

const MAX_WIDTH = 160;
const COUNT = 4;
/** @type {Record<string, string>} */
const TYPES = {
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.gif': 'image/gif',
  '.webp': 'image/webp', '.avif': 'image/avif', '.bmp': 'image/bmp', '.ico': 'image/x-icon',
};

/**
 * Writes a thumbnail of `frame` to `file` (and closes the frame).
 * @param {import('webcodecs-node').VideoFrame} frame
 * @param {string} file
 */
async function writeThumbnail(frame, file) {
  const { displayWidth: w, displayHeight: h } = frame;
  const rgba = new Uint8Array(w * h * 4);
  await frame.copyTo(rgba, { format: 'RGBA' });
  frame.close();
  const width = Math.min(MAX_WIDTH, w);
  const height = Math.max(1, Math.round((h * width) / w));
  fs.writeFileSync(file, encodePng(downscale(rgba, w, h, width, height), width, height));
  console.log(`${file} (${width}x${height})`);
}

/** @param {string} video @param {string} outDir */
async function videoThumbnails(video, outDir) {
  const input = new Input({ source: new FilePathSource(video), formats: ALL_FORMATS });
  const track = await input.getPrimaryVideoTrack();
  if (!track) throw new Error(`${video} has no video track`);
  const config = await track.getDecoderConfig();
  if (!config) throw new Error(`cannot decode ${video}'s ${track.codec} track`);
  const duration = await track.computeDuration();
  // The times to show, in microseconds; a thumbnail is the last frame that starts at or before one.
  const times = Array.from({ length: COUNT }, (_, k) => Math.round(((k + 0.5) * duration * 1e6) / COUNT));
  /** @type {(import('webcodecs-node').VideoFrame | null)[]} */
  const picked = times.map(() => null);
  /** @type {DOMException | null} */
  let failure = null;
  const decoder = new VideoDecoder({
    output: (frame) => {
      times.forEach((t, k) => {
        const current = picked[k];
        if (frame.timestamp <= t && (current === null || frame.timestamp > current.timestamp)) {
          current?.close();
          picked[k] = frame.clone();
        }
      });
      frame.close();
    },
    error: (e) => { failure = e; },
  });
  decoder.configure(config);
  for await (const packet of new EncodedPacketSink(track).packets()) {
    decoder.decode(new EncodedVideoChunk({
      type: packet.type, timestamp: Math.round(packet.timestamp * 1e6), data: packet.data,
    }));
  }
  await decoder.flush();
  decoder.close();
  if (failure) throw failure;
  const base = path.parse(video).name;
  for (const [k, frame] of picked.entries()) {
    if (frame === null) continue;
    console.log(`${base} at ${(times[k] / 1e6).toFixed(3)} s: frame at ${(frame.timestamp / 1e6).toFixed(3)} s`);
    await writeThumbnail(frame, path.join(outDir, `${base}-${k}.png`));
  }
}

/** @param {string} image @param {string} outDir */
async function imageThumbnail(image, outDir) {
  const type = TYPES[path.extname(image).toLowerCase()];
  if (!type) throw new Error(`unknown image type: ${image}`);
  const decoder = new ImageDecoder({ type, data: fs.readFileSync(image) });
  const { image: frame } = await decoder.decode({ frameIndex: 0 });
  decoder.close();
  await writeThumbnail(frame, path.join(outDir, `${path.basename(image).replace(/\./g, '_')}.png`));
}

const [outDir, video, ...images] = process.argv.slice(2);
if (!outDir || !video) {
  console.error('usage: node examples/thumbnails.mjs <out dir> <video> [image …]');
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
await videoThumbnails(video, outDir);
for (const image of images) await imageThumbnail(image, outDir);
