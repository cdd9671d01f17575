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
 * Shared state: `done`, a weft Event, set once the thread has ended: by the worker itself once its
 * target has returned or thrown and it has given back what it still held through hold(), or once it
 * dies another way while its target runs (process.exit(), an uncaught error or unhandled rejection:
 * its process 'exit' event runs in the worker, thread-worker.ts); or by the starting thread on the
 * worker's 'exit' event (terminate(), a crash). join() and joinAsync() wait on it, so any thread that
 * holds it could. The worker sets it itself wherever it can because a blocking join() holds the
 * starting thread's event loop, which the 'exit' event needs.
 *
 * Outcome (`result` / `exception`): a MessageChannel is made at start(); the worker posts one
 * message on it, { ok: true, value } or { ok: false, error } (an Error encoded as name, message,
 * stack, code and cause, since structured clone keeps neither a custom name nor `code`) or
 * { ok: false, exit }, BEFORE it sets `done`. So once join() has returned true the message is in the
 * port's queue, and `receiveMessageOnPort` (worker_threads) takes it synchronously even though this
 * thread's event loop has not run; in browsers the port's message event delivers it (joinAsync
 * waits for it; after a blocking join() in a Web Worker it is there once the event loop has run).
 * The identity is drawn in the parent at start() (so `ident` is known at once) and adopted by the
 * worker before the target is loaded (internal/ident.ts). An error thrown by the target is written
 * with console.error, naming the thread, as Python's threading.excepthook does; it is never
 * swallowed, and it is also the thread's `exception`.
 *
 * Life (internal/life.ts): start() registers the thread in the shared registry of lives and hands
 * it the registry and its slot; the worker's 'exit' event (terminate(), a crash, process.exit() or
 * a normal end) marks it GONE, and the thread marks itself ENDED in its last moment. Waiters use
 * this to detect what a dead thread still held (abandonment: lock.ts, rlock.ts, semaphore.ts,
 * barrier.ts).
 */

import { CannotBlockError, describe, RuntimeError, typeError } from './errors.js';
import { Event } from './event.js';
import { signalOf, type WaitOptions } from './internal/futex.js';
import { drawIdent, me } from './internal/ident.js';
import { gone, register } from './internal/life.js';
import { inOwnMemory, inspect } from './internal/memory.js';
import { checkTimeout } from './internal/timeout.js';
import { revive } from './revive.js';

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
  /** Where the worker posts its Outcome, once, before it sets `done`. */
  port: PortLike | undefined;
}

/** An Error as it crosses threads: structured clone keeps neither a custom `name` nor `code`. @internal */
export interface EncodedError {
  weftError: 1;
  name: string;
  message: string;
  stack: string | undefined;
  code: unknown;
  cause: unknown;
  hasCause: boolean;
}

/** The one message a thread posts on its port: how its target ended. @internal */
export type Outcome =
  | { ok: true; value: unknown }
  | { ok: false; error: unknown }
  | { ok: false; exit: number };

/** @internal The part of a MessagePort that weft uses. */
export interface PortLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage?: ((event: { data: unknown }) => void) | null;
}

/** Any function: what a target module's default export may be. */
// biome-ignore lint/suspicious/noExplicitAny: parameters are checked against the target's own
export type AnyTarget = (...args: any[]) => unknown;

/**
 * The function a Thread runs for the type argument `M`: the default export of a module type (as
 * `typeof import('./job.js')` gives), or `M` itself if it is a function type.
 */
export type ThreadTarget<M> = M extends {
  /** The module's default export, which the Thread calls. */
  default: infer F extends AnyTarget;
}
  ? F
  : M extends AnyTarget
    ? M
    : never;

/** The `args` a Thread of `M` takes: the target's parameters (`unknown[]` for an untyped Thread). */
export type ThreadArgs<M> = unknown extends M ? unknown[] : Parameters<ThreadTarget<M>>;

/** What a Thread of `M` has as `result`: the target's awaited return (`unknown` for an untyped Thread). */
export type ThreadResult<M> = unknown extends M ? unknown : Awaited<ReturnType<ThreadTarget<M>>>;

/**
 * Options of a Thread. With a type argument (`Thread<typeof import('./job.js')>`), `args` is
 * checked against the parameters of the module's default export.
 */
export interface ThreadOptions<M = unknown> {
  /** Arguments of the target's default export; weft primitives inside arrive live. */
  args?: ThreadArgs<M>;
  /** The thread's name (default `Thread-N`). */
  name?: string;
  /** A daemon thread does not keep the process alive (default false). */
  daemon?: boolean;
}

/** The options argument of `new Thread<M>`: required when the target has required parameters. */
export type OptionsArg<M> = unknown extends M
  ? [options?: ThreadOptions<M>]
  : [] extends ThreadArgs<M>
    ? [options?: ThreadOptions<M>]
    : [
        options: ThreadOptions<M> & {
          /** The target's arguments (required: it has required parameters). */
          args: ThreadArgs<M>;
        },
      ];

interface NodeWorker {
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  unref(): void;
}
type NodeWorkerClass = new (
  url: URL,
  options: { workerData: unknown; name?: string; transferList?: unknown[] },
) => NodeWorker;
interface WorkerThreads {
  Worker?: NodeWorkerClass;
  receiveMessageOnPort?: (port: unknown) => { message: unknown } | undefined;
}
interface WebWorker {
  postMessage(message: unknown, transfer?: unknown[]): void;
  addEventListener(type: 'error', listener: (event: { message?: string; error?: unknown }) => void): void;
  unref?(): void;
}
type WebWorkerClass = new (url: URL, options: { type: 'module'; name?: string }) => WebWorker;
type Channel = new () => { port1: PortLike; port2: PortLike };

let counter = 0;
const bootstrap = new URL('./thread-worker.js', import.meta.url);

function workerThreads(): WorkerThreads | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined;
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
 * With a type argument, the module's type, `args` is checked against the default export's
 * parameters and `result` has its awaited return type.
 *
 * @example
 * ```ts
 * import { Event, Thread } from 'weft-threading';
 * const ready = new Event();
 * const t = new Thread(new URL('./worker.js', import.meta.url), { args: [ready], name: 'loader' });
 * t.start();
 * await t.joinAsync();
 * if (t.exception !== undefined) console.error('the loader failed', t.exception);
 * ```
 */
export class Thread<M = unknown> {
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
  /** Where the outcome arrives (until it has). */
  #port: PortLike | undefined;
  /** How worker_threads reads a port synchronously; undefined in browsers. */
  #receive: WorkerThreads['receiveMessageOnPort'];
  #outcome: Outcome | undefined;
  /** Resolves once the outcome has arrived (browsers: joinAsync waits for it after `done`). */
  #arrived: Promise<void> | undefined;
  #arrive: (() => void) | undefined;
  #decoded: { result: unknown; exception: unknown } | undefined;

  /**
   * Makes a thread; nothing runs until `start()`. Never blocks.
   * @param target - the module to run: a URL, or an absolute path. Its default export is called with `args`.
   * @param options - `args`, `name`, `daemon`.
   * @throws TypeError for a bad target or options.
   */
  constructor(target: URL | string, ...[options = {}]: NoInfer<OptionsArg<M>>) {
    if (options === null || typeof options !== 'object') throw typeError('Thread: options must be an object');
    const { args = [], name, daemon = false } = options as ThreadOptions;
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
    // Memory of its own: the worker gets a handle to `done`, and a handle is a view of its whole
    // chunk; carved from this thread's shared chunk, it would let the target reach every primitive
    // beside it, whatever ownMemory() its args were made in.
    this.#done = inOwnMemory(() => new Event());
  }

  /** The thread's identity (as `getIdent()` returns inside it), once started; else undefined. */
  get ident(): number | undefined {
    return this.#ident;
  }

  /**
   * What the target returned (awaited; structured-cloned across, weft primitives inside revived),
   * once the thread has ended; undefined before then, and when the target threw. Never blocks.
   */
  get result(): ThreadResult<M> | undefined {
    return this.#settled()?.result as ThreadResult<M> | undefined;
  }

  /**
   * What the target threw (or its Promise rejected with), or why its module could not be loaded or
   * had no default export, or why the thread ended before its target returned (process.exit(),
   * terminated): once the thread has ended; undefined before then and after a clean end. An Error
   * keeps its `name`, `message`, `stack`, `code` and `cause`. Never blocks.
   */
  get exception(): unknown {
    return this.#settled()?.exception;
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
    const MessageChannel = (globalThis as { MessageChannel?: Channel }).MessageChannel;
    const channel = MessageChannel === undefined ? undefined : new MessageChannel();
    this.#port = channel?.port1;
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
      port: channel?.port2,
    };
    const transfer = channel === undefined ? [] : [channel.port2];
    try {
      const wt = workerThreads();
      const NodeWorker = wt?.Worker;
      if (NodeWorker !== undefined) {
        this.#receive = wt?.receiveMessageOnPort;
        const worker = new NodeWorker(bootstrap, {
          workerData: init,
          name: this.name,
          transferList: transfer,
        });
        this.#worker = worker;
        let crash: unknown;
        let crashed = false;
        worker.on('error', (error) => {
          crash = error;
          crashed = true;
          report(this.name, error);
        });
        worker.on('exit', (code) => {
          gone(life, slot, ident); // the worker, and every worker it started, have stopped
          this.#take();
          if (this.#outcome === undefined) {
            this.#settle(crashed ? { ok: false, error: crash } : { ok: false, exit: code });
          }
          this.#done.set();
        });
        if (this.daemon) worker.unref();
        return;
      }
      const WebWorker = (globalThis as { Worker?: WebWorkerClass }).Worker;
      if (WebWorker === undefined) throw new RuntimeError('Thread.start: this runtime has no workers');
      this.#arrived = new Promise((resolve) => {
        this.#arrive = resolve;
      });
      if (this.#port !== undefined) this.#port.onmessage = (event) => this.#settle(event.data as Outcome);
      const worker = new WebWorker(bootstrap, { type: 'module', name: this.name });
      this.#worker = worker;
      worker.addEventListener('error', (event) => {
        const error = event.error ?? event.message;
        report(this.name, error);
        if (this.#outcome === undefined)
          this.#settle({ ok: false, error: event.error ?? new Error(event.message) });
        this.#done.set();
      });
      if (this.daemon) worker.unref?.();
      worker.postMessage(init, transfer);
    } catch (error) {
      gone(life, slot, ident); // it never ran
      this.#port?.close();
      this.#port = undefined;
      (this.#worker as { terminate?: () => unknown } | undefined)?.terminate?.();
      this.#worker = undefined;
      this.#receive = undefined;
      this.#arrived = undefined;
      this.#arrive = undefined;
      // As in Python, a start() that failed leaves the thread not started (join() throws, start() may be retried).
      this.#started = false;
      this.#ident = undefined;
      throw error;
    }
  }

  /**
   * Blocks the calling thread until the thread has ended or the timeout passes. Once it returns
   * true, `result` and `exception` are there (under worker_threads; in a Web Worker, once the
   * event loop has run: prefer `joinAsync` there).
   * @returns true once the thread has ended (however it ended: see `exception`), false if the
   *   timeout passed first.
   * @throws RuntimeError if the thread was not started, or is the calling thread.
   * @throws CannotBlockError where the thread may not block (a browser's main thread): use joinAsync.
   */
  join(timeout?: number): boolean {
    checkTimeout(timeout, 'Thread.join');
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
   * Never blocks: a Promise of true once the thread has ended (and `result` and `exception` are
   * there), false if the timeout passes first.
   * @throws (rejects) RuntimeError if the thread was not started; `signal.reason` on abort.
   */
  async joinAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    checkTimeout(timeout, 'Thread.joinAsync');
    signalOf(options, 'Thread.joinAsync');
    this.#joinable('joinAsync');
    const ended = await this.#done.waitAsync(timeout, options);
    if (ended) {
      this.#take();
      // Posted before `done` was set: in a browser the message event is on its way.
      if (this.#outcome === undefined && this.#arrived !== undefined && this.#port !== undefined)
        await this.#arrived;
    }
    return ended;
  }

  /** Returns whether the thread has started and not yet ended. Never blocks. */
  isAlive(): boolean {
    return this.#current || (this.#started && !this.#done.isSet());
  }

  #joinable(what: string): void {
    if (this.#current) throw new RuntimeError(`Thread.${what}: cannot join the current thread`);
    if (!this.#started) throw new RuntimeError(`Thread.${what}: cannot join a thread before it is started`);
  }

  /** Takes the outcome from the port if it is there and this runtime can read a port synchronously. */
  #take(): void {
    if (this.#outcome !== undefined || this.#port === undefined || this.#receive === undefined) return;
    let got: { message: unknown } | undefined;
    try {
      got = this.#receive(this.#port);
    } catch (error) {
      // The outcome was sent but cannot be rebuilt here (V8 cannot deserialize an Error whose
      // cause leads back to it): say so, rather than throw from a getter or the 'exit' listener.
      const why = new TypeError(
        `Thread ${this.name}: its outcome could not be received (${error instanceof Error ? error.message : String(error)})`,
      );
      this.#settle({ ok: false, error: encodeError(why) });
      return;
    }
    if (got !== undefined) this.#settle(got.message as Outcome);
  }

  #settle(outcome: Outcome): void {
    if (this.#outcome !== undefined) return;
    this.#outcome = outcome;
    this.#port?.close();
    this.#port = undefined;
    this.#arrive?.();
  }

  /** The decoded outcome once the thread has ended; undefined before. */
  #settled(): { result: unknown; exception: unknown } | undefined {
    if (this.#current || !this.#started || !this.#done.isSet()) return undefined;
    if (this.#decoded !== undefined) return this.#decoded;
    this.#take();
    const o = this.#outcome;
    if (o === undefined) return undefined; // a browser: the message event has not arrived yet
    if (o.ok) this.#decoded = { result: revive(o.value), exception: undefined };
    else if ('exit' in o) this.#decoded = { result: undefined, exception: exitError(this.name, o.exit) };
    else this.#decoded = { result: undefined, exception: decodeError(o.error) };
    return this.#decoded;
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

/** Why a thread that ended before its target returned has no result. */
function exitError(name: string, code: number): RuntimeError {
  return Object.assign(
    new RuntimeError(
      `Thread ${name}: the thread ended (exit code ${code}) before its target returned: process.exit() was ` +
        'called, it was terminated, or the Promise its target returned could no longer settle',
    ),
    { exitCode: code },
  );
}

const ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** @internal An error (or any thrown value) as it can cross threads with its name and code. */
export function encodeError(error: unknown, depth = 0, seen: Error[] = []): unknown {
  if (!(error instanceof Error) || depth > 8) return error;
  const e = error as Error & { code?: unknown; cause?: unknown };
  seen.push(e);
  // A cause that leads back up the chain is left out: V8 cannot deserialize such a cycle.
  const hasCause = 'cause' in e && !(e.cause instanceof Error && seen.includes(e.cause));
  return {
    weftError: 1,
    name: String(e.name),
    message: String(e.message),
    stack: typeof e.stack === 'string' ? e.stack : undefined,
    code: e.code,
    cause: hasCause ? encodeError(e.cause, depth + 1, seen) : undefined,
    hasCause,
  } satisfies EncodedError;
}

/** @internal Rebuilds what encodeError made: an Error with the same name, message, stack, code, cause. */
export function decodeError(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || (value as EncodedError).weftError !== 1) return value;
  const v = value as EncodedError;
  const Ctor = Object.hasOwn(ERRORS, v.name) ? (ERRORS[v.name] as ErrorConstructor) : Error;
  const e = new Ctor(v.message) as Error & { code?: unknown; cause?: unknown };
  if (e.name !== v.name)
    Object.defineProperty(e, 'name', { value: v.name, writable: true, configurable: true });
  if (v.stack !== undefined)
    Object.defineProperty(e, 'stack', { value: v.stack, writable: true, configurable: true });
  if (v.code !== undefined) e.code = v.code;
  if (v.hasCause)
    Object.defineProperty(e, 'cause', { value: decodeError(v.cause), writable: true, configurable: true });
  return e;
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
