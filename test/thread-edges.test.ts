/*
 * Edge cases of Thread outcomes, sharing and misuse: each test states what API.md / README promise.
 */

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { Condition, Lock, ownMemory, RLock, Semaphore, Thread, Timer } from 'weft-threading';

import { watchdog } from './helpers.js';

const T = { timeout: 30000 };
const target = (file: string): URL => new URL(`./fixtures/threads/${file}`, import.meta.url);

describe('Thread', () => {
  for (const [part, kind, message] of [
    ['cause', 'cause-fn', 'the job failed'],
    ['code', 'code-symbol', 'coded'],
  ] as const) {
    test(`an Error whose ${part} cannot be cloned still arrives as that Error (name, message)`, T, () => {
      const t = new Thread(target('edges.js'), { args: [kind] });
      t.start();
      assert.equal(t.join(20000), true);
      const e = t.exception as Error;
      assert.ok(e instanceof Error, `exception is ${typeof e}: ${String(e)}`);
      assert.equal(e.message, message);
    });
  }

  test('a start() that fails (args cannot be cloned) leaves the thread unstarted', () => {
    const t = new Thread(target('edges.js'), { args: [() => 1] });
    assert.throws(() => t.start(), { name: 'DataCloneError' });
    // Python: a start() that fails leaves the thread not started: join() raises RuntimeError.
    // Here the Thread claims a clean end: join() true, exception undefined, result undefined.
    const joined = (() => {
      try {
        return t.join(0);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(
      joined instanceof Error || t.exception !== undefined,
      `after a failed start: join() -> ${String(joined)}, exception ${String(t.exception)}, ident ${t.ident}`,
    );
  });

  test('join(NaN) names Thread.join, not the Event inside', T, () => {
    const t = new Thread(target('edges.js'), { args: ['hold-lock'] });
    t.start();
    assert.throws(
      () => t.join(Number.NaN),
      (e: Error) => {
        assert.equal(e.name, 'RangeError');
        assert.match(e.message, /Thread\.join/);
        return true;
      },
    );
    t.join();
  });
});

describe('Timer', () => {
  test('joinAsync(NaN) rejects naming Timer.joinAsync, not the Event inside', async () => {
    const timer = new Timer(0, () => {});
    timer.start();
    await assert.rejects(timer.joinAsync(Number.NaN), (e: Error) => {
      assert.equal(e.name, 'RangeError');
      assert.match(e.message, /Timer\.joinAsync/);
      return true;
    });
    await timer.joinAsync();
  });
});

describe('sharing', () => {
  test('Condition.from(a Lock copy) says what it got', () => {
    assert.throws(
      () => Condition.from(structuredClone(new Lock())),
      (e: Error) => {
        assert.equal(e.name, 'TypeError');
        assert.doesNotMatch(e.message, /undefined undefined/);
        return true;
      },
    );
  });
});

describe('abandonment', () => {
  test('after join(), a Lock the thread kept is reported abandoned within a slice', T, async () => {
    // docs/reliability.md: the thread is known dead at its process exit, a moment after join()
    // returns, so a poll right after join() may still see the lock taken; a wait of a slice or more
    // sees the death and takes the lock over.
    for (let round = 0; round < 5; round++) {
      const lock = new Lock();
      const t = new Thread(target('edges.js'), { args: ['hold-lock', lock] });
      t.start();
      assert.equal(t.join(20000), true);
      assert.equal(t.result, 'took it');
      assert.throws(() => lock.acquire(2000), { name: 'AbandonedError' }, `round ${round}`);
      assert.equal(lock.locked(), true, 'the AbandonedError leaves the lock held by the caller');
      lock.release();
      assert.equal(lock.acquire(0), true);
      lock.release();
      await t.joinAsync();
    }
  });

  test('an RLock kept two levels deep by a Thread that returned: taken over at depth 1', T, async () => {
    const rlock = new RLock();
    const t = new Thread(target('edges.js'), { args: ['hold-rlock2', rlock] });
    t.start();
    await t.joinAsync();
    assert.throws(() => rlock.acquire(5000), { name: 'AbandonedError' });
    rlock.release(); // depth 1: this unlocks it
    assert.equal(rlock.locked(), false);
    assert.throws(() => rlock.release(), { name: 'RuntimeError' });
  });
});

describe('ownMemory and Thread', () => {
  test('a Thread given only ownMemory() args cannot reach a Semaphore made outside', T, () => {
    const secret = new Semaphore(0); // on this thread's shared chunk
    const guestArgs = ownMemory(() => new Lock());
    const t = new Thread(target('guest.js'), { args: [guestArgs] });
    t.start();
    assert.equal(t.join(20000), true);
    assert.equal(t.exception, undefined);
    assert.equal(
      secret.value,
      0,
      `the guest released ${String(t.result)} permits, the secret's value is ${secret.value}`,
    );
  });
});

describe('permits held through hold() at the end of a Thread', () => {
  test(
    'a Held given back at the end of the target, then released by work it left running: once',
    T,
    async () => {
      const sem = new Semaphore(1);
      const t = new Thread(target('edges.js'), { args: ['hold-permit-release-later', sem] });
      t.start();
      assert.equal(t.join(20000), true);
      assert.equal(t.exception, undefined);
      assert.equal(sem.value, 1, 'given back when the target returned');
      // The worker ends once its timer has run (the Held's own release): wait for its exit.
      await watchdog(new Promise((r) => (t._worker() as Worker).once('exit', r)), 10000, 'worker exit');
      assert.equal(
        sem.value,
        1,
        `a Semaphore(1) now has ${sem.value} permits: the permit was given back twice`,
      );
    },
  );
});

describe('an exception that structured clone cannot bring back', () => {
  test(
    'a target that throws an error with a cyclic cause does not crash the starting process',
    T,
    async () => {
      const script = fileURLToPath(target('edges-main.js'));
      const { code, stdout, stderr } = await new Promise<{
        code: number | null;
        stdout: string;
        stderr: string;
      }>((resolve) => {
        execFile(process.execPath, [script], { timeout: 20000 }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });
      assert.equal(code, 0, `the main process died:\n${stderr.split('\n').slice(-8).join('\n')}`);
      assert.match(stdout, /exception: Error: cyclic/);
    },
  );
});
