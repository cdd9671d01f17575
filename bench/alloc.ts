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
import { Condition, Event, Lock, RLock, Semaphore } from 'weft-threading';
import { arrive, arriveAsync, type Competitor, median, type Part } from './common.js';
import type { Impl, KindDef } from './kernels.js';
import { loadMultithreading, type MtModule, mtBuffers, type V8Mutex, type V8Sync, v8Sync } from './peers.js';
import * as raw from './raw.js';

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
function perOp(batch: (n: number) => void): number {
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

function single(batch: (s: unknown) => (n: number) => void, setup: () => unknown): Impl {
  return {
    setup: () => ({ shared: setup() }),
    run: (_r, s) => ({ ops: BATCH, ms: 0, extra: { bytes: perOp(batch(s)) } }),
  };
}

let MT: MtModule | undefined;
const mt = (): MtModule => {
  if (MT === undefined) throw new Error('multithreading could not be loaded');
  return MT;
};
export async function prepareAlloc(): Promise<void> {
  MT = await loadMultithreading().catch(() => undefined);
}
const v8 = (): V8Sync => {
  const s = v8Sync();
  if (s === undefined) throw new Error('Atomics.Mutex needs --harmony-struct');
  return s;
};

const i32 = (): Int32Array => new Int32Array(new SharedArrayBuffer(16));

/* Two-thread paths: each side measures its own allocation around batches of round trips. */

/** Runs `rounds` of `side(n)` on this thread with gc() and heap readings around each. */
function sideBytes(side: (n: number) => void): number {
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

async function sideBytesAsync(side: (n: number) => Promise<void>): Promise<number> {
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

const bytesPart = (bytes: number): Part => ({ ops: TRIPS, ms: 0, extra: { bytes } });

interface Pair {
  ping: Event;
  pong: Event;
}

const weftPingpong: Impl = {
  setup: () => ({ shared: { ping: new Event(), pong: new Event() } }),
  run(role, s, _p, ctl) {
    const ping = Event.from((s as Pair).ping);
    const pong = Event.from((s as Pair).pong);
    arrive(ctl, 2);
    if (role === 0) {
      return bytesPart(
        sideBytes((n) => {
          for (let i = 0; i < n; i++) {
            ping.set();
            pong.wait();
            pong.clear();
          }
        }),
      );
    }
    return bytesPart(
      sideBytes((n) => {
        for (let i = 0; i < n; i++) {
          ping.wait();
          ping.clear();
          pong.set();
        }
      }),
    );
  },
};

const rawPingpong: Impl = {
  setup: () => ({ shared: i32() }),
  run(role, s, _p, ctl) {
    const f = s as Int32Array;
    arrive(ctl, 2);
    if (role === 0) {
      return bytesPart(
        sideBytes((n) => {
          for (let i = 0; i < n; i++) {
            raw.smartSet(f, 0);
            raw.smartWait(f, 1, 1000);
            raw.smartClear(f, 1);
          }
        }),
      );
    }
    return bytesPart(
      sideBytes((n) => {
        for (let i = 0; i < n; i++) {
          raw.smartWait(f, 0, 1000);
          raw.smartClear(f, 0);
          raw.smartSet(f, 1);
        }
      }),
    );
  },
};

const mtPingpong: Impl = {
  setup: () => ({
    shared: { f: i32(), m: mtBuffers.mutex(), c0: mtBuffers.condvar(), c1: mtBuffers.condvar() },
  }),
  run(role, s, _p, ctl) {
    const st = s as { f: Int32Array; m: SharedArrayBuffer; c0: SharedArrayBuffer; c1: SharedArrayBuffer };
    const f = st.f;
    const mu = new (mt().Mutex)(f, st.m);
    const c0 = new (mt().Condvar)(st.c0);
    const c1 = new (mt().Condvar)(st.c1);
    arrive(ctl, 2);
    const me = role === 0 ? 1 : 0; // the flag this side waits for
    const other = 1 - me;
    const cMe = role === 0 ? c1 : c0;
    const cOther = role === 0 ? c0 : c1;
    return bytesPart(
      sideBytes((n) => {
        for (let i = 0; i < n; i++) {
          if (role === 0) {
            const g = mu.blockingLock();
            f[other] = 1;
            cOther.notifyOne();
            g.dispose();
          }
          const g = mu.blockingLock();
          while (f[me] === 0) cMe.blockingWait(g);
          f[me] = 0;
          g.dispose();
          if (role !== 0) {
            const g2 = mu.blockingLock();
            f[other] = 1;
            cOther.notifyOne();
            g2.dispose();
          }
        }
      }),
    );
  },
};

const v8Pingpong: Impl = {
  setup: () => ({
    shared: { f: i32(), m: new (v8().Mutex)(), c0: new (v8().Condition)(), c1: new (v8().Condition)() },
  }),
  run(role, s, _p, ctl) {
    const V = v8();
    const st = s as { f: Int32Array; m: V8Mutex; c0: object; c1: object };
    const { f, m: mu } = st;
    const me = role === 0 ? 1 : 0;
    const other = 1 - me;
    const cMe = role === 0 ? st.c1 : st.c0;
    const cOther = role === 0 ? st.c0 : st.c1;
    const give = (): void => {
      f[other] = 1;
      V.Condition.notify(cOther, 1);
    };
    const take = (): void => {
      while (f[me] === 0) V.Condition.wait(cMe, mu);
      f[me] = 0;
    };
    arrive(ctl, 2);
    return bytesPart(
      sideBytes((n) => {
        for (let i = 0; i < n; i++) {
          if (role === 0) V.Mutex.lock(mu, give);
          V.Mutex.lock(mu, take);
          if (role !== 0) V.Mutex.lock(mu, give);
        }
      }),
    );
  },
};

/* Async: role 0 on the host's main thread waits with Promises; role 1 in a worker answers. */

const weftAsyncAlloc: Impl = {
  setup: weftPingpong.setup,
  async run(role, s, p, ctl) {
    const ping = Event.from((s as Pair).ping);
    const pong = Event.from((s as Pair).pong);
    if (role === 0) {
      await arriveAsync(ctl, 2);
      return bytesPart(
        await sideBytesAsync(async (n) => {
          for (let i = 0; i < n; i++) {
            ping.set();
            await pong.waitAsync();
            pong.clear();
          }
        }),
      );
    }
    return weftPingpong.run(1, s, p, ctl, undefined);
  },
};

const rawAsyncAlloc: Impl = {
  setup: rawPingpong.setup,
  async run(role, s, p, ctl) {
    const f = s as Int32Array;
    if (role === 0) {
      await arriveAsync(ctl, 2);
      return bytesPart(
        await sideBytesAsync(async (n) => {
          for (let i = 0; i < n; i++) {
            raw.smartSet(f, 0);
            await raw.smartWaitAsync(f, 1);
            raw.smartClear(f, 1);
          }
        }),
      );
    }
    return rawPingpong.run(1, s, p, ctl, undefined);
  },
};

/* Registry -------------------------------------------------------------------------------------- */

function sumBytes(parts: Part[]): Record<string, number> {
  let bytes = 0;
  for (const p of parts) bytes += p.extra?.bytes ?? 0;
  return { bytes };
}

const PY_NA = 'CPython allocates objects on every call; its heap is not comparable';
const NOT_SHARED = 'message passing allocates a message per send by design';
const N = (reason: string): Partial<Record<Competitor, string>> => ({
  'weft-nospin': reason,
  'raw-spin': reason,
  python: PY_NA,
  postmessage: NOT_SHARED,
});
const SPIN_SAME = 'the same code as weft / raw on this path';

const one = (impls: Partial<Record<Competitor, Impl | string>>): KindDef => ({
  roles: () => 1,
  combine: sumBytes,
  impls: { ...N(SPIN_SAME), ...impls },
});

export const ALLOC_KINDS: Record<string, KindDef> = {
  'alloc-event-ops': one({
    weft: single(
      (s) => {
        const e = Event.from(s);
        return (n) => {
          for (let i = 0; i < n; i++) {
            e.set();
            e.isSet();
            e.clear();
          }
        };
      },
      () => new Event(),
    ),
    raw: single((s) => {
      const f = s as Int32Array;
      return (n) => {
        for (let i = 0; i < n; i++) {
          raw.plainSet(f, 0);
          raw.isSet(f, 0);
          raw.plainClear(f, 0);
        }
      };
    }, i32),
    multithreading: 'no Event class (see the Mutex rows)',
    'v8-mutex': 'no Event class (see the Mutex rows)',
  }),
  'alloc-event-wait': one({
    weft: single(
      (s) => {
        const e = Event.from(s);
        e.set();
        return (n) => {
          for (let i = 0; i < n; i++) e.wait();
        };
      },
      () => new Event(),
    ),
    raw: single((s) => {
      const f = s as Int32Array;
      raw.plainSet(f, 0);
      return (n) => {
        for (let i = 0; i < n; i++) raw.plainWait(f, 0, 0);
      };
    }, i32),
    multithreading: 'no Event class',
    'v8-mutex': 'no Event class',
  }),
  'alloc-lock-ops': one({
    weft: single(
      (s) => {
        const l = Lock.from(s);
        return (n) => {
          for (let i = 0; i < n; i++) {
            l.acquire();
            l.release();
          }
        };
      },
      () => new Lock(),
    ),
    raw: single((s) => {
      const f = s as Int32Array;
      return (n) => {
        for (let i = 0; i < n; i++) {
          raw.lock(f, 0, 0);
          raw.unlock(f, 0);
        }
      };
    }, i32),
    multithreading: single(
      (s) => {
        const mu = new (mt().Mutex)(undefined, s as SharedArrayBuffer);
        return (n) => {
          for (let i = 0; i < n; i++) mu.blockingLock().dispose();
        };
      },
      () => mtBuffers.mutex(),
    ),
    'v8-mutex': single(
      (s) => {
        const V = v8();
        const mu = s as V8Mutex;
        const box = { n: 0 };
        const inside = (): void => {
          box.n++;
        };
        return (n) => {
          for (let i = 0; i < n; i++) V.Mutex.lock(mu, inside);
        };
      },
      () => new (v8().Mutex)(),
    ),
  }),
  'alloc-rlock-ops': one({
    weft: single(
      (s) => {
        const l = RLock.from(s);
        return (n) => {
          for (let i = 0; i < n; i++) {
            l.acquire();
            l.release();
          }
        };
      },
      () => new RLock(),
    ),
    raw: 'no hand-written re-entrant lock',
    multithreading: 'no re-entrant lock',
    'v8-mutex': 'not re-entrant',
  }),
  'alloc-sem-ops': one({
    weft: single(
      (s) => {
        const sem = Semaphore.from(s);
        return (n) => {
          for (let i = 0; i < n; i++) {
            sem.acquire();
            sem.release();
          }
        };
      },
      () => new Semaphore(1),
    ),
    raw: single((s) => {
      const f = s as Int32Array;
      f[0] = 1;
      return (n) => {
        for (let i = 0; i < n; i++) {
          raw.semAcquire(f, 0, 0);
          raw.semRelease(f, 0);
        }
      };
    }, i32),
    multithreading: single(
      (s) => {
        const sem = new (mt().Semaphore)(0, s as SharedArrayBuffer);
        return (n) => {
          for (let i = 0; i < n; i++) sem.blockingAcquire().dispose();
        };
      },
      () => mtBuffers.semaphore(1),
    ),
    'v8-mutex': 'V8 has no semaphore',
  }),
  'alloc-cond-notify': one({
    weft: single(
      (s) => {
        const c = Condition.from(s);
        return (n) => {
          for (let i = 0; i < n; i++) {
            c.acquire();
            c.notify();
            c.release();
          }
        };
      },
      () => new Condition(new Lock()),
    ),
    raw: single((s) => {
      const f = s as Int32Array;
      return (n) => {
        for (let i = 0; i < n; i++) {
          raw.lock(f, 0, 0);
          raw.condNotify(f, 1);
          raw.unlock(f, 0);
        }
      };
    }, i32),
    multithreading: single(
      (s) => {
        const st = s as { m: SharedArrayBuffer; c: SharedArrayBuffer };
        const mu = new (mt().Mutex)(undefined, st.m);
        const cv = new (mt().Condvar)(st.c);
        return (n) => {
          for (let i = 0; i < n; i++) {
            const g = mu.blockingLock();
            cv.notifyOne();
            g.dispose();
          }
        };
      },
      () => ({ m: mtBuffers.mutex(), c: mtBuffers.condvar() }),
    ),
    'v8-mutex': single(
      (s) => {
        const V = v8();
        const st = s as { m: V8Mutex; c: object };
        const notify = (): void => {
          V.Condition.notify(st.c, 1);
        };
        return (n) => {
          for (let i = 0; i < n; i++) V.Mutex.lock(st.m, notify);
        };
      },
      () => ({ m: new (v8().Mutex)(), c: new (v8().Condition)() }),
    ),
  }),
  'alloc-pingpong': {
    roles: () => 2,
    combine: sumBytes,
    impls: {
      ...N(SPIN_SAME),
      weft: weftPingpong,
      raw: rawPingpong,
      multithreading: mtPingpong,
      'v8-mutex': v8Pingpong,
    },
  },
  'alloc-async': {
    roles: () => 2,
    mainLeads: true,
    combine: (parts) => ({ bytes: parts[0]?.extra?.bytes ?? Number.NaN }),
    impls: {
      ...N(SPIN_SAME),
      weft: weftAsyncAlloc,
      raw: rawAsyncAlloc,
      multithreading: 'not measured (its async lock allocates a guard per call)',
      'v8-mutex': 'no async form in V8 11.3',
    },
  },
};
