/*
 * The queue benchmark's report: the Markdown tables (medians with min–max, then weft's ratio to
 * each competitor), the heap bytes per item, and the goals of issue 11 as PASS / MISS lines.
 * A ratio always reads "how many times better weft is": weft ÷ X for throughput, X ÷ weft for a
 * round-trip time. The ratios come from medians of the same run.
 */

import { KIND_LABELS, type Kind, median } from './common.js';
import { COMPETITORS, type Competitor, LABELS } from './competitors.js';

export interface Cell {
  scenario: string;
  competitor: Competitor;
  samples: number[];
  errors: string[];
}
export interface Result {
  id: string;
  title: string;
  metric: 'mps' | 'us';
  cells: Cell[];
}

export interface Stat {
  median: number;
  min: number;
  max: number;
}

export function statOf(cell: Cell | undefined): Stat | undefined {
  if (cell === undefined || cell.samples.length === 0) return undefined;
  return { median: median(cell.samples), min: Math.min(...cell.samples), max: Math.max(...cell.samples) };
}

/** Three significant digits, without exponent notation. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** How many times better weft is than `c` in `r` (undefined where either is missing). */
export function ratio(r: Result, c: Competitor): number | undefined {
  const w = statOf(r.cells.find((x) => x.competitor === 'weft'));
  const o = statOf(r.cells.find((x) => x.competitor === c));
  if (w === undefined || o === undefined) return undefined;
  return r.metric === 'mps' ? w.median / o.median : o.median / w.median;
}

const unit = (r: Result): string => (r.metric === 'mps' ? 'M items/s' : 'µs per round trip');

function cellText(r: Result, c: Competitor): string {
  const cell = r.cells.find((x) => x.competitor === c);
  if (cell === undefined) return 'n/a';
  const s = statOf(cell);
  if (s === undefined) return `error (${cell.errors[0] ?? '?'})`;
  const failed = cell.errors.length > 0 ? ` (${cell.errors.length} failed)` : '';
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})${failed}`;
}

/** The competitors that appear in any of `results`, in table order. */
function present(results: Result[]): Competitor[] {
  return COMPETITORS.filter((c) => results.some((r) => r.cells.some((x) => x.competitor === c)));
}

function table(results: Result[], title: string): string[] {
  if (results.length === 0) return [];
  const cols = present(results);
  const out = [`### ${title}`, '', `| scenario | ${cols.map((c) => LABELS[c]).join(' | ')} |`];
  out.push(`| --- | ${cols.map(() => '---').join(' | ')} |`);
  for (const r of results) out.push(`| ${r.title} | ${cols.map((c) => cellText(r, c)).join(' | ')} |`);
  out.push('');
  const others = cols.filter((c) => c !== 'weft');
  out.push(`| weft Queue is N× better than | ${others.map((c) => LABELS[c]).join(' | ')} |`);
  out.push(`| --- | ${others.map(() => '---').join(' | ')} |`);
  for (const r of results) {
    out.push(
      `| ${r.title} | ${others
        .map((c) => {
          const x = ratio(r, c);
          return x === undefined ? 'n/a' : `${fmt(x)}×`;
        })
        .join(' | ')} |`,
    );
  }
  out.push('');
  return out;
}

/** The Markdown: one table of medians (min–max) per metric, their ratios, the heap per item. */
export function tables(
  results: Result[],
  alloc: Record<string, number> | { error: string },
  cost: Record<string, number> | { error: string },
  meta: { node: string; cpu: string; loadavg: { before: number[]; after: number[] }; repeats: number },
): string {
  const out = [
    `Node ${meta.node}, ${meta.cpu}; ${meta.repeats} interleaved repeats; medians (min–max); ` +
      `load average ${meta.loadavg.before.join(' ')} before, ${meta.loadavg.after.join(' ')} after.`,
    '',
  ];
  out.push(
    ...table(
      results.filter((r) => r.metric === 'mps'),
      `Throughput (${unit({ metric: 'mps' } as Result)}, higher is better)`,
    ),
  );
  out.push(
    ...table(
      results.filter((r) => r.metric === 'us'),
      `Ping-pong (${unit({ metric: 'us' } as Result)}, lower is better)`,
    ),
  );
  out.push('### Heap bytes per item (put + get of a number, one thread)', '');
  if ('error' in alloc) out.push(`error: ${alloc.error}`);
  else {
    out.push('| path | bytes per item |', '| --- | --- |');
    for (const [k, v] of Object.entries(alloc)) out.push(`| ${k} | ${v.toFixed(2)} |`);
  }
  out.push('', '### CPU per item, one thread, no partner (ns, lower is better)', '');
  if ('error' in cost) out.push(`error: ${cost.error}`);
  else {
    out.push('| path | ns per item |', '| --- | --- |');
    for (const [k, v] of Object.entries(cost)) out.push(`| ${k} | ${v.toFixed(1)} |`);
  }
  out.push('');
  return out.join('\n');
}

/** The goals of issue 11, each a PASS or MISS line with the figure it rests on. */
export function goals(results: Result[], alloc: Record<string, number> | { error: string }): string[] {
  const lines: string[] = [];
  const check = (what: string, value: number | undefined, ok: (v: number) => boolean, want: string): void => {
    if (value === undefined) lines.push(`n/a  ${what}: not measured`);
    else lines.push(`${ok(value) ? 'PASS' : 'MISS'} ${what}: ${fmt(value)}× (goal ${want})`);
  };
  const byId = (id: string): Result | undefined => results.find((r) => r.id === id);
  const postGoal: Record<Kind, number> = { int: 5, str: 5, obj: 2, bytes: 1 };
  for (const dir of ['w2w', 'w2m'] as const) {
    for (const kind of ['int', 'str', 'obj', 'bytes'] as Kind[]) {
      const r = byId(`${dir}-${kind}`);
      if (r === undefined) continue;
      const label = `${dir === 'w2w' ? 'worker→worker' : 'worker→main'} ${KIND_LABELS[kind]}`;
      const g = postGoal[kind];
      if (dir === 'w2m')
        check(`${label}: weft ÷ worker.postMessage`, ratio(r, 'postMessage'), (v) => v >= g, `>= ${g}`);
      check(`${label}: weft ÷ MessagePort`, ratio(r, 'MessagePort'), (v) => v >= g, `>= ${g}`);
      if (kind !== 'bytes')
        check(`${label}: weft ÷ multithreading`, ratio(r, 'multithreading'), (v) => v >= 2, '>= 2');
      if (dir === 'w2w')
        check(`${label}: weft ÷ Python queue.Queue`, ratio(r, 'python'), (v) => v >= 10, '>= 10');
      check(`${label}: weft ÷ raw SPSC ring`, ratio(r, 'raw'), (v) => v >= 0.5, '>= 0.5');
    }
  }
  for (const kind of ['int', 'obj'] as Kind[]) {
    const r = byId(`4x4-${kind}`);
    if (r === undefined) continue;
    check(
      `4×4 ${KIND_LABELS[kind]}: weft ÷ multithreading`,
      ratio(r, 'multithreading'),
      (v) => v >= 2,
      '>= 2',
    );
    check(`4×4 ${KIND_LABELS[kind]}: weft ÷ Python queue.Queue`, ratio(r, 'python'), (v) => v >= 10, '>= 10');
  }
  const pp = byId('pingpong');
  if (pp !== undefined) {
    const e = ratio(pp, 'weft-event');
    check(
      'ping-pong: weft Queue ÷ weft Event (time per round trip)',
      e === undefined ? undefined : 1 / e,
      (v) => v <= 1.5,
      '<= 1.5',
    );
  }
  if ('error' in alloc) lines.push(`n/a  heap per item: ${alloc.error}`);
  else {
    for (const [k, v] of Object.entries(alloc)) {
      if (!k.startsWith('Queue') || !k.includes('small integer')) continue;
      lines.push(
        `${v <= 1 ? 'PASS' : 'MISS'} heap per item, ${k}: ${v.toFixed(2)} bytes (goal: none beyond the value itself, 0)`,
      );
    }
  }
  return lines;
}
