/*
 * What every thread of the queue benchmark shares: the values that travel (four kinds), the end
 * marker of each kind, what a consumer does with a value it got, the start barrier, the clock and
 * the small statistics. Standalone: nothing here imports the rest of bench/.
 *
 * Control words (one Int32Array per sample, made by the driver in run.ts):
 *   ARRIVED  parties that have reached the barrier in this generation
 *   GEN      the barrier's generation; the last arriver bumps it and wakes the others
 * Times (one Float64Array per sample): per party [start, end] in ms on the shared clock
 * (performance.timeOrigin + performance.now(), so that threads compare), then per party the
 * number of items it got or round trips it made.
 *
 * A sample has two phases, a warm-up and the measured part, separated by the barrier, so that
 * every party's code is compiled before the clock starts and no party measures one that has not
 * started. A producer's warm-up lasts `warm` items and at least `warmMs` (Sizes); a ping-pong's,
 * `warm` round trips, as many as it measures. In each phase every producer sends its items and
 * then one end marker; each consumer stops at its first end marker. With as many consumers as producers, every consumer gets exactly
 * one end marker, and a FIFO queue hands out a producer's end marker only after all its items.
 */

export const ARRIVED = 0;
export const GEN = 1;
export const CONTROL_WORDS = 4;

/** The kinds of value that travel. */
export const KINDS = ['int', 'str', 'obj', 'bytes'] as const;
export type Kind = (typeof KINDS)[number];

export const KIND_LABELS: Record<Kind, string> = {
  int: 'small integers',
  str: '~40-char strings',
  obj: 'small objects {id, name, tags}',
  bytes: '1 MB Uint8Arrays',
};

export interface Obj {
  id: number;
  name: string;
  tags: string[];
}
export type Value = number | string | Obj | Uint8Array;

/** How many distinct values each producer cycles through (made before the clock starts). */
const POOL = 1024;
export const MB = 1024 * 1024;

/** The values a producer sends, by index: values(kind)[i % POOL]. Made once per thread. */
export function values(kind: Kind, producer = 0): Value[] {
  const out: Value[] = [];
  if (kind === 'bytes') {
    const b = new Uint8Array(MB);
    for (let i = 0; i < b.length; i += 4096) b[i] = (i >> 12) & 0xff;
    b[0] = 1 + producer;
    out.push(b);
    return out;
  }
  for (let i = 0; i < POOL; i++) {
    if (kind === 'int') out.push(i + producer * POOL);
    // 40 characters: a fixed prefix and the index, padded.
    else if (kind === 'str')
      out.push(`item ${producer}:${i} ${'abcdefghijklmnopqrstuvwxyz0123456789'}`.slice(0, 40));
    else out.push({ id: i + producer * POOL, name: `name-${i}`, tags: ['red', 'green'] });
  }
  return out;
}

/** The end marker of each kind (a value the producers never send otherwise). */
export function endOf(kind: Kind): Value {
  if (kind === 'int') return -1;
  if (kind === 'str') return '';
  if (kind === 'obj') return { id: -1, name: '', tags: [] };
  return new Uint8Array(0);
}

/**
 * What a consumer does with a value: reads it as a real consumer would (so that a lazy value, such
 * as npm multithreading's proxies into shared memory, is really read), and returns -1 at the end
 * marker, else a small number that the caller adds up (so that the reads cannot be optimised out).
 */
export function use(kind: Kind, v: unknown): number {
  if (kind === 'int') {
    if (typeof v !== 'number') throw wrong(kind, v);
    return v < 0 ? -1 : 1;
  }
  if (kind === 'str') {
    if (typeof v !== 'string') throw wrong(kind, v);
    return v.length === 0 ? -1 : 1;
  }
  if (kind === 'obj') {
    const o = v as Obj;
    if (typeof o?.id !== 'number' || typeof o.name !== 'string' || o.tags?.length === undefined) {
      throw wrong(kind, v);
    }
    return o.id < 0 ? -1 : 1 + ((o.name.length + o.tags.length) & 0);
  }
  if (!(v instanceof Uint8Array)) throw wrong(kind, v);
  return v.byteLength === 0 ? -1 : 1 + (v[v.byteLength - 1]! & 0);
}

function wrong(kind: Kind, v: unknown): Error {
  let text: string;
  try {
    text = JSON.stringify(v)?.slice(0, 60) ?? String(v);
  } catch {
    text = String(v);
  }
  return new Error(`a received ${kind} value is not one that was sent: ${text}`);
}

/** Items per producer in each phase. */
export interface Sizes {
  /** Warm-up items (round trips) at least. */
  warm: number;
  /**
   * A producer's warm-up also lasts at least this long (ms), so that the JIT has optimised every
   * competitor's code before the clock starts, however fast it runs: a fixed count ends the warm-up
   * of a fast channel before its code is optimised (V8 compiles on a background thread, which two
   * busy parties on two cores leave little room).
   */
  warmMs: number;
  n: number;
}

/** The shared clock, in ms: the same origin on every thread. */
export const clock = (): number => performance.timeOrigin + performance.now();

/** Atomics with waitAsync (ES2024; Node 20 has it; this project's lib setting predates it). */
export const AtomicsAsync = Atomics as unknown as {
  waitAsync(
    i32: Int32Array,
    index: number,
    value: number,
    timeout?: number,
  ): { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
};

/** The start barrier (blocking): the last of `parties` to arrive releases the others. */
export function arrive(ctl: Int32Array, parties: number): void {
  const gen = Atomics.load(ctl, GEN);
  if (Atomics.add(ctl, ARRIVED, 1) + 1 === parties) {
    Atomics.store(ctl, ARRIVED, 0);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    return;
  }
  while (Atomics.load(ctl, GEN) === gen) Atomics.wait(ctl, GEN, gen, 1000);
}

/** The start barrier for the main thread (never blocks). */
export async function arriveAsync(ctl: Int32Array, parties: number): Promise<void> {
  const gen = Atomics.load(ctl, GEN);
  if (Atomics.add(ctl, ARRIVED, 1) + 1 === parties) {
    Atomics.store(ctl, ARRIVED, 0);
    Atomics.add(ctl, GEN, 1);
    Atomics.notify(ctl, GEN);
    return;
  }
  while (Atomics.load(ctl, GEN) === gen) {
    const r = AtomicsAsync.waitAsync(ctl, GEN, gen, 1000);
    if (r.async) await r.value;
  }
}

/** Where party `p` writes: [start, end] at 2p, 2p + 1; its count at 2 * parties + p. */
export function stamp(times: Float64Array, p: number, which: 'start' | 'end'): void {
  times[2 * p + (which === 'start' ? 0 : 1)] = clock();
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
