/*
 * The queue benchmark's chart: an SVG drawn by hand. One panel per scenario, a horizontal bar per
 * competitor on a logarithmic scale (throughputs span four orders of magnitude), the median written
 * beside it with weft's ratio, the min–max range as a thin line across the bar's end, and "n/a"
 * where a competitor cannot run the scenario. The title carries the machine, Node and the load.
 */

import { esc, svgFrame } from '../chart.js';
import { COMPETITORS, type Competitor, LABELS } from './competitors.js';
import { fmt, type Result, ratio, statOf } from './report.js';
import type { Meta } from './run.js';

const COLORS: Record<Competitor, string> = {
  weft: '#d9480f',
  'weft-event': '#f08c00',
  raw: '#343a40',
  postMessage: '#1971c2',
  MessagePort: '#4dabf7',
  multithreading: '#9c36b5',
  python: '#2b8a3e',
};

const COLS = 3;
const PANEL_W = 440;
const ROW_H = 17;
const LABEL_W = 170;
const VALUE_W = 110;
const GAP = 18;

function panel(r: Result, x: number, y: number): { svg: string; h: number } {
  const out: string[] = [];
  let cy = y + 14;
  out.push(`<text x="${x}" y="${cy}" class="t">${esc(r.title)}</text>`);
  cy += 15;
  const unit = r.metric === 'mps' ? 'M items/s, higher is better' : 'µs per round trip, lower is better';
  out.push(`<text x="${x}" y="${cy}" class="s">${unit}</text>`);
  cy += 6;
  const rows = COMPETITORS.map((c) => ({ c, cell: r.cells.find((x2) => x2.competitor === c) })).filter(
    (row) => row.cell !== undefined,
  );
  const values = rows
    .map((row) => statOf(row.cell))
    .flatMap((s) => (s === undefined ? [] : [s.min, s.max]))
    .filter((v) => v > 0);
  const lo = Math.min(...values) / 3;
  const hi = Math.max(...values);
  const span = Math.log10(hi / lo) || 1;
  const barMax = PANEL_W - LABEL_W - VALUE_W;
  const scale = (v: number): number => (v <= lo ? 0 : (Math.log10(v / lo) / span) * barMax);
  for (const { c, cell } of rows) {
    const by = cy + 4;
    out.push(
      `<text x="${x + LABEL_W - 6}" y="${by + 11}" class="l" text-anchor="end">${esc(LABELS[c])}</text>`,
    );
    const s = statOf(cell);
    if (s === undefined) {
      out.push(`<text x="${x + LABEL_W}" y="${by + 11}" class="na">error</text>`);
    } else {
      const w = Math.max(1, scale(s.median));
      out.push(
        `<rect x="${x + LABEL_W}" y="${by + 2}" width="${w.toFixed(1)}" height="${ROW_H - 5}" fill="${COLORS[c]}"/>`,
      );
      const x1 = x + LABEL_W + scale(s.min);
      const x2 = x + LABEL_W + scale(s.max);
      out.push(
        `<line x1="${x1.toFixed(1)}" x2="${x2.toFixed(1)}" y1="${by + 8}" y2="${by + 8}" stroke="#000" stroke-width="1"/>`,
      );
      const q = c === 'weft' ? undefined : ratio(r, c);
      const text = q === undefined ? fmt(s.median) : `${fmt(s.median)} (weft ${fmt(q)}×)`;
      const tx = x + LABEL_W + Math.max(w, scale(s.max)) + 5;
      out.push(`<text x="${tx.toFixed(1)}" y="${by + 11}" class="v">${esc(text)}</text>`);
    }
    cy += ROW_H;
  }
  return { svg: out.join('\n'), h: cy - y + 8 };
}

export function renderChart(results: Result[], meta: Meta): string {
  const title = 'weft Queue beside postMessage, npm multithreading, Python queue.Queue and a raw SPSC ring';
  const lines = [
    `Node ${meta.node}, ${meta.cpu}; ${meta.repeats} interleaved repeats, medians with min–max; ` +
      `load average ${meta.loadavg.before.join(' ')} → ${meta.loadavg.after.join(' ')}; ${meta.date.slice(0, 10)}`,
  ];
  const parts: string[] = [];
  let y = 30 + lines.length * 15;
  let rowH = 0;
  let col = 0;
  for (const r of results) {
    const x = GAP + col * (PANEL_W + GAP);
    const p = panel(r, x, y);
    parts.push(p.svg);
    rowH = Math.max(rowH, p.h);
    if (++col === COLS) {
      col = 0;
      y += rowH + GAP;
      rowH = 0;
    }
  }
  if (col !== 0) y += rowH + GAP;
  return svgFrame(title, lines, GAP + COLS * (PANEL_W + GAP), y, parts);
}
