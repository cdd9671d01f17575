/*
 * A redis Semaphore: at most `value` holders at once between processes, each permit leased.
 * A BoundedSemaphore is the same state; only the error of a release past what is held differs.
 *
 * It is the lease engine of lease.ts with `value` permits and no fence: its keys ({P}:leases,
 * {P}:meta, channel {P}:ch), scripts, invariants and why no wake-up is lost are written there.
 * Every handle of one name must agree on `value` ({P}:meta), or its calls reject with ValueError.
 *
 * Unlike an in-memory Semaphore, a permit is owned: it is a lease that its holder renews, so that a
 * dead process gives its permits back. release(n) therefore gives back n permits that this handle
 * holds (oldest first); more than it holds is a RuntimeError for a Semaphore and a ValueError (Python's
 * "released too many times") for a BoundedSemaphore, and releases nothing. Because of this, value()
 * never exceeds the initial value; a Semaphore cannot be used to count signals between processes
 * (use an Event, or a list in Redis, for that).
 */

import { RuntimeError, ValueError } from '../errors.js';
import { checkCount, checkValue, type Held, Leases, promised } from './lease.js';
import type { Link } from './link.js';

/** Options of `redis.semaphore()`. */
export interface SemaphoreOptions {
  /** How long a holder keeps a permit without renewing it (ms, finite, > 0; default 30 000). */
  readonly lease?: number;
}

/** A semaphore shared through Redis by every process that names it. Create it with `redis.semaphore(name, value)`. */
export class RedisSemaphore {
  readonly #l: Leases;
  readonly #bounded: boolean;
  /** The semaphore's name (without the prefix). */
  readonly name: string;

  /** @internal Use `redis.semaphore(name, value, options)` or `redis.boundedSemaphore(...)`. */
  constructor(
    link: Link,
    name: string,
    value: number,
    options: SemaphoreOptions | undefined,
    bounded: boolean,
  ) {
    const kind = bounded ? 'BoundedSemaphore' : 'Semaphore';
    checkValue(value, kind);
    this.#l = new Leases(link, kind, name, value, options, false);
    this.#bounded = bounded;
    this.name = name;
  }

  /** The number of permits every handle of this name agrees on. */
  get initial(): number {
    return this.#l.value;
  }

  /** The lease in ms. */
  get lease(): number {
    return this.#l.lease;
  }

  /**
   * Never blocks and returns a Promise: takes one permit, waiting up to `timeout` ms.
   * @returns true once taken; false if the timeout passed first (never because of a lost connection).
   * @throws ValueError if the server's value differs from this handle's; ConnectionError; the signal's reason.
   * @example
   * ```ts
   * if (await sem.acquireAsync(1000)) {
   *   try { await work(); } finally { await sem.release(); }
   * }
   * ```
   */
  acquireAsync(timeout?: number, options?: { signal?: AbortSignal }): Promise<boolean> {
    return promised(async () => (await this.#l.acquire(timeout, options, 'acquireAsync')) !== undefined);
  }

  /**
   * Never blocks and returns a Promise: takes one permit as acquireAsync does, and resolves to a Held
   * that gives it back when disposed (`await using held = await sem.holdAsync()`).
   * @throws TimeoutError (name 'TimeoutError') if the timeout passes first; ConnectionError.
   * @example
   * ```ts
   * await using held = await sem.holdAsync();
   * await fetch(url, { signal: held.signal });
   * ```
   */
  holdAsync(timeout?: number, options?: { signal?: AbortSignal }): Promise<Held> {
    return promised(() => this.#l.hold(timeout, options));
  }

  /**
   * Never blocks and returns a Promise: gives back `n` permits that this handle holds.
   * @throws RangeError if n is not an integer >= 1; RuntimeError (Semaphore) or ValueError
   * (BoundedSemaphore) if this handle holds fewer than n, and then nothing is released.
   */
  release(n = 1): Promise<void> {
    return promised(async () => {
      const where = `${this.#bounded ? 'BoundedSemaphore' : 'Semaphore'}(${JSON.stringify(this.name)}).release`;
      checkCount(n, where);
      try {
        await this.#l.releaseN(n, 'release');
      } catch (e) {
        if (this.#bounded && e instanceof RuntimeError && /holds|does not hold/.test(e.message)) {
          throw new ValueError(`${e.message}: released too many times`);
        }
        throw e;
      }
    });
  }

  /** Never blocks and returns a Promise: the number of permits free now, as the server counts them. */
  value(): Promise<number> {
    return promised(() => this.#l.count());
  }
}
