/*
 * The target of the contract's Threads (contract.mjs): a module whose default export weft's Thread
 * calls in a new worker, with live (revived) args. The first arg picks what to do.
 */

import { getIdent } from '../../dist/index.js';

export default function target(what, ...args) {
  switch (what) {
    case 'count': {
      // Increments count[0] n times under the lock (blocking); writes getIdent() to idents[slot].
      const [lock, count, n, idents, slot] = args;
      idents[slot] = getIdent();
      for (let i = 0; i < n; i++) {
        lock.acquire();
        const v = count[0];
        count[0] = v + 1;
        lock.release();
      }
      return;
    }
    case 'waitFor': {
      const [started, go] = args;
      started.set();
      go.wait();
      return;
    }
    case 'throw':
      throw new Error('expected error, thrown on purpose by the contract test');
    default:
      throw new Error(`thread-target: unknown ${what}`);
  }
}
