/*
 * A redis Lock: mutual exclusion between processes, leased, with a fencing token.
 *
 * It is the lease engine of lease.ts with one permit (value 1) and the fence on: its keys
 * ({P}:leases, {P}:meta, {P}:fence, channel {P}:ch), its scripts, invariants and why no wake-up is
 * lost are written there. What the Lock adds:
 *   - token: every ACQUIRE that succeeds INCRs {P}:fence in the same script that adds the lease, so
 *     tokens grow strictly with acquisitions, across holders, processes and expired leases (the
 *     counter never expires; it is lost only with the server's data, see docs/redis.md).
 *   - ownership: release() releases a lease this handle holds (the oldest, if several async tasks
 *     of this process acquired through the same handle in turn); a handle that holds none, or whose
 *     lease is lost, gets a RuntimeError.
 * A waiter that takes over from a dead holder resolves normally (it is not an AbandonedError): it
 * learns nothing of the state the dead holder left, and its larger token is what protects the
 * resource (docs/redis.md).
 */

import { Leases, type LockHeld, promised } from './lease.js';
import type { Link } from './link.js';

/** Options of `redis.lock()`. */
export interface LockOptions {
  /** How long a holder keeps the lock without renewing it (ms, finite, > 0; default 30 000). */
  readonly lease?: number;
}

/** A lock shared through Redis by every process that names it. Create it with `redis.lock(name)`. */
export class RedisLock {
  readonly #l: Leases;
  /** The lock's name (without the prefix). */
  readonly name: string;

  /** @internal Use `redis.lock(name, options)`. */
  constructor(link: Link, name: string, options?: LockOptions) {
    this.#l = new Leases(link, 'Lock', name, 1, options, true);
    this.name = name;
  }

  /** The lease in ms. */
  get lease(): number {
    return this.#l.lease;
  }

  /**
   * Never blocks and returns a Promise: acquires the lock, waiting up to `timeout` ms (default: no
   * limit; 0: try once).
   * @returns true once acquired; false if the timeout passed first (never because of a lost connection).
   * @throws ConnectionError if the server cannot be reached; the signal's reason if it aborts.
   * @example
   * ```ts
   * if (await lock.acquireAsync(1000)) {
   *   try { await work(); } finally { await lock.release(); }
   * }
   * ```
   */
  acquireAsync(timeout?: number, options?: { signal?: AbortSignal }): Promise<boolean> {
    return promised(async () => (await this.#l.acquire(timeout, options, 'acquireAsync')) !== undefined);
  }

  /**
   * Never blocks and returns a Promise: acquires the lock as acquireAsync does, and resolves to a
   * LockHeld that releases it when disposed (`await using held = await lock.holdAsync()`), with the
   * fencing `token` and a `signal` that aborts if the lease is lost.
   * @throws TimeoutError (name 'TimeoutError') if the timeout passes first; ConnectionError.
   * @example
   * ```ts
   * await using held = await lock.holdAsync(5000);
   * await storage.write(data, { fence: held.token, signal: held.signal });
   * ```
   */
  holdAsync(timeout?: number, options?: { signal?: AbortSignal }): Promise<LockHeld> {
    return promised(() => this.#l.hold(timeout, options));
  }

  /**
   * Never blocks and returns a Promise: releases the lock this handle holds.
   * @throws RuntimeError if this handle does not hold it, or its lease was lost meanwhile.
   */
  release(): Promise<void> {
    return promised(() => this.#l.releaseN(1, 'release'));
  }

  /** Never blocks and returns a Promise: whether any process holds the lock now. */
  locked(): Promise<boolean> {
    return promised(async () => (await this.#l.count()) === 0);
  }
}
