import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Barrier, BrokenBarrierError, Event } from 'weft';
import { runInWorker, watchdog } from './helpers.js';

describe('found by the models (test/spin)', () => {
  // barrier.pml, FAULTS: a thread that arrives while the previous pass runs its action sleeps until
  // that pass opens the next; its timeout or abort broke that pass, which all its parties had reached
  // (fixed in fb7b43a). So did a waitAsync whose signal had already fired (fixed in the next commit).
  for (const how of ['timeout', 'abort', 'signal already aborted'] as const) {
    test(`Barrier: a newcomer (${how}) during the previous pass's action does not break that pass`, async () => {
      const b = new Barrier(2);
      const entered = new Event();
      const go = new Event();
      const first = b.waitAsync(10_000);
      const last = runInWorker<number>('property', 'lastArriverWithHeldAction', b, entered, go);
      assert.equal(await watchdog(entered.waitAsync(10_000), 15_000, 'the action to start'), true);

      const controller = new AbortController();
      const reason = new Error('newcomer aborted');
      if (how === 'signal already aborted') controller.abort(reason);
      const newcomer =
        how === 'timeout' ? b.waitAsync(30) : b.waitAsync(undefined, { signal: controller.signal });
      if (how === 'abort') setTimeout(() => controller.abort(reason), 30);
      await assert.rejects(
        watchdog(newcomer, 15_000, 'the newcomer'),
        how === 'timeout' ? BrokenBarrierError : (e: unknown) => e === reason,
      );

      go.set();
      const indexes = await watchdog(Promise.all([first, last.result]), 15_000, 'the pass');
      assert.deepEqual(indexes.sort(), [0, 1]);
      assert.equal(b.broken, false);
      assert.equal(b.nWaiting, 0);
    });
  }
});
