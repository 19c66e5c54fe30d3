// Type-level test, checked by `tsc --noEmit` under `strict` with TypeScript's DOM lib (see
// tsconfig.dom.json; run by types.test.js). Browser-typed code (the DOM's WebCodecs types)
// takes our classes and objects, and our API takes DOM-typed values, both without casts.
// Nothing here runs.
import * as wc from 'webcodecs-node';

// mediabunny's `registerVideoSampleTransformer` parameter, restated (mediabunny's own
// declarations need a newer lib than this program's): it takes our transformer as it is.
declare class MediabunnyVideoSample { toVideoFrame(): VideoFrame; close(): void; }
type MediabunnyTransformer = (sample: MediabunnyVideoSample, description: {
  width: number; height: number; fit: 'fill' | 'contain' | 'cover'; rotation: 0 | 90 | 180 | 270;
  flip: boolean; crop: { left: number; top: number; width: number; height: number }; alpha: 'keep' | 'discard';
}) => MediabunnyVideoSample | null | Promise<MediabunnyVideoSample | null>;
const transformer: MediabunnyTransformer = wc.transformVideoSample;
void transformer;

// ---- our classes where the DOM's constructors are expected (what install() does) ----------

const classes: {
  VideoEncoder: typeof VideoEncoder;
  VideoDecoder: typeof VideoDecoder;
  AudioEncoder: typeof AudioEncoder;
  AudioDecoder: typeof AudioDecoder;
  VideoFrame: typeof VideoFrame;
  VideoColorSpace: typeof VideoColorSpace;
  AudioData: typeof AudioData;
  EncodedVideoChunk: typeof EncodedVideoChunk;
  EncodedAudioChunk: typeof EncodedAudioChunk;
  DOMRectReadOnly: typeof DOMRectReadOnly;
  ImageDecoder: typeof ImageDecoder;
  ImageTrackList: typeof ImageTrackList;
  ImageTrack: typeof ImageTrack;
} = wc;

// Browser code written against the globals, handed our classes.
function browserEncode(Encoder: typeof VideoEncoder, Frame: typeof VideoFrame): Promise<EncodedVideoChunk[]> {
  const chunks: EncodedVideoChunk[] = [];
  const encoder: VideoEncoder = new Encoder({
    output: (chunk: EncodedVideoChunk, metadata?: EncodedVideoChunkMetadata) => {
      chunks.push(chunk);
      const config: VideoDecoderConfig | undefined = metadata?.decoderConfig;
      void config;
    },
    error: (e: DOMException) => { throw e; },
  });
  encoder.configure({ codec: 'vp8', width: 64, height: 64 });
  const frame: VideoFrame = new Frame(new Uint8Array(64 * 64 * 4), {
    format: 'RGBA', codedWidth: 64, codedHeight: 64, timestamp: 0,
  });
  encoder.encode(frame, { keyFrame: true });
  frame.close();
  return encoder.flush().then(() => chunks);
}
void browserEncode(wc.VideoEncoder, wc.VideoFrame);
void browserEncode(classes.VideoEncoder, classes.VideoFrame);

// ---- our instances where DOM-typed values are expected ------------------------------------

// Our instances and dictionaries, by role. Assigning the whole object to the DOM-typed one
// checks every member against the DOM's type of the same name.
declare const ours: {
  frame: wc.VideoFrame; chunk: wc.EncodedVideoChunk; audioChunk: wc.EncodedAudioChunk;
  audio: wc.AudioData; encoder: wc.VideoEncoder; decoder: wc.VideoDecoder;
  audioEncoder: wc.AudioEncoder; audioDecoder: wc.AudioDecoder; color: wc.VideoColorSpace;
  imageDecoder: wc.ImageDecoder; rect: wc.DOMRectReadOnly;
  meta: wc.EncodedVideoChunkMetadata; audioMeta: wc.EncodedAudioChunkMetadata;
};
const oursAsDom: {
  frame: VideoFrame; chunk: EncodedVideoChunk; audioChunk: EncodedAudioChunk;
  audio: AudioData; encoder: VideoEncoder; decoder: VideoDecoder;
  audioEncoder: AudioEncoder; audioDecoder: AudioDecoder; color: VideoColorSpace;
  imageDecoder: ImageDecoder; rect: DOMRectReadOnly;
  meta: EncodedVideoChunkMetadata; audioMeta: EncodedAudioChunkMetadata;
} = ours;
const f2: VideoFrame = ours.frame.clone();
const csInit: VideoColorSpaceInit = ours.frame.colorSpace.toJSON();
const plane: Promise<PlaneLayout[]> = ours.frame.copyTo(new Uint8Array(16));
const support: Promise<VideoEncoderSupport> = wc.VideoEncoder.isConfigSupported({ codec: 'vp8', width: 2, height: 2 });
const support2: Promise<VideoDecoderSupport> = wc.VideoDecoder.isConfigSupported({ codec: 'vp8' });
const support3: Promise<AudioEncoderSupport> = wc.AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
const support4: Promise<AudioDecoderSupport> = wc.AudioDecoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
const decoded: Promise<ImageDecodeResult> = ours.imageDecoder.decode();
const track: ImageTrack | null = ours.imageDecoder.tracks.selectedTrack;
void [oursAsDom, f2, csInit, plane, support, support2, support3, support4, decoded, track];

// DOM-typed callbacks and handlers given to our classes.
const domOutput: EncodedVideoChunkOutputCallback = (chunk, metadata) => { void chunk; void metadata; };
const domFrameOutput: VideoFrameOutputCallback = (frame) => frame.close();
const domAudioChunkOutput: EncodedAudioChunkOutputCallback = (chunk, metadata) => { void chunk; void metadata; };
const domAudioOutput: AudioDataOutputCallback = (data) => data.close();
const domError: WebCodecsErrorCallback = (e) => { void e.name; };
const encoderInit: VideoEncoderInit = { output: domOutput, error: domError };
const enc = new wc.VideoEncoder(encoderInit);
const dec = new wc.VideoDecoder({ output: domFrameOutput, error: domError });
const aenc = new wc.AudioEncoder({ output: domAudioChunkOutput, error: domError });
const adec = new wc.AudioDecoder({ output: domAudioOutput, error: domError });
enc.ondequeue = function (this: VideoEncoder, ev: Event) { void this.encodeQueueSize; void ev.type; };
enc.addEventListener('dequeue', (ev: Event) => { void ev; });
void [dec, aenc, adec];

// ---- DOM-typed values where ours are expected ---------------------------------------------

declare const dom: {
  frame: VideoFrame; chunk: EncodedVideoChunk; audioChunk: EncodedAudioChunk; audio: AudioData;
  encoder: VideoEncoder; color: VideoColorSpace; rect: DOMRectReadOnly; imageDecoder: ImageDecoder;
  encoderConfig: VideoEncoderConfig; decoderConfig: VideoDecoderConfig;
  audioEncoderConfig: AudioEncoderConfig; audioDecoderConfig: AudioDecoderConfig;
  bufferInit: VideoFrameBufferInit; frameInit: VideoFrameInit; copyOptions: VideoFrameCopyToOptions;
  audioInit: AudioDataInit; chunkInit: EncodedVideoChunkInit; imageInit: ImageDecoderInit;
  imageData: ImageData; canvas: HTMLCanvasElement;
};
// Every DOM instance where ours of the same name is expected, member by member as above.
const domAsOurs: {
  frame: wc.VideoFrame; chunk: wc.EncodedVideoChunk; audioChunk: wc.EncodedAudioChunk; audio: wc.AudioData;
  encoder: wc.VideoEncoder; color: wc.VideoColorSpace; rect: wc.DOMRectReadOnly; imageDecoder: wc.ImageDecoder;
} = dom;
void domAsOurs;

enc.configure(dom.encoderConfig);
enc.encode(dom.frame);
dec.configure(dom.decoderConfig);
dec.decode(dom.chunk);
aenc.configure(dom.audioEncoderConfig);
aenc.encode(dom.audio);
adec.configure(dom.audioDecoderConfig);
adec.decode(dom.audioChunk);
void new wc.VideoFrame(new Uint8Array(4), dom.bufferInit);
void new wc.VideoFrame(dom.frame, dom.frameInit);
void new wc.VideoFrame(dom.imageData, { timestamp: 0 });
void new wc.VideoFrame(dom.canvas, { timestamp: 0 });
void ours.frame.allocationSize(dom.copyOptions);
void new wc.AudioData(dom.audioInit);
void new wc.EncodedVideoChunk(dom.chunkInit);
void new wc.ImageDecoder(dom.imageInit);
void new wc.VideoColorSpace(dom.color.toJSON());

// ---- what the DOM lib lacks is still there, as optional members ---------------------------

const rotation: number | undefined = ours.frame.rotation;
const layer: number | undefined = ours.meta.svc?.temporalLayerId;
const alpha: ArrayBuffer | undefined = ours.meta.alphaSideData;
enc.configure({ codec: 'hvc1.1.6.L93.B0', width: 64, height: 64, hevc: { format: 'annexb' } });
enc.encode(ours.frame, { keyFrame: false, vp9: { quantizer: 30 } });
void new wc.VideoFrame(new Uint8Array(16), { format: 'I420P10', codedWidth: 2, codedHeight: 2, timestamp: 0, rotation: 90 });
void [rotation, layer, alpha];

// ---- and wrong things are still errors ----------------------------------------------------

// @ts-expect-error: codec is required
enc.configure({ width: 64, height: 64 });
// @ts-expect-error: not a pixel format
void new wc.VideoFrame(new Uint8Array(4), { format: 'YUV', codedWidth: 1, codedHeight: 1, timestamp: 0 });
// @ts-expect-error: encode() takes a frame, not a chunk
enc.encode(dom.chunk);
// @ts-expect-error: read-only attribute
ours.imageDecoder.tracks.selectedIndex = 1;
// @ts-expect-error: AudioData.copyTo() needs its options (planeIndex)
ours.audio.copyTo(new Uint8Array(4));
