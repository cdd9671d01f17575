/*
 * Runs weft's cross-worker contract on every runtime (npm run test:runtimes; run.sh installs the
 * runtimes and builds first): Node 20 (the machine's, which runs this file), Node 22 and 24, Bun and
 * Deno, the last four from test/runtimes/node_modules. For each runtime:
 *   - contract.mjs through main.mjs, with the engine's Atomics.waitAsync;
 *   - the same with Atomics.waitAsync removed before weft loads: weft's fallback, helper workers;
 *     and on Node 20 also its last resort, polling (fallback-mode.mjs);
 *   - on Bun and Deno, the contract with their module Web Workers as well;
 *   - keepalive.mjs, each way: a pending async wait keeps the process alive and settles;
 *   - a thrown target error is reported on stderr, naming the thread.
 * Prints per-runtime results, writes results.json (the README's runtime matrix is filled from it)
 * and ends with the line "N passed, N failed".
 */

import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const bin = (path) => fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url));

const runtimes = [
  { name: 'Node 20', command: process.execPath, args: [] },
  { name: 'Node 22', command: bin('node22/bin/node'), args: [] },
  { name: 'Node 24', command: bin('node24/bin/node'), args: [] },
  { name: 'Bun', command: bin('@oven/bun-linux-x64/bin/bun'), args: [], web: true },
  { name: 'Deno', command: bin('@deno/linux-x64-glibc/deno'), args: ['run', '-A'], web: true },
];

const RUN_TIMEOUT_MS = 120_000;
const KEEPALIVE_EXIT_MS = 5000; // far below the 10 s after which idle helper workers are ended

/** Runs a command; resolves { code, stdout, stderr, ms } (code null if killed at the timeout). */
function run(command, args) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${error.message}`, ms: performance.now() - t0 });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

function contractOf(out) {
  const line = out.stdout.split('\n').find((l) => l.startsWith('#contract '));
  return line === undefined ? undefined : JSON.parse(line.slice('#contract '.length));
}

let passed = 0;
let failed = 0;
function count(ok, what, detail = '') {
  if (ok) passed++;
  else {
    failed++;
    console.log(`  FAIL ${what}${detail ? `: ${detail}` : ''}`);
  }
  return ok;
}

const matrix = [];
const t0 = performance.now();
for (const rt of runtimes) {
  const started = performance.now();
  console.log(`\n== ${rt.name} (${rt.command})`);
  if (!existsSync(rt.command)) {
    count(false, `${rt.name}: runtime not installed`, rt.command);
    matrix.push({ runtime: rt.name, version: null, installed: false });
    continue;
  }
  const entry = { runtime: rt.name };
  // Every runtime: the engine's waitAsync and the helper fallback; polling (runtime-agnostic code) on
  // one; Bun and Deno also with their module Web Workers.
  const modes = ['native', 'helper'];
  if (rt.name === 'Node 20') modes.push('poll');
  if (rt.web) modes.push('web');
  for (const mode of modes) {
    const label =
      { native: 'native Atomics.waitAsync', web: 'native Atomics.waitAsync, module Web Workers' }[mode] ??
      `fallback ${mode} (Atomics.waitAsync removed)`;
    const flags = mode === 'native' ? [] : mode === 'web' ? ['--web-workers'] : ['--fallback', mode];
    const out = await run(rt.command, [...rt.args, 'main.mjs', ...flags]);
    const c = contractOf(out);
    if (c === undefined) {
      count(
        false,
        `${rt.name} ${label}: the contract did not finish (exit ${out.code})`,
        out.stderr.slice(-2000),
      );
      entry[mode] = { passed: 0, failed: 1 };
      continue;
    }
    passed += c.passed;
    failed += c.failed;
    for (const f of c.failures) console.log(`  FAIL ${rt.name} ${label}: ${f}`);
    count(out.code === 0, `${rt.name} ${label}: exit code`, String(out.code));
    const expected = mode === 'web' ? 'native' : mode;
    count(
      c.asyncWaitMode === expected,
      `${rt.name} ${label}: async waits ran in mode ${expected}`,
      c.asyncWaitMode,
    );
    console.log(
      `  ${label.padEnd(45)} ${c.passed} passed, ${c.failed} failed, ${(out.ms / 1000).toFixed(1)} s`,
    );
    entry.version = c.version;
    entry[mode] = c;
    if (mode === 'native') {
      count(
        /Exception in thread expected-error/.test(out.stderr) && /thrown on purpose/.test(out.stderr),
        `${rt.name}: a Thread target's error is written to stderr, naming the thread`,
      );
    }
    if (mode === 'web') continue; // keep-alive is checked with worker_threads
    const alive = await run(rt.command, [...rt.args, 'keepalive.mjs', ...flags]);
    // ... and then lets it exit: nothing of weft's (a timer, a helper worker) keeps it alive after.
    entry[`keepAlive-${mode}`] = count(
      alive.code === 0 && alive.stdout.trim() === 'settled true' && alive.ms < KEEPALIVE_EXIT_MS,
      `${rt.name} ${label}: a pending waitAsync keeps the process alive, settles, and the process then exits`,
      `exit ${alive.code} after ${alive.ms.toFixed(0)} ms, stdout ${JSON.stringify(alive.stdout)}, stderr ${alive.stderr.slice(-500)}`,
    );
  }
  const n = entry.native ?? {};
  const h = entry.helper ?? {};
  const yes = (ok) => (ok ? 'yes' : 'no');
  const clean = (c) => c !== undefined && c.failed === 0;
  matrix.push({
    runtime: rt.name,
    version: entry.version ?? null,
    blockingWaits: yes(n.blockingWaits === true && h.blockingWaits === true),
    blockingOnMainThread: yes(clean(n) && n.canBlockMain === true),
    asyncWaits: yes(n.asyncWaits === true && entry['keepAlive-native'] === true),
    nativeWaitAsync: n.nativeWaitAsync === true,
    asyncWaitsFallback: yes(
      h.asyncWaits === true &&
        entry['keepAlive-helper'] === true &&
        (entry.poll === undefined || (entry.poll.asyncWaits === true && entry['keepAlive-poll'] === true)),
    ),
    fallbacksTested: modes.filter((m) => m === 'helper' || m === 'poll').join(', '),
    webWorkers: entry.web === undefined ? 'not tested' : yes(clean(entry.web)),
    thread: yes(n.thread === true),
    threadWorker: 'worker_threads',
    passed: modes.reduce((k, m) => k + (entry[m]?.passed ?? 0), 0),
    failed: modes.reduce((k, m) => k + (entry[m]?.failed ?? 0), 0),
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  });
}

console.log('\nruntime   version   blocking waits  async waits  fallback  Thread  contract');
for (const m of matrix) {
  console.log(
    [
      m.runtime.padEnd(9),
      String(m.version).padEnd(9),
      String(m.blockingWaits).padEnd(15),
      String(m.asyncWaits).padEnd(12),
      String(m.asyncWaitsFallback).padEnd(9),
      String(m.thread).padEnd(7),
      `${m.passed} passed, ${m.failed} failed, ${m.seconds} s`,
    ].join(' '),
  );
}

const results = {
  date: new Date().toISOString(),
  machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${os.platform()} ${os.arch()}`,
  note: 'blockingWaits: Atomics.wait in workers (and on the main thread); asyncWaits: the Promise forms on the main thread with the engine Atomics.waitAsync; asyncWaitsFallback: the same with Atomics.waitAsync removed before weft loads (helper workers; polling too where fallbacksTested lists it); thread: weft Thread (worker_threads on every runtime here).',
  seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
  runtimes: matrix,
};
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote test/runtimes/results.json (${results.seconds} s)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
