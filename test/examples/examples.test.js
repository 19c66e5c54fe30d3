'use strict';
// Every example runs, and what it writes is checked: read back by mediabunny and decoded by our
// decoders (test/integration/media-check.js), and compared with the ffmpeg CLI's own decode.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { FIXTURES, muxFixture, inspect } = require('../integration/media-check');
const { ImageDecoder } = require('../..');

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');

// Runs an example (stdout and stderr piped, so not a terminal); returns its stdout.
function example(name, args, env = {}) {
  const r = spawnSync(process.execPath, [path.join(EXAMPLES, name), ...args], {
    encoding: 'utf8', env: { ...process.env, ...env }, timeout: 5 * 60 * 1000,
  });
  assert.equal(r.status, 0, `${name} failed:\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.stderr, '', 'no progress output when not on a terminal');
  return r.stdout;
}

// Frame `n` of `file` as RGB bytes, decoded and converted by the ffmpeg CLI (with `filter`).
function ffmpegFrame(file, n, filter = '') {
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${n})${filter}`,
    '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
}

// RGB bytes → RGBA bytes.
function rgbToRgba(rgb) {
  const out = new Uint8Array((rgb.length / 3) * 4).fill(255);
  for (let i = 0; i < rgb.length / 3; i++) out.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
  return out;
}

// PSNR of RGB bytes `b` against the RGB channels of RGBA bytes `rgba`.
function psnrRgb(rgba, rgb) {
  let se = 0;
  const n = rgb.length / 3;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) se += (rgba[i * 4 + c] - rgb[i * 3 + c]) ** 2;
  }
  return se === 0 ? 99 : 10 * Math.log10((255 * 255) / (se / (n * 3)));
}

// Decodes a PNG with our ImageDecoder: { width, height, rgba }.
async function readPng(file) {
  const decoder = new ImageDecoder({ type: 'image/png', data: fs.readFileSync(file) });
  const { image } = await decoder.decode();
  decoder.close();
  const rgba = new Uint8Array(image.displayWidth * image.displayHeight * 4);
  await image.copyTo(rgba, { format: 'RGBA' });
  const out = { width: image.displayWidth, height: image.displayHeight, rgba };
  image.close();
  return out;
}

function tmpdir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webcodecs-examples-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('transcode.mjs: an H.264 + AAC MP4 to WebM (VP9 + Opus) and to MP4 (H.264 + AAC)', async (t) => {
  const dir = tmpdir(t);
  const input = muxFixture(dir);
  for (const [name, video, audio] of [['out.webm', 'vp9', 'opus'], ['out.mp4', 'avc', 'aac']]) {
    const file = path.join(dir, name);
    assert.match(example('transcode.mjs', [input, file]), /wrote .*: 10 video frames/);
    const out = await inspect(file);
    assert.deepEqual(out.tracks.map((x) => [x.type, x.codec]), [['video', video], ['audio', audio]]);
    assert.equal(out.tracks[0].frames, 10);
    assert.ok(Math.abs(out.duration - 1) < 0.05, `duration ${out.duration}`);
  }
});

test('transcode.mjs with a height: scaled through transformVideoSample, width from the aspect ratio', async (t) => {
  const dir = tmpdir(t);
  const input = muxFixture(dir);
  const file = path.join(dir, 'small.mp4');
  assert.match(example('transcode.mjs', [input, file, '120']), /wrote .*: 10 video frames/);
  const out = await inspect(file);
  // 320x240 at 120 lines: 160x120.
  assert.deepEqual(out.tracks.map((x) => [x.type, x.codec, x.frames, x.size]),
    [['video', 'avc', 10, [160, 120]], ['audio', 'aac', out.tracks[1].frames, undefined]]);
});

test('rgba-to-video.mjs: RGBA frames drawn in code become an MP4 and a WebM', async (t) => {
  const dir = tmpdir(t);
  for (const [name, codec] of [['ball.mp4', 'avc'], ['ball.webm', 'vp9']]) {
    const file = path.join(dir, name);
    assert.match(example('rgba-to-video.mjs', [file, '30']), /wrote .*: 30 frames of 640x360 at 30 fps/);
    const out = await inspect(file);
    assert.deepEqual(out.tracks.map((x) => [x.type, x.codec, x.frames, x.size]), [['video', codec, 30, [640, 360]]]);
    assert.ok(Math.abs(out.duration - 1) < 0.05, `duration ${out.duration}`);
    // Frame 0 as drawn: sky (40, 90, 200) at the top left, the ball (250, 200, 40) at (320, 300).
    const rgb = ffmpegFrame(file, 0);
    const at = (x, y) => [...rgb.subarray((y * 640 + x) * 3, (y * 640 + x) * 3 + 3)];
    for (const [[x, y], want] of [[[4, 4], [40, 90, 200]], [[320, 300], [250, 200, 40]]]) {
      const got = at(x, y);
      assert.ok(got.every((v, c) => Math.abs(v - want[c]) <= 12), `pixel (${x}, ${y}) is ${got}, drawn ${want}`);
    }
  }
});

test('thumbnails.mjs: four frames of a video and the first frame of each image, as PNGs', async (t) => {
  const dir = tmpdir(t);
  const video = path.join(FIXTURES, 'h264.mp4');
  const images = ['four-colors.jpg', 'four-colors.png', 'four-colors.gif', 'four-colors.webp', 'four-colors.avif']
    .map((f) => path.join(FIXTURES, f));
  const stdout = example('thumbnails.mjs', [dir, video, ...images]);

  // h264.mp4: 10 frames, 0.1 s apart, over 1 s; the times 0.125, 0.375, 0.625, 0.875 s show
  // frames 1, 3, 6 and 8. Each thumbnail matches the ffmpeg CLI's decode of its frame (shrunk
  // by the example's own function) better than any other frame.
  const shown = [...stdout.matchAll(/frame at (\d\.\d+) s/g)].map((m) => Math.round(Number(m[1]) * 10));
  assert.deepEqual(shown, [1, 3, 6, 8]);
  const { downscale } = await import('../../examples/lib/png.mjs');
  // The stream says nothing of its colour matrix: we take BT.709 (as Chromium does), the ffmpeg
  // CLI BT.601 unless told.
  const bt709 = ',scale=in_color_matrix=bt709:in_range=tv:flags=accurate_rnd+full_chroma_int';
  const refs = Array.from({ length: 10 }, (_, n) => rgbToRgba(ffmpegFrame(video, n, bt709)))
    .map((rgba) => downscale(rgba, 320, 240, 160, 120).filter((_, i) => i % 4 !== 3));
  for (const [k, n] of shown.entries()) {
    const thumb = await readPng(path.join(dir, `h264-${k}.png`));
    assert.deepEqual([thumb.width, thumb.height], [160, 120]);
    const scores = refs.map((ref) => psnrRgb(thumb.rgba, ref));
    assert.ok(scores[n] > 30, `thumbnail ${k} vs frame ${n}: ${scores[n].toFixed(1)} dB`);
    assert.equal(scores.indexOf(Math.max(...scores)), n, `thumbnail ${k} is closest to frame ${n}: ${scores.map((s) => s.toFixed(1))}`);
  }

  // The four-colors images (320x240: yellow, red / blue, green quadrants) keep their colours.
  const quadrants = [[40, 30, [255, 255, 0]], [120, 30, [255, 0, 0]], [40, 90, [0, 0, 255]], [120, 90, [0, 255, 0]]];
  for (const image of images) {
    const thumb = await readPng(path.join(dir, `${path.basename(image).replace(/\./g, '_')}.png`));
    assert.deepEqual([thumb.width, thumb.height], [160, 120], image);
    for (const [x, y, want] of quadrants) {
      const got = [...thumb.rgba.subarray((y * 160 + x) * 4, (y * 160 + x) * 4 + 3)];
      assert.ok(got.every((v, c) => Math.abs(v - want[c]) <= 12), `${path.basename(image)} at (${x}, ${y}): ${got}, want ${want}`);
    }
  }
});

test('audio-to-opus.mjs: a WAV file to Opus in WebM', async (t) => {
  const dir = tmpdir(t);
  const wav = path.join(FIXTURES, 'sfx-pcm-s16.wav');
  const file = path.join(dir, 'sfx.webm');
  assert.match(example('audio-to-opus.mjs', [wav, file]), /wrote .*: 0\.213 s of 1-channel audio as Opus/);
  const [source, out] = [await inspect(wav), await inspect(file)];
  assert.equal(out.format, 'WebM');
  const [a] = out.tracks;
  assert.deepEqual([a.type, a.codec, a.channels, a.sampleRate], ['audio', 'opus', 1, 48000]);
  const [s] = source.tracks;
  // Opus pads to whole 20 ms packets.
  assert.ok(a.samples >= s.samples && a.samples - s.samples < 960 * 2, `${a.samples} samples vs ${s.samples}`);
  assert.ok(Math.abs(a.rms / s.rms - 1) < 0.25, `rms ${a.rms} vs ${s.rms}`);
});

test('demo.js: benchmarks every codec and writes a playable MP4 (npm run demo)', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'demo.mp4');
  const stdout = example('demo.js', [], { DEMO_FRAMES: '12', DEMO_SECONDS: '3', DEMO_OUT: file });
  for (const codec of ['H.264', 'HEVC', 'VP8', 'VP9', 'AV1', 'Opus', 'AAC', 'MP3', 'FLAC']) assert.match(stdout, new RegExp(codec));
  assert.ok(stdout.includes(`wrote ${file}`), stdout);
  const out = await inspect(file);
  assert.deepEqual(out.tracks.map((x) => [x.type, x.codec]), [['video', 'avc'], ['audio', 'aac']]);
  assert.equal(out.tracks[0].frames, 12);
  assert.deepEqual(out.tracks[0].size, [1280, 720]);
  assert.ok(Math.abs(out.duration - 0.4) < 0.05, `duration ${out.duration}`);
});
