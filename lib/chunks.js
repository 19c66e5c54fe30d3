'use strict';
const idl = require('./webidl');

const kAdopt = Symbol('kAdopt');
const kBytes = Symbol('kBytes');

// EncodedVideoChunk and EncodedAudioChunk have the same shape; one factory builds both.
function chunkClass(name) {
  const initName = `${name}Init`;
  const C = class {
    #type; #timestamp; #duration; #data;
    constructor(init) {
      if (init === kAdopt) {
        // Internal: adopt an encoder output without copying.
        const o = arguments[1];
        this.#type = o.type; this.#timestamp = o.timestamp; this.#duration = o.duration ?? null;
        this.#data = new Uint8Array(o.data);
        return;
      }
      init = idl.requireObject(init, initName);
      const data = idl.required(init, 'data', initName);
      const duration = init.duration === undefined ? null : idl.u64(init.duration, 'duration');
      const timestamp = idl.i64(idl.required(init, 'timestamp', initName), 'timestamp');
      const transfer = idl.validateTransfer(init.transfer);
      const type = idl.enumValue(idl.required(init, 'type', initName), ['key', 'delta'], 'type');
      this.#type = type;
      this.#timestamp = timestamp;
      this.#duration = duration;
      this.#data = idl.bytesOf(data, 'data').slice();
      idl.detachAll(transfer);
    }
    static [kAdopt](o) { return new C(kAdopt, o); }
    get type() { return this.#type; }
    get timestamp() { return this.#timestamp; }
    get duration() { return this.#duration; }
    get byteLength() { return this.#data.byteLength; }
    copyTo(destination) {
      const dest = idl.bytesOf(destination, 'destination');
      if (dest.byteLength < this.#data.byteLength) throw new TypeError('destination is too small');
      dest.set(this.#data);
    }
    get [Symbol.toStringTag]() { return name; }
    // Internal: the bytes, for decoders.
    static [kBytes](chunk) { return chunk.#data; }
  };
  Object.defineProperty(C, 'name', { value: name });
  return C;
}

const EncodedVideoChunk = chunkClass('EncodedVideoChunk');
const EncodedAudioChunk = chunkClass('EncodedAudioChunk');

module.exports = { EncodedVideoChunk, EncodedAudioChunk, kAdopt, kBytes };
