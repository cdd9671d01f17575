/*
 * Type tests of typed Threads (compiled by `npm run typecheck`, never run): each line without a
 * comment must compile, and each line after `// @ts-expect-error` must fail to compile (if it
 * compiled, tsc would report the unused directive). Thread<typeof import('./module.js')> checks
 * `args` against the module's default export and types `result` as its awaited return.
 */

import { Event, type Lock, revive, Thread } from 'weft-threading';

type Job = typeof import('./fixtures/threads/typed.js');
type NoArgs = typeof import('./fixtures/threads/no-args.js');
const url = new URL('./fixtures/threads/typed.js', import.meta.url);

export function typedThreads(): void {
  const t = new Thread<Job>(url, { args: [1, 2] });
  const withEvent = new Thread<Job>(url, { args: [1, 2, new Event()], name: 'adder' });
  const sum: number | undefined = t.result?.sum;
  const exception: unknown = withEvent.exception;
  void sum;
  void exception;

  // @ts-expect-error a string where the target takes a number
  new Thread<Job>(url, { args: ['1', 2] });
  // @ts-expect-error too few arguments
  new Thread<Job>(url, { args: [1] });
  // @ts-expect-error too many arguments
  new Thread<Job>(url, { args: [1, 2, new Event(), 4] });
  // @ts-expect-error the target has required parameters: args is required
  new Thread<Job>(url, { name: 'no args' });
  // @ts-expect-error the target has required parameters: options are required
  new Thread<Job>(url);
  // @ts-expect-error result is the awaited return, not a Promise
  const wrong: Promise<{ sum: number }> | undefined = t.result;
  void wrong;
  // @ts-expect-error no such field in the result
  void t.result?.product;

  // A target without parameters: options and args optional, args must be empty.
  const n = new Thread<NoArgs>(url);
  const answer: number | undefined = n.result;
  void answer;
  new Thread<NoArgs>(url, { name: 'answer' });
  // @ts-expect-error the target takes no arguments
  new Thread<NoArgs>(url, { args: [1] });

  // A function type works as the type argument too.
  new Thread<(s: string) => boolean>(url, { args: ['x'] });
  // @ts-expect-error checked the same way
  new Thread<(s: string) => boolean>(url, { args: [1] });

  // Untyped, as before: any args, an unknown result.
  const u = new Thread(url, { args: [1, 'two', { three: 3 }] });
  const r: unknown = u.result;
  void r;
  // @ts-expect-error an untyped result is unknown: it must be narrowed before use
  void u.result.sum;
}

type WorkerData = typeof import('node:worker_threads')['workerData'];

/** revive in a plain worker: the type argument types what arrived (workerData is `any`). */
export function typedRevive(workerData: WorkerData): void {
  const { ready, locks } = revive<{ ready: Event; locks: Lock[] }>(workerData);
  const set: boolean = ready.isSet();
  const held: boolean | undefined = locks[0]?.locked();
  void set;
  void held;
  // @ts-expect-error typed: no such method
  ready.acquire();
}
