/*
 * Micro benchmark of the Queue's value codec (src/codec.ts), beside JSON and node:v8, on one
 * thread. Standalone: `npm run -s build:all && node build/bench/queue/codec.js [--quick]`.
 *
 * For each value: weft encode alone, decode alone, and the round trip a queue does (encode, copy
 * the bytes 8-aligned into a SharedArrayBuffer, decode them in place with decode(view, start, end)), against JSON.parse(JSON.stringify
 * (v)) and v8.deserialize(v8.serialize(v)). The 1 MB row also shows a plain copy of 1 MB (the
 * floor: `Uint8Array.prototype.set`). Then compareEncoded against decoding both items. Each figure is the median of 7 timed batches, in nanoseconds
 * of this process's CPU time per operation (not wall time, so that other load on the machine
 * inflates the figures less; on a quiet machine the two agree).
 */

import { execSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { deserialize, serialize } from 'node:v8';
import { compare, compareEncoded, decode, encode } from '../../src/codec.js';

const quick = process.argv.includes('--quick');
const BATCHES = 7;

let sink = 0;
function consume(v: unknown): void {
  if (v === sink) sink++;
}

/** Median ns per call of `fn` over BATCHES batches, each about `ms` long. */
function measure(fn: () => unknown, ms = quick ? 40 : 200): number {
  let n = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < n; i++) consume(fn());
    const took = performance.now() - t;
    if (took > ms / 4) break;
    n *= 2;
  }
  n = Math.max(1, Math.round((n * ms) / Math.max(1, ms / 4)));
  const times: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const t = process.cpuUsage();
    for (let i = 0; i < n; i++) consume(fn());
    const d = process.cpuUsage(t);
    times.push(((d.user + d.system) * 1e3) / n);
  }
  times.sort((a, b) => a - b);
  return times[BATCHES >> 1]!;
}

const shared = new Uint8Array(new SharedArrayBuffer(4 << 20));

const megabyte = new Uint8Array(1 << 20);
for (let i = 0; i < megabyte.length; i++) megabyte[i] = (i * 7) & 255;

const values: [string, unknown, boolean][] = [
  // name, value, JSON can carry it
  ['integer 42', 42, true],
  ['integer 123456789', 123456789, true],
  ['double 1234.5678', 1234.5678, true],
  ['string, 40 ASCII chars', 'the quick brown fox jumps over the lazy', true],
  ['string, 40 chars with é and 日', 'the quick brown fox é jumps over 日 lazy', true],
  ['string, 1000 ASCII chars', 'x'.repeat(1000), true],
  [
    'small object {id, name, tags}',
    { id: 12345, name: 'widget-12345', tags: ['red', 'large', 'sale'] },
    true,
  ],
  [
    'array of 100 small objects',
    Array.from({ length: 100 }, (_, i) => ({ id: i, name: `n${i}`, ok: i % 2 === 0 })),
    true,
  ],
  ['Uint8Array 1 MB', megabyte, false],
];

function row(name: string, cells: (number | undefined)[]): string {
  return `| ${name} | ${cells.map((c) => (c === undefined ? '—' : c < 10 ? c.toFixed(2) : c < 100 ? c.toFixed(1) : Math.round(c).toLocaleString('en-US'))).join(' | ')} |`;
}

// Measured first: the 1 MB rows leave the garbage collector's threads busy, which CPU time counts.
const comparisons: string[] = [];
comparisons.push('');
comparisons.push('PriorityQueue comparisons (ns of CPU time per comparison)');
comparisons.push('');
comparisons.push(
  '| items | compareEncoded on the bytes | compare(decode(a), decode(b)) | compare on values |',
);
comparisons.push('| --- | --- | --- | --- |');
const pairs: [string, unknown, unknown][] = [
  ['numbers 3 vs 7.5', 3, 7.5],
  ['strings, 12 chars', 'task-0000123', 'task-0000124'],
  ['[priority, n, {payload}]', [2, 17, { id: 1, name: 'a' }], [2, 18, { id: 2, name: 'b' }]],
];
for (const [name, a, b] of pairs) {
  const ea = encode(a, 'bench').slice();
  const eb = encode(b, 'bench').slice();
  const inPlace = measure(() => compareEncoded(ea, eb));
  const decoded = measure(() => compare(decode(ea), decode(eb)));
  const values = measure(() => compare(a, b));
  comparisons.push(row(name, [inPlace, decoded, values]));
}
const lines: string[] = [];
lines.push(
  `weft codec micro benchmark — Node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
try {
  lines.push(`uptime: ${execSync('uptime').toString().trim()}`);
} catch {
  // no uptime on this system
}
lines.push('');
lines.push('ns of CPU time per operation, median of 7 batches (lower is better)');
lines.push('');
lines.push(
  '| value | weft encode | weft decode | weft round trip via SAB | JSON round trip | v8 round trip | vs JSON | vs v8 |',
);
lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [name, v, jsonable] of values) {
  const bytes = encode(v, 'bench').slice();
  const enc = measure(() => encode(v, 'bench'));
  const dec = measure(() => decode(bytes));
  const trip = measure(() => {
    const b = encode(v, 'bench');
    shared.set(b, 8); // 8-aligned, as the Queue stores items
    return decode(shared, 8, 8 + b.length);
  });
  const json = jsonable ? measure(() => JSON.parse(JSON.stringify(v))) : undefined;
  const v8 = measure(() => deserialize(serialize(v)));
  lines.push(
    `${row(name, [enc, dec, trip, json, v8]).slice(
      0,
      -2,
    )} | ${json === undefined ? '—' : `${(json / trip).toFixed(1)}x`} | ${(v8 / trip).toFixed(1)}x |`,
  );
}
const copy = measure(() => {
  shared.set(megabyte, 0);
  return shared[5];
});
lines.push('');
lines.push(
  `floor: one copy of 1 MB into a SharedArrayBuffer (Uint8Array.set): ${Math.round(copy).toLocaleString('en-US')} ns`,
);
console.log([...lines, ...comparisons].join('\n'));
if (sink < 0) console.log(sink);
