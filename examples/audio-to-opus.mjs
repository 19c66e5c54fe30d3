// Encodes the audio of a file (WAV, MP3, FLAC, AAC in MP4, Ogg, …) to Opus in WebM with our
// AudioEncoder; mediabunny reads the input and writes the WebM file.
//
//   node examples/audio-to-opus.mjs input.wav output.webm [bitrate]
import { AudioEncoder, install } from 'webcodecs-node';
import {
  ALL_FORMATS, AudioSampleSink, EncodedAudioPacketSource, FilePathSource, FilePathTarget, Input,
  Output, WebMOutputFormat,
} from 'mediabunny';
import { muxInto } from './lib/mux.mjs';

// mediabunny builds AudioData (and decodes compressed input) with the globals: ours.
install();

const [from, to, bitrate = '96000'] = process.argv.slice(2);
if (!from || !to) {
  console.error('usage: node examples/audio-to-opus.mjs <input> <output.webm> [bitrate]');
  process.exit(2);
}

const input = new Input({ source: new FilePathSource(from), formats: ALL_FORMATS });
const track = await input.getPrimaryAudioTrack();
if (!track) throw new Error(`${from} has no audio track`);

const source = new EncodedAudioPacketSource('opus');
const output = new Output({ format: new WebMOutputFormat(), target: new FilePathTarget(to) });
output.addAudioTrack(source);
await output.start();

const mux = muxInto(source);
const encoder = new AudioEncoder(mux.init);
// Opus takes any sample rate here (rates libopus lacks are resampled to 48 kHz).
encoder.configure({
  codec: 'opus', sampleRate: track.sampleRate, numberOfChannels: track.numberOfChannels, bitrate: Number(bitrate),
});

let frames = 0;
for await (const sample of new AudioSampleSink(track).samples()) {
  const data = sample.toAudioData();
  encoder.encode(data);
  frames += data.numberOfFrames;
  data.close();
  sample.close();
}
await encoder.flush();
encoder.close();
await mux.done();
source.close();
await output.finalize();
console.log(`wrote ${to}: ${(frames / track.sampleRate).toFixed(3)} s of ${track.numberOfChannels}-channel audio as Opus at ${bitrate} bit/s`);
