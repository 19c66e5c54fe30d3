'use strict';
const idl = require('./webidl');

const kAdopt = Symbol('kAdopt');

// EncodedVideoChunk and EncodedAudioChunk have the same shape; one factory builds both. It returns
// the class and two module-internal functions: `adopt` (an encoder output, no copy) and
// `decodeArgs` (a decoder's decode(chunk): the chunk as its native decode takes it).
function chunkClass(name) {
  let adopt;
  let decodeArgs;
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
    static {
      adopt = (o) => new C(kAdopt, o);
      decodeArgs = (chunk) => {
        if (!(chunk instanceof C)) throw new TypeError(`decode() needs an ${name}`);
        return [chunk.type === 'key', chunk.timestamp, chunk.duration ?? undefined, chunk.#data];
      };
    }
    get type() { return this.#type; }
    get timestamp() { return this.#timestamp; }
    get duration() { return this.#duration; }
    get byteLength() { return this.#data.byteLength; }
    copyTo(destination) {
      const dest = idl.bytesOf(destination, 'destination');
      if (dest.byteLength < this.#data.byteLength) throw new TypeError('destination is too small');
      dest.set(this.#data);
    }
  };
  Object.defineProperty(C, 'name', { value: name });
  idl.exposeInterface(C, name);
  return { C, adopt, decodeArgs };
}

const video = chunkClass('EncodedVideoChunk');
const audio = chunkClass('EncodedAudioChunk');

module.exports = {
  EncodedVideoChunk: video.C,
  EncodedAudioChunk: audio.C,
  adoptVideoChunk: video.adopt,
  adoptAudioChunk: audio.adopt,
  videoDecodeArgs: video.decodeArgs,
  audioDecodeArgs: audio.decodeArgs,
};
