/*
 * Python's ordering of PriorityQueue items, as a comparator (see compare() in src/codec.ts).
 *
 * Orderable: numbers, bigints and booleans among themselves, by value (false = 0, true = 1, and a
 * number against a bigint exactly, as JavaScript's `<` does); strings among themselves, as `<` does
 * (UTF-16 code units); arrays among themselves, as Python's tuples: the first pair of elements that
 * are not equal decides (by this same order, which may throw), else the shorter is less. Equality
 * inside arrays is Python's `==` (so [null, 1] < [null, 2] although null itself is not orderable).
 * Anything else is a TypeError naming both kinds.
 *
 * NaN: Python's nan is neither less nor greater than anything, which makes heapq's order
 * arbitrary around it. A comparator must be a total order or a heap can lose its invariant, so
 * here NaN is greater than every other number and equal to NaN: NaN items come out last.
 */

import { typeError } from '../errors.js';
import { Tag } from './codec-format.js';
import { decode } from './codec-read.js';

/**
 * Compares two values as Python orders them for heapq / PriorityQueue (rules in this file's header):
 * negative if `a` sorts first, 0 if equal, positive if after. Never blocks.
 * @throws TypeError (code WEFT_BAD_ARGUMENT) "'<' not supported between a string and a number" for
 *   values Python could not order.
 */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return compareDoubles(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return order(a, b);
}

type Numeric = number | bigint;

function numeric(v: unknown): Numeric | undefined {
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return v;
    case 'boolean':
      return v ? 1 : 0;
    default:
      return undefined;
  }
}

function compareNumbers(a: Numeric, b: Numeric): number {
  if (a < b) return -1;
  if (a > b) return 1;
  // biome-ignore lint/suspicious/noDoubleEquals: between a number and a bigint, == compares by value
  if (a == b) return 0;
  const nanA = typeof a === 'number' && Number.isNaN(a);
  const nanB = typeof b === 'number' && Number.isNaN(b);
  return nanA === nanB ? 0 : nanA ? 1 : -1;
}

function compareDoubles(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const nanA = Number.isNaN(a);
  return nanA === Number.isNaN(b) ? 0 : nanA ? 1 : -1;
}

function order(a: unknown, b: unknown): number {
  const x = numeric(a);
  if (x !== undefined) {
    const y = numeric(b);
    if (y !== undefined) return compareNumbers(x, y);
  } else if (typeof a === 'string' && typeof b === 'string') {
    return a < b ? -1 : a > b ? 1 : 0;
  } else if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const u: unknown = a[i];
      const v: unknown = b[i];
      if (!equal(u, v)) return compare(u, v);
    }
    return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  }
  throw typeError(`'<' not supported between ${kind(a)} and ${kind(b)}`);
}

/** Python's `==` for carried values (NaN equal to NaN, to keep the order total). */
function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = numeric(a);
  if (x !== undefined) {
    const y = numeric(b);
    return y !== undefined && compareNumbers(x, y) === 0;
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  const pa: unknown = Object.getPrototypeOf(a);
  const pb: unknown = Object.getPrototypeOf(b);
  if ((pa === Object.prototype || pa === null) && (pb === Object.prototype || pb === null)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) {
      if (
        !Object.hasOwn(b, k) ||
        !equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
      ) {
        return false;
      }
    }
    return true;
  }
  return false;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'object': {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto === Object.prototype || proto === null) return 'an object';
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === 'string' && name !== ''
        ? /^[AEIOU]/.test(name)
          ? `an ${name}`
          : `a ${name}`
        : 'an object';
    }
    default:
      return `a ${typeof v}`;
  }
}

/*
 * compareEncoded: the same order over two encoded items, reading their bytes in place for the
 * common priority shapes (a number, a string of Latin1/Utf16 code units, an array of those, null or
 * undefined inside arrays) and decoding both items for anything else, so that the result, and the
 * TypeError, are always compare()'s.
 */

/** Signals "cannot decide from the bytes": decode both and use compare(). */
const UNDECIDED = 2;

let ab: Uint8Array = new Uint8Array(0);
let bb: Uint8Array = ab;
let pa = 0;
let pb = 0;
const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);
const i64 = new BigInt64Array(1);
const i64bytes = new Uint8Array(i64.buffer);

/**
 * Compares two encoded items as compare() compares the values they encode, without decoding them
 * when both are numbers, strings of up to 64 code units, or arrays of those (null and undefined
 * inside arrays included); anything else is decoded and passed to compare(). Never blocks.
 * Each item is `a[aStart, aEnd)` and `b[bStart, bEnd)` (by default the whole view), so a queue can
 * compare items where they lie in its shared memory.
 * @returns a negative number, 0 or a positive number, as `a` sorts before, with or after `b`.
 * @throws TypeError as compare() does, for values Python could not order.
 */
export function compareEncoded(
  a: Uint8Array,
  b: Uint8Array,
  aStart = 0,
  aEnd = a.length,
  bStart = 0,
  bEnd = b.length,
): number {
  ab = a;
  bb = b;
  pa = aStart;
  pb = bStart;
  let r: number;
  try {
    r = compareAt(0);
  } finally {
    ab = bb = EMPTY;
  }
  return r === UNDECIDED ? compare(decode(a, aStart, aEnd), decode(b, bStart, bEnd)) : r;
}

const EMPTY = new Uint8Array(0);

/** False, True, Int8, Int32, Float64, BigInt64 (a longer BigInt is left to decode). */
function isNumeric(tag: number | undefined): boolean {
  return tag !== undefined && tag >= Tag.False && tag <= Tag.BigInt64;
}

function isText(tag: number | undefined): boolean {
  return tag === Tag.Latin1 || tag === Tag.Utf16;
}

/** Compares the values at pa and pb, advancing both past them; UNDECIDED if it cannot. */
function compareAt(level: number): number {
  const ta = ab[pa];
  const tb = bb[pb];
  if (isNumeric(ta) && isNumeric(tb)) {
    const x = readNumeric(ab, true);
    const y = readNumeric(bb, false);
    // Two numbers (the common case) apart from a bigint: `<` stays specialised to numbers.
    return typeof x === 'number' && typeof y === 'number' ? compareDoubles(x, y) : compareNumbers(x, y);
  }
  if (isText(ta) && isText(tb)) return compareText();
  if (level > 0 && (ta === Tag.Null || ta === Tag.Undefined || ta === Tag.Hole)) {
    const same = ta === tb || (ta !== Tag.Null && (tb === Tag.Undefined || tb === Tag.Hole));
    if (!same) return UNDECIDED;
    pa++;
    pb++;
    return 0;
  }
  if (ta === Tag.Array && tb === Tag.Array && level < 32) {
    pa++;
    pb++;
    const na = varint(ab, true);
    const nb = varint(bb, false);
    const n = Math.min(na, nb);
    for (let i = 0; i < n; i++) {
      const c = compareAt(level + 1);
      if (c !== 0) return c;
    }
    if (na !== nb) return na < nb ? -1 : 1;
    return 0;
  }
  return UNDECIDED;
}

function varint(s: Uint8Array, first: boolean): number {
  let q = first ? pa : pb;
  let n = 0;
  let shift = 0;
  for (;;) {
    const byte = s[q++] ?? 0;
    n += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
    shift += 7;
  }
  if (first) pa = q;
  else pb = q;
  return n;
}

function readNumeric(s: Uint8Array, first: boolean): Numeric {
  let q = first ? pa : pb;
  const tag = s[q++];
  let v: Numeric;
  switch (tag) {
    case Tag.False:
      v = 0;
      break;
    case Tag.True:
      v = 1;
      break;
    case Tag.Int8:
      v = (s[q]! << 24) >> 24;
      q += 1;
      break;
    case Tag.Int32:
      v = s[q]! | (s[q + 1]! << 8) | (s[q + 2]! << 16) | (s[q + 3]! << 24);
      q += 4;
      break;
    case Tag.Float64:
      for (let i = 0; i < 8; i++) f64bytes[i] = s[q + i]!;
      v = f64[0]!;
      q += 8;
      break;
    default: {
      // Tag.BigInt64 (the only other numeric tag: BigInt and its hex digits are left to decode)
      for (let i = 0; i < 8; i++) i64bytes[i] = s[q + i]!;
      v = i64[0]!;
      q += 8;
    }
  }
  if (first) pa = q;
  else pb = q;
  return v;
}

/** Code unit by code unit, Latin1 (1 byte a unit) or Utf16 (2 bytes, little-endian) on each side. */
function compareText(): number {
  const wa = ab[pa] === Tag.Utf16 ? 2 : 1;
  const wb = bb[pb] === Tag.Utf16 ? 2 : 1;
  pa++;
  pb++;
  const na = varint(ab, true);
  const nb = varint(bb, false);
  const n = Math.min(na, nb);
  let result = 0;
  for (let i = 0; i < n && result === 0; i++) {
    const x = wa === 1 ? ab[pa + i]! : ab[pa + 2 * i]! | (ab[pa + 2 * i + 1]! << 8);
    const y = wb === 1 ? bb[pb + i]! : bb[pb + 2 * i]! | (bb[pb + 2 * i + 1]! << 8);
    if (x !== y) result = x < y ? -1 : 1;
  }
  if (result === 0 && na !== nb) result = na < nb ? -1 : 1;
  pa += wa * na;
  pb += wb * nb;
  return result;
}
