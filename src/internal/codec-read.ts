/*
 * The codec's decoder: bytes (possibly a view over a SharedArrayBuffer) back into a value
 * (format: src/codec.ts).
 *
 * State between calls: none. During a call, `src` and `p` are the bytes and the next byte, and
 * `objects` lists this item's objects in the order they were first written, for Ref tags; all three
 * are released before decode() returns or throws, so no reference to the caller's bytes is kept.
 * Whatever is copied out (strings, binary data) is copied into memory that is not shared: browsers'
 * TextDecoder refuses a shared view, so text goes through a private copy there.
 */

import { ErrorPart, errorClasses, SHORT_STRING, Tag, viewKinds } from './codec-format.js';

const EMPTY: Uint8Array = new Uint8Array(0);
let src: Uint8Array = EMPTY;
/** The item is src[base, limit); p is the next byte. */
let base = 0;
let p = 0;
let limit = 0;
let objects: (object | undefined)[] = [];
let count = 0;

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);
const i64 = new BigInt64Array(1);
const i64bytes = new Uint8Array(i64.buffer);
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
/** A private copy for TextDecoder where it refuses shared views; grows as needed. */
let text = new Uint8Array(1024);
const TEXT_KEEP = 1 << 20;
const CHUNK = 8192;
const fromCharCode = String.fromCharCode;
const decodesShared = ((): boolean => {
  if (typeof SharedArrayBuffer !== 'function') return true;
  try {
    return utf8.decode(new Uint8Array(new SharedArrayBuffer(1))) === '\0';
  } catch {
    return false;
  }
})();

/**
 * Decodes one item from `bytes[start, end)` (by default the whole view), which may be a view over a
 * SharedArrayBuffer; everything the value holds is copied out, and no reference to `bytes` is kept.
 * Never blocks. Binary data is copied at memcpy speed when `start` is 8-aligned in its buffer.
 * @throws Error "weft codec: corrupt item (...)" if the bytes are not exactly one encoded item.
 */
export function decode(bytes: Uint8Array, start = 0, end = bytes.length): unknown {
  // Numbers alone, the commonest items, without the reader's state and its try/finally.
  const n = end - start;
  if (n === 2 && bytes[start] === Tag.Int8) return (bytes[start + 1]! << 24) >> 24;
  if (n === 5 && bytes[start] === Tag.Int32) {
    return (
      bytes[start + 1]! | (bytes[start + 2]! << 8) | (bytes[start + 3]! << 16) | (bytes[start + 4]! << 24)
    );
  }
  if (n === 9 && bytes[start] === Tag.Float64) {
    for (let i = 0; i < 8; i++) f64bytes[i] = bytes[start + 1 + i]!;
    return f64[0]!;
  }
  // A short Latin-1 string alone (its length a one-byte varint that ends the record exactly): no
  // object table to reset, nothing that can throw.
  if (bytes[start] === Tag.Latin1 && bytes[start + 1]! < 0x80 && n === bytes[start + 1]! + 2) {
    src = bytes;
    p = start + 2;
    limit = end;
    const v = readLatin1(n - 2);
    src = EMPTY;
    return v;
  }
  src = bytes;
  base = start;
  p = start;
  limit = end;
  try {
    const v = readValue();
    if (p !== limit) fail('bytes after the value');
    return v;
  } finally {
    src = EMPTY;
    if (count > 4096) objects = [];
    else for (let i = 0; i < count; i++) objects[i] = undefined; // (setting .length is a slow runtime call)
    count = 0;
  }
}

function remember(o: object): void {
  objects[count++] = o;
}

function fail(what: string): never {
  throw new Error(`weft codec: corrupt item (${what} at byte ${p - base} of ${limit - base})`);
}

function readVarint(): number {
  let n = 0;
  let shift = 0;
  for (;;) {
    if (p >= limit) fail('truncated length');
    const b = src[p++]!;
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return n;
    shift += 7;
  }
}

function readF64(): number {
  const s = src;
  const q = p;
  f64bytes[0] = s[q]!;
  f64bytes[1] = s[q + 1]!;
  f64bytes[2] = s[q + 2]!;
  f64bytes[3] = s[q + 3]!;
  f64bytes[4] = s[q + 4]!;
  f64bytes[5] = s[q + 5]!;
  f64bytes[6] = s[q + 6]!;
  f64bytes[7] = s[q + 7]!;
  p = q + 8;
  return f64[0]!;
}

/*
 * Prepared memory for large binary data. A new ArrayBuffer of a megabyte costs more to allocate
 * (the system maps fresh pages on first touch: ~150 µs on Node 20) than to fill (~70 µs), and a
 * queue's get decodes with the queue's lock held, so a stream of large arrays would keep the lock
 * for both. So when a thread decodes two large buffers of the same length in a row, prepare(),
 * which the queue calls after it released the lock, allocates one more of that length and touches
 * its pages; the next buffer of that length is copied into it. At most one prepared buffer per
 * thread (at most SPARE_MAX bytes); it is dropped after SPARE_IDLE prepare() calls that did not
 * want it. Only ever a speed-up: the value decoded is the same fresh, unshared ArrayBuffer.
 */
const SPARE_MIN = 64 * 1024;
const SPARE_MAX = 16 << 20;
const SPARE_IDLE = 16;
const PAGE = 4096;
let spare: Uint8Array | undefined;
let lastLarge = 0;
let wanted = 0;
let idle = 0;

/**
 * Outside any lock, after a decode: prepares the next large buffer if the last two large ones
 * had the same length (see above); else ages the prepared one.
 */
export function prepare(): void {
  const n = wanted;
  if (n === 0) {
    if (spare !== undefined && ++idle >= SPARE_IDLE) spare = undefined;
    return;
  }
  wanted = 0;
  idle = 0;
  if (spare !== undefined && spare.length === n) return;
  const s = new Uint8Array(n);
  for (let i = 0; i < n; i += PAGE) s[i] = 0; // map the pages now, not under the next get's lock
  spare = s;
}

/** Copies `n` bytes at p into a new ArrayBuffer (never shared). */
function readBuffer(n: number): ArrayBuffer {
  p = base + ((p - base + 7) & ~7); // see writeBytes: the bytes start 8-aligned from the item's start
  if (p + n > limit) fail('truncated bytes');
  let out: Uint8Array;
  if (n >= SPARE_MIN && n <= SPARE_MAX) {
    if (spare !== undefined && spare.length === n) {
      out = spare;
      spare = undefined;
      wanted = n;
    } else {
      out = new Uint8Array(n);
      if (n === lastLarge) wanted = n;
    }
    lastLarge = n;
  } else {
    out = new Uint8Array(n);
  }
  out.set(src.subarray(p, p + n));
  p += n;
  return out.buffer as ArrayBuffer;
}

function readString(): string {
  const tag = src[p++];
  if (tag === Tag.Latin1) return readLatin1(readVarint());
  if (tag === Tag.Utf8) return readUtf8();
  if (tag === Tag.Utf16) return readUtf16(readVarint());
  return fail(`string expected, tag ${String(tag)}`);
}

function readLatin1(n: number): string {
  const s = src;
  let q = p;
  const end = q + n;
  if (end > limit) fail('truncated string');
  p = end;
  // Eight code units per call: fewer intermediate strings than one at a time, no array to build.
  let out = '';
  for (; q + 8 <= end; q += 8) {
    out += fromCharCode(s[q]!, s[q + 1]!, s[q + 2]!, s[q + 3]!, s[q + 4]!, s[q + 5]!, s[q + 6]!, s[q + 7]!);
  }
  switch (end - q) {
    case 1:
      return out + fromCharCode(s[q]!);
    case 2:
      return out + fromCharCode(s[q]!, s[q + 1]!);
    case 3:
      return out + fromCharCode(s[q]!, s[q + 1]!, s[q + 2]!);
    case 4:
      return out + fromCharCode(s[q]!, s[q + 1]!, s[q + 2]!, s[q + 3]!);
    case 5:
      return out + fromCharCode(s[q]!, s[q + 1]!, s[q + 2]!, s[q + 3]!, s[q + 4]!);
    case 6:
      return out + fromCharCode(s[q]!, s[q + 1]!, s[q + 2]!, s[q + 3]!, s[q + 4]!, s[q + 5]!);
    case 7:
      return out + fromCharCode(s[q]!, s[q + 1]!, s[q + 2]!, s[q + 3]!, s[q + 4]!, s[q + 5]!, s[q + 6]!);
    default:
      return out;
  }
}

/*
 * Object keys repeat from item to item ({ id, name } a million times), so short Latin-1 keys go
 * through a small cache: a hash of the bytes picks a slot; if the slot holds the same bytes, its
 * string is returned (already internalized by V8 from earlier use as a key, so the property store
 * is faster too); else the string is built and takes the slot. Only ever a speed-up: a miss costs
 * one hash and one comparison over at most KEY_MAX bytes.
 */
const KEY_MAX = 24;
const KEY_SLOTS = 1024;
const keyBytes = new Uint8Array(KEY_SLOTS * KEY_MAX);
const keyLength = new Int16Array(KEY_SLOTS).fill(-1);
const keyString: string[] = new Array<string>(KEY_SLOTS).fill('');

function readKey(): string {
  const s = src;
  if (s[p] !== Tag.Latin1) return readString();
  const n = s[p + 1]!; // Latin1 strings are at most 64 code units: a one-byte varint
  if (n > KEY_MAX) {
    p += 2;
    return readLatin1(n);
  }
  const start = p + 2;
  const end = start + n;
  if (end > limit) fail('truncated key');
  let h = n;
  for (let q = start; q < end; q++) h = (Math.imul(h, 31) + s[q]!) | 0;
  const slot = (h ^ (h >>> 10)) & (KEY_SLOTS - 1);
  const base = slot * KEY_MAX;
  if (keyLength[slot] === n) {
    let q = start;
    let k = base;
    while (q < end && keyBytes[k] === s[q]) {
      q++;
      k++;
    }
    if (q === end) {
      p = end;
      return keyString[slot]!;
    }
  }
  p = start;
  const key = readLatin1(n);
  for (let i = 0; i < n; i++) keyBytes[base + i] = s[start + i]!;
  keyLength[slot] = n;
  keyString[slot] = key;
  return key;
}

function readUtf16(n: number): string {
  const s = src;
  let q = p;
  const end = q + 2 * n;
  if (end > limit) fail('truncated string');
  if (n <= SHORT_STRING) {
    p = end;
    let out = '';
    for (; q + 16 <= end; q += 16) {
      out += fromCharCode(
        s[q]! | (s[q + 1]! << 8),
        s[q + 2]! | (s[q + 3]! << 8),
        s[q + 4]! | (s[q + 5]! << 8),
        s[q + 6]! | (s[q + 7]! << 8),
        s[q + 8]! | (s[q + 9]! << 8),
        s[q + 10]! | (s[q + 11]! << 8),
        s[q + 12]! | (s[q + 13]! << 8),
        s[q + 14]! | (s[q + 15]! << 8),
      );
    }
    for (; q < end; q += 2) out += fromCharCode(s[q]! | (s[q + 1]! << 8));
    return out;
  }
  const parts: string[] = [];
  const units: number[] = [];
  while (q < end) {
    units.push(s[q]! | (s[q + 1]! << 8));
    q += 2;
    if (units.length === CHUNK) {
      parts.push(String.fromCharCode.apply(null, units));
      units.length = 0;
    }
  }
  p = end;
  parts.push(String.fromCharCode.apply(null, units));
  return parts.length === 1 ? parts[0]! : parts.join('');
}

function readUtf8(): string {
  const s = src;
  const q = p;
  const n = (s[q]! | (s[q + 1]! << 8) | (s[q + 2]! << 16)) + s[q + 3]! * 0x1000000;
  const start = q + 4;
  const end = start + n;
  if (end > limit) fail('truncated string');
  p = end;
  if (decodesShared || !(s.buffer instanceof SharedArrayBuffer)) return utf8.decode(s.subarray(start, end));
  if (n > TEXT_KEEP) return utf8.decode(s.slice(start, end)); // a one-off copy; `text` stays small
  if (text.length < n) text = new Uint8Array(Math.max(n, text.length * 2));
  text.set(s.subarray(start, end));
  return utf8.decode(text.subarray(0, n));
}

function readValue(): unknown {
  const s = src;
  if (p >= limit) fail('truncated item');
  const tag = s[p++];
  switch (tag) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int8: {
      const v = (s[p]! << 24) >> 24;
      p += 1;
      return v;
    }
    case Tag.Int32: {
      const v = s[p]! | (s[p + 1]! << 8) | (s[p + 2]! << 16) | (s[p + 3]! << 24);
      p += 4;
      return v;
    }
    case Tag.Float64:
      return readF64();
    case Tag.BigInt64:
      for (let i = 0; i < 8; i++) i64bytes[i] = s[p + i]!;
      p += 8;
      return i64[0]!;
    case Tag.BigInt: {
      const negative = s[p++] === 1;
      const magnitude = BigInt(`0x${readLatin1(readVarint())}`);
      return negative ? -magnitude : magnitude;
    }
    case Tag.Latin1:
      return readLatin1(readVarint());
    case Tag.Utf16:
      return readUtf16(readVarint());
    case Tag.Utf8:
      return readUtf8();
    case Tag.Ref: {
      const id = readVarint();
      const o = id < count ? objects[id] : undefined;
      if (o === undefined) fail(`reference to object #${id}`);
      return o;
    }
    case Tag.Array:
      return readArray();
    case Tag.Object:
      return readPlain();
    case Tag.Map: {
      const m = new Map<unknown, unknown>();
      remember(m);
      const n = readVarint();
      for (let i = 0; i < n; i++) {
        const key = readValue();
        m.set(key, readValue());
      }
      return m;
    }
    case Tag.Set: {
      const set = new Set<unknown>();
      remember(set);
      const n = readVarint();
      for (let i = 0; i < n; i++) set.add(readValue());
      return set;
    }
    case Tag.Date: {
      const d = new Date(readF64());
      remember(d);
      return d;
    }
    case Tag.RegExp: {
      const source = readString();
      const r = new RegExp(source, readString());
      remember(r);
      return r;
    }
    case Tag.Boxed: {
      const box = Object(readValue()) as object;
      remember(box);
      return box;
    }
    case Tag.ArrayBuffer: {
      const ab = readBuffer(readVarint());
      remember(ab);
      return ab;
    }
    case Tag.View:
      return readView();
    case Tag.Error:
      return readError();
    default:
      return fail(`unknown tag ${String(tag)}`);
  }
}

function readArray(): unknown[] {
  const n = readVarint();
  const a: unknown[] = [];
  remember(a);
  for (let i = 0; i < n; i++) {
    if (src[p] === Tag.Hole) {
      p++;
      a.length = i + 1;
    } else a.push(readValue());
  }
  return a;
}

function readPlain(): Record<string, unknown> {
  const n = readVarint();
  const o: Record<string, unknown> = {};
  remember(o);
  for (let i = 0; i < n; i++) {
    const key = readKey();
    const v = readValue();
    if (key === '__proto__') define(o, key, v, true);
    else o[key] = v;
  }
  return o;
}

function readView(): ArrayBufferView {
  const kind = src[p++]!;
  const Ctor = viewKinds[kind];
  if (Ctor === undefined) {
    return fail(kind === 11 ? 'a Float16Array, which this engine lacks' : `unknown view kind ${kind}`);
  }
  const view = new Ctor(readBuffer(readVarint()));
  remember(view);
  return view;
}

function readError(): Error {
  const flags = src[p++]!;
  const name = readString();
  const message = flags & ErrorPart.Message ? readString() : undefined;
  const stack = flags & ErrorPart.Stack ? readString() : undefined;
  const code = flags & ErrorPart.Code ? readString() : undefined;
  const Class = Object.hasOwn(errorClasses, name) ? errorClasses[name]! : Error;
  const e = message === undefined ? new Class() : new Class(message);
  remember(e);
  if (Class === Error && name !== 'Error') define(e, 'name', name, false);
  if (stack === undefined) delete e.stack;
  else define(e, 'stack', stack, false);
  if (code !== undefined) (e as Error & { code: string }).code = code;
  if (flags & ErrorPart.Cause) define(e, 'cause', readValue(), false);
  return e;
}

/** An own data property, writable and configurable, as an assignment or `new Error` makes it. */
function define(o: object, key: string, value: unknown, enumerable: boolean): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable, configurable: true });
}
