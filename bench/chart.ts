/*
 * The chart: an SVG drawn by hand (no dependency). One panel per headline scenario, a horizontal bar
 * per competitor on a logarithmic scale (the values span four orders of magnitude), the median
 * written beside it with the min–max range as a thin line, and "n/a" where a competitor cannot run
 * the scenario. The title carries the machine and the versions.
 */

import { COMPETITORS, type Competitor, LABELS } from './common.js';
import { fmt, fmtRatio, type ScenarioResult } from './report.js';

export interface ChartMeta {
  title: string;
  lines: string[];
}

export const COLORS: Record<Competitor, string> = {
  weft: '#d9480f',
  'weft-nospin': '#f08c00',
  raw: '#343a40',
  'raw-spin': '#868e96',
  postmessage: '#1971c2',
  python: '#2b8a3e',
  multithreading: '#9c36b5',
  'v8-mutex': '#c2255c',
};

/** Which scenario and metric each panel shows, in order. */
const PANELS: [string, string][] = [
  ['pingpong-0us', 'us'],
  ['pingpong-1000us', 'cpuUs'],
  ['async-0us', 'us'],
  ['event-ops', 'ns'],
  ['lock-ops', 'ns'],
  ['sem-ops', 'ns'],
  ['lock-2w', 'mops'],
  ['lock-4w', 'mops'],
  ['lock-8w', 'mops'],
  ['semaphore-2of4', 'mops'],
  ['barrier-2', 'kps'],
  ['barrier-4', 'kps'],
  ['condition', 'kps'],
  ['memory-event', 'bytesEach'],
  ['memory-lock', 'bytesEach'],
];

/** Escapes text for SVG. */
export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const COLS = 3;
const PANEL_W = 420;
const ROW_H = 17;
const LABEL_W = 130;
const VALUE_W = 120;
const GAP = 18;

function wrap(text: string, max: number): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + w.length + 1 > max) {
      lines.push(line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

function panel(s: ScenarioResult, key: string, x: number, y: number): { svg: string; h: number } {
  const metric = s.metrics.find((m) => m.key === key);
  if (metric === undefined) return { svg: '', h: 0 };
  const out: string[] = [];
  const titleLines = wrap(s.title, 56);
  let cy = y + 14;
  for (const t of titleLines) {
    out.push(`<text x="${x}" y="${cy}" class="t">${esc(t)}</text>`);
    cy += 15;
  }
  out.push(`<text x="${x}" y="${cy}" class="s">${esc(metric.label)}, ${metric.better} is better</text>`);
  cy += 8;
  const present = COMPETITORS.map((c) => ({ c, cell: s.cells.find((x2) => x2.competitor === c) })).filter(
    (r) => r.cell !== undefined,
  );
  const values = present
    .map((r) => r.cell?.stats[key])
    .flatMap((st) => (st === undefined ? [] : [st.min, st.max, st.median]))
    .filter((v) => v > 0);
  const lo = Math.min(...values) / 2;
  const hi = Math.max(...values);
  const span = Math.log10(hi / lo) || 1;
  const barMax = PANEL_W - LABEL_W - VALUE_W;
  const scale = (v: number): number => (v <= lo ? 0 : (Math.log10(v / lo) / span) * barMax);
  for (const { c, cell } of present) {
    const by = cy + 4;
    out.push(
      `<text x="${x + LABEL_W - 6}" y="${by + 11}" class="l" text-anchor="end">${esc(LABELS[c])}</text>`,
    );
    const st = cell?.stats[key];
    if (cell === undefined || cell.status !== 'ok' || st === undefined) {
      const why = cell?.status === 'error' ? 'error' : 'n/a';
      out.push(`<text x="${x + LABEL_W}" y="${by + 11}" class="na">${why}</text>`);
    } else {
      const w = Math.max(1, scale(st.median));
      out.push(
        `<rect x="${x + LABEL_W}" y="${by + 2}" width="${w.toFixed(1)}" height="${ROW_H - 5}" fill="${COLORS[c]}"/>`,
      );
      const x1 = x + LABEL_W + scale(st.min);
      const x2 = x + LABEL_W + scale(st.max);
      out.push(
        `<line x1="${x1.toFixed(1)}" x2="${x2.toFixed(1)}" y1="${by + 8}" y2="${by + 8}" stroke="#000" stroke-width="1"/>`,
      );
      const ratio = c === 'weft' ? '' : ` (${fmtRatio(st.ratio)})`;
      const tx = x + LABEL_W + Math.max(w, scale(st.max)) + 5;
      out.push(`<text x="${tx.toFixed(1)}" y="${by + 11}" class="v">${esc(fmt(st.median) + ratio)}</text>`);
    }
    cy += ROW_H;
  }
  return { svg: out.join('\n'), h: cy - y + 6 };
}

export function renderChart(results: ScenarioResult[], meta: ChartMeta): string {
  const parts: string[] = [];
  const headerH = 30 + meta.lines.length * 15;
  let y = headerH;
  let rowH = 0;
  let col = 0;
  for (const [id, key] of PANELS) {
    const s = results.find((r) => r.id === id);
    if (s === undefined) continue;
    const x = GAP + col * (PANEL_W + GAP);
    const p = panel(s, key, x, y);
    parts.push(p.svg);
    rowH = Math.max(rowH, p.h);
    if (++col === COLS) {
      col = 0;
      y += rowH + GAP;
      rowH = 0;
    }
  }
  if (col !== 0) y += rowH + GAP;
  return svgFrame(meta.title, meta.lines, GAP + COLS * (PANEL_W + GAP), y, parts);
}

/**
 * The frame of a chart of panels (bench/chart.svg, bench/fairness.svg, bench/queue/chart.svg): the
 * title and its lines, the shared styles, a white background, then the panels' SVG.
 */
export function svgFrame(
  title: string,
  lines: readonly string[],
  width: number,
  height: number,
  parts: string[],
): string {
  const header = [
    `<text x="${GAP}" y="22" class="h">${esc(title)}</text>`,
    ...lines.map((l, i) => `<text x="${GAP}" y="${42 + i * 15}" class="m">${esc(l)}</text>`),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}" font-family="Helvetica, Arial, sans-serif">
<title>${esc(title)}</title>
<style>
.h { font-size: 17px; font-weight: bold; }
.m { font-size: 12px; fill: #495057; }
.t { font-size: 12.5px; font-weight: bold; }
.s { font-size: 10.5px; fill: #868e96; }
.l { font-size: 11.5px; }
.v { font-size: 11px; fill: #212529; }
.na { font-size: 11px; fill: #adb5bd; font-style: italic; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
${header.join('\n')}
${parts.join('\n')}
</svg>
`;
}
