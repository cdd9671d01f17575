/*
 * A redis Event: a flag between processes (Python's threading.Event).
 *
 * Keys, under the hash tag {prefix+name}:
 *   {P}:event  HASH  set: '1' | '0' (missing: unset);  gen: how many times set() raised the flag
 *   {P}:ch     pub/sub channel: set() PUBLISHes the new gen
 * Scripts (atomic on the server):
 *   SET    if set is not '1': set = '1', gen += 1, PUBLISH gen -> gen; else -> 0 (already set).
 *   CLEAR  set = '0'.
 *   PEEK   -> {set, gen}.
 * waitAsync: PEEK; set -> true. Else remember gen g0, and wait (Link.waitFor) until a message with a
 * gen > g0 arrives (true at once, without a command), or a re-check (PEEK) finds set or gen > g0:
 * "woken by set()" is gen > g0, so a waiter woken by set() returns true even if clear() ran before
 * it looked, as the contract asks. No wake-up is lost: set() raises gen before it PUBLISHes, and a
 * waiter re-PEEKs after subscribing (link.ts); an idle waiter re-checks every `recheck` ms.
 */

import { checkTimeout, deadlineOf } from '../internal/timeout.js';
import { promised } from './lease.js';
import { type Attempt, checkName, type Link, script, signalOf } from './link.js';

const SET = script(
  'event.set',
  `
if redis.call('HGET', KEYS[1], 'set') == '1' then return 0 end
redis.call('HSET', KEYS[1], 'set', '1')
local gen = redis.call('HINCRBY', KEYS[1], 'gen', 1)
redis.call('PUBLISH', ARGV[1], gen)
return gen
`,
);

const CLEAR = script('event.clear', `redis.call('HSET', KEYS[1], 'set', '0') return 0`);

const PEEK = script(
  'event.peek',
  `
local r = redis.call('HMGET', KEYS[1], 'set', 'gen')
return {r[1] == '1' and 1 or 0, tonumber(r[2] or '0')}
`,
);

/** An event shared through Redis by every process that names it. Create it with `redis.event(name)`. */
export class RedisEvent {
  readonly #link: Link;
  readonly #key: string;
  readonly #channel: string;
  /** The event's name (without the prefix). */
  readonly name: string;

  /** @internal Use `redis.event(name)`. */
  constructor(link: Link, name: string) {
    checkName(name, 'Event');
    this.#link = link;
    this.name = name;
    const base = link.base(name);
    this.#key = `${base}:event`;
    this.#channel = `${base}:ch`;
  }

  /** Never blocks and returns a Promise: sets the flag and wakes every waiter, in every process. */
  set(): Promise<void> {
    return promised(async () => {
      await this.#link.run(SET, [this.#key], [this.#channel]);
    });
  }

  /** Never blocks and returns a Promise: clears the flag. */
  clear(): Promise<void> {
    return promised(async () => {
      await this.#link.run(CLEAR, [this.#key], []);
    });
  }

  /** Never blocks and returns a Promise: whether the flag is set. */
  isSet(): Promise<boolean> {
    return promised(async () => ((await this.#peek())[0] as number) === 1);
  }

  async #peek(): Promise<[number, number]> {
    return (await this.#link.run(PEEK, [this.#key], [])) as [number, number];
  }

  /**
   * Never blocks and returns a Promise: waits until the flag is set, or `timeout` ms.
   * @returns true if the flag was set or set() ran while waiting (even if clear() followed); false
   * on timeout (never because of a lost connection: that rejects with ConnectionError).
   * @example
   * ```ts
   * if (await go.waitAsync(10_000)) start();
   * ```
   */
  waitAsync(timeout?: number, options?: { signal?: AbortSignal }): Promise<boolean> {
    return promised(async () => {
      const where = `Event(${JSON.stringify(this.name)}).waitAsync`;
      const deadline = deadlineOf(checkTimeout(timeout, where));
      const signal = signalOf(options, where);
      let g0: number | undefined;
      const attempt = async (message: string | undefined): Promise<Attempt<true>> => {
        if (g0 !== undefined && message !== undefined && Number(message) > g0) return { value: true };
        const [set, gen] = await this.#peek();
        if (set === 1 || (g0 !== undefined && gen > g0)) return { value: true };
        g0 ??= gen;
        return { retryIn: this.#link.recheck };
      };
      const outcome = await this.#link.waitFor(this.#channel, attempt, deadline, signal);
      if ('aborted' in outcome) throw signal?.reason;
      return 'value' in outcome;
    });
  }
}
