/*
 * The link to one Redis server that every primitive of one connect() shares: two client connections
 * (commands, and one subscriber for all waiters of the process), the script runner, and the wait loop.
 *
 * Commands: every state change is one Lua script (EVALSHA; on NOSCRIPT, after a server restart or a
 * SCRIPT FLUSH, EVAL, which also caches it again). The client's offline queue is off, so a command sent
 * while disconnected rejects at once instead of waiting for a reconnect: it becomes a ConnectionError,
 * never a `false`. The client reconnects by itself with a capped backoff. A command not answered within
 * COMMAND_TIMEOUT (a frozen server) rejects with ConnectionError too (one watchdog timer, #watch).
 *
 * Notifications: each primitive has one pub/sub channel; its scripts PUBLISH there when they free
 * something (a release, a set, a barrier pass). The subscriber connection is subscribed to a channel
 * while a waiter of this process waits on it, and for a short linger after the last one leaves, so
 * back-to-back waits do not SUBSCRIBE/UNSUBSCRIBE every time.
 *
 * The wait loop (waitFor), the "try, register, try again, sleep" of event-listener:
 *   1. attempt; done -> return.
 *   2. register on the channel and wait for the SUBSCRIBE to be acknowledged.
 *   3. note the waiter's message count; attempt; done -> return.
 *   4. if a message arrived since the note, go to 3; else sleep until a message, the re-check delay
 *      the attempt asked for, the deadline, an abort, or the loss of the connection; then go to 3.
 * A message may name one waiter (ADDRESSED: a lease's release wakes its oldest waiter): the others of
 * that channel do not retry at once but sleep at most OTHER_MS more, then retry, so a named waiter
 * that is gone costs the rest OTHER_MS, never a hang.
 * No lost wake-up: from step 2 on, every PUBLISH on the channel reaches the waiter (the subscription
 * is acknowledged before the attempt of step 3 is sent, and Redis delivers a PUBLISH to every channel
 * subscribed when it runs). A PUBLISH that happens before an attempt is seen by that attempt's script
 * (both run atomically on the server, in order); one that happens after it bumps the message count, so
 * step 4 retries instead of sleeping. A message lost anyway (a dropped subscriber connection) costs at
 * most the re-check delay, never a hang; and a lost connection rejects every pending wait at once.
 */

import { createClient, ErrorReply } from 'redis';
import { rangeError, typeError, ValueError } from '../errors.js';
import { now } from '../internal/timeout.js';
import { ConnectionError } from './errors.js';

/** The part of node-redis's client that the link uses (its own generic types are too wide to name). */
interface Client {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  on(event: 'error', listener: (e: unknown) => void): unknown;
  off(event: 'error', listener: (e: unknown) => void): unknown;
  duplicate(overrides?: { commandOptions?: { timeout?: number } }): unknown;
  close(): Promise<void>;
  destroy(): void;
}

/** A Lua script: its source, and its SHA1 once the server has told us (SCRIPT LOAD). */
export interface Script {
  readonly name: string;
  readonly source: string;
  sha?: string;
}

/** Declares a script; the source is trimmed so that the SHA1 the server computes is stable. */
export function script(name: string, source: string): Script {
  return { name, source: source.trim() };
}

/** What one attempt of a wait found: a result, or how long to sleep at most before trying again. */
export type Attempt<T> = { readonly value: T } | { readonly retryIn: number };

/** How a wait ended. */
export type Outcome<T> = { readonly value: T } | { readonly timedOut: true } | { readonly aborted: true };

/** The start of a message addressed to one waiter (its id); any other message is for every waiter. */
export const ADDRESSED = 'w';

/**
 * How long a waiter that saw a message addressed to another waiter may sleep before it re-checks
 * (ms): the named waiter normally takes what was freed within a wake-up (~1-2 ms); if it is gone
 * (killed, timed out), the others find the permit free by then.
 */
const OTHER_MS = 50;

/** How long an unsubscribed channel stays subscribed, waiting for the next waiter (ms). */
const LINGER = 2_000;

/**
 * How long a command may go unanswered before its caller gets a ConnectionError (ms): a frozen
 * server must not hang a call. Checked by one watchdog timer of the link (#watch), every
 * COMMAND_TIMEOUT / 5, while commands are on the wire, instead of node-redis's own command timeout,
 * which arms a timer (an AbortSignal.timeout) for every command: measured, that doubled the client's
 * CPU time per round trip.
 */
const COMMAND_TIMEOUT = 5_000;

/** A command on the wire (see #watch). */
interface Pending {
  readonly at: number;
  readonly reject: (e: unknown) => void;
}

/** Reconnect backoff: 20, 40, 80, ... ms, capped at 500 ms. */
const BACKOFF_MAX = 500;

interface Waiter {
  /** The waiter's name in messages addressed to one waiter (lease waiters), if it has one. */
  readonly id: string | undefined;
  /** Number of messages received so far (messages addressed to another waiter not counted). */
  seq: number;
  /** Set when a message addressed to another waiter arrived: re-check by then, in case that one is gone. */
  soon: number | undefined;
  /** Whether the last sleep ended by its timer (a re-check). */
  timedOut: boolean;
  /** The last message received. */
  last: string | undefined;
  /** Set while the waiter sleeps: wakes it. */
  wake: ((why: 'message' | 'other' | 'lost') => void) | undefined;
  /** Set when the connection was lost under it. */
  error: ConnectionError | undefined;
}

interface Channel {
  readonly waiters: Set<Waiter>;
  /** Resolves once the SUBSCRIBE is acknowledged; rejects if it failed. */
  subscribed: Promise<void>;
  linger: ReturnType<typeof setTimeout> | undefined;
}

/** Options of connect(). */
export interface ConnectOptions {
  /** Prepended to every name (inside the hash tag), default `'weft:'`. */
  readonly prefix?: string;
  /**
   * How long a waiter on an Event or a Barrier sleeps at most before it re-checks the server, in case a
   * notification was missed (ms, default 30 000). Locks and semaphores re-check when the lease that
   * blocks them would run out.
   */
  readonly recheck?: number;
}

/** Whether a server error reply means "not available now" rather than a bug. */
const UNAVAILABLE = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS)\b/;

/** @internal The shared link to one server. */
export class Link {
  readonly prefix: string;
  readonly recheck: number;
  readonly id: string;
  readonly #cmd: Client;
  readonly #sub: Client;
  readonly #channels = new Map<string, Channel>();
  /** Every waiter that is registered on a channel, to reject them when the connection is lost. */
  readonly #waiters = new Set<Waiter>();
  /** Called when the link is closed (lease renewals stop). */
  readonly #onClose = new Set<() => void>();
  /** Work deferred by defer() and not finished yet. */
  readonly #deferred = new Set<Promise<void>>();
  /** Commands sent and not answered yet, oldest first. */
  readonly #pending = new Set<Pending>();
  #watchdog: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #serial = 0;

  private constructor(cmd: Client, sub: Client, prefix: string, recheck: number) {
    this.#cmd = cmd;
    this.#sub = sub;
    this.prefix = prefix;
    this.recheck = recheck;
    this.id = Math.random().toString(36).slice(2, 10) + Date.now().toString(36).slice(-4);
    const lost = (cause: unknown) => this.#lost(cause);
    cmd.on('error', lost);
    sub.on('error', lost);
  }

  /** Connects both connections; rejects with ConnectionError if the server cannot be reached. */
  static async open(url: string, prefix: string, recheck: number): Promise<Link> {
    let up = false;
    const client = createClient({
      url,
      disableOfflineQueue: true,
      // No per-command timer: the link's watchdog times commands out (COMMAND_TIMEOUT).
      commandOptions: { timeout: 0 },
      socket: {
        connectTimeout: 5_000,
        // Before the first connection: fail connect(); after it: retry forever.
        reconnectStrategy: (retries: number, cause: Error) =>
          up ? Math.min(20 * 2 ** Math.min(retries, 10), BACKOFF_MAX) : cause,
      },
    }) as unknown as Client;
    // The subscriber sends few commands: node-redis's own timeout is cheap enough there.
    const sub = client.duplicate({ commandOptions: { timeout: COMMAND_TIMEOUT } }) as Client;
    // Until the Link listens, errors of a failing first connection must not be unhandled.
    const ignore = () => {};
    client.on('error', ignore);
    sub.on('error', ignore);
    try {
      await client.connect();
      await sub.connect();
    } catch (cause) {
      client.destroy();
      sub.destroy();
      throw new ConnectionError(`weft/redis: cannot connect to ${redact(url)}`, cause);
    } finally {
      client.off('error', ignore);
      sub.off('error', ignore);
    }
    up = true;
    return new Link(client, sub, prefix, recheck);
  }

  /** The hash-tagged base of every key of the primitive `name`: `{prefix+name}`. */
  base(name: string): string {
    return `{${this.prefix}${name}}`;
  }

  /** A name unique to this process for one holding (a lease member). */
  member(): string {
    return `${this.id}:${++this.#serial}`;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Registers a callback for close(); returns a function that unregisters it. */
  onClose(fn: () => void): () => void {
    this.#onClose.add(fn);
    return () => this.#onClose.delete(fn);
  }

  /** Runs a script: EVALSHA, or EVAL when the server does not know it. Errors become weft's. */
  async run(s: Script, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (this.#closed) throw new ConnectionError('weft/redis: the connection is closed');
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    try {
      if (s.sha === undefined) s.sha = String(await this.#send(['SCRIPT', 'LOAD', s.source]));
      try {
        return await this.#send(['EVALSHA', s.sha, ...tail]);
      } catch (e) {
        if (!(e instanceof ErrorReply) || !e.message.startsWith('NOSCRIPT')) throw e;
        return await this.#send(['EVAL', s.source, ...tail]);
      }
    } catch (e) {
      throw this.#translate(e, s.name);
    }
  }

  /** Sends one command on the command connection; rejects if it is not answered within COMMAND_TIMEOUT. */
  #send(args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const p: Pending = { at: now(), reject };
      this.#pending.add(p);
      this.#watch();
      this.#cmd.sendCommand(args).then(
        (v) => {
          this.#pending.delete(p);
          resolve(v);
        },
        (e: unknown) => {
          this.#pending.delete(p);
          reject(e);
        },
      );
    });
  }

  /** Starts the watchdog of #pending, unless it runs; it stops itself once nothing is pending. */
  #watch(): void {
    if (this.#watchdog !== undefined) return;
    this.#watchdog = setInterval(() => {
      const t = now();
      for (const p of this.#pending) {
        if (t - p.at < COMMAND_TIMEOUT) break;
        this.#pending.delete(p);
        p.reject(new ConnectionError(`weft/redis: the server did not answer within ${COMMAND_TIMEOUT} ms`));
      }
      if (this.#pending.size === 0) {
        clearInterval(this.#watchdog);
        this.#watchdog = undefined;
      }
    }, COMMAND_TIMEOUT / 5);
    // The socket keeps the process alive while a command is on the wire; this timer need not.
    (this.#watchdog as { unref?: () => void }).unref?.();
  }

  #translate(e: unknown, where: string): Error {
    if (e instanceof ErrorReply) {
      const m = /WEFTVALUE (.*)$/.exec(e.message);
      if (m) return new ValueError(`${where}: ${m[1]}`);
      if (UNAVAILABLE.test(e.message)) {
        return new ConnectionError(`weft/redis: ${where}: the server is not available (${e.message})`, e);
      }
      return new Error(`weft/redis: ${where}: ${e.message}`, { cause: e });
    }
    if (e instanceof ConnectionError || e instanceof ValueError) return e;
    return new ConnectionError(`weft/redis: ${where}: lost the connection to the server`, e);
  }

  /** The connection was lost: every registered waiter rejects. */
  #lost(cause: unknown): void {
    if (this.#waiters.size === 0) return;
    const error = new ConnectionError('weft/redis: lost the connection to the server while waiting', cause);
    for (const w of this.#waiters) {
      w.error = error;
      w.wake?.('lost');
    }
  }

  /** Registers a waiter on a channel; resolves once the subscription is acknowledged. */
  async #join(channel: string, w: Waiter): Promise<void> {
    this.#waiters.add(w);
    let c = this.#channels.get(channel);
    if (c === undefined) {
      const entry: Channel = { waiters: new Set(), subscribed: Promise.resolve(), linger: undefined };
      const listener = (message: string) => {
        // A message that names a waiter (ADDRESSED) is for that waiter only; the others re-check a
        // little later, in case the named one is gone (see waitFor).
        const to = message.startsWith(ADDRESSED) ? message : undefined;
        for (const x of entry.waiters) {
          if (to !== undefined && x.id !== undefined && x.id !== to) {
            x.soon ??= now() + OTHER_MS;
            x.wake?.('other');
            continue;
          }
          x.seq++;
          x.last = message;
          x.wake?.('message');
        }
      };
      entry.subscribed = this.#sub.subscribe(channel, listener).catch((e: unknown) => {
        if (this.#channels.get(channel) === entry) this.#channels.delete(channel);
        throw this.#translate(e, 'subscribe');
      });
      this.#channels.set(channel, entry);
      c = entry;
    }
    if (c.linger !== undefined) {
      clearTimeout(c.linger);
      c.linger = undefined;
    }
    c.waiters.add(w);
    await c.subscribed;
  }

  #leave(channel: string, w: Waiter): void {
    this.#waiters.delete(w);
    const c = this.#channels.get(channel);
    if (c === undefined || !c.waiters.delete(w) || c.waiters.size > 0) return;
    c.linger = setTimeout(() => {
      if (this.#channels.get(channel) !== c || c.waiters.size > 0) return;
      this.#channels.delete(channel);
      if (this.#sub.isReady) this.#sub.unsubscribe(channel).catch(() => {});
    }, LINGER);
    (c.linger as { unref?: () => void }).unref?.();
  }

  /**
   * The wait loop (see the header). `attempt` gets the last message received since the previous
   * attempt (if any) and either finishes the wait or says how long to sleep at most. An abort that
   * fires while an attempt is in flight lets the attempt finish: the caller sees its value and undoes
   * it (releases what it took) before rejecting.
   */
  async waitFor<T>(
    channel: string,
    attempt: (message: string | undefined, joined: boolean, recheck: boolean) => Promise<Attempt<T>>,
    deadline: number,
    signal: AbortSignal | undefined,
    id?: string,
  ): Promise<Outcome<T>> {
    if (signal?.aborted) return { aborted: true };
    let r = await attempt(undefined, false, false);
    if ('value' in r) return r;
    if (now() >= deadline) return { timedOut: true };
    const w: Waiter = {
      id,
      seq: 0,
      soon: undefined,
      timedOut: false,
      last: undefined,
      wake: undefined,
      error: undefined,
    };
    try {
      await this.#join(channel, w);
      for (;;) {
        if (w.error) throw w.error;
        if (signal?.aborted) return { aborted: true };
        const seq = w.seq;
        const recheck = w.timedOut;
        w.timedOut = false;
        w.soon = undefined;
        r = await attempt(w.last, true, recheck);
        if ('value' in r) return r;
        if (w.error) throw w.error;
        if (now() >= deadline) return { timedOut: true };
        if (w.seq !== seq) continue;
        const until = now() + Math.min(Math.max(r.retryIn, 1), deadline - now());
        for (;;) {
          const by = Math.min(until, w.soon ?? until);
          const why = await sleep(w, by - now(), signal);
          if (why === 'abort') return { aborted: true };
          // The attempt's own re-check (not the early one that a message for another waiter asked for).
          if (why === 'timer') w.timedOut = by === until;
          // A message for another waiter: sleep on, but no longer than w.soon.
          if (why !== 'other') break;
        }
      }
    } finally {
      this.#leave(channel, w);
    }
  }

  /**
   * Runs `fn` at the next turn of the event loop (after the caller's own continuation has had its
   * chance to send commands), ignoring its errors; close() lets deferred work finish first.
   */
  defer(fn: () => Promise<unknown>): void {
    const p: Promise<void> = new Promise<void>((resolve) => nextTurn(resolve))
      .then(fn)
      .then(
        () => {},
        () => {},
      )
      .finally(() => this.#deferred.delete(p));
    this.#deferred.add(p);
  }

  /** Ends both connections; pending waits reject with ConnectionError; later calls too. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await new Promise<void>((resolve) => nextTurn(resolve));
    await Promise.all([...this.#deferred]);
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of [...this.#onClose]) fn();
    this.#onClose.clear();
    const error = new ConnectionError('weft/redis: the connection was closed while waiting');
    for (const w of this.#waiters) {
      w.error = error;
      w.wake?.('lost');
    }
    for (const c of this.#channels.values()) if (c.linger !== undefined) clearTimeout(c.linger);
    if (this.#watchdog !== undefined) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#channels.clear();
    const quit = async (c: Client) => {
      try {
        if (c.isReady) await c.close();
        else c.destroy();
      } catch {
        c.destroy();
      }
    };
    await Promise.all([quit(this.#cmd), quit(this.#sub)]);
  }
}

/** Sleeps until a message, `ms`, an abort or a lost connection. The timer keeps the process alive. */
function sleep(
  w: Waiter,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<'message' | 'other' | 'timer' | 'abort'> {
  return new Promise((resolve) => {
    const done = (why: 'message' | 'other' | 'timer' | 'abort' | 'lost') => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      w.wake = undefined;
      resolve(why === 'lost' ? 'message' : why);
    };
    const onAbort = () => done('abort');
    const timer = setTimeout(() => done('timer'), Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
    w.wake = done;
  });
}

/** The next turn of the event loop: setImmediate where it exists (Node, Bun, Deno), else a 0 ms timer. */
export const nextTurn: (fn: () => void) => void =
  (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate ?? ((fn) => setTimeout(fn, 0));

/** Hides a password in a URL for messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/** Validates a primitive's name. */
export function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string') throw typeError(`${where}: name must be a string, got ${typeof name}`);
  if (name.length === 0) throw rangeError(`${where}: name must not be empty`);
  return name;
}

/** Validates a lease (ms): a finite number > 0. */
export function checkLease(lease: unknown, where: string): number {
  if (lease === undefined) return 30_000;
  if (typeof lease !== 'number')
    throw typeError(`${where}: lease must be a number of ms, got ${typeof lease}`);
  if (!Number.isFinite(lease) || lease <= 0) throw rangeError(`${where}: lease must be finite and > 0`);
  return Math.max(1, Math.round(lease));
}

/** The AbortSignal of a `{ signal }` argument, validated. */
export function signalOf(options: unknown, where: string): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw typeError(`${where}: options must be an object`);
  const signal = (options as { signal?: unknown }).signal;
  if (signal === undefined) return undefined;
  if (typeof AbortSignal !== 'undefined' && !(signal instanceof AbortSignal)) {
    throw typeError(`${where}: signal must be an AbortSignal`);
  }
  return signal as AbortSignal;
}
