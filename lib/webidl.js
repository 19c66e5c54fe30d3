'use strict';
// WebIDL conversions used by the WebCodecs classes: TypeErrors for bad arguments, thrown
// before any algorithm step, as a browser does.

function dom(name, message) {
  return new DOMException(message, name);
}

function requireObject(v, what) {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) {
    throw new TypeError(`${what} must be an object`);
  }
  return v;
}

function dictionary(v, what) {
  if (v === undefined || v === null) return {};
  return requireObject(v, what);
}

function required(dict, key, what) {
  const v = dict[key];
  if (v === undefined) throw new TypeError(`${what}: required member '${key}' is missing`);
  return v;
}

// An absent dictionary member marked REQUIRED is a TypeError (see convertDictionary()).
const REQUIRED = Symbol('required');

// WebIDL conversion of the object `d` as the dictionary `name`. `members` maps each member to
// [convert(value, what), absent]: `absent` is its default, REQUIRED, or undefined (an absent
// member stays absent). Members are read once each, in lexicographic order; the result holds
// only these members. `prefix` goes before member names in messages ('opus.' when nested).
function convertDictionary(d, name, members, prefix = '') {
  const out = {};
  for (const key of Object.keys(members).sort()) {
    const [convert, absent] = members[key];
    const v = d[key];
    if (v !== undefined) out[key] = convert(v, prefix + key);
    else if (absent === REQUIRED) throw new TypeError(`${name}: required member '${key}' is missing`);
    else if (absent !== undefined) out[key] = absent;
  }
  return out;
}

// The conversion of an argument that must be the dictionary `name` (an object).
function dictionaryConverter(name, members) {
  return (v) => convertDictionary(requireObject(v, name), name, members);
}

// A converter for a member that is itself the dictionary `name` (undefined or null: empty).
function nestedDictionary(name, members) {
  return (v, what) => convertDictionary(dictionary(v, name), name, members, `${what}.`);
}

// A converter for a member of the enumeration `values`.
function enumOf(values) {
  return (v, what) => enumValue(v, values, what);
}

function toNumber(v, what) {
  if (typeof v === 'bigint') throw new TypeError(`${what} must be a number`);
  return Number(v);
}

// [EnforceRange] integer conversion.
function enforceRange(v, what, min, max) {
  const n = toNumber(v, what);
  if (!Number.isFinite(n)) throw new TypeError(`${what} must be a finite number`);
  const t = Math.trunc(n) + 0;
  if (t < min || t > max) throw new TypeError(`${what} is out of range`);
  return t;
}

const U32 = [0, 0xffffffff];
const I64 = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
const U64 = [0, Number.MAX_SAFE_INTEGER];

function u32(v, what) { return enforceRange(v, what, U32[0], U32[1]); }
function i64(v, what) { return enforceRange(v, what, I64[0], I64[1]); }
function u64(v, what) { return enforceRange(v, what, U64[0], U64[1]); }

// `unsigned long` without [EnforceRange]: modulo conversion.
function u32Modulo(v) {
  const n = Number(v);
  if (!Number.isFinite(n)) return 0;
  return ((Math.trunc(n) % 2 ** 32) + 2 ** 32) % 2 ** 32;
}

function double(v, what) {
  const n = toNumber(v, what);
  if (!Number.isFinite(n)) throw new TypeError(`${what} must be a finite number`);
  return n;
}

function string(v) {
  if (typeof v === 'symbol') throw new TypeError('cannot convert a Symbol to a string');
  return String(v);
}

function enumValue(v, values, what) {
  const s = string(v);
  if (!values.includes(s)) throw new TypeError(`'${s}' is not a valid value for ${what}`);
  return s;
}

function bool(v) {
  return Boolean(v);
}

function callback(v, what) {
  if (typeof v !== 'function') throw new TypeError(`${what} must be a function`);
  return v;
}

// BufferSource → Uint8Array view over the same memory (no copy). Detached buffers give an
// empty view; callers decide whether that is an error.
function bytesOf(v, what) {
  if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)) {
    return new Uint8Array(v);
  }
  if (ArrayBuffer.isView(v)) {
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  throw new TypeError(`${what} must be an ArrayBuffer or an ArrayBufferView`);
}

// A copy of a BufferSource's bytes; TypeError when its buffer is detached.
function bytesCopy(v, what) {
  const d = bytesOf(v, what);
  if (isDetached(d.buffer)) throw new TypeError(`${what} is detached`);
  return d.slice();
}

function isDetached(buffer) {
  if (!(buffer instanceof ArrayBuffer)) return false;
  if ('detached' in ArrayBuffer.prototype) return buffer.detached;
  try {
    // A detached buffer cannot be sliced... but byteLength is 0; best effort without `detached`.
    buffer.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}

// Detaches every ArrayBuffer in `transfer` (after validating them), returning nothing.
function validateTransfer(transfer) {
  if (transfer === undefined) return [];
  if (transfer === null || typeof transfer[Symbol.iterator] !== 'function') {
    throw new TypeError('transfer must be a sequence of ArrayBuffers');
  }
  const list = [...transfer];
  const seen = new Set();
  for (const b of list) {
    if (!(b instanceof ArrayBuffer)) throw new TypeError('transfer must contain only ArrayBuffers');
    if (seen.has(b)) throw dom('DataCloneError', 'transfer lists an ArrayBuffer twice');
    if (isDetached(b)) throw dom('DataCloneError', 'transfer lists a detached ArrayBuffer');
    seen.add(b);
  }
  return list;
}

function detachAll(list) {
  for (const b of list) {
    if (typeof b.transfer === 'function') b.transfer();
    else structuredClone(b, { transfer: [b] });
  }
}

// Gives a class the property attributes WebIDL gives an interface: operations and attributes
// enumerable (JS classes make them non-enumerable), and `Symbol.toStringTag` as a data property
// of the prototype.
function exposeInterface(C, name = C.name) {
  for (const target of [C.prototype, C]) {
    for (const key of Reflect.ownKeys(target)) {
      if (target === C.prototype ? key === 'constructor' : ['prototype', 'length', 'name'].includes(key)) continue;
      const d = Object.getOwnPropertyDescriptor(target, key);
      d.enumerable = true;
      Object.defineProperty(target, key, d);
    }
  }
  Object.defineProperty(C.prototype, Symbol.toStringTag, { value: name, configurable: true });
  return C;
}

module.exports = {
  exposeInterface, dom, requireObject, dictionary, required, REQUIRED, dictionaryConverter,
  nestedDictionary, u32, i64, u64, u32Modulo, double, string, enumValue, enumOf, bool, callback, bytesOf, bytesCopy,
  isDetached, validateTransfer, detachAll,
};
