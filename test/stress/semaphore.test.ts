/*
 * Semaphore and BoundedSemaphore under stress: 4x more workers than cores (weft Threads, whose
 * hold() records permits, and plain workers) and the main thread (async) taking permits of one
 * Semaphore(3) with random timeouts (0 and negative included) and aborts, one or two at a time.
 * Exact invariants: never more than 3 permits held at once; the value stays within 0 .. 3 and ends
 * at exactly 3; a BoundedSemaphore refuses every release(4) with ValueError; never an
 * AbandonedError (all holders live).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedSemaphore, Semaphore } from 'weft-threading';
import { OK, VIOLATIONS, X1, X2 } from '../fixtures/stress/common.js';
import { INSIDE, MAX_INSIDE, party } from '../fixtures/stress/semaphore.js';
import { Board, dump, guard, partyNames, report, SEED, sized, startParty, TEST } from './harness.js';

const K = 3;

for (const Kind of [Semaphore, BoundedSemaphore]) {
  test(`stress: ${Kind.name}(${K})`, TEST, async () => {
    const iterations = sized(200_000, 30_000);
    const sem = new Kind(K);
    const data = new Int32Array(new SharedArrayBuffer(8));
    const board = new Board(partyNames());
    const main = board.size - 1;
    const t0 = performance.now();
    const parties = board.names.map((_, id) =>
      id === main
        ? party(board.i32, id, SEED, sem, data, iterations, K, true)
        : startParty('semaphore', board, id, sem, data, iterations, K),
    );
    await guard(Kind.name, board, Promise.all(parties), { state: () => dump(sem, 7) });
    const ms = performance.now() - t0;
    const extra: Record<string, unknown> = {
      permits: board.sum(OK),
      'release(2)': board.sum(X2),
      'max held at once': Atomics.load(data, MAX_INSIDE),
    };
    if (Kind === BoundedSemaphore) extra['release(4) refused'] = board.sum(X1);
    report(`${Kind.name}(${K})`, board, ms, extra);
    assert.equal(board.sum(VIOLATIONS), 0, 'violations');
    assert.equal(Atomics.load(data, INSIDE), 0);
    assert.ok(Atomics.load(data, MAX_INSIDE) <= K);
    assert.equal(sem.value, K, 'the value ends at exactly its initial value');
    if (Kind === BoundedSemaphore) assert.throws(() => sem.release(), { name: 'ValueError' });
    assert.equal(sem.value, K);
  });
}
