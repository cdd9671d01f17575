/*
 * Thread contract (API.md "Thread"): a target module's default export run in a new worker with live
 * args; start / join / joinAsync / isAlive / name / ident / daemon; currentThread() and getIdent();
 * errors reported, never swallowed. Process-level behaviour (daemon threads, stderr) runs in child
 * node processes.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  Barrier,
  Condition,
  currentThread,
  Event,
  getIdent,
  Lock,
  RLock,
  Semaphore,
  Thread,
} from 'weft-threading';
import { assertTimeout, isPending, rejectionOf, runInWorker, watchdog } from './helpers.js';

const T = { timeout: 30000 };
const target = (file: string): URL => new URL(`./fixtures/threads/${file}`, import.meta.url);

function assertError(error: unknown, name: string, code: string | undefined, message?: RegExp): true {
  const e = error as { name?: string; code?: string; message?: string };
  assert.equal(e.name, name, `error name (${e.message})`);
  assert.equal(e.code, code, `error code (${e.message})`);
  if (message) assert.match(e.message ?? '', message);
  return true;
}

/** Runs test/fixtures/threads/main.js in a child node process; kills it after `ms`. */
function child(args: string[], ms = 15000) {
  const script = fileURLToPath(target('main.js'));
  const t0 = performance.now();
  return new Promise<{ code: number | null; killed: boolean; stdout: string; stderr: string; ms: number }>(
    (resolve, reject) => {
      const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let killed = false;
      p.stdout.setEncoding('utf8').on('data', (s: string) => {
        stdout += s;
      });
      p.stderr.setEncoding('utf8').on('data', (s: string) => {
        stderr += s;
      });
      const timer = setTimeout(() => {
        killed = true;
        p.kill('SIGKILL');
      }, ms);
      p.on('error', reject);
      p.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, killed, stdout, stderr, ms: performance.now() - t0 });
      });
    },
  );
}

/** What the identity target wrote: [getIdent, currentThread().ident, daemon, isAlive, (nested child ident)], name. */
function identityBuffers() {
  const out = new Float64Array(new SharedArrayBuffer(8 * 5));
  const name = new Uint8Array(new SharedArrayBuffer(256));
  const read = () => ({
    getIdent: out[0],
    ident: out[1],
    daemon: out[2] === 1,
    alive: out[3] === 1,
    child: out[4],
    name: new TextDecoder().decode(name.slice(1, 1 + (name[0] as number))),
  });
  return { out, name, read };
}

describe('Thread', () => {
  describe('running a target', () => {
    test('the default export runs in a new worker with live (revived) args', T, async () => {
      const done = new Event();
      const lock = new Lock();
      const out = new Int32Array(new SharedArrayBuffer(4 * 6));
      const args = [
        done,
        lock,
        new Condition(new Lock()),
        { deep: { barrier: new Barrier(1), list: [new Semaphore(2), new RLock()] } },
        { n: 42, s: 'text' },
        out,
      ];
      const t = new Thread(target('args.js'), { args });
      t.start();
      assert.equal(await watchdog(t.joinAsync(), 20000, 'the thread'), true);
      assert.equal(done.isSet(), true);
      assert.deepEqual(Array.from(out), [1, 1, 1, 1, 1, 1]);
      assert.equal(lock.locked(), true, 'the target took the very same lock');
    });

    test('an async target is awaited: the thread ends when its Promise settles', T, async () => {
      const started = new Event();
      const out = new Int32Array(new SharedArrayBuffer(4));
      const t = new Thread(target('async-target.js'), { args: [started, out, 100] });
      t.start();
      assert.equal(await started.waitAsync(20000), true);
      assert.equal(t.isAlive(), true);
      assert.equal(await watchdog(t.joinAsync(), 20000, 'the async target'), true);
      assert.equal(Atomics.load(out, 0), 1, 'join returned before the async target finished');
      assert.equal(t.isAlive(), false);
    });

    test(
      'join(timeout) returns false while the thread runs, true once it ended; isAlive follows',
      T,
      async () => {
        const started = new Event();
        const gate = new Event();
        const t = new Thread(target('gated.js'), { args: [started, gate] });
        assert.equal(t.isAlive(), false, 'not started');
        t.start();
        assert.equal(t.isAlive(), true);
        assert.equal(await started.waitAsync(20000), true);
        const t0 = performance.now();
        assert.equal(t.join(60), false, 'blocking join on the main thread times out');
        assertTimeout(performance.now() - t0, 60);
        const t1 = performance.now();
        assert.equal(await t.joinAsync(60), false);
        assertTimeout(performance.now() - t1, 60);
        assert.equal(t.isAlive(), true);
        gate.set();
        assert.equal(t.join(20000), true, 'blocking join on the main thread while the thread runs');
        assert.equal(t.isAlive(), false);
        assert.equal(t.join(0), true);
        assert.equal(await t.joinAsync(0), true);
      },
    );

    test('joinAsync while the thread runs is pending, then settles true', T, async () => {
      const started = new Event();
      const gate = new Event();
      const t = new Thread(target('gated.js'), { args: [started, gate] });
      t.start();
      const joined = t.joinAsync();
      await started.waitAsync(20000);
      assert.equal(await isPending(joined), true);
      gate.set();
      assert.equal(await watchdog(joined, 20000, 'joinAsync'), true);
    });

    test('an absolute path works as target, like a URL', T, async () => {
      const { out, name, read } = identityBuffers();
      const t = new Thread(fileURLToPath(target('identity.js')), { args: [out, name], name: 'by-path' });
      t.start();
      assert.equal(await watchdog(t.joinAsync(), 20000, 'the thread'), true);
      assert.equal(read().name, 'by-path');
    });

    test('a joinAsync signal rejects with its reason and leaves the thread running', T, async () => {
      const started = new Event();
      const gate = new Event();
      const t = new Thread(target('gated.js'), { args: [started, gate] });
      t.start();
      const ac = new AbortController();
      const joined = t.joinAsync(undefined, { signal: ac.signal });
      ac.abort('stop');
      assert.equal(await rejectionOf(joined), 'stop');
      assert.equal(await started.waitAsync(20000), true);
      assert.equal(t.isAlive(), true);
      gate.set();
      assert.equal(await watchdog(t.joinAsync(), 20000, 'the thread'), true);
    });
  });

  describe('names and identities', () => {
    test('name: Thread-N by default (N increasing), or the one given', () => {
      const a = new Thread(target('identity.js'));
      const b = new Thread(target('identity.js'));
      const m = /^Thread-(\d+)$/.exec(a.name);
      assert.ok(m, `default name ${a.name}`);
      assert.equal(b.name, `Thread-${Number(m[1]) + 1}`);
      assert.equal(new Thread(target('identity.js'), { name: 'worker A' }).name, 'worker A');
      assert.equal(new Thread(target('identity.js'), { name: '' }).name, '');
    });

    test(
      'ident is undefined until start(), then equals getIdent() inside; currentThread() inside names the thread',
      T,
      async () => {
        const { out, name, read } = identityBuffers();
        const t = new Thread(target('identity.js'), { args: [out, name], name: 'who-am-i', daemon: true });
        assert.equal(t.ident === undefined, true, 'no ident before start()');
        assert.equal(t.daemon, true);
        t.start();
        const ident = t.ident;
        assert.ok(Number.isSafeInteger(ident) && (ident as number) > 0, `ident ${ident}`);
        assert.notEqual(ident, getIdent());
        assert.equal(await watchdog(t.joinAsync(), 20000, 'the thread'), true);
        assert.deepEqual(read(), {
          getIdent: ident,
          ident,
          daemon: true,
          alive: true,
          child: 0,
          name: 'who-am-i',
        });
        assert.equal(t.ident, ident, 'ident stays after the thread ended');
      },
    );

    test(
      'threads of threads: a Thread started inside a Thread has its own name and identity',
      T,
      async () => {
        const { out, name, read } = identityBuffers();
        const t = new Thread(target('nested.js'), { args: [out, name], name: 'parent' });
        t.start();
        assert.equal(await watchdog(t.joinAsync(), 20000, 'the nested threads'), true);
        const seen = read();
        assert.equal(seen.name, 'grandchild');
        assert.equal(seen.getIdent, seen.child, 'the child ident the parent saw is the one inside the child');
        assert.notEqual(seen.getIdent, t.ident);
        assert.notEqual(seen.getIdent, getIdent());
      },
    );

    test('a Thread started from a plain worker, joined there with a blocking join', T, async () => {
      const { out, name, read } = identityBuffers();
      const r = await watchdog(
        runInWorker<{ joined: boolean; ident: number; mine: number }>(
          'thread',
          'startAndJoin',
          target('identity.js').href,
          [out, name],
          'from-worker',
        ).result,
        20000,
        'the worker',
      );
      assert.equal(r.joined, true);
      assert.equal(read().name, 'from-worker');
      assert.equal(read().getIdent, r.ident);
      assert.notEqual(r.ident, r.mine);
      assert.notEqual(r.mine, getIdent());
    });

    test('currentThread() on the main thread: MainThread, alive, with getIdent() as ident; it cannot be joined', async () => {
      const me = currentThread();
      assert.equal(me.name, 'MainThread');
      assert.equal(me.ident, getIdent());
      assert.equal(me.isAlive(), true);
      assert.equal(me.daemon, false);
      assert.equal(currentThread(), me, 'the same object each time');
      assert.throws(
        () => me.join(0),
        (e) => assertError(e, 'RuntimeError', 'WEFT_RUNTIME', /current thread/),
      );
      assertError(await rejectionOf(me.joinAsync(0)), 'RuntimeError', 'WEFT_RUNTIME');
      assert.throws(() => me.start(), { name: 'RuntimeError' });
    });

    test('currentThread() in a worker that weft did not start is not named MainThread', T, async () => {
      const r = await runInWorker<{ name: string; ident: number; same: boolean; alive: boolean }>(
        'thread',
        'whoAmI',
      ).result;
      assert.notEqual(r.name, 'MainThread');
      assert.equal(r.same, true);
      assert.equal(r.alive, true);
      assert.notEqual(r.ident, getIdent());
    });
  });

  describe('misuse and bad input', () => {
    test('start() twice throws RuntimeError; the thread runs once', T, async () => {
      const started = new Event();
      const gate = new Event();
      const t = new Thread(target('gated.js'), { args: [started, gate] });
      t.start();
      const ident = t.ident;
      assert.throws(
        () => t.start(),
        (e) => assertError(e, 'RuntimeError', 'WEFT_RUNTIME', /once/),
      );
      assert.equal(t.ident, ident);
      gate.set();
      assert.equal(await watchdog(t.joinAsync(), 20000, 'the thread'), true);
      assert.throws(() => t.start(), { name: 'RuntimeError' });
    });

    test('join / joinAsync before start(): RuntimeError (joinAsync rejects)', async () => {
      const t = new Thread(target('identity.js'));
      assert.throws(
        () => t.join(),
        (e) => assertError(e, 'RuntimeError', 'WEFT_RUNTIME', /before it is started/),
      );
      assert.throws(() => t.join(0), { name: 'RuntimeError' });
      let p: Promise<boolean> | undefined;
      assert.doesNotThrow(() => {
        p = t.joinAsync();
      });
      assertError(await rejectionOf(p as Promise<boolean>), 'RuntimeError', 'WEFT_RUNTIME');
      assert.equal(t.isAlive(), false);
      assert.equal(t.ident, undefined);
    });

    test('constructor: bad target or options throw TypeError', () => {
      const url = target('identity.js');
      const cases: unknown[][] = [
        [42],
        [undefined],
        [null],
        ['relative/module.js'],
        ['./module.js'],
        [url, null],
        [url, 'options'],
        [url, { args: 'not an array' }],
        [url, { name: 5 }],
        [url, { daemon: 'yes' }],
      ];
      for (const args of cases) {
        assert.throws(
          () => new (Thread as unknown as new (...a: unknown[]) => Thread)(...args),
          (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
          `new Thread(${args.map(String).join(', ')})`,
        );
      }
    });

    test(
      'join / joinAsync with a bad timeout or options throw / reject; the thread is unchanged',
      T,
      async () => {
        const started = new Event();
        const gate = new Event();
        const t = new Thread(target('gated.js'), { args: [started, gate] });
        t.start();
        assert.throws(
          () => t.join('1' as unknown as number),
          (e) => assertError(e, 'TypeError', 'WEFT_BAD_ARGUMENT'),
        );
        assert.throws(
          () => t.join(Number.NaN),
          (e) => assertError(e, 'RangeError', 'WEFT_BAD_ARGUMENT'),
        );
        for (const [call, name] of [
          [() => t.joinAsync('1' as unknown as number), 'TypeError'],
          [() => t.joinAsync(Number.NaN), 'RangeError'],
          [() => t.joinAsync(10, 'x' as unknown as object), 'TypeError'],
        ] as const) {
          let p: Promise<boolean> | undefined;
          assert.doesNotThrow(() => {
            p = call();
          });
          assertError(await rejectionOf(p as Promise<boolean>), name, 'WEFT_BAD_ARGUMENT');
        }
        assert.equal(t.isAlive(), true);
        gate.set();
        assert.equal(await watchdog(t.joinAsync(), 20000, 'the thread'), true);
      },
    );
  });

  describe('result and exception', () => {
    /** Starts the outcome target with `kind`, joins it with a blocking join(), returns the thread. */
    function ran(kind: string, ...more: unknown[]): Thread {
      const t = new Thread(target('outcome.js'), { args: [kind, ...more], name: `outcome:${kind}` });
      t.start();
      // A blocking join right after start(): this thread's event loop has not run since, so no
      // message event can have been delivered; the outcome must be there all the same.
      assert.equal(t.join(20000), true);
      return t;
    }

    test('result: what the target returned, structured-cloned, right after a blocking join()', T, () => {
      const t = ran('value');
      assert.deepEqual(t.result, { n: 42, list: [1, 'two'], when: new Date(0), map: new Map([['k', 1]]) });
      assert.equal(t.exception, undefined, 'no exception after a clean end');
      assert.equal(t.result, t.result, 'the same value each time');
    });

    test(
      'result of an async target is the awaited value; undefined for a target that returns nothing',
      T,
      async () => {
        const t = new Thread(target('outcome.js'), { args: ['async'] });
        t.start();
        assert.equal(await watchdog(t.joinAsync(), 20000, 'the thread'), true);
        assert.equal(t.result, 'later');
        const n = ran('nothing');
        assert.equal(n.result, undefined);
        assert.equal(n.exception, undefined);
      },
    );

    test('weft primitives in the result arrive live', T, () => {
      const t = ran('event');
      const { e } = t.result as { e: Event };
      assert.ok(e instanceof Event, 'revived');
      assert.equal(e.isSet(), true);
    });

    test('both are undefined before the thread ends', T, async () => {
      const gate = new Event();
      const t = new Thread(target('outcome.js'), { args: ['gated', gate] });
      assert.equal(t.result, undefined, 'before start');
      assert.equal(t.exception, undefined);
      t.start();
      assert.equal(t.join(50), false);
      assert.equal(t.result, undefined, 'while it runs');
      assert.equal(t.exception, undefined);
      gate.set();
      assert.equal(await watchdog(t.joinAsync(), 20000, 'the thread'), true);
      assert.equal(t.result, 'opened');
    });

    test(
      'exception: an Error keeps name, message, stack, code and cause; join and joinAsync still return true',
      T,
      async () => {
        const t = ran('custom-error');
        assert.equal(t.result, undefined);
        const e = t.exception as Error & { code?: string; cause?: Error };
        assert.ok(e instanceof Error);
        assert.equal(e.name, 'JobError');
        assert.equal(e.message, 'the job failed');
        assert.equal(e.code, 'E_JOB');
        assert.match(e.stack ?? '', /the job failed/);
        assert.match(e.stack ?? '', /outcome\.js/, 'the stack is the one thrown in the thread');
        assert.ok(e.cause instanceof TypeError);
        assert.equal(e.cause.message, 'the root cause');
        assert.equal(await t.joinAsync(), true);
        const te = ran('type-error').exception as TypeError & { code?: string };
        assert.ok(te instanceof TypeError, 'a built-in error class is kept');
        assert.equal(te.code, 'E_INPUT');
      },
    );

    test('exception: a thrown non-Error arrives as it was thrown', T, () => {
      assert.equal(ran('string').exception, 'a plain string');
    });

    test('a result that cannot be cloned becomes an exception that says so', T, () => {
      const t = ran('function');
      assert.equal(t.result, undefined);
      assertError(t.exception, 'TypeError', undefined, /result cannot be sent/);
    });

    test('exception: a module without a default export, and one that cannot be loaded', T, async () => {
      const none = new Thread(target('no-default.js'));
      none.start();
      assert.equal(none.join(20000), true);
      assertError(none.exception, 'TypeError', undefined, /no default export/);
      const missing = new Thread(target('no-such-module.js'));
      missing.start();
      assert.equal(await watchdog(missing.joinAsync(), 20000, 'the thread'), true);
      const e = missing.exception as { name?: string; code?: string; message?: string };
      assert.equal(e.code, 'ERR_MODULE_NOT_FOUND', String(e.message));
      assert.match(e.message ?? '', /no-such-module/);
    });

    test(
      'a terminated thread: joinAsync true, exception says it ended before its target returned',
      T,
      async () => {
        const started = new Event();
        const t = new Thread(target('dies.js'), { args: ['forever', started] });
        t.start();
        assert.equal(await started.waitAsync(20000), true);
        await (t._worker() as { terminate(): Promise<number> }).terminate();
        assert.equal(await watchdog(t.joinAsync(), 20000, 'the terminated thread'), true);
        assert.equal(t.isAlive(), false);
        assert.equal(t.result, undefined);
        assertError(t.exception, 'RuntimeError', 'WEFT_RUNTIME', /before its target returned/);
      },
    );
  });

  describe('abnormal ends: a blocking join() returns once the thread is dead (regressions)', () => {
    /** Starts dies.js with `how`, then joins with a blocking join() on this thread. */
    function dying(how: string): { t: Thread; joined: boolean; ms: number } {
      const started = new Event();
      const t = new Thread(target('dies.js'), { args: [how, started], name: `dies:${how}` });
      t.start();
      const t0 = performance.now();
      const joined = t.join(8000); // hung (false after 8 s) before the fix
      return { t, joined, ms: performance.now() - t0 };
    }

    test('join() hung when the target called process.exit()', T, () => {
      const { t, joined, ms } = dying('exit');
      assert.equal(joined, true, `join returned false after ${ms.toFixed(0)} ms`);
      assert.equal(t.isAlive(), false);
      assertError(t.exception, 'RuntimeError', 'WEFT_RUNTIME', /exit code 3/);
      assert.equal((t.exception as { exitCode?: number }).exitCode, 3);
    });

    test('join() hung when the thread died of an uncaught error thrown in a timer', T, () => {
      const { t, joined } = dying('timer');
      assert.equal(joined, true);
      assertError(t.exception, 'RangeError', undefined, /thrown in a timer/);
    });

    test('join() hung when the thread died of an unhandled rejection', T, () => {
      const { t, joined } = dying('rejection');
      assert.equal(joined, true);
      assertError(t.exception, 'SyntaxError', undefined, /never handled/);
    });

    test(
      'an uncaught error in a timer after the target returned: joined at the return, result kept',
      T,
      async () => {
        const { t, joined } = dying('late-timer');
        assert.equal(joined, true);
        assert.equal(t.result, 'returned');
        assert.equal(t.exception, undefined);
      },
    );

    test('join() returned before the permits still held through hold() were given back', T, async () => {
      for (let run = 0; run < 5; run++) {
        const sem = new Semaphore(3);
        const t = new Thread(target('hold-and-return.js'), { args: [sem, 2], name: 'hold-and-return' });
        t.start();
        assert.equal(t.join(20000), true);
        assert.equal(sem.value, 3, `run ${run}: the permits are given back before join() returns`);
        assert.equal(t.result, 2);
      }
    });
  });

  describe('process level (child node processes)', () => {
    test(
      'an error thrown by the target is printed with console.error naming the thread; join still returns true',
      T,
      async () => {
        const r = await child(['throws', 'boom-thread']);
        assert.equal(r.killed, false);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stderr, /Exception in thread boom-thread:/);
        assert.match(r.stderr, /Error: kaboom from the target/);
        assert.ok(
          r.stderr.indexOf('Exception in thread boom-thread:') < r.stderr.indexOf('kaboom'),
          'the header comes before the error',
        );
        assert.match(r.stdout, /joined true alive false/);
      },
    );

    test('an async target that rejects is reported the same way', T, async () => {
      const r = await child(['rejects', 'async-boom']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Exception in thread async-boom:/);
      assert.match(r.stderr, /RangeError: kaboom from the target/);
      assert.match(r.stdout, /joined true alive false/);
    });

    test('a target module without a default export is reported, naming the thread', T, async () => {
      const r = await child(['no-default', 'nothing-to-run']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Exception in thread nothing-to-run:/);
      assert.match(r.stderr, /default export/);
      assert.match(r.stdout, /joined true alive false/);
    });

    test(
      'a target module that makes a primitive at module level is warned about, once, naming it',
      T,
      async () => {
        const r = await child(['module-level']);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /joined true true result false/);
        const warnings =
          r.stderr.match(/weft: Thread \S+: importing \S+ made weft primitives at module level/g) ?? [];
        assert.equal(warnings.length, 1, r.stderr);
        assert.match(r.stderr, /weft: Thread trap: importing \S*module-level\.js/);
        assert.match(r.stderr, /different primitives in each thread/);
      },
    );

    test(
      'a daemon thread that never ends (blocked in a wait) does not keep the process alive',
      T,
      async () => {
        const r = await child(['daemon', 'blocking']);
        assert.equal(r.killed, false, 'the process had to be killed: the daemon thread kept it alive');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'main done\n');
        assert.ok(r.ms < 10000, `exit took ${r.ms} ms`);
      },
    );

    test('a daemon thread that never ends (a live timer) does not keep the process alive', T, async () => {
      const r = await child(['daemon', 'timer']);
      assert.equal(r.killed, false, 'the process had to be killed: the daemon thread kept it alive');
      assert.equal(r.code, 0, r.stderr);
    });

    test('a non-daemon thread keeps the process alive until it ends', T, async () => {
      const r = await child(['non-daemon', '300']);
      assert.equal(r.killed, false);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'main done\ntarget done\n');
      assert.ok(r.ms >= 300 * 0.6, `the process exited after ${r.ms} ms, before the thread ended`);
    });
  });
});
