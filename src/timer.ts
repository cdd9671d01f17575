/*
 * A Timer calls a function once, `interval` ms after start(), unless it is cancelled first
 * (Python's threading.Timer). It runs on the event loop of the thread that called start().
 *
 * State: `finished`, an Event in shared memory, is the only shared state. cancel() is
 * finished.set(), so any thread that holds `timer.finished` can cancel; the timer checks the flag
 * immediately before calling the function, and sets it once the function has returned or thrown.
 * While the timer is pending it also waits asynchronously on `finished`, so a cancel from another
 * thread clears the pending timeout at once and does not keep this thread's event loop alive.
 *
 * Interval: milliseconds, as every time in weft. 0 or negative means "at once" (on the next turn of the
 * event loop), as in Python, whose Timer waits on `finished` with the interval as a timeout, and a
 * timeout <= 0 does not wait; NaN is a RangeError, a non-number a TypeError, as for timeouts.
 *
 * Never early: engines may fire setTimeout early (Node: 9.3 ms for 10 ms), so the callback checks the
 * monotonic clock and re-arms for the time left.
 */

import { describe, RuntimeError, rangeError, typeError } from './errors.js';
import { Event } from './event.js';
import { signalOf, type WaitOptions } from './internal/futex.js';
import { inspect } from './internal/memory.js';
import { checkTimeout, now } from './internal/timeout.js';

const MAX_DELAY = 0x7fffffff; // setTimeout's largest delay

/**
 * Calls `fn(...args)` once, `interval` milliseconds after `start()`, unless cancelled first
 * (Python's `threading.Timer`). The function runs on the event loop of the thread that called
 * `start()`; no call of a Timer blocks.
 *
 * A Timer does not cross threads (its function cannot): posted to a worker it arrives as a plain
 * object. To let another thread cancel it, send `timer.finished`, an {@link Event}: `set()` on it
 * (after `Event.from()` or `revive()`) is `cancel()`.
 *
 * @example
 * ```ts
 * import { Timer } from 'weft-threading';
 * const t = new Timer(50, (who: string) => console.log(`hello, ${who}`), ['world']);
 * t.start();
 * await t.joinAsync(); // true once the function has run
 * ```
 */
export class Timer<Args extends unknown[] = unknown[]> {
  /** Milliseconds between `start()` and the call. */
  readonly interval: number;
  /** Set once the function has returned (or thrown), or when the timer is cancelled. */
  readonly finished: Event;
  readonly #fn: (...args: Args) => unknown;
  readonly #args: Args;
  #started = false;

  /**
   * Makes a timer; nothing runs until `start()`. Never blocks.
   * @param interval - milliseconds; 0 or negative: at once (on the next turn of the event loop), as
   *   in Python; `Infinity`: only a cancel ends it.
   * @param fn - the function to call.
   * @param args - its arguments.
   * @throws TypeError if `interval` is not a number, `fn` not a function or `args` not an array;
   *   RangeError if `interval` is NaN.
   */
  constructor(interval: number, fn: (...args: Args) => unknown, args?: Args) {
    if (typeof interval !== 'number')
      throw typeError(`Timer: interval must be a number of milliseconds, got ${describe(interval)}`);
    if (Number.isNaN(interval)) throw rangeError('Timer: interval must not be NaN');
    if (typeof fn !== 'function') throw typeError(`Timer: fn must be a function, got ${describe(fn)}`);
    if (args !== undefined && !Array.isArray(args))
      throw typeError(`Timer: args must be an array, got ${describe(args)}`);
    this.interval = interval;
    this.#fn = fn;
    this.#args = (args ?? []) as Args;
    this.finished = new Event();
  }

  /**
   * Starts the countdown. Never blocks.
   * @throws RuntimeError if the timer was already started.
   */
  start(): void {
    if (this.#started) throw new RuntimeError('Timer.start: a timer can only be started once');
    this.#started = true;
    const due = now() + Math.max(0, this.interval);
    let handle: ReturnType<typeof setTimeout> | undefined;
    const fire = (): void => {
      handle = undefined;
      if (this.finished.isSet()) return; // cancelled
      const left = due - now();
      if (left > 0) {
        handle = setTimeout(fire, Math.min(Math.ceil(left), MAX_DELAY));
        return;
      }
      try {
        this.#fn(...this.#args);
      } finally {
        // An error thrown by fn propagates from here: an uncaught error of this thread.
        this.finished.set();
      }
    };
    if (this.interval !== Number.POSITIVE_INFINITY)
      handle = setTimeout(fire, Math.min(Math.max(0, this.interval), MAX_DELAY));
    this.finished.waitAsync().then(() => {
      if (handle !== undefined) clearTimeout(handle);
    });
  }

  /** Stops the timer if the function has not started yet; it then never will. Never blocks. */
  cancel(): void {
    this.finished.set();
  }

  /** Returns whether the timer was started and has not finished. Never blocks. */
  isAlive(): boolean {
    return this.#started && !this.finished.isSet();
  }

  /**
   * Returns whether the timer has finished, without waiting: a blocking wait on the timer's own
   * thread would wait for ever, since the function runs on this thread's event loop. Use
   * `joinAsync`, or `timer.finished.wait()` from another thread.
   * @throws RuntimeError if the timer was not started, or if it would have to block.
   */
  join(timeout?: number): boolean {
    if (timeout !== undefined && typeof timeout !== 'number')
      throw typeError('Timer.join: timeout must be a number');
    if (timeout !== undefined && Number.isNaN(timeout))
      throw rangeError('Timer.join: timeout must not be NaN');
    if (!this.#started) throw new RuntimeError('Timer.join: cannot join a timer before it is started');
    if (this.finished.isSet()) return true;
    if (timeout !== undefined && timeout <= 0) return false;
    throw new RuntimeError(
      "Timer.join would block the timer's own thread for ever (its function runs on this thread's event loop): use Timer.joinAsync()",
    );
  }

  /**
   * Never blocks and returns a Promise of true once the timer has finished (run or cancelled),
   * false if the timeout passes first.
   * @throws (rejects) RuntimeError if the timer was not started; `signal.reason` on abort.
   */
  async joinAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    checkTimeout(timeout, 'Timer.joinAsync');
    signalOf(options, 'Timer.joinAsync');
    if (!this.#started) throw new RuntimeError('Timer.joinAsync: cannot join a timer before it is started');
    return this.finished.waitAsync(timeout, options);
  }

  /** @internal */
  [inspect](): string {
    const state = !this.#started ? 'initial' : this.finished.isSet() ? 'finished' : 'started';
    return `Timer { ${state}, interval: ${this.interval} }`;
  }
}
