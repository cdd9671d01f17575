/*
 * What every benchmark thread shares: the control words that start and stop a sample, the clock,
 * a busy wait that stands for "the partner takes this long to answer", and per-thread CPU time.
 *
 * Control words (one small Int32Array per sample, made by the host):
 *   READY  threads that have arrived; the last one to arrive sets GO and wakes the others
 *   GO     0 until every thread of the sample has arrived
 *   STOP   set by the timekeeping thread (role 0) when the sample's duration has passed
 *   PHASE  set by role 0 when the warm-up is over and the measured part starts
 * Every thread of a sample calls arrive() before it starts, so that none measures a partner that
 * has not started yet.
 */

import { readFileSync } from 'node:fs';

export const READY = 0;
export const GO = 1;
export const STOP = 2;
export const PHASE = 3;
export const CONTROL_WORDS = 8;

/** The competitors, in the order the tables show them. */
export const COMPETITORS = [
  'weft',
  'weft-nospin',
  'raw',
  'raw-spin',
  'postmessage',
  'python',
  'multithreading',
  'v8-mutex',
] as const;
export type Competitor = (typeof COMPETITORS)[number];

export const LABELS: Record<Competitor, string> = {
  weft: 'weft',
  'weft-nospin': 'weft, spin 0',
  raw: 'raw Atomics',
  'raw-spin': 'raw Atomics + spin',
  postmessage: 'postMessage',
  python: 'Python threading',
  multithreading: 'npm multithreading',
  'v8-mutex': 'V8 Atomics.Mutex',
};

export const DESCRIPTIONS: Record<Competitor, string> = {
  weft: 'weft with its default bounded spin (configure({ spin: DEFAULT_SPIN }))',
  'weft-nospin': 'weft with spinning off (configure({ spin: 0 }))',
  raw: 'hand-written Atomics, no spin: flag event (store + notify), Drepper 3-state mutex, futex semaphore / barrier / condvar',
  'raw-spin':
    'the same hand-written Atomics with a bounded spin of 1000 loads before Atomics.wait, and notify only when a sleeper is registered',
  postmessage: 'MessagePort round trips (structured clone of a number)',
  python: 'CPython threading (Event, Lock, Semaphore, Barrier, Condition) in bench/python_bench.py',
  multithreading:
    'npm multithreading@0.3.52 sync classes (Mutex, Condvar, Semaphore, Barrier), loaded from its src/lib/sync/mod.js',
  'v8-mutex': 'V8 Atomics.Mutex / Atomics.Condition, in a child node process started with --harmony-struct',
};

/** Parameters of one sample; each scenario kind reads the fields it needs. */
export interface Params {
  /** How long the measured part of a sample lasts, in ms. */
  durationMs: number;
  /** Warm-up before the measured part, in ms. */
  warmupMs: number;
  delayUs?: number;
  workers?: number;
  permits?: number;
  parties?: number;
  capacity?: number;
  what?: string;
  count?: number;
  /** A long sample (run.ts's longMs): the fairness scenarios. */
  long?: boolean;
  /** Run the sample beside a CPU hog (a busy process, started and ended by run.ts). */
  hog?: boolean;
}

/** What one thread of a sample reports. */
export interface Part {
  /** Operations (round trips, increments, passes, items) done in the measured part. */
  ops: number;
  /** Length of the measured part on this thread, in ms. */
  ms: number;
  /** CPU time of this thread in the measured part, in ns (undefined where it cannot be read). */
  cpuNs?: number | undefined;
  /** Anything scenario-specific (a count to verify, bytes allocated). */
  extra?: Record<string, number>;
  /** A histogram (the fairness scenarios: waits per log-spaced bucket). */
  hist?: number[];
}

/** The metrics of one sample: name -> value, in the scenario's units. */
export type Metrics = Record<string, number>;

export const now = (): number => performance.now();

/** Atomics, typed with waitAsync (ES2024; Node 20 has it, this project's lib setting predates it). */
export const AtomicsAsync = Atomics as unknown as {
  waitAsync(
    i32: Int32Array,
    index: number,
    value: number,
    ms?: number,
  ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
};

/** Spins on the clock for `us` microseconds: the partner "takes this long to answer". */
export function busy(us: number): void {
  if (us <= 0) return;
  const end = performance.now() + us / 1000;
  while (performance.now() < end) {
    /* working */
  }
}

let schedstat: boolean | undefined;

/**
 * CPU time of the calling thread in ns, from /proc/thread-self/schedstat (Linux: time on a CPU, to
 * the nanosecond). Undefined elsewhere.
 */
export function threadCpuNs(): number | undefined {
  if (schedstat === false) return undefined;
  try {
    const text = readFileSync('/proc/thread-self/schedstat', 'latin1');
    schedstat = true;
    return Number(text.slice(0, text.indexOf(' ')));
  } catch {
    schedstat = false;
    return undefined;
  }
}

/** Arrives at the start line of a sample; blocks until all `threads` have arrived. */
export function arrive(ctl: Int32Array, threads: number): void {
  if (Atomics.add(ctl, READY, 1) === threads - 1) {
    Atomics.store(ctl, GO, 1);
    Atomics.notify(ctl, GO);
  }
  while (Atomics.load(ctl, GO) === 0) Atomics.wait(ctl, GO, 0);
}

/** arrive() for a thread that must not block (the main thread in async scenarios). */
export async function arriveAsync(ctl: Int32Array, threads: number): Promise<void> {
  if (Atomics.add(ctl, READY, 1) === threads - 1) {
    Atomics.store(ctl, GO, 1);
    Atomics.notify(ctl, GO);
  }
  while (Atomics.load(ctl, GO) === 0) {
    const r = AtomicsAsync.waitAsync(ctl, GO, 0);
    if (r.async) await r.value;
  }
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? (s[(n - 1) >> 1] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

/** CPU ns between two readings, or undefined if either is missing. */
export function cpuBetween(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : b - a;
}
