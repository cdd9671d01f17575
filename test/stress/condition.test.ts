/*
 * Condition under stress: producers and consumers of one bounded queue (capacity 4) guarded by
 * one lock with two Conditions, notEmpty and notFull. With a Lock: 4 producers and 4 consumers in
 * workers (some weft Threads), and the main thread as a fifth consumer (async, with aborts). With
 * an RLock held two levels deep: blocking workers only. Random timeouts on every wait; notify(1),
 * notify(2) or notifyAll at random. Exact invariants: every item consumed exactly once, each
 * producer's items in order, the queue size within 0 .. capacity, totals equal.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Condition, Lock, RLock } from 'weft-threading';
import { VIOLATIONS, X1, X2 } from '../fixtures/stress/common.js';
import {
  CONSUMED,
  LAST_SEQ,
  mainConsumer,
  PRODUCED,
  queueWords,
  type Shape,
  SIZE,
} from '../fixtures/stress/condition.js';
import { Board, dump, guard, partyNames, report, SEED, sized, startParty, TEST, WORKERS } from './harness.js';

for (const kind of ['Lock', 'RLock'] as const) {
  test(
    `stress: Condition on ${kind === 'Lock' ? 'a Lock (with async consumers on main)' : 'an RLock (two levels deep)'}`,
    TEST,
    async () => {
      const producers = WORKERS / 2;
      const shape: Shape = { producers, items: sized(250_000, 18_000), capacity: 4 };
      const lock = kind === 'Lock' ? new Lock() : new RLock();
      const notEmpty = new Condition(lock);
      const notFull = new Condition(lock);
      const q = new Int32Array(new SharedArrayBuffer(queueWords(shape) * 4));
      for (let k = 0; k < producers; k++) q[LAST_SEQ + k] = -1;
      const seen = new Int32Array(new SharedArrayBuffer(producers * shape.items * 4));
      const board = new Board(partyNames(WORKERS, undefined, kind === 'Lock'));
      const t0 = performance.now();
      const parties = board.names.map((name, id) =>
        name === 'main'
          ? mainConsumer(
              board.i32,
              id,
              SEED,
              notEmpty as Condition<Lock>,
              notFull as Condition<Lock>,
              q,
              seen,
              shape,
            )
          : startParty('condition', board, id, notEmpty, notFull, q, seen, shape, id < producers ? id : -1),
      );
      await guard(`Condition (${kind})`, board, Promise.all(parties), {
        state: () =>
          `queue size ${q[SIZE]}, produced ${q[PRODUCED]}, consumed ${q[CONSUMED]}; ${dump(notEmpty, 4)}`,
      });
      const ms = performance.now() - t0;
      const total = producers * shape.items;
      let once = 0;
      for (let k = 0; k < total; k++) if (seen[k] === 1) once++;
      report(`Condition (${kind})`, board, ms, {
        items: total,
        'consumed once': once,
        notifies: board.sum(X2),
      });
      assert.equal(board.sum(VIOLATIONS), 0, 'violations');
      assert.equal(q[PRODUCED], total);
      assert.equal(q[CONSUMED], total);
      assert.equal(q[SIZE], 0);
      assert.equal(once, total, 'every item consumed exactly once');
      assert.equal(board.sum(X1), 2 * total, 'items produced + consumed, as counted by the parties');
      assert.equal(lock.locked(), false);
    },
  );
}
