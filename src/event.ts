/*
 * An Event is a flag that one thread sets and any number of threads wait for (Python's
 * threading.Event), shared across worker threads.
 *
 * Layout: [TAG, STATE]. STATE packs three fields:
 *   bit 0      SET        the flag
 *   bit 1      SLEEPERS   a waiter may be asleep on STATE (cleared by set(), which wakes them)
 *   bits 2-31  generation counts set() calls that raised the flag (wraps after 2^30)
 *
 * set():   if SET is clear, CAS STATE to (generation + 1) | SET, with SLEEPERS cleared; if SLEEPERS
 *          was on, wake every waiter. Setting a set event writes nothing and notifies nobody. The
 *          first CAS expects a guess (the value this thread's last set() wrote, SET cleared) instead
 *          of a loaded value: a failed CAS reads the word as a load would, so the protocol is the
 *          same, and in a hand-off the guess is right and saves one trip of the word between cores.
 * clear(): atomically AND away SET; generation and SLEEPERS stay.
 * wait():  read STATE s0; if SET, return true. Otherwise spin (a bounded number of loads) while STATE
 *          is still s0, then turn SLEEPERS on (CAS) and sleep on (STATE, value with SLEEPERS).
 *          Spinning before SLEEPERS is on means that a set() landing within the spin needs no
 *          notify, and the wait no allocation. Return true as soon as the generation differs from s0's:
 *          a set() happened while we waited, even if clear() has run since (Python's semantics:
 *          a waiter woken by set() returns true).
 *
 * No lost wake-up: a waiter sleeps only on a STATE value with SLEEPERS on and its own generation.
 * set() changes STATE (new generation) before it notifies, so a waiter that has not yet slept sees
 * 'not-equal', and one already asleep is queued when the notify comes: set() saw SLEEPERS on,
 * because the waiter's CAS came before set()'s CAS on the same word.
 * A waiter that times out leaves SLEEPERS on: the next set() makes one needless notify, no harm.
 * The protocol is written once (sleepValue) and driven twice: as a generator for waitAsync (later())
 * and as a plain loop for a blocking wait, which so allocates nothing even when it sleeps.
 */

import {
  block,
  canBlock,
  later,
  type Steps,
  signalOf,
  sleepOn,
  spinWhile,
  type WaitOptions,
  wake,
} from './internal/futex.js';
import { adopt, carve, carvedChunk, inspect } from './internal/memory.js';
import { checkTimeout, deadlineOf } from './internal/timeout.js';

const STATE = 1; // word offset from the tag
const SET = 1;
const SLEEPERS = 2;
const FLAGS = SET | SLEEPERS;
const ONE_GENERATION = 4;

/**
 * The STATE that this thread's last successful set() wrote, on whichever Event: set()'s guess at
 * the word it is about to set, with SET cleared (in a hand-off each Event is set by one thread and
 * cleared by the other, which leaves exactly that). A wrong guess costs one failed CAS, which reads
 * the word as a load would; it is never relied on.
 */
let lastSet = 0;

/**
 * A flag that one thread sets and others wait for, across worker threads.
 *
 * @example
 * ```ts
 * import { Event } from 'weft-threading';
 * const ready = new Event();
 * setTimeout(() => ready.set(), 10);
 * await ready.waitAsync(); // true
 * ```
 */
export class Event {
  /** @internal The chunk of shared memory this event lives in. */
  readonly _i32: Int32Array;
  /** @internal Index of the event's tag word in `_i32` (the tag names the kind: see internal/tag.ts). */
  readonly _at: number;

  /** @internal Kind name (on the prototype, not carried by a copy: the tag word names the kind). */
  get __weft(): 'Event' {
    return 'Event';
  }

  /** Makes a new event, unset. Never blocks. */
  constructor() {
    const at = carve('Event', 2);
    this._i32 = carvedChunk();
    this._at = at;
  }

  /**
   * Gives back a live Event from one that crossed threads (or a live one). Never blocks.
   *
   * @param value - an Event, or the plain object it became in `postMessage` / `workerData`.
   * @throws TypeError if `value` is not an Event.
   * @example
   * ```ts
   * import { Event } from 'weft-threading';
   * const copy = Event.from(structuredClone(new Event()));
   * ```
   */
  static from(value: unknown): Event {
    if (value instanceof Event) return value;
    adopt(value, ['Event'], 'Event');
    return new Event();
  }

  /** Returns whether the flag is set. Never blocks. */
  isSet(): boolean {
    return (Atomics.load(this._i32, this._at + STATE) & SET) !== 0;
  }

  /**
   * Sets the flag and wakes every thread waiting for it. Never blocks.
   * @example
   * ```ts
   * import { Event } from 'weft-threading';
   * new Event().set();
   * ```
   */
  set(): void {
    const i32 = this._i32;
    const i = this._at + STATE;
    // The first CAS expects a guess (see lastSet) rather than a value loaded first: when the guess
    // is right the word crosses from the waiter's core once, not twice (a load, then the CAS).
    let s = lastSet & ~SET;
    for (;;) {
      const next = ((s & ~FLAGS) + ONE_GENERATION) | SET;
      const seen = Atomics.compareExchange(i32, i, s, next);
      if (seen === s) {
        lastSet = next;
        if ((s & SLEEPERS) !== 0) wake(i32, i);
        return;
      }
      if ((seen & SET) !== 0) return; // set already: nothing written, nobody woken
      s = seen;
    }
  }

  /** Clears the flag; later waiters wait until the next `set()`. Never blocks. */
  clear(): void {
    Atomics.and(this._i32, this._at + STATE, ~SET);
  }

  /**
   * Blocks the calling thread until the flag is set or the timeout passes.
   *
   * @param timeout - in milliseconds; undefined or Infinity waits for ever, 0 or less polls.
   * @returns true if the flag was set (or was set while waiting, even if cleared since); false on timeout.
   * @throws TypeError / RangeError for a timeout that is not a number / is NaN.
   * @throws CannotBlockError where the thread may not block (a browser's main thread): use waitAsync.
   * @example
   * ```ts
   * import { Event } from 'weft-threading';
   * const e = new Event();
   * e.wait(0); // false: polls without blocking
   * ```
   */
  wait(timeout?: number): boolean {
    const ms = checkTimeout(timeout, 'Event.wait');
    const i32 = this._i32;
    const i = this._at + STATE;
    const s = Atomics.load(i32, i);
    if ((s & SET) !== 0) return true;
    const deadline = deadlineOf(ms); // before the spin, which counts against the timeout
    if (ms > 0 && spinWhile(i32, i, s) && setSince(Atomics.load(i32, i), s)) return true;
    // block() throws CannotBlockError where this thread may not block; elsewhere the plain loop
    // runs the same protocol without a generator (nothing allocated per wait).
    if (deadline !== Number.NEGATIVE_INFINITY && !canBlock()) {
      return block(waitSteps(i32, i, s), deadline, 'Event.wait', undefined, true);
    }
    return waitBlocking(i32, i, s, deadline);
  }

  /**
   * Never blocks and returns a Promise that settles when the flag is set or the timeout passes.
   *
   * @param timeout - in milliseconds; undefined or Infinity waits for ever, 0 or less polls.
   * @param options - `signal`: an AbortSignal that rejects the Promise with `signal.reason`.
   * @returns a Promise of true if the flag was set, false on timeout.
   * @throws (rejects) TypeError / RangeError for bad arguments; `signal.reason` on abort.
   * @example
   * ```ts
   * import { Event } from 'weft-threading';
   * const e = new Event();
   * const set = e.waitAsync(1000, { signal: AbortSignal.timeout(5000) });
   * e.set();
   * await set; // true
   * ```
   */
  waitAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    // Not an async function: later()'s Promise is returned as it is, not wrapped in another one.
    try {
      const ms = checkTimeout(timeout, 'Event.waitAsync');
      const signal = signalOf(options, 'Event.waitAsync');
      if (signal?.aborted) return Promise.reject(signal.reason);
      const s = Atomics.load(this._i32, this._at + STATE);
      if ((s & SET) !== 0) return Promise.resolve(true);
      return later(waitSteps(this._i32, this._at + STATE, s), deadlineOf(ms), signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @internal Shown by util.inspect and console.log: `Event { set }` or `Event { unset }`. */
  [inspect](): string {
    return `Event { ${this.isSet() ? 'set' : 'unset'} }`;
  }
}

/** Whether STATE `s` shows a set() since `s0` was read: the flag up, or a new generation. */
function setSince(s: number, s0: number): boolean {
  return (s & SET) !== 0 || (s & ~FLAGS) !== (s0 & ~FLAGS);
}

/**
 * The value a waiter that read `s0` sleeps on, now that STATE reads `s`: `s` with SLEEPERS on (which
 * it turns on, by CAS, if need be); undefined once a set() happened since `s0`.
 */
function sleepValue(i32: Int32Array, i: number, s0: number, s: number): number | undefined {
  for (;;) {
    if (setSince(s, s0)) return undefined;
    if ((s & SLEEPERS) !== 0) return s;
    const seen = Atomics.compareExchange(i32, i, s, s | SLEEPERS);
    if (seen === s) return s | SLEEPERS;
    s = seen;
  }
}

/** The wait protocol, for later() (and block(), to throw where this thread may not block). */
function* waitSteps(i32: Int32Array, i: number, s0: number): Steps<boolean> {
  const sleep = { i32, index: i, value: 0 };
  for (
    let v = sleepValue(i32, i, s0, s0);
    v !== undefined;
    v = sleepValue(i32, i, s0, Atomics.load(i32, i))
  ) {
    sleep.value = v;
    if ((yield sleep) === 'timed-out') return setSince(Atomics.load(i32, i), s0);
  }
  return true;
}

/** The same protocol as a plain blocking loop (the spin has been run: see wait()). */
function waitBlocking(i32: Int32Array, i: number, s0: number, deadline: number): boolean {
  for (
    let v = sleepValue(i32, i, s0, s0);
    v !== undefined;
    v = sleepValue(i32, i, s0, Atomics.load(i32, i))
  ) {
    if (sleepOn(i32, i, v, deadline, 0) === 'timed-out') return setSince(Atomics.load(i32, i), s0);
  }
  return true;
}
