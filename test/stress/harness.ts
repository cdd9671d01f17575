/*
 * The stress harness (main thread side): how big a run is, the parties (plain workers, weft Threads
 * and the main thread itself), the watchdog that turns a hang into a failure naming the primitive
 * and where each party stands, and the figures printed at the end.
 *
 * WEFT_STRESS=short (CI, about a minute for the whole suite) or long (the default: hundreds of
 * thousands of operations per primitive). WEFT_STRESS_SEED fixes the random choices (printed with
 * the figures, so a failing run can be replayed); WEFT_STRESS_OUT names a file to which each
 * test's figures are appended as a JSON line. WEFT_ASYNC_FALLBACK=helper (or poll) runs every
 * thread's async waits on that fallback, as on an engine without Atomics.waitAsync
 * (fixtures/stress/async-mode.ts); the figures say which way async waits went.
 */

import { appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { inspect } from 'node:util';
import { Thread } from 'weft-threading';
import {
  ABORTS,
  asyncWaitMode,
  DONE,
  FAILED,
  ITER,
  OK,
  OP,
  OP_NAMES,
  OPS,
  PARTY_WORDS,
  TIMEOUTS,
  VIOLATIONS,
} from '../fixtures/stress/common.js';
import { runInWorker } from '../helpers.js';

export const MODE: 'short' | 'long' = process.env.WEFT_STRESS === 'short' ? 'short' : 'long';
export const CORES = availableParallelism();
/** Four times as many workers as cores, on purpose. */
export const WORKERS = 4 * CORES;
/** Of the WORKERS, how many are weft Threads (the rest are plain workers). */
export const THREADS = Math.max(1, Math.floor(WORKERS / 3));
export const SEED = Number(process.env.WEFT_STRESS_SEED ?? Math.floor(Math.random() * 0x7fffffff));

/** `long` in long mode, `short` in short mode. */
export function sized(long: number, short: number): number {
  return MODE === 'long' ? long : short;
}

/** node:test options of a stress test: a generous timeout (the watchdog fails first). */
export const TEST = { timeout: sized(900_000, 300_000) };

/** The shared board: one row of PARTY_WORDS per party (see fixtures/stress/common.ts). */
export class Board {
  readonly i32: Int32Array;
  readonly names: string[];
  constructor(names: string[]) {
    this.names = names;
    this.i32 = new Int32Array(new SharedArrayBuffer(names.length * PARTY_WORDS * 4));
  }
  get size(): number {
    return this.names.length;
  }
  get(party: number, field: number): number {
    return Atomics.load(this.i32, party * PARTY_WORDS + field);
  }
  sum(field: number): number {
    let n = 0;
    for (let p = 0; p < this.size; p++) n += this.get(p, field);
    return n;
  }
  /** Where each party that has not finished stands: "worker 3 at iteration 812 (acquire)". */
  where(): string {
    const rows: string[] = [];
    for (let p = 0; p < this.size; p++) {
      if (this.get(p, DONE) === 1) continue;
      rows.push(`${this.names[p]} at iteration ${this.get(p, ITER)} (${OP_NAMES[this.get(p, OP)] ?? '?'})`);
    }
    return rows.join('; ') || 'every party finished';
  }
}

/** The names of the parties: THREADS weft Threads, the other workers plain, then 'main'. */
export function partyNames(workers = WORKERS, threads = THREADS, main = true): string[] {
  const names: string[] = [];
  for (let w = 0; w < workers; w++) names.push(w < threads ? `thread ${w}` : `worker ${w}`);
  if (main) names.push('main');
  return names;
}

/**
 * Starts party `id` of `board` (a weft Thread or a plain worker, as its name says) running
 * fixtures/stress/<module>.js, called with (board, id, SEED, ...args): in a plain worker its export
 * `party`, in a Thread its default export. The Promise settles when the party has finished.
 */
export function startParty(module: string, board: Board, id: number, ...args: unknown[]): Promise<unknown> {
  return start(module, undefined, board, id, args);
}

/** startParty for a fixture with several entries: export `entry`, or (Thread) default(entry, ...). */
export function startEntry(
  module: string,
  entry: string,
  board: Board,
  id: number,
  ...args: unknown[]
): Promise<unknown> {
  return start(module, entry, board, id, args);
}

/** The weft Threads started for the test, to stop them if it fails. */
const threads = new Set<Thread>();

/**
 * After a failure: stops every party, and exits the process soon after, since a party stuck in a
 * wait (an async wait on this thread included) would otherwise keep it alive and stall the run.
 */
function stopEverything(): void {
  for (const t of threads) void (t._worker() as { terminate(): Promise<number> }).terminate();
  setTimeout(() => process.exit(1), 5000).unref();
}

function start(
  module: string,
  entry: string | undefined,
  board: Board,
  id: number,
  args: unknown[],
): Promise<unknown> {
  const name = board.names[id] ?? '';
  if (name.startsWith('thread')) {
    const first = entry === undefined ? [] : [entry];
    const t = new Thread(new URL(`../fixtures/stress/${module}.js`, import.meta.url), {
      args: [...first, board.i32, id, SEED, ...args],
      name: `stress ${module} ${name}`,
    });
    t.start();
    threads.add(t);
    return t.joinAsync().then(() => {
      if (board.get(id, FAILED) === 1) throw new Error(`${name} threw (its error is on stderr)`);
    });
  }
  return runInWorker(`stress/${module}`, entry ?? 'party', board.i32, id, SEED, ...args).result;
}

/**
 * Waits for `work`, failing with a message that names the primitive and where every party stands
 * if no party moves for `stallMs`, if a party throws, or after `totalMs`.
 */
export async function guard<T>(
  primitive: string,
  board: Board,
  work: Promise<T>,
  {
    stallMs = sized(60_000, 30_000),
    totalMs = sized(600_000, 120_000),
    state = (): string => '',
  }: { stallMs?: number; totalMs?: number; state?: () => string } = {},
): Promise<T> {
  const t0 = performance.now();
  let last = -1;
  let moved = t0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      const now = performance.now();
      const progress = board.sum(ITER) + board.sum(OPS);
      if (progress !== last) {
        last = progress;
        moved = now;
      }
      for (let p = 0; p < board.size; p++) {
        if (board.get(p, FAILED) === 1) {
          reject(new Error(`${primitive} stress: ${board.names[p]} threw (see stderr); ${board.where()}`));
        }
      }
      if (now - moved > stallMs) {
        reject(
          new Error(
            `${primitive} stress: no progress for ${Math.round(now - moved)} ms (hang?): ${board.where()}` +
              `; ${state()}`,
          ),
        );
      } else if (now - t0 > totalMs) {
        reject(
          new Error(`${primitive} stress: still running after ${totalMs} ms: ${board.where()}; ${state()}`),
        );
      }
    }, 250);
  });
  try {
    return await Promise.race([work, hang]);
  } catch (error) {
    stopEverything();
    throw error;
  } finally {
    clearInterval(timer);
  }
}

/** The state of a primitive, and its shared words, for a watchdog's message. */
export function dump(primitive: { _i32: Int32Array; _at: number }, words: number): string {
  return `${inspect(primitive)}, words [${Array.from(primitive._i32.subarray(primitive._at, primitive._at + words)).join(', ')}]`;
}

/** The figures of one stress test. */
export interface Figures {
  primitive: string;
  mode: string;
  seed: number;
  threads: string;
  /** How the main thread's async waits slept: 'native', 'helper' or 'poll'. */
  async: string;
  ops: number;
  ok: number;
  timeouts: number;
  aborts: number;
  violations: number;
  ms: number;
  [extra: string]: unknown;
}

/** Prints the figures (and appends them to WEFT_STRESS_OUT as a JSON line, if set). */
export function report(
  primitive: string,
  board: Board,
  ms: number,
  extra: Record<string, unknown> = {},
): Figures {
  const threads = board.names.filter((n) => n.startsWith('thread')).length;
  const workers = board.names.filter((n) => n.startsWith('worker')).length;
  const main = board.names.includes('main') ? ' + main (async)' : '';
  const figures: Figures = {
    primitive,
    mode: MODE,
    seed: SEED,
    threads: `${threads} weft Threads + ${workers} plain workers${main} on ${CORES} cores`,
    async: asyncWaitMode(),
    ops: board.sum(OPS),
    ok: board.sum(OK),
    timeouts: board.sum(TIMEOUTS),
    aborts: board.sum(ABORTS),
    violations: board.sum(VIOLATIONS),
    ms: Math.round(ms),
    ...extra,
  };
  const more = Object.entries(extra)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(
    `[stress ${MODE}] ${primitive}: ${figures.ops} ops (${figures.ok} ok, ${figures.timeouts} timed out, ` +
      `${figures.aborts} aborted${more ? `, ${more}` : ''}), ${figures.threads}, async waits ${figures.async}, ${figures.ms} ms, ` +
      `violations ${figures.violations} (seed ${SEED})`,
  );
  const out = process.env.WEFT_STRESS_OUT;
  if (out) appendFileSync(out, `${JSON.stringify(figures)}\n`);
  return figures;
}
