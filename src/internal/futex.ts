/*
 * The wait/wake layer: the only code in weft that calls Atomics.wait, Atomics.waitAsync and
 * Atomics.notify.
 *
 * A primitive writes each of its waits once, as a generator of "sleep requests": it tries, and when
 * it must wait it yields { i32, index, value }, meaning "sleep while i32[index] === value". A driver
 * answers each request with an Outcome and resumes the generator, which tries again:
 *
 *   block(steps, deadline, twin)   blocks the calling thread: spins a bounded number of loads, then
 *                                  Atomics.wait with the time left until the deadline (a poll,
 *                                  deadline -Infinity, does neither). A primitive may run that spin
 *                                  itself (spinWhile) before it builds its protocol, so that a
 *                                  partner answering within the spin costs no allocation and no
 *                                  notify; it then tells block() that it has spun.
 *   later(steps, deadline, signal) never blocks and returns a Promise: Atomics.waitAsync (or the
 *                                  fallback below, where the engine lacks it), no spin.
 *
 * So a blocking waiter and an async waiter of the same primitive run the same protocol, and one
 * Atomics.notify wakes both.
 *
 * Outcomes. 'not-equal': the word had already changed. 'ok': woken, or a spurious return (engines
 * fire timeouts early; the driver reports an early timeout as 'ok'), so a protocol must always
 * re-check its word. 'timed-out': the deadline on the monotonic clock has passed; the driver never
 * says so early.
 *
 * Why no wake-up is lost: Atomics.wait / waitAsync compare the word and enqueue the waiter in one
 * atomic step with respect to Atomics.notify on the same word. A protocol therefore (1) reads the
 * word, (2) decides it must wait, (3) yields the value it read; a writer changes the word before it
 * notifies, so either the wait sees the new value ('not-equal') or the waiter is already queued and
 * is woken.
 *
 * Aborts. An Atomics.waitAsync cannot be cancelled, and a cancelled-but-queued waiter would swallow
 * an Atomics.notify(word, 1) meant for a live one. So when the signal fires the driver itself wakes
 * every waiter of the word it sleeps on (its own queued wait included; the others re-check and go
 * back to sleep), then throws signal.reason into the protocol so its finally/catch can undo what it
 * registered, and rejects with signal.reason. Nothing of the aborted waiter is left in the queue
 * (on the helper fallback, nothing that can keep a wake-up: see fallback.ts).
 *
 * Keep-alive. Node does not keep a process alive for a pending Atomics.waitAsync; while any async
 * wait of this thread is pending, a ref'd interval timer does (one for all of them). Where timers
 * can be un-ref'd (Node, Bun) the timer is made once and only ref'd / un-ref'd around waits, which
 * costs far less than making and clearing a timer at every wait.
 *
 * Engines without Atomics.waitAsync (Firefox before 145, Safari before 16.4). later() then sleeps
 * through a helper worker that blocks in Atomics.wait on the word and posts back when it returns,
 * or, where no helper can be made, by polling: see fallback.ts, which also says why a request
 * outliving its wait (an abort, a helper that starts late) loses no wake-up. later() gives up a
 * pending fallback wait (withdraw) before an abort notifies the word.
 */

import { CannotBlockError, typeError } from '../errors.js';
import {
  helpersFailedHere,
  helperWaitAsync,
  type Outcome,
  pollWaitAsync,
  type WaitAsyncFn,
} from './fallback.js';
import { now } from './timeout.js';

/** Sleep while `i32[index] === value`. */
export interface Sleep {
  i32: Int32Array;
  index: number;
  value: number;
  /** Ignore the call's deadline (used to re-take a lock after a condition wait timed out). */
  forever?: boolean;
  /**
   * Sleep at most this many ms, then report 'ok' (a spurious wake-up) so the protocol can look
   * around (used to watch for a holder that ended; see internal/life.ts). Undefined: no limit.
   */
  slice?: number | undefined;
}

export type { Outcome };

/** A wait protocol: yields sleep requests, receives their outcomes, returns its result. */
export type Steps<T> = Generator<Sleep, T, Outcome>;

/** Options accepted by every async wait. */
export interface WaitOptions {
  /** Rejects the wait with `signal.reason` when it fires; nothing of the wait is left behind. */
  signal?: AbortSignal | undefined;
}

/* ---------------------------------------------------------------------------------------------- */
/* Configuration                                                                                   */

/**
 * Default number of Atomics.load spins before a blocking wait sleeps: about 7 µs on a 2020s x86
 * core. A partner that answers within that time is seen without a kernel round trip (~50 µs); one
 * that answers later costs at most this much extra CPU per wait. Async waits never spin.
 */
export const DEFAULT_SPIN = 1000;

let spinLimit = DEFAULT_SPIN;

/** Settings of the wait layer, per thread. */
export interface Settings {
  /** Loads to spin before a blocking wait sleeps (0 disables spinning). Default {@link DEFAULT_SPIN}. */
  spin: number;
}

/**
 * Changes weft's settings for the calling thread; returns the settings in force before the call.
 * Never blocks.
 *
 * @param settings - `spin`: how many times a blocking wait re-reads its word before it sleeps.
 * @returns The previous settings.
 * @throws RangeError if `spin` is not a non-negative integer.
 * @example
 * ```ts
 * import { configure } from 'weft-threading';
 * const before = configure({ spin: 0 }); // always sleep at once
 * configure(before);
 * ```
 */
export function configure(settings: Partial<Settings>): Settings {
  const before = { spin: spinLimit };
  if (settings === null || typeof settings !== 'object') throw typeError('configure: expected an object');
  if (settings.spin !== undefined) {
    const spin = settings.spin;
    if (typeof spin !== 'number') throw typeError('configure: spin must be a number');
    if (!Number.isInteger(spin) || spin < 0) {
      throw Object.assign(new RangeError('configure: spin must be a non-negative integer'), {
        code: 'WEFT_BAD_ARGUMENT',
      });
    }
    spinLimit = spin;
  }
  return before;
}

/* ---------------------------------------------------------------------------------------------- */
/* Blocking                                                                                        */

let blockingAllowed: boolean | undefined;

/** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
export function canBlock(): boolean {
  if (blockingAllowed === undefined) {
    try {
      // Value 1 is not 0: returns 'not-equal' at once where blocking is allowed, throws where not.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockingAllowed = true;
    } catch {
      blockingAllowed = false;
    }
  }
  return blockingAllowed;
}

/**
 * The error of a blocking method called where this thread may not block.
 * @param advice - what to use instead; by default the method's Async twin.
 */
export function cannotBlock(where: string, advice?: string): CannotBlockError {
  return new CannotBlockError(
    `${where} cannot block this thread (Atomics.wait is not allowed here, as on a browser's main thread): ${advice ?? `use ${where}Async() instead`}`,
  );
}

/**
 * Test hook: makes canBlock() answer false on this thread (true), as on a browser's main thread,
 * or look again (false). Node lets every thread block, so this is the only way to run the
 * can-block checks there; the browser suite runs them for real.
 */
export function forceCannotBlock(on: boolean): void {
  blockingAllowed = on ? false : undefined;
}

const pause: (n?: number) => void =
  typeof (Atomics as { pause?: unknown }).pause === 'function'
    ? (Atomics as unknown as { pause: (n?: number) => void }).pause
    : () => {};

/**
 * Runs a wait protocol, blocking the calling thread.
 *
 * @param deadline - absolute, on the monotonic clock; -Infinity polls (never blocks), Infinity waits forever.
 * @param where - the blocking method, e.g. 'Lock.acquire', for the error where this thread may not block.
 * @param advice - what to use instead there; by default the method's Async twin.
 * @param spun - the caller has already spun (spinWhile): do not spin again before the first sleep.
 */
export function block<T>(steps: Steps<T>, deadline: number, where: string, advice?: string, spun = false): T {
  if (deadline !== Number.NEGATIVE_INFINITY && !canBlock()) {
    steps.return(undefined as T);
    throw cannotBlock(where, advice);
  }
  // A poll (timeout 0 or less) looks once: it neither spins nor sleeps.
  let spin = deadline === Number.NEGATIVE_INFINITY || spun ? 0 : spinLimit;
  let r = steps.next('ok');
  while (!r.done) {
    r = steps.next(sleep(r.value, deadline, spin));
    spin = 0; // spin before the first sleep of a call only: later sleeps follow a wake-up
  }
  return r.value;
}

/**
 * The bounded spin of a blocking wait, for a primitive to run before it builds its protocol: reads
 * i32[index] up to the configured number of times while it still equals `value` (its bits under
 * `mask`, where only some bits mean progress: a Barrier's waiters spin while GEN and PHASE stay,
 * whatever COUNT does). Returns true as soon as it differs (the caller looks again, and usually
 * need not register, allocate or sleep); false if it did not change, or at once where this thread
 * may not block. After false, the caller passes `spun` to block() so that the spin is not run twice.
 */
export function spinWhile(i32: Int32Array, index: number, value: number, mask = -1): boolean {
  if (spinLimit === 0 || !canBlock()) return false;
  const want = value & mask;
  for (let i = 0; i < spinLimit; i++) {
    if ((Atomics.load(i32, index) & mask) !== want) return true;
    pause(i);
  }
  return false;
}

/**
 * The bounded spin of a blocking acquire (a lock's): reads i32[index] up to the configured number
 * of times while it is `taken` (held, nobody asleep), and whenever it reads `free`, tries to swap
 * it for `taken` (CAS). Returns `free` once that CAS succeeded (the caller holds it), else the last
 * value read. It never writes anything but that CAS, so a releaser sees no waiter registered and
 * notifies nobody. It stops at once on any other value (someone sleeps on the word already): as in
 * parking_lot, a thread spins only while nobody is parked, since with sleepers there are more
 * threads than the lock can serve at once, and a spinning one holds a core that the holder (or
 * the woken thread) may need. The caller has checked that this thread may block (canBlock).
 */
export function spinFor(i32: Int32Array, index: number, free: number, taken: number): number {
  let c = Atomics.load(i32, index);
  for (let i = 0; ; i++) {
    if (c === free) {
      c = Atomics.compareExchange(i32, index, free, taken);
      if (c === free) return free;
    }
    if (c !== taken || i >= spinLimit) return c; // never `free`: that was just tried
    pause(i);
    c = Atomics.load(i32, index);
  }
}

function sleep(s: Sleep, callDeadline: number, spin: number): Outcome {
  const deadline = s.forever === true ? Number.POSITIVE_INFINITY : callDeadline;
  return sleepOn(s.i32, s.index, s.value, deadline, spin, s.slice);
}

/**
 * One blocking sleep, for a primitive whose blocking wait is a plain loop rather than a protocol
 * (no generator, no sleep request: nothing allocated per wait): spins up to `spin` loads while
 * i32[index] === value, then Atomics.wait with the time left until `deadline` (at most `slice` ms).
 * The caller has checked that this thread may block (canBlock). Outcomes as for block()'s sleeps:
 * an early timeout is 'ok', and 'timed-out' only once the deadline has passed.
 */
export function sleepOn(
  i32: Int32Array,
  index: number,
  value: number,
  deadline: number,
  spin: number,
  slice?: number,
): Outcome {
  for (let i = 0; i < spin; i++) {
    if (Atomics.load(i32, index) !== value) return 'not-equal';
    pause(i);
    // With a deadline, look at the clock every 1024 loads, so a long spin cannot overrun it.
    if ((i & 1023) === 1023 && deadline !== Number.POSITIVE_INFINITY && deadline - now() <= 0) break;
  }
  let ms = Number.POSITIVE_INFINITY;
  if (deadline !== Number.POSITIVE_INFINITY) {
    ms = deadline - now();
    if (ms <= 0) return 'timed-out';
  }
  if (slice !== undefined && slice < ms) ms = slice;
  const outcome = Atomics.wait(i32, index, value, ms);
  // An early timeout is reported as a spurious wake-up; the deadline is checked at the next sleep.
  return outcome === 'timed-out' && deadline - now() > 0 ? 'ok' : outcome;
}

/* ---------------------------------------------------------------------------------------------- */
/* Async                                                                                           */

const nativeWaitAsync = (Atomics as unknown as { waitAsync?: WaitAsyncFn }).waitAsync;

/** How async waits sleep where Atomics.waitAsync is missing (or when forced, for tests). */
export type AsyncFallback = 'helper' | 'poll';

/** The engine's Atomics.waitAsync where it has one, else helper workers (which fall back to polling). */
let waitAsync: WaitAsyncFn =
  typeof nativeWaitAsync === 'function' ? nativeWaitAsync.bind(Atomics) : helperWaitAsync;

/** Whether async waits use the engine's Atomics.waitAsync (true) or a fallback (false). */
export function nativeAsyncWaits(): boolean {
  return waitAsync !== helperWaitAsync && waitAsync !== pollWaitAsync;
}

let pending = 0;
let keepAliveTimer: ReturnType<typeof setInterval> | undefined;

function hold(): void {
  if (pending++ !== 0) return;
  const timer = keepAliveTimer as { ref?: () => unknown } | undefined;
  if (timer?.ref !== undefined) timer.ref();
  else keepAliveTimer = setInterval(() => {}, 1 << 30);
}

function unhold(): void {
  if (--pending !== 0 || keepAliveTimer === undefined) return;
  const timer = keepAliveTimer as { unref?: () => unknown };
  // Kept for the next wait, no longer holding the process.
  if (timer.unref !== undefined) timer.unref();
  else {
    clearInterval(keepAliveTimer);
    keepAliveTimer = undefined;
  }
}

/** Validates the `{ signal }` options of an async wait; returns the signal, if any. */
export function signalOf(options: unknown, where: string): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    throw typeError(`${where}: options must be an object such as { signal }`);
  }
  const signal = (options as WaitOptions).signal;
  if (signal === undefined) return undefined;
  if (
    signal === null ||
    typeof signal !== 'object' ||
    typeof (signal as AbortSignal).aborted !== 'boolean' ||
    typeof (signal as AbortSignal).addEventListener !== 'function'
  ) {
    throw typeError(`${where}: options.signal must be an AbortSignal`);
  }
  return signal;
}

/**
 * Runs a wait protocol without blocking; returns a Promise of its result.
 *
 * @param deadline - absolute, on the monotonic clock; -Infinity polls, Infinity waits forever.
 * @param signal - rejects with `signal.reason` when it fires; the protocol is told by a throw.
 */
export function later<T>(steps: Steps<T>, deadline: number, signal: AbortSignal | undefined): Promise<T> {
  if (signal?.aborted) {
    steps.return(undefined as T);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    let aborted = false; // the signal fired
    let told = false; // the protocol has been told (by a throw)
    let asleep: Sleep | undefined; // the request of the pending waitAsync, if any
    let withdraw: (() => void) | undefined; // gives up the pending wait, for a fallback (fallback.ts)
    let ticket = 0; // numbers the pending waitAsync; a resolution with an old number is ignored

    const onAbort = (): void => {
      aborted = true;
      if (asleep === undefined) return;
      // A fallback's request is withdrawn first, so that its helper either sees that before it
      // sleeps or, already asleep, is woken by the notify below and passes its wake-up on.
      withdraw?.();
      // Wake our own queued wait (and, spuriously, the word's other waiters) so none is left behind,
      // and go on at once rather than when that wake-up is delivered.
      Atomics.notify(asleep.i32, asleep.index);
      ticket++;
      queueMicrotask(() => run('ok'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    hold();

    const settle = (ok: boolean, value: unknown): void => {
      signal?.removeEventListener('abort', onAbort);
      unhold();
      if (ok) resolve(value as T);
      else reject(value);
    };

    const run = (outcome: Outcome): void => {
      asleep = undefined;
      withdraw = undefined;
      for (;;) {
        let r: IteratorResult<Sleep, T>;
        try {
          if (aborted && !told) {
            told = true;
            r = steps.throw((signal as AbortSignal).reason);
          } else {
            r = steps.next(outcome);
          }
        } catch (error) {
          settle(false, error);
          return;
        }
        if (r.done) {
          if (told) settle(false, (signal as AbortSignal).reason);
          else settle(true, r.value);
          return;
        }

        const s = r.value;
        // Once told of the abort, a protocol may still need to wait (to re-take a lock): no deadline.
        const end = told || s.forever === true ? Number.POSITIVE_INFINITY : deadline;
        let ms = Number.POSITIVE_INFINITY;
        if (end !== Number.POSITIVE_INFINITY) {
          ms = end - now();
          if (ms <= 0) {
            outcome = 'timed-out';
            continue;
          }
        }
        if (s.slice !== undefined && s.slice < ms) ms = s.slice;
        const t = ++ticket;
        const w = waitAsync(s.i32, s.index, s.value, ms, () => t === ticket);
        if (!w.async) {
          outcome = w.value;
          continue;
        }
        asleep = s;
        withdraw = w.withdraw;
        w.value.then(
          (v) => {
            if (t === ticket) run(v === 'timed-out' && end - now() > 0 ? 'ok' : v);
          },
          (error: unknown) => settle(false, error),
        );
        return;
      }
    };
    run('ok');
  });
}

/* ---------------------------------------------------------------------------------------------- */
/* Wake                                                                                            */

/**
 * Wakes up to `count` waiters (all by default) sleeping on `i32[index]`, blocking or async; returns
 * how many it woke.
 */
export function wake(i32: Int32Array, index: number, count = Number.POSITIVE_INFINITY): number {
  return Atomics.notify(i32, index, count);
}

/**
 * Test hook: forces a fallback for this thread's async waits, as on engines without
 * Atomics.waitAsync: 'helper' (helper workers, the default fallback) or 'poll'; false restores the
 * engine's Atomics.waitAsync where it has one.
 */
export function forceAsyncFallback(mode: AsyncFallback | false): void {
  if (mode === 'poll') waitAsync = pollWaitAsync;
  else if (mode === 'helper' || typeof nativeWaitAsync !== 'function') waitAsync = helperWaitAsync;
  else waitAsync = nativeWaitAsync.bind(Atomics);
}

/** Test hook: forces polling for this thread's async waits (the helpers' own fallback), or undoes it. */
export function forcePollingAsyncWaits(on: boolean): void {
  forceAsyncFallback(on ? 'poll' : false);
}

/** Test hook: how this thread's async waits sleep now: the engine's waitAsync, helper workers, or polling. */
export function asyncWaitMode(): 'native' | AsyncFallback {
  if (waitAsync === pollWaitAsync || (waitAsync === helperWaitAsync && helpersFailedHere())) return 'poll';
  return waitAsync === helperWaitAsync ? 'helper' : 'native';
}
