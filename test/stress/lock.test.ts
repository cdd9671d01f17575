/*
 * Lock under stress: 4x more workers than cores (some weft Threads, which record themselves as
 * holders, some plain workers) and the main thread (async), taking one Lock with random timeouts
 * (0 and negative included) and aborts. Exact invariants: never two inside at once; the plain
 * counter equals the number of successful acquisitions; never an AbandonedError (all holders live).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Lock } from 'weft-threading';
import { OK, VIOLATIONS } from '../fixtures/stress/common.js';
import { COUNTER, INSIDE, party } from '../fixtures/stress/lock.js';
import { Board, dump, guard, partyNames, report, SEED, sized, startParty, TEST } from './harness.js';

test('stress: Lock', TEST, async () => {
  const iterations = sized(300_000, 45_000);
  const lock = new Lock();
  const data = new Int32Array(new SharedArrayBuffer(8));
  const board = new Board(partyNames());
  const main = board.size - 1;
  const t0 = performance.now();
  const parties = board.names.map((_, id) =>
    id === main
      ? party(board.i32, id, SEED, lock, data, iterations, true)
      : startParty('lock', board, id, lock, data, iterations),
  );
  await guard('Lock', board, Promise.all(parties), { state: () => dump(lock, 4) });
  const ms = performance.now() - t0;
  const acquisitions = board.sum(OK);
  report('Lock', board, ms, { acquisitions, counter: data[COUNTER] });
  assert.equal(board.sum(VIOLATIONS), 0, 'violations');
  assert.equal(Atomics.load(data, INSIDE), 0);
  assert.equal(data[COUNTER], acquisitions, 'the plain counter equals the successful acquisitions');
  assert.equal(lock.locked(), false);
});
