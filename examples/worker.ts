/*
 * The worker side of examples/main-thread.ts. A worker may block, so it uses the blocking form of
 * each wait: wait(), hold(). Timeouts are in milliseconds.
 */

import type { Event, Lock } from 'weft-threading';

/** What the main thread passes in `args`: weft primitives arrive live, typed arrays stay shared. */
export interface Shared {
  ready: Event;
  go: Event;
  lock: Lock;
  total: Int32Array;
}

export default function adder({ ready, go, lock, total }: Shared, times: number): void {
  ready.set(); // tell the main thread we are up
  if (!go.wait(5_000)) throw new Error('no go within 5 s'); // blocks this worker, not the main thread

  for (let i = 0; i < times; i++) {
    using _ = lock.hold(); // released at the end of each iteration
    total[0]! += 1; // a plain read-modify-write: safe because we hold the lock
  }
}
