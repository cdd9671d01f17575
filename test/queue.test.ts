/*
 * Queue, LifoQueue, PriorityQueue, SimpleQueue: the contract of API.md, run in each mode where a
 * wait is involved (blocking waiters in workers, async waiters on the main thread, and both on the
 * same queue). CPython's Lib/test/test_queue.py ports are in test/queue-cpython.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import {
  Empty,
  Full,
  LifoQueue,
  PriorityQueue,
  Queue,
  revive,
  ShutDown,
  SimpleQueue,
  ValueError,
} from 'weft-threading';
import type { Ended } from './fixtures/queue.js';
import {
  assertTimeout,
  delay,
  MODES,
  rejectionOf,
  runInWorker,
  runOn,
  StepLog,
  sideOf,
  until,
  untilSync,
  watchdog,
} from './helpers.js';

const KINDS = [Queue, LifoQueue, PriorityQueue] as const;
const WATCH = 30000;
/** The FIFO ring's WRAP word (src/internal/queue-store.ts), read to check that the tests reach the wrapped state. */
const WRAP = 26;

/** How many entries of `log` are `step`. */
const count = (log: StepLog, step: number): number => log.entries().filter((s) => s === step).length;

function throwsNamed(fn: () => unknown, name: string, what: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.equal((e as Error).name, name, `${what}: ${String(e)}`);
    return true;
  });
}

describe('Queue family: construction and arguments', () => {
  test('maxsize: not a number is a TypeError, not an integer a RangeError; <= 0 and Infinity: no bound', () => {
    for (const kind of KINDS) {
      for (const bad of ['3', null, {}, 1n, true]) {
        assert.throws(() => new kind(bad as never), TypeError, `${kind.name}(${String(bad)})`);
      }
      for (const bad of [1.5, Number.NaN, 2 ** 31, -(2 ** 31)]) {
        assert.throws(() => new kind(bad), RangeError, `${kind.name}(${bad})`);
      }
      assert.equal(new kind().maxsize, 0);
      assert.equal(new kind(-1).maxsize, -1);
      assert.equal(new kind(Number.POSITIVE_INFINITY).maxsize, Number.POSITIVE_INFINITY);
      const q = new kind(Number.POSITIVE_INFINITY);
      for (let i = 0; i < 100; i++) q.putNowait(i);
      assert.equal(q.full(), false);
      assert.equal(q.qsize(), 100);
    }
  });

  test('options.maxBytes: checked; timeouts: NaN is a RangeError, a string a TypeError; async forms reject', async () => {
    assert.throws(() => new Queue(0, { maxBytes: 10 }), RangeError);
    assert.throws(() => new Queue(0, { maxBytes: 1.5e3 + 0.5 }), RangeError);
    assert.throws(() => new Queue(0, { maxBytes: '1' as never }), TypeError);
    assert.throws(() => new Queue(0, 5 as never), TypeError);
    assert.throws(() => new SimpleQueue({ maxBytes: 2 ** 31 }), RangeError);
    const q = new Queue(1);
    assert.throws(() => q.put(1, Number.NaN), RangeError);
    assert.throws(() => q.get(Number.NaN), RangeError);
    assert.throws(() => q.join(Number.NaN), RangeError);
    assert.throws(() => q.put(1, '5' as never), TypeError);
    assert.equal((await rejectionOf(q.getAsync(Number.NaN))).name, 'RangeError');
    assert.equal((await rejectionOf(q.putAsync(1, 'x' as never))).name, 'TypeError');
    assert.equal((await rejectionOf(q.getAsync(1, 5 as never))).name, 'TypeError');
    assert.equal((await rejectionOf(q.joinAsync(Number.NaN))).name, 'RangeError');
    assert.throws(() => q.shutdown('yes' as never), TypeError);
    assert.equal(q.qsize(), 0, 'nothing was put by the bad calls');
  });

  test('Empty, Full, ShutDown: Python names, stable codes', () => {
    for (const [E, code] of [
      [Empty, 'WEFT_EMPTY'],
      [Full, 'WEFT_FULL'],
      [ShutDown, 'WEFT_SHUT_DOWN'],
    ] as const) {
      const e = new E('x');
      assert.equal(e.name, E.name);
      assert.equal(e.code, code);
      assert.ok(e instanceof Error);
    }
  });
});

describe('Queue family: order', () => {
  test('Queue is FIFO, LifoQueue LIFO, PriorityQueue lowest first', () => {
    const items = [5, 3, 8, 1, 9, 2, 7];
    const got = (q: Queue<number>): number[] => {
      for (const x of items) q.put(x);
      return items.map(() => q.get());
    };
    assert.deepEqual(got(new Queue()), items);
    assert.deepEqual(got(new LifoQueue()), [...items].reverse());
    assert.deepEqual(
      got(new PriorityQueue()),
      [...items].sort((a, b) => a - b),
    );
  });

  test('PriorityQueue: equal items leave in put order; tuples [priority, n, data] work', () => {
    const pq = new PriorityQueue<[number, string]>();
    const input: [number, string][] = [];
    for (let i = 0; i < 60; i++) input.push([i % 3, `item ${String(i).padStart(3, '0')}`]);
    for (const x of input) pq.put(x);
    const out = input.map(() => pq.get());
    const expected = [...input].sort((a, b) => a[0] - b[0]); // Array.prototype.sort is stable
    assert.deepEqual(out, expected);
    // Equal items that can still be told apart (0 and -0 compare equal): put order.
    const eq = new PriorityQueue<number>();
    const zeros = [0, -0, -0, 0, -0, 0, 0, -0];
    for (const z of zeros) eq.put(z);
    eq.put(-1);
    assert.equal(eq.get(), -1);
    for (const z of zeros) assert.ok(Object.is(eq.get(), z), 'equal items in put order');
    const pq3 = new PriorityQueue<[number, number, { id: number }]>();
    pq3.put([2, 0, { id: 0 }]);
    pq3.put([1, 1, { id: 1 }]);
    pq3.put([1, 0, { id: 2 }]);
    assert.deepEqual(
      [pq3.get(), pq3.get(), pq3.get()].map((t) => t[2].id),
      [2, 1, 0],
    );
  });

  test('PriorityQueue: a put that would compare incomparable items throws TypeError, the queue unchanged', async () => {
    const pq = new PriorityQueue<unknown>();
    pq.put(3);
    pq.put(1);
    assert.throws(() => pq.put('x'), {
      name: 'TypeError',
      message: "PriorityQueue.put: '<' not supported between a string and a number",
    });
    assert.throws(() => pq.putNowait(['y']), /^TypeError: PriorityQueue\.put: '<' not supported/);
    await assert.rejects(pq.putAsync('z'), /^TypeError: PriorityQueue\.putAsync: '<' not supported/);
    assert.equal(pq.qsize(), 2);
    pq.put(2);
    assert.deepEqual([pq.get(), pq.get(), pq.get()], [1, 2, 3]);
    assert.equal(pq.qsize(), 0);
    pq.put('only'); // an empty queue compares nothing
    assert.equal(pq.get(), 'only');
  });

  test('PriorityQueue keeps the heap across many puts and gets (random, against a sort)', () => {
    const pq = new PriorityQueue<number>();
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const model: number[] = [];
    for (let round = 0; round < 3000; round++) {
      if (model.length === 0 || rnd() % 3 !== 0) {
        const x = rnd() % 1000;
        pq.put(x);
        model.push(x);
      } else {
        model.sort((a, b) => a - b);
        assert.equal(pq.get(), model.shift());
      }
    }
    model.sort((a, b) => a - b);
    while (model.length > 0) assert.equal(pq.get(), model.shift());
  });
});

describe('Queue family: Full and Empty, nowait and timeouts', () => {
  for (const kind of KINDS) {
    test(`${kind.name}: putNowait on full throws Full, getNowait on empty Empty; qsize/empty/full`, async () => {
      const q = new kind(2);
      assert.equal(q.empty(), true);
      assert.equal(q.full(), false);
      q.putNowait(1);
      await q.putAsync(2, 0);
      assert.equal(q.full(), true);
      assert.equal(q.qsize(), 2);
      throwsNamed(() => q.putNowait(3), 'Full', 'putNowait');
      throwsNamed(() => q.put(3, 0), 'Full', 'put(x, 0)');
      throwsNamed(() => q.put(3, -5), 'Full', 'put(x, -5)');
      assert.equal((await rejectionOf(q.putAsync(3, 0))).name, 'Full');
      assert.equal(q.qsize(), 2);
      q.getNowait();
      await q.getAsync(0);
      throwsNamed(() => q.getNowait(), 'Empty', 'getNowait');
      throwsNamed(() => q.get(-1), 'Empty', 'get(-1)');
      assert.equal((await rejectionOf(q.getAsync(0))).name, 'Empty');
      assert.equal(q.empty(), true);
    });
  }

  for (const mode of ['blocking', 'async'] as const) {
    test(`timeouts (${mode}): get on empty throws Empty, put on full Full, after about the timeout`, async () => {
      const q = new Queue(1);
      const log = new StepLog();
      const g = await watchdog(runOn<Ended>(mode, 'queue', 'getOne', q, log.i32, 1, 60), WATCH, 'get');
      assert.equal(g.error, 'Empty');
      assertTimeout(g.ms, 60, 'get(60)');
      q.put('x');
      const p = await watchdog(runOn<Ended>(mode, 'queue', 'putOne', q, log.i32, 2, 'y', 60), WATCH, 'put');
      assert.equal(p.error, 'Full');
      assertTimeout(p.ms, 60, 'put(60)');
      assert.equal(q.qsize(), 1);
      assert.equal(q.get(), 'x');
    });
  }
});

describe('Queue family: waking across threads', () => {
  for (const mode of MODES) {
    test(`getters asleep on an empty queue are woken by puts, one item each (${mode})`, async () => {
      const q = new Queue<number>();
      const log = new StepLog();
      const n = 4;
      const getters = Array.from({ length: n }, (_, i) =>
        runOn<Ended>(sideOf(mode, i), 'queue', 'getOne', q, log.i32, i + 1, 20000),
      );
      await until(() => log.entries().filter((s) => s < 100).length === n, 'every getter started');
      await delay(30); // let them sleep (not needed for correctness)
      assert.equal(log.entries().filter((s) => s >= 100).length, 0, 'nobody got anything yet');
      for (let i = 0; i < n; i++) q.put(1000 + i);
      const got = await watchdog(Promise.all(getters), WATCH, 'getters');
      assert.deepEqual(got.map((g) => g.value).sort(), [1000, 1001, 1002, 1003]);
      assert.equal(q.qsize(), 0);
    });

    test(`putters asleep on a full queue are woken by gets, in turn (${mode})`, async () => {
      const q = new Queue<number>(1);
      q.put(0);
      const log = new StepLog();
      const n = 4;
      const putters = Array.from({ length: n }, (_, i) =>
        runOn<Ended>(sideOf(mode, i), 'queue', 'putOne', q, log.i32, i + 1, i + 1, 20000),
      );
      await until(() => log.entries().filter((s) => s < 100).length === n, 'every putter started');
      await delay(30);
      assert.equal(count(log, 101) + count(log, 102) + count(log, 103) + count(log, 104), 0);
      const got: number[] = [];
      for (let i = 0; i <= n; i++) got.push(await q.getAsync(20000));
      await watchdog(Promise.all(putters), WATCH, 'putters');
      assert.deepEqual(got.sort(), [0, 1, 2, 3, 4]);
      assert.equal(q.qsize(), 0);
    });
  }

  test('items keep their values across threads (value fidelity), both ways', async () => {
    const q = new Queue();
    const values = [
      0,
      -1,
      1.5,
      Number.MAX_VALUE,
      'héllo ☃ 𝄞',
      '',
      null,
      true,
      false,
      [1, [2, 'x']],
      { a: 1, b: { c: 'd' } },
    ];
    const back = runInWorker<unknown[]>('queue', 'getMany', q, values.length).result;
    for (const v of values) q.put(v);
    assert.deepEqual(await watchdog(back, WATCH, 'getMany'), values);
    const fromWorker = runInWorker('queue', 'putAll', q, values).result;
    const got: unknown[] = [];
    for (let i = 0; i < values.length; i++) got.push(await q.getAsync(20000));
    await fromWorker;
    assert.deepEqual(got, values);
  });

  test('each producer keeps its order; every item got exactly once (2 producers, 2 consumers, mixed)', async () => {
    const q = new Queue<number>(8);
    const per = 300;
    const items = (p: number): number[] => Array.from({ length: per }, (_, i) => p * 100000 + i);
    const producers = [
      runInWorker('queue', 'putAll', q, items(1)).result,
      runOn('async', 'queue', 'putAll', q, items(2)),
    ];
    const consumers = [
      runInWorker<number[]>('queue', 'getMany', q, per).result,
      runOn<number[]>('async', 'queue', 'getMany', q, per),
    ];
    await watchdog(Promise.all(producers), WATCH, 'producers');
    const got = await watchdog(Promise.all(consumers), WATCH, 'consumers');
    for (const list of got) {
      for (const p of [1, 2]) {
        const mine = list.filter((x) => Math.floor(x / 100000) === p);
        assert.deepEqual(
          mine,
          [...mine].sort((a, b) => a - b),
          `producer ${p}'s order`,
        );
      }
    }
    assert.deepEqual(
      got.flat().sort((a, b) => a - b),
      [...items(1), ...items(2)],
    );
  });
});

describe('Queue family: aborts leave nothing behind', () => {
  test('an aborted getAsync takes nothing: the next item goes to the next getter', async () => {
    const q = new Queue<string>();
    const ac = new AbortController();
    const pending = q.getAsync(undefined, { signal: ac.signal });
    const reason = new Error('stop');
    ac.abort(reason);
    assert.equal(await rejectionOf(pending), reason);
    q.put('a');
    assert.equal(q.qsize(), 1);
    assert.equal(q.get(0), 'a');
    const pre = new AbortController();
    pre.abort();
    q.put('b');
    await assert.rejects(q.getAsync(undefined, { signal: pre.signal }));
    assert.equal(q.qsize(), 1, 'an already-aborted signal takes nothing either');
  });

  test('an aborted putAsync on a full queue puts nothing; a blocked getter in a worker is unaffected', async () => {
    const q = new Queue<string>(1);
    q.put('first');
    const ac = new AbortController();
    const pending = q.putAsync('never', undefined, { signal: ac.signal });
    await delay(10);
    ac.abort();
    await assert.rejects(pending);
    assert.equal(q.get(), 'first');
    const log = new StepLog();
    const getter = runInWorker<Ended>('queue', 'getOne', q, log.i32, 1, 20000).result;
    await until(() => log.entries().length === 1, 'getter started');
    q.put('second');
    assert.equal((await watchdog(getter, WATCH, 'getter')).value, 'second');
    assert.equal(q.qsize(), 0, "'never' was never put");
  });

  test('an aborted getter does not strand the item it may have been woken for', async () => {
    for (let round = 0; round < 5; round++) {
      const q = new Queue<number>();
      const log = new StepLog();
      const worker = runInWorker<Ended>('queue', 'getOne', q, log.i32, 1, 20000).result;
      await until(() => log.entries().length === 1, 'worker getter started');
      const ac = new AbortController();
      const aborted = q.getAsync(undefined, { signal: ac.signal });
      await delay(20);
      // The put wakes one of the two sleepers; the abort comes before the async one can run.
      q.put(7);
      ac.abort();
      await assert.rejects(aborted);
      assert.equal((await watchdog(worker, WATCH, 'worker getter')).value, 7);
      assert.equal(q.qsize(), 0);
    }
  });
});

describe('Queue family: a woken waiter that does not come back', () => {
  // An async waiter woken while its thread is busy (here: the main thread, which puts and then
  // spins without returning to its event loop) stays away; later items (places) must still wake
  // the other waiters. 0.2.4 woke nobody once one wake-up was in flight. The delays only give the
  // worker time to fall asleep, so that the old protocol would have been caught.
  test('two puts wake a sleeping worker getter while the async getter woken first cannot run', async () => {
    const q = new Queue<number>();
    const first = q.getAsync();
    await delay(20);
    const log = new StepLog();
    const worker = runInWorker<Ended>('queue', 'getOne', q, log.i32, 1, 20000).result;
    await until(() => log.entries().length === 1, 'the worker getter started');
    await delay(50);
    q.put(1); // wakes the async getter, which waited first and cannot run before this test yields
    q.put(2);
    untilSync(
      () => log.entries().length === 2,
      'the worker got an item while the main thread was busy',
      10000,
    );
    const got = [
      (await watchdog(worker, WATCH, 'worker getter')).value,
      await watchdog(first, WATCH, 'getAsync'),
    ];
    assert.deepEqual(got.sort(), [1, 2]);
  });

  test('the getter woken for the second item passes one on: the third getter takes the item left', async () => {
    // put(1) wakes the async getter (stays away), put(2) the first worker getter; the count then has
    // a wake-up in flight for the one item left, but it belongs to the getter that stays away.
    const q = new Queue<number>();
    const first = q.getAsync();
    await delay(20);
    const log = new StepLog();
    const workers = [1, 2].map((id) => runInWorker<Ended>('queue', 'getOne', q, log.i32, id, 20000).result);
    await until(() => log.entries().length === 2, 'both worker getters started');
    await delay(50);
    q.put(1);
    q.put(2);
    untilSync(
      () => log.entries().length === 4,
      'both worker getters got an item while the main thread was busy',
      10000,
    );
    q.put(3);
    const got = [
      ...(await Promise.all(workers.map((w) => watchdog(w, WATCH, 'worker getter')))).map((e) => e.value),
    ];
    got.push(await watchdog(first, WATCH, 'getAsync'));
    assert.deepEqual(got.sort(), [1, 2, 3]);
  });

  test('two gets wake a sleeping worker putter while the async putter woken first cannot run', async () => {
    const q = new Queue<string>(2);
    q.put('a');
    q.put('b');
    const first = q.putAsync('c');
    await delay(20);
    const log = new StepLog();
    const worker = runInWorker<Ended>('queue', 'putOne', q, log.i32, 1, 'd', 20000).result;
    await until(() => log.entries().length === 1, 'the worker putter started');
    await delay(50);
    assert.equal(q.get(), 'a'); // wakes the async putter, which cannot run before this test yields
    assert.equal(q.get(), 'b');
    untilSync(() => log.entries().length === 2, 'the worker put while the main thread was busy', 10000);
    assert.equal((await watchdog(worker, WATCH, 'worker putter')).error, undefined);
    await watchdog(first, WATCH, 'putAsync');
    assert.deepEqual([q.get(), q.get()].sort(), ['c', 'd']);
  });
});

describe('Queue family: the async forms name themselves', () => {
  test('Empty, Full and ShutDown met after a wait name getAsync / putAsync', async () => {
    const q = new Queue<number>(1);
    await assert.rejects(
      q.getAsync(20),
      (e: unknown) => e instanceof Empty && /^Queue\.getAsync: /.test(e.message),
    );
    q.put(1);
    await assert.rejects(
      q.putAsync(2, 20),
      (e: unknown) => e instanceof Full && /^Queue\.putAsync: /.test(e.message),
    );
    const putting = q.putAsync(3);
    const empty = new Queue<number>();
    const getting = empty.getAsync();
    await delay(10);
    q.shutdown();
    empty.shutdown();
    await assert.rejects(
      putting,
      (e: unknown) => e instanceof ShutDown && /^Queue\.putAsync: /.test(e.message),
    );
    await assert.rejects(
      getting,
      (e: unknown) => e instanceof ShutDown && /^Queue\.getAsync: /.test(e.message),
    );
  });
});

describe('Queue family: taskDone and join', () => {
  test('taskDone more often than items were put throws ValueError, the count unchanged', () => {
    for (const kind of KINDS) {
      const q = new kind();
      assert.throws(() => q.taskDone(), ValueError);
      q.put(1);
      q.get();
      q.taskDone();
      assert.throws(
        () => q.taskDone(),
        (e: unknown) =>
          e instanceof ValueError && /task_done\(\) called too many times/.test((e as Error).message),
      );
      assert.equal(q.join(0), true);
    }
  });

  for (const mode of MODES) {
    test(`join waits until every item has had its taskDone (${mode})`, async () => {
      const q = new Queue<number>();
      const log = new StepLog();
      for (let i = 0; i < 3; i++) q.put(i);
      assert.equal(q.join(0), false);
      assert.equal(await q.joinAsync(0), false);
      const joiners = [0, 1].map((i) =>
        runOn<Ended>(sideOf(mode, i), 'queue', 'joinOne', q, log.i32, i + 1, 20000),
      );
      await until(() => log.entries().length === 2, 'joiners started');
      for (let i = 0; i < 3; i++) q.get();
      q.taskDone();
      q.taskDone();
      await delay(20);
      assert.equal(count(log, 101) + count(log, 102), 0, 'one task is still unfinished');
      q.taskDone();
      const r = await watchdog(Promise.all(joiners), WATCH, 'joiners');
      assert.deepEqual(
        r.map((x) => x.value),
        [true, true],
      );
    });
  }

  test('join with a timeout returns false after about the timeout; a joinAsync abort rejects', async () => {
    const q = new Queue();
    q.put(1);
    const t0 = performance.now();
    assert.equal(q.join(50), false);
    assertTimeout(performance.now() - t0, 50, 'join(50)');
    const ac = new AbortController();
    const p = q.joinAsync(undefined, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p);
  });
});

describe('Queue family: shutdown (Python 3.13)', () => {
  for (const mode of MODES) {
    test(`shutdown wakes blocked getters with ShutDown, blocked putters too (${mode})`, async () => {
      const empty = new Queue();
      const full = new Queue(1);
      full.put('x');
      const log = new StepLog();
      const getters = [0, 1].map((i) =>
        runOn<Ended>(sideOf(mode, i), 'queue', 'getOne', empty, log.i32, i + 1, 20000),
      );
      const putters = [0, 1].map((i) =>
        runOn<Ended>(sideOf(mode, i), 'queue', 'putOne', full, log.i32, i + 11, 'y', 20000),
      );
      await until(() => log.entries().length === 4, 'all started');
      await delay(20);
      empty.shutdown();
      full.shutdown();
      const r = await watchdog(Promise.all([...getters, ...putters]), WATCH, 'woken by shutdown');
      assert.deepEqual(
        r.map((x) => x.error),
        ['ShutDown', 'ShutDown', 'ShutDown', 'ShutDown'],
      );
      assert.equal(full.get(), 'x', 'get drains what is left after shutdown');
      throwsNamed(() => full.get(), 'ShutDown', 'get after drain');
    });
  }

  test('after shutdown: put throws ShutDown (nowait too), get drains then throws ShutDown; twice is harmless', async () => {
    const q = new Queue<number>(5);
    q.put(1);
    q.put(2);
    q.shutdown();
    q.shutdown();
    throwsNamed(() => q.put(3), 'ShutDown', 'put');
    throwsNamed(() => q.putNowait(3), 'ShutDown', 'putNowait');
    assert.equal((await rejectionOf(q.putAsync(3))).name, 'ShutDown');
    assert.equal(q.get(), 1);
    assert.equal(await q.getAsync(), 2);
    throwsNamed(() => q.get(), 'ShutDown', 'get');
    throwsNamed(() => q.getNowait(), 'ShutDown', 'getNowait');
    assert.equal((await rejectionOf(q.getAsync())).name, 'ShutDown');
    assert.match(inspect(q), /shut down/);
  });

  test('shutdown(true) discards the items, counts them done for join, and wakes joiners', async () => {
    const q = new Queue<number>();
    for (let i = 0; i < 4; i++) q.put(i);
    q.get(); // got, not yet done: join still waits for this one
    const joined = q.joinAsync(20000);
    q.shutdown(true);
    assert.equal(q.qsize(), 0);
    throwsNamed(() => q.get(), 'ShutDown', 'get after immediate shutdown');
    assert.equal(q.join(0), false);
    q.taskDone();
    assert.equal(await watchdog(joined, WATCH, 'join'), true);
  });

  test('the async iterator gets until shut down and drained, without taskDone', async () => {
    const q = new Queue<number>();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const x of q) seen.push(x);
    })();
    const feeder = runInWorker('queue', 'putAll', q, [1, 2, 3]).result;
    await feeder;
    await until(() => seen.length === 3, 'the loop saw 3 items');
    q.shutdown();
    await watchdog(loop, WATCH, 'iterator end');
    assert.deepEqual(seen, [1, 2, 3]);
    assert.equal(q.join(0), false, 'iterating does not call taskDone');
  });
});

describe('Queue family: values it refuses, big items, memory', () => {
  test('a value it cannot carry: TypeError naming it, nothing enqueued, the queue still works', async () => {
    const q = new Queue(2);
    q.put(1);
    for (const bad of [() => 1, Symbol('s'), { f: () => 2 }, [1, Symbol('t')]]) {
      assert.throws(() => q.put(bad), TypeError);
      assert.equal((await rejectionOf(q.putAsync(bad))).name, 'TypeError');
    }
    assert.equal(q.qsize(), 1);
    q.put(2);
    assert.deepEqual([q.get(), q.get()], [1, 2]);
    assert.equal(q.join(0), false);
    q.taskDone();
    q.taskDone();
    assert.equal(q.join(0), true, 'refused puts counted no task');
  });

  test('items around the set-aside bound (decoded after the unlock up to 1024 bytes) come back equal, each its own', () => {
    // Latin-1 strings of n characters encode to n + 2 bytes; a Uint8Array of n bytes to about n + 10.
    const items: unknown[] = [];
    for (const n of [0, 1, 7, 8, 9, 62, 64, 65, 200, 1000, 1013, 1014, 1015, 1022, 1023, 1024, 1100]) {
      items.push(
        'x'.repeat(n),
        'é'.repeat(n),
        Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 255),
      );
      items.push({ n, s: 'y'.repeat(n), a: [n, -n, n / 3] });
    }
    items.push(0, -1, 2 ** 31, 1.5, -0, Number.NaN, 10n, true, null);
    for (const Kind of [Queue, LifoQueue, SimpleQueue] as const) {
      const q = new Kind<unknown>();
      for (const v of items) q.put(v);
      const got: unknown[] = [];
      while (q.qsize() > 0) got.push(q.get());
      const want = Kind === LifoQueue ? [...items].reverse() : items;
      assert.deepEqual(got, want, Kind.name);
      // Interleaved: every get decodes its own bytes, whatever the previous get set aside.
      for (let i = 0; i + 1 < items.length; i += 2) {
        q.put(items[i]);
        q.put(items[i + 1]);
        const a = q.get();
        const b = q.get();
        assert.deepEqual(
          Kind === LifoQueue ? [b, a] : [a, b],
          [items[i], items[i + 1]],
          `${Kind.name} pair ${i}`,
        );
      }
    }
    const pq = new PriorityQueue<[number, string]>();
    const pairs = items.map((_, i) => [items.length - i, 'z'.repeat((i * 37) % 1100)] as [number, string]);
    for (const v of pairs) pq.put(v);
    const out: [number, string][] = [];
    while (pq.qsize() > 0) out.push(pq.get());
    assert.deepEqual(out, [...pairs].reverse(), 'PriorityQueue');
  });

  test('megabyte items; the data area grows and a worker sees the growth, both ways', async () => {
    const q = new Queue<Uint8Array>();
    const before = q._data.byteLength;
    const n = 3 * 1024 * 1024;
    const a = new Uint8Array(n);
    for (let i = 0; i < n; i++) a[i] = i & 255;
    q.put(a);
    assert.ok(q._data.byteLength > before, 'grew');
    const r = await watchdog(
      runInWorker<{ length: number; bytes: number; first: number; last: number }>('queue', 'bigGet', q)
        .result,
      WATCH,
      'bigGet',
    );
    assert.deepEqual(r, { length: n, bytes: q._data.byteLength, first: 0, last: (n - 1) & 255 });
    const grown = await runInWorker<number>('queue', 'bigPut', q, 2 * n).result;
    assert.equal(q._data.byteLength, grown, 'growth made in the worker is seen here');
    const b = q.get();
    assert.equal(b.length, 2 * n);
    assert.equal(b[2 * n - 1], (2 * n - 1) & 255);
  });

  test('an item that can never fit is a RangeError at put; one that fits once others leave waits', async () => {
    const q = new Queue<string>(0, { maxBytes: 4096 });
    assert.throws(() => q.put('x'.repeat(5000)), RangeError);
    assert.equal(q.qsize(), 0);
    q.put('a'.repeat(2500));
    throwsNamed(() => q.put('b'.repeat(2500), 0), 'Full', 'no room for the bytes');
    const log = new StepLog();
    const putter = runInWorker<Ended>('queue', 'putOne', q, log.i32, 1, 'c'.repeat(2500), 20000).result;
    await until(() => log.entries().length === 1, 'putter started');
    await delay(20);
    assert.equal(q.qsize(), 1, 'the putter waits for room');
    assert.equal(q.get().length, 2500);
    assert.equal((await watchdog(putter, WATCH, 'putter')).value, 'put');
    assert.equal(q.get()[0], 'c');
    assert.ok(q._data.byteLength <= 4096, 'memory bound kept');
  });

  test('FIFO, LIFO and priority storage survive wrap, packing and growth (many sizes)', () => {
    for (const kind of KINDS) {
      const q = new kind<string>(0, { maxBytes: 64 * 1024 });
      const model: string[] = [];
      let seed = 7;
      const rnd = (): number => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed;
      };
      let wrapped = 0;
      for (let round = 0; round < 4000; round++) {
        if (kind === Queue && q._i32[q._at + WRAP] !== 0) wrapped++;
        if (model.length < 20 && rnd() % 2 === 0) {
          const s = String.fromCharCode(97 + (rnd() % 26)).repeat(rnd() % 700);
          q.put(s);
          model.push(s);
        } else if (model.length > 0) {
          const v = q.get();
          let want: string;
          if (kind === Queue) want = model.shift() as string;
          else if (kind === LifoQueue) want = model.pop() as string;
          else {
            const sorted = [...model].sort();
            want = sorted[0] as string;
            model.splice(model.indexOf(want), 1);
          }
          assert.equal(v, want, `${kind.name} round ${round}`);
        }
      }
      if (kind === Queue) assert.ok(wrapped > 100, `the FIFO ring wrapped (${wrapped} rounds wrapped)`);
    }
  });

  test('large arrays of one size in a row (decoded into prepared memory) stay separate and intact', () => {
    const q = new Queue<Uint8Array | Float64Array | number>();
    const got: (Uint8Array | Float64Array)[] = [];
    const n = 96 * 1024;
    for (let i = 0; i < 12; i++) {
      if (i % 5 === 4) {
        q.put(i); // an item with no large array between them
        assert.equal(q.get(), i);
      }
      q.put(i % 4 === 3 ? new Float64Array(n / 8).fill(i) : new Uint8Array(n).fill(i));
      got.push(q.get() as Uint8Array | Float64Array);
    }
    const buffers = new Set(got.map((a) => a.buffer));
    assert.equal(buffers.size, got.length, 'every array has its own buffer');
    got.forEach((a, i) => {
      assert.equal(a.byteLength, n);
      assert.ok(
        a.buffer instanceof ArrayBuffer && a.buffer.byteLength === n,
        `item ${i}: a whole, unshared buffer`,
      );
      assert.ok(
        a.every((x) => x === i),
        `item ${i}: its own content`,
      );
      assert.equal(a.constructor, i % 4 === 3 ? Float64Array : Uint8Array);
    });
  });

  test('a FIFO stream of large items at a steady size wraps in place: no growth, order kept', () => {
    const q = new Queue<Uint8Array>(4);
    const item = (i: number): Uint8Array => new Uint8Array(100_000 + (i % 3) * 8).fill(i & 255);
    for (let i = 0; i < 4; i++) q.put(item(i));
    const grown = q._data.byteLength;
    let wraps = 0;
    for (let i = 4; i < 400; i++) {
      const got = q.get();
      const want = i - 4;
      assert.equal(got.length, item(want).length, `item ${want}: length`);
      assert.equal(got[got.length - 1], want & 255, `item ${want}: content`);
      q.put(item(i));
      if (q._i32[q._at + WRAP] !== 0) wraps++;
    }
    assert.equal(q._data.byteLength, grown, 'the area did not grow once the stream was steady');
    assert.ok(wraps > 50, `wrapped (${wraps} puts while wrapped)`);
  });
});

describe('Queue family: sharing and inspection', () => {
  test('from / revive give live queues on the same memory; the wrong kind is a TypeError', async () => {
    const q = new Queue<number>(3);
    const l = new LifoQueue<number>();
    const p = new PriorityQueue<number>();
    const s = new SimpleQueue<number>();
    const msg = structuredClone({ q, nested: [{ l, p, s }] });
    const back = revive(msg);
    assert.ok(back.q instanceof Queue);
    const lb = back.nested[0]?.l;
    assert.ok(lb instanceof LifoQueue);
    assert.ok(back.nested[0]?.p instanceof PriorityQueue);
    assert.ok(back.nested[0]?.s instanceof SimpleQueue);
    back.q.put(5);
    assert.equal(q.get(), 5);
    assert.equal(back.q.maxsize, 3);
    assert.ok(Queue.from(structuredClone(l)) instanceof LifoQueue, 'Queue.from takes its subclasses');
    assert.throws(() => LifoQueue.from(structuredClone(q)), TypeError);
    assert.throws(() => Queue.from(structuredClone(s)), TypeError);
    assert.throws(() => Queue.from({}), TypeError);
    assert.throws(() => SimpleQueue.from({ __weft: 'SimpleQueue' }), TypeError);
    const broken = { ...structuredClone(q), _data: 5 };
    assert.throws(() => Queue.from(broken), TypeError);
    assert.equal(Queue.from(q), q);
  });

  test('inspect shows the kind, size and bound', () => {
    const q = new Queue(10);
    q.put(1);
    q.put(2);
    assert.equal(inspect(q), 'Queue { size: 2/10 }');
    const p = new PriorityQueue();
    assert.equal(inspect(p), 'PriorityQueue { size: 0 }');
    const s = new SimpleQueue();
    s.put('x');
    assert.equal(inspect(s), 'SimpleQueue { size: 1 }');
  });
});

describe('SimpleQueue', () => {
  test('unbounded FIFO: put never blocks; get / getAsync / getNowait; no taskDone, join, shutdown', async () => {
    const q = new SimpleQueue<number>();
    for (let i = 0; i < 1000; i++) q.put(i);
    q.putNowait(1000);
    assert.equal(q.qsize(), 1001);
    assert.equal(q.get(), 0);
    assert.equal(await q.getAsync(), 1);
    assert.equal(q.getNowait(), 2);
    for (let i = 3; i <= 1000; i++) assert.equal(q.get(0), i);
    assert.equal(q.empty(), true);
    throwsNamed(() => q.getNowait(), 'Empty', 'getNowait');
    for (const m of ['taskDone', 'join', 'shutdown', 'maxsize', 'full']) {
      assert.equal(m in q, false, `SimpleQueue has no ${m}`);
    }
  });

  for (const mode of MODES) {
    test(`a getter asleep on an empty SimpleQueue is woken by put (${mode})`, async () => {
      const q = new SimpleQueue<string>();
      const log = new StepLog();
      const getters = [0, 1].map((i) =>
        runOn<Ended>(sideOf(mode, i), 'queue', 'getOne', q, log.i32, i + 1, 20000),
      );
      await until(() => log.entries().length === 2, 'getters started');
      q.put('a');
      q.put('b');
      const r = await watchdog(Promise.all(getters), WATCH, 'getters');
      assert.deepEqual(r.map((x) => x.value).sort(), ['a', 'b']);
    });
  }
});
