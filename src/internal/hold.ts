/*
 * Scoped holding: the Disposable that hold() / holdAsync() return, for `using` and `await using`.
 */

import { TimeoutError } from '../errors.js';

const dispose: symbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');
const asyncDispose: symbol = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');

/**
 * A held lock, semaphore permit or condition lock. Disposing it releases what was acquired, once;
 * disposing it again does nothing.
 */
export interface Held extends Disposable, AsyncDisposable {
  /** Releases what was acquired (the same as disposing it). */
  release(): void;
}

class Holding implements Held {
  #release: (() => void) | undefined;
  constructor(release: () => void) {
    this.#release = release;
  }
  release(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
  [Symbol.dispose](): void {
    this.release();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }
}
if (dispose !== Symbol.dispose) {
  Object.defineProperty(Holding.prototype, dispose, { value: Holding.prototype.release });
}
if (asyncDispose !== Symbol.asyncDispose) {
  Object.defineProperty(Holding.prototype, asyncDispose, {
    value: async function (this: Holding) {
      this.release();
    },
  });
}

/** Wraps the outcome of an acquire into a Held, or throws TimeoutError naming `what`. */
export function held(acquired: boolean, release: () => void, what: string, timeout: unknown): Held {
  if (!acquired) throw new TimeoutError(`${what}: not acquired within ${String(timeout)} ms`);
  return new Holding(release);
}
