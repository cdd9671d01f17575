/*
 * A browser-only consumer (no Node types): compiled, not run, by test/package/run.sh with
 * lib ["ES2022", "DOM", "ESNext.Disposable"], "types": [] and a bundler's module resolution, to
 * check that these settings are all a browser user needs.
 */
import { Event, Lock, Semaphore, Thread, type WaitOptions } from 'weft-threading';

const lock = new Lock();
const ready = new Event();
const slots = new Semaphore(2);
const signal: AbortSignal = new AbortController().signal;
const options: WaitOptions = { signal };

export async function run(): Promise<boolean> {
  if (!globalThis.crossOriginIsolated) throw new Error('serve with COOP/COEP headers');
  await using _held = await lock.holdAsync(1000, options);
  await using _slot = await slots.holdAsync();
  const worker = new Thread(new URL('./worker.js', import.meta.url), { args: [ready] });
  worker.start();
  await ready.waitAsync(5000, options);
  return worker.joinAsync(5000);
}
