/*
 * One of the demo's four worker threads (started by demo.ts with weft's Thread). A worker may block,
 * so it uses the blocking form of every wait: wait(), acquire(), hold().
 */

import { Barrier, Empty, ShutDown } from 'weft-threading';
import { busy, clock, I, M, passed, record, type Shared, T } from './demo-shared.js';

export default function demoWorker(shared: Shared, index: number): void {
  const { settings, ready, start, slots, lock, queue, rlock, stop, counter, ints, stamps } = shared;
  const now = clock(settings.epoch);
  const sinceUs = (stamp: number) => (now() - (stamps[stamp] ?? 0)) * 1000;

  // The Barrier's action runs on the last thread to arrive, before anyone is released. Functions do
  // not cross threads, so each thread gives its own handle the action.
  let ranAction = false;
  const barrier = Barrier.from(shared.barrier, () => {
    ranAction = true;
    passed(shared, index, now);
  });
  const passBarrier = () => {
    ranAction = false;
    barrier.wait();
    if (!ranAction) record(shared, M.BARRIER_WORKER, sinceUs(T.BARRIER));
  };

  /** Takes a lock or a permit; if it had to wait, records how long after the last release it got it. */
  const take = (what: { acquire(timeout?: number): boolean }, freed: number, metric: number) => {
    if (what.acquire(0)) return; // timeout 0: poll once, never block
    what.acquire(); // blocks this worker until another thread releases
    record(shared, metric, sinceUs(freed));
  };

  try {
    // Start: say we are up, then sleep until the main thread sets the start Event.
    ready.release();
    start.wait();
    record(shared, M.START, sinceUs(T.START));

    // Phase 1: at most SLOTS workers hold a slot at once; count how many are inside.
    for (let job = 0; job < settings.jobs; job++) {
      take(slots, T.SLOT_FREED, M.SLOT);
      const inside = Atomics.add(ints, I.ACTIVE, 1) + 1;
      for (let max = Atomics.load(ints, I.MAX_ACTIVE); inside > max; ) {
        max = Atomics.compareExchange(ints, I.MAX_ACTIVE, max, inside);
      }
      busy(settings.jobMs);
      Atomics.sub(ints, I.ACTIVE, 1);
      stamps[T.SLOT_FREED] = now();
      slots.release();
      Atomics.add(ints, I.JOBS, 1);
    }
    passBarrier();

    // Phase 2: a plain (non-atomic) read-modify-write, first without a lock (updates get lost),
    // then made safe by the Lock.
    for (let i = 0; i < settings.increments; i++) counter[1]! += 1;
    for (let i = 0; i < settings.increments; i++) {
      take(lock, T.LOCK_FREED, M.LOCK);
      counter[0]! += 1;
      stamps[T.LOCK_FREED] = now();
      lock.release();
    }
    passBarrier();

    // Phase 3: get items from the Queue until the main thread shuts it down and it is drained.
    for (;;) {
      let item: number;
      stamps[T.GOT] = now(); // about to take one: the main thread may be waiting for the place
      try {
        item = queue.getNowait(); // no waiting if there is one
      } catch (error) {
        if (error instanceof ShutDown) break; // shut down and drained
        if (!(error instanceof Empty)) throw error;
        try {
          item = queue.get(); // block this worker until the main thread puts one
        } catch (error) {
          if (error instanceof ShutDown) break;
          throw error;
        }
        record(shared, M.GOT, sinceUs(T.PUT));
      }
      busy(settings.itemUs / 1000);
      tally(item);
      queue.taskDone(); // for the main thread's joinAsync()
    }
    passBarrier();

    // Phase 4: a task that takes too long for some workers. Waiting on `stop` with a timeout stands
    // for work that checks for cancellation: true means the Timer stopped us.
    const stopped = stop.wait((settings.tasks[index - 1] ?? 0) * settings.deadlineMs);
    if (stopped) record(shared, M.STOP, sinceUs(T.STOP));
    ints[I.OUTCOME + index] = stopped ? 2 : 1;
  } catch (error) {
    barrier.abort(); // wake everyone with BrokenBarrierError rather than leave them waiting
    throw error; // Thread reports it, naming this thread
  }

  // The tally is guarded by an RLock, and tally() calls count() which takes it again: re-entrant.
  function tally(item: number): void {
    using _ = rlock.hold();
    ints[I.SUM]! += item;
    count();
  }
  function count(): void {
    using _ = rlock.hold(); // this thread already owns it: the depth goes to 2, no deadlock
    ints[I.CONSUMED]! += 1;
    ints[I.NESTED]! += 1;
  }
}
