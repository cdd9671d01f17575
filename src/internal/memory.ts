/*
 * Shared memory for primitives: allocation, type tags, and the handle that crosses threads.
 *
 * Allocation. A thread carves its primitives out of 64 KiB SharedArrayBuffer chunks, bumping an
 * offset; every primitive made on that thread shares one Int32Array view of the chunk, so a
 * primitive costs its few words plus a small JavaScript object ({ __weft, _i32, _at }), not a
 * SharedArrayBuffer and a view of its own (ANCHORS.md: ~110 B instead of ~500 B each).
 *
 * Why this is safe: a chunk's memory is freed by the engine only when no thread holds any object on
 * it (a SharedArrayBuffer or a view). Every handle keeps `_i32`, a view of its whole chunk, and a
 * handle that crossed threads arrives with a view of the same chunk; so while any thread can still
 * reach a primitive, its chunk is alive. Words are never reused: no thread can know that every other
 * thread has dropped a handle, so a freed slot could still be in use. The cost is that a chunk is
 * freed only when all the primitives carved from it are unreachable everywhere.
 *
 * Tags. The first word of every primitive is TAG_BASE | kind. X.from() checks it, so a handle of
 * another kind, or a made-up object, is refused with a TypeError instead of working half-way.
 *
 * Crossing threads. structuredClone copies own enumerable string-keyed properties and keeps a
 * SharedArrayBuffer shared; class prototypes and #private fields are lost. So a primitive's state
 * lives entirely in shared memory, and its handle's own properties are only what identifies it:
 * `__weft` (the class name), `_i32` (the chunk) and `_at` (the index of the tag word).
 */

import { badHandle, SharedMemoryError } from '../errors.js';

/** Kinds of primitive, stored in the low bits of the tag word. */
export const Kind = {
  Event: 1,
  Lock: 2,
  RLock: 3,
  Semaphore: 4,
  BoundedSemaphore: 5,
  Condition: 6,
  Barrier: 7,
  Queue: 8,
  LifoQueue: 9,
  PriorityQueue: 10,
  SimpleQueue: 11,
} as const;
export type KindName = keyof typeof Kind;

/** High bits of every tag word ("Wf"), so that stray memory is not taken for a primitive. */
const TAG_BASE = 0x57660000;

const CHUNK_WORDS = 16384; // 64 KiB

let chunk: Int32Array | undefined;
let used = CHUNK_WORDS;

/** Where a primitive lives: its chunk and the index of its tag word. */
export interface Place {
  readonly i32: Int32Array;
  readonly at: number;
  /** True if newly allocated (the constructor initialises it), false if revived. */
  readonly fresh: boolean;
}

let adopted: Place | undefined;

/**
 * Gives a constructor its memory: the place that `adopt` prepared (revival), or `words` new words
 * (zeroed) whose first word is tagged with `kind`.
 */
export function place(kind: KindName, words: number): Place {
  if (adopted !== undefined) {
    const p = adopted;
    adopted = undefined;
    return p;
  }
  if (typeof SharedArrayBuffer !== 'function') {
    throw new SharedMemoryError(
      'weft needs SharedArrayBuffer, which this context does not provide. In a browser, serve the page ' +
        'cross-origin isolated, with the headers "Cross-Origin-Opener-Policy: same-origin" and ' +
        '"Cross-Origin-Embedder-Policy: require-corp" (check globalThis.crossOriginIsolated).',
    );
  }
  if (used + words > CHUNK_WORDS) {
    chunk = new Int32Array(new SharedArrayBuffer(CHUNK_WORDS * 4));
    used = 0;
  }
  const i32 = chunk as Int32Array;
  const at = used;
  used += words;
  Atomics.store(i32, at, TAG_BASE | Kind[kind]);
  return { i32, at, fresh: true };
}

/**
 * Checks that `value` is a handle of one of `kinds` (live, or a plain copy that crossed threads)
 * and prepares its place for the next `place()` call, made by the constructor that `from` calls.
 * Returns the kind found. Throws TypeError, naming `what`, for anything else.
 */
export function adopt(value: unknown, kinds: readonly KindName[], what: string): KindName {
  const kind = kindOf(value);
  if (kind === undefined || !kinds.includes(kind)) throw badHandle(what, value);
  const h = value as { _i32: Int32Array; _at: number };
  adopted = { i32: h._i32, at: h._at, fresh: false };
  return kind;
}

/** The kind of a weft handle (live or cloned) whose tag word matches; undefined for anything else. */
export function kindOf(value: unknown): KindName | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const h = value as { __weft?: unknown; _i32?: unknown; _at?: unknown };
  const kind = h.__weft;
  if (typeof kind !== 'string' || !Object.hasOwn(Kind, kind)) return undefined;
  const i32 = h._i32;
  const at = h._at;
  if (!(i32 instanceof Int32Array) || !(i32.buffer instanceof SharedArrayBuffer)) return undefined;
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= i32.length) return undefined;
  if (Atomics.load(i32, at) !== (TAG_BASE | Kind[kind as KindName])) return undefined;
  return kind as KindName;
}

/** The key under which runtimes print a custom inspection (Node's util.inspect, Deno, Bun). */
export const inspect = Symbol.for('nodejs.util.inspect.custom');
