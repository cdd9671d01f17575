/*
 * From samples to what people read: median, min–max and the ratio to weft of every metric; the
 * tables (markdown, also readable in a terminal); and the goals of issues 4 and 13, checked on this
 * run.
 */

import { type Competitor, LABELS, type Metrics, median } from './common.js';
import type { Metric, ScenarioSpec } from './scenario.js';

export interface Stat {
  median: number;
  min: number;
  max: number;
  /** The competitor's cost over weft's (for a rate, weft's rate over the competitor's): >1 means weft is better. */
  ratio?: number | undefined;
}

export interface Cell {
  competitor: Competitor;
  label: string;
  status: 'ok' | 'n/a' | 'error';
  reason?: string;
  samples: Metrics[];
  errors: string[];
  stats: Record<string, Stat>;
}

export interface ScenarioResult {
  id: string;
  title: string;
  kind: string;
  params: ScenarioSpec['params'];
  metrics: Metric[];
  chart: boolean;
  cells: Cell[];
}

export function summarise(s: ScenarioResult): void {
  for (const cell of s.cells) {
    if (cell.status === 'n/a') continue;
    if (cell.samples.length === 0) {
      cell.status = 'error';
      cell.reason = cell.errors[0] ?? 'no sample';
      continue;
    }
    for (const m of s.metrics) {
      const xs = cell.samples.map((x) => x[m.key]).filter((x): x is number => typeof x === 'number');
      if (xs.length === 0) continue;
      cell.stats[m.key] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
    }
  }
  const weft = s.cells.find((c) => c.competitor === 'weft');
  for (const m of s.metrics) {
    const w = weft?.stats[m.key]?.median;
    for (const cell of s.cells) {
      const st = cell.stats[m.key];
      if (st === undefined || w === undefined) continue;
      const r = m.better === 'lower' ? st.median / w : w / st.median;
      st.ratio = Number.isFinite(r) && w !== 0 && st.median !== 0 ? r : undefined;
    }
  }
}

/** A number with about three significant digits. */
export function fmt(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return '—';
  const a = Math.abs(x);
  if (a === 0) return '0';
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.01) return x.toFixed(3);
  return x.toPrecision(2);
}

export function fmtRatio(r: number | undefined): string {
  if (r === undefined) return '—';
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [head, ...body] = rows;
  if (head === undefined) return '';
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** The full table of one scenario: a row per competitor, median / min–max / ratio per metric. */
export function scenarioTable(s: ScenarioResult): string {
  const head = ['competitor'];
  for (const m of s.metrics) head.push(m.label, 'min–max', 'vs weft');
  const rows = [head];
  const notes: string[] = [];
  for (const cell of s.cells) {
    const failed = cell.status === 'ok' && cell.errors.length > 0;
    const row = [failed ? `${cell.label} †` : cell.label];
    if (failed) {
      const n = cell.errors.length;
      notes.push(`† ${cell.label}: ${n} of ${n + cell.samples.length} samples failed: ${cell.errors[0]}`);
    }
    if (cell.status !== 'ok') {
      row.push(`${cell.status}: ${cell.reason ?? ''}`);
      while (row.length < head.length) row.push('');
    } else {
      for (const m of s.metrics) {
        const st = cell.stats[m.key];
        row.push(fmt(st?.median), st ? `${fmt(st.min)}–${fmt(st.max)}` : '—', fmtRatio(st?.ratio));
      }
    }
    rows.push(row);
  }
  const tail = notes.length > 0 ? `\n${notes.join('\n')}\n` : '';
  return `### ${s.title}\n\n${table(rows)}\n${tail}`;
}

/** One row per scenario (its first metric), one column per competitor: "median (ratio)". */
export function summaryTable(results: ScenarioResult[], competitors: readonly Competitor[]): string {
  const rows = [['scenario', 'unit', ...competitors.map((c) => LABELS[c])]];
  for (const s of results) {
    const m = s.metrics[0];
    if (m === undefined) continue;
    const row = [s.title, m.label];
    for (const c of competitors) {
      const cell = s.cells.find((x) => x.competitor === c);
      const st = cell?.stats[m.key];
      if (cell === undefined || cell.status === 'n/a') row.push('n/a');
      else if (cell.status === 'error' || st === undefined) row.push('error');
      else row.push(c === 'weft' ? `**${fmt(st.median)}**` : `${fmt(st.median)} (${fmtRatio(st.ratio)})`);
    }
    rows.push(row);
  }
  return table(rows);
}

/* Goals -------------------------------------------------------------------------------------------- */

export interface Goal {
  goal: string;
  measured: string;
  value: number | undefined;
  target: string;
  met: boolean | undefined;
}

export function checkGoals(results: ScenarioResult[]): Goal[] {
  const med = (id: string, c: Competitor, key: string): number | undefined =>
    results.find((s) => s.id === id)?.cells.find((x) => x.competitor === c)?.stats[key]?.median;
  const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined || b === 0 ? undefined : a / b;
  const goals: Goal[] = [];
  const add = (goal: string, measured: string, value: number | undefined, op: '<=' | '>=', limit: number) =>
    goals.push({
      goal,
      measured,
      value,
      target: `${op} ${limit}`,
      met: value === undefined ? undefined : op === '<=' ? value <= limit : value >= limit,
    });

  add(
    'Event ping-pong, blocking, partner at once: weft with spinning off at most 1.10x raw Atomics',
    'weft spin 0 µs / raw Atomics µs',
    ratio(med('pingpong-0us', 'weft-nospin', 'us'), med('pingpong-0us', 'raw', 'us')),
    '<=',
    1.1,
  );
  add(
    'Event ping-pong, blocking, partner at once: weft (default spin) at least 100x faster than raw blocking Atomics',
    'raw Atomics µs / weft µs',
    ratio(med('pingpong-0us', 'raw', 'us'), med('pingpong-0us', 'weft', 'us')),
    '>=',
    100,
  );
  add(
    'Partner answering after 1 ms: CPU time at most 1.05x that of no spin',
    'weft CPU / weft spin 0 CPU (both threads)',
    ratio(med('pingpong-1000us', 'weft', 'cpuUs'), med('pingpong-1000us', 'weft-nospin', 'cpuUs')),
    '<=',
    1.05,
  );
  add(
    'set + isSet + clear at most 1.3x the raw flag event',
    'weft ns / raw Atomics ns',
    ratio(med('event-ops', 'weft', 'ns'), med('event-ops', 'raw', 'ns')),
    '<=',
    1.3,
  );
  add(
    'set + isSet + clear at least 25x faster than Python Event',
    'Python ns / weft ns',
    ratio(med('event-ops', 'python', 'ns'), med('event-ops', 'weft', 'ns')),
    '>=',
    25,
  );
  add(
    'Lock uncontended acquire + release at most 1.3x raw',
    'weft ns / raw Atomics ns',
    ratio(med('lock-ops', 'weft', 'ns'), med('lock-ops', 'raw', 'ns')),
    '<=',
    1.3,
  );
  for (const w of [2, 4, 8]) {
    const id = `lock-${w}w`;
    add(
      `Lock contended (${w} workers) at least 0.9x the raw 3-state mutex`,
      'weft Mops/s / raw Atomics Mops/s',
      ratio(med(id, 'weft', 'mops'), med(id, 'raw', 'mops')),
      '>=',
      0.9,
    );
    add(
      `Lock contended (${w} workers) at least 0.9x V8 Atomics.Mutex`,
      'weft Mops/s / Atomics.Mutex Mops/s',
      ratio(med(id, 'weft', 'mops'), med(id, 'v8-mutex', 'mops')),
      '>=',
      0.9,
    );
  }
  add(
    'main ↔ worker async ping-pong at most 1.15x raw Atomics.waitAsync (both sides without spin)',
    'weft spin 0 µs / raw Atomics µs',
    ratio(med('async-0us', 'weft-nospin', 'us'), med('async-0us', 'raw', 'us')),
    '<=',
    1.15,
  );
  add(
    'main ↔ worker async ping-pong at most 1.15x raw Atomics.waitAsync (worker side spinning in both)',
    'weft µs / raw Atomics + spin µs',
    ratio(med('async-0us', 'weft', 'us'), med('async-0us', 'raw-spin', 'us')),
    '<=',
    1.15,
  );
  add(
    '100,000 Events: at most 160 B of RSS each',
    'weft bytes each',
    med('memory-event', 'weft', 'bytesEach'),
    '<=',
    160,
  );
  const hot = [
    'alloc-event-ops',
    'alloc-event-wait',
    'alloc-lock-ops',
    'alloc-rlock-ops',
    'alloc-sem-ops',
    'alloc-cond-notify',
  ];
  const worst = Math.max(...hot.map((id) => med(id, 'weft', 'bytes') ?? Number.NaN));
  add(
    'No allocation per operation on hot paths (uncontended operations)',
    'weft, most bytes/op over the uncontended paths',
    Number.isNaN(worst) ? undefined : worst,
    '<=',
    0.5,
  );
  // Issue 13: at the floor, and fair. "Best raw" is the better of raw Atomics and raw + spin.
  const best = (id: string, key: string, better: 'lower' | 'higher'): number | undefined => {
    const xs = [med(id, 'raw', key), med(id, 'raw-spin', key)].filter((x): x is number => x !== undefined);
    if (xs.length === 0) return undefined;
    return better === 'lower' ? Math.min(...xs) : Math.max(...xs);
  };
  for (const [id, key, what] of [
    ['semaphore-2of4', 'mops', 'Semaphore(2) hand-offs'],
    ['barrier-2', 'kps', 'Barrier passes, 2 parties'],
    ['condition', 'kps', 'Condition producer/consumer'],
  ] as const) {
    add(
      `${what}: at least 0.9x the best raw variant`,
      'weft / best raw',
      ratio(med(id, 'weft', key), best(id, key, 'higher')),
      '>=',
      0.9,
    );
  }
  add(
    'Event ping-pong, partner at once: at least 0.9x the best raw variant',
    'best raw µs / weft µs',
    ratio(best('pingpong-0us', 'us', 'lower'), med('pingpong-0us', 'weft', 'us')),
    '>=',
    0.9,
  );
  add(
    'Semaphore acquire + release uncontended at most 1.15x raw',
    'weft ns / raw ns',
    ratio(med('sem-ops', 'weft', 'ns'), med('sem-ops', 'raw', 'ns')),
    '<=',
    1.15,
  );
  for (const what of ['event', 'lock']) {
    add(
      `100,000 ${what === 'event' ? 'Events' : 'Locks'}: at most 80 B of RSS each`,
      'weft bytes each',
      med(`memory-${what}`, 'weft', 'bytesEach'),
      '<=',
      80,
    );
  }
  const pp = med('alloc-pingpong', 'weft', 'bytes');
  const ppRaw = med('alloc-pingpong', 'raw', 'bytes');
  add(
    'Blocking ping-pong round trip: at most 16 B of heap beyond raw Atomics (whose Atomics.wait allocates too)',
    'weft bytes - raw bytes',
    pp === undefined || ppRaw === undefined ? undefined : pp - ppRaw,
    '<=',
    16,
  );
  for (const id of [
    'fairness-4w',
    'fairness-8w',
    'fairness-16w',
    'fairness-hog-4w',
    'fairness-hog-8w',
    'fairness-hog-16w',
  ]) {
    add(`${id}: Jain's index at least 0.99`, "weft Jain's index", med(id, 'weft', 'jain'), '>=', 0.99);
    add(
      `${id}: longest acquire no longer than the raw mutex's`,
      'weft max ms / raw max ms',
      ratio(med(id, 'weft', 'maxMs'), med(id, 'raw', 'maxMs')),
      '<=',
      1,
    );
  }
  return goals;
}

export function goalsTable(goals: Goal[]): string {
  const rows = [['goal', 'measured', 'value', 'target', 'met']];
  for (const g of goals) {
    rows.push([
      g.goal,
      g.measured,
      fmt(g.value),
      g.target,
      g.met === undefined ? 'n/a' : g.met ? 'yes' : '**no**',
    ]);
  }
  return table(rows);
}
