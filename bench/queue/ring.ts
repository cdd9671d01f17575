/*
 * The floor: a single-producer single-consumer ring of bytes over a SharedArrayBuffer, written by
 * hand with Atomics, as a careful programmer would for one known pair of threads and one known kind
 * of value. No locks, no timeouts, no generality: each side owns its counter, and Atomics.wait /
 * Atomics.notify are used only when the other side has said it sleeps.
 *
 * Layout (bytes): header of HEADER bytes, then CAP bytes of data (CAP a power of two).
 *   word HEAD (0)     bytes ever written (mod 2^32), stored only by the producer
 *   word TAIL (16)    bytes ever read (mod 2^32), stored only by the consumer
 *   word P_SLEEP (32) 1 while the producer sleeps (or is about to) on TAIL, waiting for room
 *   word C_SLEEP (48) 1 while the consumer sleeps (or is about to) on HEAD, waiting for a record
 *   (16 words apart: each on its own cache line)
 * A record: an Int32 length L, then L bytes of payload, padded to a multiple of 8. A length of -1
 * is a wrap marker: the rest of the data area is skipped and the record starts at offset 0.
 * Invariants: 0 <= HEAD - TAIL <= CAP; the bytes in [TAIL, HEAD) are records the consumer has not
 * read; the producer writes only outside them and the consumer reads only inside.
 *
 * No lost wake-up: a side that must wait stores 1 in its SLEEP word, then reads the other side's
 * counter again and sleeps only while it is unchanged; the other side stores its counter, then reads
 * the SLEEP word, and notifies if it is 1. Every Atomics operation is sequentially consistent, so
 * at least one of the two sees the other's store (Dekker), and Atomics.wait(word, seen) returns at
 * once if the counter has moved. Before it sleeps each side spins SPIN loads, the same bound as
 * weft's primitives.
 *
 * Values are encoded by hand, for the one kind a ring carries: small integers as an Int32, strings as
 * UTF-8 (TextEncoder.encodeInto straight into the ring), small objects as JSON text, bytes copied.
 */

import { AtomicsAsync, type Kind, type Obj } from './common.js';

const HEADER = 256;
const HEAD = 0;
const TAIL = 16;
const P_SLEEP = 32;
const C_SLEEP = 48;
const SPIN = 1000;

/** The ring's shared memory for `kind`: 64 KiB of data, 16 MiB for 1 MB byte arrays. */
export function ringBuffer(kind: Kind): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER + (kind === 'bytes' ? 16 * 1024 * 1024 : 64 * 1024));
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const pad8 = (n: number): number => (n + 7) & ~7;

/** One side of a ring (make one per thread; a Ring is either written or read, never both). */
export class Ring {
  readonly #ctl: Int32Array;
  readonly #u8: Uint8Array;
  readonly #view: DataView;
  readonly #cap: number;
  readonly #kind: Kind;
  /** This side's own counter (HEAD for the producer, TAIL for the consumer), kept locally. */
  #mine = 0;

  constructor(sab: SharedArrayBuffer, kind: Kind) {
    this.#ctl = new Int32Array(sab, 0, HEADER / 4);
    this.#u8 = new Uint8Array(sab, HEADER);
    this.#view = new DataView(sab, HEADER);
    this.#cap = sab.byteLength - HEADER;
    this.#kind = kind;
  }

  /** Waits (blocking) until at least `need` bytes are free. */
  #room(need: number): void {
    const ctl = this.#ctl;
    const cap = this.#cap;
    for (let k = 0; ; k++) {
      const tail = Atomics.load(ctl, TAIL);
      if (cap - ((this.#mine - tail) | 0) >= need) return;
      if (k < SPIN) continue;
      Atomics.store(ctl, P_SLEEP, 1);
      if (Atomics.load(ctl, TAIL) === tail) Atomics.wait(ctl, TAIL, tail);
      Atomics.store(ctl, P_SLEEP, 0);
    }
  }

  /** Publishes `bytes` more bytes of records and wakes the consumer if it sleeps. */
  #publish(bytes: number): void {
    this.#mine = (this.#mine + bytes) | 0;
    Atomics.store(this.#ctl, HEAD, this.#mine);
    if (Atomics.load(this.#ctl, C_SLEEP) === 1) {
      Atomics.store(this.#ctl, C_SLEEP, 0);
      Atomics.notify(this.#ctl, HEAD);
    }
  }

  /** Writes one value (blocks while the ring is full). No allocation for a number. */
  write(v: unknown): void {
    const kind = this.#kind;
    if (kind === 'int') {
      const pos = this.#reserve(4);
      this.#view.setInt32(pos + 4, v as number, true);
      this.#commit(pos, 4);
    } else if (kind === 'bytes') {
      const b = v as Uint8Array;
      const pos = this.#reserve(b.byteLength);
      this.#u8.set(b, pos + 4);
      this.#commit(pos, b.byteLength);
    } else {
      const s = kind === 'str' ? (v as string) : JSON.stringify(v as Obj);
      const max = 3 * s.length;
      const pos = this.#reserve(max);
      const n = encoder.encodeInto(s, this.#u8.subarray(pos + 4, pos + 4 + max)).written;
      this.#commit(pos, n);
    }
  }

  /** Bytes of wrap-around skipped by the record being written (see #reserve). */
  #skip = 0;

  /**
   * Waits for room for a record of at most `max` payload bytes and returns where it starts (after
   * writing a wrap marker if it must start at 0). The payload goes at the returned offset + 4.
   */
  #reserve(max: number): number {
    const cap = this.#cap;
    const most = pad8(4 + max);
    if (most > cap) throw new RangeError(`ring: a record of ${max} bytes does not fit in ${cap}`);
    let pos = this.#mine & (cap - 1);
    const skip = pos + most > cap ? cap - pos : 0;
    this.#room(skip + most);
    if (skip > 0) {
      this.#view.setInt32(pos, -1, true);
      pos = 0;
    }
    this.#skip = skip;
    return pos;
  }

  /** Writes the length of the record at `pos` (n payload bytes) and publishes it. */
  #commit(pos: number, n: number): void {
    this.#view.setInt32(pos, n, true);
    this.#publish(this.#skip + pad8(4 + n));
  }

  /** Where the next record starts, once one is there (its wrap marker skipped); -1 if none yet. */
  #next(): number {
    const head = Atomics.load(this.#ctl, HEAD);
    if (head === this.#mine) return -1;
    const cap = this.#cap;
    const pos = this.#mine & (cap - 1);
    if (this.#view.getInt32(pos, true) === -1) {
      this.#mine = (this.#mine + (cap - pos)) | 0;
      return 0;
    }
    return pos;
  }

  /** Decodes the record at `pos` and frees it. */
  #take(pos: number): unknown {
    const n = this.#view.getInt32(pos, true);
    const at = pos + 4;
    let v: unknown;
    const kind = this.#kind;
    if (kind === 'int') v = this.#view.getInt32(at, true);
    else if (kind === 'bytes') v = this.#u8.slice(at, at + n);
    else {
      const s = decoder.decode(this.#u8.subarray(at, at + n));
      v = kind === 'str' ? s : JSON.parse(s);
    }
    this.#mine = (this.#mine + pad8(4 + n)) | 0;
    const ctl = this.#ctl;
    Atomics.store(ctl, TAIL, this.#mine);
    if (Atomics.load(ctl, P_SLEEP) === 1) {
      Atomics.store(ctl, P_SLEEP, 0);
      Atomics.notify(ctl, TAIL);
    }
    return v;
  }

  /** Reads one value (blocks while the ring is empty). */
  read(): unknown {
    const ctl = this.#ctl;
    for (let k = 0; ; k++) {
      const pos = this.#next();
      if (pos >= 0) return this.#take(pos);
      if (k < SPIN) continue;
      Atomics.store(ctl, C_SLEEP, 1);
      if (Atomics.load(ctl, HEAD) === this.#mine) Atomics.wait(ctl, HEAD, this.#mine);
      Atomics.store(ctl, C_SLEEP, 0);
    }
  }

  /** Reads one value without blocking the thread (Atomics.waitAsync while empty; no spin). */
  async readAsync(): Promise<unknown> {
    const ctl = this.#ctl;
    for (;;) {
      const pos = this.#next();
      if (pos >= 0) return this.#take(pos);
      Atomics.store(ctl, C_SLEEP, 1);
      if (Atomics.load(ctl, HEAD) === this.#mine) {
        const r = AtomicsAsync.waitAsync(ctl, HEAD, this.#mine);
        if (r.async) await r.value;
      }
      Atomics.store(ctl, C_SLEEP, 0);
    }
  }
}

/**
 * A ring of small integers that one thread writes and reads itself (no partner), for the one-thread
 * measurements (alloc.ts, cost.ts): returns a batch that writes and reads `n` items and returns the
 * sum it read.
 */
export function loopback(): (n: number) => number {
  const sab = ringBuffer('int');
  const writer = new Ring(sab, 'int');
  const reader = new Ring(sab, 'int');
  return (n) => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      writer.write(i & 1023);
      s += reader.read() as number;
    }
    return s;
  };
}
