/*
 * ownMemory(make): primitives made inside get shared memory of their own. The trap it closes: a
 * worker given one primitive holds a view of the whole 64 KiB chunk it was carved from, and can forge
 * live handles to every primitive beside it (test/fixtures/sharing.ts, scavenge). Checked from a real
 * worker: with ordinary primitives it reaches (and releases) the Semaphore beside the Lock it was
 * given; with primitives from ownMemory it reaches only what was made in the same call.
 */

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Condition, Event, Lock, ownMemory, Semaphore, Timer } from 'weft-threading';
import { runInWorker, watchdog } from './helpers.js';

interface Handle {
  _i32: Int32Array;
  _at: number;
}
const mem = (x: unknown): Int32Array => (x as Handle)._i32;

/** A Lock and a Semaphore(0) carved side by side from this thread's shared chunk. */
function neighbours(): { lock: Lock; sem: Semaphore } {
  for (;;) {
    const lock = new Lock();
    const sem = new Semaphore(0);
    if (mem(lock).buffer === mem(sem).buffer) return { lock, sem };
  }
}

describe('ownMemory', () => {
  test('the trap: a worker given an ordinary Lock can reach the Semaphore beside it', async () => {
    const { lock, sem } = neighbours();
    const found = await watchdog(runInWorker<string[]>('sharing', 'scavenge', lock).result, 30000, 'worker');
    assert.ok(found.includes(`Lock@${(lock as unknown as Handle)._at}`));
    assert.ok(found.includes(`Semaphore@${(sem as unknown as Handle)._at}`), 'the neighbour was found');
    assert.ok(sem.value >= 1, 'and released from the worker: the handle it forged was live');
  });

  test('a worker given a Lock from ownMemory reaches only what the same call made', async () => {
    const outside = neighbours();
    const guest = ownMemory(() => ({ lock: new Lock(), sem: new Semaphore(0), done: new Event() }));
    const after = new Semaphore(0); // made after the call: back on the shared chunk
    assert.notEqual(mem(guest.lock).buffer, mem(outside.sem).buffer);
    assert.notEqual(mem(guest.lock).buffer, mem(after).buffer);
    assert.equal(mem(after).buffer, mem(outside.sem).buffer, 'after the call, the shared chunk again');
    assert.equal(mem(guest.lock).buffer, mem(guest.sem).buffer, 'one call: one memory');
    assert.equal(mem(guest.lock).buffer.byteLength, 256, 'small: 256 bytes');
    const found = await watchdog(
      runInWorker<string[]>('sharing', 'scavenge', guest.lock).result,
      30000,
      'worker',
    );
    const h = (x: unknown): number => (x as Handle)._at;
    assert.deepEqual(
      found.sort(),
      [`Event@${h(guest.done)}`, `Lock@${h(guest.lock)}`, `Semaphore@${h(guest.sem)}`].sort(),
      'exactly the three made in the call',
    );
    assert.equal(guest.sem.value, 1, 'what it was given works');
    assert.equal(outside.sem.value, 0, 'the Semaphore outside was not reached');
    assert.equal(after.value, 0);
  });

  test('what primitives make inside (a Condition’s RLock, a Timer’s Event) is covered; nested calls are separate', () => {
    const { cond, timer, inner, outer } = ownMemory(() => {
      const cond = new Condition();
      const timer = new Timer(10, () => {});
      const inner = ownMemory(() => new Event());
      const outer = new Event();
      return { cond, timer, inner, outer };
    });
    const own = mem(cond).buffer;
    assert.equal(mem(cond.lock).buffer, own);
    assert.equal(mem(timer.finished).buffer, own);
    assert.equal(mem(outer).buffer, own, 'after a nested call, the outer call’s memory again');
    assert.notEqual(mem(inner).buffer, own, 'a nested call has memory of its own');
    assert.equal(mem(inner).buffer.byteLength, 256);
    // Still a usable Condition across a clone.
    const c = Condition.from(structuredClone(cond));
    assert.equal(c.acquire(0), true);
    c.notifyAll();
    c.release();
  });

  test('more than fits in 256 bytes: the call takes more memory of its own, never the shared chunk', () => {
    const shared = mem(new Event()).buffer;
    const events = ownMemory(() => Array.from({ length: 200 }, () => new Event()));
    const buffers = new Set(events.map((e) => mem(e).buffer));
    assert.ok(buffers.size >= 2, `${buffers.size} buffers`);
    assert.ok(!buffers.has(shared));
    for (const b of buffers) assert.ok(b.byteLength <= 256, `${b.byteLength} bytes`);
    const copies = structuredClone(events).map((e) => Event.from(e));
    copies[199]?.set();
    assert.equal(events[199]?.isSet(), true);
    assert.equal(events[198]?.isSet(), false);
  });

  test('make that throws: the error passes through and later primitives are on the shared chunk again', () => {
    assert.throws(
      () =>
        ownMemory(() => {
          new Lock();
          throw new Error('boom');
        }),
      /boom/,
    );
    assert.equal(mem(new Event()).buffer.byteLength, 65536, 'the shared chunk');
  });

  test('bad make: a TypeError; an async make is refused, since what it makes after await is outside', async () => {
    for (const bad of [undefined, 1, 'x', {}])
      assert.throws(
        () => ownMemory(bad as never),
        (e: unknown) =>
          e instanceof TypeError && /ownMemory: make must be a function/.test((e as Error).message),
      );
    assert.throws(
      () => ownMemory(async () => new Lock()),
      (e: unknown) => e instanceof TypeError && /synchronous/.test((e as Error).message),
    );
    assert.equal(
      ownMemory(() => 7),
      7,
    );
  });
});
