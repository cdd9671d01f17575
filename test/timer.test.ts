/*
 * Timer, per API.md: never earlier than its interval, args passed, cancel (also from another thread
 * through `finished`), a single start(), join / joinAsync / isAlive, and an error thrown by fn
 * reported as an uncaught error of the thread that started the timer, with `finished` still set.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Event, RuntimeError, Timer } from 'weft-threading';
import type { Fired } from './fixtures/timer.js';
import { delay, runInWorker, runNode, watchdog } from './helpers.js';

const timerEntry = new URL('./fixtures/timer.js', import.meta.url);

/** Asserts a RuntimeError (by class, name and code) whose message matches `pattern`. */
const isRuntimeError =
  (pattern: RegExp) =>
  (e: unknown): boolean =>
    e instanceof RuntimeError &&
    e.name === 'RuntimeError' &&
    e.code === 'WEFT_RUNTIME' &&
    pattern.test(e.message);

/** Loose upper bound for a timer's call: 10x its interval, but at least a second on a busy machine. */
const late = (interval: number): number => Math.max(10 * interval, 1000);

describe('Timer', () => {
  test('constructor: bad interval, fn or args throw; interval and finished are exposed', () => {
    const fn = (): void => {};
    assert.throws(
      () => new Timer(Number.NaN, fn),
      (e: unknown) => e instanceof RangeError,
    );
    assert.throws(
      () => new Timer('10' as never, fn),
      (e: unknown) => e instanceof TypeError,
    );
    assert.throws(
      () => new Timer(undefined as never, fn),
      (e: unknown) => e instanceof TypeError,
    );
    assert.throws(
      () => new Timer(10, 'fn' as never),
      (e: unknown) => e instanceof TypeError,
    );
    assert.throws(
      () => new Timer(10, fn, 'args' as never),
      (e: unknown) => e instanceof TypeError,
    );
    const t = new Timer(25, fn);
    assert.equal(t.interval, 25);
    assert.ok(t.finished instanceof Event);
    assert.equal(t.finished.isSet(), false);
    assert.equal(t.isAlive(), false);
  });

  test('interval: 0 or negative runs at once, as in Python; NaN is a RangeError, a non-number a TypeError (code and TSDoc agree)', async () => {
    const coded = (ctor: ErrorConstructor) => (e: unknown) =>
      e instanceof ctor &&
      (e as { code?: string }).code === 'WEFT_BAD_ARGUMENT' &&
      /Timer/.test((e as Error).message);
    assert.throws(() => new Timer(Number.NaN, () => {}), coded(RangeError));
    for (const bad of ['10', null, undefined, 10n, {}])
      assert.throws(() => new Timer(bad as never, () => {}), coded(TypeError));
    const order: string[] = [];
    const timers = [-1, -1000, Number.NEGATIVE_INFINITY, -0].map(
      (interval) => new Timer(interval, () => order.push(String(interval))),
    );
    assert.deepEqual(
      timers.map((t) => t.interval),
      [-1, -1000, Number.NEGATIVE_INFINITY, -0],
      'the interval is kept as given',
    );
    for (const t of timers) t.start();
    assert.deepEqual(order, [], 'not inside start()');
    const done = await watchdog(
      Promise.all(timers.map((t) => t.joinAsync())),
      2000,
      'negative-interval timers',
    );
    assert.deepEqual(done, [true, true, true, true]);
    assert.deepEqual(order, ['-1', '-1000', '-Infinity', '0']);
  });

  test('fires never earlier than its interval, with its args, and not inside start()', async () => {
    const intervals = [0, 1, 2, 5, 10, 20, 50, 80];
    const calls: { interval: number; elapsed: number; args: unknown[] }[] = [];
    const timers = intervals.map((interval) => {
      const args = [interval, `s${interval}`, { n: interval }];
      let t0 = 0;
      const timer = new Timer(
        interval,
        (...a: unknown[]) => {
          calls.push({ interval, elapsed: performance.now() - t0, args: a });
        },
        args,
      );
      t0 = performance.now();
      timer.start();
      return { timer, args };
    });
    assert.equal(calls.length, 0, 'a timer of 0 ms still calls fn later, on the event loop');
    assert.ok(timers.every(({ timer }) => timer.isAlive()));
    const joined = await watchdog(Promise.all(timers.map(({ timer }) => timer.joinAsync())), 10000, 'timers');
    assert.deepEqual(
      joined,
      intervals.map(() => true),
    );
    assert.equal(calls.length, intervals.length);
    for (const c of calls) {
      assert.ok(c.elapsed >= c.interval, `a ${c.interval} ms timer fired after ${c.elapsed} ms: early`);
      assert.ok(c.elapsed < late(c.interval), `a ${c.interval} ms timer fired after ${c.elapsed} ms`);
      const { args } = timers[intervals.indexOf(c.interval)] as { args: unknown[] };
      assert.equal(c.args.length, 3);
      for (let i = 0; i < 3; i++) assert.equal(c.args[i], args[i], 'the very same arguments');
    }
    assert.ok(timers.every(({ timer }) => !timer.isAlive() && timer.finished.isSet() && timer.join()));
  });

  test('in a worker, fn runs on the event loop of the thread that started the timer', async () => {
    const r = await watchdog(
      runInWorker<Fired>('timer', 'fireHere', 30, ['a', 1]).result,
      10000,
      'worker timer',
    );
    assert.equal(r.joined, true);
    assert.equal(r.calledOn, r.startedOn);
    assert.deepEqual(r.args, ['a', 1]);
    assert.ok(r.elapsed >= 30 && r.elapsed < late(30), `fired after ${r.elapsed} ms`);
  });

  test('isAlive: false before start, true while pending, false once finished', async () => {
    let calls = 0;
    const t: Timer = new Timer(20, () => {
      calls++;
      assert.equal(t.isAlive(), true, 'still alive while fn runs (finished is set after it returns)');
      assert.equal(t.finished.isSet(), false);
    });
    assert.equal(t.isAlive(), false);
    t.start();
    assert.equal(t.isAlive(), true);
    assert.equal(await watchdog(t.joinAsync(), 5000, 'timer'), true);
    assert.equal(t.isAlive(), false);
    assert.equal(calls, 1);
  });

  test('cancel before it fires: fn never runs, finished is set at once', async () => {
    let calls = 0;
    const fn = (): void => {
      calls++;
    };
    const t = new Timer(40, fn);
    t.start();
    t.cancel();
    assert.equal(t.finished.isSet(), true);
    assert.equal(t.isAlive(), false);
    assert.equal(t.join(), true);
    assert.equal(await t.joinAsync(), true);
    // Cancelled before start: started later, it still never runs.
    const early = new Timer(0, fn);
    early.cancel();
    early.start();
    await delay(120); // past both intervals: only to show that fn did not run
    assert.equal(calls, 0);
    // A cancel after the call changes nothing.
    const done = new Timer(0, fn);
    done.start();
    await done.joinAsync();
    done.cancel();
    assert.equal(calls, 1);
    assert.equal(done.finished.isSet(), true);
  });

  test('cancel from another thread: a worker sets timer.finished; fn never runs', async () => {
    let calls = 0;
    const t = new Timer(60000, () => {
      calls++;
    });
    t.start();
    const t0 = performance.now();
    await watchdog(runInWorker('event', 'set', t.finished).result, 10000, 'the cancelling worker');
    assert.equal(await watchdog(t.joinAsync(), 5000, 'joinAsync after the cancel'), true);
    assert.ok(performance.now() - t0 < 10000);
    assert.equal(t.isAlive(), false);
    assert.equal(calls, 0);
  });

  test('a worker blocking on timer.finished.wait() returns once the timer fires here', async () => {
    let calls = 0;
    const t = new Timer(100, () => {
      calls++;
    });
    const waiting = runInWorker<{ result: boolean; ms: number }>('event', 'wait', t.finished, 20000);
    t.start();
    const r = await watchdog(waiting.result, 10000, 'the joining worker');
    assert.equal(r.result, true);
    assert.equal(calls, 1);
  });

  test('a second start() throws RuntimeError, before and after the timer finished', async () => {
    const t = new Timer(10, () => {});
    t.start();
    assert.throws(() => t.start(), isRuntimeError(/once/));
    assert.equal(t.isAlive(), true);
    await t.joinAsync();
    assert.throws(() => t.start(), isRuntimeError(/once/));
    const cancelled = new Timer(10, () => {});
    cancelled.start();
    cancelled.cancel();
    assert.throws(() => cancelled.start(), isRuntimeError(/once/));
  });

  test("join() on the timer's own thread throws unless it can answer at once; joinAsync waits", async () => {
    const t = new Timer(60000, () => {});
    assert.throws(() => t.join(), isRuntimeError(/start/));
    await assert.rejects(t.joinAsync(), isRuntimeError(/start/));
    t.start();
    assert.throws(() => t.join(), isRuntimeError(/joinAsync/));
    assert.throws(() => t.join(1000), isRuntimeError(/joinAsync/));
    assert.equal(t.join(0), false);
    assert.equal(t.join(-1), false);
    assert.throws(
      () => t.join(Number.NaN),
      (e: unknown) => e instanceof RangeError,
    );
    assert.throws(
      () => t.join('1' as never),
      (e: unknown) => e instanceof TypeError,
    );
    const t0 = performance.now();
    assert.equal(await t.joinAsync(50), false);
    const ms = performance.now() - t0;
    assert.ok(ms >= 30 && ms < 500, `joinAsync(50) took ${ms} ms`);
    assert.equal(await t.joinAsync(0), false);
    await assert.rejects(t.joinAsync(Number.NaN), (e: unknown) => e instanceof RangeError);
    await assert.rejects(t.joinAsync('1' as never), (e: unknown) => e instanceof TypeError);
    const controller = new AbortController();
    const joining = t.joinAsync(undefined, { signal: controller.signal });
    controller.abort('enough');
    await assert.rejects(joining, (e) => e === 'enough');
    assert.equal(t.isAlive(), true, 'an aborted join does not cancel the timer');
    t.cancel();
    assert.equal(t.join(), true);
    assert.equal(await t.joinAsync(), true);
  });

  test("fn throwing in a worker: the worker's 'error' event carries it, and finished is set", async () => {
    const w = new Worker(timerEntry, { workerData: { timerEntry: 'throws' } });
    const finished = await watchdog(
      new Promise<Event>((resolve) =>
        w.once('message', (m: { finished: unknown }) => resolve(Event.from(m.finished))),
      ),
      10000,
      'the worker posting its timer',
    );
    const error = await watchdog(
      new Promise<Error>((resolve) => w.once('error', resolve)),
      10000,
      "the 'error' event",
    );
    assert.equal(error.message, 'boom from the timer');
    assert.equal(finished.isSet(), true);
  });

  test("fn throwing in a worker: a process 'uncaughtException' handler there sees it, finished already set", async () => {
    const w = new Worker(timerEntry, { workerData: { timerEntry: 'throws-handled' } });
    const m = await watchdog(
      new Promise<{ caught: string; finishedSet: boolean }>((resolve) => w.once('message', resolve)),
      10000,
      'the handler',
    );
    await w.terminate();
    assert.deepEqual(m, { caught: 'boom from the timer', finishedSet: true });
  });

  test('a timer owned by a worker, cancelled from here: its join returns and the worker exits at once', async () => {
    const w = new Worker(timerEntry, { workerData: { timerEntry: 'owner' } });
    const messages: Record<string, unknown>[] = [];
    w.on('message', (m: Record<string, unknown>) => messages.push(m));
    const exited = new Promise<number>((resolve) => w.once('exit', resolve));
    await watchdog(
      (async () => {
        while (messages.length === 0) await delay(1);
      })(),
      10000,
      'the worker posting its timer',
    );
    const t0 = performance.now();
    Event.from(messages[0]?.finished).set();
    assert.equal(await watchdog(exited, 10000, 'the worker exiting after the cancel'), 0);
    assert.ok(performance.now() - t0 < 10000);
    assert.deepEqual(messages[1], { joined: true, fired: false, alive: false });
  });

  describe('child processes', () => {
    test('a 60 s timer cancelled by a worker lets the process exit at once, without the call', async () => {
      const r = await runNode('timer', ['cancel-from-worker'], 20000);
      assert.equal(r.stderr, '');
      assert.equal(r.code, 0, `exit code ${r.code}, signal ${r.signal}`);
      assert.equal(r.stdout.trim(), 'exit fired=false finished=true');
      assert.ok(r.ms < 15000, `took ${r.ms} ms`);
    });

    test('a pending timer keeps the process alive until it fires', async () => {
      const r = await runNode('timer', ['fires'], 20000);
      assert.equal(r.code, 0, r.stderr);
      const m = /^fired x 2 after ([\d.]+)$/.exec(r.stdout.trim());
      assert.ok(m, `stdout: ${r.stdout}`);
      assert.ok(Number(m[1]) >= 100);
    });

    test('fn throwing on the main thread is an uncaught error (exit code 1, on stderr); finished is set', async () => {
      const r = await runNode('timer', ['throws'], 20000);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /boom on the main thread/);
      assert.equal(r.stdout.trim(), 'exit code=1 finished=true');
    });
  });

  test('stress: 200 timers here (half cancelled by a worker) and 200 in a worker: none early, none lost', async (t) => {
    const count = 200;
    let fired = 0;
    let early = 0;
    let cancelledRan = 0;
    const timers: Timer[] = [];
    const cancelled: Event[] = [];
    // The cancelling worker gets the timers' `finished` events now, and cancels as soon as `go` is set.
    const go = new Event();
    const later: Timer[] = [];
    for (let i = 1; i < count; i += 2) later.push(new Timer(300 + (i % 100), () => cancelledRan++));
    const ready = new Event();
    const canceller = runInWorker(
      'timer',
      'cancelAllOnGo',
      ready,
      go,
      later.map((x) => x.finished),
    );
    assert.equal(await watchdog(ready.waitAsync(), 10000, 'the cancelling worker to start'), true);
    const inWorker = runInWorker<{ fired: number; early: number; cancelledRan: number }>(
      'timer',
      'manyTimers',
      count,
    );
    for (let i = 0; i < count; i++) {
      const interval = i % 31;
      const timer =
        i % 2 === 1
          ? (later[(i - 1) / 2] as Timer)
          : new Timer(interval, () => {
              fired++;
              if (performance.now() - started < interval) early++;
            });
      const started = performance.now();
      timer.start();
      timers.push(timer);
      if (i % 2 === 1) cancelled.push(timer.finished);
    }
    const t0 = performance.now();
    go.set();
    await watchdog(canceller.result, 10000, 'the cancelling worker');
    await watchdog(Promise.all(timers.map((x) => x.joinAsync())), 10000, 'the timers');
    const worker = await watchdog(inWorker.result, 10000, 'the worker timers');
    await delay(Math.max(0, 450 - (performance.now() - t0))); // past the cancelled ones' intervals
    assert.deepEqual({ fired, early, cancelledRan }, { fired: count / 2, early: 0, cancelledRan: 0 });
    assert.ok(cancelled.every((f) => f.isSet()));
    assert.deepEqual(worker, { fired: count / 2, early: 0, cancelledRan: 0 });
    t.diagnostic(
      `Timer stress: ${2 * count} timers, ${count} cancelled (${count / 2} from another thread), 0 early, 0 lost`,
    );
  });
});
