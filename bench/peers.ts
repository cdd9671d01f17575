/*
 * The npm peer and V8's experimental primitives, loaded so that they can run on Node 20.
 *
 * npm multithreading@0.3.52. `import 'multithreading'` crashes on Node 20 with "navigator is not
 * defined": its entry (src/node/lib.js -> src/lib/lib.js and pool.js) reads
 * navigator.hardwareConcurrency at module load, to size its worker pool. Its synchronisation
 * classes do not touch navigator, so we load them directly: import.meta.resolve('multithreading')
 * gives the URL of its Node entry WITHOUT running it, and src/lib/sync/mod.js beside it exports
 * Mutex, Condvar, Semaphore and Barrier. No navigator shim is defined anywhere.
 *
 * Its classes cross threads through its own pool's serializer, which we do not use; instead each
 * class takes the SharedArrayBuffer of its state as a constructor argument (`new Mutex(data, buf)`,
 * `new Condvar(buf)`, `new Semaphore(n, buf)`, `new Barrier(n, buf)`), which is exactly what its
 * deserializer does. The benchmark makes those buffers, initialises them as the constructors would
 * (Semaphore: [permits, waiters]; Barrier: [lock 0, capacity n, count n, generation 0]), and builds a
 * handle over them in each thread.
 *
 * V8 Atomics.Mutex / Atomics.Condition exist only under `node --harmony-struct` (V8 11.3 in Node 20:
 * Mutex.lock(mutex, callback), Mutex.tryLock, Condition.wait(cond, mutex, timeout?), Condition.notify
 * (cond, count?); no async forms). They cross threads in postMessage as shared objects.
 */

import { readFileSync } from 'node:fs';

export interface MtGuard {
  readonly value: unknown;
  dispose(): void;
}
export interface MtMutex {
  blockingLock(): MtGuard;
  lock(): Promise<MtGuard>;
}
export interface MtCondvar {
  blockingWait(guard: MtGuard): void;
  wait(guard: MtGuard): Promise<void>;
  notifyOne(): void;
  notifyAll(): void;
}
export interface MtSemaphore {
  blockingAcquire(amount?: number): MtGuard;
}
export interface MtBarrier {
  blockingWait(): { isLeader: boolean };
}
export interface MtModule {
  Mutex: new (data?: unknown, buffer?: SharedArrayBuffer) => MtMutex;
  Condvar: new (buffer?: SharedArrayBuffer) => MtCondvar;
  Semaphore: new (n: number, buffer?: SharedArrayBuffer) => MtSemaphore;
  Barrier: new (n: number | undefined, buffer?: SharedArrayBuffer) => MtBarrier;
}

let mtModule: MtModule | undefined;

/** multithreading's sync classes (see the header: loaded past its crashing entry point). */
export async function loadMultithreading(): Promise<MtModule> {
  if (mtModule === undefined) {
    const entry = import.meta.resolve('multithreading');
    mtModule = (await import(new URL('../lib/sync/mod.js', entry).href)) as MtModule;
  }
  return mtModule;
}

/** The installed version of multithreading, from its package.json. */
export function multithreadingVersion(): string {
  try {
    const entry = import.meta.resolve('multithreading');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', entry), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'not installed';
  }
}

/** Fresh state buffers for multithreading's classes, initialised as its constructors do. */
export const mtBuffers = {
  mutex: (): SharedArrayBuffer => new SharedArrayBuffer(4),
  condvar: (): SharedArrayBuffer => new SharedArrayBuffer(4),
  semaphore(permits: number): SharedArrayBuffer {
    const b = new SharedArrayBuffer(8);
    new Int32Array(b)[0] = permits;
    return b;
  },
  barrier(n: number): SharedArrayBuffer {
    const b = new SharedArrayBuffer(16);
    new Int32Array(b).set([0, n, n, 0]);
    return b;
  },
};

/* V8 --harmony-struct --------------------------------------------------------------------------- */

export type V8Mutex = object;
export type V8Condition = object;
export interface V8Sync {
  Mutex: {
    new (): V8Mutex;
    lock<T>(m: V8Mutex, fn: () => T): T;
  };
  Condition: {
    new (): V8Condition;
    wait(c: V8Condition, m: V8Mutex, timeout?: number): boolean;
    notify(c: V8Condition, count?: number): number;
  };
}

/** Atomics.Mutex and Atomics.Condition, or undefined if this process lacks --harmony-struct. */
export function v8Sync(): V8Sync | undefined {
  const a = Atomics as unknown as Partial<V8Sync>;
  return typeof a.Mutex === 'function' && typeof a.Condition === 'function' ? (a as V8Sync) : undefined;
}

/* Synchronous access for kernels ---------------------------------------------------------------- */

let loaded: MtModule | undefined;
let loadError = '';

/** Loads multithreading's classes once per thread, before any kernel runs (worker.ts, host.ts). */
export async function preparePeers(): Promise<void> {
  try {
    loaded = await loadMultithreading();
  } catch (e) {
    loadError = String((e as Error).message);
  }
}

/** multithreading's classes, loaded by preparePeers(). */
export function mt(): MtModule {
  if (loaded === undefined) throw new Error(`multithreading could not be loaded: ${loadError}`);
  return loaded;
}

/** Atomics.Mutex / Condition; throws in a process without --harmony-struct. */
export function v8(): V8Sync {
  const s = v8Sync();
  if (s === undefined)
    throw new Error('Atomics.Mutex is missing: this process was not started with --harmony-struct');
  return s;
}
