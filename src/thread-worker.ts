/*
 * The entry point of every weft Thread's worker (internal). It receives the ThreadInit (as
 * workerData under worker_threads, or as the first message in a Web Worker), adopts the identity
 * the parent drew, imports the target, calls its default export with the revived args (awaiting a
 * Promise), reports an error as Python's excepthook does, and sets `done`.
 *
 * Life (internal/life.ts): before the target loads, it adopts the registry and its slot and turns
 * on recording (Locks it takes record it as holder; permits it takes with hold() are recorded).
 * In its last moment, when it runs no more code (process 'exit', registered once the target has
 * returned so that it runs after the target's own exit listeners; or just before a Web Worker's
 * close()), it gives back, with a warning, the permits still held through hold(), then marks itself
 * ENDED. (Not sooner: work the target left running may still use them.)
 */

import { Event } from './event.js';
import { adoptIdent, me } from './internal/ident.js';
import { begin, end } from './internal/life.js';
import { _recordHolders } from './lock.js';
import { revive } from './revive.js';
import { _releaseLeftovers } from './semaphore.js';
import { report, type ThreadInit } from './thread.js';

interface WebScope {
  postMessage?: unknown;
  close?: () => void;
  addEventListener(
    type: 'message',
    listener: (event: { data: unknown }) => void,
    options?: { once: boolean },
  ): void;
}

function isInit(value: unknown): value is ThreadInit {
  return value !== null && typeof value === 'object' && (value as ThreadInit).weftThread === 1;
}

async function receive(): Promise<{ init: ThreadInit; web: boolean }> {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
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

const { init, web } = await receive();
const done = Event.from(init.done);
adoptIdent(init.ident, init.name, init.daemon);
if (begin(init.life, init.slot)) _recordHolders(me().hi, me().lo);
try {
  const mod = (await import(init.target)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new TypeError(`Thread ${init.name}: ${init.target} has no default export to call`);
  }
  await (mod.default as (...args: unknown[]) => unknown)(...revive(init.args));
} catch (error) {
  report(init.name, error);
} finally {
  done.set();
  if (web) {
    last();
    (globalThis as unknown as WebScope).close?.();
  } else {
    const proc = (globalThis as { process?: { once?: (event: 'exit', listener: () => void) => unknown } })
      .process;
    proc?.once?.('exit', last);
  }
}

/** The thread's last moment, when it runs no more code: give back leftover permits, then end. */
function last(): void {
  try {
    _releaseLeftovers(init.name);
  } finally {
    end();
  }
}
