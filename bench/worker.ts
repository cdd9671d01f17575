/*
 * A benchmark worker: runs one role of one sample at a time, as the host asks (see host.ts), and
 * posts back what it measured. Kernels block this thread while they run; that is the point.
 */

import { parentPort } from 'node:worker_threads';
import { ALL_KINDS, type Job, prepareAll } from './registry.js';

const port = parentPort;
if (port === null) throw new Error('bench/worker.js runs only as a worker');

await prepareAll();

port.on('message', async (job: Job) => {
  try {
    const impl = ALL_KINDS[job.kind]?.impls[job.competitor];
    if (typeof impl !== 'object') throw new Error(`${job.competitor} has no kernel for ${job.kind}`);
    const part = await impl.run(job.role, job.shared, job.p, job.ctl, job.mine);
    port.postMessage({ id: job.id, part });
  } catch (e) {
    port.postMessage({ id: job.id, error: String((e as Error)?.stack ?? e) });
  }
});
port.postMessage({ ready: true });
