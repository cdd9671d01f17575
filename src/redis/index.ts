/*
 * weft-threading/redis: the primitives of weft between processes and machines, through one Redis
 * server. connect() opens the link (link.ts); each factory makes a handle on the primitive that a
 * name designates, for every process that connects to the same server with the same prefix.
 * Guarantees and limits: docs/redis.md.
 */

import { typeError } from '../errors.js';
import { type BarrierOptions, RedisBarrier } from './barrier.js';
import { RedisEvent } from './event.js';
import { type ConnectOptions, Link } from './link.js';
import { type LockOptions, RedisLock } from './lock.js';
import { RedisSemaphore, type SemaphoreOptions } from './semaphore.js';

export type { BarrierOptions } from './barrier.js';
export { ConnectionError } from './errors.js';
export type { Held, LockHeld } from './lease.js';
export type { ConnectOptions } from './link.js';
export type { LockOptions } from './lock.js';
export type { SemaphoreOptions } from './semaphore.js';
export { RedisBarrier, RedisEvent, RedisLock, RedisSemaphore };

/** An open connection to a Redis server, from `connect()`: the factory of shared primitives. */
export class Redis {
  readonly #link: Link;

  /** @internal Use `connect()`. */
  constructor(link: Link) {
    this.#link = link;
  }

  /** The prefix of every key (inside the hash tag). */
  get prefix(): string {
    return this.#link.prefix;
  }

  /**
   * A lock named `name`, leased for `lease` ms (default 30 000) and renewed while held.
   * @throws TypeError / RangeError for a bad name (a non-empty string) or lease (finite, > 0).
   * @example
   * ```ts
   * const lock = redis.lock('jobs');
   * await using held = await lock.holdAsync();
   * ```
   */
  lock(name: string, options?: LockOptions): RedisLock {
    return new RedisLock(this.#link, name, options);
  }

  /**
   * A semaphore of `value` permits (default 1) named `name`; each permit is leased.
   * @throws TypeError / RangeError for a bad name, value (an integer >= 0) or lease.
   * @example
   * ```ts
   * const slots = redis.semaphore('api', 4);
   * ```
   */
  semaphore(name: string, value = 1, options?: SemaphoreOptions): RedisSemaphore {
    return new RedisSemaphore(this.#link, name, value, options, false);
  }

  /** A semaphore whose release() past what it holds is a ValueError. Same state as semaphore(). */
  boundedSemaphore(name: string, value = 1, options?: SemaphoreOptions): RedisSemaphore {
    return new RedisSemaphore(this.#link, name, value, options, true);
  }

  /**
   * An event (a flag) named `name`.
   * @example
   * ```ts
   * const go = redis.event('go');
   * await go.set();
   * ```
   */
  event(name: string): RedisEvent {
    return new RedisEvent(this.#link, name);
  }

  /**
   * A barrier of `parties` waiters named `name`; `timeout` is the default of waitAsync.
   * @throws TypeError / RangeError for a bad name or parties (an integer >= 1).
   * @example
   * ```ts
   * const ready = redis.barrier('ready', 4);
   * await ready.waitAsync();
   * ```
   */
  barrier(name: string, parties: number, options?: BarrierOptions): RedisBarrier {
    return new RedisBarrier(this.#link, name, parties, options);
  }

  /**
   * Never blocks and returns a Promise: ends both connections. Pending waits reject with
   * ConnectionError; leases held stop being renewed (they run out on the server unless released first).
   */
  close(): Promise<void> {
    return this.#link.close();
  }

  /** `close()`, for `await using redis = ...`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Never blocks and returns a Promise: connects to the Redis server at `url` (default
 * `redis://127.0.0.1:6379`).
 * @param options.prefix prepended to every name (default `'weft:'`).
 * @throws ConnectionError (rejects) if the server cannot be reached.
 * @example
 * ```ts
 * import { connect } from 'weft-threading/redis';
 * const redis = await connect(process.env.REDIS_URL);
 * ```
 */
export async function connect(url = 'redis://127.0.0.1:6379', options?: ConnectOptions): Promise<Redis> {
  if (typeof url !== 'string') throw typeError(`connect: url must be a string, got ${typeof url}`);
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw typeError('connect: options must be an object');
  }
  const prefix = options?.prefix ?? 'weft:';
  if (typeof prefix !== 'string') throw typeError('connect: prefix must be a string');
  const recheck = options?.recheck ?? 30_000;
  if (typeof recheck !== 'number' || !(recheck > 0) || !Number.isFinite(recheck)) {
    throw typeError('connect: recheck must be a finite number of ms > 0');
  }
  return new Redis(await Link.open(url, prefix, recheck));
}
