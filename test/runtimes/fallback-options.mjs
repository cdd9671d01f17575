/*
 * The options measured for weft's async-wait fallback (engines without Atomics.waitAsync: Firefox
 * before 145, Safari before 16.4), and the measurement itself. Runtime-agnostic: run on Node by
 * fallback-bench.mjs and in Firefox by test/browser/fallback-bench.mjs. Each option has the
 * signature of Atomics.waitAsync: (i32, index, value, ms) -> { async, value }.
 *
 *   native   the engine's Atomics.waitAsync (the reference)
 *   poll     re-read the word on timers, backing off 0 -> 4 ms by 0.25 ms (weft's first fallback)
 *   helper   a pool of helper workers: one blocks in Atomics.wait(i32, index, value, ms) on the
 *            waiter's behalf and posts back when it returns
 *   channel  re-read the word on MessageChannel turns (never clamped) for 1 ms, then as poll
 */

const now = () => performance.now();

export const options = {
  native: (i32, index, value, ms) => Atomics.waitAsync(i32, index, value, ms),

  poll(i32, index, value, ms) {
    if (Atomics.load(i32, index) !== value) return { async: false, value: 'not-equal' };
    const end = now() + ms;
    return {
      async: true,
      value: new Promise((resolve) => {
        let delay = 0;
        const poll = () => {
          if (Atomics.load(i32, index) !== value) resolve('ok');
          else if (end - now() <= 0) resolve('timed-out');
          else {
            delay = Math.min(4, delay + 0.25);
            setTimeout(poll, Math.min(delay, end - now()));
          }
        };
        setTimeout(poll, 0);
      }),
    };
  },

  channel(i32, index, value, ms) {
    if (Atomics.load(i32, index) !== value) return { async: false, value: 'not-equal' };
    const start = now();
    const end = start + ms;
    return {
      async: true,
      value: new Promise((resolve) => {
        const { port1, port2 } = new MessageChannel();
        let delay = 0;
        const poll = () => {
          if (Atomics.load(i32, index) !== value) return done('ok');
          if (end - now() <= 0) return done('timed-out');
          if (now() - start < 1) return port2.postMessage(0);
          delay = Math.min(4, delay + 0.25);
          setTimeout(poll, Math.min(delay, end - now()));
        };
        const done = (r) => {
          port1.close();
          resolve(r);
        };
        port1.onmessage = poll;
        port2.postMessage(0);
      }),
    };
  },

  helper: helperOption(),
};

/** Code of a helper worker: waits on the word it is sent, posts back the outcome. */
const HELPER_CODE = `
const wt = globalThis.process?.getBuiltinModule?.('node:worker_threads');
const port = wt && !wt.isMainThread ? wt.parentPort : globalThis;
const on = (f) => (port.on ? port.on('message', f) : port.addEventListener('message', (e) => f(e.data)));
on(({ i32, index, value, ms }) => port.postMessage(Atomics.wait(i32, index, value, ms)));
`;

function makeWorker() {
  const wt = globalThis.process?.getBuiltinModule?.('node:worker_threads');
  if (wt !== undefined) {
    const w = new wt.Worker(HELPER_CODE, { eval: true });
    w.unref();
    return { post: (m) => w.postMessage(m), onMessage: (f) => w.on('message', f) };
  }
  const url = URL.createObjectURL(new Blob([HELPER_CODE], { type: 'text/javascript' }));
  const w = new Worker(url);
  return { post: (m) => w.postMessage(m), onMessage: (f) => w.addEventListener('message', (e) => f(e.data)) };
}

function helperOption() {
  const idle = [];
  return (i32, index, value, ms) => {
    if (Atomics.load(i32, index) !== value) return { async: false, value: 'not-equal' };
    let h = idle.pop();
    if (h === undefined) {
      const w = makeWorker();
      h = { w, resolve: undefined };
      const mine = h;
      w.onMessage((r) => {
        const resolve = mine.resolve;
        mine.resolve = undefined;
        idle.push(mine);
        resolve(r);
      });
    }
    const mine = h;
    return {
      async: true,
      value: new Promise((resolve) => {
        mine.resolve = resolve;
        mine.w.post({ i32, index, value, ms: Number.isFinite(ms) ? ms : Number.POSITIVE_INFINITY });
      }),
    };
  };
}

/**
 * Measures an option: latency from the partner's store+notify to the async waiter resuming, for a
 * partner that answers after `delays` ms, and the wait's CPU while idle (the host measures CPU
 * around `idle()`). `partner` is a started worker running fallback-partner.mjs with `shared`.
 */
export function bench(shared) {
  const ctl = new Int32Array(shared, 0, 4); // [0] go counter, [1] delay µs, [2] flag
  const stamp = new Float64Array(shared, 16, 1); // epoch ms of the partner's store
  return {
    async latency(wait, delayMs, rounds) {
      const samples = [];
      for (let i = 0; i < rounds; i++) {
        Atomics.store(ctl, 2, 0);
        Atomics.store(ctl, 1, Math.round(delayMs * 1000));
        const w = wait(ctl, 2, 0, 10_000);
        Atomics.add(ctl, 0, 1);
        Atomics.notify(ctl, 0);
        const r = w.async ? await w.value : w.value;
        const t = performance.timeOrigin + performance.now();
        if (r !== 'timed-out') samples.push(t - stamp[0]);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      samples.sort((a, b) => a - b);
      const q = (p) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
      return { median: q(0.5), p90: q(0.9), n: samples.length };
    },
    /** An idle wait of `ms` that times out (nobody sets the word). */
    async idle(wait, ms) {
      const word = new Int32Array(new SharedArrayBuffer(4));
      const w = wait(word, 0, 0, ms);
      return w.async ? w.value : w.value;
    },
  };
}
