/*
 * An RLock is a re-entrant lock owned by a thread (Python's threading.RLock): the owner may acquire
 * it again, and must release it as many times.
 *
 * Layout: [TAG, STATE, OWNER_HI, OWNER_LO, COUNT].
 *   STATE              a Lock's word (0 unlocked | 1 locked | 2 locked, maybe sleepers); see lock.ts
 *   OWNER_HI/OWNER_LO  the owner's identity (internal/ident.ts); OWNER_LO is 0 when unowned (no
 *                      identity has a zero half, so a stale OWNER_HI names nobody)
 *   COUNT              how many times the owner holds it
 *
 * acquire: if OWNER is this thread, COUNT += 1. Otherwise take STATE as a Lock does (sleeping on
 *          (STATE, 2)), then write OWNER and COUNT = 1.
 * release: if OWNER is not this thread, throw (nothing changes). COUNT -= 1; at 0, clear OWNER_LO, then
 *          release STATE as a Lock does.
 *
 * Invariants: OWNER and COUNT are written only by the thread that holds STATE; OWNER is non-zero
 * exactly while some thread holds STATE, apart from the instants between taking STATE and writing
 * OWNER and between clearing OWNER and releasing STATE. A thread compares OWNER with itself only:
 * it wrote its own identity there and nobody else writes while it holds STATE, so the comparison is
 * exact for the owner, and another thread cannot see both halves of its own identity.
 * No lost wake-up: as for Lock; OWNER and COUNT are never slept on.
 * No async acquire: ownership is per thread, so two async tasks on one thread would both own it.
 *
 * Abandonment (internal/life.ts, docs/reliability.md): OWNER sits where a Lock keeps its HOLDER, so
 * a waiter runs Lock's watch (lockSteps): while OWNER is a weft Thread that is alive it sleeps in
 * slices; once that thread has ended (returned, thrown, or been terminated) without releasing, one
 * waiter CASes OWNER_LO from the dead identity to 0, becomes the owner with COUNT = 1 (or the depth a
 * Condition wait restores) and gets AbandonedError, holding the lock. Owners that are not weft
 * Threads (the main thread, plain workers) are never taken for dead.
 */

import { AbandonedError, RuntimeError } from './errors.js';
import { block, canBlock, type Steps } from './internal/futex.js';
import { type Held, held } from './internal/hold.js';
import { me } from './internal/ident.js';
import { adopt, carve, carvedChunk, inspect } from './internal/memory.js';
import { checkTimeout, deadlineOf } from './internal/timeout.js';
import { lockBlocking, lockSteps, TAKEN, TIMED_OUT, unlock } from './lock.js';

const STATE = 1;
const OWNER_HI = 2;
const OWNER_LO = 3;
const COUNT = 4;
const NO_TWIN =
  'an RLock has no async form, since its owner is a thread: on this thread use a Lock and its acquireAsync()';

/**
 * A re-entrant lock: the thread that holds it may acquire it again; it is released when the owner
 * has released it as many times as it acquired it. Only the owner may release it.
 *
 * @example
 * ```ts
 * import { RLock } from 'weft-threading';
 * const lock = new RLock();
 * lock.acquire();
 * lock.acquire(); // the owner again: no deadlock
 * lock.release();
 * lock.release();
 * ```
 */
export class RLock {
  /** @internal The chunk of shared memory this lock lives in. */
  readonly _i32: Int32Array;
  /** @internal Index of the lock's tag word in `_i32` (the tag names the kind: see internal/tag.ts). */
  readonly _at: number;

  /** @internal Kind name (on the prototype, not carried by a copy: the tag word names the kind). */
  get __weft(): 'RLock' {
    return 'RLock';
  }

  /** Makes a new re-entrant lock, unowned. Never blocks. */
  constructor() {
    const at = carve('RLock', 5);
    this._i32 = carvedChunk();
    this._at = at;
  }

  /**
   * Gives back a live RLock from one that crossed threads. Never blocks.
   * @throws TypeError if `value` is not an RLock.
   */
  static from(value: unknown): RLock {
    if (value instanceof RLock) return value;
    adopt(value, ['RLock'], 'RLock');
    return new RLock();
  }

  /**
   * Blocks the calling thread until it owns the lock (at once if it already does), or the timeout
   * passes.
   * @param timeout - in milliseconds; undefined or Infinity waits for ever, 0 or less tries once.
   * @returns true if the lock is now held (once more), false if the timeout passed first.
   * @throws CannotBlockError where the thread may not block.
   * @throws AbandonedError if the owner was a weft Thread that ended without releasing it: the
   *   calling thread owns it now (count 1) and must release it.
   */
  acquire(timeout?: number): boolean {
    const ms = checkTimeout(timeout, 'RLock.acquire');
    const i32 = this._i32;
    const at = this._at;
    const id = me();
    if (Atomics.load(i32, at + OWNER_LO) === id.lo && Atomics.load(i32, at + OWNER_HI) === id.hi) {
      const count = Atomics.load(i32, at + COUNT);
      if (count === 0x7fffffff) throw new RuntimeError('RLock.acquire: acquired too many times (2^31-1)');
      Atomics.store(i32, at + COUNT, count + 1);
      return true;
    }
    if (Atomics.compareExchange(i32, at + STATE, 0, 1) !== 0) {
      const deadline = deadlineOf(ms);
      // A poll, or a thread that may not block (block() throws there): the protocol's generator.
      const r =
        deadline !== Number.NEGATIVE_INFINITY && canBlock()
          ? lockBlocking(i32, at + STATE, deadline, true)
          : block(lockSteps(i32, at + STATE, false, true), deadline, 'RLock.acquire', NO_TWIN);
      if (r === TIMED_OUT) return false;
      own(i32, at, 1);
      if (r !== TAKEN) throw new AbandonedError('RLock', r);
      return true;
    }
    own(i32, at, 1);
    return true;
  }

  /**
   * Releases the lock once; when the owner has released it as many times as it acquired it, it is
   * unlocked and one waiting thread is woken. Never blocks.
   * @throws RuntimeError if the calling thread does not own the lock (nothing changes).
   */
  release(): void {
    const i32 = this._i32;
    const at = this._at;
    if (!this.#mine())
      throw new RuntimeError('RLock.release: cannot release un-acquired lock (not owned by this thread)');
    const count = Atomics.load(i32, at + COUNT) - 1;
    Atomics.store(i32, at + COUNT, count);
    // At zero, unlock() clears OWNER_LO before it unlocks: that alone makes the lock unowned.
    if (count === 0) unlock(i32, at + STATE, 'RLock');
  }

  /** Returns whether some thread holds the lock. Never blocks. */
  locked(): boolean {
    return Atomics.load(this._i32, this._at + STATE) !== 0;
  }

  /**
   * Blocks the calling thread until it owns the lock; returns a Disposable that releases it once.
   * @throws TimeoutError if the timeout passes first.
   */
  hold(timeout?: number): Held {
    return held(this.acquire(timeout), () => this.release(), 'RLock.hold', timeout);
  }

  /** @internal Whether the calling thread owns the lock. */
  _isOwned(): boolean {
    return this.#mine();
  }

  /** @internal For Condition.wait: releases every level at once; returns the depth to restore. */
  _releaseSave(): number {
    if (!this.#mine()) throw new RuntimeError('RLock: cannot release un-acquired lock');
    const count = Atomics.load(this._i32, this._at + COUNT);
    unlock(this._i32, this._at + STATE, 'RLock'); // clears OWNER_LO first
    return count;
  }

  /**
   * @internal For Condition.wait: re-takes the lock (ignoring any deadline) and restores `count`.
   * Returns lockSteps' result: TAKEN, or the identity of a dead owner it took the lock over from.
   */
  *_acquireRestore(count: number): Steps<number> {
    const r = yield* lockSteps(this._i32, this._at + STATE, true, true);
    own(this._i32, this._at, count);
    return r;
  }

  /**
   * @internal _acquireRestore as a plain blocking loop (lockBlocking, no deadline), for a blocking
   * Condition.wait; the caller has checked that this thread may block.
   */
  _acquireRestoreBlocking(count: number): number {
    const r = lockBlocking(this._i32, this._at + STATE, Number.POSITIVE_INFINITY, true);
    own(this._i32, this._at, count);
    return r;
  }

  #mine(): boolean {
    const id = me();
    return (
      Atomics.load(this._i32, this._at + OWNER_LO) === id.lo &&
      Atomics.load(this._i32, this._at + OWNER_HI) === id.hi
    );
  }

  /** @internal `RLock { owner: 123, count: 1 }` or `RLock { unlocked }`. */
  [inspect](): string {
    const i32 = this._i32;
    const at = this._at;
    const hi = Atomics.load(i32, at + OWNER_HI);
    const lo = Atomics.load(i32, at + OWNER_LO);
    if (lo === 0) return 'RLock { unlocked }';
    const owner = hi * 0x100000000 + (lo >>> 0);
    return `RLock { owner: ${owner}, count: ${Atomics.load(i32, at + COUNT)} }`;
  }
}

/** Writes this thread as the owner, and the count. */
function own(i32: Int32Array, at: number, count: number): void {
  const id = me();
  Atomics.store(i32, at + OWNER_HI, id.hi);
  Atomics.store(i32, at + OWNER_LO, id.lo);
  Atomics.store(i32, at + COUNT, count);
}
