/*
 * The queue benchmark (issue 11): weft's Queue beside postMessage, MessagePort, npm multithreading's
 * channel, Python's queue.Queue and a raw SPSC byte ring, in one run.
 *
 * npm run bench:queue               the full run (5 repeats): bench/queue/results.json, chart.svg
 * npm run bench:queue -- --quick    a short run for CI (3 repeats, small samples):
 *                                   build/bench/queue/quick/
 * Options: --repeats N, --only <text> (scenarios whose id contains it), --out <dir>, --no-python;
 * --render draws chart.svg again from the results.json there, without measuring.
 *
 * Each repeat runs every scenario with every competitor once, the competitors' order rotated by
 * one at every repeat (interleaved: no competitor always first, or always after the same one).
 * Each sample has fresh workers, a warm-up and a measured part (kernels.ts). Python runs its own
 * process once per repeat with the same plan. The heap bytes per item for numbers are measured
 * once, in a child process started with --expose-gc (alloc.ts), and the CPU per item on one thread
 * with no partner in another (cost.ts). The run exits non-zero only when
 * weft failed a scenario (a wrong count, an error), never for a slow machine.
 */

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { renderChart } from './chart.js';
import { CONTROL_WORDS, KINDS, type Kind, type Sizes } from './common.js';
import {
  attach,
  BYTES_CAPACITY,
  CAPACITY,
  COMPETITORS,
  type Competitor,
  LABELS,
  type PartySpec,
  type Shape,
  setup,
  supports,
} from './competitors.js';
import { type Channel, type Ctx, consumeAsync, listen } from './kernels.js';
import { multithreadingVersion } from './peers.js';
import { type Cell, goals, type Result, tables } from './report.js';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const only = option('--only');
const repeats = Number(option('--repeats') ?? (quick ? 3 : 5));
const withPython = !argv.includes('--no-python');
const outDir =
  option('--out') ?? fileURLToPath(new URL(quick ? './quick/' : '../../../bench/queue/', import.meta.url));
const pythonScript = fileURLToPath(new URL('../../../bench/queue/queue_bench.py', import.meta.url));
/** A sample that has not ended after this long is an error (a hang), not a figure. */
const SAMPLE_MS = quick ? 20_000 : 40_000;

const t0 = performance.now();
const log = (s: string): void => {
  process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${s}\n`);
};

/** A scenario: its shape, its sizes (items per producer, or round trips) and its metric. */
export interface Scenario {
  id: string;
  title: string;
  shape: Shape;
  sizes: Sizes;
  /** 'mps': millions of items per second (higher is better); 'us': µs per round trip (lower). */
  metric: 'mps' | 'us';
}

/** The least warm-up of a producer, in ms (full runs). */
const WARM_MS = 200;

function sizesOf(kind: Kind, producers: number): Sizes {
  const small = quick ? 20_000 : 200_000;
  const n = kind === 'bytes' ? (quick ? 40 : 300) : Math.floor(small / producers);
  // 1 MB items: copying dominates from the first item, so a few warm the code up.
  if (kind === 'bytes') return { warm: 10, warmMs: 0, n };
  return { warm: Math.max(2000, Math.floor(n / 10)), warmMs: quick ? 0 : WARM_MS, n };
}

const scenarios: Scenario[] = [];
for (const toMain of [false, true]) {
  for (const kind of KINDS) {
    scenarios.push({
      id: `${toMain ? 'w2m' : 'w2w'}-${kind}`,
      title: `one way, worker → ${toMain ? 'main (async get)' : 'worker'}: ${kind}`,
      shape: { pingpong: false, producers: 1, consumers: 1, toMain, kind },
      sizes: sizesOf(kind, 1),
      metric: 'mps',
    });
  }
}
for (const kind of ['int', 'obj'] as Kind[]) {
  scenarios.push({
    id: `4x4-${kind}`,
    title: `4 producers × 4 consumers, workers: ${kind}`,
    shape: { pingpong: false, producers: 4, consumers: 4, toMain: false, kind },
    sizes: sizesOf(kind, 4),
    metric: 'mps',
  });
}
scenarios.push({
  id: 'pingpong',
  title: 'ping-pong between two workers through two channels',
  shape: { pingpong: true, producers: 1, consumers: 1, toMain: false, kind: 'int' },
  // As many warm-up round trips as measured ones: with 2,000, the Queue's were still several
  // times slower than later ones (the JIT had not yet optimised them), and the Event's twice.
  sizes: { warm: quick ? 500 : 20_000, warmMs: 0, n: quick ? 3000 : 20_000 },
  metric: 'us',
});
const chosen = scenarios.filter((s) => only === undefined || s.id.includes(only));

/* One sample --------------------------------------------------------------------------------- */

interface Outcome {
  value?: number;
  error?: string;
}

/** The channel the main thread consumes from, for the w2m scenarios. */
async function mainChannel(c: Competitor, s: Shape, spec: PartySpec): Promise<Channel> {
  return (await attach(c, s.kind, spec.payload, 'consumer')) as Channel;
}

async function sample(c: Competitor, sc: Scenario): Promise<Outcome> {
  const specs = await setup(c, sc.shape);
  const parties = specs.length;
  const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  const times = new Float64Array(new SharedArrayBuffer(3 * parties * 8));
  const workers: Worker[] = [];
  const reports: Promise<number>[] = [];
  let listeners: ((m: unknown) => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (let p = 0; p < parties; p++) {
      const spec = specs[p]!;
      const ctx: Ctx = { kind: sc.shape.kind, sizes: sc.sizes, ctl, times, p, parties };
      if (spec.onMain) {
        if (c === 'postMessage') {
          reports.push(listen(ctx, (on) => listeners.push(on), false));
        } else if (c === 'MessagePort') {
          const port = (spec.payload as { port: import('node:worker_threads').MessagePort }).port;
          reports.push(listen(ctx, (on) => port.on('message', on), false).finally(() => port.close()));
        } else reports.push(consumeAsync(ctx, await mainChannel(c, sc.shape, spec)));
        continue;
      }
      const w = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: {
          competitor: c,
          role: spec.role,
          kind: sc.shape.kind,
          sizes: sc.sizes,
          ctl,
          times,
          p,
          parties,
          payload: spec.payload,
        },
        transferList: spec.transfer as never[],
      });
      workers.push(w);
      reports.push(
        new Promise<number>((resolve, reject) => {
          w.on('message', (m: { __bench?: string; count?: number; error?: string }) => {
            if (m !== null && typeof m === 'object' && m.__bench === 'done') resolve(m.count ?? 0);
            else if (m !== null && typeof m === 'object' && m.__bench === 'error') reject(new Error(m.error));
            else for (const on of listeners) on(m);
          });
          w.on('error', reject);
          w.on('exit', (code) => reject(new Error(`a ${spec.role} worker exited (code ${code})`)));
        }),
      );
    }
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no end within ${SAMPLE_MS} ms (hang?)`)), SAMPLE_MS);
    });
    await Promise.race([Promise.all(reports), deadline]);
  } catch (e) {
    return { error: String((e as Error)?.message ?? e).split('\n')[0] ?? 'failed' };
  } finally {
    clearTimeout(timer);
    listeners = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const start = Math.min(...Array.from({ length: parties }, (_, p) => times[2 * p]!).filter((t) => t > 0));
  if (sc.metric === 'us') {
    const us = ((times[1]! - times[0]!) / sc.sizes.n) * 1000;
    return { value: us };
  }
  let got = 0;
  let end = 0;
  specs.forEach((spec, p) => {
    if (spec.role !== 'consumer') return;
    got += times[2 * parties + p]!;
    end = Math.max(end, times[2 * p + 1]!);
  });
  const expected = sc.shape.producers * sc.sizes.n;
  if (got !== expected) return { error: `got ${got} items, expected ${expected}` };
  return { value: got / (end - start) / 1000 };
}

/* Python -------------------------------------------------------------------------------------- */

function pythonPlan(): Record<string, unknown> {
  const plan: Record<string, unknown> = {};
  for (const sc of chosen) {
    if (!supports('python', sc.shape)) continue;
    plan[sc.id] = {
      kind: sc.shape.kind,
      producers: sc.shape.producers,
      consumers: sc.shape.consumers,
      pingpong: sc.shape.pingpong,
      ...sc.sizes,
      capacity: sc.shape.kind === 'bytes' ? BYTES_CAPACITY : CAPACITY,
    };
  }
  return plan;
}

function runPython(): Promise<Record<string, { value?: number; error?: string }>> {
  return new Promise((resolve) => {
    const child = spawn('python3', [pythonScript, JSON.stringify(pythonPlan())], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    child.on('error', (e) => resolve({ all: { error: `python3: ${e.message}` } }));
    child.on('close', (code) => {
      try {
        const r = JSON.parse(out) as Record<string, { value?: number; error?: string }>;
        // Python's one-way value is items per second: the table shows millions.
        for (const [id, v] of Object.entries(r)) {
          if (v.value !== undefined && !id.startsWith('pingpong')) v.value /= 1e6;
        }
        resolve(r);
      } catch {
        resolve({ all: { error: `python3 exited ${code}: ${err.trim().split('\n').pop() ?? ''}` } });
      }
    });
  });
}

/* Heap bytes per item, and the CPU cost of one on one thread ----------------------------------- */

/** Runs bench/queue/<name>.js in a child process and returns the JSON object it prints. */
function runChild(name: string, flags: string[] = []): Promise<Record<string, number> | { error: string }> {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...flags, script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as Record<string, number>);
      } catch {
        resolve({ error: `${name} exited ${code}: ${err.trim().split('\n').slice(-3).join(' ')}` });
      }
    });
  });
}

/* The run ------------------------------------------------------------------------------------- */

function meta(load0: number[], load1: number[], ms: number) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${os.cpus().length} × ${cpu}`,
    loadavg: { before: load0.map((x) => +x.toFixed(2)), after: load1.map((x) => +x.toFixed(2)) },
    repeats,
    quick,
    seconds: Math.round(ms / 1000),
    multithreading: multithreadingVersion(),
    capacity: { items: CAPACITY, bytes: BYTES_CAPACITY },
  };
}

async function main(): Promise<void> {
  if (argv.includes('--render')) {
    const saved = JSON.parse(readFileSync(`${outDir}/results.json`, 'utf8')) as {
      meta: Meta;
      results: Result[];
    };
    writeFileSync(`${outDir}/chart.svg`, renderChart(saved.results, saved.meta));
    log(`wrote ${outDir}/chart.svg from ${outDir}/results.json`);
    return;
  }
  const load0 = os.loadavg();
  const cells = new Map<string, Cell>();
  const cellOf = (sid: string, c: Competitor): Cell => {
    const key = `${sid} ${c}`;
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = { scenario: sid, competitor: c, samples: [], errors: [] };
      cells.set(key, cell);
    }
    return cell;
  };
  const order = COMPETITORS.filter((c) => c !== 'python');
  for (let r = 0; r < repeats; r++) {
    for (const sc of chosen) {
      const here = order.filter((c) => supports(c, sc.shape));
      const rotated = [...here.slice(r % here.length), ...here.slice(0, r % here.length)];
      for (const c of rotated) {
        const o = await sample(c, sc);
        const cell = cellOf(sc.id, c);
        if (o.value !== undefined) cell.samples.push(o.value);
        else cell.errors.push(o.error ?? 'failed');
        log(
          `repeat ${r + 1}/${repeats} ${sc.id} ${LABELS[c]}: ${o.value?.toFixed(3) ?? `error: ${o.error}`}`,
        );
      }
    }
    if (withPython) {
      const py = await runPython();
      for (const sc of chosen) {
        if (!supports('python', sc.shape)) continue;
        const o = py[sc.id] ?? py.all ?? { error: 'no result' };
        const cell = cellOf(sc.id, 'python');
        if (o.value !== undefined) cell.samples.push(o.value);
        else cell.errors.push(o.error ?? 'failed');
      }
      log(`repeat ${r + 1}/${repeats} python done`);
    }
  }
  log('heap bytes per item (child process with --expose-gc)');
  const alloc = await runChild('alloc', [
    '--expose-gc',
    '--min-semi-space-size=64',
    '--max-semi-space-size=64',
  ]);
  log('ns per item on one thread (child process)');
  const cost = await runChild('cost');
  const load1 = os.loadavg();
  const m = meta(load0, load1, performance.now() - t0);
  const results: Result[] = chosen.map((sc) => ({
    id: sc.id,
    title: sc.title,
    metric: sc.metric,
    cells: COMPETITORS.filter((c) => supports(c, sc.shape) && (c !== 'python' || withPython)).map((c) =>
      cellOf(sc.id, c),
    ),
  }));
  const markdown = tables(results, alloc, cost, m);
  const goalLines = goals(results, alloc);
  process.stdout.write(`${markdown}\n${goalLines.join('\n')}\n`);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    `${outDir}/results.json`,
    `${JSON.stringify({ meta: m, results, alloc, cost, goals: goalLines }, null, 1)}\n`,
  );
  writeFileSync(`${outDir}/chart.svg`, renderChart(results, m));
  log(`wrote ${outDir}/results.json and ${outDir}/chart.svg`);
  const weftFailed = results.some((r) => r.cells.some((c) => c.competitor === 'weft' && c.errors.length > 0));
  if (weftFailed) {
    log('weft failed a scenario (see the table)');
    process.exitCode = 1;
  }
}

export type Meta = ReturnType<typeof meta>;

await main();
