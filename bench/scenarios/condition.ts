/*
 * Condition scenarios: one producer (role 0) and one consumer (role 1) share a bounded ring of
 * `capacity` items under a lock with two conditions, notFull and notEmpty. Items are 1, 2, 3, ...;
 * the consumer checks the order; the producer ends with a 0. Thousands of items per second. And the
 * heap allocation of acquire + notify (nobody waiting) + release.
 *
 * Every competitor is a Monitor: `locked(body)` runs body holding the lock, and inside it the waits
 * and notifies of the two conditions (V8's Atomics.Mutex only has that callback form).
 */

import { Condition, Lock } from 'weft-threading';
import { allocFamily, perOpLoop } from '../allocation.js';
import { arrive, type Metrics, type Params, type Part } from '../common.js';
import { Meter } from '../meter.js';
import { mt, mtBuffers, type V8Condition, type V8Mutex, v8 } from '../peers.js';
import * as raw from '../raw.js';
import { type Adapter, type Family, kernels, type Metric, NOT_SHARED, PY, role0 } from '../scenario.js';
import { RAW_SPIN } from './lock.js';

interface Monitor {
  locked(body: () => void): void;
  waitNotFull(): void;
  waitNotEmpty(): void;
  notifyNotFull(): void;
  notifyNotEmpty(): void;
}

const HEAD = 0;
const TAIL = 1;
const SLOTS = 2;

interface State {
  sync: unknown;
  ring: Int32Array;
}

/** The ring beside each competitor's own state. */
const withRing = (
  make: (p: Params) => unknown,
  open: (sync: unknown, p: Params) => Monitor,
): Adapter<[Monitor, Int32Array]> => ({
  make: (p): State => ({
    sync: make(p),
    ring: new Int32Array(new SharedArrayBuffer((SLOTS + (p.capacity ?? 16)) * 4)),
  }),
  open: (s, p) => [open((s as State).sync, p), (s as State).ring],
});

const weftMonitor = withRing(
  () => {
    const lock = new Lock();
    return { notFull: new Condition(lock), notEmpty: new Condition(lock) };
  },
  (s) => {
    const st = s as { notFull: Condition; notEmpty: Condition };
    const notFull = Condition.from(st.notFull);
    const notEmpty = Condition.from(st.notEmpty);
    return {
      locked(body) {
        notFull.acquire();
        body();
        notFull.release();
      },
      waitNotFull: () => void notFull.wait(),
      waitNotEmpty: () => void notEmpty.wait(),
      notifyNotFull: () => notFull.notify(),
      notifyNotEmpty: () => notEmpty.notify(),
    };
  },
);

const M = 0; // raw mutex word
const NOT_FULL = 1; // raw condvar sequence words
const NOT_EMPTY = 2;

const rawMonitor = (spin: number) =>
  withRing(
    () => new Int32Array(new SharedArrayBuffer(12)),
    (s) => {
      const y = s as Int32Array;
      return {
        locked(body) {
          raw.lock(y, M, spin);
          body();
          raw.unlock(y, M);
        },
        waitNotFull: () => raw.condWait(y, NOT_FULL, M, spin),
        waitNotEmpty: () => raw.condWait(y, NOT_EMPTY, M, spin),
        notifyNotFull: () => raw.condNotify(y, NOT_FULL),
        notifyNotEmpty: () => raw.condNotify(y, NOT_EMPTY),
      };
    },
  );

const mtMonitor = withRing(
  () => ({ mutex: mtBuffers.mutex(), notFull: mtBuffers.condvar(), notEmpty: mtBuffers.condvar() }),
  (s) => {
    const { Mutex, Condvar } = mt();
    const st = s as { mutex: SharedArrayBuffer; notFull: SharedArrayBuffer; notEmpty: SharedArrayBuffer };
    const mutex = new Mutex(undefined, st.mutex);
    const notFull = new Condvar(st.notFull);
    const notEmpty = new Condvar(st.notEmpty);
    let g = undefined as unknown as ReturnType<typeof mutex.blockingLock>;
    return {
      locked(body) {
        g = mutex.blockingLock();
        body();
        g.dispose();
      },
      waitNotFull: () => notFull.blockingWait(g),
      waitNotEmpty: () => notEmpty.blockingWait(g),
      notifyNotFull: () => notFull.notifyOne(),
      notifyNotEmpty: () => notEmpty.notifyOne(),
    };
  },
);

const v8Monitor = withRing(
  () => {
    const V = v8();
    return { m: new V.Mutex(), notFull: new V.Condition(), notEmpty: new V.Condition() };
  },
  (s) => {
    const V = v8();
    const { m: mu, notFull, notEmpty } = s as { m: V8Mutex; notFull: V8Condition; notEmpty: V8Condition };
    return {
      locked: (body) => V.Mutex.lock(mu, body),
      waitNotFull: () => void V.Condition.wait(notFull, mu),
      waitNotEmpty: () => void V.Condition.wait(notEmpty, mu),
      notifyNotFull: () => void V.Condition.notify(notFull, 1),
      notifyNotEmpty: () => void V.Condition.notify(notEmpty, 1),
    };
  },
);

function conditionMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  const b = parts[1];
  if (b?.extra?.bad !== 0) throw new Error(`consumer saw ${b?.extra?.bad} items out of order`);
  return { kps: a.ops / a.ms };
}

function producerConsumer(role: number, p: Params, ctl: Int32Array, [x, r]: [Monitor, Int32Array]): Part {
  const cap = p.capacity ?? 16;
  let item = 0;
  const put = (): void => {
    while ((r[TAIL] as number) - (r[HEAD] as number) === cap) x.waitNotFull();
    r[SLOTS + ((r[TAIL] as number) % cap)] = item;
    r[TAIL] = (r[TAIL] as number) + 1;
    x.notifyNotEmpty();
  };
  const take = (): void => {
    while (r[TAIL] === r[HEAD]) x.waitNotEmpty();
    item = r[SLOTS + ((r[HEAD] as number) % cap)] as number;
    r[HEAD] = (r[HEAD] as number) + 1;
    x.notifyNotFull();
  };
  const m = new Meter(ctl, p, role === 0);
  arrive(ctl, 2);
  m.start();
  let n = 0;
  if (role === 0) {
    for (;;) {
      item = m.tick(n) ? 0 : n + 1;
      x.locked(put);
      if (item === 0) break;
      n++;
    }
    return m.part();
  }
  let bad = 0;
  for (;;) {
    x.locked(take);
    if (item === 0) break;
    if (item !== ++n) bad++;
  }
  return { ops: n, ms: 0, extra: { bad } };
}

const KPS_ITEM: Metric = { key: 'kps', label: 'thousand items per second', better: 'higher' };

const condition: Family = {
  kind: 'condition',
  roles: () => 2,
  combine: conditionMetrics,
  impls: {
    ...kernels(producerConsumer, {
      weft: weftMonitor,
      'weft-nospin': weftMonitor,
      raw: rawMonitor(0),
      'raw-spin': rawMonitor(RAW_SPIN),
      multithreading: mtMonitor,
      'v8-mutex': v8Monitor,
    }),
    postmessage: NOT_SHARED,
    python: PY,
  },
  scenarios: [
    {
      id: 'condition',
      title: 'Condition producer/consumer, bounded buffer of 16 (order verified)',
      params: { capacity: 16 },
      metrics: [KPS_ITEM],
      chart: true,
    },
  ],
};

const alloc = allocFamily(
  'alloc-cond-notify',
  'Condition acquire + notify (nobody waiting) + release',
  perOpLoop(([x]: [Monitor, Int32Array]) => (n: number) => {
    for (let i = 0; i < n; i++) x.locked(x.notifyNotEmpty);
  }),
  { weft: weftMonitor, raw: rawMonitor(0), multithreading: mtMonitor, 'v8-mutex': v8Monitor },
);

export const CONDITION: Family[] = [condition, alloc];
