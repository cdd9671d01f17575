/*
 * A process of the Redis benchmark, driven by bench/redis/run.ts over the IPC channel of fork().
 * Messages in: {cmd, ...}; out: {cmd, at?, count?}. Times are absolute (performance.timeOrigin +
 * performance.now(), ms), comparable between processes of one machine.
 */

import { type Competitor, type Kind, type Locker, makeLocker, makeSignal, type Signal } from './adapters.js';

const abs = () => performance.timeOrigin + performance.now();
const send = (m: Record<string, unknown>) => process.send!(m);

let locker: Locker | undefined;
let signal: Signal | undefined;

process.on('message', async (m: Record<string, unknown>): Promise<void> => {
  try {
    switch (m.cmd) {
      case 'init':
        locker = await makeLocker(m.who as Competitor, m.kind as Kind, {
          url: m.url as string,
          name: m.name as string,
          value: m.value as number,
          lease: m.lease as number,
        });
        send({ cmd: 'init' });
        return;
      case 'signal':
        signal = await makeSignal(m.who as 'weft' | 'pubsub', m.url as string, m.name as string);
        send({ cmd: 'signal' });
        return;
      case 'hold':
        await locker!.acquire();
        send({ cmd: 'hold', at: abs() });
        return;
      case 'release': {
        const at = abs();
        await locker!.release();
        send({ cmd: 'release', at });
        return;
      }
      case 'wait': {
        send({ cmd: 'waiting' });
        await locker!.acquire();
        const at = abs();
        await locker!.release();
        send({ cmd: 'wait', at });
        return;
      }
      case 'park':
        // An idle waiter: acquire and never come back (the parent kills the process).
        send({ cmd: 'park' });
        await locker!.acquire();
        return;
      case 'loop': {
        const start = m.start as number;
        const end = start + (m.ms as number);
        while (abs() < start) await new Promise((r) => setTimeout(r, 1));
        let count = 0;
        while (abs() < end) {
          await locker!.acquire();
          count++;
          await locker!.release();
        }
        send({ cmd: 'loop', count });
        return;
      }
      case 'uncontended': {
        for (let i = 0; i < (m.n as number); i++) {
          await locker!.acquire();
          await locker!.release();
        }
        send({ cmd: 'uncontended' });
        return;
      }
      case 'evwait': {
        const { woken } = await signal!.wait();
        send({ cmd: 'evready' });
        await woken;
        send({ cmd: 'evwait', at: abs() });
        return;
      }
      case 'evset': {
        const at = abs();
        await signal!.set();
        send({ cmd: 'evset', at });
        return;
      }
      case 'evclear':
        await signal!.clear();
        send({ cmd: 'evclear' });
        return;
      case 'exit':
        await locker?.close();
        await signal?.close();
        process.exit(0);
    }
  } catch (e) {
    send({ cmd: 'error', message: String((e as Error)?.stack ?? e) });
  }
});
// The parent is gone (ended or crashed): so is this process.
process.on('disconnect', () => process.exit(0));
send({ cmd: 'up' });
