/*
 * npm run bench              the full run (5 repeats): bench/results.json, bench/chart.svg and
 *                            bench/fairness.svg
 * npm run bench -- --quick   a short run for CI (3 repeats of short samples; memory and allocation
 *                            once, memory with 20,000 items): build/bench/quick/
 * Fairness samples are long (500 ms; 60 ms in a quick run); those marked hog run beside a busy
 * process. Options: --repeats N, --only <text> (scenarios whose id contains it), --out <dir>; --render draws
 * chart.svg again from the results.json already there, without measuring.
 *
 * Every scenario runs each competitor once per repeat, in the same run, the order rotated by one at
 * every repeat so that no competitor always runs first (or right after the same one). A table per
 * scenario goes to stdout as it completes, then the summary and the goals of issues 4 and 13. Nothing here
 * asserts a speed: the run exits 0 unless weft itself failed a scenario (a broken kernel or a wrong
 * count), so that CI catches a benchmark that has rotted, not a slow machine.
 */

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { renderChart } from './chart.js';
import { COMPETITORS, type Competitor, DESCRIPTIONS, LABELS, type Metrics, type Params } from './common.js';
import { renderFairness } from './fairchart.js';
import { closeHost } from './host.js';
import { freshMemory, gcHost, type Host, harmonyHost, localHost, pythonHost } from './hosts.js';
import { multithreadingVersion } from './peers.js';
import {
  type Cell,
  checkGoals,
  goalsTable,
  type ScenarioResult,
  scenarioTable,
  summarise,
  summaryTable,
} from './report.js';
import { placement, SCENARIOS, type Scenario, type Where } from './scenarios/index.js';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = argv.includes('--quick');
const only = option('--only');
const repeats = Number(option('--repeats') ?? (quick ? 3 : 5));
const timing = quick
  ? {
      durationMs: 15,
      warmupMs: 5,
      slowMs: 40,
      longMs: 60,
      memoryRepeats: 1,
      allocRepeats: 1,
      memoryCount: 20000,
    }
  : {
      durationMs: 150,
      warmupMs: 40,
      slowMs: 250,
      longMs: 500,
      memoryRepeats: repeats,
      allocRepeats: repeats,
      memoryCount: 100000,
    };
const outDir =
  option('--out') ?? fileURLToPath(new URL(quick ? './quick/' : '../../bench/', import.meta.url));

const t0 = performance.now();
const log = (s: string): void => {
  process.stderr.write(`${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${s}\n`);
};

const hosts: Record<Exclude<Where, 'fresh'>, Host> = {
  local: localHost,
  harmony: harmonyHost,
  gc: gcHost,
  python: pythonHost,
};

function paramsOf(s: Scenario): Params {
  const slow = (s.params.delayUs ?? 0) >= 100;
  const p: Params = {
    durationMs: s.params.long === true ? timing.longMs : slow ? timing.slowMs : timing.durationMs,
    warmupMs: timing.warmupMs,
    ...s.params,
  };
  if (s.kind === 'memory') p.count = timing.memoryCount;
  return p;
}

async function sample(s: Scenario, c: Competitor, where: Where, p: Params): Promise<Metrics> {
  if (where === 'fresh') return freshMemory(p.what ?? 'event', c, p.count ?? 100000);
  const limit = 20 * (p.durationMs + p.warmupMs) + 15000;
  if (p.hog !== true) return hosts[where].sample(s.kind, c, p, limit);
  // A CPU hog: one busy process for the length of the sample.
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    return await hosts[where].sample(s.kind, c, p, limit);
  } finally {
    hog.kill('SIGKILL');
  }
}

async function runScenario(s: Scenario, index: number, total: number): Promise<ScenarioResult> {
  const cells: Cell[] = [];
  const runnable: { cell: Cell; where: Where }[] = [];
  for (const c of COMPETITORS) {
    const cell: Cell = { competitor: c, label: LABELS[c], status: 'ok', samples: [], errors: [], stats: {} };
    cells.push(cell);
    const at = placement(s, c);
    if ('na' in at) {
      cell.status = 'n/a';
      cell.reason = at.na;
      continue;
    }
    const why = at.where === 'fresh' ? undefined : await hosts[at.where].unavailable();
    if (why !== undefined) {
      cell.status = 'n/a';
      cell.reason = why;
      continue;
    }
    runnable.push({ cell, where: at.where });
  }
  const p = paramsOf(s);
  const n =
    s.kind === 'memory' ? timing.memoryRepeats : s.kind.startsWith('alloc-') ? timing.allocRepeats : repeats;
  for (let r = 0; r < n; r++) {
    log(`[${index}/${total}] ${s.id}: repeat ${r + 1}/${n}`);
    const k = runnable.length === 0 ? 0 : r % runnable.length;
    const order = [...runnable.slice(k), ...runnable.slice(0, k)];
    for (const { cell, where } of order) {
      try {
        cell.samples.push(await sample(s, cell.competitor, where, p));
      } catch (e) {
        const msg = String((e as Error).message).split('\n')[0] ?? '';
        cell.errors.push(msg);
        log(`  ${cell.label}: ${msg}`);
      }
    }
  }
  const result: ScenarioResult = {
    id: s.id,
    title: s.kind === 'memory' ? s.title.replace('100,000', (p.count ?? 0).toLocaleString('en-US')) : s.title,
    kind: s.kind,
    params: s.params,
    metrics: s.metrics,
    chart: s.chart === true,
    cells,
  };
  summarise(result);
  return result;
}

function weftVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

type Meta = Record<string, unknown> & { weft: string; repeats: number; quick: boolean; date: string };

function chartOf(results: ScenarioResult[], meta: Meta): string {
  return renderChart(results, {
    title: `weft ${meta.weft} benchmark: median of ${meta.repeats} interleaved repeats${meta.quick ? ' (quick run)' : ''}`,
    lines: [
      `${meta.cpu}, ${meta.cores} cores, ${meta.memoryGiB} GiB, ${meta.os}; ${meta.date.slice(0, 10)}`,
      `Node ${meta.node} (V8 ${meta.v8}), Python ${meta.python}, npm multithreading ${meta.multithreading}`,
      'Bars: median, log scale; thin line: min–max; in parentheses: cost relative to weft (above 1: weft is better)',
    ],
  });
}

/** chart.svg, and fairness.svg when the run has fairness scenarios. */
function writeCharts(results: ScenarioResult[], meta: Meta): void {
  writeFileSync(`${outDir}/chart.svg`, chartOf(results, meta));
  const fair = renderFairness(
    results,
    `Medians of ${meta.repeats} repeats; ${meta.cores} cores, Node ${meta.node}; load average ${Number(meta.loadAverageStart).toFixed(1)} → ${Number(meta.loadAverageEnd).toFixed(1)}`,
  );
  if (fair !== undefined) writeFileSync(`${outDir}/fairness.svg`, fair);
}

/** --render: draws chart.svg again from the results.json in the output folder, without measuring. */
function render(): void {
  const { meta, scenarios } = JSON.parse(readFileSync(`${outDir}/results.json`, 'utf8')) as {
    meta: Meta;
    scenarios: ScenarioResult[];
  };
  writeCharts(scenarios, meta);
  log(`wrote ${outDir}/chart.svg (and fairness.svg) from ${outDir}/results.json`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const load0 = os.loadavg();
  if ((load0[0] ?? 0) > 0.5 * os.availableParallelism()) {
    log(
      `warning: the machine is busy (load average ${load0[0]?.toFixed(2)}); spinning and latency numbers suffer`,
    );
  }
  const scenarios = SCENARIOS.filter((s) => only === undefined || s.id.includes(only));
  await Promise.all(Object.values(hosts).map((h) => h.unavailable()));
  const results: ScenarioResult[] = [];
  let i = 0;
  for (const s of scenarios) {
    const r = await runScenario(s, ++i, scenarios.length);
    results.push(r);
    process.stdout.write(`\n${scenarioTable(r)}`);
  }
  const load1 = os.loadavg();
  const goals = checkGoals(results);

  const cpus = os.cpus();
  const meta = {
    date: new Date().toISOString(),
    quick,
    repeats,
    sampleMs: timing.durationMs,
    slowSampleMs: timing.slowMs,
    warmupMs: timing.warmupMs,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    python: String(pythonHost.info.python ?? 'n/a'),
    weft: weftVersion(),
    multithreading: multithreadingVersion(),
    loadAverageStart: load0[0],
    loadAverageEnd: load1[0],
    seconds: (performance.now() - started) / 1000,
    competitors: Object.fromEntries(COMPETITORS.map((c) => [c, { label: LABELS[c], what: DESCRIPTIONS[c] }])),
  };

  process.stdout.write(
    `\n## Summary (median; in parentheses: cost relative to weft, >1 means weft is better)\n\n`,
  );
  process.stdout.write(`${summaryTable(results, COMPETITORS)}\n`);
  process.stdout.write(`\n## Goals (issues 4 and 13)\n\n${goalsTable(goals)}\n`);
  process.stdout.write(
    `\n${meta.cpu}, ${meta.cores} cores, Node ${meta.node} (V8 ${meta.v8}), Python ${meta.python}, ` +
      `weft ${meta.weft}, multithreading ${meta.multithreading}; ${repeats} repeats; ` +
      `load average ${load0[0]?.toFixed(2)} → ${load1[0]?.toFixed(2)}; ${meta.seconds.toFixed(0)} s\n`,
  );

  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    `${outDir}/results.json`,
    `${JSON.stringify({ meta, goals, scenarios: results }, null, 1)}\n`,
  );
  writeCharts(results, meta);
  log(`wrote ${outDir}/results.json and the charts in ${meta.seconds.toFixed(0)} s`);

  await Promise.all([closeHost(), harmonyHost.close(), gcHost.close(), pythonHost.close()]);
  const broken = results.flatMap((r) =>
    r.cells.filter(
      (c) => (c.competitor === 'weft' || c.competitor === 'weft-nospin') && c.status === 'error',
    ),
  );
  if (broken.length > 0) {
    log(`weft failed ${broken.length} scenario(s): ${broken.map((c) => c.reason).join('; ')}`);
    process.exitCode = 1;
  }
}

if (argv.includes('--render')) render();
else await main();
