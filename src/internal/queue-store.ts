/*
 * Where a queue keeps its items: the control words it shares with src/queue.ts, and the storage of
 * the items' encoded bytes in a growable SharedArrayBuffer that the queue owns. Everything here runs
 * with the queue's lock held (queue.ts takes it), except reads of COUNT: qsize(), a spinning waiter
 * and the look before the lock read it without the lock (#get says why plain stores suffice); and
 * decodeAside(), which reads only this thread's private copy of a record take() has removed.
 *
 * Control block (Int32 words in a weft chunk, from the tag word):
 *   TAG          kind tag (internal/memory.ts)
 *   LOCK         a Lock's STATE word (Drepper mutex 2, src/lock.ts), followed by its two HOLDER words
 *   COUNT        items in the queue
 *   MAXSIZE      the bound on COUNT; 0: none
 *   UNFINISHED   items put and not yet taskDone()'d (Python's unfinished_tasks)
 *   SHUT         0 open | 1 shut down
 *   NE_SEQ       "not empty" notification counter, NE_WAITERS getters registered to sleep on it
 *   NF_SEQ       "not full" notification counter, NF_WAITERS putters registered to sleep on it, of
 *                which NB_WAITERS wait for bytes (the item does not fit in memory yet) rather than
 *                for a place under MAXSIZE
 *   DONE_SEQ     "all tasks done" notification counter, DONE_WAITERS joiners registered on it
 *   NE_WOKEN, NF_WOKEN   wake-ups given to getters (putters) and not yet taken back by a waiter
 *                that re-took the lock; at most the items (free places) there (see src/queue.ts)
 *   LO, HI       byte offsets in the data area: LIFO items occupy [LO, HI) contiguously (LO = 0),
 *                FIFO items [LO, HI) too, or [LO, WRAP) then [0, HI) once wrapped (see below);
 *                a PriorityQueue's records lie in [0, HI), with holes
 *   WRAP         FIFO: 0, or where the older part ends when the records have wrapped to the front
 *   LIVE         bytes of the records in the queue (PriorityQueue: HI minus the holes)
 *   SEQ_LO/HI    PriorityQueue: the insertion counter, so that equal items leave in put order
 *   ORDER        FIFO | LIFO | PRIORITY
 *   UNBOUNDED    1 if maxsize was given as Infinity (reported back by `maxsize`)
 *   DIRTY        1 while a storage change is under way (from the first store that makes the words
 *                disagree with the records to the last that makes them agree again, UNFINISHED
 *                included), else 0; BROKEN once a taker found it left at 1 (src/queue.ts)
 *   DEAD_HI/LO   the identity of the thread that left DIRTY at 1, once known (0 if not)
 *   CAP, ICAP    the byte lengths of the data area and of the heap index as last grown (under the
 *                lock). Each thread reads the areas through fixed-length views (views that track a
 *                growable buffer's length are several times slower per access on V8) and makes them
 *                again when CAP or ICAP no longer matches the length its views were made for.
 *
 * Data area (the queue's own growable SharedArrayBuffer, `data`). Records and payloads start at
 * 8-aligned offsets (the codec's binary payloads are 8-aligned within an item, and V8 copies between
 * equally aligned memory word by word, else byte by byte, ~10x slower):
 *   FIFO         [len, 0][payload, padded to 8]
 *   LIFO         [len, 0][payload, padded to 8][len, 0]
 *                A get takes the record at LO (FIFO), or the one ending at HI (LIFO, found by its
 *                trailing len), so the records need no free list.
 *                FIFO is a ring of whole records (a bip buffer): a record that does not fit after
 *                HI but fits before LO goes at 0 (WRAP = HI, and [0, HI) fills up to LO); the get
 *                that reaches WRAP goes on at 0 (WRAP = 0). So a queue that stays at some size
 *                moves no bytes once its area is large enough. When a record fits in neither
 *                part, the area grows first (at least doubling, up to maxBytes, while the records
 *                would fill more than half of it), and then the records are made contiguous
 *                (wrapped: the newer part goes after the older, or both to the front) with room
 *                after HI. LIFO moves [LO, HI) to 0 the same way. Growth doubles, so moves cost at
 *                most a few extra copies of each byte put, however it arrives. An empty queue starts
 *                again at 0.
 *   PRIORITY     [len, seq lo, seq hi, 0][payload, padded to 8]; the order is a binary min-heap of
 *                record offsets in a second growable SharedArrayBuffer (`index`), compared by the
 *                codec's compareEncoded on the items' bytes (Python's order), then by insertion
 *                sequence. Items leave out of
 *                order, so holes appear; when a record does not fit after HI, the live records are
 *                packed to the front (in heap order) before growing.
 * An item whose record is larger than maxBytes can never fit: put throws RangeError before taking
 * the lock. One that fits only after others leave waits, as for a full queue (NB_WAITERS).
 */

import { compareEncoded, decode } from '../codec.js';

export const LOCK = 1;
export const COUNT = 4;
export const MAXSIZE = 5;
export const UNFINISHED = 6;
export const SHUT = 7;
export const NE_SEQ = 8;
export const NE_WAITERS = 9;
export const NF_SEQ = 10;
export const NF_WAITERS = 11;
export const NB_WAITERS = 12;
export const DONE_SEQ = 13;
export const DONE_WAITERS = 14;
const LO = 15;
const HI = 16;
const LIVE = 17;
const SEQ_LO = 18;
const SEQ_HI = 19;
export const ORDER = 20;
export const UNBOUNDED = 21;
export const CAP = 22;
const ICAP = 23;
export const NE_WOKEN = 24;
export const NF_WOKEN = 25;
const WRAP = 26;
export const DIRTY = 27;
export const DEAD_HI = 28;
export const DEAD_LO = 29;
export const WORDS = 30;

/** DIRTY: a storage change under way (1), or the queue is broken (BROKEN; see src/queue.ts). */
export const BROKEN = -1;

/** Payloads up to this many bytes are copied with a loop (TypedArray.prototype.set costs more for them). */
const SMALL_COPY = 48;

/**
 * Records of more than a number's bytes and at most ASIDE_MAX bytes are not decoded under the lock:
 * take() copies their bytes aside (a word loop into this thread's private buffer) and returns
 * ASIDE; the caller decodes them with decodeAside() after releasing the lock, so the lock is held
 * for a copy of a few words rather than for building a string or an object. Larger records are
 * decoded in place (a copy aside would cost as much as the decode's own copy).
 */
const ASIDE_MAX = 1024;
const aside = new Int32Array(ASIDE_MAX / 4);
const asideBytes = new Uint8Array(aside.buffer);
let asideLength = 0;
/** What take() returns for an item set aside: decodeAside() gives the item. */
export const ASIDE: unique symbol = Symbol('weft.queue.aside');

/**
 * The item take() set aside (lock released). Throws TypeError for a corrupt record, which has left
 * the queue by then.
 */
export function decodeAside(): unknown {
  return decode(asideBytes, 0, asideLength);
}

/** Copies the record payload at byte offset `at` (8-aligned) of `w`, `len` bytes, aside. */
function setAside(w: Int32Array, at: number, len: number): typeof ASIDE {
  const from = at >> 2;
  const words = (len + 3) >> 2;
  for (let k = 0; k < words; k++) aside[k] = w[from + k] as number;
  asideLength = len;
  return ASIDE;
}

/** Whether take() sets a record of `len` bytes aside: not a number (9 bytes at most), not large. */
const setsAside = (len: number): boolean => len > 9 && len <= ASIDE_MAX;

export const FIFO = 0;
export const LIFO = 1;
export const PRIORITY = 2;

/** offer() results. */
export const PUT_OK = 0;
export const PUT_FULL = 1; // COUNT is at MAXSIZE
export const PUT_NO_ROOM = 2; // the record does not fit in maxBytes until others leave

/** Default bound on a queue's data area: 64 MiB (only what is used is committed). */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** Largest maxBytes accepted: 1 GiB (offsets stay in Int32 words). */
export const MAX_MAX_BYTES = 1024 * 1024 * 1024;
const INITIAL_DATA = 1024;
const INITIAL_INDEX = 256;

interface Growable extends SharedArrayBuffer {
  readonly growable?: boolean;
  readonly maxByteLength?: number;
  grow(n: number): void;
}
type GrowableCtor = new (n: number, options: { maxByteLength: number }) => Growable;

/** A growable SharedArrayBuffer of `n` bytes, up to `max` (a fixed one of `max` where growing is missing). */
export function growable(n: number, max: number): SharedArrayBuffer {
  const sab = new (SharedArrayBuffer as unknown as GrowableCtor)(Math.min(n, max), { maxByteLength: max });
  return sab.growable === true ? sab : new SharedArrayBuffer(max);
}

/** The bound of a data area made by growable(). */
export function maxOf(sab: SharedArrayBuffer): number {
  const g = sab as Growable;
  return g.growable === true ? (g.maxByteLength as number) : sab.byteLength;
}

/** The size in bytes of the record of an item whose encoding is `len` bytes long. */
export function recordSize(order: number, len: number): number {
  return (order === FIFO ? 8 : 16) + ((len + 7) & ~7);
}

/** Makes the data areas of a new queue. */
export function newAreas(
  order: number,
  maxBytes: number,
): { data: SharedArrayBuffer; index?: SharedArrayBuffer } {
  const data = growable(INITIAL_DATA, maxBytes);
  if (order !== PRIORITY) return { data };
  // Every record takes at least 24 bytes, so the heap never holds more than maxBytes / 16 offsets.
  return { data, index: growable(INITIAL_INDEX, Math.max(INITIAL_INDEX, ((maxBytes >>> 4) + 1) * 4)) };
}

/** Copies `len` bytes of `from` into `to` at `at`: a loop for small payloads, memcpy for larger ones. */
function copy(to: Uint8Array, at: number, from: Uint8Array, len: number): void {
  if (len > SMALL_COPY) {
    to.set(from, at);
    return;
  }
  for (let i = 0; i < len; i++) to[at + i] = from[i] as number;
}

/** One thread's views of a queue's storage. */
export class Store {
  readonly #ctl: Int32Array;
  readonly #at: number;
  readonly #data: Growable;
  readonly #index: Growable | undefined;
  /** Fixed-length views of the areas, made for #cap and #icap bytes (see CAP in the header). */
  #u8: Uint8Array;
  #w: Int32Array;
  #heap: Int32Array | undefined;
  #cap: number;
  #icap: number;
  readonly #order: number;
  readonly #max: number;
  readonly #path = new Int32Array(32);
  /** FIFO, set by #ringSpot: the WRAP that the record being put commits (0: WRAP unchanged). */
  #wrapAt = 0;

  constructor(ctl: Int32Array, at: number, data: SharedArrayBuffer, index: SharedArrayBuffer | undefined) {
    this.#ctl = ctl;
    this.#at = at;
    this.#data = data as Growable;
    this.#index = index as Growable | undefined;
    this.#cap = data.byteLength;
    this.#icap = index === undefined ? 0 : index.byteLength;
    this.#u8 = new Uint8Array(data, 0, this.#cap);
    this.#w = new Int32Array(data, 0, this.#cap >> 2);
    this.#heap = index === undefined ? undefined : new Int32Array(index, 0, this.#icap >> 2);
    this.#order = Atomics.load(ctl, at + ORDER);
    this.#max = maxOf(data);
  }

  /** Records the areas' first lengths in CAP and ICAP: by the thread that made the queue, before it is shared. */
  init(): void {
    Atomics.store(this.#ctl, this.#at + CAP, this.#cap);
    Atomics.store(this.#ctl, this.#at + ICAP, this.#icap);
  }

  /** Lock held: makes the views again if an area grew since they were made (here or in another thread). */
  #fresh(): void {
    const cap = this.#get(CAP);
    const icap = this.#get(ICAP);
    if (cap === this.#cap && icap === this.#icap) return;
    this.#cap = cap;
    this.#u8 = new Uint8Array(this.#data, 0, cap);
    this.#w = new Int32Array(this.#data, 0, cap >> 2);
    if (this.#index !== undefined) {
      this.#icap = icap;
      this.#heap = new Int32Array(this.#index, 0, icap >> 2);
    }
  }

  /** The bound on the data area, in bytes. */
  get maxBytes(): number {
    return this.#max;
  }

  /** Bytes of the data area in use now (allocated, not only live). */
  get bytes(): number {
    return this.#data.byteLength;
  }

  /*
   * The storage words (LO, HI, WRAP, LIVE, SEQ_*, and MAXSIZE, written once before the queue is shared)
   * are read and written only with the lock held, so plain accesses suffice: the lock's atomic
   * operations order them between threads, and no thread reads them without it. COUNT is written
   * under the lock with plain stores too (an Atomics.store is a locked instruction on x86, and the
   * release's swap publishes the store anyway); qsize() and the spin read it without the lock with
   * Atomics.load, and Queue.get/put's one look before the lock with a plain load; each sees the value
   * of some store, old or new: the look only decides whether to spin, the spin only when to look
   * again under the lock (no waiter sleeps on what either read), and qsize() is a snapshot by contract.
   */
  #get(word: number): number {
    return this.#ctl[this.#at + word] as number;
  }

  #set(word: number, value: number): void {
    this.#ctl[this.#at + word] = value;
  }

  /*
   * DIRTY (see the header): each change is made in two phases. First what the words do not point
   * at yet: a record is written into free space, a PriorityQueue's compares run (they may throw
   * TypeError), an area grows. Then, between DIRTY = 1 and DIRTY = 0, the stores that the other
   * words and the records must agree on (moves of live records, LO, HI, WRAP, LIVE, SEQ, the heap,
   * COUNT, UNFINISHED). A thread that stops in the first phase leaves the queue as it was; one
   * that stops in the second leaves DIRTY at 1, and the next taker of the lock finds it.
   */

  /**
   * Puts an item's encoded bytes at the end of the order (lock held). Returns PUT_OK, PUT_FULL or
   * PUT_NO_ROOM; PUT_OK has counted it (COUNT, and UNFINISHED if `tasks`). A PriorityQueue throws
   * TypeError from `compare` before anything is changed.
   */
  offer(bytes: Uint8Array, size: number, tasks: boolean): number {
    this.#fresh();
    const count = this.#get(COUNT);
    const maxsize = this.#get(MAXSIZE);
    if (maxsize > 0 && count >= maxsize) return PUT_FULL;
    let hi = this.#get(HI);
    if (this.#order === FIFO) {
      hi = this.#ringSpot(hi, size, count);
      if (hi < 0) return PUT_NO_ROOM;
    } else if (hi + size > this.#u8.length) {
      if (!this.#makeRoom(size, count)) return PUT_NO_ROOM;
      hi = this.#get(HI);
    }
    const len = bytes.length;
    const w = this.#w;
    const u8 = this.#u8;
    const head = hi >> 2;
    // The record, in free space.
    w[head] = len;
    let slot = 0;
    if (this.#order === PRIORITY) {
      w[head + 1] = this.#get(SEQ_LO);
      w[head + 2] = this.#get(SEQ_HI);
      copy(u8, hi + 16, bytes, len);
      slot = this.#heapSlot(hi, count); // may throw TypeError: nothing is committed yet
    } else {
      copy(u8, hi + 8, bytes, len);
      if (this.#order === LIFO) w[(hi + size - 8) >> 2] = len;
    }
    // The commit.
    const ctl = this.#ctl;
    const base = this.#at;
    ctl[base + DIRTY] = 1;
    if (this.#order === PRIORITY) {
      this.#heapInsert(hi, count, slot);
      const seqLo = this.#get(SEQ_LO);
      if (seqLo === -1) this.#set(SEQ_HI, this.#get(SEQ_HI) + 1);
      this.#set(SEQ_LO, seqLo + 1);
      this.#set(LIVE, this.#get(LIVE) + size);
    } else if (this.#wrapAt !== 0) {
      this.#set(WRAP, this.#wrapAt); // the older records end there; this one starts again at 0
    }
    ctl[base + HI] = hi + size;
    ctl[base + COUNT] = count + 1; // plain: see #get
    if (tasks) ctl[base + UNFINISHED] = (ctl[base + UNFINISHED] as number) + 1;
    ctl[base + DIRTY] = 0;
    return PUT_OK;
  }

  /**
   * FIFO: where a record of `size` bytes goes: after HI, else at 0 (wrapping) when it fits before
   * LO, else wherever #makeRoom makes room; -1 if no room until others leave.
   */
  #ringSpot(hi: number, size: number, count: number): number {
    this.#wrapAt = 0;
    const wrap = this.#get(WRAP);
    if (wrap === 0) {
      if (hi + size <= this.#u8.length) return hi;
      if (size <= this.#get(LO)) {
        this.#wrapAt = hi; // offer commits it (hi > 0: LO <= HI, and size > 0)
        return 0;
      }
    } else if (hi + size <= this.#get(LO)) return hi;
    if (!this.#makeRoom(size, count)) return -1;
    return this.#get(HI);
  }

  /**
   * Takes the next item (lock held, COUNT > 0): its value, or ASIDE for a small record that is not a
   * number (its bytes copied aside: decodeAside() after the unlock). Throws only for a corrupt
   * record decoded in place, changing nothing.
   */
  take(): unknown {
    this.#fresh();
    const ctl = this.#ctl;
    const base = this.#at;
    const count = ctl[base + COUNT] as number;
    const w = this.#w;
    let value: unknown;
    if (this.#order === FIFO) {
      const lo = ctl[base + LO] as number;
      const len = w[lo >> 2] as number;
      value = setsAside(len) ? setAside(w, lo + 8, len) : decode(this.#u8, lo + 8, lo + 8 + len);
      const next = lo + recordSize(FIFO, len);
      ctl[base + DIRTY] = 1;
      if (next === ctl[base + WRAP]) {
        ctl[base + WRAP] = 0; // the older part is used up: the records are [0, HI) again
        ctl[base + LO] = 0;
      } else ctl[base + LO] = next;
    } else if (this.#order === LIFO) {
      const hi = this.#get(HI);
      const len = w[(hi - 8) >> 2] as number;
      const start = hi - recordSize(LIFO, len);
      value = setsAside(len) ? setAside(w, start + 8, len) : decode(this.#u8, start + 8, start + 8 + len);
      this.#set(DIRTY, 1);
      this.#set(HI, start);
    } else {
      const top = (this.#heap as Int32Array)[0] as number;
      const len = w[top >> 2] as number;
      value = setsAside(len) ? setAside(w, top + 16, len) : decode(this.#u8, top + 16, top + 16 + len);
      this.#set(DIRTY, 1);
      this.#heapPop(count);
      this.#set(LIVE, this.#get(LIVE) - recordSize(PRIORITY, len));
    }
    this.#took(count);
    ctl[base + DIRTY] = 0;
    return value;
  }

  /** Discards every item (lock held), each counting as done (UNFINISHED, not below 0); returns how many. */
  clear(): number {
    this.#fresh();
    const count = this.#get(COUNT);
    if (count > 0) {
      this.#set(DIRTY, 1);
      this.#took(1);
      this.#set(UNFINISHED, Math.max(0, this.#get(UNFINISHED) - count));
      this.#set(DIRTY, 0);
    }
    return count;
  }

  #took(count: number): void {
    this.#ctl[this.#at + COUNT] = count - 1; // plain: see #get
    if (count === 1) {
      // Empty: start again at the front.
      this.#set(LO, 0);
      this.#set(HI, 0);
      this.#set(WRAP, 0);
      this.#set(LIVE, 0);
    }
  }

  /**
   * Grows the data area if the records would fill more than half of it, then makes the records
   * contiguous with `size` bytes free after HI (FIFO and LIFO: moving them; PriorityQueue: packing
   * out the holes). Returns false, having changed nothing but the order of bytes, if they do not fit.
   */
  #makeRoom(size: number, count: number): boolean {
    const max = this.#max;
    const order = this.#order;
    const lo = this.#get(LO);
    const hi = this.#get(HI);
    const wrap = this.#get(WRAP);
    const live = order === PRIORITY ? this.#get(LIVE) : wrap !== 0 ? wrap - lo + hi : hi - lo;
    const need = live + size;
    if (need > max) return false;
    const cap0 = this.#cap;
    // Keep at most half full after a move, so that moves stay rare (amortised).
    if (need * 2 > cap0 && cap0 < max && this.#data.growable === true) {
      // The buffer's own length too: a thread may have ended between its grow and its CAP store.
      const grown = Math.min(max, Math.max(cap0 * 2, (need * 2 + 7) & ~7, this.#data.byteLength));
      if (grown > this.#data.byteLength) this.#data.grow(grown);
      this.#set(CAP, grown);
      this.#fresh();
    }
    const cap = this.#cap;
    if (need > cap) return false;
    const u8 = this.#u8;
    this.#set(DIRTY, 1); // live records move (a wrapped FIFO's newer part goes to free space, but WRAP changes)
    if (order === PRIORITY) {
      if (hi > live) this.#pack(count, live);
    } else if (wrap !== 0) {
      this.#set(WRAP, 0);
      if (wrap + hi + size <= cap) {
        u8.copyWithin(wrap, 0, hi); // the newer part after the older: [LO, WRAP + HI)
        this.#set(HI, wrap + hi);
      } else {
        const newer = u8.slice(0, hi); // rare (the area cannot grow enough): allowed to allocate
        u8.copyWithin(0, lo, wrap);
        u8.set(newer, wrap - lo);
        this.#set(LO, 0);
        this.#set(HI, live);
      }
    } else if (hi + size > cap && lo > 0) {
      u8.copyWithin(0, lo, hi);
      this.#set(LO, 0);
      this.#set(HI, live);
    }
    this.#set(DIRTY, 0);
    return true;
  }

  /** PriorityQueue: moves the `count` live records (`live` bytes) to [0, live), in heap order. */
  #pack(count: number, live: number): void {
    const heap = this.#heap as Int32Array;
    const w = this.#w;
    const u8 = this.#u8;
    const scratch = new Uint8Array(live); // rare (when the area is full of holes): allowed to allocate
    let at = 0;
    for (let i = 0; i < count; i++) {
      const off = heap[i] as number;
      const size = recordSize(PRIORITY, w[off >> 2] as number);
      scratch.set(u8.subarray(off, off + size), at);
      heap[i] = at;
      at += size;
    }
    u8.set(scratch, 0);
    this.#set(HI, at);
  }

  /** Whether the record at `a` comes before the one at `b`: by item (Python's order), then by sequence. */
  #before(a: number, b: number): boolean {
    const w = this.#w;
    const u8 = this.#u8;
    const ia = a >> 2;
    const ib = b >> 2;
    const c = compareEncoded(u8, u8, a + 16, a + 16 + (w[ia] as number), b + 16, b + 16 + (w[ib] as number));
    if (c !== 0) return c < 0;
    const ha = w[ia + 2] as number;
    const hb = w[ib + 2] as number;
    if (ha !== hb) return ha >>> 0 < hb >>> 0;
    return (w[ia + 1] as number) >>> 0 < (w[ib + 1] as number) >>> 0;
  }

  /**
   * As #before, for a get that re-orders the items left: two that cannot be compared (a TypeError,
   * as `[1, 'x']` against `[1, 2]`, each comparable with the items they met when put) go by
   * sequence, so the get still takes its item and every item still leaves exactly once.
   */
  #beforeLeft(a: number, b: number): boolean {
    try {
      return this.#before(a, b);
    } catch {
      const w = this.#w;
      const ha = w[(a >> 2) + 2] as number;
      const hb = w[(b >> 2) + 2] as number;
      if (ha !== hb) return ha >>> 0 < hb >>> 0;
      return (w[(a >> 2) + 1] as number) >>> 0 < (w[(b >> 2) + 1] as number) >>> 0;
    }
  }

  /**
   * Where the record at `off` goes in the heap of `count` entries (growing the index if needed);
   * compare may throw, and nothing the words point at has changed.
   */
  #heapSlot(off: number, count: number): number {
    let heap = this.#heap as Int32Array;
    if (count + 1 > heap.length) {
      const index = this.#index as Growable;
      const grown = Math.min(maxOf(index), Math.max(index.byteLength * 2, (count + 1) * 4));
      index.grow(grown);
      this.#set(ICAP, grown);
      this.#fresh();
      heap = this.#heap as Int32Array;
    }
    let i = count;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#before(off, heap[p] as number)) break;
      i = p;
    }
    return i;
  }

  /** Adds the record at `off` as heap entry `count`, at the place #heapSlot found: moves only. */
  #heapInsert(off: number, count: number, i: number): void {
    const heap = this.#heap as Int32Array;
    let j = count;
    while (j > i) {
      const p = (j - 1) >> 1;
      heap[j] = heap[p] as number;
      j = p;
    }
    heap[i] = off;
  }

  /** Removes heap entry 0 of `count`: finds where the last entry goes, then moves (never throws). */
  #heapPop(count: number): void {
    const heap = this.#heap as Int32Array;
    const n = count - 1;
    if (n === 0) return;
    const last = heap[n] as number;
    const path = this.#path;
    let depth = 0;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      if (l + 1 < n && this.#beforeLeft(heap[l + 1] as number, heap[l] as number)) c = l + 1;
      if (!this.#beforeLeft(heap[c] as number, last)) break;
      path[depth++] = c;
      i = c;
    }
    let at = 0;
    for (let k = 0; k < depth; k++) {
      const c = path[k] as number;
      heap[at] = heap[c] as number;
      at = c;
    }
    heap[at] = last;
  }
}
