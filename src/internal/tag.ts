/*
 * The tag word that begins every primitive in shared memory, and how a handle is recognised by it.
 *
 * Tag word: TAG_BASE | (words << 8) | kind. TAG_BASE ("Wf" in the high half) keeps stray memory
 * from being taken for a primitive; `words` is how many words the primitive spans (so that a view
 * cut short is refused); `kind` (1..255) names the class. The kind lives here, in shared memory, and
 * not in the handle: a handle's own properties are only `_i32` (a view of its chunk) and `_at` (the
 * index of its tag word), which is all a structured clone needs to carry and costs two fields per
 * primitive (see memory.ts). This module imports nothing, so that errors.ts can name the kind of a
 * plain copy without an import cycle.
 */

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
export const TAG_BASE = 0x57660000;

/** Kind names by number (index 0 and unknown numbers: undefined). */
const NAMES: (KindName | undefined)[] = [];
for (const name of Object.keys(Kind) as KindName[]) NAMES[Kind[name]] = name;

/** The tag word of a primitive of `kind` spanning `words` words. */
export function tagOf(kind: KindName, words: number): number {
  return TAG_BASE | (words << 8) | Kind[kind];
}

/**
 * @internal The kind of a weft handle (live or cloned) whose tag word is valid; undefined for anything
 * else. A handle is an object with `_i32`, an Int32Array on a SharedArrayBuffer, and `_at`, the index
 * of a tag word in it; the whole primitive must lie inside the view. An own `__weft` string (which
 * Queue handles and copies made by weft 0.2 carry) must name the same kind as the tag.
 */
export function kindOf(value: unknown): KindName | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const h = value as { __weft?: unknown; _i32?: unknown; _at?: unknown };
  const i32 = h._i32;
  const at = h._at;
  if (!(i32 instanceof Int32Array) || !(i32.buffer instanceof SharedArrayBuffer)) return undefined;
  if (typeof at !== 'number' || !Number.isInteger(at) || at < 0 || at >= i32.length) return undefined;
  const tag = Atomics.load(i32, at);
  if ((tag & 0xffff0000) !== TAG_BASE) return undefined;
  const kind = NAMES[tag & 0xff];
  if (kind === undefined) return undefined;
  const words = (tag >>> 8) & 0xff;
  // The whole primitive must lie inside the view (a view cut short after the tag word is refused).
  if (words < 1 || at + words > i32.length) return undefined;
  if (Object.hasOwn(h, '__weft') && h.__weft !== kind) return undefined;
  return kind;
}
