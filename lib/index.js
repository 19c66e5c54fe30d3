'use strict';
// WebCodecs for Node.js: the classes as named exports.
const { VideoEncoder, VideoDecoder } = require('./video-codecs');
const { VideoFrame, VideoColorSpace } = require('./video-frame');
const { EncodedVideoChunk } = require('./chunks');
const { DOMRectReadOnly } = require('./geometry');

module.exports = {
  VideoEncoder,
  VideoDecoder,
  VideoFrame,
  VideoColorSpace,
  EncodedVideoChunk,
  DOMRectReadOnly,
};
