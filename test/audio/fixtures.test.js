'use strict';
// Our AudioDecoder on the WPT audio fixtures against the ffmpeg CLI's own decode.
// Packets (and the description) come from `ffprobe -show_packets -show_data`, the reference PCM
// from `ffmpeg -f f32le`. The CLI trims with container information that raw chunks do not carry
// (MP3 LAME delay, MP4 edit lists, Ogg granules), so the two are aligned by searching the lag.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');

const run = promisify(execFile);
const { AudioDecoder, EncodedAudioChunk } = require('../..');

const FIXTURES = path.join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'wpt-media');
const os = require('node:os');

// Whether `bin` is on the PATH (without spawning it).
const onPath = (bin) => (process.env.PATH || '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, bin)));
const haveCli = onPath('ffmpeg') && onPath('ffprobe');
const skip = (!fs.existsSync(FIXTURES) && 'fixtures not present') || (!haveCli && 'ffmpeg CLI not installed');

// [file, codec string, minimum SNR in dB]: the lossy codecs, FLAC, and the WAV files, each
// named after its codec string.
const CASES = [
  ['sfx.adts', 'mp4a.40.2', 60],
  ['sfx-aac.mp4', 'mp4a.40.2', 60],
  ['sfx.mp3', 'mp3', 60],
  ['sfx-opus.ogg', 'opus', 60],
  ['sfx-vorbis.ogg', 'vorbis', 60],
  ['sfx.flac', 'flac', 90],
  ...['pcm-u8', 'pcm-s16', 'pcm-s24', 'pcm-s32', 'pcm-f32', 'alaw', 'ulaw'].map((codec) => [`sfx-${codec}.wav`, codec, 90]),
];

// ffprobe's `-show_data` hex dump → bytes.
function hexDump(s) {
  const bytes = [];
  for (const line of s.split('\n')) {
    const hex = line.slice(10, 49).replace(/\s+/g, '');
    for (let i = 0; i + 1 < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  }
  return Uint8Array.from(bytes);
}

async function probe(file) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_streams', '-show_packets',
    '-show_data', '-of', 'json', file], { maxBuffer: 64 << 20 });
  const info = JSON.parse(stdout);
  const stream = info.streams[0];
  const packets = info.packets.map((p) => ({
    timestamp: Math.round(Number(p.pts_time) * 1e6),
    duration: p.duration_time === undefined ? undefined : Math.round(Number(p.duration_time) * 1e6),
    data: hexDump(p.data),
  }));
  let description = stream.extradata ? hexDump(stream.extradata) : undefined;
  if (stream.codec_name === 'flac' && description && description.length === 34) {
    // Bare STREAMINFO → "fLaC" + a last-metadata-block header + STREAMINFO.
    description = Uint8Array.from([0x66, 0x4c, 0x61, 0x43, 0x80, 0, 0, 34, ...description]);
  }
  return { sampleRate: Number(stream.sample_rate), numberOfChannels: Number(stream.channels), description, packets };
}

// The references: one ffmpeg run decodes every fixture to interleaved f32 at its native
// channel count (no -ac, so no remix), one file per fixture.
async function cliDecodeAll(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webcodecs-audio-ref-'));
  const args = ['-v', 'error', '-y'];
  files.forEach((f) => args.push('-i', path.join(FIXTURES, f)));
  files.forEach((f, i) => args.push('-map', `${i}:a:0`, '-f', 'f32le', path.join(dir, `${i}.f32`)));
  try {
    await run('ffmpeg', args, { maxBuffer: 16 << 20 });
    return new Map(files.map((f, i) => {
      const b = fs.readFileSync(path.join(dir, `${i}.f32`));
      return [f, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))];
    }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Start every CLI run at once (they are independent); each test awaits its own.
const probes = new Map(skip ? [] : CASES.map(([file]) => [file, probe(path.join(FIXTURES, file))]));
const refs = skip ? null : cliDecodeAll(CASES.map(([file]) => file));
for (const pr of [...probes.values(), refs]) pr?.catch(() => {}); // reported by the tests that await them

async function ourDecode(config, packets) {
  const out = [];
  let error = null;
  const dec = new AudioDecoder({ output: (a) => out.push(a), error: (e) => { error = e; } });
  dec.configure(config);
  for (const p of packets) dec.decode(new EncodedAudioChunk({ type: 'key', ...p }));
  await dec.flush();
  dec.close();
  assert.equal(error, null);
  const ch = config.numberOfChannels;
  const frames = out.reduce((s, a) => s + a.numberOfFrames, 0);
  const inter = new Float32Array(frames * ch);
  let o = 0;
  for (const a of out) {
    const tmp = new Float32Array(a.numberOfFrames * ch);
    a.copyTo(tmp, { planeIndex: 0, format: 'f32' });
    inter.set(tmp, o);
    o += tmp.length;
    a.close();
  }
  return { samples: inter, outputs: out.length };
}

// Lag (in samples, ours = ref shifted by lag) minimising the error over the loudest window of
// the reference (smallest |lag| wins ties, so silence cannot fake a match), then the SNR.
function alignedSnr(ref, ours) {
  const win = Math.min(2048, Math.floor(ref.length / 2));
  let base = 0;
  let loudest = -1;
  for (let b = 0; b + win <= ref.length; b += 256) {
    let en = 0;
    for (let i = b; i < b + win; i++) en += ref[i] * ref[i];
    if (en > loudest) { loudest = en; base = b; }
  }
  let best = { e: Infinity, lag: 0 };
  for (let k = 0; k <= 2 * 4096; k++) {
    const lag = k % 2 ? (k + 1) / 2 : -k / 2; // 0, 1, -1, 2, -2, ...
    if (base + lag < 0 || base + lag + win > ours.length) continue;
    let e = 0;
    for (let i = 0; i < win && e < best.e; i++) { const d = ref[base + i] - ours[base + lag + i]; e += d * d; }
    if (e < best.e) best = { e, lag };
  }
  const { lag } = best;
  let s = 0; let e = 0; let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const j = i + lag;
    if (j < 0 || j >= ours.length) continue;
    s += ref[i] * ref[i];
    e += (ref[i] - ours[j]) ** 2;
    n++;
  }
  return { snr: e === 0 ? Infinity : 10 * Math.log10(s / e), lag, compared: n };
}

for (const [file, codec, minSnr] of CASES) {
  test(`${file}: our decode matches the ffmpeg CLI (SNR ≥ ${minSnr} dB)`, { skip }, async () => {
    const p = await probes.get(file);
    const config = { codec, sampleRate: p.sampleRate, numberOfChannels: p.numberOfChannels };
    if (p.description && !['mp3', 'mp4a.40.2'].includes(codec) || file.endsWith('.mp4')) config.description = p.description;
    assert.ok((await AudioDecoder.isConfigSupported(config)).supported);
    const ref = (await refs).get(file);
    const ours = await ourDecode(config, p.packets);
    const { snr, lag, compared } = alignedSnr(ref, ours.samples);
    console.log(`# ${file}: ${p.packets.length} chunks → ${ours.samples.length / p.numberOfChannels} frames ` +
      `(CLI ${ref.length / p.numberOfChannels}), lag ${lag}, SNR ${snr.toFixed(1)} dB over ${compared} samples`);
    assert.ok(compared >= ref.length * 0.9, `only ${compared} of ${ref.length} samples overlap`);
    assert.ok(snr >= minSnr, `SNR ${snr.toFixed(1)} dB at lag ${lag}`);
  });
}
