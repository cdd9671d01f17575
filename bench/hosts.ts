/*
 * The places where samples run, seen from the orchestrator:
 *   local     this process (host.ts's runSample, with its worker pool)
 *   harmony   a child node process with --harmony-struct (V8's Atomics.Mutex / Condition) and
 *             --expose-gc (its allocation rows)
 *   gc        a child node process with --expose-gc and a fixed young generation (alloc.ts)
 *   python    python3 bench/python_bench.py --serve
 *   fresh     a new process per sample (memory.ts, python_bench.py --memory)
 * A host that cannot start makes its competitors "n/a" with the reason; one that hangs is killed and
 * started again for the next sample.
 */

import { type ChildProcess, execFile, fork, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Competitor, Metrics, Params } from './common.js';
import type { HostHello, HostReply, HostRequest } from './host.js';
import { runSample } from './host.js';

export interface Host {
  readonly name: string;
  /** Why this host cannot run anything, once known (undefined while it works). */
  unavailable(): Promise<string | undefined>;
  sample(kind: string, competitor: Competitor, p: Params, limitMs: number): Promise<Metrics>;
  close(): Promise<void>;
}

export const localHost: Host = {
  name: 'local',
  unavailable: async () => undefined,
  sample: (kind, competitor, p, limitMs) => runSample(kind, competitor, p, limitMs),
  close: async () => {},
};

const hostScript = fileURLToPath(new URL('./host.js', import.meta.url));
const memoryScript = fileURLToPath(new URL('./memory.js', import.meta.url));
export const pythonScript = fileURLToPath(new URL('../../bench/python_bench.py', import.meta.url));

type Pending = Map<number, { resolve: (m: Metrics) => void; reject: (e: Error) => void }>;

/** A child process host speaking JSON (node IPC or python's JSON lines), restarted after a hang. */
class ChildHost implements Host {
  readonly name: string;
  readonly #start: () => { child: ChildProcess; send: (m: HostRequest) => void };
  #child: ChildProcess | undefined;
  #send: ((m: HostRequest) => void) | undefined;
  #hello: Promise<Record<string, unknown>> | undefined;
  #pending: Pending = new Map();
  #next = 1;
  #why: string | undefined;
  /** What the child said about itself when it started. */
  info: Record<string, unknown> = {};

  constructor(
    name: string,
    start: () => { child: ChildProcess; send: (m: HostRequest) => void },
    readonly check: (hello: Record<string, unknown>) => string | undefined,
  ) {
    this.name = name;
    this.#start = start;
  }

  #boot(): Promise<Record<string, unknown>> {
    if (this.#hello !== undefined) return this.#hello;
    const hello = new Promise<Record<string, unknown>>((resolve, reject) => {
      let started: { child: ChildProcess; send: (m: HostRequest) => void };
      try {
        started = this.#start();
      } catch (e) {
        reject(e as Error);
        return;
      }
      const { child, send } = started;
      this.#child = child;
      this.#send = send;
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      child.on('error', (e) => reject(e));
      child.on('exit', (code, signal) => {
        const e = new Error(
          `${this.name} host exited (${signal ?? code}): ${stderr.trim().split('\n').pop() ?? ''}`,
        );
        reject(e);
        for (const p of this.#pending.values()) p.reject(e);
        this.#pending.clear();
        if (this.#child === child) {
          this.#child = undefined;
          this.#hello = undefined;
        }
      });
      this.onMessage = (m: unknown) => {
        const msg = m as HostHello | HostReply;
        if ('hello' in msg) {
          this.info = msg.hello as Record<string, unknown>;
          resolve(this.info);
          return;
        }
        const p = this.#pending.get(msg.id);
        if (p === undefined) return;
        this.#pending.delete(msg.id);
        if ('metrics' in msg) p.resolve(msg.metrics);
        else p.reject(new Error(msg.error));
      };
    });
    this.#hello = hello;
    return hello;
  }

  /** Called by the start function's transport with each message from the child. */
  onMessage: (m: unknown) => void = () => {};

  async unavailable(): Promise<string | undefined> {
    if (this.#why !== undefined) return this.#why;
    try {
      const hello = await withTimeout(this.#boot(), 30000, `${this.name} host did not start`);
      this.#why = this.check(hello);
    } catch (e) {
      this.#why = String((e as Error).message);
    }
    return this.#why;
  }

  async sample(kind: string, competitor: Competitor, p: Params, limitMs: number): Promise<Metrics> {
    await this.#boot();
    const id = this.#next++;
    const send = this.#send;
    if (send === undefined) throw new Error(`${this.name} host is not running`);
    const reply = new Promise<Metrics>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      send({ id, kind, competitor, p, limitMs });
    });
    try {
      return await withTimeout(reply, limitMs + 10000, `hung: ${this.name} host gave no result`);
    } catch (e) {
      if (String((e as Error).message).startsWith('hung')) this.#kill();
      throw e;
    }
  }

  #kill(): void {
    this.#child?.kill('SIGKILL');
    this.#child = undefined;
    this.#hello = undefined;
  }

  async close(): Promise<void> {
    const child = this.#child;
    if (child === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    if (child.connected) child.send('exit');
    else child.stdin?.end();
    await withTimeout(exited, 5000, 'close').catch(() => child.kill('SIGKILL'));
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(what)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function nodeHost(name: string, flags: string[], check: (h: Record<string, unknown>) => string | undefined) {
  const host: ChildHost = new ChildHost(
    name,
    () => {
      const child = fork(hostScript, ['--child'], {
        execArgv: flags,
        stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      });
      child.on('message', (m) => host.onMessage(m));
      return { child, send: (m) => child.send(m) };
    },
    check,
  );
  return host;
}

/** V8's Atomics.Mutex / Condition: a child node with --harmony-struct. */
export const harmonyHost = nodeHost(
  'harmony',
  ['--harmony-struct', '--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'],
  (h) =>
    h.harmony === true ? undefined : `Atomics.Mutex is missing under --harmony-struct on Node ${h.node}`,
);

/** Heap allocation per operation: a child node with --expose-gc and a fixed 64 MiB semi-space. */
export const gcHost = nodeHost(
  'gc',
  ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'],
  (h) => (h.gc === true ? undefined : 'gc() is not exposed'),
);

/** Python's threading: python3 bench/python_bench.py --serve, JSON lines. */
export const pythonHost: ChildHost = new ChildHost(
  'python',
  () => {
    const child = spawn('python3', [pythonScript, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout = child.stdout;
    if (stdout === null) throw new Error('python3 has no stdout');
    createInterface({ input: stdout }).on('line', (line) => {
      if (line.trim() !== '') pythonHost.onMessage(JSON.parse(line));
    });
    return {
      child,
      send: (m) => child.stdin?.write(`${JSON.stringify({ id: m.id, kind: m.kind, p: m.p })}\n`),
    };
  },
  () => undefined,
);

/** Memory: a fresh process per sample. */
export function freshMemory(what: string, competitor: Competitor, count: number): Promise<Metrics> {
  let file: string;
  let args: string[];
  if (competitor === 'python') {
    file = 'python3';
    args = [pythonScript, '--memory', what, String(count)];
  } else {
    file = process.execPath;
    args = ['--expose-gc', memoryScript, what, competitor, String(count)];
    if (competitor === 'v8-mutex') args.unshift('--harmony-struct');
  }
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 120000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${competitor} memory: ${stderr.trim().split('\n').pop() ?? error.message}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as Metrics);
      } catch {
        reject(new Error(`${competitor} memory: unreadable output ${stdout.slice(0, 200)}`));
      }
    });
  });
}
