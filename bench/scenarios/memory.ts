/*
 * Memory scenarios: RSS and time to create 100,000 Events / Locks, each sample in a fresh process
 * (bench/memory.ts says what each competitor makes there; Python's are in python_bench.py).
 */

import type { Family, Metric } from '../scenario.js';

const BYTES_EACH: Metric = { key: 'bytesEach', label: 'bytes of RSS each', better: 'lower' };
const CREATE_MS: Metric = { key: 'createMs', label: 'ms to create them all', better: 'lower' };
const SPIN_SAME = 'spinning does not change memory';

const memory: Family = {
  kind: 'memory',
  runs: 'fresh',
  roles: () => 1,
  combine: () => ({}),
  impls: { 'weft-nospin': SPIN_SAME, 'raw-spin': SPIN_SAME, postmessage: 'not a primitive' },
  scenarios: ['event', 'lock'].map((what) => ({
    id: `memory-${what}`,
    title: `Memory: 100,000 ${what === 'event' ? 'Events' : 'Locks'} in a fresh process each`,
    params: { what },
    metrics: [BYTES_EACH, CREATE_MS],
    chart: true,
  })),
};

export const MEMORY: Family[] = [memory];
