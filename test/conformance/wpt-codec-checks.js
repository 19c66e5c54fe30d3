'use strict';
// Checks WPT runs on every codec class (its utils.js helpers, restated), and the encoder
// variants its video files share.
const assert = require('node:assert/strict');

// `codec.decode` or `codec.encode`, whichever the class has.
const submitTo = (codec) => (input) => (codec.decode ? codec.decode(input) : codec.encode(input));

/**
 * A closed codec: configure(), reset() and close() throw InvalidStateError, so does
 * decode()/encode() of `input`, and flush() rejects with it.
 */
async function checkClosedCodec(codec, config, input) {
  codec.close();
  assert.equal(codec.state, 'closed');
  assert.throws(() => codec.configure(config), { name: 'InvalidStateError' }, 'configure');
  assert.throws(() => codec.reset(), { name: 'InvalidStateError' }, 'reset');
  assert.throws(() => codec.close(), { name: 'InvalidStateError' }, 'close');
  assert.throws(() => submitTo(codec)(input), { name: 'InvalidStateError' }, 'decode/encode');
  await assert.rejects(codec.flush(), { name: 'InvalidStateError' }, 'flush');
}

/**
 * WPT's queue size test: the size (`sizeName`) is 0 before and after configure(); after
 * submitting `inputs` it lies between 0 and their count; every dequeue event follows a
 * decrease and none comes once the queue is empty; flush() empties it (the last event saw 0);
 * `inputs` submitted again are dropped by reset(). `afterSecondSubmit(input)` runs on each input
 * of the second round (encoders close their frames there).
 */
async function checkQueueSize(codec, config, inputs, sizeName, afterSecondSubmit = () => {}) {
  const submit = submitTo(codec);
  assert.equal(codec[sizeName], 0);
  codec.configure(config);
  assert.equal(codec[sizeName], 0);
  let last = Infinity;
  const problems = [];
  codec.ondequeue = () => {
    if (!(last > 0)) problems.push('a dequeue event after the queue was empty');
    if (!(last > codec[sizeName])) problems.push(`a dequeue event without a decrease (${last} → ${codec[sizeName]})`);
    last = codec[sizeName];
  };
  for (const input of inputs) submit(input);
  assert.ok(codec[sizeName] >= 0 && codec[sizeName] <= inputs.length);
  await codec.flush();
  assert.equal(codec[sizeName], 0);
  assert.equal(last, 0, 'the last dequeue event saw an empty queue');
  last = Infinity;
  for (const input of inputs) {
    submit(input);
    afterSecondSubmit(input);
  }
  codec.reset();
  assert.equal(codec[sizeName], 0);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(problems, []);
}

/**
 * configure(`config`) on a new codec of class `Codec` ends in NotSupportedError: error() gets it,
 * the codec already closed, before flush() rejects with it; the codec stays closed.
 */
async function checkNotSupportedConfigure(Codec, config) {
  let callbackError = null;
  let stateInCallback = null;
  const codec = new Codec({
    output: () => assert.fail('unexpected output'),
    error: (e) => { callbackError = e; stateInCallback = codec.state; },
  });
  codec.configure(config);
  const flushError = await codec.flush().then(() => null, (e) => e);
  assert.ok(flushError instanceof DOMException, 'flush rejects');
  assert.equal(flushError.name, 'NotSupportedError');
  assert.ok(callbackError instanceof DOMException, 'error callback ran before flush settled');
  assert.equal(callbackError.name, 'NotSupportedError');
  assert.equal(stateInCallback, 'closed');
  assert.equal(codec.state, 'closed');
}

/**
 * WPT's "decoding after flush": a decoder of class `Decoder` configured with `config` puts out
 * one output for `chunk`, and one more for `chunk` decoded again after the flush.
 */
async function checkDecodeAfterFlush(Decoder, config, chunk) {
  let outputs = 0;
  const dec = new Decoder({ output: (o) => { outputs++; o.close(); }, error: (e) => assert.fail(e.message) });
  dec.configure(config);
  dec.decode(chunk);
  await dec.flush();
  assert.equal(outputs, 1);
  dec.decode(chunk);
  await dec.flush();
  assert.equal(outputs, 2);
  dec.close();
}

/**
 * The encoder variants WPT's video files name (`?av1`, `?vp8`, `?vp9_p0`, `?vp9_p2`,
 * `?h264_avc`, `?h264_annexb`), those in `names`, with `h264` as the H.264 codec string.
 */
function encoderVariants(names, h264 = 'avc1.42001E') {
  const all = {
    av1: { codec: 'av01.0.04M.08' },
    vp8: { codec: 'vp8' },
    vp9_p0: { codec: 'vp09.00.10.08' },
    vp9_p2: { codec: 'vp09.02.10.10' },
    h264_avc: { codec: h264, avc: { format: 'avc' } },
    h264_annexb: { codec: h264, avc: { format: 'annexb' } },
  };
  return Object.fromEntries(names.map((n) => [n, all[n]]));
}

module.exports = {
  checkClosedCodec, checkQueueSize, checkNotSupportedConfigure, checkDecodeAfterFlush, encoderVariants,
};
