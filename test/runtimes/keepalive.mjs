/*
 * Keep-alive, per runtime: a pending async wait on main must keep the process alive and settle
 * even after the worker that set the event has exited. Nothing else holds the event loop open.
 * Prints "settled true" on success. `--fallback helper|poll`: weft's async-wait fallback (fallback-mode.mjs).
 */

import { Worker } from 'node:worker_threads';
import { applyFallback } from './fallback-mode.mjs';

const fallback = process.argv.includes('--fallback')
  ? process.argv[process.argv.indexOf('--fallback') + 1]
  : undefined;
await applyFallback(fallback);
const { Event } = await import('../../dist/index.js');

const event = new Event();
event.waitAsync().then((result) => console.log(`settled ${result}`));
new Worker(new URL('./worker.mjs', import.meta.url), {
  workerData: { scenario: 'eventSetAfter', args: [event, 50], fallback },
}).unref();
