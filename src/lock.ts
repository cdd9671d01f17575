/*
 * A Lock is mutual exclusion across threads (Python's threading.Lock). It is not owned: any thread
 * may release it.
 *
 * Layout: [TAG, STATE, HOLDER_HI, HOLDER_LO].
 *   STATE      0 unlocked | 1 locked, nobody asleep | 2 locked, and someone may be asleep on STATE
 *              | 3 STARVING: as 2, and a waiter has waited STARVE_MS or more
 *              | 4 HANDED: locked, handed over by a release to a waiter that has slept
 *   HOLDER     the identity of the weft Thread that took the lock, 0/0 when none is recorded
 *
 *   STATE | acquire (newcomer)      | acquire (woken from a sleep)   | release
 *   0     | CAS -> 1 (fast path)    | CAS -> 2                       | throw, unchanged
 *   1     | CAS -> 2, sleep on 2    | CAS -> 2 (3 if starved), sleep | CAS -> 0
 *   2     | sleep on 2              | sleep (CAS -> 3 if starved)    | CAS -> 0, wake one
 *   3     | sleep on 3              | sleep on 3                     | CAS -> 4, wake one (*)
 *   4     | sleep on 4, one slice   | CAS -> 2: taken                | CAS -> 0, wake one
 *   (*) if it woke nobody (every waiter left), CAS 4 -> 0 and wake one.
 *
 * acquire: CAS STATE 0 -> 1 (the whole uncontended path: no notify, no allocation, no clock).
 *          Otherwise (lockTurn) CAS in 2 until the lock is taken, sleeping on its value between.
 * release: as the table; the uncontended path is one CAS.
 *
 * No lost wake-up: a sleeper sleeps only on a value of 2, 3 or 4, each of which tells a release to
 * wake one (a 4 is a hand-off: its taker writes 2); the sleeper wrote that value, or saw it, before
 * it slept, so a release that comes after sees it and wakes one. The woken thread writes 2 again when
 * it takes the lock (others may still sleep), so the next release wakes the next one. A hand-off is
 * taken by exactly one thread (a CAS 4 -> 2) that has slept; if nobody took it because nobody was
 * woken, the release itself undoes it (4 -> 0, wake one); if the woken waiter left (an abort), it
 * takes and releases it on its way out; and a newcomer that finds 4 sleeps for a slice only, then
 * counts as woken, so that a hand-off whose taker never came back (terminated) is not left for ever.
 * Algorithm: Drepper, "Futexes Are Tricky" (2011), mutex 2, with Go's starvation mode (sync.Mutex:
 * a waiter that has waited 1 ms gets the lock handed over at the next release, so that barging, which
 * keeps the throughput, cannot starve it; the wait-queue is FIFO, so the oldest sleeper is woken).
 * Before it writes 2, a blocking acquire spins a bounded number of loads (internal/futex.ts
 * spinFor), trying CAS 0 -> 1 whenever it reads 0: a release within the spin sees 1, not 2, and
 * notifies nobody. The protocol is written once (lockTurn) and driven twice: a generator for async
 * waits (lockSteps, under later()) and a plain loop for blocking ones (lockBlocking), which
 * allocates nothing even when it sleeps.
 *
 * Abandonment (internal/life.ts, docs/reliability.md). Inside a weft Thread only (`recording`, one
 * well-predicted branch after the CAS), the taker writes its identity into HOLDER, HI then LO.
 * Every release clears HOLDER_LO before it swaps STATE to 0 (Lock.release only when it reads it
 * non-zero: a plain load, and a store of 0 over a 0 changes nothing). Both are plain (non-atomic), so
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
  canBlock,
  later,
  type Outcome,
  type Sleep,
  type Steps,
  signalOf,
  sleepOn,
  spinFor,
  type WaitOptions,
  wake,
} from './internal/futex.js';
import { type Held, held } from './internal/hold.js';
import { Life, lifeOf, registry, SLICE } from './internal/life.js';
import { adopt, carve, carvedChunk, inspect } from './internal/memory.js';
import { checkTimeout, deadlineOf, now } from './internal/timeout.js';

const STATE = 1;
const UNLOCKED = 0;
const LOCKED = 1;
const CONTENDED = 2;
const STARVING = 3; // locked; a waiter has waited STARVE_MS or more: the release hands it over
const HANDED = 4; // locked: handed over by a release, to be taken by a waiter that has slept
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

/**
 * @internal For a taker that made its own CAS of a STATE word (the Queue's lock): records this
 * thread as the holder inside a weft Thread, as acquire does (see the header: Abandonment).
 */
export function tookLock(i32: Int32Array, i: number): void {
  if (recording) record(i32, i);
}

/** @internal Turns a lockSteps result into acquire's: true, false, or AbandonedError (held). */
export function outcomeOf(r: number, what: string): boolean {
  if (r === TAKEN) return true;
  if (r === TIMED_OUT) return false;
  throw new AbandonedError(what, r);
}

/**
 * Lock.acquire past its fast path: with a timeout, checks it and makes the first CAS; without
 * one, the fast path made it already (a second CAS at once would only add traffic on a contended
 * word). Then waits.
 */
function acquireSlow(i32: Int32Array, i: number, timeout: number | undefined): boolean {
  let ms = Number.POSITIVE_INFINITY;
  if (timeout !== undefined) {
    ms = checkTimeout(timeout, 'Lock.acquire');
    if (Atomics.compareExchange(i32, i, UNLOCKED, LOCKED) === UNLOCKED) {
      if (recording) record(i32, i);
      return true;
    }
  }
  const deadline = deadlineOf(ms);
  if (deadline === Number.NEGATIVE_INFINITY)
    return outcomeOf(block(lockSteps(i32, i), deadline, 'Lock.acquire'), 'Lock');
  // block() throws CannotBlockError where this thread may not block; elsewhere the plain loop.
  if (!canBlock()) return outcomeOf(block(lockSteps(i32, i), deadline, 'Lock.acquire'), 'Lock');
  return outcomeOf(lockBlocking(i32, i, deadline), 'Lock');
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
  /** @internal The chunk of shared memory this lock lives in. */
  readonly _i32: Int32Array;
  /** @internal Index of the lock's tag word in `_i32` (the tag names the kind: see internal/tag.ts). */
  readonly _at: number;

  /** @internal Kind name (on the prototype, not carried by a copy: the tag word names the kind). */
  get __weft(): 'Lock' {
    return 'Lock';
  }

  /** Makes a new lock, unlocked. Never blocks. */
  constructor() {
    const at = carve('Lock', 4);
    this._i32 = carvedChunk();
    this._at = at;
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
    const i32 = this._i32;
    const i = this._at + STATE;
    // The free lock with no timeout: one CAS in a body small enough for V8 to inline into the
    // caller; every other case (a timeout to check, a lock held) in acquireSlow.
    if (timeout === undefined && Atomics.compareExchange(i32, i, UNLOCKED, LOCKED) === UNLOCKED) {
      if (recording) record(i32, i);
      return true;
    }
    return acquireSlow(i32, i, timeout);
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
    const i32 = this._i32;
    const i = this._at + STATE;
    // No holder recorded and no waiter: one CAS, inline; the rest (clearing a holder record, waking
    // a waiter, a hand-off, a release of an unlocked lock) in unlock().
    if (i32[i + LO] === 0 && Atomics.compareExchange(i32, i, LOCKED, UNLOCKED) === LOCKED) return;
    unlock(i32, i, 'Lock');
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

/** lockTurn's answers other than a result: how to sleep (see the header comment). */
const SLEEP = -1; // no limit
const SLICE_ALIVE = -2; // the holder is a live weft Thread: watch it, slice after slice
const SLICE_UNKNOWN = -3; // nobody recorded yet: one slice, then one look, then sleep
const SLICE_HANDED = -4; // handed to a sleeper that has not taken it yet: look again after a slice

/** Who takes a turn: a newcomer (has not slept yet), a waiter woken from a sleep, a starving one. */
const NEW = 0;
const WOKEN = 1;
const STARVED = 2;

/** A waiter that has waited this long (ms) and is woken to find the lock taken is starving. */
export const STARVE_MS = 1;

/** The value that the last lockTurn asked to sleep on (read by its driver right after the call). */
let sleepValue = CONTENDED;

/**
 * One turn of the acquire protocol, after the word was seen as `c`. Takes the lock if it is
 * UNLOCKED, or HANDED and this waiter has slept; else marks it CONTENDED (STARVING for a starved
 * waiter) unless it is marked already, and looks at its holder. Returns TAKEN, a dead holder's
 * identity (taken over: the caller holds the lock), or how to sleep on (STATE, sleepValue): SLEEP,
 * SLICE_ALIVE, SLICE_UNKNOWN (only while `looks` < 1) or SLICE_HANDED. Written once, for the
 * protocol's two drivers: lockSteps (a generator, for async waits) and lockBlocking.
 */
function lockTurn(i32: Int32Array, i: number, c: number, looks: number, owned: boolean, who: number): number {
  for (;;) {
    if (c === UNLOCKED || (c === HANDED && who !== NEW)) {
      // Taken as CONTENDED: others may sleep, and the release must wake one.
      const seen = Atomics.compareExchange(i32, i, c, CONTENDED);
      if (seen === c) return taken(i32, i, owned);
      c = seen;
      continue;
    }
    if (c === LOCKED || (c === CONTENDED && who === STARVED)) {
      const mark = who === STARVED ? STARVING : CONTENDED;
      const seen = Atomics.compareExchange(i32, i, c, mark);
      if (seen !== c) {
        c = seen;
        continue;
      }
      c = mark;
    }
    // CONTENDED, STARVING, or HANDED to another (this one has not slept): sleep while it stays.
    sleepValue = c;
    if (c === HANDED) return SLICE_HANDED;
    if (registry() === undefined) return SLEEP;
    // Abandonment: who holds it? (See the header comment.)
    const lo = Atomics.load(i32, i + LO);
    const hi = Atomics.load(i32, i + HI);
    const life = lifeOf(hi, lo);
    if (life === Life.Alive) return SLICE_ALIVE;
    if (life !== Life.Dead) return looks < 1 ? SLICE_UNKNOWN : SLEEP;
    if (Atomics.compareExchange(i32, i + LO, lo, 0) === lo) {
      // The record was the dead holder's, and it is ours to take over. Unless the lock was
      // released meanwhile (by another thread: a Lock is not owned), we hold it now.
      if (Atomics.exchange(i32, i, CONTENDED) === UNLOCKED) return taken(i32, i, owned);
      if (!owned && recording) record(i32, i);
      return hi * 0x100000000 + (lo >>> 0);
    }
    c = Atomics.load(i32, i);
  }
}

/** How many looks a waiter has taken in a row that found no holder recorded, after turn `r`. */
function looksAfter(r: number, looks: number): number {
  return r === SLICE_ALIVE ? 0 : r === SLICE_UNKNOWN ? looks + 1 : looks;
}

/** The slice (ms) of a sleep that turn `r` asked for; undefined: no limit. */
function sliceOf(r: number): number | undefined {
  return r === SLEEP ? undefined : r === SLICE_HANDED ? STARVE_MS : SLICE;
}

/** Who a waiter is after a sleep that returned `outcome`, having first asked to sleep at `since`. */
function whoAfter(who: number, outcome: Outcome, since: number): number {
  if (who === NEW && outcome === 'not-equal') return NEW; // it did not sleep
  return now() - since >= STARVE_MS ? STARVED : WOKEN;
}

/**
 * A waiter gives up (its deadline passed): one last try (UNLOCKED, or HANDED: it has slept); else,
 * if it was watching a holder (`watching`) and others sleep, wake one to watch in its place.
 * Returns TAKEN or TIMED_OUT.
 */
function leave(i32: Int32Array, i: number, owned: boolean, watching: boolean): number {
  let c = Atomics.load(i32, i);
  while (c === UNLOCKED || c === HANDED) {
    const seen = Atomics.compareExchange(i32, i, c, CONTENDED);
    if (seen === c) return taken(i32, i, owned);
    c = seen;
  }
  if (watching && c >= CONTENDED) wake(i32, i, 1);
  return TIMED_OUT;
}

/**
 * @internal The acquire protocol on a STATE word (shared with RLock and Condition), as a generator
 * for later() (async waits). Returns TAKEN, TIMED_OUT, or the identity of a dead holder whose lock
 * this thread has taken over (it holds it). lockBlocking is the same protocol as a plain loop.
 * @param forever - ignore the call's deadline (re-taking the lock after a condition wait).
 * @param owned - an RLock's word: its owner is always written (by RLock), so never record here.
 */
export function* lockSteps(i32: Int32Array, i: number, forever = false, owned = false): Steps<number> {
  let c = Atomics.compareExchange(i32, i, UNLOCKED, LOCKED);
  if (c === UNLOCKED) return taken(i32, i, owned);
  const sleep: Sleep = { i32, index: i, value: CONTENDED, forever, slice: undefined };
  let looks = 0;
  let who = NEW;
  let since = 0;
  for (;;) {
    const r = lockTurn(i32, i, c, looks, owned, who);
    if (r >= 0) return r;
    looks = looksAfter(r, looks);
    if (who === NEW) since = now();
    sleep.value = sleepValue;
    sleep.slice = sliceOf(r);
    let outcome: Outcome;
    try {
      outcome = yield sleep;
    } catch (error) {
      // Aborted (later() has woken every sleeper of the word): a hand-off that may have been meant
      // for this waiter is taken and passed on, so that it is never left with nobody to take it.
      if (Atomics.compareExchange(i32, i, HANDED, CONTENDED) === HANDED) unlock(i32, i, 'Lock');
      throw error;
    }
    if (outcome === 'timed-out') return leave(i32, i, owned, r !== SLEEP);
    who = whoAfter(who, outcome, since);
    c = Atomics.load(i32, i);
  }
}

/**
 * @internal The acquire protocol of lockSteps as a plain blocking loop: nothing is allocated, even
 * when it sleeps. It first spins (the configured number of loads, see internal/futex.ts) while the
 * lock is held, trying to take it (CAS UNLOCKED -> LOCKED) whenever it reads UNLOCKED, and without
 * writing CONTENDED: a release within the spin then notifies nobody, as in the raw spinning mutex.
 * The caller has made its own CAS attempt and checked that this thread may block (canBlock).
 * @param deadline - absolute, on the monotonic clock (Infinity: none).
 */
export function lockBlocking(i32: Int32Array, i: number, deadline: number, owned = false): number {
  let c = spinFor(i32, i, UNLOCKED, LOCKED);
  if (c === UNLOCKED) return taken(i32, i, owned);
  let looks = 0;
  let who = NEW;
  let since = 0;
  for (;;) {
    const r = lockTurn(i32, i, c, looks, owned, who);
    if (r >= 0) return r;
    looks = looksAfter(r, looks);
    if (who === NEW) since = now();
    const outcome = sleepOn(i32, i, sleepValue, deadline, 0, sliceOf(r));
    if (outcome === 'timed-out') return leave(i32, i, owned, r !== SLEEP);
    who = whoAfter(who, outcome, since);
    c = Atomics.load(i32, i);
  }
}

function taken(i32: Int32Array, i: number, owned: boolean): number {
  if (!owned && recording) record(i32, i);
  return TAKEN;
}

/**
 * @internal The release protocol on a STATE word. Throws, changing nothing, if it was unlocked.
 * Clears the holder's record first (see the header comment: a plain store, published by the CAS).
 * LOCKED -> UNLOCKED; CONTENDED (or HANDED, released again before it was taken) -> UNLOCKED and
 * wake one; STARVING -> HANDED and wake one, the oldest sleeper, which takes it (if nobody was
 * woken, every waiter has left: UNLOCKED, unless a sleeper took it meanwhile, and wake one).
 */
export function unlock(i32: Int32Array, i: number, what: string): void {
  i32[i + LO] = 0;
  let c = LOCKED;
  for (;;) {
    const seen = Atomics.compareExchange(i32, i, c, c === STARVING ? HANDED : UNLOCKED);
    if (seen === c) break;
    if (seen === UNLOCKED) throw new RuntimeError(`${what}.release: release unlocked lock`);
    c = seen;
  }
  if (c === LOCKED) return;
  if (c !== STARVING) wake(i32, i, 1);
  else if (wake(i32, i, 1) === 0 && Atomics.compareExchange(i32, i, HANDED, UNLOCKED) === HANDED)
    wake(i32, i, 1);
}
