/*
 * Scoped holding (API.md "Scoped holding"): hold() / holdAsync() return disposables, so that `using`
 * and `await using` release on scope exit. Node 20 has no `using` syntax: TypeScript lowers it, and
 * the first test checks that this very file was lowered.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { BoundedSemaphore, Condition, getIdent, Lock, RLock, Semaphore, TimeoutError } from 'weft-threading';
import type { Timed } from './fixtures/lock.js';
import { assertTimeout, Gate, rejectionOf, runInWorker, StepLog, until, watchdog } from './helpers.js';

const T = { timeout: 20000 };

function isTimeout(e: unknown, what: RegExp): true {
  assert.ok(e instanceof TimeoutError, `expected a TimeoutError, got ${String(e)}`);
  assert.equal(e.name, 'TimeoutError');
  assert.equal(e.code, 'WEFT_TIMEOUT');
  assert.match(e.message, what);
  return true;
}

/** A worker that takes `lock` and keeps it until the returned gate opens. */
async function heldByWorker(lock: Lock): Promise<{ gate: Gate; done: Promise<unknown> }> {
  const gate = new Gate();
  const log = new StepLog();
  const { result } = runInWorker('lock', 'holdUntil', lock, log.i32, gate.i32);
  await until(() => log.entries().includes(1), 'the worker holds the lock');
  return { gate, done: result };
}

describe('scoped holding', () => {
  test('`using` and `await using` are lowered by TypeScript in the compiled tests (Node 20 lacks them)', () => {
    const noDeclaration = /^\s*(?:await\s+)?using\s+[\w$]+\s*=/m;
    for (const file of [import.meta.url, new URL('./fixtures/lock.js', import.meta.url).href]) {
      const js = readFileSync(fileURLToPath(file), 'utf8');
      assert.match(js, /__addDisposableResource/, `${file} uses TypeScript's helper`);
      assert.match(js, /__disposeResources/, `${file} disposes through TypeScript's helper`);
      assert.doesNotMatch(js, noDeclaration, `${file} still has a using declaration`);
    }
    if (process.versions.node.split('.')[0] === '20') {
      // Why it must be lowered: Node 20 cannot parse it.
      assert.throws(() => new Function('{ using x = null; }'), SyntaxError);
    }
    assert.equal(typeof Symbol.dispose, 'symbol');
    assert.equal(typeof Symbol.asyncDispose, 'symbol');
  });

  describe('Lock', () => {
    test('`using` holds the lock for the block and releases it on exit, also when the block throws', () => {
      const lock = new Lock();
      {
        using held = lock.hold();
        assert.equal(lock.locked(), true);
        assert.equal(typeof held.release, 'function');
        assert.equal(typeof held[Symbol.dispose], 'function');
        assert.equal(typeof held[Symbol.asyncDispose], 'function');
      }
      assert.equal(lock.locked(), false);
      assert.throws(() => {
        using _held = lock.hold();
        throw new Error('inside');
      }, /inside/);
      assert.equal(lock.locked(), false);
    });

    test('several `using` in one block release in reverse order', () => {
      const a = new Lock();
      const b = new Lock();
      const seen: boolean[] = [];
      {
        using _a = a.hold();
        using _marker = {
          [Symbol.dispose]() {
            seen.push(a.locked(), b.locked());
          },
        };
        using _b = b.hold();
      }
      assert.deepEqual(seen, [true, false], 'b released before the marker, a after');
      assert.equal(a.locked() || b.locked(), false);
    });

    test('disposing twice releases once, even when another holder took the lock in between', () => {
      const lock = new Lock();
      const held = lock.hold();
      held[Symbol.dispose]();
      assert.equal(lock.locked(), false);
      assert.equal(lock.acquire(0), true); // another holder
      held[Symbol.dispose]();
      held.release();
      assert.equal(lock.locked(), true, 'the second dispose must not release the new holder');
      lock.release();
    });

    test('hold(timeout) of a lock held by a worker throws TimeoutError; nothing is taken', T, async () => {
      const lock = new Lock();
      const { gate, done } = await heldByWorker(lock);
      assert.throws(
        () => lock.hold(0),
        (e) => isTimeout(e, /Lock\.hold/),
      );
      const t0 = performance.now();
      assert.throws(
        () => lock.hold(50),
        (e) => isTimeout(e, /Lock\.hold.*50/),
      );
      assertTimeout(performance.now() - t0, 50);
      gate.open();
      await done;
      assert.equal(lock.locked(), false, 'the failed hold took nothing');
    });

    test('`await using` with holdAsync; TimeoutError on timeout; an abort takes nothing', T, async () => {
      const lock = new Lock();
      {
        await using _held = await lock.holdAsync();
        assert.equal(lock.locked(), true);
      }
      assert.equal(lock.locked(), false);
      await assert.rejects(async () => {
        await using _held = await lock.holdAsync(100);
        throw new Error('inside');
      }, /inside/);
      assert.equal(lock.locked(), false);

      const { gate, done } = await heldByWorker(lock);
      const t0 = performance.now();
      isTimeout(await rejectionOf(lock.holdAsync(50)), /Lock\.holdAsync/);
      assertTimeout(performance.now() - t0, 50);
      const ac = new AbortController();
      const aborted = lock.holdAsync(undefined, { signal: ac.signal });
      ac.abort('no');
      assert.equal(await rejectionOf(aborted), 'no');
      gate.open();
      await done;
      assert.equal(lock.locked(), false);
    });

    test('`using` in a worker (blocking hold), and hold(timeout) failing there', T, async () => {
      const lock = new Lock();
      const log = new StepLog();
      assert.deepEqual(await runInWorker('lock', 'usingLock', lock, log.i32).result, [true, false, false]);
      assert.deepEqual(log.entries(), [1]);
      assert.equal(lock.locked(), false);
      lock.acquire();
      const r = await runInWorker<Timed<string>>('lock', 'holdTimeout', lock, 80).result;
      assert.equal(r.result, 'TimeoutError:WEFT_TIMEOUT');
      assertTimeout(r.ms, 80);
      assert.equal(lock.locked(), true);
      lock.release();
    });
  });

  describe('RLock', () => {
    test('nested `using` holds it re-entrantly; each scope releases one level', () => {
      const lock = new RLock();
      const me = getIdent();
      {
        using _outer = lock.hold();
        {
          using _inner = lock.hold();
          assert.equal(inspect(lock), `RLock { owner: ${me}, count: 2 }`);
        }
        assert.equal(inspect(lock), `RLock { owner: ${me}, count: 1 }`);
      }
      assert.equal(inspect(lock), 'RLock { unlocked }');
    });

    test('hold(timeout) of an RLock owned by another thread throws TimeoutError', T, async () => {
      const lock = new RLock();
      const gate = new Gate();
      const log = new StepLog();
      const { result } = runInWorker('rlock', 'holdUntil', lock, 1, log.i32, gate.i32);
      await until(() => log.entries().includes(1), 'the worker holds the lock');
      assert.throws(
        () => lock.hold(20),
        (e) => isTimeout(e, /RLock\.hold/),
      );
      gate.open();
      await result;
      assert.equal(lock.locked(), false);
    });
  });

  describe('Condition', () => {
    test('`using cond.hold()` around a wait: the lock is held again after it and released at scope exit', () => {
      const cond = new Condition();
      {
        using _held = cond.hold();
        assert.equal(cond.wait(10), false);
        assert.equal(inspect(cond.lock), `RLock { owner: ${getIdent()}, count: 1 }`);
      }
      assert.equal(cond.lock.locked(), false);
    });

    test('`await using cond.holdAsync()` around waitAsync, notified by a worker', T, async () => {
      const cond = new Condition(new Lock());
      const state = new Int32Array(new SharedArrayBuffer(4));
      {
        await using _held = await cond.holdAsync();
        const worker = runInWorker('condition', 'bump', cond, state, 1);
        assert.equal(
          await watchdog(
            cond.waitForAsync(() => state[0] === 1),
            10000,
            'the notification',
          ),
          true,
        );
        await worker.result;
      }
      assert.equal(cond.lock.locked(), false);
    });

    test(
      'holdAsync on a Condition on an RLock rejects with TypeError; hold(timeout) throws TimeoutError',
      T,
      async () => {
        const cond = new Condition();
        const e = await rejectionOf(cond.holdAsync());
        assert.equal(e.name, 'TypeError');
        const lock = new Lock();
        const c2 = new Condition(lock);
        const { gate, done } = await heldByWorker(lock);
        assert.throws(
          () => c2.hold(10),
          (err) => isTimeout(err, /Condition\.hold/),
        );
        isTimeout(await rejectionOf(c2.holdAsync(10)), /Condition\.holdAsync/);
        gate.open();
        await done;
        assert.equal(lock.locked(), false);
      },
    );
  });

  describe('Semaphore and BoundedSemaphore', () => {
    test('nested `using` takes one permit per scope and gives each back', T, async () => {
      for (const sem of [new Semaphore(3), new BoundedSemaphore(3)]) {
        {
          using _a = sem.hold();
          {
            using _b = sem.hold();
            assert.equal(sem.value, 1);
          }
          assert.equal(sem.value, 2);
        }
        assert.equal(sem.value, 3);
        assert.deepEqual(await runInWorker('lock', 'usingSemaphore', sem, 3).result, [2, 1, 0, 3]);
        assert.equal(sem.value, 3);
      }
    });

    test('a disposed BoundedSemaphore permit is given back once: disposing again is no over-release', () => {
      const sem = new BoundedSemaphore(1);
      const held = sem.hold();
      held[Symbol.dispose]();
      assert.doesNotThrow(() => held[Symbol.dispose]());
      assert.equal(sem.value, 1);
    });

    test(
      'hold / holdAsync with no permit left: TimeoutError; `await using` gives the permit back',
      T,
      async () => {
        const sem = new Semaphore(1);
        {
          await using _permit = await sem.holdAsync();
          assert.equal(sem.value, 0);
          assert.throws(
            () => sem.hold(0),
            (e) => isTimeout(e, /Semaphore\.hold/),
          );
          isTimeout(await rejectionOf(sem.holdAsync(20)), /Semaphore\.holdAsync/);
          const r = await runInWorker<Timed<string>>('lock', 'holdTimeout', sem, 30).result;
          assert.equal(r.result, 'TimeoutError:WEFT_TIMEOUT');
          const ac = new AbortController();
          const aborted = sem.holdAsync(undefined, { signal: ac.signal });
          ac.abort('no');
          assert.equal(await rejectionOf(aborted), 'no');
        }
        assert.equal(sem.value, 1);
      },
    );
  });
});
