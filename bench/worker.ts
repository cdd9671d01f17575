/*
 * A benchmark worker: runs one role of one sample at a time, as the host asks (see host.ts), and
 * posts back what it measured. Kernels block this thread while they run; that is the point. A
 * worker serves one competitor only (host.ts); for 'weft-nospin' it turns weft's spin off.
 */

import { parentPort } from 'node:worker_threads';
import { configure, DEFAULT_SPIN } from 'weft-threading';
import type { Job } from './host.js';
import { preparePeers } from './peers.js';
import { family } from './scenarios/index.js';

const port = parentPort;
if (port === null) throw new Error('bench/worker.js runs only as a worker');

await preparePeers();

port.on('message', async (job: Job) => {
  try {
    const impl = family(job.kind).impls[job.competitor];
    if (typeof impl !== 'object') throw new Error(`${job.competitor} has no kernel for ${job.kind}`);
    configure({ spin: job.competitor === 'weft-nospin' ? 0 : DEFAULT_SPIN });
    const part = await impl.run(job.role, job.shared, job.p, job.ctl, job.mine);
    port.postMessage({ id: job.id, part });
  } catch (e) {
    port.postMessage({ id: job.id, error: String((e as Error)?.stack ?? e) });
  }
});
port.postMessage({ ready: true });
