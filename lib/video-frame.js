'use strict';
const native = require('./native');
const idl = require('./webidl');
const { DOMRectReadOnly } = require('./geometry');

const PIXEL_FORMATS = [
  'I420', 'I420P10', 'I420P12', 'I420A', 'I420AP10', 'I420AP12', 'I422', 'I422P10', 'I422P12',
  'I422A', 'I422AP10', 'I422AP12', 'I444', 'I444P10', 'I444P12', 'I444A', 'I444AP10', 'I444AP12',
  'NV12', 'RGBA', 'RGBX', 'BGRA', 'BGRX',
];
const RGB = new Set(['RGBA', 'RGBX', 'BGRA', 'BGRX']);
// Each format with alpha, and the same layout without it.
const OPAQUE = {
  I420A: 'I420', I420AP10: 'I420P10', I420AP12: 'I420P12', I422A: 'I422', I422AP10: 'I422P10',
  I422AP12: 'I422P12', I444A: 'I444', I444AP10: 'I444P10', I444AP12: 'I444P12', RGBA: 'RGBX', BGRA: 'BGRX',
};
// RGB formats whose fourth byte is padding.
const PADDED = new Set(['RGBX', 'BGRX']);
const PRIMARIES = ['bt709', 'bt470bg', 'smpte170m', 'bt2020', 'smpte432'];
const TRANSFERS = ['bt709', 'smpte170m', 'iec61966-2-1', 'linear', 'pq', 'hlg'];
const MATRICES = ['rgb', 'bt709', 'bt470bg', 'smpte170m', 'bt2020-ncl'];

// Horizontal/vertical subsampling of the chroma planes, for rect alignment checks.
function chromaSubsampling(format) {
  if (format.startsWith('I420') || format === 'NV12') return [2, 2];
  if (format.startsWith('I422')) return [2, 1];
  return [1, 1];
}

class VideoColorSpace {
  #primaries; #transfer; #matrix; #fullRange;
  constructor(init = {}) {
    init = idl.dictionary(init, 'VideoColorSpaceInit');
    const opt = (v, values, what) => (v === undefined || v === null ? null : idl.enumValue(v, values, what));
    this.#fullRange = init.fullRange === undefined || init.fullRange === null ? null : Boolean(init.fullRange);
    this.#matrix = opt(init.matrix, MATRICES, 'matrix');
    this.#primaries = opt(init.primaries, PRIMARIES, 'primaries');
    this.#transfer = opt(init.transfer, TRANSFERS, 'transfer');
  }
  get primaries() { return this.#primaries; }
  get transfer() { return this.#transfer; }
  get matrix() { return this.#matrix; }
  get fullRange() { return this.#fullRange; }
  toJSON() {
    return { primaries: this.#primaries, transfer: this.#transfer, matrix: this.#matrix, fullRange: this.#fullRange };
  }
}

// A given VideoColorSpaceInit, validated; `undefined` lets the native side pick the format's
// default (sRGB for RGB formats, BT.709 otherwise), which the `colorSpace` getter reads once.
function convertColorSpace(init) {
  if (init === undefined || init === null) return undefined;
  return init instanceof VideoColorSpace ? init : new VideoColorSpace(init);
}

// Display size by default: the visible size, turned by a quarter rotation.
function defaultDisplay(visible, rotation, displayWidth, displayHeight) {
  const swap = rotation === 90 || rotation === 270;
  return [displayWidth ?? (swap ? visible.height : visible.width), displayHeight ?? (swap ? visible.width : visible.height)];
}

function parseRotation(r) {
  const n = idl.double(r ?? 0, 'rotation');
  const snapped = Math.floor(n / 90 + 0.5) * 90;
  return ((snapped % 360) + 360) % 360;
}

function parseRect(r, what) {
  r = idl.requireObject(r, what);
  const vals = ['x', 'y', 'width', 'height'].map((k) => Number(r[k] ?? 0));
  if (vals.some((v) => !Number.isFinite(v) || v < 0)) throw new TypeError(`${what} must be finite and non-negative`);
  const [x, y, width, height] = vals.map(Math.trunc);
  return { x, y, width, height };
}

function checkRect(rect, codedWidth, codedHeight, format, what) {
  if (rect.width === 0 || rect.height === 0) throw new TypeError(`${what} must have a non-zero size`);
  if (rect.x + rect.width > codedWidth || rect.y + rect.height > codedHeight) {
    throw new TypeError(`${what} is outside the coded size`);
  }
  const [sx, sy] = chromaSubsampling(format);
  if (rect.x % sx !== 0 || rect.y % sy !== 0) throw new TypeError(`${what} offset is not aligned`);
}

function parseLayout(layout, what) {
  if (layout === undefined) return undefined;
  if (layout === null || typeof layout[Symbol.iterator] !== 'function') throw new TypeError(`${what} must be a sequence`);
  return [...layout].map((p) => {
    p = idl.requireObject(p, 'PlaneLayout');
    return {
      offset: idl.u32(idl.required(p, 'offset', 'PlaneLayout'), 'offset'),
      stride: idl.u32(idl.required(p, 'stride', 'PlaneLayout'), 'stride'),
    };
  });
}

// ImageData (or anything shaped like it: RGBA bytes with a width and a height), or a canvas from
// a Node canvas library (read back through its 2D context). Null when `source` is neither.
function imageDataOf(source) {
  if (source === null || typeof source !== 'object') return null;
  if (typeof source.getContext === 'function' && Number.isInteger(source.width) && Number.isInteger(source.height)) {
    const ctx = source.getContext('2d');
    if (ctx && typeof ctx.getImageData === 'function') {
      if (source.width === 0 || source.height === 0) throw idl.dom('InvalidStateError', 'the canvas has no pixels');
      return imageDataOf(ctx.getImageData(0, 0, source.width, source.height));
    }
    return null;
  }
  const { data, width, height } = source;
  if (!(data instanceof Uint8ClampedArray || data instanceof Uint8Array)) return null;
  if (!Number.isInteger(width) || !Number.isInteger(height)) return null;
  if (width <= 0 || height <= 0) throw idl.dom('InvalidStateError', 'the image has no pixels');
  if (data.byteLength < width * height * 4) throw new TypeError('the image data is shorter than width * height * 4');
  return { data, width, height };
}

// VideoFrameMetadata: only the members of the WebCodecs VideoFrame Metadata Registry survive the
// dictionary conversion (today `rtpTimestamp`, an `unsigned long`), as in browsers.
function convertMetadata(m) {
  const d = idl.dictionary(m, 'VideoFrameMetadata');
  const out = {};
  if (d.rtpTimestamp !== undefined) out.rtpTimestamp = idl.u32Modulo(d.rtpTimestamp);
  return out;
}

const kCreate = Symbol('kCreate');
// Module-internal access to frames, set up by the class's static block (no visible members).
let createFrame;
let adoptFrame;
let frameNative;

// The spec's default display size for a frame made from another (`base`: its rotation, display
// size and visible rect) with a new visible rect and total rotation: the base's display/visible
// scale, measured before its own rotation, applied to the new rect, then swapped when the new
// rotation is a quarter turn. An anamorphic source stays anamorphic when cropped.
function scaledDisplaySize(base, visibleRect, rotation) {
  const baseSwap = base.rotation % 180 !== 0;
  const widthScale = (baseSwap ? base.displayHeight : base.displayWidth) / base.visible.width;
  const heightScale = (baseSwap ? base.displayWidth : base.displayHeight) / base.visible.height;
  const w = Math.max(1, Math.round(visibleRect.width * widthScale));
  const h = Math.max(1, Math.round(visibleRect.height * heightScale));
  return rotation % 180 === 0 ? [w, h] : [h, w];
}

class VideoFrame {
  #h = null;
  #format = null;
  #codedWidth = 0;
  #codedHeight = 0;
  #visible = null;
  #displayWidth = 0;
  #displayHeight = 0;
  #rotation = 0;
  #flip = false;
  #timestamp = 0;
  #duration = null;
  #colorSpace;
  #metadata = {};

  constructor(source, init = undefined) {
    if (source === kCreate) {
      this.#adopt(init.handle, init);
      return;
    }
    if (source instanceof VideoFrame) {
      this.#fromFrame(source, idl.dictionary(init, 'VideoFrameInit'));
      return;
    }
    if (source instanceof ArrayBuffer || ArrayBuffer.isView(source) ||
        (typeof SharedArrayBuffer !== 'undefined' && source instanceof SharedArrayBuffer)) {
      this.#fromBuffer(source, idl.requireObject(init, 'VideoFrameBufferInit'));
      return;
    }
    const image = imageDataOf(source);
    if (image !== null) {
      this.#fromImageData(image, idl.dictionary(init, 'VideoFrameInit'));
      return;
    }
    throw new TypeError('VideoFrame source must be a VideoFrame, a BufferSource, an ImageData or a canvas');
  }

  // An image source Node has no class for: pixels as RGBA in sRGB, like a browser's canvas.
  #fromImageData(image, init) {
    if (init.timestamp === undefined) throw new TypeError('VideoFrameInit: timestamp is required for an image source');
    const { data, width, height } = image;
    const visibleRect = init.visibleRect === undefined ? undefined : parseRect(init.visibleRect, 'visibleRect');
    if (visibleRect) checkRect(visibleRect, width, height, 'RGBA', 'visibleRect');
    if ((init.displayWidth === undefined) !== (init.displayHeight === undefined)) {
      throw new TypeError('displayWidth and displayHeight must be given together');
    }
    const format = init.alpha === 'discard' ? 'RGBX' : 'RGBA';
    const m = {
      format, codedWidth: width, codedHeight: height, visibleRect,
      rotation: parseRotation(init.rotation), flip: idl.bool(init.flip),
      displayWidth: init.displayWidth === undefined ? undefined : idl.u32(init.displayWidth, 'displayWidth'),
      displayHeight: init.displayHeight === undefined ? undefined : idl.u32(init.displayHeight, 'displayHeight'),
      timestamp: idl.i64(init.timestamp, 'timestamp'),
      duration: init.duration === undefined ? null : idl.u64(init.duration, 'duration'),
      colorSpace: undefined,
      metadata: convertMetadata(init.metadata),
    };
    // An image keeps its whole coded size (only a buffer source is cropped to its visible rect).
    this.#adopt(null, m);
    this.#h = native.frameFromBuffer('RGBA', width, height, idl.bytesOf(data, 'data'), undefined,
      0, 0, width, height, ...this.#metaArgs());
  }

  static {
    // A frame around a bare native handle whose metadata is all in `init` (ImageDecoder): the
    // metadata is handed to the native side too.
    createFrame = (handle, init) => {
      const f = new VideoFrame(kCreate, { handle, ...init });
      native.frameSetMeta(handle, ...f.#metaArgs());
      return f;
    };
    // A frame around a native handle that already carries this metadata (decoder output).
    adoptFrame = (handle, init) => new VideoFrame(kCreate, { handle, ...init });
    // The native handle an encoder reads pixels and metadata from (null when closed).
    frameNative = (frame) => frame.#h;
  }

  // `init.colorSpace` may be missing: the native side then holds the default.
  #adopt(handle, init) {
    this.#h = handle;
    this.#format = init.format;
    this.#codedWidth = init.codedWidth;
    this.#codedHeight = init.codedHeight;
    this.#visible = init.visibleRect ?? { x: 0, y: 0, width: init.codedWidth, height: init.codedHeight };
    this.#rotation = init.rotation ?? 0;
    this.#flip = init.flip ?? false;
    [this.#displayWidth, this.#displayHeight] = defaultDisplay(this.#visible, this.#rotation, init.displayWidth, init.displayHeight);
    this.#timestamp = init.timestamp;
    this.#duration = init.duration ?? null;
    this.#colorSpace = convertColorSpace(init.colorSpace) ?? null;
    this.#metadata = init.metadata ?? {};
  }

  // The frame's metadata as the trailing arguments of frameFromBuffer / frameClone /
  // frameSetMeta, in the order the native side reads them (crates/node-binding/src/frame.rs
  // `meta_args`); a missing colour space lets the native side keep or pick it.
  #metaArgs() {
    const v = this.#visible;
    const cs = this.#colorSpace;
    return [this.#timestamp, this.#duration ?? undefined, v.x, v.y, v.width, v.height, this.#displayWidth,
      this.#displayHeight, this.#rotation, this.#flip, cs === null ? undefined : cs.toJSON()];
  }

  // A new native handle on `source`'s pixels carrying this frame's metadata (the hot path of
  // `new VideoFrame(frame, init)`: no intermediate array).
  #cloneNative(source) {
    const v = this.#visible;
    const cs = this.#colorSpace;
    return native.frameClone(source, this.#timestamp, this.#duration ?? undefined, v.x, v.y, v.width, v.height,
      this.#displayWidth, this.#displayHeight, this.#rotation, this.#flip, cs === null ? undefined : cs.toJSON());
  }

  #fromBuffer(data, init) {
    // WebIDL dictionary members in lexicographic order.
    const codedHeight = idl.u32(idl.required(init, 'codedHeight', 'VideoFrameBufferInit'), 'codedHeight');
    const codedWidth = idl.u32(idl.required(init, 'codedWidth', 'VideoFrameBufferInit'), 'codedWidth');
    const colorSpace = init.colorSpace;
    const displayHeight = init.displayHeight === undefined ? undefined : idl.u32(init.displayHeight, 'displayHeight');
    const displayWidth = init.displayWidth === undefined ? undefined : idl.u32(init.displayWidth, 'displayWidth');
    const duration = init.duration === undefined ? null : idl.u64(init.duration, 'duration');
    const flip = idl.bool(init.flip);
    const format = idl.enumValue(idl.required(init, 'format', 'VideoFrameBufferInit'), PIXEL_FORMATS, 'format');
    const layout = parseLayout(init.layout, 'layout');
    const metadata = convertMetadata(init.metadata);
    const rotation = parseRotation(init.rotation);
    const timestamp = idl.i64(idl.required(init, 'timestamp', 'VideoFrameBufferInit'), 'timestamp');
    const transfer = idl.validateTransfer(init.transfer);
    const visibleRect = init.visibleRect === undefined ? undefined : parseRect(init.visibleRect, 'visibleRect');

    if (codedWidth === 0 || codedHeight === 0) throw new TypeError('codedWidth and codedHeight must be non-zero');
    if ((displayWidth === undefined) !== (displayHeight === undefined)) {
      throw new TypeError('displayWidth and displayHeight must be given together');
    }
    if (displayWidth === 0 || displayHeight === 0) throw new TypeError('display size must be non-zero');
    const visible = visibleRect ?? { x: 0, y: 0, width: codedWidth, height: codedHeight };
    checkRect(visible, codedWidth, codedHeight, format, 'visibleRect');

    const bytes = idl.bytesOf(data, 'data');
    // A buffer source keeps only its visible pixels (as browsers do): the frame's coded size is
    // the visible rect's, which starts at (0, 0).
    this.#adopt(null, {
      format, codedWidth: visible.width, codedHeight: visible.height, rotation, flip, displayWidth, displayHeight,
      timestamp, duration, colorSpace: convertColorSpace(colorSpace), metadata,
    });
    // Copies the visible planes (TypeError if the data is too short for the format and size).
    this.#h = native.frameFromBuffer(format, codedWidth, codedHeight, bytes, layout,
      visible.x, visible.y, visible.width, visible.height, ...this.#metaArgs());
    idl.detachAll(transfer);
  }

  #fromFrame(other, init) {
    if (other.#h === null) throw idl.dom('InvalidStateError', 'source VideoFrame is closed');
    let format = other.#format;
    if (init.alpha === 'discard') format = OPAQUE[format] ?? format;
    const visibleRect = init.visibleRect === undefined ? { ...other.#visible } : parseRect(init.visibleRect, 'visibleRect');
    checkRect(visibleRect, other.#codedWidth, other.#codedHeight, format, 'visibleRect');
    if ((init.displayWidth === undefined) !== (init.displayHeight === undefined)) {
      throw new TypeError('displayWidth and displayHeight must be given together');
    }
    const displayWidth = init.displayWidth === undefined ? undefined : idl.u32(init.displayWidth, 'displayWidth');
    const displayHeight = init.displayHeight === undefined ? undefined : idl.u32(init.displayHeight, 'displayHeight');
    if (displayWidth === 0 || displayHeight === 0) throw new TypeError('display size must be non-zero');
    const r = parseRotation(init.rotation);
    const rotation = ((other.#flip ? other.#rotation - r : other.#rotation + r) % 360 + 360) % 360;
    const display = displayWidth === undefined
      ? scaledDisplaySize({ rotation: other.#rotation, displayWidth: other.#displayWidth,
        displayHeight: other.#displayHeight, visible: other.#visible }, visibleRect, rotation)
      : [displayWidth, displayHeight];
    this.#adopt(null, {
      format,
      codedWidth: other.#codedWidth,
      codedHeight: other.#codedHeight,
      visibleRect,
      rotation,
      flip: other.#flip !== idl.bool(init.flip),
      displayWidth: display[0],
      displayHeight: display[1],
      timestamp: init.timestamp === undefined ? other.#timestamp : idl.i64(init.timestamp, 'timestamp'),
      duration: init.duration === undefined ? other.#duration : idl.u64(init.duration, 'duration'),
      colorSpace: other.#colorSpace,
      metadata: init.metadata === undefined ? other.#metadata : convertMetadata(init.metadata),
    });
    this.#h = this.#cloneNative(other.#h);
  }

  #check() {
    if (this.#h === null) throw idl.dom('InvalidStateError', 'VideoFrame is closed');
  }

  get format() { return this.#format; }
  get codedWidth() { return this.#codedWidth; }
  get codedHeight() { return this.#codedHeight; }
  get codedRect() {
    return this.#h === null ? null : new DOMRectReadOnly(0, 0, this.#codedWidth, this.#codedHeight);
  }
  get visibleRect() {
    if (this.#h === null) return null;
    const v = this.#visible;
    return new DOMRectReadOnly(v.x, v.y, v.width, v.height);
  }
  get rotation() { return this.#rotation; }
  get flip() { return this.#flip; }
  get displayWidth() { return this.#displayWidth; }
  get displayHeight() { return this.#displayHeight; }
  get timestamp() { return this.#timestamp; }
  get duration() { return this.#duration; }
  get colorSpace() {
    // Read once from the native side when nobody gave it (the format's default).
    if (this.#colorSpace === null) this.#colorSpace = new VideoColorSpace(native.frameColorSpace(this.#h));
    return this.#colorSpace;
  }

  metadata() {
    this.#check();
    return { ...this.#metadata };
  }

  // Parses VideoFrameCopyToOptions. `format` is the frame's own format (a plain copy) or an
  // RGB format (a conversion of `rect` to that format, in `colorSpace`: sRGB by default, or
  // Display P3); anything else is NotSupportedError. An explicit RGB format converts even when
  // it is the frame's own (as the spec's copyTo() steps do) if that changes bytes: a Display P3
  // target, or an RGBX/BGRX source whose padding byte becomes 255. `convert` says which path.
  // The rect of a converted copy starts at (0, 0) in the destination.
  #copyOptions(options) {
    options = idl.dictionary(options, 'VideoFrameCopyToOptions');
    const colorSpace = options.colorSpace === undefined ? 'srgb'
      : idl.enumValue(options.colorSpace, ['srgb', 'display-p3'], 'colorSpace');
    const format = options.format === undefined ? this.#format : idl.enumValue(options.format, PIXEL_FORMATS, 'format');
    const layout = parseLayout(options.layout, 'layout');
    const rect = options.rect === undefined ? { ...this.#visible } : parseRect(options.rect, 'rect');
    if (format !== this.#format && !RGB.has(format)) {
      throw idl.dom('NotSupportedError', `copyTo() from ${this.#format} to ${format} is not supported`);
    }
    checkRect(rect, this.#codedWidth, this.#codedHeight, this.#format, 'rect');
    const displayP3 = colorSpace === 'display-p3';
    const convert = format !== this.#format
      || (options.format !== undefined && (displayP3 || PADDED.has(format)));
    return { rect, layout, format, displayP3, convert };
  }

  allocationSize(options = {}) {
    this.#check();
    const { rect, layout, format, convert } = this.#copyOptions(options);
    if (convert) return native.frameAllocationSize(format, 0, 0, rect.width, rect.height, layout);
    return native.frameAllocationSize(this.#format, rect.x, rect.y, rect.width, rect.height, layout);
  }

  copyTo(destination, options = {}) {
    try {
      this.#check();
      const { rect, layout, format, displayP3, convert } = this.#copyOptions(options);
      const dest = idl.bytesOf(destination, 'destination');
      const planes = !convert
        ? native.frameCopyTo(this.#h, dest, rect.x, rect.y, rect.width, rect.height, layout)
        : native.frameCopyToRgb(this.#h, dest, rect.x, rect.y, rect.width, rect.height, format, layout, displayP3);
      return Promise.resolve(planes);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  clone() {
    this.#check();
    return adoptFrame(native.frameClone(this.#h, ...this.#metaArgs()), {
      format: this.#format,
      codedWidth: this.#codedWidth,
      codedHeight: this.#codedHeight,
      visibleRect: { ...this.#visible },
      rotation: this.#rotation,
      flip: this.#flip,
      displayWidth: this.#displayWidth,
      displayHeight: this.#displayHeight,
      timestamp: this.#timestamp,
      duration: this.#duration,
      colorSpace: this.#colorSpace,
      metadata: this.#metadata,
    });
  }

  close() {
    if (this.#h === null) return;
    native.frameClose(this.#h);
    this.#h = null;
    this.#format = null;
    this.#codedWidth = this.#codedHeight = 0;
    this.#displayWidth = this.#displayHeight = 0;
    this.#rotation = 0;
    this.#flip = false;
    this.#metadata = {};
    // The spec's "Close VideoFrame" gives a closed frame an empty colour space.
    this.#colorSpace = new VideoColorSpace({});
  }

}

idl.exposeInterface(VideoFrame);
idl.exposeInterface(VideoColorSpace);

module.exports = {
  VideoFrame, VideoColorSpace, createFrame, adoptFrame, frameNative, chromaSubsampling, PIXEL_FORMATS, RGB, OPAQUE,
};
