/*
 * The wait layer, through the public API of every wait of Event, Semaphore, BoundedSemaphore and
 * Timer: timeouts (API.md "Timeouts"), AbortSignal, configure({ spin }), blocking on Node's main
 * thread, the fallbacks for engines without Atomics.waitAsync, and the keep-alive of pending
 * async waits (in child processes, since it is about when a process exits).
 *
 * Where blocking is not allowed the blocking forms throw CannotBlockError. Node offers no context in
 * which Atomics.wait throws (it is allowed on the main thread and in workers, and no V8 flag turns it
 * off), so that path is not simulated here; the browser suite (test/browser) runs it for real.
 */

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import {
  BoundedSemaphore,
  CannotBlockError,
  configure,
  DEFAULT_SPIN,
  Event,
  Semaphore,
  TimeoutError,
  Timer,
} from 'weft-threading';
import { delay, runInWorker, runNode, StepLog, until, watchdog } from './helpers.js';

/** One wait of one primitive, both forms, normalised to "did it get through". */
interface Subject {
  name: string;
  /** A new primitive, not available (a wait on it must wait). */
  make(): Waitable;
}
interface Waitable {
  /** The blocking form (undefined where only polls are allowed, as Timer.join). */
  block?: (timeout?: unknown) => boolean;
  /** The blocking form restricted to what it allows (Timer.join: polls and bad arguments). */
  blockPollOnly?: boolean;
  wait(timeout?: unknown, options?: unknown): Promise<boolean>;
  /** Makes it available (set, release, cancel). */
  open(): void;
  /** Observable state, which no failed, timed-out or aborted wait may change. */
  state(): unknown;
}

const semaphoreSubject = (name: string, make: () => Semaphore, hold: boolean): Subject => ({
  name,
  make() {
    const s = make();
    if (!hold) {
      return {
        block: (t) => s.acquire(t as number),
        wait: (t, o) => s.acquireAsync(t as number, o as never),
        open: () => s.release(),
        state: () => s.value,
      };
    }
    const untilTimeout = (f: () => { release(): void }): boolean => {
      try {
        f().release();
        return true;
      } catch (e) {
        if (e instanceof TimeoutError) return false;
        throw e;
      }
    };
    return {
      block: (t) => untilTimeout(() => s.hold(t as number)),
      wait: async (t, o) => {
        try {
          (await s.holdAsync(t as number, o as never)).release();
          return true;
        } catch (e) {
          if (e instanceof TimeoutError) return false; // not a DOMException named TimeoutError
          throw e;
        }
      },
      open: () => s.release(),
      state: () => s.value,
    };
  },
});

const drainedBounded = (): Semaphore => {
  const b = new BoundedSemaphore(1);
  b.acquire();
  return b;
};

/** The 60 s timers of the Timer subject, cancelled once the file is done (else they hold the process). */
const timers: Timer[] = [];
after(() => {
  for (const t of timers) t.cancel();
});

const SUBJECTS: readonly Subject[] = [
  {
    name: 'Event.wait',
    make() {
      const e = new Event();
      return {
        block: (t) => e.wait(t as number),
        wait: (t, o) => e.waitAsync(t as number, o as never),
        open: () => e.set(),
        state: () => e.isSet(),
      };
    },
  },
  semaphoreSubject('Semaphore.acquire', () => new Semaphore(0), false),
  semaphoreSubject('BoundedSemaphore.acquire', drainedBounded, false),
  semaphoreSubject('Semaphore.hold', () => new Semaphore(0), true),
  semaphoreSubject('BoundedSemaphore.hold', drainedBounded, true),
  {
    name: 'Timer.join',
    make() {
      const timer = new Timer(60000, () => {});
      timer.start();
      timers.push(timer);
      return {
        block: (t) => timer.join(t as number),
        blockPollOnly: true,
        wait: (t, o) => timer.joinAsync(t as number, o as never),
        open: () => timer.cancel(),
        state: () => timer.isAlive(),
      };
    },
  },
];

const NOT_NUMBERS: readonly [string, unknown][] = [
  ["'10'", '10'],
  ['null', null],
  ['{}', {}],
  ['true', true],
  ['10n', 10n],
  ['a symbol', Symbol('t')],
];

function isCoded(ctor: typeof TypeError | typeof RangeError) {
  return (e: unknown): boolean => e instanceof ctor && (e as { code?: string }).code === 'WEFT_BAD_ARGUMENT';
}

/** Whether `p` is still pending after the event loop turned a few times. */
async function pending(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await delay(20);
  return !settled;
}

/** Calls an async form, asserting that it did not throw synchronously, and returns its Promise. */
function callAsync(f: () => Promise<unknown>, what: string): Promise<unknown> {
  let p: Promise<unknown> | undefined;
  assert.doesNotThrow(() => {
    p = f();
  }, `${what} must reject, never throw synchronously`);
  assert.ok(p instanceof Promise, `${what} returns a Promise`);
  return p as Promise<unknown>;
}

describe('timeouts (API.md): ms; undefined/Infinity no limit; 0 or negative polls; NaN RangeError; not a number TypeError', () => {
  for (const subject of SUBJECTS) {
    describe(subject.name, () => {
      test('NaN is a RangeError, a non-number a TypeError; async forms reject; nothing changes', async () => {
        const w = subject.make();
        const before = w.state();
        if (w.block) {
          assert.throws(() => w.block?.(Number.NaN), isCoded(RangeError), 'NaN');
          for (const [what, t] of NOT_NUMBERS) assert.throws(() => w.block?.(t), isCoded(TypeError), what);
        }
        await assert.rejects(
          callAsync(() => w.wait(Number.NaN), 'NaN'),
          isCoded(RangeError),
        );
        for (const [what, t] of NOT_NUMBERS) {
          await assert.rejects(
            callAsync(() => w.wait(t), what),
            isCoded(TypeError),
            what,
          );
        }
        assert.deepEqual(w.state(), before);
        assert.equal(await w.wait(0), false, 'still works');
      });

      test('0, -0, negative and -Infinity poll without blocking', async () => {
        const w = subject.make();
        const before = w.state();
        for (const t of [0, -0, -1, -1e9, Number.NEGATIVE_INFINITY]) {
          let t0 = performance.now();
          if (w.block) assert.equal(w.block(t), false, `block(${t})`);
          assert.ok(performance.now() - t0 < 100, `block(${t}) took ${performance.now() - t0} ms`);
          t0 = performance.now();
          assert.equal(await w.wait(t), false, `async(${t})`);
          assert.ok(performance.now() - t0 < 100, `async(${t}) took ${performance.now() - t0} ms`);
        }
        assert.deepEqual(w.state(), before);
        w.open();
        assert.equal(await w.wait(0), true);
        if (w.block) {
          if (w.state() === 0) w.open(); // the async poll took the permit
          assert.equal(w.block(-1), true);
        }
      });

      test('undefined, Infinity and a huge timeout wait without limit (async form)', async () => {
        const w = subject.make();
        const waits = [w.wait(), w.wait(undefined), w.wait(Number.POSITIVE_INFINITY), w.wait(2 ** 40)];
        for (const p of waits) assert.equal(await pending(p), true);
        if (subject.name.includes('Semaphore.acquire')) {
          // One permit at a time (a BoundedSemaphore(1) refuses a second before the first is taken).
          for (let i = 0; i < waits.length; i++) {
            w.open();
            await until(() => w.state() === 0, 'the permit taken', 5000);
          }
        } else {
          w.open(); // an Event wakes all; a hold gives its permit back, handing it on; a Timer ends
        }
        assert.deepEqual(await watchdog(Promise.all(waits), 5000, 'unlimited waits'), [
          true,
          true,
          true,
          true,
        ]);
      });

      test('a timed wait returns false after about the timeout (>= 0.6x, < 10x), both forms', async () => {
        const T = 100;
        const w = subject.make();
        const before = w.state();
        if (w.block && !w.blockPollOnly) {
          const t0 = performance.now();
          assert.equal(w.block(T), false);
          const ms = performance.now() - t0;
          assert.ok(ms >= 0.6 * T && ms < 10 * T, `blocking ${T} ms wait took ${ms} ms`);
        }
        const t0 = performance.now();
        assert.equal(await w.wait(T), false);
        const ms = performance.now() - t0;
        assert.ok(ms >= 0.6 * T && ms < 10 * T, `async ${T} ms wait took ${ms} ms`);
        assert.deepEqual(w.state(), before);
      });
    });
  }

  test('blocking forms in a worker: undefined and Infinity wait until woken', async () => {
    const e = new Event();
    const s = new Semaphore(0);
    const log = new StepLog();
    const runs = [
      runInWorker<boolean>('waits', 'waitLogged', e, log.i32, 1),
      runInWorker<boolean>('waits', 'waitLogged', e, log.i32, 2, Number.POSITIVE_INFINITY),
      runInWorker<boolean>('waits', 'acquireLogged', s, log.i32, 3),
      runInWorker<boolean>('waits', 'acquireLogged', s, log.i32, 4, Number.POSITIVE_INFINITY),
    ].map((r) => r.result);
    await until(() => log.entries().length === 4, 'the four waiters started', 10000);
    await delay(50);
    for (const p of runs) assert.equal(await pending(p), true);
    e.set();
    s.release(2);
    assert.deepEqual(await watchdog(Promise.all(runs), 10000, 'unlimited blocking waits'), [
      true,
      true,
      true,
      true,
    ]);
  });
});

describe('AbortSignal on every async wait', () => {
  for (const subject of SUBJECTS) {
    describe(subject.name, () => {
      test('a pending wait rejects with signal.reason (custom reasons too) and leaves no trace', async () => {
        const reasons: unknown[] = [new Error('stop'), 'a string', { why: 'object' }, 42];
        for (const reason of reasons) {
          const w = subject.make();
          const before = w.state();
          const controller = new AbortController();
          const p = w.wait(undefined, { signal: controller.signal });
          assert.equal(await pending(p), true);
          controller.abort(reason);
          await assert.rejects(watchdog(p, 5000, 'the aborted wait'), (e) => e === reason);
          assert.deepEqual(w.state(), before);
          // No trace: the primitive works as before for the next waiter.
          const next = w.wait(5000);
          w.open();
          assert.equal(await next, true);
        }
      });

      test("abort() without a reason rejects with an 'AbortError'; AbortSignal.timeout with a 'TimeoutError'", async () => {
        const w = subject.make();
        const controller = new AbortController();
        const p = w.wait(undefined, { signal: controller.signal });
        controller.abort();
        await assert.rejects(
          p,
          (e: unknown) => (e as Error).name === 'AbortError' && e === controller.signal.reason,
        );
        const t0 = performance.now();
        await assert.rejects(
          watchdog(w.wait(undefined, { signal: AbortSignal.timeout(30) }), 5000, 'AbortSignal.timeout'),
          (e: unknown) => (e as Error).name === 'TimeoutError',
        );
        assert.ok(performance.now() - t0 >= 15);
      });

      test('an already-aborted signal rejects at once, available or not, and changes nothing', async () => {
        const w = subject.make();
        const before = w.state();
        const reason = new Error('already');
        await assert.rejects(
          callAsync(() => w.wait(undefined, { signal: AbortSignal.abort(reason) }), 'wait'),
          (e) => e === reason,
        );
        await assert.rejects(w.wait(0, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
        assert.deepEqual(w.state(), before);
        w.open();
        const open = w.state();
        await assert.rejects(w.wait(undefined, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
        assert.deepEqual(w.state(), open, 'nothing taken when available either');
      });

      test('an abort after the wait settled changes nothing', async () => {
        const w = subject.make();
        const controller = new AbortController();
        const p = w.wait(undefined, { signal: controller.signal });
        w.open();
        assert.equal(await watchdog(p, 5000, 'the wait'), true);
        controller.abort('late');
        await delay(5);
      });

      test('bad options reject with TypeError and change nothing', async () => {
        const w = subject.make();
        const before = w.state();
        const bad: [string, unknown][] = [
          ['null', null],
          ['5', 5],
          ["'x'", 'x'],
          ["{ signal: 'x' }", { signal: 'x' }],
          ['{ signal: {} }', { signal: {} }],
          ['{ signal: null }', { signal: null }],
          ['{ signal: 1 }', { signal: 1 }],
        ];
        for (const [what, options] of bad) {
          await assert.rejects(
            callAsync(() => w.wait(undefined, options), what),
            isCoded(TypeError),
            what,
          );
        }
        assert.deepEqual(w.state(), before);
        const fine = w.wait(undefined, {}); // options without a signal are fine
        w.open();
        assert.equal(await watchdog(fine, 5000, 'a wait with options {}'), true);
      });
    });
  }

  test('50 aborted async waiters on one Semaphore: release(1) still wakes the live one, and the count is exact', async () => {
    const s = new Semaphore(0);
    const controllers = Array.from({ length: 50 }, () => new AbortController());
    const aborted = controllers.map((c) => s.acquireAsync(undefined, { signal: c.signal }));
    const live = s.acquireAsync();
    await delay(10);
    for (const c of controllers) c.abort();
    const results = await Promise.allSettled(aborted);
    assert.ok(results.every((r) => r.status === 'rejected'));
    s.release(1);
    assert.equal(await watchdog(live, 3000, 'the live waiter after 50 aborts'), true);
    assert.equal(s.value, 0);
    s.release(2);
    assert.equal(s.value, 2);
  });
});

describe('configure({ spin })', () => {
  test('validates its argument and returns the settings before the call', () => {
    const before = configure({});
    assert.equal(typeof before.spin, 'number');
    for (const bad of [null, 'x', 5, undefined]) {
      assert.throws(() => configure(bad as never), isCoded(TypeError), String(bad));
    }
    for (const spin of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => configure({ spin }), isCoded(RangeError), String(spin));
    }
    assert.throws(() => configure({ spin: '10' as never }), isCoded(TypeError));
    assert.deepEqual(configure({}), before, 'a refused setting changes nothing');
    assert.deepEqual(configure({ spin: 7 }), before);
    assert.deepEqual(configure({ spin: 0 }), { spin: 7 });
    assert.deepEqual(configure(before), { spin: 0 });
    assert.deepEqual(configure({}), before);
  });

  test('the setting is per thread, and a fresh thread starts at DEFAULT_SPIN', async () => {
    const before = configure({ spin: 3 });
    try {
      const fresh = await watchdog(
        runInWorker<{ spin: number; defaultSpin: number }>('waits', 'freshSettings').result,
        10000,
        'worker',
      );
      assert.deepEqual(fresh, { spin: DEFAULT_SPIN, defaultSpin: DEFAULT_SPIN });
      assert.ok(Number.isInteger(DEFAULT_SPIN) && DEFAULT_SPIN > 0);
    } finally {
      configure(before);
    }
  });

  test('effect: with a long spin a blocked waiter burns CPU while it waits; with spin 0 it sleeps', async (t) => {
    const run = async (spin: number): Promise<{ result: boolean; ms: number; cpuMs: number }> => {
      const e = new Event();
      const log = new StepLog();
      const r = runInWorker<{ result: boolean; ms: number; cpuMs: number }>(
        'waits',
        'waitWithSpin',
        e,
        spin,
        log.i32,
      );
      await until(() => log.entries().length === 1, 'the waiter started', 10000);
      await delay(200); // the main thread idles: the process's CPU time is the waiter's
      e.set();
      return watchdog(r.result, 10000, `waiter with spin ${spin}`);
    };
    const spinning = await run(2_000_000_000);
    const sleeping = await run(0);
    assert.equal(spinning.result, true);
    assert.equal(sleeping.result, true);
    // Relative only: on a busy 2-core machine the spinner may get a small share of a core (seen: 42 ms
    // of CPU in 293 ms), but it still burns many times the CPU of the sleeper.
    const said = `spin 2e9: ${spinning.cpuMs.toFixed(0)} ms of CPU in ${spinning.ms.toFixed(0)} ms; spin 0: ${sleeping.cpuMs.toFixed(0)} ms in ${sleeping.ms.toFixed(0)} ms`;
    t.diagnostic(said);
    assert.ok(spinning.cpuMs > 4 * sleeping.cpuMs, said);
  });

  test('regression: a poll (timeout 0 or negative) used to spin the configured spin before returning', async () => {
    const slowest = await watchdog(runInWorker<number>('waits', 'pollsWithHugeSpin').result, 20000, 'polls');
    assert.ok(slowest < 50, `a poll with spin 1e9 took ${slowest} ms: it spun`);
  });

  test('spin 0 is still correct: 2,000 ping-pongs and 2,000 semaphore hand-offs between two workers', async () => {
    const ping = new Event();
    const pong = new Event();
    const a = new Semaphore(1);
    const b = new Semaphore(0);
    const runs = [
      runInWorker<number>('waits', 'pingPongSpin0', ping, pong, true, 2000),
      runInWorker<number>('waits', 'pingPongSpin0', ping, pong, false, 2000),
      runInWorker<number>('waits', 'handOffSpin0', a, b, 2000),
      runInWorker<number>('waits', 'handOffSpin0', b, a, 2000),
    ].map((r) => r.result);
    assert.deepEqual(await watchdog(Promise.all(runs), 30000, 'spin 0 workers'), [2000, 2000, 2000, 2000]);
    assert.equal(a.value + b.value, 1);
  });
});

describe("blocking on Node's main thread is allowed", () => {
  test('Event.wait and Semaphore.acquire here, woken by a worker (with spin 0 and the default)', async () => {
    for (const spin of [0, DEFAULT_SPIN]) {
      const before = configure({ spin });
      try {
        const e = new Event();
        const log = new StepLog();
        const setter = runInWorker('waits', 'setWhen', e, log.i32, 1, 20);
        log.push(1); // the setter waits for this step, then a little, then sets
        const t0 = performance.now();
        assert.equal(e.wait(10000), true, 'Event.wait on the main thread');
        assert.ok(performance.now() - t0 < 10000);
        await watchdog(setter.result, 10000, 'setter');

        const s = new Semaphore(0);
        const log2 = new StepLog();
        const releaser = runInWorker('waits', 'releaseWhen', s, 1, log2.i32, 1, 20);
        log2.push(1);
        assert.equal(s.acquire(10000), true, 'Semaphore.acquire on the main thread');
        assert.equal(s.value, 0);
        await watchdog(releaser.result, 10000, 'releaser');
      } finally {
        configure(before);
      }
    }
  });

  test('the main thread and a worker blocked on one event are woken by one set() from another worker', async () => {
    const e = new Event();
    const log = new StepLog();
    const waiter = runInWorker<boolean>('waits', 'waitLogged', e, log.i32, 1, 10000);
    await until(() => log.entries().length === 1, 'the worker waits', 10000);
    const setter = runInWorker('waits', 'setWhen', e, log.i32, 2, 20);
    log.push(2);
    assert.equal(e.wait(10000), true);
    assert.equal(await watchdog(waiter.result, 10000, 'the blocked worker'), true);
    await watchdog(setter.result, 10000, 'setter');
  });

  test('CannotBlockError is exported, with its name and code (see the header: not simulable on Node)', () => {
    const e = new CannotBlockError('Event.wait cannot block this thread: use Event.waitAsync() instead');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'CannotBlockError');
    assert.equal(e.code, 'WEFT_CANNOT_BLOCK');
  });
});

describe('fallbacks for engines without Atomics.waitAsync, forced through the test hooks', () => {
  for (const mode of ['poll', 'helper'] as const) {
    test(`${mode}: async waits of Event and Semaphore, with timeouts and aborts, in a worker`, async () => {
      const e = new Event();
      const s = new Semaphore(0);
      const log = new StepLog();
      const T = 100;
      const fallback = runInWorker<Record<string, unknown>>(
        'waits',
        'fallbackScenario',
        mode,
        e,
        s,
        log.i32,
        T,
      );
      // A blocking waiter in another worker, on the same event: one set() wakes both kinds.
      const blocking = runInWorker<boolean>('waits', 'waitLogged', e, log.i32, 9, 20000);
      await until(() => log.entries().includes(1) && log.entries().includes(9), 'both waiters', 10000);
      await delay(20);
      e.set();
      await until(() => log.entries().includes(2), 'the semaphore waiter', 10000);
      await delay(20);
      s.release();
      await until(() => log.entries().includes(3), 'the abort', 10000);
      s.release(1);
      const r = await watchdog(fallback.result, 20000, `the worker on the ${mode} fallback`);
      assert.equal(await watchdog(blocking.result, 10000, 'the blocking waiter'), true);
      const timedMs = r.timedMs as number;
      assert.ok(
        timedMs >= 0.6 * T && timedMs < 10 * T,
        `waitAsync(${T}) on the ${mode} fallback took ${timedMs} ms`,
      );
      assert.deepEqual(
        { ...r, timedMs: 'checked', secondMs: 'checked' },
        {
          woken: true,
          timedOut: false,
          timedMs: 'checked',
          acquired: true,
          firstRejected: 'first aborted',
          second: true,
          secondMs: 'checked',
          valueAfter: 0,
          alreadyAborted: 'no',
        },
      );
      assert.equal(s.value, 0);
    });
  }
});

describe('keep-alive (child processes)', () => {
  test('control: a bare Atomics.waitAsync does not keep Node alive (so the tests below can fail)', async () => {
    const r = await runNode('waits', ['control'], 20000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'the process exited before the bare waitAsync settled');
  });

  test('a pending Event.waitAsync keeps the process alive and settles after the setter exited', async () => {
    const r = await runNode('waits', ['event'], 20000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'settled true');
  });

  test('a pending Semaphore.acquireAsync keeps the process alive and takes the permit', async () => {
    const r = await runNode('waits', ['semaphore'], 20000);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'settled true value 0');
  });

  test('a timed waitAsync nobody wakes keeps the process alive until it times out', async () => {
    const r = await runNode('waits', ['timed'], 20000);
    assert.equal(r.code, 0, r.stderr);
    const m = /^settled false after ([\d.]+)$/.exec(r.stdout.trim());
    assert.ok(m, `stdout: ${r.stdout}`);
    assert.ok(Number(m[1]) >= 120, `timed out after ${m[1]} ms`);
  });

  for (const mode of ['poll', 'helper']) {
    test(`the same on the ${mode} fallback`, async () => {
      const r = await runNode('waits', [mode], 20000);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'settled true');
    });
  }

  test('with no pending waits (all set, timed out, aborted, polled or refused) the process exits at once', async () => {
    const r = await runNode('waits', ['no-pending'], 15000);
    assert.equal(r.signal, null, 'the process had to be killed: the keep-alive timer was not released');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'done [true,true,false,"aborted",false,"RangeError"]');
    assert.ok(r.ms < 10000, `took ${r.ms} ms`);
  });
});
