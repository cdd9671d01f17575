/*
 * Event under stress (fixtures/stress/event.ts). Rounds: 4x more workers than cores (some weft
 * Threads) and three async waiters on the main thread wait with random timeouts and aborts while a
 * rotating setter sets the Event; exact checks: no wait that began after set() returns false, and
 * no wait without a timeout is left asleep (a lost wake-up hangs it and the watchdog names it).
 * Set-then-clear: set() and clear() back to back while waiters are known to be asleep (async waits
 * on main, and a blocking waiter whose registration the setter sees); every one must return true.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Event } from 'weft-threading';
import { OK, VIOLATIONS, X1 } from '../fixtures/stress/common.js';
import { CLEAR_ROUND, CTL_WORDS, CTL2_WORDS, mainClear, mainParty, ROUND } from '../fixtures/stress/event.js';
import { Board, dump, guard, partyNames, report, SEED, sized, startEntry, TEST } from './harness.js';

test('stress: Event, rounds of set() with timed, untimed and aborted waits', TEST, async () => {
  const rounds = sized(60_000, 10_000);
  const e = new Event();
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
  const board = new Board(partyNames());
  const parties = board.size;
  const t0 = performance.now();
  const running = board.names.map((name, id) =>
    name === 'main'
      ? mainParty(board.i32, id, SEED, e, ctl, rounds, parties)
      : startEntry('event', 'party', board, id, e, ctl, rounds, parties),
  );
  await guard('Event (rounds)', board, Promise.all(running), {
    state: () => `round ${ctl[ROUND]}, ctl [${Array.from(ctl).join(', ')}]; ${dump(e, 2)}`,
  });
  const ms = performance.now() - t0;
  report('Event (rounds)', board, ms, { rounds, 'waits woken by set': board.sum(OK) });
  assert.equal(board.sum(VIOLATIONS), 0, 'violations');
  assert.equal(ctl[ROUND], rounds);
  assert.equal(e.isSet(), false);
});

test('stress: Event, set() then clear() at once wakes every waiter asleep', TEST, async () => {
  const rounds = sized(40_000, 6_000);
  const ea = new Event();
  const eb = new Event();
  const ctl2 = new Int32Array(new SharedArrayBuffer(CTL2_WORDS * 4));
  const board = new Board(partyNames());
  const workers = board.size - 1;
  const t0 = performance.now();
  const running = board.names.map((name, id) =>
    name === 'main'
      ? mainClear(board.i32, id, SEED, ea, ctl2, rounds)
      : startEntry('event', 'clearParty', board, id, ea, eb, ctl2, rounds, workers),
  );
  await guard('Event (set-then-clear)', board, Promise.all(running), {
    state: () => `ctl [${Array.from(ctl2).join(', ')}]; async ${dump(ea, 2)}; blocking ${dump(eb, 2)}`,
  });
  const ms = performance.now() - t0;
  report('Event (set-then-clear)', board, ms, { rounds: board.sum(X1), 'sleepers woken': board.sum(OK) });
  assert.equal(board.sum(VIOLATIONS), 0, 'violations');
  assert.equal(ctl2[CLEAR_ROUND], rounds);
  assert.equal(board.sum(OK), 4 * rounds, 'three async and one blocking sleeper woken per round');
});
