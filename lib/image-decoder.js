'use strict';
// ImageDecoder, ImageTrackList, ImageTrack (https://w3c.github.io/webcodecs/#image-decoding).
// The native half runs a worker thread that scans the container and decodes with FFmpeg; this
// file keeps the spec state (tracks, promises, closed/complete) on the JS thread.
const native = require('./native');
const idl = require('./webidl');
const { createFrame } = require('./video-frame');

const EV_DATA = 0;
const EV_DECODED = 1;
const EV_DECODE_FAILED = 2;

// Module-internal access to the classes' private state, set up by their static blocks.
let trackApply;
let listApply;
let decoderApply;
let decoderSelect;
const kInit = Symbol('kInit');

// Called by the addon for every worker reply. Module-level: it must not capture a decoder.
function dispatch(owner, event) {
  decoderApply(owner, event);
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
  return { promise, resolve, reject, settled: false };
}

class ImageTrack {
  #decoder;
  #index;
  #animated;
  #frameCount;
  #repetitionCount;
  #selected = false;

  constructor(key, decoder, index, info) {
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
    if (this.#selected === value) return;
    decoderSelect(this.#decoder, this.#index, value);
  }

  static {
    trackApply = (t, field, value) => t.#apply(field, value);
  }

  // Internal updates (no side effects).
  #apply(field, value) {
    if (field === 'selected') this.#selected = value;
    else if (field === 'frameCount') this.#frameCount = value;
  }

}

class ImageTrackList {
  #tracks = [];
  #selectedIndex = -1;
  #ready = deferred();

  constructor(key) {
    if (key !== kInit) throw new TypeError('Illegal constructor');
  }

  get ready() { return this.#ready.promise; }
  get length() { return this.#tracks.length; }
  get selectedIndex() { return this.#selectedIndex; }
  get selectedTrack() { return this.#selectedIndex === -1 ? null : this.#tracks[this.#selectedIndex]; }

  *[Symbol.iterator]() { yield* this.#tracks; }

  static {
    listApply = (l, op, a, b) => l.#apply(op, a, b);
  }

  // Internal: publish the tracks and resolve `ready`.
  #apply(op, a, b) {
    switch (op) {
      case 'establish':
        this.#tracks = a;
        this.#selectedIndex = b;
        a.forEach((t, i) => {
          Object.defineProperty(this, i, { get: () => this.#tracks[i], enumerable: true, configurable: true });
        });
        if (b !== -1) trackApply(a[b], 'selected', true);
        this.#ready.settled = true;
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
        if (!this.#ready.settled) {
          this.#ready.settled = true;
          this.#ready.reject(a);
        }
        break;
      default:
        break;
    }
  }

}

class ImageDecoder {
  #h = null;
  #type;
  #complete = false;
  #completed = deferred();
  #tracks = new ImageTrackList(kInit);
  #established = false;
  #closed = false;
  #preferAnimation = null;
  #pending = new Map();
  #nextId = 1;
  #reader = null;
  // The type is not supported: decode() keeps rejecting with NotSupportedError after the close
  // (as in Chromium and Firefox).
  #unsupported = false;

  constructor(init) {
    init = idl.requireObject(init, 'ImageDecoderInit');
    // WebIDL dictionary members in lexicographic order.
    const colorSpaceConversion = init.colorSpaceConversion === undefined
      ? 'default' : idl.enumValue(init.colorSpaceConversion, ['default', 'none'], 'colorSpaceConversion');
    const data = idl.required(init, 'data', 'ImageDecoderInit');
    const desiredHeight = init.desiredHeight === undefined ? undefined : idl.u32(init.desiredHeight, 'desiredHeight');
    const desiredWidth = init.desiredWidth === undefined ? undefined : idl.u32(init.desiredWidth, 'desiredWidth');
    const preferAnimation = init.preferAnimation === undefined ? null : idl.bool(init.preferAnimation);
    const transfer = idl.validateTransfer(init.transfer);
    const type = idl.string(idl.required(init, 'type', 'ImageDecoderInit'));

    // Valid ImageDecoderInit (TypeError), as browsers check it: see isImageMime().
    if (!MIME_RE.test(type)) throw new TypeError(`'${type}' is not a valid MIME type`);
    const isStream = typeof ReadableStream !== 'undefined' && data instanceof ReadableStream;
    let bytes = null;
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
    this.#preferAnimation = preferAnimation;
    this.#completed.promise.then(() => {}, () => {});

    if (isImageMime(type) && native.imageTypeSupported(type)) {
      this.#h = native.imageDecoderNew(dispatch, type, desiredWidth, desiredHeight, preferAnimation ?? undefined,
        colorSpaceConversion);
    }
    if (isStream) {
      this.#fetch(data.getReader());
    } else {
      if (this.#h !== null) {
        native.imageDecoderAppend(this.#h, this, bytes);
        native.imageDecoderEnd(this.#h, this);
      }
      this.#complete = true;
      this.#completed.settled = true;
      this.#completed.resolve();
    }
    idl.detachAll(transfer);
    if (this.#h === null) {
      this.#unsupported = true;
      // The configure step reports an unsupported type asynchronously.
      queueMicrotask(() => this.#close(idl.dom('NotSupportedError', `image type '${type}' is not supported`)));
    }
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

  async #fetch(reader) {
    this.#reader = reader;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (this.#closed) return;
        if (done) {
          this.#complete = true;
          this.#completed.settled = true;
          this.#completed.resolve();
          if (this.#h !== null) native.imageDecoderEnd(this.#h, this);
          return;
        }
        if (!(value instanceof Uint8Array)) {
          this.#close(idl.dom('DataError', 'ReadableStream chunks must be Uint8Arrays'));
          return;
        }
        if (this.#h !== null && value.byteLength > 0) native.imageDecoderAppend(this.#h, this, value);
      }
    } catch (e) {
      if (!this.#closed) this.#close(idl.dom('NotReadableError', `reading the image stream failed: ${e && e.message}`));
    }
  }

  get type() { return this.#type; }
  get complete() { return this.#complete; }
  get completed() { return this.#completed.promise; }
  get tracks() { return this.#tracks; }

  decode(options = {}) {
    try {
      options = idl.dictionary(options, 'ImageDecodeOptions');
      const completeFramesOnly = options.completeFramesOnly === undefined ? true : idl.bool(options.completeFramesOnly);
      const frameIndex = options.frameIndex === undefined ? 0 : idl.u32Modulo(options.frameIndex);
      if (this.#closed && this.#unsupported) throw idl.dom('NotSupportedError', 'image type is not supported');
      if (this.#closed) throw idl.dom('InvalidStateError', 'ImageDecoder is closed');
      // decode() step 2 rejects while [[selected index]] is -1, which read literally includes
      // the time before the tracks are established; but the control message then "waits for
      // [[tracks established]]", and Chromium, Firefox and WPT (decodes issued before
      // tracks.ready) queue such a decode instead. We do the same: only a decoder whose tracks
      // are known and none is selected rejects.
      if (this.#established && this.#tracks.selectedIndex === -1) {
        throw idl.dom('InvalidStateError', 'no track is selected');
      }
      const id = this.#nextId++;
      const p = new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
      if (this.#h !== null) {
        native.imageDecoderDecode(this.#h, this, id, frameIndex, this.#tracks.selectedIndex, completeFramesOnly);
      }
      return p;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  reset() {
    this.#abortPending(idl.dom('AbortError', 'ImageDecoder was reset'));
  }

  close() {
    this.#close(idl.dom('AbortError', 'ImageDecoder was closed'));
  }

  // Reset ImageDecoder; `trackChanged` also forgets [[progressive frame generations]].
  #abortPending(e, trackChanged = false) {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    if (this.#h !== null && !this.#closed) native.imageDecoderReset(this.#h, this, trackChanged);
    for (const p of pending) p.reject(e);
  }

  #close(e) {
    if (this.#closed) return;
    this.#abortPending(e);
    this.#closed = true;
    // Chromium and Firefox empty `type` on close, and WPT checks it.
    this.#type = '';
    if (this.#h !== null) native.imageDecoderClose(this.#h);
    if (this.#reader !== null) {
      this.#reader.cancel(e).catch(() => {});
      this.#reader = null;
    }
    if (!this.#established) listApply(this.#tracks, 'reject', e);
    else listApply(this.#tracks, 'clear');
    if (!this.#complete && !this.#completed.settled) {
      this.#completed.settled = true;
      this.#completed.reject(e);
    }
  }

  #trackObjects = [];

  #establish(infos) {
    if (infos.length === 0) {
      this.#close(idl.dom('EncodingError', 'the image has no tracks'));
      return;
    }
    this.#trackObjects = infos.map((info, i) => new ImageTrack(kInit, this, i, info));
    // The primary track (the first) unless preferAnimation asks for the other kind.
    let selected = 0;
    const pref = this.#preferAnimation;
    if (pref !== null && infos[0].animated !== pref) {
      const i = infos.findIndex((t) => t.animated === pref);
      if (i !== -1) selected = i;
    }
    this.#established = true;
    listApply(this.#tracks, 'establish', this.#trackObjects, selected);
  }

  static {
    decoderSelect = (d, index, value) => d.#select(index, value);
    decoderApply = (d, ev) => d.#apply(ev);
  }

  #select(index, value) {
    if (this.#closed) return;
    const old = this.#tracks.selectedIndex;
    if (old !== -1) trackApply(this.#trackObjects[old], 'selected', false);
    const next = value ? index : -1;
    if (next !== -1) trackApply(this.#trackObjects[next], 'selected', true);
    listApply(this.#tracks, 'select', next);
    this.#abortPending(idl.dom('AbortError', 'the selected track changed'), true);
  }

  #apply(ev) {
    if (this.#closed) {
      if (ev[0] === EV_DECODED) native.frameClose(ev[2]);
      return;
    }
    switch (ev[0]) {
      case EV_DATA: {
        if (ev[2] !== undefined) {
          this.#close(ev[2]);
          return;
        }
        const infos = ev[1];
        if (infos === null) return;
        if (!this.#established) this.#establish(infos);
        else {
          infos.forEach((info, i) => {
            const t = this.#trackObjects[i];
            if (t && info.frameCount > t.frameCount) trackApply(t, 'frameCount', info.frameCount);
          });
        }
        break;
      }
      case EV_DECODED: {
        const p = this.#pending.get(ev[1]);
        if (!p) {
          native.frameClose(ev[2]);
          return;
        }
        this.#pending.delete(ev[1]);
        const image = createFrame(ev[2], ev[3]);
        p.resolve({ image, complete: ev[4] });
        break;
      }
      case EV_DECODE_FAILED: {
        if (ev[3]) {
          this.#close(ev[2]);
          return;
        }
        const p = this.#pending.get(ev[1]);
        this.#pending.delete(ev[1]);
        if (p) p.reject(ev[2]);
        break;
      }
      default:
        break;
    }
  }

}

for (const C of [ImageDecoder, ImageTrackList, ImageTrack]) idl.exposeInterface(C);

module.exports = { ImageDecoder, ImageTrackList, ImageTrack };
