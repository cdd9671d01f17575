/*
 * The flags of the Event scenarios (scenarios/event.ts), as each competitor writes them: weft's
 * Event; raw Atomics, plain (store + notify; wait while 0) and smart (notify only when a sleeper
 * registered; spin first, see raw.ts); npm multithreading's Mutex + Condvar around a flag word; V8's
 * Atomics.Mutex + Atomics.Condition around one.
 */

import { Event } from 'weft-threading';
import { type MtGuard, mt, mtBuffers, type V8Condition, type V8Mutex, v8 } from '../peers.js';
import * as raw from '../raw.js';
import type { Adapter } from '../scenario.js';
import { RAW_SPIN } from './lock.js';

/** One flag, as each competitor writes it. */
export interface Flag {
  set(): void;
  /** Waits until the flag is set, then clears it: one side of a round trip. */
  take(): void;
  /** Waits until the flag is set. */
  wait(): void;
  isSet(): boolean;
  clear(): void;
}

/** The same flag for a thread that must not block (the main thread in the async scenarios). */
export interface AsyncFlag {
  /** May return a Promise (npm multithreading takes its lock asynchronously). */
  set(): undefined | Promise<void>;
  takeAsync(): Promise<void>;
}

export interface Pair<F> {
  ping: F;
  pong: F;
}

export interface Side {
  make(): unknown;
  flags(shared: unknown): Pair<Flag>;
  asyncFlags?(shared: unknown): Pair<AsyncFlag>;
}

/* The competitors ----------------------------------------------------------------------------- */

const weftFlag = (e: Event): Flag & AsyncFlag => ({
  set: () => void e.set(),
  take() {
    e.wait();
    e.clear();
  },
  wait: () => void e.wait(),
  isSet: () => e.isSet(),
  clear: () => e.clear(),
  async takeAsync() {
    await e.waitAsync();
    e.clear();
  },
});

/** Raw flags in one Int32Array: word 0 PING, word 1 PONG; plain (store + notify) or smart. */
function rawFlag(f: Int32Array, i: number, smart: boolean): Flag & AsyncFlag {
  if (!smart) {
    return {
      set: () => void raw.plainSet(f, i),
      take() {
        raw.plainWait(f, i, 0);
        raw.plainClear(f, i);
      },
      wait: () => raw.plainWait(f, i, 0),
      isSet: () => raw.isSet(f, i),
      clear: () => raw.plainClear(f, i),
      async takeAsync() {
        await raw.plainWaitAsync(f, i);
        raw.plainClear(f, i);
      },
    };
  }
  return {
    set: () => void raw.smartSet(f, i),
    take() {
      raw.smartWait(f, i, RAW_SPIN);
      raw.smartClear(f, i);
    },
    wait: () => raw.smartWait(f, i, RAW_SPIN),
    isSet: () => raw.isSet(f, i),
    clear: () => raw.smartClear(f, i),
    async takeAsync() {
      await raw.smartWaitAsync(f, i);
      raw.smartClear(f, i);
    },
  };
}

const weftSide: Side = {
  make: () => ({ ping: new Event(), pong: new Event() }),
  flags(s) {
    const { ping, pong } = s as Pair<Event>;
    return { ping: weftFlag(Event.from(ping)), pong: weftFlag(Event.from(pong)) };
  },
  asyncFlags: (s) => weftSide.flags(s) as Pair<Flag & AsyncFlag>,
};

const rawSide = (smart: boolean): Side => ({
  make: () => new Int32Array(new SharedArrayBuffer(8)),
  flags: (s) => ({ ping: rawFlag(s as Int32Array, 0, smart), pong: rawFlag(s as Int32Array, 1, smart) }),
  asyncFlags: (s) => ({ ping: rawFlag(s as Int32Array, 0, smart), pong: rawFlag(s as Int32Array, 1, smart) }),
});

/** npm multithreading has no event: a flag word under its Mutex, with a Condvar per flag. */
interface MtState {
  flags: Int32Array;
  mutex: SharedArrayBuffer;
  cv: [SharedArrayBuffer, SharedArrayBuffer];
}
function mtFlag(st: MtState, i: 0 | 1): Flag & { setAsync(): Promise<void>; takeAsync(): Promise<void> } {
  const { Mutex, Condvar } = mt();
  const f = st.flags;
  const mutex = new Mutex(f, st.mutex);
  const cv = new Condvar(st.cv[i]);
  let g: MtGuard;
  return {
    set() {
      g = mutex.blockingLock();
      f[i] = 1;
      cv.notifyOne();
      g.dispose();
      return undefined;
    },
    take() {
      g = mutex.blockingLock();
      while (f[i] === 0) cv.blockingWait(g);
      f[i] = 0;
      g.dispose();
    },
    wait() {
      g = mutex.blockingLock();
      while (f[i] === 0) cv.blockingWait(g);
      g.dispose();
    },
    isSet: () => Atomics.load(f, i) === 1,
    clear() {
      g = mutex.blockingLock();
      f[i] = 0;
      g.dispose();
    },
    async setAsync() {
      g = await mutex.lock();
      f[i] = 1;
      cv.notifyOne();
      g.dispose();
    },
    async takeAsync() {
      g = await mutex.lock();
      while (f[i] === 0) await cv.wait(g);
      f[i] = 0;
      g.dispose();
    },
  };
}
const mtSide: Side = {
  make: (): MtState => ({
    flags: new Int32Array(new SharedArrayBuffer(8)),
    mutex: mtBuffers.mutex(),
    cv: [mtBuffers.condvar(), mtBuffers.condvar()],
  }),
  flags: (s) => ({ ping: mtFlag(s as MtState, 0), pong: mtFlag(s as MtState, 1) }),
  asyncFlags(s) {
    // Its async lock on the main thread's side, as its own examples do.
    const [ping, pong] = [mtFlag(s as MtState, 0), mtFlag(s as MtState, 1)];
    return {
      ping: { set: ping.setAsync, takeAsync: ping.takeAsync },
      pong: { set: pong.setAsync, takeAsync: pong.takeAsync },
    };
  },
};

/** V8's Atomics.Mutex + Atomics.Condition per flag (its Mutex takes a callback). */
interface V8State {
  flags: Int32Array;
  m: V8Mutex;
  c: [V8Condition, V8Condition];
}
function v8Flag(st: V8State, i: 0 | 1): Flag {
  const V = v8();
  const { flags: f, m: mu } = st;
  const c = st.c[i];
  const set = (): void => {
    f[i] = 1;
    V.Condition.notify(c, 1);
  };
  const take = (): void => {
    while (f[i] === 0) V.Condition.wait(c, mu);
    f[i] = 0;
  };
  const wait = (): void => {
    while (f[i] === 0) V.Condition.wait(c, mu);
  };
  const clear = (): void => {
    f[i] = 0;
  };
  return {
    set: () => V.Mutex.lock(mu, set),
    take: () => V.Mutex.lock(mu, take),
    wait: () => V.Mutex.lock(mu, wait),
    isSet: () => Atomics.load(f, i) === 1,
    clear: () => V.Mutex.lock(mu, clear),
  };
}
const v8Side: Side = {
  make: (): V8State => {
    const V = v8();
    return {
      flags: new Int32Array(new SharedArrayBuffer(8)),
      m: new V.Mutex(),
      c: [new V.Condition(), new V.Condition()],
    };
  },
  flags: (s) => ({ ping: v8Flag(s as V8State, 0), pong: v8Flag(s as V8State, 1) }),
};

const SIDES = {
  weft: weftSide,
  'weft-nospin': weftSide,
  raw: rawSide(false),
  'raw-spin': rawSide(true),
  multithreading: mtSide,
  'v8-mutex': v8Side,
};

export type Named = keyof typeof SIDES;
export const ALL = Object.keys(SIDES) as Named[];
export const ASYNC: Named[] = ['weft', 'weft-nospin', 'raw', 'raw-spin', 'multithreading'];

/** The adapters of the `names` in SIDES for a loop over `T`, which `open` makes from a side. */
export function adapters<T>(
  open: (side: Side, shared: unknown) => T,
  names: readonly Named[] = ALL,
): Record<string, Adapter<T>> {
  const out: Record<string, Adapter<T>> = {};
  for (const c of names) {
    const side = SIDES[c];
    out[c] = { make: () => side.make(), open: (s) => open(side, s) };
  }
  return out;
}

export const bothFlags = (side: Side, s: unknown): { sync: Pair<Flag>; async: Pair<AsyncFlag> } => {
  if (side.asyncFlags === undefined) throw new Error('no async flags');
  return { sync: side.flags(s), async: side.asyncFlags(s) };
};
