/*
 * A Thread runs a module's default export in a new worker (Python's threading.Thread, with a module
 * URL as its target since functions do not cross threads).
 *
 * Which worker: the runtime's worker_threads where it has one (Node, Bun and Deno, reached through
 * process.getBuiltinModule so that this file imports nothing Node-specific), else a module Web Worker
 * (browsers). The worker is created synchronously in start(), so `t.start(); t.join()` works even
 * when join() then blocks the starting thread; except in a Chromium Web Worker, where a nested worker
 * starts only once its parent returns to its event loop (so there: `await t.joinAsync()`).
 *
 * Shared state: `done`, a weft Event, set once the target has returned or thrown, or the worker has
 * exited; join() and joinAsync() wait on it, so any thread that holds it could. The identity is drawn
 * in the parent at start() (so `ident` is known at once) and adopted by the worker before the target
 * is loaded (internal/ident.ts). An error thrown by the target is written with console.error, naming
 * the thread, as Python's threading.excepthook does; it is never swallowed.
 *
 * Life (internal/life.ts): start() registers the thread in the shared registry of lives and hands
 * it the registry and its slot; the worker's 'exit' event (terminate(), a crash, process.exit() or
 * a normal end) marks it GONE, and the thread marks itself ENDED in its last moment. Waiters use
 * this to detect what a dead thread still held (abandonment: lock.ts, rlock.ts, semaphore.ts).
 */

import { CannotBlockError, describe, RuntimeError, typeError } from './errors.js';
import { Event } from './event.js';
import type { WaitOptions } from './internal/futex.js';
import { drawIdent, me } from './internal/ident.js';
import { gone, register } from './internal/life.js';
import { inspect } from './internal/memory.js';

/** What the worker receives. @internal */
export interface ThreadInit {
  weftThread: 1;
  target: string;
  args: unknown[];
  name: string;
  ident: number;
  daemon: boolean;
  done: Event;
  /** The registry of lives (internal/life.ts) and this thread's slot in it (-1: not registered). */
  life: Int32Array;
  slot: number;
}

/** Options of a Thread. */
export interface ThreadOptions {
  /** Arguments of the target's default export; weft primitives inside arrive live. */
  args?: unknown[];
  /** The thread's name (default `Thread-N`). */
  name?: string;
  /** A daemon thread does not keep the process alive (default false). */
  daemon?: boolean;
}

interface NodeWorker {
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  unref(): void;
}
type NodeWorkerClass = new (url: URL, options: { workerData: unknown; name?: string }) => NodeWorker;
interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'error', listener: (event: { message?: string; error?: unknown }) => void): void;
  unref?(): void;
}
type WebWorkerClass = new (url: URL, options: { type: 'module'; name?: string }) => WebWorker;

let counter = 0;
const bootstrap = new URL('./thread-worker.js', import.meta.url);

function nodeWorkerClass(): NodeWorkerClass | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.('node:worker_threads') as { Worker?: NodeWorkerClass } | undefined;
  return mod?.Worker;
}

function targetURL(target: unknown): string {
  if (target instanceof URL) return target.href;
  if (typeof target === 'string') {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) && !/^[a-z]:[\\/]/i.test(target)) return new URL(target).href;
    if (target.startsWith('/'))
      return new URL(`file://${encodeURI(target).replace(/[?#]/g, encodeURIComponent)}`).href;
    throw typeError(
      `Thread: target must be a URL or an absolute path, got the relative "${target}": use new URL('${target}', import.meta.url)`,
    );
  }
  throw typeError(`Thread: target must be a URL (or an absolute path) of a module, got ${describe(target)}`);
}

/**
 * Runs a module's default export in a new worker thread.
 *
 * @example
 * ```ts
 * import { Event, Thread } from 'weft-threading';
 * const ready = new Event();
 * const t = new Thread(new URL('./worker.js', import.meta.url), { args: [ready], name: 'loader' });
 * t.start();
 * await t.joinAsync();
 * ```
 */
export class Thread {
  /** The thread's name. */
  readonly name: string;
  /** Whether the thread is a daemon (does not keep the process alive). */
  readonly daemon: boolean;
  readonly #target: string;
  readonly #args: unknown[];
  readonly #done: Event;
  #ident: number | undefined;
  #started = false;
  readonly #current: boolean;
  #worker: unknown;

  /**
   * Makes a thread; nothing runs until `start()`. Never blocks.
   * @param target - the module to run: a URL, or an absolute path. Its default export is called with `args`.
   * @param options - `args`, `name`, `daemon`.
   * @throws TypeError for a bad target or options.
   */
  constructor(target: URL | string, options: ThreadOptions = {}) {
    if (options === null || typeof options !== 'object') throw typeError('Thread: options must be an object');
    const { args = [], name, daemon = false } = options;
    if (!Array.isArray(args)) throw typeError(`Thread: args must be an array, got ${describe(args)}`);
    if (name !== undefined && typeof name !== 'string')
      throw typeError(`Thread: name must be a string, got ${describe(name)}`);
    if (typeof daemon !== 'boolean')
      throw typeError(`Thread: daemon must be a boolean, got ${describe(daemon)}`);
    this.#current = (target as unknown) === CURRENT;
    this.#target = this.#current ? '' : targetURL(target);
    this.#args = args;
    this.name = name ?? `Thread-${++counter}`;
    this.daemon = daemon;
    this.#done = new Event();
  }

  /** The thread's identity (as `getIdent()` returns inside it), once started; else undefined. */
  get ident(): number | undefined {
    return this.#ident;
  }

  /**
   * Starts the thread. Never blocks.
   * @throws RuntimeError if the thread was already started.
   */
  start(): void {
    if (this.#started) throw new RuntimeError('Thread.start: threads can only be started once');
    this.#started = true;
    const ident = drawIdent();
    this.#ident = ident;
    const { life, slot } = register(ident);
    const init: ThreadInit = {
      weftThread: 1,
      target: this.#target,
      args: this.#args,
      name: this.name,
      ident,
      daemon: this.daemon,
      done: this.#done,
      life,
      slot,
    };
    try {
      const NodeWorker = nodeWorkerClass();
      if (NodeWorker !== undefined) {
        const worker = new NodeWorker(bootstrap, { workerData: init, name: this.name });
        this.#worker = worker;
        worker.on('error', (error) => report(this.name, error));
        worker.on('exit', () => {
          gone(life, slot, ident); // the worker, and every worker it started, have stopped
          this.#done.set();
        });
        if (this.daemon) worker.unref();
        return;
      }
      const WebWorker = (globalThis as { Worker?: WebWorkerClass }).Worker;
      if (WebWorker === undefined) throw new RuntimeError('Thread.start: this runtime has no workers');
      const worker = new WebWorker(bootstrap, { type: 'module', name: this.name });
      this.#worker = worker;
      worker.addEventListener('error', (event) => {
        report(this.name, event.error ?? event.message);
        this.#done.set();
      });
      if (this.daemon) worker.unref?.();
      worker.postMessage(init);
    } catch (error) {
      gone(life, slot, ident); // it never ran
      this.#done.set();
      throw error;
    }
  }

  /**
   * Blocks the calling thread until the thread has ended or the timeout passes.
   * @returns true once the thread has ended, false if the timeout passed first.
   * @throws RuntimeError if the thread was not started, or is the calling thread.
   * @throws CannotBlockError where the thread may not block (a browser's main thread): use joinAsync.
   */
  join(timeout?: number): boolean {
    this.#joinable('join');
    try {
      return this.#done.wait(timeout);
    } catch (error) {
      // Name this method and its twin, not the Event inside (a browser's main thread cannot block).
      if (error instanceof CannotBlockError)
        throw new CannotBlockError(error.message.replace(/Event\.wait(Async)?\b/g, 'Thread.join$1'));
      throw error;
    }
  }

  /**
   * Never blocks: a Promise of true once the thread has ended, false if the timeout passes first.
   * @throws (rejects) RuntimeError if the thread was not started; `signal.reason` on abort.
   */
  async joinAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    this.#joinable('joinAsync');
    return this.#done.waitAsync(timeout, options);
  }

  /** Returns whether the thread has started and not yet ended. Never blocks. */
  isAlive(): boolean {
    return this.#current || (this.#started && !this.#done.isSet());
  }

  #joinable(what: string): void {
    if (this.#current) throw new RuntimeError(`Thread.${what}: cannot join the current thread`);
    if (!this.#started) throw new RuntimeError(`Thread.${what}: cannot join a thread before it is started`);
  }

  /** @internal */
  [inspect](): string {
    const state = this.#current
      ? 'current'
      : !this.#started
        ? 'initial'
        : this.#done.isSet()
          ? 'stopped'
          : 'started';
    return `Thread { ${this.name}, ${state}${this.daemon ? ', daemon' : ''}${this.#ident === undefined ? '' : `, ident: ${this.#ident}`} }`;
  }

  /**
   * @internal The worker that runs this thread (a worker_threads Worker or a Web Worker), once
   * started; for tests that terminate it to stand for a crash.
   */
  _worker(): unknown {
    return this.#worker;
  }

  /** @internal Makes the Thread object that stands for the calling thread. */
  static _current(name: string, ident: number, daemon: boolean): Thread {
    const t = new Thread(CURRENT as unknown as string, { name, daemon });
    t.#ident = ident;
    t.#started = true;
    return t;
  }
}

const CURRENT = Symbol('current thread');

let current: Thread | undefined;

/**
 * Returns the Thread object of the calling thread (for the main thread or a worker not started by
 * weft, one made on first call). Never blocks.
 */
export function currentThread(): Thread {
  const id = me();
  if (current === undefined || current.ident !== id.ident)
    current = Thread._current(id.name, id.ident, id.daemon);
  return current;
}

/**
 * Returns the calling thread's identity: a non-zero integer, unique among the threads that share
 * memory with it. Never blocks.
 */
export function getIdent(): number {
  return me().ident;
}

/** Reports an error of a thread's target as Python's threading.excepthook does. @internal */
export function report(name: string, error: unknown): void {
  console.error(`Exception in thread ${name}:`);
  console.error(error);
}
