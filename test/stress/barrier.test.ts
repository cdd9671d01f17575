/*
 * Barrier under stress: every worker (4x more than cores, some weft Threads) and the main thread
 * (waitAsync) are parties of one Barrier, pass after pass, with tiny timeouts, aborts and a
 * throwing action now and then breaking a pass; a second barrier ends each round and its action
 * checks the pass and resets the first. Exact invariants (fixtures/stress/barrier.ts): a pass is
 * all or nothing, its indexes are 0 .. parties-1 once each, its action ran exactly once.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Barrier } from 'weft-threading';
import {
  ACTION_RUNS,
  CTL_WORDS,
  LATE_ABORTS,
  PASSES_BROKEN,
  PASSES_OK,
  party,
} from '../fixtures/stress/barrier.js';
import { VIOLATIONS } from '../fixtures/stress/common.js';
import { Board, dump, guard, partyNames, report, SEED, sized, startParty, TEST } from './harness.js';

test('stress: Barrier', TEST, async () => {
  const nRounds = sized(100_000, 15_000);
  const board = new Board(partyNames());
  const parties = board.size;
  const passes = new Barrier(parties);
  const rounds = new Barrier(parties);
  const log = new Int32Array(new SharedArrayBuffer(2 * parties * 4));
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
  const t0 = performance.now();
  const running = board.names.map((name, id) =>
    name === 'main'
      ? party(board.i32, id, SEED, passes, rounds, log, ctl, nRounds, true)
      : startParty('barrier', board, id, passes, rounds, log, ctl, nRounds),
  );
  await guard('Barrier', board, Promise.all(running), {
    state: () => `passes ${dump(passes, 3)}; rounds ${dump(rounds, 3)}`,
  });
  const ms = performance.now() - t0;
  report('Barrier', board, ms, {
    parties,
    rounds: nRounds,
    'passes completed': ctl[PASSES_OK],
    'passes broken': ctl[PASSES_BROKEN],
    'action runs': ctl[ACTION_RUNS],
    'aborts after completion': ctl[LATE_ABORTS],
  });
  assert.equal(board.sum(VIOLATIONS), 0, 'violations');
  assert.equal((ctl[PASSES_OK] as number) + (ctl[PASSES_BROKEN] as number), nRounds);
  assert.ok((ctl[PASSES_OK] as number) > nRounds / 2, 'most passes complete');
  assert.equal(passes.broken, false);
  assert.equal(passes.nWaiting, 0);
  assert.equal(rounds.nWaiting, 0);
});
