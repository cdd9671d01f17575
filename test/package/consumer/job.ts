// A Thread target, as a user writes one: its default export gets the args, primitives arrive live.
import type { BoundedSemaphore, Event, Lock } from 'weft-threading';

export default function job(lock: Lock, slots: BoundedSemaphore, counter: Int32Array, ready: Event): string {
  ready.wait(10_000);
  for (let i = 0; i < 1000; i++) {
    using _slot = slots.hold(); // a permit, released at the end of the block
    using _held = lock.hold(); // mutual exclusion for the plain increment below
    const c = counter[0] ?? 0;
    counter[0] = c + 1;
  }
  return `job:${counter.length}`;
}
