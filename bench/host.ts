/*
 * A host runs samples: it makes a sample's shared state, hands each role to a worker of its pool
 * (role 0 to its own main thread in the async kinds), and turns the parts into metrics.
 *
 * The orchestrator (run.ts) is one host, in-process. The same code also runs as a child process
 * (`node [flags] host.js --child`), driven over the IPC channel, for what needs other V8 flags:
 *   --harmony-struct          V8's Atomics.Mutex / Atomics.Condition
 *   --expose-gc (+ a fixed young generation)   heap allocation per operation (alloc.ts)
 * Each competitor has its own pool of workers, so that a worker only ever runs one competitor's
 * kernels: the call sites of a loop that the competitors share (scenario.ts) see one of them only.
 * A sample that does not finish within its time limit is reported as hung; the pool's workers are
 * then terminated and replaced, so one hang cannot stall the run.
 */

import { MessagePort, Worker } from 'node:worker_threads';
import { CONTROL_WORDS, type Competitor, type Metrics, type Params, type Part } from './common.js';
import { preparePeers } from './peers.js';
import { family } from './scenarios/index.js';

/** A job for one worker: run `role` of (kind, competitor). */
export interface Job {
  id: number;
  kind: string;
  competitor: Competitor;
  role: number;
  shared: unknown;
  mine: unknown;
  p: Params;
  ctl: Int32Array;
}

type Reply = { id: number; part: Part } | { id: number; error: string } | { ready: true };

class Pool {
  #workers: Worker[] = [];
  #pending = new Map<number, { resolve: (p: Part) => void; reject: (e: Error) => void }>();
  #next = 1;

  async size(n: number): Promise<void> {
    const starting: Promise<void>[] = [];
    while (this.#workers.length < n) {
      const w = new Worker(new URL('./worker.js', import.meta.url));
      this.#workers.push(w);
      starting.push(
        new Promise<void>((resolve, reject) => {
          w.on('message', (m: Reply) => {
            if ('ready' in m) resolve();
            else this.#settle(m);
          });
          w.once('error', (e) => {
            reject(e);
            this.#failAll(e);
          });
        }),
      );
    }
    await Promise.all(starting);
  }

  run(i: number, job: Omit<Job, 'id'>): Promise<Part> {
    const w = this.#workers[i];
    if (w === undefined) throw new Error(`no worker ${i}`);
    const id = this.#next++;
    const transfer = job.mine instanceof MessagePort ? [job.mine] : [];
    return new Promise<Part>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      w.postMessage({ ...job, id }, transfer);
    });
  }

  #settle(m: { id: number; part: Part } | { id: number; error: string }): void {
    const p = this.#pending.get(m.id);
    if (p === undefined) return;
    this.#pending.delete(m.id);
    if ('part' in m) p.resolve(m.part);
    else p.reject(new Error(m.error));
  }

  #failAll(e: Error): void {
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }

  /** Terminates every worker (after a hang); the next sample starts new ones. */
  async reset(): Promise<void> {
    const ws = this.#workers;
    this.#workers = [];
    this.#failAll(new Error('pool reset'));
    await Promise.all(ws.map((w) => w.terminate()));
  }

  async close(): Promise<void> {
    await this.reset();
  }
}

const pools = new Map<Competitor, Pool>();
let prepared: Promise<void> | undefined;

function poolOf(c: Competitor): Pool {
  let pool = pools.get(c);
  if (pool === undefined) {
    pool = new Pool();
    pools.set(c, pool);
  }
  return pool;
}

/** Runs one sample of (kind, competitor) with parameters p; rejects if it fails or hangs. */
export async function runSample(
  kind: string,
  competitor: Competitor,
  p: Params,
  limitMs: number,
): Promise<Metrics> {
  prepared ??= preparePeers();
  await prepared;
  const def = family(kind);
  const pool = poolOf(competitor);
  const impl = def.impls[competitor];
  if (typeof impl !== 'object') throw new Error(`${competitor} cannot run ${kind}: ${impl ?? 'no kernel'}`);
  const roles = def.roles(p);
  const first = def.mainLeads === true ? 1 : 0;
  const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  const { shared, roles: mine } = impl.setup(p);
  await pool.size(roles - first);
  const runs: Promise<Part>[] = [];
  if (first === 1) runs.push(Promise.resolve().then(() => impl.run(0, shared, p, ctl, mine?.[0])));
  for (let r = first; r < roles; r++) {
    runs.push(pool.run(r - first, { kind, competitor, role: r, shared, mine: mine?.[r], p, ctl }));
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: no result within ${Math.round(limitMs)} ms`)), limitMs);
  });
  try {
    const parts = await Promise.race([Promise.all(runs), hang]);
    return def.combine(parts, p, shared);
  } catch (e) {
    await pool.reset();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

export async function closeHost(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close()));
}

/* Child host: driven by the orchestrator over IPC. */

export interface HostRequest {
  id: number;
  kind: string;
  competitor: Competitor;
  p: Params;
  limitMs: number;
}
export type HostReply = { id: number; metrics: Metrics } | { id: number; error: string };
export interface HostHello {
  hello: { node: string; v8: string; harmony: boolean; gc: boolean };
}

if (process.argv.includes('--child') && process.send !== undefined) {
  const send = process.send.bind(process);
  process.on('message', (m: HostRequest | 'exit') => {
    if (m === 'exit') {
      void closeHost().then(() => process.exit(0));
      return;
    }
    runSample(m.kind, m.competitor, m.p, m.limitMs).then(
      (metrics) => send({ id: m.id, metrics } satisfies HostReply),
      (e: unknown) => send({ id: m.id, error: String((e as Error)?.message ?? e) } satisfies HostReply),
    );
  });
  const a = Atomics as unknown as { Mutex?: unknown };
  send({
    hello: {
      node: process.version,
      v8: process.versions.v8,
      harmony: typeof a.Mutex === 'function',
      gc: typeof (globalThis as { gc?: unknown }).gc === 'function',
    },
  } satisfies HostHello);
}
