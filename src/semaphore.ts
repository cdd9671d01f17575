/*
 * A Semaphore counts permits across threads (Python's threading.Semaphore); a BoundedSemaphore
 * also refuses to be released past its initial value.
 *
 * Layout: [TAG, COUNT, SLEEPERS, BOUND].
 *   COUNT     permits available, 0 .. 2^31-1
 *   SLEEPERS  number of waiters registered to sleep on COUNT (blocking and async alike)
 *   BOUND     the initial value for a BoundedSemaphore; -1 for a Semaphore
 *
 * acquire: CAS COUNT c -> c-1 while c > 0. Otherwise add 1 to SLEEPERS, re-check COUNT, then sleep
 *          on (COUNT, 0); on the way out (permit, timeout or abort) subtract 1 from SLEEPERS.
 *          A blocking acquire first spins a bounded number of loads while COUNT is 0, before it
 *          registers (reads only, so the argument below is unchanged): a release within the spin
 *          sees no sleeper and notifies nobody. Written once and driven twice: a generator for
 *          async waits and polls (acquireSteps, under later() / block()) and a plain loop for
 *          blocking ones (acquireBlocking), which allocates nothing even when it sleeps.
 * release(n): a Semaphore adds n to COUNT (undone, and a RangeError, if that passed 2^31-1); a
 *          BoundedSemaphore CASes COUNT c -> c+n after checking c+n <= BOUND (else it throws, leaving
 *          COUNT as it was); then, if SLEEPERS > 0, wake n sleepers.
 *
 * No lost wake-up: the waiter writes SLEEPERS and then reads COUNT; release writes COUNT and then
 * reads SLEEPERS. All Atomics are sequentially consistent, so either release sees the waiter counted
 * (and wakes it, or it has not slept yet and its wait sees COUNT != 0), or the waiter's read of COUNT
 * comes after the release and finds the permit. A woken waiter whose permit was taken by a faster
 * thread goes back to sleep; permits are never lost, only re-raced.
 * The uncontended acquire is one load and one CAS, the release one add (a CAS for a
 * BoundedSemaphore) and one load of SLEEPERS: it notifies only when someone registered.
 *
 * Abandonment (internal/life.ts, docs/reliability.md). A Semaphore is not owned: a permit taken
 * with acquire() may rightly be given back by another thread (a signal), so plain acquire/release
 * record nothing and are never taken for abandoned. A permit taken with hold() / holdAsync() inside
 * a weft Thread is held until its Held is released, and is recorded, in two places:
 *   HELD (words [.., ID_HI, ID_LO, HELD] after BOUND): permits of this semaphore recorded as held;
 *   the registry slot of the thread: an entry (ID_HI, ID_LO, count), ID being drawn at construction.
 * Recording adds to HELD, then to the entry; releasing subtracts from the entry, then from HELD; so
 * HELD >= the sum of the entries. If the thread ends normally (or by an error) with a Held not yet
 * released, its bootstrap releases it and warns. If it is terminated, a waiter about to sleep sees
 * HELD > 0 and sleeps in slices; between slices it looks for entries of dead threads, takes each
 * one's count (CAS to 0, so once), subtracts it from HELD, keeps one permit, gives the others back,
 * and throws AbandonedError holding that permit.
 */

import { AbandonedError, describe, rangeError, typeError, ValueError } from './errors.js';
import {
  block,
  canBlock,
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
import { drawIdent } from './internal/ident.js';
import { mySlot, reclaimPermits, recordPermit, registry, SLICE, unrecordPermit } from './internal/life.js';
import { adopt, inspect, place } from './internal/memory.js';
import { checkTimeout, deadlineOf } from './internal/timeout.js';

const COUNT = 1;
const SLEEPERS = 2;
const BOUND = 3;
const ID_HI = 4;
const ID_LO = 5;
const HELD = 6;
const WORDS = 7;
const MAX = 0x7fffffff;

/** acquireSteps results: 0 timed out, 1 taken; anything else: taken over from that dead identity. */
const TIMED_OUT = 0;
const TAKEN = 1;

function outcomeOf(r: number, what: string): boolean {
  if (r === TAKEN) return true;
  if (r === TIMED_OUT) return false;
  throw new AbandonedError(what, r);
}

/** Permits this thread holds through hold() / holdAsync() (inside a weft Thread), by Held. */
const leftovers = new Set<{ sem: Semaphore; release: () => void }>();

/**
 * @internal For a weft Thread's bootstrap, once the target has ended: releases the permits still
 * held through hold() / holdAsync(), warning for each; returns how many were released.
 */
export function _releaseLeftovers(thread: string): number {
  let n = 0;
  for (const held of [...leftovers]) {
    held.release();
    n++;
    console.warn(
      `weft: Thread ${thread} ended holding a permit of ${held.sem.__weft} (taken with hold()); released it`,
    );
  }
  return n;
}

function checkCount(value: unknown, where: string, min: number): number {
  if (typeof value !== 'number') throw typeError(`${where} must be an integer, got ${describe(value)}`);
  if (!Number.isInteger(value) || value < min || value > MAX) {
    throw rangeError(`${where} must be an integer from ${min} to ${MAX}, got ${value}`);
  }
  return value;
}

/**
 * A counter of permits shared across threads: `acquire` takes one (waiting while there is none),
 * `release` gives permits back.
 *
 * @example
 * ```ts
 * import { Semaphore } from 'weft-threading';
 * const slots = new Semaphore(2);
 * {
 *   using _slot = slots.hold(); // at most two threads in here at once
 * }
 * ```
 */
export class Semaphore {
  /** @internal The chunk of shared memory this semaphore lives in. */
  readonly _i32: Int32Array;
  /** @internal Index of the semaphore's tag word in `_i32` (the tag names the kind: see internal/tag.ts). */
  readonly _at: number;

  /** @internal Kind name (on the prototype, not carried by a copy: the tag word names the kind). */
  get __weft(): 'Semaphore' | 'BoundedSemaphore' {
    return 'Semaphore';
  }

  /**
   * Makes a semaphore with `value` permits. Never blocks.
   * @param value - initial permits, an integer >= 0 (default 1).
   * @throws TypeError if `value` is not a number; RangeError if it is negative or not an integer.
   */
  constructor(value = 1) {
    const bounded = new.target === BoundedSemaphore;
    const p = place(bounded ? 'BoundedSemaphore' : 'Semaphore', WORDS);
    if (p.fresh) {
      const where = `${bounded ? 'BoundedSemaphore' : 'Semaphore'}: value`;
      checkCount(value, where, 0);
      Atomics.store(p.i32, p.at + COUNT, value);
      Atomics.store(p.i32, p.at + BOUND, bounded ? value : -1);
      const id = drawIdent();
      Atomics.store(p.i32, p.at + ID_HI, Math.floor(id / 0x100000000) | 0);
      Atomics.store(p.i32, p.at + ID_LO, (id % 0x100000000) | 0);
    }
    this._i32 = p.i32;
    this._at = p.at;
  }

  /**
   * Gives back a live Semaphore (or BoundedSemaphore) from one that crossed threads. Never blocks.
   * @throws TypeError if `value` is not a Semaphore or BoundedSemaphore.
   */
  static from(value: unknown): Semaphore {
    if (value instanceof Semaphore) return value;
    const kind = adopt(value, ['Semaphore', 'BoundedSemaphore'], 'Semaphore');
    return kind === 'BoundedSemaphore' ? new BoundedSemaphore() : new Semaphore();
  }

  /** The number of permits available now. */
  get value(): number {
    return Atomics.load(this._i32, this._at + COUNT);
  }

  /**
   * Blocks the calling thread until a permit is available, and takes it.
   * @param timeout - in milliseconds; undefined or Infinity waits for ever, 0 or less polls.
   * @returns true if a permit was taken, false if the timeout passed first.
   * @throws CannotBlockError where the thread may not block: use acquireAsync.
   * @throws AbandonedError if, while waiting, permits held with hold() by a weft Thread that was
   *   terminated were recovered: the calling thread holds one of them and must release it.
   */
  acquire(timeout?: number): boolean {
    // The method's name is spelled out only for a timeout to check: no string on the common path.
    const ms =
      timeout === undefined ? Number.POSITIVE_INFINITY : checkTimeout(timeout, `${this.__weft}.acquire`);
    const i32 = this._i32;
    const i = this._at + COUNT;
    const c = Atomics.load(i32, i);
    if (c > 0 && Atomics.compareExchange(i32, i, c, c - 1) === c) return true;
    const deadline = deadlineOf(ms);
    // A poll, or a thread that may not block (block() throws there): the protocol's generator.
    if (deadline === Number.NEGATIVE_INFINITY || !canBlock()) {
      return outcomeOf(block(acquireSteps(i32, this._at), deadline, `${this.__weft}.acquire`), this.__weft);
    }
    return outcomeOf(acquireBlocking(i32, this._at, deadline), this.__weft);
  }

  /**
   * Never blocks and returns a Promise that settles once a permit is taken or the timeout passes.
   * @param timeout - in milliseconds; undefined or Infinity waits for ever, 0 or less polls.
   * @param options - `signal`: rejects with `signal.reason`, taking no permit.
   * @returns a Promise of true if a permit was taken, false on timeout.
   * @throws (rejects) AbandonedError as `acquire` does, holding a permit.
   */
  async acquireAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    const ms = checkTimeout(timeout, `${this.__weft}.acquireAsync`);
    const signal = signalOf(options, `${this.__weft}.acquireAsync`);
    if (signal?.aborted) throw signal.reason;
    return outcomeOf(await later(acquireSteps(this._i32, this._at), deadlineOf(ms), signal), this.__weft);
  }

  /**
   * Gives `n` permits back and wakes up to `n` waiting threads. Never blocks.
   * @param n - an integer >= 1 (default 1).
   * @throws RangeError if `n` is not an integer >= 1 or the count would pass 2^31-1.
   * @throws ValueError (a RangeError) for a BoundedSemaphore released past its initial value; the
   *   count is then unchanged.
   */
  release(n = 1): void {
    // A BoundedSemaphore overrides this method (its CAS within the bound): no kind check here.
    if (n !== 1) checkCount(n, 'Semaphore.release: n', 1);
    const i32 = this._i32;
    const at = this._at;
    // One add, as the raw futex semaphore does. Past 2^31-1 the count wraps to a negative value
    // for an instant: the add is undone and the call throws. A release that meets such an
    // instant (an old value below 0) undoes its own add and tries again; acquirers see no
    // permit meanwhile (c > 0 fails), so nothing is taken or lost.
    for (;;) {
      const c = Atomics.add(i32, at + COUNT, n);
      if (c >= 0 && c <= MAX - n) break;
      Atomics.sub(i32, at + COUNT, n);
      // An acquirer that read the wrapped count may have gone to sleep on it: the undo changed
      // COUNT back, so wake the sleepers to look again (rare path: a count near 2^31).
      if (Atomics.load(i32, at + SLEEPERS) > 0) wake(i32, at + COUNT);
      if (c >= 0) throw rangeError(`Semaphore.release(${n}): the count would pass ${MAX}`);
    }
    if (Atomics.load(i32, at + SLEEPERS) > 0) wake(i32, at + COUNT, n);
  }

  /**
   * Blocks the calling thread until a permit is taken; returns a Disposable that gives it back.
   * @throws TimeoutError if the timeout passes first.
   * @example
   * ```ts
   * import { Semaphore } from 'weft-threading';
   * const s = new Semaphore(1);
   * {
   *   using _permit = s.hold(1000);
   * } // released here
   * ```
   */
  hold(timeout?: number): Held {
    const acquired = this.acquire(timeout);
    if (acquired && mySlot() >= 0) return this.#recorded(`${this.__weft}.hold`);
    return held(acquired, () => this.release(), `${this.__weft}.hold`, timeout);
  }

  /**
   * Never blocks; returns a Promise of a Disposable that gives the permit back.
   * @throws (rejects) TimeoutError if the timeout passes first; `signal.reason` on abort.
   */
  async holdAsync(timeout?: number, options?: WaitOptions): Promise<Held> {
    const acquired = await this.acquireAsync(timeout, options);
    if (acquired && mySlot() >= 0) return this.#recorded(`${this.__weft}.holdAsync`);
    return held(acquired, () => this.release(), `${this.__weft}.holdAsync`, timeout);
  }

  /** A Held for a permit just taken inside a weft Thread: recorded (see the header comment). */
  #recorded(what: string): Held {
    const i32 = this._i32;
    const at = this._at;
    const hi = Atomics.load(i32, at + ID_HI);
    const lo = Atomics.load(i32, at + ID_LO);
    Atomics.add(i32, at + HELD, 1);
    const recorded = recordPermit(hi, lo);
    if (!recorded) Atomics.sub(i32, at + HELD, 1); // no entry left: not recorded, not detectable
    const entry = {
      sem: this as Semaphore,
      release: (): void => {
        // Once: an entry is in `leftovers` until it is given back, and the thread's end may have
        // given it back already (_releaseLeftovers) before work the target left running releases
        // the Held itself.
        if (!leftovers.delete(entry)) return;
        if (recorded) {
          unrecordPermit(hi, lo);
          Atomics.sub(i32, at + HELD, 1);
        }
        this.release();
      },
    };
    leftovers.add(entry);
    return held(true, entry.release, what, undefined);
  }

  /** @internal `Semaphore { value: 2 }`. */
  [inspect](): string {
    return `Semaphore { value: ${this.value} }`;
  }
}

/**
 * A Semaphore that throws if released more times than it was acquired: its count never passes its
 * initial value.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from 'weft-threading';
 * const s = new BoundedSemaphore(1);
 * s.acquire();
 * s.release();
 * // s.release() now would throw ValueError
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /**
   * Gives back a live BoundedSemaphore from one that crossed threads. Never blocks.
   * @throws TypeError if `value` is not a BoundedSemaphore.
   */
  static override from(value: unknown): BoundedSemaphore {
    if (value instanceof BoundedSemaphore) return value;
    adopt(value, ['BoundedSemaphore'], 'BoundedSemaphore');
    return new BoundedSemaphore();
  }

  /** @internal Kind name (on the prototype: see Semaphore). */
  override get __weft(): 'BoundedSemaphore' {
    return 'BoundedSemaphore';
  }

  /**
   * Gives `n` permits back and wakes up to `n` waiting threads. Never blocks.
   * @param n - an integer >= 1 (default 1).
   * @throws RangeError if `n` is not an integer >= 1.
   * @throws ValueError (a RangeError) if the count would pass the initial value; the count is
   *   then unchanged.
   */
  override release(n = 1): void {
    if (n !== 1) checkCount(n, 'BoundedSemaphore.release: n', 1);
    const i32 = this._i32;
    const at = this._at;
    const bound = Atomics.load(i32, at + BOUND);
    let c = Atomics.load(i32, at + COUNT);
    for (;;) {
      if (c + n > bound) {
        throw new ValueError(`BoundedSemaphore released too many times (value ${c}/${bound}, release(${n}))`);
      }
      const seen = Atomics.compareExchange(i32, at + COUNT, c, c + n);
      if (seen === c) break;
      c = seen;
    }
    if (Atomics.load(i32, at + SLEEPERS) > 0) wake(i32, at + COUNT, n);
  }

  /** The initial value, which the count never passes. */
  get bound(): number {
    return Atomics.load(this._i32, this._at + BOUND);
  }

  /** @internal `BoundedSemaphore { value: 2/3 }`. */
  override [inspect](): string {
    return `BoundedSemaphore { value: ${this.value}/${this.bound} }`;
  }
}

/** watch()'s answers other than a dead holder's identity: how a registered waiter sleeps. */
const SLEEP = -1; // no limit
const SLEEP_SLICE = -2; // one slice (SLICE ms), then look again
/** Looks in a row that found nothing recorded to watch, after the last watch() (read right after it). */
let looksAfter = 0;

/**
 * What a registered waiter does before it sleeps (see the header comment, "Abandonment"): SLEEP,
 * SLEEP_SLICE, or the identity of a dead holder whose permits it recovered (it keeps one, gives the
 * others back). `looks`: looks in a row that found nothing recorded; the new count is looksAfter.
 */
function watch(i32: Int32Array, at: number, looks: number): number {
  looksAfter = looks;
  if (registry() === undefined) return SLEEP; // no weft Thread known here: nothing to watch
  if (Atomics.load(i32, at + HELD) === 0) {
    // A hold() may be between taking its permit and recording it: look once more, later.
    return looksAfter++ < 1 ? SLEEP_SLICE : SLEEP;
  }
  // Permits held through hold() by weft Threads: recover those of dead ones, else watch.
  const { permits, holder } = reclaimPermits(Atomics.load(i32, at + ID_HI), Atomics.load(i32, at + ID_LO));
  if (permits > 0) {
    Atomics.sub(i32, at + HELD, permits);
    if (permits > 1) {
      Atomics.add(i32, at + COUNT, permits - 1);
      if (Atomics.load(i32, at + SLEEPERS) > 1) wake(i32, at + COUNT, permits - 1);
    }
    return holder; // the one kept is this caller's
  }
  looksAfter = 0;
  return SLEEP_SLICE;
}

/**
 * A waiter's deadline passed: one last look (a permit released as the deadline passed is still
 * taken); else, if it was watching (`sliced`) and others sleep, wake one to watch in its place.
 */
function leave(i32: Int32Array, at: number, sliced: boolean): number {
  for (let c = Atomics.load(i32, at + COUNT); c > 0; c = Atomics.load(i32, at + COUNT)) {
    if (Atomics.compareExchange(i32, at + COUNT, c, c - 1) === c) return TAKEN;
  }
  if (sliced && Atomics.load(i32, at + SLEEPERS) > 1) wake(i32, at + COUNT, 1);
  return TIMED_OUT;
}

/** The acquire protocol, as a generator for later() (async waits) and polls; acquireBlocking is the same loop. */
function* acquireSteps(i32: Int32Array, at: number): Steps<number> {
  const sleep: Sleep = { i32, index: at + COUNT, value: 0, slice: undefined };
  let registered = false;
  let looks = 0;
  try {
    for (;;) {
      const c = Atomics.load(i32, at + COUNT);
      if (c > 0) {
        if (Atomics.compareExchange(i32, at + COUNT, c, c - 1) === c) return TAKEN;
        continue;
      }
      if (!registered) {
        Atomics.add(i32, at + SLEEPERS, 1);
        registered = true;
        continue; // re-check COUNT now that a release will see us
      }
      const w = watch(i32, at, looks);
      if (w >= 0) return w;
      looks = looksAfter;
      sleep.slice = w === SLEEP_SLICE ? SLICE : undefined;
      if ((yield sleep) === 'timed-out') return leave(i32, at, sleep.slice !== undefined);
    }
  } finally {
    if (registered) Atomics.sub(i32, at + SLEEPERS, 1);
  }
}

/**
 * The acquire protocol of acquireSteps as a plain blocking loop: nothing allocated, even when it
 * sleeps. Before it registers in SLEEPERS it spins (the configured number of loads, see
 * internal/futex.ts) while COUNT is 0: a release within the spin sees no sleeper and notifies
 * nobody, as in the raw spinning semaphore. The caller has made its own attempt and checked that
 * this thread may block (canBlock).
 */
function acquireBlocking(i32: Int32Array, at: number, deadline: number): number {
  let spun = false;
  let registered = false;
  let looks = 0;
  try {
    for (;;) {
      const c = Atomics.load(i32, at + COUNT);
      if (c > 0) {
        if (Atomics.compareExchange(i32, at + COUNT, c, c - 1) === c) return TAKEN;
        continue;
      }
      if (!spun) {
        spun = true;
        spinWhile(i32, at + COUNT, c); // reads only: nothing for a release to see yet
        continue;
      }
      if (!registered) {
        Atomics.add(i32, at + SLEEPERS, 1);
        registered = true;
        continue; // re-check COUNT now that a release will see us
      }
      const w = watch(i32, at, looks);
      if (w >= 0) return w;
      looks = looksAfter;
      const slice = w === SLEEP_SLICE ? SLICE : undefined;
      if (sleepOn(i32, at + COUNT, 0, deadline, 0, slice) === 'timed-out')
        return leave(i32, at, slice !== undefined);
    }
  } finally {
    if (registered) Atomics.sub(i32, at + SLEEPERS, 1);
  }
}
