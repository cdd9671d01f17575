/*
 * Lock contract (CPython's BaseLockTests and LockTests, adapted): blocking in workers, async on the
 * main thread, and both on one lock. Order is checked through StepLog; timing only loosely.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { Lock, RLock, Semaphore } from 'weft-threading';
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

const T = { timeout: 20000 };

function assertError(error: unknown, name: string, code: string, message?: RegExp): true {
  const e = error as { name?: string; code?: string; message?: string };
  assert.equal(e.name, name, `error name (${e.message})`);
  assert.equal(e.code, code, `error code (${e.message})`);
  if (message) assert.match(e.message ?? '', message);
  return true;
}

/** A worker that takes the lock and keeps it until the returned gate opens. */
async function heldByWorker(lock: Lock): Promise<{ gate: Gate; log: StepLog; done: Promise<unknown> }> {
  const gate = new Gate();
  const log = new StepLog();
  const { result } = runInWorker('lock', 'holdUntil', lock, log.i32, gate.i32);
  await until(() => log.entries().includes(1), 'the worker holds the lock');
  return { gate, log, done: result };
}

describe('Lock', () => {
  describe('on any thread', () => {
    test('constructor, locked() and inspection', () => {
      const lock = new Lock();
      assert.equal(lock.locked(), false);
      assert.equal(inspect(lock), 'Lock { unlocked }');
      assert.equal(lock.acquire(), true);
      assert.equal(lock.locked(), true);
      assert.equal(inspect(lock), 'Lock { locked }');
      lock.release();
      assert.equal(lock.locked(), false);
    });

    test('acquire / release; try-acquire with timeout 0 and negative', () => {
      const lock = new Lock();
      assert.equal(lock.acquire(0), true);
      assert.equal(lock.acquire(0), false);
      assert.equal(lock.acquire(-100), false);
      assert.equal(lock.locked(), true);
      lock.release();
      assert.equal(lock.acquire(-1), true);
      lock.release();
    });

    test('no-limit timeouts (undefined, Infinity, huge) take a free lock at once', () => {
      const lock = new Lock();
      for (const timeout of [undefined, Number.POSITIVE_INFINITY, 1e100, 2 ** 53]) {
        const t0 = performance.now();
        assert.equal(lock.acquire(timeout), true);
        assert.ok(performance.now() - t0 < 1000);
        lock.release();
      }
    });

    test('a timed acquire of a held lock returns false after about the timeout (main thread blocks)', () => {
      const lock = new Lock();
      lock.acquire();
      const t0 = performance.now();
      assert.equal(lock.acquire(50), false);
      assertTimeout(performance.now() - t0, 50);
      assert.equal(lock.locked(), true);
      lock.release();
    });

    test('state after a timeout (CPython issue 11618)', () => {
      const lock = new Lock();
      lock.acquire();
      assert.equal(lock.acquire(10), false);
      lock.release();
      assert.equal(lock.locked(), false);
      assert.equal(lock.acquire(0), true);
      lock.release();
    });

    test('Lock.from gives the same lock back: live, or after crossing (structuredClone)', () => {
      const lock = new Lock();
      assert.equal(Lock.from(lock), lock);
      const copy = Lock.from(structuredClone(lock));
      assert.ok(copy instanceof Lock);
      lock.acquire();
      assert.equal(copy.locked(), true);
      assert.equal(copy.acquire(0), false);
      copy.release();
      assert.equal(lock.locked(), false);
    });
  });

  describe('blocking, in workers', () => {
    test('try-acquire of a lock held by another thread fails at once', T, async () => {
      const lock = new Lock();
      lock.acquire();
      const a = await runInWorker<Timed<boolean>>('lock', 'acquire', lock, 0).result;
      const b = await runInWorker<Timed<boolean>>('lock', 'acquire', lock, -5).result;
      assert.equal(a.result, false);
      assert.equal(b.result, false);
      assert.ok(a.ms < 1000 && b.ms < 1000, 'a try-acquire must not wait');
      lock.release();
    });

    test('acquire contended: 5 workers (more than cores) wait until the holder releases', T, async () => {
      const lock = new Lock();
      const log = new StepLog();
      lock.acquire();
      const runs = Array.from({ length: 5 }, () => runInWorker('lock', 'acquireLogged', lock, log.i32, 1, 2));
      await until(() => countSteps(log.i32, 1) === 5, 'all five workers are about to acquire');
      await delay(30); // not for ordering: a chance for a broken lock to let one through
      assert.equal(countSteps(log.i32, 2), 0, 'nobody may pass while the lock is held');
      lock.release();
      const results = await watchdog(Promise.all(runs.map((r) => r.result)), 15000, 'five contenders');
      assert.deepEqual(results, [true, true, true, true, true]);
      assert.equal(countSteps(log.i32, 2), 5);
      assert.equal(lock.locked(), false);
    });

    test('acquire(timeout) in a worker returns false after about the timeout', T, async () => {
      const lock = new Lock();
      lock.acquire();
      const { result, ms } = await runInWorker<Timed<boolean>>('lock', 'acquire', lock, 200).result;
      assert.equal(result, false);
      assertTimeout(ms, 200);
      assert.equal(lock.locked(), true, 'the timed-out waiter left the lock as it was');
      lock.release();
      assert.equal(lock.acquire(0), true, 'and left no trace');
      lock.release();
    });

    test('a lock must be released before it is re-acquired (CPython test_reacquire)', T, async () => {
      const lock = new Lock();
      const log = new StepLog();
      const run = runInWorker('lock', 'reacquire', lock, log.i32);
      await until(() => log.entries().includes(1), 'the worker took the lock once');
      await delay(30);
      assert.deepEqual(log.entries(), [1], 'the second acquire must block');
      lock.release(); // released by another thread than the one that took it
      await watchdog(run.result, 10000, 'the second acquire');
      assert.deepEqual(log.entries(), [1, 2]);
      assert.equal(lock.locked(), true, 'the worker took it again and kept it');
      lock.release();
    });

    test('any thread may release: main takes, a worker releases, and the reverse', T, async () => {
      const lock = new Lock();
      lock.acquire();
      await runInWorker('lock', 'release', lock).result;
      assert.equal(lock.locked(), false);
      assert.equal(lock.acquire(0), true);
      lock.release();

      const { result } = await runInWorker<Timed<boolean>>('lock', 'acquire', lock).result;
      assert.equal(result, true);
      assert.equal(lock.locked(), true, 'the worker exited holding it');
      lock.release();
      assert.equal(lock.locked(), false);
    });

    test('state after a timeout, in a worker', T, async () => {
      const lock = new Lock();
      assert.deepEqual(await runInWorker('lock', 'stateAfterTimeout', lock).result, [
        true,
        false,
        false,
        true,
      ]);
      assert.equal(lock.locked(), false);
    });

    test('blocking acquire on the main thread waits for a worker to release', T, async () => {
      const lock = new Lock();
      const log = new StepLog();
      const run = runInWorker('lock', 'holdFor', lock, log.i32, 50);
      await until(() => log.entries().includes(1), 'the worker holds the lock');
      const t0 = performance.now();
      assert.equal(lock.acquire(10000), true);
      assert.ok(performance.now() - t0 < 10000);
      assert.ok(log.entries().includes(2), 'the main thread got the lock only after the worker released it');
      lock.release();
      await run.result;
    });

    test('exact count: 4 workers x 25,000 increments of a plain counter under the lock', T, async () => {
      const lock = new Lock();
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const inside = new Int32Array(new SharedArrayBuffer(8));
      const n = 25000;
      const runs = Array.from({ length: 4 }, () =>
        runInWorker('lock', 'increment', lock, counter, inside, n),
      );
      await watchdog(Promise.all(runs.map((r) => r.result)), 15000, 'four incrementing workers');
      assert.equal(Atomics.load(inside, 1), 0, 'two threads were inside the critical section at once');
      assert.equal(counter[0], 4 * n);
      assert.equal(lock.locked(), false);
    });
  });

  describe('async, on the main thread', () => {
    test('acquireAsync takes a free lock; a second acquireAsync(0) fails', async () => {
      const lock = new Lock();
      assert.equal(await lock.acquireAsync(), true);
      assert.equal(lock.locked(), true);
      assert.equal(await lock.acquireAsync(0), false);
      assert.equal(await lock.acquireAsync(-1), false);
      lock.release();
    });

    test('try-acquire and timed acquire of a lock held by a worker', T, async () => {
      const lock = new Lock();
      const { gate, done } = await heldByWorker(lock);
      assert.equal(await lock.acquireAsync(0), false);
      const t0 = performance.now();
      assert.equal(await lock.acquireAsync(100), false);
      assertTimeout(performance.now() - t0, 100);
      gate.open();
      await done;
      assert.equal(lock.locked(), false, 'the timed-out async waiter left no trace');
    });

    test('async waiters are all served once a worker releases; none before', T, async () => {
      const lock = new Lock();
      const { gate, log, done } = await heldByWorker(lock);
      const order: number[] = [];
      const waiters = [0, 1, 2, 3, 4].map((i) =>
        lock.acquireAsync().then((r) => {
          order.push(i);
          assert.ok(log.entries().includes(2), 'served only after the worker released');
          lock.release();
          return r;
        }),
      );
      assert.equal(await isPending(Promise.race(waiters)), true);
      gate.open();
      assert.deepEqual(await watchdog(Promise.all(waiters), 10000, 'five async waiters'), [
        true,
        true,
        true,
        true,
        true,
      ]);
      assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4]); // served once each; FIFO is not promised
      await done;
      assert.equal(lock.locked(), false);
    });

    test('an already aborted signal rejects with its reason and takes nothing', async () => {
      const lock = new Lock();
      const reason = new Error('stop');
      const p = lock.acquireAsync(undefined, { signal: AbortSignal.abort(reason) });
      assert.equal(await rejectionOf(p), reason);
      assert.equal(lock.locked(), false);
    });

    test('abort of a pending acquireAsync rejects with the reason and leaves no trace', T, async () => {
      const lock = new Lock();
      const { gate, done } = await heldByWorker(lock);
      const ac = new AbortController();
      const p = lock.acquireAsync(undefined, { signal: ac.signal });
      assert.equal(await isPending(p), true);
      ac.abort('enough');
      assert.equal(await rejectionOf(p), 'enough');
      gate.open();
      await done;
      await delay(10);
      assert.equal(lock.locked(), false, 'the aborted waiter must never take the lock');
      assert.equal(lock.acquire(0), true);
      lock.release();
    });

    test(
      'abort does not swallow a wake-up: release wakes the first waiter, it aborts, the second gets the lock',
      T,
      async () => {
        for (let round = 0; round < 20; round++) {
          const lock = new Lock();
          lock.acquire();
          const ac = new AbortController();
          const a = lock.acquireAsync(undefined, { signal: ac.signal });
          const b = lock.acquireAsync();
          await delay(0); // both are queued on the lock's word, a first
          lock.release(); // wakes one queued waiter: a
          ac.abort(new Error('abort a')); // before a has run
          await assert.rejects(a, /abort a/);
          assert.equal(await watchdog(b, 5000, `waiter b (round ${round})`), true);
          assert.equal(lock.locked(), true);
          lock.release();
          assert.equal(lock.locked(), false);
        }
      },
    );

    test('abort of one of two async waiters while the lock is held: the other still gets it', T, async () => {
      const lock = new Lock();
      const { gate, done } = await heldByWorker(lock);
      const ac = new AbortController();
      const a = lock.acquireAsync(undefined, { signal: ac.signal });
      const b = lock.acquireAsync();
      await delay(5);
      ac.abort();
      await assert.rejects(a, { name: 'AbortError' });
      gate.open();
      assert.equal(await watchdog(b, 10000, 'the waiter that was not aborted'), true);
      lock.release();
      await done;
    });
  });

  describe('mixed: blocking workers and async main on one lock', () => {
    test('exact count: 3 blocking workers and 2 async tasks on main increment one counter', T, async () => {
      const lock = new Lock();
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const inside = new Int32Array(new SharedArrayBuffer(8));
      const n = 10000;
      const runs = Array.from({ length: 3 }, () =>
        runInWorker('lock', 'increment', lock, counter, inside, n),
      );
      const task = async (): Promise<void> => {
        for (let i = 0; i < n; i++) {
          await lock.acquireAsync();
          if (Atomics.add(inside, 0, 1) !== 0) Atomics.add(inside, 1, 1);
          counter[0] = (counter[0] as number) + 1;
          Atomics.sub(inside, 0, 1);
          lock.release();
        }
      };
      await watchdog(
        Promise.all([...runs.map((r) => r.result), task(), task()]),
        20000,
        'mixed incrementers',
      );
      assert.equal(Atomics.load(inside, 1), 0, 'two holders at once');
      assert.equal(counter[0], 5 * n);
      assert.equal(lock.locked(), false);
    });

    test('one release by the holder serves a blocking worker and an async waiter in turn', T, async () => {
      const lock = new Lock();
      const { gate, done } = await heldByWorker(lock);
      const log = new StepLog();
      const worker = runInWorker('lock', 'acquireLogged', lock, log.i32, 10, 11);
      const main = lock.acquireAsync().then((r) => {
        lock.release();
        return r;
      });
      await until(() => log.entries().includes(10), 'the worker is about to block');
      assert.equal(await isPending(main), true);
      gate.open();
      assert.deepEqual(await watchdog(Promise.all([worker.result, main]), 10000, 'both waiters'), [
        true,
        true,
      ]);
      await done;
      assert.equal(lock.locked(), false);
    });

    test('async holder on main, blocking waiter in a worker', T, async () => {
      const lock = new Lock();
      assert.equal(await lock.acquireAsync(), true);
      const log = new StepLog();
      const worker = runInWorker('lock', 'acquireLogged', lock, log.i32, 1, 2);
      await until(() => log.entries().includes(1), 'the worker is about to block');
      await delay(20);
      assert.deepEqual(log.entries(), [1]);
      lock.release();
      assert.equal(await watchdog(worker.result, 10000, 'the blocked worker'), true);
    });

    test(
      'aborting an async waiter queued before a blocking worker does not strand the worker',
      T,
      async () => {
        for (let round = 0; round < 5; round++) {
          const lock = new Lock();
          lock.acquire();
          const ac = new AbortController();
          const a = lock.acquireAsync(undefined, { signal: ac.signal });
          await delay(0);
          const log = new StepLog();
          const worker = runInWorker('lock', 'acquireLogged', lock, log.i32, 1, 2);
          await until(() => log.entries().includes(1), 'the worker is about to block');
          await delay(10);
          lock.release(); // wakes the first queued waiter: the async one
          ac.abort(new Error('abort a'));
          await assert.rejects(a, /abort a/);
          assert.equal(await watchdog(worker.result, 10000, `the worker (round ${round})`), true);
          assert.equal(lock.locked(), false);
        }
      },
    );
  });

  describe('misuse and bad input', () => {
    test('release of an unlocked lock throws RuntimeError and changes nothing', () => {
      const lock = new Lock();
      assert.throws(
        () => lock.release(),
        (e) => assertError(e, 'RuntimeError', 'WEFT_RUNTIME', /Lock.*release unlocked/),
      );
      assert.equal(lock.locked(), false);
      assert.equal(lock.acquire(0), true);
      lock.release();
      assert.throws(() => lock.release(), { name: 'RuntimeError' });
      assert.equal(lock.acquire(0), true, 'still usable after the misuse');
      lock.release();
    });

    test('release of an unlocked lock in a worker throws RuntimeError there', T, async () => {
      const lock = new Lock();
      const error = await rejectionOf(runInWorker('lock', 'release', lock).result);
      assertError(error, 'RuntimeError', 'WEFT_RUNTIME');
      assert.equal(lock.locked(), false);
    });

    test('acquire with a bad timeout throws TypeError / RangeError and changes nothing', T, async () => {
      const lock = new Lock();
      for (const held of [false, true]) {
        if (held) lock.acquire();
        for (const [timeout, name] of [
          ['1', 'TypeError'],
          [null, 'TypeError'],
          [{}, 'TypeError'],
          [10n, 'TypeError'],
          [Number.NaN, 'RangeError'],
        ] as const) {
          assert.throws(
            () => lock.acquire(timeout as unknown as number),
            (e) => assertError(e, name, 'WEFT_BAD_ARGUMENT'),
          );
          assert.throws(
            () => lock.hold(timeout as unknown as number),
            (e) => assertError(e, name, 'WEFT_BAD_ARGUMENT'),
          );
          assert.equal(lock.locked(), held);
        }
      }
      lock.release();
      const inWorker = await runInWorker<{ errors: string[]; locked: boolean }>('lock', 'badArguments', lock)
        .result;
      assert.deepEqual(inWorker, {
        errors: [
          'TypeError:WEFT_BAD_ARGUMENT',
          'RangeError:WEFT_BAD_ARGUMENT',
          'TypeError:WEFT_BAD_ARGUMENT',
          'TypeError:WEFT_BAD_ARGUMENT',
        ],
        locked: false,
      });
    });

    test('acquireAsync / holdAsync with bad input reject (never throw) and change nothing', async () => {
      const lock = new Lock();
      const cases: [() => Promise<unknown>, string][] = [
        [() => lock.acquireAsync('1' as unknown as number), 'TypeError'],
        [() => lock.acquireAsync(Number.NaN), 'RangeError'],
        [() => lock.acquireAsync(10, 'x' as unknown as object), 'TypeError'],
        [() => lock.acquireAsync(10, null as unknown as object), 'TypeError'],
        [() => lock.acquireAsync(10, { signal: {} as AbortSignal }), 'TypeError'],
        [() => lock.holdAsync('1' as unknown as number), 'TypeError'],
        [() => lock.holdAsync(10, { signal: 'x' as unknown as AbortSignal }), 'TypeError'],
      ];
      for (const [call, name] of cases) {
        let p: Promise<unknown> | undefined;
        assert.doesNotThrow(() => {
          p = call();
        });
        assertError(await rejectionOf(p as Promise<unknown>), name, 'WEFT_BAD_ARGUMENT');
        assert.equal(lock.locked(), false);
      }
      assert.equal(lock.acquire(0), true);
      lock.release();
    });

    test('Lock.from refuses anything but a Lock with TypeError (WEFT_BAD_HANDLE)', () => {
      const forged = { __weft: 'Lock', _i32: new Int32Array(new SharedArrayBuffer(8)), _at: 0 };
      const unshared = { __weft: 'Lock', _i32: new Int32Array(8), _at: 0 };
      const lock = new Lock();
      const outOfRange = { ...structuredClone(lock), _at: 1e9 };
      for (const value of [
        undefined,
        null,
        42,
        'Lock',
        {},
        [],
        new RLock(),
        structuredClone(new RLock()),
        new Semaphore(),
        forged,
        unshared,
        outOfRange,
      ]) {
        assert.throws(
          () => Lock.from(value),
          (e) => assertError(e, 'TypeError', 'WEFT_BAD_HANDLE', /Lock/),
        );
      }
      assert.equal(lock.locked(), false);
    });
  });
});
