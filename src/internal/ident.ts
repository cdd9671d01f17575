/*
 * Thread identity, unique across every thread that shares memory with this one.
 *
 * Node's threadId is unique only among one process's workers, and Bun, Deno and browsers number
 * their workers each their own way; no counter is shared by every thread that may meet an RLock. So
 * each thread draws its identity at random, once: a 53-bit integer (a safe JavaScript integer) whose
 * high 21 bits and low 32 bits are both non-zero. Two threads collide with probability about
 * n^2 / 2^54 for n threads: below 10^-10 for a thousand threads.
 *
 * RLock stores an owner as the two halves (HI, LO) in two words. Only the owner writes them, and it
 * clears them before unlocking, so a reader that is not the owner can see a torn pair made of one
 * half of an identity and a zero, never both halves of its own identity.
 *
 * A weft Thread draws the identity in the parent (so `thread.ident` is known at start()) and hands
 * it to the worker, which adopts it before loading the target. The identity lives on globalThis
 * under a registered symbol, so two copies of weft loaded in one thread agree on it.
 */

const KEY = Symbol.for('weft.thread.ident');

interface Identity {
  ident: number;
  hi: number;
  lo: number;
  name: string;
  daemon: boolean;
}

/** Draws a fresh identity (53 bits, both halves non-zero). */
export function drawIdent(): number {
  const r = new Uint32Array(2);
  crypto.getRandomValues(r);
  const hi = ((r[0] as number) % 0x1fffff) + 1; // 1 .. 2^21-1
  const lo = (r[1] as number) || 1; // 1 .. 2^32-1
  return hi * 0x100000000 + lo;
}

function split(ident: number, name: string, daemon: boolean): Identity {
  return { ident, hi: Math.floor(ident / 0x100000000) | 0, lo: (ident % 0x100000000) | 0, name, daemon };
}

let cached: Identity | undefined;

/** This thread's identity, drawn on first use (cached: RLock's fast path asks for it). */
export function me(): Identity {
  return cached ?? lookup();
}

function lookup(): Identity {
  const g = globalThis as { [KEY]?: Identity };
  let id = g[KEY];
  if (id === undefined) {
    const isWorker =
      typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function' ||
      typeof (globalThis as { importScripts?: unknown }).importScripts === 'function' ||
      isNodeWorker();
    id = split(drawIdent(), isWorker ? 'Worker' : 'MainThread', false);
    g[KEY] = id;
  }
  cached = id;
  return id;
}

/** Whether this is a worker_threads worker (Node, Bun, Deno), which has no WorkerGlobalScope. */
function isNodeWorker(): boolean {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const wt = proc?.getBuiltinModule?.('node:worker_threads') as { isMainThread?: boolean } | undefined;
  return wt?.isMainThread === false;
}

/** Used by a weft Thread's worker before its target loads: adopts the identity its parent drew. */
export function adoptIdent(ident: number, name: string, daemon: boolean): void {
  cached = split(ident, name, daemon);
  (globalThis as { [KEY]?: Identity })[KEY] = cached;
}
