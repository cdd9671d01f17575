/*
 * The contract of weft-threading/redis in one process with two connections (so that waiter and
 * waker never share a client): bad arguments, ValueError on disagreement, RuntimeError on release
 * without holding, aborts that leak no permit, Event and Barrier semantics, lost leases.
 */

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { connect, type Redis } from 'weft-threading/redis';
import { delay, freshPrefix, pending, rejection, URL_, watchdog } from './helpers.js';

let a: Redis;
let b: Redis;
let prefix: string;
before(async () => {
  prefix = freshPrefix();
  a = await connect(URL_, { prefix });
  b = await connect(URL_, { prefix });
});
after(async () => {
  await a.close();
  await b.close();
});

let n = 0;
const fresh = (what: string) => `${what}${++n}`;

describe('arguments', () => {
  test('bad names, leases, values and parties throw TypeError / RangeError at once', () => {
    for (const make of [
      (x: unknown) => a.lock(x as string),
      (x: unknown) => a.semaphore(x as string),
      (x: unknown) => a.event(x as string),
      (x: unknown) => a.barrier(x as string, 2),
    ]) {
      assert.throws(() => make(1), TypeError);
      assert.throws(() => make(undefined), TypeError);
      assert.throws(() => make(''), RangeError);
    }
    for (const lease of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => a.lock('x', { lease }), RangeError);
      assert.throws(() => a.semaphore('x', 1, { lease }), RangeError);
    }
    assert.throws(() => a.lock('x', { lease: '1' as unknown as number }), TypeError);
    assert.throws(() => a.semaphore('x', -1), RangeError);
    assert.throws(() => a.semaphore('x', 1.5), RangeError);
    assert.throws(() => a.boundedSemaphore('x', '2' as unknown as number), TypeError);
    assert.throws(() => a.barrier('x', 0), RangeError);
    assert.throws(() => a.barrier('x', 2.5), RangeError);
    assert.throws(() => a.barrier('x', '2' as unknown as number), TypeError);
  });

  test('the Async forms reject (never throw) on a bad timeout, signal or count', async () => {
    const lock = a.lock(fresh('l'));
    assert.ok((await rejection(lock.acquireAsync(Number.NaN))) instanceof RangeError);
    assert.ok((await rejection(lock.acquireAsync('1' as unknown as number))) instanceof TypeError);
    assert.ok(
      (await rejection(lock.holdAsync(1, { signal: 'x' as unknown as AbortSignal }))) instanceof TypeError,
    );
    assert.ok((await rejection(a.event(fresh('e')).waitAsync(Number.NaN))) instanceof RangeError);
    assert.ok((await rejection(a.barrier(fresh('b'), 2).waitAsync(Number.NaN))) instanceof RangeError);
    const sem = a.semaphore(fresh('s'), 2);
    assert.ok((await rejection(sem.release(0))) instanceof RangeError);
    assert.ok((await rejection(sem.release(1.5))) instanceof RangeError);
    assert.equal(await lock.locked(), false, 'nothing was taken');
  });
});

describe('disagreement and misuse', () => {
  test('a handle that disagrees on value or parties gets ValueError; the state is unchanged', async () => {
    const s = fresh('s');
    const sem = a.semaphore(s, 2);
    assert.equal(await sem.acquireAsync(), true);
    const other = b.semaphore(s, 3);
    for (const call of [() => other.acquireAsync(0), () => other.value()]) {
      const e = await rejection(call());
      assert.equal(e.name, 'ValueError');
      assert.match(e.message, /2/);
    }
    assert.equal(
      (await rejection(b.lock(s).acquireAsync(0))).name,
      'ValueError',
      'a lock is a semaphore of 1',
    );
    assert.equal(await sem.value(), 1);
    await sem.release();
    const bar = fresh('b');
    const w = a.barrier(bar, 2).waitAsync(5_000);
    assert.ok(await pending(w));
    assert.equal((await rejection(b.barrier(bar, 3).waitAsync(1000))).name, 'ValueError');
    assert.equal(await b.barrier(bar, 2).waitAsync(5_000), 1);
    assert.equal(await w, 0);
  });

  test('release without holding: RuntimeError (Lock, Semaphore), ValueError (BoundedSemaphore); nothing changes', async () => {
    const l = fresh('l');
    const mine = a.lock(l);
    const theirs = b.lock(l);
    assert.equal((await rejection(mine.release())).name, 'RuntimeError');
    assert.equal(await theirs.acquireAsync(), true);
    assert.equal((await rejection(mine.release())).name, 'RuntimeError', 'another handle holds it');
    assert.equal(await mine.locked(), true);
    await theirs.release();
    assert.equal(await mine.locked(), false);
    const sem = a.semaphore(fresh('s'), 3);
    assert.equal(await sem.acquireAsync(), true);
    assert.equal((await rejection(sem.release(2))).name, 'RuntimeError');
    assert.equal(await sem.value(), 2);
    const bs = a.boundedSemaphore(fresh('bs'), 2);
    assert.equal((await rejection(bs.release())).name, 'ValueError');
    assert.equal(await bs.value(), 2);
    await sem.release();
    assert.equal(await sem.value(), 3);
  });
});

describe('Lock and Semaphore', () => {
  test('a release in one connection wakes a waiter in the other; tokens grow', async () => {
    const l = fresh('l');
    const first = await a.lock(l).holdAsync();
    const other = b.lock(l);
    const w = other.holdAsync(10_000);
    assert.ok(await pending(w, 100));
    await first.release();
    const second = await watchdog(w, 5_000, 'the waiter');
    assert.ok(second.token > first.token);
    await second[Symbol.asyncDispose]();
    assert.equal(await other.locked(), false);
  });

  /**
   * Connection a loops on lock `l` (release, re-take at once) until a waiter on connection b has
   * had its turn; `warm`: a has looped twice before b waits (so that it counts as a loop at once);
   * `started` runs once b waits, before the loop. Every token of the loop grows.
   */
  const loopPastAWaiter = async (l: string, warm: boolean, started: () => Promise<void> = async () => {}) => {
    const mine = a.lock(l);
    let held = await mine.holdAsync();
    if (warm) {
      for (let i = 0; i < 2; i++) {
        await held.release();
        held = await mine.holdAsync(5_000); // a loop (nobody waits yet)
      }
    }
    let theirs: number | undefined;
    const w = b
      .lock(l)
      .holdAsync(10_000)
      .then(async (h) => {
        theirs = h.token;
        await h.release();
      });
    assert.ok(await pending(w, 100), 'the other connection waits');
    await started();
    // Release and re-take at once until the waiter has had its turn (bounded barging).
    const tokens = [held.token];
    const loop = async () => {
      while (theirs === undefined) {
        await held.release();
        held = await mine.holdAsync(10_000);
        tokens.push(held.token);
      }
      await held.release();
    };
    await watchdog(loop(), 15_000, 'the loop');
    await w;
    for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!, 'tokens grow');
    return { mine, tokens, theirs: theirs! };
  };

  test('a loop that re-takes under contention: every token grows, the waiter gets it within the loop', async () => {
    const { mine, tokens, theirs } = await loopPastAWaiter(fresh('l'), false);
    assert.ok(!tokens.includes(theirs), 'the waiter has its own token');
    assert.ok(theirs < tokens.at(-1)!, 'the waiter got the lock between two acquisitions of the loop');
    assert.equal(await mine.locked(), false);
  });

  test('a loop under contention re-takes locally: fewer round trips than acquisitions, timers still run', async () => {
    const raw = createClient({ url: URL_ });
    await raw.connect();
    const scripts = async () => {
      const m = /cmdstat_evalsha:calls=(\d+)/.exec(await raw.info('commandstats'));
      return Number(m?.[1] ?? 0);
    };
    let ticks = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    let before = 0;
    try {
      const { mine, tokens, theirs } = await loopPastAWaiter(fresh('l'), true, async () => {
        before = await scripts();
        timer = setInterval(() => ticks++, 1);
      });
      const sent = (await scripts()) - before;
      const after = tokens.filter((t) => t > theirs);
      assert.ok(
        after.length > 0 && tokens.every((t) => t !== theirs),
        'the waiter came between two acquisitions',
      );
      assert.ok(
        sent * 4 < tokens.length,
        `${tokens.length} acquisitions in the loop, ${sent} scripts run: the re-takes were local`,
      );
      assert.ok(ticks > 2, `a 1 ms interval ran ${ticks} times during the loop: the event loop turned`);
      assert.equal(await mine.locked(), false);
    } finally {
      clearInterval(timer);
      await raw.close();
    }
  });

  test('a looping release that re-takes for an acquire that never comes gives the lock back at once', async () => {
    const l = fresh('l');
    const mine = a.lock(l); // lease 30 s: a lease left behind would keep the waiter out that long
    let held = await mine.holdAsync();
    for (let i = 0; i < 2; i++) {
      await held.release();
      held = await mine.holdAsync(5_000); // a loop (nobody waits yet)
    }
    const w = b.lock(l).holdAsync(10_000);
    assert.ok(await pending(w, 100));
    await held.release(); // looping and contended: re-takes for the next acquire, which does not come
    const got = await watchdog(w, 3_000, 'the waiter');
    assert.ok(got.token > held.token);
    await got.release();
    assert.equal(await mine.locked(), false);
  });

  for (const how of ['lapsed at its release', 'lost at its renewal'] as const) {
    test(`tokens still grow when a short lease inside a looping streak is ${how} (no re-take from an old reserve)`, async () => {
      const raw = createClient({ url: URL_ });
      await raw.connect();
      try {
        const l = fresh('l');
        const lock = a.lock(l, { lease: 8 });
        // A waiter that never comes (its process killed a moment ago): every release sees one.
        await raw.zAdd(`{${prefix}${l}}:waiters`, { score: Date.now() + 60_000, value: 'gone:1' });
        const tokens: number[] = [];
        const take = async () => {
          const h = await lock.holdAsync(5_000);
          tokens.push(h.token);
          return h;
        };
        await (await take()).release(); // wakes the missing waiter and yields
        await (await take()).release(); // a loop: the server re-takes and reserves tokens
        const h = await take();
        const end = performance.now() + 10; // longer than the lease, its renewal starved
        while (performance.now() < end);
        if (how === 'lost at its renewal') await delay(1); // the renewal finds it gone: lost
        await h.release(); // nothing left to re-take on the server
        await (await take()).release(); // a plain ACQUIRE (a token above the reserve)
        await (await take()).release(); // must not come from the old reserve
        for (let i = 1; i < tokens.length; i++) {
          assert.ok((tokens[i] as number) > (tokens[i - 1] as number), `tokens grow: ${tokens.join(', ')}`);
        }
      } finally {
        await raw.close();
      }
    });
  }

  test('a release wakes the oldest waiter by name; if that one is gone, the others still get the lock', async () => {
    const l = fresh('l');
    const held = await a.lock(l).holdAsync(); // lease 30 s: without a re-check the waiter would wait that long
    const raw = createClient({ url: URL_ });
    await raw.connect();
    try {
      // A waiter registered before everyone else, whose process is gone: the release names it.
      await raw.zAdd(`{${prefix}${l}}:waiters`, { score: Date.now() + 20_000, value: 'wgone:1' });
      const w = b.lock(l).holdAsync(10_000);
      assert.ok(await pending(w, 100));
      await held.release();
      const got = await watchdog(w, 3_000, 'the waiter that was not named');
      assert.ok(got.token > held.token);
      await got.release();
    } finally {
      await raw.close();
    }
  });

  test('a release that wakes a waiter yields to it: the waiter gets the lock, not the releaser again', async () => {
    const l = fresh('l');
    const mine = a.lock(l);
    const held = await mine.holdAsync();
    const w = b.lock(l).holdAsync(10_000);
    assert.ok(await pending(w, 100));
    await held.release();
    const again = mine.holdAsync(10_000);
    const got = await watchdog(w, 5_000, 'the waiter');
    assert.ok(await pending(again, 50), 'the releaser waits while the waiter holds');
    await got.release();
    const back = await watchdog(again, 5_000, 'the releaser');
    assert.ok(back.token > got.token);
    await back.release();
  });

  test('timeout: false (acquireAsync), TimeoutError (holdAsync), within tolerance', async () => {
    const l = fresh('l');
    const held = await a.lock(l).holdAsync();
    const t0 = performance.now();
    assert.equal(await b.lock(l).acquireAsync(300), false);
    const ms = performance.now() - t0;
    assert.ok(ms >= 0.6 * 300 && ms < 3000, `${ms}`);
    assert.equal(await b.lock(l).acquireAsync(0), false);
    assert.equal((await rejection(b.lock(l).holdAsync(50))).name, 'TimeoutError');
    await held.release();
  });

  test('aborts leak no permit: 6 aborted waiters, then every permit is still there', async () => {
    const s = fresh('s');
    const sem = a.semaphore(s, 2);
    const holders = [await sem.holdAsync(), await sem.holdAsync()];
    const ctl = new AbortController();
    const other = b.semaphore(s, 2);
    const waits = Array.from({ length: 6 }, () => other.acquireAsync(30_000, { signal: ctl.signal }));
    for (const w of waits) assert.ok(await pending(w, 10));
    const reason = new Error('stop');
    ctl.abort(reason);
    for (const w of waits) assert.equal(await rejection(w), reason);
    // Aborted at the moment a permit comes free: the abort wins or the permit is taken and given back.
    const racing = new AbortController();
    const race = other.acquireAsync(30_000, { signal: racing.signal }).catch((e: unknown) => e);
    await delay(50);
    const freed = holders[0]!.release();
    racing.abort(reason);
    await freed;
    const won = await race;
    assert.ok(won === true || won === reason);
    if (won === true) await other.release();
    await holders[1]!.release();
    assert.equal(await sem.value(), 2);
    const already = AbortSignal.abort(reason);
    assert.equal(await rejection(other.acquireAsync(undefined, { signal: already })), reason);
    assert.equal(await sem.value(), 2);
  });

  test('a lease the server loses aborts Held.signal at the next renewal; disposing it then does not throw', async () => {
    const l = fresh('l');
    const held = await a.lock(l, { lease: 300 }).holdAsync();
    const raw = createClient({ url: URL_ });
    await raw.connect();
    try {
      await raw.del(`{${prefix}${l}}:leases`);
    } finally {
      await raw.close();
    }
    await watchdog(
      new Promise((r) => held.signal.addEventListener('abort', r, { once: true })),
      2_000,
      'Held.signal',
    );
    assert.equal((held.signal.reason as Error).name, 'LeaseLostError');
    await held[Symbol.asyncDispose]();
  });

  test('a held lease is renewed: after several leases it is still held, and nobody else got it', async () => {
    const l = fresh('l');
    const held = await a.lock(l, { lease: 200 }).holdAsync();
    assert.equal(await b.lock(l, { lease: 200 }).acquireAsync(700), false);
    assert.equal(held.signal.aborted, false);
    await held.release();
    assert.equal(await b.lock(l).locked(), false);
  });
});

describe('Event', () => {
  test('set() wakes every waiter of both connections; isSet; clear', async () => {
    const e = fresh('e');
    const ev = a.event(e);
    assert.equal(await ev.isSet(), false);
    const waits = [a, b, b, a].map((r) => r.event(e).waitAsync(10_000));
    for (const w of waits) assert.ok(await pending(w, 10));
    await b.event(e).set();
    assert.deepEqual(await watchdog(Promise.all(waits), 5_000, 'the waiters'), [true, true, true, true]);
    assert.equal(await ev.isSet(), true);
    assert.equal(await ev.waitAsync(0), true);
    await ev.clear();
    assert.equal(await ev.isSet(), false);
    assert.equal(await ev.waitAsync(100), false);
  });

  test('a waiter woken by set() returns true even if clear() ran at once after', async () => {
    const e = fresh('e');
    const w = b.event(e).waitAsync(10_000);
    assert.ok(await pending(w, 100));
    await a.event(e).set();
    await a.event(e).clear();
    assert.equal(await watchdog(w, 5_000, 'the waiter'), true);
  });
});

describe('Barrier', () => {
  test('3 parties over two connections: indices 0..2, reusable', async () => {
    const name = fresh('b');
    for (let round = 0; round < 2; round++) {
      const got = await watchdog(
        Promise.all([a, b, a].map((r) => r.barrier(name, 3).waitAsync(10_000))),
        10_000,
        'the barrier',
      );
      assert.deepEqual([...got].sort(), [0, 1, 2]);
    }
  });

  test('a timeout breaks it for everyone until reset(); abort() too; reset() breaks current waiters', async () => {
    const name = fresh('b');
    const slow = b.barrier(name, 3).waitAsync(10_000);
    assert.ok(await pending(slow, 50));
    assert.equal((await rejection(a.barrier(name, 3).waitAsync(100))).name, 'BrokenBarrierError');
    assert.equal((await rejection(slow)).name, 'BrokenBarrierError');
    assert.equal((await rejection(a.barrier(name, 3).waitAsync(1000))).name, 'BrokenBarrierError');
    assert.equal(await a.barrier(name, 3).broken(), true);
    await b.barrier(name, 3).reset();
    assert.equal(await a.barrier(name, 3).broken(), false);
    const w = a.barrier(name, 3).waitAsync(10_000);
    assert.ok(await pending(w, 50));
    assert.equal(await a.barrier(name, 3).nWaiting(), 1);
    await b.barrier(name, 3).reset();
    assert.equal((await rejection(w)).name, 'BrokenBarrierError');
    const w2 = a.barrier(name, 3).waitAsync(10_000);
    assert.ok(await pending(w2, 50));
    await b.barrier(name, 3).abort();
    assert.equal((await rejection(w2)).name, 'BrokenBarrierError');
    assert.equal((await rejection(a.barrier(name, 3).waitAsync(1000))).name, 'BrokenBarrierError');
    await a.barrier(name, 3).reset();
    const ok = await Promise.all([a, b, b].map((r) => r.barrier(name, 3).waitAsync(10_000)));
    assert.deepEqual([...ok].sort(), [0, 1, 2]);
  });

  test('an aborted signal rejects that waiter with its reason and breaks the barrier', async () => {
    const name = fresh('b');
    const other = b.barrier(name, 3).waitAsync(10_000);
    const ctl = new AbortController();
    const mine = a.barrier(name, 3).waitAsync(10_000, { signal: ctl.signal });
    assert.ok(await pending(mine, 50));
    const reason = new Error('go away');
    ctl.abort(reason);
    assert.equal(await rejection(mine), reason);
    assert.equal((await rejection(other)).name, 'BrokenBarrierError');
  });

  test('the barrier option timeout is the default of waitAsync', async () => {
    const t0 = performance.now();
    assert.equal(
      (await rejection(a.barrier(fresh('b'), 2, { timeout: 200 }).waitAsync())).name,
      'BrokenBarrierError',
    );
    assert.ok(performance.now() - t0 >= 0.6 * 200);
  });
});
