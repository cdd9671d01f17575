/*
 * A Lock is mutual exclusion across threads (Python's threading.Lock). It is not owned: any thread
 * may release it.
 *
 * Layout: [TAG, STATE, HOLDER_HI, HOLDER_LO].
 *   STATE      0 unlocked | 1 locked, nobody asleep | 2 locked, and someone may be asleep on STATE
 *              | 3 HANDED: locked, handed by a release to the sleeper it woke
 *   HOLDER     the identity of the weft Thread that took the lock, 0/0 when none is recorded
 *
 * acquire: CAS STATE 0 -> 1 (the whole uncontended path: no notify, no allocation, no clock).
 *          Otherwise swap in 2 until the old value is 0 or 3, sleeping on (STATE, 2) between swaps.
 *          A newcomer that finds 3 does not swap: it sleeps on (STATE, 3), leaving the lock to the
 *          thread it was handed to.
 * release: CAS 1 -> 0 (the uncontended path). If STATE was 2: usually swap in 0 and wake one
 *          sleeper, which races any running thread for the lock (barging: the fastest order). But
 *          at most once per FAIR_MS and FAIR_RELEASES contended releases of the releasing thread,
 *          hand off instead: CAS 2 -> 3 and wake one; the woken thread swaps in 2, sees 3 and holds
 *          the lock, no newcomer having taken it. If the wake found nobody asleep (all timed out,
 *          or one is about to sleep), CAS 3 -> 0 and wake one. If STATE was 0, the lock was not
 *          held: throw, STATE unchanged.
 *
 * Truth table of STATE as seen by a thread that wants the lock:
 *   0  take it (a newcomer CASes in 1; a thread that slept swaps in 2: others may still sleep)
 *   1  swap in 2, sleep on 2
 *   2  sleep on 2
 *   3  a newcomer sleeps on 3; a thread that slept (or timed out) swaps in 2 and holds the lock
 *
 * No lost wake-up: a sleeper sleeps only while STATE is still the value it read (2, or 3 for a
 * newcomer), and a release changes STATE before it wakes. A 2 is written by the sleeper itself (or
 * by the recipient of a hand-off, as it takes the lock), so a release that comes after it sees 2
 * and wakes one; the woken thread swaps in 2 again, so the next release wakes the next one. A
 * newcomer asleep on 3 is woken by the next release (STATE is 2 once the recipient holds it), or by
 * the wake after a hand-off that found nobody.
 * No HANDED lock without a taker: a hand-off woke a sleeper (it swaps in 2 when it resumes), or it
 * is taken back; a woken sleeper that leaves instead (timeout) takes it, and one aborted passes it
 * on (takes it and releases it). Exactly one thread sees 3 and takes it: the swap or CAS that
 * reads 3 writes 2.
 * Algorithm: Drepper, "Futexes Are Tricky" (2011), mutex 2, with the eventual fairness of
 * parking_lot and WebKit's WTF::Lock (Go's sync.Mutex hands off once a waiter has waited 1 ms). The
 * blocking path spins on STATE before its first sleep (see internal/futex.ts).
 *
 * Abandonment (internal/life.ts, docs/reliability.md). Inside a weft Thread only (`recording`, one
 * well-predicted branch after the CAS), the taker writes its identity into HOLDER, HI then LO.
 * Every release clears HOLDER_LO before it swaps STATE to 0. Both are plain (non-atomic) stores, so
 * the uncontended paths keep their one atomic operation each; waiters read HOLDER atomically and
 * see, for each word, an old or a new value. The release's swap comes after its clear, and the next
 * taker's record after the swap it observed, so an earlier clear never erases a later record.
 * HOLDER_LO non-zero therefore means: the current holder's record (or a torn pair that names
 * nobody, which counts as no record). A waiter about to sleep reads HOLDER:
 *   - recorded, holder alive: it sleeps in slices of SLICE ms, looking again between slices;
 *   - recorded, holder dead (ended, or terminated): CAS HOLDER_LO from that identity to 0 (one
 *     waiter wins), keep STATE locked and return the dead identity: the caller holds the lock and
 *     throws AbandonedError;
 *   - nothing recorded (a holder outside weft Threads, or one that has not written its record yet):
 *     one slice, then one look, then sleep without a limit (release will wake it).
 * A waiter that gives up (timeout) while STATE is 2 wakes one other waiter, which looks for itself,
 * so that a watcher is never lost. The words shared with RLock (which keeps its owner in the same
 * place, see rlock.ts) make lockSteps serve both.
 */

import { AbandonedError, RuntimeError } from './errors.js';
import {
  block,
  later,
  type Outcome,
  type Sleep,
  type Steps,
  signalOf,
  type WaitOptions,
  wake,
} from './internal/futex.js';
import { type Held, held } from './internal/hold.js';
import { Life, lifeOf, registry, SLICE } from './internal/life.js';
import { adopt, inspect, place } from './internal/memory.js';
import { checkTimeout, deadlineOf, now } from './internal/timeout.js';

const STATE = 1;
const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;
const HANDED = 3;
// HOLDER_HI and HOLDER_LO, relative to STATE (the same places as an RLock's OWNER_HI / OWNER_LO).
const HI = 1;
const LO = 2;

/** lockSteps results: 0 timed out, 1 taken; anything else is taken over from that dead identity. */
export const TIMED_OUT = 0;
export const TAKEN = 1;

/** Whether this thread records itself as the holder of the Locks it takes (inside a weft Thread). */
let recording = false;
let myHi = 0;
let myLo = 0;

/** @internal Called by a weft Thread's bootstrap: from now on, record this thread as the holder. */
export function _recordHolders(hi: number, lo: number): void {
  myHi = hi;
  myLo = lo;
  recording = lo !== 0;
}

/**
 * Writes this thread's identity as the holder, with plain stores: a waiter reads them atomically,
 * sees either the old or the new value of each word, and a pair that names nobody (torn) counts
 * as Unknown; the swap of the next release orders them before its clear (see the header comment).
 */
function record(i32: Int32Array, i: number): void {
  i32[i + HI] = myHi;
  i32[i + LO] = myLo;
}

/** @internal Turns a lockSteps result into acquire's: true, false, or AbandonedError (held). */
export function outcomeOf(r: number, what: string): boolean {
  if (r === TAKEN) return true;
  if (r === TIMED_OUT) return false;
  throw new AbandonedError(what, r);
}

/**
 * Mutual exclusion across threads: at most one holder at a time. Any thread may release it.
 *
 * @example
 * ```ts
 * import { Lock } from 'weft-threading';
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
    const p = place('Lock', 4);
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
   * @throws AbandonedError if the lock was taken by a weft Thread that ended without releasing it:
   *   the calling thread holds it now and must release it (see AbandonedError).
   * @example
   * ```ts
   * import { Lock } from 'weft-threading';
   * const lock = new Lock();
   * if (lock.acquire(100)) lock.release();
   * ```
   */
  acquire(timeout?: number): boolean {
    const ms = checkTimeout(timeout, 'Lock.acquire');
    const i32 = this._i32;
    const i = this._at + STATE;
    if (Atomics.compareExchange(i32, i, UNLOCKED, LOCKED) === UNLOCKED) {
      if (recording) record(i32, i);
      return true;
    }
    return outcomeOf(block(lockSteps(i32, i), deadlineOf(ms), 'Lock.acquire'), 'Lock');
  }

  /**
   * Never blocks and returns a Promise that settles once the lock is taken or the timeout passes.
   * @param options - `signal`: rejects with `signal.reason`, leaving the lock as it was.
   * @returns a Promise of true if the lock was taken, false on timeout.
   * @throws (rejects) AbandonedError as `acquire` does: the lock is then held by this thread.
   */
  async acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    const ms = checkTimeout(timeout, 'Lock.acquireAsync');
    const signal = signalOf(options, 'Lock.acquireAsync');
    if (signal?.aborted) throw signal.reason;
    const i32 = this._i32;
    const i = this._at + STATE;
    if (Atomics.compareExchange(i32, i, UNLOCKED, LOCKED) === UNLOCKED) {
      if (recording) record(i32, i);
      return true;
    }
    return outcomeOf(await later(lockSteps(i32, i), deadlineOf(ms), signal), 'Lock');
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
   * import { Lock } from 'weft-threading';
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
 * @internal The acquire protocol on a STATE word (shared with RLock and Condition). Returns TAKEN,
 * TIMED_OUT, or the identity of a dead holder whose lock this thread has taken over (it holds it).
 * @param forever - ignore the call's deadline (re-taking the lock after a condition wait).
 * @param owned - an RLock's word: its owner is always written (by RLock), so never record here.
 */
export function* lockSteps(i32: Int32Array, i: number, forever = false, owned = false): Steps<number> {
  const sleep: Sleep = { i32, index: i, value: CONTENDED, forever, slice: undefined };
  let c = Atomics.compareExchange(i32, i, UNLOCKED, LOCKED);
  if (c === UNLOCKED) return taken(i32, i, owned);
  let looks = 0; // looks in a row that found no holder to watch
  for (;;) {
    // A newcomer that finds the lock HANDED leaves it to the waiter it was handed to: it sleeps
    // on (STATE, HANDED) without changing it. Otherwise swap in 2, as Drepper's mutex does.
    if (c !== CONTENDED && c !== HANDED) {
      c = Atomics.exchange(i32, i, CONTENDED);
      if (c === UNLOCKED || c === HANDED) return taken(i32, i, owned);
      c = CONTENDED;
    }
    sleep.value = c;
    sleep.slice = undefined;
    if (registry() !== undefined) {
      // Abandonment: who holds it? (See the header comment.)
      const lo = Atomics.load(i32, i + LO);
      const hi = Atomics.load(i32, i + HI);
      const life = lifeOf(hi, lo);
      if (life === Life.Dead) {
        if (Atomics.compareExchange(i32, i + LO, lo, 0) === lo) {
          // The record was the dead holder's, and it is ours to take over. Unless the lock was
          // released meanwhile (by another thread: a Lock is not owned), we hold it now.
          const was = Atomics.exchange(i32, i, CONTENDED);
          if (was === UNLOCKED || was === HANDED) return taken(i32, i, owned);
          if (!owned && recording) record(i32, i);
          return hi * 0x100000000 + (lo >>> 0);
        }
        c = Atomics.load(i32, i);
        continue;
      }
      if (life === Life.Alive) {
        looks = 0;
        sleep.slice = SLICE;
      } else if (looks++ < 1) {
        sleep.slice = SLICE;
      }
    }
    let outcome: Outcome;
    try {
      outcome = yield sleep;
    } catch (error) {
      // Aborted: the lock may have been handed to us as we left. Pass it on, so that no HANDED
      // lock is left with nobody to take it.
      if (Atomics.compareExchange(i32, i, HANDED, CONTENDED) === HANDED) unlock(i32, i, 'Lock');
      throw error;
    }
    if (outcome === 'timed-out') {
      // One last look: a lock released (or handed to us) as the deadline passed is still taken.
      const last = Atomics.compareExchange(i32, i, UNLOCKED, CONTENDED);
      if (last === UNLOCKED) return taken(i32, i, owned);
      if (last === HANDED && Atomics.compareExchange(i32, i, HANDED, CONTENDED) === HANDED) {
        return taken(i32, i, owned);
      }
      // Leaving: if others sleep, wake one to watch the holder in our place.
      if (sleep.slice !== undefined && Atomics.load(i32, i) === CONTENDED) wake(i32, i, 1);
      return TIMED_OUT;
    }
    // Woken (or not-equal): swap in 2. HANDED means the release handed the lock to us (or to
    // another sleeper, and we came first: either way exactly one thread sees it and takes it).
    c = Atomics.exchange(i32, i, CONTENDED);
    if (c === UNLOCKED) return taken(i32, i, owned);
    if (c === HANDED) {
      releases = 0;
      return taken(i32, i, owned);
    }
  }
}

function taken(i32: Int32Array, i: number, owned: boolean): number {
  if (!owned && recording) record(i32, i);
  return TAKEN;
}

/**
 * How often (ms) a thread's contended release hands the lock to a sleeper instead of letting any
 * thread take it: eventual fairness, as in parking_lot and WebKit's WTF::Lock (which hand off about
 * every 0.5 ms). Between hand-offs a release unlocks and wakes one, and any running thread may take
 * the lock first (barging), which keeps throughput; the hand-off bounds how long that can go on.
 */
export const FAIR_MS = 1;
/**
 * And at most once per FAIR_RELEASES contended releases of this thread, counted from its last
 * hand-off or from its last take of a HANDED lock. Without it, a thread handed the lock after a long
 * sleep (its FAIR_MS long past) would hand it on at once, and on a machine with more threads than
 * cores every hand-off would go to a thread that is not running: a convoy.
 */
export const FAIR_RELEASES = 128;
let nextFair = 0;
let releases = 0; // contended releases since this thread's last hand-off or HANDED take

/**
 * @internal The release protocol on a STATE word. Throws, changing nothing, if it was unlocked.
 * Clears the holder's record first (see the header comment: a plain store, published by the swap).
 */
export function unlock(i32: Int32Array, i: number, what: string): void {
  i32[i + LO] = 0;
  const c = Atomics.compareExchange(i32, i, LOCKED, UNLOCKED);
  if (c === LOCKED) return;
  if (c === UNLOCKED) throw new RuntimeError(`${what}.release: release unlocked lock`);
  // Contended (or HANDED, released by another thread: a Lock is not owned).
  if (c === CONTENDED && handOff(i32, i)) return;
  if (Atomics.exchange(i32, i, UNLOCKED) === UNLOCKED) {
    throw new RuntimeError(`${what}.release: release unlocked lock`); // released twice at once
  }
  wake(i32, i, 1);
}

/**
 * Hands the lock to the oldest sleeper if this thread's last hand-off is FAIR_MS old: STATE 2 -> 3
 * (HANDED), then wake one; the woken thread takes it. Returns false (the caller unlocks) if it is
 * not time, or STATE changed. If nobody was asleep to receive it, takes it back (3 -> 0) and wakes
 * one, for a newcomer that went to sleep on HANDED meanwhile.
 */
function handOff(i32: Int32Array, i: number): boolean {
  if (++releases < FAIR_RELEASES) return false;
  const t = now();
  if (t < nextFair) return false;
  if (Atomics.compareExchange(i32, i, CONTENDED, HANDED) !== CONTENDED) return false;
  nextFair = t + FAIR_MS;
  releases = 0;
  if (wake(i32, i, 1) === 0 && Atomics.compareExchange(i32, i, HANDED, UNLOCKED) === HANDED) wake(i32, i, 1);
  return true;
}
