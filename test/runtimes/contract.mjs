/*
 * weft's cross-worker contract, runtime-agnostic: the same file runs on Node, Bun and Deno
 * (test/runtimes/main.mjs) and in browsers (test/browser/page.mjs). The thread that runs it plays
 * "main" with the async forms; workers run scenarios.mjs with the blocking forms (and one async).
 *
 * runContract({ spawn, report, poll }) runs every test in order and returns a summary.
 *   spawn(scenario, ...args) -> { result: Promise, terminate() } starts a worker (the host's kind:
 *     worker_threads or a module Web Worker) running scenarios.mjs's export with revived args.
 *   report(line) prints one line.
 * Each test has tags: 'blocking' (a worker blocks in a wait), 'async' (main waits asynchronously),
 * 'thread' (weft's Thread). The runtime matrix is filled from them: a capability is "yes" when
 * every test with its tag passed. Order is checked through shared memory, never by sleeping; a
 * short pause before a set() only makes it likely that the other side is asleep, and each test
 * passes either way. Every test has a watchdog.
 */

import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  CannotBlockError,
  Condition,
  currentThread,
  Event,
  getIdent,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  RLock,
  RuntimeError,
  revive,
  Semaphore,
  Thread,
  Timer,
  ValueError,
} from '../../dist/index.js';

const WATCHDOG_MS = 20_000;

/** Whether this thread may block in Atomics.wait (Node's, Bun's and Deno's main threads may). */
export function mainCanBlock() {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

// A tiny harness ----------------------------------------------------------------------------------

const tests = [];
function test(name, tags, fn) {
  tests.push({ name, tags, fn });
}

class Failure extends Error {}

function check(condition, what) {
  if (!condition) throw new Failure(what);
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Failure(`${what}: expected ${e}, got ${a}`);
}

/** Checks an error against { name, code, message (a RegExp), instance (a class) }. */
function matches(error, expect, what) {
  check(error !== undefined && error !== null, `${what}: no error`);
  if (expect.name !== undefined) equal(error.name, expect.name, `${what}: name`);
  if (expect.code !== undefined) equal(error.code, expect.code, `${what}: code`);
  if (expect.message !== undefined) {
    check(expect.message.test(error.message), `${what}: message ${JSON.stringify(error.message)}`);
  }
  if (expect.instance !== undefined)
    check(error instanceof expect.instance, `${what}: not a ${expect.instance.name}`);
}

function throws(fn, expect, what) {
  let caught;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  check(caught !== undefined, `${what}: did not throw`);
  matches(caught, expect, what);
  return caught;
}

/** The call must return a Promise that rejects (never throw synchronously). */
async function rejects(call, expect, what) {
  let promise;
  try {
    promise = call();
  } catch (error) {
    throw new Failure(`${what}: threw synchronously (${error?.name}: ${error?.message})`);
  }
  check(promise instanceof Promise, `${what}: did not return a Promise`);
  let caught;
  await promise.then(
    () => {},
    (error) => {
      caught = error;
    },
  );
  check(caught !== undefined, `${what}: resolved instead of rejecting`);
  matches(caught, expect, what);
  return caught;
}

/** Loose timing: at least 0.6x of what was asked, under 10x (tests never assert speed). */
function took(ms, asked, what) {
  check(ms >= asked * 0.6, `${what}: returned after ${ms.toFixed(1)} ms, asked ${asked} ms (early)`);
  check(ms < asked * 10 + 200, `${what}: returned after ${ms.toFixed(1)} ms, asked ${asked} ms (late)`);
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const counter = (words = 4) => new Int32Array(new SharedArrayBuffer(words * 4));

// Event -------------------------------------------------------------------------------------------

test('Event: set() on main wakes a worker blocked in wait()', ['blocking'], async ({ spawn }) => {
  const event = new Event();
  const w = spawn('eventWait', event, 10_000);
  await pause(20);
  event.set();
  equal((await w.result).result, true, 'worker wait()');
});

test('Event: set() in a worker settles waitAsync() on main', ['async'], async ({ spawn }) => {
  const event = new Event();
  const waiting = event.waitAsync(10_000);
  spawn('eventSetAfter', event, 20);
  equal(await waiting, true, 'main waitAsync()');
  check(event.isSet(), 'isSet() after set()');
});

test(
  'Event: timeouts return false, never early (worker wait, main waitAsync)',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const event = new Event();
    const w = spawn('eventWait', event, 60);
    const t0 = performance.now();
    equal(await event.waitAsync(60), false, 'main waitAsync(60)');
    took(performance.now() - t0, 60, 'main waitAsync(60)');
    const r = await w.result;
    equal(r.result, false, 'worker wait(60)');
    took(r.ms, 60, 'worker wait(60)');
    equal(event.wait(0), false, 'wait(0) polls');
    equal(await event.waitAsync(0), false, 'waitAsync(0) polls');
  },
);

test(
  'Event: one set() wakes blocking and async waiters in workers and on main',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const event = new Event();
    const waiters = [
      spawn('eventWait', event, 10_000),
      spawn('eventWait', event, 10_000),
      spawn('eventWaitAsync', event, 10_000),
    ];
    const mine = event.waitAsync(10_000);
    await pause(30);
    event.set();
    const results = await Promise.all([mine, ...waiters.map((w) => w.result)]);
    equal(
      results.map((r) => (typeof r === 'object' ? r.result : r)),
      [true, true, true, true],
      'every waiter',
    );
    // Python's semantics: a waiter woken by set() returns true even if clear() ran before it did.
    event.clear();
    const cleared = event.waitAsync(10_000);
    event.set();
    event.clear();
    equal(await cleared, true, 'waitAsync woken by set(), then clear()');
  },
);

test(
  'Event: an abort rejects with signal.reason and leaves nothing behind',
  ['async', 'blocking'],
  async ({ spawn }) => {
    const event = new Event();
    const controller = new AbortController();
    const reason = new Error('stop');
    const aborted = event.waitAsync(10_000, { signal: controller.signal });
    const w = spawn('eventWait', event, 10_000);
    await pause(20);
    controller.abort(reason);
    let caught;
    await aborted.catch((error) => {
      caught = error;
    });
    check(caught === reason, 'rejected with signal.reason');
    const after = event.waitAsync(10_000);
    event.set();
    equal(await after, true, 'a later waitAsync');
    equal((await w.result).result, true, 'the worker that waited alongside');
    await rejects(
      () => new Event().waitAsync(10, { signal: AbortSignal.abort(reason) }),
      { message: /stop/ },
      'already aborted',
    );
  },
);

// Lock --------------------------------------------------------------------------------------------

test(
  'Lock: mutual exclusion, 2 blocking workers and async main, exact count',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const lock = new Lock();
    const count = counter();
    const workers = [spawn('lockCount', lock, count, 2000), spawn('lockCount', lock, count, 2000)];
    for (let i = 0; i < 300; i++) {
      equal(await lock.acquireAsync(10_000), true, 'acquireAsync');
      const v = count[0];
      if (i % 50 === 0) await pause(0); // hold it across a turn of the event loop now and then
      count[0] = v + 1;
      lock.release();
    }
    await Promise.all(workers.map((w) => w.result));
    equal(count[0], 4300, 'count');
    check(!lock.locked(), 'unlocked at the end');
  },
);

test(
  'Lock: acquireAsync waits for a worker, acquire(timeout) in a worker times out',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const lock = new Lock();
    const held = new Event();
    const go = new Event();
    const holder = spawn('lockHold', lock, held, go);
    equal(await held.waitAsync(10_000), true, 'held');
    check(lock.locked(), 'locked() while a worker holds it');
    equal(await lock.acquireAsync(0), false, 'acquireAsync(0) polls');
    const t0 = performance.now();
    equal(await lock.acquireAsync(40), false, 'acquireAsync(40)');
    took(performance.now() - t0, 40, 'acquireAsync(40)');
    const tryer = await spawn('lockTry', lock, 40).result;
    equal(tryer.result, false, 'worker acquire(40)');
    took(tryer.ms, 40, 'worker acquire(40)');
    const waiting = lock.acquireAsync(10_000);
    go.set();
    equal(await waiting, true, 'acquireAsync after the release');
    await holder.result;
    // Any thread may release a Lock: main took it, a worker releases it.
    await spawn('lockRelease', lock).result;
    check(!lock.locked(), 'released by a worker');
  },
);

test(
  'Lock: releasing an unlocked lock throws RuntimeError, on main and in a worker',
  ['blocking'],
  async ({ spawn }) => {
    const lock = new Lock();
    throws(
      () => lock.release(),
      { name: 'RuntimeError', code: 'WEFT_RUNTIME', instance: RuntimeError },
      'main',
    );
    check(!lock.locked(), 'state unchanged');
    let caught;
    await spawn('lockMisuse', lock).result.catch((error) => {
      caught = error;
    });
    matches(caught, { name: 'RuntimeError', code: 'WEFT_RUNTIME', message: /unlocked/ }, 'from a worker');
  },
);

// Semaphore ---------------------------------------------------------------------------------------

test(
  'Semaphore: never more than its value inside, blocking workers and async main',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const sem = new Semaphore(2);
    const stats = counter();
    const workers = [0, 1, 2].map(() => spawn('semaphoreLoop', sem, stats, 400));
    for (let i = 0; i < 100; i++) {
      equal(await sem.acquireAsync(10_000), true, 'acquireAsync');
      const inside = Atomics.add(stats, 0, 1) + 1;
      if (inside > Atomics.load(stats, 1)) Atomics.store(stats, 1, inside);
      await pause(0);
      Atomics.sub(stats, 0, 1);
      sem.release();
    }
    await Promise.all(workers.map((w) => w.result));
    check(Atomics.load(stats, 1) <= 2, `at most 2 inside, saw ${Atomics.load(stats, 1)}`);
    equal(sem.value, 2, 'value at the end');
  },
);

test(
  'Semaphore: a worker blocked in acquire() is woken by release() on main',
  ['blocking'],
  async ({ spawn }) => {
    const sem = new Semaphore(0);
    const w = spawn('semaphoreAcquire', sem, 10_000);
    await pause(20);
    sem.release();
    equal(await w.result, true, 'worker acquire()');
    equal(sem.value, 0, 'value');
    equal(await spawn('semaphoreAcquire', sem, 30).result, false, 'worker acquire(30) with no permit');
  },
);

test(
  'BoundedSemaphore: over-release throws ValueError (a RangeError), value unchanged',
  ['blocking'],
  async ({ spawn }) => {
    const bounded = new BoundedSemaphore(2);
    throws(() => bounded.release(), { name: 'ValueError', code: 'WEFT_VALUE', instance: RangeError }, 'main');
    check(new ValueError('x') instanceof RangeError, 'ValueError extends RangeError');
    equal(bounded.value, 2, 'value unchanged');
    const r = await spawn('boundedOverRelease', bounded).result;
    equal(r.error?.name, 'ValueError', 'worker error name');
    equal(r.isRangeError, true, 'worker error is a RangeError');
    equal([r.before, r.after], [2, 2], 'worker value unchanged');
    throws(() => new Semaphore(-1), { instance: RangeError }, 'new Semaphore(-1)');
    throws(() => new Semaphore(1.5), { instance: RangeError }, 'new Semaphore(1.5)');
    throws(() => new Semaphore(1).release(0), { instance: RangeError }, 'release(0)');
  },
);

// RLock -------------------------------------------------------------------------------------------

test(
  'RLock: re-entrant in its owner, refused to others (release throws, acquire times out)',
  ['blocking'],
  async ({ spawn }) => {
    const rlock = new RLock();
    const held = new Event();
    const tried = new Event();
    const go = new Event();
    const owner = spawn('rlockHoldTwice', rlock, held, go);
    equal(await held.waitAsync(10_000), true, 'held');
    check(rlock.locked(), 'locked()');
    throws(() => rlock.release(), { name: 'RuntimeError', code: 'WEFT_RUNTIME' }, 'release by a non-owner');
    check(rlock.locked(), 'still locked after the refused release');
    equal(rlock.acquire(0), false, 'acquire(0) on main');
    const contender = spawn('rlockContend', rlock, 40, tried, go);
    equal(await tried.waitAsync(10_000), true, 'the contender tried');
    go.set();
    const [o, c] = await Promise.all([owner.result, contender.result]);
    equal(o, { stillMine: true, released: true }, 'owner: still held after one release, gone after two');
    equal(c.first, false, 'contender acquire(40) while owned');
    took(c.ms, 40, 'contender acquire(40)');
    equal(c.second, true, 'contender acquire after the owner released');
    equal(rlock.acquire(0), true, 'main takes it');
    equal(rlock.acquire(0), true, 'main takes it again (re-entrant)');
    rlock.release();
    rlock.release();
    check(!rlock.locked(), 'unlocked');
  },
);

// Condition ---------------------------------------------------------------------------------------

test(
  'Condition: producer on main (async), consumers in workers (blocking), nothing lost',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const cond = new Condition(new Lock());
    const buf = counter();
    const n = 300;
    const consumers = [
      spawn('conditionConsume', cond, buf, n / 2),
      spawn('conditionConsume', cond, buf, n / 2),
    ];
    for (let i = 0; i < n; i++) {
      await cond.acquireAsync(10_000);
      buf[0]++;
      cond.notify();
      cond.release();
      if (i % 20 === 0) await pause(0);
    }
    await Promise.all(consumers.map((w) => w.result));
    equal([buf[0], buf[1]], [0, n], 'left, consumed');
  },
);

test(
  'Condition: waitAsync on main is woken by notifyAll in a worker; wait(timeout) returns false',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const cond = new Condition(new Lock());
    const buf = counter();
    equal(await cond.acquireAsync(10_000), true, 'acquireAsync');
    const w = spawn('conditionAnnounce', cond, buf);
    while (buf[2] === 0) check(await cond.waitAsync(10_000), 'waitAsync notified');
    check(cond.lock.locked(), 'lock held again after waitAsync');
    cond.release();
    await w.result;
    const t = await spawn('conditionWaitTimeout', cond, 40).result;
    equal([t.result, t.relocked], [false, true], 'worker wait(40): result, lock re-taken');
    took(t.ms, 40, 'worker wait(40)');
    const u = await spawn('conditionWaitUnlocked', cond).result;
    equal(u.error?.name, 'RuntimeError', 'wait without the lock, in a worker');
    throws(() => cond.notify(), { name: 'RuntimeError' }, 'notify without the lock, on main');
    await rejects(() => cond.waitAsync(10), { name: 'RuntimeError' }, 'waitAsync without the lock, on main');
  },
);

// Barrier -----------------------------------------------------------------------------------------

test(
  'Barrier: 3 parties (2 blocking workers, async main), distinct indices, one action per pass',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const actions = counter();
    const barrier = new Barrier(3, () => Atomics.add(actions, 0, 1));
    const passes = 20;
    const workers = [0, 1].map(() => spawn('barrierPasses', barrier, actions, passes));
    const mine = [];
    for (let i = 0; i < passes; i++) mine.push(await barrier.waitAsync(10_000));
    const [a, b] = await Promise.all(workers.map((w) => w.result));
    for (let i = 0; i < passes; i++) {
      equal([a[i], b[i], mine[i]].sort(), [0, 1, 2], `indices of pass ${i}`);
    }
    equal(Atomics.load(actions, 0), passes, 'actions run');
    equal([barrier.nWaiting, barrier.broken, barrier.parties], [0, false, 3], 'state after');
  },
);

test(
  'Barrier: a timeout in a worker breaks it for every waiter; reset() mends it',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const barrier = new Barrier(3);
    const mine = barrier.waitAsync(10_000);
    mine.catch(() => {}); // checked below, once the worker has broken the barrier
    const w = await spawn('barrierBreaks', barrier, 40).result;
    equal([w.error?.name, w.isBroken, w.broken], ['BrokenBarrierError', true, true], 'worker');
    await rejects(() => mine, { name: 'BrokenBarrierError', instance: BrokenBarrierError }, 'main waitAsync');
    check(barrier.broken, 'broken');
    await rejects(
      () => barrier.waitAsync(10),
      { name: 'BrokenBarrierError' },
      'waitAsync on a broken barrier',
    );
    barrier.reset();
    check(!barrier.broken, 'reset');
    throws(() => new Barrier(0), { instance: RangeError }, 'new Barrier(0)');
  },
);

// Timer -------------------------------------------------------------------------------------------

test(
  'Timer: fires on main after its interval; a worker blocked on finished wakes',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const calls = [];
    const t0 = performance.now();
    const timer = new Timer(50, (x) => calls.push([x, performance.now() - t0]), ['tick']);
    const w = spawn('timerJoin', timer.finished, 10_000);
    timer.start();
    check(timer.isAlive(), 'alive after start()');
    throws(() => timer.start(), { name: 'RuntimeError' }, 'second start()');
    equal(await timer.joinAsync(10_000), true, 'joinAsync');
    equal(calls.length, 1, 'called once');
    equal(calls[0][0], 'tick', 'with its args');
    check(calls[0][1] >= 50, `never early: ${calls[0][1].toFixed(1)} ms`);
    equal(await w.result, true, 'worker finished.wait()');
    check(!timer.isAlive(), 'not alive after');
  },
);

test('Timer: cancelled from a worker, its function never runs', ['blocking', 'async'], async ({ spawn }) => {
  // The interval is long enough for the slowest worker start seen (a browser on a busy VM took more
  // than 300 ms): once joinAsync is true the timer's run is over, so a function not called by then
  // never will be; the pause only gives a wrongly scheduled call a chance to show.
  let called = false;
  const timer = new Timer(5000, () => {
    called = true;
  });
  timer.start();
  await spawn('timerCancel', timer.finished).result;
  equal(await timer.joinAsync(10_000), true, 'joinAsync after cancel');
  await pause(350);
  equal(called, false, 'function not run');
});

// Sharing -----------------------------------------------------------------------------------------

test(
  'revive: primitives nested in a message arrive live; X.from refuses others',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const lock = new Lock();
    const sem = new Semaphore(0);
    const event = new Event();
    lock.acquire(0);
    const r = await spawn('nested', { list: [lock, sem], inner: { event, note: 'x' } }).result;
    equal(r.kinds, [true, true, true], 'Lock, Semaphore, Event live in the worker');
    equal(r.revivedTwice, true, 'revive is idempotent');
    equal(
      r.errors.map((e) => [e?.name, e?.code]),
      [
        ['TypeError', 'WEFT_BAD_HANDLE'],
        ['TypeError', 'WEFT_BAD_HANDLE'],
        ['TypeError', 'WEFT_BAD_HANDLE'],
      ],
      'X.from on what is not an X',
    );
    check(!lock.locked(), "the worker released main's lock");
    equal(sem.value, 2, "the worker released main's semaphore");
    equal(await event.waitAsync(10_000), true, 'the worker set the event');
    throws(() => Event.from({ __weft: 'Event' }), { instance: TypeError }, 'Event.from(made-up)');
  },
);

test(
  'revive: primitives made in a worker come back live and reach a second worker',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const made = revive(await spawn('makeHere').result);
    check(made.event instanceof Event && made.lock instanceof Lock && made.rlock instanceof RLock, 'kinds');
    check(made.cond instanceof Condition && made.bounded instanceof BoundedSemaphore, 'kinds');
    check(made.lock.locked(), 'the lock the worker took is still locked');
    made.lock.release();
    const waiting = made.event.waitAsync(10_000);
    spawn('eventSetAfter', made.event, 10);
    equal(await waiting, true, 'set by a second worker');
    equal(made.bounded.value, 2, 'BoundedSemaphore value');
  },
);

// Errors ------------------------------------------------------------------------------------------

test('errors: bad timeouts throw (blocking) or reject (async), never corrupt', [], async () => {
  const event = new Event();
  const lock = new Lock();
  throws(() => event.wait(Number.NaN), { instance: RangeError, code: 'WEFT_BAD_ARGUMENT' }, 'wait(NaN)');
  throws(() => event.wait('10'), { instance: TypeError, code: 'WEFT_BAD_ARGUMENT' }, "wait('10')");
  await rejects(() => event.waitAsync(Number.NaN), { instance: RangeError }, 'waitAsync(NaN)');
  await rejects(() => event.waitAsync('10'), { instance: TypeError }, "waitAsync('10')");
  await rejects(() => lock.acquireAsync(Number.NaN), { instance: RangeError }, 'acquireAsync(NaN)');
  await rejects(() => lock.acquireAsync(10, { signal: 'no' }), { instance: TypeError }, 'bad signal');
  check(!lock.locked() && !event.isSet(), 'state unchanged');
});

test(
  'errors: blocking forms on main block where allowed, else throw CannotBlockError naming the Async twin',
  ['blocking'],
  async ({ spawn, canBlockMain }) => {
    const event = new Event();
    const lock = new Lock();
    const held = new Event();
    const go = new Event();
    const holder = spawn('lockHold', lock, held, go);
    await held.waitAsync(10_000);
    const sem = new Semaphore(0);
    const cond = new Condition(new Lock());
    const barrier = new Barrier(2);
    if (canBlockMain) {
      const t0 = performance.now();
      equal(event.wait(30), false, 'main wait(30)');
      took(performance.now() - t0, 30, 'main wait(30)');
      equal(lock.acquire(30), false, 'main acquire(30) of a held lock');
      equal(sem.acquire(20), false, 'main Semaphore.acquire(20)');
      // Block only once the setter runs: in a browser, a worker that blocks cannot start a nested worker.
      const ready = new Event();
      const setter = spawn('eventSetWhenReady', ready, event, 20);
      equal(await ready.waitAsync(10_000), true, 'the setter runs');
      equal(event.wait(10_000), true, 'main wait() woken by a worker');
      await setter.result;
    } else {
      const blocked = [
        [() => event.wait(), /waitAsync/, 'Event.wait'],
        [() => event.wait(50), /waitAsync/, 'Event.wait(50)'],
        [() => lock.acquire(), /acquireAsync/, 'Lock.acquire'],
        [() => sem.acquire(), /acquireAsync/, 'Semaphore.acquire'],
        [() => barrier.wait(), /waitAsync/, 'Barrier.wait'],
        [() => cond.lock.acquire() && cond.wait(), /waitAsync/, 'Condition.wait'],
      ];
      for (const [fn, twin, what] of blocked) {
        throws(
          fn,
          { name: 'CannotBlockError', code: 'WEFT_CANNOT_BLOCK', message: twin, instance: CannotBlockError },
          what,
        );
      }
      cond.lock.release();
      equal(event.wait(0), false, 'wait(0) polls without blocking');
      equal(lock.acquire(0), false, 'acquire(0) polls without blocking');
      check(cond.lock.acquire(), 'an uncontended acquire() does not need to block');
      cond.lock.release();
      equal([barrier.nWaiting, barrier.broken, sem.value], [0, false, 0], 'nothing left behind');
    }
    go.set();
    await holder.result;
  },
);

test(
  'Condition.wait(0) / waitFor(p, 0): poll where blocking is allowed, else CannotBlockError with the lock still held and nothing registered',
  ['blocking'],
  async ({ canBlockMain }) => {
    // Issue 9, finding 5: re-taking the lock after the poll may have to wait, so where blocking is
    // not allowed the call must refuse up front, not fail half-way without the lock.
    const cond = new Condition(new Lock());
    check(cond.lock.acquire(0), 'the lock is free');
    const waiters = () => Atomics.load(cond._i32, cond._at + 1) + Atomics.load(cond._i32, cond._at + 2);
    if (canBlockMain) {
      equal(cond.wait(0), false, 'wait(0) polls');
      equal(
        cond.waitFor(() => false, 0),
        false,
        'waitFor(p, 0) polls',
      );
    } else {
      const refused = { name: 'CannotBlockError', code: 'WEFT_CANNOT_BLOCK', instance: CannotBlockError };
      throws(() => cond.wait(0), { ...refused, message: /Condition\.waitAsync\(\)/ }, 'wait(0)');
      let called = false;
      const predicate = () => {
        called = true;
        return false;
      };
      throws(
        () => cond.waitFor(predicate, 0),
        { ...refused, message: /Condition\.waitForAsync\(\)/ },
        'waitFor',
      );
      check(!called, 'waitFor(p, 0) did not call the predicate');
    }
    check(cond.lock.locked(), 'the caller still holds the lock');
    equal(waiters(), 0, 'no waiter left registered');
    cond.release();
    equal(await cond.lock.acquireAsync(0), true, 'the lock was released once, by the caller');
    cond.lock.release();
  },
);

// Queue -------------------------------------------------------------------------------------------

/** The values every runtime must carry through a queue, and how to compare what comes back. */
const QUEUE_VALUES = [
  0,
  -0,
  Number.NaN,
  2 ** 53,
  -1.5,
  'hello',
  '',
  'ünïcödé ✓ 🧵',
  true,
  null,
  [1, 'two', [3]],
  { id: 7, name: 'x', tags: ['a', 'b'] },
  new Uint8Array([1, 2, 3, 250]),
];
function sameValue(a, b) {
  if (typeof a === 'number') return Object.is(a, b);
  if (a instanceof Uint8Array) return b instanceof Uint8Array && a.join() === b.join();
  return JSON.stringify(a) === JSON.stringify(b);
}

test(
  'Queue: a worker puts (blocking), main gets with getAsync: order and values kept',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const q = new Queue(2); // small: the worker's put() blocks until main has got
    const w = spawn('queuePutAll', q, QUEUE_VALUES);
    for (const [i, v] of QUEUE_VALUES.entries()) {
      const got = await q.getAsync(10_000);
      check(
        sameValue(got, v),
        `item ${i}: ${JSON.stringify(String(got))}, sent ${JSON.stringify(String(v))}`,
      );
      q.taskDone();
    }
    equal((await w.result).put, QUEUE_VALUES.length, 'worker put() count');
    equal(await q.joinAsync(1000), true, 'joinAsync: every item done');
    equal(q.qsize(), 0, 'empty');
  },
);

test(
  'Queue: a worker blocked in get() is woken by putAsync on main; Empty and Full time out',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const q = new Queue(1);
    const w = spawn('queueGet', q, 10_000);
    await pause(20);
    await q.putAsync({ hello: 'worker' }, 10_000);
    const r = await w.result;
    equal(r.value, { hello: 'worker' }, 'worker get()');
    const empty = await spawn('queueGet', q, 40).result;
    equal(empty.error, 'Empty', 'worker get(40) on an empty queue');
    took(empty.ms, 40, 'worker get(40)');
    q.putNowait(1);
    const full = await spawn('queuePut', q, 2, 40).result;
    equal(full.error, 'Full', 'worker put(2, 40) on a full queue');
    took(full.ms, 40, 'worker put(2, 40)');
    await rejects(() => q.putAsync(3, 0), { name: 'Full' }, 'putAsync(3, 0) on a full queue');
    equal(await q.getAsync(0), 1, 'getAsync(0)');
    await rejects(() => q.getAsync(0), { name: 'Empty' }, 'getAsync(0) on an empty queue');
  },
);

test(
  'Queue: shutdown() wakes a worker blocked in get() with ShutDown; for await ends after the rest',
  ['blocking', 'async'],
  async ({ spawn }) => {
    const q = new Queue();
    const w = spawn('queueGet', q, 10_000);
    await pause(20);
    q.shutdown();
    equal((await w.result).error, 'ShutDown', 'blocked worker get()');
    const q2 = new Queue();
    await spawn('queuePutAll', q2, ['a', 'b', 'c'], true).result; // puts, then shutdown()
    const seen = [];
    for await (const item of q2) seen.push(item);
    equal(seen, ['a', 'b', 'c'], 'async iteration drains, then ends');
    throws(() => q2.putNowait('d'), { name: 'ShutDown' }, 'put after shutdown');
  },
);

test('Queue: LifoQueue and PriorityQueue order across threads', ['blocking', 'async'], async ({ spawn }) => {
  const lifo = new LifoQueue();
  const prio = new PriorityQueue();
  await spawn('queuePutAll', lifo, [1, 2, 3]).result;
  await spawn('queuePutAll', prio, [
    [2, 'b'],
    [1, 'z'],
    [2, 'a'],
    [0, 'q'],
  ]).result;
  equal([await lifo.getAsync(0), await lifo.getAsync(0), await lifo.getAsync(0)], [3, 2, 1], 'LIFO');
  const out = [];
  for (let i = 0; i < 4; i++) out.push(await prio.getAsync(0));
  equal(
    out,
    [
      [0, 'q'],
      [1, 'z'],
      [2, 'a'],
      [2, 'b'],
    ],
    'lowest first',
  );
});

test(
  'Queue: get() blocks where allowed, else CannotBlockError names getAsync; a refused value is a TypeError',
  ['async'],
  async ({ canBlockMain }) => {
    const q = new Queue();
    if (canBlockMain) {
      q.put(5);
      equal(q.get(), 5, 'get() on main');
    } else {
      throws(() => q.get(), { name: 'CannotBlockError', message: /getAsync/ }, 'get() on main');
      // A put that need not wait does not block, so it is allowed; one that would wait is not.
      q.put(1, 10);
      equal(q.getNowait(), 1, 'put(1, 10) on a queue with room');
      const full = new Queue(1);
      full.putNowait(0);
      throws(
        () => full.put(1, 10),
        { name: 'CannotBlockError', message: /putAsync/ },
        'put(1, 10) on a full queue',
      );
    }
    throws(() => q.putNowait(() => 1), { name: 'TypeError' }, 'putNowait(a function)');
    await rejects(() => q.putAsync(Symbol('s')), { name: 'TypeError' }, 'putAsync(a symbol)');
    equal(q.qsize(), 0, 'nothing enqueued');
  },
);

// Thread ------------------------------------------------------------------------------------------

const target = new URL('./thread-target.mjs', import.meta.url);

test(
  'Thread: runs a module in a new worker with live args; joinAsync; ident',
  ['thread', 'async'],
  async () => {
    const lock = new Lock();
    const count = counter();
    const idents = new Float64Array(new SharedArrayBuffer(16));
    const threads = [0, 1].map(
      (i) => new Thread(target, { args: ['count', lock, count, 1000, idents, i], name: `counter-${i}` }),
    );
    check(!threads[0].isAlive(), 'not alive before start()');
    await rejects(() => threads[0].joinAsync(), { name: 'RuntimeError' }, 'joinAsync before start()');
    for (const t of threads) t.start();
    throws(() => threads[0].start(), { name: 'RuntimeError' }, 'second start()');
    for (const t of threads) check(Number.isSafeInteger(t.ident) && t.ident !== 0, `ident ${t.ident}`);
    check(threads[0].ident !== threads[1].ident && threads[0].ident !== getIdent(), 'idents distinct');
    for (let i = 0; i < 200; i++) {
      await lock.acquireAsync(10_000);
      count[0]++;
      lock.release();
    }
    for (const t of threads) equal(await t.joinAsync(20_000), true, `${t.name} joinAsync`);
    for (const t of threads) check(!t.isAlive(), `${t.name} not alive after join`);
    equal(count[0], 2200, 'count');
    equal([idents[0], idents[1]], [threads[0].ident, threads[1].ident], 'getIdent() inside = thread.ident');
    equal(currentThread().ident, getIdent(), 'currentThread().ident');
  },
);

test(
  'Thread: a target that blocks on a primitive; join() blocks where allowed, else CannotBlockError',
  ['thread', 'blocking'],
  async ({ canBlockMain }) => {
    const go = new Event();
    const started = new Event();
    const t = new Thread(target, { args: ['waitFor', started, go], name: 'waiter' });
    t.start();
    equal(await started.waitAsync(10_000), true, 'the thread started');
    check(t.isAlive(), 'alive while it waits');
    equal(await t.joinAsync(30), false, 'joinAsync(30) while it waits');
    if (canBlockMain) {
      equal(t.join(30), false, 'join(30) while it waits');
      go.set();
      equal(t.join(10_000), true, 'join() after go');
    } else {
      throws(() => t.join(), { name: 'CannotBlockError', message: /joinAsync/ }, 'join() on main');
      go.set();
      equal(await t.joinAsync(10_000), true, 'joinAsync after go');
    }
  },
);

test('Thread: an error in the target is reported and the thread still ends', ['thread'], async () => {
  const t = new Thread(target, { args: ['throw'], name: 'expected-error' });
  t.start();
  equal(await t.joinAsync(10_000), true, 'joinAsync');
  check(!t.isAlive(), 'ended');
});

// Runner ------------------------------------------------------------------------------------------

/**
 * Runs every test in order; returns { passed, failed, tests: [{ name, tags, ok, ms, error }] }.
 * @param host - { spawn, report?, canBlockMain?, only? (runs only the tests whose name contains it) }
 */
export async function runContract(host) {
  const report = host.report ?? console.log;
  const canBlockMain = host.canBlockMain ?? mainCanBlock();
  const results = [];
  for (const t of tests) {
    if (host.only !== undefined && !t.name.includes(host.only)) continue;
    const workers = [];
    const crashed = []; // workers whose scenario failed: named in the test's failure
    const spawn = (scenario, ...args) => {
      const w = host.spawn(scenario, ...args);
      // A test that ignores a worker's result must not crash the run; its error still shows.
      w.result.catch((error) => crashed.push(`worker ${scenario}: ${error?.name}: ${error?.message}`));
      workers.push(w);
      return w;
    };
    const t0 = performance.now();
    let timer;
    let error;
    try {
      await Promise.race([
        t.fn({ spawn, canBlockMain }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Failure(`watchdog: no end within ${WATCHDOG_MS} ms (hang?)`)),
            WATCHDOG_MS,
          );
        }),
      ]);
    } catch (e) {
      error = e instanceof Failure ? e.message : `${e?.name}: ${e?.message}`;
      await pause(0);
      if (crashed.length > 0) error += ` [${crashed.join('; ')}]`;
    } finally {
      clearTimeout(timer);
      for (const w of workers) w.terminate();
    }
    const ms = performance.now() - t0;
    results.push({ name: t.name, tags: t.tags, ok: error === undefined, ms: Math.round(ms), error });
    report(error === undefined ? `  ok   ${t.name} (${ms.toFixed(0)} ms)` : `  FAIL ${t.name}: ${error}`);
  }
  const passed = results.filter((r) => r.ok).length;
  return { passed, failed: results.length - passed, canBlockMain, tests: results };
}

/** Summarises a run into the runtime matrix's columns: yes when every test with the tag passed. */
export function capabilities(run) {
  const all = (tag) => {
    const tagged = run.tests.filter((t) => t.tags.includes(tag));
    return tagged.length > 0 && tagged.every((t) => t.ok);
  };
  return { blockingWaits: all('blocking'), asyncWaits: all('async'), thread: all('thread') };
}
