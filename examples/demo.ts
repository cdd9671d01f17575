/*
 * weft's demonstration (`npm start`; `--quick` for a short run).
 *
 * Four worker threads (weft Threads running demo-worker.ts) and the main thread coordinate through
 * every primitive, in four phases separated by a Barrier:
 *   start    the workers report in (Semaphore(0)) and sleep until the start Event is set;
 *   1        a Semaphore(2) lets at most two of them work at once;
 *   2        a Lock guards a plain counter that all four increment;
 *   3        the main thread puts items into a Queue, the workers get them, and an RLock, taken
 *            re-entrantly, guards their tally;
 *   4        a Timer sets the stop Event at a deadline, and the stragglers give up.
 * Workers use the blocking form of each wait; the main thread only the async form (waitAsync,
 * acquireAsync, holdAsync…), so its event loop stays free to draw the progress line.
 *
 * Hand-offs are timed through shared memory: the releasing thread writes a timestamp just before it
 * sets, releases or notifies, and the woken thread subtracts it from its own clock.
 */

import os from 'node:os';
import {
  Barrier,
  BrokenBarrierError,
  Event,
  Full,
  Lock,
  Queue,
  RLock,
  Semaphore,
  Thread,
  Timer,
} from 'weft-threading';
import {
  allocate,
  clock,
  I,
  M,
  METRICS,
  passed,
  phaseLine,
  QUEUE_CAPACITY,
  record,
  type Settings,
  SLOTS,
  samplesOf,
  T,
  WORKERS,
} from './demo-shared.js';

const quick = process.argv.includes('--quick');
const tty = process.stdout.isTTY === true;
const epoch = performance.timeOrigin + performance.now();
const now = clock(epoch);

const settings: Settings = {
  jobs: quick ? 8 : 40,
  jobMs: quick ? 4 : 20,
  increments: quick ? 100_000 : 250_000,
  items: quick ? 2_000 : 20_000,
  itemUs: 50,
  deadlineMs: quick ? 200 : 1_000,
  tasks: [0.3, 0.6, 2, 4],
  tty,
  epoch,
};

// The primitives live in shared memory; passed in Thread's args, they arrive live in each worker.
const shared = allocate({
  settings,
  ready: new Semaphore(0),
  start: new Event(),
  slots: new Semaphore(SLOTS),
  lock: new Lock(),
  queue: new Queue<number>(QUEUE_CAPACITY),
  rlock: new RLock(),
  barrier: new Barrier(WORKERS + 1, () => passed(shared, 0, now), 20_000), // 4 workers + main
  stop: new Event(),
});
const { ints, stamps, counter } = shared;
const sinceUs = (stamp: number) => (now() - (stamps[stamp] ?? 0)) * 1000;

/* Output: a progress line, rewritten in place on a terminal, printed every second otherwise. */

const n = (x: number) => x.toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function say(line: string): void {
  process.stdout.write(`${tty ? '\r\x1b[K' : ''}${line}\n`);
}

function progress(): string {
  // Read everything first, then format (formatting numbers is slow the first time).
  const time = now();
  const phase = Atomics.load(ints, I.PHASE);
  const jobs = Atomics.load(ints, I.JOBS);
  const inSlots = Atomics.load(ints, I.ACTIVE);
  const count = Atomics.load(counter, 0);
  const items = Atomics.load(ints, I.CONSUMED);
  const stopped = [1, 2, 3, 4].filter((w) => Atomics.load(ints, I.OUTCOME + w) === 2).length;
  return [
    `${seconds(time)}  ${phase === 0 ? 'starting' : `phase ${phase}/4`}`,
    `jobs ${n(jobs)}/${n(WORKERS * settings.jobs)} (in slots: ${inSlots})`,
    `counter ${n(count)}/${n(WORKERS * settings.increments)}`,
    `items ${n(items)}/${n(settings.items)}`,
    `stopped ${stopped}`,
  ].join(' · ');
}

const ticker = setInterval(
  () => (tty ? process.stdout.write(`\r\x1b[K${progress()}`) : say(`progress: ${progress()}`)),
  tty ? 100 : 1000,
);

/* The main thread's part. */

const threads = Array.from(
  { length: WORKERS },
  (_, i) =>
    new Thread(new URL('./demo-worker.js', import.meta.url), {
      args: [shared, i + 1],
      name: `worker-${i + 1}`,
    }),
);

/** Waits (asynchronously) at the barrier with the workers, then says which phase begins. */
async function passBarrier(): Promise<void> {
  await shared.barrier.waitAsync();
  const pass = Atomics.load(ints, I.PASSES);
  const by = ints[I.ACTION_BY + pass]!;
  if (by !== 0) record(shared, M.BARRIER_MAIN, sinceUs(T.BARRIER));
  say(phaseLine(pass + 1, `barrier action: ${by === 0 ? 'main' : `worker-${by}`}`));
}

/** Phase 3's producer: puts the items in the Queue, waiting (asynchronously) while it is full. */
async function produce(): Promise<void> {
  const { queue } = shared;
  for (let next = 1; next <= settings.items; next++) {
    stamps[T.PUT] = now();
    try {
      queue.putNowait(next); // no waiting if there is room
    } catch (error) {
      if (!(error instanceof Full)) throw error;
      await queue.putAsync(next); // full: wait for a worker's get, without blocking the event loop
      record(shared, M.PUT, sinceUs(T.GOT));
    }
  }
  await queue.joinAsync(); // every item has had its taskDone()
  queue.shutdown(); // the workers' next get throws ShutDown: phase 3 is over
}

async function main(): Promise<boolean> {
  say(`weft demo: ${WORKERS} worker threads and the main thread coordinate through Event, Semaphore, Lock,`);
  say(`Barrier, Queue, RLock and Timer (Node ${process.version}, ${os.availableParallelism()} CPUs).`);
  say('');

  for (const thread of threads) thread.start();
  for (const _ of threads) await shared.ready.acquireAsync(); // each worker releases one permit
  say(
    `start: ${WORKERS} workers are up (each released a permit of a Semaphore(0)); they sleep in start.wait()`,
  );

  await new Promise((r) => setTimeout(r, 20)); // so that set() below wakes real sleepers
  stamps[T.PHASE_START + 1] = stamps[T.START] = now();
  Atomics.store(ints, I.PHASE, 1);
  shared.start.set();
  say(phaseLine(1, 'main set the start Event'));

  await passBarrier(); // end of phase 1
  await passBarrier(); // end of phase 2
  await Promise.all([produce(), passBarrier()]); // end of phase 3

  const timer = new Timer(settings.deadlineMs, () => {
    stamps[T.STOP] = now();
    shared.stop.set();
  });
  timer.start();
  await Promise.all(threads.map((t) => t.joinAsync()));
  timer.cancel(); // a no-op if it has fired; had every task ended in time, it would never fire
  const end = now();

  clearInterval(ticker);
  say(`progress: ${progress()}`);
  return summary(end);
}

/* The summary: what happened (each line checks an invariant), then the hand-off times. */

function summary(end: number): boolean {
  const phaseMs = (p: number) => (stamps[T.PHASE_START + p + 1] ?? 0) - (stamps[T.PHASE_START + p] ?? 0);
  const total = settings.items;
  const jobs = WORKERS * settings.jobs;
  const increments = WORKERS * settings.increments;
  const byWhom = [1, 2, 3].map((pass) => {
    const by = ints[I.ACTION_BY + pass]!;
    return by === 0 ? 'main' : `worker-${by}`;
  });
  const outcome = (w: number) => ints[I.OUTCOME + w]!;
  const named = (o: number) => [1, 2, 3, 4].filter((w) => outcome(w) === o).map((w) => `worker-${w}`);
  const stopped = named(2);
  const fired = shared.stop.isSet();

  const results: [string, boolean, string][] = [
    [
      `Semaphore(${SLOTS})`,
      ints[I.MAX_ACTIVE]! >= 1 && ints[I.MAX_ACTIVE]! <= SLOTS && ints[I.JOBS] === jobs,
      `${n(jobs)} jobs; at most ${ints[I.MAX_ACTIVE]} workers were ever inside at once (limit ${SLOTS}); ${seconds(phaseMs(1))}`,
    ],
    [
      'Lock',
      counter[0] === increments,
      `counter = ${n(counter[0]!)} (expected ${n(increments)}; without the Lock: ${n(counter[1]!)}); ${n(Atomics.load(ints, I.COUNT + M.LOCK))} acquires waited; ${seconds(phaseMs(2))}`,
    ],
    [
      'Queue',
      ints[I.CONSUMED] === total && ints[I.SUM] === (total * (total + 1)) / 2,
      `${n(ints[I.CONSUMED]!)} items through a Queue(${QUEUE_CAPACITY}) between 5 threads, sum ${n(ints[I.SUM]!)} (expected ${n((total * (total + 1)) / 2)}); ${seconds(phaseMs(3))}`,
    ],
    [
      'RLock',
      ints[I.NESTED] === total,
      `${n(ints[I.NESTED]!)} re-entrant acquires (tally() holds it and calls count(), which takes it again)`,
    ],
    [
      'Barrier',
      ints[I.PASSES] === 3,
      `${ints[I.PASSES]} passes of 5 parties (4 blocking, main async); actions ran on ${byWhom.join(', ')}`,
    ],
    [
      'Timer + Event',
      [1, 2, 3, 4].every((w) => outcome(w) !== 0) && fired === stopped.length > 0,
      fired
        ? `fired at ${n(Math.round((stamps[T.STOP] ?? 0) - (stamps[T.PHASE_START + 4] ?? 0)))} ms (deadline ${n(settings.deadlineMs)} ms): stopped ${stopped.join(', ') || 'nobody'}; finished in time: ${named(1).join(', ') || 'nobody'}`
        : 'every task finished before the deadline: the timer was cancelled',
    ],
  ];
  say('');
  say('What happened');
  for (const [what, ok, text] of results) say(`  ${ok ? 'ok  ' : 'FAIL'}  ${what.padEnd(14)} ${text}`);

  say('');
  say('Hand-offs between threads (µs, from a timestamp in shared memory to the woken thread)');
  const width = Math.max(...METRICS.map((m) => m.length));
  const cols = ['samples', 'min', 'median', 'p90'];
  say(`  ${'hand-off'.padEnd(width)}  ${cols.map((c) => c.padStart(8)).join('')}`);
  METRICS.forEach((label, metric) => {
    const { kept, taken } = samplesOf(shared, metric);
    const at = (q: number) => kept[Math.min(kept.length - 1, Math.floor(q * kept.length))] ?? Number.NaN;
    const us = (x: number) => (Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(1) : n(Math.round(x)));
    say(
      `  ${label.padEnd(width)}  ${[n(taken), us(at(0)), us(at(0.5)), us(at(0.9))].map((c) => c.padStart(8)).join('')}`,
    );
  });
  say('');
  say('A waiter still spinning when the hand-off comes sees it within a few µs; one that had gone to sleep');
  say(
    'waits for the kernel to wake it (tens of µs on an idle machine), and then for a free CPU: milliseconds',
  );
  say(
    `when more threads want to run than there are CPUs (here ${WORKERS + 1} threads, ${os.availableParallelism()} CPUs).`,
  );
  const ok = results.every(([, good]) => good);
  say(ok ? `Done in ${seconds(end)}.` : 'Some checks FAILED (see above).');
  return ok;
}

const watchdog = setTimeout(() => {
  say('demo: did not finish within 25 s; giving up');
  process.exit(1);
}, 25_000);
watchdog.unref();

main().then(
  (ok) => {
    process.exitCode = ok ? 0 : 1;
  },
  async (error: unknown) => {
    clearInterval(ticker);
    // Give the workers a moment to end, so that the error a worker reported is printed.
    await Promise.all(threads.map((t) => (t.ident === undefined ? true : t.joinAsync(2_000))));
    say(error instanceof BrokenBarrierError ? 'demo: the barrier broke: a worker failed' : `demo: ${error}`);
    setTimeout(() => process.exit(1), 100); // after the workers' output has come through
  },
);
