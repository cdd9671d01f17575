/*
 * CPython's Lib/test/test_queue.py, ported: BaseQueueTestMixin (basic_queue_test, queue_join_test,
 * test_queue_task_done, test_nowait, test_negative_timeout), FailingQueueTest (as values the codec
 * refuses and items a PriorityQueue cannot compare: the queue is never damaged), the 3.13
 * test_shutdown_* cases, and BaseSimpleQueueTest's many-threads runs. Where CPython's blocking
 * call runs in the test's thread and a trigger thread unclogs it, here the blocking call runs in a
 * worker (or as the Async form on the main thread) and the main thread triggers it once the call
 * has logged that it started and has not returned.
 *
 * Deliberate differences, per API.md: a negative timeout polls (Python raises ValueError: JS
 * timeouts follow setTimeout), `maxsize` is read-only (no test_shrinking_queue: a queue's bound
 * lives in shared memory that other threads read), and the timeouts are in milliseconds.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LifoQueue, PriorityQueue, Queue, SimpleQueue } from 'weft-threading';
import type { Ended } from './fixtures/queue.js';
import { delay, runInWorker, runOn, type Side, StepLog, until, watchdog } from './helpers.js';

const QUEUE_SIZE = 5;
const WATCH = 30000;
const KINDS = [Queue, LifoQueue, PriorityQueue] as const;
const qfull = (q: Queue): boolean => q.maxsize > 0 && q.qsize() === q.maxsize;

/**
 * do_blocking_test: `scenario` (a fixture of test/fixtures/queue.ts that logs `id`, then 100 + id
 * on success or 200 + id on failure) must block until `trigger` runs, then end. Returns its result.
 */
async function blockingTest(
  side: Side,
  scenario: string,
  args: unknown[],
  trigger: () => unknown,
): Promise<Ended> {
  const log = new StepLog();
  const running = runOn<Ended>(side, 'queue', scenario, args[0], log.i32, 1, ...args.slice(1));
  await until(() => log.entries().length >= 1, `${scenario} started`);
  await delay(20); // a chance to return early, if it (wrongly) would
  assert.deepEqual(log.entries(), [1], `${scenario} appeared not to block`);
  trigger();
  return watchdog(running, WATCH, scenario);
}

async function basicQueueTest(q: Queue, side: Side): Promise<void> {
  assert.equal(q.qsize(), 0, 'call this with an empty queue');
  assert.equal(q.empty(), true);
  assert.equal(q.full(), false);
  q.put(111);
  q.put(333);
  q.put(222);
  const target: Record<string, number[]> = {
    Queue: [111, 333, 222],
    LifoQueue: [222, 333, 111],
    PriorityQueue: [111, 222, 333],
  };
  assert.deepEqual(
    [q.get(), q.get(), q.get()],
    target[q.constructor.name],
    "Didn't seem to queue the correct data!",
  );
  for (let i = 0; i < QUEUE_SIZE - 1; i++) {
    q.put(i);
    assert.ok(q.qsize() > 0, 'Queue should not be empty');
  }
  assert.ok(!qfull(q), 'Queue should not be full');
  const last = 2 * QUEUE_SIZE;
  const full = 3 * 2 * QUEUE_SIZE;
  q.put(last);
  assert.ok(qfull(q), 'Queue should be full');
  assert.equal(q.empty(), false);
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait(full), { name: 'Full' }, "Didn't appear to block with a full queue");
  assert.throws(() => q.put(full, 10), { name: 'Full' }, "Didn't appear to time-out with a full queue");
  // Test a blocking put (with no timeout, then with a long one)
  assert.equal((await blockingTest(side, 'putOne', [q, full], () => q.get())).value, 'put');
  assert.equal((await blockingTest(side, 'putOne', [q, full, 10000], () => q.get())).value, 'put');
  // Empty it
  for (let i = 0; i < QUEUE_SIZE; i++) q.get();
  assert.equal(q.qsize(), 0, 'Queue should be empty');
  assert.throws(() => q.getNowait(), { name: 'Empty' }, "Didn't appear to block with an empty queue");
  assert.throws(() => q.get(10), { name: 'Empty' }, "Didn't appear to time-out with an empty queue");
  // Test a blocking get
  assert.equal((await blockingTest(side, 'getOne', [q], () => q.put('empty'))).value, 'empty');
  assert.equal((await blockingTest(side, 'getOne', [q, 10000], () => q.put('empty'))).value, 'empty');
}

async function queueJoinTest(q: Queue, sides: Side[]): Promise<void> {
  const sum = new Int32Array(new SharedArrayBuffer(4));
  const workers = sides.map((side) => runOn(side, 'queue', 'summer', q, sum));
  for (let i = 0; i < 100; i++) q.put(i);
  await watchdog(q.joinAsync(), WATCH, 'join');
  assert.equal(Atomics.load(sum, 0), 4950, 'q.join() did not block until all tasks were done');
  for (const _ of sides) q.put(-1); // instruct the threads to close
  assert.equal(await watchdog(q.joinAsync(), WATCH, 'join twice'), true, 'you can join twice');
  await watchdog(Promise.all(workers), WATCH, 'summers');
}

for (const kind of KINDS) {
  describe(`test_queue.py BaseQueueTestMixin, ${kind.name}`, () => {
    for (const side of ['blocking', 'async'] as const) {
      test(`test_basic (${side}; twice on one instance)`, async () => {
        const q = new kind(QUEUE_SIZE);
        await basicQueueTest(q, side);
        await basicQueueTest(q, side);
      });
    }

    test('test_queue_task_done: taskDone with nothing put is a ValueError', () => {
      assert.throws(() => new kind().taskDone(), { name: 'ValueError' });
    });

    test('test_queue_join: two workers (blocking, async), twice; then taskDone is a ValueError', async () => {
      const q = new kind();
      await queueJoinTest(q, ['blocking', 'async']);
      await queueJoinTest(q, ['blocking', 'blocking']);
      assert.throws(() => q.taskDone(), { name: 'ValueError' }, 'Did not detect task count going negative');
    });

    test('test_nowait', () => {
      const q = new kind(QUEUE_SIZE);
      for (let i = 0; i < QUEUE_SIZE; i++) q.putNowait(1);
      assert.throws(() => q.putNowait(1), { name: 'Full' });
      for (let i = 0; i < QUEUE_SIZE; i++) q.getNowait();
      assert.throws(() => q.getNowait(), { name: 'Empty' });
    });

    test('test_negative_timeout (a difference: a negative timeout polls, as in every weft wait)', async () => {
      const q = new kind(1);
      q.put(1, -1);
      assert.throws(() => q.put(2, -1), { name: 'Full' });
      assert.equal(q.get(-1), 1);
      assert.throws(() => q.get(-1), { name: 'Empty' });
      await assert.rejects(q.getAsync(-1), { name: 'Empty' });
    });
  });
}

describe('test_queue.py FailingQueueTest: a put or get that fails leaves the queue undamaged', () => {
  // Python's FailingQueue raises in _put / _get. The failures a weft queue has are a value the
  // codec refuses (at put) and, in a PriorityQueue, items that cannot be compared (put or get).
  const refused = (): unknown => Symbol('oops');

  async function failingQueueTest(q: Queue, side: Side): Promise<void> {
    assert.equal(q.qsize(), 0);
    for (let i = 0; i < QUEUE_SIZE - 1; i++) q.put(i);
    assert.throws(() => q.putNowait(refused()), TypeError, 'failing non-blocking put');
    assert.throws(() => q.put(refused(), 100), TypeError, 'failing timeout put');
    q.put('last');
    assert.ok(qfull(q), 'Queue should be full');
    // A failing blocking put on a full queue fails at once (the value is refused before any wait).
    assert.throws(() => q.put(refused()), TypeError);
    await assert.rejects(q.putAsync(refused()), TypeError);
    assert.ok(qfull(q), 'Queue should be full');
    q.get();
    assert.ok(!qfull(q), 'Queue should not be full');
    q.put('last');
    assert.ok(qfull(q), 'Queue should be full');
    // Test a blocking put
    assert.equal((await blockingTest(side, 'putOne', [q, 'full'], () => q.get())).value, 'put');
    for (let i = 0; i < QUEUE_SIZE; i++) q.get();
    assert.equal(q.qsize(), 0, 'Queue should be empty');
    // The queue still counts its tasks right: every successful put is one task.
    while (!q.join(0)) q.taskDone();
    assert.throws(() => q.taskDone(), { name: 'ValueError' });
  }

  for (const side of ['blocking', 'async'] as const) {
    test(`test_failing_queue with refused values (${side}; twice on one instance)`, async () => {
      const q = new Queue(QUEUE_SIZE);
      await failingQueueTest(q, side);
      await failingQueueTest(q, side);
    });
  }

  test('PriorityQueue: a get that meets incomparable items still takes its item; those go in put order', () => {
    const pq = new PriorityQueue<unknown[]>();
    pq.put([0, 'x']);
    pq.put([1, 2]); // compared with [0, 'x']: 1 > 0
    pq.put([1, 'y']); // compared with [0, 'x'] only
    // get takes [0, 'x'], then must order [1, 2] against [1, 'y']: 2 vs 'y' cannot be compared
    // (Python's heappop raises here, and the item it popped is lost). weft orders them by put.
    assert.deepEqual(pq.get(), [0, 'x']);
    assert.deepEqual(
      [pq.get(), pq.get()],
      [
        [1, 2],
        [1, 'y'],
      ],
    );
    assert.equal(pq.qsize(), 0);
    pq.put([5]);
    assert.deepEqual(pq.get(), [5], 'the queue works on');
  });
});

describe('test_queue.py test_shutdown_* (Python 3.13)', () => {
  test('test_shutdown_empty: put and get throw ShutDown', async () => {
    const q = new Queue();
    q.shutdown();
    assert.throws(() => q.put('data'), { name: 'ShutDown' });
    assert.throws(() => q.get(), { name: 'ShutDown' });
    await assert.rejects(q.getAsync(), { name: 'ShutDown' });
  });

  test('test_shutdown_nonempty: get drains, then ShutDown', () => {
    const q = new Queue();
    q.put('data');
    q.shutdown();
    assert.equal(q.get(), 'data');
    assert.throws(() => q.get(), { name: 'ShutDown' });
  });

  test('test_shutdown_immediate: get throws ShutDown at once', () => {
    const q = new Queue();
    q.put('data');
    q.shutdown(true);
    assert.throws(() => q.get(), { name: 'ShutDown' });
  });

  test('test_shutdown_all_methods_in_one_thread (and the immediate variant)', async () => {
    for (const immediate of [false, true]) {
      const q = new Queue(2);
      q.put('L');
      q.putNowait('O');
      q.shutdown(immediate);
      assert.throws(() => q.put('E'), { name: 'ShutDown' });
      assert.throws(() => q.putNowait('W'), { name: 'ShutDown' });
      if (immediate) {
        assert.throws(() => q.get(), { name: 'ShutDown' });
        assert.throws(() => q.getNowait(), { name: 'ShutDown' });
        assert.equal(q.join(), true, 'discarded items count as done');
        assert.throws(() => q.taskDone(), { name: 'ValueError' });
      } else {
        assert.equal(q.get(), 'L');
        q.taskDone();
        assert.equal(q.getNowait(), 'O');
        q.taskDone();
        assert.throws(() => q.get(), { name: 'ShutDown' });
        assert.throws(() => q.getNowait(), { name: 'ShutDown' });
        assert.equal(q.join(), true);
      }
      await assert.rejects(q.putAsync('x'), { name: 'ShutDown' });
    }
  });

  for (const side of ['blocking', 'async'] as const) {
    test(`test_shutdown_pending_get: a get blocked on an empty queue gets ShutDown (${side})`, async () => {
      const q = new Queue();
      const r = await blockingTest(side, 'getOne', [q], () => q.shutdown());
      assert.equal(r.error, 'ShutDown');
    });

    test(`test_shutdown_put_join: a put blocked on a full queue gets ShutDown; join returns after taskDone (${side})`, async () => {
      const q = new Queue(1);
      q.put('Y');
      const r = await blockingTest(side, 'putOne', [q, 'E'], () => q.shutdown());
      assert.equal(r.error, 'ShutDown');
      assert.equal(q.get(), 'Y');
      q.taskDone();
      assert.equal(await watchdog(q.joinAsync(), WATCH, 'join'), true);
    });

    test(`test_shutdown_get_task_done_join: join blocked on unfinished items returns after shutdown(true) (${side})`, async () => {
      const q = new Queue(2);
      q.put('Y');
      q.put('E');
      const r = await blockingTest(side, 'joinOne', [q], () => q.shutdown(true));
      assert.equal(r.value, true);
    });
  }

  test('test_shutdown_[immediate_]all_methods_in_many_threads: getters in workers drain, then all end', async () => {
    for (const immediate of [false, true]) {
      const q = new Queue(4);
      const log = new StepLog();
      const drains = [0, 1, 2].map((i) =>
        runOn<{ items: unknown[]; end: string }>(
          i === 1 ? 'async' : 'blocking',
          'queue',
          'drain',
          q,
          log.i32,
          i + 1,
        ),
      );
      for (let i = 0; i < 40; i++) await q.putAsync(i);
      q.shutdown(immediate);
      const r = await watchdog(Promise.all(drains), WATCH, 'drains');
      assert.deepEqual(
        r.map((x) => x.end),
        ['ShutDown', 'ShutDown', 'ShutDown'],
      );
      const got = r.flatMap((x) => x.items as number[]);
      if (!immediate) assert.equal(got.length, 40, 'every item got once');
      assert.equal(new Set(got).size, got.length, 'no item got twice');
      assert.equal(await watchdog(q.joinAsync(), WATCH, 'join'), true);
    }
  });
});

describe('test_queue.py BaseSimpleQueueTest: many threads, a sentinel each', () => {
  for (const style of ['block', 'nowait', 'timeout'] as const) {
    for (const kind of [SimpleQueue, Queue] as const) {
      test(`${kind.name}: 2 feeders, 2 consumers (${style}): every input got exactly once`, async () => {
        const q = new kind();
        const inputs = Array.from({ length: 2000 }, (_, i) => i);
        const halves = [inputs.slice(0, 1000), inputs.slice(1000)];
        const consumers = [0, 1].map(() => runInWorker<number[]>('queue', 'consume', q, style).result);
        const feeders = halves.map((h) => runInWorker('queue', 'feed', q, h).result);
        await watchdog(Promise.all(feeders), WATCH, 'feeders');
        const results = await watchdog(Promise.all(consumers), WATCH, 'consumers');
        assert.deepEqual(
          results.flat().sort((a, b) => a - b),
          inputs,
        );
        assert.equal(q.qsize(), 0);
      });
    }
  }
});
