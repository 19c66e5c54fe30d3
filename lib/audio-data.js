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
  // The native handle; null once closed (the getters then report a closed AudioData: null
  // format, zeros, the timestamp kept).
  #h = null;
  // { format, sampleRate, numberOfFrames, numberOfChannels, timestamp }: set once, never
  // changed, so clones share it.
  #info;

  constructor(init) {
    if (init === kCreate) {
      this.#h = arguments[1];
      this.#info = arguments[2];
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
    const transfer = init.transfer === undefined ? null : idl.validateTransfer(init.transfer);
    if (!(sampleRate > 0)) throw new TypeError('sampleRate must be positive');
    if (numberOfFrames === 0 || numberOfChannels === 0) throw new TypeError('numberOfFrames and numberOfChannels must be non-zero');
    const bytes = idl.bytesOf(data, 'data');
    const handle = native.audioDataFromBuffer(format, sampleRate, numberOfFrames, numberOfChannels, bytes);
    if (transfer !== null) idl.detachAll(transfer);
    this.#h = handle;
    this.#info = { format, sampleRate, numberOfFrames, numberOfChannels, timestamp };
  }

  static {
    // `info` becomes the new AudioData's own (the caller must not change it).
    createAudioData = (handle, info) => new AudioData(kCreate, handle, info);
    // encode()'s native arguments: [handle, timestamp], or null when closed.
    audioDataNative = (a) => (a.#h === null ? null : [a.#h, a.#info.timestamp]);
  }

  get format() { return this.#h === null ? null : this.#info.format; }
  get sampleRate() { return this.#h === null ? 0 : this.#info.sampleRate; }
  get numberOfFrames() { return this.#h === null ? 0 : this.#info.numberOfFrames; }
  get numberOfChannels() { return this.#h === null ? 0 : this.#info.numberOfChannels; }
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
  }
}

idl.exposeInterface(AudioData);

module.exports = { AudioData, createAudioData, audioDataNative, SAMPLE_FORMATS, BYTES };
