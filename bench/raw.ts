/*
 * The floor: what a careful programmer writes by hand with Atomics, with nothing of a library around
 * it (no timeouts, no tags, no generators). Every function takes the Int32Array and the index of its
 * word(s), and `spin`: how many loads to spin before Atomics.wait (0 for the plain variant, 1000 for
 * "raw Atomics + spin", the same bound as weft's default).
 *
 * Flag event, plain (what most code does):  set = store 1 + notify;  wait = while 0: wait(0).
 * Flag event, smart (notify only when someone sleeps): word 0 unset | 1 set | 2 unset, sleeper;
 *   set = exchange 1, notify if it was 2;  wait = spin, then CAS 0 -> 2 and wait(2);  clear = CAS 1 -> 0.
 * Mutex: Drepper, "Futexes Are Tricky", mutex 2 (0 unlocked | 1 locked | 2 contended).
 * Semaphore: [COUNT, SLEEPERS]; acquire CASes COUNT down, else registers in SLEEPERS and sleeps on
 *   (COUNT, 0); release adds and notifies only if SLEEPERS > 0.
 * Barrier: [COUNT, GEN]; the last arriver resets COUNT, bumps GEN and wakes all; others sleep on GEN.
 * Condvar: a sequence word; wait = read seq, unlock, sleep on (seq, value), lock; notify = seq += 1,
 *   notify one. (Safe against a notify between unlock and sleep: the sequence changed.)
 */

import { AtomicsAsync } from './common.js';

/** Spins up to `spin` loads while i32[i] === v, then sleeps while it still is. */
export function rawWait(i32: Int32Array, i: number, v: number, spin: number): void {
  for (let k = 0; k < spin; k++) if (Atomics.load(i32, i) !== v) return;
  Atomics.wait(i32, i, v);
}

/* Flag event --------------------------------------------------------------------------------- */

export function plainSet(i32: Int32Array, i: number): void {
  Atomics.store(i32, i, 1);
  Atomics.notify(i32, i);
}

export function plainWait(i32: Int32Array, i: number, spin: number): void {
  while (Atomics.load(i32, i) === 0) rawWait(i32, i, 0, spin);
}

export function plainClear(i32: Int32Array, i: number): void {
  Atomics.store(i32, i, 0);
}

export async function plainWaitAsync(i32: Int32Array, i: number): Promise<void> {
  while (Atomics.load(i32, i) === 0) {
    const r = AtomicsAsync.waitAsync(i32, i, 0);
    if (r.async) await r.value;
  }
}

export function smartSet(i32: Int32Array, i: number): void {
  if (Atomics.exchange(i32, i, 1) === 2) Atomics.notify(i32, i);
}

export function smartWait(i32: Int32Array, i: number, spin: number): void {
  for (let k = 0; k < spin; k++) if (Atomics.load(i32, i) === 1) return;
  for (;;) {
    const s = Atomics.compareExchange(i32, i, 0, 2);
    if (s === 1) return;
    Atomics.wait(i32, i, 2);
  }
}

export async function smartWaitAsync(i32: Int32Array, i: number): Promise<void> {
  for (;;) {
    const s = Atomics.compareExchange(i32, i, 0, 2);
    if (s === 1) return;
    const r = AtomicsAsync.waitAsync(i32, i, 2);
    if (r.async) await r.value;
  }
}

export function smartClear(i32: Int32Array, i: number): void {
  Atomics.compareExchange(i32, i, 1, 0);
}

export function isSet(i32: Int32Array, i: number): boolean {
  return Atomics.load(i32, i) === 1;
}

/* Mutex (Drepper's mutex 2) ------------------------------------------------------------------ */

export function lock(i32: Int32Array, i: number, spin: number): void {
  let c = Atomics.compareExchange(i32, i, 0, 1);
  if (c === 0) return;
  for (let k = 0; k < spin; k++) {
    if (Atomics.load(i32, i) === 0) {
      c = Atomics.compareExchange(i32, i, 0, 1);
      if (c === 0) return;
    }
  }
  if (c !== 2) c = Atomics.exchange(i32, i, 2);
  while (c !== 0) {
    Atomics.wait(i32, i, 2);
    c = Atomics.exchange(i32, i, 2);
  }
}

export function unlock(i32: Int32Array, i: number): void {
  if (Atomics.exchange(i32, i, 0) === 2) Atomics.notify(i32, i, 1);
}

/* Semaphore ---------------------------------------------------------------------------------- */

export function semAcquire(i32: Int32Array, i: number, spin: number): void {
  let registered = false;
  let spun = false;
  for (;;) {
    const c = Atomics.load(i32, i);
    if (c > 0) {
      if (Atomics.compareExchange(i32, i, c, c - 1) === c) break;
      continue;
    }
    if (!spun) {
      spun = true;
      for (let k = 0; k < spin; k++) if (Atomics.load(i32, i) !== 0) break;
      continue;
    }
    if (!registered) {
      Atomics.add(i32, i + 1, 1);
      registered = true;
      continue;
    }
    Atomics.wait(i32, i, 0);
  }
  if (registered) Atomics.sub(i32, i + 1, 1);
}

export function semRelease(i32: Int32Array, i: number): void {
  Atomics.add(i32, i, 1);
  if (Atomics.load(i32, i + 1) > 0) Atomics.notify(i32, i, 1);
}

/* Barrier ------------------------------------------------------------------------------------ */

export function barrierWait(i32: Int32Array, i: number, parties: number, spin: number): void {
  const gen = Atomics.load(i32, i + 1);
  if (Atomics.add(i32, i, 1) === parties - 1) {
    Atomics.store(i32, i, 0);
    Atomics.add(i32, i + 1, 1);
    Atomics.notify(i32, i + 1);
    return;
  }
  for (let k = 0; k < spin; k++) if (Atomics.load(i32, i + 1) !== gen) return;
  while (Atomics.load(i32, i + 1) === gen) Atomics.wait(i32, i + 1, gen);
}

/* Condvar on a mutex ------------------------------------------------------------------------- */

/** Waits on the sequence word i32[seq] with the mutex i32[m] held; returns holding it again. */
export function condWait(i32: Int32Array, seq: number, m: number, spin: number): void {
  const s = Atomics.load(i32, seq);
  unlock(i32, m);
  rawWait(i32, seq, s, spin);
  lock(i32, m, spin);
}

export function condNotify(i32: Int32Array, seq: number): void {
  Atomics.add(i32, seq, 1);
  Atomics.notify(i32, seq, 1);
}
