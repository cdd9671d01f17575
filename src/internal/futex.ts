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
 * registered, and rejects with signal.reason. Nothing of the aborted waiter is left in the queue.
 *
 * Keep-alive. Node does not keep a process alive for a pending Atomics.waitAsync; while any async
 * wait of this thread is pending, a ref'd interval timer does (one for all of them). Where timers
 * can be un-ref'd (Node, Bun) the timer is made once and only ref'd / un-ref'd around waits, which
 * costs far less than making and clearing a timer at every wait.
 *
 * Engines without Atomics.waitAsync (Firefox before 145, Safari before 16.4). later() then sleeps
 * through a helper worker that blocks in Atomics.wait on the word and posts back when it returns
 * (helperWaitAsync below), with the same semantics. Chosen by measuring the options on this project's
 * 2-core machine (test/runtimes/fallback-bench.mjs, test/browser/fallback-bench.mjs): median ms from
 * a partner's notify to the async waiter resuming, the partner answering at once / after 2 ms /
 * after 15 ms, and the CPU (% of a core) of one idle wait:
 *                                    Firefox 153 ESR, no waitAsync       Node 20, no waitAsync
 *   (native Atomics.waitAsync)       0.02 / 0.06 / 0.12    idle level    0.02 / 0.03 / 0.07   0.01
 *   timers, backing off 0 -> 4 ms    4.1  / 2.0  / 1.7     +5 to +8      1.1  / 0.1  / 0.3    2.0
 *   MessageChannel 1 ms, then timers 0.02 / 0.12 / 3.1     +1 to +4      0.02 / 0.07 / 0.9    1.8
 *   helper worker (chosen)           0.08 / 0.12 / 0.26    ~0            0.04 / 0.08 / 0.16   0.02
 * Browsers clamp nested timers to 4 ms, so polling costs milliseconds of latency and wakes the thread
 * 250 times a second while it waits; the helper costs two postMessages per sleep (about 0.1 ms) and
 * no CPU while waiting. Its costs: one worker per async wait pending at once on a thread (pooled,
 * at most MAX_HELPERS, ended after HELPER_IDLE_MS unused; Node: 7 MiB of RSS each), each started
 * on first need (Node: 60-100 ms, during which that wait also polls), and a page whose Content
 * Security Policy forbids blob: workers gets polling instead (pollWaitAsync).
 */

import { CannotBlockError, typeError } from '../errors.js';
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

export type Outcome = 'ok' | 'not-equal' | 'timed-out';

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
    throw new CannotBlockError(
      `${where} cannot block this thread (Atomics.wait is not allowed here, as on a browser's main thread): ${advice ?? `use ${where}Async() instead`}`,
    );
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
 * i32[index] up to the configured number of times while it still equals `value`. Returns true as
 * soon as it differs (the caller looks again, and usually need not register, allocate or sleep);
 * false if it did not change, or at once where this thread may not block. After false, the caller
 * passes `spun` to block() so that the spin is not run twice.
 */
export function spinWhile(i32: Int32Array, index: number, value: number): boolean {
  if (spinLimit === 0 || !canBlock()) return false;
  for (let i = 0; i < spinLimit; i++) {
    if (Atomics.load(i32, index) !== value) return true;
    pause(i);
  }
  return false;
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

type AsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<Outcome> };
type WaitAsyncFn = (
  i32: Int32Array,
  index: number,
  value: number,
  ms: number,
  live?: () => boolean,
) => AsyncResult;

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

/*
 * The helper fallback. A helper is a worker whose only job is to block in Atomics.wait on a word on
 * behalf of an async waiter of this thread, then post the outcome back. Helpers are pooled: one is
 * busy per pending async wait, returns to the pool when it answers, and is ended after HELPER_IDLE_MS
 * unused. Each request carries an absolute deadline (epoch ms, so that the helper's clock agrees),
 * so a helper that starts late does not stretch the timeout.
 *
 * Same semantics as Atomics.waitAsync: the helper's Atomics.wait compares and enqueues atomically,
 * so no wake-up is lost and it counts as one waiter for Atomics.notify(word, n), as a native async
 * waiter does. An abort notifies the word (later() does so for native waits too), which wakes the
 * helper; its answer is then ignored. If helpers cannot be made here (no Worker, a Content Security
 * Policy without worker-src blob:, or one fails), this thread polls instead, for good.
 */

/** The helper's code: a classic script for Web Workers, or eval'd by worker_threads. */
const HELPER_SOURCE = `
const wt = globalThis.process?.getBuiltinModule?.('node:worker_threads');
const answer = (r) => (wt?.parentPort ?? globalThis).postMessage(r);
const onRequest = ({ i32, index, value, until }) => {
  const ms = until === Infinity ? Infinity : until - (performance.timeOrigin + performance.now());
  answer(ms > 0 ? Atomics.wait(i32, index, value, ms) : 'timed-out');
};
if (wt?.parentPort) wt.parentPort.on('message', onRequest);
else globalThis.onmessage = (event) => onRequest(event.data);
answer('ready');
`;
const MAX_HELPERS = 16; // more concurrent async waits on one thread than this poll instead
const HELPER_IDLE_MS = 10_000;

interface Helper {
  ask(request: { i32: Int32Array; index: number; value: number; until: number }): void;
  end(): void;
  /** Settles the pending wait, if any. */
  settle: ((outcome: Outcome) => void) | undefined;
  /** Whether the worker has started (until then its waits poll as well). */
  ready: boolean;
  idleSince: number;
}

const idleHelpers: Helper[] = [];
let helperCount = 0;
let helpersFailed = false;
let sweepTimer: ReturnType<typeof setTimeout> | undefined;
let blobURL: string | undefined;

interface AnyWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
  unref?(): void;
  on?(event: string, listener: (value: unknown) => void): unknown;
  addEventListener?(event: string, listener: (event: { data?: unknown }) => void): void;
}

/** Starts a helper worker; undefined where this thread cannot make one. */
function makeHelper(): Helper | undefined {
  let worker: AnyWorker;
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const wt = proc?.getBuiltinModule?.('node:worker_threads') as
      | { Worker?: new (code: string, options: { eval: true }) => AnyWorker }
      | undefined;
    if (wt?.Worker !== undefined) {
      worker = new wt.Worker(HELPER_SOURCE, { eval: true });
    } else {
      const WebWorker = (globalThis as { Worker?: new (url: string) => AnyWorker }).Worker;
      if (WebWorker === undefined || typeof Blob !== 'function') return undefined;
      blobURL ??= URL.createObjectURL(new Blob([HELPER_SOURCE], { type: 'text/javascript' }));
      worker = new WebWorker(blobURL);
    }
  } catch {
    return undefined;
  }
  const helper: Helper = {
    ask: (request) => worker.postMessage(request),
    end: () => void worker.terminate(),
    settle: undefined,
    ready: false,
    idleSince: 0,
  };
  const onAnswer = (outcome: unknown): void => {
    if (outcome === 'ready') {
      helper.ready = true;
      return;
    }
    const settle = helper.settle;
    helper.settle = undefined;
    helper.idleSince = now();
    idleHelpers.push(helper);
    sweepLater();
    settle?.(outcome as Outcome);
  };
  const onFailure = (): void => {
    // It could not start (e.g. a Content Security Policy) or died: poll from now on.
    helpersFailed = true;
    helperCount--;
    const i = idleHelpers.indexOf(helper);
    if (i >= 0) idleHelpers.splice(i, 1);
    helper.end();
    const settle = helper.settle;
    helper.settle = undefined;
    settle?.('ok'); // a spurious wake-up: the protocol re-checks its word and waits again
  };
  if (worker.on !== undefined) {
    worker.on('message', onAnswer);
    worker.on('error', onFailure);
    // After the listeners, which would ref it again: a pending wait keeps the thread alive through
    // hold(), never through its helper.
    worker.unref?.();
  } else {
    worker.addEventListener?.('message', (event) => onAnswer(event.data));
    worker.addEventListener?.('error', onFailure);
  }
  helperCount++;
  return helper;
}

/** Ends helpers left idle for HELPER_IDLE_MS. */
function sweepLater(): void {
  if (sweepTimer !== undefined) return;
  const t = setTimeout(() => {
    sweepTimer = undefined;
    const old = now() - HELPER_IDLE_MS;
    for (let i = idleHelpers.length - 1; i >= 0; i--) {
      const h = idleHelpers[i] as Helper;
      if (h.idleSince <= old) {
        idleHelpers.splice(i, 1);
        helperCount--;
        h.end();
      }
    }
    if (idleHelpers.length > 0) sweepLater();
  }, HELPER_IDLE_MS);
  (t as { unref?: () => void }).unref?.();
  sweepTimer = t;
}

/** Fallback for engines without Atomics.waitAsync: a helper worker sleeps on the word for this thread. */
function helperWaitAsync(
  i32: Int32Array,
  index: number,
  value: number,
  ms: number,
  live?: () => boolean,
): AsyncResult {
  if (Atomics.load(i32, index) !== value) return { async: false, value: 'not-equal' };
  if (ms <= 0) return { async: false, value: 'timed-out' };
  const helper =
    idleHelpers.pop() ?? (helpersFailed || helperCount >= MAX_HELPERS ? undefined : makeHelper());
  if (helper === undefined) return pollWaitAsync(i32, index, value, ms, live);
  const until = ms === Number.POSITIVE_INFINITY ? ms : performance.timeOrigin + now() + ms;
  return {
    async: true,
    value: new Promise<Outcome>((resolve) => {
      let settled = false;
      const settle = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      helper.settle = settle;
      helper.ask({ i32, index, value, until });
      if (!helper.ready) {
        // A new helper takes tens of ms to start: poll meanwhile, so this wait is not slower than
        // polling. Whichever answers first settles it; a helper that answers later is simply idle.
        const polled = pollWaitAsync(i32, index, value, ms, () => !settled);
        if (polled.async) polled.value.then(settle);
        else settle(polled.value);
      }
    }),
  };
}

/**
 * The last resort, where no helper can be made: re-reads the word on timers, backing off from 0 to
 * 4 ms between reads. It sees only the word's current value, so a change undone before it looks
 * (A -> B -> A) is missed; in weft's protocols that happens only when another waiter took what was
 * released (a Lock re-taken, a permit taken), so the poller waits on for the next change: a delay,
 * never a lost wake-up, since every protocol changes its word before it notifies.
 */
function pollWaitAsync(
  i32: Int32Array,
  index: number,
  value: number,
  ms: number,
  live: () => boolean = () => true,
): AsyncResult {
  if (Atomics.load(i32, index) !== value) return { async: false, value: 'not-equal' };
  if (ms <= 0) return { async: false, value: 'timed-out' };
  const end = ms === Number.POSITIVE_INFINITY ? ms : now() + ms;
  return {
    async: true,
    value: new Promise<Outcome>((resolve) => {
      let delay = 0;
      const poll = (): void => {
        const left = end - now();
        if (!live() || Atomics.load(i32, index) !== value) resolve('ok');
        else if (left <= 0) resolve('timed-out');
        else {
          delay = Math.min(4, delay + 0.25);
          setTimeout(poll, Math.min(delay, left));
        }
      };
      setTimeout(poll, 0);
    }),
  };
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
    let ticket = 0; // numbers the pending waitAsync; a resolution with an old number is ignored

    const onAbort = (): void => {
      aborted = true;
      if (asleep === undefined) return;
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
  if (waitAsync === pollWaitAsync || (waitAsync === helperWaitAsync && helpersFailed)) return 'poll';
  return waitAsync === helperWaitAsync ? 'helper' : 'native';
}
