'use strict';
const idl = require('./webidl');
// The part every codec class shares: delivering worker events in order, flush promises and the
// `dequeue` event. Spec state (state, queue sizes, pending flushes) lives in the native model.
const kApply = Symbol('kApply');
const kOutput = Symbol('kOutput');
const kHandle = Symbol('kHandle');
const kTrackFlush = Symbol('kTrackFlush');

const EV_OUTPUT = 0;
const EV_ERROR = 1;
const EV_FLUSH_RESOLVED = 2;
const EV_FLUSH_REJECTED = 3;
const EV_DEQUEUE = 4;

// Called by the addon for every batch of events. Module-level: it must not capture a codec.
function dispatch(owner, events) {
  owner[kApply](events);
}

// An exception from a user callback is reported like any uncaught exception, after the whole
// batch has been applied (so no bookkeeping is skipped).
function report(e) {
  queueMicrotask(() => { throw e; });
}

class CodecBase extends EventTarget {
  #flushes = new Map();
  #ondequeue = null;
  #output;
  #error;

  constructor(output, error) {
    super();
    this.#output = output;
    this.#error = error;
  }

  [kTrackFlush](id) {
    return new Promise((resolve, reject) => this.#flushes.set(id, { resolve, reject }));
  }

  [kApply](events) {
    if (!events) return;
    for (const ev of events) {
      try {
        switch (ev[0]) {
          case EV_OUTPUT:
            this.#output.call(undefined, ...this[kOutput](ev[1], ev[2]));
            break;
          case EV_ERROR:
            this.#error.call(undefined, ev[1]);
            break;
          case EV_FLUSH_RESOLVED: {
            const f = this.#flushes.get(ev[1]);
            this.#flushes.delete(ev[1]);
            if (f) f.resolve();
            break;
          }
          case EV_FLUSH_REJECTED: {
            const f = this.#flushes.get(ev[1]);
            this.#flushes.delete(ev[1]);
            if (f) f.reject(ev[2]);
            break;
          }
          case EV_DEQUEUE:
            this.dispatchEvent(new Event('dequeue'));
            break;
          default:
            break;
        }
      } catch (e) {
        report(e);
      }
    }
  }

  get ondequeue() { return this.#ondequeue; }
  set ondequeue(fn) {
    const handler = typeof fn === 'function' || (typeof fn === 'object' && fn !== null) ? fn : null;
    if (this.#ondequeue === null && handler !== null) {
      // Event handler attributes hold their place among the listeners from the first set.
      this.addEventListener('dequeue', (e) => {
        const h = this.#ondequeue;
        if (typeof h === 'function') h.call(this, e);
      });
    }
    this.#ondequeue = handler;
  }
}

// flush(): a rejected promise (never a throw) when the codec is not configured.
function flushVia(codec, nativeFlush, handle) {
  let r;
  try {
    r = nativeFlush(handle, codec);
  } catch (e) {
    return Promise.reject(e);
  }
  const p = codec[kTrackFlush](r[0]);
  codec[kApply](r[1]);
  return p;
}

// The output/error pair of a codec init dictionary.
function convertInit(init, what) {
  init = idl.requireObject(init, what);
  const error = idl.callback(idl.required(init, 'error', what), 'error');
  const output = idl.callback(idl.required(init, 'output', what), 'output');
  return { output, error };
}

// isConfigSupported(): convert (TypeError → rejection), then ask the native support check.
function isConfigSupportedVia(convert, nativeCheck, config) {
  try {
    const c = convert(config);
    return Promise.resolve({ supported: nativeCheck(c), config: c });
  } catch (e) {
    return Promise.reject(e);
  }
}

module.exports = {
  CodecBase, dispatch, flushVia, convertInit, isConfigSupportedVia, kApply, kOutput, kHandle, kTrackFlush,
};
