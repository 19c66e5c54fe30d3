'use strict';
// Shared by the integration and example tests: the H.264 + AAC MP4 they start from, and a
// read-back of a media file (mediabunny demuxes; our own decoders decode every packet).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const webcodecs = require('../..');

const FIXTURES = path.join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'wpt-media');

// The fixtures have no single MP4 with H.264 and AAC: this muxes h264.mp4 (320x240, 10 frames,
// 1 s) with sfx-aac.mp4 (mono 48 kHz, 0.19 s, looped to fill the second) into `dir`/in.mp4,
// copying the streams (`ffmpeg -c copy`, no re-encode).
function muxFixture(dir) {
  const out = path.join(dir, 'in.mp4');
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', '-i', path.join(FIXTURES, 'h264.mp4'),
    '-stream_loop', '5', '-i', path.join(FIXTURES, 'sfx-aac.mp4'),
    '-map', '0:v', '-map', '1:a', '-c', 'copy', '-t', '1', out,
  ]);
  return out;
}

// Decodes every packet of `track` with our decoder; returns what came out.
async function decodeTrack(mb, track) {
  const video = track.type === 'video';
  const config = await track.getDecoderConfig();
  let frames = 0;
  let samples = 0;
  let size = null;
  let sumSquares = 0;
  let error = null;
  const callbacks = {
    output: (out) => {
      frames++;
      if (video) {
        size = [out.displayWidth, out.displayHeight];
      } else {
        samples += out.numberOfFrames;
        const pcm = new Float32Array(out.numberOfFrames);
        out.copyTo(pcm, { planeIndex: 0, format: 'f32-planar' });
        for (const v of pcm) sumSquares += v * v;
      }
      out.close();
    },
    error: (e) => { error = e; },
  };
  const decoder = video ? new webcodecs.VideoDecoder(callbacks) : new webcodecs.AudioDecoder(callbacks);
  decoder.configure(config);
  const sink = new mb.EncodedPacketSink(track);
  for await (const packet of sink.packets()) {
    const init = chunkInit(packet);
    decoder.decode(video ? new webcodecs.EncodedVideoChunk(init) : new webcodecs.EncodedAudioChunk(init));
  }
  await decoder.flush();
  decoder.close();
  if (error) throw error;
  return video ? { frames, size } : { frames, samples, rms: Math.sqrt(sumSquares / Math.max(1, samples)) };
}

function chunkInit(packet) {
  return {
    type: packet.type, timestamp: Math.round(packet.timestamp * 1e6),
    duration: Math.round(packet.duration * 1e6), data: packet.data,
  };
}

// Reads `file` back: duration (s), tracks ({ type, codec, ... }) and the result of decoding each
// track with our decoders.
async function inspect(file) {
  const mb = await import('mediabunny');
  const input = new mb.Input({ source: new mb.BufferSource(fs.readFileSync(file)), formats: mb.ALL_FORMATS });
  const tracks = [];
  for (const track of await input.getTracks()) {
    const info = { type: track.type, codec: track.codec, ...(await decodeTrack(mb, track)) };
    if (track.type === 'video') Object.assign(info, { width: track.displayWidth, height: track.displayHeight });
    else Object.assign(info, { sampleRate: track.sampleRate, channels: track.numberOfChannels });
    tracks.push(info);
  }
  return { format: (await input.getFormat()).name, duration: await input.computeDuration(), tracks };
}

module.exports = { FIXTURES, muxFixture, inspect };
