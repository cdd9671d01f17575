/*
 * Every error weft throws, written once.
 *
 * Each class has a literal `name` and a stable `code`: an error posted between threads arrives as a
 * plain Error without its prototype, so `name` and `code` are what survives. Bad arguments throw the
 * built-in TypeError / RangeError (with a `code` as well); misuse throws RuntimeError or ValueError,
 * named after the Python exceptions `threading` raises in the same places.
 */

import { kindOf } from './internal/tag.js';

/** Stable codes carried by every error weft throws. */
export type WeftErrorCode =
  | 'WEFT_BAD_ARGUMENT'
  | 'WEFT_BAD_HANDLE'
  | 'WEFT_CANNOT_BLOCK'
  | 'WEFT_NO_SHARED_MEMORY'
  | 'WEFT_TIMEOUT'
  | 'WEFT_BROKEN_BARRIER'
  | 'WEFT_ABANDONED'
  | 'WEFT_RUNTIME'
  | 'WEFT_VALUE'
  | 'WEFT_EMPTY'
  | 'WEFT_FULL'
  | 'WEFT_SHUT_DOWN';

/**
 * Misuse of a primitive, such as releasing a Lock that is not locked or an RLock owned by another
 * thread. Python raises `RuntimeError` in the same places. The primitive's state is unchanged.
 */
export class RuntimeError extends Error {
  /** Always `'RuntimeError'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'RuntimeError' as const;
  /** Always `'WEFT_RUNTIME'`. */
  readonly code: WeftErrorCode = 'WEFT_RUNTIME';
}

/**
 * A value out of bounds for the primitive's state, such as releasing a BoundedSemaphore past its
 * initial value. Python raises `ValueError` there. Extends RangeError. The state is unchanged.
 */
export class ValueError extends RangeError {
  /** Always `'ValueError'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'ValueError' as const;
  /** Always `'WEFT_VALUE'`. */
  readonly code: WeftErrorCode = 'WEFT_VALUE';
}

/** Thrown by `hold()` / `holdAsync()` when the timeout passes before the primitive is acquired. */
export class TimeoutError extends Error {
  /** Always `'TimeoutError'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'TimeoutError' as const;
  /** Always `'WEFT_TIMEOUT'`. */
  readonly code: WeftErrorCode = 'WEFT_TIMEOUT';
}

/**
 * Why a Barrier broke, as `BrokenBarrierError.reason` says: a party's wait timed out (`'timeout'`),
 * its signal aborted it (`'signal'`), `abort()` was called (`'abort'`), the action threw
 * (`'action'`), `reset()` was called while the caller waited (`'reset'`), or a party that is a weft
 * Thread ended inside its wait (`'party-ended'`). Undefined when it is not known.
 */
export type BrokenBarrierReason = 'timeout' | 'signal' | 'abort' | 'action' | 'reset' | 'party-ended';

/**
 * Thrown by `Barrier.wait` when the barrier is broken, or is reset while the caller waits. The
 * message and `reason` say why.
 */
export class BrokenBarrierError extends Error {
  /** Always `'BrokenBarrierError'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'BrokenBarrierError' as const;
  /** Always `'WEFT_BROKEN_BARRIER'`. */
  readonly code: WeftErrorCode = 'WEFT_BROKEN_BARRIER';
  /** Why the barrier broke; undefined if not known. */
  readonly reason: BrokenBarrierReason | undefined;
  /**
   * Made by weft when a barrier breaks.
   * @param message - what happened.
   * @param reason - why the barrier broke.
   * @param options - `cause`: the error behind it (the action's, say).
   */
  constructor(message = 'Barrier is broken', reason?: BrokenBarrierReason, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * The thread that held what the caller waited for (a Lock, an RLock, or Semaphore permits taken
 * with `hold()`) ended without releasing it, and the caller has now taken it over: the caller
 * **holds** it (as pthreads' EOWNERDEAD and .NET's AbandonedMutexException do), and must release it
 * once it has checked or repaired the state it protects, which may be inconsistent.
 * `primitive` names the kind; `holder` is the identity (`getIdent()`) of the thread that ended.
 * A queue (Queue, LifoQueue, PriorityQueue, SimpleQueue) is different: nothing is held. Its holder
 * stopped in the middle of a change to its storage, so the queue is broken, and every call that
 * takes its lock throws AbandonedError, waiters included (`holder` is 0 if unknown).
 */
export class AbandonedError extends Error {
  /** Always `'AbandonedError'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'AbandonedError' as const;
  /** Always `'WEFT_ABANDONED'`. */
  readonly code: WeftErrorCode = 'WEFT_ABANDONED';
  /** The kind: 'Lock', 'RLock', 'Semaphore', 'BoundedSemaphore' (a Condition names its lock), or a queue's kind. */
  readonly primitive: string;
  /** The identity of the thread that ended while holding it. */
  readonly holder: number;
  /**
   * Made by weft when a waiter takes over what an ended thread held.
   * @param primitive - the kind of primitive.
   * @param holder - the identity of the thread that ended.
   * @param message - replaces the default message.
   */
  constructor(primitive: string, holder: number, message?: string) {
    super(
      message ??
        `${primitive}: the thread ${holder} that held it ended without releasing it; the caller holds it ` +
          'now: check the state it protects, then release it',
    );
    this.primitive = primitive;
    this.holder = holder;
  }
}

/**
 * The blocking form of a wait was called where the thread may not block (a browser's main thread,
 * or wherever `Atomics.wait` throws). The message names the `Async` twin to use instead.
 */
export class CannotBlockError extends Error {
  /** Always `'CannotBlockError'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'CannotBlockError' as const;
  /** Always `'WEFT_CANNOT_BLOCK'`. */
  readonly code: WeftErrorCode = 'WEFT_CANNOT_BLOCK';
}

/** SharedArrayBuffer is missing: in a browser, the page is not cross-origin isolated. */
export class SharedMemoryError extends Error {
  /** Always `'SharedMemoryError'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'SharedMemoryError' as const;
  /** Always `'WEFT_NO_SHARED_MEMORY'`. */
  readonly code: WeftErrorCode = 'WEFT_NO_SHARED_MEMORY';
}

type Coded<E extends Error> = E & { code: WeftErrorCode };

/** A TypeError with weft's code, for an argument of the wrong type. */
export function typeError(message: string, code: WeftErrorCode = 'WEFT_BAD_ARGUMENT'): Coded<TypeError> {
  return Object.assign(new TypeError(message), { code });
}

/** A RangeError with weft's code, for an argument of the right type but out of range. */
export function rangeError(message: string): Coded<RangeError> {
  return Object.assign(new RangeError(message), { code: 'WEFT_BAD_ARGUMENT' as const });
}

/** What a caller gets for `X.from(value)` when `value` is not a weft X. */
export function badHandle(kind: string, value: unknown): Coded<TypeError> {
  return typeError(
    `${kind}.from: expected ${withArticle(kind)} (or one that crossed threads), got ${describe(value)}`,
    'WEFT_BAD_HANDLE',
  );
}

/** `name` after "a" or "an" as it is read: "an Event", "an RLock", "a Lock", "a Uint8Array". */
export function withArticle(name: string): string {
  // A vowel sound: a vowel (but "Uni…", "Uint…", "URL" are read "you…"), or a letter read by its
  // name that starts with one, before another capital ("RLock", "SQLite", "HTMLElement").
  const an = /^[AEIOaeio]|^[Uu](?![A-Z]|ni|int|se|sa|ti|tf)|^[FHLMNRSX](?=[A-Z])/.test(name);
  return `${an ? 'an' : 'a'} ${name}`;
}

/** A short description of a value for error messages; never throws. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'number':
    case 'bigint':
    case 'boolean':
    case 'undefined':
      return `${typeof value} ${String(value)}`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default: {
      // A live handle names its kind (a getter on its class); a copy, by its tag word in shared memory.
      const own = (value as { __weft?: unknown }).__weft;
      const kind = typeof own === 'string' ? own : kindOf(value);
      if (kind !== undefined) {
        // A plain copy (no prototype) is what a primitive becomes after crossing threads: say how
        // to make it live, since a missing revive() is the usual cause.
        const proto = Object.getPrototypeOf(value);
        return proto === Object.prototype || proto === null
          ? `a plain copy of ${withArticle(kind)} (it crossed threads and was not revived: use revive() or ${kind}.from())`
          : withArticle(kind);
      }
      const ctor = (value as object).constructor;
      return ctor && typeof ctor.name === 'string' && ctor.name !== 'Object' && ctor.name !== ''
        ? withArticle(ctor.name)
        : 'an object';
    }
  }
}

/** Thrown by `Queue.get` (and its forms) when no item came before the timeout, or at once by `getNowait`. */
export class Empty extends Error {
  /** Always `'Empty'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'Empty' as const;
  /** Always `'WEFT_EMPTY'`. */
  readonly code: WeftErrorCode = 'WEFT_EMPTY';
}

/** Thrown by `Queue.put` (and its forms) when no room came before the timeout, or at once by `putNowait`. */
export class Full extends Error {
  /** Always `'Full'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'Full' as const;
  /** Always `'WEFT_FULL'`. */
  readonly code: WeftErrorCode = 'WEFT_FULL';
}

/**
 * Thrown by a queue's `put` after `shutdown()` (puts already blocked included), and by its `get`
 * once it is shut down and drained. Python's `queue.ShutDown` (3.13).
 */
export class ShutDown extends Error {
  /** Always `'ShutDown'`: survives crossing threads, where the prototype does not. */
  override readonly name = 'ShutDown' as const;
  /** Always `'WEFT_SHUT_DOWN'`. */
  readonly code: WeftErrorCode = 'WEFT_SHUT_DOWN';
}
