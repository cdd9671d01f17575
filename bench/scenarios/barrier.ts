/*
 * Barrier scenarios: passes per second with `parties` threads. Role 0 decides when to stop: before
 * entering pass k+1 it writes STOP = k+1, so that every party leaves right after that same pass.
 * Every competitor is a function that waits once at its barrier.
 */

import { Barrier } from 'weft-threading';
import { arrive, type Metrics, now, type Params, type Part, PHASE, STOP } from '../common.js';
import { Meter } from '../meter.js';
import { mt, mtBuffers } from '../peers.js';
import * as raw from '../raw.js';
import { type Adapter, type Family, kernels, type Metric, NOT_SHARED, PY, role0 } from '../scenario.js';
import { RAW_SPIN } from './lock.js';

type Pass = () => void;

function barrierMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  const passes = new Set(parts.map((p) => p.extra?.passes));
  if (passes.size !== 1) throw new Error(`parties left after different passes: ${[...passes].join(', ')}`);
  return { kps: a.ops / a.ms };
}

function barrierLoop(role: number, p: Params, ctl: Int32Array, pass: Pass): Part {
  const m = new Meter(ctl, p, role === 0);
  arrive(ctl, p.parties ?? 2);
  m.start();
  let k = 0;
  let stopping = false;
  for (;;) {
    if (role === 0 && !stopping && m.timeUp(k)) {
      stopping = true;
      Atomics.store(ctl, STOP, k + 1);
    }
    pass();
    k++;
    if (role !== 0 && !m.measuring && Atomics.load(ctl, PHASE) !== 0) m.begin(k, now());
    if (Atomics.load(ctl, STOP) === k) break;
  }
  m.finish(k, now());
  return m.part({ passes: k });
}

const weftBarrier: Adapter<Pass> = {
  make: (p) => new Barrier(p.parties ?? 2),
  open(s) {
    const b = Barrier.from(s);
    return () => void b.wait();
  },
};

/** [COUNT, GEN] (raw.ts), spinning `spin` loads before it sleeps. */
const rawBarrier = (spin: number): Adapter<Pass> => ({
  make: () => new Int32Array(new SharedArrayBuffer(8)),
  open(s, p) {
    const w = s as Int32Array;
    const parties = p.parties ?? 2;
    return () => raw.barrierWait(w, 0, parties, spin);
  },
});

const mtBarrier: Adapter<Pass> = {
  make: (p) => mtBuffers.barrier(p.parties ?? 2),
  open(s) {
    const b = new (mt().Barrier)(undefined, s as SharedArrayBuffer);
    return () => void b.blockingWait();
  },
};

const KPS_PASS: Metric = { key: 'kps', label: 'thousand passes per second', better: 'higher' };

const barrier: Family = {
  kind: 'barrier',
  roles: (p) => p.parties ?? 2,
  combine: barrierMetrics,
  impls: {
    ...kernels(barrierLoop, {
      weft: weftBarrier,
      'weft-nospin': weftBarrier,
      raw: rawBarrier(0),
      'raw-spin': rawBarrier(RAW_SPIN),
      multithreading: mtBarrier,
    }),
    postmessage: NOT_SHARED,
    python: PY,
    'v8-mutex': 'V8 has no barrier',
  },
  scenarios: [2, 4].map((n) => ({
    id: `barrier-${n}`,
    title: `Barrier passes, ${n} parties`,
    params: { parties: n },
    metrics: [KPS_PASS],
    chart: true,
  })),
};

export const BARRIER: Family[] = [barrier];
