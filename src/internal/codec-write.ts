/*
 * The codec's encoder: a value into this thread's scratch bytes (format: src/codec.ts).
 *
 * State: one scratch Uint8Array per thread (module state; each worker has its own), grown by
 * doubling and never shared, so TextEncoder.encodeInto can write into it; `pos`, the next byte;
 * the objects of the current item with their ids (shared references and cycles): the first FEW in
 * `recent` (id = index; a linear search beats hashing for small items, and gives fresh objects no
 * identity hash), the rest in `seen`; `depth`.
 * Invariant between calls: pos === 0, nextId === 0, recent and seen are empty, depth === 0,
 * busy === false. Every exit of encode(), normal or
 * thrown, restores it, so a refused value leaves nothing behind for the next call.
 *
 * Refusals: the writer throws a Refusal naming what it refused; each container on the way out adds
 * its step of the path ("[2]", ".handlers"), and encode() turns it into the caller's TypeError.
 * try/catch costs nothing on the path that does not throw.
 */

import { rangeError, typeError } from '../errors.js';
import { DATA_VIEW, ErrorPart, MAX_DEPTH, SHORT_STRING, Tag, viewKindByName } from './codec-format.js';
import { kindOf } from './tag.js';

let buf = new Uint8Array(1024);
let pos = 0;
let depth = 0;
/** True while encodeValue runs: user code (a getter) may run then, and must not encode. */
let busy = false;
let nextId = 0;
const FEW = 32;
const recent: (object | undefined)[] = new Array<object | undefined>(FEW).fill(undefined);
const seen = new Map<object, number>();
/** Cached views buf.subarray(0, n) for small n, so that encoding a number allocates nothing. */
let small: (Uint8Array | undefined)[] = [];
const SMALL_VIEWS = 64;
/** Above this, the scratch goes back to its first size at the next encode (one big item is rare). */
const KEEP_BYTES = 4 << 20;
const MAX_ARRAY = 1 << 27;

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);
const i64 = new BigInt64Array(1);
const i64bytes = new Uint8Array(i64.buffer);
const utf8 = new TextEncoder();
const SAB: (new (n: number) => SharedArrayBuffer) | undefined =
  typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : undefined;
const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get as (this: unknown) => string | undefined;
const hasOwn = Object.prototype.hasOwnProperty;
const wellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !/\p{Cs}/u.test(s);

/** A value the codec cannot carry, on its way out to encode(), collecting the path. */
class Refusal {
  path = '';
  constructor(
    readonly what: string,
    readonly hint = '',
  ) {}
}

/**
 * Encodes `value` into this thread's reusable scratch buffer and returns a view of the bytes, valid
 * until the next encode on this thread (copy them out before encoding again). Never blocks. Numbers,
 * booleans, null and undefined allocate nothing (beyond growing the scratch once). Format and what
 * is carried: src/codec.ts.
 * @param where the caller's method name, for the error message ("Queue.put").
 * @throws TypeError (code WEFT_BAD_ARGUMENT) naming what was refused and where, as in
 *   "Queue.put: cannot carry a function (at item.handlers[2])"; the scratch is ready for the next
 *   call. An error thrown by a getter passes through unchanged.
 * @throws RangeError if the item is nested too deeply for this thread's stack (MAX_DEPTH applies first).
 */
export function encode(value: unknown, where: string): Uint8Array {
  if (busy) {
    // A getter of the item being encoded is encoding another item: the scratch is in use.
    throw typeError(
      `${where}: cannot encode an item while another is being encoded on this thread (from a getter)`,
    );
  }
  if (buf.length > KEEP_BYTES) resize(1024);
  if (typeof value === 'number')
    writeNumber(value); // runs no user code
  else if (typeof value === 'string')
    writeString(value); // nor does this: no refusal, no getter
  else encodeValue(value, where);
  const n = pos;
  pos = 0;
  if (nextId !== 0) forget();
  if (n < SMALL_VIEWS) {
    let view = small[n];
    if (view === undefined) small[n] = view = buf.subarray(0, n);
    return view;
  }
  return buf.subarray(0, n);
}

function encodeValue(value: unknown, where: string): void {
  busy = true;
  try {
    writeValue(value);
  } catch (e) {
    pos = 0;
    depth = 0;
    forget();
    if (e instanceof Refusal) {
      const path = e.path.length > 200 ? `${e.path.slice(0, 120)}…${e.path.slice(-60)}` : e.path;
      throw typeError(`${where}: cannot carry ${e.what} (at item${path})${e.hint && `; ${e.hint}`}`);
    }
    if (e instanceof RangeError && e.message.includes('call stack')) {
      throw rangeError(`${where}: the item is nested too deeply for this thread's stack`);
    }
    throw e;
  } finally {
    busy = false;
  }
}

function forget(): void {
  if (nextId > FEW) seen.clear();
  const n = Math.min(nextId, FEW);
  for (let i = 0; i < n; i++) recent[i] = undefined; // (setting .length is a slow runtime call)
  nextId = 0;
}

/** The id of `v` if it was already written in this item, else -1 (and `v` takes the next id). */
function identify(v: object): number {
  const n = Math.min(nextId, FEW);
  for (let i = 0; i < n; i++) if (recent[i] === v) return i;
  if (nextId > FEW) {
    const id = seen.get(v);
    if (id !== undefined) return id;
  }
  if (nextId < FEW) recent[nextId] = v;
  else seen.set(v, nextId);
  nextId++;
  return -1;
}

function resize(bytes: number): void {
  const next = new Uint8Array(bytes);
  next.set(buf.subarray(0, pos));
  buf = next;
  small = [];
}

/** Makes room for `n` more bytes. */
function room(n: number): void {
  if (pos + n > buf.length) {
    let size = buf.length * 2;
    while (size < pos + n) size *= 2;
    resize(size);
  }
}

function writeVarint(n: number): void {
  room(5);
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
}

function writeNumber(v: number): void {
  room(9);
  if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
    if (v >= -128 && v < 128) {
      buf[pos] = Tag.Int8;
      buf[pos + 1] = v;
      pos += 2;
    } else {
      buf[pos] = Tag.Int32;
      buf[pos + 1] = v;
      buf[pos + 2] = v >> 8;
      buf[pos + 3] = v >> 16;
      buf[pos + 4] = v >> 24;
      pos += 5;
    }
    return;
  }
  buf[pos++] = Tag.Float64;
  writeF64(v);
}

function writeF64(v: number): void {
  f64[0] = v;
  buf[pos] = f64bytes[0]!;
  buf[pos + 1] = f64bytes[1]!;
  buf[pos + 2] = f64bytes[2]!;
  buf[pos + 3] = f64bytes[3]!;
  buf[pos + 4] = f64bytes[4]!;
  buf[pos + 5] = f64bytes[5]!;
  buf[pos + 6] = f64bytes[6]!;
  buf[pos + 7] = f64bytes[7]!;
  pos += 8;
}

function writeBigInt(v: bigint): void {
  if (BigInt.asIntN(64, v) === v) {
    room(9);
    buf[pos++] = Tag.BigInt64;
    i64[0] = v;
    buf.set(i64bytes, pos);
    pos += 8;
    return;
  }
  const negative = v < 0n;
  const hex = (negative ? -v : v).toString(16);
  room(2);
  buf[pos++] = Tag.BigInt;
  buf[pos++] = negative ? 1 : 0;
  writeVarint(hex.length);
  room(hex.length);
  for (let i = 0; i < hex.length; i++) buf[pos++] = hex.charCodeAt(i);
}

/** Writes a string with its tag: Latin1 or Utf16 if short, Utf8 (encodeInto) if long. */
export function writeString(s: string): void {
  const n = s.length;
  if (n <= SHORT_STRING) {
    room(2 + 2 * n);
    const b = buf; // a local: the loop need not reload the module's binding
    let p = pos + 2;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0xff) {
        writeUtf16(s);
        return;
      }
      b[p++] = c;
    }
    b[pos] = Tag.Latin1;
    b[pos + 1] = n; // n <= 64 < 128: a one-byte varint
    pos = p;
    return;
  }
  if (!wellFormed(s)) {
    writeUtf16(s);
    return;
  }
  room(5 + 3 * n);
  buf[pos] = Tag.Utf8;
  const written = utf8.encodeInto(s, buf.subarray(pos + 5)).written;
  buf[pos + 1] = written;
  buf[pos + 2] = written >> 8;
  buf[pos + 3] = written >> 16;
  buf[pos + 4] = written >>> 24;
  pos += 5 + written;
}

function writeUtf16(s: string): void {
  const n = s.length;
  room(1);
  buf[pos++] = Tag.Utf16;
  writeVarint(n);
  room(2 * n);
  const b = buf;
  let p = pos;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    b[p] = c;
    b[p + 1] = c >> 8;
    p += 2;
  }
  pos = p;
}

/**
 * Writes a length and the bytes, starting at a multiple of 8 from the item's start: V8 copies
 * to and from a SharedArrayBuffer word by word only when both sides are equally aligned, and byte
 * by byte (about 10x slower) otherwise, so an item stored 8-aligned in shared memory is copied out
 * at memcpy speed.
 */
function writeBytes(bytes: Uint8Array): void {
  writeVarint(bytes.length);
  const pad = (8 - (pos & 7)) & 7;
  room(pad + bytes.length);
  for (let i = 0; i < pad; i++) buf[pos++] = 0;
  buf.set(bytes, pos);
  pos += bytes.length;
}

function writeValue(v: unknown): void {
  switch (typeof v) {
    case 'number':
      writeNumber(v);
      return;
    case 'string':
      writeString(v);
      return;
    case 'boolean':
      room(1);
      buf[pos++] = v ? Tag.True : Tag.False;
      return;
    case 'undefined':
      room(1);
      buf[pos++] = Tag.Undefined;
      return;
    case 'bigint':
      writeBigInt(v);
      return;
    case 'object':
      if (v === null) {
        room(1);
        buf[pos++] = Tag.Null;
        return;
      }
      writeObject(v);
      return;
    case 'function':
      throw new Refusal('a function');
    default:
      throw new Refusal('a symbol');
  }
}

function writeObject(v: object): void {
  const id = identify(v);
  if (id >= 0) {
    room(1);
    buf[pos++] = Tag.Ref;
    writeVarint(id);
    return;
  }
  if (Array.isArray(v)) {
    nest();
    writeArray(v);
    depth--;
    return;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    // A weft handle that crossed threads: its tag word names the kind (a Queue's also has __weft).
    const label = (v as { __weft?: unknown }).__weft;
    const weft =
      kindOf(v) ??
      (typeof label === 'string' && (v as { _i32?: unknown })._i32 instanceof Int32Array ? label : undefined);
    if (weft !== undefined) throw new Refusal(`a weft ${weft}`, WEFT_HINT);
    nest();
    writePlain(v as Record<string, unknown>);
    depth--;
    return;
  }
  if (ArrayBuffer.isView(v)) {
    writeView(v);
    return;
  }
  if (v instanceof Map) {
    nest();
    writeMap(v);
    depth--;
    return;
  }
  if (v instanceof Set) {
    nest();
    writeSet(v);
    depth--;
    return;
  }
  if (v instanceof Date) {
    const time = own(dateTime, v, 'Date') as number;
    room(9);
    buf[pos++] = Tag.Date;
    writeF64(time);
    return;
  }
  if (v instanceof Error) {
    nest();
    writeError(v);
    depth--;
    return;
  }
  if (v instanceof ArrayBuffer) {
    own(bufferLength, v, 'ArrayBuffer');
    room(1);
    buf[pos++] = Tag.ArrayBuffer;
    writeBytes(bytesOf(v, 0, undefined, 'a detached ArrayBuffer'));
    return;
  }
  if (v instanceof RegExp) {
    const source = own(regExpSource, v, 'RegExp') as string;
    const flags = own(regExpFlags, v, 'RegExp') as string;
    room(1);
    buf[pos++] = Tag.RegExp;
    writeString(source);
    writeString(flags);
    return;
  }
  const boxed =
    v instanceof Number
      ? own(numberValue, v, 'Number')
      : v instanceof String
        ? own(stringValue, v, 'String')
        : v instanceof Boolean
          ? own(booleanValue, v, 'Boolean')
          : v instanceof BigInt
            ? own(bigintValue, v, 'BigInt')
            : undefined;
  if (boxed !== undefined) {
    room(1);
    buf[pos++] = Tag.Boxed;
    writeValue(boxed);
    return;
  }
  throw refuseObject(v);
}

function nest(): void {
  if (++depth > MAX_DEPTH) {
    depth = 0;
    throw new Refusal(`a value nested more than ${MAX_DEPTH} levels deep`);
  }
}

function writeArray(v: unknown[]): void {
  const n = v.length;
  if (n > MAX_ARRAY) {
    // Only a sparse array can be this long (V8's dense arrays stop near 2^27 elements); writing
    // every hole would take seconds and gigabytes.
    throw new Refusal(`an array of length ${n}`, `arrays longer than ${MAX_ARRAY} elements are not carried`);
  }
  room(1);
  buf[pos++] = Tag.Array;
  writeVarint(n);
  let i = 0;
  try {
    for (; i < n; i++) {
      const x = v[i];
      if (x === undefined && !(i in v)) {
        room(1);
        buf[pos++] = Tag.Hole;
      } else if (typeof x === 'number') writeNumber(x);
      else writeValue(x);
    }
  } catch (e) {
    throw step(e, `[${i}]`);
  }
}

function writePlain(v: Record<string, unknown>): void {
  // for-in over a plain object is V8's enum-cache fast path (no key array, field loads by index);
  // its order is Object.keys order. The count is not known before the loop: one byte is kept for
  // it, and the rare object with 128 keys or more moves its entries to make room for a longer one.
  room(2);
  buf[pos++] = Tag.Object;
  const at = pos++;
  let count = 0;
  let key = '';
  try {
    for (key in v) {
      if (!hasOwn.call(v, key)) continue;
      writeString(key);
      const x = v[key];
      if (typeof x === 'number') writeNumber(x);
      else writeValue(x);
      count++;
    }
    if (count < 0x80) buf[at] = count;
    else {
      const extra = count < 1 << 14 ? 1 : count < 1 << 21 ? 2 : count < 1 << 28 ? 3 : 4;
      const end = pos;
      room(extra);
      buf.copyWithin(at + 1 + extra, at + 1, end);
      let q = at;
      for (let n = count; n >= 0x80; n >>>= 7) buf[q++] = (n & 0x7f) | 0x80;
      buf[q] = count >>> (7 * extra);
      pos = end + extra;
    }
  } catch (e) {
    if (e instanceof Refusal) e.path = (identifier(key) ? `.${key}` : `[${JSON.stringify(key)}]`) + e.path;
    throw e;
  }
}

function writeMap(v: Map<unknown, unknown>): void {
  // The entries are read first, by Map's own iterator: encoding a key or value may run a getter
  // that changes the map, and the count is written before them.
  const entries = Array.from(own(mapEntries, v, 'Map') as Iterable<[unknown, unknown]>);
  room(1);
  buf[pos++] = Tag.Map;
  writeVarint(entries.length);
  let i = 0;
  let part = 'key';
  try {
    for (const [key, x] of entries) {
      part = 'key';
      writeValue(key);
      part = 'value';
      writeValue(x);
      i++;
    }
  } catch (e) {
    throw step(e, `<Map ${part} #${i}>`);
  }
}

function writeSet(v: Set<unknown>): void {
  const values = Array.from(own(setValues, v, 'Set') as Iterable<unknown>); // as writeMap
  room(1);
  buf[pos++] = Tag.Set;
  writeVarint(values.length);
  let i = 0;
  try {
    for (const x of values) {
      writeValue(x);
      i++;
    }
  } catch (e) {
    throw step(e, `<Set element #${i}>`);
  }
}

function writeError(v: Error): void {
  const name: unknown = v.name;
  const stack: unknown = v.stack;
  const code: unknown = hasOwn.call(v, 'code') ? (v as { code?: unknown }).code : undefined;
  const hasMessage = hasOwn.call(v, 'message');
  const hasCause = hasOwn.call(v, 'cause');
  room(2);
  buf[pos++] = Tag.Error;
  buf[pos++] =
    (hasMessage ? ErrorPart.Message : 0) |
    (typeof stack === 'string' ? ErrorPart.Stack : 0) |
    (typeof code === 'string' ? ErrorPart.Code : 0) |
    (hasCause ? ErrorPart.Cause : 0);
  writeString(typeof name === 'string' ? name : 'Error');
  if (hasMessage) writeString(String(v.message));
  if (typeof stack === 'string') writeString(stack);
  if (typeof code === 'string') writeString(code);
  if (hasCause) {
    try {
      writeValue(v.cause);
    } catch (e) {
      throw step(e, '.cause');
    }
  }
}

function writeView(v: ArrayBufferView): void {
  const name = typedArrayTag.call(v);
  // Through the prototype's getters (see own()): an own `buffer` or `byteLength` is not the view's.
  const [bufferOf, offsetOf, lengthOf] = name === undefined ? DATA_VIEW_GETTERS : TYPED_ARRAY_GETTERS;
  const buffer = bufferOf.call(v) as ArrayBuffer | SharedArrayBuffer;
  if (SAB !== undefined && buffer instanceof SAB) {
    throw new Refusal(
      `${article(name ?? 'DataView')} over a SharedArrayBuffer`,
      'shared memory is not copied: pass the SharedArrayBuffer to the worker itself, or copy the view',
    );
  }
  const kind = name === undefined ? DATA_VIEW : viewKindByName[name];
  if (kind === undefined) throw new Refusal(article(name ?? 'unknown view'));
  const detached = `${article(name ?? 'DataView')} over a detached ArrayBuffer`;
  let offset: number;
  let length: number;
  try {
    offset = offsetOf.call(v) as number;
    length = lengthOf.call(v) as number; // a DataView's getters throw once its buffer is detached
  } catch {
    throw new Refusal(detached, 'it was transferred; its memory is gone');
  }
  room(2);
  buf[pos++] = Tag.View;
  buf[pos++] = kind;
  writeBytes(bytesOf(buffer as ArrayBuffer, offset, length, detached));
}

/** The bytes of `buffer` as a Uint8Array; a Refusal naming `what` if the buffer is detached. */
function bytesOf(buffer: ArrayBuffer, offset: number, length: number | undefined, what: string): Uint8Array {
  try {
    return new Uint8Array(buffer, offset, length);
  } catch {
    throw new Refusal(what, 'it was transferred; its memory is gone');
  }
}

/*
 * A built-in's contents are read with its prototype's own methods, as structuredClone reads the
 * internal slots: a Date whose getTime, or a Map whose iterator, was overridden on the object still
 * goes as what it is, and an impostor that only inherits the prototype (Object.create(Date.prototype))
 * is refused.
 */
const getter = (proto: object, key: string): ((this: unknown) => unknown) =>
  Object.getOwnPropertyDescriptor(proto, key)?.get as (this: unknown) => unknown;
const dateTime = Date.prototype.getTime as (this: unknown) => unknown;
const bufferLength = getter(ArrayBuffer.prototype, 'byteLength');
const regExpSource = getter(RegExp.prototype, 'source');
/** RegExp's flag getters, in the order of its `flags` string (which reads them as properties). */
const regExpFlagGetters = (
  [
    ['hasIndices', 'd'],
    ['global', 'g'],
    ['ignoreCase', 'i'],
    ['multiline', 'm'],
    ['dotAll', 's'],
    ['unicode', 'u'],
    ['unicodeSets', 'v'],
    ['sticky', 'y'],
  ] as const
)
  .map(([key, letter]) => [getter(RegExp.prototype, key), letter] as const)
  .filter(([get]) => typeof get === 'function');
function regExpFlags(this: unknown): string {
  let flags = '';
  for (const [get, letter] of regExpFlagGetters) if (get.call(this) === true) flags += letter;
  return flags;
}
type Getter = (this: unknown) => unknown;
const viewGetters = (proto: object): readonly [Getter, Getter, Getter] => [
  getter(proto, 'buffer'),
  getter(proto, 'byteOffset'),
  getter(proto, 'byteLength'),
];
const TYPED_ARRAY_GETTERS = viewGetters(Object.getPrototypeOf(Uint8Array.prototype) as object);
const DATA_VIEW_GETTERS = viewGetters(DataView.prototype);
const numberValue = Number.prototype.valueOf as (this: unknown) => unknown;
const stringValue = String.prototype.valueOf as (this: unknown) => unknown;
const booleanValue = Boolean.prototype.valueOf as (this: unknown) => unknown;
const bigintValue = BigInt.prototype.valueOf as (this: unknown) => unknown;
const mapEntries = Map.prototype.entries as (this: unknown) => unknown;
const setValues = Set.prototype.values as (this: unknown) => unknown;

function own(read: (this: unknown) => unknown, v: object, name: string): unknown {
  try {
    return read.call(v);
  } catch {
    throw new Refusal(`an object that inherits from ${name}.prototype but is not a ${name}`);
  }
}

/** Adds a step to a Refusal's path (from the inside out); anything else passes through. */
function step(e: unknown, part: string): unknown {
  if (e instanceof Refusal) e.path = part + e.path;
  return e;
}

/** Whether `key` reads as `.key` in a path (ASCII identifiers; no RegExp, which may run out of stack here). */
function identifier(key: string): boolean {
  if (key === '') return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}

function article(name: string): string {
  return 'AEIO'.includes(name.charAt(0)) ? `an ${name}` : `a ${name}`;
}

const WEFT_HINT = 'a weft primitive is shared by passing it to the worker itself, not through a queue';

function refuseObject(v: object): Refusal {
  const weft = (v as { __weft?: unknown }).__weft;
  if (typeof weft === 'string') return new Refusal(`a weft ${weft}`, WEFT_HINT);
  if (SAB !== undefined && v instanceof SAB) {
    return new Refusal('a SharedArrayBuffer', 'shared memory is not copied: pass it to the worker itself');
  }
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  const ctor = (v as { constructor?: { name?: unknown } }).constructor;
  const name = typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : tag;
  return new Refusal(
    name === 'Object' ? 'an object with a prototype other than Object.prototype' : article(name),
    'a queue carries primitives, plain objects, arrays, Map, Set, Date, RegExp, Error and binary data',
  );
}
