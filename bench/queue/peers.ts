/*
 * npm multithreading's channel, loaded so that it runs on Node 20.
 *
 * `import 'multithreading'` crashes on Node 20 ("navigator is not defined": its entry sizes a worker
 * pool from navigator.hardwareConcurrency at load time). Its channel does not touch navigator, so
 * we load it past the entry: import.meta.resolve('multithreading') gives the URL of the Node entry
 * without running it, and src/lib/sync/mod.js (channel, Sender, Receiver) and src/lib/shared.js
 * (serialize / deserialize, its own way of moving a handle to another thread) sit beside it. No
 * navigator shim is defined. A channel is `channel(capacity)` -> [Sender, Receiver]: an MPMC ring
 * of JSON values in a SharedArrayBuffer heap, guarded by four of its semaphores. Handles move by
 * `serialize(handle)` (an envelope that postMessage carries) and `deserialize(envelope)` in the
 * other thread; `clone()` makes one more sender or receiver.
 *
 * Its JSON heap is 64 KiB by default and is compacted by a collector that runs in whichever thread
 * runs out of room, with no coordination with the other threads (seen here: objects that arrive
 * with fields missing, and hangs). The benchmark gives every channel a heap of HEAP bytes, so that
 * the collector rarely runs: the most favourable setting we found.
 */

export const HEAP = 64 * 1024 * 1024;

import { readFileSync } from 'node:fs';

export interface MtResult {
  ok: boolean;
  value?: unknown;
  error?: Error;
}
export interface MtSender {
  blockingSend(v: unknown): MtResult;
  clone(): MtSender;
}
export interface MtReceiver {
  blockingRecv(): MtResult;
  recv(): Promise<MtResult>;
  clone(): MtReceiver;
}
export interface MtChannelModule {
  channel(capacity?: number, options?: { size?: number }): [MtSender, MtReceiver];
}
export interface MtSharedModule {
  serialize(handle: unknown): [unknown, Transferable[]];
  deserialize(envelope: unknown): unknown;
}

let loaded: { sync: MtChannelModule; shared: MtSharedModule } | undefined;

/** multithreading's channel and its (de)serializer (see the header). */
export async function loadChannel(): Promise<{ sync: MtChannelModule; shared: MtSharedModule }> {
  if (loaded === undefined) {
    const entry = import.meta.resolve('multithreading');
    const sync = (await import(new URL('../lib/sync/mod.js', entry).href)) as MtChannelModule;
    const shared = (await import(new URL('../lib/shared.js', entry).href)) as MtSharedModule;
    loaded = { sync, shared };
  }
  return loaded;
}

/** The installed version of multithreading. */
export function multithreadingVersion(): string {
  try {
    const entry = import.meta.resolve('multithreading');
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', entry), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'not installed';
  }
}
