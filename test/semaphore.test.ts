/*
 * Semaphore and BoundedSemaphore: the contract (CPython's Lib/test/lock_tests.py BaseSemaphoreTests,
 * SemaphoreTests, BoundedSemaphoreTests, and API.md), bound to both classes like CPython binds its
 * suites, and run in each mode: blocking waiters in workers, async waiters on the main thread, and
 * both on the same semaphore, woken by the same release().
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BoundedSemaphore, Semaphore, TimeoutError, ValueError } from 'weft-threading';
import { delay, MODES, runInWorker, runOn, StepLog, sideOf, until, watchdog } from './helpers.js';

const MAX = 0x7fffffff;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

type Kind = typeof Semaphore | typeof BoundedSemaphore;
const KINDS: readonly Kind[] = [Semaphore, BoundedSemaphore];

/** A semaphore of `kind` made with `initial` permits and then drained to `value`. */
function made(kind: Kind, initial: number, value = initial): Semaphore {
  const sem = new kind(initial);
  for (let i = value; i < initial; i++) assert.equal(sem.acquire(0), true);
  assert.equal(sem.value, value);
  return sem;
}

/** Asserts that `fn` throws a `ctor` (TypeError, RangeError…) carrying `code`. */
function throwsCoded(
  fn: () => unknown,
  ctor: new (...a: never[]) => Error,
  code: string,
  what: string,
): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ctor, `${what}: expected a ${ctor.name}, got ${String(err)}`);
    assert.equal((err as { code?: string }).code, code, `${what}: code`);
    return true;
  });
}

/** Numbers of entries in `log` that are >= 100 (a waiter's "acquired" steps). */
const acquiredIn = (log: StepLog): number => log.entries().filter((s) => s >= 100).length;

for (const kind of KINDS) {
  const name = kind.name;
  describe(name, () => {
    test('constructor: value < 0 or not an integer is a RangeError, not a number a TypeError', () => {
      for (const bad of [
        -1,
        -MAX,
        Number.MIN_SAFE_INTEGER,
        1.5,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        2 ** 31,
      ]) {
        throwsCoded(() => new kind(bad), RangeError, 'WEFT_BAD_ARGUMENT', `new ${name}(${bad})`);
      }
      for (const bad of ['2', null, {}, [1], true, 2n]) {
        throwsCoded(
          () => new kind(bad as never),
          TypeError,
          'WEFT_BAD_ARGUMENT',
          `new ${name}(${String(bad)})`,
        );
      }
      assert.equal(new kind(0).value, 0);
      assert.equal(new kind(MAX).value, MAX);
    });

    test('default value is 1 (test_default_value, first half)', () => {
      const sem = new kind();
      assert.equal(sem.value, 1);
      assert.equal(sem.acquire(0), true);
      assert.equal(sem.acquire(0), false);
      sem.release();
      assert.equal(sem.value, 1);
    });

    test('acquire and release count permits (test_acquire), in both forms', async () => {
      const one = new kind(1);
      assert.equal(one.acquire(), true);
      assert.equal(one.value, 0);
      one.release();
      assert.equal(one.value, 1);
      const two = new kind(2);
      assert.equal(two.acquire(), true);
      assert.equal(await two.acquireAsync(), true);
      assert.equal(two.value, 0);
      two.release();
      two.release();
      assert.equal(two.value, 2);
    });

    test('try-acquire: timeout 0 polls (test_try_acquire), in both forms', async () => {
      const sem = new kind(2);
      assert.equal(sem.acquire(0), true);
      assert.equal(await sem.acquireAsync(0), true);
      assert.equal(sem.acquire(0), false);
      assert.equal(await sem.acquireAsync(0), false);
      assert.equal(sem.acquire(-5), false);
      sem.release();
      assert.equal(await sem.acquireAsync(0), true);
      assert.equal(sem.value, 0);
    });

    test('acquire timeout (test_acquire_timeout), in both forms', async () => {
      const sem = new kind(2);
      assert.equal(sem.acquire(5), true);
      assert.equal(await sem.acquireAsync(5), true);
      assert.equal(sem.acquire(5), false);
      assert.equal(await sem.acquireAsync(5), false);
      sem.release();
      assert.equal(sem.acquire(5), true);
      const T = 150;
      let t0 = performance.now();
      assert.equal(sem.acquire(T), false);
      let ms = performance.now() - t0;
      assert.ok(ms >= T * 0.6 && ms < T * 10, `acquire(${T}) took ${ms} ms`);
      t0 = performance.now();
      assert.equal(await sem.acquireAsync(T), false);
      ms = performance.now() - t0;
      assert.ok(ms >= T * 0.6 && ms < T * 10, `acquireAsync(${T}) took ${ms} ms`);
      assert.equal(sem.value, 0);
    });

    test('hold() / using releases on scope exit, also on a throw (test_with)', () => {
      const sem = new kind(2);
      const scoped = (error?: Error): void => {
        using _outer = sem.hold();
        assert.equal(sem.acquire(0), true);
        sem.release();
        {
          using _inner = sem.hold(0);
          assert.equal(sem.acquire(0), false);
          if (error) throw error;
        }
        assert.equal(sem.value, 1);
      };
      scoped();
      assert.equal(sem.value, 2);
      const boom = new TypeError('boom');
      assert.throws(
        () => scoped(boom),
        (e) => e === boom,
      );
      assert.equal(sem.value, 2);
      const held = sem.hold();
      held.release();
      held.release(); // a second release of the same hold does nothing
      held[Symbol.dispose]();
      assert.equal(sem.value, 2);
    });

    test('holdAsync() / await using; hold and holdAsync throw TimeoutError and take nothing', async () => {
      const sem = new kind(1);
      {
        await using _permit = await sem.holdAsync();
        assert.equal(sem.value, 0);
        assert.throws(
          () => sem.hold(0),
          (e: unknown) => e instanceof TimeoutError && e.name === 'TimeoutError' && e.code === 'WEFT_TIMEOUT',
        );
        await assert.rejects(sem.holdAsync(20), (e: unknown) => (e as Error).name === 'TimeoutError');
        assert.equal(sem.value, 0);
      }
      assert.equal(sem.value, 1);
    });

    test('release(n) with n not an integer >= 1 throws and changes nothing', async () => {
      const sem = made(kind, 3, 1);
      for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0]) {
        throwsCoded(() => sem.release(bad), RangeError, 'WEFT_BAD_ARGUMENT', `${name}.release(${bad})`);
        assert.equal(sem.value, 1);
      }
      for (const bad of ['1', null, {}, 1n]) {
        throwsCoded(
          () => sem.release(bad as never),
          TypeError,
          'WEFT_BAD_ARGUMENT',
          `release(${String(bad)})`,
        );
        assert.equal(sem.value, 1);
      }
      // The semaphore still works: release(2) gives two permits, and both can be taken.
      sem.release(2);
      assert.equal(sem.value, 3);
      assert.equal(await sem.acquireAsync(0), true);
      assert.equal(sem.acquire(0), true);
      assert.equal(sem.value, 1);
    });

    if (kind === Semaphore) {
      test('release of an unacquired Semaphore adds a permit (SemaphoreTests.test_release_unacquired)', () => {
        const sem = new Semaphore(1);
        sem.release();
        assert.equal(sem.value, 2);
        assert.equal(sem.acquire(0), true);
        assert.equal(sem.acquire(0), true);
        assert.equal(sem.acquire(0), false);
        sem.release(5);
        assert.equal(sem.value, 5);
      });

      test('release past 2^31-1 is a RangeError and the count is unchanged', () => {
        const sem = new Semaphore(MAX - 1);
        throwsCoded(() => sem.release(2), RangeError, 'WEFT_BAD_ARGUMENT', 'release(2) at MAX-1');
        assert.equal(sem.value, MAX - 1);
        sem.release();
        assert.equal(sem.value, MAX);
        throwsCoded(() => sem.release(), RangeError, 'WEFT_BAD_ARGUMENT', 'release() at MAX');
        assert.equal(sem.value, MAX);
      });
    } else {
      test('release past the initial value is a ValueError and the count is unchanged (test_release_unacquired)', () => {
        const isValueError = (e: unknown): boolean =>
          e instanceof ValueError &&
          e instanceof RangeError &&
          e.name === 'ValueError' &&
          e.code === 'WEFT_VALUE' &&
          /BoundedSemaphore/.test(e.message);
        const sem = new BoundedSemaphore();
        assert.throws(() => sem.release(), isValueError);
        assert.equal(sem.value, 1);
        sem.acquire();
        sem.release();
        assert.throws(() => sem.release(), isValueError);
        assert.equal(sem.value, 1);
        const three = made(BoundedSemaphore, 3, 1);
        assert.throws(() => three.release(3), isValueError);
        assert.equal(three.value, 1, 'a refused release(n) gives back none of its n');
        three.release(2);
        assert.equal(three.value, 3);
      });

      test('an over-release from a worker is refused there, with name and code, and the count is unchanged', async () => {
        const sem = made(BoundedSemaphore, 2, 1);
        await assert.rejects(runInWorker('semaphore', 'release', sem, 2).result, (e: unknown) => {
          const err = e as { name?: string; code?: string };
          return err.name === 'ValueError' && err.code === 'WEFT_VALUE';
        });
        assert.equal(sem.value, 1);
        assert.equal(await runInWorker('semaphore', 'release', sem, 1).result, 2);
        assert.equal(sem.value, 2);
      });
    }

    for (const mode of MODES) {
      describe(`contract, ${mode} waiters`, () => {
        /*
         * test_acquire_contended: 7 permits, the main thread takes one; 10 waiters each acquire twice
         * and log the phase published in shared memory. Exactly 6 get through in phase 0; 7 releases
         * let exactly 7 more through in phase 1, 6 more 6 in phase 2; then one is still waiting.
         */
        test('acquire contended: exact counts per phase through a shared log', async () => {
          const sem = new kind(7);
          assert.equal(sem.acquire(), true);
          const phase = new Int32Array(new SharedArrayBuffer(4));
          const log = new StepLog();
          const n = 10;
          const runs = range(n).map((i) =>
            runOn(sideOf(mode, i), 'semaphore', 'acquireTwice', sem, phase, log.i32),
          );
          const settledAt = async (count: number, what: string): Promise<number[]> => {
            await until(() => log.entries().length >= count, what, 10000);
            await delay(30); // not an ordering device: lets a waiter that wrongly gets through show it
            return log.entries().sort((a, b) => a - b);
          };
          assert.deepEqual(await settledAt(6, 'six acquires in phase 0'), Array(6).fill(0));
          assert.equal(sem.value, 0);
          Atomics.store(phase, 0, 1);
          for (let i = 0; i < 7; i++) sem.release();
          assert.deepEqual(await settledAt(13, 'seven more in phase 1'), [
            ...Array(6).fill(0),
            ...Array(7).fill(1),
          ]);
          Atomics.store(phase, 0, 2);
          for (let i = 0; i < 6; i++) sem.release();
          assert.deepEqual(await settledAt(19, 'six more in phase 2'), [
            ...Array(6).fill(0),
            ...Array(7).fill(1),
            ...Array(6).fill(2),
          ]);
          assert.equal(sem.acquire(0), false, 'the semaphore is still drained');
          sem.release();
          await watchdog(Promise.all(runs), 10000, 'the last waiter');
          assert.equal(log.entries().length, 20);
          assert.equal(sem.value, 0);
        });

        test('release(n) wakes exactly n waiters; a release from a worker wakes the rest', async () => {
          const sem = made(kind, 5, 0);
          const log = new StepLog();
          const runs = range(5).map((i) =>
            runOn<boolean>(sideOf(mode, i), 'semaphore', 'acquireLogged', sem, log.i32, i),
          );
          await until(() => log.entries().length === 5, 'five waiters started', 10000);
          await delay(30);
          assert.equal(acquiredIn(log), 0, 'nobody gets through without a permit');
          sem.release(3);
          await until(() => acquiredIn(log) >= 3, 'three waiters got through', 10000);
          await delay(30);
          assert.equal(acquiredIn(log), 3, 'release(3) lets exactly three through');
          assert.equal(sem.value, 0);
          await watchdog(runInWorker('semaphore', 'release', sem, 2).result, 10000, 'the releasing worker');
          assert.deepEqual(await watchdog(Promise.all(runs), 10000, 'the five waiters'), Array(5).fill(true));
          assert.equal(sem.value, 0);
        });

        test('try-acquire contended: 5 waiters x 2 polls on 3 permits get exactly 3 (test_try_acquire_contended)', async () => {
          const sem = made(kind, 4, 3);
          const results = await watchdog(
            Promise.all(range(5).map((i) => runOn<boolean[]>(sideOf(mode, i), 'semaphore', 'tryTwice', sem))),
            10000,
            'pollers',
          );
          assert.deepEqual(results.flat().sort(), [...Array(7).fill(false), ...Array(3).fill(true)]);
          assert.equal(sem.value, 0);
        });

        test('default value: a waiter blocks until the main thread releases (test_default_value)', async () => {
          const sem = new kind();
          assert.equal(sem.acquire(), true);
          const log = new StepLog();
          const runs = range(2).map((i) =>
            runOn(sideOf(mode, i), 'semaphore', 'acquireRelease', sem, log.i32, i),
          );
          await until(() => log.entries().length === 2, 'the waiters started', 10000);
          await delay(30);
          assert.equal(acquiredIn(log), 0);
          sem.release();
          await watchdog(Promise.all(runs), 10000, 'the waiters');
          assert.equal(acquiredIn(log), 2);
          assert.equal(sem.value, 1);
        });

        test('timed acquires fail after about the timeout and take nothing', async () => {
          const T = 150;
          const sem = made(kind, 1, 0);
          const results = await watchdog(
            Promise.all(
              range(3).map((i) =>
                runOn<{ result: boolean; ms: number }>(sideOf(mode, i), 'semaphore', 'acquireTimed', sem, T),
              ),
            ),
            10000,
            'timed acquires',
          );
          for (const r of results) {
            assert.equal(r.result, false);
            assert.ok(r.ms >= T * 0.6 && r.ms < T * 10, `acquire(${T}) took ${r.ms} ms`);
          }
          assert.equal(sem.value, 0);
          sem.release();
          assert.equal(sem.value, 1);
        });
      });
    }

    describe('abort', () => {
      test('rejects with signal.reason and takes no permit; a release then stays available', async () => {
        const sem = made(kind, 1, 0);
        const controller = new AbortController();
        const pending = sem.acquireAsync(undefined, { signal: controller.signal });
        await delay(5);
        controller.abort('custom reason');
        await assert.rejects(pending, (e) => e === 'custom reason');
        assert.equal(sem.value, 0);
        sem.release();
        assert.equal(sem.value, 1, 'the aborted waiter must not take the permit released after its abort');
      });

      test('an already-aborted signal rejects at once, even with permits available', async () => {
        const sem = new kind(1);
        const reason = { why: 'already' };
        await assert.rejects(
          sem.acquireAsync(undefined, { signal: AbortSignal.abort(reason) }),
          (e) => e === reason,
        );
        await assert.rejects(sem.holdAsync(100, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
        assert.equal(sem.value, 1);
      });

      /*
       * The zombie-waiter case: an Atomics.waitAsync cannot be cancelled, so an aborted waiter that
       * stayed queued on the word would swallow a notify(1) meant for a live waiter.
       */
      for (const other of ['async', 'blocking'] as const) {
        test(`abort one of two waiters (the other ${other}): release(1) wakes the other`, async () => {
          const sem = made(kind, 1, 0);
          const log = new StepLog();
          const controller = new AbortController();
          const aborted = sem.acquireAsync(undefined, { signal: controller.signal });
          const live = runOn<boolean>(other, 'semaphore', 'acquireLogged', sem, log.i32, 1);
          await until(() => log.entries().length === 1, 'the other waiter started', 10000);
          await delay(30); // lets it fall asleep behind the one to be aborted
          controller.abort();
          await assert.rejects(aborted, (e: unknown) => (e as Error).name === 'AbortError');
          sem.release(1);
          assert.equal(await watchdog(live, 3000, 'the remaining waiter after release(1)'), true);
          assert.equal(sem.value, 0);
        });
      }

      test('holdAsync aborted while waiting rejects with the reason and holds nothing', async () => {
        const sem = made(kind, 1, 0);
        const controller = new AbortController();
        const pending = sem.holdAsync(undefined, { signal: controller.signal });
        await delay(5);
        const reason = new Error('no more');
        controller.abort(reason);
        await assert.rejects(pending, (e) => e === reason);
        sem.release();
        assert.equal(sem.value, 1);
      });
    });
  });
}

/*
 * Stress: 4 workers (blocking) and the main thread (async) on one semaphore; each op takes a permit
 * (blocking, short timed waits or polls), checks how many are inside, and gives it back. With k = 1
 * a plain, non-atomic counter must come out exact (mutual exclusion).
 */
describe('Semaphore stress', () => {
  for (const [kind, k, spin] of [
    [Semaphore, 1, 0],
    [BoundedSemaphore, 2, undefined],
  ] as const) {
    const spinning = spin === undefined ? 'default spin' : `spin ${spin}`;
    test(`${kind.name}(${k}), ${spinning}: 4 workers x 20,000 ops + main (async) x 2,000, never more than ${k} inside`, async (t) => {
      const sem = new kind(k);
      const shared = new Int32Array(new SharedArrayBuffer(8 * 4));
      const ops = 20000;
      const mainOps = 2000;
      const workers = range(4).map(
        () => runInWorker<number>('semaphore', 'stress', sem, shared, k, ops, spin).result,
      );
      await until(() => Atomics.load(shared, 5) === 4, 'the stress workers are ready', 10000);
      const t0 = performance.now();
      Atomics.store(shared, 6, 1);
      Atomics.notify(shared, 6);
      const runs = [...workers, runOn<number>('async', 'semaphore', 'stress', sem, shared, k, mainOps)];
      await watchdog(Promise.all(runs), 60000, `${kind.name} stress`);
      const ms = performance.now() - t0;
      const total = 4 * ops + mainOps;
      assert.equal(shared[1], 0, 'violations: more than k threads inside');
      assert.equal(shared[2], total, 'ops counted');
      if (k === 1) assert.equal(shared[3], total, 'plain counter under a Semaphore(1)');
      assert.ok((shared[4] as number) <= k);
      // Evidence that the threads overlapped, else the test proves nothing: with k = 1, ops that began
      // while the permit was held elsewhere; with k > 1, k threads inside at once.
      if (k === 1) assert.ok((shared[7] as number) > 0, 'no op began while the permit was held elsewhere');
      else assert.equal(shared[4], k, `never ${k} threads inside at once`);
      assert.equal(sem.value, k, 'every permit is back');
      t.diagnostic(
        `${kind.name}(${k}) stress, ${spinning}: ${total} ops by 5 threads in ${ms.toFixed(0)} ms, most inside ${shared[4]}, ${shared[7]} ops began with every permit held, 0 violations`,
      );
    });
  }
});
