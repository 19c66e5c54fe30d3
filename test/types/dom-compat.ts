// Type-level test, checked by `tsc --noEmit` under `strict` with TypeScript's DOM lib (see
// tsconfig.dom.json; run by types.test.js). Browser-typed code (the DOM's WebCodecs types)
// takes our classes and objects, and our API takes DOM-typed values, both without casts.
// Nothing here runs.
import * as wc from 'webcodecs-node';

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

declare const ourFrame: wc.VideoFrame;
declare const ourChunk: wc.EncodedVideoChunk;
declare const ourAudioChunk: wc.EncodedAudioChunk;
declare const ourAudio: wc.AudioData;
declare const ourEncoder: wc.VideoEncoder;
declare const ourDecoder: wc.VideoDecoder;
declare const ourAudioEncoder: wc.AudioEncoder;
declare const ourAudioDecoder: wc.AudioDecoder;
declare const ourColor: wc.VideoColorSpace;
declare const ourImageDecoder: wc.ImageDecoder;
declare const ourRect: wc.DOMRectReadOnly;
declare const ourMeta: wc.EncodedVideoChunkMetadata;
declare const ourAudioMeta: wc.EncodedAudioChunkMetadata;

const f1: VideoFrame = ourFrame;
const f2: VideoFrame = ourFrame.clone();
const c1: EncodedVideoChunk = ourChunk;
const c2: EncodedAudioChunk = ourAudioChunk;
const a1: AudioData = ourAudio;
const e1: VideoEncoder = ourEncoder;
const d1: VideoDecoder = ourDecoder;
const e2: AudioEncoder = ourAudioEncoder;
const d2: AudioDecoder = ourAudioDecoder;
const cs: VideoColorSpace = ourColor;
const id: ImageDecoder = ourImageDecoder;
const r1: DOMRectReadOnly = ourRect;
const m1: EncodedVideoChunkMetadata = ourMeta;
const m2: EncodedAudioChunkMetadata = ourAudioMeta;
const csInit: VideoColorSpaceInit = ourFrame.colorSpace.toJSON();
const plane: Promise<PlaneLayout[]> = ourFrame.copyTo(new Uint8Array(16));
const support: Promise<VideoEncoderSupport> = wc.VideoEncoder.isConfigSupported({ codec: 'vp8', width: 2, height: 2 });
const support2: Promise<VideoDecoderSupport> = wc.VideoDecoder.isConfigSupported({ codec: 'vp8' });
const support3: Promise<AudioEncoderSupport> = wc.AudioEncoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
const support4: Promise<AudioDecoderSupport> = wc.AudioDecoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
const decoded: Promise<ImageDecodeResult> = ourImageDecoder.decode();
const track: ImageTrack | null = ourImageDecoder.tracks.selectedTrack;
void [f1, f2, c1, c2, a1, e1, d1, e2, d2, cs, id, r1, m1, m2, csInit, plane, support, support2, support3, support4, decoded, track];

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

declare const domFrame: VideoFrame;
declare const domChunk: EncodedVideoChunk;
declare const domAudioChunk: EncodedAudioChunk;
declare const domAudio: AudioData;
declare const domEncoder: VideoEncoder;
declare const domColor: VideoColorSpace;
declare const domRect: DOMRectReadOnly;
declare const domImageDecoder: ImageDecoder;
declare const domEncoderConfig: VideoEncoderConfig;
declare const domDecoderConfig: VideoDecoderConfig;
declare const domAudioEncoderConfig: AudioEncoderConfig;
declare const domAudioDecoderConfig: AudioDecoderConfig;
declare const domBufferInit: VideoFrameBufferInit;
declare const domFrameInit: VideoFrameInit;
declare const domCopyOptions: VideoFrameCopyToOptions;
declare const domAudioInit: AudioDataInit;
declare const domChunkInit: EncodedVideoChunkInit;
declare const domImageInit: ImageDecoderInit;
declare const domImageData: ImageData;
declare const domCanvas: HTMLCanvasElement;

const g1: wc.VideoFrame = domFrame;
const g2: wc.EncodedVideoChunk = domChunk;
const g3: wc.EncodedAudioChunk = domAudioChunk;
const g4: wc.AudioData = domAudio;
const g5: wc.VideoEncoder = domEncoder;
const g6: wc.VideoColorSpace = domColor;
const g7: wc.DOMRectReadOnly = domRect;
const g8: wc.ImageDecoder = domImageDecoder;
void [g1, g2, g3, g4, g5, g6, g7, g8];

enc.configure(domEncoderConfig);
enc.encode(domFrame);
dec.configure(domDecoderConfig);
dec.decode(domChunk);
aenc.configure(domAudioEncoderConfig);
aenc.encode(domAudio);
adec.configure(domAudioDecoderConfig);
adec.decode(domAudioChunk);
void new wc.VideoFrame(new Uint8Array(4), domBufferInit);
void new wc.VideoFrame(domFrame, domFrameInit);
void new wc.VideoFrame(domImageData, { timestamp: 0 });
void new wc.VideoFrame(domCanvas, { timestamp: 0 });
void ourFrame.allocationSize(domCopyOptions);
void new wc.AudioData(domAudioInit);
void new wc.EncodedVideoChunk(domChunkInit);
void new wc.ImageDecoder(domImageInit);
void new wc.VideoColorSpace(domColor.toJSON());

// ---- what the DOM lib lacks is still there, as optional members ---------------------------

const rotation: number | undefined = ourFrame.rotation;
const layer: number | undefined = ourMeta.svc?.temporalLayerId;
const alpha: ArrayBuffer | undefined = ourMeta.alphaSideData;
enc.configure({ codec: 'hvc1.1.6.L93.B0', width: 64, height: 64, hevc: { format: 'annexb' } });
enc.encode(ourFrame, { keyFrame: false, vp9: { quantizer: 30 } });
void new wc.VideoFrame(new Uint8Array(16), { format: 'I420P10', codedWidth: 2, codedHeight: 2, timestamp: 0, rotation: 90 });
void [rotation, layer, alpha];

// ---- and wrong things are still errors ----------------------------------------------------

// @ts-expect-error: codec is required
enc.configure({ width: 64, height: 64 });
// @ts-expect-error: not a pixel format
void new wc.VideoFrame(new Uint8Array(4), { format: 'YUV', codedWidth: 1, codedHeight: 1, timestamp: 0 });
// @ts-expect-error: encode() takes a frame, not a chunk
enc.encode(domChunk);
// @ts-expect-error: read-only attribute
ourImageDecoder.tracks.selectedIndex = 1;
// @ts-expect-error: AudioData.copyTo() needs its options (planeIndex)
ourAudio.copyTo(new Uint8Array(4));
