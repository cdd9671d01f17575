/*
 * RLock contract (CPython's BaseLockTests and RLockTests, adapted). An RLock is owned by a thread,
 * so it has no async form: its modes are blocking in workers and blocking on Node's main thread.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { getIdent, Lock, RLock } from 'weft-threading';
import type { Timed } from './fixtures/lock.js';
import { assertTimeout, countSteps, delay, Gate, runInWorker, StepLog, until, watchdog } from './helpers.js';

const T = { timeout: 20000 };
const ME = getIdent();

function assertError(error: unknown, name: string, code: string, message?: RegExp): true {
  const e = error as { name?: string; code?: string; message?: string };
  assert.equal(e.name, name, `error name (${e.message})`);
  assert.equal(e.code, code, `error code (${e.message})`);
  if (message) assert.match(e.message ?? '', message);
  return true;
}

/** A worker that takes the lock `depth` times and keeps it until the returned gate opens. */
async function heldByWorker(lock: RLock, depth: number) {
  const gate = new Gate();
  const log = new StepLog();
  const { result } = runInWorker<{ ident: number; seen: string }>(
    'rlock',
    'holdUntil',
    lock,
    depth,
    log.i32,
    gate.i32,
  );
  await until(() => log.entries().includes(1), 'the worker holds the lock');
  return { gate, log, done: result };
}

describe('RLock', () => {
  describe('on the main thread', () => {
    test('inspection shows owner and count; re-entrant acquire and release', () => {
      const lock = new RLock();
      assert.equal(inspect(lock), 'RLock { unlocked }');
      assert.equal(lock.locked(), false);
      assert.equal(lock.acquire(), true);
      assert.equal(inspect(lock), `RLock { owner: ${ME}, count: 1 }`);
      assert.equal(lock.acquire(), true, 'the owner acquires again without blocking');
      assert.equal(lock.acquire(0), true, 'even with timeout 0');
      assert.equal(inspect(lock), `RLock { owner: ${ME}, count: 3 }`);
      lock.release();
      lock.release();
      assert.equal(inspect(lock), `RLock { owner: ${ME}, count: 1 }`);
      assert.equal(lock.locked(), true);
      lock.release();
      assert.equal(lock.locked(), false);
      assert.equal(inspect(lock), 'RLock { unlocked }');
    });

    test('CPython test_release_unacquired: release of an unowned lock throws RuntimeError', () => {
      const lock = new RLock();
      assert.throws(
        () => lock.release(),
        (e) => assertError(e, 'RuntimeError', 'WEFT_RUNTIME', /RLock.*release/),
      );
      lock.acquire();
      lock.acquire();
      lock.release();
      lock.acquire();
      lock.release();
      lock.release();
      assert.throws(() => lock.release(), { name: 'RuntimeError' });
      assert.equal(inspect(lock), 'RLock { unlocked }');
      assert.equal(lock.acquire(0), true, 'still usable after the misuse');
      lock.release();
    });

    test('has no async acquire: acquireAsync and holdAsync are absent', () => {
      const lock = new RLock() as unknown as Record<string, unknown>;
      assert.equal('acquireAsync' in lock, false);
      assert.equal('holdAsync' in lock, false);
      assert.equal(typeof lock.acquire, 'function');
      assert.equal(typeof lock.hold, 'function');
    });

    test('RLock.from: live handle back, or a copy on the same memory; ownership is per thread, not per handle', () => {
      const lock = new RLock();
      assert.equal(RLock.from(lock), lock);
      const copy = RLock.from(structuredClone(lock));
      assert.ok(copy instanceof RLock);
      lock.acquire();
      copy.acquire();
      assert.equal(inspect(lock), `RLock { owner: ${ME}, count: 2 }`);
      lock.release();
      copy.release();
      assert.equal(copy.locked(), false);
    });

    test('getIdent() is a stable, non-zero safe integer', () => {
      assert.equal(getIdent(), ME);
      assert.ok(Number.isSafeInteger(ME) && ME > 0);
    });
  });

  describe('blocking, in workers', () => {
    test('re-entrancy in a worker (CPython test_reacquire)', T, async () => {
      const lock = new RLock();
      assert.deepEqual(await runInWorker('rlock', 'reentrancy', lock).result, [
        'RLock { unlocked }',
        'RLock { owner: ME, count: 2 }',
        'RLock { owner: ME, count: 1 }',
        'RLock { unlocked }',
        'RuntimeError',
      ]);
      assert.equal(lock.locked(), false);
    });

    test("a worker may not release the main thread's lock: RuntimeError, state unchanged", T, async () => {
      const lock = new RLock();
      lock.acquire();
      lock.acquire();
      const r = await runInWorker<{ error: string; before: string; after: string }>(
        'rlock',
        'releaseNotOwned',
        lock,
      ).result;
      assert.match(r.error, /^RuntimeError:WEFT_RUNTIME:RLock.*not owned/);
      assert.equal(r.before, `RLock { owner: ${ME}, count: 2 }`);
      assert.equal(r.after, r.before);
      assert.equal(inspect(lock), r.before);
      lock.release();
      lock.release();
      assert.equal(lock.locked(), false);
    });

    test(
      "the main thread may not release a worker's lock; inspection names the worker as owner",
      T,
      async () => {
        const lock = new RLock();
        const { gate, done } = await heldByWorker(lock, 3);
        const before = inspect(lock);
        assert.throws(
          () => lock.release(),
          (e) => assertError(e, 'RuntimeError', 'WEFT_RUNTIME'),
        );
        assert.equal(inspect(lock), before, 'state unchanged');
        assert.equal(lock.locked(), true);
        assert.equal(lock.acquire(0), false, 'the main thread does not own it');
        const t0 = performance.now();
        assert.equal(lock.acquire(50), false);
        assertTimeout(performance.now() - t0, 50);
        gate.open();
        const { ident, seen } = await done;
        assert.notEqual(ident, ME);
        assert.equal(seen, `RLock { owner: ${ident}, count: 3 }`);
        assert.equal(before, seen);
        assert.equal(inspect(lock), 'RLock { unlocked }');
        assert.equal(lock.acquire(0), true);
        lock.release();
      },
    );

    test('try-acquire and timed acquire in a worker of a lock the main thread owns', T, async () => {
      const lock = new RLock();
      lock.acquire();
      const a = await runInWorker<Timed<boolean>>('rlock', 'acquire', lock, 0).result;
      const b = await runInWorker<Timed<boolean>>('rlock', 'acquire', lock, 150).result;
      assert.equal(a.result, false);
      assert.equal(b.result, false);
      assertTimeout(b.ms, 150);
      assert.equal(inspect(lock), `RLock { owner: ${ME}, count: 1 }`);
      lock.release();
    });

    test('acquire contended: workers wait until the owner has released every level', T, async () => {
      const lock = new RLock();
      const log = new StepLog();
      lock.acquire();
      lock.acquire();
      const runs = [0, 1, 2].map(() => runInWorker('rlock', 'acquireLogged', lock, log.i32, 1, 2));
      await until(() => countSteps(log.i32, 1) === 3, 'the workers are about to acquire');
      lock.release();
      await delay(30); // a chance for a broken lock to let one through
      assert.equal(countSteps(log.i32, 2), 0, 'still held once: nobody passes');
      lock.release();
      assert.deepEqual(await watchdog(Promise.all(runs.map((r) => r.result)), 10000, 'contenders'), [
        true,
        true,
        true,
      ]);
      assert.equal(lock.locked(), false);
    });

    test('identities are distinct across workers and workers of workers', T, async () => {
      const all = (
        await watchdog(
          Promise.all([0, 1, 2].map(() => runInWorker<number[]>('rlock', 'idents', 1).result)),
          15000,
          'workers and their children',
        )
      ).flat();
      all.push(ME);
      assert.equal(all.length, 7);
      assert.equal(new Set(all).size, 7, `identities must differ: ${all}`);
      for (const id of all) assert.ok(Number.isSafeInteger(id) && id > 0, `bad identity ${id}`);
    });

    test("a worker's own worker can neither release nor take the lock its parent holds", T, async () => {
      const lock = new RLock();
      const r = await watchdog(runInWorker('rlock', 'nestedOwnership', lock).result, 15000, 'nested workers');
      assert.deepEqual(r, { release: 'RuntimeError', acquire: false });
      assert.equal(lock.locked(), false);
    });

    test('exact count: 4 workers x 10,000 re-entrant increments of a plain counter', T, async () => {
      const lock = new RLock();
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const inside = new Int32Array(new SharedArrayBuffer(8));
      const n = 10000;
      const runs = Array.from({ length: 4 }, () =>
        runInWorker('rlock', 'increment', lock, counter, inside, n),
      );
      await watchdog(Promise.all(runs.map((r) => r.result)), 15000, 'incrementing workers');
      assert.equal(Atomics.load(inside, 1), 0, 'two threads were inside at once');
      assert.equal(counter[0], 4 * n);
      assert.equal(inspect(lock), 'RLock { unlocked }');
    });
  });

  describe('bad input', () => {
    test('acquire / hold with a bad timeout throw TypeError / RangeError; the count is unchanged', () => {
      const lock = new RLock();
      for (const depth of [0, 2]) {
        for (let i = 0; i < depth; i++) lock.acquire();
        const before = inspect(lock);
        for (const [timeout, name] of [
          ['1', 'TypeError'],
          [null, 'TypeError'],
          [{}, 'TypeError'],
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
          assert.equal(inspect(lock), before);
        }
        for (let i = 0; i < depth; i++) lock.release();
      }
      assert.equal(lock.locked(), false);
    });

    test('RLock.from refuses anything but an RLock with TypeError (WEFT_BAD_HANDLE)', () => {
      for (const value of [undefined, null, 1, 'RLock', {}, new Lock(), structuredClone(new Lock())]) {
        assert.throws(
          () => RLock.from(value),
          (e) => assertError(e, 'TypeError', 'WEFT_BAD_HANDLE', /RLock/),
        );
      }
    });
  });
});
