'use strict';
// WebCodecs for Node.js: the classes as named exports, and install() to put them on globalThis.
// The exports stay one object literal of plain names: Node reads the named exports of this
// CommonJS file from that literal, so lib/index.mjs can re-export them without a second list.
const { VideoEncoder, VideoDecoder } = require('./video-codecs');
const { VideoFrame, VideoColorSpace } = require('./video-frame');
const { AudioEncoder, AudioDecoder } = require('./audio-codecs');
const { AudioData } = require('./audio-data');
const { EncodedVideoChunk, EncodedAudioChunk } = require('./chunks');
const { DOMRectReadOnly } = require('./geometry');
const { ImageDecoder, ImageTrackList, ImageTrack } = require('./image-decoder');
const { transformVideoSample } = require('./transform');

module.exports = {
  VideoEncoder,
  VideoDecoder,
  VideoFrame,
  VideoColorSpace,
  EncodedVideoChunk,
  AudioEncoder,
  AudioDecoder,
  AudioData,
  EncodedAudioChunk,
  DOMRectReadOnly,
  ImageDecoder,
  ImageTrackList,
  ImageTrack,
  install,
  transformVideoSample,
};
// Every export but install() and mediabunny's transformer is a class install() defines.
const { install: _install, transformVideoSample: _transformer, ...classes } = module.exports;

// Defines every class on `globalThis` the way a browser exposes interface objects (writable,
// configurable, not enumerable). A name the runtime already has is left alone unless
// `{ overwrite: true }`. Returns the names it defined.
function install(options = {}) {
  const overwrite = Boolean(options && options.overwrite);
  const installed = [];
  for (const [name, value] of Object.entries(classes)) {
    if (!overwrite && Object.prototype.hasOwnProperty.call(globalThis, name)) continue;
    Object.defineProperty(globalThis, name, { value, writable: true, enumerable: false, configurable: true });
    installed.push(name);
  }
  return installed;
}
