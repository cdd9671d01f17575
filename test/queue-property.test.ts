/*
 * Property tests (fast-check) of the Queue family: random sequences of operations on each kind,
 * checked step by step against a sequential model of Python's queue module; random values
 * round-tripping through a queue (equal to what structuredClone gives); refused values leaving the
 * queue as it was; and a two-thread property (a worker's puts arrive in order, with their values).
 *
 * On one thread the model is exact. Blocking calls only poll (timeout 0 or negative: Full / Empty
 * at once); the waits that do wait are async ones on this thread (getAsync on an empty queue,
 * putAsync on a full one, joinAsync with tasks left), at most one of each at a time, each a
 * pending Promise the model tracks and that a later operation must settle: a put hands its item to
 * the waiting getter, a get lets the waiting putter in, the last taskDone() or shutdown(true)
 * releases the joiner, shutdown() rejects the waiting getter and putter with ShutDown, an abort
 * rejects with the signal's reason and changes nothing. After every operation (once the event loop
 * has turned) qsize(), empty(), full() and every waiter's state must be the model's, and at the end
 * the queue is drained with getNowait() and must give the model's items in the model's order
 * (FIFO; LIFO; PriorityQueue lowest first, equal items in put order: 0 and -0 are equal there and
 * tell apart by Object.is).
 *
 * WEFT_PROPERTY_RUNS (default 100) sets the number of random sequences per property; a failure
 * prints fast-check's seed and the shrunk sequence, and WEFT_PROPERTY_SEED replays a seed.
 */

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { Event, LifoQueue, Lock, PriorityQueue, Queue, SimpleQueue } from 'weft-threading';
import { runInWorker, watchdog } from './helpers.js';

const RUNS = Number(process.env.WEFT_PROPERTY_RUNS ?? 100);
const SEED =
  process.env.WEFT_PROPERTY_SEED === undefined ? undefined : Number(process.env.WEFT_PROPERTY_SEED);
function params<T>(numRuns = RUNS): fc.Parameters<T> {
  const p: fc.Parameters<T> = { numRuns, includeErrorInReport: true };
  return SEED === undefined ? p : { ...p, seed: SEED };
}

const stats = { runs: 0, ops: 0, waits: 0, settled: 0, refused: 0, values: 0, failed: 0 };
after(() => {
  console.log(
    `queue property runs: ${stats.ops} operations (${stats.waits} async waits, ${stats.settled} settled by ` +
      `a later operation), ${stats.refused} refused calls, ${stats.values} values round-tripped in ` +
      `${stats.runs} random runs; ${stats.failed} properties failed`,
  );
});

async function check<T>(property: fc.IAsyncProperty<T>, numRuns = RUNS): Promise<void> {
  stats.runs += numRuns;
  try {
    await fc.assert(property, params(numRuns));
  } catch (error) {
    stats.failed++;
    throw error;
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await turn();
}

/** A Promise whose state can be read synchronously. */
class Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  value: T | undefined;
  error: unknown;
  readonly controller = new AbortController();
  readonly reason = new Error('aborted by the property test');
  constructor(
    readonly what: string,
    start: (signal: AbortSignal) => Promise<T>,
  ) {
    let p: Promise<T>;
    try {
      p = start(this.controller.signal);
    } catch (error) {
      throw new Error(`${what} threw synchronously instead of rejecting: ${String(error)}`);
    }
    assert.ok(p instanceof Promise, `${what} returned a Promise`);
    p.then(
      (v) => {
        this.state = 'fulfilled';
        this.value = v;
      },
      (e: unknown) => {
        this.state = 'rejected';
        this.error = e;
      },
    );
  }
}

/** The name of what `fn` threw, or undefined if it returned. */
function thrown(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as Error).name;
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* The model                                                                                       */

type Kind = 'Queue' | 'LifoQueue' | 'PriorityQueue' | 'SimpleQueue';

/** Python's comparison for the items these runs use: numbers, or arrays of numbers. */
function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = a as number[];
  const y = b as number[];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const c = compare(x[i], y[i]);
    if (c !== 0) return c;
  }
  return x.length - y.length;
}

class Model {
  items: { v: unknown; seq: number }[] = [];
  unfinished = 0;
  shut = false;
  #seq = 0;
  constructor(
    readonly kind: Kind,
    readonly maxsize: number,
  ) {}
  get full(): boolean {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }
  push(v: unknown): void {
    this.items.push({ v, seq: this.#seq++ });
    this.unfinished++;
  }
  take(): unknown {
    if (this.kind === 'LifoQueue') return this.items.pop()!.v;
    if (this.kind === 'PriorityQueue') {
      let best = 0;
      for (let i = 1; i < this.items.length; i++) {
        const c = compare(this.items[i]!.v, this.items[best]!.v);
        if (c < 0 || (c === 0 && this.items[i]!.seq < this.items[best]!.seq)) best = i;
      }
      return this.items.splice(best, 1)[0]!.v;
    }
    return this.items.shift()!.v;
  }
}

/** What an operation does; `how` picks the form. */
type Op =
  | { op: 'put'; v: unknown; how: 'nowait' | 'poll' | 'async' | 'async0' }
  | { op: 'get'; how: 'nowait' | 'poll' | 'async' | 'async0' }
  | { op: 'abort'; which: 'get' | 'put' | 'join' }
  | { op: 'taskDone' }
  | { op: 'join'; how: 'poll' | 'async' }
  | { op: 'shutdown'; immediate: boolean }
  | { op: 'bad'; which: number; v: unknown };

function opsArb(kind: Kind, value: fc.Arbitrary<unknown>): fc.Arbitrary<Op[]> {
  const common: fc.Arbitrary<Op>[] = [
    value.chain((v) =>
      fc
        .constantFrom<'nowait' | 'poll' | 'async' | 'async0'>('nowait', 'poll', 'async', 'async0')
        .map((how): Op => ({ op: 'put', v, how })),
    ),
    fc
      .constantFrom<'nowait' | 'poll' | 'async' | 'async0'>('nowait', 'poll', 'async', 'async0')
      .map((how): Op => ({ op: 'get', how })),
    fc
      .constantFrom<'get' | 'put' | 'join'>('get', 'put', 'join')
      .map((which): Op => ({ op: 'abort', which })),
    fc.tuple(fc.integer({ min: 0, max: 7 }), value).map(([which, v]): Op => ({ op: 'bad', which, v })),
  ];
  const full: fc.Arbitrary<Op>[] =
    kind === 'SimpleQueue'
      ? []
      : [
          fc.constant<Op>({ op: 'taskDone' }),
          fc.constantFrom<'poll' | 'async'>('poll', 'async').map((how): Op => ({ op: 'join', how })),
          fc.boolean().map((immediate): Op => ({ op: 'shutdown', immediate })),
        ];
  const weighted = [
    ...common.map((arbitrary, i) => ({ weight: i < 2 ? 6 : 1, arbitrary })),
    ...full.map((arbitrary, i) => ({ weight: i === 2 ? 1 : 3, arbitrary })),
  ];
  return fc.array(fc.oneof(...weighted), { maxLength: 60, size: 'large' });
}

type AnyQueue = Queue<unknown> | SimpleQueue<unknown>;

function make(kind: Kind, maxsize: number): AnyQueue {
  if (kind === 'SimpleQueue') return new SimpleQueue();
  if (kind === 'LifoQueue') return new LifoQueue(maxsize);
  if (kind === 'PriorityQueue') return new PriorityQueue(maxsize);
  return new Queue(maxsize);
}

const same = (a: unknown, b: unknown): boolean =>
  typeof a === 'number' ? Object.is(a, b) : JSON.stringify(a) === JSON.stringify(b);

/** Runs `ops` on a new queue and on the model, checking after each. */
async function runOps(kind: Kind, maxsize: number, ops: Op[]): Promise<void> {
  const q = make(kind, maxsize);
  const m = new Model(kind, kind === 'SimpleQueue' ? 0 : maxsize);
  const full = q instanceof Queue ? q : undefined;
  let getter: { t: Tracked<unknown>; expect?: { v: unknown } | { error: string } } | undefined;
  let putter: { t: Tracked<void>; v: unknown; expect?: { ok: true } | { error: string } } | undefined;
  let joiner: { t: Tracked<boolean>; expect?: { ok: true } | { error: string } } | undefined;
  const log: string[] = [];

  /** The model's consequences of a change: hand items to the getter, let the putter in, release the joiner. */
  const propagate = (): void => {
    for (;;) {
      if (getter !== undefined && getter.expect === undefined && m.items.length > 0) {
        getter.expect = { v: m.take() };
        stats.settled++;
        continue;
      }
      if (putter !== undefined && putter.expect === undefined && !m.shut && !m.full) {
        m.push(putter.v);
        putter.expect = { ok: true };
        stats.settled++;
        continue;
      }
      break;
    }
    if (joiner !== undefined && joiner.expect === undefined && m.unfinished === 0) {
      joiner.expect = { ok: true };
      stats.settled++;
    }
  };

  const verify = (where: string): void => {
    const at = `${where} (after ${log.join('; ')})`;
    assert.equal(q.qsize(), m.items.length, `qsize() ${at}`);
    assert.equal(q.empty(), m.items.length === 0, `empty() ${at}`);
    if (full !== undefined) assert.equal(full.full(), m.full, `full() ${at}`);
    for (const [name, w] of [
      ['getAsync', getter],
      ['putAsync', putter],
      ['joinAsync', joiner],
    ] as const) {
      if (w === undefined) continue;
      const t = w.t as Tracked<unknown>;
      const e = w.expect;
      if (e === undefined) {
        assert.equal(
          t.state,
          'pending',
          `${name} should still wait ${at}; it ${t.state} (${String(t.error ?? t.value)})`,
        );
        continue;
      }
      if ('error' in e) {
        assert.equal(t.state, 'rejected', `${name} should reject with ${e.error} ${at}`);
        if (e.error === 'reason') assert.equal(t.error, t.reason, `${name}: the signal's reason ${at}`);
        else assert.equal((t.error as Error).name, e.error, `${name} ${at}`);
      } else {
        assert.equal(
          t.state,
          'fulfilled',
          `${name} should fulfil ${at}; ${t.state} ${String(t.error ?? '')}`,
        );
        if ('v' in e)
          assert.ok(same(t.value, e.v), `${name} got ${String(t.value)}, model ${String(e.v)} ${at}`);
        if (name === 'joinAsync') assert.equal(t.value, true, `joinAsync ${at}`);
      }
    }
    if (getter?.expect !== undefined) getter = undefined;
    if (putter?.expect !== undefined) putter = undefined;
    if (joiner?.expect !== undefined) joiner = undefined;
  };

  /** A synchronous call: must throw `error` (a name) or return (the model said so). */
  const sync = <T>(what: string, fn: () => T, error: string | undefined): T | undefined => {
    let value: T | undefined;
    let name: string | undefined;
    try {
      value = fn();
    } catch (e) {
      name = (e as Error).name;
      if (error === undefined) throw new Error(`${what} threw ${name}: ${(e as Error).message}`);
    }
    assert.equal(
      name,
      error,
      `${what}: ${error === undefined ? 'returned' : `threw ${error}`} (after ${log.join('; ')})`,
    );
    if (error !== undefined) stats.refused++;
    return value;
  };

  try {
    for (const o of ops) {
      stats.ops++;
      const s = JSON.stringify(o, (_k, v) => (Object.is(v, -0) ? '-0' : v));
      log.push(s);
      if (log.length > 12) log.shift();
      switch (o.op) {
        case 'put': {
          const refuse = kind !== 'SimpleQueue' && m.shut ? 'ShutDown' : m.full ? 'Full' : undefined;
          if (o.how === 'nowait' || o.how === 'poll') {
            const t = o.how === 'poll' ? -1 : undefined;
            sync(`put ${s}`, () => (o.how === 'poll' && full ? full.put(o.v, t) : q.putNowait(o.v)), refuse);
            if (refuse === undefined) m.push(o.v);
          } else if (full === undefined) {
            sync(`put ${s}`, () => q.put(o.v), undefined);
            m.push(o.v);
          } else if (o.how === 'async0' || refuse !== 'Full' || putter !== undefined) {
            // putAsync that must settle now: with 0, or when it need not wait.
            const tr = new Tracked(`putAsync ${s}`, (signal) => full.putAsync(o.v, 0, { signal }));
            await settle();
            const e = refuse;
            assert.equal(tr.state, e === undefined ? 'fulfilled' : 'rejected', `putAsync(v, 0) ${s}`);
            if (e !== undefined) assert.equal((tr.error as Error).name, e);
            else m.push(o.v);
          } else {
            stats.waits++;
            putter = {
              t: new Tracked(`putAsync ${s}`, (signal) => full.putAsync(o.v, undefined, { signal })),
              v: o.v,
            };
          }
          break;
        }
        case 'get': {
          const empty = m.items.length === 0;
          const refuse = empty ? (m.shut ? 'ShutDown' : 'Empty') : undefined;
          if (o.how === 'nowait' || o.how === 'poll') {
            const v = sync(`get ${s}`, () => (o.how === 'poll' ? q.get(-0.5) : q.getNowait()), refuse);
            if (refuse === undefined) {
              const e = m.take();
              assert.ok(same(v, e), `get ${s}: got ${String(v)}, model ${String(e)}`);
            }
          } else if (o.how === 'async0' || !empty || m.shut || getter !== undefined) {
            const tr = new Tracked(`getAsync ${s}`, (signal) => q.getAsync(0, { signal }));
            await settle();
            assert.equal(tr.state, refuse === undefined ? 'fulfilled' : 'rejected', `getAsync(0) ${s}`);
            if (refuse !== undefined) assert.equal((tr.error as Error).name, refuse);
            else {
              const e = m.take();
              assert.ok(same(tr.value, e), `getAsync(0): got ${String(tr.value)}, model ${String(e)}`);
            }
          } else {
            stats.waits++;
            getter = { t: new Tracked(`getAsync ${s}`, (signal) => q.getAsync(undefined, { signal })) };
          }
          break;
        }
        case 'abort': {
          const w = o.which === 'get' ? getter : o.which === 'put' ? putter : joiner;
          if (w !== undefined && w.expect === undefined) {
            w.t.controller.abort(w.t.reason);
            w.expect = { error: 'reason' };
          }
          break;
        }
        case 'taskDone': {
          sync('taskDone()', () => full!.taskDone(), m.unfinished === 0 ? 'ValueError' : undefined);
          if (m.unfinished > 0) m.unfinished--;
          break;
        }
        case 'join': {
          if (o.how === 'poll' || joiner !== undefined || m.unfinished === 0) {
            assert.equal(full!.join(0), m.unfinished === 0, `join(0) (after ${log.join('; ')})`);
          } else {
            stats.waits++;
            joiner = { t: new Tracked('joinAsync()', (signal) => full!.joinAsync(undefined, { signal })) };
          }
          break;
        }
        case 'shutdown': {
          full!.shutdown(o.immediate);
          m.shut = true;
          if (o.immediate) {
            m.unfinished = Math.max(0, m.unfinished - m.items.length);
            m.items = [];
          }
          if (putter !== undefined && putter.expect === undefined) putter.expect = { error: 'ShutDown' };
          if (getter !== undefined && getter.expect === undefined && m.items.length === 0) {
            getter.expect = { error: 'ShutDown' };
          }
          break;
        }
        case 'bad': {
          // Bad arguments: the documented error, and nothing changes.
          const calls: [string, () => unknown, string][] = full
            ? [
                ['put(v, NaN)', () => full.put(o.v, Number.NaN), 'RangeError'],
                ["put(v, '1')", () => full.put(o.v, '1' as never), 'TypeError'],
                ['get(NaN)', () => q.get(Number.NaN), 'RangeError'],
                ['get(null)', () => q.get(null as never), 'TypeError'],
                ['putNowait(a function inside)', () => q.putNowait({ ok: 1, f: () => 1 }), 'TypeError'],
                ['putNowait(Symbol)', () => q.putNowait(Symbol('x')), 'TypeError'],
                ['putNowait(a Lock)', () => q.putNowait([1, new Lock()]), 'TypeError'],
                ['shutdown(1)', () => full.shutdown(1 as never), 'TypeError'],
              ]
            : [
                ['get(NaN)', () => q.get(Number.NaN), 'RangeError'],
                ['get(null)', () => q.get(null as never), 'TypeError'],
                ["get('1')", () => q.get('1' as never), 'TypeError'],
                ['put(a function)', () => q.put(() => 1), 'TypeError'],
                ['putNowait(a function inside)', () => q.putNowait({ ok: 1, f: () => 1 }), 'TypeError'],
                ['putNowait(Symbol)', () => q.putNowait(Symbol('x')), 'TypeError'],
                ['putNowait(a Lock)', () => q.putNowait([1, new Lock()]), 'TypeError'],
                ['putNowait(a SharedArrayBuffer)', () => q.putNowait(new SharedArrayBuffer(8)), 'TypeError'],
              ];
          const [what, fn, error] = calls[o.which]!;
          const before = q.qsize();
          const name = thrown(fn);
          assert.equal(name, error, `${what} on ${kind} (after ${log.join('; ')})`);
          stats.refused++;
          assert.equal(q.qsize(), before, `${what} changed qsize()`);
          const tr = new Tracked(`getAsync('x')`, () => q.getAsync('x' as never));
          await settle();
          assert.equal(tr.state, 'rejected', "getAsync('x') rejects");
          assert.equal((tr.error as Error).name, 'TypeError');
          break;
        }
      }
      propagate();
      await settle();
      verify(s);
    }
  } finally {
    // No wait may stay pending: it would keep the process alive.
    for (const w of [getter, putter, joiner]) w?.t.controller.abort(w.t.reason);
    await settle();
  }
  // Drain: the items left, in the model's order.
  const left: unknown[] = [];
  for (;;) {
    try {
      left.push(q.getNowait());
    } catch (error) {
      assert.ok(['Empty', 'ShutDown'].includes((error as Error).name), `drain: ${(error as Error).name}`);
      break;
    }
  }
  const expected: unknown[] = [];
  while (m.items.length > 0) expected.push(m.take());
  assert.equal(left.length, expected.length, `items left (after ${log.join('; ')})`);
  for (const [i, v] of left.entries()) {
    assert.ok(same(v, expected[i]), `drained item ${i}: ${String(v)}, model ${String(expected[i])}`);
  }
}

const small = fc.oneof(fc.integer({ min: -5, max: 99 }), fc.constantFrom('a', 'b', '', 'é'));
/** PriorityQueue items of one run: numbers (0 and -0 equal: put order must hold) or [p, n] pairs. */
const priority = fc.oneof(
  fc.constant(fc.constantFrom<unknown>(0, -0, 1, 2, 3, -1, 2.5)),
  fc.constant(
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })) as fc.Arbitrary<unknown>,
  ),
);

describe('Queue family against a sequential model', () => {
  for (const kind of ['Queue', 'LifoQueue', 'PriorityQueue', 'SimpleQueue'] as Kind[]) {
    test(`${kind}: random operations`, async () => {
      const values = kind === 'PriorityQueue' ? priority : fc.constant(small as fc.Arbitrary<unknown>);
      await check(
        fc.asyncProperty(
          fc.constantFrom(0, 1, 2, 3, -1),
          values.chain((v) => opsArb(kind, v)),
          async (maxsize, ops) => runOps(kind, maxsize, ops),
        ),
      );
    });
  }
});

/* ---------------------------------------------------------------------------------------------- */
/* Values                                                                                          */

/** What JSON carries unchanged (finite numbers, no -0): what the stand-in codec also carries. */
const jsonNumber = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x));
const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, 1e300, -1.5, 2 ** 53),
    jsonNumber,
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 5 }), tie('v'), { maxKeys: 4 }),
  ),
})).v;
/** A value of its own: also the numbers JSON cannot write (NaN, -0, the infinities) alone. */
const topLevel = fc.oneof(
  jsonish,
  fc.constantFrom<unknown>(Number.NaN, -0, Number.POSITIVE_INFINITY, -1e-300),
);

/** Everything the contract lists. */
const carried: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(undefined, null, true, false, 0, -0, Number.NaN, Number.NEGATIVE_INFINITY),
    fc.double(),
    fc.bigInt(),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.date({ noInvalidDate: false }),
    fc.uint8Array({ maxLength: 16 }),
    fc.int32Array({ maxLength: 8 }),
    fc.float64Array({ maxLength: 4 }),
    fc.uint8Array({ maxLength: 16 }).map((u) => u.buffer),
    fc.uint8Array({ maxLength: 16 }).map((u) => new DataView(u.buffer)),
    fc
      .tuple(fc.constantFrom(Error, TypeError, RangeError), fc.string({ maxLength: 8 }))
      .map(([E, m]) => new E(m)),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 5 }), tie('v'), { maxKeys: 4 }),
    fc.array(fc.tuple(tie('v'), tie('v')), { maxLength: 3 }).map((kv) => new Map(kv)),
    fc.array(tie('v'), { maxLength: 3 }).map((vs) => new Set(vs)),
  ),
})).v;

/** Whether the queue's codec carries the whole contract (the stand-in before branch codec does not). */
function fullCodec(): boolean {
  const q = new Queue();
  try {
    q.putNowait(new Map<unknown, unknown>([[1n, new Date(0)]]));
    const v = q.getNowait() as Map<unknown, unknown>;
    return v instanceof Map && v.get(1n) instanceof Date;
  } catch {
    return false;
  }
}

/** Equal as after structuredClone; Errors by name, message and stack. */
function assertCloneEqual(got: unknown, sent: unknown): void {
  const clone = structuredClone(sent);
  if (clone instanceof Error) {
    assert.ok(got instanceof Error, 'an Error');
    const e = got as Error;
    assert.deepEqual([e.name, e.message, e.stack], [clone.name, clone.message, clone.stack]);
    return;
  }
  assert.deepStrictEqual(got, clone);
}

describe('values through a queue', () => {
  test('JSON-like values round-trip equal to structuredClone, through every kind but PriorityQueue', async () => {
    await check(
      fc.asyncProperty(fc.array(topLevel, { minLength: 1, maxLength: 6 }), async (vs) => {
        for (const q of [new Queue(), new LifoQueue(), new SimpleQueue()] as AnyQueue[]) {
          for (const v of vs) q.putNowait(v);
          const back = vs.map(() => q.getNowait());
          if (q instanceof LifoQueue) back.reverse();
          for (const [i, b] of back.entries()) assertCloneEqual(b, vs[i]);
          stats.values += vs.length;
        }
        const q = new Queue();
        await q.putAsync(vs[0]);
        assertCloneEqual(await q.getAsync(), vs[0]);
      }),
    );
  });

  const full = fullCodec();
  test('every value the contract lists round-trips equal to structuredClone (Map, Set, bigint, Date, typed arrays, Errors...)', {
    skip: full ? false : 'the queue still uses the stand-in codec (branch codec not merged)',
  }, async () => {
    await check(
      fc.asyncProperty(carried, async (v) => {
        const q = new Queue();
        q.put(v);
        assertCloneEqual(q.get(), v);
        stats.values++;
      }),
    );
  });

  test('a refused value (nested anywhere) is a TypeError and leaves the queue as it was', async () => {
    const refusedArb = fc.constantFrom<[string, () => unknown]>(
      ['a function', () => () => 1],
      ['a symbol', () => Symbol('s')],
      ['a SharedArrayBuffer', () => new SharedArrayBuffer(8)],
      ['a weft Event', () => new Event()],
      [
        'a class instance',
        () =>
          new (class Point {
            x = 1;
          })(),
      ],
    );
    await check(
      fc.asyncProperty(
        fc.array(small, { maxLength: 4 }),
        refusedArb,
        fc.constantFrom('top', 'array', 'object', 'deep'),
        fc.constantFrom('putNowait', 'put', 'putAsync'),
        async (before, [name, make], where, how) => {
          const q = new Queue(10);
          for (const v of before) q.putNowait(v);
          const bad = make();
          const value =
            where === 'top'
              ? bad
              : where === 'array'
                ? [1, bad]
                : where === 'object'
                  ? { a: 1, bad }
                  : { a: [{ b: [bad] }] };
          let error: unknown;
          try {
            if (how === 'putAsync') await q.putAsync(value);
            else if (how === 'put') q.put(value, 0);
            else q.putNowait(value);
          } catch (e) {
            error = e;
          }
          // A class instance is refused by the contract; the JSON stand-in codec lets it through.
          if (name === 'a class instance' && error === undefined && !full) return;
          assert.ok(error instanceof TypeError, `${how}(${name} at ${where}): ${String(error)}`);
          stats.refused++;
          assert.equal(q.qsize(), before.length, 'nothing was enqueued');
          assert.equal(q.join(0), before.length === 0, 'nothing was counted for join');
          for (const v of before) assert.ok(same(q.getNowait(), v), 'the items before are intact');
          assert.equal(q.empty(), true);
        },
      ),
    );
  });

  test('PriorityQueue: a put that would compare incomparable items is a TypeError, queue unchanged', async () => {
    await check(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom<unknown>('x', [1], { a: 1 }, null),
        async (nums, other) => {
          const q = new PriorityQueue();
          for (const n of nums) q.putNowait(n);
          assert.equal(
            thrown(() => q.putNowait(other)),
            'TypeError',
            `put(${JSON.stringify(other)}) among numbers`,
          );
          assert.equal(q.qsize(), nums.length);
          const out = nums.map(() => q.getNowait());
          assert.deepEqual(
            out,
            [...nums].sort((a, b) => a - b),
          );
        },
      ),
    );
  });
});

/* ---------------------------------------------------------------------------------------------- */
/* Across threads                                                                                  */

test('a worker puts random values; main gets them (getAsync) in order, equal to the values sent', async () => {
  await check(
    fc.asyncProperty(
      fc.array(jsonish, { minLength: 1, maxLength: 20 }),
      fc.constantFrom(0, 1, 3),
      async (vs, maxsize) => {
        const q = new Queue(maxsize);
        const worker = runInWorker('queue-property', 'putAll', q, vs);
        for (const v of vs) assertCloneEqual(await watchdog(q.getAsync(), 10_000, 'getAsync'), v);
        assert.equal(await watchdog(worker.result, 10_000, 'the worker'), vs.length);
        stats.values += vs.length;
      },
    ),
    Math.max(5, Math.floor(RUNS / 10)),
  );
});
