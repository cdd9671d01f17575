/*
 * The partner of fallback-options.mjs's latency measurement: on each "go" it sleeps the requested
 * delay, writes the time (epoch ms), stores 1 into the flag and notifies. Receives the shared
 * buffer as workerData (worker_threads) or as its first message (Web Worker).
 */

const wt = globalThis.process?.getBuiltinModule?.('node:worker_threads');
const shared =
  wt !== undefined && !wt.isMainThread
    ? wt.workerData
    : await new Promise((resolve) =>
        globalThis.addEventListener('message', (e) => resolve(e.data), { once: true }),
      );
const ctl = new Int32Array(shared, 0, 4);
const stamp = new Float64Array(shared, 16, 1);
const nap = new Int32Array(new SharedArrayBuffer(4));
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  const us = Atomics.load(ctl, 1);
  if (us > 0) Atomics.wait(nap, 0, 0, us / 1000);
  stamp[0] = performance.timeOrigin + performance.now();
  Atomics.store(ctl, 2, 1);
  Atomics.notify(ctl, 2);
}
