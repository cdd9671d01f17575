/*
 * The examples run: each as a child process (as a user would run it), which must exit with code 0
 * and print the lines that show it did its job. The demo runs with --quick.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { watchdog } from './helpers.js';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs build/examples/<name>.js with node; kills it if it outlives `ms`. */
async function runExample(name: string, args: string[], ms: number): Promise<Run> {
  const file = fileURLToPath(new URL(`../examples/${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const exited = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  try {
    return await watchdog(exited, ms, `example ${name}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n--- stdout so far:\n${stdout}\n--- stderr:\n${stderr}`);
  }
}

const show = (run: Run) =>
  `exit ${run.code ?? run.signal}\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`;

describe('examples', () => {
  test('demo --quick: every check ok, every phase announced, a hand-off table', {
    timeout: 60_000,
  }, async () => {
    const run = await runExample('demo', ['--quick'], 45_000);
    assert.equal(run.code, 0, show(run));
    assert.equal(run.stderr, '', show(run));
    const out = run.stdout;
    for (let phase = 1; phase <= 4; phase++) assert.match(out, new RegExp(`── phase ${phase}/4 `), show(run));
    assert.match(out, /^start: 4 workers are up/m);
    assert.match(
      out,
      /^progress: .*phase 4\/4 .*counter 400,000\/400,000 · items 2,000\/2,000 · stopped [1-4]$/m,
    );
    for (const what of ['Semaphore\\(2\\)', 'Lock', 'Queue', 'RLock', 'Barrier', 'Timer \\+ Event']) {
      assert.match(out, new RegExp(`^ {2}ok {4}${what} `, 'm'), show(run));
    }
    assert.doesNotMatch(out, /FAIL/);
    assert.match(out, /at most [12] workers were ever inside at once \(limit 2\)/);
    assert.match(out, /counter = 400,000 \(expected 400,000; without the Lock: [\d,]+\)/);
    assert.match(
      out,
      /stopped worker-[34]/,
      'the Timer stops the stragglers (tasks of 2x and 4x the deadline)',
    );
    assert.match(out, /^ {2}hand-off +samples +min +median +p90$/m);
    assert.match(
      out,
      /^ {2}Event\.set → worker wakes \(start signal\) +4 /m,
      'four workers woke on the start signal',
    );
    assert.match(out, /^Done in \d+\.\d\d s\.$/m);
    assert.ok(!out.includes('\r'), 'no carriage returns when stdout is not a terminal');
  });

  test('main-thread (with worker): the shared total is exact', { timeout: 30_000 }, async () => {
    const run = await runExample('main-thread', [], 20_000);
    assert.equal(run.code, 0, show(run));
    assert.equal(run.stderr, '', show(run));
    assert.equal(run.stdout, 'total: 20000 (expected 20000)\n');
  });
});
