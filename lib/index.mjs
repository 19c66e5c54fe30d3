import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('./index.js');

export const {
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
} = api;
export default api;
