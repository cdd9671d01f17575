/*
 * Lock scenarios: uncontended acquire + release (Lock, RLock), `workers` threads incrementing one
 * plain counter under the lock (the counter must equal the sum of every thread's increments), and
 * the heap allocation of the uncontended paths.
 *
 * Every competitor is a Mutex: `locked(body)` runs body holding the lock (V8's Atomics.Mutex only
 * has that callback form; the others acquire, call, release). The semaphore and fairness scenarios
 * use the same interface.
 */

import { Lock, RLock } from 'weft-threading';
import { allocFamily, perOpLoop } from '../allocation.js';
import { arrive, type Params, type Part } from '../common.js';
import { BATCH, Meter, opsLoop, opsMetrics } from '../meter.js';
import { mt, mtBuffers, type V8Mutex, v8 } from '../peers.js';
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

export interface Mutex {
  locked(body: () => void): void;
}

/** The lock of each competitor (RLock for weft in the rlock scenarios). */
export const weftLock: Adapter<Mutex> = {
  make: () => new Lock(),
  open(s) {
    const l = Lock.from(s);
    return {
      locked(body) {
        l.acquire();
        body();
        l.release();
      },
    };
  },
};

export const weftRLock: Adapter<Mutex> = {
  make: () => new RLock(),
  open(s) {
    const l = RLock.from(s);
    return {
      locked(body) {
        l.acquire();
        body();
        l.release();
      },
    };
  },
};

/** Drepper's mutex 2, spinning `spin` loads before it sleeps. */
export const rawLock = (spin: number): Adapter<Mutex> => ({
  make: () => new Int32Array(new SharedArrayBuffer(4)),
  open(s) {
    const w = s as Int32Array;
    return {
      locked(body) {
        raw.lock(w, 0, spin);
        body();
        raw.unlock(w, 0);
      },
    };
  },
});

export const mtLock: Adapter<Mutex> = {
  make: () => mtBuffers.mutex(),
  open(s) {
    const mutex = new (mt().Mutex)(undefined, s as SharedArrayBuffer);
    return {
      locked(body) {
        const g = mutex.blockingLock();
        body();
        g.dispose();
      },
    };
  },
};

export const v8Lock: Adapter<Mutex> = {
  make: () => new (v8().Mutex)(),
  open(s) {
    const V = v8();
    const mu = s as V8Mutex;
    return { locked: (body) => V.Mutex.lock(mu, body) };
  },
};

export const RAW_SPIN = 1000;

/* Uncontended ---------------------------------------------------------------------------------- */

/** n acquire + release pairs around an empty section (a count, so that nothing is optimised away). */
export const sections = (m: Mutex): ((n: number) => number) => {
  let k = 0;
  const body = (): void => {
    k++;
  };
  return (n) => {
    for (let i = 0; i < n; i++) m.locked(body);
    return k;
  };
};

const opsOf = (_r: number, p: Params, ctl: Int32Array, m: Mutex): Part => {
  const batch = sections(m);
  return opsLoop(ctl, p, () => batch(BATCH));
};

const lockOps: Family = {
  kind: 'lock-ops',
  roles: () => 1,
  combine: opsMetrics,
  impls: {
    ...kernels(opsOf, { weft: weftLock, raw: rawLock(0), multithreading: mtLock, 'v8-mutex': v8Lock }),
    'weft-nospin': SAME_AS_WEFT,
    'raw-spin': SAME_AS_RAW,
    postmessage: NOT_SHARED,
    python: PY,
  },
  scenarios: [
    { id: 'lock-ops', title: 'Lock acquire + release, uncontended', params: {}, metrics: [NS], chart: true },
  ],
};

const NOT_REENTRANT = {
  raw: 'no hand-written re-entrant lock',
  multithreading: 'no re-entrant lock',
  'v8-mutex': 'Atomics.Mutex is not re-entrant',
};

const rlockOps: Family = {
  kind: 'rlock-ops',
  roles: () => 1,
  combine: opsMetrics,
  impls: {
    ...kernels(opsOf, { weft: weftRLock, ...NOT_REENTRANT }),
    'weft-nospin': SAME_AS_WEFT,
    'raw-spin': SAME_AS_RAW,
    postmessage: NOT_SHARED,
    python: PY,
  },
  scenarios: [{ id: 'rlock-ops', title: 'RLock acquire + release, uncontended', params: {}, metrics: [NS] }],
};

/* Contended ------------------------------------------------------------------------------------ */

export const LOCK_BATCH = 32;

/** The state of a contended sample: the competitor's lock and a plain counter beside it. */
export interface Counted {
  lock: unknown;
  counter: Int32Array;
}

/** A competitor's adapter with a counter beside its lock (made once per sample). */
export const counted = (a: Adapter<Mutex>): Adapter<{ m: Mutex; counter: Int32Array }> => ({
  make: (p): Counted => ({ lock: a.make(p), counter: new Int32Array(new SharedArrayBuffer(64)) }),
  open: (s, p) => ({ m: a.open((s as Counted).lock, p), counter: (s as Counted).counter }),
});

/**
 * `threads` threads each run `body` under the lock, LOCK_BATCH at a time, until the sample is over;
 * each reports how many it ran (extra.total).
 */
export function contended(
  p: Params,
  ctl: Int32Array,
  role: number,
  threads: number,
  m: Mutex,
  body: () => void,
): Part {
  const meter = new Meter(ctl, p, role === 0);
  arrive(ctl, threads);
  meter.start();
  let n = 0;
  for (;;) {
    for (let k = 0; k < LOCK_BATCH; k++) m.locked(body);
    n += LOCK_BATCH;
    if (meter.tick(n)) break;
  }
  return meter.part({ total: n });
}

export function checkCount(parts: Part[], counter: Int32Array): void {
  let total = 0;
  for (const p of parts) total += p.extra?.total ?? 0;
  if (counter[0] !== total) throw new Error(`lost updates: counter ${counter[0]}, increments ${total}`);
}

const contendedLock: Family = {
  kind: 'lock',
  roles: (p) => p.workers ?? 2,
  combine(parts, _p, shared) {
    checkCount(parts, (shared as Counted).counter);
    return throughput(parts);
  },
  impls: {
    ...kernels(
      (role, p, ctl, { m, counter: c }) =>
        contended(p, ctl, role, p.workers ?? 2, m, () => {
          c[0] = (c[0] as number) + 1;
        }),
      {
        weft: counted(weftLock),
        'weft-nospin': counted(weftLock),
        raw: counted(rawLock(0)),
        'raw-spin': counted(rawLock(RAW_SPIN)),
        multithreading: counted(mtLock),
        'v8-mutex': counted(v8Lock),
      },
    ),
    postmessage: NOT_SHARED,
    python: PY,
  },
  scenarios: [2, 4, 8].map((w) => ({
    id: `lock-${w}w`,
    title: `Lock, contended: ${w} workers increment a plain counter (count verified)`,
    params: { workers: w },
    metrics: [MOPS],
    chart: true,
  })),
};

/* Allocation ----------------------------------------------------------------------------------- */

const alloc: Family[] = [
  allocFamily('alloc-lock-ops', 'Lock acquire + release', perOpLoop(sections), {
    weft: weftLock,
    raw: rawLock(0),
    multithreading: mtLock,
    'v8-mutex': v8Lock,
  }),
  allocFamily('alloc-rlock-ops', 'RLock acquire + release', perOpLoop(sections), {
    weft: weftRLock,
    ...NOT_REENTRANT,
    'v8-mutex': 'not re-entrant',
  }),
];

export const LOCK: Family[] = [lockOps, rlockOps, contendedLock, ...alloc];
