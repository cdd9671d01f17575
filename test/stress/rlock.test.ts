/*
 * RLock under stress: 4x more workers than cores (some weft Threads, some plain workers) taking one
 * RLock with random timeouts (0 and negative included) and re-entering it up to 3 levels deep, and
 * the main thread polling it (acquire(0)). Exact invariants: never two owners inside at once; the
 * owner re-enters at once; the plain counter equals the successful first-level acquisitions;
 * never an AbandonedError (all owners live); unowned and unlocked at the end.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RLock } from 'weft-threading';
import { OK, VIOLATIONS, X1 } from '../fixtures/stress/common.js';
import { COUNTER, INSIDE, party } from '../fixtures/stress/rlock.js';
import { Board, dump, guard, partyNames, report, SEED, sized, startParty, TEST } from './harness.js';

test('stress: RLock', TEST, async () => {
  const iterations = sized(150_000, 45_000);
  const rlock = new RLock();
  const data = new Int32Array(new SharedArrayBuffer(8));
  const board = new Board(partyNames());
  const main = board.size - 1;
  const t0 = performance.now();
  const parties = board.names.map((_, id) =>
    id === main
      ? party(board.i32, id, SEED, rlock, data, iterations, true)
      : startParty('rlock', board, id, rlock, data, iterations),
  );
  await guard('RLock', board, Promise.all(parties), { state: () => dump(rlock, 5) });
  const ms = performance.now() - t0;
  const acquisitions = board.sum(OK);
  report('RLock', board, ms, { acquisitions, reentries: board.sum(X1), counter: data[COUNTER] });
  assert.equal(board.sum(VIOLATIONS), 0, 'violations');
  assert.equal(Atomics.load(data, INSIDE), 0);
  assert.equal(data[COUNTER], acquisitions, 'the plain counter equals the successful acquisitions');
  assert.equal(rlock.locked(), false);
});
