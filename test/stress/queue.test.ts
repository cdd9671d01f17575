/*
 * Queue, LifoQueue, PriorityQueue and SimpleQueue under stress: 4x more workers than cores (weft
 * Threads and plain workers), half of them producers and half consumers, and the main thread doing
 * both with the async forms; random timeouts (none, 0, negative, small, longer), aborted signals,
 * the Nowait forms; small bounds (Full and blocked puts are common; one Queue with a maxBytes
 * that holds two of the largest items, so puts also wait for room for their bytes); a run ends
 * with shutdown() once every producer is done, or is cut by a shutdown mid-run (immediate or
 * not) while puts are blocked and gets are waiting. SimpleQueue (no shutdown) ends with end markers.
 * Exact invariants (fixtures/stress/queue.ts): every item put is got exactly once, or discarded by
 * shutdown(true), and nothing that was not put is ever got; each producer's items reach each
 * consumer in put order (FIFO kinds); the counts of puts, gets and taskDone() calls agree; after
 * the run join(0) is true (discarded items count as done), one more taskDone() is a ValueError,
 * and the queue is empty.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { LifoQueue, PriorityQueue, Queue, SimpleQueue } from 'weft-threading';
import { OK, VIOLATIONS, X1, X2, X3, X4 } from '../fixtures/stress/common.js';
import { END, type PartyPlan, party, type Role } from '../fixtures/stress/queue.js';
import { Board, guard, partyNames, report, SEED, sized, startParty, TEST } from './harness.js';

type Kind = PartyPlan['kind'];

interface Variant {
  kind: Kind;
  maxsize: number;
  /** The queue's maxBytes (small: puts also wait for room for their bytes). */
  maxBytes?: number;
  /** Shut down when this share of the planned puts is in (undefined: only once all are done). */
  cut?: { at: number; immediate: boolean };
}

const VARIANTS: Variant[] = [
  { kind: 'Queue', maxsize: 8 },
  { kind: 'Queue', maxsize: 64, cut: { at: 0.4, immediate: true } },
  { kind: 'Queue', maxsize: 0, cut: { at: 0.5, immediate: false } },
  { kind: 'Queue', maxsize: 64, maxBytes: 8192 },
  { kind: 'LifoQueue', maxsize: 8 },
  { kind: 'PriorityQueue', maxsize: 8, cut: { at: 0.5, immediate: true } },
  { kind: 'SimpleQueue', maxsize: 0 },
];

function make(v: Variant): Queue | SimpleQueue {
  if (v.kind === 'SimpleQueue') return new SimpleQueue();
  const K = v.kind === 'LifoQueue' ? LifoQueue : v.kind === 'PriorityQueue' ? PriorityQueue : Queue;
  return new K(v.maxsize, { maxBytes: v.maxBytes });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const v of VARIANTS) {
  const what = `${v.kind}(${v.maxsize}${v.maxBytes ? `, { maxBytes: ${v.maxBytes} }` : ''})${v.cut ? `, shutdown(${v.cut.immediate}) mid-run` : ''}`;
  test(`stress: ${what}`, TEST, async () => {
    const puts = sized(40_000, 4_000);
    const stride = puts + 4;
    const q = make(v);
    const names = partyNames();
    const board = new Board(names);
    const main = board.size - 1;
    // Workers with an even index produce, odd ones consume; the main thread does both.
    const roles: Role[] = names.map((_, id) =>
      id === main ? 'both' : id % 2 === 0 ? 'producer' : 'consumer',
    );
    const slots: number[] = [];
    let producers = 0;
    for (const r of roles) slots.push(r === 'consumer' ? -1 : producers++);
    const consumers = roles.filter((r) => r !== 'producer').length;
    const put = new Int32Array(new SharedArrayBuffer(producers * stride * 4));
    const seen = new Int32Array(new SharedArrayBuffer(producers * stride * 4));
    const finished = new Int32Array(new SharedArrayBuffer(4));
    const plans = roles.map(
      (role, id): PartyPlan => ({ role, slot: slots[id]!, puts, stride, kind: v.kind, maxsize: v.maxsize }),
    );
    const t0 = performance.now();
    const parties = board.names.map((_, id) =>
      id === main
        ? party(board.i32, id, SEED, q, plans[id]!, put, seen, producers, finished, true)
        : startParty('queue', board, id, q, plans[id]!, put, seen, producers, finished),
    );
    let cutAt: number | undefined;
    let stopped = false;
    // The end of the run: shutdown (or end markers) once every producer is done, or the cut.
    const ender = (async () => {
      for (;;) {
        if (stopped) return;
        const done = Atomics.load(finished, 0) === producers;
        const share = board.sum(X1) / (producers * puts);
        // A cut waits for a moment when items are queued, so that shutdown(true) has some to discard.
        const cut = v.cut !== undefined && share >= v.cut.at && (q.qsize() >= 2 || share >= v.cut.at + 0.2);
        if (done || cut) {
          cutAt = done ? undefined : board.sum(X1);
          if (q instanceof SimpleQueue) for (let c = 0; c < consumers; c++) q.put(END);
          else q.shutdown(done ? false : (v.cut?.immediate ?? false));
          return;
        }
        await delay(share >= (v.cut?.at ?? 1) ? 0 : 2);
      }
    })();
    const state = (): string =>
      `${inspect(q)}; qsize ${q.qsize()}; producers finished ${Atomics.load(finished, 0)}/${producers}; ` +
      `put ${board.sum(X1)}, got ${board.sum(X2)}`;
    try {
      await guard(what, board, Promise.all([...parties, ender]), { state });
    } finally {
      stopped = true;
    }
    const ms = performance.now() - t0;

    let putCount = 0;
    let gotCount = 0;
    let bad = 0;
    let firstBad = '';
    for (let s = 0; s < producers; s++) {
      for (let k = 0; k < stride; k++) {
        const i = s * stride + k;
        const p = Atomics.load(put, i);
        const g = Atomics.load(seen, i);
        putCount += p;
        gotCount += g;
        const immediate = cutAt !== undefined && v.cut?.immediate === true;
        if (g > 1 || g > p || (!immediate && g !== p)) {
          bad++;
          firstBad ||= `producer ${s}'s item ${k}: put ${p}, got ${g} times`;
        }
      }
    }
    const discarded = putCount - gotCount;
    const extra: Record<string, unknown> = {
      'items put': putCount,
      'items got': gotCount,
      discarded,
      'ShutDown seen': board.sum(X3),
      'shut down after': cutAt === undefined ? 'every producer finished' : `${cutAt} puts`,
    };
    report(what, board, ms, extra);
    assert.equal(board.sum(VIOLATIONS), 0, 'violations (see stderr)');
    assert.equal(bad, 0, `items got other than exactly once: ${bad}, first: ${firstBad}`);
    assert.equal(board.sum(X1), putCount, 'puts counted = items marked put');
    assert.equal(board.sum(X2), gotCount, 'gets counted = items marked got');
    assert.equal(board.sum(OK), putCount + gotCount);
    assert.ok(putCount > 0 && gotCount > 0, 'the run moved items');
    if (cutAt === undefined || v.cut?.immediate !== true) assert.equal(discarded, 0, 'nothing lost');
    assert.equal(q.qsize(), 0, 'the queue ends empty');
    if (q instanceof Queue) {
      assert.equal(board.sum(X4), gotCount, 'one taskDone() per item got');
      assert.equal(q.join(0), true, 'join(0): every item put is done (discarded ones count as done)');
      assert.throws(() => q.taskDone(), { name: 'ValueError' }, 'one taskDone() too many');
      assert.equal(q.join(0), true, 'the refused taskDone() changed nothing');
      assert.throws(() => q.putNowait(1), { name: 'ShutDown' });
    }
  });
}
