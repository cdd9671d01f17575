/*
 * Timekeeping of the threads of a sample (Meter), and the loops that several families share:
 * batches of uncontended operations (opsLoop).
 */

import {
  arrive,
  cpuBetween,
  type Metrics,
  now,
  type Params,
  type Part,
  PHASE,
  STOP,
  threadCpuNs,
} from './common.js';
import { role0 } from './scenario.js';

/* Timekeeping ----------------------------------------------------------------------------------- */

/**
 * Timekeeping of one thread in a sample. Role 0 (the leader) runs a warm-up of p.warmupMs, then
 * sets PHASE and measures for p.durationMs, then sets STOP. The other roles (followers) start
 * measuring when they see PHASE and stop when they see STOP. tick(n) is called with the operations
 * done so far and returns true when the thread must stop.
 */
export class Meter {
  readonly #ctl: Int32Array;
  readonly #leader: boolean;
  readonly #p: Params;
  #warmEnd = 0;
  #end = 0;
  measuring = false;
  n0 = 0;
  n1 = 0;
  t0 = 0;
  t1 = 0;
  c0: number | undefined;
  c1: number | undefined;

  constructor(ctl: Int32Array, p: Params, leader: boolean) {
    this.#ctl = ctl;
    this.#p = p;
    this.#leader = leader;
  }

  /** Starts the warm-up (call right after arrive()). */
  start(): void {
    this.#warmEnd = now() + this.#p.warmupMs;
  }

  tick(n: number): boolean {
    if (this.#leader) {
      const t = now();
      if (!this.measuring) {
        if (t >= this.#warmEnd) {
          this.begin(n, t);
          this.#end = t + this.#p.durationMs;
          Atomics.store(this.#ctl, PHASE, 1);
        }
        return false;
      }
      if (t < this.#end) return false;
      this.finish(n, t);
      Atomics.store(this.#ctl, STOP, 1);
      return true;
    }
    if (!this.measuring && Atomics.load(this.#ctl, PHASE) !== 0) this.begin(n, now());
    if (Atomics.load(this.#ctl, STOP) === 0) return false;
    if (!this.measuring) this.begin(n, now());
    this.finish(n, now());
    return true;
  }

  /** For a leader that stops by other means (the barrier): true once the duration has passed. */
  timeUp(n: number): boolean {
    const t = now();
    if (!this.measuring) {
      if (t >= this.#warmEnd) {
        this.begin(n, t);
        this.#end = t + this.#p.durationMs;
        Atomics.store(this.#ctl, PHASE, 1);
      }
      return false;
    }
    return t >= this.#end;
  }

  begin(n: number, t: number): void {
    this.measuring = true;
    this.n0 = n;
    this.t0 = t;
    this.c0 = threadCpuNs();
  }

  finish(n: number, t: number): void {
    this.n1 = n;
    this.t1 = t;
    this.c1 = threadCpuNs();
  }

  part(extra?: Record<string, number>): Part {
    const p: Part = { ops: this.n1 - this.n0, ms: this.t1 - this.t0, cpuNs: cpuBetween(this.c0, this.c1) };
    if (extra !== undefined) p.extra = extra;
    return p;
  }
}

/* Uncontended operations: one thread, batches of BATCH operations, ns per operation. */

export const BATCH = 1024;

export function opsMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  return { ns: (a.ms * 1e6) / a.ops };
}

/** Runs `batch` (which does BATCH operations) until the sample is over. */
export function opsLoop(ctl: Int32Array, p: Params, batch: () => number): Part {
  const m = new Meter(ctl, p, true);
  arrive(ctl, 1);
  m.start();
  let n = 0;
  let sink = 0;
  for (;;) {
    sink += batch();
    n += BATCH;
    if (m.tick(n)) break;
  }
  return m.part({ sink });
}
