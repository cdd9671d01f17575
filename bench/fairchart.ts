/*
 * The fairness chart (fairness.svg): throughput and the longest single acquire against the number
 * of workers, one line per competitor, from the fairness scenarios (scenarios/fairness.ts). Solid:
 * a quiet machine; dashed: beside a CPU hog. Points are medians; both axes logarithmic.
 */

import { COLORS, esc } from './chart.js';
import type { Competitor } from './common.js';
import { fmt, type ScenarioResult } from './report.js';
import { FAIR_WORKERS, HOG_WORKERS } from './scenarios/fairness.js';

const W = 460;
const H = 300;
const PAD = { l: 60, r: 16, t: 40, b: 44 };

interface Series {
  competitor: Competitor;
  label: string;
  hog: boolean;
  points: [number, number][];
}

function series(results: ScenarioResult[], key: string): Series[] {
  const out: Series[] = [];
  for (const hog of [false, true]) {
    const workers = hog ? HOG_WORKERS : FAIR_WORKERS;
    const byCompetitor = new Map<Competitor, Series>();
    for (const w of workers) {
      const s = results.find((r) => r.id === `fairness-${hog ? 'hog-' : ''}${w}w`);
      for (const cell of s?.cells ?? []) {
        const v = cell.stats[key]?.median;
        if (cell.status !== 'ok' || v === undefined || !(v > 0)) continue;
        let line = byCompetitor.get(cell.competitor);
        if (line === undefined) {
          line = { competitor: cell.competitor, label: cell.label, hog, points: [] };
          byCompetitor.set(cell.competitor, line);
        }
        line.points.push([w, v]);
      }
    }
    out.push(...byCompetitor.values());
  }
  return out;
}

function panel(lines: Series[], title: string, x0: number): string {
  const values = lines.flatMap((l) => l.points.map((p) => p[1]));
  if (values.length === 0) return '';
  const lo = Math.min(...values) / 1.5;
  const hi = Math.max(...values) * 1.5;
  const px = (w: number): number => x0 + PAD.l + (Math.log2(w / 2) / Math.log2(8)) * (W - PAD.l - PAD.r);
  const py = (v: number): number => PAD.t + (1 - Math.log(v / lo) / Math.log(hi / lo)) * (H - PAD.t - PAD.b);
  const out = [`<text x="${x0 + PAD.l}" y="22" class="t">${esc(title)}</text>`];
  for (const w of FAIR_WORKERS) {
    out.push(
      `<line x1="${px(w)}" x2="${px(w)}" y1="${PAD.t}" y2="${H - PAD.b}" stroke="#e9ecef"/>`,
      `<text x="${px(w)}" y="${H - PAD.b + 16}" class="s" text-anchor="middle">${w}</text>`,
    );
  }
  out.push(`<text x="${x0 + W / 2}" y="${H - 8}" class="s" text-anchor="middle">workers (2 cores)</text>`);
  for (let k = 0; k <= 4; k++) {
    const v = lo * (hi / lo) ** (k / 4);
    out.push(
      `<line x1="${x0 + PAD.l}" x2="${x0 + W - PAD.r}" y1="${py(v)}" y2="${py(v)}" stroke="#f1f3f5"/>`,
      `<text x="${x0 + PAD.l - 6}" y="${py(v) + 4}" class="s" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  for (const l of lines) {
    const d = l.points
      .map(([w, v], i) => `${i === 0 ? 'M' : 'L'}${px(w).toFixed(1)},${py(v).toFixed(1)}`)
      .join(' ');
    const dash = l.hog ? ' stroke-dasharray="5,4"' : '';
    out.push(`<path d="${d}" fill="none" stroke="${COLORS[l.competitor]}" stroke-width="2"${dash}/>`);
    for (const [w, v] of l.points) {
      out.push(
        `<circle cx="${px(w).toFixed(1)}" cy="${py(v).toFixed(1)}" r="2.5" fill="${COLORS[l.competitor]}"/>`,
      );
    }
  }
  return out.join('\n');
}

export function renderFairness(results: ScenarioResult[], subtitle: string): string | undefined {
  const mops = series(results, 'mops');
  if (mops.length === 0) return undefined;
  const max = series(results, 'maxMs');
  const names = [...new Map(mops.map((l) => [l.competitor, l.label])).entries()];
  const legend = names.map(
    ([c, label], i) =>
      `<rect x="${PAD.l + i * 150}" y="${H + 8}" width="14" height="4" fill="${COLORS[c]}"/>` +
      `<text x="${PAD.l + i * 150 + 20}" y="${H + 14}" class="l">${esc(label)}</text>`,
  );
  const width = 2 * W;
  const height = H + 44;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Lock fairness and scale" font-family="Helvetica, Arial, sans-serif">
<style>
.t { font-size: 13px; font-weight: bold; }
.s { font-size: 10.5px; fill: #868e96; }
.l { font-size: 11px; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
${panel(mops, 'Lock throughput, million acquisitions/s (higher is better)', 0)}
${panel(max, 'Longest single acquire, ms (lower is better)', W)}
${legend.join('\n')}
<text x="${PAD.l}" y="${H + 34}" class="s">${esc(`solid: quiet; dashed: beside a CPU hog. ${subtitle}`)}</text>
</svg>
`;
}
