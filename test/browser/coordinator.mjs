/*
 * A module Web Worker that runs the contract as "main" (contract.mjs): here blocking is allowed, so
 * the contract's blocking-on-main branch runs too; its workers are nested module Web Workers.
 * Receives { fallback }; posts { line } per progress line and { result } at the end.
 */

import { applyFallback, asyncWaitMode } from '../runtimes/fallback-mode.mjs';
import { webSpawn } from './web-spawn.mjs';

const { fallback } = await new Promise((resolve) => {
  globalThis.addEventListener('message', (event) => resolve(event.data), { once: true });
});
await applyFallback(fallback);
const { runContract, capabilities } = await import('../runtimes/contract.mjs');
const result = await runContract({ spawn: webSpawn(fallback), report: (line) => postMessage({ line }) });
postMessage({ result: { ...result, ...capabilities(result), asyncWaitMode: await asyncWaitMode() } });
