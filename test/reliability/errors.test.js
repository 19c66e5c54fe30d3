'use strict';
// Errors reach JS as TypeError, RangeError or a DOMException of the spec name, never as a plain
// `Error`: crates/node-binding/src/error.rs is the only Rust code that builds JS errors, and
// lib/*.js throws only TypeError, RangeError or DOMException. (The per-crate mapping itself is
// checked against the addon's test build in test/safe-callback.test.js.)
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { VideoEncoder, VideoFrame, AudioData } = require('../..');

const root = path.join(__dirname, '..', '..');
const sources = (dir, ext) => fs.readdirSync(path.join(root, dir))
  .filter((f) => f.endsWith(ext)).map((f) => [`${dir}/${f}`, fs.readFileSync(path.join(root, dir, f), 'utf8')]);

test('only crates/node-binding/src/error.rs builds JS errors', () => {
  const builders = /\b(throw_error|throw_type_error|throw_range_error|cx\.error|cx\.type_error|cx\.range_error|JsError::)/;
  const offenders = sources('crates/node-binding/src', '.rs')
    .filter(([f, text]) => f !== 'crates/node-binding/src/error.rs' && builders.test(text))
    .map(([f]) => f);
  assert.deepEqual(offenders, []);
});

test('lib/ throws no plain Error (only the loader, when the addon is not built at all)', () => {
  const offenders = sources('lib', '.js')
    .filter(([f, text]) => f !== 'lib/native.js' && /\bnew Error\(|\bthrow Error\(/.test(text))
    .map(([f]) => f);
  assert.deepEqual(offenders, []);
});

test('errors from the natives carry their spec category', async () => {
  // TypeError (validity), InvalidStateError and DataError (state rules), RangeError (AudioData),
  // NotSupportedError (copyTo format) and EncodingError/NotSupportedError through the callback.
  const enc = new VideoEncoder({ output: () => {}, error: () => {} });
  assert.throws(() => enc.configure({ codec: 'vp8', width: 0, height: 16 }), (e) => e.constructor === TypeError);
  const frame = new VideoFrame(new Uint8Array(16 * 16 * 4), { format: 'RGBA', codedWidth: 16, codedHeight: 16, timestamp: 0 });
  assert.throws(() => enc.encode(frame), (e) => e instanceof DOMException && e.name === 'InvalidStateError');
  enc.close();
  await assert.rejects(frame.copyTo(new Uint8Array(16 * 16 * 4), { format: 'I420' }),
    (e) => e instanceof DOMException && e.name === 'NotSupportedError');
  frame.close();
  const audio = new AudioData({ format: 'f32', sampleRate: 8000, numberOfFrames: 4, numberOfChannels: 1, timestamp: 0, data: new Float32Array(4) });
  assert.throws(() => audio.copyTo(new Float32Array(4), { planeIndex: 1 }), (e) => e.constructor === RangeError);
  audio.close();
  let error;
  const bogus = new VideoEncoder({ output: () => {}, error: (e) => { error = e; } });
  bogus.configure({ codec: 'bogus', width: 16, height: 16 });
  await assert.rejects(bogus.flush(), (e) => e instanceof DOMException && e.name === 'NotSupportedError');
  assert.ok(error instanceof DOMException && error.name === 'NotSupportedError');
});
