/*
 * Leases: what a redis Lock and a redis Semaphore hold. A Lock is a semaphore of one permit with a
 * fencing counter; both are this one engine.
 *
 * Keys, all under the hash tag {prefix+name} so they share one slot:
 *   {P}:leases   ZSET  member: one holding (process id + serial), score: its expiry (server ms, TIME)
 *   {P}:meta     HASH  value: the number of permits every handle must agree on
 *   {P}:fence    STRING  fencing counter of a Lock (INCR at every acquisition; never expires)
 *   {P}:waiters  ZSET  member: a subscribed waiter, score: when its registration lapses (~2 leases,
 *                      refreshed by each of its attempts), so a dead waiter costs nothing for long
 *   {P}:yield    STRING  the handle that last woke the waiters on release, PX YIELD_MS: it may not
 *                      re-take a free permit while this exists; deleted by the next other acquirer
 *   {P}:ch       pub/sub channel: a message whenever permits may have become free
 *
 * Scripts (each runs atomically on the server):
 *   ACQUIRE  check value; drop expired leases (ZREMRANGEBYSCORE -inf now); if fewer than value remain
 *            and {P}:yield does not name this handle, add ours with expiry now+lease (and INCR the
 *            fence for a Lock), unregister the waiter, DEL {P}:yield -> {1, fence, dropped}; else
 *            register the waiter (if subscribed) and -> {0, ms until the earliest lease expires (or
 *            until {P}:yield lapses), or -1 if none is held (value 0)}. If it dropped expired leases
 *            and a permit is still free after ours, PUBLISH so another waiter takes it.
 *   RENEW    our lease alive -> expiry = now+lease, 1; expired or gone -> remove it, PUBLISH, 0.
 *   RELEASE  told to re-take one lease that is alive while someone waits: give it a new expiry
 *            (same member) and INCR the fence -> {1, waiting, fence}. Else remove the given leases;
 *            drop lapsed waiters; if none wait -> {alive, 0, -1}; told to wake -> PUBLISH the oldest
 *            waiter's id (one lease freed; else 'free', for all), SET {P}:yield; else nothing (the
 *            caller owes a WAKE) -> {alive, waiting, -1}.
 *   WAKE     PUBLISH the oldest waiter's id.   CANCEL: unregister a waiter that gave up.
 * {P}:waiters is in order of registration: a failed ACQUIRE adds its waiter if missing (NX) and
 * refreshes it only on the waiter's own re-check timer (ARGV[9]), so the oldest registered waiter is
 * the one woken by name (roughly FIFO; the other waiters see the message and re-check a little later
 * in case the named one is gone, link.ts OTHER_MS).
 *   COUNT    check value; drop expired leases (PUBLISH if any); -> value - live leases.
 * Invariant: the live members of {P}:leases are at most value; a member is live while its score is
 * in the future by the server's clock, whatever the TTL of any key (the ZSET itself never expires, so
 * a dead holder's lease is seen and dropped by the next caller, which is how it learns of it).
 *
 * Releasing (Leases.drop, #afterRelease): an uncontended acquire + release is two commands, and a
 * release that finds waiters wakes them in the same round trip and steps aside ({P}:yield) so that a
 * woken waiter, not the releaser's own next acquire, gets the permit. A handle that re-takes at once
 * after each release (a loop: its acquire is called before the next turn of the event loop) keeps a
 * contended permit for BARGE_MS from its first release that found waiters: its RELEASE re-takes in the
 * same script for the acquire that follows, which then needs no round trip (one command per cycle).
 * If that acquire does not come before the next turn, the re-taken lease is released then, and the
 * waiters woken. After BARGE_MS its release wakes the waiters and yields: bounded barging, parking_lot's
 * "eventual fairness". A re-take reserves RESERVE fencing tokens (INCRBY); until they run out, the
 * streak ends, or a third of a lease has passed since the lease's expiry was last extended, the
 * releases that follow re-take locally, with no round trip: what the server would do (keep the
 * lease, give a larger token) needs nothing from it while the lease is ours anyway, and the acquire
 * that takes it resolves at the next turn of the event loop, so a loop of them never starves timers
 * or I/O. Only the lease that re-take extended is kept so (#reserved): a lease that lapsed, was lost
 * or came from a plain ACQUIRE is another member, and a RELEASE that does not re-take drops the
 * reserve, whose tokens would then go backwards. Every acquisition holds a lease alive on the
 * server, with a fencing token larger than every token given before it: a token given to another
 * holder later comes from a later INCR(BY).
 *
 * Renewal: a holder renews at a third of its lease, measured from when it sent the last renewal that
 * succeeded. If the server says the lease is gone, or a lease period has passed on the local
 * monotonic clock since that renewal was sent without a newer one succeeding (a frozen process, a
 * cut-off network), the holder's signal aborts: from then on it must assume another holds it.
 *
 * Waiting: on {P}:ch, through Link.waitFor. A failed ACQUIRE says when the earliest lease expires; an
 * idle waiter re-checks then if that is sooner than 2/3 of its own lease (the holder is late renewing:
 * it may be dead), else after one lease period: at most one re-check per lease period while the
 * holder lives, and a dead holder's lease is taken over within a third of a lease of its expiry.
 * No wake-up is lost: a waiter registers in {P}:waiters in the same script as its failed ACQUIRE,
 * after it has subscribed, and only fails while every permit is held (or, for the handle that
 * yielded, while {P}:yield lives: it re-checks when that lapses). A RELEASE after that sees it and
 * either PUBLISHes; or re-takes in the same script, so the permit never becomes free (the re-taken
 * lease is used by the next acquire, whose release is again one of these cases, or released with a
 * PUBLISH at the next turn); or leaves it free and owes a WAKE, sent at the next turn unless the
 * handle is re-taking, whose ACQUIRE either takes the permit (its own release will wake) or finds it
 * taken (that holder's release will). Every drop of an expired lease PUBLISHes too, and waitFor
 * re-runs ACQUIRE after any message (link.ts). A WAKE or re-taken lease lost with its process (killed
 * before the next turn) costs the waiters one re-check period (the lease), never a hang.
 */

import { RuntimeError, rangeError, TimeoutError, typeError } from '../errors.js';
import { checkTimeout, deadlineOf, now } from '../internal/timeout.js';
import { ConnectionError } from './errors.js';
import {
  ADDRESSED,
  type Attempt,
  checkLease,
  checkName,
  type Link,
  nextTurn,
  type Outcome,
  script,
  signalOf,
} from './link.js';

const CLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

const CHECK = `
local v = redis.call('HGET', KEYS[2], 'value')
if not v then redis.call('HSET', KEYS[2], 'value', ARGV[1])
elseif v ~= ARGV[1] then return redis.error_reply('WEFTVALUE the server holds value ' .. v .. ', this handle ' .. ARGV[1]) end
`;

/**
 * KEYS: leases, meta, fence, waiters, yield. ARGV: value, lease, member, channel, isLock, waiter id or
 * '', waiter ttl, handle id, '1' to refresh the waiter's registration (else only add it if missing).
 */
const ACQUIRE = script(
  'acquire',
  `${CLOCK}${CHECK}
local function register()
  if ARGV[6] == '' then return end
  if ARGV[9] == '1' then redis.call('ZADD', KEYS[4], now + tonumber(ARGV[7]), ARGV[6])
  else redis.call('ZADD', KEYS[4], 'NX', now + tonumber(ARGV[7]), ARGV[6]) end
end
local value = tonumber(ARGV[1])
local dropped = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local live = redis.call('ZCARD', KEYS[1])
if live < value then
  local y = redis.call('GET', KEYS[5])
  if y ~= ARGV[8] then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
    local fence = 0
    if ARGV[5] == '1' then fence = redis.call('INCR', KEYS[3]) end
    if ARGV[6] ~= '' then redis.call('ZREM', KEYS[4], ARGV[6]) end
    if y then redis.call('DEL', KEYS[5]) end
    if dropped > 0 and live + 1 < value then redis.call('PUBLISH', ARGV[4], 'free') end
    return {1, fence, dropped}
  end
  register()
  return {0, redis.call('PTTL', KEYS[5]), 0}
end
register()
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if not first[2] then return {0, -1, 0} end
return {0, tonumber(first[2]) - now, 0}
`,
);

/** KEYS: leases. ARGV: lease, member, channel. */
const RENEW = script(
  'renew',
  `${CLOCK}
local s = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not s then return 0 end
if tonumber(s) <= now then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('PUBLISH', ARGV[3], 'free')
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
return 1
`,
);

/**
 * Fencing tokens a re-take reserves (INCRBY) for the handle's next acquisitions in the same streak:
 * the first is the re-take's, the others go to local re-takes (Leases.drop), RESERVE - 1 at most
 * before the next round trip. A token later issued to anyone else is larger than all of them.
 */
const RESERVE = 1024;

/**
 * KEYS: leases, waiters, yield, fence. ARGV: channel, '1' to PUBLISH if anyone waits (else the caller
 * owes a WAKE), handle id, YIELD_MS, '1' to re-take the one member if it is alive and anyone waits,
 * lease, isLock, member... -> {alive, waiting, the last fencing token the re-take reserved (0 for a
 * semaphore), or -1 if it did not re-take}.
 */
const RELEASE = script(
  'release',
  `${CLOCK}
local TOKENS = ${RESERVE}
if ARGV[5] == '1' and #ARGV == 8 then
  -- The re-take of a loop, kept short: our lease alive and someone waiting (lapsed waiters counted
  -- too: they only prolong the streak) -> the same member, a new expiry, a new token.
  local s = redis.call('ZSCORE', KEYS[1], ARGV[8])
  if s and tonumber(s) > now then
    local waiting = redis.call('ZCARD', KEYS[2])
    if waiting > 0 then
      redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[6]), ARGV[8])
      local fence = 0
      if ARGV[7] == '1' then fence = redis.call('INCRBY', KEYS[4], TOKENS) end
      return {1, waiting, fence}
    end
  end
end
local alive = 0
for i = 8, #ARGV do
  local s = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if s then
    if tonumber(s) > now then alive = alive + 1 end
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local waiting = redis.call('ZCARD', KEYS[2])
if waiting == 0 then return {alive, 0, -1} end
if ARGV[2] == '1' then
  local to = 'free'
  if #ARGV == 8 then to = redis.call('ZRANGE', KEYS[2], 0, 0)[1] end
  redis.call('PUBLISH', ARGV[1], to)
  redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
  return {alive, waiting, -1}
end
return {alive, waiting, -1}
`,
);

/** KEYS: waiters. ARGV: channel. */
const WAKE = script(
  'wake',
  `local first = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
redis.call('PUBLISH', ARGV[1], first or 'free')
return 0`,
);

/** KEYS: waiters. ARGV: waiter id. */
const CANCEL = script('cancel', `redis.call('ZREM', KEYS[1], ARGV[1]) return 0`);

/**
 * How long a releaser may keep re-taking a contended lock before it must wake the waiters (ms),
 * counted from its first release that found waiters (its streak).
 */
const BARGE_MS = 20;

/**
 * How long a releaser that woke the waiters may not re-take what it released, unless one of them has
 * taken it first (ms): long enough for a woken waiter to arrive; bounded, so that dead waiters cost
 * the releaser at most this.
 */
const YIELD_MS = 20;

/** KEYS: leases, meta. ARGV: value, channel. */
const COUNT = script(
  'count',
  `${CLOCK}${CHECK}
local dropped = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if dropped > 0 then redis.call('PUBLISH', ARGV[2], 'free') end
return tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
`,
);

/**
 * A lease held through `holdAsync()`: `await using held = await x.holdAsync()` releases it at the end of
 * the block. Disposing it once the lease is lost releases nothing and does not throw.
 */
export interface Held extends AsyncDisposable {
  /** Aborts when this holder learns that its lease is lost (the server gave it up, or renewal failed past the lease). */
  readonly signal: AbortSignal;
  /**
   * Never blocks and returns a Promise: releases what was acquired, once; again, or after the lease
   * was lost, it does nothing.
   */
  release(): Promise<void>;
}

/** A lock held through `holdAsync()`, with its fencing token. */
export interface LockHeld extends Held {
  /**
   * The fencing token of this acquisition: larger than that of every earlier acquisition of the same
   * lock, so a resource that remembers the largest token it has seen can refuse a stale holder.
   */
  readonly token: number;
}

/** @internal One lease this process holds. */
export class Lease implements LockHeld {
  readonly token: number;
  readonly member: string;
  readonly #engine: Leases;
  /** Made when `signal` is first read (most holders never read it); aborted once the lease is lost. */
  #ctl: AbortController | undefined;
  /** Why the lease was lost, once it is. */
  #lost: Error | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Monotonic time at which the last successful renewal (or the acquisition) was sent. */
  #confirmed: number;
  #done = false;
  readonly #unclose: () => void;

  constructor(engine: Leases, member: string, token: number, sent: number) {
    this.#engine = engine;
    this.member = member;
    this.token = token;
    this.#confirmed = sent;
    this.#unclose = engine.link.onClose(() => this.#stop());
    // A third of a lease after the expiry was last extended (a local re-take carries an older one).
    this.#schedule(sent + engine.lease / 3 - now());
  }

  get signal(): AbortSignal {
    if (this.#ctl === undefined) {
      this.#ctl = new AbortController();
      if (this.#lost !== undefined) this.#ctl.abort(this.#lost);
    }
    return this.#ctl.signal;
  }

  /** Whether this holder may still believe it holds the lease. */
  get alive(): boolean {
    return !this.#done && this.#lost === undefined;
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => void this.#renew(), Math.max(1, ms));
    // A held lease alone does not keep the process alive: if the process ends, the lease runs out.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #renew(): Promise<void> {
    this.#timer = undefined;
    if (!this.alive) return;
    const lease = this.#engine.lease;
    if (now() - this.#confirmed >= lease) return this.lose('not renewed within its lease');
    const sent = now();
    try {
      const ok = await this.#engine.link.run(
        RENEW,
        [this.#engine.keys[0]],
        [lease, this.member, this.#engine.channel],
      );
      if (!this.alive) return;
      if (ok === 1) {
        this.#confirmed = sent;
        this.#schedule(lease / 3);
      } else {
        this.lose('the server no longer has it (it expired)');
      }
    } catch {
      if (!this.alive) return;
      // Unknown: retry soon, and give up once a lease period has passed since the last confirmation.
      const left = this.#confirmed + lease - now();
      if (left <= 0) this.lose('not renewed within its lease (lost the connection)');
      else this.#schedule(Math.min(left, Math.max(lease / 10, 10)));
    }
  }

  #stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#done = true;
    this.#unclose();
    this.#engine.forget(this);
  }

  /** The lease is lost: stop renewing and abort the signal. */
  lose(why: string): void {
    if (!this.alive) return;
    this.#stop();
    const e = new Error(`${this.#engine.what}: the lease is lost: ${why}`);
    e.name = 'LeaseLostError';
    this.#lost = e;
    this.#ctl?.abort(e);
  }

  /** Stops renewing; the caller removes the lease from the server. Returns false if it was already lost. */
  detach(): boolean {
    if (!this.alive) return false;
    this.#stop();
    return true;
  }

  async release(): Promise<void> {
    if (!this.detach()) return;
    await this.#engine.drop([this.member], true, this.#confirmed).catch(() => {});
  }

  /** Monotonic time at which the command that last extended this lease's expiry was sent. */
  get confirmed(): number {
    return this.#confirmed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

/** A lease taken by RELEASE on behalf of this handle's next acquire (see Leases.#afterRelease). */
interface Retaken {
  readonly member: string;
  readonly token: number;
  /** Monotonic time at which the command that last extended its expiry on the server was sent. */
  readonly sent: number;
  /** Re-taken by this process alone, without a round trip (Leases.drop): its acquire yields one turn. */
  readonly local: boolean;
}

/** @internal The lease engine of one handle (a Lock or a Semaphore). */
export class Leases {
  readonly link: Link;
  readonly what: string;
  readonly value: number;
  readonly lease: number;
  readonly isLock: boolean;
  readonly keys: readonly [string, string, string, string, string];
  readonly channel: string;
  /** This handle's name in {P}:yield. */
  readonly #id: string;
  /** Leases this handle holds, oldest first. */
  readonly #held: Lease[] = [];
  /** Calls of acquire() so far: a release that sees it move before the next turn was re-taken at once. */
  #acquires = 0;
  /** Whether this handle re-took what it released at once, the last time it released (a loop). */
  #looping = false;
  /** Since when this handle has been re-taking while others wait, without waking them (a streak). */
  #streak: number | undefined;
  /** Local re-takes left in this streak (the fencing tokens reserved by its last re-take), and the next token. */
  #local = 0;
  #token = 0;
  /**
   * The member whose lease the last server re-take extended and reserved the tokens for: the only
   * lease a local re-take may keep. A lease that lapsed, was lost, or came from a plain ACQUIRE
   * (whose INCR token is larger than the whole reserve) is another member: no local re-take from
   * the old reserve, whose tokens would go backwards.
   */
  #reserved: string | undefined;
  /**
   * Leases that RELEASEs took for this handle's next acquires, until those use them (several only if
   * several releases of this handle answer in one turn: permits of a Semaphore).
   */
  readonly #retaken: Retaken[] = [];

  constructor(link: Link, what: string, name: unknown, value: number, options: unknown, isLock: boolean) {
    checkName(name, what);
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw typeError(`${what}: options must be an object`);
    }
    this.link = link;
    this.what = `${what}(${JSON.stringify(name)})`;
    this.value = value;
    this.lease = checkLease((options as { lease?: unknown } | undefined)?.lease, what);
    this.isLock = isLock;
    const base = link.base(name as string);
    this.keys = [`${base}:leases`, `${base}:meta`, `${base}:fence`, `${base}:waiters`, `${base}:yield`];
    this.channel = `${base}:ch`;
    this.#id = link.member();
  }

  forget(lease: Lease): void {
    const i = this.#held.indexOf(lease);
    if (i >= 0) this.#held.splice(i, 1);
  }

  /** The streak ends: the next release that finds waiters wakes them (or starts a new streak). */
  #endStreak(): void {
    this.#streak = undefined;
    this.#local = 0;
  }

  /**
   * Removes leases from the server; returns how many were still alive there. Wakes the waiters, or
   * re-takes for this handle's next acquire (see #afterRelease). `confirmed`: when the command that
   * last extended the one lease's expiry was sent (monotonic), for a local re-take.
   */
  async drop(
    members: readonly string[],
    retake = true,
    confirmed = Number.NEGATIVE_INFINITY,
  ): Promise<number> {
    const t = now();
    // Wake the waiters now unless this handle is in a loop whose streak is young.
    const wake = !this.#looping || (this.#streak !== undefined && t - this.#streak >= BARGE_MS);
    const again = retake && !wake && members.length === 1;
    const before = this.#acquires;
    if (
      again &&
      this.#local > 0 &&
      members[0] === this.#reserved &&
      this.#streak !== undefined &&
      t - confirmed < this.lease / 3
    ) {
      // A local re-take: this streak's last round trip found waiters and re-took, so the lease is
      // still ours on the server for at least 2/3 of a lease (it is extended at every re-take and
      // renewal), and a token is left of those it reserved. Keep the lease for the next acquire, as
      // that RELEASE would; no one else could have taken it meanwhile. If no acquire comes before
      // the next turn, #afterRelease releases it and wakes the waiters.
      this.#local--;
      const token = this.isLock ? this.#token++ : 0;
      this.#retaken.push({ member: members[0]!, token, sent: confirmed, local: true });
      this.#afterRelease(before, true);
      return 1;
    }
    const [alive, waiting, token] = (await this.link.run(
      RELEASE,
      [this.keys[0], this.keys[3], this.keys[4], this.keys[2]],
      [
        this.channel,
        wake ? 1 : 0,
        this.#id,
        YIELD_MS,
        again ? 1 : 0,
        this.lease,
        this.isLock ? 1 : 0,
        ...members,
      ],
    )) as [number, number, number];
    if (waiting === 0 || wake) this.#endStreak();
    else this.#streak ??= t;
    // The re-taken lease keeps the released one's member (that Lease is detached: one live Lease per
    // member). A Lock's re-take reserved the tokens up to `token`: the first is this one's.
    if (token >= 0) {
      const first = this.isLock ? token - RESERVE + 1 : 0;
      this.#retaken.push({ member: members[0]!, token: first, sent: t, local: false });
      this.#local = RESERVE - 1;
      this.#token = first + 1;
      this.#reserved = members[0];
    } else this.#local = 0; // no re-take (not asked, or the lease had lapsed): the reserve is void
    this.#afterRelease(before, waiting > 0 && !wake);
    return alive;
  }

  /**
   * After a release, at the next turn of the event loop. A RELEASE wakes the waiters in the same script
   * (PUBLISH) and marks {P}:yield so that this handle cannot re-take what it released before one of
   * them does (for at most YIELD_MS). But a handle that re-takes what it released at once (its acquire
   * is called before the next turn, as in a loop) is "looping", and while its streak is younger than
   * BARGE_MS its RELEASE neither publishes nor frees the lock: in the same script it re-takes it (the
   * same member, a new expiry and a new fencing token), for the acquire that comes next (#retaken;
   * that acquire then costs no round trip). If none comes before the next turn, the re-taken lease is
   * released here and the waiters woken (the WAKE is owed). So a loop under contention costs one round trip per
   * cycle, and the waiters take over every BARGE_MS (parking_lot's "eventual fairness"); a handle that
   * does not loop pays nothing for its waiters' sake, and one that stops looping leaves no lease behind.
   */
  #afterRelease(before: number, owed: boolean): void {
    if (!owed && this.#retaken.length === 0) {
      // Nothing owed to the waiters: only learn whether this handle loops.
      nextTurn(() => {
        this.#looping = this.#acquires !== before;
      });
      return;
    }
    this.link.defer(async () => {
      this.#looping = this.#acquires !== before;
      const left = this.#retaken.splice(0);
      if (left.length > 0) {
        this.#endStreak();
        await this.link.run(
          RELEASE,
          [this.keys[0], this.keys[3], this.keys[4], this.keys[2]],
          [this.channel, 1, this.#id, YIELD_MS, 0, this.lease, 0, ...left.map((r) => r.member)],
        );
      } else if (owed && !this.#looping) {
        this.#endStreak();
        await this.link.run(WAKE, [this.keys[3]], [this.channel]);
      }
    });
  }

  /** Acquires one lease, waiting up to `timeout`. Resolves to the lease, or undefined on timeout. */
  async acquire(timeout: unknown, options: unknown, method: string): Promise<Lease | undefined> {
    const where = `${this.what}.${method}`;
    const ms = checkTimeout(timeout, where);
    const signal = signalOf(options, where);
    this.#acquires++;
    const retaken = this.#retaken[0];
    if (retaken !== undefined && !signal?.aborted && !this.link.closed) {
      this.#retaken.shift();
      const lease = new Lease(this, retaken.member, retaken.token, retaken.sent);
      // A local re-take resolves at the next turn, so that a loop of them lets timers and I/O run.
      if (retaken.local) await new Promise<void>((resolve) => nextTurn(resolve));
      if (!lease.alive) throw new ConnectionError('weft/redis: the connection was closed while waiting');
      this.#held.push(lease);
      return lease;
    }
    const deadline = deadlineOf(ms);
    const member = this.link.member();
    const L = this.lease;
    let sent = 0;
    // Once subscribed, an attempt that fails registers this waiter in {P}:waiters (for ~2 leases).
    const waiter = `${ADDRESSED}${member}`;
    let registered = false;
    const attempt = async (
      _message: string | undefined,
      joined: boolean,
      recheck: boolean,
    ): Promise<Attempt<number>> => {
      sent = now();
      if (joined) registered = true;
      const r = (await this.link.run(ACQUIRE, this.keys, [
        this.value,
        L,
        member,
        this.channel,
        this.isLock ? 1 : 0,
        joined ? waiter : '',
        2 * L + 1000,
        this.#id,
        recheck ? 1 : 0,
      ])) as [number, number, number];
      if (r[0] === 1) {
        registered = false;
        return { value: r[1] };
      }
      this.#endStreak();
      // r[1]: ms until the earliest lease runs out (or this handle's yield lapses); -1 when none is
      // held (value 0): nothing to expect.
      const left = r[1];
      return { retryIn: left >= 0 && left < (2 * L) / 3 ? left + 1 : L };
    };
    let outcome: Outcome<number>;
    try {
      outcome = await this.link.waitFor(this.channel, attempt, deadline, signal, waiter);
    } finally {
      if (registered) this.link.defer(() => this.link.run(CANCEL, [this.keys[3]], [waiter]));
    }
    if ('timedOut' in outcome) return undefined;
    if ('aborted' in outcome) throw signal?.reason;
    const lease = new Lease(this, member, outcome.value, sent);
    if (signal?.aborted) {
      // Aborted while the winning attempt was in flight: give it back, leave no trace.
      lease.detach();
      await this.drop([member], false).catch(() => {});
      throw signal.reason;
    }
    this.#held.push(lease);
    return lease;
  }

  /** Releases `n` leases of this handle, oldest first; RuntimeError if it holds fewer, or if some were lost. */
  async releaseN(n: number, method: string): Promise<void> {
    const where = `${this.what}.${method}`;
    const mine = this.#held.filter((l) => l.alive);
    if (mine.length < n) {
      throw new RuntimeError(
        mine.length === 0
          ? `${where}: this handle does not hold it${this.isLock ? '' : ' (no permit)'}`
          : `${where}: this handle holds ${mine.length} permit(s), cannot release ${n}`,
      );
    }
    const take = mine.slice(0, n);
    for (const l of take) l.detach();
    const alive = await this.drop(
      take.map((l) => l.member),
      true,
      n === 1 ? take[0]!.confirmed : Number.NEGATIVE_INFINITY,
    );
    if (alive < n) {
      throw new RuntimeError(
        `${where}: ${n - alive} of the lease(s) released had already expired on the server (the holder was too slow to renew)`,
      );
    }
  }

  /** value - live leases, as the server counts them. */
  async count(): Promise<number> {
    return Number(await this.link.run(COUNT, this.keys.slice(0, 2), [this.value, this.channel]));
  }

  async hold(timeout: unknown, options: unknown): Promise<Lease> {
    const lease = await this.acquire(timeout, options, 'holdAsync');
    if (lease === undefined)
      throw new TimeoutError(`${this.what}.holdAsync: not acquired within ${String(timeout)} ms`);
    return lease;
  }
}

/** Validates a count of permits (release(n)). */
export function checkCount(n: unknown, where: string): number {
  if (typeof n !== 'number') throw typeError(`${where}: n must be a number, got ${typeof n}`);
  if (!Number.isInteger(n) || n < 1) throw rangeError(`${where}: n must be an integer >= 1, got ${n}`);
  return n;
}

/** Validates a semaphore's value. */
export function checkValue(value: unknown, where: string): number {
  if (typeof value !== 'number') throw typeError(`${where}: value must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) {
    throw rangeError(`${where}: value must be an integer >= 0, got ${value}`);
  }
  return value;
}

/** Calls `fn`, turning a synchronous throw into a rejection (an Async form never throws). */
export async function promised<T>(fn: () => Promise<T>): Promise<T> {
  return fn();
}
