'use strict';
const native = require('./native');
const idl = require('./webidl');

const SAMPLE_FORMATS = ['u8', 's16', 's32', 'f32', 'u8-planar', 's16-planar', 's32-planar', 'f32-planar'];
const BYTES = { u8: 1, s16: 2, s32: 4, f32: 4 };

const kCreate = Symbol('kCreate');
// Module-internal access, set up by the class's static block (no visible members).
let createAudioData;
let audioDataNative;

class AudioData {
  #h = null;
  #format = null;
  #sampleRate = 0;
  #numberOfFrames = 0;
  #numberOfChannels = 0;
  #timestamp = 0;

  constructor(init) {
    if (init === kCreate) {
      const o = arguments[1];
      this.#adopt(o.handle, o);
      return;
    }
    init = idl.requireObject(init, 'AudioDataInit');
    // WebIDL dictionary members in lexicographic order.
    const data = idl.required(init, 'data', 'AudioDataInit');
    const format = idl.enumValue(idl.required(init, 'format', 'AudioDataInit'), SAMPLE_FORMATS, 'format');
    const numberOfChannels = idl.u32(idl.required(init, 'numberOfChannels', 'AudioDataInit'), 'numberOfChannels');
    const numberOfFrames = idl.u32(idl.required(init, 'numberOfFrames', 'AudioDataInit'), 'numberOfFrames');
    const sampleRate = Math.fround(idl.double(idl.required(init, 'sampleRate', 'AudioDataInit'), 'sampleRate'));
    const timestamp = idl.i64(idl.required(init, 'timestamp', 'AudioDataInit'), 'timestamp');
    const transfer = idl.validateTransfer(init.transfer);
    if (!(sampleRate > 0)) throw new TypeError('sampleRate must be positive');
    if (numberOfFrames === 0 || numberOfChannels === 0) throw new TypeError('numberOfFrames and numberOfChannels must be non-zero');
    const bytes = idl.bytesOf(data, 'data');
    const handle = native.audioDataFromBuffer(format, sampleRate, numberOfFrames, numberOfChannels, bytes);
    idl.detachAll(transfer);
    this.#adopt(handle, { format, sampleRate, numberOfFrames, numberOfChannels, timestamp });
  }

  static {
    createAudioData = (handle, init) => new AudioData(kCreate, { handle, ...init });
    audioDataNative = (a) => (a.#h === null ? null : { handle: a.#h, timestamp: a.#timestamp });
  }

  #adopt(handle, o) {
    this.#h = handle;
    this.#format = o.format;
    this.#sampleRate = o.sampleRate;
    this.#numberOfFrames = o.numberOfFrames;
    this.#numberOfChannels = o.numberOfChannels;
    this.#timestamp = o.timestamp;
  }

  get format() { return this.#format; }
  get sampleRate() { return this.#sampleRate; }
  get numberOfFrames() { return this.#numberOfFrames; }
  get numberOfChannels() { return this.#numberOfChannels; }
  get timestamp() { return this.#timestamp; }
  get duration() {
    if (this.#h === null) return 0;
    return Math.trunc((this.#numberOfFrames * 1e6) / this.#sampleRate);
  }

  #check() {
    if (this.#h === null) throw idl.dom('InvalidStateError', 'AudioData is closed');
  }

  #options(options) {
    const o = idl.requireObject(options, 'AudioDataCopyToOptions');
    const format = o.format === undefined ? undefined : idl.enumValue(o.format, SAMPLE_FORMATS, 'format');
    const frameCount = o.frameCount === undefined ? undefined : idl.u32(o.frameCount, 'frameCount');
    const frameOffset = o.frameOffset === undefined ? 0 : idl.u32(o.frameOffset, 'frameOffset');
    const planeIndex = idl.u32(idl.required(o, 'planeIndex', 'AudioDataCopyToOptions'), 'planeIndex');
    return { planeIndex, frameOffset, frameCount, format };
  }

  allocationSize(options) {
    this.#check();
    const o = this.#options(options);
    return native.audioDataAllocationSize(this.#h, o.planeIndex, o.frameOffset, o.frameCount, o.format);
  }

  copyTo(destination, options) {
    this.#check();
    const o = this.#options(options);
    const dest = idl.bytesOf(destination, 'destination');
    native.audioDataCopyTo(this.#h, dest, o.planeIndex, o.frameOffset, o.frameCount, o.format);
  }

  clone() {
    this.#check();
    return createAudioData(native.audioDataClone(this.#h), {
      format: this.#format, sampleRate: this.#sampleRate, numberOfFrames: this.#numberOfFrames,
      numberOfChannels: this.#numberOfChannels, timestamp: this.#timestamp,
    });
  }

  close() {
    if (this.#h === null) return;
    native.audioDataClose(this.#h);
    this.#h = null;
    this.#format = null;
    this.#sampleRate = 0;
    this.#numberOfFrames = 0;
    this.#numberOfChannels = 0;
  }
}

idl.exposeInterface(AudioData);

module.exports = { AudioData, createAudioData, audioDataNative, SAMPLE_FORMATS, BYTES };
