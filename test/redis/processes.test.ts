/*
 * weft-threading/redis across separate processes: mutual exclusion with an exact count, fencing
 * tokens, and holders that die (SIGKILL) or freeze (SIGSTOP) past their lease. Every wait has a
 * watchdog or a timeout; every child is killed at the end.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { connect } from 'weft-threading/redis';
import { Children, freshPrefix, URL_, watchdog } from './helpers.js';

const children = new Children();
after(() => children.killAll());

describe('Lock across processes', () => {
  test('4 processes x 400 increments under the lock (local re-takes included): the count is exact, tokens distinct and growing', async () => {
    const prefix = freshPrefix();
    const file = join(mkdtempSync(join(tmpdir(), 'weft-redis-')), 'counter');
    writeFileSync(file, '0');
    const kids = [0, 1, 2, 3].map(() => children.start('count', URL_, prefix, 'c', file, 400, 5000));
    const done = await watchdog(
      Promise.all(kids.map((k) => k.expect('done', 60_000))),
      65_000,
      'the counters',
    );
    assert.equal(Number(readFileSync(file, 'utf8')), 1600);
    const all = done.flatMap((d) => d.tokens as number[]);
    assert.equal(new Set(all).size, 1600, 'every acquisition has its own token');
    let local = 0;
    for (const d of done) {
      const t = d.tokens as number[];
      for (let i = 1; i < t.length; i++) assert.ok(t[i]! > t[i - 1]!, 'tokens grow within a process');
      // A re-take on the server reserves 1,024 tokens (a jump); the local re-takes after it count up by one.
      for (let i = 2; i < t.length; i++) if (t[i - 1]! - t[i - 2]! > 1000 && t[i]! - t[i - 1]! === 1) local++;
    }
    assert.ok(local > 0, 'some acquisitions were local re-takes (the path this test is meant to cover)');
  });

  test('a holder killed with SIGKILL loses the lock when its lease runs out; the waiter gets a larger token', async () => {
    const prefix = freshPrefix();
    const holder = children.start('hold', URL_, prefix, 'k', 800);
    const { token } = await holder.expect('held', 10_000);
    const waiter = children.start('acquire', URL_, prefix, 'k', 800, 15_000);
    await waiter.expect('ready', 10_000);
    const redis = await connect(URL_, { prefix });
    try {
      // The waiter cannot have it while the holder lives (and renews past its lease).
      assert.equal(await redis.lock('k').acquireAsync(1200), false);
      assert.equal(
        waiter.lines.find((l) => l.event === 'acquired'),
        undefined,
      );
      const t0 = performance.now();
      holder.kill('SIGKILL');
      const got = await waiter.expect('acquired', 5_000);
      const ms = performance.now() - t0;
      assert.ok((got.token as number) > (token as number), 'the successor has a larger fencing token');
      assert.ok(ms < 800 * 2 + 1000, `taken over within the lease plus a margin (${ms.toFixed(0)} ms)`);
    } finally {
      await redis.close();
    }
  });

  test('a holder frozen with SIGSTOP past its lease is replaced; after SIGCONT its Held.signal aborts', async () => {
    const prefix = freshPrefix();
    const holder = children.start('hold', URL_, prefix, 'f', 600);
    const { token } = await holder.expect('held', 10_000);
    const waiter = children.start('acquire', URL_, prefix, 'f', 600, 15_000);
    await waiter.expect('ready', 10_000);
    holder.kill('SIGSTOP');
    const got = await waiter.expect('acquired', 6_000);
    assert.ok((got.token as number) > (token as number), 'the successor has a larger fencing token');
    assert.equal(
      holder.lines.find((l) => l.event === 'lost'),
      undefined,
    );
    holder.kill('SIGCONT');
    const lost = await holder.expect('lost', 3_000);
    assert.ok(typeof lost.at === 'number');
  });

  test('a Semaphore permit of a killed process comes back when its lease runs out', async () => {
    const prefix = freshPrefix();
    const a = children.start('sem', URL_, prefix, 's', 2, 700);
    const b = children.start('sem', URL_, prefix, 's', 2, 700);
    await Promise.all([a.expect('held', 10_000), b.expect('held', 10_000)]);
    const redis = await connect(URL_, { prefix });
    try {
      const sem = redis.semaphore('s', 2, { lease: 700 });
      assert.equal(await sem.value(), 0);
      assert.equal(await sem.acquireAsync(900), false, 'both live holders keep renewing');
      a.kill('SIGKILL');
      assert.equal(await sem.acquireAsync(5_000), true);
      assert.equal(await sem.value(), 0, 'b still holds its permit');
      await sem.release();
      assert.equal(await sem.value(), 1);
    } finally {
      await redis.close();
    }
  });
});
