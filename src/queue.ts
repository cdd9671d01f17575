/*
 * Queue, LifoQueue, PriorityQueue and SimpleQueue: values between threads through shared memory
 * (Python's queue module, 3.13's shutdown included). Storage (the control words, the data area
 * the queue owns and grows, FIFO / LIFO / heap order) is in internal/queue-store.ts; this file is
 * the wait/wake protocol and the public classes.
 *
 * Shape: Python's Lib/queue.py, one mutex and three conditions (not_empty, not_full,
 * all_tasks_done), over shared words. The mutex is a Lock's STATE word (lock.ts, Drepper mutex 2,
 * taken with lockSteps / released with unlock). Each condition is a notification counter (NE_SEQ,
 * NF_SEQ, DONE_SEQ) with a count of the waiters registered on it (NE_WAITERS, NF_WAITERS,
 * DONE_WAITERS), so that a put or get notifies only when someone waits (Rust's futex condvar).
 *
 * A waiter (get on empty, put on full, join with tasks left), holding the lock: registers
 * (WAITERS += 1), reads the counter (seen = SEQ), releases the lock, sleeps on (SEQ, seen), takes
 * the lock again, unregisters (WAITERS -= 1) and looks again. A notifier, holding the lock, after it
 * changed the state: if WAITERS > 0, SEQ += 1 and wakes (one for an item or a place, all for
 * shutdown and for "all tasks done").
 * No wake-up is lost between the release and the sleep: `seen` is read under the lock, before the
 * release; any notify after that happens under the lock, so after the release, and changes SEQ
 * before it wakes, so the waiter's sleep either sees SEQ != seen ('not-equal') or is already queued
 * and is woken. (Reading SEQ after the release would lose a notify that falls in between: the
 * broken variant of test/spin/queue.pml.)
 * Wake one: a put makes one item, so it wakes one getter; a get frees one place, so it wakes one
 * putter. A woken waiter that finds nothing (a thread that did not sleep took it first) was not
 * needed: the item went to someone.
 * Wake-ups in flight (NE_WOKEN, NF_WOKEN): a woken waiter stays registered until it has the lock
 * again, tens of microseconds later, and a busy partner puts (gets) hundreds of times meanwhile;
 * notifying at each of them costs more than the items. So each condition counts the wake-ups it
 * has given that no waiter has taken back yet, and a notifier wakes one more only while that count
 * is below both the items there (for NF: the free places) and the waiters registered: one wake-up
 * per item that a registered waiter could take, never one per put. Every waiter that re-takes the
 * lock after a sleep (woken, timed out, aborted, or 'not-equal') lowers the count by one, and a
 * take lowers it to the items left (a put, to the places left), so the count stays at what the
 * woken waiters could find. Each waiter that slept, when it leaves (with or without an item), wakes
 * the next one by a looser rule (pass-on, #passOnGet / #passOnPut; below).
 * No wake-up is lost: after every release of the lock, the count is at least min(items, waiters)
 * (a put that raises that minimum wakes one; a take lowers both; a waiter registers only when there
 * is nothing to take; a waiter that comes back lowers the count and then takes, which lowers the
 * minimum, or passes on), and at most the number of woken waiters not back yet (it rises only by a
 * wake, and every other change lowers it; an early decrement by a timed-out waiter only lets one
 * more wake through). So while an item and a sleeping getter are both there, enough getters are
 * awake for every item that has a registered taker.
 * A woken waiter that never comes back (its thread ended, or its event loop does not turn) still
 * counts as in flight. So that it does not hold up an item for long, the pass-on ignores the
 * items: a waiter that slept and leaves with items left wakes one more whenever a registered
 * waiter has no wake-up (count < waiters), even if the count has one for each item (the count may
 * then exceed the items until the next take lowers it). What remains: when the only wake-up for
 * the last item went to the waiter that stays away, the others sleep until the next put or get
 * (test/spin/queue.pml -DSTALL checks that no later item is held up). With a single flag instead
 * of a count (0.2.1 to 0.2.4), such a waiter stopped every later wake-up.
 * The broken variants of test/spin/queue.pml: a count never lowered, a single flag beside a waiter
 * that stops after its wake-up.
 * A waiter that leaves without using its wake-up (an abort; a timeout, which takes an item or a
 * place that is there after all, as Python's loop does; or ShutDown) passes one on the same way.
 * Bytes: a put may also wait because its item does not fit in the queue's memory yet (NB_WAITERS
 * counts those putters). A place freed by a get may then suit a smaller item rather than the woken
 * one, so while NB_WAITERS > 0 a get wakes every putter, and a putter woken for a place that finds
 * no room for its bytes passes the wake-up on (wake all) the first time it turns into a bytes
 * waiter (once per call, so two putters cannot wake each other for ever).
 * Shutdown: SHUT = 1 under the lock, then every waiter on NE and NF is woken; put throws ShutDown
 * (blocked ones too); get drains, then throws ShutDown instead of waiting.
 * Spin: a blocking get (put) that reads the queue empty (full) spins on COUNT first (futex.ts
 * spinWhile), before it takes the lock and without registering, so a partner answering within
 * microseconds costs neither a notify nor a sleep, and the lock stays with the partner that needs
 * it; what it then finds under the lock decides, as if it had not spun. Async forms only glance (ASYNC_GLANCE loads, about a microsecond) before they
 * build their async wait. Every form spins briefly for the lock (tryLock / lockBlocking, both through
 * futex.ts spinFor), which is held for a few instructions.
 * Under the lock the words it guards are read with plain loads (an Atomics.load costs ~10x a plain
 * one on V8, and the lock's atomic operations order them); COUNT and UNFINISHED are stored plainly
 * too (internal/queue-store.ts says why); the SEQ words, which sleepers compare without the lock,
 * change only by Atomics.add. The one look at COUNT before the lock (whether to spin) is a plain
 * load too: it decides nothing but the spin, which reads COUNT atomically, and no waiter sleeps on
 * what it read (a sleep's `seen` is read under the lock), so a stale value costs at most a spin.
 * Aborts: the async driver wakes every waiter of the word an aborted wait sleeps on (futex.ts), then
 * the protocol takes the lock again (an abort met while re-taking the lock is kept and re-thrown),
 * unregisters and passes on as above: an aborted getAsync took nothing, an aborted putAsync put
 * nothing.
 * Abandonment: if the lock's holder (a weft Thread) ended while it held it, the next taker takes the
 * lock over (lockSteps, lockBlocking). What the holder was doing decides what it finds. A storage
 * change is made in two phases (internal/queue-store.ts): first what no word points at yet (the
 * record written into free space, a PriorityQueue's compares, an area grown), then the stores that
 * must agree with each other (moves of live records, LO, WRAP, HI, LIVE, the heap, COUNT,
 * UNFINISHED), between DIRTY = 1 and DIRTY = 0. A holder that ended anywhere else leaves a
 * consistent queue: its own item is lost (its put or get never returned), and the taker goes on.
 * One that ended inside the second phase leaves DIRTY at 1, and the queue cannot say which of its
 * items are whole: every take of the lock looks at DIRTY (one plain load of a word in the lock's
 * cache line), and a taker that finds it set marks the queue BROKEN, wakes every waiter (as
 * shutdown does, on all three counters) and throws AbandonedError; so does every call after it,
 * each waiter included once it has the lock again (its loop looks at DIRTY first). An item is then
 * never got twice, half written or from freed space, and nobody waits for ever on a broken queue.
 * The same holds for a live thread cut short inside the second phase by an error (a stack overflow
 * on a call, memory running out in a rare move). A holder that is a plain worker is not recorded,
 * so its lock stays held: a thread must not be terminated while it may be inside a put or get (end
 * it with shutdown() or an end marker; docs/reliability.md, Faults).
 * Why the taker sees what the holder stored: it takes over only once the holder's life says it
 * has ended (internal/life.ts: ENDED, written by the thread itself after its last code, or GONE,
 * written by its parent after the worker stopped), a word it reads atomically after the holder's
 * last store, so it sees that thread's stores in their program order up to where it stopped: any
 * store of the second phase it sees comes with the DIRTY = 1 before it.
 */

import { encode, prepare } from './codec.js';
import {
  AbandonedError,
  badHandle,
  describe,
  Empty,
  Full,
  rangeError,
  ShutDown,
  typeError,
  ValueError,
} from './errors.js';
import {
  block,
  canBlock,
  later,
  type Outcome,
  type Steps,
  signalOf,
  spinFor,
  spinWhile,
  type WaitOptions,
  wake,
} from './internal/futex.js';
import { adopt, inspect, type KindName, kindOf, place } from './internal/memory.js';
import {
  ASIDE,
  BROKEN,
  COUNT,
  DEAD_HI,
  DEAD_LO,
  DEFAULT_MAX_BYTES,
  DIRTY,
  DONE_SEQ,
  DONE_WAITERS,
  decodeAside,
  FIFO,
  LIFO,
  LOCK,
  MAX_MAX_BYTES,
  MAXSIZE,
  NB_WAITERS,
  NE_SEQ,
  NE_WAITERS,
  NE_WOKEN,
  NF_SEQ,
  NF_WAITERS,
  NF_WOKEN,
  newAreas,
  ORDER,
  PRIORITY,
  PUT_NO_ROOM,
  PUT_OK,
  recordSize,
  SHUT,
  Store,
  UNBOUNDED,
  UNFINISHED,
  WORDS,
} from './internal/queue-store.js';
import { checkTimeout, deadlineOf } from './internal/timeout.js';
import { lockBlocking, lockSteps, TAKEN, tookLock, unlock } from './lock.js';

export { DEFAULT_MAX_BYTES } from './internal/queue-store.js';

/** Options of a queue's constructor. */
export interface QueueOptions {
  /**
   * Bound on the shared memory that holds the queue's items, in bytes (an integer from 64 to 1 GiB;
   * default {@link DEFAULT_MAX_BYTES}, 64 MiB). The memory starts at 1 KiB and grows as needed; an
   * item too big to ever fit is a RangeError at put, one that fits once others leave waits.
   */
  maxBytes?: number | undefined;
}

type QueueKind = 'Queue' | 'LifoQueue' | 'PriorityQueue' | 'SimpleQueue';

const ORDER_OF: Record<QueueKind, number> = {
  Queue: FIFO,
  LifoQueue: LIFO,
  PriorityQueue: PRIORITY,
  SimpleQueue: FIFO,
};

/** Method names for messages, made once per kind (no string is built on the fast paths). */
function namesOf(kind: QueueKind) {
  return {
    kind,
    put: `${kind}.put`,
    putAsync: `${kind}.putAsync`,
    putNowait: `${kind}.putNowait`,
    get: `${kind}.get`,
    getAsync: `${kind}.getAsync`,
    getNowait: `${kind}.getNowait`,
    join: `${kind}.join`,
    joinAsync: `${kind}.joinAsync`,
  };
}
type Names = ReturnType<typeof namesOf>;
const NAMES: Record<QueueKind, Names> = {
  Queue: namesOf('Queue'),
  LifoQueue: namesOf('LifoQueue'),
  PriorityQueue: namesOf('PriorityQueue'),
  SimpleQueue: namesOf('SimpleQueue'),
};

/** The data areas of a queue being revived (set by fromValue for the constructor it calls). */
let reviving: { data: SharedArrayBuffer; index: SharedArrayBuffer | undefined } | undefined;

const MAX_INT32 = 0x7fffffff;

function checkMaxsize(maxsize: unknown, where: string): number {
  if (typeof maxsize !== 'number')
    throw typeError(`${where}: maxsize must be an integer, got ${describe(maxsize)}`);
  if (maxsize === Number.POSITIVE_INFINITY || maxsize === Number.NEGATIVE_INFINITY) return maxsize;
  if (!Number.isInteger(maxsize) || maxsize > MAX_INT32 || maxsize < -MAX_INT32) {
    throw rangeError(`${where}: maxsize must be an integer (<= 0 or Infinity: no bound), got ${maxsize}`);
  }
  return maxsize;
}

function checkMaxBytes(options: unknown, where: string): number {
  if (options === undefined) return DEFAULT_MAX_BYTES;
  if (options === null || typeof options !== 'object') {
    throw typeError(`${where}: options must be an object such as { maxBytes }`);
  }
  const maxBytes = (options as QueueOptions).maxBytes;
  if (maxBytes === undefined) return DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== 'number')
    throw typeError(`${where}: maxBytes must be a number, got ${describe(maxBytes)}`);
  if (!Number.isInteger(maxBytes) || maxBytes < 64 || maxBytes > MAX_MAX_BYTES) {
    throw rangeError(`${where}: maxBytes must be an integer from 64 to ${MAX_MAX_BYTES}, got ${maxBytes}`);
  }
  return maxBytes & ~7;
}

/**
 * Takes a queue's lock if it is free now (one CAS, as Lock.acquire's fast path) or within the
 * configured spin (futex.ts spinFor: CAS 0 -> 1 as soon as it reads 0, spinning only while the
 * holder has nobody asleep behind it, as Lock does). Inside a weft Thread it records the holder, as
 * every Lock taker does (lock.ts tookLock).
 * The lock is held for a few instructions, so its holder releases it well within the spin, and the
 * caller takes it as a newcomer does: no sleep, and no 2 ("someone may sleep") written, which would
 * make every release of a busy queue notify. False if not taken. Never blocks.
 */
function tryLock(i32: Int32Array, i: number): boolean {
  // One CAS first (the lock is usually free: a load before it would cost as much again).
  if (Atomics.compareExchange(i32, i, 0, 1) !== 0 && spinFor(i32, i, 0, 1) !== 0) return false;
  tookLock(i32, i);
  return true;
}

/**
 * Loads an async get (put) makes of COUNT, after it found the queue empty (full), before it builds
 * its async wait: about a microsecond, which a thread that must not block for long can afford.
 */
const ASYNC_GLANCE = 128;

/** Whether i32[index] differs from `value` within ASYNC_GLANCE loads. Never blocks. */
function glance(i32: Int32Array, index: number, value: number): boolean {
  for (let k = 0; k < ASYNC_GLANCE; k++) if (Atomics.load(i32, index) !== value) return true;
  return false;
}

/**
 * Takes a queue's lock where a caller must not wait for long: blocks if allowed, else spins (held
 * briefly). Returns TAKEN, or the identity of an ended holder it took the lock over from (the
 * caller then looks at DIRTY, as after every take).
 */
function lockNow(i32: Int32Array, i: number): number {
  // One CAS first (usually free); then lockBlocking spins (spinFor) and sleeps without a generator.
  if (Atomics.compareExchange(i32, i, 0, 1) === 0) {
    tookLock(i32, i);
    return TAKEN;
  }
  if (canBlock()) return lockBlocking(i32, i, Number.POSITIVE_INFINITY);
  while (!tryLock(i32, i));
  return TAKEN;
}

/**
 * Lock held, DIRTY found set (the caller checks it after every take of the lock): a thread stopped
 * in the middle of a storage change, so the words and the records may disagree. The first taker
 * to find it (DIRTY 1) marks the queue BROKEN, records who stopped (`took`: the identity of the
 * ended holder this taker took the lock over from, when it did) and wakes every waiter; each of
 * them, and every later call, finds DIRTY set in turn. Releases the lock and throws AbandonedError.
 */
function broken(i32: Int32Array, at: number, kind: string, where: string, took: number): never {
  if ((i32[at + DIRTY] as number) !== BROKEN) {
    const dead = took > TAKEN ? took : 0;
    i32[at + DEAD_HI] = Math.floor(dead / 0x100000000) | 0;
    i32[at + DEAD_LO] = (dead % 0x100000000) | 0;
    i32[at + DIRTY] = BROKEN;
    for (const seq of [NE_SEQ, NF_SEQ, DONE_SEQ]) {
      Atomics.add(i32, at + seq, 1);
      wake(i32, at + seq);
    }
  }
  const holder = (i32[at + DEAD_HI] as number) * 0x100000000 + ((i32[at + DEAD_LO] as number) >>> 0);
  unlock(i32, at + LOCK, kind);
  throw new AbandonedError(
    kind,
    holder,
    `${where}: ${holder === 0 ? 'a thread' : `the thread ${holder}`} stopped in the middle of a change ` +
      `to the queue's storage (it ended, or an error such as a stack overflow cut it short), so its ` +
      'items can no longer be trusted: the queue is broken, and every call on it throws this error',
  );
}

/** Lock held: counts one more wake-up in flight (word `woken`) and wakes one sleeper on `seq`. */
function wakeOne(i32: Int32Array, at: number, woken: number, seq: number): void {
  i32[at + woken] = (i32[at + woken] as number) + 1;
  Atomics.add(i32, at + seq, 1);
  wake(i32, at + seq, 1);
}

/**
 * Lock held: wakes one more getter if an item and a registered getter are there that no wake-up in
 * flight accounts for (see the header).
 */
function wakeGetter(i32: Int32Array, at: number): void {
  const woken = i32[at + NE_WOKEN] as number;
  if (woken >= (i32[at + COUNT] as number) || woken >= (i32[at + NE_WAITERS] as number)) return;
  wakeOne(i32, at, NE_WOKEN, NE_SEQ);
}

/**
 * Lock held, putters registered: wakes every putter while some wait for bytes (a place may suit
 * another's item), else one more if a free place and a registered putter are there that no wake-up
 * in flight accounts for (see the header).
 */
function wakePutters(i32: Int32Array, at: number): void {
  if ((i32[at + NB_WAITERS] as number) > 0) {
    Atomics.add(i32, at + NF_SEQ, 1);
    wake(i32, at + NF_SEQ);
    return;
  }
  const woken = i32[at + NF_WOKEN] as number;
  if (woken >= freePlaces(i32, at) || woken >= (i32[at + NF_WAITERS] as number)) return;
  wakeOne(i32, at, NF_WOKEN, NF_SEQ);
}

/** Lock held: places under maxsize (a queue without one: as many as putters wait, all for bytes). */
function freePlaces(i32: Int32Array, at: number): number {
  const maxsize = i32[at + MAXSIZE] as number;
  return maxsize > 0 ? maxsize - (i32[at + COUNT] as number) : (i32[at + NF_WAITERS] as number);
}

/**
 * Takes the lock again after a sleep. Returns what lockSteps did (TAKEN, or an ended holder's
 * identity). An abort thrown in meanwhile (async waits) does not stop it: it is returned instead,
 * with that result, to be re-thrown once the waiter has unregistered.
 */
function* relock(i32: Int32Array, i: number): Steps<number | { error: unknown; took: number }> {
  let failure: { error: unknown; took: number } | undefined;
  for (;;) {
    try {
      const took = yield* lockSteps(i32, i, true);
      if (failure === undefined) return took;
      failure.took = took;
      return failure;
    } catch (error) {
      failure ??= { error, took: TAKEN };
    }
  }
}

/** What every queue shares: the handle that crosses threads and the get side. */
class Base<T> {
  /** @internal Kind name, for revival after crossing threads. */
  readonly __weft: QueueKind;
  /** @internal The chunk of shared memory the control block lives in. */
  readonly _i32: Int32Array;
  /** @internal Index of the tag word in `_i32`. */
  readonly _at: number;
  /** @internal The data area (growable SharedArrayBuffer) that holds the items' bytes. */
  readonly _data: SharedArrayBuffer;
  /** @internal A PriorityQueue's heap of record offsets; undefined for the others. */
  readonly _index: SharedArrayBuffer | undefined;
  readonly #store: Store;
  readonly #n: Names;
  readonly #order: number;

  /** @internal */
  constructor(kind: QueueKind, maxsize: number, maxBytes: number) {
    const order = ORDER_OF[kind];
    const p = place(kind, WORDS);
    this.__weft = kind;
    this._i32 = p.i32;
    this._at = p.at;
    if (p.fresh) {
      const areas = newAreas(order, maxBytes);
      this._data = areas.data;
      this._index = areas.index;
      const i32 = p.i32;
      Atomics.store(i32, p.at + ORDER, order);
      if (maxsize === Number.POSITIVE_INFINITY || maxsize === Number.NEGATIVE_INFINITY) {
        Atomics.store(i32, p.at + UNBOUNDED, maxsize > 0 ? 1 : -1);
      } else {
        Atomics.store(i32, p.at + MAXSIZE, maxsize);
      }
    } else {
      const r = reviving as { data: SharedArrayBuffer; index: SharedArrayBuffer | undefined };
      reviving = undefined;
      this._data = r.data;
      this._index = r.index;
    }
    this.#store = new Store(this._i32, this._at, this._data, this._index);
    if (p.fresh) this.#store.init();
    this.#n = NAMES[kind];
    this.#order = order;
  }

  /** @internal The Store, for subclasses in this module. */
  get _store(): Store {
    return this.#store;
  }

  /** @internal Method names of this kind, for messages. */
  get _names(): Names {
    return this.#n;
  }

  /** Returns the number of items in the queue now (others may change it at once). Never blocks. */
  qsize(): number {
    return Atomics.load(this._i32, this._at + COUNT);
  }

  /** Returns whether the queue is empty now. Never blocks. */
  empty(): boolean {
    return Atomics.load(this._i32, this._at + COUNT) === 0;
  }

  /**
   * Blocks the calling thread until an item is there, then removes and returns it.
   * @param timeout - in milliseconds; undefined or Infinity waits for ever, 0 or less does not wait.
   * @throws Empty if no item came before the timeout.
   * @throws ShutDown if the queue is shut down and empty.
   * @throws CannotBlockError where this thread may not block: use getAsync.
   */
  get(timeout?: number): T {
    const n = this.#n;
    const ms = checkTimeout(timeout, n.get);
    const i32 = this._i32;
    const at = this._at;
    let deadline: number | undefined;
    // A plain load decides whether to spin (Atomics.load costs ~20 ns on V8; the spin and the lock
    // read COUNT atomically, and any value of some store will do here).
    if (ms > 0 && i32[at + COUNT] === 0) {
      // Empty: spin on COUNT before taking the lock, which the putter needs to put the item; the
      // lock then only decides (an item, shut down, or sleep).
      deadline = deadlineOf(ms);
      spinWhile(i32, at + COUNT, 0);
    }
    const took = lockNow(i32, at + LOCK);
    if ((i32[at + DIRTY] as number) !== 0) broken(i32, at, n.kind, n.get, took);
    if ((i32[at + COUNT] as number) > 0) return this.#takeLocked(false);
    const shut = (i32[at + SHUT] as number) !== 0;
    unlock(i32, at + LOCK, n.kind);
    if (shut) throw new ShutDown(`${n.get}: the queue is shut down`);
    if (ms <= 0) throw new Empty(`${n.get}: the queue is empty`);
    // spun: whether the spin above ran (it did not if an item was there and gone by the lock).
    return block(
      this.#getSteps(false, n.get),
      deadline ?? deadlineOf(ms),
      n.get,
      undefined,
      deadline !== undefined,
    );
  }

  /**
   * Never blocks and returns a Promise of the next item, once there is one.
   * @param options - `signal`: rejects with `signal.reason`, and no item is taken.
   * @throws (rejects) Empty on timeout; ShutDown if the queue is shut down and empty.
   */
  async getAsync(timeout?: number, options?: WaitOptions): Promise<T> {
    const n = this.#n;
    const ms = checkTimeout(timeout, n.getAsync);
    const signal = signalOf(options, n.getAsync);
    if (signal?.aborted) throw signal.reason;
    const i32 = this._i32;
    const at = this._at;
    if (tryLock(i32, at + LOCK)) {
      if ((i32[at + DIRTY] as number) !== 0) broken(i32, at, n.kind, n.getAsync, TAKEN);
      if ((i32[at + COUNT] as number) > 0) return this.#takeLocked(false);
      const shut = (i32[at + SHUT] as number) !== 0;
      unlock(i32, at + LOCK, n.kind);
      if (shut) throw new ShutDown(`${n.getAsync}: the queue is shut down`);
      if (ms <= 0) throw new Empty(`${n.getAsync}: the queue is empty`);
      // A producer that is putting now answers within a microsecond or two: look again for that
      // long before building the async wait, which costs tens of microseconds to wake.
      if (glance(i32, at + COUNT, 0) && tryLock(i32, at + LOCK)) {
        if ((i32[at + DIRTY] as number) !== 0) broken(i32, at, n.kind, n.getAsync, TAKEN);
        if ((i32[at + COUNT] as number) > 0) return this.#takeLocked(false);
        unlock(i32, at + LOCK, n.kind);
      }
    }
    return later(this.#getSteps(ms <= 0, n.getAsync), deadlineOf(ms), signal);
  }

  /**
   * Removes and returns an item if one is there now; never waits for one. Never blocks (beyond the
   * queue's lock, held by others for a few instructions).
   * @throws Empty if the queue is empty; ShutDown if it is shut down and empty.
   */
  getNowait(): T {
    return this.get(0);
  }

  /**
   * Lock held, COUNT > 0: takes the next item, wakes a putter if one waits, releases the lock. A
   * getter that slept (`waited`) passes a wake-up on to another getter if items are left.
   */
  #takeLocked(waited: boolean): T {
    const i32 = this._i32;
    const at = this._at;
    let value: T;
    try {
      value = this.#store.take() as T;
    } catch (error) {
      if (waited) this.#passOnGet();
      unlock(i32, at + LOCK, this.#n.kind);
      throw error;
    }
    const left = i32[at + COUNT] as number;
    if ((i32[at + NE_WOKEN] as number) > left) i32[at + NE_WOKEN] = left; // no more than items to find
    if ((i32[at + NF_WAITERS] as number) > 0) wakePutters(i32, at);
    if (waited) this.#passOnGet();
    unlock(i32, at + LOCK, this.#n.kind);
    // A small item's bytes were set aside under the lock: build it now, outside (queue-store.ts).
    if (value === ASIDE) value = decodeAside() as T;
    prepare(); // the memory for the next large array, outside the lock (internal/codec-read.ts)
    return value;
  }

  /**
   * Lock held, a getter that slept leaving (with or without an item): items left and a registered
   * getter without a wake-up: wake one, even if the count has one in flight for each item (it may
   * be a getter that stays away; see the header).
   */
  #passOnGet(): void {
    const i32 = this._i32;
    const at = this._at;
    const woken = i32[at + NE_WOKEN] as number;
    if ((i32[at + COUNT] as number) === 0 || woken >= (i32[at + NE_WAITERS] as number)) return;
    wakeOne(i32, at, NE_WOKEN, NE_SEQ);
  }

  /** The get protocol from "not yet locked": wait on NE_SEQ until an item, ShutDown or the deadline. */
  *#getSteps(poll: boolean, where: string): Steps<T> {
    const i32 = this._i32;
    const at = this._at;
    const n = this.#n;
    let took = yield* lockSteps(i32, at + LOCK, true);
    let timedOut = poll;
    let waited = false;
    for (;;) {
      if ((i32[at + DIRTY] as number) !== 0) broken(i32, at, n.kind, where, took);
      if ((i32[at + COUNT] as number) > 0) return this.#takeLocked(waited);
      if ((i32[at + SHUT] as number) !== 0) {
        unlock(i32, at + LOCK, n.kind);
        throw new ShutDown(`${where}: the queue is shut down`);
      }
      if (timedOut) {
        unlock(i32, at + LOCK, n.kind);
        throw new Empty(`${where}: the queue is empty`);
      }
      Atomics.add(i32, at + NE_WAITERS, 1);
      const seen = Atomics.load(i32, at + NE_SEQ);
      unlock(i32, at + LOCK, n.kind);
      let outcome: Outcome = 'ok';
      let failure: { error: unknown } | undefined;
      try {
        outcome = yield { i32, index: at + NE_SEQ, value: seen };
      } catch (error) {
        failure = { error };
      }
      const back = yield* relock(i32, at + LOCK);
      if (typeof back === 'number') took = back;
      else {
        failure = back;
        took = back.took;
      }
      Atomics.sub(i32, at + NE_WAITERS, 1);
      const inFlight = i32[at + NE_WOKEN] as number;
      if (inFlight > 0) i32[at + NE_WOKEN] = inFlight - 1; // a wake-up in flight is back (this one's or another's)
      waited = true;
      if (failure !== undefined) {
        // Aborted: take nothing; pass on a wake-up this waiter may have been given.
        this.#passOnGet();
        unlock(i32, at + LOCK, n.kind);
        throw failure.error;
      }
      timedOut = outcome === 'timed-out';
    }
  }

  /** Lock held, after a put (offer counted the item, and the task): wakes a getter if one waits. */
  _putLocked(): void {
    const i32 = this._i32;
    const at = this._at;
    const maxsize = i32[at + MAXSIZE] as number;
    if (maxsize > 0) {
      const places = maxsize - (i32[at + COUNT] as number);
      if ((i32[at + NF_WOKEN] as number) > places) i32[at + NF_WOKEN] = places; // no more than places to find
    }
    if ((i32[at + NE_WAITERS] as number) > 0) wakeGetter(i32, at);
  }

  /** @internal Encodes an item and sizes its record; RangeError if it can never fit. */
  _encode(item: T, where: string): Uint8Array {
    const bytes = encode(item, where);
    const size = recordSize(this.#order, bytes.length);
    if (size > this.#store.maxBytes) {
      throw rangeError(
        `${where}: the item takes ${size} bytes, more than the queue's maxBytes (${this.#store.maxBytes}): it can never fit`,
      );
    }
    return bytes;
  }

  /** @internal `Queue { size: 3/10 }`, `Queue { size: 0, shut down }`. */
  [inspect](): string {
    const maxsize = (this as { maxsize?: number }).maxsize;
    const size = this.qsize();
    const bound = maxsize !== undefined && maxsize > 0 ? `${size}/${maxsize}` : `${size}`;
    const shut = Atomics.load(this._i32, this._at + SHUT) !== 0 ? ', shut down' : '';
    return `${this.__weft} { size: ${bound}${shut} }`;
  }
}

/** Checks and revives a queue handle of one of `kinds`. */
function fromValue(value: unknown, kinds: readonly QueueKind[], what: string): unknown {
  if (value instanceof Base && kinds.includes(value.__weft)) return value;
  const kind = kindOf(value) as KindName | undefined;
  if (kind === undefined || !kinds.includes(kind as QueueKind)) throw badHandle(what, value);
  const h = value as { _data?: unknown; _index?: unknown };
  const data = h._data;
  const index = h._index;
  if (
    !(data instanceof SharedArrayBuffer) ||
    (kind === 'PriorityQueue') !== index instanceof SharedArrayBuffer
  ) {
    throw badHandle(what, value);
  }
  adopt(value, [kind], what);
  reviving = { data, index: index as SharedArrayBuffer | undefined };
  switch (kind as QueueKind) {
    case 'LifoQueue':
      return new LifoQueue();
    case 'PriorityQueue':
      return new PriorityQueue();
    case 'SimpleQueue':
      return new SimpleQueue();
    default:
      return new Queue();
  }
}

/**
 * A FIFO queue between threads (Python's queue.Queue): `put` in any thread, `get` in any other.
 * Items are copied through shared memory (what `structuredClone` carries that fits in bytes).
 *
 * @example
 * ```ts
 * import { Queue } from 'weft-threading';
 * const q = new Queue<number>(10);
 * q.put(1);
 * q.putNowait(2);
 * console.log(q.get(), await q.getAsync()); // 1 2
 * q.taskDone();
 * q.taskDone();
 * q.join(); // true: every item put has had its taskDone()
 * ```
 */
export class Queue<T = unknown> extends Base<T> {
  /**
   * Makes an empty queue. Never blocks.
   * @param maxsize - the most items it holds: an integer; 0 or less, or Infinity, for no bound.
   * @param options - `maxBytes`: the bound on its memory (see {@link QueueOptions}).
   * @throws TypeError if maxsize is not a number; RangeError if it is not an integer.
   */
  constructor(maxsize = 0, options?: QueueOptions) {
    const kind: QueueKind =
      new.target === LifoQueue ? 'LifoQueue' : new.target === PriorityQueue ? 'PriorityQueue' : 'Queue';
    super(kind, checkMaxsize(maxsize, kind), checkMaxBytes(options, kind));
  }

  /**
   * Gives back a live queue (Queue, LifoQueue or PriorityQueue) from one that crossed threads.
   * Never blocks.
   * @throws TypeError if `value` is not one.
   */
  static from(value: unknown): Queue {
    return fromValue(value, ['Queue', 'LifoQueue', 'PriorityQueue'], 'Queue') as Queue;
  }

  /** The bound on the number of items given to the constructor (0 or less, or Infinity: none). */
  get maxsize(): number {
    const unbounded = Atomics.load(this._i32, this._at + UNBOUNDED);
    if (unbounded !== 0) return unbounded > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    return Atomics.load(this._i32, this._at + MAXSIZE);
  }

  /** Returns whether the queue holds maxsize items now (never, without a bound). Never blocks. */
  full(): boolean {
    const maxsize = Atomics.load(this._i32, this._at + MAXSIZE);
    return maxsize > 0 && Atomics.load(this._i32, this._at + COUNT) >= maxsize;
  }

  /**
   * Blocks the calling thread until there is room, then puts `item` in the queue.
   * @param timeout - in milliseconds; undefined or Infinity waits for ever, 0 or less does not wait.
   * @throws Full if no room came before the timeout (nothing was put).
   * @throws ShutDown if the queue is shut down, or is shut down while this put waits.
   * @throws TypeError if the item cannot be carried (nothing is put; the message names what);
   *   RangeError if it can never fit in maxBytes.
   * @throws CannotBlockError where this thread may not block: use putAsync.
   */
  put(item: T, timeout?: number): void {
    const n = this._names;
    const ms = checkTimeout(timeout, n.put);
    const bytes = this._encode(item, n.put);
    const i32 = this._i32;
    const at = this._at;
    let deadline: number | undefined;
    const maxsize = i32[at + MAXSIZE] as number; // written once, before the queue was shared
    if (ms > 0 && maxsize > 0) {
      const count = i32[at + COUNT] as number; // plain, as in get
      if (count >= maxsize) {
        // Full: spin on COUNT before taking the lock, which the getter needs to make room.
        deadline = deadlineOf(ms);
        spinWhile(i32, at + COUNT, count);
      }
    }
    const took = lockNow(i32, at + LOCK);
    const r = this.#offerLocked(bytes, n.put, false, took);
    if (r === PUT_OK) return;
    unlock(i32, at + LOCK, n.kind);
    if (ms <= 0) throw new Full(`${n.put}: the queue is full`);
    block(
      this.#putSteps(bytes, false, n.put),
      deadline ?? deadlineOf(ms),
      n.put,
      undefined,
      deadline !== undefined,
    );
  }

  /**
   * Never blocks and returns a Promise that settles once `item` is in the queue.
   * @param options - `signal`: rejects with `signal.reason`, and nothing is put.
   * @throws (rejects) Full on timeout, ShutDown, TypeError / RangeError as put does.
   */
  async putAsync(item: T, timeout?: number, options?: WaitOptions): Promise<void> {
    const n = this._names;
    const ms = checkTimeout(timeout, n.putAsync);
    const signal = signalOf(options, n.putAsync);
    if (signal?.aborted) throw signal.reason;
    const bytes = this._encode(item, n.putAsync);
    const i32 = this._i32;
    const at = this._at;
    if (tryLock(i32, at + LOCK)) {
      const r = this.#offerLocked(bytes, n.putAsync, false, TAKEN);
      if (r === PUT_OK) return;
      const count = i32[at + COUNT] as number;
      unlock(i32, at + LOCK, n.kind);
      if (ms <= 0) throw new Full(`${n.putAsync}: the queue is full`);
      // As getAsync does: a consumer that is getting now makes room within a microsecond or two.
      if (glance(i32, at + COUNT, count) && tryLock(i32, at + LOCK)) {
        if (this.#offerLocked(bytes, n.putAsync, false, TAKEN) === PUT_OK) return;
        unlock(i32, at + LOCK, n.kind);
      }
    }
    // The encoding is in a scratch buffer that the next encode on this thread reuses: keep a copy.
    return later(this.#putSteps(bytes.slice(), ms <= 0, n.putAsync), deadlineOf(ms), signal);
  }

  /**
   * Puts `item` if there is room now; never waits for room. Never blocks (beyond the queue's lock).
   * @throws Full if the queue is full; ShutDown if it is shut down.
   */
  putNowait(item: T): void {
    this.put(item, 0);
  }

  /**
   * Lock held: ShutDown, or offers the bytes. On PUT_OK the lock is released (and a getter woken);
   * otherwise it is still held. On an error it is released.
   */
  #offerLocked(bytes: Uint8Array, where: string, waited: boolean, took: number): number {
    const i32 = this._i32;
    const at = this._at;
    if ((i32[at + DIRTY] as number) !== 0) broken(i32, at, this._names.kind, where, took);
    let r: number;
    try {
      if ((i32[at + SHUT] as number) !== 0) throw new ShutDown(`${where}: the queue is shut down`);
      r = this._store.offer(bytes, recordSize(i32[at + ORDER] as number, bytes.length), true);
    } catch (error) {
      if (waited) this.#passOnPut();
      unlock(i32, at + LOCK, this._names.kind);
      // A PriorityQueue's compare refused the item beside one already there: name the method.
      if (error instanceof TypeError && (i32[at + ORDER] as number) === PRIORITY) {
        throw Object.assign(typeError(`${where}: ${error.message}`), { cause: error });
      }
      throw error;
    }
    if (r === PUT_OK) {
      this._putLocked();
      if (waited) this.#passOnPut();
      unlock(i32, at + LOCK, this._names.kind);
    }
    return r;
  }

  /**
   * Lock held, a putter that slept leaving (having put or not): a place and a registered putter
   * without a wake-up: wake one (every putter while some wait for bytes).
   */
  #passOnPut(): void {
    const i32 = this._i32;
    const at = this._at;
    const maxsize = i32[at + MAXSIZE] as number;
    if ((i32[at + NF_WAITERS] as number) === 0) return;
    if (maxsize > 0 && (i32[at + COUNT] as number) >= maxsize) return;
    if ((i32[at + NB_WAITERS] as number) > 0) {
      wakePutters(i32, at); // every putter
      return;
    }
    // As #passOnGet: one more, whatever the count says about the places.
    const woken = i32[at + NF_WOKEN] as number;
    if (woken >= (i32[at + NF_WAITERS] as number)) return;
    wakeOne(i32, at, NF_WOKEN, NF_SEQ);
  }

  /** The put protocol from "not yet locked": wait on NF_SEQ until there is room, ShutDown or the deadline. */
  *#putSteps(bytes: Uint8Array, poll: boolean, where: string): Steps<void> {
    const i32 = this._i32;
    const at = this._at;
    const n = this._names;
    let took = yield* lockSteps(i32, at + LOCK, true);
    let timedOut = poll;
    let woken = false;
    let waited = false;
    let wasBytes = false;
    for (;;) {
      const r = this.#offerLocked(bytes, where, waited, took); // ShutDown, TypeError, AbandonedError release the lock
      if (r === PUT_OK) return;
      const forBytes = r === PUT_NO_ROOM;
      if (timedOut) {
        this.#passOnPut();
        unlock(i32, at + LOCK, n.kind);
        throw new Full(`${where}: the queue is full`);
      }
      if (woken && forBytes && !wasBytes && Atomics.load(i32, at + NF_WAITERS) > 0) {
        // Woken for a place that my bytes do not fit: another putter's might (see the header).
        Atomics.add(i32, at + NF_SEQ, 1);
        wake(i32, at + NF_SEQ);
      }
      wasBytes = forBytes;
      Atomics.add(i32, at + NF_WAITERS, 1);
      if (forBytes) Atomics.add(i32, at + NB_WAITERS, 1);
      const seen = Atomics.load(i32, at + NF_SEQ);
      unlock(i32, at + LOCK, n.kind);
      let outcome: Outcome = 'ok';
      let failure: { error: unknown } | undefined;
      try {
        outcome = yield { i32, index: at + NF_SEQ, value: seen };
      } catch (error) {
        failure = { error };
      }
      const back = yield* relock(i32, at + LOCK);
      if (typeof back === 'number') took = back;
      else {
        failure = back;
        took = back.took;
      }
      Atomics.sub(i32, at + NF_WAITERS, 1);
      if (forBytes) Atomics.sub(i32, at + NB_WAITERS, 1);
      const inFlight = i32[at + NF_WOKEN] as number;
      if (inFlight > 0) i32[at + NF_WOKEN] = inFlight - 1; // a wake-up in flight is back (this one's or another's)
      waited = true;
      if (failure !== undefined) {
        this.#passOnPut();
        unlock(i32, at + LOCK, n.kind);
        throw failure.error;
      }
      timedOut = outcome === 'timed-out';
      woken = !timedOut;
    }
  }

  /**
   * Tells the queue that an item got earlier is fully processed (Python's task_done). Never blocks
   * (beyond the queue's lock). When every item put has had its taskDone(), join() returns.
   * @throws ValueError if called more times than items were put (the count is unchanged).
   */
  taskDone(): void {
    const i32 = this._i32;
    const at = this._at;
    const took = lockNow(i32, at + LOCK);
    if ((i32[at + DIRTY] as number) !== 0) broken(i32, at, this._names.kind, `${this.__weft}.taskDone`, took);
    const left = Atomics.load(i32, at + UNFINISHED) - 1;
    if (left < 0) {
      unlock(i32, at + LOCK, this._names.kind);
      throw new ValueError(`${this.__weft}.taskDone: task_done() called too many times`);
    }
    Atomics.store(i32, at + UNFINISHED, left);
    if (left === 0) this.#allDone();
    unlock(i32, at + LOCK, this._names.kind);
  }

  #allDone(): void {
    const i32 = this._i32;
    const at = this._at;
    if (Atomics.load(i32, at + DONE_WAITERS) > 0) {
      Atomics.add(i32, at + DONE_SEQ, 1);
      wake(i32, at + DONE_SEQ);
    }
  }

  /**
   * Blocks the calling thread until every item put has had its taskDone(), or the timeout passes.
   * @returns true once all are done, false on timeout.
   * @throws CannotBlockError where this thread may not block: use joinAsync.
   */
  join(timeout?: number): boolean {
    const ms = checkTimeout(timeout, this._names.join);
    if (Atomics.load(this._i32, this._at + UNFINISHED) === 0) return true;
    return block(this.#joinSteps(), deadlineOf(ms), this._names.join);
  }

  /**
   * Never blocks and returns a Promise of true once every item put has had its taskDone(), false
   * on timeout.
   * @param options - `signal`: rejects with `signal.reason`.
   */
  async joinAsync(timeout?: number, options?: WaitOptions): Promise<boolean> {
    const ms = checkTimeout(timeout, this._names.joinAsync);
    const signal = signalOf(options, this._names.joinAsync);
    if (signal?.aborted) throw signal.reason;
    if (Atomics.load(this._i32, this._at + UNFINISHED) === 0) return true;
    return later(this.#joinSteps(), deadlineOf(ms), signal);
  }

  *#joinSteps(): Steps<boolean> {
    const i32 = this._i32;
    const at = this._at;
    const kind = this._names.kind;
    let took = yield* lockSteps(i32, at + LOCK, true);
    let timedOut = false;
    for (;;) {
      if ((i32[at + DIRTY] as number) !== 0) broken(i32, at, kind, this._names.join, took);
      if (Atomics.load(i32, at + UNFINISHED) === 0 || timedOut) {
        unlock(i32, at + LOCK, kind);
        return !timedOut || Atomics.load(i32, at + UNFINISHED) === 0;
      }
      Atomics.add(i32, at + DONE_WAITERS, 1);
      const seen = Atomics.load(i32, at + DONE_SEQ);
      unlock(i32, at + LOCK, kind);
      let outcome: Outcome = 'ok';
      let failure: { error: unknown } | undefined;
      try {
        outcome = yield { i32, index: at + DONE_SEQ, value: seen };
      } catch (error) {
        failure = { error };
      }
      const back = yield* relock(i32, at + LOCK);
      if (typeof back === 'number') took = back;
      else {
        failure = back;
        took = back.took;
      }
      Atomics.sub(i32, at + DONE_WAITERS, 1);
      if (failure !== undefined) {
        unlock(i32, at + LOCK, kind);
        throw failure.error; // "all done" wakes every joiner: nothing to pass on
      }
      timedOut = outcome === 'timed-out';
    }
  }

  /**
   * Shuts the queue down (Python 3.13): from now on `put` throws ShutDown, puts already waiting
   * included; `get` takes what is left, then throws ShutDown instead of waiting (waiting gets are
   * woken). With `immediate`, what is left is discarded, each discarded item counting as done for
   * join. Shutting down twice is harmless. Never blocks (beyond the queue's lock).
   * @param immediate - discard the items left (default false).
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== 'boolean') {
      throw typeError(`${this.__weft}.shutdown: immediate must be a boolean, got ${describe(immediate)}`);
    }
    const i32 = this._i32;
    const at = this._at;
    const took = lockNow(i32, at + LOCK);
    if ((i32[at + DIRTY] as number) !== 0) broken(i32, at, this._names.kind, `${this.__weft}.shutdown`, took);
    Atomics.store(i32, at + SHUT, 1);
    if (immediate) {
      this._store.clear(); // each item discarded counts as done
      Atomics.store(i32, at + NE_WOKEN, 0); // nothing left to find
      if (Atomics.load(i32, at + UNFINISHED) === 0) this.#allDone();
    }
    for (const [seq, waiters] of [
      [NE_SEQ, NE_WAITERS],
      [NF_SEQ, NF_WAITERS],
    ] as const) {
      if (Atomics.load(i32, at + waiters) > 0) {
        Atomics.add(i32, at + seq, 1);
        wake(i32, at + seq);
      }
    }
    unlock(i32, at + LOCK, this._names.kind);
  }

  /**
   * Iterates with getAsync until the queue is shut down and drained (does not call taskDone).
   * Never blocks.
   * @example
   * ```ts
   * import { Queue } from 'weft-threading';
   * const q = new Queue<string>();
   * q.put('a');
   * q.shutdown();
   * for await (const item of q) console.log(item); // 'a', then the loop ends
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let item: T;
      try {
        item = await this.getAsync();
      } catch (error) {
        if (error instanceof ShutDown) return;
        throw error;
      }
      yield item;
    }
  }
}

/**
 * A LIFO queue between threads (Python's queue.LifoQueue): the item put last is got first.
 * @example
 * ```ts
 * import { LifoQueue } from 'weft-threading';
 * const stack = new LifoQueue<number>();
 * stack.put(1);
 * stack.put(2);
 * console.log(stack.get()); // 2
 * ```
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** Gives back a live LifoQueue from one that crossed threads. Never blocks. @throws TypeError otherwise. */
  static override from(value: unknown): LifoQueue {
    return fromValue(value, ['LifoQueue'], 'LifoQueue') as LifoQueue;
  }
}

/**
 * A priority queue between threads (Python's queue.PriorityQueue): the lowest item is got first,
 * comparing as Python does (numbers and bigints by value, strings as `<`, arrays element by
 * element, so `[priority, data]` works); equal items leave in the order they were put.
 * @example
 * ```ts
 * import { PriorityQueue } from 'weft-threading';
 * const pq = new PriorityQueue<[number, string]>();
 * pq.put([2, 'later']);
 * pq.put([1, 'first']);
 * console.log(pq.get()); // [1, 'first']
 * ```
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /** Gives back a live PriorityQueue from one that crossed threads. Never blocks. @throws TypeError otherwise. */
  static override from(value: unknown): PriorityQueue {
    return fromValue(value, ['PriorityQueue'], 'PriorityQueue') as PriorityQueue;
  }
}

/**
 * An unbounded FIFO queue between threads (Python's queue.SimpleQueue): `put` never waits; no
 * taskDone, join or shutdown.
 * @example
 * ```ts
 * import { SimpleQueue } from 'weft-threading';
 * const q = new SimpleQueue<string>();
 * q.put('x');
 * console.log(q.get()); // 'x'
 * ```
 */
export class SimpleQueue<T = unknown> extends Base<T> {
  /**
   * Makes an empty queue. Never blocks.
   * @param options - `maxBytes`: the bound on its memory (see {@link QueueOptions}).
   */
  constructor(options?: QueueOptions) {
    super('SimpleQueue', 0, checkMaxBytes(options, 'SimpleQueue'));
  }

  /** Gives back a live SimpleQueue from one that crossed threads. Never blocks. @throws TypeError otherwise. */
  static from(value: unknown): SimpleQueue {
    return fromValue(value, ['SimpleQueue'], 'SimpleQueue') as SimpleQueue;
  }

  /**
   * Puts `item` in the queue; never waits (beyond the queue's lock).
   * @throws TypeError if the item cannot be carried; RangeError if it can never fit in maxBytes;
   *   Full if the queue's memory (maxBytes) is full now.
   */
  put(item: T): void {
    const n = this._names;
    const bytes = this._encode(item, n.put);
    const i32 = this._i32;
    const at = this._at;
    const took = lockNow(i32, at + LOCK);
    if ((i32[at + DIRTY] as number) !== 0) broken(i32, at, n.kind, n.put, took);
    let r: number;
    try {
      r = this._store.offer(bytes, recordSize(FIFO, bytes.length), false);
    } catch (error) {
      unlock(i32, at + LOCK, n.kind);
      throw error;
    }
    if (r === PUT_OK) this._putLocked();
    unlock(i32, at + LOCK, n.kind);
    if (r !== PUT_OK) {
      throw new Full(
        `${n.put}: the queue's memory is full (maxBytes ${this._store.maxBytes}); get some items first`,
      );
    }
  }

  /** The same as put (which never waits). */
  putNowait(item: T): void {
    this.put(item);
  }
}
