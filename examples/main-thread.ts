/*
 * The main thread coordinating with a worker (examples/worker.ts). The main thread never blocks: it
 * uses the async form of each wait (waitAsync, holdAsync, joinAsync), so its event loop keeps running.
 * Run it with `node build/examples/main-thread.js` after `npm run build:all`.
 */

import { Event, Lock, Thread } from 'weft-threading';
import type { Shared } from './worker.js';

const shared: Shared = {
  ready: new Event(), // the worker is up
  go: new Event(), // start counting
  lock: new Lock(), // guards total[0]
  total: new Int32Array(new SharedArrayBuffer(4)),
};

const worker = new Thread(new URL('./worker.js', import.meta.url), { args: [shared, 10_000], name: 'adder' });
worker.start();

if (!(await shared.ready.waitAsync(5_000))) throw new Error('the worker did not start within 5 s');
shared.go.set();

for (let i = 0; i < 10_000; i++) {
  await using _ = await shared.lock.holdAsync(); // waits for the lock without blocking the event loop
  shared.total[0]! += 1;
}

await worker.joinAsync();
console.log(`total: ${shared.total[0]} (expected 20000)`);
