/*
 * The scenarios of `npm run bench`, in the order they run and print, with their metrics and, for
 * each competitor, whether it can run them (and where), or why not.
 */

import { COMPETITORS, type Competitor, type Params } from './common.js';
import { PY } from './kernels.js';
import { ALL_KINDS } from './registry.js';

export interface Metric {
  key: string;
  label: string;
  /** 'lower': a cost (µs, ns, bytes); 'higher': a rate. */
  better: 'lower' | 'higher';
}

export interface Scenario {
  id: string;
  title: string;
  kind: string;
  params: Partial<Params>;
  metrics: Metric[];
  /** Shown in the chart. */
  chart?: boolean;
}

export type Where = 'local' | 'harmony' | 'gc' | 'python' | 'fresh';

const US: Metric = { key: 'us', label: 'µs per round trip', better: 'lower' };
const CPU: Metric = { key: 'cpuUs', label: 'CPU µs per round trip (both threads)', better: 'lower' };
const WAITER: Metric = {
  key: 'waiterCpuUs',
  label: 'CPU µs per round trip (waiting thread)',
  better: 'lower',
};
const NS: Metric = { key: 'ns', label: 'ns per operation', better: 'lower' };
const MOPS: Metric = { key: 'mops', label: 'million operations per second', better: 'higher' };
const KPS_PASS: Metric = { key: 'kps', label: 'thousand passes per second', better: 'higher' };
const KPS_ITEM: Metric = { key: 'kps', label: 'thousand items per second', better: 'higher' };
const BYTES_EACH: Metric = { key: 'bytesEach', label: 'bytes of RSS each', better: 'lower' };
const CREATE_MS: Metric = { key: 'createMs', label: 'ms to create them all', better: 'lower' };
const BYTES_OP: Metric = { key: 'bytes', label: 'heap bytes allocated per operation', better: 'lower' };

const DELAYS = [0, 10, 100, 1000];
const answer = (d: number): string => (d === 0 ? 'partner answers at once' : `partner answers after ${d} µs`);

export const SCENARIOS: Scenario[] = [
  ...DELAYS.map(
    (d): Scenario => ({
      id: `pingpong-${d}us`,
      title: `Event ping-pong, two workers, blocking; ${answer(d)}`,
      kind: 'pingpong',
      params: { delayUs: d },
      metrics: [US, CPU, WAITER],
      chart: d === 0 || d === 1000,
    }),
  ),
  ...DELAYS.map(
    (d): Scenario => ({
      id: `async-${d}us`,
      title: `Event ping-pong, main thread (waitAsync) ↔ worker (blocking); ${answer(d)}`,
      kind: 'async',
      params: { delayUs: d },
      metrics: [US, CPU, WAITER],
      chart: d === 0,
    }),
  ),
  {
    id: 'event-ops',
    title: 'Event set + isSet + clear, uncontended',
    kind: 'event-ops',
    params: {},
    metrics: [NS],
    chart: true,
  },
  {
    id: 'lock-ops',
    title: 'Lock acquire + release, uncontended',
    kind: 'lock-ops',
    params: {},
    metrics: [NS],
    chart: true,
  },
  {
    id: 'rlock-ops',
    title: 'RLock acquire + release, uncontended',
    kind: 'rlock-ops',
    params: {},
    metrics: [NS],
  },
  {
    id: 'sem-ops',
    title: 'Semaphore acquire + release, uncontended',
    kind: 'sem-ops',
    params: {},
    metrics: [NS],
    chart: true,
  },
  ...[2, 4, 8].map(
    (w): Scenario => ({
      id: `lock-${w}w`,
      title: `Lock, contended: ${w} workers increment a plain counter (count verified)`,
      kind: 'lock',
      params: { workers: w },
      metrics: [MOPS],
      chart: true,
    }),
  ),
  {
    id: 'semaphore-2of4',
    title: 'Semaphore(2) handoffs: 4 workers acquire, check at most 2 inside, release',
    kind: 'semaphore',
    params: { workers: 4, permits: 2 },
    metrics: [MOPS],
    chart: true,
  },
  ...[2, 4].map(
    (n): Scenario => ({
      id: `barrier-${n}`,
      title: `Barrier passes, ${n} parties`,
      kind: 'barrier',
      params: { parties: n },
      metrics: [KPS_PASS],
      chart: true,
    }),
  ),
  {
    id: 'condition',
    title: 'Condition producer/consumer, bounded buffer of 16 (order verified)',
    kind: 'condition',
    params: { capacity: 16 },
    metrics: [KPS_ITEM],
    chart: true,
  },
  ...['event', 'lock'].map(
    (what): Scenario => ({
      id: `memory-${what}`,
      title: `Memory: 100,000 ${what === 'event' ? 'Events' : 'Locks'} in a fresh process each`,
      kind: 'memory',
      params: { what },
      metrics: [BYTES_EACH, CREATE_MS],
      chart: true,
    }),
  ),
  ...(
    [
      ['alloc-event-ops', 'Event set + isSet + clear'],
      ['alloc-event-wait', 'Event.wait() on a set Event'],
      ['alloc-lock-ops', 'Lock acquire + release'],
      ['alloc-rlock-ops', 'RLock acquire + release'],
      ['alloc-sem-ops', 'Semaphore acquire + release'],
      ['alloc-cond-notify', 'Condition acquire + notify (nobody waiting) + release'],
      ['alloc-pingpong', 'blocking ping-pong round trip (both threads)'],
      ['alloc-async', 'async ping-pong round trip (main thread side)'],
    ] as const
  ).map(
    ([kind, what]): Scenario => ({
      id: kind,
      title: `Heap allocation: ${what}`,
      kind,
      params: {},
      metrics: [BYTES_OP],
    }),
  ),
];

const MEMORY: Partial<Record<Competitor, string>> = {
  'weft-nospin': 'spinning does not change memory',
  'raw-spin': 'spinning does not change memory',
  postmessage: 'not a primitive',
};

/** Where (kind, competitor) runs, or why it cannot. */
export function placement(s: Scenario, c: Competitor): { where: Where } | { na: string } {
  if (s.kind === 'memory') {
    const na = MEMORY[c];
    return na === undefined ? { where: 'fresh' } : { na };
  }
  const impl = ALL_KINDS[s.kind]?.impls[c];
  if (impl === PY) return { where: 'python' };
  if (impl === undefined) return { na: 'no kernel' };
  if (typeof impl === 'string') return { na: impl };
  if (c === 'v8-mutex') return { where: 'harmony' };
  if (s.kind.startsWith('alloc-')) return { where: 'gc' };
  return { where: 'local' };
}

export { COMPETITORS };
