/*
 * The entry point of every weft Thread's worker (internal). It receives the ThreadInit (as
 * workerData under worker_threads, or as the first message in a Web Worker), adopts the identity
 * the parent drew, imports the target, calls its default export with the revived args (awaiting a
 * Promise), reports an error as Python's excepthook does, and ends.
 *
 * Ending (finish(), once): post the Outcome on the port (thread.ts), then give back, with a warning,
 * the permits still held through hold(), then set `done`. In that order, so that a join() that
 * returns finds the outcome in the port and the permits given back.
 *   - The target returned or threw (or its Promise settled): finish() at once.
 *   - The thread dies while its target runs (process.exit(), an uncaught error or an unhandled
 *     rejection, which worker_threads turns into an uncaught error, or an event loop that empties
 *     with the target's Promise still pending): the worker's process 'exit' event runs here, in the
 *     worker, in each of those cases, and its listener finishes with the error seen by
 *     'uncaughtExceptionMonitor' (which observes without changing what happens) or the exit code.
 *     This is what lets a blocking join() return: the starting thread's own 'exit' event for the
 *     worker needs its event loop, which that join() holds.
 *   - terminate() runs no code here: the starting thread's 'exit' event sets `done` (thread.ts).
 *
 * A trap it points out: primitives made while the target module is imported (module level, in it or
 * in a module it imports) are made again in every thread that imports that module, so they are
 * different primitives in each: if the import carved shared memory (internal/memory.ts), it warns.
 *
 * Life (internal/life.ts): before the target loads, it adopts the registry and its slot and turns
 * on recording (Locks it takes record it as holder; permits it takes with hold() are recorded).
 * In its last moment, when it runs no more code (process 'exit', moved to the end of the listeners
 * once the target has returned so that it runs after the target's own exit listeners; or just
 * before a Web Worker's close()), it gives back permits taken with hold() since (by work the target
 * left running), then marks itself ENDED.
 */

import { Event } from './event.js';
import { adoptIdent, me } from './internal/ident.js';
import { begin, end } from './internal/life.js';
import { _carvingMark } from './internal/memory.js';
import { _recordHolders } from './lock.js';
import { revive } from './revive.js';
import { _releaseLeftovers } from './semaphore.js';
import { encodeError, type Outcome, report, type ThreadInit } from './thread.js';

interface WebScope {
  postMessage?: unknown;
  close?: () => void;
  addEventListener(
    type: 'message',
    listener: (event: { data: unknown }) => void,
    options?: { once: boolean },
  ): void;
}

interface Proc {
  on?(event: string, listener: (...args: never[]) => void): unknown;
  off?(event: string, listener: (...args: never[]) => void): unknown;
  getBuiltinModule?: (id: string) => unknown;
}

function isInit(value: unknown): value is ThreadInit {
  return value !== null && typeof value === 'object' && (value as ThreadInit).weftThread === 1;
}

async function receive(): Promise<{ init: ThreadInit; web: boolean }> {
  const wt = proc?.getBuiltinModule?.('node:worker_threads') as
    | { workerData?: unknown; isMainThread?: boolean }
    | undefined;
  if (wt !== undefined && wt.isMainThread === false && isInit(wt.workerData))
    return { init: wt.workerData, web: false };
  const scope = globalThis as unknown as WebScope;
  return new Promise((resolve) => {
    scope.addEventListener(
      'message',
      (event) => {
        if (isInit(event.data)) resolve({ init: event.data, web: true });
      },
      { once: true },
    );
  });
}

const proc = (globalThis as unknown as { process?: Proc }).process;
const { init, web } = await receive();
const done = Event.from(init.done);
adoptIdent(init.ident, init.name, init.daemon);
if (begin(init.life, init.slot)) _recordHolders(me().hi, me().lo);

let finished = false;
let uncaught: { error: unknown } | undefined;
const onUncaught = (error: unknown): void => {
  uncaught ??= { error };
};
/** The process 'exit' event while the target runs: the thread is dying before it returned. */
const onEarlyExit = (code: number): void => {
  finish(uncaught === undefined ? { ok: false, exit: code } : { ok: false, error: uncaught.error });
  last();
};
if (!web) {
  proc?.on?.('uncaughtExceptionMonitor', onUncaught);
  proc?.on?.('exit', onEarlyExit);
}

let outcome: Outcome;
try {
  const before = _carvingMark();
  const mod = (await import(init.target)) as { default?: unknown };
  const after = _carvingMark();
  if (after[0] !== before[0] || after[1] !== before[1]) warnModuleLevel();
  if (typeof mod.default !== 'function') {
    throw new TypeError(`Thread ${init.name}: ${init.target} has no default export to call`);
  }
  outcome = { ok: true, value: await (mod.default as (...args: unknown[]) => unknown)(...revive(init.args)) };
} catch (error) {
  report(init.name, error);
  outcome = { ok: false, error };
}
finish(outcome);
if (web) {
  last();
  (globalThis as unknown as WebScope).close?.();
} else {
  proc?.off?.('exit', onEarlyExit);
  proc?.off?.('uncaughtExceptionMonitor', onUncaught);
  proc?.on?.('exit', last);
}

/**
 * Warns (once per thread) that importing the target made weft primitives at module level: made
 * again in each thread that imports the module, they are different primitives in each.
 */
function warnModuleLevel(): void {
  console.warn(
    `weft: Thread ${init.name}: importing ${init.target} made weft primitives at module level (e.g. ` +
      '`export const lock = new Lock()`). Each thread that imports a module makes its own: they are ' +
      'different primitives in each thread and do not synchronise anything between them. Make shared ' +
      "primitives in one thread and pass them in the Thread's args (or postMessage / workerData).",
  );
}

/** The end of the target: post the outcome, give back leftover permits, then set `done`. Once. */
function finish(o: Outcome): void {
  if (finished) return;
  finished = true;
  try {
    post(o);
  } finally {
    try {
      _releaseLeftovers(init.name);
    } finally {
      done.set();
    }
  }
}

/** Posts the outcome; a result or error that cannot be cloned becomes an error that says so. */
function post(o: Outcome): void {
  const port = init.port;
  if (port === undefined) return;
  const thrown = o.ok || 'exit' in o ? undefined : o.error;
  const message = o.ok || 'exit' in o ? o : { ok: false, error: encodeError(thrown) };
  try {
    port.postMessage(message);
  } catch (error) {
    const what = o.ok ? 'result' : 'exception';
    const why = new TypeError(
      `Thread ${init.name}: the target's ${what} cannot be sent to the thread that started it ` +
        `(${error instanceof Error ? error.message : String(error)})`,
    );
    if (o.ok) report(init.name, why);
    try {
      port.postMessage({ ok: false, error: o.ok ? encodeError(why) : cloneable(thrown, error) });
    } catch {
      // nothing can be sent: the starting thread sees an end without an outcome
    }
  }
}

/**
 * What is left of an exception that cannot be cloned: an Error keeps its name, message and stack,
 * with its `code` and `cause` only if they can be cloned; any other value becomes the message of
 * the clone's failure, as before.
 */
function cloneable(thrown: unknown, why: unknown): unknown {
  const canClone = (v: unknown): boolean => {
    try {
      structuredClone(v);
      return true;
    } catch {
      return false;
    }
  };
  if (thrown instanceof Error) {
    const e = encodeError(thrown) as { code: unknown; cause: unknown; hasCause: boolean };
    if (!canClone(e.code)) e.code = undefined;
    if (!canClone(e.cause)) {
      e.cause = undefined;
      e.hasCause = false;
    }
    if (canClone(e)) return e;
  }
  return String(why);
}

/** The thread's last moment, when it runs no more code: give back leftover permits, then end. */
function last(): void {
  try {
    _releaseLeftovers(init.name);
  } finally {
    end();
  }
}
