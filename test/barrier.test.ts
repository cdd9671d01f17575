/*
 * Barrier contract (CPython's BarrierTests, adapted): blocking waiters in workers, async waiters on
 * the main thread, and both on one barrier. Passes, indexes and the action's place are read from a
 * StepLog.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { Barrier, BrokenBarrierError, Lock } from 'weft-threading';
import { ACTION, ARRIVE, entry, multipassAsync, PASSED, passesAsync } from './fixtures/barrier.js';
import type { Timed } from './fixtures/lock.js';
import { assertTimeout, isPending, rejectionOf, runInWorker, StepLog, until, watchdog } from './helpers.js';

const T = { timeout: 30000 };

function assertError(error: unknown, name: string, code: string, message?: RegExp): true {
  const e = error as { name?: string; code?: string; message?: string };
  assert.equal(e.name, name, `error name (${e.message})`);
  assert.equal(e.code, code, `error code (${e.message})`);
  if (message) assert.match(e.message ?? '', message);
  return true;
}

const isBroken = (e: unknown): true => {
  assert.ok(e instanceof BrokenBarrierError, `expected a BrokenBarrierError, got ${String(e)}`);
  return assertError(e, 'BrokenBarrierError', 'WEFT_BROKEN_BARRIER');
};

/**
 * Checks a log written by `passes` / `passesAsync` for `n` passes of `parties` threads: in each pass
 * the indexes are 0..parties-1, every thread arrived, the action ran exactly once, after every
 * arrival and before any thread was released, on the thread that got index parties-1.
 */
function checkPasses(entries: number[], parties: number, n: number): void {
  const at = (e: number) => entries.indexOf(e);
  assert.equal(
    entries.length,
    n * parties * 2 + n,
    'one ARRIVE and one PASSED per thread and pass, one ACTION per pass',
  );
  for (let pass = 0; pass < n; pass++) {
    const mine = entries.map((e, i) => ({ e, i })).filter(({ e }) => Math.floor((e % 1e6) / 100) === pass);
    const kind = (k: number) => mine.filter(({ e }) => Math.floor(e / 1e6) === k);
    const arrived = kind(ARRIVE);
    const actions = kind(ACTION);
    const passed = kind(PASSED);
    assert.equal(arrived.length, parties, `pass ${pass}: arrivals`);
    assert.equal(actions.length, 1, `pass ${pass}: the action must run once`);
    assert.equal(passed.length, parties, `pass ${pass}: releases`);
    const indexes = passed.map(({ e }) => e % 10).sort();
    assert.deepEqual(
      indexes,
      Array.from({ length: parties }, (_, i) => i),
      `pass ${pass}: indexes`,
    );
    const action = actions[0]!;
    for (const a of arrived)
      assert.ok(a.i < action.i, `pass ${pass}: the action ran before everyone arrived`);
    for (const p of passed)
      assert.ok(p.i > action.i, `pass ${pass}: a thread was released before the action ran`);
    const last = passed.find(({ e }) => e % 10 === parties - 1)!;
    const idOf = (e: number) => Math.floor((e % 100) / 10);
    assert.equal(idOf(action.e), idOf(last.e), `pass ${pass}: the action ran on the last arriver's thread`);
    assert.ok(at(action.e) >= 0);
  }
}

describe('Barrier', () => {
  describe('on any thread', () => {
    test('parties, nWaiting, broken and inspection of a new barrier', () => {
      const b = new Barrier(3);
      assert.equal(b.parties, 3);
      assert.equal(b.nWaiting, 0);
      assert.equal(b.broken, false);
      assert.equal(inspect(b), 'Barrier { waiters: 0/3 }');
    });

    test('CPython test_single_thread: a barrier of one passes at once, running the action each time', async () => {
      let ran = 0;
      const b = new Barrier(1, () => {
        ran++;
      });
      assert.equal(b.wait(), 0);
      assert.equal(b.wait(), 0);
      assert.equal(await b.waitAsync(), 0);
      assert.equal(ran, 3);
    });

    test('abort() breaks the barrier until reset(): wait throws, waitAsync rejects, at once', async () => {
      const b = new Barrier(1);
      b.abort();
      assert.equal(b.broken, true);
      assert.throws(() => b.wait(), isBroken);
      assert.throws(() => b.wait(0), isBroken);
      isBroken(await rejectionOf(b.waitAsync()));
      b.abort();
      assert.equal(b.broken, true);
      assert.match(inspect(b), /broken/);
      b.reset();
      assert.equal(b.broken, false);
      assert.equal(b.wait(), 0);
    });

    test('an action that throws breaks the barrier; its error reaches the last arriver', () => {
      const b = new Barrier(1, () => {
        throw new TypeError('from the action');
      });
      assert.throws(() => b.wait(), { name: 'TypeError', message: 'from the action' });
      assert.equal(b.broken, true);
      assert.throws(() => b.wait(), isBroken);
    });

    test('Barrier.from: the live barrier back, or a copy on the same memory with its own action', () => {
      const b = new Barrier(2, undefined, 1234);
      assert.equal(Barrier.from(b), b);
      const copy = Barrier.from(structuredClone(b));
      assert.ok(copy instanceof Barrier);
      assert.equal(copy.parties, 2);
      assert.equal(copy._timeout, 1234, 'the default timeout crosses with it');
      copy.abort();
      assert.equal(b.broken, true);
      b.reset();
      const withAction = Barrier.from(b, () => {});
      assert.notEqual(withAction, b);
      assert.equal(withAction.parties, 2);
    });

    test('BrokenBarrierError says why the barrier broke: in its message and its reason', async () => {
      const why = (e: unknown): [string | undefined, string] => {
        isBroken(e);
        return [(e as BrokenBarrierError).reason, (e as Error).message];
      };
      // A timeout: the waiter that timed out and a newcomer both see it.
      const timed = new Barrier(2);
      const [r1, m1] = why(await rejectionOf(timed.waitAsync(20)));
      assert.equal(r1, 'timeout');
      assert.match(m1, /timed out/);
      assert.equal(why(await rejectionOf(timed.waitAsync()))[0], 'timeout', 'a newcomer is told the same');
      // A signal: the other waiter gets BrokenBarrierError 'signal'; the aborted one its reason.
      const signalled = new Barrier(3);
      const other = signalled.waitAsync();
      const ac = new AbortController();
      const aborted = signalled.waitAsync(undefined, { signal: ac.signal });
      ac.abort('stop');
      assert.equal(await rejectionOf(aborted), 'stop');
      const [r2, m2] = why(await rejectionOf(other));
      assert.equal(r2, 'signal');
      assert.match(m2, /aborted by its signal/);
      // An already aborted signal.
      const pre = new Barrier(2);
      await rejectionOf(pre.waitAsync(undefined, { signal: AbortSignal.abort() }));
      assert.equal(why(await rejectionOf(pre.waitAsync()))[0], 'signal');
      // abort().
      const ab = new Barrier(2);
      const inside = ab.waitAsync();
      ab.abort();
      const [r3, m3] = why(await rejectionOf(inside));
      assert.equal(r3, 'abort');
      assert.match(m3, /abort\(\) was called/);
      assert.throws(
        () => ab.wait(0),
        (e) => why(e)[0] === 'abort',
      );
      // reset() while waiting.
      const rs = new Barrier(2);
      const resetting = rs.waitAsync();
      rs.reset();
      const [r4, m4] = why(await rejectionOf(resetting));
      assert.equal(r4, 'reset');
      assert.match(m4, /reset/);
      assert.equal(rs.broken, false);
      // The action threw: its error reaches the last arriver, the others are told.
      const act = new Barrier(2, () => {
        throw new TypeError('from the action');
      });
      const first = act.waitAsync();
      assert.throws(() => act.wait(), { name: 'TypeError' });
      const [r5, m5] = why(await rejectionOf(first));
      assert.equal(r5, 'action');
      assert.match(m5, /action threw/);
      // reset() makes it usable again and forgets the reason.
      act.reset();
      assert.equal(act.broken, false);
      const plain = new BrokenBarrierError();
      assert.equal(plain.reason, undefined);
    });

    test('BrokenBarrierError is an Error with name and code', () => {
      const e = new BrokenBarrierError();
      assert.ok(e instanceof Error);
      isBroken(e);
      assert.match(e.message, /broken/i);
    });
  });

  describe('blocking, in workers', () => {
    test('CPython test_barrier_10: 4 workers pass 10 times in lockstep', T, async () => {
      const b = new Barrier(4);
      const counts = new Int32Array(new SharedArrayBuffer(8));
      const runs = [0, 1, 2, 3].map(
        () => runInWorker<number[]>('barrier', 'multipass', b, counts, 10).result,
      );
      const indexes = await watchdog(Promise.all(runs), 20000, 'multipass');
      for (let w = 0; w < 20; w++) {
        assert.deepEqual(indexes.map((list) => list[w]).sort(), [0, 1, 2, 3], `wait ${w}: distinct indexes`);
      }
      assert.equal(b.nWaiting, 0);
      assert.equal(b.broken, false);
    });

    test(
      "200 passes of 3 workers: indexes 0..2 each pass; each thread's own action runs once per pass, on the last arriver, before anyone leaves",
      T,
      async () => {
        const b = new Barrier(3);
        const log = new StepLog(200 * 7 + 10);
        const runs = [1, 2, 3].map(
          (id) => runInWorker<number[]>('barrier', 'passes', b, log.i32, id, 200).result,
        );
        await watchdog(Promise.all(runs), 20000, 'passes');
        checkPasses(log.entries(), 3, 200);
      },
    );

    test('CPython test_abort: one thread aborts halfway; the others get BrokenBarrierError', T, async () => {
      const b = new Barrier(4);
      const results = await watchdog(
        Promise.all([0, 1, 2, 3].map(() => runInWorker<string>('barrier', 'abortHalfway', b).result)),
        15000,
        'abort',
      );
      assert.deepEqual(results.sort(), ['aborted', 'broken', 'broken', 'broken']);
      assert.equal(b.broken, true);
      assert.throws(() => b.wait(), isBroken);
    });

    test(
      'CPython test_reset: a reset while the others wait breaks their wait; then all pass again',
      T,
      async () => {
        const b = new Barrier(4);
        const results = await watchdog(
          Promise.all([0, 1, 2, 3].map(() => runInWorker<string>('barrier', 'resetHalfway', b).result)),
          15000,
          'reset',
        );
        assert.deepEqual(results.sort(), [
          'broken, then passed',
          'broken, then passed',
          'broken, then passed',
          'reset, then passed',
        ]);
        assert.equal(b.broken, false);
      },
    );

    test('CPython test_abort_and_reset: a broken barrier is usable again after reset()', T, async () => {
      const b = new Barrier(4);
      const b2 = new Barrier(4);
      const results = await watchdog(
        Promise.all([0, 1, 2, 3].map(() => runInWorker<string>('barrier', 'abortThenReset', b, b2).result)),
        15000,
        'abort and reset',
      );
      assert.deepEqual(results.sort(), [
        'aborted, then passed',
        'broken, then passed',
        'broken, then passed',
        'broken, then passed',
      ]);
      assert.equal(b.broken, false);
    });

    test(
      'CPython test_timeout: one thread is late; wait(timeout) breaks the barrier for all',
      T,
      async () => {
        const b = new Barrier(3);
        const results = await watchdog(
          Promise.all([0, 1, 2].map(() => runInWorker<string>('barrier', 'oneLate', b, 300, 100).result)),
          15000,
          'timeout',
        );
        assert.deepEqual(results, Array(3).fill('BrokenBarrierError'));
        assert.equal(b.broken, true);
      },
    );

    test(
      "CPython test_default_timeout: the constructor's timeout applies to wait() in every thread",
      T,
      async () => {
        const b = new Barrier(3, undefined, 100);
        const results = await watchdog(
          Promise.all([0, 1, 2].map(() => runInWorker<string>('barrier', 'oneLate', b, 300).result)),
          15000,
          'default timeout',
        );
        assert.deepEqual(results, Array(3).fill('BrokenBarrierError'));
        assert.equal(b.broken, true);
      },
    );

    test(
      'a wait that times out breaks the barrier: both waiters throw after about the timeout',
      T,
      async () => {
        const b = new Barrier(3);
        const log = new StepLog();
        const timed = runInWorker<Timed<number | string>>('barrier', 'wait', b, 150, log.i32).result;
        const untimed = runInWorker<Timed<number | string>>('barrier', 'wait', b, undefined, log.i32).result;
        const [r1, r2] = await watchdog(Promise.all([timed, untimed]), 10000, 'timed waiters');
        assert.equal(r1.result, 'BrokenBarrierError');
        assert.equal(r2.result, 'BrokenBarrierError');
        assertTimeout(r1.ms, 150);
        assert.equal(b.broken, true);
        assert.equal(b.nWaiting, 0);
      },
    );

    test(
      'reset() by the main thread while two workers wait: they get BrokenBarrierError; then it works',
      T,
      async () => {
        const b = new Barrier(3);
        const waits = [0, 1].map(() => runInWorker<Timed<number | string>>('barrier', 'wait', b).result);
        await until(() => b.nWaiting === 2, 'two workers wait');
        assert.equal(inspect(b), 'Barrier { waiters: 2/3 }');
        b.reset();
        const results = await watchdog(Promise.all(waits), 10000, 'waiters after reset');
        assert.deepEqual(
          results.map((r) => r.result),
          ['BrokenBarrierError', 'BrokenBarrierError'],
        );
        assert.equal(b.broken, false);
        assert.equal(b.nWaiting, 0);
        const again = await watchdog(
          Promise.all([0, 1, 2].map(() => runInWorker<Timed<number | string>>('barrier', 'wait', b).result)),
          10000,
          'a pass after reset',
        );
        assert.deepEqual(again.map((r) => r.result).sort(), [0, 1, 2]);
      },
    );

    test(
      'abort() by the main thread while workers wait: they get BrokenBarrierError; broken until reset',
      T,
      async () => {
        const b = new Barrier(3);
        const waits = [0, 1].map(() => runInWorker<Timed<number | string>>('barrier', 'wait', b).result);
        await until(() => b.nWaiting === 2, 'two workers wait');
        b.abort();
        const results = await watchdog(Promise.all(waits), 10000, 'waiters after abort');
        assert.deepEqual(
          results.map((r) => r.result),
          ['BrokenBarrierError', 'BrokenBarrierError'],
        );
        assert.equal(b.broken, true);
        const late = await runInWorker<Timed<number | string>>('barrier', 'wait', b).result;
        assert.equal(late.result, 'BrokenBarrierError', 'still broken for a newcomer');
        b.reset();
        assert.equal(b.broken, false);
      },
    );

    test(
      'an action that throws: the last arriver gets its error, the others BrokenBarrierError',
      T,
      async () => {
        const b = new Barrier(3);
        const fail = new Int32Array(new SharedArrayBuffer(4));
        fail[0] = 1;
        const run = () =>
          watchdog(
            Promise.all(
              [0, 1, 2].map(() => runInWorker<string>('barrier', 'waitWithFailingAction', b, fail).result),
            ),
            10000,
            'failing action',
          );
        const results = await run();
        assert.deepEqual(results.sort(), [
          "BrokenBarrierError: Barrier is broken: the barrier's action threw (its error reached the wait that ran it)",
          "BrokenBarrierError: Barrier is broken: the barrier's action threw (its error reached the wait that ran it)",
          'Error: action failed',
        ]);
        assert.equal(b.broken, true);
        b.reset();
        fail[0] = 0;
        assert.deepEqual((await run()).sort(), ['index 0', 'index 1', 'index 2']);
      },
    );
  });

  describe('async, on the main thread', () => {
    test('three async waiters pass 50 times; indexes and action checked per pass', T, async () => {
      const b = new Barrier(3);
      const log = new StepLog(50 * 7 + 10);
      await watchdog(
        Promise.all([1, 2, 3].map((id) => passesAsync(b, log.i32, id, 50))),
        10000,
        'async passes',
      );
      checkPasses(log.entries(), 3, 50);
    });

    test('waitAsync(timeout) breaks the barrier: rejects after about the timeout', T, async () => {
      const b = new Barrier(2);
      const t0 = performance.now();
      isBroken(await rejectionOf(b.waitAsync(80)));
      assertTimeout(performance.now() - t0, 80);
      assert.equal(b.broken, true);
      assert.equal(b.nWaiting, 0);
    });

    test(
      'an abort signal rejects that waiter with its reason and breaks the barrier for the others',
      T,
      async () => {
        const b = new Barrier(3);
        const ac = new AbortController();
        const aborted = b.waitAsync(undefined, { signal: ac.signal });
        const other = b.waitAsync();
        await until(() => b.nWaiting === 2, 'two waiters');
        assert.equal(await isPending(other), true);
        const reason = new Error('stop waiting');
        ac.abort(reason);
        assert.equal(await rejectionOf(aborted), reason);
        isBroken(await watchdog(rejectionOf(other), 5000, 'the other waiter'));
        assert.equal(b.broken, true);
      },
    );

    test('an already aborted signal rejects with its reason and breaks the barrier, as wait(0) would', async () => {
      const b = new Barrier(2);
      const reason = new Error('before');
      assert.equal(await rejectionOf(b.waitAsync(undefined, { signal: AbortSignal.abort(reason) })), reason);
      assert.equal(b.nWaiting, 0);
      assert.equal(b.broken, true);
      b.reset();
      assert.equal(b.broken, false);
    });

    test("Barrier.from(value, action): the last arriver runs its own thread's action", T, async () => {
      const log = new StepLog();
      const b = new Barrier(2, () => StepLog.push(log.i32, entry(ACTION, 0, 0)));
      // The main thread arrives first: the worker is last, so the worker's action runs.
      const first = b.waitAsync();
      await until(() => b.nWaiting === 1, 'the main thread waits');
      const w1 = await runInWorker<number[]>('barrier', 'passes', b, log.i32, 7, 1).result;
      assert.equal(await first, 0);
      assert.deepEqual(w1, [1]);
      assert.deepEqual(
        log.entries().filter((e) => Math.floor(e / 1e6) === ACTION),
        [entry(ACTION, 0, 7)],
      );
      // The worker arrives first: the main thread is last, so the main thread's action runs.
      const w2 = runInWorker<number[]>('barrier', 'passes', b, log.i32, 7, 1).result;
      await until(() => b.nWaiting === 1, 'the worker waits');
      assert.equal(await b.waitAsync(), 1);
      assert.deepEqual(await w2, [0]);
      assert.deepEqual(
        log.entries().filter((e) => Math.floor(e / 1e6) === ACTION),
        [entry(ACTION, 0, 7), entry(ACTION, 0, 0)],
      );
    });
  });

  describe('mixed: blocking workers and async main on one barrier', () => {
    test('CPython multipass: 3 workers and an async main thread, 10 passes', T, async () => {
      const b = new Barrier(4);
      const counts = new Int32Array(new SharedArrayBuffer(8));
      const runs = [0, 1, 2].map(() => runInWorker<number[]>('barrier', 'multipass', b, counts, 10).result);
      const indexes = await watchdog(
        Promise.all([...runs, multipassAsync(b, counts, 10)]),
        20000,
        'multipass',
      );
      for (let w = 0; w < 20; w++) {
        assert.deepEqual(indexes.map((list) => list[w]).sort(), [0, 1, 2, 3], `wait ${w}: distinct indexes`);
      }
    });

    test('200 passes of 2 workers and an async main thread, each with its own action', T, async () => {
      const b = new Barrier(3);
      const log = new StepLog(200 * 7 + 10);
      const runs = [1, 2].map((id) => runInWorker<number[]>('barrier', 'passes', b, log.i32, id, 200).result);
      await watchdog(Promise.all([...runs, passesAsync(b, log.i32, 3, 200)]), 20000, 'mixed passes');
      checkPasses(log.entries(), 3, 200);
    });

    test("an async waiter on main that times out breaks a worker's blocking wait", T, async () => {
      const b = new Barrier(3);
      const log = new StepLog();
      const worker = runInWorker<Timed<number | string>>('barrier', 'wait', b, undefined, log.i32).result;
      await until(() => b.nWaiting === 1, 'the worker waits');
      isBroken(await rejectionOf(b.waitAsync(50)));
      assert.equal((await watchdog(worker, 10000, 'the worker')).result, 'BrokenBarrierError');
      assert.equal(b.broken, true);
    });

    test(
      'reset() while a worker and the main thread wait: both break; then a mixed pass works',
      T,
      async () => {
        const b = new Barrier(3);
        const worker = runInWorker<Timed<number | string>>('barrier', 'wait', b).result;
        const main = b.waitAsync();
        await until(() => b.nWaiting === 2, 'two waiters');
        b.reset();
        isBroken(await watchdog(rejectionOf(main), 5000, 'main waiter'));
        assert.equal((await watchdog(worker, 10000, 'worker')).result, 'BrokenBarrierError');
        assert.equal(b.broken, false);
        const pass = [
          b.waitAsync(),
          ...[0, 1].map(() => runInWorker<Timed<number>>('barrier', 'wait', b).result.then((r) => r.result)),
        ];
        assert.deepEqual((await watchdog(Promise.all(pass), 10000, 'a pass after reset')).sort(), [0, 1, 2]);
      },
    );
  });

  describe('bad input', () => {
    test('constructor: parties < 1 or not an integer is a RangeError, not a number a TypeError', () => {
      for (const parties of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 4096]) {
        assert.throws(
          () => new Barrier(parties),
          (e) => assertError(e, 'RangeError', 'WEFT_BAD_ARGUMENT', /parties/),
        );
      }
      for (const parties of [undefined, '3', null, {}]) {
        assert.throws(
          () => new Barrier(parties as unknown as number),
          (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
        );
      }
      assert.throws(
        () => new Barrier(2, 'x' as unknown as () => void),
        (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT', /action/),
      );
      assert.throws(
        () => new Barrier(2, undefined, '1' as unknown as number),
        (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
      );
      assert.throws(
        () => new Barrier(2, undefined, Number.NaN),
        (e) => assertError(e, 'RangeError', 'WEFT_BAD_ARGUMENT'),
      );
      assert.equal(new Barrier(4095).parties, 4095);
    });

    test('wait / waitAsync with bad input throw / reject; the barrier is unchanged', async () => {
      const b = new Barrier(2);
      const w = b.waitAsync(); // one waiter inside
      await until(() => b.nWaiting === 1, 'one waiter');
      assert.throws(
        () => b.wait('1' as unknown as number),
        (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
      );
      assert.throws(
        () => b.wait(Number.NaN),
        (e) => assertError(e, 'RangeError', 'WEFT_BAD_ARGUMENT'),
      );
      for (const [call, name] of [
        [() => b.waitAsync('1' as unknown as number), 'TypeError'],
        [() => b.waitAsync(Number.NaN), 'RangeError'],
        [() => b.waitAsync(10, 'x' as unknown as object), 'TypeError'],
        [() => b.waitAsync(10, { signal: {} as AbortSignal }), 'TypeError'],
      ] as const) {
        let p: Promise<unknown> | undefined;
        assert.doesNotThrow(() => {
          p = call();
        });
        assertError(await rejectionOf(p as Promise<unknown>), name, 'WEFT_BAD_ARGUMENT');
      }
      assert.equal(b.nWaiting, 1);
      assert.equal(b.broken, false);
      assert.equal(await isPending(w), true);
      assert.equal(b.wait(), 1, 'the barrier still works: this completes the pass');
      assert.equal(await w, 0);
    });

    test('Barrier.from refuses anything but a Barrier (TypeError WEFT_BAD_HANDLE), and a bad action', () => {
      for (const value of [undefined, null, 3, {}, new Lock(), structuredClone(new Lock())]) {
        assert.throws(
          () => Barrier.from(value),
          (e) => assertError(e, 'TypeError', 'WEFT_BAD_HANDLE', /Barrier/),
        );
      }
      const b = new Barrier(2);
      assert.throws(
        () => Barrier.from(b, 5 as unknown as () => void),
        (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
      );
      assert.equal(b.parties, 2);
      assert.equal(b.nWaiting, 0);
    });
  });
});
