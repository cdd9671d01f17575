/*
 * The browser host's spawn for contract.mjs: each call starts a module Web Worker running
 * test/runtimes/worker.mjs, sends it { scenario, args, fallback } as its first message, and resolves
 * with the scenario's result (or rejects with its error).
 */

const workerURL = new URL('../runtimes/worker.mjs', import.meta.url);

export function webSpawn(fallback) {
  return (scenario, ...args) => {
    const worker = new Worker(workerURL, { type: 'module', name: scenario });
    const result = new Promise((resolve, reject) => {
      worker.addEventListener('message', (event) => {
        const m = event.data;
        if (m.ok) resolve(m.value);
        else reject(Object.assign(new Error(m.error.message), m.error));
      });
      worker.addEventListener('error', (event) => {
        event.preventDefault?.();
        reject(new Error(`worker ${scenario} failed: ${event.message ?? 'could not load'}`));
      });
    });
    worker.postMessage({ scenario, args, fallback });
    return { result, terminate: () => worker.terminate() };
  };
}

/** Posts one progress line to the server (never throws). */
export function postLog(run, line) {
  return fetch('/log', { method: 'POST', body: JSON.stringify({ run, line }) }).catch(() => {});
}
