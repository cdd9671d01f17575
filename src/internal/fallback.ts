/*
 * Async waits where the engine has no Atomics.waitAsync (Firefox before 145, Safari before 16.4):
 * the fallbacks behind later() in futex.ts, which picks one of them per thread.
 *
 *   helperWaitAsync  a helper worker blocks in Atomics.wait on the word for this thread and posts
 *                    back the outcome (chosen; see the measurements below);
 *   pollWaitAsync    the last resort, where no helper can be made: re-reads the word on timers.
 *
 * Both have the shape of Atomics.waitAsync(i32, index, value, ms): { async: false, value } when the
 * answer is known at once, else { async: true, value: Promise<Outcome> }; and they add withdraw(),
 * which later() calls when the wait is abandoned (an abort) before it settles.
 *
 * Measured on this project's 2-core machine (test/runtimes/fallback-bench.mjs,
 * test/browser/fallback-bench.mjs): median ms from a partner's notify to the async waiter resuming,
 * the partner answering at once / after 2 ms / after 15 ms, and the CPU (% of a core) of one idle wait:
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
 * Security Policy forbids blob: workers gets polling instead.
 *
 * The helper. One request at a time per helper: { i32, index, value, until } ("sleep while
 * i32[index] === value, until the epoch-ms deadline until", an absolute deadline so that a helper
 * that starts late does not stretch the timeout). Its answer is Atomics.wait's outcome. A helper is
 * busy from the request until its answer arrives here, then idle in the pool.
 *
 * A request can outlive its wait: the wait may be settled by the poll that runs while a new helper
 * starts (the helper still runs the request tens of ms later, when the word has often come back to
 * `value`: a Lock's STATE back at 2, a Semaphore's COUNT back at 0), or abandoned by an abort, whose
 * Atomics.notify(word) may come before the helper reaches Atomics.wait. Such a helper sleeps in the
 * word's queue for nobody, and would swallow a notify(word, 1) meant for a real waiter: a Lock left
 * unlocked with a waiter asleep, a Condition's notify(1) lost. So each helper has a control word of
 * its own, CONTROL (a 4-byte SharedArrayBuffer posted once at start):
 *   IDLE       no request
 *   ASKED      this thread stored it before posting a request
 *   ANSWERED   the helper took the request's outcome as its own: CAS ASKED -> ANSWERED after
 *              Atomics.wait returned
 *   WITHDRAWN  this thread gave the request up: CAS ASKED -> WITHDRAWN, when the interim poll
 *              settled the wait or later() abandoned it (withdraw, called BEFORE later()'s abort
 *              notifies the word)
 * Exactly one of the two CASes succeeds per request, so the outcome of a request is owned either by
 * the wait (ANSWERED: the wait settles with the helper's outcome, and if the poll got there first,
 * it waits for that outcome rather than reporting its own) or by nobody (WITHDRAWN). The helper:
 *   1. reads CONTROL right before Atomics.wait: WITHDRAWN -> it does not wait at all;
 *   2. after Atomics.wait, CAS ASKED -> ANSWERED; if that fails (WITHDRAWN) and the outcome was
 *      'ok', the helper may have taken a wake-up meant for another waiter of the word: it passes it
 *      on, Atomics.notify(word, 1).
 * Why no wake-up is lost. A notify(word, 1) can be taken by a helper only while it sleeps in the
 * word's queue. If its request is still ASKED when it wakes, the wait it serves owns the outcome and
 * is resumed with 'ok' and re-checks its word, exactly as a native async waiter that was woken (one
 * waiter, one wake-up). If the request was WITHDRAWN, the helper passes the wake-up on in step 2;
 * whoever it wakes re-checks its word. The window between step 1 and the enqueue (the withdrawal
 * and later()'s notify landing in it) leaves a helper asleep for nobody, but by step 2 it only
 * delays the next wake-up of the word by one hand-over, never loses it. An extra wake-up is harmless
 * in every weft protocol (each re-checks its word, futex.ts "Outcomes"); a lost one is not.
 * Modelled in test/spin/futex.pml (-DHELPER: the helper as a process of its own, with lock.pml and
 * condition.pml), which also refutes the helper without CONTROL, and without the pass-on.
 * Cost: a withdrawn request whose helper slipped into that window keeps the helper busy until the
 * next notify of the word or the request's deadline.
 *
 * The interim poll. While a new helper starts, the wait also polls (pollWaitAsync), stopping as soon
 * as the wait is settled or withdrawn, or later() no longer wants it (`live`): a poll that outlived
 * an aborted wait would re-arm its timer until the word changed, and keep a Node process alive.
 */

import { now } from './timeout.js';

/** What an async wait reports: as Atomics.waitAsync's result values. */
export type Outcome = 'ok' | 'not-equal' | 'timed-out';

/** The result of an async wait request, as Atomics.waitAsync's, with a way to give it up. */
export type AsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | {
      async: true;
      value: Promise<Outcome>;
      /**
       * Gives the wait up before it settled (called before the word is notified); its Promise may
       * then settle or not, and is ignored. Missing for Atomics.waitAsync, which cannot withdraw.
       */
      withdraw?: () => void;
    };

/** Atomics.waitAsync's shape; `live` says whether the caller still wants the answer. */
export type WaitAsyncFn = (
  i32: Int32Array,
  index: number,
  value: number,
  ms: number,
  live?: () => boolean,
) => AsyncResult;

/** The answer known without waiting, as Atomics.waitAsync gives it: the word differs, or no time is left. */
function atOnce(i32: Int32Array, index: number, value: number, ms: number): AsyncResult | undefined {
  if (Atomics.load(i32, index) !== value) return { async: false, value: 'not-equal' };
  if (ms <= 0) return { async: false, value: 'timed-out' };
  return undefined;
}

/* ---------------------------------------------------------------------------------------------- */
/* Helper workers                                                                                  */

const IDLE = 0; // no request
const ASKED = 1; // a request posted, its outcome owned by nobody yet
const ANSWERED = 2; // the helper owns the outcome: the wait settles with it
const WITHDRAWN = 3; // this thread gave the request up: a helper woken by a notify passes it on
const CONTROL = 0; // the helper's control word, in its own 4-byte SharedArrayBuffer

/** The helper's code: a classic script for Web Workers, or eval'd by worker_threads. */
const HELPER_SOURCE = `
const wt = globalThis.process?.getBuiltinModule?.('node:worker_threads');
const answer = (r) => (wt?.parentPort ?? globalThis).postMessage(r);
let control;
const onRequest = (m) => {
  if (m.control !== undefined) {
    control = m.control;
    return;
  }
  const { i32, index, value, until } = m;
  let outcome = 'withdrawn';
  if (Atomics.load(control, ${CONTROL}) === ${ASKED}) {
    const ms = until === Infinity ? Infinity : until - (performance.timeOrigin + performance.now());
    outcome = ms > 0 ? Atomics.wait(i32, index, value, ms) : 'timed-out';
  }
  if (Atomics.compareExchange(control, ${CONTROL}, ${ASKED}, ${ANSWERED}) !== ${ASKED} && outcome === 'ok') {
    Atomics.notify(i32, index, 1); // withdrawn: pass on the wake-up this wait may have taken
  }
  answer(outcome);
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
  /** CONTROL, shared with the worker. */
  control: Int32Array;
  /** Settles the pending wait with the helper's outcome, if any. */
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
let startedSinceEnd = 0; // for the test hooks: helpers started since endIdleHelpers()

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
  const control = new Int32Array(new SharedArrayBuffer(4));
  worker.postMessage({ control });
  const helper: Helper = {
    ask: (request) => worker.postMessage(request),
    end: () => void worker.terminate(),
    control,
    settle: undefined,
    ready: false,
    idleSince: 0,
  };
  const onAnswer = (outcome: unknown): void => {
    if (outcome === 'ready') {
      helper.ready = true;
      startedSinceEnd++;
      return;
    }
    const settle = helper.settle;
    helper.settle = undefined;
    Atomics.store(control, CONTROL, IDLE);
    helper.idleSince = now();
    idleHelpers.push(helper);
    sweepLater();
    if (outcome !== 'withdrawn') settle?.(outcome as Outcome);
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
    // later()'s keep-alive, never through its helper.
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
export function helperWaitAsync(
  ...[i32, index, value, ms, live = () => true]: Parameters<WaitAsyncFn>
): AsyncResult {
  const known = atOnce(i32, index, value, ms);
  if (known !== undefined) return known;
  const helper =
    idleHelpers.pop() ?? (helpersFailed || helperCount >= MAX_HELPERS ? undefined : makeHelper());
  if (helper === undefined) return pollWaitAsync(i32, index, value, ms, live);
  const until = ms === Number.POSITIVE_INFINITY ? ms : performance.timeOrigin + now() + ms;
  let settled = false;
  let resolve: (outcome: Outcome) => void = () => {};
  const value$ = new Promise<Outcome>((r) => {
    resolve = r;
  });
  const settle = (outcome: Outcome): void => {
    if (settled) return;
    settled = true;
    resolve(outcome);
  };
  /** CAS ASKED -> WITHDRAWN: true if the request's outcome now belongs to nobody. */
  const withdraw = (): boolean =>
    Atomics.compareExchange(helper.control, CONTROL, ASKED, WITHDRAWN) === ASKED;
  helper.settle = settle;
  Atomics.store(helper.control, CONTROL, ASKED);
  helper.ask({ i32, index, value, until });
  if (!helper.ready) {
    // A new helper takes tens of ms to start: poll meanwhile, so this wait is not slower than
    // polling. If the poll answers first it withdraws the request; if the helper has already
    // taken the outcome (ANSWERED), the wait settles with the helper's answer, on its way.
    const polled = pollWaitAsync(i32, index, value, ms, () => !settled && live());
    const onPolled = (outcome: Outcome): void => {
      if (!settled && withdraw()) settle(outcome);
    };
    if (polled.async) void polled.value.then(onPolled);
    else onPolled(polled.value);
  }
  return {
    async: true,
    value: value$,
    withdraw: () => {
      // Once settled, the helper may already serve another wait: its CONTROL is not ours.
      if (settled) return;
      withdraw();
      settle('ok'); // ignored by the caller; stops the interim poll
    },
  };
}

/* ---------------------------------------------------------------------------------------------- */
/* Polling                                                                                         */

/**
 * The last resort, where no helper can be made: re-reads the word on timers, backing off from 0 to
 * 4 ms between reads, and stops as soon as `live()` is false. It sees only the word's current
 * value, so a change undone before it looks (A -> B -> A) is missed; in weft's protocols that
 * happens only when another waiter took what was released (a Lock re-taken, a permit taken), so the
 * poller waits on for the next change: a delay, never a lost wake-up, since every protocol changes
 * its word before it notifies. A poller is in no queue, so it can swallow no notify.
 */
export function pollWaitAsync(
  ...[i32, index, value, ms, live = () => true]: Parameters<WaitAsyncFn>
): AsyncResult {
  const known = atOnce(i32, index, value, ms);
  if (known !== undefined) return known;
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

/** Whether helper workers could not be made on this thread (it polls instead, for good). */
export function helpersFailedHere(): boolean {
  return helpersFailed;
}

/**
 * Test hook: ends this thread's idle helpers, so that the next async wait starts a new one (and
 * polls while it starts). Returns how many helpers are still busy.
 */
export function endIdleHelpers(): number {
  startedSinceEnd = 0;
  for (const h of idleHelpers.splice(0)) {
    helperCount--;
    h.end();
  }
  return helperCount;
}

/**
 * Test hook: how many helpers this thread has, how many of them are idle, and how many helpers
 * have started since the last endIdleHelpers().
 */
export function helperCounts(): { helpers: number; idle: number; started: number } {
  return { helpers: helperCount, idle: idleHelpers.length, started: startedSinceEnd };
}
