/*
 * The async fallback for engines without Atomics.waitAsync (src/internal/fallback.ts): regression
 * tests of issue 9, findings 1 and 2, and of finding 5 (Condition.wait where blocking is not
 * allowed). Each runs twice: in this process with the helper fallback forced through the wait
 * layer's test hook, and in child processes that delete Atomics.waitAsync before weft loads (as on
 * Firefox < 145), where every helper is new. The scenarios are in test/fixtures/fallback.ts.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Condition, Lock, RLock, RuntimeError } from 'weft-threading';
import { runInWorker, runNode, watchdog } from './helpers.js';

const ROUNDS = 4;

interface FutexHooks {
  forceAsyncFallback(mode: 'helper' | 'poll' | false): void;
  asyncWaitMode(): string;
}

describe('the helper fallback, forced in this process', () => {
  let futex: FutexHooks;
  let fixture: typeof import('./fixtures/fallback.js');
  before(async () => {
    futex = (await import(new URL('../../dist/internal/futex.js', import.meta.url).href)) as FutexHooks;
    futex.forceAsyncFallback('helper');
    assert.equal(futex.asyncWaitMode(), 'helper');
    fixture = await import('./fixtures/fallback.js');
  });
  after(() => futex.forceAsyncFallback(false));

  test('a worker blocked in lock.acquire() is woken by release after an async acquire went through a starting helper (finding 1a)', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const woke = await watchdog(fixture.lockAfterStartingHelper(), 20_000, `round ${i}`);
      assert.equal(woke, 'woken', `round ${i}: the release's wake-up was swallowed by a stale helper`);
    }
  });

  test('an aborted Condition.waitAsync does not make the next notify(1) vanish (finding 1b)', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const notified = await watchdog(fixture.conditionAfterAbortedWait(), 20_000, `round ${i}`);
      assert.equal(notified, 'woken', `round ${i}: notify(1) was swallowed by the aborted wait's helper`);
    }
  });
});

describe('the helper fallback, Atomics.waitAsync deleted (child processes)', () => {
  const child = async (scenario: string, rounds: number, ms = 60_000): Promise<unknown[]> => {
    const r = await runNode('fallback', [scenario, String(rounds)], ms);
    assert.equal(
      r.signal,
      null,
      `the child was killed after ${r.ms.toFixed(0)} ms: it could not exit\n${r.stderr}`,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as { mode: string; results: unknown[] };
    assert.equal(out.mode, 'helper', 'the child did not run on helper workers');
    return out.results;
  };

  test('lock: the blocked worker is woken, every round (finding 1a)', async () => {
    assert.deepEqual(await child('lock', ROUNDS), Array(ROUNDS).fill('woken'));
  });

  test('condition: notify(1) after an aborted waitAsync reaches the waiter, every round (finding 1b)', async () => {
    assert.deepEqual(await child('condition', ROUNDS), Array(ROUNDS).fill('woken'));
  });

  test('the process exits by itself after async waits aborted while their helper started (finding 2)', async () => {
    // The scenario takes well under a second; a child still running after 20 s cannot exit.
    const results = await child('abort-exit', 2, 20_000);
    assert.deepEqual(results, Array(2).fill(['aborted', 'aborted', 'aborted']));
  });
});

describe('Condition where the thread may not block (finding 5), through the can-block test hook', () => {
  // Node lets every thread block; the hook makes a worker's canBlock() answer false, as on a
  // browser's main thread (test/browser runs the same on a real one).
  for (const how of ['wait(0)', 'wait()', 'waitFor(p, 0)'] as const) {
    test(`${how} throws CannotBlockError naming the Async twin, registers nothing, keeps the lock`, async () => {
      const c = new Condition(new Lock());
      const r = await watchdog(
        runInWorker<{ name: string; code: string; message: string; held: boolean; waiters: string }>(
          'fallback',
          'conditionWhereBlockingIsNotAllowed',
          c,
          how,
        ).result,
        15_000,
        'the worker',
      );
      assert.equal(r.name, 'CannotBlockError');
      assert.equal(r.code, 'WEFT_CANNOT_BLOCK');
      const twin = how.startsWith('waitFor') ? 'Condition.waitForAsync' : 'Condition.waitAsync';
      assert.match(r.message, new RegExp(`use ${twin.replace('.', '\\.')}\\(\\)`));
      assert.equal(r.held, true, 'the caller no longer holds the lock');
      assert.match(r.waiters, /waiters: 0/);
      assert.equal(c.lock.locked(), false, 'the worker released the lock it still held');
    });
  }
});

describe('Condition errors name the method called (issue 10, item 5)', () => {
  test('waitAsync without the lock names Condition.waitAsync', async () => {
    const c = new Condition(new Lock());
    await assert.rejects(c.waitAsync(10), (e: unknown) => {
      assert.ok(e instanceof RuntimeError);
      assert.match((e as Error).message, /^Condition\.waitAsync: cannot wait on un-acquired lock/);
      return true;
    });
  });

  test('wait without the lock still names Condition.wait', () => {
    const c = new Condition(new RLock());
    assert.throws(() => c.wait(10), /^RuntimeError: Condition\.wait: cannot wait on un-acquired lock/);
  });
});
