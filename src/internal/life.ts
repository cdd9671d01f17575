/*
 * Lives of weft Threads, kept in shared memory so that a thread waiting for a Lock, an RLock or a
 * Semaphore permit can tell that the thread holding it has ended (abandonment detection; what is
 * and is not detected: docs/reliability.md, "Faults").
 *
 * A weft Thread is the unit whose end can be known: the thread that starts it sees its worker's
 * 'exit' event, and the thread itself runs code at its own end. Plain workers and the main thread
 * are never registered, so what they hold is never taken for abandoned.
 *
 * The registry is one SharedArrayBuffer, made by the first thread that starts a weft Thread and
 * handed on: in ThreadInit to every weft Thread, and (under worker_threads) as environment data,
 * which every worker created afterwards inherits, plain workers included. A thread that knows no
 * registry cannot detect anything and waits as before.
 *
 * Layout (Int32): [MAGIC, NEXT, CAPACITY, 0], then CAPACITY slots of SLOT words:
 *   HI, LO     the thread's identity (internal/ident.ts)
 *   LIFE       (SEQ << 3) | state, state FREE 0 | CLAIMED 1 (being written) | ALIVE 2 | ENDED 3 |
 *              GONE 4; SEQ counts the claims of the slot, so a CAS on LIFE fails once it is reused
 *   PARENT     slot of the weft Thread that started it; -1 if it was started by another thread
 *   PARENT_LO  the low half of that thread's identity, to see that the slot still holds it
 *   then HOLDINGS entries (SEM_HI, SEM_LO, COUNT): permits of the semaphore with that id that the
 *   thread holds through hold() / holdAsync() (see semaphore.ts)
 *   then PARTY (BAR_HI, BAR_LO, GEN1): the barrier with that id whose pass GEN1 - 1 the thread is
 *   inside (GEN1 = 0: none; one barrier at a time, see barrier.ts)
 *
 * LIFE moves ALIVE -> ENDED -> GONE (ENDED may be skipped):
 *   ENDED  written by the thread itself in its last moment (process 'exit', or before a Web
 *          Worker's close()): it runs no more code. Threads it started may still run an instant.
 *   GONE   written by the starting thread on the worker's 'exit' event (worker_threads), which is
 *          emitted once the worker and every worker it started have stopped (terminate(), crash,
 *          process.exit() or a normal end alike).
 * A registered thread is dead when its LIFE is ENDED or GONE, or when an ancestor is GONE (a worker
 * stops the workers it started before its 'exit' event fires). An ancestor that is only ENDED
 * proves nothing about its children, so it is not used.
 *
 * Slots are claimed at Thread.start() by bumping NEXT (mod CAPACITY) and CASing LIFE from a dead
 * state (FREE, ENDED, GONE, or any once an ancestor is GONE) to CLAIMED with SEQ + 1, skipping slots
 * that still list held permits. A reused slot forgets the old identity: a lock that a thread
 * abandoned is still detected as long as fewer than CAPACITY threads have been started since.
 * Dead is never reported for a live thread: a slot is reused only once its thread is dead; the
 * starting thread marks GONE with a CAS from the LIFE it read before checking the identity (SEQ
 * makes it fail on a reused slot); a lookup reads LIFE, then the identity, then LIFE again; and an
 * ancestor counts only while its slot still holds the identity recorded at start.
 */

import { me } from './ident.js';

const MAGIC = 0x5766_4c66; // "WfLf"
const NEXT = 1;
const CAP = 2;
const HEADER = 4;

const HI = 0;
const LO = 1;
const LIFE = 2;
const PARENT = 3;
const PARENT_LO = 4;
/** @internal First word of the semaphore holdings of a slot, relative to the slot. */
export const HOLDINGS = 5;
/** @internal Number of (SEM_HI, SEM_LO, COUNT) entries per slot. */
export const HOLDING_ENTRIES = 4;
/** First word of the barrier-party entry of a slot (BAR_HI, BAR_LO, GEN1), relative to the slot. */
const PARTY = HOLDINGS + 3 * HOLDING_ENTRIES;
const SLOT = PARTY + 3;

// state FREE is 0: a slot never claimed
const CLAIMED = 1;
const ALIVE = 2;
const ENDED = 3;
const GONE = 4;
const STATE = 7; // the state bits of LIFE; the rest is SEQ
const ONE_SEQ = 8;

/** Slots in a registry: threads alive at once, and how far back an end is remembered. */
export const CAPACITY = 4096;

/** How long a waiter sleeps between two looks at a holder's life, in ms. */
export const SLICE = 50;

const KEY = Symbol.for('weft.life');
const ENV_KEY = 'weft.life';

/** What `lifeOf` can tell about an identity. */
export const Life = { Unknown: 0, Alive: 1, Dead: 2 } as const;
export type Life = (typeof Life)[keyof typeof Life];

let cached: Int32Array | undefined;
let lookedInEnv = false;

interface WorkerThreads {
  getEnvironmentData?: (key: string) => unknown;
  setEnvironmentData?: (key: string, value: unknown) => void;
}

function workerThreads(): WorkerThreads | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreads | undefined;
}

function isRegistry(value: unknown): value is Int32Array {
  return (
    value instanceof Int32Array &&
    value.buffer instanceof SharedArrayBuffer &&
    value.length >= HEADER &&
    Atomics.load(value, 0) === MAGIC &&
    value.length === HEADER + Atomics.load(value, CAP) * SLOT
  );
}

/** The registry this thread knows, if any. Never blocks. */
export function registry(): Int32Array | undefined {
  if (cached !== undefined) return cached;
  const g = globalThis as { [KEY]?: Int32Array };
  if (g[KEY] !== undefined) {
    cached = g[KEY];
    return cached;
  }
  if (!lookedInEnv) {
    lookedInEnv = true;
    try {
      const found = workerThreads()?.getEnvironmentData?.(ENV_KEY);
      if (isRegistry(found)) adopt(found);
    } catch {
      // no environment data here: nothing to adopt
    }
  }
  return cached;
}

/** Makes `r` this thread's registry and hands it on to workers created from now on. */
function adopt(r: Int32Array): void {
  cached = r;
  (globalThis as { [KEY]?: Int32Array })[KEY] = r;
  try {
    workerThreads()?.setEnvironmentData?.(ENV_KEY, r);
  } catch {
    // a runtime without environment data: ThreadInit still carries it to weft Threads
  }
}

/** The registry, made on first use. */
function ensure(): Int32Array {
  let r = registry();
  if (r === undefined) {
    r = new Int32Array(new SharedArrayBuffer((HEADER + CAPACITY * SLOT) * 4));
    Atomics.store(r, CAP, CAPACITY);
    Atomics.store(r, 0, MAGIC);
    adopt(r);
  }
  return r;
}

/** This thread's own slot, once it is a registered weft Thread; -1 otherwise. */
let ownSlot = -1;

/** @internal This thread's slot in the registry, or -1 if it is not a registered weft Thread. */
export function mySlot(): number {
  return ownSlot;
}

/**
 * @internal For Thread.start(), in the starting thread: registers the thread about to start under
 * `ident`. Returns the registry and the slot (-1 if every slot is taken by a thread not yet dead:
 * that thread then records nothing and its holdings cannot be detected).
 */
export function register(ident: number): { life: Int32Array; slot: number } {
  const r = ensure();
  const hi = Math.floor(ident / 0x100000000) | 0;
  const lo = (ident % 0x100000000) | 0;
  for (let tries = 0; tries < CAPACITY; tries++) {
    const slot = (Atomics.add(r, NEXT, 1) >>> 0) % CAPACITY;
    const base = HEADER + slot * SLOT;
    const life = Atomics.load(r, base + LIFE);
    const state = life & STATE;
    if (state === CLAIMED) continue;
    if (state === ALIVE && !ancestorGone(r, slot)) continue;
    if (holdsPermits(r, base)) continue;
    const claimed = ((life & ~STATE) + ONE_SEQ) | CLAIMED | 0;
    if (Atomics.compareExchange(r, base + LIFE, life, claimed) !== life) continue;
    Atomics.store(r, base + HI, hi);
    Atomics.store(r, base + LO, lo);
    Atomics.store(r, base + PARENT, ownSlot);
    Atomics.store(r, base + PARENT_LO, ownSlot < 0 ? 0 : me().lo);
    for (let k = base + HOLDINGS; k < base + SLOT; k++) Atomics.store(r, k, 0);
    Atomics.store(r, base + LIFE, (claimed & ~STATE) | ALIVE | 0);
    return { life: r, slot };
  }
  return { life: r, slot: -1 };
}

function holdsPermits(r: Int32Array, base: number): boolean {
  for (let e = 0; e < HOLDING_ENTRIES; e++) {
    if (Atomics.load(r, base + HOLDINGS + 3 * e + 2) !== 0) return true;
  }
  return false;
}

/**
 * @internal For a weft Thread's bootstrap: adopts the registry and slot its parent registered.
 * Returns whether this thread is registered (and so records what it holds).
 */
export function begin(life: unknown, slot: unknown): boolean {
  if (!isRegistry(life)) return false;
  adopt(life);
  if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= CAPACITY) return false;
  const base = HEADER + slot * SLOT;
  const id = me();
  if (Atomics.load(life, base + HI) !== id.hi || Atomics.load(life, base + LO) !== id.lo) return false;
  ownSlot = slot;
  return true;
}

/** @internal The thread's own last act (it runs no more code): its slot goes ALIVE -> ENDED. */
export function end(): void {
  const r = cached;
  if (r === undefined || ownSlot < 0) return;
  const at = HEADER + ownSlot * SLOT + LIFE;
  const life = Atomics.load(r, at);
  if ((life & STATE) === ALIVE) Atomics.compareExchange(r, at, life, (life & ~STATE) | ENDED | 0);
}

/**
 * @internal For the starting thread, on the worker's 'exit' event: the thread registered in
 * `slot` under `ident`, and every thread it started, have stopped.
 */
export function gone(life: Int32Array, slot: number, ident: number): void {
  if (slot < 0) return;
  const base = HEADER + slot * SLOT;
  const hi = Math.floor(ident / 0x100000000) | 0;
  const lo = (ident % 0x100000000) | 0;
  // Read LIFE, then check that the slot still holds this thread: the CAS from that LIFE then fails
  // if the slot was reused meanwhile (once ENDED, it may be), since a claim changes SEQ.
  const was = Atomics.load(life, base + LIFE);
  const state = was & STATE;
  if (state !== ALIVE && state !== ENDED) return;
  if (Atomics.load(life, base + HI) !== hi || Atomics.load(life, base + LO) !== lo) return;
  Atomics.compareExchange(life, base + LIFE, was, (was & ~STATE) | GONE | 0);
}

/**
 * Whether a thread that started the one in `slot`, or one that started it, and so on, is GONE
 * (and so every thread it started has stopped). An ancestor whose slot no longer holds the identity
 * recorded for it has been reused: the chain is not followed past it.
 */
function ancestorGone(r: Int32Array, slot: number): boolean {
  let base = HEADER + slot * SLOT;
  for (let depth = 0; depth < 64; depth++) {
    const parent = Atomics.load(r, base + PARENT);
    if (parent < 0 || parent >= CAPACITY) return false;
    const lo = Atomics.load(r, base + PARENT_LO);
    base = HEADER + parent * SLOT;
    const life = Atomics.load(r, base + LIFE);
    if (Atomics.load(r, base + LO) !== lo) return false;
    if ((life & STATE) === GONE && Atomics.load(r, base + LIFE) === life) return true;
  }
  return false;
}

/** Whether the registered thread whose LIFE word is `life`, in `slot`, is dead. */
function dead(r: Int32Array, slot: number, life: number): boolean {
  const state = life & STATE;
  return state === ENDED || state === GONE || (state === ALIVE && ancestorGone(r, slot));
}

/** The slot registered under (hi, lo), or -1. */
function find(r: Int32Array, hi: number, lo: number): number {
  const used = Math.min(Atomics.load(r, NEXT) >>> 0, CAPACITY);
  for (let slot = 0; slot < used; slot++) {
    const base = HEADER + slot * SLOT;
    if (Atomics.load(r, base + LO) === lo && Atomics.load(r, base + HI) === hi) return slot;
  }
  return -1;
}

/**
 * What this thread can tell about the thread of identity (hi, lo): Dead only if it is a registered
 * weft Thread that has ended; Alive if registered and not ended; Unknown otherwise (not a weft
 * Thread, a slot since reused, a torn read, or no registry here). Never blocks.
 */
export function lifeOf(hi: number, lo: number): Life {
  const r = registry();
  if (r === undefined || lo === 0) return Life.Unknown;
  const slot = find(r, hi, lo);
  if (slot < 0) return Life.Unknown;
  const base = HEADER + slot * SLOT;
  const life = Atomics.load(r, base + LIFE);
  // A slot is reused only once its thread is dead: if it no longer names (hi, lo), or was claimed
  // again since find() saw it, the thread of (hi, lo) is dead.
  if (Atomics.load(r, base + LO) !== lo || Atomics.load(r, base + HI) !== hi) return Life.Dead;
  if ((life & STATE) === CLAIMED) return Life.Alive; // being registered under this identity now
  return dead(r, slot, life) ? Life.Dead : Life.Alive;
}

/* ---------------------------------------------------------------------------------------------- */
/* Semaphore permits held through hold(): the registry's HOLDINGS entries                          */

/**
 * @internal Records one more permit of the semaphore `(semHi, semLo)` as held by this thread.
 * Returns false if this thread is not registered or its entries are all in use (not recorded).
 */
export function recordPermit(semHi: number, semLo: number): boolean {
  const r = cached;
  if (r === undefined || ownSlot < 0) return false;
  const base = HEADER + ownSlot * SLOT + HOLDINGS;
  let free = -1;
  for (let e = 0; e < HOLDING_ENTRIES; e++) {
    const at = base + 3 * e;
    const count = Atomics.load(r, at + 2);
    if (count > 0 && Atomics.load(r, at) === semHi && Atomics.load(r, at + 1) === semLo) {
      Atomics.add(r, at + 2, 1);
      return true;
    }
    if (count === 0 && free < 0) free = at;
  }
  if (free < 0) return false;
  // Only this thread writes its entries while it lives: no CAS needed to claim one.
  Atomics.store(r, free, semHi);
  Atomics.store(r, free + 1, semLo);
  Atomics.store(r, free + 2, 1);
  return true;
}

/** @internal Undoes one recordPermit of this thread. */
export function unrecordPermit(semHi: number, semLo: number): void {
  const r = cached;
  if (r === undefined || ownSlot < 0) return;
  const base = HEADER + ownSlot * SLOT + HOLDINGS;
  for (let e = 0; e < HOLDING_ENTRIES; e++) {
    const at = base + 3 * e;
    if (Atomics.load(r, at + 2) > 0 && Atomics.load(r, at) === semHi && Atomics.load(r, at + 1) === semLo) {
      Atomics.sub(r, at + 2, 1);
      return;
    }
  }
}

/**
 * @internal Takes over the permits of semaphore `(semHi, semLo)` recorded by dead threads: sets
 * their counts to 0 (CAS, so each is taken once) and returns how many were taken, with the identity
 * of one of their holders.
 */
export function reclaimPermits(semHi: number, semLo: number): { permits: number; holder: number } {
  const r = registry();
  let permits = 0;
  let holder = 0;
  if (r === undefined) return { permits, holder };
  const used = Math.min(Atomics.load(r, NEXT) >>> 0, CAPACITY);
  for (let slot = 0; slot < used; slot++) {
    const base = HEADER + slot * SLOT;
    for (let e = 0; e < HOLDING_ENTRIES; e++) {
      const at = base + HOLDINGS + 3 * e;
      const count = Atomics.load(r, at + 2);
      if (count <= 0 || Atomics.load(r, at) !== semHi || Atomics.load(r, at + 1) !== semLo) continue;
      if (!dead(r, slot, Atomics.load(r, base + LIFE))) break;
      if (Atomics.compareExchange(r, at + 2, count, 0) === count) {
        permits += count;
        holder = Atomics.load(r, base + HI) * 0x100000000 + (Atomics.load(r, base + LO) >>> 0);
      }
    }
  }
  return { permits, holder };
}

/* ---------------------------------------------------------------------------------------------- */
/* Barrier parties: the registry's PARTY entry                                                     */

/**
 * @internal Records that this thread is inside pass `gen` of the barrier `(barHi, barLo)`. Returns
 * false if this thread is not registered or its entry is in use (another barrier: not recorded).
 */
export function recordParty(barHi: number, barLo: number, gen: number): boolean {
  const r = cached;
  if (r === undefined || ownSlot < 0) return false;
  const at = HEADER + ownSlot * SLOT + PARTY;
  if (Atomics.load(r, at + 2) !== 0) return false;
  // Only this thread writes its entry while it lives; GEN1 last, so a reader that sees it sees the id.
  Atomics.store(r, at, barHi);
  Atomics.store(r, at + 1, barLo);
  Atomics.store(r, at + 2, gen + 1);
  return true;
}

/** @internal Whether recordParty would record now: a registered thread whose entry is free. */
export function canRecordParty(): boolean {
  const r = cached;
  return r !== undefined && ownSlot >= 0 && Atomics.load(r, HEADER + ownSlot * SLOT + PARTY + 2) === 0;
}

/** @internal Undoes this thread's recordParty (it leaves the pass). */
export function unrecordParty(): void {
  const r = cached;
  if (r === undefined || ownSlot < 0) return;
  Atomics.store(r, HEADER + ownSlot * SLOT + PARTY + 2, 0);
}

/**
 * @internal Takes over the entries of dead threads recorded inside pass `gen` of the barrier
 * `(barHi, barLo)`: clears each (CAS, so each is taken once) and returns how many were taken, with
 * the identity of one of them.
 */
export function deadParties(barHi: number, barLo: number, gen: number): { parties: number; holder: number } {
  const r = registry();
  let parties = 0;
  let holder = 0;
  if (r === undefined) return { parties, holder };
  const used = Math.min(Atomics.load(r, NEXT) >>> 0, CAPACITY);
  for (let slot = 0; slot < used; slot++) {
    const base = HEADER + slot * SLOT;
    const at = base + PARTY;
    if (Atomics.load(r, at + 2) !== gen + 1) continue;
    if (Atomics.load(r, at) !== barHi || Atomics.load(r, at + 1) !== barLo) continue;
    if (!dead(r, slot, Atomics.load(r, base + LIFE))) continue;
    if (Atomics.compareExchange(r, at + 2, gen + 1, 0) === gen + 1) {
      parties++;
      holder = Atomics.load(r, base + HI) * 0x100000000 + (Atomics.load(r, base + LO) >>> 0);
    }
  }
  return { parties, holder };
}
