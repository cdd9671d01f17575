/*
 * The competitors of the Redis benchmark, each behind one small interface, so that every scenario
 * runs the same code around each of them:
 *   weft           weft-threading/redis Lock / Semaphore / Event (node-redis, pub/sub + Lua)
 *   redis-semaphore  Mutex / Semaphore 5.8 (ioredis; polls every retryInterval = 10 ms, its default)
 *   redlock        redlock 4.2 on one server (ioredis; retryDelay 10 ms, jitter 10 ms, as ANCHORS.md)
 *   raw            SET NX PX / DEL in a tight retry loop: no lease renewal, no fairness: the ceiling
 * and, for Event fan-out, raw pub/sub (SUBSCRIBE / PUBLISH), the floor of any notification.
 */

import { createRequire } from 'node:module';
import { Redis as IORedis } from 'ioredis';
import { createClient } from 'redis';
import { Mutex, Semaphore } from 'redis-semaphore';
import { connect, type Held, type Redis } from 'weft-threading/redis';

export type Competitor = 'weft' | 'redis-semaphore' | 'redlock' | 'raw';
export type Kind = 'lock' | 'semaphore';

/** One process's handle on one lock or semaphore. acquire() waits without limit. */
export interface Locker {
  acquire(): Promise<void>;
  release(): Promise<void>;
  close(): Promise<void>;
}

interface RedlockLock {
  unlock(): Promise<unknown>;
}
interface RedlockInstance {
  lock(resource: string, ttl: number): Promise<RedlockLock>;
  on(event: string, fn: (e: unknown) => void): void;
}
type RedlockCtor = new (clients: unknown[], options: Record<string, number>) => RedlockInstance;

export interface Options {
  readonly url: string;
  readonly name: string;
  readonly value?: number;
  /** Lease / lock timeout in ms. */
  readonly lease: number;
}

export async function makeLocker(who: Competitor, kind: Kind, o: Options): Promise<Locker> {
  switch (who) {
    case 'weft': {
      const redis: Redis = await connect(o.url, { prefix: 'bench:' });
      const x =
        kind === 'lock'
          ? redis.lock(o.name, { lease: o.lease })
          : redis.semaphore(o.name, o.value ?? 1, { lease: o.lease });
      let held: Held | undefined;
      return {
        acquire: async () => {
          held = await x.holdAsync();
        },
        release: async () => {
          await held?.release();
          held = undefined;
        },
        close: () => redis.close(),
      };
    }
    case 'redis-semaphore': {
      const client = new IORedis(o.url, { lazyConnect: true });
      await client.connect();
      const options = { lockTimeout: o.lease, acquireTimeout: 600_000 };
      const m =
        kind === 'lock'
          ? new Mutex(client, `bench-rs:${o.name}`, options)
          : new Semaphore(client, `bench-rs:${o.name}`, o.value ?? 1, options);
      return {
        acquire: () => m.acquire(),
        release: () => m.release(),
        close: async () => {
          client.disconnect();
        },
      };
    }
    case 'redlock': {
      if (kind !== 'lock') throw new Error('redlock has no semaphore');
      const Redlock = createRequire(import.meta.url)('redlock') as RedlockCtor;
      const client = new IORedis(o.url, { lazyConnect: true });
      await client.connect();
      const redlock = new Redlock([client], {
        retryCount: -1,
        retryDelay: 10,
        retryJitter: 10,
        driftFactor: 0.01,
      });
      redlock.on('clientError', () => {});
      let lock: RedlockLock | undefined;
      return {
        acquire: async () => {
          lock = await redlock.lock(`bench-rl:${o.name}`, o.lease);
        },
        release: async () => {
          await lock?.unlock();
          lock = undefined;
        },
        close: async () => {
          client.disconnect();
        },
      };
    }
    case 'raw': {
      if (kind !== 'lock') throw new Error('raw has no semaphore');
      const client = createClient({ url: o.url });
      await client.connect();
      const key = `bench-raw:${o.name}`;
      const me = `${process.pid}`;
      return {
        acquire: async () => {
          while ((await client.set(key, me, { NX: true, PX: o.lease })) !== 'OK') {}
        },
        release: async () => {
          await client.del(key);
        },
        close: async () => {
          await client.close();
        },
      };
    }
  }
}

/** One process's side of an Event: waiting, or setting. */
export interface Signal {
  /** Resolves once the waiter is registered (subscribed), with a Promise of the wake-up. */
  wait(): Promise<{ woken: Promise<void> }>;
  set(): Promise<void>;
  /** Makes the next wait() wait again (clears an Event). */
  clear(): Promise<void>;
  close(): Promise<void>;
}

export async function makeSignal(who: 'weft' | 'pubsub', url: string, name: string): Promise<Signal> {
  if (who === 'weft') {
    const redis = await connect(url, { prefix: 'bench:' });
    const ev = redis.event(name);
    return {
      wait: async () => {
        const woken = ev.waitAsync().then(() => {});
        // The wait registers within a few round trips; give it ample time to subscribe.
        await new Promise((r) => setTimeout(r, 100));
        return { woken };
      },
      set: () => ev.set(),
      clear: () => ev.clear(),
      close: () => redis.close(),
    };
  }
  const pub = createClient({ url });
  await pub.connect();
  const sub = pub.duplicate();
  await sub.connect();
  return {
    wait: async () => {
      let wake!: () => void;
      const woken = new Promise<void>((r) => {
        wake = r;
      });
      await sub.subscribe(`bench-ps:${name}`, () => wake());
      return { woken };
    },
    set: async () => {
      await pub.publish(`bench-ps:${name}`, '1');
    },
    clear: async () => {},
    close: async () => {
      await sub.close();
      await pub.close();
    },
  };
}
