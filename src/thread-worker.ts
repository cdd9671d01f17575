/*
 * The entry point of every weft Thread's worker (internal). It receives the ThreadInit (as
 * workerData under worker_threads, or as the first message in a Web Worker), adopts the identity
 * the parent drew, imports the target, calls its default export with the revived args (awaiting a
 * Promise), reports an error as Python's excepthook does, and sets `done`.
 */

import { Event } from './event.js';
import { adoptIdent } from './internal/ident.js';
import { revive } from './revive.js';
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
  if (web) (globalThis as unknown as WebScope).close?.();
}
