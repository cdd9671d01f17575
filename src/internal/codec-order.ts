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

/** See src/codec.ts. */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
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
