/*
 * The parties of a sample, the same loops for every competitor: a competitor only supplies how one
 * value is sent and how one is received (`Channel`), so that what is measured is the channel and
 * nothing else. Each worker runs one competitor only, so that the JIT sees one kind of channel.
 *
 *   produce   warm-up items (for `warm` items and `warmMs`) and an end marker; barrier; measured
 *             items and an end marker
 *   consume   until the end marker; barrier; until the end marker (the count is checked)
 *   ping      barrier after the warm-up; send, receive, `n` times (round trips)
 *   pong      receive, send, as often
 * A postMessage consumer is event-driven (a listener, not a loop): see listen().
 */

import {
  arrive,
  arriveAsync,
  clock,
  endOf,
  type Kind,
  type Sizes,
  stamp,
  use,
  type Value,
  values,
} from './common.js';

/** How one competitor moves a value: blocking forms for workers, an async receive for main. */
export interface Channel {
  send(v: Value): void;
  recv(): unknown;
  recvAsync?(): Promise<unknown>;
}

/** Where a party stands: its index on the times board and how many parties the barrier waits for. */
export interface Ctx {
  kind: Kind;
  sizes: Sizes;
  ctl: Int32Array;
  times: Float64Array;
  p: number;
  parties: number;
}

/** A producer, blocking. Returns the number of items it sent in the measured part. */
export function produce(c: Ctx, ch: Channel): number {
  const vals = values(c.kind, c.p);
  const mask = vals.length - 1;
  const end = endOf(c.kind);
  const until = clock() + c.sizes.warmMs;
  // The clock is read once every 1024 items, after the first `warm`.
  for (let i = 0; i < c.sizes.warm || (i & 1023) !== 0 || clock() < until; i++) ch.send(vals[i & mask]!);
  ch.send(end);
  arrive(c.ctl, c.parties);
  stamp(c.times, c.p, 'start');
  const n = c.sizes.n;
  for (let i = 0; i < n; i++) ch.send(vals[i & mask]!);
  ch.send(end);
  stamp(c.times, c.p, 'end');
  return n;
}

function drain(c: Ctx, ch: Channel): number {
  const kind = c.kind;
  let got = 0;
  for (;;) {
    const r = use(kind, ch.recv());
    if (r < 0) return got;
    got += r;
  }
}

/** A consumer, blocking. Returns the number of items it got in the measured part. */
export function consume(c: Ctx, ch: Channel): number {
  drain(c, ch);
  arrive(c.ctl, c.parties);
  stamp(c.times, c.p, 'start');
  const got = drain(c, ch);
  stamp(c.times, c.p, 'end');
  c.times[2 * c.parties + c.p] = got;
  return got;
}

async function drainAsync(c: Ctx, ch: Channel): Promise<number> {
  const kind = c.kind;
  const recv = ch.recvAsync;
  if (recv === undefined) throw new Error('this channel has no async receive');
  let got = 0;
  for (;;) {
    const r = use(kind, await recv.call(ch));
    if (r < 0) return got;
    got += r;
  }
}

/** A consumer on the main thread: the async receive. */
export async function consumeAsync(c: Ctx, ch: Channel): Promise<number> {
  await drainAsync(c, ch);
  await arriveAsync(c.ctl, c.parties);
  stamp(c.times, c.p, 'start');
  const got = await drainAsync(c, ch);
  stamp(c.times, c.p, 'end');
  c.times[2 * c.parties + c.p] = got;
  return got;
}

/**
 * An event-driven consumer (postMessage): `subscribe(onValue)` starts delivery. Warm-up, then the
 * barrier (blocking in a worker, async on main), then the measured part. Resolves with the count.
 */
export function listen(
  c: Ctx,
  subscribe: (onValue: (v: unknown) => void) => void,
  blocking: boolean,
): Promise<number> {
  return new Promise((resolve) => {
    let phase = 0;
    let got = 0;
    const kind = c.kind;
    subscribe((v) => {
      const r = use(kind, v);
      if (r >= 0) {
        got += r;
        return;
      }
      if (phase === 1) {
        stamp(c.times, c.p, 'end');
        c.times[2 * c.parties + c.p] = got;
        resolve(got);
        return;
      }
      phase = 1;
      got = 0;
      if (blocking) {
        arrive(c.ctl, c.parties);
        stamp(c.times, c.p, 'start');
      } else {
        // Messages that arrive before the barrier opens are counted in the measured part: the
        // producer sends them only after the barrier, so none arrives early.
        void arriveAsync(c.ctl, c.parties).then(() => stamp(c.times, c.p, 'start'));
      }
    });
  });
}

/** The pinging side of a ping-pong: `out` to the partner, `back` from it. Returns round trips. */
export function ping(c: Ctx, out: Channel, back: Channel): number {
  for (let i = 0; i < c.sizes.warm; i++) {
    out.send(i);
    back.recv();
  }
  arrive(c.ctl, c.parties);
  stamp(c.times, c.p, 'start');
  const n = c.sizes.n;
  for (let i = 0; i < n; i++) {
    out.send(i);
    back.recv();
  }
  stamp(c.times, c.p, 'end');
  return n;
}

/** The answering side of a ping-pong. */
export function pong(c: Ctx, inbox: Channel, reply: Channel): number {
  for (let i = 0; i < c.sizes.warm; i++) reply.send(inbox.recv() as number);
  arrive(c.ctl, c.parties);
  const n = c.sizes.n;
  for (let i = 0; i < n; i++) reply.send(inbox.recv() as number);
  return n;
}
