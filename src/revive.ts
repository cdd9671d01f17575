/*
 * revive(value): the deep form of X.from(). Walks arrays and plain objects (as they arrive from
 * postMessage or workerData) and replaces every weft primitive found inside with a live one on the
 * same shared memory. Other values are returned as they are; the input is not modified.
 */

import { Barrier } from './barrier.js';
import { Condition } from './condition.js';
import { Event } from './event.js';
import { kindOf } from './internal/memory.js';
import { Lock } from './lock.js';
import { LifoQueue, PriorityQueue, Queue, SimpleQueue } from './queue.js';
import { RLock } from './rlock.js';
import { BoundedSemaphore, Semaphore } from './semaphore.js';

/**
 * Returns `value` with every weft primitive inside it made live again after crossing threads.
 * Never blocks.
 *
 * Arrays and plain objects are copied as they are walked; class instances other than weft's
 * (Maps, typed arrays, Dates…) are returned untouched, and cycles are followed once.
 *
 * @param value - what arrived in a message or in `workerData`.
 * @returns the same shape, with live primitives.
 * @example
 * ```ts
 * import { Event, Lock, revive } from 'weft-threading';
 * const message = structuredClone({ ready: new Event(), locks: [new Lock()] });
 * const { ready, locks } = revive(message);
 * ```
 */
export function revive<T>(value: T): T {
  return walk(value, new Map()) as T;
}

function walk(value: unknown, seen: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  const kind = kindOf(value);
  if (kind !== undefined) {
    const live = one(kind, value);
    seen.set(value, live);
    return live;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(walk(item, seen));
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  seen.set(value, out);
  for (const key of Object.keys(value)) out[key] = walk((value as Record<string, unknown>)[key], seen);
  return out;
}

function one(kind: NonNullable<ReturnType<typeof kindOf>>, value: unknown): unknown {
  switch (kind) {
    case 'Event':
      return Event.from(value);
    case 'Lock':
      return Lock.from(value);
    case 'RLock':
      return RLock.from(value);
    case 'Semaphore':
      return Semaphore.from(value);
    case 'BoundedSemaphore':
      return BoundedSemaphore.from(value);
    case 'Condition':
      return Condition.from(value);
    case 'Barrier':
      return Barrier.from(value);
    case 'Queue':
      return Queue.from(value);
    case 'LifoQueue':
      return LifoQueue.from(value);
    case 'PriorityQueue':
      return PriorityQueue.from(value);
    case 'SimpleQueue':
      return SimpleQueue.from(value);
  }
}
