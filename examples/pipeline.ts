/*
 * A pipeline through two Queues: the main thread puts jobs, two worker threads
 * (examples/pipeline-worker.ts) get them and put results, the main thread reads the results.
 * Run it with `node build/examples/pipeline.js` after `npm run build:all`.
 */

import { Queue, Thread } from 'weft-threading';

const jobs = new Queue<string>(4); // bounded: the producer waits while the workers are behind
const results = new Queue<[string, number]>();

const workers = [1, 2].map(
  (i) =>
    new Thread(new URL('./pipeline-worker.js', import.meta.url), { args: [jobs, results], name: `w${i}` }),
);
for (const w of workers) w.start();

const words = ['queue', 'thread', 'lock', 'event', 'barrier', 'semaphore', 'condition', 'timer'];
for (const word of words) await jobs.putAsync(word); // never blocks the event loop
await jobs.joinAsync(); // every job has had its taskDone()
jobs.shutdown(); // the workers' next get() throws ShutDown: they return
await Promise.all(workers.map((w) => w.joinAsync()));

results.shutdown(); // nothing more will come: iteration ends once it is drained
const lengths = new Map<string, number>();
for await (const [word, length] of results) lengths.set(word, length);
console.log(
  `${lengths.size} results for ${words.length} jobs; semaphore: ${lengths.get('semaphore')} letters`,
);
