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
 * Tags. The first word of every primitive is TAG_BASE | (words << 8) | kind: the kind, and how many
 * words the primitive spans, so that X.from() refuses a handle of another kind, a made-up object, or
 * one whose view ends before the primitive does (TypeError, instead of a RangeError from inside a
 * method, or a method working half-way). The size lives in the tag rather than in a table so that a
 * primitive's layout is written once, in its own file (the `words` it asks `place` for). A tag that a
 * caller wrote into memory of its own can claim any size; it can only mislead that caller.
 *
 * Own memory. Every primitive carved from a chunk shares the chunk: a thread given one handle holds
 * a view of the whole chunk, and could make live handles to the primitives beside it (by writing its
 * own `_at`). ownMemory(make) gives the primitives made during `make()` a chunk of their own (small:
 * OWN_WORDS, larger only if they need it), shared with nothing made outside that call.
 *
 * Crossing threads. structuredClone copies own enumerable string-keyed properties and keeps a
 * SharedArrayBuffer shared; class prototypes and #private fields are lost. So a primitive's state
 * lives entirely in shared memory, and its handle's own properties are only what identifies it:
 * `__weft` (the class name), `_i32` (the chunk) and `_at` (the index of the tag word).
 */

import { badHandle, SharedMemoryError } from '../errors.js';

/** Kinds of primitive (1..255), stored in the low byte of the tag word. Add new kinds at the end. */
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
const OWN_WORDS = 64; // 256 B: each chunk of an ownMemory() call (more for a primitive that needs it)
const MAX_WORDS = 0xff; // a primitive's size fits the tag's second byte

/** A chunk being carved: the shared one of this thread, or one ownMemory() call's. */
interface Arena {
  chunk: Int32Array | undefined;
  used: number;
  /** Words of the next chunk to make. */
  readonly size: number;
}

const shared: Arena = { chunk: undefined, used: 0, size: CHUNK_WORDS };
let arena: Arena = shared;

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
  if (!Number.isInteger(words) || words < 1 || words > MAX_WORDS)
    throw new Error(`weft internal: a ${kind} cannot span ${words} words (1..${MAX_WORDS})`);
  const a = arena;
  if (a.chunk === undefined || a.used + words > a.chunk.length) {
    a.chunk = new Int32Array(new SharedArrayBuffer(Math.max(a.size, words) * 4));
    a.used = 0;
  }
  const i32 = a.chunk;
  const at = a.used;
  a.used += words;
  Atomics.store(i32, at, TAG_BASE | (words << 8) | Kind[kind]);
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
  const tag = Atomics.load(i32, at);
  if ((tag & ~0xff00) !== (TAG_BASE | Kind[kind as KindName])) return undefined;
  const words = (tag >>> 8) & 0xff;
  // The whole primitive must lie inside the view (a view cut short after the tag word is refused).
  if (words < 1 || at + words > i32.length) return undefined;
  return kind as KindName;
}

/**
 * Runs `make()` with every primitive it makes carved from memory of its own (see "Own memory"),
 * and returns what it returned. Nested calls each get their own.
 */
export function inOwnMemory<T>(make: () => T): T {
  const outer = arena;
  arena = { chunk: undefined, used: 0, size: OWN_WORDS };
  try {
    return make();
  } finally {
    arena = outer;
  }
}

/** The key under which runtimes print a custom inspection (Node's util.inspect, Deno, Bun). */
export const inspect = Symbol.for('nodejs.util.inspect.custom');

/**
 * @internal Where this thread's carving stands (its chunk and offset): two calls that return
 * different marks had a primitive allocated between them (for thread-worker.ts, which warns about
 * primitives made while a Thread's target module is imported).
 */
export function _carvingMark(): [Int32Array | undefined, number] {
  return [arena.chunk, arena.used];
}
