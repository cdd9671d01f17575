/*
 * The contract page (index.html), served cross-origin isolated. With where=main the page's main
 * thread runs contract.mjs (async forms; blocking forms must throw CannotBlockError) against
 * module Web Workers; with where=worker a module Web Worker (coordinator.mjs) runs it, where
 * blocking is allowed, against nested module workers. With fallback=helper|poll, every thread is put
 * on weft's async-wait fallback before weft loads (test/runtimes/fallback-mode.mjs). Posts progress to /log and the summary to /result, then opens
 * the page the server names next.
 */

import { applyFallback, asyncWaitMode } from '../runtimes/fallback-mode.mjs';
import { postLog, webSpawn } from './web-spawn.mjs';

const params = new URL(location.href).searchParams;
const run = params.get('run') ?? 'manual';
const where = params.get('where') ?? 'main';
const fallback = params.get('fallback') ?? undefined;
const out = document.getElementById('out');

function report(line) {
  out.textContent += `${line}\n`;
  postLog(run, line);
}

async function onMain() {
  await applyFallback(fallback);
  const { runContract, capabilities } = await import('../runtimes/contract.mjs');
  const result = await runContract({ spawn: webSpawn(fallback), report });
  return { ...result, ...capabilities(result), asyncWaitMode: await asyncWaitMode() };
}

function inWorker() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./coordinator.mjs', import.meta.url), { type: 'module' });
    worker.addEventListener('message', (event) => {
      if (event.data.line !== undefined) report(event.data.line);
      else resolve(event.data.result);
    });
    worker.addEventListener('error', (event) => reject(new Error(`coordinator: ${event.message}`)));
    worker.postMessage({ fallback });
  });
}

let summary;
try {
  const isolated = globalThis.crossOriginIsolated === true;
  report(
    `${navigator.userAgent}: ${where}${fallback ? `, fallback ${fallback}` : ''}; crossOriginIsolated ${isolated}`,
  );
  const native = typeof Atomics.waitAsync === 'function';
  const result = where === 'worker' ? await inWorker() : await onMain();
  // Two more checks: the headers made this page cross-origin isolated; the async waits ran as asked.
  const mode = fallback ?? 'native';
  for (const [name, ok] of [
    ['page is cross-origin isolated', isolated],
    [`async waits ran in mode ${mode} (${result.asyncWaitMode})`, result.asyncWaitMode === mode],
  ]) {
    result.tests.push({ name, tags: [], ok, error: ok ? undefined : 'no' });
    if (ok) result.passed++;
    else result.failed++;
  }
  summary = {
    run,
    where,
    fallback: fallback ?? null,
    userAgent: navigator.userAgent,
    engineHasWaitAsync: native,
    ...result,
  };
} catch (error) {
  report(`FAIL ${error?.name}: ${error?.message}`);
  summary = {
    run,
    where,
    fallback: fallback ?? null,
    userAgent: navigator.userAgent,
    passed: 0,
    failed: 1,
    tests: [],
    error: String(error),
  };
}
report(`${summary.passed} passed, ${summary.failed} failed`);
const answer = await fetch('/result', { method: 'POST', body: JSON.stringify(summary) }).then((r) =>
  r.json(),
);
if (answer.next) location.href = answer.next;
