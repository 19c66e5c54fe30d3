// Type definitions for webcodecs-node: the W3C WebCodecs API (https://w3c.github.io/webcodecs/)
// as implemented by this package (lib/*.js).
//
// Two worlds meet here. A Node program (with @types/node, without the DOM lib) gets this file's
// own interfaces, which describe everything the package implements: all 23 pixel formats, the
// full colour-space enums, rotation/flip, SVC metadata, the HEVC/AV1/VP9/FLAC/AAC options. A
// program that also has WebCodecs types of its own (TypeScript's `lib: ["dom"]`, or
// @types/dom-webcodecs) gets, for everything these classes return, the platform's types with our
// extra members added as optional ones. So browser-typed code takes our objects and gives
// them back without casts, in both directions. Inputs (configs, inits, options) always take
// this file's own wider dictionaries, which accept whatever the platform's types allow.
//
// Needs the globals EventTarget, Event, DOMException and ReadableStream, which @types/node and
// the DOM lib both declare.

// ---- the platform switch -------------------------------------------------------------------

/** The platform's constructor object for interface `K` (e.g. lib.dom's), or `unknown`. */
type PlatformCtor<K extends string> = typeof globalThis extends Record<K, infer C> ? C : unknown;
/** The platform's instance type for interface `K`, or `never` when it has none. */
type PlatformOf<K extends string> =
  typeof globalThis extends Record<K, { prototype: infer T }> ? T : never;
/**
 * A type the package hands out: the platform's `Platform` with our own members added as
 * optional ones when the platform has such a type, else our own `Own`.
 */
type Out<Platform, Own> = [Platform] extends [never] ? Own : Platform & Partial<Own>;
/** The platform's type for what an encoder of interface `K` passes as its output metadata. */
type PlatformOutputMetadata<K extends string> = PlatformCtor<K> extends new (init: infer I) => unknown
  ? I extends { output: (chunk: never, metadata?: infer M) => unknown } ? NonNullable<M> : never
  : never;
/** The platform's type for what `isConfigSupported()` of interface `K` resolves to. */
type PlatformSupport<K extends string> =
  PlatformCtor<K> extends { isConfigSupported(config: never): Promise<infer S> } ? S : never;

// ---- buffers and geometry ------------------------------------------------------------------

/** An ArrayBuffer, a SharedArrayBuffer or a view on either (the IDL's AllowSharedBufferSource). */
export type AllowSharedBufferSource = ArrayBufferLike | ArrayBufferView;
/** An ArrayBuffer or a view on one (the IDL's BufferSource). */
export type BufferSource = ArrayBufferLike | ArrayBufferView;

/** A rectangle given as a dictionary (`x`, `y`, `width`, `height`, each 0 when missing). */
export interface DOMRectInit {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
}

/** Our own DOMRectReadOnly (Node has none; the runtime's own is used where it exists). */
export interface OwnDOMRectReadOnly {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
  readonly left: number;
  /** `{ x, y, width, height, top, right, bottom, left }`. */
  toJSON(): any;
}
/** A read-only rectangle (`VideoFrame.codedRect`, `visibleRect`). */
export type DOMRectReadOnly = Out<PlatformOf<'DOMRectReadOnly'>, OwnDOMRectReadOnly>;
/** The DOMRectReadOnly constructor. */
export interface DOMRectReadOnlyConstructor {
  readonly prototype: DOMRectReadOnly;
  new (x?: number, y?: number, width?: number, height?: number): DOMRectReadOnly;
  fromRect(other?: DOMRectInit): DOMRectReadOnly;
}

// ---- enums ---------------------------------------------------------------------------------

/** https://w3c.github.io/webcodecs/#enumdef-codecstate */
export type CodecState = 'unconfigured' | 'configured' | 'closed';
/** https://w3c.github.io/webcodecs/#enumdef-hardwareacceleration */
export type HardwareAcceleration = 'no-preference' | 'prefer-hardware' | 'prefer-software';
/** https://w3c.github.io/webcodecs/#enumdef-alphaoption */
export type AlphaOption = 'keep' | 'discard';
/** https://w3c.github.io/webcodecs/#enumdef-latencymode */
export type LatencyMode = 'quality' | 'realtime';
/** https://w3c.github.io/webcodecs/#enumdef-videoencoderbitratemode */
export type VideoEncoderBitrateMode = 'constant' | 'variable' | 'quantizer';
/** https://w3c.github.io/webcodecs/#enumdef-bitratemode */
export type BitrateMode = 'constant' | 'variable';
/** `key` or `delta` (https://w3c.github.io/webcodecs/#enumdef-encodedvideochunktype). */
export type EncodedVideoChunkType = 'key' | 'delta';
/** `key` or `delta` (https://w3c.github.io/webcodecs/#enumdef-encodedaudiochunktype). */
export type EncodedAudioChunkType = 'key' | 'delta';
/** Every pixel format of the spec; `VideoFrame` takes all of them. */
export type VideoPixelFormat =
  | 'I420' | 'I420P10' | 'I420P12' | 'I420A' | 'I420AP10' | 'I420AP12'
  | 'I422' | 'I422P10' | 'I422P12' | 'I422A' | 'I422AP10' | 'I422AP12'
  | 'I444' | 'I444P10' | 'I444P12' | 'I444A' | 'I444AP10' | 'I444AP12'
  | 'NV12' | 'RGBA' | 'RGBX' | 'BGRA' | 'BGRX';
/** https://w3c.github.io/webcodecs/#enumdef-audiosampleformat */
export type AudioSampleFormat =
  | 'u8' | 's16' | 's32' | 'f32' | 'u8-planar' | 's16-planar' | 's32-planar' | 'f32-planar';
/** https://w3c.github.io/webcodecs/#enumdef-videocolorprimaries */
export type VideoColorPrimaries = 'bt709' | 'bt470bg' | 'smpte170m' | 'bt2020' | 'smpte432';
/** https://w3c.github.io/webcodecs/#enumdef-videotransfercharacteristics */
export type VideoTransferCharacteristics =
  | 'bt709' | 'smpte170m' | 'iec61966-2-1' | 'linear' | 'pq' | 'hlg';
/** https://w3c.github.io/webcodecs/#enumdef-videomatrixcoefficients */
export type VideoMatrixCoefficients = 'rgb' | 'bt709' | 'bt470bg' | 'smpte170m' | 'bt2020-ncl';
/** The colour space `VideoFrame.copyTo()` converts RGB output to. */
export type PredefinedColorSpace = 'srgb' | 'display-p3';
/** `avc` (length-prefixed NAL units, avcC description) or `annexb` (start codes). */
export type AvcBitstreamFormat = 'annexb' | 'avc';
/** `hevc` (length-prefixed NAL units, hvcC description) or `annexb` (start codes). */
export type HevcBitstreamFormat = 'annexb' | 'hevc';
/** `opus` (raw packets) or `ogg`. */
export type OpusBitstreamFormat = 'opus' | 'ogg';
/** libopus's application mode. */
export type OpusApplication = 'voip' | 'audio' | 'lowdelay';
/** libopus's signal hint. */
export type OpusSignal = 'auto' | 'music' | 'voice';
/** `aac` (raw, AudioSpecificConfig description) or `adts`. */
export type AacBitstreamFormat = 'aac' | 'adts';
/** Whether ImageDecoder applies an embedded colour profile (`default`) or not (`none`). */
export type ColorSpaceConversion = 'default' | 'none';

// ---- callbacks -----------------------------------------------------------------------------

/** Receives a codec's error (a DOMException; the codec is closed by then). */
export type WebCodecsErrorCallback = (error: DOMException) => void;
/** Receives each encoded video chunk and its metadata. */
export type EncodedVideoChunkOutputCallback =
  (chunk: EncodedVideoChunk, metadata: EncodedVideoChunkMetadata) => void;
/** Receives each encoded audio chunk and its metadata. */
export type EncodedAudioChunkOutputCallback =
  (chunk: EncodedAudioChunk, metadata: EncodedAudioChunkMetadata) => void;
/** Receives each decoded frame; close it when done. */
export type VideoFrameOutputCallback = (output: VideoFrame) => void;
/** Receives each decoded AudioData; close it when done. */
export type AudioDataOutputCallback = (output: AudioData) => void;

// ---- colour --------------------------------------------------------------------------------

/** https://w3c.github.io/webcodecs/#dictdef-videocolorspaceinit */
export interface VideoColorSpaceInit {
  primaries?: VideoColorPrimaries | null;
  transfer?: VideoTransferCharacteristics | null;
  matrix?: VideoMatrixCoefficients | null;
  fullRange?: boolean | null;
}
/** Our VideoColorSpace. */
export interface OwnVideoColorSpace {
  readonly primaries: VideoColorPrimaries | null;
  readonly transfer: VideoTransferCharacteristics | null;
  readonly matrix: VideoMatrixCoefficients | null;
  readonly fullRange: boolean | null;
  toJSON(): VideoColorSpaceInit;
}
/** https://w3c.github.io/webcodecs/#videocolorspace */
export type VideoColorSpace = Out<PlatformOf<'VideoColorSpace'>, OwnVideoColorSpace>;
/** The VideoColorSpace constructor. */
export interface VideoColorSpaceConstructor {
  readonly prototype: VideoColorSpace;
  new (init?: VideoColorSpaceInit): VideoColorSpace;
}

// ---- VideoFrame ----------------------------------------------------------------------------

/** Where a plane starts in a buffer and its row length, in bytes. */
export interface PlaneLayout {
  offset: number;
  stride: number;
}
/** Metadata carried by a frame (the VideoFrame Metadata Registry: `rtpTimestamp`). */
export interface VideoFrameMetadata {
  rtpTimestamp?: number;
}
/** Init for a frame made from an image, a canvas or another frame. */
export interface VideoFrameInit {
  /** Required for an image or canvas source; defaults to the source frame's. */
  timestamp?: number;
  duration?: number;
  alpha?: AlphaOption;
  visibleRect?: DOMRectInit;
  rotation?: number;
  flip?: boolean;
  displayWidth?: number;
  displayHeight?: number;
  metadata?: VideoFrameMetadata;
}
/** Init for a frame made from raw planes in a buffer. */
export interface VideoFrameBufferInit {
  format: VideoPixelFormat;
  codedWidth: number;
  codedHeight: number;
  timestamp: number;
  duration?: number;
  layout?: PlaneLayout[];
  visibleRect?: DOMRectInit;
  rotation?: number;
  flip?: boolean;
  displayWidth?: number;
  displayHeight?: number;
  colorSpace?: VideoColorSpaceInit;
  /** ArrayBuffers to detach once the planes are copied. */
  transfer?: ArrayBuffer[];
  metadata?: VideoFrameMetadata;
}
/** Options of `VideoFrame.copyTo()` and `allocationSize()`. */
export interface VideoFrameCopyToOptions {
  rect?: DOMRectInit;
  layout?: PlaneLayout[];
  /** The frame's own format, or RGBA/RGBX/BGRA/BGRX for a conversion. */
  format?: VideoPixelFormat;
  /** The RGB colour space of a conversion (default `srgb`). */
  colorSpace?: PredefinedColorSpace;
}
/** RGBA bytes with a size, as an `ImageData` has them. */
export interface ImageDataLike {
  readonly data: Uint8ClampedArray | Uint8Array;
  readonly width: number;
  readonly height: number;
}
/** A canvas of a Node canvas library (read back through its 2D context). */
export interface CanvasLike {
  readonly width: number;
  readonly height: number;
  getContext(contextId: '2d', ...rest: any[]): { getImageData(sx: number, sy: number, sw: number, sh: number): ImageDataLike } | null;
}
/** Our VideoFrame. */
export interface OwnVideoFrame {
  readonly format: VideoPixelFormat | null;
  readonly codedWidth: number;
  readonly codedHeight: number;
  readonly codedRect: DOMRectReadOnly | null;
  readonly visibleRect: DOMRectReadOnly | null;
  /** 0, 90, 180 or 270 (clockwise). */
  readonly rotation: number;
  readonly flip: boolean;
  readonly displayWidth: number;
  readonly displayHeight: number;
  /** Microseconds. */
  readonly duration: number | null;
  /** Microseconds. */
  readonly timestamp: number;
  readonly colorSpace: VideoColorSpace;
  metadata(): VideoFrameMetadata;
  allocationSize(options?: VideoFrameCopyToOptions): number;
  copyTo(destination: AllowSharedBufferSource, options?: VideoFrameCopyToOptions): Promise<PlaneLayout[]>;
  clone(): VideoFrame;
  close(): void;
}
/** https://w3c.github.io/webcodecs/#videoframe-interface */
export type VideoFrame = Out<PlatformOf<'VideoFrame'>, OwnVideoFrame>;
/** The VideoFrame constructor. */
export interface VideoFrameConstructor {
  readonly prototype: VideoFrame;
  new (source: VideoFrame | ImageDataLike | CanvasLike, init?: VideoFrameInit): VideoFrame;
  new (data: AllowSharedBufferSource, init: VideoFrameBufferInit): VideoFrame;
}

// ---- AudioData -----------------------------------------------------------------------------

/** https://w3c.github.io/webcodecs/#dictdef-audiodatainit */
export interface AudioDataInit {
  format: AudioSampleFormat;
  sampleRate: number;
  numberOfFrames: number;
  numberOfChannels: number;
  /** Microseconds. */
  timestamp: number;
  data: BufferSource;
  /** ArrayBuffers to detach once the samples are copied. */
  transfer?: ArrayBuffer[];
}
/** Options of `AudioData.copyTo()` and `allocationSize()`. */
export interface AudioDataCopyToOptions {
  planeIndex: number;
  frameOffset?: number;
  frameCount?: number;
  /** Converts to this format (any of the eight). */
  format?: AudioSampleFormat;
}
/** Our AudioData. */
export interface OwnAudioData {
  readonly format: AudioSampleFormat | null;
  readonly sampleRate: number;
  readonly numberOfFrames: number;
  readonly numberOfChannels: number;
  /** Microseconds. */
  readonly duration: number;
  /** Microseconds. */
  readonly timestamp: number;
  allocationSize(options: AudioDataCopyToOptions): number;
  copyTo(destination: AllowSharedBufferSource, options: AudioDataCopyToOptions): void;
  clone(): AudioData;
  close(): void;
}
/** https://w3c.github.io/webcodecs/#audiodata-interface */
export type AudioData = Out<PlatformOf<'AudioData'>, OwnAudioData>;
/** The AudioData constructor. */
export interface AudioDataConstructor {
  readonly prototype: AudioData;
  new (init: AudioDataInit): AudioData;
}

// ---- encoded chunks ------------------------------------------------------------------------

/** https://w3c.github.io/webcodecs/#dictdef-encodedvideochunkinit */
export interface EncodedVideoChunkInit {
  type: EncodedVideoChunkType;
  /** Microseconds. */
  timestamp: number;
  duration?: number;
  data: AllowSharedBufferSource;
  transfer?: ArrayBuffer[];
}
/** https://w3c.github.io/webcodecs/#dictdef-encodedaudiochunkinit */
export interface EncodedAudioChunkInit {
  type: EncodedAudioChunkType;
  /** Microseconds. */
  timestamp: number;
  duration?: number;
  data: AllowSharedBufferSource;
  transfer?: ArrayBuffer[];
}
/** Our EncodedVideoChunk. */
export interface OwnEncodedVideoChunk {
  readonly type: EncodedVideoChunkType;
  readonly timestamp: number;
  readonly duration: number | null;
  readonly byteLength: number;
  copyTo(destination: AllowSharedBufferSource): void;
}
/** Our EncodedAudioChunk. */
export interface OwnEncodedAudioChunk {
  readonly type: EncodedAudioChunkType;
  readonly timestamp: number;
  readonly duration: number | null;
  readonly byteLength: number;
  copyTo(destination: AllowSharedBufferSource): void;
}
/** https://w3c.github.io/webcodecs/#encodedvideochunk-interface */
export type EncodedVideoChunk = Out<PlatformOf<'EncodedVideoChunk'>, OwnEncodedVideoChunk>;
/** https://w3c.github.io/webcodecs/#encodedaudiochunk-interface */
export type EncodedAudioChunk = Out<PlatformOf<'EncodedAudioChunk'>, OwnEncodedAudioChunk>;
/** The EncodedVideoChunk constructor. */
export interface EncodedVideoChunkConstructor {
  readonly prototype: EncodedVideoChunk;
  new (init: EncodedVideoChunkInit): EncodedVideoChunk;
}
/** The EncodedAudioChunk constructor. */
export interface EncodedAudioChunkConstructor {
  readonly prototype: EncodedAudioChunk;
  new (init: EncodedAudioChunkInit): EncodedAudioChunk;
}

// ---- what the codecs share -----------------------------------------------------------------

/** A codec's init: where its outputs and its error go. */
export interface CodecInit<Output> {
  output: Output;
  error: WebCodecsErrorCallback;
}
/**
 * `isConfigSupported()`'s answer: whether the config is supported, and the config as
 * understood (the recognised members, with defaults filled in).
 */
export type Support<K extends string, Config> =
  Out<PlatformSupport<K>, { supported: boolean; config: Config }>;

// ---- video codec configs -------------------------------------------------------------------

/** https://w3c.github.io/webcodecs/avc_codec_registration.html */
export interface AvcEncoderConfig {
  format?: AvcBitstreamFormat;
}
/** https://w3c.github.io/webcodecs/hevc_codec_registration.html */
export interface HevcEncoderConfig {
  format?: HevcBitstreamFormat;
}
/** https://w3c.github.io/webcodecs/av1_codec_registration.html */
export interface AV1EncoderConfig {
  forceScreenContentTools?: boolean;
}
/** https://w3c.github.io/webcodecs/#dictdef-videoencoderconfig */
export interface VideoEncoderConfig {
  codec: string;
  width: number;
  height: number;
  displayWidth?: number;
  displayHeight?: number;
  bitrate?: number;
  framerate?: number;
  hardwareAcceleration?: HardwareAcceleration;
  /** `keep` is supported for `vp8` and 8-bit `vp09.00.*`. */
  alpha?: AlphaOption;
  /** `L1T1`, `L1T2` or `L1T3`. */
  scalabilityMode?: string;
  bitrateMode?: VideoEncoderBitrateMode;
  latencyMode?: LatencyMode;
  /** `text` enables screen-content tuning (VP9, AV1). */
  contentHint?: string;
  avc?: AvcEncoderConfig;
  hevc?: HevcEncoderConfig;
  av1?: AV1EncoderConfig;
}
/** https://w3c.github.io/webcodecs/#dictdef-videodecoderconfig */
export interface VideoDecoderConfig {
  codec: string;
  description?: AllowSharedBufferSource;
  codedWidth?: number;
  codedHeight?: number;
  displayAspectWidth?: number;
  displayAspectHeight?: number;
  colorSpace?: VideoColorSpaceInit;
  hardwareAcceleration?: HardwareAcceleration;
  optimizeForLatency?: boolean;
  rotation?: number;
  flip?: boolean;
}
/** A per-frame quantizer (with `bitrateMode: "quantizer"`). */
export interface VideoEncoderEncodeOptionsForCodec {
  quantizer?: number | null;
}
/** https://w3c.github.io/webcodecs/#dictdef-videoencoderencodeoptions */
export interface VideoEncoderEncodeOptions {
  keyFrame?: boolean;
  avc?: VideoEncoderEncodeOptionsForCodec;
  hevc?: VideoEncoderEncodeOptionsForCodec;
  vp9?: VideoEncoderEncodeOptionsForCodec;
  av1?: VideoEncoderEncodeOptionsForCodec;
}
/** Scalability metadata of an encoded chunk. */
export interface SvcOutputMetadata {
  temporalLayerId?: number;
}
/** Our EncodedVideoChunkMetadata. */
export interface OwnEncodedVideoChunkMetadata {
  /** On the first chunk after configure() and whenever the config changes. */
  decoderConfig?: VideoDecoderConfig;
  /** With `scalabilityMode` L1T2/L1T3. */
  svc?: SvcOutputMetadata;
  /** With `alpha: "keep"`: the alpha plane's encoded frame. */
  alphaSideData?: ArrayBuffer;
}
/** What a VideoEncoder passes with each chunk. */
export type EncodedVideoChunkMetadata =
  Out<PlatformOutputMetadata<'VideoEncoder'>, OwnEncodedVideoChunkMetadata>;

// ---- audio codec configs -------------------------------------------------------------------

/** https://w3c.github.io/webcodecs/opus_codec_registration.html */
export interface OpusEncoderConfig {
  application?: OpusApplication;
  complexity?: number;
  format?: OpusBitstreamFormat;
  /** Microseconds (default 20000). */
  frameDuration?: number;
  packetlossperc?: number;
  signal?: OpusSignal;
  usedtx?: boolean;
  useinbandfec?: boolean;
}
/** https://w3c.github.io/webcodecs/aac_codec_registration.html */
export interface AacEncoderConfig {
  format?: AacBitstreamFormat;
}
/** https://w3c.github.io/webcodecs/flac_codec_registration.html */
export interface FlacEncoderConfig {
  blockSize?: number;
  compressLevel?: number;
}
/** https://w3c.github.io/webcodecs/#dictdef-audioencoderconfig */
export interface AudioEncoderConfig {
  codec: string;
  sampleRate: number;
  numberOfChannels: number;
  bitrate?: number;
  bitrateMode?: BitrateMode;
  opus?: OpusEncoderConfig;
  aac?: AacEncoderConfig;
  flac?: FlacEncoderConfig;
}
/** https://w3c.github.io/webcodecs/#dictdef-audiodecoderconfig */
export interface AudioDecoderConfig {
  codec: string;
  sampleRate: number;
  numberOfChannels: number;
  description?: AllowSharedBufferSource;
}
/** Our EncodedAudioChunkMetadata. */
export interface OwnEncodedAudioChunkMetadata {
  /** On the first chunk after configure(). */
  decoderConfig?: AudioDecoderConfig;
}
/** What an AudioEncoder passes with each chunk. */
export type EncodedAudioChunkMetadata =
  Out<PlatformOutputMetadata<'AudioEncoder'>, OwnEncodedAudioChunkMetadata>;

// ---- codecs --------------------------------------------------------------------------------

/** What the four codec classes share (`Self` is the class's instance type). */
export interface OwnCodec<Self> extends EventTarget {
  readonly state: CodecState;
  ondequeue: ((this: Self, ev: Event) => any) | null;
  /** Resolves once every queued control message is done; never blocks the event loop. */
  flush(): Promise<void>;
  reset(): void;
  close(): void;
}
/** Our VideoEncoder. */
export interface OwnVideoEncoder extends OwnCodec<VideoEncoder> {
  readonly encodeQueueSize: number;
  configure(config: VideoEncoderConfig): void;
  encode(frame: VideoFrame, options?: VideoEncoderEncodeOptions): void;
}
/** Our VideoDecoder. */
export interface OwnVideoDecoder extends OwnCodec<VideoDecoder> {
  readonly decodeQueueSize: number;
  configure(config: VideoDecoderConfig): void;
  decode(chunk: EncodedVideoChunk): void;
}
/** Our AudioEncoder. */
export interface OwnAudioEncoder extends OwnCodec<AudioEncoder> {
  readonly encodeQueueSize: number;
  configure(config: AudioEncoderConfig): void;
  encode(data: AudioData): void;
}
/** Our AudioDecoder. */
export interface OwnAudioDecoder extends OwnCodec<AudioDecoder> {
  readonly decodeQueueSize: number;
  configure(config: AudioDecoderConfig): void;
  decode(chunk: EncodedAudioChunk): void;
}
/** https://w3c.github.io/webcodecs/#videoencoder-interface */
export type VideoEncoder = Out<PlatformOf<'VideoEncoder'>, OwnVideoEncoder>;
/** https://w3c.github.io/webcodecs/#videodecoder-interface */
export type VideoDecoder = Out<PlatformOf<'VideoDecoder'>, OwnVideoDecoder>;
/** https://w3c.github.io/webcodecs/#audioencoder-interface */
export type AudioEncoder = Out<PlatformOf<'AudioEncoder'>, OwnAudioEncoder>;
/** https://w3c.github.io/webcodecs/#audiodecoder-interface */
export type AudioDecoder = Out<PlatformOf<'AudioDecoder'>, OwnAudioDecoder>;

// What each codec class's isConfigSupported() answers, and what its constructor takes.
/** `VideoEncoder.isConfigSupported()`'s answer. */
export type VideoEncoderSupport = Support<'VideoEncoder', VideoEncoderConfig>;
/** `VideoDecoder.isConfigSupported()`'s answer. */
export type VideoDecoderSupport = Support<'VideoDecoder', VideoDecoderConfig>;
/** `AudioEncoder.isConfigSupported()`'s answer. */
export type AudioEncoderSupport = Support<'AudioEncoder', AudioEncoderConfig>;
/** `AudioDecoder.isConfigSupported()`'s answer. */
export type AudioDecoderSupport = Support<'AudioDecoder', AudioDecoderConfig>;
/** https://w3c.github.io/webcodecs/#dictdef-videoencoderinit */
export type VideoEncoderInit = CodecInit<EncodedVideoChunkOutputCallback>;
/** https://w3c.github.io/webcodecs/#dictdef-videodecoderinit */
export type VideoDecoderInit = CodecInit<VideoFrameOutputCallback>;
/** https://w3c.github.io/webcodecs/#dictdef-audioencoderinit */
export type AudioEncoderInit = CodecInit<EncodedAudioChunkOutputCallback>;
/** https://w3c.github.io/webcodecs/#dictdef-audiodecoderinit */
export type AudioDecoderInit = CodecInit<AudioDataOutputCallback>;

/** A codec class: `new` with its init, and `isConfigSupported()`, which runs off the JS thread. */
export interface CodecConstructor<Instance, Init, Config, Support> {
  readonly prototype: Instance;
  new (init: Init): Instance;
  isConfigSupported(config: Config): Promise<Support>;
}
/** The VideoEncoder constructor. */
export type VideoEncoderConstructor =
  CodecConstructor<VideoEncoder, VideoEncoderInit, VideoEncoderConfig, VideoEncoderSupport>;
/** The VideoDecoder constructor. */
export type VideoDecoderConstructor =
  CodecConstructor<VideoDecoder, VideoDecoderInit, VideoDecoderConfig, VideoDecoderSupport>;
/** The AudioEncoder constructor. */
export type AudioEncoderConstructor =
  CodecConstructor<AudioEncoder, AudioEncoderInit, AudioEncoderConfig, AudioEncoderSupport>;
/** The AudioDecoder constructor. */
export type AudioDecoderConstructor =
  CodecConstructor<AudioDecoder, AudioDecoderInit, AudioDecoderConfig, AudioDecoderSupport>;

// ---- ImageDecoder --------------------------------------------------------------------------

/** https://w3c.github.io/webcodecs/#dictdef-imagedecoderinit */
export interface ImageDecoderInit {
  /** An image MIME type: image/jpeg, image/png, image/gif, image/webp, image/avif, image/bmp, image/x-icon. */
  type: string;
  /** The whole image, or a stream of Uint8Array chunks. */
  data: AllowSharedBufferSource | ReadableStream<Uint8Array>;
  colorSpaceConversion?: ColorSpaceConversion;
  desiredWidth?: number;
  desiredHeight?: number;
  preferAnimation?: boolean;
  transfer?: ArrayBuffer[];
}
/** https://w3c.github.io/webcodecs/#dictdef-imagedecodeoptions */
export interface ImageDecodeOptions {
  frameIndex?: number;
  completeFramesOnly?: boolean;
}
/** https://w3c.github.io/webcodecs/#dictdef-imagedecoderesult */
export interface ImageDecodeResult {
  image: VideoFrame;
  complete: boolean;
}
/** Our ImageTrack. */
export interface OwnImageTrack {
  readonly animated: boolean;
  readonly frameCount: number;
  /** `Infinity` for a loop without end. */
  readonly repetitionCount: number;
  selected: boolean;
}
/** Our ImageTrackList. */
export interface OwnImageTrackList {
  readonly ready: Promise<void>;
  readonly length: number;
  readonly selectedIndex: number;
  readonly selectedTrack: ImageTrack | null;
  readonly [index: number]: ImageTrack;
  [Symbol.iterator](): IterableIterator<ImageTrack>;
}
/** Our ImageDecoder. */
export interface OwnImageDecoder {
  readonly type: string;
  readonly complete: boolean;
  readonly completed: Promise<void>;
  readonly tracks: ImageTrackList;
  decode(options?: ImageDecodeOptions): Promise<ImageDecodeResult>;
  reset(): void;
  close(): void;
}
/** https://w3c.github.io/webcodecs/#imagetrack-interface */
export type ImageTrack = Out<PlatformOf<'ImageTrack'>, OwnImageTrack>;
/** https://w3c.github.io/webcodecs/#imagetracklist-interface */
export type ImageTrackList = Out<PlatformOf<'ImageTrackList'>, OwnImageTrackList>;
/** https://w3c.github.io/webcodecs/#imagedecoder-interface */
export type ImageDecoder = Out<PlatformOf<'ImageDecoder'>, OwnImageDecoder>;
/** The ImageDecoder constructor. */
export interface ImageDecoderConstructor {
  readonly prototype: ImageDecoder;
  new (init: ImageDecoderInit): ImageDecoder;
  isTypeSupported(type: string): Promise<boolean>;
}
/** Not constructible: `new` throws a TypeError, as in browsers. */
export interface ImageTrackListConstructor {
  readonly prototype: ImageTrackList;
  new (): never;
}
/** Not constructible: `new` throws a TypeError, as in browsers. */
export interface ImageTrackConstructor {
  readonly prototype: ImageTrack;
  new (): never;
}

// ---- the exports ---------------------------------------------------------------------------

export declare const VideoEncoder: VideoEncoderConstructor;
export declare const VideoDecoder: VideoDecoderConstructor;
export declare const AudioEncoder: AudioEncoderConstructor;
export declare const AudioDecoder: AudioDecoderConstructor;
/** Also takes every source the platform's VideoFrame constructor is typed to take. */
export declare const VideoFrame: VideoFrameConstructor & PlatformCtor<'VideoFrame'>;
export declare const VideoColorSpace: VideoColorSpaceConstructor;
export declare const AudioData: AudioDataConstructor;
export declare const EncodedVideoChunk: EncodedVideoChunkConstructor;
export declare const EncodedAudioChunk: EncodedAudioChunkConstructor;
export declare const DOMRectReadOnly: DOMRectReadOnlyConstructor;
export declare const ImageDecoder: ImageDecoderConstructor;
export declare const ImageTrackList: ImageTrackListConstructor;
export declare const ImageTrack: ImageTrackConstructor;

/** Options of `install()`. */
export interface InstallOptions {
  /** Replace classes the runtime already has (default false: keep them). */
  overwrite?: boolean;
}
/** The names `install()` can define on `globalThis`. */
export type InterfaceName =
  | 'VideoEncoder' | 'VideoDecoder' | 'VideoFrame' | 'VideoColorSpace' | 'EncodedVideoChunk'
  | 'AudioEncoder' | 'AudioDecoder' | 'AudioData' | 'EncodedAudioChunk' | 'DOMRectReadOnly'
  | 'ImageDecoder' | 'ImageTrackList' | 'ImageTrack';
/**
 * Defines every class on `globalThis` as a browser exposes interfaces (writable, configurable,
 * not enumerable), keeping any the runtime already has unless `overwrite`; returns the names it
 * defined.
 */
export declare function install(options?: InstallOptions): InterfaceName[];

/**
 * What mediabunny asks a VideoSample transformer for (its `VideoSampleTransformationDescription`):
 * the picture turned clockwise by `rotation`, then mirrored when `flip`, cut to `crop` (in the
 * turned picture), and drawn into a `width`×`height` canvas: stretched (`fill`), whole with
 * black bars (`contain`) or filling it with the overflow cut (`cover`).
 */
export interface VideoSampleTransformation {
  width: number;
  height: number;
  fit: 'fill' | 'contain' | 'cover';
  rotation: 0 | 90 | 180 | 270;
  flip: boolean;
  crop: { left: number; top: number; width: number; height: number };
  alpha: 'keep' | 'discard';
}
/**
 * A VideoSample transformer for mediabunny, which resizes, rotates and crops by drawing on a
 * canvas that Node lacks: `registerVideoSampleTransformer(transformVideoSample)` (after
 * `install()`, so that mediabunny's samples hold this package's frames). The work runs off the
 * JS thread; the result is an I420 sample (I420A when the source has alpha and `alpha` is
 * `keep`) of the canvas size, in the source's colour space (RGB sources: BT.709 limited range).
 * Resolves with null for a sample whose frame is not one of this package's.
 */
export declare function transformVideoSample<S extends { toVideoFrame(): unknown }>(
  sample: S,
  description: VideoSampleTransformation,
): Promise<S | null>;
