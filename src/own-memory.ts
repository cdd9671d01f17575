/*
 * ownMemory(make): primitives for a thread you do not trust.
 *
 * A thread carves its primitives out of shared 64 KiB chunks (internal/memory.ts), and a handle that
 * crosses threads carries a view of its whole chunk: a worker given one Lock can make live handles
 * to every primitive carved beside it (a Semaphore, an Event…), and so wait on them, set them or
 * release them. Fine between parts of one program; not for a worker that runs code you do not
 * trust. Primitives made inside ownMemory() get a chunk of their own, which nothing made outside
 * that call shares.
 */

import { describe, typeError } from './errors.js';
import { inOwnMemory } from './internal/memory.js';

/**
 * Never blocks; calls `make()` and returns its result, with every weft primitive made during the
 * call carved from shared memory of its own: a thread given those primitives can reach them, and
 * each other, but nothing made outside the call.
 *
 * Use it for what you hand to a worker you do not trust: by default a primitive shares its memory
 * with the others made on the same thread (a 64 KiB chunk), and a handle to one of them is enough to
 * reach the rest. The cost is one small SharedArrayBuffer per call (256 bytes, more only if the
 * primitives need it), instead of a share of a chunk. Primitives made inside (a Condition's own
 * RLock, a Timer's `finished` Event) are covered too; nested calls each get their own memory.
 *
 * `make` must be synchronous: a primitive made after an `await` would be made outside the call.
 *
 * @param make - a synchronous function that makes the primitives.
 * @returns what `make` returned.
 * @throws TypeError if `make` is not a function, or if it returns a Promise (or another thenable).
 * @example
 * ```ts
 * import { Event, Lock, ownMemory, Semaphore } from 'weft-threading';
 * const slots = new Semaphore(4); // for trusted code
 * const guest = ownMemory(() => ({ lock: new Lock(), done: new Event() }));
 * // post `guest` to the untrusted worker: it can use guest.lock and guest.done, never `slots`.
 * ```
 */
export function ownMemory<T>(make: () => T): T {
  if (typeof make !== 'function')
    throw typeError(`ownMemory: make must be a function, got ${describe(make)}`);
  const made = inOwnMemory(make);
  if (made !== null && (typeof made === 'object' || typeof made === 'function')) {
    const then = (made as { then?: unknown }).then;
    if (typeof then === 'function')
      throw typeError(
        'ownMemory: make must be synchronous (it returned a Promise); primitives made after an await ' +
          'would not be in its memory: make them first, then await',
      );
  }
  return made;
}
