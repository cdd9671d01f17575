/*
 * The worker side of the cross-runtime contract (contract.mjs): each export runs in a worker,
 * started by worker.mjs, with its arguments revived (weft primitives arrive live). Workers use the
 * blocking forms, except where a scenario says otherwise. Runtime-agnostic: Node, Bun, Deno and
 * browsers' module Web Workers all run this file unchanged.
 */

import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  RLock,
  revive,
  Semaphore,
} from '../../dist/index.js';

const napWord = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this worker for `ms` (a worker may block; only to give the other side time). */
export function nap(ms) {
  Atomics.wait(napWord, 0, 0, ms);
}

/** The error as it crosses threads: name, message and code survive. */
function errorInfo(error) {
  return { name: error?.name, message: error?.message, code: error?.code };
}

// Event -------------------------------------------------------------------------------------------

export function eventWait(event, timeout) {
  const t0 = performance.now();
  const result = event.wait(timeout);
  return { result, ms: performance.now() - t0 };
}

export function eventSetAfter(event, ms) {
  nap(ms);
  event.set();
  return true;
}

/** Says it is running, then sets `event` after `ms`: for a "main" that blocks once it is ready. */
export function eventSetWhenReady(ready, event, ms) {
  ready.set();
  nap(ms);
  event.set();
  return true;
}

/** An async wait in a worker (mixed mode: a worker may use either form). */
export async function eventWaitAsync(event, timeout) {
  return event.waitAsync(timeout);
}

// Lock --------------------------------------------------------------------------------------------

/** Increments counter[0] `n` times under the lock, with a plain (non-atomic) read and write. */
export function lockCount(lock, counter, n) {
  for (let i = 0; i < n; i++) {
    lock.acquire();
    const v = counter[0];
    counter[0] = v + 1;
    lock.release();
  }
  return true;
}

/** Takes the lock, says so, holds it until `go`, then releases it. */
export function lockHold(lock, held, go) {
  lock.acquire();
  held.set();
  go.wait();
  lock.release();
  return true;
}

export function lockTry(lock, timeout) {
  const t0 = performance.now();
  const result = lock.acquire(timeout);
  return { result, ms: performance.now() - t0 };
}

export function lockRelease(lock) {
  lock.release();
  return true;
}

/** Releasing an unlocked Lock: the error that crosses back must still carry its name and code. */
export function lockMisuse(lock) {
  lock.release();
  return 'no error';
}

// Semaphore ---------------------------------------------------------------------------------------

/** Acquires and releases `n` times; stats[0] counts holders now, stats[1] the most ever seen. */
export function semaphoreLoop(semaphore, stats, n) {
  for (let i = 0; i < n; i++) {
    semaphore.acquire();
    const inside = Atomics.add(stats, 0, 1) + 1;
    for (let seen = Atomics.load(stats, 1); inside > seen; seen = Atomics.load(stats, 1)) {
      Atomics.compareExchange(stats, 1, seen, inside);
    }
    Atomics.sub(stats, 0, 1);
    semaphore.release();
  }
  return true;
}

export function semaphoreAcquire(semaphore, timeout) {
  return semaphore.acquire(timeout);
}

export function boundedOverRelease(bounded) {
  const before = bounded.value;
  try {
    bounded.release();
    return { error: null, before, after: bounded.value };
  } catch (error) {
    return {
      error: errorInfo(error),
      before,
      after: bounded.value,
      isRangeError: error instanceof RangeError,
    };
  }
}

// RLock -------------------------------------------------------------------------------------------

/** Takes the RLock twice (re-entrant), says so, holds it until `go`, releases both levels. */
export function rlockHoldTwice(rlock, held, go) {
  rlock.acquire();
  rlock.acquire();
  held.set();
  go.wait();
  rlock.release();
  const stillMine = rlock.locked();
  rlock.release();
  let released = true;
  try {
    rlock.release(); // no longer the owner: refused
    released = false;
  } catch {}
  return { stillMine, released };
}

/** Fails to take an RLock held elsewhere within `timeout`, then takes it once `go` is set. */
export function rlockContend(rlock, timeout, tried, go) {
  const t0 = performance.now();
  const first = rlock.acquire(timeout);
  const ms = performance.now() - t0;
  tried.set();
  go.wait();
  const second = rlock.acquire(10_000);
  if (second) rlock.release();
  return { first, ms, second };
}

// Condition ---------------------------------------------------------------------------------------

/** Consumes `n` items: buf[0] items available, buf[1] items consumed. */
export function conditionConsume(cond, buf, n) {
  for (let i = 0; i < n; i++) {
    cond.acquire();
    if (!cond.waitFor(() => buf[0] > 0, 10_000)) {
      cond.release();
      throw new Error(`consumer starved at item ${i}`);
    }
    buf[0]--;
    buf[1]++;
    cond.release();
  }
  return true;
}

/** Sets buf[2] and notifies every waiter, under the lock. */
export function conditionAnnounce(cond, buf) {
  cond.acquire();
  buf[2] = 1;
  cond.notifyAll();
  cond.release();
  return true;
}

export function conditionWaitTimeout(cond, timeout) {
  cond.acquire();
  const t0 = performance.now();
  const result = cond.wait(timeout);
  const ms = performance.now() - t0;
  const relocked = cond.lock.locked();
  cond.release();
  return { result, ms, relocked };
}

export function conditionWaitUnlocked(cond) {
  try {
    cond.wait(10);
    return { error: null };
  } catch (error) {
    return { error: errorInfo(error) };
  }
}

// Barrier -----------------------------------------------------------------------------------------

/** Waits `passes` times; this worker's own action (run if it arrives last) counts in actions[0]. */
export function barrierPasses(barrier, actions, passes) {
  const mine = Barrier.from(barrier, () => Atomics.add(actions, 0, 1));
  const indices = [];
  for (let i = 0; i < passes; i++) indices.push(mine.wait(10_000));
  return indices;
}

export function barrierBreaks(barrier, timeout) {
  try {
    barrier.wait(timeout);
    return { error: null };
  } catch (error) {
    return { error: errorInfo(error), isBroken: error instanceof BrokenBarrierError, broken: barrier.broken };
  }
}

// Timer -------------------------------------------------------------------------------------------

/** Waits (blocking) for a timer started on another thread: its `finished` Event crossed over. */
export function timerJoin(finished, timeout) {
  return finished.wait(timeout);
}

/** Cancels a timer started on another thread: cancel() is finished.set(). */
export function timerCancel(finished) {
  finished.set();
  return true;
}

// Sharing -----------------------------------------------------------------------------------------

/** Receives weft primitives nested in a message; checks what arrived and uses them. */
export function nested(message) {
  const { list, inner } = message;
  const [lock, sem] = list;
  const kinds = [lock instanceof Lock, sem instanceof Semaphore, inner.event instanceof Event];
  const again = Event.from(structuredClone(inner.event));
  const errors = [];
  for (const bad of [() => Event.from({}), () => Lock.from(inner.event), () => Semaphore.from(null)]) {
    try {
      bad();
      errors.push(null);
    } catch (error) {
      errors.push(errorInfo(error));
    }
  }
  lock.release(); // the main thread took it
  sem.release(2);
  again.set();
  return { kinds, errors, revivedTwice: revive(message).inner.event instanceof Event };
}

/** Makes primitives in this worker and sends them back in the result. */
export function makeHere() {
  const event = new Event();
  const lock = new Lock();
  lock.acquire();
  return {
    event,
    lock,
    bounded: new BoundedSemaphore(2),
    rlock: new RLock(),
    cond: new Condition(new Lock()),
  };
}

// Queue -------------------------------------------------------------------------------------------

/** Puts every value (blocking while the queue is full), then shuts it down if asked. */
export function queuePutAll(q, values, shutdown = false) {
  for (const v of values) q.put(v, 10_000);
  if (shutdown) q.shutdown();
  return { put: values.length };
}

/** One get(timeout): its value, or the name of what it threw, and how long it took. */
export function queueGet(q, timeout) {
  const t0 = performance.now();
  try {
    return { value: q.get(timeout), ms: performance.now() - t0 };
  } catch (error) {
    return { error: error?.name, ms: performance.now() - t0 };
  }
}

/** One put(item, timeout), reported as queueGet does. */
export function queuePut(q, item, timeout) {
  const t0 = performance.now();
  try {
    q.put(item, timeout);
    return { ok: true, ms: performance.now() - t0 };
  } catch (error) {
    return { error: error?.name, ms: performance.now() - t0 };
  }
}
