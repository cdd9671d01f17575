export { Barrier } from './barrier.js';
export { Condition } from './condition.js';
export {
  AbandonedError,
  BrokenBarrierError,
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
export { currentThread, getIdent, Thread } from './thread.js';
export { Timer } from './timer.js';
