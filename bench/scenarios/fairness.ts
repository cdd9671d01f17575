/*
 * Fairness and scale: `workers` threads (2, 4, 8, and 16 on a 2-core machine: oversubscribed) each
 * take one lock again and again, with a short critical section (a counter increment), for the
 * sample's time, all released at once by the start gate (common.ts arrive()). Optionally beside a
 * CPU hog (params.hog: run.ts starts a busy process for the sample).
 *
 * Each thread times every acquisition (the clock before it asks, and again inside the section) into
 * a histogram of log-spaced buckets (HIST_PER_OCTAVE per doubling of ns) and keeps its maximum. The
 * metrics:
 *   mops    acquisitions per second over all threads (millions)
 *   jain    Jain's fairness index of the per-thread acquisition counts, (Σx)² / (n·Σx²): 1 when
 *           every thread got the same share, 1/n when one got everything
 *   minShare  the smallest thread's count over the mean (1 is fair)
 *   p99Us   the 99th percentile of the single-acquire waits, in µs (from the merged histograms)
 *   maxMs   the longest single acquire of any thread, in ms
 * Python's kernel (python_bench.py, same kind) fills the same histogram.
 */

import { arrive, type Metrics, now, type Params, type Part, PHASE, STOP } from '../common.js';
import { Meter } from '../meter.js';
import { type Family, kernels, type Metric, NOT_SHARED, PY, role0 } from '../scenario.js';
import {
  type Counted,
  checkCount,
  counted,
  type Mutex,
  RAW_SPIN,
  rawLock,
  v8Lock,
  weftLock,
} from './lock.js';

export const HIST_PER_OCTAVE = 4;
export const HIST_BUCKETS = 40 * HIST_PER_OCTAVE; // up to 2^40 ns, ~18 minutes

/** The bucket of a wait of `ns` nanoseconds: floor(log2(ns) * HIST_PER_OCTAVE), 0 below 1 ns. */
export function bucketOf(ns: number): number {
  if (ns < 1) return 0;
  const b = Math.floor(Math.log2(ns) * HIST_PER_OCTAVE);
  return b < HIST_BUCKETS ? b : HIST_BUCKETS - 1;
}

/** The upper edge of bucket b, in ns. */
const edgeNs = (b: number): number => 2 ** ((b + 1) / HIST_PER_OCTAVE);

/** Acquisitions between two looks at the clock (the leader) or the STOP word (the others). */
const TICK = 8;

function fairLoop(
  role: number,
  p: Params,
  ctl: Int32Array,
  { m, counter: c }: { m: Mutex; counter: Int32Array },
): Part {
  const hist = new Array<number>(HIST_BUCKETS).fill(0);
  const meter = new Meter(ctl, p, role === 0);
  let inside = 0;
  let counting = false;
  // Inside the section, so that every thread counts the acquisitions of the same window: those
  // between PHASE and STOP, in the lock's own order.
  const body = (): void => {
    inside = now();
    counting = Atomics.load(ctl, PHASE) !== 0 && Atomics.load(ctl, STOP) === 0;
    c[0] = (c[0] as number) + 1;
  };
  let maxMs = 0;
  let counted = 0;
  arrive(ctl, p.workers ?? 2);
  meter.start();
  let n = 0;
  for (;;) {
    for (let k = 0; k < TICK; k++) {
      const asked = now();
      m.locked(body);
      if (counting) {
        const waited = inside - asked;
        const b = bucketOf(waited * 1e6);
        hist[b] = (hist[b] as number) + 1;
        if (waited > maxMs) maxMs = waited;
        counted++;
      }
    }
    n += TICK;
    if (meter.tick(n)) break;
  }
  const part = meter.part({ total: n, maxMs });
  part.ops = counted;
  part.hist = hist;
  return part;
}

/** Jain's index, the smallest share, p99 and max of the parts of one sample, and the throughput. */
export function fairMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  const counts = parts.map((x) => x.ops);
  const sum = counts.reduce((s, x) => s + x, 0);
  const squares = counts.reduce((s, x) => s + x * x, 0);
  const hist = new Array<number>(HIST_BUCKETS).fill(0);
  let maxMs = 0;
  for (const x of parts) {
    x.hist?.forEach((v, b) => {
      hist[b] = (hist[b] as number) + v;
    });
    maxMs = Math.max(maxMs, x.extra?.maxMs ?? 0);
  }
  const total = hist.reduce((s, x) => s + x, 0);
  let seen = 0;
  let p99 = Number.NaN;
  for (let b = 0; b < HIST_BUCKETS; b++) {
    seen += hist[b] as number;
    if (seen >= 0.99 * total) {
      p99 = edgeNs(b) / 1000;
      break;
    }
  }
  return {
    mops: sum / a.ms / 1000,
    jain: (sum * sum) / (counts.length * squares),
    minShare: Math.min(...counts) / (sum / counts.length),
    p99Us: p99,
    maxMs,
  };
}

const MOPS: Metric = { key: 'mops', label: 'million acquisitions per second', better: 'higher' };
const JAIN: Metric = { key: 'jain', label: "Jain's index of per-worker shares", better: 'higher' };
const MIN_SHARE: Metric = { key: 'minShare', label: 'smallest share / mean share', better: 'higher' };
const P99: Metric = { key: 'p99Us', label: 'p99 single-acquire wait (µs)', better: 'lower' };
const MAX: Metric = { key: 'maxMs', label: 'longest single acquire (ms)', better: 'lower' };

export const FAIR_WORKERS = [2, 4, 8, 16];
export const HOG_WORKERS = [4, 8, 16];

const fairness: Family = {
  kind: 'fairness',
  roles: (p) => p.workers ?? 2,
  combine(parts, _p, shared) {
    checkCount(parts, (shared as Counted).counter);
    return fairMetrics(parts);
  },
  impls: {
    ...kernels(fairLoop, {
      weft: counted(weftLock),
      'weft-nospin': counted(weftLock),
      raw: counted(rawLock(0)),
      'raw-spin': counted(rawLock(RAW_SPIN)),
      'v8-mutex': counted(v8Lock),
    }),
    postmessage: NOT_SHARED,
    python: PY,
    multithreading: 'left out: its lock is ~60x slower than the others (see the contended Lock rows)',
  },
  scenarios: [
    ...FAIR_WORKERS.map((w) => ({
      id: `fairness-${w}w`,
      title: `Fairness: ${w} workers take one Lock for a fixed time (short critical section)`,
      params: { workers: w, long: true },
      metrics: [MOPS, JAIN, MIN_SHARE, P99, MAX],
    })),
    ...HOG_WORKERS.map((w) => ({
      id: `fairness-hog-${w}w`,
      title: `Fairness beside a CPU hog: ${w} workers take one Lock for a fixed time`,
      params: { workers: w, long: true, hog: true },
      metrics: [MOPS, JAIN, MIN_SHARE, P99, MAX],
    })),
  ],
};

export const FAIRNESS: Family[] = [fairness];
