'use strict';
const native = require('./native');
const idl = require('./webidl');
const { CodecEvent } = require('./event-codes');
// The part every codec class shares: delivering worker events in order, flush promises and the
// `dequeue` event. Spec state (state, queue sizes, pending flushes) lives in the native model.
//
// The codec classes extend EventTarget directly, as in browsers; their shared machinery is a
// `CodecEvents` object found through a module-private WeakMap, so no internal member shows on
// the public objects or prototypes.

const eventsOf = new WeakMap();

// An exception from a user callback is reported like any uncaught exception, after the whole
// batch has been applied (so no bookkeeping is skipped).
function report(e) {
  queueMicrotask(() => { throw e; });
}

class CodecEvents {
  #target;
  #output;
  #error;
  #convert;
  #flushes = new Map();
  ondequeue = null;

  // `convert(a, b)` turns an output event's native values into the output callback's arguments.
  constructor(target, output, error, convert) {
    this.#target = target;
    this.#output = output;
    this.#error = error;
    this.#convert = convert;
  }

  // Bumped by reset() and close(): events of a batch built before that belong to the previous
  // configuration, so the rest of the batch is dropped (a callback may reset or close).
  #generation = 0;

  bump() {
    this.#generation++;
  }

  trackFlush(id) {
    return new Promise((resolve, reject) => this.#flushes.set(id, { resolve, reject }));
  }

  apply(events) {
    if (!events) return;
    const generation = this.#generation;
    for (const ev of events) {
      if (this.#generation !== generation) break;
      try {
        switch (ev[0]) {
          case CodecEvent.OUTPUT:
            this.#output.call(undefined, ...this.#convert(ev[1], ev[2]));
            break;
          case CodecEvent.ERROR:
            this.#error.call(undefined, ev[1]);
            break;
          case CodecEvent.FLUSH_RESOLVED:
          case CodecEvent.FLUSH_REJECTED: {
            const f = this.#flushes.get(ev[1]);
            this.#flushes.delete(ev[1]);
            if (f && ev[0] === CodecEvent.FLUSH_RESOLVED) f.resolve();
            else if (f) f.reject(ev[2]);
            break;
          }
          case CodecEvent.DEQUEUE:
            this.#target.dispatchEvent(new Event('dequeue'));
            break;
          default:
            break;
        }
      } catch (e) {
        report(e);
      }
    }
  }
}

// Called by the addon for every batch of events. Module-level: it must not capture a codec.
function dispatch(owner, events) {
  const ev = eventsOf.get(owner);
  if (ev) ev.apply(events);
}

// Creates the shared machinery of a codec object of class `Class`; called once from its
// constructor. `makeHandle(dispatch)` creates the native codec.
function attachEvents(target, Class, init, what, convert, makeHandle) {
  const { output, error } = convertInit(init, what);
  const ev = new CodecEvents(target, output, error, convert);
  ev.kind = Class;
  ev.handle = makeHandle(dispatch);
  eventsOf.set(target, ev);
  return ev;
}

// The receiver's machinery; a TypeError unless the receiver is a `Class` (or, without `Class`,
// any codec).
function brand(obj, Class) {
  const ev = eventsOf.get(obj);
  if (!ev || (Class !== undefined && ev.kind !== Class)) throw new TypeError('Illegal invocation');
  return ev;
}

// The `ondequeue` event handler attribute (an accessor on the class's own prototype, as WebIDL
// puts it).
const onDequeue = {
  get ondequeue() { return brand(this).ondequeue; },
  set ondequeue(fn) {
    const ev = brand(this);
    const handler = typeof fn === 'function' || (typeof fn === 'object' && fn !== null) ? fn : null;
    if (ev.ondequeue === null && handler !== null && !ev.listening) {
      // Event handler attributes hold their place among the listeners from the first set.
      ev.listening = true;
      this.addEventListener('dequeue', (e) => {
        const h = ev.ondequeue;
        if (typeof h === 'function') h.call(this, e);
      });
    }
    ev.ondequeue = handler;
  },
};

// The native functions of the codec class whose natives are named `${prefix}Configure`,
// `${prefix}Encode` or `${prefix}Decode` (`work`), `${prefix}State`, `${prefix}Flush`,
// `${prefix}Reset`, `${prefix}Close` and `${prefix}CheckConfig`, by their names without the prefix.
function codecNatives(prefix, work) {
  const natives = {};
  for (const name of ['configure', work, 'state', 'flush', 'reset', 'close', 'checkConfig']) {
    natives[name] = native[prefix + name[0].toUpperCase() + name.slice(1)];
  }
  return natives;
}

// Defines the members the four codec classes share, on `Class.prototype` (and the static
// isConfigSupported on `Class`): `state`, the queue-size attribute named `queueSize`, `ondequeue`,
// configure(), the work operation named `work` (encode or decode), flush(), reset(), close().
// `prefix` names the class's native functions (codecNatives()); `convertConfig` is the WebIDL
// conversion of its config dictionary; `workArgs(input, options)` turns the work operation's
// arguments into the native's (after the codec and the receiver), throwing TypeError on bad
// ones.
function defineCodecMembers(Class, prefix, { queueSize, convertConfig, work, workArgs }) {
  const natives = codecNatives(prefix, work);
  const members = {
    get state() { return natives.state(brand(this, Class).handle)[0]; },
    get [queueSize]() { return natives.state(brand(this, Class).handle)[1]; },
    configure(config) {
      const ev = brand(this, Class);
      ev.apply(natives.configure(ev.handle, this, convertConfig(config)));
    },
    // `options` only matters to VideoEncoder.encode(); it keeps the operation's length at 1.
    [work](input, options = undefined) {
      const ev = brand(this, Class);
      ev.apply(natives[work](ev.handle, this, ...workArgs(input, options)));
    },
    // flush(): a rejected promise, never a throw (when not configured, or on a stranger receiver).
    flush() {
      let ev;
      let r;
      try {
        ev = brand(this, Class);
        r = natives.flush(ev.handle, this);
      } catch (e) {
        return Promise.reject(e);
      }
      const p = ev.trackFlush(r[0]);
      ev.apply(r[1]);
      return p;
    },
    reset() {
      const ev = brand(this, Class);
      const events = natives.reset(ev.handle, this);
      ev.bump();
      ev.apply(events);
    },
    close() {
      const ev = brand(this, Class);
      const events = natives.close(ev.handle, this);
      ev.bump();
      ev.apply(events);
    },
  };
  for (const key of Reflect.ownKeys(members)) {
    Object.defineProperty(Class.prototype, key, Object.getOwnPropertyDescriptor(members, key));
  }
  Object.defineProperty(Class.prototype, 'ondequeue', Object.getOwnPropertyDescriptor(onDequeue, 'ondequeue'));
  const statics = {
    // isConfigSupported(): convert (TypeError → rejection), then ask the native support check,
    // which settles off the JS thread.
    isConfigSupported(config) {
      try {
        const c = convertConfig(config);
        return natives.checkConfig(c).then((supported) => ({ supported, config: c }));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
  Object.defineProperty(Class, 'isConfigSupported', Object.getOwnPropertyDescriptor(statics, 'isConfigSupported'));
  idl.exposeInterface(Class);
}

// The output/error pair of a codec init dictionary.
function convertInit(init, what) {
  init = idl.requireObject(init, what);
  const error = idl.callback(idl.required(init, 'error', what), 'error');
  const output = idl.callback(idl.required(init, 'output', what), 'output');
  return { output, error };
}

module.exports = { attachEvents, brand, defineCodecMembers };
