/*
 * Event: the contract (CPython's Lib/test/lock_tests.py EventTests, and API.md), run in each mode:
 * blocking waiters in workers, async waiters on the main thread, and both on the same event.
 * Timeouts and aborts of every wait are also covered across primitives in waits.test.ts.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Event } from 'weft-threading';
import type { PollThenWait } from './fixtures/event.js';
import { delay, MODES, runInWorker, runOn, StepLog, sideOf, until, watchdog } from './helpers.js';

const N = 5;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('Event', () => {
  test('starts unset; set / clear / isSet, each twice (test_is_set)', () => {
    const e = new Event();
    assert.equal(e.isSet(), false);
    e.set();
    assert.equal(e.isSet(), true);
    e.set();
    assert.equal(e.isSet(), true);
    e.clear();
    assert.equal(e.isSet(), false);
    e.clear();
    assert.equal(e.isSet(), false);
  });

  test('wait on a set event returns true at once, in both forms; after clear() a poll is false', async () => {
    const e = new Event();
    e.set();
    assert.equal(e.wait(), true);
    assert.equal(e.wait(0), true);
    assert.equal(await e.waitAsync(), true);
    assert.equal(await e.waitAsync(-1), true);
    e.clear();
    assert.equal(e.wait(0), false);
    assert.equal(await e.waitAsync(0), false);
  });

  test('blocking waiters in workers are all woken by one set() from the main thread', async () => {
    const e = new Event();
    const log = new StepLog();
    const runs = [0, 1, 2].map((i) =>
      runInWorker<boolean>('event', 'waitLogged', e, log.i32, 10 + i, 20 + i),
    );
    await until(() => log.entries().length === 3, 'the three workers logged that they wait');
    log.push(99);
    e.set();
    const results = await watchdog(Promise.all(runs.map((r) => r.result)), 10000, 'three Event waiters');
    assert.deepEqual(results, [true, true, true]);
    const entries = log.entries();
    assert.equal(entries.indexOf(99), 3, `set must come after every "waiting" step: ${entries}`);
  });

  test('async waiter on the main thread is woken by a worker, and settles after that worker exited', async () => {
    const e = new Event();
    const waiting = e.waitAsync();
    const { worker, result } = runInWorker('event', 'set', e);
    await result;
    await new Promise((r) => worker.once('exit', r));
    assert.equal(await watchdog(waiting, 10000, 'waitAsync after the setter exited'), true);
  });

  for (const mode of MODES) {
    describe(`contract, ${mode} waiters`, () => {
      /*
       * test_notify: N waiters each wait twice. None returns before set(); one set() wakes all of them,
       * and their second wait returns at once. Then again after set() + clear(), this time set() by a
       * worker rather than by the main thread.
       */
      test('one set() wakes every waiter; again after set() + clear(), set by a worker', async () => {
        const e = new Event();
        const log = new StepLog();
        const round = async (base: number, setStep: number, setter: 'main' | 'worker'): Promise<void> => {
          const runs = range(N).map((i) =>
            runOn<boolean[]>(sideOf(mode, i), 'event', 'waitTwice', e, log.i32, base + i),
          );
          const started = (): number => log.entries().filter((s) => s >= base && s < base + N).length;
          await until(() => started() === N, `the ${N} waiters started (round ${base})`, 10000);
          await delay(30); // not an ordering device: gives a waiter that wrongly returns time to show it
          const early = log.entries().filter((s) => s >= 100 && s < 1000);
          assert.deepEqual(early.length, base === 0 ? 0 : 2 * N, `no waiter may pass before set(): ${early}`);
          log.push(setStep);
          if (setter === 'main') e.set();
          else await watchdog(runInWorker('event', 'set', e).result, 10000, 'the setting worker');
          const results = await watchdog(Promise.all(runs), 10000, `the ${N} waiters (${mode})`);
          assert.deepEqual(
            results,
            range(N).map(() => [true, true]),
          );
          const entries = log.entries();
          const at = entries.indexOf(setStep);
          const after = entries.filter((s) => s >= 100 + base && s < 100 + base + N);
          assert.equal(after.length, N);
          for (const s of [...after, ...after.map((s) => s + 100)]) {
            assert.ok(entries.indexOf(s) > at, `step ${s} must come after set(): ${entries}`);
          }
        };
        await round(0, 1000, 'main');
        e.set();
        e.clear();
        await round(10, 1001, 'worker');
      });

      /*
       * test_timeout: each waiter polls (false) and then waits T ms (false, taking about T). Once the
       * event is set, the poll and the timed wait both return true, the wait without waiting.
       */
      test('timeout: wait(0) is false, wait(T) is false after about T; once set, both true at once', async () => {
        const T = 150;
        const e = new Event();
        const unset = await watchdog(
          Promise.all(
            range(N).map((i) => runOn<PollThenWait>(sideOf(mode, i), 'event', 'pollThenWait', e, T)),
          ),
          10000,
          'timed waiters',
        );
        for (const r of unset) {
          assert.equal(r.poll, false);
          assert.equal(r.result, false);
          assert.ok(r.ms >= T * 0.6 && r.ms < T * 10, `wait(${T}) took ${r.ms} ms`);
        }
        e.set();
        const set = await watchdog(
          Promise.all(
            range(N).map((i) => runOn<PollThenWait>(sideOf(mode, i), 'event', 'pollThenWait', e, T)),
          ),
          10000,
          'waiters on a set event',
        );
        for (const r of set) {
          assert.equal(r.poll, true);
          assert.equal(r.result, true);
          assert.ok(r.ms < T, `wait(${T}) on a set event took ${r.ms} ms`);
        }
      });

      /*
       * test_set_and_clear (CPython issue #13502): set() immediately followed by clear(). Every waiter
       * that set() woke returns true, although the flag is already false when it runs. For async
       * waiters on this thread the race is certain: they cannot run between set() and clear().
       */
      test('set() then clear() at once: every waiter woken by set() returns true', async () => {
        const e = new Event();
        const log = new StepLog();
        const runs = range(N).map((i) =>
          runOn<boolean>(sideOf(mode, i), 'event', 'waitTimed', e, log.i32, i, 10000),
        );
        await until(() => log.entries().length === N, 'the waiters started', 10000);
        await delay(30); // lets the blocking waiters fall asleep, so that set() has sleepers to wake
        e.set();
        e.clear();
        const results = await watchdog(
          Promise.all(runs),
          3000,
          'waiters of set() + clear() (they must not wait for their timeout)',
        );
        assert.deepEqual(
          results,
          range(N).map(() => true),
        );
        assert.equal(e.isSet(), false);
        assert.equal(e.wait(0), false);
      });
    });
  }

  test('an aborted async waiter leaves no trace: set() still wakes an async and a blocking waiter', async () => {
    const e = new Event();
    const log = new StepLog();
    const worker = runInWorker<boolean>('event', 'waitLogged', e, log.i32, 1, 2);
    const controller = new AbortController();
    const reason = new Error('stop waiting');
    const aborted = e.waitAsync(undefined, { signal: controller.signal });
    const other = e.waitAsync();
    await until(() => log.entries().length === 1, 'the worker waits');
    controller.abort(reason);
    await assert.rejects(aborted, (err) => err === reason);
    assert.equal(e.isSet(), false);
    e.set();
    assert.equal(await watchdog(other, 5000, 'the remaining async waiter'), true);
    assert.equal(await watchdog(worker.result, 5000, 'the blocking waiter'), true);
  });

  /*
   * Stress: ping-pong over pairs of events, every round checked (a round skipped or doubled shows in
   * the counter). Two pairs of workers blocking, and the main thread (async) with a worker.
   */
  test('stress: 2 worker pairs x 20,000 rounds and main (async) x 5,000 rounds, exact counts', async (t) => {
    const pairs = 3;
    const rounds = [20000, 20000, 5000];
    const counter = new Int32Array(new SharedArrayBuffer(pairs * 2 * 4));
    const events = range(pairs).map(() => [new Event(), new Event()] as const);
    const runs: Promise<number>[] = [];
    for (let p = 0; p < pairs; p++) {
      const [ping, pong] = events[p] as readonly [Event, Event];
      const n = rounds[p] as number;
      runs.push(runInWorker<number>('event', 'pingPongServer', ping, pong, counter, 2 * p, n).result);
      runs.push(
        runOn<number>(p < 2 ? 'blocking' : 'async', 'event', 'pingPongDriver', ping, pong, counter, 2 * p, n),
      );
    }
    const t0 = performance.now();
    await watchdog(Promise.all(runs), 60000, 'Event ping-pong stress');
    const ms = performance.now() - t0;
    for (let p = 0; p < pairs; p++) {
      assert.equal(counter[2 * p], rounds[p], `pair ${p}: rounds served`);
      assert.equal(counter[2 * p + 1], 0, `pair ${p}: rounds where the counter had not moved by exactly one`);
    }
    t.diagnostic(
      `Event stress: ${rounds.reduce((a, b) => a + b)} round trips in ${ms.toFixed(0)} ms, 0 violations`,
    );
  });
});
