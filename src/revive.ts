/*
 * revive(value): the deep form of X.from(). Walks arrays, plain objects, Maps and Sets (as they
 * arrive from postMessage or workerData) and replaces every weft primitive found inside with a live
 * one on the same shared memory. Other values are returned as they are; the input is not modified.
 *
 * Keys are copied as keys: an own "__proto__" key (JSON.parse makes one, and structured clone keeps
 * it) is defined on the copy, never assigned, which would set the copy's prototype instead.
 * To add a kind: a case in one() below, beside its class's import.
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
 * Never blocks; returns `value` with every weft primitive inside it made live again after crossing
 * threads.
 *
 * A primitive sent with `postMessage` or in `workerData` arrives as a plain object, without its
 * methods: calling one then fails with an error such as `TypeError: slots.acquire is not a
 * function`, which means that a `revive()` (or `X.from()`) is missing on the receiving side.
 * `revive` walks arrays, plain objects (null-prototype ones too), `Map`s (keys and values) and
 * `Set`s (not subclasses of them), copying them as it goes; other objects (class instances, typed arrays, Dates…) are
 * returned untouched, and cycles are followed once. A `Timer` does not cross threads (its function
 * cannot): send its `finished` Event, which another thread can `set()` to cancel it.
 *
 * `workerData` and a message's `data` are typed `any`: give the shape as the type argument,
 * `revive<{ slots: Semaphore }>(workerData)`, rather than casting.
 *
 * @typeParam T - the shape of the value, with live primitives (as the sender wrote it).
 * @param value - what arrived in a message or in `workerData`.
 * @returns the same shape, with live primitives.
 * @example
 * ```ts
 * import { Event, Lock, revive } from 'weft-threading';
 * const message = structuredClone({ ready: new Event(), locks: [new Lock()], byName: new Map([['a', new Lock()]]) });
 * const { ready, locks, byName } = revive(message);
 * ready.set();
 * byName.get('a')?.acquire();
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
  if (proto === Map.prototype) {
    const out = new Map<unknown, unknown>();
    seen.set(value, out);
    for (const [k, v] of value as Map<unknown, unknown>) out.set(walk(k, seen), walk(v, seen));
    return out;
  }
  if (proto === Set.prototype) {
    const out = new Set<unknown>();
    seen.set(value, out);
    for (const item of value as Set<unknown>) out.add(walk(item, seen));
    return out;
  }
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
  seen.set(value, out);
  for (const key of Object.keys(value)) {
    const item = walk((value as Record<string, unknown>)[key], seen);
    // Defined, not assigned: `out.__proto__ = …` would set the prototype (the key is an own one here).
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: item, writable: true, enumerable: true, configurable: true });
    else out[key] = item;
  }
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
