/*
 * Condition contract (CPython's ConditionTests, adapted): blocking waiters in workers, async waiters
 * on the main thread (a Condition on a Lock), and both on one condition. Who was woken, and when, is
 * read from a StepLog, never from sleeps.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { Condition, getIdent, Lock, RLock, Semaphore } from 'weft-threading';
import {
  consumeAsync,
  FAILED,
  makeQueue,
  notifyRoundsAsync,
  pingPongAsync,
  RESULT1,
  RESULT2,
  WAIT1,
  WAIT2,
} from './fixtures/condition.js';
import type { Timed } from './fixtures/lock.js';
import {
  assertTimeout,
  countSteps,
  delay,
  Gate,
  isPending,
  rejectionOf,
  runInWorker,
  StepLog,
  until,
  watchdog,
} from './helpers.js';

const T = { timeout: 30000 };

function assertError(error: unknown, name: string, code: string, message?: RegExp): true {
  const e = error as { name?: string; code?: string; message?: string };
  assert.equal(e.name, name, `error name (${e.message})`);
  assert.equal(e.code, code, `error code (${e.message})`);
  if (message) assert.match(e.message ?? '', message);
  return true;
}

/**
 * CPython's _check_notify: five waiters wait twice each. notify(3) must wake exactly three (each
 * tagged with phase 1, set by the notifier while it still holds the lock), notify(5) the two still
 * in their first wait and the three in their second, notifyAll the last two.
 *
 * @param where - for each waiter, a blocking worker or an async task on the main thread.
 * @param notifier - how the main thread takes the lock to notify: blocking or async.
 */
async function checkNotify(cond: Condition, where: ('worker' | 'main')[], notifier: 'blocking' | 'async') {
  const log = new StepLog();
  const phase = new Int32Array(new SharedArrayBuffer(4));
  const count = (step: number) => countSteps(log.i32, step);
  const waiters = where.map((w) =>
    w === 'worker'
      ? runInWorker<boolean[]>('condition', 'notifyRounds', cond, log.i32, phase).result
      : notifyRoundsAsync(cond as Condition<Lock>, log.i32, phase),
  );
  const all = watchdog(Promise.all(waiters), 25000, 'the notified waiters');
  all.catch(() => {}); // awaited below; failures before then are reported by the steps
  const notify = async (n: number | 'all', newPhase: number) => {
    if (notifier === 'async') await cond.acquireAsync();
    else cond.acquire();
    if (n === 'all') cond.notifyAll();
    else cond.notify(n);
    Atomics.store(phase, 0, newPhase);
    cond.release();
  };

  await until(() => count(WAIT1) === 5, 'five waiters wait', 15000);
  assert.equal(count(RESULT1 + 0), 0);
  await notify(3, 1);
  await until(() => count(WAIT2) === 3, 'the three woken wait again', 15000);
  await delay(30); // not for ordering: a chance for a fourth, wrongly woken waiter to show
  assert.equal(count(RESULT1 + 1), 3, 'notify(3) woke exactly three');
  assert.equal(count(FAILED), 0);

  await notify(5, 2);
  await until(() => count(WAIT2) === 5, 'all five in their second wait', 15000);
  await until(() => count(RESULT2 + 2) === 3, 'the second wait of three returned', 15000);
  await delay(30);
  assert.equal(count(RESULT1 + 2), 2, 'notify(5) woke the two still in their first wait');
  assert.equal(count(RESULT2 + 2), 3, 'and the three in their second');

  await notify('all', 3);
  assert.deepEqual(
    await all,
    where.map(() => [true, true]),
  );
  assert.equal(count(RESULT2 + 3), 2, 'notifyAll woke the last two');
  assert.equal(count(FAILED), 0);
  assert.equal(log.entries().length, 20);
  assert.match(inspect(cond), /^Condition \{ waiters: 0, /);
}

/** A worker that takes the condition's lock and keeps it until the returned gate opens. */
async function lockHeldByWorker(lock: Lock): Promise<{ gate: Gate; log: StepLog; done: Promise<unknown> }> {
  const gate = new Gate();
  const log = new StepLog();
  const { result } = runInWorker('lock', 'holdUntil', lock, log.i32, gate.i32);
  await until(() => log.entries().includes(1), 'the worker holds the lock');
  return { gate, log, done: result };
}

describe('Condition', () => {
  describe('on any thread', () => {
    test("CPython test_acquire: default RLock is re-entrant; a Lock is the condition's lock", () => {
      const cond = new Condition();
      assert.ok(cond.lock instanceof RLock);
      cond.acquire();
      cond.acquire();
      cond.release();
      cond.release();
      const lock = new Lock();
      const c2 = new Condition(lock);
      assert.equal(c2.lock, lock);
      assert.equal(c2.acquire(), true);
      assert.equal(lock.acquire(0), false);
      c2.release();
      assert.equal(lock.acquire(0), true);
      assert.equal(c2.acquire(0), false);
      lock.release();
      {
        using _held = c2.hold();
        assert.equal(lock.acquire(0), false);
      }
      assert.equal(lock.locked(), false);
    });

    test('inspection shows waiters and the lock', () => {
      const cond = new Condition(new Lock());
      assert.equal(inspect(cond), 'Condition { waiters: 0, lock: Lock { unlocked } }');
      cond.acquire();
      assert.equal(inspect(cond), 'Condition { waiters: 0, lock: Lock { locked } }');
      cond.release();
    });

    test('wait / notify / notifyAll / waitFor without the lock throw RuntimeError; nothing changes', async () => {
      for (const cond of [new Condition(), new Condition(new Lock())]) {
        assert.throws(
          () => cond.wait(),
          (e) => assertError(e, 'RuntimeError', 'WEFT_RUNTIME', /Condition.wait/),
        );
        assert.throws(() => cond.wait(0), { name: 'RuntimeError' });
        assert.throws(
          () => cond.notify(),
          (e) => assertError(e, 'RuntimeError', 'WEFT_RUNTIME', /notify/),
        );
        assert.throws(() => cond.notify(0), { name: 'RuntimeError' });
        assert.throws(() => cond.notifyAll(), { name: 'RuntimeError' });
        assert.throws(() => cond.waitFor(() => false, 10), { name: 'RuntimeError' });
        assert.match(inspect(cond), /^Condition \{ waiters: 0, lock: R?Lock \{ unlocked \} \}$/);
        assert.equal(cond.lock.locked(), false);
      }
      const cond = new Condition(new Lock());
      assertError(await rejectionOf(cond.waitAsync()), 'RuntimeError', 'WEFT_RUNTIME');
      assertError(await rejectionOf(cond.waitForAsync(() => false, 10)), 'RuntimeError', 'WEFT_RUNTIME');
      assert.equal(inspect(cond), 'Condition { waiters: 0, lock: Lock { unlocked } }');
    });

    test('waitFor with a false predicate waits once however short the timeout: without the lock, RuntimeError', async () => {
      for (const cond of [new Condition(), new Condition(new Lock())]) {
        for (const timeout of [0, -5, 1e-9]) {
          assert.throws(
            () => cond.waitFor(() => false, timeout),
            { name: 'RuntimeError' },
            `timeout ${timeout}`,
          );
        }
        cond.acquire();
        assert.equal(
          cond.waitFor(() => 0, 0),
          0,
          "with the lock: the predicate's last value at once",
        );
        assert.equal(cond.lock.locked(), true);
        cond.release();
      }
      const cond = new Condition(new Lock());
      assertError(await rejectionOf(cond.waitForAsync(() => false, 0)), 'RuntimeError', 'WEFT_RUNTIME');
      await cond.acquireAsync();
      assert.equal(await cond.waitForAsync(() => '', 0), '');
      assert.equal(cond.lock.locked(), true);
      cond.release();
    });

    test('notify with nobody waiting, and notify(0), do nothing', () => {
      const cond = new Condition();
      cond.acquire();
      cond.notify();
      cond.notify(0);
      cond.notify(10);
      cond.notifyAll();
      const t0 = performance.now();
      assert.equal(cond.wait(20), false, 'no notification was stored for a later waiter');
      assertTimeout(performance.now() - t0, 20);
      cond.release();
    });

    test('wait(timeout) on the main thread: false after about the timeout, holding the RLock at its depth', () => {
      const cond = new Condition();
      cond.acquire();
      cond.acquire();
      const t0 = performance.now();
      assert.equal(cond.wait(50), false);
      assertTimeout(performance.now() - t0, 50);
      assert.equal(inspect(cond.lock), `RLock { owner: ${getIdent()}, count: 2 }`);
      cond.release();
      cond.release();
      assert.equal(cond.lock.locked(), false);
    });

    test('a Condition on an RLock has no async forms: they reject with TypeError, waitForAsync even when the predicate holds', async () => {
      const cond = new Condition();
      for (const p of [
        cond.acquireAsync(),
        cond.holdAsync(),
        cond.waitAsync(),
        cond.waitForAsync(() => true),
      ]) {
        assertError(await rejectionOf(p), 'TypeError', 'WEFT_BAD_ARGUMENT', /RLock/);
      }
      assert.equal(cond.lock.locked(), false);
    });

    test('Condition.from revives its lock with it', () => {
      for (const lock of [new Lock(), new RLock()]) {
        const cond = new Condition(lock);
        assert.equal(Condition.from(cond), cond);
        const copy = Condition.from(structuredClone(cond));
        assert.ok(copy instanceof Condition);
        assert.equal(copy.lock.constructor, lock.constructor);
        lock.acquire();
        assert.equal(copy.lock.locked(), true);
        lock.release();
      }
    });
  });

  describe('blocking, in workers', () => {
    test('CPython _check_notify, twice on one Condition (RLock), notifier blocking on main', T, async () => {
      const cond = new Condition();
      const where = Array<'worker'>(5).fill('worker');
      await checkNotify(cond, where, 'blocking');
      await checkNotify(cond, where, 'blocking');
    });

    test('CPython _check_notify on a Condition on a Lock', T, async () => {
      await checkNotify(new Condition(new Lock()), Array<'worker'>(5).fill('worker'), 'blocking');
    });

    test(
      'CPython test_timeout: 5 workers wait(200) without notify: false after about 200 ms',
      T,
      async () => {
        const cond = new Condition();
        const log = new StepLog();
        const results = await watchdog(
          Promise.all(
            [0, 1, 2, 3, 4].map(
              () => runInWorker<Timed<boolean>>('condition', 'waitLogged', cond, log.i32, 200).result,
            ),
          ),
          15000,
          'timed waiters',
        );
        for (const { result, ms } of results) {
          assert.equal(result, false);
          assertTimeout(ms, 200);
        }
        assert.match(inspect(cond), /^Condition \{ waiters: 0, lock: RLock \{ unlocked \} \}$/);
      },
    );

    test('a notification wakes a worker that waits with a timeout: true, before the timeout', T, async () => {
      const cond = new Condition();
      const log = new StepLog();
      const run = runInWorker<Timed<boolean>>('condition', 'waitLogged', cond, log.i32, 10000);
      await until(() => log.entries().includes(1), 'the worker waits');
      cond.acquire();
      cond.notify();
      cond.release();
      const { result, ms } = await watchdog(run.result, 10000, 'the notified waiter');
      assert.equal(result, true);
      assert.ok(ms < 10000);
    });

    test("CPython test_waitfor: waitFor returns the predicate's last value once it holds", T, async () => {
      const cond = new Condition();
      const state = new Int32Array(new SharedArrayBuffer(4));
      const log = new StepLog();
      const run = runInWorker<Timed<string | null>>('condition', 'waitForState', cond, state, 4, log.i32);
      await until(() => log.entries().includes(1), 'the worker checked the predicate once');
      for (let i = 0; i < 4; i++) {
        cond.acquire();
        state[0] = (state[0] as number) + 1;
        cond.notify();
        cond.release();
      }
      assert.equal((await watchdog(run.result, 10000, 'waitFor')).result, 'state 4');
    });

    test(
      "CPython test_waitfor_timeout: waitFor returns the predicate's last (falsy) value after the timeout",
      T,
      async () => {
        const cond = new Condition();
        const state = new Int32Array(new SharedArrayBuffer(4));
        const log = new StepLog();
        const run = runInWorker<Timed<string | null>>(
          'condition',
          'waitForState',
          cond,
          state,
          4,
          log.i32,
          150,
        );
        await until(() => log.entries().includes(1), 'the worker checked the predicate once');
        for (let i = 0; i < 3; i++) {
          cond.acquire();
          state[0] = (state[0] as number) + 1;
          cond.notify();
          cond.release();
        }
        const { result, ms } = await watchdog(run.result, 10000, 'waitFor with a timeout');
        assert.equal(result, null);
        assertTimeout(ms, 150);
      },
    );

    test('on an RLock held 3 deep: wait releases every level and restores the depth', T, async () => {
      const cond = new Condition();
      const log = new StepLog();
      const run = runInWorker<{ result: boolean; seen: string; extra: string }>(
        'condition',
        'waitDeep',
        cond,
        3,
        log.i32,
      );
      await until(() => log.entries().includes(1), 'the worker is about to wait');
      assert.equal(cond.acquire(10000), true, 'the waiter released every level');
      assert.equal(inspect(cond.lock), `RLock { owner: ${getIdent()}, count: 1 }`);
      cond.notify();
      cond.release();
      assert.deepEqual(await watchdog(run.result, 10000, 'the deep waiter'), {
        result: true,
        seen: 'RLock { owner: ME, count: 3 }',
        extra: 'RuntimeError',
      });
    });

    test('a worker that does not hold the lock cannot wait or notify; state unchanged', T, async () => {
      for (const cond of [new Condition(), new Condition(new Lock())]) {
        const out = await runInWorker<string[]>('condition', 'withoutLock', cond).result;
        assert.deepEqual(out.slice(0, 4), Array(4).fill('RuntimeError:WEFT_RUNTIME'));
        assert.match(out[4] as string, /^Condition \{ waiters: 0, lock: R?Lock \{ unlocked \} \}$/);
      }
      // An RLock held by the main thread is not held by the worker.
      const cond = new Condition();
      cond.acquire();
      const out = await runInWorker<string[]>('condition', 'withoutLock', cond).result;
      assert.deepEqual(out.slice(0, 4), Array(4).fill('RuntimeError:WEFT_RUNTIME'));
      assert.equal(inspect(cond.lock), `RLock { owner: ${getIdent()}, count: 1 }`);
      cond.release();
    });

    test('crosses threads together with its lock (Condition.from revives the lock)', T, async () => {
      for (const lock of [new Lock(), new RLock()]) {
        const cond = new Condition(lock);
        cond.acquire();
        const held = await runInWorker('condition', 'crossing', cond).result;
        cond.release();
        const free = await runInWorker('condition', 'crossing', cond).result;
        assert.deepEqual(held, { lock: lock.constructor.name, acquired: false });
        assert.deepEqual(free, { lock: lock.constructor.name, acquired: true });
      }
    });

    test('notify(2) with four waiters wakes exactly two; notify(2) again the other two', T, async () => {
      const cond = new Condition();
      const log = new StepLog();
      const runs = [0, 1, 2, 3].map(
        () => runInWorker<Timed<boolean>>('condition', 'waitLogged', cond, log.i32, 15000).result,
      );
      await until(() => countSteps(log.i32, 1) === 4, 'four waiters');
      cond.acquire();
      cond.notify(2);
      cond.release();
      await until(() => countSteps(log.i32, 2) === 2, 'two woken');
      await delay(50);
      assert.equal(countSteps(log.i32, 2), 2, 'notify(2) woke at most two');
      cond.acquire();
      cond.notify(2);
      cond.release();
      const results = await watchdog(Promise.all(runs), 15000, 'the four waiters');
      assert.deepEqual(
        results.map((r) => r.result),
        [true, true, true, true],
      );
    });

    test(
      'ping-pong regression: a thread that notifies then waits does not take its own notification',
      T,
      async () => {
        const cond = new Condition();
        const log = new StepLog(4100);
        const rounds = 2000;
        const runs = [1, 2].map(
          (id) => runInWorker('condition', 'pingPong', cond, log.i32, id, rounds).result,
        );
        await watchdog(Promise.all(runs), 25000, 'ping-pong between two workers');
        assertAlternates(log.entries(), 2 * rounds);
      },
    );

    test('producer/consumer: 2 producers, 2 consumers, 6,000 items through a 16-slot queue', T, async () => {
      const lock = new Lock();
      const notEmpty = new Condition(lock);
      const notFull = new Condition(lock);
      const q = makeQueue(16);
      const per = 3000;
      const total = 2 * per;
      const producers = [0, 1].map(
        (p) => runInWorker('condition', 'produce', notEmpty, notFull, q, p * per + 1, (p + 1) * per).result,
      );
      const consumers = [0, 1].map(
        () =>
          runInWorker<{ sum: number; n: number }>('condition', 'consume', notEmpty, notFull, q, total).result,
      );
      await watchdog(Promise.all(producers), 20000, 'producers');
      const taken = await watchdog(Promise.all(consumers), 20000, 'consumers');
      assert.equal(taken[0]!.n + taken[1]!.n, total);
      assert.equal(taken[0]!.sum + taken[1]!.sum, (total * (total + 1)) / 2);
      assert.equal(lock.locked(), false);
    });
  });

  describe('async, on the main thread (a Condition on a Lock)', () => {
    test('CPython _check_notify with five async waiters on the main thread', T, async () => {
      const cond = new Condition(new Lock());
      await checkNotify(cond, Array<'main'>(5).fill('main'), 'async');
    });

    test('waitAsync(timeout): false after about the timeout, holding the lock again', async () => {
      const cond = new Condition(new Lock());
      await cond.acquireAsync();
      const t0 = performance.now();
      assert.equal(await cond.waitAsync(60), false);
      assertTimeout(performance.now() - t0, 60);
      assert.equal(cond.lock.locked(), true);
      assert.equal(inspect(cond), 'Condition { waiters: 0, lock: Lock { locked } }');
      cond.release();
    });

    test(
      "waitForAsync: a worker notifies; returns the predicate's last value, or it after a timeout",
      T,
      async () => {
        const cond = new Condition(new Lock());
        const state = new Int32Array(new SharedArrayBuffer(4));
        await cond.acquireAsync();
        const worker = runInWorker('condition', 'bump', cond, state, 4);
        const r = await watchdog(
          cond.waitForAsync(() => ((state[0] as number) >= 4 ? `state ${state[0]}` : null)),
          10000,
          'waitForAsync',
        );
        assert.equal(r, 'state 4');
        cond.release();
        await worker.result;
        await cond.acquireAsync();
        const t0 = performance.now();
        assert.equal(await cond.waitForAsync(() => ((state[0] as number) >= 5 ? 'never' : 0), 80), 0);
        assertTimeout(performance.now() - t0, 80);
        cond.release();
      },
    );

    test(
      'waitAsync abort: rejects only after re-taking the lock, which the caller then holds',
      T,
      async () => {
        const cond = new Condition(new Lock());
        await cond.acquireAsync();
        const ac = new AbortController();
        const waiting = cond.waitAsync(undefined, { signal: ac.signal });
        // The wait released the lock: a worker takes it and keeps it.
        const { gate, log, done } = await lockHeldByWorker(cond.lock);
        const reason = new Error('give up');
        ac.abort(reason);
        let seenAtRejection: number[] | undefined;
        const rejected = waiting.catch((e: unknown) => {
          seenAtRejection = log.entries();
          return e;
        });
        await delay(30); // a broken abort would reject now, without the lock
        assert.equal(seenAtRejection, undefined, 'rejected while another thread held the lock');
        gate.open();
        assert.equal(await watchdog(rejected, 10000, 'the aborted wait'), reason);
        assert.deepEqual(seenAtRejection, [1, 2], 'the worker had released before the rejection');
        assert.equal(cond.lock.locked(), true, 'the caller holds the lock after the rejection');
        assert.equal(inspect(cond), 'Condition { waiters: 0, lock: Lock { locked } }');
        cond.release();
        await done;
      },
    );

    test('waitAsync with an already aborted signal rejects at once and keeps the lock held', async () => {
      const cond = new Condition(new Lock());
      await cond.acquireAsync();
      const reason = new Error('already');
      assert.equal(
        await rejectionOf(cond.waitAsync(undefined, { signal: AbortSignal.abort(reason) })),
        reason,
      );
      assert.equal(cond.lock.locked(), true);
      assert.equal(inspect(cond), 'Condition { waiters: 0, lock: Lock { locked } }');
      cond.release();
    });

    test(
      'waitAsync abort does not lose a notification: notify(1), then abort, the other waiter wakes',
      T,
      async () => {
        for (let round = 0; round < 10; round++) {
          const cond = new Condition(new Lock());
          const log = new StepLog();
          // a: async on main, to be aborted; b: a blocking worker. Both wait.
          await cond.acquireAsync();
          const ac = new AbortController();
          const a = cond.waitAsync(undefined, { signal: ac.signal });
          const b = runInWorker<Timed<boolean>>('condition', 'waitLogged', cond, log.i32, 15000);
          await until(() => log.entries().includes(1), 'b waits');
          await cond.acquireAsync();
          cond.notify(1); // one of a and b is chosen
          ac.abort(new Error('abort a')); // before either has run
          cond.release();
          const ra = await watchdog(rejectionOf(a), 10000, 'a');
          assert.match(ra.message ?? '', /abort a/);
          assert.equal(cond.lock.locked(), true, 'a re-took the lock before rejecting');
          cond.release();
          const rb = await watchdog(b.result, 10000, `b, which must get the notification (round ${round})`);
          assert.equal(rb.result, true, 'the notification reached b');
          assert.equal(inspect(cond), 'Condition { waiters: 0, lock: Lock { unlocked } }');
        }
      },
    );

    test('abort of one async waiter of two: notify(1) afterwards still wakes the other', T, async () => {
      const cond = new Condition(new Lock());
      await cond.acquireAsync();
      const ac = new AbortController();
      const a = cond.waitAsync(undefined, { signal: ac.signal });
      await cond.acquireAsync();
      const b = cond.waitAsync(10000);
      ac.abort();
      await assert.rejects(a, { name: 'AbortError' });
      cond.notify(1);
      cond.release();
      assert.equal(await watchdog(b, 10000, 'b'), true);
      cond.release();
      assert.equal(inspect(cond), 'Condition { waiters: 0, lock: Lock { unlocked } }');
    });
  });

  describe('mixed: blocking workers and async main on one condition', () => {
    test('CPython _check_notify with 3 blocking workers and 2 async waiters on main', T, async () => {
      await checkNotify(new Condition(new Lock()), ['worker', 'main', 'worker', 'main', 'worker'], 'async');
    });

    test('ping-pong between a blocking worker and an async task on main', T, async () => {
      const cond = new Condition(new Lock());
      const log = new StepLog(2100);
      const rounds = 1000;
      const worker = runInWorker('condition', 'pingPong', cond, log.i32, 1, rounds).result;
      const main = pingPongAsync(cond, log.i32, 2, rounds);
      await watchdog(Promise.all([worker, main]), 25000, 'ping-pong worker <-> main');
      assertAlternates(log.entries(), 2 * rounds);
    });

    test(
      'producer/consumer: 2 producer workers, consumers in a worker and async on main, 4,000 items',
      T,
      async () => {
        const lock = new Lock();
        const notEmpty = new Condition(lock);
        const notFull = new Condition(lock);
        const q = makeQueue(8);
        const per = 2000;
        const total = 2 * per;
        const producers = [0, 1].map(
          (p) => runInWorker('condition', 'produce', notEmpty, notFull, q, p * per + 1, (p + 1) * per).result,
        );
        const consumers = [
          runInWorker<{ sum: number; n: number }>('condition', 'consume', notEmpty, notFull, q, total).result,
          consumeAsync(notEmpty, notFull, q, total),
        ];
        await watchdog(Promise.all(producers), 20000, 'producers');
        const taken = await watchdog(Promise.all(consumers), 20000, 'consumers');
        assert.equal(taken[0]!.n + taken[1]!.n, total);
        assert.equal(taken[0]!.sum + taken[1]!.sum, (total * (total + 1)) / 2);
        assert.equal(lock.locked(), false);
      },
    );

    test('one notifyAll from a worker wakes blocking and async waiters alike', T, async () => {
      const cond = new Condition(new Lock());
      const log = new StepLog();
      const workers = [0, 1].map(
        () => runInWorker<Timed<boolean>>('condition', 'waitLogged', cond, log.i32, 15000).result,
      );
      const mains = [0, 1].map(async () => {
        await cond.acquireAsync();
        StepLog.push(log.i32, 1);
        const r = await cond.waitAsync(15000);
        cond.release();
        return r;
      });
      await until(() => countSteps(log.i32, 1) === 4, 'four waiters');
      assert.equal(await isPending(Promise.race(mains)), true);
      await runInWorker('condition', 'notifyAllOnce', cond).result;
      const results = await watchdog(Promise.all([...workers, ...mains]), 15000, 'all four waiters');
      assert.deepEqual(
        results.map((r) => (typeof r === 'boolean' ? r : r.result)),
        [true, true, true, true],
      );
    });
  });

  describe('bad input', () => {
    test('constructor: a lock that is not a weft Lock or RLock is a TypeError', () => {
      for (const lock of [null, 1, 'lock', {}, new Semaphore(), structuredClone(new Lock())]) {
        assert.throws(
          () => new Condition(lock as unknown as Lock),
          (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
        );
      }
    });

    test(
      'notify(n): not a number is a TypeError, negative or fractional a RangeError; nothing changes',
      T,
      async () => {
        const cond = new Condition();
        const log = new StepLog();
        const run = runInWorker<Timed<boolean>>('condition', 'waitLogged', cond, log.i32, 15000);
        await until(() => log.entries().includes(1), 'a waiter');
        cond.acquire();
        for (const [n, name] of [
          ['1', 'TypeError'],
          [null, 'TypeError'],
          [-1, 'RangeError'],
          [1.5, 'RangeError'],
          [Number.NaN, 'RangeError'],
        ] as const) {
          assert.throws(
            () => cond.notify(n as unknown as number),
            (e) => assertError(e, name, 'WEFT_BAD_ARGUMENT'),
          );
        }
        assert.equal(
          inspect(cond),
          `Condition { waiters: 1, lock: RLock { owner: ${getIdent()}, count: 1 } }`,
        );
        cond.release();
        await delay(30);
        assert.equal(countSteps(log.i32, 2), 0, 'no bad notify woke the waiter');
        cond.acquire();
        cond.notify();
        cond.release();
        assert.equal((await watchdog(run.result, 10000, 'the waiter')).result, true);
      },
    );

    test('wait / waitFor with bad timeout or predicate throw; the lock stays held at its depth', () => {
      const cond = new Condition();
      cond.acquire();
      cond.acquire();
      const before = inspect(cond);
      assert.throws(
        () => cond.wait('1' as unknown as number),
        (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
      );
      assert.throws(
        () => cond.wait(Number.NaN),
        (e) => assertError(e, 'RangeError', 'WEFT_BAD_ARGUMENT'),
      );
      assert.throws(
        () => cond.waitFor(42 as unknown as () => boolean),
        (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
      );
      assert.throws(
        () => cond.waitFor(() => true, 'x' as unknown as number),
        (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
      );
      assert.throws(
        () => cond.hold({} as unknown as number),
        (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
      );
      assert.equal(inspect(cond), before);
      cond.release();
      cond.release();
    });

    test('async forms with bad input reject (never throw); the lock is unchanged', async () => {
      const cond = new Condition(new Lock());
      await cond.acquireAsync();
      const cases: [() => Promise<unknown>, string][] = [
        [() => cond.waitAsync('1' as unknown as number), 'TypeError'],
        [() => cond.waitAsync(Number.NaN), 'RangeError'],
        [() => cond.waitAsync(10, 'x' as unknown as object), 'TypeError'],
        [() => cond.waitAsync(10, { signal: 1 as unknown as AbortSignal }), 'TypeError'],
        [() => cond.waitForAsync(1 as unknown as () => boolean), 'TypeError'],
        [() => cond.waitForAsync(() => false, Number.NaN), 'RangeError'],
        [() => cond.waitForAsync(() => true, 10, 'x' as unknown as object), 'TypeError'],
        [() => cond.acquireAsync('x' as unknown as number), 'TypeError'],
        [() => cond.holdAsync(Number.NaN), 'RangeError'],
      ];
      for (const [call, name] of cases) {
        let p: Promise<unknown> | undefined;
        assert.doesNotThrow(() => {
          p = call();
        });
        assertError(await rejectionOf(p as Promise<unknown>), name, 'WEFT_BAD_ARGUMENT');
        assert.equal(inspect(cond), 'Condition { waiters: 0, lock: Lock { locked } }');
      }
      cond.release();
    });

    test('Condition.from refuses anything but a Condition with TypeError (WEFT_BAD_HANDLE)', () => {
      const broken = { ...structuredClone(new Condition()), lock: 7 };
      for (const value of [
        undefined,
        null,
        {},
        new Lock(),
        new RLock(),
        structuredClone(new Lock()),
        broken,
      ]) {
        assert.throws(
          () => Condition.from(value),
          (e) => assertError(e, 'TypeError', 'WEFT_BAD_HANDLE', /Condition/),
        );
      }
    });
  });
});

/** Asserts that `entries` has `n` turns that alternate between two ids. */
function assertAlternates(entries: number[], n: number): void {
  assert.equal(entries.length, n);
  for (let i = 1; i < entries.length; i++) {
    if (entries[i] === entries[i - 1]) {
      assert.fail(`turn ${i} was taken twice in a row by ${entries[i]}: a thread took its own notification`);
    }
  }
}
