/*
 * Helpers of the weft-threading/redis suites: the private server's URL (test/redis/run.sh exports it),
 * a fresh prefix per test so tests never see each other's keys, and child processes (not workers)
 * that run fixtures/child.js and report what they do as JSON lines on stdout.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const URL_ = process.env.WEFT_REDIS_URL ?? 'redis://127.0.0.1:6379';

let n = 0;
/** A prefix no other test uses. */
export function freshPrefix(): string {
  return `t${process.pid}-${Date.now().toString(36)}-${++n}:`;
}

const CHILD = fileURLToPath(new URL('./fixtures/child.js', import.meta.url));

export interface Line {
  readonly event: string;
  readonly [key: string]: unknown;
}

/** A child process running one scenario of fixtures/child.js. */
export class Child {
  readonly proc: ChildProcess;
  readonly lines: Line[] = [];
  readonly #waiting = new Set<() => void>();
  stderr = '';
  exited: number | string | null | undefined;

  constructor(args: readonly (string | number)[]) {
    this.proc = spawn(process.execPath, [CHILD, ...args.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as Line);
      } catch {
        this.lines.push({ event: 'text', text: line });
      }
      for (const w of this.#waiting) w();
    });
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = code ?? signal;
      for (const w of this.#waiting) w();
    });
  }

  /** Resolves to the first line with this event; fails after `ms` or if the child exits first. */
  expect(event: string, ms: number): Promise<Line> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = this.lines.find((l) => l.event === event);
        if (line) {
          done();
          resolve(line);
        } else if (this.exited !== undefined) {
          done();
          reject(
            new Error(`child exited (${String(this.exited)}) before "${event}"; stderr: ${this.stderr}`),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `child: no "${event}" within ${ms} ms; lines: ${JSON.stringify(this.lines)}; stderr: ${this.stderr}`,
          ),
        );
      }, ms);
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(check);
      };
      this.#waiting.add(check);
      check();
    });
  }

  /** Resolves to the exit code once the child has exited (fails after `ms`). */
  async exit(ms: number): Promise<number | string | null> {
    await new Promise<void>((resolve, reject) => {
      if (this.exited !== undefined) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`child did not exit within ${ms} ms; stderr: ${this.stderr}`)),
        ms,
      );
      this.proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.exited ?? null;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exited === undefined) this.proc.kill(signal);
  }
}

/** Starts children and kills every one still running at the end of the test. */
export class Children {
  readonly all: Child[] = [];
  start(...args: (string | number)[]): Child {
    const c = new Child(args);
    this.all.push(c);
    return c;
  }
  killAll(): void {
    for (const c of this.all) {
      if (c.exited === undefined) {
        c.proc.kill('SIGCONT');
        c.proc.kill('SIGKILL');
      }
    }
  }
}

/** Rejects with a message if `promise` has not settled within `ms`: a hang becomes a failure. */
export async function watchdog<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`watchdog: ${what} did not settle within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error a promise rejects with (fails if it resolves). */
export async function rejection(promise: Promise<unknown>, ms = 15_000): Promise<Error> {
  try {
    const v = await watchdog(promise, ms, 'the call');
    assert.fail(`expected a rejection, got ${String(v)}`);
  } catch (e) {
    if ((e as Error).name === 'AssertionError') throw e;
    return e as Error;
  }
}

/** Whether a promise is still pending after a round of the event loop and `ms`. */
export async function pending(promise: Promise<unknown>, ms = 50): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
