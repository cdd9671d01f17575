/*
 * Heap bytes per item on the Queue's put/get path for numbers (issue 11: "no allocation per item
 * beyond the value itself"). Run by run.ts as a child process:
 *   node --expose-gc --min-semi-space-size=64 --max-semi-space-size=64 build/bench/queue/alloc.js
 * (a fixed 64 MiB young generation, so that no scavenge runs inside a batch). For each path: warm up
 * (the JIT optimises the loop), then ROUNDS times: gc(), read used_heap_size, run BATCH put+get
 * pairs on one thread, read it again; the same for an empty loop; the medians' difference over
 * BATCH is the allocation per item. Prints one JSON object { path: bytes }.
 * A small integer is a Smi (no heap object at all), so its path must show 0; a non-integer number
 * is a 16-byte HeapNumber, both the one the loop makes to put and the one get returns: 32 bytes are
 * the values themselves.
 */

import { Queue } from 'weft-threading';
import { perOp } from '../allocation.js';
import { loopback } from './ring.js';

/** Heap bytes per item of `batch(n)` (n items), as bench/allocation.ts measures an operation. */
const perItem = (batch: (n: number) => void): number => Math.max(0, perOp(batch));

let sink = 0;

const q = new Queue<number>(1024);
const ring = loopback();

const out: Record<string, number> = {
  'Queue put + get, small integer': perItem((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      q.put(i & 1023);
      s += q.get();
    }
    sink += s;
  }),
  'Queue putNowait + getNowait, small integer': perItem((n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      q.putNowait(i & 1023);
      s += q.getNowait();
    }
    sink += s;
  }),
  'Queue put + get, a non-integer (the number put and the number got: two 16-byte HeapNumbers)': perItem(
    (n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        q.put(i + 0.5);
        s += q.get();
      }
      sink += s;
    },
  ),
  'raw SPSC ring write + read, small integer (for comparison)': perItem((n) => {
    sink += ring(n);
  }),
};
if (sink === 0.5) console.error('');
console.log(JSON.stringify(out));
