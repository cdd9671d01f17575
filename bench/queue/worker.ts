/*
 * One party of one sample, in its own worker (made fresh for each sample by run.ts). workerData:
 * { competitor, role, kind, sizes, ctl, times, p, parties, payload }. Posts back
 * { __bench: 'done', count } or { __bench: 'error', error } on parentPort, which the postMessage
 * competitor also uses for its values (the driver tells them apart by that field). Ports stay open:
 * the driver terminates the workers once every party has reported.
 */

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { arrive, type Kind, type Sizes, stamp } from './common.js';
import { attach, type Competitor, type Role } from './competitors.js';
import { type Channel, type Ctx, consume, listen, ping, pong, produce } from './kernels.js';

interface Job {
  competitor: Competitor;
  role: Role;
  kind: Kind;
  sizes: Sizes;
  ctl: Int32Array;
  times: Float64Array;
  p: number;
  parties: number;
  payload: Record<string, unknown>;
}

const job = workerData as Job;
const port = parentPort;
if (port === null) throw new Error('bench/queue/worker.js runs only as a worker');

/** The postMessage competitors: a producer loop over postMessage, an event-driven consumer. */
async function byMessages(c: Ctx, target: MessagePort | null): Promise<number> {
  const out = target ?? port!;
  if (job.role === 'producer') {
    return produce(c, { send: (v) => out.postMessage(v), recv: () => undefined });
  }
  if (job.role === 'consumer') {
    const p = target!;
    return listen(c, (on) => p.on('message', on), true);
  }
  return pingPongByMessages(c, target!);
}

/** Ping-pong over a MessagePort: each side answers from its listener. */
function pingPongByMessages(c: Ctx, p: MessagePort): Promise<number> {
  const { warm, n } = c.sizes;
  return new Promise((resolve) => {
    let count = 0;
    if (job.role === 'ping') {
      p.on('message', () => {
        count++;
        if (count === warm) {
          arrive(c.ctl, c.parties);
          stamp(c.times, c.p, 'start');
        } else if (count === warm + n) {
          stamp(c.times, c.p, 'end');
          resolve(n);
          return;
        }
        p.postMessage(count);
      });
      p.postMessage(0);
    } else {
      p.on('message', (v: number) => {
        count++;
        p.postMessage(v);
        if (count === warm) arrive(c.ctl, c.parties);
        if (count === warm + n) resolve(n);
      });
    }
  });
}

try {
  const c: Ctx = {
    kind: job.kind,
    sizes: job.sizes,
    ctl: job.ctl,
    times: job.times,
    p: job.p,
    parties: job.parties,
  };
  let count: number;
  if (job.competitor === 'postMessage') count = await byMessages(c, null);
  else if (job.competitor === 'MessagePort') count = await byMessages(c, job.payload.port as MessagePort);
  else {
    const ch = await attach(job.competitor, job.kind, job.payload, job.role);
    if (job.role === 'ping' || job.role === 'pong') {
      const [a, b] = ch as [Channel, Channel];
      count = job.role === 'ping' ? ping(c, a, b) : pong(c, a, b);
    } else if (job.role === 'producer') count = produce(c, ch as Channel);
    else count = consume(c, ch as Channel);
  }
  port.postMessage({ __bench: 'done', count });
} catch (e) {
  port.postMessage({ __bench: 'error', error: String((e as Error)?.stack ?? e) });
}
