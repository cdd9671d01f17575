/*
 * A Barrier makes a fixed number of threads (parties) wait for each other, pass after pass
 * (Python's threading.Barrier).
 *
 * Layout: [TAG, STATE, PARTIES, ID_HI, ID_LO]. STATE packs:
 *   bits 0-11   COUNT   FILLING: threads arrived; BROKEN/RESETTING: threads still inside
 *   bits 12-13  PHASE   0 FILLING | 1 ACTION (the last arriver runs the action) | 2 BROKEN | 3 RESETTING
 *   bits 14-16  WHY     BROKEN: why it broke (TIMEOUT, SIGNAL, ABORT, ACTION_THREW, PARTY_ENDED;
 *                       written by the same CAS that breaks it, so every waiter that sees BROKEN
 *                       sees why); 0 in the other phases
 *   bit  17     WATCH   a party that records itself (a weft Thread) has entered this pass
 *   bits 18-31  GEN     pass number, +1 when a pass completes or a reset finishes (wraps at 2^14)
 * ID_HI, ID_LO: the barrier's identity, drawn at construction (for the registry of lives).
 * Python's states map as: filling = FILLING, draining = the instant GEN moves on, resetting =
 * RESETTING, broken = BROKEN.
 *
 * wait:  in FILLING, CAS COUNT c -> c+1 (index c). The last arriver instead moves to ACTION, runs the
 *        action, then CASes ACTION -> FILLING with GEN+1 and COUNT 0, and wakes everyone (without an
 *        action, its entry CAS writes FILLING with GEN+1 and COUNT 0 at once, then it wakes). If the
 *        action throws, the barrier breaks (BROKEN, COUNT = the others still inside) and the error
 *        reaches the last arriver's caller. In ACTION or RESETTING a newcomer sleeps until FILLING.
 *        In BROKEN it throws.
 *        A waiter sleeps on (STATE, value read) until GEN differs from its own (pass complete: return
 *        its index) or PHASE is BROKEN/RESETTING in its own GEN (leave: COUNT -= 1, and the last to
 *        leave a RESETTING pass moves to FILLING with GEN+1; throw BrokenBarrierError).
 * timeout/abort: CAS FILLING|ACTION -> BROKEN in the waiter's GEN, wake all, then leave as above.
 *        A newcomer still waiting to enter breaks nothing: the pass under way is not its own.
 * reset: FILLING/BROKEN with nobody inside -> FILLING GEN+1; with threads inside -> RESETTING (they
 *        leave with BrokenBarrierError; the last one out reopens the barrier); ACTION -> RESETTING.
 * abort: -> BROKEN, until reset.
 *
 * Why GEN moving means success: while a waiter is inside its pass, only a completed pass moves GEN
 * (a broken or reset pass keeps GEN until every waiter inside has left), so a waiter that sees GEN
 * move knows its pass completed, even if the barrier broke after that.
 * No lost wake-up: every transition changes STATE before it wakes all sleepers on STATE, and every
 * waiter sleeps only on the exact STATE value it last read.
 * Drivers: the protocol runs as a generator under later() for waitAsync and polls (passSteps) and as
 * a plain loop for a blocking wait (passBlocking: nothing allocated), which spins a bounded number
 * of loads once per wait, while GEN and PHASE keep the values it read (other arrivals change only
 * COUNT), before it sleeps on the exact value of STATE it last read (reads only: the argument above
 * is unchanged).
 * Limits: parties <= 4095; a waiter that misses 2^14 consecutive passes (only possible with more
 * threads than parties and this one descheduled throughout) would take the wrapped GEN for its own.
 *
 * A party that dies inside wait (internal/life.ts, docs/reliability.md "Faults"). A weft Thread
 * (other than the only party, or the last arriver of a barrier without an action, which leave at
 * once) sets WATCH in its entry CAS, then, if WATCH was not set yet, wakes all sleepers, then
 * records (ID, GEN) in its registry slot; it clears the record before it leaves in any way (its own
 * leave() comes after, so a record still there proves that its thread has not left). A waiter that
 * sleeps on a STATE with WATCH (inside the pass, or a newcomer waiting for a pass in ACTION or
 * RESETTING to finish) sleeps in slices of SLICE ms, and between slices looks for records of dead
 * threads in that pass. It takes over each one it finds (CAS in the registry, so once), breaks the
 * pass (WHY PARTY_ENDED; nothing if it has completed), and leaves it on the dead party's behalf
 * (COUNT -= 1, so a RESETTING pass still reopens). The others then leave with BrokenBarrierError
 * as for any break. No watch is missed: WATCH goes into STATE with the entry itself, so a waiter
 * either read a STATE with WATCH (and watches), or sleeps on an older value, which the entry has
 * changed (it does not sleep) or is woken by the wake-up that follows. WATCH stays until the pass
 * completes or a reset reopens the barrier (both write GEN+1 with no other bit). Only where weft
 * Threads exist (a registry is known). Not detected: a party killed between entering and recording;
 * a party that is not a weft Thread, or whose slot already records another barrier; a dead party
 * of a pass that the others complete first (the pass completes: nobody is kept waiting).
 */

import { BrokenBarrierError, type BrokenBarrierReason, describe, rangeError, typeError } from './errors.js';
import {
  block,
  canBlock,
  later,
  type Sleep,
  type Steps,
  signalOf,
  sleepOn,
  spinWhile,
  type WaitOptions,
  wake,
} from './internal/futex.js';
import { drawIdent } from './internal/ident.js';
import { canRecordParty, deadParties, recordParty, registry, SLICE, unrecordParty } from './internal/life.js';
import { adopt, inspect, place } from './internal/memory.js';
import { checkTimeout, deadlineOf } from './internal/timeout.js';

const STATE = 1;
const PARTIES = 2;
const ID_HI = 3;
const ID_LO = 4;
const WORDS = 5;

const COUNT_MASK = 0xfff;
const PHASE_SHIFT = 12;
const PHASE_MASK = 3 << PHASE_SHIFT;
const WHY_SHIFT = 14;
const WHY_MASK = 7 << WHY_SHIFT;
const WATCH = 1 << 17;
const GEN_SHIFT = 18;
const FILLING = 0;
const ACTION = 1 << PHASE_SHIFT;
const BROKEN = 2 << PHASE_SHIFT;
const RESETTING = 3 << PHASE_SHIFT;
const MAX_PARTIES = COUNT_MASK;

// WHY: why a BROKEN pass broke.
const TIMEOUT = 1 << WHY_SHIFT;
const SIGNAL = 2 << WHY_SHIFT;
const ABORT = 3 << WHY_SHIFT;
const ACTION_THREW = 4 << WHY_SHIFT;
const PARTY_ENDED = 5 << WHY_SHIFT;

const REASONS: Record<number, [BrokenBarrierReason, string]> = {
  [TIMEOUT]: ['timeout', "a party's wait timed out"],
  [SIGNAL]: ['signal', "a party's wait was aborted by its signal"],
  [ABORT]: ['abort', 'abort() was called (reset() makes it usable again)'],
  [ACTION_THREW]: ['action', "the barrier's action threw (its error reached the wait that ran it)"],
  [PARTY_ENDED]: ['party-ended', 'a party (a weft Thread) ended inside its wait'],
};

/** The error a waiter gets in state `s` (BROKEN or RESETTING). */
function broken(s: number, detail?: string): BrokenBarrierError {
  if ((s & PHASE_MASK) === RESETTING)
    return new BrokenBarrierError('Barrier was reset while this thread waited', 'reset');
  const why = REASONS[s & WHY_MASK];
  if (why === undefined) return new BrokenBarrierError();
  return new BrokenBarrierError(`Barrier is broken: ${detail ?? why[1]}`, why[0]);
}

const gen = (s: number): number => s >>> GEN_SHIFT;
const nextGen = (s: number): number => ((gen(s) + 1) << GEN_SHIFT) | 0;

/**
 * Makes `parties` threads wait for each other, then lets them all go; reusable pass after pass.
 *
 * @example
 * ```ts
 * import { Barrier } from 'weft-threading';
 * const barrier = new Barrier(1, () => console.log('everyone is here'));
 * barrier.wait(); // 0: the only party, so it passes at once
 * ```
 */
export class Barrier {
  /** @internal The chunk of shared memory this barrier lives in. */
  readonly _i32: Int32Array;
  /** @internal Index of the barrier's tag word in `_i32`. */
  readonly _at: number;
  /** @internal The default timeout of wait(), in ms (undefined: none). Crosses threads. */
  readonly _timeout: number | undefined;
  readonly #action: (() => void) | undefined;

  /** @internal Kind name (on the prototype, not carried by a copy: the tag word names the kind). */
  get __weft(): 'Barrier' {
    return 'Barrier';
  }

  /**
   * Makes a barrier for `parties` threads. Never blocks.
   * @param parties - how many threads each pass waits for: an integer from 1 to 4095.
   * @param action - called by the last thread to arrive, before any is released: this handle's own,
   *   so it runs only when this thread is that last arriver (an action given in a thread that never
   *   waits on the barrier never runs; a thread that should run it must pass it to `Barrier.from`).
   * @param timeout - default timeout of `wait` in ms.
   * @throws TypeError / RangeError for bad arguments.
   */
  constructor(parties: number, action?: () => void, timeout?: number) {
    const p = place('Barrier', WORDS);
    if (p.fresh) {
      if (typeof parties !== 'number')
        throw typeError(`Barrier: parties must be an integer, got ${describe(parties)}`);
      if (!Number.isInteger(parties) || parties < 1 || parties > MAX_PARTIES) {
        throw rangeError(`Barrier: parties must be an integer from 1 to ${MAX_PARTIES}, got ${parties}`);
      }
      Atomics.store(p.i32, p.at + PARTIES, parties);
      const id = drawIdent();
      Atomics.store(p.i32, p.at + ID_HI, Math.floor(id / 0x100000000) | 0);
      Atomics.store(p.i32, p.at + ID_LO, (id % 0x100000000) | 0);
    }
    if (action !== undefined && typeof action !== 'function') {
      throw typeError(`Barrier: action must be a function, got ${describe(action)}`);
    }
    if (timeout !== undefined) checkTimeout(timeout, 'Barrier');
    this._i32 = p.i32;
    this._at = p.at;
    this._timeout = timeout;
    this.#action = action;
  }

  /**
   * Gives back a live Barrier from one that crossed threads, with this thread's own action. Never blocks.
   * @param action - called on this thread when this thread is the last to arrive (never, if this
   *   thread does not wait on the barrier).
   * @throws TypeError if `value` is not a Barrier.
   */
  static from(value: unknown, action?: () => void): Barrier {
    if (value instanceof Barrier && action === undefined) return value;
    adopt(value, ['Barrier'], 'Barrier');
    const timeout = (value as { _timeout?: unknown })._timeout;
    return new Barrier(0, action, typeof timeout === 'number' ? timeout : undefined);
  }

  /** The number of threads each pass waits for. */
  get parties(): number {
    return Atomics.load(this._i32, this._at + PARTIES);
  }

  /** The number of threads waiting in the pass under way. */
  get nWaiting(): number {
    const s = Atomics.load(this._i32, this._at + STATE);
    return (s & PHASE_MASK) === FILLING ? s & COUNT_MASK : 0;
  }

  /** Whether the barrier is broken (until `reset()`). */
  get broken(): boolean {
    return (Atomics.load(this._i32, this._at + STATE) & PHASE_MASK) === BROKEN;
  }

  /**
   * Blocks the calling thread until all parties have called wait (or waitAsync).
   * @param timeout - ms; defaults to the constructor's. If it passes, the barrier breaks.
   * @returns this thread's arrival index, 0 .. parties-1, distinct in each pass.
   * @throws BrokenBarrierError if the barrier is or becomes broken, or is reset, while waiting.
   */
  wait(timeout?: number): number {
    const ms = checkTimeout(timeout === undefined ? this._timeout : timeout, 'Barrier.wait');
    const deadline = deadlineOf(ms);
    // A poll, or a thread that may not block (block() throws there): the protocol's generator.
    if (deadline === Number.NEGATIVE_INFINITY || !canBlock())
      return block(passSteps(this._i32, this._at, this.#action), deadline, 'Barrier.wait');
    return passBlocking(this._i32, this._at, this.#action, deadline);
  }

  /**
   * Never blocks: a Promise of this thread's arrival index once all parties have arrived.
   * @param options - `signal`: an abort rejects this waiter with `signal.reason` and breaks the barrier.
   * @throws (rejects) BrokenBarrierError as `wait` does.
   */
  async waitAsync(timeout?: number, options?: WaitOptions): Promise<number> {
    const ms = checkTimeout(timeout === undefined ? this._timeout : timeout, 'Barrier.waitAsync');
    const signal = signalOf(options, 'Barrier.waitAsync');
    if (signal?.aborted) {
      // As a wait that timed out at once would: break the pass it would join, if one is filling (a
      // pass running its action has all its parties in: not ours to break), then reject.
      const i32 = this._i32;
      const i = this._at + STATE;
      for (let s = Atomics.load(i32, i); (s & PHASE_MASK) === FILLING; ) {
        const seen = Atomics.compareExchange(i32, i, s, (s & ~(PHASE_MASK | WHY_MASK)) | BROKEN | SIGNAL);
        if (seen === s) {
          wake(i32, i);
          break;
        }
        s = seen;
      }
      throw signal.reason;
    }
    return later(passSteps(this._i32, this._at, this.#action), deadlineOf(ms), signal);
  }

  /**
   * Returns the barrier to its empty state. Threads waiting in the pass under way get
   * BrokenBarrierError. Never blocks.
   */
  reset(): void {
    const i32 = this._i32;
    const i = this._at + STATE;
    for (let s = Atomics.load(i32, i); ; ) {
      const phase = s & PHASE_MASK;
      let next: number;
      if (phase === RESETTING) return;
      if (phase === ACTION)
        next =
          (s & ~(PHASE_MASK | WHY_MASK | COUNT_MASK)) | RESETTING | Atomics.load(i32, this._at + PARTIES);
      else if ((s & COUNT_MASK) === 0) next = nextGen(s) | FILLING;
      else next = (s & ~(PHASE_MASK | WHY_MASK)) | RESETTING;
      if (next === s) return;
      const seen = Atomics.compareExchange(i32, i, s, next);
      if (seen === s) {
        wake(i32, i);
        return;
      }
      s = seen;
    }
  }

  /** Breaks the barrier: waiting and future callers get BrokenBarrierError until `reset()`. Never blocks. */
  abort(): void {
    const i32 = this._i32;
    const i = this._at + STATE;
    for (let s = Atomics.load(i32, i); (s & PHASE_MASK) !== BROKEN; ) {
      const seen = Atomics.compareExchange(i32, i, s, (s & ~(PHASE_MASK | WHY_MASK)) | BROKEN | ABORT);
      if (seen === s) {
        wake(i32, i);
        return;
      }
      s = seen;
    }
  }

  /** @internal `Barrier { waiters: 2/3 }`, or `Barrier { broken }`. */
  [inspect](): string {
    return this.broken
      ? `Barrier { broken, parties: ${this.parties} }`
      : `Barrier { waiters: ${this.nWaiting}/${this.parties} }`;
  }
}

/** What the last successful enter() wrote, and whether it recorded this party (read right after it). */
let entered = 0;
let enterRecorded = false;

/**
 * One try at entering the FILLING pass read as `s`: CAS COUNT c -> c+1 (the last arriver: -> ACTION),
 * with WATCH for a party that records itself, which it then does (see the header comment). Returns
 * whether the CAS succeeded; if so, `entered` is the STATE written and `enterRecorded` says whether
 * this party recorded itself. On false the caller reads STATE again.
 */
function enter(
  i32: Int32Array,
  at: number,
  s: number,
  parties: number,
  recordable: boolean,
  action: boolean,
): boolean {
  const i = at + STATE;
  const last = (s & COUNT_MASK) + 1 === parties;
  // Not recorded: the last arriver of a barrier without an action (it leaves at once).
  const recorded = recordable && (!last || action);
  const w = recorded ? WATCH : 0;
  // The last arriver of a barrier without an action opens the next pass at once (GEN+1, FILLING:
  // an empty action needs no ACTION phase); with an action it moves to ACTION to run it.
  const next = !last ? (s + 1) | w : action ? (s & ~COUNT_MASK) | ACTION | parties | w : nextGen(s) | FILLING;
  if (Atomics.compareExchange(i32, i, s, next) !== s) return false;
  if (recorded) {
    // The first recorded party of the pass: wake the sleepers, which did not watch, to watch
    // (before recording: a death between the two is then one of entering unrecorded).
    if ((s & WATCH) === 0) wake(i32, i);
    recordParty(Atomics.load(i32, at + ID_HI), Atomics.load(i32, at + ID_LO), gen(next));
  }
  entered = next;
  enterRecorded = recorded;
  return true;
}

/**
 * The last arriver of pass `my` (STATE `s`, in ACTION): runs the action, then opens the next pass
 * (CAS ACTION -> FILLING with GEN+1) and wakes everyone. Returns `index`, or throws the action's
 * error (the pass broken) or BrokenBarrierError (broken or reset while the action ran). Without an
 * action, enter() has opened the next pass already: it only wakes everyone.
 */
function complete(
  i32: Int32Array,
  i: number,
  s: number,
  index: number,
  recorded: boolean,
  action: (() => void) | undefined,
): number {
  if (action === undefined) {
    wake(i32, i);
    return index;
  }
  const my = gen(s);
  try {
    action();
  } catch (error) {
    if (recorded) unrecord();
    breakPass(i32, i, my, ACTION_THREW);
    leave(i32, i, my);
    throw error;
  }
  if (recorded) unrecord();
  const seen = Atomics.compareExchange(i32, i, s, nextGen(s) | FILLING);
  if (seen === s) {
    wake(i32, i);
    return index;
  }
  // Broken (a timeout, an abort, a dead party) or reset while the action ran.
  leave(i32, i, my);
  throw broken(seen);
}

/**
 * The wait protocol, as a generator for later() (waitAsync) and polls; passBlocking is the same
 * loop for a blocking wait.
 */
function* passSteps(i32: Int32Array, at: number, action: (() => void) | undefined): Steps<number> {
  const i = at + STATE;
  const parties = Atomics.load(i32, at + PARTIES);
  const sleep: Sleep = { i32, index: i, value: 0, slice: undefined };
  // Whether this thread can record itself as a party (a weft Thread), and so sets WATCH on entering.
  const recordable = parties > 1 && canRecordParty();

  // Enter the pass under way.
  let s = Atomics.load(i32, i);
  let index: number;
  for (;;) {
    const phase = s & PHASE_MASK;
    if (phase === BROKEN) throw broken(s);
    if (phase === FILLING) {
      if (!enter(i32, at, s, parties, recordable, action !== undefined)) {
        s = Atomics.load(i32, i);
        continue;
      }
      index = s & COUNT_MASK;
      s = entered;
      break;
    }
    // ACTION or RESETTING: the previous pass is not done yet. It is no pass of ours (all its parties
    // are in): a timeout or an abort here leaves it alone (an abort is thrown from the yield); but a
    // dead party inside it, which would keep it from ever finishing, is taken over.
    sleep.value = s;
    sleep.slice = watch(s);
    if (sleep.slice !== undefined && takeOverDead(i32, at, gen(s))) {
      s = Atomics.load(i32, i);
      continue;
    }
    if ((yield sleep) === 'timed-out') throw previousTimedOut();
    s = Atomics.load(i32, i);
  }
  let recorded = enterRecorded;
  if (index + 1 === parties) return complete(i32, i, s, index, recorded, action);

  const my = gen(s);
  for (;;) {
    s = Atomics.load(i32, i);
    if (ended(i32, i, s, my, recorded)) return index;
    sleep.value = s;
    sleep.slice = watch(s);
    if (sleep.slice !== undefined && takeOverDead(i32, at, my)) continue;
    let outcome: 'ok' | 'not-equal' | 'timed-out';
    try {
      outcome = yield sleep;
    } catch (error) {
      // Aborted: break the pass (unless it just completed) and leave it.
      recorded = recorded && unrecord();
      if (breakPass(i32, i, my, SIGNAL)) leave(i32, i, my);
      throw error;
    }
    if (outcome === 'timed-out') breakPass(i32, i, my, TIMEOUT); // then see the outcome on the next turn
  }
}

/**
 * The wait protocol of passSteps as a plain blocking loop: nothing allocated, even when it sleeps.
 * Before its first sleep in a pass, it spins once (the configured number of loads, see
 * internal/futex.ts) while STATE keeps its GEN and PHASE, as the raw spinning barrier spins on its
 * generation word; a newcomer waiting for a pass ahead to finish spins once more. The caller has
 * checked that this thread may block.
 */
function passBlocking(
  i32: Int32Array,
  at: number,
  action: (() => void) | undefined,
  deadline: number,
): number {
  const i = at + STATE;
  const parties = Atomics.load(i32, at + PARTIES);
  const recordable = parties > 1 && canRecordParty();
  // One spin per wait (and one more while a pass ahead of this one finishes), as the raw spinning
  // barrier does, while GEN and PHASE keep their values: other arrivals change only COUNT, which is
  // not this waiter's pass completing. Then it sleeps on the exact value it last read. (0.2.8 spun
  // afresh on every new value of STATE: with 4 parties on 2 cores, up to three spins per wait
  // held the cores the parties still to arrive needed: 0.73-0.89x raw + spin's passes per second.)
  let spin = true;
  let spinEntry = true;

  let s = Atomics.load(i32, i);
  let index: number;
  for (;;) {
    const phase = s & PHASE_MASK;
    if (phase === BROKEN) throw broken(s);
    if (phase === FILLING) {
      if (!enter(i32, at, s, parties, recordable, action !== undefined)) {
        s = Atomics.load(i32, i);
        continue;
      }
      index = s & COUNT_MASK;
      s = entered;
      break;
    }
    // ACTION or RESETTING: as in passSteps.
    const slice = watch(s);
    if (slice !== undefined && takeOverDead(i32, at, gen(s))) {
      s = Atomics.load(i32, i);
      continue;
    }
    if (spinEntry) {
      spinEntry = false;
      if (spinWhile(i32, i, s, ~COUNT_MASK)) {
        s = Atomics.load(i32, i);
        continue;
      }
    }
    if (sleepOn(i32, i, s, deadline, 0, slice) === 'timed-out') throw previousTimedOut();
    s = Atomics.load(i32, i);
  }
  const recorded = enterRecorded;
  if (index + 1 === parties) return complete(i32, i, s, index, recorded, action);

  const my = gen(s);
  for (;;) {
    s = Atomics.load(i32, i);
    if (ended(i32, i, s, my, recorded)) return index;
    const slice = watch(s);
    if (slice !== undefined && takeOverDead(i32, at, my)) continue;
    if (spin) {
      spin = false;
      if (spinWhile(i32, i, s, ~COUNT_MASK)) continue;
    }
    if (sleepOn(i32, i, s, deadline, 0, slice) === 'timed-out') breakPass(i32, i, my, TIMEOUT); // then see the outcome on the next turn
  }
}

/**
 * A party inside pass `my` that read STATE `s`: true if the pass completed (GEN moved on: it clears
 * its record and leaves with its index); if the pass broke or is being reset, it clears its record,
 * leaves the pass and throws BrokenBarrierError; else false (it waits on).
 */
function ended(i32: Int32Array, i: number, s: number, my: number, recorded: boolean): boolean {
  if (gen(s) !== my) {
    if (recorded) unrecord();
    return true;
  }
  const phase = s & PHASE_MASK;
  if (phase === BROKEN || phase === RESETTING) {
    if (recorded) unrecord();
    leave(i32, i, my);
    throw broken(s);
  }
  return false;
}

function previousTimedOut(): BrokenBarrierError {
  return new BrokenBarrierError('Barrier.wait timed out waiting for the previous pass to finish', 'timeout');
}

/** Clears this thread's record (before it leaves in any way: a record proves it has not left). */
function unrecord(): false {
  unrecordParty();
  return false;
}

/**
 * The slice to sleep on STATE value `s` in: SLICE if a recorded party has entered its pass (WATCH)
 * and weft Threads exist here (a registry is known); else no limit.
 */
function watch(s: number): number | undefined {
  return (s & WATCH) !== 0 && registry() !== undefined ? SLICE : undefined;
}

/**
 * Takes over the parties of pass `my` recorded by threads that have died: breaks the pass (WHY
 * PARTY_ENDED) and leaves it once on behalf of each. Returns whether any was found.
 */
function takeOverDead(i32: Int32Array, at: number, my: number): boolean {
  const { parties } = deadParties(Atomics.load(i32, at + ID_HI), Atomics.load(i32, at + ID_LO), my);
  if (parties === 0) return false;
  const i = at + STATE;
  breakPass(i32, i, my, PARTY_ENDED);
  for (let k = 0; k < parties; k++) leave(i32, i, my);
  return true;
}

/**
 * Breaks pass `my` (saying `why`) if it is still filling or running its action. Returns false if
 * the pass has completed (GEN moved on), true if it is broken or resetting now.
 */
function breakPass(i32: Int32Array, i: number, my: number, why: number): boolean {
  for (let s = Atomics.load(i32, i); ; ) {
    if (gen(s) !== my) return false;
    const phase = s & PHASE_MASK;
    if (phase === BROKEN || phase === RESETTING) return true;
    const seen = Atomics.compareExchange(i32, i, s, (s & ~(PHASE_MASK | WHY_MASK)) | BROKEN | why);
    if (seen === s) {
      wake(i32, i);
      return true;
    }
    s = seen;
  }
}

/** Leaves a broken or resetting pass `my`: COUNT -= 1; the last out of a RESETTING pass reopens. */
function leave(i32: Int32Array, i: number, my: number): void {
  for (let s = Atomics.load(i32, i); ; ) {
    if (gen(s) !== my) return;
    const count = (s & COUNT_MASK) - 1;
    const phase = s & PHASE_MASK;
    const next = phase === RESETTING && count === 0 ? nextGen(s) | FILLING : (s & ~COUNT_MASK) | count;
    const seen = Atomics.compareExchange(i32, i, s, next);
    if (seen === s) {
      if (next !== ((s & ~COUNT_MASK) | count)) wake(i32, i);
      return;
    }
    s = seen;
  }
}
