/*
 * The CPU cost of one item on one thread, with no partner (no cache line crosses cores): what a
 * put + get does by itself, beside the raw SPSC ring's write + read (the floor) and a weft Lock's
 * acquire + release (the two lock round trips a put + get contains). Run by run.ts as a child
 * process (node build/bench/queue/cost.js), after the interleaved scenarios, so that it measures a
 * quiet thread. For each path: warm up, then ROUNDS batches of BATCH items; prints one JSON object
 * { path: median ns per item }.
 */

import { Lock, Queue } from 'weft-threading';
import { type Kind, median, values } from './common.js';
import { loopback } from './ring.js';

const BATCH = 200_000;
const ROUNDS = 7;

let sink = 0;

/** Median ns per item of `batch(n)` (n items) over ROUNDS batches, after one to warm up. */
function nsPerItem(batch: (n: number) => void): number {
  batch(BATCH);
  const ns: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    batch(BATCH);
    ns.push(((performance.now() - t) * 1e6) / BATCH);
  }
  return median(ns);
}

/** put + get of the values of `kind` on a fresh Queue. */
function queuePath(kind: Exclude<Kind, 'bytes'>): number {
  const q = new Queue<unknown>(1024);
  const vs = values(kind);
  return nsPerItem((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      q.put(vs[i & 1023]);
      if (q.get() !== undefined) s++;
    }
    sink += s;
  });
}

const ring = loopback();
const lock = new Lock();

const out: Record<string, number> = {
  'Queue put + get, small integer': queuePath('int'),
  'Queue put + get, 40-char string': queuePath('str'),
  'Queue put + get, small object': queuePath('obj'),
  'raw SPSC ring write + read, small integer (the floor)': nsPerItem((n) => {
    sink += ring(n);
  }),
  'Lock acquire + release, twice (the lock round trips of a put + get)': nsPerItem((n) => {
    for (let i = 0; i < n; i++) {
      lock.acquire();
      lock.release();
      lock.acquire();
      lock.release();
    }
  }),
};
if (sink === 0.5) console.error('');
console.log(JSON.stringify(out));
