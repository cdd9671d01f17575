/*
 * TEMPORARY stand-in for src/codec.ts (written on branch `codec`), with the same signatures, so
 * that the Queue can be built and tested before the codec lands. Replaced by a re-export of
 * ../codec.js at the merge. Numbers as 9 bytes, everything else as tagged JSON.
 */

import { describe, typeError } from '../errors.js';

const scratch = new Uint8Array(16);
const view = new DataView(scratch.buffer);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function check(value: unknown, where: string): void {
  const t = typeof value;
  if (t === 'function' || t === 'symbol' || t === 'bigint') {
    throw typeError(`${where}: cannot carry ${describe(value)}`);
  }
  if (value !== null && t === 'object') {
    if (value instanceof SharedArrayBuffer || (value as { __weft?: unknown }).__weft !== undefined) {
      throw typeError(`${where}: cannot carry ${describe(value)}`);
    }
    for (const v of Object.values(value as object)) check(v, where);
  }
}

/** Encodes `value` into a per-thread scratch buffer (valid until the next encode). */
export function encode(value: unknown, where: string): Uint8Array {
  if (typeof value === 'number') {
    scratch[0] = 0;
    view.setFloat64(1, value);
    return scratch.subarray(0, 9);
  }
  if (value instanceof Uint8Array) {
    const out = new Uint8Array(value.length + 1);
    out[0] = 3;
    out.set(value, 1);
    return out;
  }
  check(value, where);
  const text = value === undefined ? '' : JSON.stringify(value);
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out[0] = value === undefined ? 2 : 1;
  out.set(bytes, 1);
  return out;
}

/** Decodes what encode wrote (the bytes may be a view over shared memory). */
export function decode(bytes: Uint8Array): unknown {
  if (bytes[0] === 0) return new DataView(bytes.buffer, bytes.byteOffset, 9).getFloat64(1);
  if (bytes[0] === 2) return undefined;
  if (bytes[0] === 3) return bytes.slice(1);
  return JSON.parse(decoder.decode(bytes.slice(1)));
}

/** Python's ordering, for numbers, strings and arrays; TypeError if incomparable. */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = compare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  throw typeError(`'<' not supported between ${describe(a)} and ${describe(b)}`);
}
