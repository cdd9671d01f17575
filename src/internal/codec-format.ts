/*
 * The codec's wire format: tags and the typed-array kinds, shared by codec-write.ts and
 * codec-read.ts. The format itself is described in src/codec.ts's header comment.
 */

/** One byte in front of every value. */
export const Tag = {
  Undefined: 0,
  Null: 1,
  False: 2,
  True: 3,
  Int8: 4, // 1 byte, two's complement
  Int32: 5, // 4 bytes, little-endian
  Float64: 6, // 8 bytes, IEEE 754 (the platform's order, little-endian on every supported one)
  BigInt64: 7, // 8 bytes, little-endian two's complement: a bigint in [-2^63, 2^63)
  BigInt: 8, // sign byte (0 or 1), varint n, n ASCII hex digits of the magnitude
  Latin1: 9, // varint n, n bytes: a string whose code units are all < 256
  Utf16: 10, // varint n, 2n bytes: n UTF-16 code units, little-endian (lone surrogates kept)
  Utf8: 11, // u32 n (little-endian), n bytes of UTF-8: a well-formed string
  Date: 12, // 8 bytes: the time value as Float64 (NaN for an invalid Date)
  RegExp: 13, // source string, flags string
  Boxed: 14, // a primitive value: new Number / String / Boolean, Object(bigint)
  ArrayBuffer: 15, // varint n, n bytes
  View: 16, // kind byte (ViewKind), varint n, n bytes: the view's own bytes only
  Array: 17, // varint n, n values (Hole for a missing index)
  Hole: 18,
  Object: 19, // varint n, n × (key string, value)
  Map: 20, // varint n, n × (key, value)
  Set: 21, // varint n, n values
  Error: 22, // flags byte, name string, [message], [stack], [code] strings, [cause value]
  Ref: 23, // varint id: the id-th object of this item, already decoded (shared reference, cycle)
} as const;

/** Flags of an Error: which optional parts follow its name. */
export const ErrorPart = { Message: 1, Stack: 2, Code: 4, Cause: 8 } as const;

/** Built-in Error classes that come back as themselves; any other name comes back as an Error. */
export const errorClasses: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

type ViewConstructor = new (buffer: ArrayBuffer) => ArrayBufferView;
const float16 = (globalThis as { Float16Array?: ViewConstructor }).Float16Array;

/** The kind byte of a View, by index. DataView is last; Float16Array only where the engine has it. */
export const viewKinds: readonly (ViewConstructor | undefined)[] = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  float16,
  DataView,
];
export const DATA_VIEW = 12;

/** Typed-array name (its Symbol.toStringTag, which subclasses such as Buffer keep) -> kind byte. */
export const viewKindByName: Readonly<Record<string, number>> = {
  Int8Array: 0,
  Uint8Array: 1,
  Uint8ClampedArray: 2,
  Int16Array: 3,
  Uint16Array: 4,
  Int32Array: 5,
  Uint32Array: 6,
  Float32Array: 7,
  Float64Array: 8,
  BigInt64Array: 9,
  BigUint64Array: 10,
  Float16Array: 11,
};

/** Strings up to this many code units are written and read byte by byte, without TextEncoder. */
export const SHORT_STRING = 64;

/**
 * Containers nested deeper than this are refused at encode, so that whatever encode accepts, decode
 * (which recurses as deeply) can read it on any thread: Node's main thread overflows near 2,000 levels
 * (workers near 8,000), structuredClone near 5,000.
 */
export const MAX_DEPTH = 1000;
