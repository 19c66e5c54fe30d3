'use strict';
// Demo: generate a 720p test pattern in code, encode it with H.264 and VP8, decode it back,
// print encode/decode fps and PSNR. Run with `npm run demo`.
const { VideoEncoder, VideoDecoder, VideoFrame } = require('..');

const W = 1280;
const H = 720;
const FRAMES = Number(process.env.DEMO_FRAMES || 150);
const FPS = 30;

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

function psnrY(a, b) {
  let se = 0;
  for (let i = 0; i < W * H; i++) { const d = a[i] - b[i]; se += d * d; }
  return se === 0 ? 99 : 10 * Math.log10((255 * 255) / (se / (W * H)));
}

async function run(name, config) {
  const sources = Array.from({ length: FRAMES }, (_, i) => pattern(i));
  const chunks = [];
  let decoderConfig;
  const enc = new VideoEncoder({
    output: (c, m) => { chunks.push(c); if (m.decoderConfig) decoderConfig = m.decoderConfig; },
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

  let psnrSum = 0;
  let psnrMin = Infinity;
  let decoded = 0;
  const pending = [];
  const dec = new VideoDecoder({
    output: (f) => { pending.push(f); },
    error: (e) => { throw e; },
  });
  dec.configure(decoderConfig);
  const t1 = performance.now();
  for (const c of chunks) dec.decode(c);
  await dec.flush();
  const tDec = performance.now() - t1;
  dec.close();
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
}

(async () => {
  console.log(`webcodecs-node demo: ${FRAMES} frames of ${W}x${H} generated in code\n`);
  await run('H.264 (avc1.64001f)', { codec: 'avc1.64001f', width: W, height: H, bitrate: 3_000_000, framerate: FPS });
  await run('H.264 realtime (avc1.42001f)', { codec: 'avc1.42001f', width: W, height: H, bitrate: 3_000_000, framerate: FPS, latencyMode: 'realtime' });
  await run('VP8', { codec: 'vp8', width: W, height: H, bitrate: 3_000_000, framerate: FPS });
  await run('VP8 realtime', { codec: 'vp8', width: W, height: H, bitrate: 3_000_000, framerate: FPS, latencyMode: 'realtime' });
})().catch((e) => { console.error(e); process.exit(1); });
