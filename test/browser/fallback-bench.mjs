/*
 * Measures the async-wait fallback options in headless Firefox ESR (node test/browser/fallback-bench.mjs):
 * latency from the page, CPU of the browser's process tree (from /proc) during each idle 4 s wait.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from './server.mjs';

const TICK_MS = 10; // USER_HZ = 100

/** utime + stime (ms) of `root` and all its descendants. */
function treeCpu(root) {
  const parent = new Map();
  const cpu = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(pid), Number(f[1]));
      cpu.set(Number(pid), (Number(f[11]) + Number(f[12])) * TICK_MS);
    } catch {}
  }
  let total = 0;
  for (const [pid, ms] of cpu) {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) {
      if (p === root) {
        total += ms;
        break;
      }
    }
  }
  return total;
}

const server = await startServer();
const profile = mkdtempSync(join(tmpdir(), 'weft-firefox-'));
const child = spawn(
  'firefox-esr',
  ['--headless', '--no-remote', '--profile', profile, `${server.url}/test/browser/fallback.html`],
  {
    stdio: 'ignore',
    env: { ...process.env, MOZ_HEADLESS: '1' },
  },
);
const marks = {};
server.onLog(({ line }) => {
  const [what, name] = line.split(' ');
  marks[name] ??= {};
  marks[name][what] = { cpu: treeCpu(child.pid), t: performance.now() };
});
const result = await server.expect('fallback-bench');
child.kill('SIGKILL');
await server.close();
rmSync(profile, { recursive: true, force: true });
for (const row of result.rows) {
  const m = marks[row.option];
  row['idle CPU % (browser)'] = Number(
    ((100 * (m['idle-end'].cpu - m['idle-start'].cpu)) / (m['idle-end'].t - m['idle-start'].t)).toFixed(2),
  );
}
console.log(result.userAgent);
console.table(result.rows);
process.exit(0);
