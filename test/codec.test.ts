/*
 * The Queue's value codec (src/codec.ts): every carried type and its edges round-trip as
 * structuredClone would carry them; every refused value is a TypeError naming it and its path, and
 * leaves the encoder ready for the next value; decode reads from a view over a SharedArrayBuffer at
 * any offset and keeps nothing of it; compare() follows Python's ordering rules.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Event, Lock } from 'weft-threading';
import { compare, compareEncoded, decode, encode } from '../src/codec.js';

/** Encodes, copies the bytes out (the view is only valid until the next encode), decodes. */
function roundTrip<T>(v: T): T {
  return decode(encode(v, 'test').slice()) as T;
}

/** Round-trips `v` and checks the result against structuredClone's. */
function same(v: unknown): void {
  assert.deepStrictEqual(roundTrip(v), structuredClone(v));
}

function refused(v: unknown, message: RegExp): void {
  assert.throws(
    () => encode(v, 'Queue.put'),
    (e: unknown) => {
      assert.ok(e instanceof TypeError, `a TypeError, got ${String(e)}`);
      assert.equal((e as TypeError & { code?: string }).code, 'WEFT_BAD_ARGUMENT');
      assert.match(e.message, message);
      return true;
    },
  );
  // Nothing partial is left behind: the next encode starts clean.
  assert.deepStrictEqual(roundTrip({ after: [1, 'two'] }), { after: [1, 'two'] });
}

describe('codec: primitives', () => {
  test('undefined, null, booleans', () => {
    for (const v of [undefined, null, true, false]) assert.equal(roundTrip(v), v);
  });

  test('numbers: small and large integers, -0, NaN, infinities, fractions, 2^53 and beyond', () => {
    const numbers = [
      0,
      1,
      -1,
      127,
      -128,
      128,
      -129,
      255,
      65536,
      2 ** 31 - 1,
      -(2 ** 31),
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 32,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53),
      Number.MAX_SAFE_INTEGER,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      Number.EPSILON,
      0.1,
      -1.5,
      Math.PI,
      Infinity,
      -Infinity,
    ];
    for (const v of numbers) assert.equal(roundTrip(v), v, String(v));
    assert.ok(Object.is(roundTrip(-0), -0), '-0 stays -0');
    assert.ok(Object.is(roundTrip(0), 0), '0 stays +0');
    assert.ok(Number.isNaN(roundTrip(NaN)));
  });

  test('bigints: small, 64-bit edges, huge, negative', () => {
    const bigints = [
      0n,
      1n,
      -1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 63n,
      -(2n ** 63n) - 1n,
      2n ** 64n,
      -(2n ** 64n),
      3n ** 1000n,
      -(7n ** 5000n),
    ];
    for (const v of bigints) assert.equal(roundTrip(v), v);
  });

  test('strings: empty, ASCII, Latin-1, BMP, astral, long, every branch of the encoding', () => {
    const strings = [
      '',
      'a',
      'hello, world',
      'ÿé\u0080\u00ff',
      '日本語',
      '😀',
      'a😀b',
      'x'.repeat(64),
      'x'.repeat(65),
      'é'.repeat(64),
      'é'.repeat(65),
      '日'.repeat(65),
      '😀'.repeat(1000),
      'mixed ascii, é, 日本, and 😀 '.repeat(500),
      '\u0000\u0001 nul inside',
      'a'.repeat(1 << 20),
    ];
    for (const v of strings) assert.equal(roundTrip(v), v, JSON.stringify(v.slice(0, 20)));
  });

  test('strings: a leading U+FEFF (byte order mark) is kept, short and long', () => {
    for (const v of ['\ufeff', '\ufeffx', `\ufeff${'x'.repeat(100)}`, `\ufeff${'日'.repeat(100)}`]) {
      assert.equal(roundTrip(v), v);
    }
  });

  test('strings: lone surrogates are kept, as structuredClone keeps them', () => {
    const strings = [
      '\ud800',
      '\udc00',
      'a\ud800b',
      '\udc00\ud800',
      `${'x'.repeat(100)}\ud800`,
      `\udfff${'😀'.repeat(100)}`,
      `${'é'.repeat(70)}\ud83d`,
    ];
    for (const v of strings) {
      assert.equal(roundTrip(v), v);
      assert.equal(roundTrip(v), structuredClone(v));
    }
  });
});

describe('codec: objects', () => {
  test('Date, including an invalid Date', () => {
    same(new Date(0));
    same(new Date(8.64e15));
    same(new Date(-8.64e15));
    const invalid = roundTrip(new Date(NaN));
    assert.ok(invalid instanceof Date);
    assert.ok(Number.isNaN(invalid.getTime()));
  });

  test('RegExp and boxed primitives, as structuredClone carries them', () => {
    same(/a+b?/giu);
    same(/(?:)/y);
    same(new Number(-0));
    same(new String('boxed'));
    same(new Boolean(false));
    same(Object(12n));
  });

  test('ArrayBuffer, every typed array kind, DataView', () => {
    same(new ArrayBuffer(0));
    same(new Uint8Array([1, 2, 3, 255]).buffer);
    same(new Int8Array([-128, 0, 127]));
    same(new Uint8Array([0, 255]));
    same(new Uint8ClampedArray([0, 255]));
    same(new Int16Array([-32768, 32767]));
    same(new Uint16Array([0, 65535]));
    same(new Int32Array([-(2 ** 31), 2 ** 31 - 1]));
    same(new Uint32Array([0, 2 ** 32 - 1]));
    same(new Float32Array([1.5, -0, Infinity]));
    same(new Float64Array([Math.PI, -0, Infinity, -Infinity]));
    same(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]));
    same(new BigUint64Array([0n, 2n ** 64n - 1n]));
    same(new DataView(new Uint8Array([9, 8, 7]).buffer));
    const nan = roundTrip(new Float64Array([NaN]));
    assert.ok(nan instanceof Float64Array && Number.isNaN(nan[0]));
    const F16 = (globalThis as { Float16Array?: new (a: number[]) => ArrayBufferView }).Float16Array;
    if (F16 !== undefined) same(new F16([1.5, -2]));
  });

  test('a view at an offset carries only the bytes it covers, and comes back at offset 0', () => {
    const buffer = new ArrayBuffer(64);
    new Uint8Array(buffer).forEach((_, i, a) => {
      a[i] = i;
    });
    const u16 = roundTrip(new Uint16Array(buffer, 6, 3));
    assert.ok(u16 instanceof Uint16Array);
    assert.equal(u16.byteOffset, 0);
    assert.equal(u16.buffer.byteLength, 6);
    assert.deepStrictEqual([...u16], [...new Uint16Array(buffer, 6, 3)]);
    const dv = roundTrip(new DataView(buffer, 5, 7));
    assert.ok(dv instanceof DataView);
    assert.equal(dv.byteLength, 7);
    assert.equal(dv.getUint8(0), 5);
    assert.equal(dv.getUint8(6), 11);
    const f64 = roundTrip(new Float64Array(buffer, 8, 2));
    assert.deepStrictEqual([...f64], [...new Float64Array(buffer, 8, 2)]);
  });

  test('a Buffer (a Uint8Array subclass) comes back as a Uint8Array, as structuredClone does', () => {
    const out = roundTrip(Buffer.from('bytes'));
    assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
    assert.deepStrictEqual(out, structuredClone(Buffer.from('bytes')));
  });

  test('1 MB of bytes round-trips exactly', () => {
    const big = new Uint8Array(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255;
    assert.deepStrictEqual(roundTrip(big), big);
  });

  test('arrays: nested, empty, with undefined, holes kept, extra properties dropped', () => {
    same([]);
    same([1, 'two', [3, [4, []]], null, undefined]);
    // biome-ignore lint/suspicious/noSparseArray: a hole is what is tested
    const holes = [1, , 3, , ,];
    const out = roundTrip(holes);
    assert.equal(out.length, 5);
    assert.ok(!(1 in out) && !(3 in out) && !(4 in out));
    assert.deepStrictEqual(out, structuredClone(holes));
    const extra = Object.assign([1, 2], { label: 'x' });
    assert.deepStrictEqual(roundTrip(extra), [1, 2]);
    assert.deepStrictEqual(roundTrip(new Array(3)), structuredClone(new Array(3)));
  });

  test('plain objects: key order, numeric keys, odd keys, null prototype, __proto__ as a key', () => {
    same({});
    same({ b: 1, a: 2, 10: 'ten', 2: 'two', '': 'empty', 'with space': true, é: 'é', '😀': 1 });
    same({ nested: { deeper: { deepest: [{ x: 1 }] } } });
    const bare = Object.create(null) as Record<string, unknown>;
    bare.k = 1;
    same(bare);
    const proto = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as object;
    const out = roundTrip(proto) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.ok(Object.hasOwn(out, '__proto__'));
    assert.deepStrictEqual(Object.keys(out), ['__proto__', 'ok']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepStrictEqual(out, structuredClone(proto));
  });

  test('plain objects with 127, 128 and up to 20,000 keys (the count takes more bytes)', () => {
    for (const n of [127, 128, 200, 16383, 16384, 20000]) {
      const o = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i % 3 === 0 ? 'v' : i]));
      assert.deepStrictEqual(roundTrip(o), o);
      assert.deepStrictEqual(roundTrip([o, { after: true }]), [o, { after: true }]);
    }
  });

  test('plain objects: only own enumerable string keys, getters read once', () => {
    let reads = 0;
    const o = Object.create(
      { inherited: 1 },
      {
        own: { value: 1, enumerable: true },
        hidden: { value: 2, enumerable: false },
        getter: {
          get: () => {
            reads++;
            return 'got';
          },
          enumerable: true,
        },
      },
    ) as object;
    // A prototype other than Object.prototype is a class instance: refused...
    assert.throws(() => encode(o, 'Queue.put'), TypeError);
    // ...so the same shape on a plain object:
    const plain = {
      own: 1,
      [Symbol('s')]: 'symbol keys are skipped',
      get getter() {
        reads++;
        return 'got';
      },
    };
    Object.defineProperty(plain, 'hidden', { value: 2, enumerable: false });
    reads = 0;
    assert.deepStrictEqual(roundTrip(plain), { own: 1, getter: 'got' });
    assert.equal(reads, 1);
  });

  test('Map and Set: nested, with object keys, insertion order kept', () => {
    const key = { id: 1 };
    const m = new Map<unknown, unknown>([
      [key, new Set([1, 'a', key])],
      ['s', new Map([[NaN, -0]])],
      [3n, [new Set()]],
    ]);
    const out = roundTrip(m);
    assert.deepStrictEqual(out, structuredClone(m));
    const [k, set] = [...out][0] as [object, Set<unknown>];
    assert.ok(set.has(k), 'the key object inside the set is the key itself');
    same(new Set([3, 1, 2]));
    same(new Map());
  });

  test('built-ins go as what they hold, whatever methods the object overrides', () => {
    const d = new Date(5);
    Object.assign(d, { getTime: () => ({ not: 'a time' }) });
    assert.equal(roundTrip(d).valueOf(), 5);
    const n = new Number(3);
    Object.assign(n, { valueOf: () => 'x' });
    assert.equal(roundTrip(n).valueOf(), 3);
    const s = new String('s');
    Object.assign(s, { valueOf: () => 1 });
    assert.equal(roundTrip(s).valueOf(), 's');
    const re = /a+/g;
    Object.defineProperty(re, 'source', { value: 'b' });
    assert.equal(roundTrip(re).source, 'a+');
    const flagged = /a/dgy;
    Object.defineProperties(flagged, { global: { value: false }, hasIndices: { value: false } });
    assert.equal(roundTrip(flagged).flags, 'dgy');
    class Sticky extends RegExp {
      override get sticky(): boolean {
        return true;
      }
    }
    assert.equal(roundTrip(new Sticky('a', 'g')).flags, 'g');
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    Object.defineProperties(bytes, {
      byteLength: { value: 2 },
      byteOffset: { value: 99 },
      buffer: { value: new ArrayBuffer(1) },
    });
    assert.deepEqual(roundTrip(bytes), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const view = new DataView(new ArrayBuffer(4), 1, 2);
    Object.defineProperty(view, 'byteLength', { value: 3 });
    assert.equal(roundTrip(view).byteLength, 2);
    const m = new Map([[1, 2]]);
    Object.assign(m, { [Symbol.iterator]: function* () {}, entries: () => [][Symbol.iterator]() });
    assert.deepEqual([...(roundTrip(m) as Map<number, number>)], [[1, 2]]);
  });

  test('a Map or Set changed by a getter while it is encoded goes as it was when its turn came', () => {
    const m = new Map<number, unknown>();
    m.set(1, {
      get x() {
        m.set(2, 'added');
        m.delete(3);
        return 'a';
      },
    });
    m.set(3, 'three');
    const out = roundTrip(m);
    assert.deepEqual([...out.keys()], [1, 3]);
    assert.deepEqual(out.get(1), { x: 'a' });
    assert.equal(out.get(3), 'three');
    const s = new Set<unknown>();
    s.add({
      get y() {
        s.clear();
        return 1;
      },
    });
    s.add('kept');
    assert.deepEqual([...roundTrip(s)], [{ y: 1 }, 'kept']);
  });

  test('Errors: built-in classes come back as themselves, with message, stack and cause', () => {
    for (const E of [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError]) {
      const e = new E('boom', { cause: { why: [1, 2] } });
      const out = roundTrip(e);
      assert.equal(Object.getPrototypeOf(out), E.prototype);
      assert.equal(out.name, E.name);
      assert.equal(out.message, 'boom');
      assert.equal(out.stack, e.stack);
      assert.deepStrictEqual(out.cause, { why: [1, 2] });
      assert.deepStrictEqual(out, structuredClone(e));
    }
    const bare = roundTrip(new Error());
    assert.ok(!Object.hasOwn(bare, 'message'));
    assert.ok(!Object.hasOwn(bare, 'cause'));
    assert.equal(bare.message, '');
  });

  test('Errors: other classes come back as Error with their name kept; an own string code is kept', () => {
    class ParseFailure extends RangeError {
      override name = 'ParseFailure';
      code = 'E_PARSE';
    }
    const out = roundTrip(new ParseFailure('bad token')) as Error & { code?: string };
    assert.equal(Object.getPrototypeOf(out), Error.prototype);
    assert.equal(out.name, 'ParseFailure');
    assert.equal(out.message, 'bad token');
    assert.equal(out.code, 'E_PARSE');
    const noStack = new Error('x');
    delete noStack.stack;
    assert.equal(roundTrip(noStack).stack, undefined);
  });

  test('shared references and cycles keep their identity within one item', () => {
    const shared = { x: 1 };
    const out = roundTrip([shared, shared, { shared }] as [object, object, { shared: object }]);
    assert.equal(out[0], out[1]);
    assert.equal(out[2]?.shared, out[0]);
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, new Map([[cyclic, cyclic]])];
    const c = roundTrip(cyclic);
    assert.equal(c.self, c);
    const list = c.list as [unknown, Map<unknown, unknown>];
    assert.equal(list[0], c);
    assert.equal([...list[1]][0]?.[0], c);
    assert.deepStrictEqual(c, structuredClone(cyclic));
    const err = new Error('self-caused');
    (err as { cause?: unknown }).cause = err;
    const e = roundTrip(err);
    assert.equal(e.cause, e);
    const date = new Date(5);
    const bytes = new Uint8Array([1]);
    const twice = roundTrip({ a: date, b: date, c: bytes, d: bytes });
    assert.equal(twice.a, twice.b);
    assert.equal(twice.c, twice.d);
    // Identity does not leak from one item into the next.
    const again = roundTrip([shared]);
    assert.deepStrictEqual(again, [{ x: 1 }]);
  });

  test('nesting: 1000 levels of every container carry; deeper is a TypeError naming the limit', () => {
    // [wrap, unwrap]; the result is checked by walking down, since deepStrictEqual itself recurses.
    const kinds: [(inner: unknown) => unknown, (outer: unknown) => unknown][] = [
      [(x) => [x], (o) => (o as unknown[])[0]],
      [(x) => ({ x }), (o) => (o as { x: unknown }).x],
      [(x) => new Map([[1, x]]), (o) => (o as Map<number, unknown>).get(1)],
      [(x) => new Set([x]), (o) => [...(o as Set<unknown>)][0]],
      [(x) => new Error('e', { cause: x }), (o) => (o as Error).cause],
    ];
    for (const [wrap, unwrap] of kinds) {
      let v: unknown = 'bottom';
      for (let i = 0; i < 1000; i++) v = wrap(v);
      let out = roundTrip(v);
      for (let i = 0; i < 1000; i++) {
        assert.equal(Object.getPrototypeOf(out), Object.getPrototypeOf(v));
        out = unwrap(out);
        v = unwrap(v);
      }
      assert.equal(out, 'bottom');
      let deep: unknown = 'bottom';
      for (let i = 0; i < 1001; i++) deep = wrap(deep);
      refused(deep, /cannot carry a value nested more than 1000 levels deep \(at item/);
    }
  });
});

describe('codec: refused values', () => {
  test('functions and symbols, at the top and nested, with their path', () => {
    refused(() => 1, /^Queue\.put: cannot carry a function \(at item\)$/);
    refused(Symbol('s'), /cannot carry a symbol \(at item\)/);
    refused(
      { handlers: [1, 2, () => 3] },
      /^Queue\.put: cannot carry a function \(at item\.handlers\[2\]\)$/,
    );
    refused({ 'odd key': { f: Symbol.iterator } }, /a symbol \(at item\["odd key"\]\.f\)/);
    refused([new Map([['k', [function named() {}]]])], /a function \(at item\[0\]<Map value #0>\[0\]\)/);
    refused(new Map([[Symbol('k'), 1]]), /a symbol \(at item<Map key #0>\)/);
    refused(new Set([1, 2, Symbol()]), /a symbol \(at item<Set element #2>\)/);
    refused(new Error('x', { cause: () => 0 }), /a function \(at item\.cause\)/);
    refused(class Foo {}, /a function/);
  });

  test('SharedArrayBuffer and views over one', () => {
    const sab = new SharedArrayBuffer(8);
    refused(sab, /cannot carry a SharedArrayBuffer \(at item\)/);
    refused(
      { data: new Int32Array(sab) },
      /cannot carry an Int32Array over a SharedArrayBuffer \(at item\.data\)/,
    );
    refused([new DataView(sab)], /a DataView over a SharedArrayBuffer \(at item\[0\]\)/);
    refused(new Uint8Array(sab, 2, 2), /a Uint8Array over a SharedArrayBuffer/);
  });

  test('a sparse array too long to walk', () => {
    const sparse: number[] = [];
    sparse[2 ** 31] = 1;
    refused({ sparse }, /cannot carry an array of length 2147483649 \(at item\.sparse\); arrays longer than/);
  });

  test('a detached ArrayBuffer and views over one', () => {
    const buffer = new ArrayBuffer(8);
    const view = new Float64Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    refused(buffer, /^Queue\.put: cannot carry a detached ArrayBuffer \(at item\); it was transferred/);
    refused({ v: view }, /cannot carry a Float64Array over a detached ArrayBuffer \(at item\.v\)/);
  });

  test('weft primitives, live and as plain clones', () => {
    refused(new Lock(), /cannot carry a weft Lock \(at item\)/);
    refused({ ev: new Event() }, /a weft Event \(at item\.ev\)/);
    refused([structuredClone(new Lock())], /a weft Lock \(at item\[0\]\)/);
  });

  test('class instances other than the carried ones', () => {
    class Point {
      x = 1;
    }
    refused(new Point(), /cannot carry a Point \(at item\)/);
    refused(new WeakMap(), /a WeakMap/);
    refused(new WeakSet(), /a WeakSet/);
    refused(Promise.resolve(1), /a Promise/);
    refused(new WeakRef({}), /a WeakRef/);
    refused(
      { p: Object.create({}) },
      /an object with a prototype other than Object.prototype \(at item\.p\)/,
    );
  });

  test('impostors that only inherit a built-in prototype are refused by name', () => {
    for (const [proto, name] of [
      [Date.prototype, 'Date'],
      [Map.prototype, 'Map'],
      [Set.prototype, 'Set'],
      [RegExp.prototype, 'RegExp'],
      [ArrayBuffer.prototype, 'ArrayBuffer'],
      [Number.prototype, 'Number'],
      [String.prototype, 'String'],
    ] as const) {
      refused(
        { x: Object.create(proto) },
        new RegExp(`an object that inherits from ${name}\\.prototype but is not a ${name} \\(at item\\.x\\)`),
      );
    }
  });

  test('an Array subclass is carried as an array, as structuredClone does', () => {
    class List extends Array<number> {}
    const l = List.from([1, 2]);
    const out = roundTrip(l);
    assert.equal(Object.getPrototypeOf(out), Array.prototype);
    assert.deepStrictEqual(out, [1, 2]);
  });

  test('a getter that encodes while its item is being encoded gets a TypeError; nothing is corrupted', () => {
    const inner: unknown[] = [];
    const item = {
      a: 'before',
      get b(): string {
        try {
          encode(42, 'Queue.put');
          inner.push('encoded');
        } catch (e) {
          inner.push((e as Error).message);
        }
        return 'b';
      },
      c: [1, 2, 3],
    };
    assert.deepStrictEqual(roundTrip(item), { a: 'before', b: 'b', c: [1, 2, 3] });
    assert.deepStrictEqual(inner, [
      'Queue.put: cannot encode an item while another is being encoded on this thread (from a getter)',
    ]);
    assert.equal(roundTrip(7), 7);
  });

  test('a getter that throws passes its error through and leaves the encoder ready', () => {
    const boom = new Error('getter failed');
    const o = {
      ok: 1,
      get bad(): never {
        throw boom;
      },
    };
    assert.throws(
      () => encode(o, 'Queue.put'),
      (e) => e === boom,
    );
    assert.deepStrictEqual(roundTrip([1, 2, 3]), [1, 2, 3]);
  });
});

describe('codec: bytes', () => {
  test('the scratch is reused: a view valid until the next encode, reused for small items', () => {
    const a = encode(1, 'x');
    assert.deepStrictEqual([...a], [...encode(1, 'x')]);
    assert.equal(decode(encode(2, 'x')), 2);
    // A small view over the scratch may be the same object each time; its bytes are the latest.
    const b = encode('abc', 'x');
    assert.equal(decode(b), 'abc');
  });

  test('the scratch grows for a big item and a small one after it still works', () => {
    const big = 'y'.repeat(10 << 20);
    assert.equal(roundTrip(big).length, big.length);
    assert.equal(roundTrip(7), 7);
  });

  test('decode reads from a view over a SharedArrayBuffer at an odd offset and keeps no reference', () => {
    const value = {
      n: 1.5,
      s: 'short',
      long: 'long string '.repeat(20),
      lone: `\ud800${'x'.repeat(80)}`,
      bytes: new Float64Array([1, 2]),
      big: 2n ** 100n,
      when: new Date(1),
    };
    const bytes = encode(value, 'x');
    const sab = new SharedArrayBuffer(bytes.length + 7);
    const view = new Uint8Array(sab, 3, bytes.length);
    view.set(bytes);
    const out = decode(view) as typeof value;
    assert.deepStrictEqual(out, structuredClone(value));
    assert.ok(!(out.bytes.buffer instanceof SharedArrayBuffer), 'copied out of the shared memory');
    view.fill(0);
    assert.deepStrictEqual(out, structuredClone(value), 'nothing of the result still reads the shared bytes');
  });

  test('decode in another thread reads what this thread encoded', async () => {
    const value = { id: 7, name: 'worker', tags: ['a', 'b', 'c'], at: new Date(3), e: new RangeError('r') };
    const bytes = encode(value, 'x');
    const sab = new SharedArrayBuffer(bytes.length);
    new Uint8Array(sab).set(bytes);
    const codec = new URL('../src/codec.js', import.meta.url).href;
    const worker = new Worker(
      `import { workerData, parentPort } from 'node:worker_threads';
       const { decode, encode } = await import(workerData.codec);
       const v = decode(new Uint8Array(workerData.sab));
       parentPort.postMessage({ ok: v.e instanceof RangeError, back: encode(v, 'x').slice() });`,
      { eval: true, workerData: { sab, codec } },
    );
    const reply = await new Promise<{ ok: boolean; back: Uint8Array }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    assert.ok(reply.ok);
    assert.deepStrictEqual(decode(reply.back), structuredClone(value));
  });

  test('decode(bytes, start, end) reads one item inside a bigger view, as a queue stores them', () => {
    const sab = new SharedArrayBuffer(256);
    const all = new Uint8Array(sab);
    const items: unknown[] = [5, 'text', { k: [1, 2] }, new Uint8Array([1, 2, 3]), -0, 1e300];
    const places: [number, number][] = [];
    let at = 16;
    for (const item of items) {
      const bytes = encode(item, 'x');
      all.set(bytes, at);
      places.push([at, at + bytes.length]);
      at = (at + bytes.length + 7) & ~7;
    }
    items.forEach((item, i) => {
      const [start, end] = places[i]!;
      assert.deepStrictEqual(decode(all, start, end), structuredClone(item));
    });
  });

  test('a corrupt item is an Error, not a wrong value', () => {
    assert.throws(() => decode(new Uint8Array([200])), /corrupt item \(unknown tag 200/);
    assert.throws(() => decode(new Uint8Array([9, 5, 65])), /corrupt item \(truncated string/);
    assert.throws(() => decode(new Uint8Array([4, 1, 0])), /corrupt item \(bytes after the value/);
    assert.throws(() => decode(new Uint8Array([17, 2, 3])), /corrupt item \(truncated item/);
    assert.throws(() => decode(new Uint8Array([]), 0, 0), /corrupt item \(truncated item/);
  });
});

describe('codec: compare (Python ordering for PriorityQueue)', () => {
  const sign = (n: number) => Math.sign(n);

  test('numbers, bigints and booleans by value, mixed', () => {
    assert.equal(sign(compare(1, 2)), -1);
    assert.equal(sign(compare(2, 1)), 1);
    assert.equal(compare(1, 1), 0);
    assert.equal(compare(0, -0), 0);
    assert.equal(sign(compare(1n, 1.5)), -1);
    assert.equal(sign(compare(2n ** 64n, 2 ** 64 + 4096)), -1);
    assert.equal(compare(2n ** 64n, 2 ** 64), 0);
    assert.equal(sign(compare(-(2n ** 80n), -Infinity)), 1);
    assert.equal(compare(true, 1), 0);
    assert.equal(compare(false, 0n), 0);
    assert.equal(sign(compare(false, true)), -1);
    assert.equal(sign(compare(true, 0.5)), 1);
  });

  test('NaN: greater than every number, equal to NaN, so the order stays total', () => {
    assert.equal(sign(compare(NaN, Infinity)), 1);
    assert.equal(sign(compare(-Infinity, NaN)), -1);
    assert.equal(sign(compare(NaN, 10n ** 400n)), 1);
    assert.equal(compare(NaN, NaN), 0);
  });

  test('strings as < does (UTF-16 code units)', () => {
    assert.equal(sign(compare('a', 'b')), -1);
    assert.equal(sign(compare('b', 'a')), 1);
    assert.equal(sign(compare('a', 'ab')), -1);
    assert.equal(compare('', ''), 0);
    assert.equal(sign(compare('\uffff', '😀')), 1); // code units, as '<' compares
    assert.equal(sign(compare('Z', 'a')), -1);
  });

  test('arrays as tuples: element by element, then by length', () => {
    assert.equal(sign(compare([1, 'b'], [1, 'c'])), -1);
    assert.equal(sign(compare([2], [1, 99])), 1);
    assert.equal(sign(compare([1], [1, 0])), -1);
    assert.equal(compare([], []), 0);
    assert.equal(sign(compare([[1, 2], 3], [[1, 3], 0])), -1);
    // Equal elements are skipped even when they are not orderable (Python's == before <).
    assert.equal(sign(compare([null, 1], [null, 2])), -1);
    assert.equal(sign(compare([{ a: 1 }, 1], [{ a: 1 }, 2])), -1);
    assert.equal(sign(compare([1, { a: 1 }], [2, () => 0])), -1, 'decided before the unorderable pair');
    assert.equal(compare([1, 'x'], [1n, 'x']), 0);
  });

  test('anything else is a TypeError naming both kinds', () => {
    const cases: [unknown, unknown, RegExp][] = [
      ['a', 1, /^'<' not supported between a string and a number$/],
      [1, 'a', /between a number and a string/],
      [null, null, /between null and null/],
      [undefined, 1, /between undefined and a number/],
      [{}, {}, /between an object and an object/],
      [[1], 1, /between an array and a number/],
      [new Date(1), new Date(2), /between a Date and a Date/],
      [[1, 'a'], [1, 2], /between a string and a number/],
      [[{ a: 1 }], [{ a: 2 }], /between an object and an object/],
    ];
    for (const [a, b, message] of cases) {
      assert.throws(
        () => compare(a, b),
        (e: unknown) =>
          e instanceof TypeError &&
          message.test(e.message) &&
          (e as { code?: string }).code === 'WEFT_BAD_ARGUMENT',
      );
    }
  });

  test('sorting with compare gives Python sorted() order for priority tuples', () => {
    const items: unknown[] = [
      [2, 'b'],
      [1, 'z'],
      [2, 'a'],
      [NaN, 'n'],
      [1n, 'y'],
      [-Infinity, 'first'],
      [true, 'x'],
    ];
    const sorted = [...items].sort(compare);
    assert.deepStrictEqual(sorted, [
      [-Infinity, 'first'],
      [true, 'x'],
      [1n, 'y'],
      [1, 'z'],
      [2, 'a'],
      [2, 'b'],
      [NaN, 'n'],
    ]);
  });
});

describe('codec: compareEncoded (the same order, on the bytes)', () => {
  const bytes = (v: unknown) => encode(v, 'test').slice();
  const sign = (n: number) => Math.sign(n) || 0;

  test('numbers, strings and priority tuples, decided on the bytes', () => {
    const pairs: [unknown, unknown][] = [
      [1, 2],
      [-1.5, -2],
      [NaN, Infinity],
      [true, 0],
      [2n ** 62n, 2 ** 62],
      ['abc', 'abd'],
      ['é', '日'],
      ['\uffff', '😀'],
      [
        [1, 'job'],
        [1, 'jab'],
      ],
      [
        [2, 0, { payload: [1, 2, 3] }],
        [1, 9, { other: true }],
      ],
      [
        [null, 1],
        [null, 2],
      ],
      [[1], [1, 0]],
      [
        [undefined, 'x'],
        [undefined, 'x'],
      ],
    ];
    for (const [a, b] of pairs) {
      assert.equal(
        sign(compareEncoded(bytes(a), bytes(b))),
        sign(compare(a, b)),
        `${String(a)} vs ${String(b)}`,
      );
      assert.equal(sign(compareEncoded(bytes(b), bytes(a))), sign(compare(b, a)));
    }
  });

  test('anything else falls back to decoding, with compare()s result or TypeError', () => {
    const long = 'z'.repeat(100);
    assert.equal(sign(compareEncoded(bytes(long), bytes('a'))), 1);
    assert.equal(sign(compareEncoded(bytes([1, { a: 1 }, 2]), bytes([1, { a: 1 }, 3]))), -1);
    assert.equal(sign(compareEncoded(bytes(2n ** 100n), bytes(1))), 1);
    assert.throws(
      () => compareEncoded(bytes('a'), bytes(1)),
      /^TypeError: '<' not supported between a string and a number$/,
    );
    assert.throws(() => compareEncoded(bytes(null), bytes(null)), /between null and null/);
    assert.throws(() => compareEncoded(bytes([1, null]), bytes([1, 2])), /between null and a number/);
  });
});
