'use strict';
// ImageDecoder, ImageTrackList, ImageTrack (https://w3c.github.io/webcodecs/#image-decoding):
// WebIDL conversion and glue. Every rule of the spec's processing model (closed state, pending
// decodes, track selection, which error a decode gets) lives in codec-core's ImageDecoderModel
// behind the natives; this file reads the ReadableStream, and turns the model's events into
// promise settlements and track list updates.
const native = require('./native');
const idl = require('./webidl');
const { createFrame } = require('./video-frame');
const { ImageEvent } = require('./event-codes');

// Module-internal access to the classes' private state, set up by their static blocks.
let trackSet;
let listApply;
let decoderApply;
let decoderSelect;
const kInit = Symbol('kInit');

// Called by the addon with the events of worker reports. Module-level: it must not capture a
// decoder.
function dispatch(owner, events) {
  decoderApply(owner, events);
}

// A valid MIME type string (MIME Sniffing): RFC 9110 tokens, parameters `;name=value` with a
// token or quoted-string value, optional whitespace only around the `;`.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[\\t\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t\\x20-\\x7e\\x80-\\xff])*"';
const MIME_RE = new RegExp(`^(${TOKEN})/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*$`);

// Whether `type` is a valid image MIME type: a valid MIME type string whose type is "image".
// isTypeSupported() rejects anything else with TypeError. The constructor throws TypeError
// only for strings that are not valid MIME types at all: like Chromium and WPT ("Test invalid
// mime type rejects decode() requests"), a valid MIME type of another kind ('junk/type') is
// reported as NotSupportedError through tracks.ready and decode(), as an image type this build
// cannot decode is. (The spec's "valid ImageDecoderInit" would throw TypeError for it.)
function isImageMime(type) {
  const m = MIME_RE.exec(type);
  return m !== null && m[1].toLowerCase() === 'image';
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  // The library rejects these itself; an unobserved rejection must not kill the process.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

const isObject = (v) => v !== null && (typeof v === 'object' || typeof v === 'function');

// A promise-typed attribute read on the wrong receiver returns a rejected promise (WebIDL),
// it does not throw.
const illegalInvocation = () => Promise.reject(new TypeError('Illegal invocation'));

class ImageTrack {
  #decoder;
  #index;
  #animated;
  #frameCount;
  #repetitionCount;
  #selected = false;

  // No constructor arguments as far as WebIDL is concerned (`ImageTrack.length` is 0).
  constructor(...args) {
    const [key, decoder, index, info] = args;
    if (key !== kInit) throw new TypeError('Illegal constructor');
    this.#decoder = decoder;
    this.#index = index;
    this.#animated = info.animated;
    this.#frameCount = info.frameCount;
    this.#repetitionCount = info.repetitionCount;
  }

  get animated() { return this.#animated; }
  get frameCount() { return this.#frameCount; }
  get repetitionCount() { return this.#repetitionCount; }
  get selected() { return this.#selected; }
  set selected(value) {
    value = idl.bool(value);
    decoderSelect(this.#decoder, this.#index, value);
  }

  static {
    trackSet = (t, field, value) => {
      if (field === 'selected') t.#selected = value;
      else t.#frameCount = value;
    };
  }
}

class ImageTrackList {
  #tracks = [];
  #selectedIndex = -1;
  #ready = deferred();

  constructor(...args) {
    if (args[0] !== kInit) throw new TypeError('Illegal constructor');
  }

  get ready() {
    if (!isObject(this) || !(#ready in this)) return illegalInvocation();
    return this.#ready.promise;
  }

  get length() { return this.#tracks.length; }
  get selectedIndex() { return this.#selectedIndex; }
  get selectedTrack() { return this.#selectedIndex === -1 ? null : this.#tracks[this.#selectedIndex]; }

  *[Symbol.iterator]() { yield* this.#tracks; }

  static {
    listApply = (l, op, a, b) => l.#apply(op, a, b);
  }

  // Internal updates from the decoder's events.
  #apply(op, a, b) {
    switch (op) {
      case 'establish':
        this.#tracks = a;
        this.#selectedIndex = b;
        a.forEach((t, i) => {
          Object.defineProperty(this, i, { get: () => this.#tracks[i], enumerable: true, configurable: true });
        });
        trackSet(a[b], 'selected', true);
        this.#ready.resolve();
        break;
      case 'select':
        this.#selectedIndex = a;
        break;
      case 'clear':
        for (let i = 0; i < this.#tracks.length; i++) delete this[i];
        this.#tracks = [];
        this.#selectedIndex = -1;
        break;
      case 'reject':
        this.#ready.reject(a);
        break;
      default:
        break;
    }
  }
}

class ImageDecoder {
  #h;
  #type;
  #completed = deferred();
  #tracks = new ImageTrackList(kInit);
  #trackObjects = [];
  #pending = new Map();
  #reader = null;
  // The constructor's events, applied in a microtask or before those of any later call.
  #initEvents = null;

  constructor(init) {
    init = idl.requireObject(init, 'ImageDecoderInit');
    // WebIDL dictionary members in lexicographic order.
    const colorSpaceConversion = init.colorSpaceConversion === undefined
      ? 'default' : idl.enumValue(init.colorSpaceConversion, ['default', 'none'], 'colorSpaceConversion');
    const data = idl.required(init, 'data', 'ImageDecoderInit');
    const desiredHeight = init.desiredHeight === undefined ? undefined : idl.u32(init.desiredHeight, 'desiredHeight');
    const desiredWidth = init.desiredWidth === undefined ? undefined : idl.u32(init.desiredWidth, 'desiredWidth');
    const preferAnimation = init.preferAnimation === undefined ? undefined : idl.bool(init.preferAnimation);
    const transfer = idl.validateTransfer(init.transfer);
    const type = idl.string(idl.required(init, 'type', 'ImageDecoderInit'));

    // Valid ImageDecoderInit (TypeError), as browsers check it: see isImageMime().
    if (!MIME_RE.test(type)) throw new TypeError(`'${type}' is not a valid MIME type`);
    const isStream = typeof ReadableStream !== 'undefined' && data instanceof ReadableStream;
    let bytes;
    if (isStream) {
      if (data.locked) throw new TypeError('data ReadableStream is locked');
    } else {
      bytes = idl.bytesOf(data, 'data');
      if (ArrayBuffer.isView(data) ? idl.isDetached(data.buffer) : idl.isDetached(data)) {
        throw new TypeError('data is detached');
      }
      if (bytes.byteLength === 0) throw new TypeError('data is empty');
    }
    if ((desiredWidth === undefined) !== (desiredHeight === undefined)) {
      throw new TypeError('desiredWidth and desiredHeight must be given together');
    }
    if (desiredWidth === 0 || desiredHeight === 0) throw new TypeError('desired size must be non-zero');

    this.#type = type;
    const supportedType = isImageMime(type) ? type : '';
    const [h, events] = native.imageDecoderNew(dispatch, this, supportedType, desiredWidth, desiredHeight,
      preferAnimation, colorSpaceConversion, bytes);
    this.#h = h;
    idl.detachAll(transfer);
    // The configure message (which closes the decoder for an unsupported type) runs after the
    // constructor returns, and before any later call's messages.
    this.#initEvents = events;
    queueMicrotask(() => this.#applyInit());
    if (isStream) this.#fetch(data.getReader());
  }

  static isTypeSupported(type) {
    try {
      type = idl.string(type);
      if (!isImageMime(type)) throw new TypeError(`'${type}' is not a valid image MIME type`);
      return Promise.resolve(native.imageTypeSupported(type));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // Fetch Stream Data Loop. `#reader` is null once the decoder is closed.
  async #fetch(reader) {
    this.#reader = reader;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (this.#reader === null) return;
        if (done) {
          this.#call(native.imageDecoderEnd(this.#h, this));
          return;
        }
        if (!(value instanceof Uint8Array)) {
          this.#call(native.imageDecoderStreamFailed(this.#h, this, true));
          return;
        }
        this.#call(native.imageDecoderAppend(this.#h, this, value));
      }
    } catch (e) {
      if (this.#reader !== null) this.#call(native.imageDecoderStreamFailed(this.#h, this, false, String(e && e.message)));
    }
  }

  get type() { return this.#type; }
  get complete() { return native.imageDecoderComplete(this.#h); }

  get completed() {
    if (!isObject(this) || !(#completed in this)) return illegalInvocation();
    return this.#completed.promise;
  }

  get tracks() { return this.#tracks; }

  decode(options = {}) {
    try {
      options = idl.dictionary(options, 'ImageDecodeOptions');
      const completeFramesOnly = options.completeFramesOnly === undefined ? true : idl.bool(options.completeFramesOnly);
      const frameIndex = options.frameIndex === undefined ? 0 : idl.u32Modulo(options.frameIndex);
      const id = this.#call(native.imageDecoderDecode(this.#h, this, frameIndex, completeFramesOnly));
      return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  reset() {
    this.#call(native.imageDecoderReset(this.#h, this));
  }

  close() {
    this.#call(native.imageDecoderClose(this.#h, this));
  }

  static {
    decoderSelect = (d, index, value) => d.#select(index, value);
    decoderApply = (d, events) => {
      d.#applyInit();
      d.#apply(events);
    };
  }

  #applyInit() {
    const events = this.#initEvents;
    this.#initEvents = null;
    if (events !== null) this.#apply(events);
  }

  // A native spec method's `[value, events]`: applies the events, returns the value.
  #call([value, events]) {
    this.#applyInit();
    this.#apply(events);
    return value;
  }

  #select(index, value) {
    const selected = this.#call(native.imageDecoderSelect(this.#h, this, index, value));
    if (selected === null) return;
    const old = this.#tracks.selectedIndex;
    if (old !== -1) trackSet(this.#trackObjects[old], 'selected', false);
    if (selected !== -1) trackSet(this.#trackObjects[selected], 'selected', true);
    listApply(this.#tracks, 'select', selected);
  }

  #settle(id) {
    const p = this.#pending.get(id);
    this.#pending.delete(id);
    return p;
  }

  #apply(events) {
    for (const ev of events) {
      switch (ev[0]) {
        case ImageEvent.TRACKS:
          this.#trackObjects = ev[1].map((info, i) => new ImageTrack(kInit, this, i, info));
          listApply(this.#tracks, 'establish', this.#trackObjects, ev[2]);
          break;
        case ImageEvent.FRAME_COUNTS:
          for (let k = 1; k + 1 < ev.length; k += 2) trackSet(this.#trackObjects[ev[k]], 'frameCount', ev[k + 1]);
          break;
        case ImageEvent.RESOLVED: {
          const image = createFrame(ev[2], ev[3]);
          const p = this.#settle(ev[1]);
          if (p) p.resolve({ image, complete: ev[4] });
          else image.close();
          break;
        }
        case ImageEvent.REJECTED: {
          const p = this.#settle(ev[1]);
          if (p) p.reject(ev[2]);
          break;
        }
        case ImageEvent.COMPLETED:
          this.#completed.resolve();
          break;
        case ImageEvent.CLOSED:
          // Chromium and Firefox empty `type` on close, and WPT checks it.
          this.#type = '';
          listApply(this.#tracks, ev[2] ? 'clear' : 'reject', ev[1]);
          if (!ev[3]) this.#completed.reject(ev[1]);
          if (this.#reader !== null) {
            this.#reader.cancel(ev[1]).catch(() => {});
            this.#reader = null;
          }
          break;
        default:
          break;
      }
    }
  }
}

for (const C of [ImageDecoder, ImageTrackList, ImageTrack]) idl.exposeInterface(C);

module.exports = { ImageDecoder, ImageTrackList, ImageTrack };
