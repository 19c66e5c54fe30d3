'use strict';
// WPT's media files (the shared fixtures' wpt-media/ folder) and the byte ranges WPT's webcodecs
// tests cut from them: each video variant's decoder config and its first ten chunks, the first
// a key chunk. The ranges are facts about the files (sample positions in the container), listed
// the way WPT's setup scripts use them.
const fs = require('node:fs');
const path = require('node:path');
const { EncodedVideoChunk } = require('../..');

const MEDIA = path.join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'wpt-media');

/** The bytes of WPT media file `name`. */
function media(name) {
  return fs.readFileSync(path.join(MEDIA, name));
}

/** `{offset, size}` ranges for chunks stored back to back from `start`. */
function runs(start, sizes) {
  return sizes.map((size) => {
    const r = { offset: start, size };
    start += size;
    return r;
  });
}

// A 320x240 variant: its file, codec string, chunk ranges and (avcC/hvcC) description range.
// WPT's configs give the coded size and, except for AV1 and VP8, the display aspect (its AV1
// and VP8 configs name visibleRect/displayWidth/displayHeight instead, which VideoDecoderConfig
// lacks).
const at320x240 = (file, codec, chunks, { description, aspect = true, keys } = {}) => ({
  file,
  config: { codec, codedWidth: 320, codedHeight: 240, ...(aspect ? { displayAspectWidth: 320, displayAspectHeight: 240 } : {}) },
  description,
  chunks,
  keys,
});
// WebM blocks: each VP8 frame follows its block header, so these ranges are not contiguous.
const VP8_BLOCKS = [[522, 4826], [5355, 394], [5756, 621], [6384, 424], [6815, 532], [7354, 655], [8016, 670],
  [8693, 2413], [11113, 402], [11522, 686]].map(([offset, size]) => ({ offset, size }));

const VIDEO = {
  av1: at320x240('av1.mp4', 'av01.0.04M.08', runs(48, [1938, 848, 3, 47, 3, 116, 3, 51, 25, 105]), { aspect: false }),
  vp8: at320x240('vp8.webm', 'vp8', VP8_BLOCKS, { aspect: false }),
  vp9: at320x240('vp9.mp4', 'vp09.00.10.08', runs(44, [3315, 203, 245, 172, 312, 170, 195, 181, 356, 159])),
  h264_avc: at320x240('h264.mp4', 'avc1.64000b', runs(48, [4140, 604, 475, 561, 587, 519, 532, 523, 454, 528]),
    { description: { offset: 9490, size: 45 } }),
  h264_annexb: at320x240('h264.annexb', 'avc1.64000b', runs(0, [4175, 602, 473, 559, 585, 517, 530, 521, 452, 526])),
  h265_hevc: at320x240('h265.mp4', 'hev1.1.6.L60.90', runs(44, [2515, 279, 327, 329, 308, 292, 352, 296, 216, 344]),
    { description: { offset: 5821, size: 2406 } }),
  h265_annexb: at320x240('h265.annexb', 'hev1.1.6.L60.90', runs(0, [4894, 279, 327, 329, 308, 292, 352, 296, 216, 344])),
  // An interlaced (field-coded) H.264 stream; WPT gives no display aspect.
  h264_interlaced_avc: at320x240('h264_interlaced.mp4', 'avc1.64000b', runs(48, [4091, 949, 260, 134, 111, 660, 197, 96, 159, 277]),
    { description: { offset: 7501, size: 47 }, aspect: false }),
  // Chunk 5 is an I frame that is not IDR but starts with a recovery point SEI.
  h264_sei_avc: at320x240('h264_sei.mp4', 'avc1.64000b', runs(48, [4229, 1114, 320, 188, 173, 3694, 936, 345, 213, 210]),
    { description: { offset: 11989, size: 46 }, keys: [0, 5] }),
  h264_sei_annexb: at320x240('h264_sei.annexb', 'avc1.64000b', runs(0, [4264, 1112, 318, 186, 171, 3729, 934, 343, 211, 208]),
    { keys: [0, 5] }),
};

/**
 * Variant `name` of VIDEO loaded: `config` (with its description bytes), `data` (each chunk's
 * bytes, views into the file) and `chunks` (EncodedVideoChunks with timestamp i, duration 1,
 * "key" for the variant's key chunks).
 */
function videoStream(name) {
  const v = VIDEO[name];
  const file = media(v.file);
  const view = ({ offset, size }) => file.subarray(offset, offset + size);
  const config = { ...v.config };
  if (v.description) config.description = view(v.description);
  const keys = new Set(v.keys ?? [0]);
  const data = v.chunks.map(view);
  const chunks = data.map((d, i) => new EncodedVideoChunk({ type: keys.has(i) ? 'key' : 'delta', timestamp: i, duration: 1, data: d }));
  return { config, data, chunks };
}

module.exports = { MEDIA, media, runs, VIDEO, videoStream };
