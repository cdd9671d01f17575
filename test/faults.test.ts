/*
 * Faults: threads terminated (worker.terminate()) while they sleep in a wait, while an async wait
 * of theirs is pending, and while they hold a Lock, an RLock or Semaphore permits. The other
 * threads must keep working, or fail clearly: never hang without a trace.
 *
 * Abandonment detection (docs/reliability.md, "Faults"): what a weft Thread held when it ended
 * (terminated, or returned without releasing) is taken over by a waiter, which gets AbandonedError
 * while holding it. What a plain worker held cannot be detected: waiters time out.
 * Every wait here has a watchdog or a timeout.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import type { Worker } from 'node:worker_threads';
import {
  AbandonedError,
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  getIdent,
  Lock,
  PriorityQueue,
  Queue,
  RLock,
  Semaphore,
  SimpleQueue,
  Thread,
} from 'weft-threading';
import { OUT_ABANDONED, OUT_ACQUIRED } from './fixtures/faults.js';
import type { Ended } from './fixtures/queue.js';
import { isPending, rejectionOf, runInWorker, StepLog, until, watchdog } from './helpers.js';

const T = { timeout: 20000 };
const FIXTURE = new URL('./fixtures/faults.js', import.meta.url);

/** Starts a plain worker running the faults fixture's export `name`; `kill()` terminates it. */
function worker<T = unknown>(
  name: string,
  ...args: unknown[]
): { result: Promise<T>; kill: () => Promise<number> } {
  const running = runInWorker<T>('faults', name, ...args);
  return {
    result: running.result,
    kill: () => {
      running.result.catch(() => {}); // terminated: it will never post a result
      return running.worker.terminate();
    },
  };
}

/** Starts a weft Thread running the faults fixture's target `name`. */
function thread(name: string, ...args: unknown[]): Thread {
  const t = new Thread(FIXTURE, { args: [name, ...args], name: `faults:${name}` });
  t.start();
  return t;
}

/** Terminates a weft Thread's worker (a crash, as far as everyone else can tell). */
async function kill(t: Thread): Promise<void> {
  await (t._worker() as Worker).terminate();
}

function logged(log: StepLog, step: number, what: string): Promise<void> {
  return until(() => log.entries().includes(step), what, 10000);
}

function assertAbandoned(error: unknown, primitive: string, holder: number | undefined): void {
  assert.ok(error instanceof AbandonedError, `expected AbandonedError, got ${String(error)}`);
  assert.equal(error.name, 'AbandonedError');
  assert.equal(error.code, 'WEFT_ABANDONED');
  assert.equal(error.primitive, primitive);
  if (holder !== undefined) assert.equal(error.holder, holder);
}

describe('faults: a terminated sleeper does not swallow a wake-up', () => {
  test(
    'Event: two sleepers and a pending waitAsync in workers; two terminated; set() wakes the rest',
    T,
    async () => {
      const e = new Event();
      const log = new StepLog();
      const a = worker('eventWait', e, log.i32, 1);
      const b = worker('eventWait', e, log.i32, 2);
      const c = worker('eventWaitAsync', e, log.i32, 3);
      const mine = e.waitAsync();
      await until(() => log.entries().length === 3, 'three waiters are waiting');
      await Promise.all([a.kill(), c.kill()]);
      e.set();
      assert.equal(await watchdog(b.result, 5000, 'the surviving blocking waiter'), true);
      assert.equal(await watchdog(mine, 5000, 'the async waiter on main'), true);
    },
  );

  test(
    'Lock: of three waiters, a blocking and an async one are terminated; release() wakes the third',
    T,
    async () => {
      const lock = new Lock();
      lock.acquire();
      const log = new StepLog();
      const a = worker('lockAcquire', lock, log.i32, 1);
      const b = worker('lockAcquireAsync', lock, log.i32, 2);
      await until(() => log.entries().length === 2, 'two waiters are waiting');
      const c = worker('lockAcquire', lock, log.i32, 3);
      await logged(log, 3, 'the third waiter is waiting');
      await Promise.all([a.kill(), b.kill()]);
      lock.release();
      assert.equal(await watchdog(c.result, 5000, 'the surviving Lock waiter'), true);
      assert.deepEqual(
        log.entries().filter((s) => s > 100),
        [103],
      );
      assert.equal(lock.locked(), false);
      assert.equal(await lock.acquireAsync(1000), true);
      lock.release();
    },
  );

  test('Semaphore: terminated blocking and async waiters; release(1) reaches the live one', T, async () => {
    const sem = new Semaphore(0);
    const log = new StepLog();
    const a = worker('semAcquire', sem, log.i32, 1);
    const b = worker('semAcquireAsync', sem, log.i32, 2);
    const c = worker('semAcquire', sem, log.i32, 3);
    await until(() => log.entries().length === 3, 'three waiters are waiting');
    await Promise.all([a.kill(), b.kill()]);
    sem.release();
    assert.equal(await watchdog(c.result, 5000, 'the surviving Semaphore waiter'), true);
    assert.equal(sem.value, 0);
    sem.release();
    assert.equal(await sem.acquireAsync(1000), true);
  });

  test('Condition: one of two waiters terminated; notify(1) wakes the other', T, async () => {
    const cond = new Condition(new Lock());
    const log = new StepLog();
    const a = worker('condWait', cond, log.i32, 1);
    const b = worker('condWait', cond, log.i32, 2);
    await until(() => log.entries().length === 2, 'two waiters are waiting');
    // Both logged while holding the lock, before wait() released it: taking it proves both sleep.
    await until(() => !cond.lock.locked(), 'the waiters released the lock');
    await cond.acquireAsync();
    cond.release();
    await a.kill();
    await cond.acquireAsync();
    cond.notify(1);
    cond.release();
    assert.equal(await watchdog(b.result, 5000, 'the surviving Condition waiter'), true);
  });

  test(
    'Barrier: a party terminated while waiting; the others fail clearly (BrokenBarrierError)',
    T,
    async () => {
      const barrier = new Barrier(4);
      const log = new StepLog();
      const a = worker('barrierWait', barrier, log.i32, 1);
      const b = worker('barrierWait', barrier, log.i32, 2);
      await until(() => barrier.nWaiting === 2, 'two parties wait');
      await a.kill();
      // The dead party is still counted: the pass can never fill. A timeout breaks it for everyone.
      const error = await rejectionOf(barrier.waitAsync(200));
      assert.equal(error.name, 'BrokenBarrierError');
      assert.equal(await watchdog(b.result, 5000, 'the surviving Barrier party'), 'BrokenBarrierError');
      assert.equal(barrier.broken, true);
      assert.equal((await rejectionOf(barrier.waitAsync(1000))).name, 'BrokenBarrierError');
      // After reset() the dead party is still counted inside the broken pass (it never leaves): a
      // newcomer with a timeout still fails clearly (docs/reliability.md: make a new Barrier).
      barrier.reset();
      assert.equal((await rejectionOf(barrier.waitAsync(200))).name, 'BrokenBarrierError');
    },
  );
});

describe('faults: a terminated plain worker holding a primitive (not detectable)', () => {
  test('Lock held by a plain worker: waiters time out, and say so by returning false', T, async () => {
    const lock = new Lock();
    const log = new StepLog();
    const holder = worker('lockHoldForever', lock, log.i32, 1);
    await logged(log, 1, 'the plain worker holds the lock');
    await holder.kill();
    assert.equal(await lock.acquireAsync(150), false);
    assert.equal(lock.locked(), true);
  });
});

describe('faults: abandonment of what a weft Thread held', () => {
  test(
    'Lock held by a terminated Thread: the async waiter gets AbandonedError and holds the lock',
    T,
    async () => {
      const lock = new Lock();
      const log = new StepLog();
      const t = thread('hold-lock', lock, log.i32, 1, 'forever');
      await logged(log, 1, 'the thread holds the lock');
      const waiting = lock.acquireAsync();
      assert.equal(await isPending(waiting), true, 'a live holder is not abandoned');
      await kill(t);
      const error = await watchdog(rejectionOf(waiting), 5000, 'the waiter of an abandoned Lock');
      assertAbandoned(error, 'Lock', t.ident);
      assert.equal(lock.locked(), true, 'the waiter holds it');
      assert.equal(lock.acquire(0), false);
      lock.release();
      assert.equal(lock.acquire(0), true);
      lock.release();
    },
  );

  test(
    'Lock kept by a Thread that returned: a blocking acquire on main detects it (main busy)',
    T,
    async () => {
      const lock = new Lock();
      const log = new StepLog();
      const t = thread('hold-lock', lock, log.i32, 1, 'return');
      await logged(log, 1, 'the thread holds the lock');
      // Block the main thread: its event loop cannot see the worker's 'exit' event, but the thread
      // marks its own end.
      assert.throws(
        () => lock.acquire(10000),
        (error) => {
          assertAbandoned(error, 'Lock', t.ident);
          return true;
        },
      );
      lock.release();
      await t.joinAsync();
    },
  );

  test(
    'Lock: of two waiters (main async, a Thread blocking) one takes it over, the other follows',
    T,
    async () => {
      const lock = new Lock();
      const log = new StepLog();
      const out = new Int32Array(new SharedArrayBuffer(8));
      const holder = thread('hold-lock', lock, log.i32, 1, 'forever');
      await logged(log, 1, 'the thread holds the lock');
      const waiter = thread('lock-waiter', lock, log.i32, 2, out, 0);
      await logged(log, 2, 'the waiting thread is about to wait');
      const mine = lock.acquireAsync(10000).then(
        (got) => (got ? OUT_ACQUIRED : 0),
        (error) => (error instanceof AbandonedError ? OUT_ABANDONED : -1),
      );
      await kill(holder);
      const main = await watchdog(mine, 5000, 'the async waiter');
      if (main === OUT_ABANDONED || main === OUT_ACQUIRED) lock.release();
      assert.equal(await watchdog(waiter.joinAsync(), 10000, 'the waiting thread'), true);
      const outcomes = [main, Atomics.load(out, 0)].sort();
      assert.deepEqual(outcomes, [OUT_ACQUIRED, OUT_ABANDONED], 'exactly one takes it over');
      assert.equal(lock.locked(), false);
    },
  );

  test('Lock taken in a Thread and released by another thread is not taken for abandoned', T, async () => {
    const lock = new Lock();
    const log = new StepLog();
    const t = thread('take-lock-for-another', lock, log.i32, 1);
    await logged(log, 1, 'the thread took the lock');
    lock.release(); // a Lock is not owned: main releases what the thread took
    await t.joinAsync();
    await new Promise((r) => setTimeout(r, 120)); // the thread is gone for sure (more than a slice)
    assert.equal(await lock.acquireAsync(1000), true);
    lock.release();
  });

  test('a live Thread holding a Lock longer than several slices is never taken for dead', T, async () => {
    const lock = new Lock();
    const log = new StepLog();
    const go = new Int32Array(new SharedArrayBuffer(4));
    const t = thread('hold-lock-a-while', lock, log.i32, 1, go);
    await logged(log, 1, 'the thread holds the lock');
    const waiting = lock.acquireAsync(10000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await isPending(waiting), true);
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    assert.equal(await watchdog(waiting, 5000, 'the waiter of a released Lock'), true);
    lock.release();
    await t.joinAsync();
  });

  test(
    'RLock owned (depth 2) by a terminated Thread: a plain worker waiter owns it at depth 1',
    T,
    async () => {
      const rlock = new RLock();
      const log = new StepLog();
      const t = thread('hold-rlock', rlock, log.i32, 1, 2);
      await logged(log, 1, 'the thread owns the RLock');
      const waiter = worker<{ out: number; inspect: string }>('rlockAcquireReport', rlock, log.i32, 2);
      await logged(log, 2, 'the plain worker is about to wait');
      await kill(t);
      const r = await watchdog(waiter.result, 10000, 'the RLock waiter');
      assert.deepEqual(r, { out: OUT_ABANDONED, inspect: 'owned, unlocked after one release' });
      assert.equal(rlock.locked(), false);
      assert.equal(rlock.acquire(0), true);
      rlock.release();
    },
  );

  test(
    'RLock of a terminated Thread: a blocking acquire on main gets AbandonedError naming the owner',
    T,
    async () => {
      const rlock = new RLock();
      const log = new StepLog();
      const t = thread('hold-rlock', rlock, log.i32, 1, 1);
      await logged(log, 1, 'the thread owns the RLock');
      // The starting thread learns of a termination on its event loop: let it, then block.
      await kill(t);
      assert.throws(
        () => rlock.acquire(10000),
        (error) => {
          assertAbandoned(error, 'RLock', t.ident);
          return true;
        },
      );
      assert.equal(rlock._isOwned(), true);
      assert.equal(inspect(rlock), `RLock { owner: ${getIdent()}, count: 1 }`);
      rlock.release();
    },
  );

  test('Semaphore permit held with hold() by a terminated Thread: the waiter recovers it', T, async () => {
    const sem = new Semaphore(1);
    const log = new StepLog();
    const t = thread('hold-permits', sem, log.i32, 1, 1, 'forever');
    await logged(log, 1, 'the thread holds the permit');
    const waiting = sem.acquireAsync(10000);
    await kill(t);
    const error = await watchdog(rejectionOf(waiting), 5000, 'the waiter of an abandoned permit');
    assertAbandoned(error, 'Semaphore', t.ident);
    assert.equal(sem.value, 0, 'the waiter holds the recovered permit');
    sem.release();
    assert.equal(sem.value, 1);
  });

  test(
    'BoundedSemaphore: two permits of a terminated Thread; one kept by the waiter, one given back',
    T,
    async () => {
      const sem = new BoundedSemaphore(2);
      const log = new StepLog();
      const t = thread('hold-permits', sem, log.i32, 1, 2, 'forever');
      await logged(log, 1, 'the thread holds both permits');
      const waiting = sem.acquireAsync(10000);
      await kill(t);
      assertAbandoned(await watchdog(rejectionOf(waiting), 5000, 'the waiter'), 'BoundedSemaphore', t.ident);
      assert.equal(sem.value, 1);
      sem.release();
      assert.equal(sem.value, 2);
      assert.throws(() => sem.release(), { name: 'ValueError' });
    },
  );

  test(
    'Semaphore permit left held by a Thread that returned: released at its end, with a warning',
    T,
    async () => {
      const sem = new Semaphore(1);
      const log = new StepLog();
      // The thread's console.warn reaches this thread's stderr: listen to it.
      let written = '';
      const write = process.stderr.write;
      process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        written += String(chunk);
        return write.call(process.stderr, chunk, ...rest);
      }) as typeof process.stderr.write;
      try {
        const t = thread('hold-permits', sem, log.i32, 1, 1, 'return');
        await logged(log, 1, 'the thread holds the permit');
        assert.equal(await watchdog(sem.acquireAsync(10000), 5000, 'the waiter of a leftover permit'), true);
        sem.release();
        await t.joinAsync();
        assert.equal(sem.value, 1);
        await until(() => written.includes('ended holding a permit'), 'the warning is written', 5000);
        assert.match(written, /weft: Thread faults:hold-permits ended holding a permit of Semaphore/);
      } finally {
        process.stderr.write = write;
      }
    },
  );

  test('a permit taken with acquire() in a Thread that returned is a signal, not abandoned', T, async () => {
    const sem = new Semaphore(1);
    const log = new StepLog();
    const t = thread('take-permit', sem, log.i32, 1);
    await t.joinAsync();
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(sem.value, 0);
    assert.equal(await sem.acquireAsync(150), false);
  });

  test('Lock held by a daemon Thread stopped with the thread that started it', T, async () => {
    const lock = new Lock();
    const log = new StepLog();
    const childIdent = new Int32Array(new SharedArrayBuffer(8));
    const parent = thread('spawn-daemon-holder', lock, log.i32, 1, childIdent);
    await watchdog(parent.joinAsync(), 10000, 'the parent thread');
    const error = await watchdog(rejectionOf(lock.acquireAsync(10000)), 5000, 'the waiter');
    const child = Atomics.load(childIdent, 0) * 0x100000000 + (Atomics.load(childIdent, 1) >>> 0);
    assertAbandoned(error, 'Lock', child);
    lock.release();
  });

  test(
    'Condition: the notifier dies holding the lock; waitAsync rejects with AbandonedError, holding it',
    T,
    async () => {
      const cond = new Condition(new Lock());
      const log = new StepLog();
      await cond.acquireAsync();
      const waiting = cond.waitAsync(10000);
      const t = thread('notify-and-hang', cond, log.i32, 1);
      await logged(log, 1, 'the thread notified, holding the lock');
      await kill(t);
      assertAbandoned(await watchdog(rejectionOf(waiting), 5000, 'the condition waiter'), 'Lock', t.ident);
      assert.equal(cond.lock.locked(), true);
      cond.release();
    },
  );
});

describe('faults: a Barrier party that is a weft Thread dies inside wait()', () => {
  /** Asserts that `error` is the BrokenBarrierError of a party that ended. */
  function assertPartyEnded(error: unknown): void {
    assert.ok(error instanceof BrokenBarrierError, `expected BrokenBarrierError, got ${String(error)}`);
    assert.equal(error.reason, 'party-ended');
    assert.match(error.message, /ended inside its wait/);
  }

  test(
    'a party terminated inside wait() broke the barrier for the others (they used to wait until their timeout)',
    T,
    async () => {
      const barrier = new Barrier(4);
      const log = new StepLog();
      const t = thread('barrier-party', barrier, log.i32, 1);
      await until(() => barrier.nWaiting === 1, 'the thread waits');
      const blocking = worker('barrierWait', barrier, log.i32, 2, 15000);
      await until(() => barrier.nWaiting === 2, 'a plain worker waits too');
      const waiting = rejectionOf(barrier.waitAsync(15000)); // observed at once: it may break soon
      await kill(t);
      const t0 = performance.now();
      assertPartyEnded(await watchdog(waiting, 5000, 'the async party'));
      assert.ok(performance.now() - t0 < 5000);
      assert.equal(await watchdog(blocking.result, 5000, 'the blocking party'), 'BrokenBarrierError');
      assert.equal(barrier.broken, true);
      barrier.reset(); // the dead party was left on its behalf: the barrier is usable again
      assert.equal(barrier.broken, false);
      assert.equal(barrier.nWaiting, 0);
    },
  );

  test('a party that called process.exit() with a waitAsync pending breaks the barrier', T, async () => {
    const barrier = new Barrier(3);
    const log = new StepLog();
    const t = thread('barrier-party-exits', barrier, log.i32, 1);
    await until(() => barrier.nWaiting === 1, 'the thread waits');
    // Observe the rejection at once: the barrier may break before the thread's join settles.
    const rejected = rejectionOf(barrier.waitAsync(15000));
    await watchdog(t.joinAsync(), 10000, 'the thread that exits');
    assertPartyEnded(await watchdog(rejected, 5000, 'the other party'));
  });

  test('the last arriver terminated inside the action: the others get BrokenBarrierError', T, async () => {
    const barrier = new Barrier(2);
    const log = new StepLog();
    const waiting = rejectionOf(barrier.waitAsync(15000)); // observed at once: it may break soon
    await until(() => barrier.nWaiting === 1, 'the first party waits');
    const t = thread('barrier-stuck-action', barrier, log.i32, 1);
    await logged(log, 1, 'the action runs');
    await kill(t);
    assertPartyEnded(await watchdog(waiting, 5000, 'the first party'));
    barrier.reset();
    const passing = barrier.waitAsync(5000);
    assert.equal(await barrier.waitAsync(5000), 1);
    assert.equal(await passing, 0);
  });

  test('a live Thread party waiting several slices is never taken for dead', T, async () => {
    const barrier = new Barrier(3);
    const log = new StepLog();
    const t = thread('barrier-party', barrier, log.i32, 1);
    await until(() => barrier.nWaiting === 1, 'the thread waits');
    const waiting = barrier.waitAsync(15000); // watches the thread, slice after slice
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(barrier.broken, false);
    assert.equal(await isPending(waiting), true);
    const last = worker('barrierWait', barrier, log.i32, 2, 15000);
    assert.equal(await watchdog(last.result, 5000, 'the last party'), 2);
    assert.equal(await waiting, 1);
    await kill(t);
  });
});

/** assert.throws's check for assertAbandoned. */
function isAbandoned(primitive: string, holder: number | undefined): (error: unknown) => boolean {
  return (error) => {
    assertAbandoned(error, primitive, holder);
    return true;
  };
}

/** A queue's NF_WAITERS and DONE_WAITERS words (src/internal/queue-store.ts): who sleeps on it. */
const NF_WAITERS = 11;
const NE_WAITERS = 9;
const DONE_WAITERS = 14;

describe('faults: a queue whose lock holder stopped (the DIRTY word, src/queue.ts)', () => {
  test(
    'stopped in the middle of a storage change: the queue is broken; its waiters and every later call get AbandonedError',
    T,
    async () => {
      const q = new Queue<string>(1);
      q.put('a'); // full, one task unfinished
      const log = new StepLog();
      const putter = runInWorker<Ended>('queue', 'putOne', q, log.i32, 1, 'b', 20000);
      const joining = q.joinAsync(20000);
      await until(() => Atomics.load(q._i32, q._at + NF_WAITERS) === 1, 'the putter sleeps');
      await until(() => Atomics.load(q._i32, q._at + DONE_WAITERS) === 1, 'the joiner sleeps');
      const t = thread('queue-stop-inside', q, log.i32, 2, 1);
      await logged(log, 2, 'the thread holds the lock, DIRTY set');
      assert.equal(await t.joinAsync(10000), true, 'the thread ended, holding the lock');
      // The first taker (through lockSteps) takes the lock over and finds DIRTY.
      const first = await watchdog(rejectionOf(q.getAsync(0)), 5000, 'the first taker');
      assertAbandoned(first, 'Queue', t.ident);
      assert.match(
        String((first as Error).message),
        /^Queue\.getAsync: the thread \d+ stopped in the middle/,
      );
      // Every waiter is woken, and fails the same way.
      assertAbandoned(await watchdog(rejectionOf(joining), 5000, 'the joiner'), 'Queue', t.ident);
      const put = await watchdog(putter.result, 5000, 'the blocked putter');
      assert.equal(put.error, 'AbandonedError');
      // Every later call that takes the lock, in every form.
      for (const call of [
        () => q.get(0),
        () => q.get(),
        () => q.getNowait(),
        () => q.put('c', 0),
        () => q.putNowait('c'),
        () => q.taskDone(),
        () => q.join(0),
        () => q.shutdown(),
      ]) {
        assert.throws(call, isAbandoned('Queue', t.ident), String(call));
      }
      assertAbandoned(await rejectionOf(q.putAsync('c')), 'Queue', t.ident);
      assertAbandoned(await rejectionOf(q.getAsync()), 'Queue', t.ident);
      assert.equal(q.qsize(), 1, 'qsize() reads COUNT without the lock and still answers');
      assert.equal(q._i32[q._at + 1], 0, 'the lock is free after each of them');
    },
  );

  test(
    'stopped holding the lock outside a change: the next taker goes on and nothing is lost',
    T,
    async () => {
      const q = new Queue<string>();
      q.put('a');
      q.put('b');
      const log = new StepLog();
      const t = thread('queue-stop-inside', q, log.i32, 1, 0);
      await logged(log, 1, 'the thread holds the lock');
      assert.equal(await t.joinAsync(10000), true);
      assert.equal(q.get(5000), 'a', 'a blocking get takes the lock over (lockBlocking)');
      assert.equal(q.get(0), 'b');
      q.put('c');
      assert.equal(q.get(0), 'c');
      for (let k = 0; k < 3; k++) q.taskDone();
      assert.equal(q.join(0), true);
    },
  );

  test('a SimpleQueue and a PriorityQueue break the same way, naming their kind', T, async () => {
    for (const q of [new SimpleQueue<number>(), new PriorityQueue<number>()]) {
      const kind = q instanceof SimpleQueue ? 'SimpleQueue' : 'PriorityQueue';
      const log = new StepLog();
      // The SimpleQueue holds items; the PriorityQueue is empty, with a getter asleep on it.
      if (kind === 'SimpleQueue') for (const n of [2, 1]) q.put(n);
      const waiter =
        kind === 'SimpleQueue' ? undefined : runInWorker<Ended>('queue', 'getOne', q, log.i32, 1);
      if (waiter !== undefined) {
        await until(() => Atomics.load(q._i32, q._at + NE_WAITERS) === 1, 'the getter sleeps');
      }
      const t = thread('queue-stop-inside', q, log.i32, 2, 1);
      await logged(log, 2, `the thread holds the ${kind}'s lock`);
      assert.equal(await t.joinAsync(10000), true);
      assert.throws(() => q.put(3), isAbandoned(kind, t.ident));
      if (waiter !== undefined)
        assert.equal((await watchdog(waiter.result, 5000, 'the getter')).error, 'AbandonedError');
      assert.throws(() => q.get(0), isAbandoned(kind, t.ident));
    }
  });
});

describe('faults: the registry of lives (internal/life.ts, unit)', () => {
  test('a reused slot forgets the old identity, and a late GONE for it does not touch the new one', async () => {
    const life = await import('../src/internal/life.js');
    const { drawIdent } = await import('../src/internal/ident.js');
    const ident = (id: number) => ({ hi: Math.floor(id / 0x100000000) | 0, lo: (id % 0x100000000) | 0 });
    const a = drawIdent();
    const { life: r, slot } = life.register(a);
    assert.ok(slot >= 0);
    assert.equal(life.lifeOf(ident(a).hi, ident(a).lo), life.Life.Alive);
    life.gone(r, slot, a);
    assert.equal(life.lifeOf(ident(a).hi, ident(a).lo), life.Life.Dead);
    // Start (on paper) and end CAPACITY threads: every dead slot, a's included, is reused.
    let reusedBy = 0;
    for (let k = 0; k < life.CAPACITY && reusedBy === 0; k++) {
      const b = drawIdent();
      const got = life.register(b);
      if (got.slot === slot) reusedBy = b;
      else life.gone(r, got.slot, b);
    }
    assert.notEqual(reusedBy, 0, "a's slot was reused");
    assert.equal(
      life.lifeOf(ident(a).hi, ident(a).lo),
      life.Life.Unknown,
      'forgotten, never taken for alive',
    );
    life.gone(r, slot, a); // a late GONE for a: the slot holds another thread now
    assert.equal(life.lifeOf(ident(reusedBy).hi, ident(reusedBy).lo), life.Life.Alive);
    life.gone(r, slot, reusedBy);
    assert.equal(life.lifeOf(ident(reusedBy).hi, ident(reusedBy).lo), life.Life.Dead);
    // Identities never registered (the main thread, plain workers) are Unknown, never Dead.
    assert.equal(life.lifeOf(ident(getIdent()).hi, ident(getIdent()).lo), life.Life.Unknown);
  });
});
