// Guardrail: codec work never blocks the event loop. A 5 ms heartbeat keeps running while a
// decoder and an encoder flush 720p work; no gap may exceed 50 ms.
import test from 'node:test';
import assert from 'node:assert/strict';
import { VideoEncoder, VideoDecoder, VideoFrame } from 'webcodecs-node';
import type { EncodedVideoChunk, EncodedVideoChunkMetadata } from 'webcodecs-node';
import { i420Pattern, encodeFrames } from '../helpers';

function heartbeat(): { stop(): number } {
  let last = performance.now();
  let maxGap = 0;
  const t = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  return { stop() { clearInterval(t); const now = performance.now(); return Math.max(maxGap, now - last); } };
}

const W = 1280;
const H = 720;

test('encoder: encode() calls and flush() of 30 queued 720p frames keep the heartbeat', async () => {
  const frames = Array.from({ length: 30 }, (_, i) => new VideoFrame(i420Pattern(W, H, i), {
    format: 'I420', codedWidth: W, codedHeight: H, timestamp: i * 33333,
  }));
  let outputs = 0;
  const enc = new VideoEncoder({ output: () => { outputs++; }, error: assert.fail });
  enc.configure({ codec: 'avc1.64001f', width: W, height: H, bitrate: 2_000_000 });
  await new Promise((r) => setTimeout(r, 20));
  const hb = heartbeat();
  for (const f of frames) enc.encode(f);
  await enc.flush();
  const gap = hb.stop();
  frames.forEach((f) => f.close());
  enc.close();
  assert.equal(outputs, 30);
  assert.ok(gap < 50, `max heartbeat gap ${gap.toFixed(1)} ms`);
});

test('decoder: flush() of 60 queued 720p chunks keeps the heartbeat', async () => {
  const { chunks, metas }: { chunks: EncodedVideoChunk[]; metas: EncodedVideoChunkMetadata[] } =
    await encodeFrames({ codec: 'avc1.64001f', width: W, height: H, bitrate: 2_000_000, latencyMode: 'realtime' }, 60);
  let outputs = 0;
  const dec = new VideoDecoder({ output: (f) => { outputs++; f.close(); }, error: assert.fail });
  const decoderConfig = metas[0].decoderConfig;
  assert.ok(decoderConfig, 'the first chunk carries a decoderConfig');
  dec.configure(decoderConfig);
  await new Promise((r) => setTimeout(r, 20));
  const hb = heartbeat();
  for (const c of chunks) dec.decode(c);
  await dec.flush();
  const gap = hb.stop();
  dec.close();
  assert.equal(outputs, 60);
  assert.ok(gap < 50, `max heartbeat gap ${gap.toFixed(1)} ms`);
});

test('close() in the middle of 1080p encoding returns at once (no join on the JS thread)', async () => {
  const enc = new VideoEncoder({ output: () => {}, error: assert.fail });
  enc.configure({ codec: 'avc1.640028', width: 1920, height: 1080 });
  const frame = new VideoFrame(i420Pattern(1920, 1080, 0), { format: 'I420', codedWidth: 1920, codedHeight: 1080, timestamp: 0 });
  for (let i = 0; i < 10; i++) enc.encode(frame);
  await new Promise((r) => setTimeout(r, 30));
  const hb = heartbeat();
  const t0 = performance.now();
  enc.close();
  const closeMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 100));
  const gap = hb.stop();
  frame.close();
  assert.ok(closeMs < 20, `close() took ${closeMs.toFixed(1)} ms`);
  assert.ok(gap < 50, `max heartbeat gap ${gap.toFixed(1)} ms`);
});
