/*
 * Measures the async-wait fallback options (test/runtimes/fallback-options.mjs) in this browser,
 * driven by fallback-bench.mjs: latency in the page, CPU sampled by the runner around each idle
 * wait (the page posts "idle-start NAME" / "idle-end NAME" to /log).
 */

import { bench, options } from '../runtimes/fallback-options.mjs';
import { postLog } from './web-spawn.mjs';

const run = 'fallback-bench';
const out = document.getElementById('out');
const shared = new SharedArrayBuffer(32);
const partner = new Worker(new URL('../runtimes/fallback-partner.mjs', import.meta.url), { type: 'module' });
partner.postMessage(shared);
const b = bench(shared);
const rows = [];
const names = Object.keys(options).filter((n) => n !== 'native' || typeof Atomics.waitAsync === 'function');
for (const name of names) {
  const wait = options[name];
  await b.latency(wait, 0, 20);
  const row = { option: name };
  for (const d of [0, 2, 15]) {
    const l = await b.latency(wait, d, d === 15 ? 30 : 100);
    row[`+${d}ms median`] = Number(l.median.toFixed(3));
    row[`+${d}ms p90`] = Number(l.p90.toFixed(3));
  }
  await postLog(run, `idle-start ${name}`);
  await b.idle(wait, 4000);
  await postLog(run, `idle-end ${name}`);
  rows.push(row);
  out.textContent += `${JSON.stringify(row)}\n`;
}
await fetch('/result', {
  method: 'POST',
  body: JSON.stringify({ run, rows, userAgent: navigator.userAgent }),
});
