/*
 * Test helpers: real worker threads running fixture scenarios, a shared step log for order checks,
 * and a watchdog so that a hang fails with a message instead of stalling CI.
 *
 * A scenario is a named export of a module in test/fixtures/. runInWorker(module, name, args) starts
 * a worker (test/fixtures/worker.ts) that revives `args` (weft primitives arrive live), calls the
 * export, and posts back its result or error.
 */

import { after } from 'node:test';
import { isMainThread, Worker } from 'node:worker_threads';

const live = new Set<Worker>();
// Only in the test process: fixtures import this module inside workers, where a hook would start a
// second test harness.
if (isMainThread)
  after(async () => {
    await Promise.all([...live].map((w) => w.terminate()));
  });

/** A worker running one scenario; `result` settles with the scenario's return value or error. */
export interface Running<T = unknown> {
  worker: Worker;
  result: Promise<T>;
}

/** Starts `fixtures/<module>.js`'s export `name` in a new worker with `args`. */
export function runInWorker<T = unknown>(module: string, name: string, ...args: unknown[]): Running<T> {
  const worker = new Worker(new URL('./fixtures/worker.js', import.meta.url), {
    workerData: { module: new URL(`./fixtures/${module}.js`, import.meta.url).href, name, args },
  });
  live.add(worker);
  const result = new Promise<T>((resolve, reject) => {
    let settled = false;
    worker.on(
      'message',
      (m: { ok: boolean; value?: unknown; error?: { name: string; message: string; code?: string } }) => {
        settled = true;
        if (m.ok) resolve(m.value as T);
        else reject(Object.assign(new Error(m.error?.message), m.error));
      },
    );
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      live.delete(worker);
      if (!settled) reject(new Error(`worker ${module}.${name} exited (code ${code}) without a result`));
    });
  });
  return { worker, result };
}

/** Rejects with a message naming `what` if `promise` does not settle within `ms`. */
export async function watchdog<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`watchdog: ${what} did not finish within ${ms} ms (hang?)`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A log of steps in shared memory, for order checks across threads: log.push(n) appends atomically;
 * log.entries() reads what was written.
 */
export class StepLog {
  readonly i32: Int32Array;
  constructor(capacity = 1024) {
    this.i32 = new Int32Array(new SharedArrayBuffer((capacity + 1) * 4));
  }
  static push(i32: Int32Array, step: number): void {
    const at = Atomics.add(i32, 0, 1);
    Atomics.store(i32, at + 1, step);
  }
  push(step: number): void {
    StepLog.push(this.i32, step);
  }
  entries(): number[] {
    const n = Atomics.load(this.i32, 0);
    return Array.from(this.i32.subarray(1, n + 1));
  }
}

/** Resolves after `ms` (only to give other threads time; never as a synchronisation device). */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `predicate` every ms until true, or throws after `ms` naming `what`. */
export async function until(predicate: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out waiting until ${what}`);
    await delay(1);
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* Helpers of the Lock, RLock, Condition, Barrier, Thread and hold suites                          */

/** Asserts that a measured wait of `actual` ms was loosely `expected` ms: >= 0.6x and < 10x. */
export function assertTimeout(actual: number, expected: number, what = 'the wait'): void {
  if (!(actual >= expected * 0.6 && actual < expected * 10)) {
    throw new Error(`${what} took ${actual.toFixed(1)} ms, expected about ${expected} ms (0.6x .. 10x)`);
  }
}

/** Blocks the calling thread for `ms` (to stand for "busy elsewhere", never to order threads). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether `promise` is still pending once the event loop has turned (after timers of 0 ms). */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let pending = true;
  promise.then(
    () => {
      pending = false;
    },
    () => {
      pending = false;
    },
  );
  await delay(0);
  await new Promise((r) => setImmediate(r));
  return pending;
}

/** The error `promise` rejects with; throws if it fulfils. */
export async function rejectionOf(
  promise: Promise<unknown>,
): Promise<{ name?: string; code?: string; message?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name?: string; code?: string; message?: string };
  }
  throw new Error('expected a rejection, but the promise fulfilled');
}

/**
 * A one-word gate in shared memory built on raw Atomics (not on weft), for test choreography: the
 * main thread opens it, workers block until it is open.
 */
export class Gate {
  readonly i32 = new Int32Array(new SharedArrayBuffer(4));
  open(): void {
    Atomics.store(this.i32, 0, 1);
    Atomics.notify(this.i32, 0);
  }
  /** Blocks the calling thread until the gate in `i32` is open; throws after `ms`. */
  static pass(i32: Int32Array, ms = 20000): void {
    const end = performance.now() + ms;
    while (Atomics.load(i32, 0) === 0) {
      const left = end - performance.now();
      if (left <= 0) throw new Error(`Gate.pass: the gate was not opened within ${ms} ms`);
      Atomics.wait(i32, 0, 0, left);
    }
  }
}

/** Blocks the calling thread until `predicate()` holds, polling every ms; throws after `ms`. */
export function untilSync(predicate: () => boolean, what: string, ms = 20000): void {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out waiting until ${what}`);
    sleepSync(1);
  }
}

/** How many entries of `log` (a StepLog's Int32Array) equal `step`. */
export function countSteps(log: Int32Array, step: number): number {
  const n = Atomics.load(log, 0);
  let count = 0;
  for (let i = 1; i <= n; i++) if (Atomics.load(log, i) === step) count++;
  return count;
}

/* ---------------------------------------------------------------------------------------------- */
/* Helpers of the Event, Semaphore, Timer, sharing and wait-layer suites                           */

/**
 * Where a contract suite runs its waiters: 'blocking' in workers, 'async' on the main thread, or
 * 'mixed' (alternately), so that one set() / release() wakes both kinds.
 */
export type Mode = 'blocking' | 'async' | 'mixed';
export const MODES: readonly Mode[] = ['blocking', 'async', 'mixed'];

/** Where one waiter runs: blocking in a worker, or async on this thread. */
export type Side = 'blocking' | 'async';

/** The side of the `i`-th waiter in `mode`. */
export function sideOf(mode: Mode, i: number): Side {
  return mode === 'mixed' ? (i % 2 === 0 ? 'blocking' : 'async') : mode;
}

/**
 * Runs scenario `name` of `fixtures/<module>.js` on `side`: 'blocking' calls export `name` in a new
 * worker (runInWorker); 'async' calls its twin export `${name}Async` on this thread, with `args` as
 * they are (live).
 */
export async function runOn<T = unknown>(
  side: Side,
  module: string,
  name: string,
  ...args: unknown[]
): Promise<T> {
  if (side === 'blocking') return runInWorker<T>(module, name, ...args).result;
  const mod = (await import(new URL(`./fixtures/${module}.js`, import.meta.url).href)) as Record<
    string,
    (...a: unknown[]) => Promise<T>
  >;
  const fn = mod[`${name}Async`];
  if (typeof fn !== 'function') throw new Error(`fixture ${module} has no export ${name}Async`);
  return fn(...args);
}

/** What a child `node` process did. */
export interface ChildRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

/**
 * Runs `fixtures/<module>.js` as the entry module of a child `node` process, with `args` on its
 * command line. Kills it after `ms` (then `signal` is 'SIGKILL'). Never rejects for a failed child.
 */
export async function runNode(module: string, args: string[], ms = 20000): Promise<ChildRun> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL(`./fixtures/${module}.js`, import.meta.url));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}
