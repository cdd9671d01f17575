/*
 * Sharing, per API.md: an Event, Semaphore or BoundedSemaphore that crossed threads (structuredClone,
 * workerData, postMessage; alone or nested) arrives as a plain object, and X.from / revive give back a
 * live object on the same shared memory. Anything else given to X.from is a TypeError with code
 * WEFT_BAD_HANDLE, never a half-working object. util.inspect shows the state as API.md spells it.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { format, inspect } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  Lock,
  RLock,
  revive,
  Semaphore,
  Timer,
  ValueError,
} from 'weft-threading';
import { runInWorker, watchdog } from './helpers.js';

type From = (value: unknown) => unknown;
const FROMS: readonly [string, From][] = [
  ['Event', (v) => Event.from(v)],
  ['Semaphore', (v) => Semaphore.from(v)],
  ['BoundedSemaphore', (v) => BoundedSemaphore.from(v)],
];

/** Asserts that `fn` throws a TypeError with code WEFT_BAD_HANDLE whose message names `kind`. */
function badHandle(fn: () => unknown, kind: string, what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TypeError, `${kind}.from(${what}): expected a TypeError, got ${String(e)}`);
    assert.equal((e as { code?: string }).code, 'WEFT_BAD_HANDLE', `${kind}.from(${what}): code`);
    assert.match((e as Error).message, new RegExp(`${kind}\\.from`), `${kind}.from(${what}): message`);
    return true;
  });
}

describe('sharing', () => {
  test('X.from on a live object returns that object', () => {
    const e = new Event();
    const s = new Semaphore(2);
    const b = new BoundedSemaphore(3);
    assert.equal(Event.from(e), e);
    assert.equal(Semaphore.from(s), s);
    assert.equal(BoundedSemaphore.from(b), b);
    assert.equal(Semaphore.from(b), b, 'a BoundedSemaphore is a Semaphore');
  });

  test('a copy carries only _i32 and _at: the kind is read from the tag word (issue 13: two fields per handle)', () => {
    const made = [
      new Event(),
      new Lock(),
      new RLock(),
      new Semaphore(2),
      new BoundedSemaphore(2),
      new Condition(),
    ];
    for (const live of made) {
      const copy = structuredClone(live) as object;
      const keys = Object.keys(copy).filter((k) => k !== 'lock' && k !== '_timeout');
      assert.deepEqual(keys.sort(), ['_at', '_i32'], `${live.__weft}: ${keys.join(', ')}`);
      assert.equal(revive(copy).constructor, live.constructor);
    }
    const bounded = revive(structuredClone(new BoundedSemaphore(3)));
    assert.ok(bounded instanceof BoundedSemaphore);
    assert.equal(bounded.__weft, 'BoundedSemaphore');
    assert.throws(() => Event.from(structuredClone(new Lock())), /got a plain copy of a Lock \(/);
  });

  test("X.from on structuredClone'd copies: plain objects, live again on the same memory", () => {
    const e = new Event();
    const s = new Semaphore(2);
    const b = new BoundedSemaphore(3);
    const [ce, cs, cb] = structuredClone([e, s, b]);
    for (const copy of [ce, cs, cb]) assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    const e2 = Event.from(ce);
    const s2 = Semaphore.from(cs);
    const b2 = BoundedSemaphore.from(cb);
    assert.ok(e2 instanceof Event && e2 !== e);
    assert.ok(s2 instanceof Semaphore && !(s2 instanceof BoundedSemaphore));
    assert.ok(b2 instanceof BoundedSemaphore);
    assert.ok(Semaphore.from(cb) instanceof BoundedSemaphore, 'Semaphore.from keeps the bounded kind');
    // Same memory, both ways.
    e2.set();
    assert.equal(e.isSet(), true);
    e.clear();
    assert.equal(e2.isSet(), false);
    assert.equal(s2.acquire(0), true);
    assert.equal(s.value, 1);
    s.release(3);
    assert.equal(s2.value, 4);
    assert.equal(b2.acquire(0), true);
    assert.equal(b.value, 2);
    assert.throws(
      () => b2.release(2),
      (err: unknown) => err instanceof ValueError,
      'the bound crossed too',
    );
    assert.equal(b.value, 2);
    // Nested anywhere.
    const tree = structuredClone({ deep: [{ x: [e] }, { s }], b });
    Event.from(tree.deep[0]?.x?.[0]).set();
    assert.equal(e.isSet(), true);
    assert.equal(Semaphore.from((tree.deep[1] as { s: unknown }).s).value, 4);
  });

  test('postMessage: raw copies nested in a Map become live with X.from in the worker', async () => {
    const event = new Event();
    const deeper = new Event();
    const sem = new Semaphore(2);
    const bounded = new BoundedSemaphore(2);
    const box = new Map<string, unknown>([
      ['event', event],
      ['sem', sem],
      ['bounded', bounded],
      ['nested', { list: [1, { deeper }] }],
    ]);
    const w = new Worker(new URL('./fixtures/sharing.js', import.meta.url), {
      workerData: { sharingEntry: true },
    });
    try {
      const r = await watchdog(
        new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
          w.postMessage({ op: 'raw', value: box });
        }),
        10000,
        'worker',
      );
      assert.deepEqual(r, {
        eventIsPlain: true,
        semIsPlain: true,
        eventLive: true,
        boundedLive: true,
        viaBaseIsBounded: true,
        overRelease: 'ValueError',
        inspected: ['Event { set }', 'Semaphore { value: 1 }', 'BoundedSemaphore { value: 1/2 }'],
      });
    } finally {
      await w.terminate();
    }
    assert.equal(event.isSet(), true);
    assert.equal(deeper.isSet(), true);
    assert.equal(sem.value, 1);
    assert.equal(bounded.value, 1);
  });

  test('workerData: the generic worker revives nested args deeply', async () => {
    const e = new Event();
    const s = new Semaphore(0);
    const b = new BoundedSemaphore(1);
    const r = await watchdog(
      runInWorker<string[]>('sharing', 'revivedArgs', { a: [e, { s, b }], n: 7 }).result,
      10000,
      'worker',
    );
    assert.deepEqual(r, ['true', 'true', 'true', '7']);
    assert.equal(e.isSet(), true);
    assert.equal(s.value, 2);
    assert.equal(b.value, 0);
  });

  test('workerData: primitives in a Map (keys and values) or a Set arrive live (regression: they arrived dead)', async () => {
    const a = new Event();
    const b = new Event();
    const sem = new Semaphore(0);
    const lock = new Lock();
    const r = await watchdog(
      runInWorker<string[]>(
        'sharing',
        'revivedInMapAndSet',
        new Map([
          ['a', a],
          ['b', b],
        ]),
        new Map([[sem, 'sem']]),
        new Set([lock]),
      ).result,
      10000,
      'worker',
    );
    assert.deepEqual(r, ['a:true', 'b:true', 'sem:true', 'lock:true']);
    assert.equal(a.isSet() && b.isSet(), true);
    assert.equal(sem.value, 1);
    assert.equal(lock.locked(), true, 'taken in the worker, on the same memory');
    lock.release();
  });

  test('postMessage from a worker: primitives made there, nested, are live here after revive', async () => {
    const msg = await watchdog(runInWorker<unknown>('sharing', 'makeAndSend').result, 10000, 'worker');
    // The worker has exited; its primitives live on, since this thread still holds their memory.
    const copy = msg as { nested: [unknown, { sem: unknown; bounded: unknown }]; plain: string };
    assert.equal(Event.from(copy.nested[0]).isSet(), true);
    const live = revive(msg) as {
      nested: [Event, { sem: Semaphore; bounded: BoundedSemaphore }];
      plain: string;
    };
    const [event, { sem, bounded }] = live.nested;
    assert.ok(event instanceof Event && sem instanceof Semaphore && bounded instanceof BoundedSemaphore);
    assert.equal(live.plain, 'x');
    assert.equal(sem.value, 3);
    assert.equal(inspect(bounded), 'BoundedSemaphore { value: 2/3 }');
    bounded.release();
    assert.throws(
      () => bounded.release(),
      (e: unknown) => e instanceof ValueError,
    );
  });

  test('postMessage to a worker: it revives and acts; a forged handle is refused there', async () => {
    const w = new Worker(new URL('./fixtures/sharing.js', import.meta.url), {
      workerData: { sharingEntry: true },
    });
    const ask = (m: unknown): Promise<Record<string, unknown>> =>
      watchdog(
        new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
          w.postMessage(m);
        }),
        10000,
        'the worker answering',
      );
    try {
      const e = new Event();
      const s = new BoundedSemaphore(2);
      s.acquire();
      assert.deepEqual(await ask({ op: 'set', value: e }), { ok: true, inspected: 'Event { set }' });
      assert.equal(e.isSet(), true);
      assert.deepEqual(await ask({ op: 'release', value: s }), {
        ok: true,
        inspected: 'BoundedSemaphore { value: 2/2 }',
      });
      assert.deepEqual(await ask({ op: 'release', value: s }), {
        ok: false,
        name: 'ValueError',
        code: 'WEFT_VALUE',
      });
      assert.equal(s.value, 2);
      assert.deepEqual(await ask({ op: 'set', value: s }), {
        ok: false,
        name: 'TypeError',
        code: 'WEFT_BAD_HANDLE',
      });
      const forged = { __weft: 'Event', _i32: new Int32Array(new SharedArrayBuffer(8)), _at: 0 };
      assert.deepEqual(await ask({ op: 'set', value: forged }), {
        ok: false,
        name: 'TypeError',
        code: 'WEFT_BAD_HANDLE',
      });
    } finally {
      await w.terminate();
    }
  });

  test('revive is deep (Maps and Sets too), copies what it walks, and leaves everything else as it is', () => {
    const e = new Event();
    const s = new Semaphore(4);
    const b = new BoundedSemaphore(2);
    const date = new Date(0);
    const map = new Map<unknown, unknown>([
      ['e', e],
      [s, 'a primitive as a key'],
    ]);
    const set = new Set<unknown>([e, 1, { b }]);
    const bytes = new Uint8Array([1, 2]);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { e });
    const input = structuredClone({
      list: [e, [s, { b }]],
      n: 1,
      str: 's',
      none: null,
      undef: undefined,
      date,
      map,
      set,
      bytes,
      bare,
    });
    const before = structuredClone(input);
    const out = revive(input);
    assert.ok(out.list[0] instanceof Event);
    const [sem, { b: bounded }] = out.list[1] as [Semaphore, { b: BoundedSemaphore }];
    assert.ok(sem instanceof Semaphore && bounded instanceof BoundedSemaphore);
    assert.equal(sem.value, 4);
    assert.equal(out.n, 1);
    assert.equal(out.str, 's');
    assert.equal(out.none, null);
    assert.ok('undef' in out && out.undef === undefined);
    assert.equal(out.date, input.date, 'a Date is returned as it is');
    // Maps and Sets are walked (regression: primitives inside them arrived dead), keys included.
    assert.ok(out.map instanceof Map && out.map !== input.map, 'a Map is copied as it is walked');
    assert.ok(out.map.get('e') instanceof Event, 'a primitive as a Map value is revived');
    const keys = [...out.map.keys()];
    assert.equal(keys[0], 'e');
    assert.ok(keys[1] instanceof Semaphore, 'a primitive as a Map key is revived');
    assert.equal(out.map.get(keys[1]), 'a primitive as a key');
    assert.equal(Object.getPrototypeOf(input.map.get('e')), Object.prototype, 'the input Map is unchanged');
    assert.ok(out.set instanceof Set && out.set !== input.set);
    const members = [...out.set];
    assert.ok(members[0] instanceof Event);
    assert.equal(members[1], 1);
    assert.ok((members[2] as { b: unknown }).b instanceof BoundedSemaphore, 'nested inside a Set member');
    // A subclass of Map is a class instance of its own: returned untouched.
    class Registry extends Map<string, unknown> {}
    const registry = new Registry([['e', structuredClone(e)]]);
    assert.equal(revive(registry), registry);
    assert.equal(out.bytes, input.bytes);
    assert.ok((out.bare as { e: unknown }).e instanceof Event, 'null-prototype objects are walked');
    assert.deepEqual(input, before, 'the input is not modified');
    assert.notEqual(out, input);
    (out.list[0] as Event).set();
    assert.equal(e.isSet(), true);
    // Live objects and non-objects pass through; cycles are followed once.
    assert.equal(revive(e), e);
    for (const v of [0, 'x', null, undefined, true]) assert.equal(revive(v), v);
    const cyclic: { self?: unknown; e: unknown } = { e: structuredClone(e) };
    cyclic.self = cyclic;
    const r = revive(cyclic) as { self: unknown; e: unknown };
    assert.equal(r.self, r);
    assert.ok(r.e instanceof Event);
  });

  test("revive copies an own __proto__ key as a key (regression: it became the copy's prototype)", () => {
    const e = new Event();
    // JSON.parse makes an own "__proto__" key, and structured clone keeps it.
    const message = structuredClone(JSON.parse('{"__proto__": {"polluted": true}, "n": 1}') as object);
    assert.ok(Object.hasOwn(message, '__proto__'));
    const out = revive(message) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype, 'the prototype is not changed');
    assert.equal((out as { polluted?: unknown }).polluted, undefined, 'nothing inherited from the key');
    assert.ok(Object.hasOwn(out, '__proto__'), 'the key is copied as an own key');
    assert.deepEqual(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, { polluted: true });
    assert.deepEqual(Object.keys(out), ['__proto__', 'n']);
    // A primitive under that key is revived like any other, on a null-prototype object too.
    const withPrimitive = structuredClone(
      Object.defineProperty({}, '__proto__', { value: e, enumerable: true }),
    );
    const bare = Object.assign(Object.create(null) as object, withPrimitive);
    for (const input of [withPrimitive, bare]) {
      const r = revive(input);
      const inner = Object.getOwnPropertyDescriptor(r, '__proto__')?.value as unknown;
      assert.ok(inner instanceof Event, 'the primitive under __proto__ is live');
      assert.ok(!(r instanceof Event), 'and is not the prototype of the copy');
    }
    assert.equal(({} as { polluted?: unknown }).polluted, undefined, 'Object.prototype untouched');
  });

  test('X.from refuses a handle whose view ends inside the primitive (regression: a RangeError inside a method), for every kind', () => {
    const conditionLock = new Lock(); // one lock for all, so that Conditions are carved side by side
    const kinds: [string, () => object, (v: unknown) => unknown, (live: never) => void][] = [
      [
        'Event',
        () => new Event(),
        (v) => Event.from(v),
        (x: Event) => {
          x.set();
          x.clear();
          x.wait(0);
        },
      ],
      [
        'Lock',
        () => new Lock(),
        (v) => Lock.from(v),
        (x: Lock) => {
          x.acquire(0);
          x.release();
        },
      ],
      [
        'RLock',
        () => new RLock(),
        (v) => RLock.from(v),
        (x: RLock) => {
          x.acquire(0);
          x.release();
        },
      ],
      [
        'Semaphore',
        () => new Semaphore(1),
        (v) => Semaphore.from(v),
        (x: Semaphore) => {
          x.acquire(0);
          x.release();
        },
      ],
      [
        'BoundedSemaphore',
        () => new BoundedSemaphore(1),
        (v) => BoundedSemaphore.from(v),
        (x: BoundedSemaphore) => {
          x.acquire(0);
          x.release();
        },
      ],
      [
        'Condition',
        () => new Condition(conditionLock),
        (v) => Condition.from(v),
        (x: Condition) => {
          x.acquire(0);
          x.notifyAll();
          x.wait(0);
          x.release();
        },
      ],
      [
        'Barrier',
        () => new Barrier(1),
        (v) => Barrier.from(v),
        (x: Barrier) => {
          x.wait(0);
          x.reset();
        },
      ],
    ];
    for (const [kind, make, from, use] of kinds) {
      // The primitive's size: the distance to the next one carved after it from the same chunk.
      let live: { _i32: Int32Array; _at: number };
      let next: { _i32: Int32Array; _at: number };
      do {
        live = make() as typeof live;
        next = make() as typeof live;
      } while (next._i32.buffer !== live._i32.buffer);
      const at = live._at;
      const words = next._at - at;
      assert.ok(words >= 2, `${kind}: spans ${words} words`);
      const copy = structuredClone(live) as Record<string, unknown>;
      const cut = (end: number) => ({ ...copy, _i32: new Int32Array(live._i32.buffer, 0, end) });
      // A view that ends right after the tag word, or one word short: refused with a TypeError.
      for (const end of [at + 1, at + words - 1])
        badHandle(() => from(cut(end)), kind, `a view of ${end} words`);
      // A view that ends exactly where the primitive does: accepted, and every method used works.
      const exact = from(cut(at + words));
      assert.doesNotThrow(() => use(exact as never), `${kind}: a view that just fits works`);
    }
    // A Condition whose lock's view is cut short is refused too.
    const c = structuredClone(new Condition(new Lock())) as { lock: { _i32: Int32Array; _at: number } };
    const lockCopy = c.lock;
    assert.ok(lockCopy && lockCopy._i32 instanceof Int32Array, 'a Condition carries its lock as lock');
    const cutLock = {
      ...c,
      lock: { ...lockCopy, _i32: new Int32Array(lockCopy._i32.buffer, 0, lockCopy._at + 1) },
    };
    badHandle(() => Condition.from(cutLock), 'Condition', 'a lock view cut short');
  });

  test('messages say "an Event", "an RLock", "a Lock" (regression: "a Event")', () => {
    const message = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        return (e as Error).message;
      }
      assert.fail('expected a throw');
    };
    assert.match(
      message(() => Event.from(new Semaphore())),
      /^Event\.from: expected an Event \(.*got a Semaphore$/,
    );
    assert.match(
      message(() => Lock.from(structuredClone(new Event()))),
      /expected a Lock .*got a plain copy of an Event \(it crossed threads and was not revived: use revive\(\) or Event\.from\(\)\)$/,
    );
    assert.match(
      message(() => RLock.from(new Lock())),
      /expected an RLock .*got a Lock$/,
    );
    assert.match(
      message(() => Lock.from(new RLock())),
      /got an RLock$/,
    );
    assert.match(
      message(() => Event.from(new Int32Array(1))),
      /got an Int32Array$/,
    );
    assert.match(
      message(() => Event.from(new Uint8Array(1))),
      /got a Uint8Array$/,
    );
    assert.match(
      message(() => Event.from(new URL('file:///x'))),
      /got a URL$/,
    );
    assert.match(
      message(() => Event.from(new Error('x'))),
      /got an Error$/,
    );
    assert.match(
      message(() => Event.from({})),
      /got an object$/,
    );
    assert.doesNotMatch(
      message(() => Event.from(1)),
      /\ba [AEIO]/,
    );
    // A primitive that crossed threads and was not revived is named as such, with the way out.
    assert.match(
      message(() => new Condition(structuredClone(new Lock()) as Lock)),
      /^Condition: lock must be a Lock or an RLock, got a plain copy of a Lock \(.*use revive\(\) or Lock\.from\(\)\)$/,
    );
  });

  test('X.from of anything else is a TypeError with code WEFT_BAD_HANDLE', () => {
    const shared = new Int32Array(new SharedArrayBuffer(16));
    const e = new Event();
    const s = new Semaphore();
    const b = new BoundedSemaphore();
    const others: Record<string, unknown[]> = {
      Event: [s, b, structuredClone(s), structuredClone(b)],
      Semaphore: [e, structuredClone(e)],
      BoundedSemaphore: [e, s, structuredClone(e), structuredClone(s)],
    };
    const anything: [string, unknown][] = [
      ['null', null],
      ['undefined', undefined],
      ['0', 0],
      ['42', 42],
      ['NaN', Number.NaN],
      ['a string', 'Event'],
      ['true', true],
      ['a symbol', Symbol('e')],
      ['a function', () => {}],
      ['an array', [e]],
      ['a plain object', {}],
      ['a Lock', new Lock()],
      ['a cloned Lock', structuredClone(new Lock())],
      ['a Timer', new Timer(1, () => {})],
      ['a forged object with a bad tag', { __weft: 'Event', _i32: shared, _at: 0 }],
      ['a forged object with an unknown kind', { __weft: 'Nope', _i32: shared, _at: 0 }],
      ['a handle relabelled', { ...structuredClone(s), __weft: 'Event' }],
      ['a handle relabelled (bounded)', { ...structuredClone(s), __weft: 'BoundedSemaphore' }],
      ['a handle whose index is out of range', { ...structuredClone(e), _at: 1e9 }],
      ['a handle whose index is negative', { ...structuredClone(e), _at: -1 }],
      ['a handle whose index is not an integer', { ...structuredClone(e), _at: 0.5 }],
      ['a handle on non-shared memory', { ...structuredClone(e), _i32: new Int32Array(16) }],
      ['a handle without memory', { __weft: 'Event', _at: 0 }],
    ];
    for (const [kind, from] of FROMS) {
      for (const [what, value] of anything) badHandle(() => from(value), kind, what);
      for (const value of others[kind] ?? []) badHandle(() => from(value), kind, 'another kind');
    }
    // The primitives it was given are untouched.
    assert.equal(e.isSet(), false);
    assert.equal(s.value, 1);
    assert.equal(b.value, 1);
  });

  test('util.inspect and console.log show the state exactly as API.md says, on live and revived copies', () => {
    const e = new Event();
    const s = new Semaphore(2);
    const b = new BoundedSemaphore(3);
    b.acquire();
    assert.equal(inspect(e), 'Event { unset }');
    e.set();
    assert.equal(inspect(e), 'Event { set }');
    assert.equal(inspect(s), 'Semaphore { value: 2 }');
    assert.equal(inspect(b), 'BoundedSemaphore { value: 2/3 }');
    assert.equal(format('%s|%o', e, s), 'Event { set }|Semaphore { value: 2 }');
    assert.equal(format(b), 'BoundedSemaphore { value: 2/3 }');
    assert.equal(inspect({ e, list: [s] }), '{ e: Event { set }, list: [ Semaphore { value: 2 } ] }');
    const [re, rs, rb] = revive(structuredClone([e, s, b]));
    assert.deepEqual(
      [inspect(re), inspect(rs), inspect(rb)],
      ['Event { set }', 'Semaphore { value: 2 }', 'BoundedSemaphore { value: 2/3 }'],
    );
  });

  test('20,000 events span several memory chunks; each crosses threads on its own word', async () => {
    const events = Array.from({ length: 20000 }, () => new Event());
    const chunks = new Set(events.map((x) => (x as unknown as { _i32: Int32Array })._i32.buffer));
    assert.ok(chunks.size >= 2, `expected several chunks, got ${chunks.size}`);
    const picked = [0, 1, 8191, 8192, 8193, 16383, 16384, 19999];
    const copies = structuredClone(picked.map((i) => events[i]));
    for (const c of copies) Event.from(c).set();
    for (let i = 0; i < events.length; i++) {
      assert.equal((events[i] as Event).isSet(), picked.includes(i), `event ${i}`);
    }
    const last = events[19999] as Event;
    last.clear();
    await watchdog(runInWorker('event', 'set', last).result, 10000, 'worker');
    assert.equal(last.isSet(), true);
    assert.equal((events[19998] as Event).isSet(), false);
  });
});
