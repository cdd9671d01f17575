/*
 * A Lock is mutual exclusion across threads (Python's threading.Lock). It is not owned: any thread
 * may release it.
 *
 * Layout: [TAG, STATE].
 *   STATE  0 unlocked | 1 locked, nobody asleep | 2 locked, and someone may be asleep on STATE
 *
 * acquire: CAS STATE 0 -> 1 (the whole uncontended path: no notify, no allocation, no clock).
 *          Otherwise swap in 2 until the old value is 0, sleeping on (STATE, 2) between swaps.
 * release: swap in 0; if the old value was 2, wake one sleeper. If it was 0, the lock was not held:
 *          throw, and STATE is unchanged (swapping 0 into 0).
 *
 * No lost wake-up: a sleeper sleeps only while STATE is still 2, and it is the sleeper itself that
 * wrote the 2, so a release that comes after that write sees 2 and wakes one. The woken thread swaps
 * in 2 again (others may still sleep), so the next release wakes the next one.
 * Algorithm: Drepper, "Futexes Are Tricky" (2011), mutex 2. The blocking path spins on STATE before
 * its first sleep (see internal/futex.ts).
 */

import { RuntimeError } from './errors.js';
import { block, later, type Sleep, type Steps, signalOf, type WaitOptions, wake } from './internal/futex.js';
import { type Held, held } from './internal/hold.js';
import { adopt, inspect, place } from './internal/memory.js';
import { checkTimeout, deadlineOf } from './internal/timeout.js';

const STATE = 1;
const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;

/**
 * Mutual exclusion across threads: at most one holder at a time. Any thread may release it.
 *
 * @example
 * ```ts
 * import { Lock } from 'weft';
 * const lock = new Lock();
 * {
 *   using _held = lock.hold();
 *   // critical section
 * }
 * ```
 */
export class Lock {
  /** @internal Kind name, for revival after crossing threads. */
  readonly __weft = 'Lock';
  /** @internal The chunk of shared memory this lock lives in. */
  readonly _i32: Int32Array;
  /** @internal Index of the lock's tag word in `_i32`. */
  readonly _at: number;

  /** Makes a new lock, unlocked. Never blocks. */
  constructor() {
    const p = place('Lock', 2);
    this._i32 = p.i32;
    this._at = p.at;
  }

  /**
   * Gives back a live Lock from one that crossed threads. Never blocks.
   * @throws TypeError if `value` is not a Lock.
   */
  static from(value: unknown): Lock {
    if (value instanceof Lock) return value;
    adopt(value, ['Lock'], 'Lock');
    return new Lock();
  }

  /**
   * Blocks the calling thread until the lock is taken or the timeout passes.
   * @param timeout - in milliseconds; undefined or Infinity waits for ever, 0 or less tries once.
   * @returns true if the lock was taken, false if the timeout passed first.
   * @throws CannotBlockError where the thread may not block: use acquireAsync.
   * @example
   * ```ts
   * import { Lock } from 'weft';
   * const lock = new Lock();
   * if (lock.acquire(100)) lock.release();
   * ```
   */
  acquire(timeout?: number): boolean {
    const ms = checkTimeout(timeout, 'Lock.acquire');
    if (Atomics.compareExchange(this._i32, this._at + STATE, UNLOCKED, LOCKED) === UNLOCKED) return true;
    return block(lockSteps(this._i32, this._at + STATE), deadlineOf(ms), 'Lock.acquire');
  }

  /**
   * Never blocks and returns a Promise that settles once the lock is taken or the timeout passes.
   * @param options - `signal`: rejects with `signal.reason`, leaving the lock as it was.
   * @returns a Promise of true if the lock was taken, false on timeout.
   */
  async acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    const ms = checkTimeout(timeout, 'Lock.acquireAsync');
    const signal = signalOf(options, 'Lock.acquireAsync');
    if (signal?.aborted) throw signal.reason;
    if (Atomics.compareExchange(this._i32, this._at + STATE, UNLOCKED, LOCKED) === UNLOCKED) return true;
    return later(lockSteps(this._i32, this._at + STATE), deadlineOf(ms), signal);
  }

  /**
   * Releases the lock and wakes one waiting thread, if any. Any thread may release. Never blocks.
   * @throws RuntimeError if the lock is not locked (its state is unchanged).
   */
  release(): void {
    unlock(this._i32, this._at + STATE, 'Lock');
  }

  /** Returns whether the lock is held by some thread. Never blocks. */
  locked(): boolean {
    return Atomics.load(this._i32, this._at + STATE) !== UNLOCKED;
  }

  /**
   * Blocks the calling thread until the lock is taken; returns a Disposable that releases it.
   * @throws TimeoutError if the timeout passes first.
   */
  hold(timeout?: number): Held {
    return held(this.acquire(timeout), () => this.release(), 'Lock.hold', timeout);
  }

  /**
   * Never blocks; returns a Promise of a Disposable that releases the lock, for `await using`.
   * @throws (rejects) TimeoutError if the timeout passes first; `signal.reason` on abort.
   * @example
   * ```ts
   * import { Lock } from 'weft';
   * const lock = new Lock();
   * {
   *   await using _held = await lock.holdAsync();
   * }
   * ```
   */
  async holdAsync(timeout?: number, options?: WaitOptions): Promise<Held> {
    return held(await this.acquireAsync(timeout, options), () => this.release(), 'Lock.holdAsync', timeout);
  }

  /** @internal `Lock { locked }` / `Lock { unlocked }`. */
  [inspect](): string {
    return `Lock { ${this.locked() ? 'locked' : 'unlocked'} }`;
  }
}

/**
 * @internal The acquire protocol on a STATE word (shared with RLock and Condition).
 * @param forever - ignore the call's deadline (re-taking the lock after a condition wait).
 */
export function* lockSteps(i32: Int32Array, i: number, forever = false): Steps<boolean> {
  const sleep: Sleep = { i32, index: i, value: CONTENDED, forever };
  let c = Atomics.compareExchange(i32, i, UNLOCKED, LOCKED);
  if (c === UNLOCKED) return true;
  for (;;) {
    if (c !== CONTENDED) {
      c = Atomics.exchange(i32, i, CONTENDED);
      if (c === UNLOCKED) return true;
    }
    if ((yield sleep) === 'timed-out') {
      return Atomics.compareExchange(i32, i, UNLOCKED, CONTENDED) === UNLOCKED;
    }
    c = Atomics.exchange(i32, i, CONTENDED);
    if (c === UNLOCKED) return true;
  }
}

/** @internal The release protocol on a STATE word. Throws, changing nothing, if it was unlocked. */
export function unlock(i32: Int32Array, i: number, what: string): void {
  const c = Atomics.exchange(i32, i, UNLOCKED);
  if (c === CONTENDED) wake(i32, i, 1);
  else if (c === UNLOCKED) throw new RuntimeError(`${what}.release: release unlocked lock`);
}
