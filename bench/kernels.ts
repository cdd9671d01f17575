/*
 * The scenarios that run on threads, one kernel per competitor.
 *
 * A scenario kind (KINDS below) says how many threads a sample needs, whether role 0 runs on the
 * host's main thread (the async scenarios), and how the parts the threads report become metrics.
 * Each competitor then has an Impl: `setup` runs on the host's main thread and makes the shared state
 * (it crosses to the workers by postMessage), and `run` is what one thread does in its role.
 * Role 0 is the timekeeper (see Meter). A competitor that cannot run a kind has a string instead of
 * an Impl: the reason, shown in the tables as "n/a".
 *
 * Every kernel's loop is written out for its competitor, rather than passed in as a callback, so that
 * each loop's call sites see one type only and the JIT can inline them, as in user code. Loops check
 * the clock only every few operations when operations are short.
 *
 * Python's kernels are in bench/python_bench.py (same scenarios, same roles); V8's Atomics.Mutex
 * kernels are here, but run only in the --harmony-struct child host (see host.ts).
 */

import { Barrier, Condition, configure, DEFAULT_SPIN, Event, Lock, RLock, Semaphore } from 'weft-threading';
import {
  arrive,
  arriveAsync,
  busy,
  type Competitor,
  cpuBetween,
  type Metrics,
  now,
  type Params,
  type Part,
  PHASE,
  STOP,
  threadCpuNs,
} from './common.js';
import {
  loadMultithreading,
  type MtGuard,
  type MtModule,
  mtBuffers,
  type V8Condition,
  type V8Mutex,
  type V8Sync,
  v8Sync,
} from './peers.js';
import * as raw from './raw.js';

/* Loading ---------------------------------------------------------------------------------------- */

let MT: MtModule | undefined;
let mtError = '';

/** Loads what kernels need before any runs (multithreading's classes). */
export async function prepare(): Promise<void> {
  try {
    MT = await loadMultithreading();
  } catch (e) {
    mtError = String((e as Error).message);
  }
}

function mt(): MtModule {
  if (MT === undefined) throw new Error(`multithreading could not be loaded: ${mtError}`);
  return MT;
}

function v8(): V8Sync {
  const s = v8Sync();
  if (s === undefined)
    throw new Error('Atomics.Mutex is missing: this process was not started with --harmony-struct');
  return s;
}

const RAW_SPIN = 1000;

/* Timekeeping ------------------------------------------------------------------------------------ */

/**
 * Timekeeping of one thread in a sample. Role 0 (the leader) runs a warm-up of p.warmupMs, then
 * sets PHASE and measures for p.durationMs, then sets STOP. The other roles (followers) start
 * measuring when they see PHASE and stop when they see STOP. tick(n) is called with the operations
 * done so far and returns true when the thread must stop.
 */
export class Meter {
  readonly #ctl: Int32Array;
  readonly #leader: boolean;
  readonly #p: Params;
  #warmEnd = 0;
  #end = 0;
  measuring = false;
  n0 = 0;
  n1 = 0;
  t0 = 0;
  t1 = 0;
  c0: number | undefined;
  c1: number | undefined;

  constructor(ctl: Int32Array, p: Params, leader: boolean) {
    this.#ctl = ctl;
    this.#p = p;
    this.#leader = leader;
  }

  /** Starts the warm-up (call right after arrive()). */
  start(): void {
    this.#warmEnd = now() + this.#p.warmupMs;
  }

  tick(n: number): boolean {
    if (this.#leader) {
      const t = now();
      if (!this.measuring) {
        if (t >= this.#warmEnd) {
          this.begin(n, t);
          this.#end = t + this.#p.durationMs;
          Atomics.store(this.#ctl, PHASE, 1);
        }
        return false;
      }
      if (t < this.#end) return false;
      this.finish(n, t);
      Atomics.store(this.#ctl, STOP, 1);
      return true;
    }
    if (!this.measuring && Atomics.load(this.#ctl, PHASE) !== 0) this.begin(n, now());
    if (Atomics.load(this.#ctl, STOP) === 0) return false;
    if (!this.measuring) this.begin(n, now());
    this.finish(n, now());
    return true;
  }

  /** For a leader that stops by other means (the barrier): true once the duration has passed. */
  timeUp(n: number): boolean {
    const t = now();
    if (!this.measuring) {
      if (t >= this.#warmEnd) {
        this.begin(n, t);
        this.#end = t + this.#p.durationMs;
        Atomics.store(this.#ctl, PHASE, 1);
      }
      return false;
    }
    return t >= this.#end;
  }

  begin(n: number, t: number): void {
    this.measuring = true;
    this.n0 = n;
    this.t0 = t;
    this.c0 = threadCpuNs();
  }

  finish(n: number, t: number): void {
    this.n1 = n;
    this.t1 = t;
    this.c1 = threadCpuNs();
  }

  part(extra?: Record<string, number>): Part {
    const p: Part = { ops: this.n1 - this.n0, ms: this.t1 - this.t0, cpuNs: cpuBetween(this.c0, this.c1) };
    if (extra !== undefined) p.extra = extra;
    return p;
  }
}

/* Definitions ------------------------------------------------------------------------------------ */

/** What setup makes: state shared by all roles, and per-role values (MessagePorts, transferred). */
export interface Setup {
  shared: unknown;
  roles?: Record<number, unknown>;
}

export interface Impl {
  setup(p: Params): Setup;
  run(role: number, shared: unknown, p: Params, ctl: Int32Array, mine: unknown): Part | Promise<Part>;
}

export interface KindDef {
  /** Number of roles (threads) in a sample. */
  roles(p: Params): number;
  /** Role 0 runs on the host's main thread (async scenarios); the others in workers. */
  mainLeads?: boolean;
  combine(parts: Part[], p: Params, shared: unknown): Metrics;
  impls: Partial<Record<Competitor, Impl | string>>;
}

const NOT_SHARED = 'message passing is not a shared primitive: only round trips compare';
const NO_ASYNC_PY = 'Python threading has no awaitable wait on another thread';
const NO_ASYNC_V8 = 'V8 11.3 (Node 20) has no Atomics.Mutex.lockAsync / Condition.waitAsync';
const SAME_AS_WEFT = 'no wait on this path: same code as weft';
const SAME_AS_RAW = 'no wait on this path: same code as raw Atomics';

function role0(parts: Part[]): Part {
  const p = parts[0];
  if (p === undefined) throw new Error('no part from role 0');
  return p;
}

/* Ping-pong ---------------------------------------------------------------------------------------
 * Role 0 (A): set PING, wait for PONG, clear PONG: one round trip. Role 1 (B): wait for PING, clear
 * it, take delayUs "to answer" (busy), set PONG. A stops by setting STOP and PING once more. */

function pingMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  const b = parts[1];
  const m: Metrics = { us: (a.ms * 1000) / a.ops };
  if (a.cpuNs !== undefined && b?.cpuNs !== undefined) {
    m.cpuUs = (a.cpuNs + b.cpuNs) / 1000 / a.ops;
    m.waiterCpuUs = a.cpuNs / 1000 / a.ops;
  }
  return m;
}

const maskOf = (p: Params): number => ((p.delayUs ?? 0) > 0 ? 0 : 15);

interface WeftPing {
  ping: Event;
  pong: Event;
}
function weftPing(spin: number): Impl {
  return {
    setup: () => ({ shared: { ping: new Event(), pong: new Event() } }),
    run(role, s, p, ctl) {
      const before = configure({ spin });
      try {
        const ping = Event.from((s as WeftPing).ping);
        const pong = Event.from((s as WeftPing).pong);
        const m = new Meter(ctl, p, role === 0);
        const delay = p.delayUs ?? 0;
        arrive(ctl, 2);
        m.start();
        let n = 0;
        if (role === 0) {
          const mask = maskOf(p);
          for (;;) {
            ping.set();
            pong.wait();
            pong.clear();
            if ((++n & mask) === 0 && m.tick(n)) break;
          }
          ping.set();
        } else {
          for (;;) {
            ping.wait();
            ping.clear();
            if (m.tick(++n)) break;
            busy(delay);
            pong.set();
          }
        }
        return m.part();
      } finally {
        configure(before);
      }
    },
  };
}

const rawFlags = (): Setup => ({ shared: new Int32Array(new SharedArrayBuffer(8)) });
const PING = 0;
const PONG = 1;

const rawPing: Impl = {
  setup: rawFlags,
  run(role, s, p, ctl) {
    const f = s as Int32Array;
    const m = new Meter(ctl, p, role === 0);
    const delay = p.delayUs ?? 0;
    arrive(ctl, 2);
    m.start();
    let n = 0;
    if (role === 0) {
      const mask = maskOf(p);
      for (;;) {
        raw.plainSet(f, PING);
        raw.plainWait(f, PONG, 0);
        raw.plainClear(f, PONG);
        if ((++n & mask) === 0 && m.tick(n)) break;
      }
      raw.plainSet(f, PING);
    } else {
      for (;;) {
        raw.plainWait(f, PING, 0);
        raw.plainClear(f, PING);
        if (m.tick(++n)) break;
        busy(delay);
        raw.plainSet(f, PONG);
      }
    }
    return m.part();
  },
};

const rawSpinPing: Impl = {
  setup: rawFlags,
  run(role, s, p, ctl) {
    const f = s as Int32Array;
    const m = new Meter(ctl, p, role === 0);
    const delay = p.delayUs ?? 0;
    arrive(ctl, 2);
    m.start();
    let n = 0;
    if (role === 0) {
      const mask = maskOf(p);
      for (;;) {
        raw.smartSet(f, PING);
        raw.smartWait(f, PONG, RAW_SPIN);
        raw.smartClear(f, PONG);
        if ((++n & mask) === 0 && m.tick(n)) break;
      }
      raw.smartSet(f, PING);
    } else {
      for (;;) {
        raw.smartWait(f, PING, RAW_SPIN);
        raw.smartClear(f, PING);
        if (m.tick(++n)) break;
        busy(delay);
        raw.smartSet(f, PONG);
      }
    }
    return m.part();
  },
};

/** A MessageChannel whose ends go to roles 0 and 1. */
const channel = (): Setup => {
  const { port1, port2 } = new MessageChannel();
  return { shared: null, roles: { 0: port1, 1: port2 } };
};

/** Role 1 of a postMessage ping-pong: answers every message after delayUs, until a -1. */
function postAnswerer(port: MessagePort, p: Params, ctl: Int32Array, threads: number, block: boolean) {
  const m = new Meter(ctl, p, false);
  const delay = p.delayUs ?? 0;
  return new Promise<Part>((resolve) => {
    let n = 0;
    port.onmessage = (e: MessageEvent<number>) => {
      if (e.data < 0) {
        m.tick(++n);
        port.onmessage = null;
        port.close();
        resolve(m.part());
        return;
      }
      m.tick(++n);
      busy(delay);
      port.postMessage(n);
    };
    const go = (): void => {
      m.start();
    };
    if (block) {
      arrive(ctl, threads);
      go();
    } else void arriveAsync(ctl, threads).then(go);
  });
}

/** Role 0 of a postMessage ping-pong: posts, and posts again on every answer, until time is up. */
async function postAsker(port: MessagePort, p: Params, ctl: Int32Array, threads: number, block: boolean) {
  const m = new Meter(ctl, p, true);
  if (block) arrive(ctl, threads);
  else await arriveAsync(ctl, threads);
  m.start();
  return new Promise<Part>((resolve) => {
    let n = 0;
    port.onmessage = () => {
      if (m.tick(++n)) {
        port.postMessage(-1);
        port.onmessage = null;
        port.close();
        resolve(m.part());
        return;
      }
      port.postMessage(n);
    };
    port.postMessage(0);
  });
}

const postPing: Impl = {
  setup: channel,
  run(role, _s, p, ctl, mine) {
    const port = mine as MessagePort;
    return role === 0 ? postAsker(port, p, ctl, 2, true) : postAnswerer(port, p, ctl, 2, true);
  },
};

interface MtPing {
  flags: Int32Array;
  mutex: SharedArrayBuffer;
  cPing: SharedArrayBuffer;
  cPong: SharedArrayBuffer;
}
const mtPingSetup = (): Setup => ({
  shared: {
    flags: new Int32Array(new SharedArrayBuffer(8)),
    mutex: mtBuffers.mutex(),
    cPing: mtBuffers.condvar(),
    cPong: mtBuffers.condvar(),
  } satisfies MtPing,
});

const mtPing: Impl = {
  setup: mtPingSetup,
  run(role, s, p, ctl) {
    const { Mutex, Condvar } = mt();
    const st = s as MtPing;
    const f = st.flags;
    const mutex = new Mutex(f, st.mutex);
    const cPing = new Condvar(st.cPing);
    const cPong = new Condvar(st.cPong);
    const m = new Meter(ctl, p, role === 0);
    const delay = p.delayUs ?? 0;
    arrive(ctl, 2);
    m.start();
    let n = 0;
    let g: MtGuard;
    if (role === 0) {
      const mask = maskOf(p);
      for (;;) {
        g = mutex.blockingLock();
        f[PING] = 1;
        cPing.notifyOne();
        g.dispose();
        g = mutex.blockingLock();
        while (f[PONG] === 0) cPong.blockingWait(g);
        f[PONG] = 0;
        g.dispose();
        if ((++n & mask) === 0 && m.tick(n)) break;
      }
      g = mutex.blockingLock();
      f[PING] = 1;
      cPing.notifyOne();
      g.dispose();
    } else {
      for (;;) {
        g = mutex.blockingLock();
        while (f[PING] === 0) cPing.blockingWait(g);
        f[PING] = 0;
        g.dispose();
        if (m.tick(++n)) break;
        busy(delay);
        g = mutex.blockingLock();
        f[PONG] = 1;
        cPong.notifyOne();
        g.dispose();
      }
    }
    return m.part();
  },
};

interface V8Ping {
  flags: Int32Array;
  m: V8Mutex;
  cPing: V8Condition;
  cPong: V8Condition;
}
const v8Ping: Impl = {
  setup() {
    const V = v8();
    const shared: V8Ping = {
      flags: new Int32Array(new SharedArrayBuffer(8)),
      m: new V.Mutex(),
      cPing: new V.Condition(),
      cPong: new V.Condition(),
    };
    return { shared };
  },
  run(role, s, p, ctl) {
    const V = v8();
    const { flags: f, m: mu, cPing, cPong } = s as V8Ping;
    const setPing = (): void => {
      f[PING] = 1;
      V.Condition.notify(cPing, 1);
    };
    const setPong = (): void => {
      f[PONG] = 1;
      V.Condition.notify(cPong, 1);
    };
    const waitPing = (): void => {
      while (f[PING] === 0) V.Condition.wait(cPing, mu);
      f[PING] = 0;
    };
    const waitPong = (): void => {
      while (f[PONG] === 0) V.Condition.wait(cPong, mu);
      f[PONG] = 0;
    };
    const m = new Meter(ctl, p, role === 0);
    const delay = p.delayUs ?? 0;
    arrive(ctl, 2);
    m.start();
    let n = 0;
    if (role === 0) {
      const mask = maskOf(p);
      for (;;) {
        V.Mutex.lock(mu, setPing);
        V.Mutex.lock(mu, waitPong);
        if ((++n & mask) === 0 && m.tick(n)) break;
      }
      V.Mutex.lock(mu, setPing);
    } else {
      for (;;) {
        V.Mutex.lock(mu, waitPing);
        if (m.tick(++n)) break;
        busy(delay);
        V.Mutex.lock(mu, setPong);
      }
    }
    return m.part();
  },
};

/* Async ping-pong: role 0 on the host's main thread waits with a Promise; role 1 in a worker blocks. */

function weftAsync(spin: number): Impl {
  return {
    setup: () => ({ shared: { ping: new Event(), pong: new Event() } }),
    async run(role, s, p, ctl) {
      const ping = Event.from((s as WeftPing).ping);
      const pong = Event.from((s as WeftPing).pong);
      const m = new Meter(ctl, p, role === 0);
      let n = 0;
      if (role === 0) {
        await arriveAsync(ctl, 2);
        m.start();
        const mask = maskOf(p);
        for (;;) {
          ping.set();
          await pong.waitAsync();
          pong.clear();
          if ((++n & mask) === 0 && m.tick(n)) break;
        }
        ping.set();
        return m.part();
      }
      const before = configure({ spin });
      try {
        const delay = p.delayUs ?? 0;
        arrive(ctl, 2);
        m.start();
        for (;;) {
          ping.wait();
          ping.clear();
          if (m.tick(++n)) break;
          busy(delay);
          pong.set();
        }
        return m.part();
      } finally {
        configure(before);
      }
    },
  };
}

const rawAsync: Impl = {
  setup: rawFlags,
  async run(role, s, p, ctl) {
    const f = s as Int32Array;
    const m = new Meter(ctl, p, role === 0);
    let n = 0;
    if (role === 0) {
      await arriveAsync(ctl, 2);
      m.start();
      const mask = maskOf(p);
      for (;;) {
        raw.plainSet(f, PING);
        await raw.plainWaitAsync(f, PONG);
        raw.plainClear(f, PONG);
        if ((++n & mask) === 0 && m.tick(n)) break;
      }
      raw.plainSet(f, PING);
      return m.part();
    }
    const delay = p.delayUs ?? 0;
    arrive(ctl, 2);
    m.start();
    for (;;) {
      raw.plainWait(f, PING, 0);
      raw.plainClear(f, PING);
      if (m.tick(++n)) break;
      busy(delay);
      raw.plainSet(f, PONG);
    }
    return m.part();
  },
};

const rawSpinAsync: Impl = {
  setup: rawFlags,
  async run(role, s, p, ctl) {
    const f = s as Int32Array;
    const m = new Meter(ctl, p, role === 0);
    let n = 0;
    if (role === 0) {
      await arriveAsync(ctl, 2);
      m.start();
      const mask = maskOf(p);
      for (;;) {
        raw.smartSet(f, PING);
        await raw.smartWaitAsync(f, PONG);
        raw.smartClear(f, PONG);
        if ((++n & mask) === 0 && m.tick(n)) break;
      }
      raw.smartSet(f, PING);
      return m.part();
    }
    const delay = p.delayUs ?? 0;
    arrive(ctl, 2);
    m.start();
    for (;;) {
      raw.smartWait(f, PING, RAW_SPIN);
      raw.smartClear(f, PING);
      if (m.tick(++n)) break;
      busy(delay);
      raw.smartSet(f, PONG);
    }
    return m.part();
  },
};

const postAsync: Impl = {
  setup: channel,
  run(role, _s, p, ctl, mine) {
    const port = mine as MessagePort;
    return role === 0 ? postAsker(port, p, ctl, 2, false) : postAnswerer(port, p, ctl, 2, true);
  },
};

const mtAsync: Impl = {
  setup: mtPingSetup,
  async run(role, s, p, ctl) {
    if (role !== 0) return mtPing.run(role, s, p, ctl, undefined);
    const { Mutex, Condvar } = mt();
    const st = s as MtPing;
    const f = st.flags;
    const mutex = new Mutex(f, st.mutex);
    const cPing = new Condvar(st.cPing);
    const cPong = new Condvar(st.cPong);
    const m = new Meter(ctl, p, true);
    await arriveAsync(ctl, 2);
    m.start();
    const mask = maskOf(p);
    let n = 0;
    let g: MtGuard;
    for (;;) {
      g = await mutex.lock();
      f[PING] = 1;
      cPing.notifyOne();
      g.dispose();
      g = await mutex.lock();
      while (f[PONG] === 0) await cPong.wait(g);
      f[PONG] = 0;
      g.dispose();
      if ((++n & mask) === 0 && m.tick(n)) break;
    }
    g = await mutex.lock();
    f[PING] = 1;
    cPing.notifyOne();
    g.dispose();
    return m.part();
  },
};

/* Uncontended operations: one thread, batches of BATCH operations, ns per operation. */

const BATCH = 1024;

function opsMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  return { ns: (a.ms * 1e6) / a.ops };
}

/** Runs `batch` (which does BATCH operations) until the sample is over. */
function opsLoop(ctl: Int32Array, p: Params, batch: () => number): Part {
  const m = new Meter(ctl, p, true);
  arrive(ctl, 1);
  m.start();
  let n = 0;
  let sink = 0;
  for (;;) {
    sink += batch();
    n += BATCH;
    if (m.tick(n)) break;
  }
  return m.part({ sink });
}

const weftEventOps: Impl = {
  setup: () => ({ shared: new Event() }),
  run(_r, s, p, ctl) {
    const e = Event.from(s);
    return opsLoop(ctl, p, () => {
      let k = 0;
      for (let i = 0; i < BATCH; i++) {
        e.set();
        if (e.isSet()) k++;
        e.clear();
      }
      return k;
    });
  },
};

const rawEventOps: Impl = {
  setup: rawFlags,
  run(_r, s, p, ctl) {
    const f = s as Int32Array;
    return opsLoop(ctl, p, () => {
      let k = 0;
      for (let i = 0; i < BATCH; i++) {
        raw.plainSet(f, 0);
        if (raw.isSet(f, 0)) k++;
        raw.plainClear(f, 0);
      }
      return k;
    });
  },
};

const rawSpinEventOps: Impl = {
  setup: rawFlags,
  run(_r, s, p, ctl) {
    const f = s as Int32Array;
    return opsLoop(ctl, p, () => {
      let k = 0;
      for (let i = 0; i < BATCH; i++) {
        raw.smartSet(f, 0);
        if (raw.isSet(f, 0)) k++;
        raw.smartClear(f, 0);
      }
      return k;
    });
  },
};

const mtEventOps: Impl = {
  setup: mtPingSetup,
  run(_r, s, p, ctl) {
    const { Mutex, Condvar } = mt();
    const st = s as MtPing;
    const f = st.flags;
    const mutex = new Mutex(f, st.mutex);
    const cv = new Condvar(st.cPing);
    return opsLoop(ctl, p, () => {
      let k = 0;
      for (let i = 0; i < BATCH; i++) {
        let g = mutex.blockingLock();
        f[0] = 1;
        cv.notifyAll();
        g.dispose();
        if (Atomics.load(f, 0) === 1) k++;
        g = mutex.blockingLock();
        f[0] = 0;
        g.dispose();
      }
      return k;
    });
  },
};

const v8EventOps: Impl = {
  setup: v8Ping.setup,
  run(_r, s, p, ctl) {
    const V = v8();
    const { flags: f, m: mu, cPing: c } = s as V8Ping;
    const set = (): void => {
      f[0] = 1;
      V.Condition.notify(c);
    };
    const clear = (): void => {
      f[0] = 0;
    };
    return opsLoop(ctl, p, () => {
      let k = 0;
      for (let i = 0; i < BATCH; i++) {
        V.Mutex.lock(mu, set);
        if (Atomics.load(f, 0) === 1) k++;
        V.Mutex.lock(mu, clear);
      }
      return k;
    });
  },
};

const weftLockOps: Impl = {
  setup: () => ({ shared: new Lock() }),
  run(_r, s, p, ctl) {
    const lock = Lock.from(s);
    return opsLoop(ctl, p, () => {
      for (let i = 0; i < BATCH; i++) {
        lock.acquire();
        lock.release();
      }
      return 0;
    });
  },
};

const weftRLockOps: Impl = {
  setup: () => ({ shared: new RLock() }),
  run(_r, s, p, ctl) {
    const lock = RLock.from(s);
    return opsLoop(ctl, p, () => {
      for (let i = 0; i < BATCH; i++) {
        lock.acquire();
        lock.release();
      }
      return 0;
    });
  },
};

const rawLockOps: Impl = {
  setup: rawFlags,
  run(_r, s, p, ctl) {
    const f = s as Int32Array;
    return opsLoop(ctl, p, () => {
      for (let i = 0; i < BATCH; i++) {
        raw.lock(f, 0, 0);
        raw.unlock(f, 0);
      }
      return 0;
    });
  },
};

const mtLockOps: Impl = {
  setup: () => ({ shared: mtBuffers.mutex() }),
  run(_r, s, p, ctl) {
    const mutex = new (mt().Mutex)(undefined, s as SharedArrayBuffer);
    return opsLoop(ctl, p, () => {
      for (let i = 0; i < BATCH; i++) mutex.blockingLock().dispose();
      return 0;
    });
  },
};

const v8LockOps: Impl = {
  setup: () => ({ shared: new (v8().Mutex)() }),
  run(_r, s, p, ctl) {
    const V = v8();
    const mu = s as V8Mutex;
    let x = 0;
    const inside = (): void => {
      x++;
    };
    return opsLoop(ctl, p, () => {
      for (let i = 0; i < BATCH; i++) V.Mutex.lock(mu, inside);
      return x;
    });
  },
};

const weftSemOps: Impl = {
  setup: () => ({ shared: new Semaphore(1) }),
  run(_r, s, p, ctl) {
    const sem = Semaphore.from(s);
    return opsLoop(ctl, p, () => {
      for (let i = 0; i < BATCH; i++) {
        sem.acquire();
        sem.release();
      }
      return 0;
    });
  },
};

const rawSem = (permits: number): Setup => {
  const i32 = new Int32Array(new SharedArrayBuffer(8));
  i32[0] = permits;
  return { shared: i32 };
};

const rawSemOps: Impl = {
  setup: () => rawSem(1),
  run(_r, s, p, ctl) {
    const f = s as Int32Array;
    return opsLoop(ctl, p, () => {
      for (let i = 0; i < BATCH; i++) {
        raw.semAcquire(f, 0, 0);
        raw.semRelease(f, 0);
      }
      return 0;
    });
  },
};

const mtSemOps: Impl = {
  setup: () => ({ shared: mtBuffers.semaphore(1) }),
  run(_r, s, p, ctl) {
    const sem = new (mt().Semaphore)(0, s as SharedArrayBuffer);
    return opsLoop(ctl, p, () => {
      for (let i = 0; i < BATCH; i++) sem.blockingAcquire().dispose();
      return 0;
    });
  },
};

/* Contended Lock: `workers` threads increment one plain (non-atomic) counter under the lock. The
 * counter must equal the sum of every thread's increments. */

const LOCK_BATCH = 32;

interface Counted {
  counter: Int32Array;
}

function throughputMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  let ops = 0;
  for (const p of parts) ops += p.ops;
  return { mops: ops / a.ms / 1000 };
}

function checkCount(parts: Part[], counter: Int32Array): void {
  let total = 0;
  for (const p of parts) total += p.extra?.total ?? 0;
  if (counter[0] !== total) throw new Error(`lost updates: counter ${counter[0]}, increments ${total}`);
}

const counter = (): Int32Array => new Int32Array(new SharedArrayBuffer(64));

function weftContended(spin: number): Impl {
  return {
    setup: () => ({ shared: { lock: new Lock(), counter: counter() } }),
    run(role, s, p, ctl) {
      const before = configure({ spin });
      try {
        const st = s as Counted & { lock: Lock };
        const lock = Lock.from(st.lock);
        const c = st.counter;
        const m = new Meter(ctl, p, role === 0);
        arrive(ctl, p.workers ?? 2);
        m.start();
        let n = 0;
        for (;;) {
          for (let k = 0; k < LOCK_BATCH; k++) {
            lock.acquire();
            c[0] = (c[0] as number) + 1;
            lock.release();
          }
          n += LOCK_BATCH;
          if (m.tick(n)) break;
        }
        return m.part({ total: n });
      } finally {
        configure(before);
      }
    },
  };
}

function rawContended(spin: number): Impl {
  return {
    setup: () => ({ shared: { word: new Int32Array(new SharedArrayBuffer(4)), counter: counter() } }),
    run(role, s, p, ctl) {
      const st = s as Counted & { word: Int32Array };
      const w = st.word;
      const c = st.counter;
      const m = new Meter(ctl, p, role === 0);
      arrive(ctl, p.workers ?? 2);
      m.start();
      let n = 0;
      for (;;) {
        for (let k = 0; k < LOCK_BATCH; k++) {
          raw.lock(w, 0, spin);
          c[0] = (c[0] as number) + 1;
          raw.unlock(w, 0);
        }
        n += LOCK_BATCH;
        if (m.tick(n)) break;
      }
      return m.part({ total: n });
    },
  };
}

const mtContended: Impl = {
  setup: () => ({ shared: { mutex: mtBuffers.mutex(), counter: counter() } }),
  run(role, s, p, ctl) {
    const st = s as Counted & { mutex: SharedArrayBuffer };
    const mutex = new (mt().Mutex)(st.counter, st.mutex);
    const c = st.counter;
    const m = new Meter(ctl, p, role === 0);
    arrive(ctl, p.workers ?? 2);
    m.start();
    let n = 0;
    for (;;) {
      for (let k = 0; k < LOCK_BATCH; k++) {
        const g = mutex.blockingLock();
        c[0] = (c[0] as number) + 1;
        g.dispose();
      }
      n += LOCK_BATCH;
      if (m.tick(n)) break;
    }
    return m.part({ total: n });
  },
};

const v8Contended: Impl = {
  setup: () => ({ shared: { m: new (v8().Mutex)(), counter: counter() } }),
  run(role, s, p, ctl) {
    const V = v8();
    const st = s as Counted & { m: V8Mutex };
    const mu = st.m;
    const c = st.counter;
    const inc = (): void => {
      c[0] = (c[0] as number) + 1;
    };
    const m = new Meter(ctl, p, role === 0);
    arrive(ctl, p.workers ?? 2);
    m.start();
    let n = 0;
    for (;;) {
      for (let k = 0; k < LOCK_BATCH; k++) V.Mutex.lock(mu, inc);
      n += LOCK_BATCH;
      if (m.tick(n)) break;
    }
    return m.part({ total: n });
  },
};

/* Semaphore(permits) with `workers` threads: acquire, count how many are inside (never more than
 * permits), release. Handoffs per second. */

const INSIDE = 0;
const OVER = 1;

function semMetrics(parts: Part[], _p: Params, shared: unknown): Metrics {
  const c = (shared as { counter: Int32Array }).counter;
  if (c[OVER] !== 0) throw new Error(`semaphore over-granted ${c[OVER]} times`);
  return throughputMetrics(parts);
}

function inside(c: Int32Array, permits: number): void {
  if (Atomics.add(c, INSIDE, 1) >= permits) Atomics.add(c, OVER, 1);
  Atomics.sub(c, INSIDE, 1);
}

function weftSemaphore(spin: number): Impl {
  return {
    setup: (p) => ({ shared: { sem: new Semaphore(p.permits ?? 2), counter: counter() } }),
    run(role, s, p, ctl) {
      const before = configure({ spin });
      try {
        const st = s as Counted & { sem: Semaphore };
        const sem = Semaphore.from(st.sem);
        const c = st.counter;
        const permits = p.permits ?? 2;
        const m = new Meter(ctl, p, role === 0);
        arrive(ctl, p.workers ?? 4);
        m.start();
        let n = 0;
        for (;;) {
          for (let k = 0; k < LOCK_BATCH; k++) {
            sem.acquire();
            inside(c, permits);
            sem.release();
          }
          n += LOCK_BATCH;
          if (m.tick(n)) break;
        }
        return m.part();
      } finally {
        configure(before);
      }
    },
  };
}

function rawSemaphore(spin: number): Impl {
  return {
    setup: (p) => ({ shared: { sem: rawSem(p.permits ?? 2).shared, counter: counter() } }),
    run(role, s, p, ctl) {
      const st = s as Counted & { sem: Int32Array };
      const w = st.sem;
      const c = st.counter;
      const permits = p.permits ?? 2;
      const m = new Meter(ctl, p, role === 0);
      arrive(ctl, p.workers ?? 4);
      m.start();
      let n = 0;
      for (;;) {
        for (let k = 0; k < LOCK_BATCH; k++) {
          raw.semAcquire(w, 0, spin);
          inside(c, permits);
          raw.semRelease(w, 0);
        }
        n += LOCK_BATCH;
        if (m.tick(n)) break;
      }
      return m.part();
    },
  };
}

const mtSemaphore: Impl = {
  setup: (p) => ({ shared: { sem: mtBuffers.semaphore(p.permits ?? 2), counter: counter() } }),
  run(role, s, p, ctl) {
    const st = s as Counted & { sem: SharedArrayBuffer };
    const sem = new (mt().Semaphore)(0, st.sem);
    const c = st.counter;
    const permits = p.permits ?? 2;
    const m = new Meter(ctl, p, role === 0);
    arrive(ctl, p.workers ?? 4);
    m.start();
    let n = 0;
    for (;;) {
      for (let k = 0; k < LOCK_BATCH; k++) {
        const g = sem.blockingAcquire();
        inside(c, permits);
        g.dispose();
      }
      n += LOCK_BATCH;
      if (m.tick(n)) break;
    }
    return m.part();
  },
};

/* Barrier with `parties` threads: passes per second. Role 0 decides when to stop: before entering
 * pass k+1 it writes STOP = k+1, so that every party leaves right after that same pass. */

function barrierMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  const passes = new Set(parts.map((p) => p.extra?.passes));
  if (passes.size !== 1) throw new Error(`parties left after different passes: ${[...passes].join(', ')}`);
  return { kps: a.ops / a.ms };
}

/** The pass loop shared by every barrier kernel; `pass` is one wait at the barrier. */
function barrierLoop(role: number, p: Params, ctl: Int32Array, pass: () => void): Part {
  const m = new Meter(ctl, p, role === 0);
  arrive(ctl, p.parties ?? 2);
  m.start();
  let k = 0;
  let stopping = false;
  for (;;) {
    if (role === 0 && !stopping && m.timeUp(k)) {
      stopping = true;
      Atomics.store(ctl, STOP, k + 1);
    }
    pass();
    k++;
    if (role !== 0 && !m.measuring && Atomics.load(ctl, PHASE) !== 0) m.begin(k, now());
    if (Atomics.load(ctl, STOP) === k) break;
  }
  m.finish(k, now());
  return m.part({ passes: k });
}

const weftBarrier = (spin: number): Impl => ({
  setup: (p) => ({ shared: new Barrier(p.parties ?? 2) }),
  run(role, s, p, ctl) {
    const before = configure({ spin });
    try {
      const b = Barrier.from(s);
      return barrierLoop(role, p, ctl, () => {
        b.wait();
      });
    } finally {
      configure(before);
    }
  },
});

const rawBarrier = (spin: number): Impl => ({
  setup: () => ({ shared: new Int32Array(new SharedArrayBuffer(8)) }),
  run(role, s, p, ctl) {
    const w = s as Int32Array;
    const parties = p.parties ?? 2;
    return barrierLoop(role, p, ctl, () => raw.barrierWait(w, 0, parties, spin));
  },
});

const mtBarrier: Impl = {
  setup: (p) => ({ shared: mtBuffers.barrier(p.parties ?? 2) }),
  run(role, s, p, ctl) {
    const b = new (mt().Barrier)(undefined, s as SharedArrayBuffer);
    return barrierLoop(role, p, ctl, () => {
      b.blockingWait();
    });
  },
};

/* Condition: one producer (role 0), one consumer (role 1), a bounded ring of `capacity` items under
 * a lock with two conditions (notFull, notEmpty). Items are 1, 2, 3, ...; the consumer checks the
 * order; the producer ends with a 0. Items per second (in thousands). */

const HEAD = 0;
const TAIL = 1;
const SLOTS = 2;

const ring = (p: Params): Int32Array =>
  new Int32Array(new SharedArrayBuffer((SLOTS + (p.capacity ?? 16)) * 4));

function conditionMetrics(parts: Part[]): Metrics {
  const a = role0(parts);
  const b = parts[1];
  if (b?.extra?.bad !== 0) throw new Error(`consumer saw ${b?.extra?.bad} items out of order`);
  return { kps: a.ops / a.ms };
}

function weftCondition(spin: number): Impl {
  return {
    setup(p) {
      const lock = new Lock();
      return {
        shared: { notFull: new Condition(lock), notEmpty: new Condition(lock), ring: ring(p) },
      };
    },
    run(role, s, p, ctl) {
      const before = configure({ spin });
      try {
        const st = s as { notFull: Condition; notEmpty: Condition; ring: Int32Array };
        const notFull = Condition.from(st.notFull);
        const notEmpty = Condition.from(st.notEmpty);
        const r = st.ring;
        const cap = p.capacity ?? 16;
        const m = new Meter(ctl, p, role === 0);
        arrive(ctl, 2);
        m.start();
        let n = 0;
        if (role === 0) {
          for (;;) {
            const item = m.tick(n) ? 0 : n + 1;
            notFull.acquire();
            while ((r[TAIL] as number) - (r[HEAD] as number) === cap) notFull.wait();
            r[SLOTS + ((r[TAIL] as number) % cap)] = item;
            r[TAIL] = (r[TAIL] as number) + 1;
            notEmpty.notify();
            notFull.release();
            if (item === 0) break;
            n++;
          }
          return m.part();
        }
        let bad = 0;
        for (;;) {
          notEmpty.acquire();
          while (r[TAIL] === r[HEAD]) notEmpty.wait();
          const item = r[SLOTS + ((r[HEAD] as number) % cap)] as number;
          r[HEAD] = (r[HEAD] as number) + 1;
          notFull.notify();
          notEmpty.release();
          if (item === 0) break;
          if (item !== ++n) bad++;
        }
        return { ops: n, ms: 0, extra: { bad } };
      } finally {
        configure(before);
      }
    },
  };
}

const M = 0; // raw mutex word, in the `sync` array
const NOT_FULL = 1; // raw condvar sequence words
const NOT_EMPTY = 2;

function rawCondition(spin: number): Impl {
  return {
    setup: (p) => ({ shared: { sync: new Int32Array(new SharedArrayBuffer(12)), ring: ring(p) } }),
    run(role, s, p, ctl) {
      const { sync: y, ring: r } = s as { sync: Int32Array; ring: Int32Array };
      const cap = p.capacity ?? 16;
      const m = new Meter(ctl, p, role === 0);
      arrive(ctl, 2);
      m.start();
      let n = 0;
      if (role === 0) {
        for (;;) {
          const item = m.tick(n) ? 0 : n + 1;
          raw.lock(y, M, spin);
          while ((r[TAIL] as number) - (r[HEAD] as number) === cap) raw.condWait(y, NOT_FULL, M, spin);
          r[SLOTS + ((r[TAIL] as number) % cap)] = item;
          r[TAIL] = (r[TAIL] as number) + 1;
          raw.condNotify(y, NOT_EMPTY);
          raw.unlock(y, M);
          if (item === 0) break;
          n++;
        }
        return m.part();
      }
      let bad = 0;
      for (;;) {
        raw.lock(y, M, spin);
        while (r[TAIL] === r[HEAD]) raw.condWait(y, NOT_EMPTY, M, spin);
        const item = r[SLOTS + ((r[HEAD] as number) % cap)] as number;
        r[HEAD] = (r[HEAD] as number) + 1;
        raw.condNotify(y, NOT_FULL);
        raw.unlock(y, M);
        if (item === 0) break;
        if (item !== ++n) bad++;
      }
      return { ops: n, ms: 0, extra: { bad } };
    },
  };
}

const mtCondition: Impl = {
  setup: (p) => ({
    shared: {
      mutex: mtBuffers.mutex(),
      notFull: mtBuffers.condvar(),
      notEmpty: mtBuffers.condvar(),
      ring: ring(p),
    },
  }),
  run(role, s, p, ctl) {
    const { Mutex, Condvar } = mt();
    const st = s as {
      mutex: SharedArrayBuffer;
      notFull: SharedArrayBuffer;
      notEmpty: SharedArrayBuffer;
      ring: Int32Array;
    };
    const r = st.ring;
    const mutex = new Mutex(r, st.mutex);
    const notFull = new Condvar(st.notFull);
    const notEmpty = new Condvar(st.notEmpty);
    const cap = p.capacity ?? 16;
    const m = new Meter(ctl, p, role === 0);
    arrive(ctl, 2);
    m.start();
    let n = 0;
    if (role === 0) {
      for (;;) {
        const item = m.tick(n) ? 0 : n + 1;
        const g = mutex.blockingLock();
        while ((r[TAIL] as number) - (r[HEAD] as number) === cap) notFull.blockingWait(g);
        r[SLOTS + ((r[TAIL] as number) % cap)] = item;
        r[TAIL] = (r[TAIL] as number) + 1;
        notEmpty.notifyOne();
        g.dispose();
        if (item === 0) break;
        n++;
      }
      return m.part();
    }
    let bad = 0;
    for (;;) {
      const g = mutex.blockingLock();
      while (r[TAIL] === r[HEAD]) notEmpty.blockingWait(g);
      const item = r[SLOTS + ((r[HEAD] as number) % cap)] as number;
      r[HEAD] = (r[HEAD] as number) + 1;
      notFull.notifyOne();
      g.dispose();
      if (item === 0) break;
      if (item !== ++n) bad++;
    }
    return { ops: n, ms: 0, extra: { bad } };
  },
};

const v8Condition: Impl = {
  setup(p) {
    const V = v8();
    return {
      shared: { m: new V.Mutex(), notFull: new V.Condition(), notEmpty: new V.Condition(), ring: ring(p) },
    };
  },
  run(role, s, p, ctl) {
    const V = v8();
    const st = s as { m: V8Mutex; notFull: V8Condition; notEmpty: V8Condition; ring: Int32Array };
    const { m: mu, notFull, notEmpty, ring: r } = st;
    const cap = p.capacity ?? 16;
    let item = 0;
    const put = (): void => {
      while ((r[TAIL] as number) - (r[HEAD] as number) === cap) V.Condition.wait(notFull, mu);
      r[SLOTS + ((r[TAIL] as number) % cap)] = item;
      r[TAIL] = (r[TAIL] as number) + 1;
      V.Condition.notify(notEmpty, 1);
    };
    const take = (): void => {
      while (r[TAIL] === r[HEAD]) V.Condition.wait(notEmpty, mu);
      item = r[SLOTS + ((r[HEAD] as number) % cap)] as number;
      r[HEAD] = (r[HEAD] as number) + 1;
      V.Condition.notify(notFull, 1);
    };
    const m = new Meter(ctl, p, role === 0);
    arrive(ctl, 2);
    m.start();
    let n = 0;
    if (role === 0) {
      for (;;) {
        item = m.tick(n) ? 0 : n + 1;
        V.Mutex.lock(mu, put);
        if (item === 0) break;
        n++;
      }
      return m.part();
    }
    let bad = 0;
    for (;;) {
      V.Mutex.lock(mu, take);
      if (item === 0) break;
      if (item !== ++n) bad++;
    }
    return { ops: n, ms: 0, extra: { bad } };
  },
};

/* The kinds ------------------------------------------------------------------------------------- */

/** Marks a competitor run by bench/python_bench.py rather than by a kernel here. */
export const PY = '@python';

export const KINDS: Record<string, KindDef> = {
  pingpong: {
    roles: () => 2,
    combine: pingMetrics,
    impls: {
      weft: weftPing(DEFAULT_SPIN),
      'weft-nospin': weftPing(0),
      raw: rawPing,
      'raw-spin': rawSpinPing,
      postmessage: postPing,
      python: PY,
      multithreading: mtPing,
      'v8-mutex': v8Ping,
    },
  },
  async: {
    roles: () => 2,
    mainLeads: true,
    combine: pingMetrics,
    impls: {
      weft: weftAsync(DEFAULT_SPIN),
      'weft-nospin': weftAsync(0),
      raw: rawAsync,
      'raw-spin': rawSpinAsync,
      postmessage: postAsync,
      python: NO_ASYNC_PY,
      multithreading: mtAsync,
      'v8-mutex': NO_ASYNC_V8,
    },
  },
  'event-ops': {
    roles: () => 1,
    combine: opsMetrics,
    impls: {
      weft: weftEventOps,
      'weft-nospin': SAME_AS_WEFT,
      raw: rawEventOps,
      'raw-spin': rawSpinEventOps,
      postmessage: NOT_SHARED,
      python: PY,
      multithreading: mtEventOps,
      'v8-mutex': v8EventOps,
    },
  },
  'lock-ops': {
    roles: () => 1,
    combine: opsMetrics,
    impls: {
      weft: weftLockOps,
      'weft-nospin': SAME_AS_WEFT,
      raw: rawLockOps,
      'raw-spin': SAME_AS_RAW,
      postmessage: NOT_SHARED,
      python: PY,
      multithreading: mtLockOps,
      'v8-mutex': v8LockOps,
    },
  },
  'rlock-ops': {
    roles: () => 1,
    combine: opsMetrics,
    impls: {
      weft: weftRLockOps,
      'weft-nospin': SAME_AS_WEFT,
      raw: 'no hand-written re-entrant lock',
      'raw-spin': SAME_AS_RAW,
      postmessage: NOT_SHARED,
      python: PY,
      multithreading: 'no re-entrant lock',
      'v8-mutex': 'Atomics.Mutex is not re-entrant',
    },
  },
  'sem-ops': {
    roles: () => 1,
    combine: opsMetrics,
    impls: {
      weft: weftSemOps,
      'weft-nospin': SAME_AS_WEFT,
      raw: rawSemOps,
      'raw-spin': SAME_AS_RAW,
      postmessage: NOT_SHARED,
      python: PY,
      multithreading: mtSemOps,
      'v8-mutex': 'V8 has no semaphore',
    },
  },
  lock: {
    roles: (p) => p.workers ?? 2,
    combine(parts, _p, shared) {
      checkCount(parts, (shared as Counted).counter);
      return throughputMetrics(parts);
    },
    impls: {
      weft: weftContended(DEFAULT_SPIN),
      'weft-nospin': weftContended(0),
      raw: rawContended(0),
      'raw-spin': rawContended(RAW_SPIN),
      postmessage: NOT_SHARED,
      python: PY,
      multithreading: mtContended,
      'v8-mutex': v8Contended,
    },
  },
  semaphore: {
    roles: (p) => p.workers ?? 4,
    combine: semMetrics,
    impls: {
      weft: weftSemaphore(DEFAULT_SPIN),
      'weft-nospin': weftSemaphore(0),
      raw: rawSemaphore(0),
      'raw-spin': rawSemaphore(RAW_SPIN),
      postmessage: NOT_SHARED,
      python: PY,
      multithreading: mtSemaphore,
      'v8-mutex': 'V8 has no semaphore',
    },
  },
  barrier: {
    roles: (p) => p.parties ?? 2,
    combine: barrierMetrics,
    impls: {
      weft: weftBarrier(DEFAULT_SPIN),
      'weft-nospin': weftBarrier(0),
      raw: rawBarrier(0),
      'raw-spin': rawBarrier(RAW_SPIN),
      postmessage: NOT_SHARED,
      python: PY,
      multithreading: mtBarrier,
      'v8-mutex': 'V8 has no barrier',
    },
  },
  condition: {
    roles: () => 2,
    combine: conditionMetrics,
    impls: {
      weft: weftCondition(DEFAULT_SPIN),
      'weft-nospin': weftCondition(0),
      raw: rawCondition(0),
      'raw-spin': rawCondition(RAW_SPIN),
      postmessage: NOT_SHARED,
      python: PY,
      multithreading: mtCondition,
      'v8-mutex': v8Condition,
    },
  },
};
