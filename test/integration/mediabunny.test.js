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
const webcodecs = require('../..');
const { muxFixture, inspect } = require('./media-check');

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
