// Guardrail: keyframe requests are honoured exactly, for every codec we encode.
import test from 'node:test';
import assert from 'node:assert/strict';
import type { EncodedVideoChunk, EncodedVideoChunkMetadata, VideoEncoderConfig, VideoFrame } from 'webcodecs-node';
import { encodeFrames, decodeChunks } from '../helpers';

interface Encoded { chunks: EncodedVideoChunk[]; metas: EncodedVideoChunkMetadata[] }

const CADENCE = (i: number): boolean => i % 10 === 0;
const configs: { name: string; config: VideoEncoderConfig }[] = [
  { name: 'H.264 avc quality', config: { codec: 'avc1.42001f', width: 320, height: 240, bitrate: 500_000 } },
  { name: 'H.264 annexb realtime', config: { codec: 'avc1.4d001f', width: 320, height: 240, bitrate: 500_000, latencyMode: 'realtime', avc: { format: 'annexb' } } },
  { name: 'VP8 quality', config: { codec: 'vp8', width: 320, height: 240, bitrate: 500_000 } },
  { name: 'VP8 realtime', config: { codec: 'vp8', width: 320, height: 240, bitrate: 500_000, latencyMode: 'realtime' } },
  { name: 'VP9 quality', config: { codec: 'vp09.00.10.08', width: 320, height: 240, bitrate: 500_000 } },
  { name: 'AV1 realtime', config: { codec: 'av01.0.04M.08', width: 320, height: 240, bitrate: 500_000, latencyMode: 'realtime' } },
];

for (const { name, config } of configs) {
  test(`${name}: keyFrame on every 10th of 60 frames gives exactly those key chunks`, async () => {
    const { chunks, metas }: Encoded = await encodeFrames(config, 60, { keyFrameAt: CADENCE });
    assert.equal(chunks.length, 60);
    const types = chunks.map((c) => c.type);
    const expected = Array.from({ length: 60 }, (_, i) => (CADENCE(i) ? 'key' : 'delta'));
    assert.deepEqual(types, expected);
    const decoderConfig = metas[0].decoderConfig;
    assert.ok(decoderConfig, 'first chunk carries decoderConfig');
    assert.equal(decoderConfig.codec, config.codec);
    // Timestamps are the frames' own, in order.
    assert.deepEqual(chunks.map((c) => c.timestamp), Array.from({ length: 60 }, (_, i) => Math.round((i * 1e6) / 30)));
    // Decoding can start at any requested key chunk.
    const fromMid: VideoFrame[] = await decodeChunks(decoderConfig, chunks.slice(30));
    assert.equal(fromMid.length, 30);
    fromMid.forEach((f) => f.close());
  });
}

test('H.264 keyframe request mid-GOP without a cadence', async () => {
  const at = new Set([0, 7, 8, 29]);
  const { chunks }: Encoded = await encodeFrames({ codec: 'avc1.64001f', width: 320, height: 240 }, 30, { keyFrameAt: (i: number) => at.has(i) });
  assert.deepEqual(chunks.map((c, i) => [i, c.type]).filter(([, t]) => t === 'key').map(([i]) => i), [0, 7, 8, 29]);
});
