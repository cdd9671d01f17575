import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Event } from 'weft';
import { runInWorker, StepLog, until, watchdog } from './helpers.js';

describe('Event', () => {
  test('starts unset; set / clear / isSet', () => {
    const e = new Event();
    assert.equal(e.isSet(), false);
    e.set();
    assert.equal(e.isSet(), true);
    e.set();
    assert.equal(e.isSet(), true);
    e.clear();
    assert.equal(e.isSet(), false);
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
});
