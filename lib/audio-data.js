'use strict';
const native = require('./native');
const idl = require('./webidl');

const SAMPLE_FORMATS = ['u8', 's16', 's32', 'f32', 'u8-planar', 's16-planar', 's32-planar', 'f32-planar'];
const BYTES = { u8: 1, s16: 2, s32: 4, f32: 4 };

const kCreate = Symbol('kCreate');
// Module-internal access, set up by the class's static block (no visible members).
let createAudioData;
let audioDataNative;

// What a closed AudioData reports (its timestamp stays).
const CLOSED = { format: null, sampleRate: 0, numberOfFrames: 0, numberOfChannels: 0 };

class AudioData {
  #h = null;
  // { format, sampleRate, numberOfFrames, numberOfChannels, timestamp }
  #info = { ...CLOSED, timestamp: 0 };

  constructor(init) {
    if (init === kCreate) {
      const { handle, ...info } = arguments[1];
      this.#h = handle;
      this.#info = info;
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
    this.#h = handle;
    this.#info = { format, sampleRate, numberOfFrames, numberOfChannels, timestamp };
  }

  static {
    createAudioData = (handle, init) => new AudioData(kCreate, { handle, ...init });
    audioDataNative = (a) => (a.#h === null ? null : { handle: a.#h, timestamp: a.#info.timestamp });
  }

  get format() { return this.#info.format; }
  get sampleRate() { return this.#info.sampleRate; }
  get numberOfFrames() { return this.#info.numberOfFrames; }
  get numberOfChannels() { return this.#info.numberOfChannels; }
  get timestamp() { return this.#info.timestamp; }
  get duration() {
    if (this.#h === null) return 0;
    return Math.trunc((this.#info.numberOfFrames * 1e6) / this.#info.sampleRate);
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
    return createAudioData(native.audioDataClone(this.#h), this.#info);
  }

  close() {
    if (this.#h === null) return;
    native.audioDataClose(this.#h);
    this.#h = null;
    this.#info = { ...CLOSED, timestamp: this.#info.timestamp };
  }
}

idl.exposeInterface(AudioData);

module.exports = { AudioData, createAudioData, audioDataNative, SAMPLE_FORMATS, BYTES };
