'use strict';
// A VP9 bitstream carries only a colour space id (the matrix) and the range. A decoder
// configured without colorSpace reports the full standard colour space for that id, so the
// primaries/transfer of a BT.709 encode survive a decode that relies on the bitstream alone.
const test = require('node:test');
const assert = require('node:assert/strict');
const { VideoEncoder, VideoDecoder, VideoFrame } = require('../..');
const { runCodec, encodeChunks } = require('../helpers');

function encodeVp9(colorSpace) {
  const w = 64, h = 48;
  return encodeChunks(VideoEncoder, { codec: 'vp09.00.10.08', width: w, height: h, bitrate: 300000 }, (enc) => {
    for (let i = 0; i < 3; i++) {
      const data = new Uint8Array(w * h * 3 / 2).fill(100 + i);
      const f = new VideoFrame(data, { format: 'I420', codedWidth: w, codedHeight: h, timestamp: i * 33333, colorSpace });
      enc.encode(f, { keyFrame: i === 0 });
      f.close();
    }
  });
}

async function decodeSpaces(config, chunks) {
  const spaces = [];
  await runCodec(VideoDecoder, config, (f) => { spaces.push(f.colorSpace.toJSON()); f.close(); }, (dec) => {
    for (const c of chunks) dec.decode(c);
  });
  return spaces;
}

test('VP9: decoding without a configured colorSpace reports BT.709 primaries and transfer', async () => {
  const bt709 = { primaries: 'bt709', transfer: 'bt709', matrix: 'bt709', fullRange: false };
  const { chunks, decoderConfig } = await encodeVp9(bt709);
  assert.equal(chunks.length, 3);
  const stripped = { ...decoderConfig };
  delete stripped.colorSpace;
  const spaces = await decodeSpaces(stripped, chunks);
  assert.equal(spaces.length, 3);
  for (const cs of spaces) assert.deepEqual(cs, bt709);
});

test('VP9: a BT.601 encode decodes as smpte170m without a configured colorSpace', async () => {
  const { chunks, decoderConfig } = await encodeVp9({ primaries: 'smpte170m', transfer: 'smpte170m', matrix: 'smpte170m', fullRange: false });
  const stripped = { ...decoderConfig };
  delete stripped.colorSpace;
  const spaces = await decodeSpaces(stripped, chunks);
  for (const cs of spaces) {
    assert.equal(cs.primaries, 'smpte170m');
    assert.equal(cs.transfer, 'smpte170m');
    assert.equal(cs.fullRange, false);
  }
});
