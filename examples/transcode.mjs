// Transcodes a media file with mediabunny (containers) on our WebCodecs classes (codecs).
//
//   node examples/transcode.mjs input.mp4 output.webm   # VP9 + Opus
//   node examples/transcode.mjs input.mkv output.mp4    # H.264 + AAC
//   node examples/transcode.mjs input.mp4 output.mp4 360   # scaled to 360 lines high
//
// install() defines VideoEncoder, VideoDecoder, AudioData, … on globalThis, where mediabunny
// (written for browsers) looks for them; mediabunny scales on a canvas, which Node lacks, so
// transformVideoSample does that drawing instead.
import { install, transformVideoSample } from 'webcodecs-node';
import {
  ALL_FORMATS, Conversion, FilePathSource, FilePathTarget, Input, Mp4OutputFormat, Output, WebMOutputFormat,
  registerVideoSampleTransformer,
} from 'mediabunny';
import { progress } from './lib/progress.mjs';

install();
registerVideoSampleTransformer(transformVideoSample);

const [from, to, lines] = process.argv.slice(2);
const height = lines === undefined ? undefined : Number(lines);
if (!from || !to || !/\.(webm|mp4)$/.test(to) || (height !== undefined && !(Number.isInteger(height) && height > 0))) {
  console.error('usage: node examples/transcode.mjs <input> <output.webm|output.mp4> [height]');
  process.exit(2);
}
const webm = to.endsWith('.webm');

const input = new Input({ source: new FilePathSource(from), formats: ALL_FORMATS });
const videoTrack = await input.getPrimaryVideoTrack();
const total = videoTrack ? (await videoTrack.computePacketStats()).packetCount : undefined;
const bar = progress({ label: `${from} → ${to}`, total });
let frames = 0;

const conversion = await Conversion.init({
  input,
  output: new Output({ format: webm ? new WebMOutputFormat() : new Mp4OutputFormat(), target: new FilePathTarget(to) }),
  // forceTranscode: re-encode even when the input already has the codec (mediabunny would copy).
  video: {
    codec: webm ? 'vp9' : 'avc',
    forceTranscode: true,
    // The width follows from the aspect ratio, rounded to even as 4:2:0 encoders want it.
    ...(height && { height, roundDimensionsTo: 2 }),
    process: (sample) => {
      bar.update(++frames);
      return sample;
    },
  },
  audio: { codec: webm ? 'opus' : 'aac', forceTranscode: true },
});
if (!conversion.isValid) {
  console.error('cannot convert:', conversion.discardedTracks.map((t) => `${t.track.type}: ${t.reason}`).join(', '));
  process.exit(1);
}
const t0 = performance.now();
await conversion.execute();
bar.finish();
console.log(`wrote ${to}: ${frames} video frames in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
