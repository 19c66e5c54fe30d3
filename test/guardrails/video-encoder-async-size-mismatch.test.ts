// Guardrail: frames whose size or format differ from the configuration never read out of
// bounds. Policy (as Chromium): the encoder scales/converts every frame's visible rect to the
// configured size. Data too short for its declared format and size is a TypeError at
// VideoFrame construction.
import test from 'node:test';
import assert from 'node:assert/strict';
import { VideoEncoder, VideoFrame } from 'webcodecs-node';
import type { EncodedVideoChunk, VideoDecoderConfig, VideoEncoderConfig } from 'webcodecs-node';
import { i420Pattern, rgbaPattern, decodeChunks, frameY, psnr } from '../helpers';

async function encodeMixed(config: VideoEncoderConfig, frames: VideoFrame[]): Promise<{ chunks: EncodedVideoChunk[]; decoderConfig: VideoDecoderConfig }> {
  const chunks: EncodedVideoChunk[] = [];
  let decoderConfig: VideoDecoderConfig | undefined;
  const errors: DOMException[] = [];
  const enc = new VideoEncoder({
    output: (c, m) => { chunks.push(c); if (m.decoderConfig) decoderConfig = m.decoderConfig; },
    error: (e) => errors.push(e),
  });
  enc.configure(config);
  for (const f of frames) { enc.encode(f); f.close(); }
  await enc.flush();
  enc.close();
  assert.deepEqual(errors, []);
  assert.ok(decoderConfig, 'the first chunk carries a decoderConfig');
  return { chunks, decoderConfig };
}

for (const codec of ['avc1.42001f', 'vp8']) {
  test(`${codec}: larger, smaller and RGBA frames are scaled to the configured size`, async () => {
    const frames = [
      new VideoFrame(i420Pattern(320, 240, 0), { format: 'I420', codedWidth: 320, codedHeight: 240, timestamp: 0 }),
      new VideoFrame(i420Pattern(640, 480, 1), { format: 'I420', codedWidth: 640, codedHeight: 480, timestamp: 1 }),
      new VideoFrame(i420Pattern(160, 120, 2), { format: 'I420', codedWidth: 160, codedHeight: 120, timestamp: 2 }),
      new VideoFrame(rgbaPattern(320, 240, 3), { format: 'RGBA', codedWidth: 320, codedHeight: 240, timestamp: 3 }),
      new VideoFrame(i420Pattern(330, 250, 4), { format: 'I420', codedWidth: 330, codedHeight: 250, timestamp: 4 }),
    ];
    const { chunks, decoderConfig } = await encodeMixed({ codec, width: 320, height: 240, bitrate: 800_000 }, frames);
    assert.deepEqual(chunks.map((c) => c.timestamp), [0, 1, 2, 3, 4]);
    const decoded: VideoFrame[] = await decodeChunks(decoderConfig, chunks);
    assert.equal(decoded.length, 5);
    for (const f of decoded) {
      assert.equal(f.codedWidth, 320);
      assert.equal(f.codedHeight, 240);
    }
    // The 640x480 frame, downscaled, still resembles the same pattern downscaled.
    const y = await frameY(decoded[0]);
    assert.ok(psnr(y, i420Pattern(320, 240, 0)) > 30);
    decoded.forEach((f) => f.close());
  });
}

test('a visibleRect crop is what gets encoded', async () => {
  // A 320x240 frame placed in the middle of a 480x360 coded area of garbage.
  const big = new Uint8Array(480 * 360 * 3 / 2).fill(0);
  const src = i420Pattern(320, 240, 5);
  for (let y = 0; y < 240; y++) big.set(src.subarray(y * 320, y * 320 + 320), (y + 60) * 480 + 80);
  const frame = new VideoFrame(big, {
    format: 'I420', codedWidth: 480, codedHeight: 360, timestamp: 0,
    visibleRect: { x: 80, y: 60, width: 320, height: 240 },
  });
  const { chunks, decoderConfig } = await encodeMixed({ codec: 'vp8', width: 320, height: 240, bitrate: 2_000_000 }, [frame]);
  const [d]: VideoFrame[] = await decodeChunks(decoderConfig, chunks);
  assert.ok(psnr(await frameY(d), src) > 30);
  d.close();
});

test('data too short for the format and size is a TypeError at construction', () => {
  assert.throws(() => new VideoFrame(new Uint8Array(320 * 240), { format: 'I420', codedWidth: 320, codedHeight: 240, timestamp: 0 }), TypeError);
  assert.throws(() => new VideoFrame(new Uint8Array(320 * 240 * 4 - 1), { format: 'RGBA', codedWidth: 320, codedHeight: 240, timestamp: 0 }), TypeError);
  // A layout pointing past the end of the data.
  assert.throws(() => new VideoFrame(new Uint8Array(1000), {
    format: 'RGBA', codedWidth: 10, codedHeight: 10, timestamp: 0, layout: [{ offset: 601, stride: 40 }],
  }), TypeError);
  // A visible rect outside the coded size.
  assert.throws(() => new VideoFrame(new Uint8Array(400), {
    format: 'RGBA', codedWidth: 10, codedHeight: 10, timestamp: 0, visibleRect: { x: 5, y: 0, width: 10, height: 10 },
  }), TypeError);
  assert.throws(() => new VideoFrame(new Uint8Array(400), { format: 'RGBA', codedWidth: 0, codedHeight: 10, timestamp: 0 }), TypeError);
  // @ts-expect-error: 'XYZ' is not a pixel format (the types say so too)
  assert.throws(() => new VideoFrame(new Uint8Array(400), { format: 'XYZ', codedWidth: 10, codedHeight: 10, timestamp: 0 }), TypeError);
});

test('encoding a closed frame is a TypeError, and the encoder keeps working', async () => {
  const out: EncodedVideoChunk[] = [];
  const enc = new VideoEncoder({ output: (c) => out.push(c), error: assert.fail });
  enc.configure({ codec: 'vp8', width: 64, height: 64 });
  const f = new VideoFrame(i420Pattern(64, 64, 0), { format: 'I420', codedWidth: 64, codedHeight: 64, timestamp: 0 });
  f.close();
  assert.throws(() => enc.encode(f), TypeError);
  assert.equal(enc.encodeQueueSize, 0);
  const g = new VideoFrame(i420Pattern(64, 64, 1), { format: 'I420', codedWidth: 64, codedHeight: 64, timestamp: 1 });
  enc.encode(g);
  g.close();
  await enc.flush();
  assert.equal(out.length, 1);
  enc.close();
});
