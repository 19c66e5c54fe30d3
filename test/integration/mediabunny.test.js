'use strict';
// mediabunny (a real WebCodecs client) on our classes: install() puts them on globalThis, where
// mediabunny finds its decoders and encoders. A real MP4 (H.264 + AAC) is transcoded to WebM
// (VP9 + Opus) and to MP4 (H.264 + AAC, transcoded, not copied); each result is read back and
// every packet decoded by our decoders.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const webcodecs = require('../..');
const { FIXTURES, muxFixture, inspect } = require('./media-check');

webcodecs.install({ overwrite: true });

async function transcode(mb, input, output, video, audio) {
  const conversion = await mb.Conversion.init({
    input: new mb.Input({ source: new mb.FilePathSource(input), formats: mb.ALL_FORMATS }),
    output: new mb.Output({ format: output.format, target: new mb.FilePathTarget(output.file) }),
    video: { codec: video, forceTranscode: true },
    audio: { codec: audio, forceTranscode: true },
  });
  assert.deepEqual(conversion.discardedTracks, [], 'every track is converted');
  assert.equal(conversion.isValid, true);
  await conversion.execute();
}

test('mediabunny transcodes an H.264 + AAC MP4 to WebM and to MP4 through our classes', async (t) => {
  assert.equal(globalThis.VideoEncoder, webcodecs.VideoEncoder);
  const mb = await import('mediabunny');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'webcodecs-mediabunny-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const input = muxFixture(tmp);
  const source = await inspect(input);
  assert.deepEqual(source.tracks.map((x) => [x.type, x.codec]), [['video', 'avc'], ['audio', 'aac']]);
  const [srcVideo, srcAudio] = source.tracks;
  assert.equal(srcVideo.frames, 10);

  for (const [name, format, video, audio] of [
    ['out.webm', new mb.WebMOutputFormat(), 'vp9', 'opus'],
    ['out.mp4', new mb.Mp4OutputFormat(), 'avc', 'aac'],
  ]) {
    await t.test(`${name}: ${video} + ${audio}`, async () => {
      const file = path.join(tmp, name);
      await transcode(mb, input, { file, format }, video, audio);
      const out = await inspect(file);
      assert.equal(out.format, name.endsWith('.webm') ? 'WebM' : 'MP4');
      assert.deepEqual(out.tracks.map((x) => [x.type, x.codec]), [['video', video], ['audio', audio]]);
      assert.ok(Math.abs(out.duration - source.duration) < 0.05, `duration ${out.duration} s vs ${source.duration} s`);
      const [v, a] = out.tracks;
      assert.equal(v.frames, srcVideo.frames, 'every frame decodes');
      assert.deepEqual(v.size, [320, 240]);
      assert.deepEqual([v.width, v.height], [320, 240]);
      assert.equal(a.channels, 1);
      // Encoder priming/padding may add up to a frame of samples (Opus at 48 kHz, AAC 1024).
      assert.ok(Math.abs(a.samples / a.sampleRate - srcAudio.samples / srcAudio.sampleRate) < 0.05,
        `audio ${a.samples} samples at ${a.sampleRate} Hz vs ${srcAudio.samples} at ${srcAudio.sampleRate}`);
      // The sound survives: its RMS level stays within 25% of the source's.
      assert.ok(Math.abs(a.rms / srcAudio.rms - 1) < 0.25, `rms ${a.rms} vs ${srcAudio.rms}`);
    });
  }
});

// A VP8 source's frames say BT.601 (matrix bt470bg), so the AV1 encoder writes a colour
// description and mediabunny reads the track back with the long AV1 codec string
// (`av01.0.01M.08.0.110.01.01.05.0`-like); our decoders must take it (they once refused every
// long AV1 string, and mediabunny then called the track undecodable).
test('mediabunny transcodes VP8 WebM to AV1 WebM and reads it back with the long AV1 codec string', async (t) => {
  const mb = await import('mediabunny');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'webcodecs-mediabunny-'));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  // libvpx from the FFmpeg CLI, no colour elements in the WebM: our decoder then reports what
  // FFmpeg's VP8 decoder says (BT.601), and the AV1 encoder writes it.
  const input = path.join(tmp, 'in.webm');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', path.join(FIXTURES, 'h264.mp4'),
    '-c:v', 'libvpx', '-b:v', '500k', input]);
  const source = await inspect(input);
  const file = path.join(tmp, 'out.webm');
  await transcode(mb, input, { file, format: new mb.WebMOutputFormat() }, 'av1', 'opus');
  const reader = new mb.Input({ source: new mb.BufferSource(fs.readFileSync(file)), formats: mb.ALL_FORMATS });
  const track = await reader.getPrimaryVideoTrack();
  const { codec } = await track.getDecoderConfig();
  assert.match(codec, /^av01\.0\.\d\dM\.08\.0\.110\.\d\d\.\d\d\.05\.0$/, 'the long form, matrix 5 (BT.601)');
  assert.equal(await track.canDecode(), true, codec);
  const out = await inspect(file);
  assert.deepEqual(out.tracks.map((x) => [x.type, x.codec]), [['video', 'av1']]);
  assert.equal(out.tracks[0].frames, source.tracks[0].frames, 'every frame decodes');
});
