/*
 * Property tests (fast-check) of the Queue's value codec (src/codec.ts):
 * - random values from the carried set round-trip to what structuredClone would give;
 * - shared references and cycles built over random values keep their identity;
 * - the bytes decode the same from a SharedArrayBuffer at any offset;
 * - a refused value hidden anywhere inside a random value is a TypeError naming its path, and
 *   the next encode is unaffected;
 * - compare() agrees with an independent reference of Python's ordering (exact rationals for
 *   numbers against bigints, code-unit loops for strings, Python's tuple rule), and is a total
 *   order (antisymmetric, transitive) wherever it does not throw.
 *
 * WEFT_PROPERTY_RUNS (default 100, x3 for the round trip) sets the number of runs; a failure
 * prints fast-check's seed, and WEFT_PROPERTY_SEED replays it.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compare, compareEncoded, decode, encode } from '../src/codec.js';

const RUNS = Number(process.env.WEFT_PROPERTY_RUNS ?? 100);
const SEED =
  process.env.WEFT_PROPERTY_SEED === undefined ? undefined : Number(process.env.WEFT_PROPERTY_SEED);
function params<T>(numRuns = RUNS): fc.Parameters<T> {
  const p: fc.Parameters<T> = { numRuns, includeErrorInReport: true };
  return SEED === undefined ? p : { ...p, seed: SEED };
}

function roundTrip(v: unknown): unknown {
  return decode(encode(v, 'test').slice());
}

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Strings from every branch of the encoding: Latin-1, BMP, astral, lone surrogates, short and long. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: codeUnit }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 300 }),
  fc.string({ unit: codeUnit, minLength: 60, maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('a', 'é', 'ÿ', '\u0100', '日', '😀', '\ud800', '\udc00', '\ufeff') }),
);
const anyNumber = fc.oneof(
  fc.integer(),
  fc.integer({ min: -200, max: 200 }),
  fc.double(),
  fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.MIN_VALUE),
);
const anyBigInt = fc.oneof(
  fc.bigInt(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.bigInt({ min: -(10n ** 300n), max: 10n ** 300n }),
);

/** A typed array or DataView, possibly at an offset in a bigger buffer. */
const anyView = fc
  .tuple(
    fc.uint8Array({ maxLength: 64 }),
    fc.nat({ max: 16 }),
    fc.constantFrom(
      Int8Array,
      Uint8Array,
      Uint8ClampedArray,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      Float32Array,
      Float64Array,
      BigInt64Array,
      BigUint64Array,
      DataView,
    ),
  )
  .map(([bytes, pad, Kind]) => {
    const Ctor = Kind as unknown as {
      new (buffer: ArrayBuffer, offset: number, length: number): ArrayBufferView;
      BYTES_PER_ELEMENT?: number;
    };
    const size = Ctor.BYTES_PER_ELEMENT ?? 1;
    const offset = pad * size;
    const buffer = new ArrayBuffer(offset + bytes.length + 8 * size);
    new Uint8Array(buffer).set(bytes, offset);
    const length = Math.floor(bytes.length / size);
    return new Ctor(buffer, offset, length);
  });

const errorClass = fc.constantFrom(
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
);

const leaf = fc.oneof(
  fc.constantFrom(undefined, null, true, false),
  anyNumber,
  anyBigInt,
  anyString,
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ maxLength: 32 }).map((u) => u.buffer),
  anyView,
  fc
    .tuple(fc.string(), fc.constantFrom('', 'g', 'giu', 'y'))
    .map(([s, flags]) => new RegExp(s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'), flags)),
  fc.oneof(
    anyNumber.map((n) => new Number(n)),
    anyString.map((s) => new String(s)),
    fc.boolean().map((b) => new Boolean(b)),
  ),
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    leaf,
    tie('array'),
    tie('object'),
    tie('map'),
    tie('set'),
    tie('error'),
  ),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc.dictionary(anyString, tie('value'), { maxKeys: 6 }),
  map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((entries) => new Map(entries)),
  set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
  error: fc
    .tuple(
      errorClass,
      fc.option(fc.string(), { nil: undefined }),
      fc.option(tie('value'), { freq: 3, nil: undefined }),
    )
    .map(([E, message, cause]) => (cause === undefined ? new E(message) : new E(message, { cause }))),
}));

describe('codec properties: round trips', () => {
  test('a random carried value comes back as structuredClone would give it', () => {
    fc.assert(
      fc.property(value, (v) => {
        assert.deepStrictEqual(roundTrip(v), structuredClone(v));
      }),
      params(RUNS * 3),
    );
  });

  test('shared references and cycles over random values keep their identity', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 4 }), fc.nat(), (parts, pick) => {
        const node: Record<string, unknown> = { parts };
        node.self = node;
        const shared = parts[pick % parts.length];
        const item = [node, shared, new Map([[shared, node]]), { again: shared }];
        const out = roundTrip(item) as [
          Record<string, unknown>,
          unknown,
          Map<unknown, unknown>,
          { again: unknown },
        ];
        assert.deepStrictEqual(out, structuredClone(item));
        assert.equal(out[0].self, out[0]);
        assert.equal([...out[2].values()][0], out[0]);
        if (typeof shared === 'object' && shared !== null) {
          assert.equal(out[3].again, out[1]);
          assert.equal([...out[2].keys()][0], out[1]);
        }
      }),
      params(),
    );
  });

  test('decoding from a SharedArrayBuffer at any offset gives the same value', () => {
    fc.assert(
      fc.property(value, fc.nat({ max: 13 }), (v, offset) => {
        const bytes = encode(v, 'test');
        const sab = new SharedArrayBuffer(offset + bytes.length + 5);
        const view = new Uint8Array(sab, offset, bytes.length);
        view.set(bytes);
        const out = decode(view);
        view.fill(0xee);
        assert.deepStrictEqual(out, structuredClone(v));
      }),
      params(),
    );
  });

  test('a refused value anywhere inside a random value is a TypeError naming it; the next encode is clean', () => {
    const bad = fc.constantFrom<[unknown, string]>(
      [() => 0, 'a function'],
      [Symbol('x'), 'a symbol'],
      [new SharedArrayBuffer(4), 'a SharedArrayBuffer'],
      [new WeakMap(), 'a WeakMap'],
    );
    const host = fc.tuple(
      fc.array(value, { maxLength: 3 }),
      fc.nat(),
      fc.constantFrom('array', 'object', 'map', 'set'),
    );
    fc.assert(
      fc.property(host, bad, value, ([items, at, kind], [refusedValue, name], next) => {
        const i = at % (items.length + 1);
        const list = [...items.slice(0, i), refusedValue, ...items.slice(i)];
        let container: unknown;
        let path: string;
        if (kind === 'array') [container, path] = [list, `[${i}]`];
        else if (kind === 'object')
          [container, path] = [Object.fromEntries(list.map((x, j) => [`k${j}`, x])), `.k${i}`];
        else if (kind === 'map')
          [container, path] = [new Map(list.map((x, j) => [j, x])), `<Map value #${i}>`];
        else [container, path] = [new Set(list), `<Set element #${new Set(list.slice(0, i)).size}>`];
        assert.throws(
          () => encode({ deep: container }, 'Queue.put'),
          (e: unknown) =>
            e instanceof TypeError &&
            e.message.startsWith(`Queue.put: cannot carry ${name} (at item.deep${path})`),
        );
        assert.deepStrictEqual(roundTrip(next), structuredClone(next));
      }),
      params(),
    );
  });
});

/*
 * An independent reference of Python's ordering: numbers and bigints compared as exact rationals
 * (floor and fraction, never JavaScript's mixed `<`), strings code unit by code unit, arrays by
 * Python's tuple rule (skip equal pairs, then compare the first unequal pair, then the lengths).
 * NaN is the documented choice: above every number, equal to NaN.
 */
type Ref = -1 | 0 | 1 | 'TypeError';

function refNumeric(v: unknown): number | bigint | undefined {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return typeof v === 'number' || typeof v === 'bigint' ? v : undefined;
}

function refCompareNumeric(a: number | bigint, b: number | bigint): -1 | 0 | 1 {
  const nanA = typeof a === 'number' && Number.isNaN(a);
  const nanB = typeof b === 'number' && Number.isNaN(b);
  if (nanA || nanB) return nanA && nanB ? 0 : nanA ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint') {
    const r = refCompareNumeric(b, a);
    return r === 0 ? 0 : r === 1 ? -1 : 1;
  }
  // a: a number, b: a bigint.
  const n = a as number;
  const m = b as bigint;
  if (n === Infinity) return 1;
  if (n === -Infinity) return -1;
  const floor = BigInt(Math.floor(n));
  if (floor < m) return -1;
  if (floor > m) return 1;
  return Number.isInteger(n) ? 0 : 1;
}

function refEqual(a: unknown, b: unknown): boolean {
  const x = refNumeric(a);
  const y = refNumeric(b);
  if (x !== undefined || y !== undefined)
    return x !== undefined && y !== undefined && refCompareNumeric(x, y) === 0;
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((u, i) => refEqual(u, b[i]));
  return a === b;
}

function refCompare(a: unknown, b: unknown): Ref {
  const x = refNumeric(a);
  const y = refNumeric(b);
  if (x !== undefined && y !== undefined) return refCompareNumeric(x, y);
  if (typeof a === 'string' && typeof b === 'string') {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = a.charCodeAt(i) - b.charCodeAt(i);
      if (d !== 0) return d < 0 ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    let i = 0;
    while (i < a.length && i < b.length && refEqual(a[i], b[i])) i++;
    if (i < a.length && i < b.length) return refCompare(a[i], b[i]);
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  return 'TypeError';
}

function actual(a: unknown, b: unknown): Ref {
  try {
    return (Math.sign(compare(a, b)) || 0) as -1 | 0 | 1;
  } catch (e) {
    assert.ok(e instanceof TypeError, `compare threw ${String(e)}`);
    return 'TypeError';
  }
}

const orderable = fc.letrec((tie) => ({
  item: fc.oneof(
    { depthSize: 'small' },
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(0.5, -0, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 64, -1.5),
    fc.bigInt({ min: -3n, max: 3n }),
    fc.constantFrom(2n ** 53n, 2n ** 64n, -(2n ** 80n)),
    fc.boolean(),
    fc.string({ unit: fc.constantFrom('a', 'b', '\uffff', '😀', '\ud800'), maxLength: 3 }),
    fc.constantFrom(null, undefined),
    tie('tuple'),
  ),
  tuple: fc.array(tie('item'), { maxLength: 3 }),
})).item;

describe('codec properties: compare', () => {
  test('agrees with the reference of Python ordering, TypeError included', () => {
    fc.assert(
      fc.property(orderable, orderable, (a, b) => {
        assert.equal(actual(a, b), refCompare(a, b));
      }),
      params(RUNS * 10),
    );
  });

  test('compareEncoded on the bytes agrees with compare on the values, the same TypeError included', () => {
    const withData = fc.oneof(
      orderable,
      fc.tuple(orderable, value),
      fc.tuple(fc.integer({ min: 0, max: 2 }), orderable, value),
    );
    fc.assert(
      fc.property(withData, withData, fc.nat({ max: 9 }), (a, b, offset) => {
        const ea = encode(a, 'test').slice();
        const eb = encode(b, 'test').slice();
        const outcome = (f: () => number): string => {
          try {
            return String(Math.sign(f()) || 0);
          } catch (e) {
            return `${(e as Error).name}: ${(e as Error).message}`;
          }
        };
        const expected = outcome(() => compare(a, b));
        assert.equal(
          outcome(() => compareEncoded(ea, eb)),
          expected,
        );
        // In place, inside bigger views:
        const big = new Uint8Array(offset + ea.length + eb.length + 3);
        big.set(ea, offset);
        big.set(eb, offset + ea.length + 1);
        const start = offset + ea.length + 1;
        assert.equal(
          outcome(() => compareEncoded(big, big, offset, offset + ea.length, start, start + eb.length)),
          expected,
        );
      }),
      params(RUNS * 10),
    );
  });

  test('is a total order where it does not throw: antisymmetric and transitive', () => {
    fc.assert(
      fc.property(orderable, orderable, orderable, (a, b, c) => {
        const ab = actual(a, b);
        const ba = actual(b, a);
        if (ab === 'TypeError') {
          assert.equal(ba, 'TypeError');
          return;
        }
        assert.equal(ba, -ab || 0);
        const bc = actual(b, c);
        const ac = actual(a, c);
        if (bc === 'TypeError' || ac === 'TypeError') return;
        if (ab <= 0 && bc <= 0) assert.ok(ac <= 0, 'a <= b <= c implies a <= c');
        if (ab === 0 && bc === 0) assert.equal(ac, 0);
      }),
      params(RUNS * 10),
    );
  });
});
