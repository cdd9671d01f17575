/*
 * The competitors: for each, what the driver makes before a sample (`setup`, on the main thread:
 * the shared channel and what each party receives) and how a party turns what it received into a
 * Channel (`attach`, in the party's thread). The loops themselves are in kernels.ts.
 *
 *   weft            weft's Queue (put / get in workers, getAsync on main); its ping-pong uses
 *                   two Queues; "weft Event" is the ping-pong of two Events in the same run
 *   raw             the hand-written SPSC byte ring (ring.ts): the floor
 *   postMessage     worker.postMessage to the main thread (parentPort), a listener on main
 *   MessagePort     a MessageChannel: one port to the producer, the other to the consumer
 *   multithreading  npm multithreading's channel (JSON values only: no byte arrays)
 *   python          Python's queue.Queue with threads (queue_bench.py, run as its own process)
 * Every bounded channel gets the same bound: CAPACITY items (BYTES_CAPACITY for 1 MB arrays); the
 * ring has 64 KiB of data (16 MiB for 1 MB arrays), more than CAPACITY small records.
 */

import type { MessagePort } from 'node:worker_threads';
import { MessageChannel } from 'node:worker_threads';
import { Event, Queue } from 'weft-threading';
import type { Kind, Value } from './common.js';
import type { Channel } from './kernels.js';
import { HEAP, loadChannel, type MtReceiver, type MtSender } from './peers.js';
import { Ring, ringBuffer } from './ring.js';

export const COMPETITORS = [
  'weft',
  'weft-event',
  'raw',
  'postMessage',
  'MessagePort',
  'multithreading',
  'python',
] as const;
export type Competitor = (typeof COMPETITORS)[number];

export const LABELS: Record<Competitor, string> = {
  weft: 'weft Queue',
  'weft-event': 'weft Event (ping-pong)',
  raw: 'raw SPSC ring',
  postMessage: 'worker.postMessage',
  MessagePort: 'MessagePort',
  multithreading: 'npm multithreading channel',
  python: 'Python queue.Queue',
};

export const CAPACITY = 1024;
export const BYTES_CAPACITY = 8;

export type Role = 'producer' | 'consumer' | 'ping' | 'pong';

/** One party of a sample: its role, where it runs, and what it receives. */
export interface PartySpec {
  role: Role;
  onMain: boolean;
  payload: unknown;
  transfer: Transferable[];
}

/** The shape of a scenario: producers x consumers one way, or a ping-pong pair. */
export interface Shape {
  pingpong: boolean;
  producers: number;
  consumers: number;
  /** The (single) consumer runs on the main thread. */
  toMain: boolean;
  kind: Kind;
}

const capacityOf = (kind: Kind): number => (kind === 'bytes' ? BYTES_CAPACITY : CAPACITY);

/** Whether `c` can run `shape` (else the table says n/a). */
export function supports(c: Competitor, s: Shape): boolean {
  if (c === 'weft-event') return s.pingpong;
  if (c === 'postMessage') return !s.pingpong && s.toMain;
  if (c === 'raw') return s.pingpong || (s.producers === 1 && s.consumers === 1);
  if (c === 'multithreading') return s.kind !== 'bytes';
  if (c === 'python') return !s.toMain;
  return true;
}

/** Makes the shared channel(s) of one sample and what each party receives. */
export async function setup(c: Competitor, s: Shape): Promise<PartySpec[]> {
  const roles: Role[] = s.pingpong
    ? ['ping', 'pong']
    : [...Array<Role>(s.producers).fill('producer'), ...Array<Role>(s.consumers).fill('consumer')];
  const onMain = (i: number): boolean => s.toMain && roles[i] === 'consumer';
  const specs = (payload: (i: number) => unknown, transfer: (i: number) => Transferable[] = () => []) =>
    roles.map((role, i) => ({ role, onMain: onMain(i), payload: payload(i), transfer: transfer(i) }));
  const cap = capacityOf(s.kind);
  switch (c) {
    case 'weft': {
      if (s.pingpong) {
        const a = new Queue<number>(cap);
        const b = new Queue<number>(cap);
        return specs(() => ({ a, b }));
      }
      const q = new Queue<Value>(cap);
      return specs(() => ({ q }));
    }
    case 'weft-event': {
      const a = new Event();
      const b = new Event();
      return specs(() => ({ a, b }));
    }
    case 'raw': {
      if (s.pingpong) {
        const a = ringBuffer('int');
        const b = ringBuffer('int');
        return specs(() => ({ a, b }));
      }
      const ring = ringBuffer(s.kind);
      return specs(() => ({ ring }));
    }
    case 'postMessage':
      return specs(() => ({}));
    case 'MessagePort': {
      if (s.pingpong) {
        const ch = new MessageChannel();
        return specs(
          (i) => ({ port: i === 0 ? ch.port1 : ch.port2 }),
          (i) => [i === 0 ? ch.port1 : ch.port2],
        );
      }
      // One channel per producer-consumer pair (postMessage has no many-to-many channel).
      const channels = Array.from({ length: s.producers }, () => new MessageChannel());
      const portOf = (i: number): MessagePort =>
        i < s.producers ? channels[i]!.port1 : channels[i - s.producers]!.port2;
      return specs(
        (i) => ({ port: portOf(i) }),
        (i) => (onMain(i) ? [] : [portOf(i)]),
      );
    }
    case 'multithreading': {
      const { sync, shared } = await loadChannel();
      if (s.pingpong) {
        const [atx, arx] = sync.channel(cap, { size: HEAP });
        const [btx, brx] = sync.channel(cap, { size: HEAP });
        const send = (h: MtSender | MtReceiver): unknown => shared.serialize(h.clone())[0];
        return specs((i) => (i === 0 ? { tx: send(atx), rx: send(brx) } : { tx: send(btx), rx: send(arx) }));
      }
      const [tx, rx] = sync.channel(cap, { size: HEAP });
      return specs((i) =>
        onMain(i)
          ? { live: rx }
          : roles[i] === 'producer'
            ? { tx: shared.serialize(tx.clone())[0] }
            : { rx: shared.serialize(rx.clone())[0] },
      );
    }
    case 'python':
      throw new Error('python runs as its own process (queue_bench.py)');
  }
}

/** The Channel a party of competitor `c` uses (for ping-pong: the channels to and from the partner). */
export async function attach(
  c: Competitor,
  kind: Kind,
  payload: unknown,
  role: Role,
): Promise<Channel | [Channel, Channel]> {
  const p = payload as Record<string, unknown>;
  switch (c) {
    case 'weft': {
      if (role === 'ping' || role === 'pong') {
        const a = Queue.from(p.a) as Queue<number>;
        const b = Queue.from(p.b) as Queue<number>;
        // ping sends on a and receives on b; pong receives on a and sends on b (kernels.ts).
        const chan = (q: Queue<number>): Channel => ({
          send: (v) => q.put(v as number),
          recv: () => q.get(),
        });
        return [chan(a), chan(b)];
      }
      const q = Queue.from(p.q) as Queue<Value>;
      return { send: (v) => q.put(v), recv: () => q.get(), recvAsync: () => q.getAsync() };
    }
    case 'weft-event': {
      const a = Event.from(p.a);
      const b = Event.from(p.b);
      // An Event carries no value: set() is the message, the receiver clears it and answers.
      const chan = (e: Event): Channel => ({
        send: () => e.set(),
        recv: () => {
          e.wait();
          e.clear();
          return 0;
        },
      });
      return [chan(a), chan(b)];
    }
    case 'raw': {
      if (role === 'ping' || role === 'pong') {
        // Each thread writes one ring and reads the other: a Ring object per side and direction.
        const a = new Ring(p.a as SharedArrayBuffer, 'int');
        const b = new Ring(p.b as SharedArrayBuffer, 'int');
        const chan = (r: Ring): Channel => ({ send: (v) => r.write(v), recv: () => r.read() });
        return [chan(a), chan(b)];
      }
      const r = new Ring(p.ring as SharedArrayBuffer, kind);
      return { send: (v) => r.write(v), recv: () => r.read(), recvAsync: () => r.readAsync() };
    }
    case 'multithreading': {
      const { shared } = await loadChannel();
      const check = (r: { ok: boolean; value?: unknown; error?: Error }): unknown => {
        if (!r.ok) throw r.error ?? new Error('multithreading: receive failed');
        return r.value;
      };
      const sendOf = (tx: MtSender) => (v: Value) => {
        const r = tx.blockingSend(v);
        if (!r.ok) throw r.error ?? new Error('multithreading: send failed');
      };
      if (role === 'ping' || role === 'pong') {
        const tx = shared.deserialize(p.tx) as MtSender;
        const rx = shared.deserialize(p.rx) as MtReceiver;
        const out = { send: sendOf(tx), recv: () => 0 };
        const back = { send: () => {}, recv: () => check(rx.blockingRecv()) };
        // ping: sends on tx (its `out`), receives on rx (its `back`); pong: receives on rx, sends on tx.
        return role === 'ping' ? [out, back] : [back, out];
      }
      if (p.live !== undefined) {
        const rx = p.live as MtReceiver;
        return {
          send: () => {},
          recv: () => check(rx.blockingRecv()),
          recvAsync: async () => check(await rx.recv()),
        };
      }
      if (p.tx !== undefined) {
        const tx = shared.deserialize(p.tx) as MtSender;
        return { send: sendOf(tx), recv: () => undefined };
      }
      const rx = shared.deserialize(p.rx) as MtReceiver;
      return { send: () => {}, recv: () => check(rx.blockingRecv()) };
    }
    default:
      throw new Error(`${c} has no channel loop (it is event-driven or its own process)`);
  }
}
