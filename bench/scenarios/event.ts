/*
 * Event scenarios: ping-pong between two threads (blocking, and main thread async ↔ worker), the
 * uncontended set + isSet + clear, and their heap allocation.
 *
 * Every competitor is a pair of flags, PING and PONG (Flag below). Ping-pong: role 0 (A) sets PING,
 * takes PONG (waits for it and clears it): one round trip. Role 1 (B) takes PING, takes delayUs "to
 * answer" (busy), sets PONG. A stops by setting STOP and PING once more.
 */

import { allocFamily, bytesPart, perOpLoop, sideBytes, sideBytesAsync } from '../allocation.js';
import { arrive, arriveAsync, busy, type Metrics, type Params, type Part } from '../common.js';
import { BATCH, Meter, opsLoop, opsMetrics } from '../meter.js';
import {
  type Family,
  type Impl,
  kernels,
  type Metric,
  NOT_SHARED,
  NS,
  PY,
  role0,
  SAME_AS_WEFT,
  type Setup,
} from '../scenario.js';
import { ASYNC, type AsyncFlag, adapters, bothFlags, type Flag, type Pair } from './flags.js';

/* Ping-pong ------------------------------------------------------------------------------------ */

const maskOf = (p: Params): number => ((p.delayUs ?? 0) > 0 ? 0 : 15);

function pingMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  const b = parts[1];
  const m: Metrics = { us: (a.ms * 1000) / a.ops };
  if (a.cpuNs !== undefined && b?.cpuNs !== undefined) {
    m.cpuUs = (a.cpuNs + b.cpuNs) / 1000 / a.ops;
    m.waiterCpuUs = a.cpuNs / 1000 / a.ops;
  }
  return m;
}

/** Role 1, blocking: answers every PING until STOP. */
function answer(p: Params, ctl: Int32Array, { ping, pong }: Pair<Flag>): Part {
  const m = new Meter(ctl, p, false);
  const delay = p.delayUs ?? 0;
  arrive(ctl, 2);
  m.start();
  let n = 0;
  for (;;) {
    ping.take();
    if (m.tick(++n)) break;
    busy(delay);
    pong.set();
  }
  return m.part();
}

function pingLoop(role: number, p: Params, ctl: Int32Array, x: Pair<Flag>): Part {
  if (role !== 0) return answer(p, ctl, x);
  const { ping, pong } = x;
  const m = new Meter(ctl, p, true);
  arrive(ctl, 2);
  m.start();
  const mask = maskOf(p);
  let n = 0;
  for (;;) {
    ping.set();
    pong.take();
    if ((++n & mask) === 0 && m.tick(n)) break;
  }
  ping.set();
  return m.part();
}

async function asyncLoop(
  role: number,
  p: Params,
  ctl: Int32Array,
  x: { sync: Pair<Flag>; async: Pair<AsyncFlag> },
): Promise<Part> {
  if (role !== 0) return answer(p, ctl, x.sync);
  const { ping, pong } = x.async;
  const m = new Meter(ctl, p, true);
  await arriveAsync(ctl, 2);
  m.start();
  const mask = maskOf(p);
  let n = 0;
  for (;;) {
    const s = ping.set();
    if (s !== undefined) await s;
    await pong.takeAsync();
    if ((++n & mask) === 0 && m.tick(n)) break;
  }
  const s = ping.set();
  if (s !== undefined) await s;
  return m.part();
}

/* postMessage: role 1 answers every message after delayUs, until a -1; role 0 asks again on every
 * answer until time is up. */

const channel = (): Setup => {
  const { port1, port2 } = new MessageChannel();
  return { shared: null, roles: { 0: port1, 1: port2 } };
};

function postAnswerer(port: MessagePort, p: Params, ctl: Int32Array): Promise<Part> {
  const m = new Meter(ctl, p, false);
  const delay = p.delayUs ?? 0;
  return new Promise<Part>((resolve) => {
    let n = 0;
    port.onmessage = (e: MessageEvent<number>) => {
      m.tick(++n);
      if (e.data < 0) {
        port.onmessage = null;
        port.close();
        resolve(m.part());
        return;
      }
      busy(delay);
      port.postMessage(n);
    };
    arrive(ctl, 2);
    m.start();
  });
}

async function postAsker(port: MessagePort, p: Params, ctl: Int32Array, block: boolean): Promise<Part> {
  const m = new Meter(ctl, p, true);
  if (block) arrive(ctl, 2);
  else await arriveAsync(ctl, 2);
  m.start();
  return new Promise<Part>((resolve) => {
    let n = 0;
    port.onmessage = () => {
      if (m.tick(++n)) {
        port.postMessage(-1);
        port.onmessage = null;
        port.close();
        resolve(m.part());
        return;
      }
      port.postMessage(n);
    };
    port.postMessage(0);
  });
}

const post = (block: boolean): Impl => ({
  setup: channel,
  run: (role, _s, p, ctl, mine) =>
    role === 0 ? postAsker(mine as MessagePort, p, ctl, block) : postAnswerer(mine as MessagePort, p, ctl),
});

/* The families --------------------------------------------------------------------------------- */

const US: Metric = { key: 'us', label: 'µs per round trip', better: 'lower' };
const CPU: Metric = { key: 'cpuUs', label: 'CPU µs per round trip (both threads)', better: 'lower' };
const WAITER: Metric = {
  key: 'waiterCpuUs',
  label: 'CPU µs per round trip (waiting thread)',
  better: 'lower',
};
const DELAYS = [0, 10, 100, 1000];
const answers = (d: number): string =>
  d === 0 ? 'partner answers at once' : `partner answers after ${d} µs`;

const pingpong: Family = {
  kind: 'pingpong',
  roles: () => 2,
  combine: pingMetrics,
  impls: {
    ...kernels(
      pingLoop,
      adapters((side, s) => side.flags(s)),
    ),
    postmessage: post(true),
    python: PY,
  },
  scenarios: DELAYS.map((d) => ({
    id: `pingpong-${d}us`,
    title: `Event ping-pong, two workers, blocking; ${answers(d)}`,
    params: { delayUs: d },
    metrics: [US, CPU, WAITER],
    chart: d === 0 || d === 1000,
  })),
};

const asyncPingpong: Family = {
  kind: 'async',
  roles: () => 2,
  mainLeads: true,
  combine: pingMetrics,
  impls: {
    ...kernels(asyncLoop, adapters(bothFlags, ASYNC)),
    postmessage: post(false),
    python: 'Python threading has no awaitable wait on another thread',
    'v8-mutex': 'V8 11.3 (Node 20) has no Atomics.Mutex.lockAsync / Condition.waitAsync',
  },
  scenarios: DELAYS.map((d) => ({
    id: `async-${d}us`,
    title: `Event ping-pong, main thread (waitAsync) ↔ worker (blocking); ${answers(d)}`,
    params: { delayUs: d },
    metrics: [US, CPU, WAITER],
    chart: d === 0,
  })),
};

/** set + isSet + clear, BATCH at a time. */
const eventOps = (f: Flag) => (n: number) => {
  let k = 0;
  for (let i = 0; i < n; i++) {
    f.set();
    if (f.isSet()) k++;
    f.clear();
  }
  return k;
};

const ops: Family = {
  kind: 'event-ops',
  roles: () => 1,
  combine: opsMetrics,
  impls: {
    ...kernels(
      (_r, p, ctl, f: Flag) => {
        const batch = eventOps(f);
        return opsLoop(ctl, p, () => batch(BATCH));
      },
      adapters((side, s) => side.flags(s).ping),
    ),
    'weft-nospin': SAME_AS_WEFT,
    postmessage: NOT_SHARED,
    python: PY,
  },
  scenarios: [
    {
      id: 'event-ops',
      title: 'Event set + isSet + clear, uncontended',
      params: {},
      metrics: [NS],
      chart: true,
    },
  ],
};

/* Allocation: each side of a round trip measures its own bytes (sideBytes), added up. */

function pingSides(role: number, _p: Params, ctl: Int32Array, { ping, pong }: Pair<Flag>): Part {
  arrive(ctl, 2);
  if (role === 0) {
    return bytesPart(
      sideBytes((n) => {
        for (let i = 0; i < n; i++) {
          ping.set();
          pong.take();
        }
      }),
    );
  }
  return bytesPart(
    sideBytes((n) => {
      for (let i = 0; i < n; i++) {
        ping.take();
        pong.set();
      }
    }),
  );
}

async function asyncSides(
  role: number,
  p: Params,
  ctl: Int32Array,
  x: { sync: Pair<Flag>; async: Pair<AsyncFlag> },
): Promise<Part> {
  if (role !== 0) return pingSides(1, p, ctl, x.sync);
  const { ping, pong } = x.async;
  await arriveAsync(ctl, 2);
  return bytesPart(
    await sideBytesAsync(async (n) => {
      for (let i = 0; i < n; i++) {
        ping.set();
        await pong.takeAsync();
      }
    }),
  );
}

const NO_EVENT = 'no Event class (see the Mutex rows)';
const WEFT_RAW = ['weft', 'raw'] as const;

const alloc: Family[] = [
  allocFamily(
    'alloc-event-ops',
    'Event set + isSet + clear',
    perOpLoop((f: Flag) => eventOps(f)),
    {
      ...adapters((side, s) => side.flags(s).ping, WEFT_RAW),
      multithreading: NO_EVENT,
      'v8-mutex': NO_EVENT,
    },
  ),
  allocFamily(
    'alloc-event-wait',
    'Event.wait() on a set Event',
    perOpLoop((f: Flag) => {
      f.set();
      return (n) => {
        for (let i = 0; i < n; i++) f.wait();
      };
    }),
    {
      ...adapters((side, s) => side.flags(s).ping, WEFT_RAW),
      multithreading: 'no Event class',
      'v8-mutex': 'no Event class',
    },
  ),
  allocFamily(
    'alloc-pingpong',
    'blocking ping-pong round trip (both threads)',
    pingSides,
    adapters((side, s) => side.flags(s), ['weft', 'raw', 'multithreading', 'v8-mutex']),
    { roles: 2 },
  ),
  allocFamily(
    'alloc-async',
    'async ping-pong round trip (main thread side)',
    asyncSides,
    {
      ...adapters(bothFlags, WEFT_RAW),
      multithreading: 'not measured (its async lock allocates a guard per call)',
      'v8-mutex': 'no async form in V8 11.3',
    },
    { roles: 2, mainLeads: true, combine: (parts) => ({ bytes: parts[0]?.extra?.bytes ?? Number.NaN }) },
  ),
];

export const EVENT: Family[] = [pingpong, asyncPingpong, ops, ...alloc];
