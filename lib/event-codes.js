'use strict';
// The codes of the events the addon hands to JavaScript in batches (each event an array
// `[code, ...values]`), numbered in the order listed: the same numbers as in
// crates/node-binding/src/codec.rs (the four codec classes) and image.rs (ImageDecoder).
const codes = (...names) => Object.freeze(Object.fromEntries(names.map((name, code) => [name, code])));

const CodecEvent = codes('OUTPUT', 'ERROR', 'FLUSH_RESOLVED', 'FLUSH_REJECTED', 'DEQUEUE');
const ImageEvent = codes('TRACKS', 'FRAME_COUNTS', 'RESOLVED', 'REJECTED', 'COMPLETED', 'CLOSED');

module.exports = { CodecEvent, ImageEvent };
