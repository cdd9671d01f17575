/*
 * What the demo's main thread (demo.ts) and its workers (demo-worker.ts) share: the settings, the
 * layout of the plain shared memory next to the weft primitives, a clock that agrees across threads,
 * and the hand-off latency samples.
 */

import type { Barrier, Event, Lock, Queue, RLock, Semaphore } from 'weft-threading';

/** How big each phase is. `--quick` makes a short run (for tests). */
export interface Settings {
  /** Phase 1: jobs per worker, each holding a Semaphore slot for `jobMs` of busy work. */
  jobs: number;
  jobMs: number;
  /** Phase 2: increments of the shared counter per worker, each under the Lock (and as many without). */
  increments: number;
  /** Phase 3: items the main thread puts in the Queue; each takes a consumer `itemUs` of work. */
  items: number;
  itemUs: number;
  /** Phase 4: the Timer's deadline; worker i's task takes `tasks[i] * deadlineMs`. */
  deadlineMs: number;
  tasks: number[];
  /** Whether stdout is a terminal (the progress line is then rewritten in place). */
  tty: boolean;
  /** The demo's time zero, as `performance.timeOrigin + performance.now()` on the main thread. */
  epoch: number;
}

export const WORKERS = 4;
export const SLOTS = 2;
export const QUEUE_CAPACITY = 64;

/** Everything a worker receives (the weft primitives arrive live: Thread revives its args). */
export interface Shared {
  settings: Settings;
  ready: Semaphore; // each worker releases one permit once it is up
  start: Event; // the start signal
  slots: Semaphore; // Semaphore(SLOTS): how many jobs may run at once
  lock: Lock; // guards counter[0]
  queue: Queue<number>; // Queue(QUEUE_CAPACITY): main puts, the workers get
  rlock: RLock; // guards the consumers' tally, taken re-entrantly
  barrier: Barrier; // between phases: the 4 workers and the main thread
  stop: Event; // set by the Timer: stragglers give up
  counter: Int32Array; // [0]: the plain counter that the Lock guards; [1]: the same, unguarded
  ints: Int32Array; // the words named in I
  stamps: Float64Array; // the times named in T, in ms since the epoch
  samples: Float64Array; // hand-off latencies in µs: metric m keeps its latest SAMPLES in [m*SAMPLES, ...)
}

/** Words of `ints`. Counters the progress line reads use Atomics; the rest are guarded by a lock. */
export const I = {
  PHASE: 0, // 1..4, moved on by the Barrier's action
  ACTIVE: 1, // workers inside a Semaphore slot now
  MAX_ACTIVE: 2, // the most ever seen at once
  JOBS: 3, // phase 1 jobs done
  CONSUMED: 7, // items tallied (under the RLock)
  SUM: 8, // sum of the items tallied (under the RLock)
  NESTED: 9, // re-entrant RLock acquires (under the RLock)
  PASSES: 10, // Barrier passes (by the action)
  ACTION_BY: 11, // ACTION_BY + pass: which thread ran the action (0 main, 1..4 worker-i)
  OUTCOME: 15, // OUTCOME + worker: 1 finished its phase-4 task, 2 stopped by the Timer
  COUNT: 20, // SAMPLE_COUNT + metric: how many samples were taken
} as const;
export const INTS = I.COUNT + 16;

/** Times in `stamps` (ms since the epoch), written just before the hand-off they time. */
export const T = {
  START: 0, // start.set()
  SLOT_FREED: 1, // the last slots.release()
  LOCK_FREED: 2, // the last lock.release()
  BARRIER: 3, // the barrier's action ran (the last party arrived)
  PUT: 4, // the main thread's latest put into the Queue
  GOT: 5, // a worker's latest get from the Queue
  STOP: 6, // the Timer fired and set `stop`
  PHASE_START: 7, // PHASE_START + phase: when that phase began
} as const;
export const STAMPS = T.PHASE_START + 5;

/** Hand-offs timed, in the order of the summary table. */
export const METRICS = [
  'Event.set → worker wakes (start signal)',
  'Semaphore.release → waiting worker acquires',
  'Lock.release → waiting worker acquires',
  'Barrier: last arrival → worker released',
  'Barrier: last arrival → main released (async)',
  'Queue.putAsync (main) → sleeping worker gets it',
  'Queue.get (worker) → waiting main puts (async)',
  'Timer sets stop → straggler stops',
] as const;
export const M = {
  START: 0,
  SLOT: 1,
  LOCK: 2,
  BARRIER_WORKER: 3,
  BARRIER_MAIN: 4,
  GOT: 5,
  PUT: 6,
  STOP: 7,
} as const;
export const SAMPLES = 4096;

export const PHASES = [
  '',
  'Semaphore(2): 4 workers take turns on 2 slots',
  'Lock: 4 workers increment one plain counter',
  'Queue: main puts items (async), workers get them; an RLock guards their tally',
  'Timer: at the deadline it sets the stop Event, and the stragglers give up',
] as const;

/** Makes the shared memory and the primitives. */
export function allocate(make: Omit<Shared, 'counter' | 'ints' | 'stamps' | 'samples'>): Shared {
  const shared = (n: number, bytes: number) => new SharedArrayBuffer(n * bytes);
  return {
    ...make,
    counter: new Int32Array(shared(2, 4)),
    ints: new Int32Array(shared(INTS, 4)),
    stamps: new Float64Array(shared(STAMPS, 8)),
    samples: new Float64Array(shared(METRICS.length * SAMPLES, 8)),
  };
}

/**
 * A clock in ms since the demo's epoch that agrees across threads. Each thread's performance.now()
 * counts from its own timeOrigin, so add the origin; subtract the epoch to keep µs precision.
 */
export function clock(epoch: number): () => number {
  const offset = performance.timeOrigin - epoch;
  return () => offset + performance.now();
}

/** Records one latency sample, in µs, of a metric (keeping the latest SAMPLES). */
export function record(shared: Shared, metric: number, us: number): void {
  const n = Atomics.add(shared.ints, I.COUNT + metric, 1);
  shared.samples[metric * SAMPLES + (n % SAMPLES)] = us;
}

/** The samples kept of a metric, sorted, and how many were taken in all. */
export function samplesOf(shared: Shared, metric: number): { kept: number[]; taken: number } {
  const taken = Atomics.load(shared.ints, I.COUNT + metric);
  const start = metric * SAMPLES;
  const kept = Array.from(shared.samples.subarray(start, start + Math.min(taken, SAMPLES)));
  return { kept: kept.sort((a, b) => a - b), taken };
}

/**
 * The Barrier's action, run by whichever thread arrives last, before anyone is released: moves the
 * phase on and notes who ran it (`by`: 0 for main, i for worker-i). The main thread prints the line.
 */
export function passed(shared: Shared, by: number, now: () => number): void {
  const { ints, stamps } = shared;
  const pass = ++ints[I.PASSES]!;
  ints[I.ACTION_BY + pass] = by;
  Atomics.store(ints, I.PHASE, pass + 1);
  stamps[T.PHASE_START + pass + 1] = stamps[T.BARRIER] = now(); // the others are released after this
}

/** The line printed when a phase begins. */
export function phaseLine(phase: number, note: string): string {
  return `── phase ${phase}/4  ${PHASES[phase]}  [${note}]`;
}

/** Spins for `ms`: stands for real CPU work. */
export function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
