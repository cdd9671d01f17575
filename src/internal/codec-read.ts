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

import { ErrorPart, errorClasses, Tag, viewKinds } from './codec-format.js';

const EMPTY: Uint8Array = new Uint8Array(0);
let src: Uint8Array = EMPTY;
let p = 0;
let objects: object[] = [];

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);
const i64 = new BigInt64Array(1);
const i64bytes = new Uint8Array(i64.buffer);
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
/** A private copy for TextDecoder where it refuses shared views; grows as needed. */
let text = new Uint8Array(1024);
const CHUNK = 8192;
const decodesShared = ((): boolean => {
  if (typeof SharedArrayBuffer !== 'function') return true;
  try {
    return utf8.decode(new Uint8Array(new SharedArrayBuffer(1))) === '\0';
  } catch {
    return false;
  }
})();

/** See src/codec.ts. */
export function decode(bytes: Uint8Array): unknown {
  src = bytes;
  p = 0;
  try {
    const first = bytes[0];
    if (first === Tag.Int8) return (bytes[1]! << 24) >> 24;
    return readValue();
  } finally {
    src = EMPTY;
    if (objects.length !== 0) objects = [];
  }
}

function fail(what: string): never {
  throw new Error(`weft codec: corrupt item (${what} at byte ${p} of ${src.length})`);
}

function readVarint(): number {
  let n = 0;
  let shift = 0;
  for (;;) {
    const b = src[p++];
    if (b === undefined) fail('truncated length');
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

/** Copies `n` bytes at p into a new ArrayBuffer (never shared). */
function readBuffer(n: number): ArrayBuffer {
  if (p + n > src.length) fail('truncated bytes');
  const out = new Uint8Array(n);
  out.set(src.subarray(p, p + n));
  p += n;
  return out.buffer;
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
  if (end > s.length) fail('truncated string');
  let out = '';
  while (q < end) out += String.fromCharCode(s[q++]!);
  p = end;
  return out;
}

function readUtf16(n: number): string {
  const s = src;
  let q = p;
  const end = q + 2 * n;
  if (end > s.length) fail('truncated string');
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
  if (end > s.length) fail('truncated string');
  p = end;
  if (decodesShared || !(s.buffer instanceof SharedArrayBuffer)) return utf8.decode(s.subarray(start, end));
  if (text.length < n) text = new Uint8Array(Math.max(n, text.length * 2));
  text.set(s.subarray(start, end));
  return utf8.decode(text.subarray(0, n));
}

function readValue(): unknown {
  const s = src;
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
      const o = objects[id];
      if (o === undefined) fail(`reference to object #${id}`);
      return o;
    }
    case Tag.Array:
      return readArray();
    case Tag.Object:
      return readPlain();
    case Tag.Map: {
      const m = new Map<unknown, unknown>();
      objects.push(m);
      const n = readVarint();
      for (let i = 0; i < n; i++) {
        const key = readValue();
        m.set(key, readValue());
      }
      return m;
    }
    case Tag.Set: {
      const set = new Set<unknown>();
      objects.push(set);
      const n = readVarint();
      for (let i = 0; i < n; i++) set.add(readValue());
      return set;
    }
    case Tag.Date: {
      const d = new Date(readF64());
      objects.push(d);
      return d;
    }
    case Tag.RegExp: {
      const source = readString();
      const r = new RegExp(source, readString());
      objects.push(r);
      return r;
    }
    case Tag.Boxed: {
      const box = Object(readValue()) as object;
      objects.push(box);
      return box;
    }
    case Tag.ArrayBuffer: {
      const ab = readBuffer(readVarint());
      objects.push(ab);
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
  objects.push(a);
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
  objects.push(o);
  for (let i = 0; i < n; i++) {
    const key = readString();
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
  objects.push(view);
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
  objects.push(e);
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
