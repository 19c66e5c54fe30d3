'use strict';
// WebCodecs for Node.js: the classes as named exports.
const { VideoEncoder, VideoDecoder } = require('./video-codecs');
const { VideoFrame, VideoColorSpace } = require('./video-frame');
const { AudioEncoder, AudioDecoder } = require('./audio-codecs');
const { AudioData } = require('./audio-data');
const { EncodedVideoChunk, EncodedAudioChunk } = require('./chunks');
const { DOMRectReadOnly } = require('./geometry');
const { ImageDecoder, ImageTrackList, ImageTrack } = require('./image-decoder');

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
};
