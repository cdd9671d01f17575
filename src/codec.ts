/*
 * The Queue's value codec: what structuredClone carries, into bytes and back, the same on every
 * runtime (browsers have no synchronous structured clone to bytes, and Bun's and Deno's node:v8
 * bytes differ from Node's). Internal: not exported from src/index.ts.
 *
 * Format. An item is one value; a value is a tag byte (src/internal/codec-format.ts) and its body.
 * "varint" is an unsigned LEB128 (7 bits a byte, low first, high bit = more). Multi-byte numbers are
 * little-endian. No alignment: readers copy bytes out, so an item may start at any offset.
 *
 *   tag          body
 *   Undefined, Null, False, True, Hole   (none)
 *   Int8         1 byte     an integer in [-128, 127] (not -0)
 *   Int32        4 bytes    any other int32 (not -0)
 *   Float64      8 bytes    every other number: -0, NaN, ±Infinity, fractions, |n| >= 2^31
 *   BigInt64     8 bytes    a bigint in [-2^63, 2^63)
 *   BigInt       sign byte, varint n, n hex digits (ASCII) of the magnitude: any other bigint
 *   Latin1       varint n, n bytes       a string of <= 64 code units, all < 256
 *   Utf16        varint n, 2n bytes      a short string with a code unit >= 256, or a long string
 *                                        that is not well-formed (lone surrogates kept as they are)
 *   Utf8         u32 n, n bytes          a well-formed string of more than 64 code units
 *                                        (TextEncoder.encodeInto straight into the scratch)
 *   Date         8 bytes    its time value as a Float64 (NaN: an invalid Date)
 *   RegExp       source string, flags string (strings here and below: a Latin1/Utf16/Utf8 value)
 *   Boxed        a primitive value: new Number(1), new String('a'), new Boolean(false), Object(1n)
 *   ArrayBuffer  varint n, n bytes
 *   View         kind byte (Int8Array 0 … BigUint64Array 10, Float16Array 11, DataView 12),
 *                varint n, n bytes: only the bytes the view covers; it comes back at offset 0
 *                over a buffer of its own
 *   Array        varint n, then n values (Hole where an index is missing)
 *   Object       varint n, then n × (key string, value): own enumerable string keys, in
 *                Object.keys order; `__proto__` comes back as an own key, not a prototype
 *   Map          varint n, n × (key value, value);  Set  varint n, n values
 *   Error        flags byte (1 message, 2 stack, 4 code, 8 cause), name string, then the message,
 *                stack and code strings and the cause value that the flags announce
 *   Ref          varint id: the id-th object (0-based) of this item in the order objects are
 *                first written; every object-tagged value (Array … Error) takes the next id
 *
 * Fidelity, compared with structuredClone: identity within one item is kept (shared references,
 * cycles) for every object. Differences, all deliberate: a typed array or DataView is copied on
 * its own (two views of one ArrayBuffer come back over two buffers; structuredClone would copy the
 * whole buffer, however small the view); an Error whose name is not a built-in class's comes back as
 * an Error with that `name` (structuredClone forgets it), and an own string `code` is kept (weft's
 * errors carry one); extra properties on arrays are dropped (as the API allows). Refused, with a
 * TypeError naming the value and its path: functions, symbols, SharedArrayBuffer and views over
 * one (shared memory is not copied), detached ArrayBuffers, arrays longer than 2^27 (only sparse
 * ones can be), weft primitives, and class instances other than the above (WeakMap, Promise, a
 * user's class…). Containers nest at most MAX_DEPTH (1000) deep.
 *
 * For the Queue (speed):
 * - Store each item's bytes at an 8-aligned offset of the SharedArrayBuffer (a record header of 8
 *   or 16 bytes, not 4 or 12). Binary payloads are 8-aligned from the item's start, and V8 copies
 *   to or from shared memory word by word only when both sides are equally aligned mod 8; else it
 *   copies byte by byte, about 10x slower (1 MB: ~100 µs against ~1 ms, this machine).
 * - Copy the encoded view in with `Uint8Array.prototype.set` (a byte loop into shared memory is
 *   slow), and read in place with decode(u8, start, end) and compareEncoded(u8, u8, s1, e1, s2, e2):
 *   a subarray costs ~40 ns per call. (A get copies a small record aside and decodes it after the
 *   unlock: internal/queue-store.ts ASIDE.)
 * - The view encode() returns is overwritten by the next encode on the thread: copy it into the
 *   queue's memory before anything else can encode. (A getter of an item that encodes while the
 *   item is being encoded gets a TypeError rather than corrupting the scratch.)
 */

export { compare, compareEncoded } from './internal/codec-order.js';
export { decode, prepare } from './internal/codec-read.js';
export { encode } from './internal/codec-write.js';
