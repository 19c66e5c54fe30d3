'use strict';
// Demo: generate a 720p test pattern and 10 s of stereo music-like audio in code, encode them
// with each codec, decode them back, print speed and quality (PSNR/SNR), then write the H.264
// and AAC streams into a playable MP4 with mediabunny. Run with `npm run demo`; DEMO_FRAMES
// sets the frame count, DEMO_SECONDS the audio length, DEMO_OUT where the MP4 goes (default:
// the system's temp folder).
const os = require('node:os');
const path = require('node:path');
const {
  VideoEncoder, VideoDecoder, VideoFrame, AudioEncoder, AudioDecoder, AudioData, install,
} = require('webcodecs-node');

/**
 * @typedef {import('webcodecs-node').EncodedVideoChunk} EncodedVideoChunk
 * @typedef {import('webcodecs-node').EncodedVideoChunkMetadata} EncodedVideoChunkMetadata
 * @typedef {import('webcodecs-node').EncodedAudioChunk} EncodedAudioChunk
 * @typedef {import('webcodecs-node').EncodedAudioChunkMetadata} EncodedAudioChunkMetadata
 * @typedef {import('webcodecs-node').VideoDecoderConfig} VideoDecoderConfig
 * @typedef {import('webcodecs-node').AudioDecoderConfig} AudioDecoderConfig
 */

const W = 1280;
const H = 720;
const FRAMES = Number(process.env.DEMO_FRAMES || 150);
const FPS = 30;

/** @param {number} t frame number */
function pattern(t) {
  const cw = W / 2;
  const ch = H / 2;
  const buf = new Uint8Array(W * H * 3 / 2);
  const bx = (t * 9) % (W - 160);
  const by = (t * 4) % (H - 160);
  for (let y = 0; y < H; y++) {
    const row = y * W;
    const inY = y >= by && y < by + 160;
    for (let x = 0; x < W; x++) {
      buf[row + x] = inY && x >= bx && x < bx + 160 ? 235 : 16 + ((x + y + t * 3) & 127) + ((x >> 6) & 1) * 64;
    }
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      buf[W * H + y * cw + x] = 128 + (((x >> 4) + t) & 63) - 32;
      buf[W * H + cw * ch + y * cw + x] = 128 + (((y >> 4) - t) & 63) - 32;
    }
  }
  return buf;
}

/** @param {Uint8Array} a @param {Uint8Array} b */
function psnrY(a, b) {
  let se = 0;
  for (let i = 0; i < W * H; i++) { const d = a[i] - b[i]; se += d * d; }
  return se === 0 ? 99 : 10 * Math.log10((255 * 255) / (se / (W * H)));
}

/** @type {typeof import('./lib/progress.mjs', { with: { 'resolution-mode': 'import' } }).progress} */
let progress; // loaded by the main function below (an ES module)

/**
 * Configures `dec` (a video or audio decoder) with the config the encoder reported, decodes
 * `chunks`, flushes and closes it; returns the milliseconds from the first decode() to the end
 * of flush().
 * @template Config, Chunk
 * @param {string} name
 * @param {{ configure(config: Config): void, decode(chunk: Chunk): void, flush(): Promise<void>, close(): void }} dec
 * @param {Config | undefined} decoderConfig
 * @param {Chunk[]} chunks
 */
async function timeDecode(name, dec, decoderConfig, chunks) {
  if (!decoderConfig) throw new Error(`${name}: no decoderConfig`);
  dec.configure(decoderConfig);
  const t0 = performance.now();
  for (const c of chunks) dec.decode(c);
  await dec.flush();
  const ms = performance.now() - t0;
  dec.close();
  return ms;
}

/**
 * Encodes the pattern with `config`, decodes it back, prints speed and quality.
 * @param {string} name
 * @param {import('webcodecs-node').VideoEncoderConfig} config
 */
async function run(name, config) {
  const sources = Array.from({ length: FRAMES }, (_, i) => pattern(i));
  /** @type {EncodedVideoChunk[]} */
  const chunks = [];
  /** @type {EncodedVideoChunkMetadata[]} */
  const metas = [];
  /** @type {VideoDecoderConfig | undefined} */
  let decoderConfig;
  const bar = progress({ label: name, total: FRAMES });
  const enc = new VideoEncoder({
    output: (c, m) => {
      chunks.push(c);
      metas.push(m);
      if (m.decoderConfig) decoderConfig = m.decoderConfig;
      bar.update(chunks.length);
    },
    error: (e) => { throw e; },
  });
  enc.configure(config);
  const frames = sources.map((data, i) => new VideoFrame(data, {
    format: 'I420', codedWidth: W, codedHeight: H, timestamp: Math.round(i * 1e6 / FPS), duration: Math.round(1e6 / FPS),
  }));
  const t0 = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    enc.encode(frames[i], { keyFrame: i % 60 === 0 });
    frames[i].close();
  }
  const tQueued = performance.now();
  await enc.flush();
  const tEnc = performance.now() - t0;
  enc.close();
  bar.finish({ keep: false });

  let psnrSum = 0;
  let psnrMin = Infinity;
  let decoded = 0;
  /** @type {import('webcodecs-node').VideoFrame[]} */
  const pending = [];
  const dec = new VideoDecoder({
    output: (f) => { pending.push(f); },
    error: (e) => { throw e; },
  });
  const tDec = await timeDecode(name, dec, decoderConfig, chunks);
  const y = new Uint8Array(W * H * 3 / 2);
  for (const f of pending) {
    await f.copyTo(y);
    const p = psnrY(y, sources[decoded]);
    psnrSum += p;
    psnrMin = Math.min(psnrMin, p);
    decoded++;
    f.close();
  }
  const bytes = chunks.reduce((a, c) => a + c.byteLength, 0);
  console.log(
    `${name.padEnd(28)} encode ${(FRAMES / (tEnc / 1000)).toFixed(1).padStart(6)} fps` +
    `  (JS thread busy ${((tQueued - t0) / FRAMES * 1000).toFixed(0)} µs/frame)` +
    `  decode ${(decoded / (tDec / 1000)).toFixed(1).padStart(6)} fps` +
    `  PSNR avg ${(psnrSum / decoded).toFixed(2)} dB min ${psnrMin.toFixed(2)} dB` +
    `  ${(bytes * 8 / (FRAMES / FPS) / 1e6).toFixed(2)} Mbit/s`,
  );
  if (decoded !== FRAMES) throw new Error(`decoded ${decoded} of ${FRAMES} frames`);
  return { chunks, metas };
}

// ---- audio ----

const RATE = 48000;
const SECONDS = Number(process.env.DEMO_SECONDS || 10);

// Two voices with vibrato and a slow stereo pan: smooth enough for every codec.
function audioSource() {
  const n = RATE * SECONDS;
  const pcm = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const a = 0.3 * Math.sin(2 * Math.PI * (440 + 6 * Math.sin(2 * Math.PI * 5 * t)) * t);
    const b = 0.2 * Math.sin(2 * Math.PI * 659.25 * t + Math.sin(2 * Math.PI * 0.5 * t));
    const pan = 0.5 + 0.4 * Math.sin(2 * Math.PI * 0.25 * t);
    pcm[2 * i] = (a + b) * pan;
    pcm[2 * i + 1] = (a + b) * (1 - pan);
  }
  return pcm;
}

/**
 * SNR of `out` against `ref` (interleaved stereo), at the lag (codec delay) that fits best.
 * @param {Float32Array} ref @param {Float32Array} out
 */
function snr(ref, out) {
  let best = -Infinity;
  for (let lag = 0; lag <= 2048; lag += 1) {
    let sig = 0;
    let err = 0;
    const frames = Math.min(ref.length, out.length - lag * 2) / 2;
    for (let i = RATE; i < frames - RATE; i += 29) {
      for (let c = 0; c < 2; c++) {
        const r = ref[2 * i + c];
        const d = out[2 * (i + lag) + c] - r;
        sig += r * r;
        err += d * d;
      }
    }
    best = Math.max(best, err === 0 ? 99 : 10 * Math.log10(sig / err));
  }
  return best;
}

/**
 * Encodes the audio with `config`, decodes it back, prints speed and quality.
 * @param {string} name
 * @param {{ codec: string, bitrate?: number }} config
 */
async function runAudio(name, config) {
  const pcm = audioSource();
  /** @type {EncodedAudioChunk[]} */
  const chunks = [];
  /** @type {EncodedAudioChunkMetadata[]} */
  const metas = [];
  /** @type {AudioDecoderConfig | undefined} */
  let decoderConfig;
  const enc = new AudioEncoder({
    output: (c, m) => { chunks.push(c); metas.push(m); if (m.decoderConfig) decoderConfig = m.decoderConfig; },
    error: (e) => { throw e; },
  });
  enc.configure({ ...config, sampleRate: RATE, numberOfChannels: 2 });
  const t0 = performance.now();
  const block = 1000; // deliberately not a codec frame size: the encoder re-blocks
  for (let off = 0; off < pcm.length / 2; off += block) {
    const frames = Math.min(block, pcm.length / 2 - off);
    const data = new AudioData({
      format: 'f32', sampleRate: RATE, numberOfChannels: 2, numberOfFrames: frames,
      timestamp: Math.round((off * 1e6) / RATE), data: pcm.subarray(off * 2, (off + frames) * 2),
    });
    enc.encode(data);
    data.close();
  }
  await enc.flush();
  const tEnc = performance.now() - t0;
  enc.close();

  const out = new Float32Array(pcm.length + RATE * 2);
  let written = 0;
  const dec = new AudioDecoder({
    output: (d) => {
      const n = Math.min(d.numberOfFrames, (out.length - written) / 2);
      const tmp = new Float32Array(d.numberOfFrames * 2);
      d.copyTo(tmp, { planeIndex: 0, format: 'f32' });
      out.set(tmp.subarray(0, n * 2), written);
      written += n * 2;
      d.close();
    },
    error: (e) => { throw e; },
  });
  const tDec = await timeDecode(name, dec, decoderConfig, chunks);
  const bytes = chunks.reduce((a, c) => a + c.byteLength, 0);
  console.log(
    `${name.padEnd(28)} encode ${(SECONDS / (tEnc / 1000)).toFixed(0).padStart(5)}× realtime` +
    `  decode ${(SECONDS / (tDec / 1000)).toFixed(0).padStart(5)}× realtime` +
    `  SNR ${snr(pcm, out.subarray(0, written)).toFixed(1)} dB  ${(bytes * 8 / SECONDS / 1000).toFixed(0)} kbit/s`,
  );
  return { chunks, metas };
}

/**
 * Writes encoded video and audio chunks (with their metadata) into an MP4 with mediabunny; the
 * audio is cut to the video's length.
 * @param {string} file
 * @param {{ chunks: EncodedVideoChunk[], metas: EncodedVideoChunkMetadata[] }} video
 * @param {{ chunks: EncodedAudioChunk[], metas: EncodedAudioChunkMetadata[] }} audio
 */
async function writeMp4(file, video, audio) {
  install(); // mediabunny checks chunks against the global EncodedVideoChunk/EncodedAudioChunk
  const mb = await import('mediabunny');
  const output = new mb.Output({ format: new mb.Mp4OutputFormat(), target: new mb.FilePathTarget(file) });
  const videoSource = new mb.EncodedVideoPacketSource('avc');
  const audioSource = new mb.EncodedAudioPacketSource('aac');
  output.addVideoTrack(videoSource, { frameRate: FPS });
  output.addAudioTrack(audioSource);
  await output.start();
  const end = (FRAMES * 1e6) / FPS;
  for (const [i, c] of video.chunks.entries()) await videoSource.add(mb.EncodedPacket.fromEncodedChunk(c), video.metas[i]);
  for (const [i, c] of audio.chunks.entries()) {
    if (c.timestamp < end) await audioSource.add(mb.EncodedPacket.fromEncodedChunk(c), audio.metas[i]);
  }
  videoSource.close();
  audioSource.close();
  await output.finalize();
}

(async () => {
  ({ progress } = await import('./lib/progress.mjs'));
  console.log(`webcodecs-node demo: ${FRAMES} frames of ${W}x${H} and ${SECONDS} s of stereo audio, generated in code\n`);
  const h264 = await run('H.264 (avc1.64001f)', { codec: 'avc1.64001f', width: W, height: H, bitrate: 3_000_000, framerate: FPS });
  await run('H.264 realtime (avc1.42001f)', { codec: 'avc1.42001f', width: W, height: H, bitrate: 3_000_000, framerate: FPS, latencyMode: 'realtime' });
  await run('HEVC realtime (hvc1.1.6.L93.B0)', { codec: 'hvc1.1.6.L93.B0', width: W, height: H, bitrate: 3_000_000, framerate: FPS, latencyMode: 'realtime' });
  await run('VP8', { codec: 'vp8', width: W, height: H, bitrate: 3_000_000, framerate: FPS });
  await run('VP8 realtime', { codec: 'vp8', width: W, height: H, bitrate: 3_000_000, framerate: FPS, latencyMode: 'realtime' });
  await run('VP9 realtime (vp09.00.31.08)', { codec: 'vp09.00.31.08', width: W, height: H, bitrate: 3_000_000, framerate: FPS, latencyMode: 'realtime' });
  await run('AV1 realtime (av01.0.08M.08)', { codec: 'av01.0.08M.08', width: W, height: H, bitrate: 3_000_000, framerate: FPS, latencyMode: 'realtime' });
  console.log('');
  await runAudio('Opus 128 kbit/s', { codec: 'opus', bitrate: 128_000 });
  const aac = await runAudio('AAC-LC 128 kbit/s', { codec: 'mp4a.40.2', bitrate: 128_000 });
  await runAudio('MP3 128 kbit/s', { codec: 'mp3', bitrate: 128_000 });
  await runAudio('FLAC (lossless)', { codec: 'flac' });

  const file = process.env.DEMO_OUT || path.join(os.tmpdir(), 'webcodecs-node-demo.mp4');
  await writeMp4(file, h264, aac);
  console.log(`\nwrote ${file}: the H.264 pattern with the AAC audio, ${(FRAMES / FPS).toFixed(1)} s (play it with any video player)`);
})().catch((e) => { console.error(e); process.exit(1); });
