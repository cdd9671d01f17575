/**
 * weft-threading: Python's `threading` across JavaScript worker threads, on SharedArrayBuffer and
 * Atomics. Every wait has a blocking form for workers (`wait`, `acquire`, `join`) and a Promise form
 * for any thread (`waitAsync`, `acquireAsync`, `joinAsync`); times are milliseconds.
 *
 * Sharing: put a primitive in `postMessage` or `workerData`; it arrives as a plain object, and
 * {@link revive} (deep) or `X.from()` makes it live again. `TypeError: x.acquire is not a function`
 * on the receiving side means that this step is missing. For a worker you do not trust, make what
 * you give it inside {@link ownMemory}.
 *
 * @packageDocumentation
 */

export { Barrier } from './barrier.js';
export { Condition } from './condition.js';
export {
  AbandonedError,
  BrokenBarrierError,
  type BrokenBarrierReason,
  CannotBlockError,
  Empty,
  Full,
  RuntimeError,
  SharedMemoryError,
  ShutDown,
  TimeoutError,
  ValueError,
  type WeftErrorCode,
} from './errors.js';
export { Event } from './event.js';
export { configure, DEFAULT_SPIN, type Settings, type WaitOptions } from './internal/futex.js';
export type { Held } from './internal/hold.js';
export { Lock } from './lock.js';
export { ownMemory } from './own-memory.js';
export {
  DEFAULT_MAX_BYTES,
  LifoQueue,
  PriorityQueue,
  Queue,
  type QueueOptions,
  SimpleQueue,
} from './queue.js';
export { revive } from './revive.js';
export { RLock } from './rlock.js';
export { BoundedSemaphore, Semaphore } from './semaphore.js';
export {
  type AnyTarget as ThreadFunction,
  currentThread,
  getIdent,
  type OptionsArg as ThreadOptionsArg,
  Thread,
  type ThreadArgs,
  type ThreadOptions,
  type ThreadResult,
  type ThreadTarget,
} from './thread.js';
export { Timer } from './timer.js';
