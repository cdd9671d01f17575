/*
 * Heap allocation per operation on the hot paths.
 *
 * Runs in a child host started with --expose-gc and a fixed 64 MiB young generation
 * (--min-semi-space-size / --max-semi-space-size), so that no scavenge can run inside a batch.
 * For each path: warm up (the JIT optimises the loop), then, ROUNDS times: gc(), read
 * v8.getHeapStatistics().used_heap_size, run BATCH operations, read it again. The same is done with
 * an empty loop; the medians' difference divided by BATCH is the allocation per operation. A path
 * that allocates nothing shows 0 (to within a few hundredths of a byte).
 * Two-thread paths (ping-pong) measure each side in its own thread, in batches of TRIPS round trips,
 * and add them up.
 */

import { getHeapStatistics } from 'node:v8';
import { type Competitor, type Metrics, median, type Part } from './common.js';
import { type Adapter, BYTES_OP, type Family, kernels, type Loop } from './scenario.js';

const BATCH = 20000;
const WARM = 3;
const ROUNDS = 7;
/** Round trips per batch in the two-thread paths (each one may sleep: ~50 µs without a spin). */
const TRIPS = 2000;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('allocation is measured only in a process started with --expose-gc');
  g();
}

const heap = (): number => getHeapStatistics().used_heap_size;

function empty(n: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) k += i & 1;
  return k;
}

/** Bytes allocated per call of one operation, `batch(n)` doing n of them. */
export function perOp(batch: (n: number) => void): number {
  for (let w = 0; w < WARM; w++) {
    batch(BATCH);
    empty(BATCH);
  }
  const used: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    gc();
    let h = heap();
    batch(BATCH);
    used.push(heap() - h);
    gc();
    h = heap();
    empty(BATCH);
    base.push(heap() - h);
  }
  return (median(used) - median(base)) / BATCH;
}

/* Two-thread paths: each side measures its own allocation around batches of round trips. */

/** Runs `rounds` of `side(n)` on this thread with gc() and heap readings around each. */
export function sideBytes(side: (n: number) => void): number {
  for (let w = 0; w < WARM; w++) side(TRIPS);
  const used: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    gc();
    const h = heap();
    side(TRIPS);
    used.push(heap() - h);
  }
  return (median(used) - baseline()) / TRIPS;
}

/** What the heap readings themselves allocate, around an empty loop of TRIPS. */
function baseline(): number {
  const base: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    gc();
    const h = heap();
    empty(TRIPS);
    base.push(heap() - h);
  }
  return median(base);
}

export async function sideBytesAsync(side: (n: number) => Promise<void>): Promise<number> {
  for (let w = 0; w < WARM; w++) await side(TRIPS);
  const used: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    gc();
    const h = heap();
    await side(TRIPS);
    used.push(heap() - h);
  }
  return (median(used) - baseline()) / TRIPS;
}

export const bytesPart = (bytes: number): Part => ({ ops: TRIPS, ms: 0, extra: { bytes } });

/* Families ------------------------------------------------------------------------------------ */

const PY_NA = 'CPython allocates objects on every call; its heap is not comparable';
const NOT_SHARED = 'message passing allocates a message per send by design';
const SPIN_SAME = 'the same code as weft / raw on this path';

function sumBytes(parts: Part[]): Metrics {
  let bytes = 0;
  for (const p of parts) bytes += p.extra?.bytes ?? 0;
  return { bytes };
}

/** Bytes per operation of `batch(x)(n)` (n operations) on one thread. */
export const perOpLoop =
  <T>(batch: (x: T) => (n: number) => void): Loop<T> =>
  (_role, _p, _ctl, x) => ({ ops: BATCH, ms: 0, extra: { bytes: perOp(batch(x)) } });

/**
 * An allocation family: scenario `id` ("alloc-..."), run in the --expose-gc host. Competitors not
 * given are n/a with the usual reasons; `roles` > 1 for a two-thread path (each side measures its
 * own bytes and they are added up, unless `combine` says otherwise).
 */
export function allocFamily<T>(
  id: string,
  what: string,
  loop: Loop<T>,
  adapters: Partial<Record<Competitor, Adapter<T> | string>>,
  options: { roles?: number; mainLeads?: boolean; combine?: (parts: Part[]) => Metrics } = {},
): Family {
  const roles = options.roles ?? 1;
  const f: Family = {
    kind: id,
    runs: 'alloc',
    roles: () => roles,
    combine: options.combine ?? sumBytes,
    impls: {
      'weft-nospin': SPIN_SAME,
      'raw-spin': SPIN_SAME,
      python: PY_NA,
      postmessage: NOT_SHARED,
      ...kernels(loop, adapters),
    },
    scenarios: [{ id, title: `Heap allocation: ${what}`, params: {}, metrics: [BYTES_OP] }],
  };
  if (options.mainLeads === true) f.mainLeads = true;
  return f;
}
