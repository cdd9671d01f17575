/*
 * Entry of every contract worker, in any runtime: a worker_threads worker (Node, Bun, Deno; the
 * init arrives as workerData) or a module Web Worker (browsers; the init arrives as the first
 * message). Init: { scenario, args, fallback }. `fallback` ('helper' | 'poll', see fallback-mode.mjs)
 * puts this worker's async waits on weft's fallback before weft loads. Then it calls scenarios.mjs's export
 * `scenario` with the revived args and posts back { ok, value } or { ok: false, error }.
 */

const wt = globalThis.process?.getBuiltinModule?.('node:worker_threads');
const fromWorkerThreads = wt !== undefined && wt.isMainThread === false && wt.workerData?.scenario;

const init = fromWorkerThreads
  ? wt.workerData
  : await new Promise((resolve) => {
      globalThis.addEventListener('message', (event) => resolve(event.data), { once: true });
    });
const post = fromWorkerThreads ? (m) => wt.parentPort.postMessage(m) : (m) => globalThis.postMessage(m);

const { applyFallback } = await import('./fallback-mode.mjs');
await applyFallback(init.fallback);
const { revive } = await import('../../dist/index.js');
const scenarios = await import('./scenarios.mjs');

try {
  const run = scenarios[init.scenario];
  if (typeof run !== 'function') throw new Error(`scenarios.mjs has no export ${init.scenario}`);
  post({ ok: true, value: await run(...revive(init.args)) });
} catch (error) {
  post({
    ok: false,
    error: { name: error?.name, message: error?.message ?? String(error), code: error?.code },
  });
}
if (!fromWorkerThreads) globalThis.close();
