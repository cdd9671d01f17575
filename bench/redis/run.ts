/*
 * The Redis benchmark: weft-threading/redis beside redis-semaphore, redlock and a raw SET NX / DEL
 * loop, all in one run against the same local server (npm run bench:redis starts a private one and
 * exports WEFT_REDIS_URL). Every process is a separate child (child.ts), so each measures what a
 * real deployment sees: one client per process.
 *   latency     release in one process -> acquire returns in another (the waiter is already waiting)
 *   contended   4 processes acquire + release a lock in a loop for a fixed time: acquisitions/s;
 *               every competitor once per round, interleaved, 5 rounds (3 with --quick): medians,
 *               and weft's ratio to each (the raw loop is the ceiling of a bare SET NX / DEL)
 *   semaphore   4 processes on a semaphore of 2: hand-offs/s (redis-semaphore's Semaphore beside it)
 *   fan-out     10 waiting processes, one set(): until the last one returns (weft Event; raw pub/sub)
 *   commands    sent by clients (MONITOR, script-internal commands not counted): per uncontended
 *               acquire+release, per contended acquisition (a separate 1 s run under MONITOR), and
 *               per second of one idle waiter (the holder's own renewals subtracted)
 * Prints a Markdown table and PASS / MISS per goal; writes bench/redis/results.json.
 * Usage: node build/bench/redis/run.js [--quick] [--contended (that scenario only, twice, nothing written)]
 */

import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import type { Competitor, Kind } from './adapters.js';

const URL_ = process.env.WEFT_REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 15 : 40;
const LOOP_MS = QUICK ? 1500 : 3000;
const IDLE_MS = QUICK ? 2000 : 4000;
const FAN_ROUNDS = QUICK ? 6 : 15;
const CONTENDED_ROUNDS = QUICK ? 3 : 5;
const LEASE = 1000;
const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const abs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Msg = { cmd: string; at?: number; count?: number; message?: string };

class Proc {
  readonly p: ChildProcess;
  readonly #inbox: Msg[] = [];
  readonly #wakers = new Set<() => void>();
  constructor() {
    this.p = fork(CHILD, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.p.on('message', (m: Msg) => {
      if (m.cmd === 'error') console.error(`child error: ${m.message}`);
      this.#inbox.push(m);
      for (const w of this.#wakers) w();
    });
  }
  send(m: Record<string, unknown>): void {
    this.p.send(m);
  }
  /** The next message with this cmd (removed from the inbox); fails after 60 s. */
  next(cmd: string): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const i = this.#inbox.findIndex((m) => m.cmd === cmd || m.cmd === 'error');
        if (i < 0) return;
        const [m] = this.#inbox.splice(i, 1);
        this.#wakers.delete(check);
        clearTimeout(timer);
        if (m!.cmd === 'error') reject(new Error(m!.message));
        else resolve(m!);
      };
      const timer = setTimeout(() => {
        this.#wakers.delete(check);
        reject(new Error(`bench: no "${cmd}" from a child within 60 s`));
      }, 60_000);
      this.#wakers.add(check);
      check();
    });
  }
  async ask(m: Record<string, unknown>): Promise<Msg> {
    this.send(m);
    return this.next(m.cmd as string);
  }
  kill(): void {
    this.p.kill('SIGKILL');
  }
}

async function procs(n: number): Promise<Proc[]> {
  const all = Array.from({ length: n }, () => new Proc());
  await Promise.all(all.map((p) => p.next('up')));
  return all;
}

async function finish(all: Proc[]): Promise<void> {
  for (const p of all) p.send({ cmd: 'exit' });
  await sleep(50);
  for (const p of all) p.kill();
}

let serial = 0;
const init = (p: Proc, who: Competitor, kind: Kind, name: string, value = 1, lease = LEASE) =>
  p.ask({ cmd: 'init', who, kind, url: URL_, name, value, lease });
const progress = (what: string) => process.stderr.write(`bench:redis: ${what}\n`);

/**
 * Counts the commands clients send while it runs, through MONITOR: commands that scripts run inside
 * the server (MONITOR shows them as "[0 lua]") are not counted, so an EVALSHA counts once, like a SET.
 * (INFO commandstats would count every command inside a script as well.)
 */
async function monitor(): Promise<{ stop(): Promise<number> }> {
  const client = createClient({ url: URL_ });
  await client.connect();
  let n = 0;
  await client.monitor((line: string) => {
    if (!/ lua\]/.test(line)) n++;
  });
  return {
    stop: async () => {
      const total = n;
      client.destroy();
      return total;
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? Number.NaN;

async function latency(who: Competitor): Promise<{ median: number; p90: number }> {
  const [a, b] = await procs(2);
  const name = `lat${++serial}`;
  await init(a!, who, 'lock', name);
  await init(b!, who, 'lock', name);
  const xs: number[] = [];
  for (let i = 0; i < ROUNDS + 3; i++) {
    await a!.ask({ cmd: 'hold' });
    b!.send({ cmd: 'wait' });
    await b!.next('waiting');
    // Let the waiter register (subscribe) and sleep; a poller is then at a random point of its period.
    await sleep(20 + Math.random() * 10);
    const rel = await a!.ask({ cmd: 'release' });
    const got = await b!.next('wait');
    if (i >= 3) xs.push(got.at! - rel.at!);
  }
  await finish([a!, b!]);
  return { median: median(xs), p90: p90(xs) };
}

/** 4 processes in a loop for `ms`; with `count`, under MONITOR (slower: only for command counts). */
async function contended(
  who: Competitor,
  kind: Kind,
  value: number,
  ms = LOOP_MS,
  count = false,
): Promise<{ perSecond: number; commandsPerAcquire: number; jain: number }> {
  const all = await procs(4);
  const name = `con${++serial}`;
  for (const p of all) await init(p, who, kind, name, value);
  const mon = count ? await monitor() : undefined;
  const start = abs() + 200;
  for (const p of all) p.send({ cmd: 'loop', start, ms });
  const counts = (await Promise.all(all.map((p) => p.next('loop')))).map((m) => m.count!);
  const commands = (await mon?.stop()) ?? Number.NaN;
  await finish(all);
  const total = counts.reduce((x, y) => x + y, 0);
  const jain = total ** 2 / (counts.length * counts.reduce((x, y) => x + y * y, 0));
  return { perSecond: total / (ms / 1000), commandsPerAcquire: commands / total, jain };
}

async function uncontended(who: Competitor): Promise<number> {
  const [a] = await procs(1);
  await init(a!, who, 'lock', `unc${++serial}`);
  await a!.ask({ cmd: 'uncontended', n: 20 }); // scripts loaded, connections warm
  const n = 200;
  const mon = await monitor();
  await a!.ask({ cmd: 'uncontended', n });
  const c = await mon.stop();
  await finish([a!]);
  return c / n;
}

async function idle(who: Competitor): Promise<number> {
  const [holder, waiter] = await procs(2);
  const name = `idle${++serial}`;
  // weft's waiter re-checks once per lease: measure it with a short lease. The peers poll at a fixed
  // rate whatever the lease; a long one keeps redlock's (unrenewed) lock from expiring meanwhile.
  const lease = who === 'weft' ? LEASE : 60_000;
  await init(holder!, who, 'lock', name, 1, lease);
  await init(waiter!, who, 'lock', name, 1, lease);
  await holder!.ask({ cmd: 'hold' });
  await sleep(200);
  let mon = await monitor();
  await sleep(IDLE_MS);
  const alone = await mon.stop();
  waiter!.send({ cmd: 'park' });
  await waiter!.next('park');
  await sleep(300);
  mon = await monitor();
  await sleep(IDLE_MS);
  const withWaiter = await mon.stop();
  waiter!.kill();
  await holder!.ask({ cmd: 'release' });
  await finish([holder!, waiter!]);
  return (withWaiter - alone) / (IDLE_MS / 1000);
}

async function fanout(who: 'weft' | 'pubsub'): Promise<{ median: number; p90: number }> {
  const waiters = await procs(10);
  const [setter] = await procs(1);
  const name = `fan${++serial}`;
  for (const p of [...waiters, setter!]) await p.ask({ cmd: 'signal', who, url: URL_, name });
  const xs: number[] = [];
  for (let i = 0; i < FAN_ROUNDS + 1; i++) {
    for (const w of waiters) w.send({ cmd: 'evwait' });
    await Promise.all(waiters.map((w) => w.next('evready')));
    const set = await setter!.ask({ cmd: 'evset' });
    const got = await Promise.all(waiters.map((w) => w.next('evwait')));
    if (i > 0) xs.push(Math.max(...got.map((g) => g.at!)) - set.at!);
    await setter!.ask({ cmd: 'evclear' });
  }
  await finish([...waiters, setter!]);
  return { median: median(xs), p90: p90(xs) };
}

const LOCKS: Competitor[] = ['weft', 'redis-semaphore', 'redlock', 'raw'];

async function main(): Promise<void> {
  const load = loadavg().map((x) => x.toFixed(2));
  const rows: Record<string, Record<string, number | string>> = {};
  for (const who of LOCKS) rows[who] = {};
  for (const who of process.argv.includes('--contended') ? [] : LOCKS) {
    progress(`wake latency, ${who}`);
    const l = await latency(who);
    rows[who]!.latencyMedian = l.median;
    rows[who]!.latencyP90 = l.p90;
  }
  if (process.argv.includes('--contended')) {
    // A quick look at one scenario (nothing written): node build/bench/redis/run.js --contended
    for (let round = 0; round < 2; round++) {
      for (const who of LOCKS) {
        const c = await contended(who, 'lock', 1);
        console.log(`${who}: ${Math.round(c.perSecond)} acq/s, Jain ${c.jain.toFixed(2)}`);
      }
    }
    return;
  }
  // Competitors interleaved, CONTENDED_ROUNDS times: the median of each, so that a burst of load from
  // elsewhere on the machine falls on every competitor alike.
  const runs: Record<string, { perSecond: number; jain: number }[]> = Object.fromEntries(
    LOCKS.map((w) => [w, []]),
  );
  const semRuns: Record<string, number[]> = { weft: [], 'redis-semaphore': [] };
  for (let round = 0; round < CONTENDED_ROUNDS; round++) {
    for (const who of LOCKS) {
      progress(`contended lock, ${who} (round ${round + 1} of ${CONTENDED_ROUNDS})`);
      runs[who]!.push(await contended(who, 'lock', 1));
    }
    for (const who of ['weft', 'redis-semaphore'] as const) {
      progress(`semaphore, ${who} (round ${round + 1} of ${CONTENDED_ROUNDS})`);
      semRuns[who]!.push((await contended(who, 'semaphore', 2)).perSecond);
    }
  }
  for (const who of LOCKS) {
    const r = runs[who]!;
    rows[who]!.contendedRuns = r.map((x) => Math.round(x.perSecond)).join(' ');
    rows[who]!.contended = median(r.map((x) => x.perSecond));
    rows[who]!.jain = median(r.map((x) => x.jain));
    progress(`commands per contended acquisition, ${who}`);
    rows[who]!.commandsPerContended = (await contended(who, 'lock', 1, 1000, true)).commandsPerAcquire;
  }
  for (const who of ['weft', 'redis-semaphore'] as const) rows[who]!.semaphore = median(semRuns[who]!);
  progress('commands per acquire + release');
  for (const who of LOCKS) rows[who]!.commandsPerAcquireRelease = await uncontended(who);
  for (const who of LOCKS) {
    progress(`idle waiter, ${who}`);
    rows[who]!.idleCommandsPerSecond = await idle(who);
  }
  progress('event fan-out');
  const fan = { weft: await fanout('weft'), pubsub: await fanout('pubsub') };
  rows.weft!.fanoutMedian = fan.weft.median;
  rows.weft!.fanoutP90 = fan.weft.p90;

  // Two significant digits below 0.1 (a command every few hundred acquisitions is not "0.0").
  const f = (x: unknown, d = 1) =>
    typeof x === 'number' && Number.isFinite(x) ? (x > 0 && x < 0.1 ? x.toPrecision(2) : x.toFixed(d)) : '—';
  const k = (x: unknown) => (typeof x === 'number' ? Math.round(x).toLocaleString('en-US') : '—');
  const lines = [
    `Redis benchmark (one local redis-server, loopback; lease ${LEASE} ms; load average ${load.join(' ')})`,
    '',
    '| | wake latency median (p90), ms | contended lock, acq/s (4 procs) | weft vs this | Jain | semaphore of 2, acq/s (4 procs) | commands per acquire+release | commands per contended acquisition | idle waiter, commands/s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const who of LOCKS) {
    const r = rows[who]!;
    const ratio =
      who === 'weft' ? '—' : `${f((rows.weft!.contended as number) / (r.contended as number), 2)}x`;
    r.weftRatio = who === 'weft' ? 1 : (rows.weft!.contended as number) / (r.contended as number);
    lines.push(
      `| ${who} | ${f(r.latencyMedian, 2)} (${f(r.latencyP90, 2)}) | ${k(r.contended)} | ${ratio} | ${f(r.jain, 2)} | ${k(r.semaphore)} | ${f(r.commandsPerAcquireRelease)} | ${f(r.commandsPerContended)} | ${f(r.idleCommandsPerSecond)} |`,
    );
  }
  lines.push('');
  lines.push(
    `Contended: the median of ${CONTENDED_ROUNDS} interleaved runs of ${LOOP_MS} ms each (runs, acq/s: ${LOCKS.map((w) => `${w} ${rows[w]!.contendedRuns}`).join('; ')}).`,
  );
  lines.push('');
  lines.push(
    `Event fan-out to 10 waiting processes, until the last returns: weft ${f(fan.weft.median, 2)} ms median (p90 ${f(fan.weft.p90, 2)}); raw pub/sub ${f(fan.pubsub.median, 2)} ms (p90 ${f(fan.pubsub.p90, 2)}).`,
  );
  const w = rows.weft!;
  const rs = rows['redis-semaphore']!;
  const rl = rows.redlock!;
  const idlePerLease = (w.idleCommandsPerSecond as number) * (LEASE / 1000);
  const goals = [
    ['median wake latency <= 2 ms', (w.latencyMedian as number) <= 2],
    [
      "median wake latency <= half of redis-semaphore's",
      (w.latencyMedian as number) <= 0.5 * (rs.latencyMedian as number),
    ],
    ["contended >= 1.5x redis-semaphore's Mutex", (w.contended as number) >= 1.5 * (rs.contended as number)],
    ["contended >= redlock's", (w.contended as number) >= (rl.contended as number)],
    [
      `idle waiter <= 1 re-check per lease period (${f(idlePerLease, 2)} commands per ${LEASE} ms)`,
      idlePerLease <= 1,
    ],
  ] as const;
  lines.push('');
  for (const [what, ok] of goals) lines.push(`- ${ok ? 'PASS' : 'MISS'}: ${what}`);
  console.log(lines.join('\n'));
  const out = fileURLToPath(new URL('../../../bench/redis/results.json', import.meta.url));
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, load, quick: QUICK, lease: LEASE, rows, fanout: fan, goals: Object.fromEntries(goals) }, null, 2)}\n`,
  );
}

await main();
process.exit(0);
