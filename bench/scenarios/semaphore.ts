/*
 * Semaphore scenarios: uncontended acquire + release of a Semaphore(1), hand-offs of a
 * Semaphore(permits) among `workers` threads (each checks that at most `permits` are inside), and
 * the heap allocation of the uncontended path. A semaphore is used as a Mutex (scenarios/lock.ts):
 * `locked(body)` acquires one permit, runs body, releases it.
 */

import { Semaphore } from 'weft-threading';
import { allocFamily, perOpLoop } from '../allocation.js';
import type { Params, Part } from '../common.js';
import { BATCH, opsLoop, opsMetrics } from '../meter.js';
import { mt, mtBuffers } from '../peers.js';
import * as raw from '../raw.js';
import {
  type Adapter,
  type Family,
  kernels,
  MOPS,
  NOT_SHARED,
  NS,
  PY,
  SAME_AS_RAW,
  SAME_AS_WEFT,
  throughput,
} from '../scenario.js';
import { contended, counted, type Mutex, RAW_SPIN, sections } from './lock.js';

const permitsOf = (p: Params): number => p.permits ?? 1;

const weftSem: Adapter<Mutex> = {
  make: (p) => new Semaphore(permitsOf(p)),
  open(s) {
    const sem = Semaphore.from(s);
    return {
      locked(body) {
        sem.acquire();
        body();
        sem.release();
      },
    };
  },
};

/** A futex semaphore, [COUNT, SLEEPERS] (raw.ts), spinning `spin` loads before it sleeps. */
const rawSem = (spin: number): Adapter<Mutex> => ({
  make(p) {
    const i32 = new Int32Array(new SharedArrayBuffer(8));
    i32[0] = permitsOf(p);
    return i32;
  },
  open(s) {
    const w = s as Int32Array;
    return {
      locked(body) {
        raw.semAcquire(w, 0, spin);
        body();
        raw.semRelease(w, 0);
      },
    };
  },
});

const mtSem: Adapter<Mutex> = {
  make: (p) => mtBuffers.semaphore(permitsOf(p)),
  open(s) {
    const sem = new (mt().Semaphore)(0, s as SharedArrayBuffer);
    return {
      locked(body) {
        const g = sem.blockingAcquire();
        body();
        g.dispose();
      },
    };
  },
};

const NO_SEMAPHORE = 'V8 has no semaphore';

const semOps: Family = {
  kind: 'sem-ops',
  roles: () => 1,
  combine: opsMetrics,
  impls: {
    ...kernels(
      (_r, p, ctl, m: Mutex) => {
        const batch = sections(m);
        return opsLoop(ctl, p, () => batch(BATCH));
      },
      { weft: weftSem, raw: rawSem(0), multithreading: mtSem },
    ),
    'weft-nospin': SAME_AS_WEFT,
    'raw-spin': SAME_AS_RAW,
    postmessage: NOT_SHARED,
    python: PY,
    'v8-mutex': NO_SEMAPHORE,
  },
  scenarios: [
    {
      id: 'sem-ops',
      title: 'Semaphore acquire + release, uncontended',
      params: {},
      metrics: [NS],
      chart: true,
    },
  ],
};

/* Hand-offs: counter word INSIDE counts the threads inside; OVER counts the times it passed permits. */

const INSIDE = 0;
const OVER = 1;

const handoffs: Family = {
  kind: 'semaphore',
  roles: (p) => p.workers ?? 4,
  combine(parts: Part[], _p, shared) {
    const c = (shared as { counter: Int32Array }).counter;
    if (c[OVER] !== 0) throw new Error(`semaphore over-granted ${c[OVER]} times`);
    return throughput(parts);
  },
  impls: {
    ...kernels(
      (role, p, ctl, { m, counter: c }) => {
        const permits = permitsOf(p);
        return contended(p, ctl, role, p.workers ?? 4, m, () => {
          if (Atomics.add(c, INSIDE, 1) >= permits) Atomics.add(c, OVER, 1);
          Atomics.sub(c, INSIDE, 1);
        });
      },
      {
        weft: counted(weftSem),
        'weft-nospin': counted(weftSem),
        raw: counted(rawSem(0)),
        'raw-spin': counted(rawSem(RAW_SPIN)),
        multithreading: counted(mtSem),
      },
    ),
    postmessage: NOT_SHARED,
    python: PY,
    'v8-mutex': NO_SEMAPHORE,
  },
  scenarios: [
    {
      id: 'semaphore-2of4',
      title: 'Semaphore(2) handoffs: 4 workers acquire, check at most 2 inside, release',
      params: { workers: 4, permits: 2 },
      metrics: [MOPS],
      chart: true,
    },
  ],
};

const alloc = allocFamily('alloc-sem-ops', 'Semaphore acquire + release', perOpLoop(sections), {
  weft: weftSem,
  raw: rawSem(0),
  multithreading: mtSem,
  'v8-mutex': NO_SEMAPHORE,
});

export const SEMAPHORE: Family[] = [semOps, handoffs, alloc];
