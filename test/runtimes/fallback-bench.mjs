/*
 * Measures the async-wait fallback options (fallback-options.mjs) on this runtime: hand-off latency
 * (partner answers after 0, 2 and 15 ms) and CPU time of an idle 2 s wait. `node fallback-bench.mjs`.
 */

import { Worker } from 'node:worker_threads';
import { bench, options } from './fallback-options.mjs';

const shared = new SharedArrayBuffer(32);
const partner = new Worker(new URL('./fallback-partner.mjs', import.meta.url), { workerData: shared });
partner.unref();
const keepAlive = setInterval(() => {}, 1 << 30); // a pending Atomics.waitAsync does not keep Node alive
const b = bench(shared);
const rows = [];
for (const [name, wait] of Object.entries(options)) {
  await b.latency(wait, 0, 20); // warm up (the helper's first worker)
  const row = { option: name };
  for (const d of [0, 2, 15]) {
    const l = await b.latency(wait, d, d === 15 ? 40 : 150);
    row[`+${d}ms median`] = l.median.toFixed(3);
    row[`+${d}ms p90`] = l.p90.toFixed(3);
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await b.idle(wait, 2000);
  const c = process.cpuUsage(c0);
  row['idle CPU %'] = (((c.user + c.system) / 1000 / (performance.now() - t0)) * 100).toFixed(2);
  rows.push(row);
}
console.table(rows);
clearInterval(keepAlive);
process.exit(0);
