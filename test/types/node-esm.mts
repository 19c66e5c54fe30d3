// Type-level test, checked by `tsc --noEmit` under `strict` with @types/node and no DOM lib
// (tsconfig.node.json; run by types.test.js): a Node program sees this package's own types,
// which describe everything it implements. Resolved through package.json "exports" (ESM).
// Nothing here runs.
import webcodecs, {
  VideoEncoder, VideoDecoder, VideoFrame, VideoColorSpace, AudioEncoder, AudioDecoder, AudioData,
  EncodedVideoChunk, EncodedAudioChunk, DOMRectReadOnly, ImageDecoder, install,
} from 'webcodecs-node';
import type {
  VideoPixelFormat, VideoEncoderConfig, EncodedVideoChunkMetadata, VideoDecoderConfig,
  CodecState, ImageTrack, InterfaceName, PlaneLayout,
} from 'webcodecs-node';
import 'webcodecs-node/polyfill';
import { readFileSync } from 'node:fs';

// The default export is the whole API.
const same: typeof VideoEncoder = webcodecs.VideoEncoder;
const names: InterfaceName[] = install({ overwrite: false });
void [same, names];

// All the spec's pixel formats and colour enums, rotation and flip.
const frame = new VideoFrame(new Uint8Array(8 * 8 * 3), {
  format: 'I444P10', codedWidth: 4, codedHeight: 4, timestamp: 0, rotation: 90, flip: true,
  colorSpace: { primaries: 'bt2020', transfer: 'pq', matrix: 'bt2020-ncl', fullRange: false },
  metadata: { rtpTimestamp: 1 },
});
const format: VideoPixelFormat | null = frame.format;
const rotation: number = frame.rotation;
const flip: boolean = frame.flip;
const rtp: number | undefined = frame.metadata().rtpTimestamp;
const transfer: 'pq' | 'hlg' | 'linear' | 'bt709' | 'smpte170m' | 'iec61966-2-1' | null = frame.colorSpace.transfer;
const rect: DOMRectReadOnly | null = frame.visibleRect;
const layout: Promise<PlaneLayout[]> = frame.copyTo(new Uint8Array(1024), { format: 'RGBA', colorSpace: 'display-p3' });
void [format, rotation, flip, rtp, transfer, rect, layout];

// An ImageData-like object and a canvas-like object.
void new VideoFrame({ data: new Uint8ClampedArray(16), width: 2, height: 2 }, { timestamp: 0, alpha: 'discard' });
const canvas = {
  width: 2, height: 2,
  getContext: (_id: '2d') => ({ getImageData: () => ({ data: new Uint8ClampedArray(16), width: 2, height: 2 }) }),
};
void new VideoFrame(canvas, { timestamp: 0 });

// Encoders: every config member, SVC and alpha metadata.
const config: VideoEncoderConfig = {
  codec: 'av01.0.04M.08', width: 320, height: 240, bitrate: 500_000, framerate: 30,
  bitrateMode: 'quantizer', latencyMode: 'realtime', scalabilityMode: 'L1T3', alpha: 'discard',
  contentHint: 'text', hardwareAcceleration: 'prefer-software', av1: { forceScreenContentTools: true },
  avc: { format: 'annexb' }, hevc: { format: 'hevc' }, displayWidth: 320, displayHeight: 240,
};
const encoder = new VideoEncoder({
  output(chunk, metadata: EncodedVideoChunkMetadata) {
    const layer: number | undefined = metadata.svc?.temporalLayerId;
    const side: ArrayBuffer | undefined = metadata.alphaSideData;
    const dc: VideoDecoderConfig | undefined = metadata.decoderConfig;
    const bytes = new Uint8Array(chunk.byteLength);
    chunk.copyTo(bytes);
    void [layer, side, dc];
  },
  error(e: DOMException) { console.error(e.name); },
});
encoder.configure(config);
encoder.encode(frame, { keyFrame: true, av1: { quantizer: 40 } });
encoder.ondequeue = () => { const state: CodecState = encoder.state; void state; };
void encoder.flush().then(() => encoder.close());
void VideoEncoder.isConfigSupported(config).then((s) => { const ok: boolean = s.supported; const c: VideoEncoderConfig = s.config; void [ok, c]; });

const decoder = new VideoDecoder({ output: (f: VideoFrame) => f.close(), error: () => {} });
decoder.configure({ codec: 'vp09.00.10.08', rotation: 180, flip: false, colorSpace: { matrix: 'bt709' } });
decoder.decode(new EncodedVideoChunk({ type: 'key', timestamp: 0, data: new Uint8Array(1) }));

// Audio.
const audioEncoder = new AudioEncoder({
  output: (chunk, metadata) => { void chunk.type; void metadata.decoderConfig?.description; },
  error: () => {},
});
audioEncoder.configure({
  codec: 'flac', sampleRate: 48000, numberOfChannels: 2, flac: { blockSize: 4608, compressLevel: 8 },
  opus: { application: 'voip', signal: 'voice', frameDuration: 10000, usedtx: true }, aac: { format: 'adts' },
});
const data = new AudioData({
  format: 's16', sampleRate: 48000, numberOfFrames: 2, numberOfChannels: 1, timestamp: 0, data: new Int16Array(2),
});
audioEncoder.encode(data);
const copy = new Float32Array(data.allocationSize({ planeIndex: 0, format: 'f32' }) / 4);
data.copyTo(copy, { planeIndex: 0, format: 'f32' });
const audioDecoder = new AudioDecoder({ output: (d: AudioData) => d.close(), error: () => {} });
audioDecoder.decode(new EncodedAudioChunk({ type: 'key', timestamp: 0, data: new Uint8Array(1) }));

// ImageDecoder: a buffer or a web stream, tracks as a list and an iterable.
const image = new ImageDecoder({ type: 'image/png', data: readFileSync('x.png'), preferAnimation: false });
const stream = new ReadableStream<Uint8Array>();
void new ImageDecoder({ type: 'image/gif', data: stream, colorSpaceConversion: 'none' });
void image.tracks.ready.then(async () => {
  const first: ImageTrack | undefined = image.tracks[0];
  for (const t of image.tracks) { const n: number = t.frameCount; void n; }
  const { image: decoded, complete } = await image.decode({ frameIndex: 0, completeFramesOnly: false });
  decoded.close();
  void [first, complete];
});
void ImageDecoder.isTypeSupported('image/avif');
void new VideoColorSpace({ primaries: 'smpte432' }).toJSON();

// @ts-expect-error: not a VideoEncoderConfig member type
encoder.configure({ codec: 'vp8', width: 1, height: 1, latencyMode: 'fast' });
// @ts-expect-error: read-only attribute
frame.rotation = 0;
