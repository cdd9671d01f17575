/*
 * A Condition lets threads wait, holding a lock, until another thread notifies them (Python's
 * threading.Condition). Its lock is a Lock or an RLock (by default a new RLock); they cross threads
 * together.
 *
 * Layout: [TAG, UNRELEASED, RELEASED, GEN].
 *   UNRELEASED  waiters registered and not yet chosen by a notify
 *   RELEASED    notifications given and not yet taken by a waiter
 *   GEN         notify generation: +1 at every notify that releases someone
 * Invariant: UNRELEASED + RELEASED = the waiters inside wait() that hold no notification yet.
 * UNRELEASED and GEN change only under the lock; RELEASED is decremented without it (a CAS).
 *
 * wait:   (holding the lock) UNRELEASED += 1; my = GEN; release the lock. Then: when GEN != my (a
 *         notify came after I registered), try to take one from RELEASED (CAS r -> r-1, r > 0); if
 *         that fails, sleep on (GEN, the value read). Then re-take the lock (with no deadline).
 *         Timeout or abort: after re-taking the lock, take a notification if one is due to me
 *         (GEN != my and RELEASED > 0) and return true, else UNRELEASED -= 1 and return false. An
 *         abort that took a notification passes it on (a notify(1)) before rejecting. If the lock
 *         had to be taken over from a weft Thread that ended holding it (lock.ts, "Abandonment"),
 *         wait throws AbandonedError, holding the lock, and passes on its notification likewise.
 * notify(n): (holding the lock) k = min(n, UNRELEASED); UNRELEASED -= k; RELEASED += k; GEN += 1;
 *         wake k sleepers on GEN.
 *
 * Why at most n: exactly k notifications are put in RELEASED and each waiter takes at most one.
 * Why only earlier waiters: a waiter may take one only once GEN differs from the GEN it registered
 * under, so a thread that notifies and then waits (ping-pong) cannot take its own notification.
 * Why none is lost between releasing the lock and sleeping: the waiter sleeps on (GEN, g) where g was
 * read before it tried RELEASED; notify increments GEN before it wakes, so a waiter that has not
 * yet slept sees 'not-equal'. Every waiter asleep on GEN registered before the notify, so each one
 * woken may take a notification; one that finds RELEASED empty lost the race to a waiter that was
 * not asleep, which took it instead: k notifications, k takers.
 * (The naive design, sleeping on a word that notify never changes, loses a notify that lands between
 * the unlock and the sleep; see STYLE.md on esfx.)
 * Drivers: the protocol runs as a generator under later() for waitAsync (#waitSteps) and as a plain
 * loop for a blocking wait (#waitBlocking: nothing allocated), which spins a bounded number of loads
 * on GEN before its first sleep and re-takes the lock with the Lock's spin (lock.ts lockBlocking),
 * as the raw spinning condvar does: a partner that notifies within the spin costs no sleep, and
 * its release of the lock no notify. Spinning reads only, so the argument above is unchanged.
 */

import { AbandonedError, badHandle, describe, RuntimeError, rangeError, typeError } from './errors.js';
import {
  canBlock,
  cannotBlock,
  later,
  type Sleep,
  type Steps,
  signalOf,
  sleepOn,
  spinWhile,
  type WaitOptions,
  wake,
} from './internal/futex.js';
import { type Held, held } from './internal/hold.js';
import { adopt, carve, carvedChunk, inspect, kindOf } from './internal/memory.js';
import { checkTimeout, deadlineOf, now } from './internal/timeout.js';
import { Lock, lockBlocking, lockSteps, TAKEN, unlock } from './lock.js';
import { RLock } from './rlock.js';

const UNRELEASED = 1;
const RELEASED = 2;
const GEN = 3;
const LOCK_STATE = 1; // the Lock's STATE word, from its tag

/**
 * Lets threads wait, holding a lock, until another thread notifies them.
 *
 * @example
 * ```ts
 * import { Condition } from 'weft-threading';
 * const cond = new Condition();
 * const items: number[] = [];
 * // consumer (on some thread):   cond.acquire(); cond.waitFor(() => items.length > 0); cond.release();
 * // producer:                    cond.acquire(); items.push(1); cond.notify(); cond.release();
 * ```
 */
export class Condition<L extends Lock | RLock = Lock | RLock> {
  /** @internal The chunk of shared memory this condition lives in. */
  readonly _i32: Int32Array;
  /** @internal Index of the condition's tag word in `_i32`. */
  readonly _at: number;
  /** The lock this condition uses. */
  readonly lock: L;

  /** @internal Kind name (on the prototype, not carried by a copy: the tag word names the kind). */
  get __weft(): 'Condition' {
    return 'Condition';
  }

  /**
   * Makes a condition on `lock` (by default a new RLock). Never blocks.
   * @throws TypeError if `lock` is not a weft Lock or RLock.
   */
  constructor(lock?: L) {
    if (lock !== undefined && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw typeError(`Condition: lock must be a Lock or an RLock, got ${describe(lock)}`);
    }
    const at = carve('Condition', 4);
    this._i32 = carvedChunk();
    this._at = at;
    this.lock = lock ?? (new RLock() as L);
  }

  /**
   * Gives back a live Condition, and its lock, from one that crossed threads. Never blocks.
   * @throws TypeError if `value` is not a Condition.
   */
  static from(value: unknown): Condition {
    if (value instanceof Condition) return value;
    const lockValue =
      value !== null && typeof value === 'object' ? (value as { lock?: unknown }).lock : undefined;
    const lockKind = kindOf(lockValue);
    if (kindOf(value) !== 'Condition' || (lockKind !== 'Lock' && lockKind !== 'RLock')) {
      throw badHandle('Condition', value);
    }
    const lock = lockKind === 'Lock' ? Lock.from(lockValue) : RLock.from(lockValue);
    adopt(value, ['Condition'], 'Condition');
    return new Condition(lock);
  }

  /** Blocks the calling thread until the lock is taken; see Lock.acquire / RLock.acquire. */
  acquire(timeout?: number): boolean {
    return this.lock.acquire(timeout);
  }

  /**
   * Never blocks; takes the lock asynchronously. Only for a Condition on a Lock.
   * @throws (rejects) TypeError if the lock is an RLock.
   */
  async acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    return this.#plainLock('acquireAsync').acquireAsync(timeout, options);
  }

  /** Releases the lock; see Lock.release / RLock.release. */
  release(): void {
    this.lock.release();
  }

  /** Blocks until the lock is taken; returns a Disposable that releases it. */
  hold(timeout?: number): Held {
    return held(this.acquire(timeout), () => this.release(), 'Condition.hold', timeout);
  }

  /** Never blocks; a Promise of a Disposable that releases the lock. Only on a Lock. */
  async holdAsync(timeout?: number, options?: WaitOptions): Promise<Held> {
    return held(
      await this.acquireAsync(timeout, options),
      () => this.release(),
      'Condition.holdAsync',
      timeout,
    );
  }

  /**
   * Blocks the calling thread: releases the lock, waits until notified or the timeout passes, and
   * takes the lock again (with an RLock, at the depth it was held) before returning.
   * @returns true if notified, false on timeout.
   * @throws RuntimeError if the calling thread does not hold the lock.
   * @throws CannotBlockError where the thread may not block, even with a timeout of 0 (re-taking
   *   the lock may have to wait): use waitAsync. Nothing is registered, and the lock is still held.
   */
  wait(timeout?: number): boolean {
    const ms = checkTimeout(timeout, 'Condition.wait');
    if (!canBlock()) throw cannotBlock('Condition.wait');
    return this.#waitBlocking(deadlineOf(ms));
  }

  /**
   * Never blocks: a Promise that settles, holding the lock again, when notified (true) or when the
   * timeout passes (false). Only for a Condition on a Lock.
   * @param options - `signal`: on abort the lock is taken again, then the Promise rejects.
   */
  async waitAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    const ms = checkTimeout(timeout, 'Condition.waitAsync');
    const signal = signalOf(options, 'Condition.waitAsync');
    this.#plainLock('waitAsync');
    if (signal?.aborted) throw signal.reason;
    return later(this.#waitSteps('waitAsync'), deadlineOf(ms), signal);
  }

  /**
   * Blocks the calling thread until `predicate()` is truthy, waiting between checks; returns its
   * last value (falsy if the timeout passed).
   * @throws CannotBlockError where the thread may not block, whatever the timeout and the
   *   predicate: use waitForAsync. The predicate is not called, and the lock is still held.
   */
  waitFor<T>(predicate: () => T, timeout?: number): T {
    const ms = checkTimeout(timeout, 'Condition.waitFor');
    if (typeof predicate !== 'function') throw typeError('Condition.waitFor: predicate must be a function');
    if (!canBlock()) throw cannotBlock('Condition.waitFor');
    const end = deadlineOf(ms);
    let result = predicate();
    // As Python's wait_for: a false predicate always waits once (so misuse always throws), however
    // little time is left; later rounds stop at the deadline.
    for (let round = 0; !result; round++) {
      let left: number | undefined;
      if (end !== Number.POSITIVE_INFINITY) {
        left = end - now();
        if (left <= 0 && round > 0) break;
      }
      this.wait(left);
      result = predicate();
    }
    return result;
  }

  /** Never blocks: the async form of waitFor. Only for a Condition on a Lock. */
  async waitForAsync<T>(predicate: () => T, timeout?: number, options?: WaitOptions): Promise<T> {
    const ms = checkTimeout(timeout, 'Condition.waitForAsync');
    if (typeof predicate !== 'function')
      throw typeError('Condition.waitForAsync: predicate must be a function');
    signalOf(options, 'Condition.waitForAsync');
    this.#plainLock('waitForAsync'); // even when the predicate already holds: misuse is misuse
    const end = deadlineOf(ms);
    let result = predicate();
    // As Python's wait_for: a false predicate always waits once (so misuse always throws), however
    // little time is left; later rounds stop at the deadline.
    for (let round = 0; !result; round++) {
      let left: number | undefined;
      if (end !== Number.POSITIVE_INFINITY) {
        left = end - now();
        if (left <= 0 && round > 0) break;
      }
      await this.waitAsync(left, options);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` threads waiting on this condition. Never blocks.
   * @param n - an integer >= 0 (default 1).
   * @throws RuntimeError if the calling thread does not hold the lock.
   */
  notify(n = 1): void {
    if (typeof n !== 'number') throw typeError(`Condition.notify: n must be an integer, got ${describe(n)}`);
    if (!Number.isInteger(n) || n < 0)
      throw rangeError(`Condition.notify: n must be an integer >= 0, got ${n}`);
    this.#mustHold('notify');
    release(this._i32, this._at, n);
  }

  /** Wakes every thread waiting on this condition. Never blocks. */
  notifyAll(): void {
    this.#mustHold('notifyAll');
    release(this._i32, this._at, Atomics.load(this._i32, this._at + UNRELEASED));
  }

  #mustHold(what: string): void {
    const lock = this.lock;
    const held = lock instanceof RLock ? lock._isOwned() : lock.locked();
    if (!held)
      throw new RuntimeError(
        `Condition.${what}: cannot ${what.startsWith('wait') ? 'wait' : 'notify'} on un-acquired lock`,
      );
  }

  #plainLock(what: string): Lock {
    if (!(this.lock instanceof Lock)) {
      throw typeError(
        `Condition.${what} needs a Condition on a Lock: an RLock is owned by a thread and has no async form`,
      );
    }
    return this.lock;
  }

  /** The start of a wait, holding the lock: registers (UNRELEASED += 1) and returns GEN as read then. */
  #register(what: 'wait' | 'waitAsync'): number {
    this.#mustHold(what);
    Atomics.add(this._i32, this._at + UNRELEASED, 1);
    return Atomics.load(this._i32, this._at + GEN);
  }

  /** Releases the lock for the wait; returns the RLock depth to restore (1 for a Lock). */
  #letGo(): number {
    const lock = this.lock;
    if (lock instanceof RLock) return lock._releaseSave();
    unlock(lock._i32, lock._at + LOCK_STATE, 'Lock');
    return 1;
  }

  /**
   * The wait protocol as a plain blocking loop (no generator, nothing allocated, even when it
   * sleeps): the same steps as #waitSteps, which serves waitAsync. Before its first sleep it spins
   * (the configured number of loads) on GEN, and it re-takes the lock with the Lock's own spin
   * (lockBlocking), so that a notifier that answers within microseconds and releases the lock just
   * after costs no sleep, and its release no notify. The caller has checked that this thread may block.
   */
  #waitBlocking(deadline: number): boolean {
    const my = this.#register('wait');
    const i32 = this._i32;
    const at = this._at;
    const lock = this.lock;
    const depth = this.#letGo();

    let notified = false;
    // A poll (timeout 0 or less) neither spins nor sleeps: sleepOn reports 'timed-out' at once.
    if (deadline !== Number.NEGATIVE_INFINITY) spinWhile(i32, at + GEN, my);
    for (;;) {
      const g = Atomics.load(i32, at + GEN);
      if (g !== my && take(i32, at)) {
        notified = true;
        break;
      }
      if (sleepOn(i32, at + GEN, g, deadline, 0) === 'timed-out') break;
    }

    // Re-take the lock, with no deadline: wait() always returns holding it.
    const retaken =
      lock instanceof RLock
        ? lock._acquireRestoreBlocking(depth)
        : lockBlocking(lock._i32, lock._at + LOCK_STATE, Number.POSITIVE_INFINITY);
    notified = settle(i32, at, my, notified);
    if (retaken !== TAKEN) {
      // Taken over from a holder that ended (lock.ts): held now, but say so rather than return.
      if (notified) release(i32, at, 1); // pass on the notification this failed waiter took
      throw new AbandonedError(lock instanceof RLock ? 'RLock' : 'Lock', retaken);
    }
    return notified;
  }

  /** The wait protocol, as a generator for later() (waitAsync); #waitBlocking is the same loop. */
  *#waitSteps(what: 'waitAsync'): Steps<boolean> {
    const my = this.#register(what);
    const i32 = this._i32;
    const at = this._at;
    const lock = this.lock;
    const depth = this.#letGo();

    const sleep: Sleep = { i32, index: at + GEN, value: my };
    let notified = false;
    let failure: { error: unknown } | undefined;
    try {
      for (;;) {
        const g = Atomics.load(i32, at + GEN);
        if (g !== my && take(i32, at)) {
          notified = true;
          break;
        }
        sleep.value = g;
        if ((yield sleep) === 'timed-out') break;
      }
    } catch (error) {
      failure = { error }; // aborted: re-take the lock below, then report
    }

    // Re-take the lock, with no deadline: wait() always returns holding it.
    let retaken = TAKEN;
    for (;;) {
      try {
        if (lock instanceof RLock) retaken = yield* lock._acquireRestore(depth);
        else retaken = yield* lockSteps(lock._i32, lock._at + LOCK_STATE, true);
        break;
      } catch (error) {
        failure ??= { error }; // an abort while re-taking the lock: take it all the same
      }
    }
    if (retaken !== TAKEN) {
      // Taken over from a holder that ended (lock.ts): held now, but say so rather than return.
      const kind = lock instanceof RLock ? 'RLock' : 'Lock';
      failure = { error: new AbandonedError(kind, retaken) };
    }

    notified = settle(i32, at, my, notified);
    if (failure !== undefined) {
      if (notified) release(i32, at, 1); // pass on the notification this failed waiter took
      throw failure.error;
    }
    return notified;
  }

  /** @internal `Condition { waiters: 2, lock: Lock { locked } }`. */
  [inspect](): string {
    const waiters =
      Atomics.load(this._i32, this._at + UNRELEASED) + Atomics.load(this._i32, this._at + RELEASED);
    const lock = (this.lock as { [inspect](): string })[inspect]();
    return `Condition { waiters: ${waiters}, lock: ${lock} }`;
  }
}

/**
 * The end of a wait, holding the lock again: a waiter that was not notified takes a notification
 * if one is due to it (GEN moved on since `my` and RELEASED > 0), else it unregisters
 * (UNRELEASED -= 1). Returns whether the waiter holds a notification.
 */
function settle(i32: Int32Array, at: number, my: number, notified: boolean): boolean {
  if (notified) return true;
  if (Atomics.load(i32, at + GEN) !== my && take(i32, at)) return true;
  Atomics.sub(i32, at + UNRELEASED, 1);
  return false;
}

/** Takes one notification from RELEASED, if there is one. */
function take(i32: Int32Array, at: number): boolean {
  let r = Atomics.load(i32, at + RELEASED);
  while (r > 0) {
    const seen = Atomics.compareExchange(i32, at + RELEASED, r, r - 1);
    if (seen === r) return true;
    r = seen;
  }
  return false;
}

/** Moves up to n waiters from UNRELEASED to RELEASED and wakes them (caller holds the lock). */
function release(i32: Int32Array, at: number, n: number): void {
  const k = Math.min(n, Atomics.load(i32, at + UNRELEASED));
  if (k <= 0) return;
  Atomics.sub(i32, at + UNRELEASED, k);
  Atomics.add(i32, at + RELEASED, k);
  Atomics.add(i32, at + GEN, 1);
  wake(i32, at + GEN, k);
}
