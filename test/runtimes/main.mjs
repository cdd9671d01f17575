/*
 * Runs the cross-worker contract (contract.mjs) on the runtime that runs this file: Node, Bun or
 * Deno, with worker_threads workers (`--web-workers`: module Web Workers, as Bun and Deno also
 * have, through test/browser/web-spawn.mjs). `--fallback helper|poll` puts main and every worker on weft's
 * async-wait fallback before weft loads (fallback-mode.mjs); `--only TEXT` runs the tests whose name
 * has TEXT. Prints one line per test, then a line "#contract <json>" that run.mjs reads.
 */

import { Worker } from 'node:worker_threads';
import { applyFallback, asyncWaitMode } from './fallback-mode.mjs';

const option = (name) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined;
const fallback = option('--fallback');
await applyFallback(fallback);
const { runContract, capabilities } = await import('./contract.mjs');

const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node';
const version = globalThis.Deno?.version.deno ?? globalThis.Bun?.version ?? process.versions.node;

function threadSpawn(scenario, ...args) {
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: { scenario, args, fallback },
  });
  const result = new Promise((resolve, reject) => {
    worker.once('message', (m) => {
      if (m.ok) resolve(m.value);
      else reject(Object.assign(new Error(m.error.message), m.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`worker ${scenario} exited (code ${code}) without a result`)),
    );
  });
  return { result, terminate: () => worker.terminate() };
}

const webWorkers = process.argv.includes('--web-workers');
const spawn = webWorkers ? (await import('../browser/web-spawn.mjs')).webSpawn(fallback) : threadSpawn;
console.log(
  `${runtime} ${version}${webWorkers ? ', Web Workers' : ''}${fallback ? ` (Atomics.waitAsync removed: fallback ${fallback})` : ''}`,
);
const t0 = performance.now();
const run = await runContract({ spawn, only: option('--only') });
const summary = {
  runtime,
  version,
  fallback: fallback ?? null,
  workers: webWorkers ? 'web' : 'worker_threads',
  nativeWaitAsync: typeof Atomics.waitAsync === 'function',
  canBlockMain: run.canBlockMain,
  asyncWaitMode: await asyncWaitMode(), // after the run: 'poll' if helpers failed
  ...capabilities(run),
  passed: run.passed,
  failed: run.failed,
  ms: Math.round(performance.now() - t0),
  failures: run.tests.filter((t) => !t.ok).map((t) => `${t.name}: ${t.error}`),
};
console.log(`#contract ${JSON.stringify(summary)}`);
process.exitCode = run.failed === 0 ? 0 : 1;
