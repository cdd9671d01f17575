/*
 * weft-threading/redis when the server goes away: a private server killed and restarted under
 * waiters and a holder, one frozen under a call, close() with waits pending, and a server that is not
 * there at all.
 * Nothing may hang: every wait here has a watchdog, and rejections must be ConnectionError.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { ConnectionError, connect } from 'weft-threading/redis';
import { delay, freshPrefix, pending, rejection, URL_, watchdog } from './helpers.js';

const SERVER = process.env.WEFT_REDIS_SERVER ?? 'redis-server';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const servers = new Set<ChildProcess>();
after(() => {
  for (const s of servers) s.kill('SIGKILL');
});

/** Starts a redis-server without persistence on `port`; resolves once it accepts connections. */
async function startServer(port: number): Promise<ChildProcess> {
  const proc = spawn(
    SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  servers.add(proc);
  proc.on('exit', () => servers.delete(proc));
  for (let i = 0; i < 200; i++) {
    try {
      const r = await connect(`redis://127.0.0.1:${port}`);
      await r.close();
      return proc;
    } catch {
      await delay(25);
    }
  }
  throw new Error('the private redis-server did not start');
}

function isConnectionError(e: Error): boolean {
  return e instanceof ConnectionError && e.name === 'ConnectionError' && e.cause !== undefined;
}

describe('failures of the server', () => {
  test('connect() to a port where no server listens rejects with ConnectionError', async () => {
    const port = await freePort();
    const e = await rejection(connect(`redis://127.0.0.1:${port}`), 10_000);
    assert.ok(isConnectionError(e), String(e));
  });

  test('the server restarted under waiters: they reject with ConnectionError, then calls work again', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let server = await startServer(port);
    const a = await connect(url);
    const b = await connect(url);
    try {
      const held = await a.lock('x', { lease: 1500 }).holdAsync();
      const waits = [
        b.lock('x').acquireAsync(30_000),
        b.event('e').waitAsync(),
        b.barrier('bar', 2).waitAsync(),
        b.semaphore('s', 0).acquireAsync(),
      ];
      for (const w of waits) assert.ok(await pending(w, 20));
      await delay(100);
      const t0 = performance.now();
      server.kill('SIGKILL');
      for (const w of waits) {
        const e = await rejection(w, 5_000);
        assert.ok(isConnectionError(e), `pending waits reject with ConnectionError, got ${String(e)}`);
      }
      assert.ok(performance.now() - t0 < 5_000);
      // A call made while disconnected rejects; it never says false.
      const e = await rejection(b.lock('x').acquireAsync(500), 5_000);
      assert.ok(isConnectionError(e), String(e));
      assert.ok(isConnectionError(await rejection(b.event('e').isSet(), 5_000)));
      // The holder cannot renew: its signal aborts once the lease has passed unconfirmed.
      await watchdog(
        new Promise((resolve) => held.signal.addEventListener('abort', resolve, { once: true })),
        5_000,
        'Held.signal after the server died',
      );
      await held.release(); // lost: releases nothing, does not throw
      server = await startServer(port);
      // The clients reconnect by themselves.
      let ok = false;
      const x = b.lock('x');
      for (let i = 0; i < 200 && !ok; i++) {
        ok = await x.acquireAsync(0).catch(() => false);
        if (!ok) await delay(50);
      }
      assert.ok(ok, 'a lock can be acquired after the server came back');
      await x.release();
      const ev = b.event('e2');
      const w = a.event('e2').waitAsync(10_000);
      // a may still be reconnecting: retry its wait if it was refused.
      await delay(50);
      await ev.set();
      const r = await w.catch(async (err: Error) => {
        assert.ok(isConnectionError(err));
        return a.event('e2').waitAsync(10_000);
      });
      assert.equal(r, true);
    } finally {
      await a.close();
      await b.close();
      server.kill('SIGKILL');
    }
  });

  test('a frozen server (SIGSTOP): a call rejects with ConnectionError within the 5 s command timeout', async () => {
    const port = await freePort();
    const server = await startServer(port);
    const redis = await connect(`redis://127.0.0.1:${port}`, { prefix: freshPrefix() });
    try {
      const lock = redis.lock('l');
      assert.equal(await lock.locked(), false);
      server.kill('SIGSTOP');
      const t0 = performance.now();
      const e = await rejection(lock.locked(), 12_000);
      const took = performance.now() - t0;
      assert.equal(e.name, 'ConnectionError', e.message);
      assert.ok(took >= 3_000 && took < 10_000, `rejected after ${Math.round(took)} ms`);
      server.kill('SIGCONT');
      assert.equal(await watchdog(lock.locked(), 5_000, 'a call after SIGCONT'), false);
    } finally {
      server.kill('SIGCONT');
      await redis.close();
      server.kill('SIGKILL');
    }
  });

  test('close() with waits pending: each rejects with ConnectionError, later calls too', async () => {
    const prefix = freshPrefix();
    const other = await connect(URL_, { prefix });
    const redis = await connect(URL_, { prefix });
    try {
      const l = other.lock('l');
      await l.acquireAsync();
      const waits = [
        redis.lock('l').acquireAsync(),
        redis.event('e').waitAsync(60_000),
        redis.barrier('b', 3).waitAsync(),
        redis.semaphore('s', 0).acquireAsync(60_000),
      ];
      for (const w of waits) assert.ok(await pending(w, 20));
      await delay(100);
      await watchdog(redis.close(), 5_000, 'close()');
      for (const w of waits) {
        const e = await rejection(w, 3_000);
        assert.equal(e.name, 'ConnectionError');
      }
      assert.equal((await rejection(redis.lock('l').locked(), 3_000)).name, 'ConnectionError');
      assert.equal(await other.lock('l').locked(), true, 'the other connection is unaffected');
      await l.release();
    } finally {
      await other.close();
      await redis.close();
    }
  });
});
