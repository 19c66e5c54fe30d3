'use strict';
// The interface-shape suite: every exported class walked against the WebCodecs WebIDL, the way
// a browser exposes it (constructor length and `new`, prototype chain, attributes as enumerable
// prototype accessors with brand checks, operations with the IDL's `length`, static operations,
// Symbol.toStringTag, no stray members), plus WebIDL argument conversions and install().
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const api = require('../..');

const r = 'r';
const rw = 'rw';
// The four codec interfaces differ only in the name of their queue-size attribute and work
// operation (encode/decode).
const codecIDL = (work) => ({
  parent: 'EventTarget', ctor: 1,
  attributes: { state: r, [`${work}QueueSize`]: r, ondequeue: rw },
  operations: { configure: 1, [work]: 1, flush: 0, reset: 0, close: 0 },
  statics: { isConfigSupported: 1 }, promises: ['flush'],
});
// The two chunk interfaces are alike.
const chunkIDL = {
  ctor: 1,
  attributes: { type: r, timestamp: r, duration: r, byteLength: r },
  operations: { copyTo: 1 },
};
// name → { parent, ctor (constructor length, or null when not constructible), attributes,
// operations (name → length), statics (name → length), promises (operations returning one) }
const IDL = {
  VideoEncoder: codecIDL('encode'),
  VideoDecoder: codecIDL('decode'),
  AudioEncoder: codecIDL('encode'),
  AudioDecoder: codecIDL('decode'),
  EncodedVideoChunk: chunkIDL,
  EncodedAudioChunk: chunkIDL,
  AudioData: {
    ctor: 1,
    attributes: {
      format: r, sampleRate: r, numberOfFrames: r, numberOfChannels: r, duration: r, timestamp: r,
    },
    operations: { allocationSize: 1, copyTo: 2, clone: 0, close: 0 },
  },
  VideoFrame: {
    ctor: 1,
    attributes: {
      format: r, codedWidth: r, codedHeight: r, codedRect: r, visibleRect: r, rotation: r, flip: r,
      displayWidth: r, displayHeight: r, duration: r, timestamp: r, colorSpace: r,
    },
    operations: { metadata: 0, allocationSize: 0, copyTo: 1, clone: 0, close: 0 },
    promises: ['copyTo'],
  },
  VideoColorSpace: {
    ctor: 0,
    attributes: { primaries: r, transfer: r, matrix: r, fullRange: r },
    operations: { toJSON: 0 },
  },
  DOMRectReadOnly: {
    ctor: 0,
    attributes: { x: r, y: r, width: r, height: r, top: r, right: r, bottom: r, left: r },
    operations: { toJSON: 0 },
    statics: { fromRect: 0 },
  },
  ImageDecoder: {
    ctor: 1,
    attributes: { type: r, complete: r, completed: r, tracks: r },
    operations: { decode: 0, reset: 0, close: 0 },
    statics: { isTypeSupported: 1 }, promises: ['decode'], promiseAttributes: ['completed'],
  },
  ImageTrackList: {
    ctor: null, indexed: true,
    attributes: { ready: r, length: r, selectedIndex: r, selectedTrack: r },
    operations: {}, promiseAttributes: ['ready'],
  },
  ImageTrack: {
    ctor: null,
    attributes: { animated: r, frameCount: r, repetitionCount: r, selected: rw },
    operations: {},
  },
};

// The ImageDecoder family is checked once it is exported; everything else must be.
const OPTIONAL = new Set(['ImageDecoder', 'ImageTrackList', 'ImageTrack']);

for (const [name, idl] of Object.entries(IDL)) {
  const C = api[name];
  test(`${name}: interface object`, { skip: C === undefined && OPTIONAL.has(name) && 'not exported yet' }, () => {
    assert.equal(typeof C, 'function', `${name} is exported`);
    assert.equal(C.name, name);
    const protoDesc = Object.getOwnPropertyDescriptor(C, 'prototype');
    assert.deepEqual(
      [protoDesc.writable, protoDesc.enumerable, protoDesc.configurable], [false, false, false],
      'prototype is read-only',
    );
    assert.equal(C.prototype.constructor, C);

    const parent = idl.parent ? globalThis[idl.parent] : null;
    assert.equal(Object.getPrototypeOf(C.prototype), parent ? parent.prototype : Object.prototype, 'prototype chain');
    assert.equal(Object.getPrototypeOf(C), parent ?? Function.prototype, 'constructor chain');

    if (idl.ctor === null) {
      assert.throws(() => new C(), TypeError, 'not constructible');
      assert.equal(C.length, 0, 'interface object length');
    } else {
      assert.equal(C.length, idl.ctor, 'constructor length');
    }
    assert.throws(() => C(), TypeError, 'calling without new');

    const tag = Object.getOwnPropertyDescriptor(C.prototype, Symbol.toStringTag);
    assert.ok(tag, 'Symbol.toStringTag is an own property of the prototype');
    assert.deepEqual(tag, { value: name, writable: false, enumerable: false, configurable: true });

    const expected = new Set(['constructor', ...Object.keys(idl.attributes), ...Object.keys(idl.operations)]);
    for (const key of Reflect.ownKeys(C.prototype)) {
      if (key === Symbol.toStringTag) continue;
      // Interfaces with an indexed getter (ImageTrackList) are iterable, as WebIDL makes them.
      if (key === Symbol.iterator && idl.indexed) continue;
      assert.ok(expected.has(key), `unexpected member ${String(key)} on ${name}.prototype`);
    }
    const expectedStatics = new Set(['length', 'name', 'prototype', ...Object.keys(idl.statics ?? {})]);
    for (const key of Reflect.ownKeys(C)) {
      assert.ok(expectedStatics.has(key), `unexpected static member ${String(key)} on ${name}`);
    }
  });

  test(`${name}: attributes and operations`, { skip: C === undefined && OPTIONAL.has(name) && 'not exported yet' }, async () => {
    const stranger = {};
    for (const [attr, mode] of Object.entries(idl.attributes)) {
      const d = Object.getOwnPropertyDescriptor(C.prototype, attr);
      assert.ok(d, `${name}.prototype.${attr} exists`);
      assert.equal(typeof d.get, 'function', `${attr} is an accessor`);
      assert.equal(d.get.name, `get ${attr}`);
      assert.equal(d.enumerable, true, `${attr} is enumerable`);
      assert.equal(d.configurable, true, `${attr} is configurable`);
      if (mode === rw) {
        assert.equal(typeof d.set, 'function', `${attr} has a setter`);
        assert.throws(() => d.set.call(stranger, null), TypeError, `${attr} setter brand check`);
      } else {
        assert.equal(d.set, undefined, `${attr} is read-only`);
      }
      if ((idl.promiseAttributes ?? []).includes(attr)) {
        // A promise-typed attribute rejects instead of throwing (WebIDL).
        let result;
        assert.doesNotThrow(() => { result = d.get.call(stranger); }, `${attr} getter on a stranger does not throw`);
        await assert.rejects(result, TypeError, `${attr} getter brand check`);
      } else {
        assert.throws(() => d.get.call(stranger), TypeError, `${attr} getter brand check`);
      }
    }
    for (const [op, length] of Object.entries(idl.operations)) {
      const d = Object.getOwnPropertyDescriptor(C.prototype, op);
      assert.ok(d, `${name}.prototype.${op} exists`);
      assert.equal(typeof d.value, 'function', `${op} is a method`);
      assert.deepEqual([d.writable, d.enumerable, d.configurable], [true, true, true], `${op} attributes`);
      assert.equal(d.value.length, length, `${name}.prototype.${op}.length`);
      assert.equal(d.value.name, op);
    }
    for (const [op, length] of Object.entries(idl.statics ?? {})) {
      const d = Object.getOwnPropertyDescriptor(C, op);
      assert.ok(d, `${name}.${op} exists`);
      assert.deepEqual([d.writable, d.enumerable, d.configurable], [true, true, true], `${op} attributes`);
      assert.equal(d.value.length, length, `${name}.${op}.length`);
    }
  });

  test(`${name}: operations check their receiver`, { skip: C === undefined && OPTIONAL.has(name) && 'not exported yet' }, async () => {
    const promises = new Set(idl.promises ?? []);
    for (const op of Object.keys(idl.operations)) {
      const f = C.prototype[op];
      if (promises.has(op)) {
        // Promise-returning operations reject instead of throwing (WebIDL).
        let result;
        assert.doesNotThrow(() => { result = f.call({}); }, `${op} on a stranger does not throw`);
        await assert.rejects(result, TypeError, `${op} on a stranger rejects with TypeError`);
      } else if (name !== 'DOMRectReadOnly' || op !== 'toJSON') {
        assert.throws(() => f.call({}), TypeError, `${name}.prototype.${op} on a stranger`);
      }
    }
  });
}

const noop = () => {};

test('codecs: init dictionaries and callbacks are converted the WebIDL way', () => {
  for (const C of [api.VideoEncoder, api.VideoDecoder, api.AudioEncoder, api.AudioDecoder]) {
    assert.throws(() => new C(), TypeError);
    assert.throws(() => new C({}), TypeError, 'required output/error');
    assert.throws(() => new C({ output: noop }), TypeError, 'required error');
    assert.throws(() => new C({ output: 1, error: noop }), TypeError, 'output must be callable');
    const c = new C({ output: noop, error: noop });
    assert.equal(c.state, 'unconfigured');
    assert.ok(c instanceof EventTarget);
    assert.equal(c.ondequeue, null);
    c.close();
    assert.equal(c.state, 'closed');
  }
});

test('codecs: members check the receiver is that very class, not just any codec', async () => {
  const classes = [api.VideoEncoder, api.VideoDecoder, api.AudioEncoder, api.AudioDecoder];
  const codecs = classes.map((C) => new C({ output: noop, error: noop }));
  const configs = [
    { codec: 'vp8', width: 64, height: 64 },
    { codec: 'vp8' },
    { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 },
    { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 },
  ];
  for (const [i, C] of classes.entries()) {
    const other = codecs[(i + 1) % codecs.length];
    const proto = C.prototype;
    assert.throws(() => Object.getOwnPropertyDescriptor(proto, 'state').get.call(other), TypeError, `${C.name} state`);
    assert.throws(() => proto.reset.call(other), TypeError, `${C.name}.reset on another codec`);
    assert.throws(() => proto.close.call(other), TypeError, `${C.name}.close on another codec`);
    await assert.rejects(proto.flush.call(other), TypeError, `${C.name}.flush on another codec`);
    assert.throws(() => proto.configure.call(other, configs[i]), TypeError, `${C.name}.configure on another codec`);
  }
  for (const c of codecs) assert.equal(c.state, 'unconfigured', 'nothing reached the wrong codec');
  for (const c of codecs) c.close();
});

test('enums: a bad enum string is a TypeError', async () => {
  const enc = new api.VideoEncoder({ output: noop, error: noop });
  const base = { codec: 'vp8', width: 64, height: 64 };
  for (const [k, v] of [['bitrateMode', 'fast'], ['latencyMode', 'instant'], ['alpha', 'blend'], ['hardwareAcceleration', 'gpu']]) {
    assert.throws(() => enc.configure({ ...base, [k]: v }), TypeError, k);
    await assert.rejects(api.VideoEncoder.isConfigSupported({ ...base, [k]: v }), TypeError, k);
  }
  assert.equal(enc.state, 'unconfigured', 'a TypeError leaves the state alone');
  enc.close();
  assert.throws(() => new api.VideoColorSpace({ primaries: 'adobergb' }), TypeError);
  assert.throws(() => new api.VideoColorSpace({ matrix: 'ycgco' }), TypeError);
  assert.throws(() => new api.EncodedVideoChunk({ type: 'keyframe', timestamp: 0, data: new Uint8Array(1) }), TypeError);
  assert.throws(() => new api.AudioData({
    format: 's24', sampleRate: 48000, numberOfFrames: 1, numberOfChannels: 1, timestamp: 0, data: new Uint8Array(4),
  }), TypeError);
  assert.throws(() => new api.VideoFrame(new Uint8Array(16), {
    format: 'YUY2', codedWidth: 2, codedHeight: 2, timestamp: 0,
  }), TypeError);
  await assert.rejects(api.AudioEncoder.isConfigSupported({
    codec: 'opus', sampleRate: 48000, numberOfChannels: 2, bitrateMode: 'average',
  }), TypeError);
});

test('numbers: [EnforceRange] members reject NaN, infinities and out-of-range values', () => {
  const chunk = (init) => new api.EncodedVideoChunk({ type: 'key', data: new Uint8Array(1), timestamp: 0, ...init });
  for (const timestamp of [NaN, Infinity, -Infinity, 2 ** 64]) {
    assert.throws(() => chunk({ timestamp }), TypeError, `timestamp ${timestamp}`);
  }
  assert.throws(() => chunk({ duration: -1 }), TypeError, 'unsigned duration');
  assert.throws(() => chunk({ timestamp: 1n }), TypeError, 'BigInt');
  // Conversions: strings and fractions go through ToNumber and truncation.
  assert.equal(chunk({ timestamp: '42' }).timestamp, 42);
  assert.equal(chunk({ timestamp: -1.9 }).timestamp, -1);
  assert.equal(chunk({ duration: 2.7 }).duration, 2);
  assert.equal(chunk({}).duration, null);
});

test('dictionaries: required members are TypeErrors, defaults are filled in', async () => {
  assert.throws(() => new api.EncodedAudioChunk({ type: 'key', timestamp: 0 }), TypeError, 'data');
  assert.throws(() => new api.EncodedAudioChunk({ type: 'key', data: new Uint8Array(1) }), TypeError, 'timestamp');
  await assert.rejects(api.VideoEncoder.isConfigSupported({ codec: 'vp8', width: 64 }), TypeError, 'height');
  await assert.rejects(api.AudioDecoder.isConfigSupported({ codec: 'opus', sampleRate: 48000 }), TypeError, 'numberOfChannels');
  const { config } = await api.VideoEncoder.isConfigSupported({ codec: 'vp8', width: 64, height: 64, unknownMember: 1 });
  assert.equal(config.unknownMember, undefined, 'unrecognised members are not echoed');
  assert.equal(config.bitrateMode, 'variable');
  assert.equal(config.latencyMode, 'quality');
  assert.equal(config.hardwareAcceleration, 'no-preference');
});

test('toJSON: VideoColorSpace and DOMRectReadOnly', () => {
  const cs = new api.VideoColorSpace({ primaries: 'bt709', fullRange: true });
  assert.deepEqual(cs.toJSON(), { primaries: 'bt709', transfer: null, matrix: null, fullRange: true });
  assert.equal(JSON.stringify(cs), '{"primaries":"bt709","transfer":null,"matrix":null,"fullRange":true}');
  const rect = new api.DOMRectReadOnly(1, 2, 3, 4);
  assert.deepEqual(rect.toJSON(), { x: 1, y: 2, width: 3, height: 4, top: 2, right: 4, bottom: 6, left: 1 });
  const frame = new api.VideoFrame(new Uint8Array(16 * 16 * 4), { format: 'RGBA', codedWidth: 16, codedHeight: 16, timestamp: 0 });
  assert.ok(frame.visibleRect instanceof api.DOMRectReadOnly);
  assert.equal(Object.prototype.toString.call(frame), '[object VideoFrame]');
  frame.close();
});

test('ondequeue is an event handler attribute over the dequeue event', async () => {
  const enc = new api.VideoEncoder({ output: noop, error: noop });
  const order = [];
  enc.addEventListener('dequeue', () => order.push('listener-before'));
  enc.ondequeue = () => order.push('handler');
  enc.addEventListener('dequeue', () => order.push('listener-after'));
  enc.ondequeue = 42; // not an object: becomes null
  assert.equal(enc.ondequeue, null);
  const handler = (e) => order.push(e.type);
  enc.ondequeue = handler;
  assert.equal(enc.ondequeue, handler);
  enc.configure({ codec: 'vp8', width: 32, height: 32 });
  const f = new api.VideoFrame(new Uint8Array(32 * 32 * 3 / 2), { format: 'I420', codedWidth: 32, codedHeight: 32, timestamp: 0 });
  enc.encode(f);
  f.close();
  await enc.flush();
  enc.close();
  assert.deepEqual(order.slice(0, 3), ['listener-before', 'dequeue', 'listener-after'], 'the handler keeps its first place');
});

function runNode(code) {
  const root = path.join(__dirname, '..', '..');
  return spawnSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8', timeout: 30000 });
}

test('install() defines the classes on globalThis like a browser does, without overwriting', () => {
  const res = runNode(`
    const assert = require('node:assert/strict');
    globalThis.AudioData = 'kept';
    const api = require('webcodecs-node');
    const first = api.install();
    assert.ok(first.includes('VideoEncoder') && !first.includes('AudioData'), String(first));
    assert.equal(globalThis.VideoEncoder, api.VideoEncoder);
    assert.equal(globalThis.AudioData, 'kept');
    const d = Object.getOwnPropertyDescriptor(globalThis, 'VideoFrame');
    assert.deepEqual([d.writable, d.enumerable, d.configurable], [true, false, true]);
    assert.deepEqual(api.install(), [], 'a second call defines nothing');
    assert.ok(api.install({ overwrite: true }).includes('AudioData'));
    assert.equal(globalThis.AudioData, api.AudioData);
    console.log('ok');
  `);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout.trim(), 'ok');
});

test('the polyfill entry point installs the classes', () => {
  const res = runNode(`
    require('webcodecs-node/polyfill');
    const api = require('webcodecs-node');
    for (const n of ['VideoEncoder', 'VideoDecoder', 'AudioEncoder', 'AudioDecoder', 'VideoFrame', 'AudioData',
      'EncodedVideoChunk', 'EncodedAudioChunk', 'VideoColorSpace']) {
      if (globalThis[n] !== api[n]) throw new Error(n + ' missing');
    }
    console.log(typeof new VideoColorSpace().toJSON);
  `);
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stdout.trim(), 'function');
});
