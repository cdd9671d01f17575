/*
 * RSS and time to create COUNT primitives, in a fresh process (one per sample), so that nothing else
 * the benchmark did is in the heap:
 *
 *   node --expose-gc build/bench/memory.js <event|lock> <competitor> [count]
 *
 * (plus --harmony-struct for v8-mutex). Prints {"bytesEach", "createMs"}: the growth of the resident
 * set from before the first primitive to after the last (after a full GC both times), divided by
 * COUNT, with every primitive still reachable from one array, as a program that made them would hold
 * them.
 *
 * What each competitor makes:
 *   weft            new Event() / new Lock()
 *   raw             the floor: one big SharedArrayBuffer (made with the first item; each item's word is
 *                   written, as an initialisation would), and a small { i32, index } handle per item
 *   multithreading  its event idiom, Mutex(Int32Array flag) + Condvar / a Mutex: a SharedArrayBuffer each
 *   v8-mutex        { Atomics.Mutex, Atomics.Condition, i32, index } / an Atomics.Mutex
 */

import { Event, Lock } from 'weft-threading';
import { loadMultithreading, v8Sync } from './peers.js';

const [what, competitor, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 100000);

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc');
  g();
  g();
}

async function maker(): Promise<(i: number) => unknown> {
  switch (`${competitor}/${what}`) {
    case 'weft/event':
      return () => new Event();
    case 'weft/lock':
      return () => new Lock();
    case 'raw/event':
    case 'raw/lock': {
      let i32 = new Int32Array(new SharedArrayBuffer(0));
      return (i) => {
        if (i === 0) i32 = new Int32Array(new SharedArrayBuffer(count * 4));
        Atomics.store(i32, i, 0);
        return { i32, index: i };
      };
    }
    case 'multithreading/event': {
      const { Mutex, Condvar } = await loadMultithreading();
      return () => ({ mutex: new Mutex(new Int32Array(new SharedArrayBuffer(4))), cv: new Condvar() });
    }
    case 'multithreading/lock': {
      const { Mutex } = await loadMultithreading();
      return () => new Mutex();
    }
    case 'v8-mutex/event':
    case 'v8-mutex/lock': {
      const V = v8Sync();
      if (V === undefined) throw new Error('Atomics.Mutex needs --harmony-struct');
      if (what === 'lock') return () => new V.Mutex();
      let i32 = new Int32Array(new SharedArrayBuffer(0));
      return (i) => {
        if (i === 0) i32 = new Int32Array(new SharedArrayBuffer(count * 4));
        Atomics.store(i32, i, 0);
        return { m: new V.Mutex(), c: new V.Condition(), i32, index: i };
      };
    }
    default:
      throw new Error(`memory: no maker for ${competitor}/${what}`);
  }
}

const make = await maker();
const keep: unknown[] = new Array(count).fill(null); // allocated before the first reading
gc();
const before = process.memoryUsage.rss();
const t0 = performance.now();
for (let i = 0; i < count; i++) keep[i] = make(i);
const t1 = performance.now();
gc();
const after = process.memoryUsage.rss();
if (keep.length !== count) throw new Error('lost items');
process.stdout.write(`${JSON.stringify({ bytesEach: (after - before) / count, createMs: t1 - t0 })}\n`);
