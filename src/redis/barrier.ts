/*
 * A redis Barrier: `parties` waiters, in any processes, meet; then all go on (Python's
 * threading.Barrier, without the action: functions do not cross processes).
 *
 * Keys, under the hash tag {prefix+name}:
 *   {P}:barrier  HASH  parties; count: waiters arrived in this pass; gen: the pass under way;
 *                      broken: '1' while broken (until reset)
 *   {P}:ends     HASH  field <g>: how pass g ended, 'p' (passed) or 'b' (broken or reset); the last
 *                      64 passes are kept
 *   {P}:ch       pub/sub channel: a message whenever a pass ends
 * Scripts (atomic on the server):
 *   ARRIVE  check parties; broken -> {-1}; else index = count, count += 1; if count = parties the
 *           pass ends: ends[gen] = 'p', gen += 1, count = 0, PUBLISH -> {index, g, 1}; else {index, g, 0}.
 *   CHECK g -> 'w' while gen = g; else ends[g] ('b' if forgotten).
 *   BREAK g (a waiter's timeout or abort) -> if pass g already ended: ends[g]; else broken = 1 and
 *           the pass ends 'b' (gen += 1, count = 0, PUBLISH) -> 'b'.
 *   ABORT   broken = 1; a pass with waiters ends 'b'.   RESET: a pass with waiters ends 'b'; broken = 0.
 * States as in CPython: filling (count < parties) -> passed; broken until reset.
 * No wake-up is lost: a pass ends by raising gen and recording ends[g] before it PUBLISHes, and a
 * waiter CHECKs its pass after subscribing (link.ts); an idle waiter re-checks every `recheck` ms.
 * Limit: a waiter whose process dies stays counted in its pass; the barrier's timeout (or abort())
 * is what frees the others then.
 */

import { BrokenBarrierError, rangeError, typeError, ValueError } from '../errors.js';
import { checkTimeout, deadlineOf, now } from '../internal/timeout.js';
import { promised } from './lease.js';
import { type Attempt, checkName, type Link, type Outcome, script, signalOf } from './link.js';

const PARTIES = `
local p = redis.call('HGET', KEYS[1], 'parties')
if not p then redis.call('HSET', KEYS[1], 'parties', ARGV[1], 'count', 0, 'gen', 0, 'broken', 0)
elseif p ~= ARGV[1] then return redis.error_reply('WEFTVALUE the server holds parties ' .. p .. ', this handle ' .. ARGV[1]) end
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen'))
local function finish(how)
  redis.call('HSET', KEYS[2], tostring(gen), how)
  redis.call('HDEL', KEYS[2], tostring(gen - 64))
  redis.call('HSET', KEYS[1], 'gen', gen + 1, 'count', 0)
  redis.call('PUBLISH', ARGV[2], how)
end
`;

/** KEYS: barrier, ends. ARGV: parties, channel. */
const ARRIVE = script(
  'barrier.arrive',
  `${PARTIES}
if redis.call('HGET', KEYS[1], 'broken') == '1' then return {-1, gen, 0} end
local index = redis.call('HINCRBY', KEYS[1], 'count', 1) - 1
if index + 1 >= tonumber(ARGV[1]) then finish('p') return {index, gen, 1} end
return {index, gen, 0}
`,
);

/** KEYS: barrier, ends. ARGV: parties, channel, g. */
const CHECK = script(
  'barrier.check',
  `${PARTIES}
if gen == tonumber(ARGV[3]) then return 'w' end
return redis.call('HGET', KEYS[2], ARGV[3]) or 'b'
`,
);

/** KEYS: barrier, ends. ARGV: parties, channel, g. */
const BREAK = script(
  'barrier.break',
  `${PARTIES}
if gen ~= tonumber(ARGV[3]) then return redis.call('HGET', KEYS[2], ARGV[3]) or 'b' end
redis.call('HSET', KEYS[1], 'broken', 1)
finish('b')
return 'b'
`,
);

/** KEYS: barrier, ends. ARGV: parties, channel. */
const ABORT = script(
  'barrier.abort',
  `${PARTIES}
redis.call('HSET', KEYS[1], 'broken', 1)
if tonumber(redis.call('HGET', KEYS[1], 'count')) > 0 then finish('b') end
return 0
`,
);

/** KEYS: barrier, ends. ARGV: parties, channel. */
const RESET = script(
  'barrier.reset',
  `${PARTIES}
if tonumber(redis.call('HGET', KEYS[1], 'count')) > 0 then finish('b') end
redis.call('HSET', KEYS[1], 'broken', 0)
return 0
`,
);

/** KEYS: barrier, ends. ARGV: parties, channel. */
const STATE = script(
  'barrier.state',
  `${PARTIES}
return {tonumber(redis.call('HGET', KEYS[1], 'count')), tonumber(redis.call('HGET', KEYS[1], 'broken'))}
`,
);

/** Options of `redis.barrier()`. */
export interface BarrierOptions {
  /** The default timeout of waitAsync (ms); passing it breaks the barrier. */
  readonly timeout?: number;
}

/** A barrier shared through Redis by every process that names it. Create it with `redis.barrier(name, parties)`. */
export class RedisBarrier {
  readonly #link: Link;
  readonly #keys: [string, string];
  readonly #channel: string;
  readonly #timeout: number | undefined;
  /** The barrier's name (without the prefix). */
  readonly name: string;
  /** How many waiters each pass needs. */
  readonly parties: number;

  /** @internal Use `redis.barrier(name, parties, options)`. */
  constructor(link: Link, name: string, parties: number, options?: BarrierOptions) {
    checkName(name, 'Barrier');
    if (typeof parties !== 'number')
      throw typeError(`Barrier: parties must be a number, got ${typeof parties}`);
    if (!Number.isInteger(parties) || parties < 1 || parties > 2 ** 31 - 1) {
      throw rangeError(`Barrier: parties must be an integer >= 1, got ${parties}`);
    }
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw typeError('Barrier: options must be an object');
    }
    const t = (options as { timeout?: unknown } | undefined)?.timeout;
    if (t !== undefined) checkTimeout(t, 'Barrier');
    this.#timeout = t as number | undefined;
    this.#link = link;
    this.name = name;
    this.parties = parties;
    const base = link.base(name);
    this.#keys = [`${base}:barrier`, `${base}:ends`];
    this.#channel = `${base}:ch`;
  }

  #run(s: Parameters<Link['run']>[0], ...args: (string | number)[]): Promise<unknown> {
    return this.#link.run(s, this.#keys, [this.parties, this.#channel, ...args]);
  }

  /**
   * Never blocks and returns a Promise: waits until `parties` waiters have called waitAsync, then
   * resolves to this waiter's index (0 .. parties-1, distinct within a pass; the last to arrive gets
   * parties-1).
   * @throws BrokenBarrierError if the barrier is broken or is reset, or when the timeout (the call's,
   * else the barrier's) passes, which breaks it for everyone; the signal's reason if it aborts, which
   * breaks it too; ValueError if the server's parties differ; ConnectionError.
   * @example
   * ```ts
   * const index = await start.waitAsync(30_000);
   * ```
   */
  waitAsync(timeout?: number, options?: { signal?: AbortSignal }): Promise<number> {
    return promised(async () => {
      const where = `Barrier(${JSON.stringify(this.name)}).waitAsync`;
      const deadline = deadlineOf(checkTimeout(timeout ?? this.#timeout, where));
      const signal = signalOf(options, where);
      if (signal?.aborted) throw signal.reason;
      const [index, gen, passed] = (await this.#run(ARRIVE)) as [number, number, number];
      if (index < 0) throw new BrokenBarrierError(`${where}: the barrier is broken`);
      if (passed === 1) return index;
      let first = true;
      const attempt = async (message: string | undefined): Promise<Attempt<string>> => {
        // The ARRIVE above was the first look; waitFor's first attempt only needs to ask to wait.
        if (first) {
          first = false;
          return { retryIn: 0 };
        }
        void message;
        const how = String(await this.#run(CHECK, gen));
        return how === 'w' ? { retryIn: this.#link.recheck } : { value: how };
      };
      let outcome: Outcome<string>;
      try {
        outcome = await this.#link.waitFor(this.#channel, attempt, Math.max(deadline, now() + 1), signal);
      } catch (e) {
        if (e instanceof ValueError) throw e;
        // The connection is lost: the pass cannot be trusted; try to break it, then report the loss.
        await this.#run(BREAK, gen).catch(() => {});
        throw e;
      }
      let how = 'value' in outcome ? outcome.value : String(await this.#run(BREAK, gen));
      if ('aborted' in outcome) throw signal?.reason;
      if (how === 'w') how = 'b';
      if (how === 'p') return index;
      throw new BrokenBarrierError(
        'timedOut' in outcome
          ? `${where}: timed out; the barrier is broken`
          : `${where}: the barrier was broken or reset`,
      );
    });
  }

  /** Never blocks and returns a Promise: breaks the waiters of the pass under way; then the barrier is usable again. */
  reset(): Promise<void> {
    return promised(async () => {
      await this.#run(RESET);
    });
  }

  /** Never blocks and returns a Promise: breaks the barrier until reset(); current and later waiters get BrokenBarrierError. */
  abort(): Promise<void> {
    return promised(async () => {
      await this.#run(ABORT);
    });
  }

  /** Never blocks and returns a Promise: how many waiters are in the pass under way. */
  nWaiting(): Promise<number> {
    return promised(async () => ((await this.#run(STATE)) as [number, number])[0]);
  }

  /** Never blocks and returns a Promise: whether the barrier is broken. */
  broken(): Promise<boolean> {
    return promised(async () => ((await this.#run(STATE)) as [number, number])[1] === 1);
  }
}
