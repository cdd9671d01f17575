/*
 * What a scenario module declares (bench/scenarios/*.ts), and the helpers it builds its kernels with.
 *
 * A Family is one kind of measurement (ping-pong, uncontended operations, a contended lock...): how
 * many threads a sample needs, how their parts become metrics, one Impl per competitor, and the
 * scenarios (ids, titles, parameters) that run it. An Impl's `setup` runs on the host's main thread
 * and makes the shared state (it crosses to the workers by postMessage); `run` is what one thread
 * does in its role. A competitor that cannot run a family has a string instead: the reason, shown as
 * "n/a". Python's kernels are in bench/python_bench.py, under the same kind names (PY marks them).
 *
 * Most families write their loop once, over a small interface (a flag, a mutex, a barrier...), and
 * give each competitor an Adapter: how to make its shared state and how to open it in a thread as
 * that interface. The call sites inside a shared loop see one competitor only, because each worker
 * runs one competitor's kernels only (host.ts keeps a pool per competitor), so the JIT inlines
 * them as it would in user code.
 */

import type { Competitor, Metrics, Params, Part } from './common.js';

export interface Metric {
  key: string;
  label: string;
  /** 'lower': a cost (µs, ns, bytes); 'higher': a rate. */
  better: 'lower' | 'higher';
}

export interface Impl {
  setup(p: Params): Setup;
  run(role: number, shared: unknown, p: Params, ctl: Int32Array, mine: unknown): Part | Promise<Part>;
}

/** What setup makes: state shared by all roles, and per-role values (MessagePorts, transferred). */
export interface Setup {
  shared: unknown;
  roles?: Record<number, unknown>;
}

/** Where a family's samples run: threads of a host (by default), or a fresh process per sample. */
export type Runs = 'threads' | 'alloc' | 'fresh';

export interface ScenarioSpec {
  id: string;
  title: string;
  params: Partial<Params>;
  metrics: Metric[];
  /** Shown in the chart. */
  chart?: boolean;
}

export interface Family {
  kind: string;
  /** 'alloc': the --expose-gc host; 'fresh': a new process per sample (memory). Default 'threads'. */
  runs?: Runs;
  /** Number of roles (threads) in a sample. */
  roles(p: Params): number;
  /** Role 0 runs on the host's main thread (async scenarios); the others in workers. */
  mainLeads?: boolean;
  combine(parts: Part[], p: Params, shared: unknown): Metrics;
  impls: Partial<Record<Competitor, Impl | string>>;
  scenarios: ScenarioSpec[];
}

/** Marks a competitor run by bench/python_bench.py rather than by a kernel here. */
export const PY = '@python';

/** How one competitor makes its shared state, and opens it in a thread as the loop's interface T. */
export interface Adapter<T> {
  make(p: Params): unknown;
  open(shared: unknown, p: Params): T;
}

/** The loop of a family over interface T: what one thread does in its role. */
export type Loop<T> = (
  role: number,
  p: Params,
  ctl: Int32Array,
  x: T,
  shared: unknown,
) => Part | Promise<Part>;

/** One Impl per competitor from its adapter and the family's loop (strings pass through: n/a). */
export function kernels<T>(
  loop: Loop<T>,
  adapters: Partial<Record<Competitor, Adapter<T> | string>>,
): Partial<Record<Competitor, Impl | string>> {
  const out: Partial<Record<Competitor, Impl | string>> = {};
  for (const [c, a] of Object.entries(adapters) as [Competitor, Adapter<T> | string][]) {
    out[c] =
      typeof a === 'string'
        ? a
        : {
            setup: (p) => ({ shared: a.make(p) }),
            run: (role, s, p, ctl) => loop(role, p, ctl, a.open(s, p), s),
          };
  }
  return out;
}

/* Reasons shared by several families */
export const NOT_SHARED = 'message passing is not a shared primitive: only round trips compare';
export const SAME_AS_WEFT = 'no wait on this path: same code as weft';
export const SAME_AS_RAW = 'no wait on this path: same code as raw Atomics';

/* Metrics shared by several families */
export const NS: Metric = { key: 'ns', label: 'ns per operation', better: 'lower' };
export const MOPS: Metric = { key: 'mops', label: 'million operations per second', better: 'higher' };
export const BYTES_OP: Metric = {
  key: 'bytes',
  label: 'heap bytes allocated per operation',
  better: 'lower',
};

export function role0(parts: Part[]): Part {
  const p = parts[0];
  if (p === undefined) throw new Error('no part from role 0');
  return p;
}

/** Operations per µs of role 0's measured time over all roles, as millions per second. */
export function throughput(parts: Part[]): Metrics {
  const a = role0(parts);
  let ops = 0;
  for (const p of parts) ops += p.ops;
  return { mops: ops / a.ms / 1000 };
}
