/*
 * Shared memory for primitives: allocation, type tags, and the handle that crosses threads.
 *
 * Allocation. A thread carves its primitives out of 64 KiB SharedArrayBuffer chunks, bumping an
 * offset; every primitive made on that thread shares one Int32Array view of the chunk, so a
 * primitive costs its few words plus a small JavaScript object of two fields ({ _i32, _at }), not a
 * SharedArrayBuffer and a view of its own (ANCHORS.md: ~110 B instead of ~500 B each). A
 * constructor asks carve() for its words, which allocates nothing on the JavaScript heap but the
 * chunk now and then (place() is the same as one object, for the Queue).
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
 * primitive's layout is written once, in its own file (the `words` it asks `carve` for). A tag that a
 * caller wrote into memory of its own can claim any size; it can only mislead that caller. The tag
 * is written and read in tag.ts; the kind is read from it, not from the handle.
 *
 * Own memory. Every primitive carved from a chunk shares the chunk: a thread given one handle holds
 * a view of the whole chunk, and could make live handles to the primitives beside it (by writing its
 * own `_at`). ownMemory(make) gives the primitives made during `make()` a chunk of their own (small:
 * OWN_WORDS, larger only if they need it), shared with nothing made outside that call.
 *
 * Crossing threads. structuredClone copies own enumerable string-keyed properties and keeps a
 * SharedArrayBuffer shared; class prototypes and #private fields are lost. So a primitive's state
 * lives entirely in shared memory, and its handle's own properties are only what identifies it:
 * `_i32` (the chunk) and `_at` (the index of the tag word, which names the kind). The classes keep
 * `__weft` (the class name) as a getter on their prototype, which a copy does not carry; a Queue
 * handle has it as an own field beside its others, and then it must agree with the tag.
 */

import { badHandle, SharedMemoryError } from '../errors.js';
import { type KindName, kindOf, tagOf } from './tag.js';

export { Kind, type KindName, kindOf } from './tag.js';

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
/** The chunk of the last carve() (see there). */
let lastChunk: Int32Array | undefined;
/** Whether the last carve() gave back a revived place rather than new words. */
let lastRevived = false;

/**
 * Gives a constructor its memory and returns the index of its tag word: the place that `adopt`
 * prepared (revival), or `words` new words (zeroed) whose first word is tagged with `kind`. The
 * chunk is then carvedChunk(), and carvedRevived() tells which of the two it was. Unlike place(),
 * allocates nothing on the JavaScript heap (a handle then costs its two fields and nothing else:
 * ~72 B per Lock at 100,000 instead of ~125 B with a Place object and a third field).
 */
export function carve(kind: KindName, words: number): number {
  if (adopted !== undefined) {
    const p = adopted;
    adopted = undefined;
    lastChunk = p.i32;
    lastRevived = true;
    return p.at;
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
  Atomics.store(i32, at, tagOf(kind, words));
  lastChunk = i32;
  lastRevived = false;
  return at;
}

/** The chunk that the last carve() returned an index into. */
export function carvedChunk(): Int32Array {
  return lastChunk as Int32Array;
}

/** Whether the last carve() revived a place (true) rather than allocating new words (false). */
export function carvedRevived(): boolean {
  return lastRevived;
}

/** carve() as one object: the chunk, the index of the tag word, and whether it is new. */
export function place(kind: KindName, words: number): Place {
  const at = carve(kind, words);
  return { i32: carvedChunk(), at, fresh: !lastRevived };
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
