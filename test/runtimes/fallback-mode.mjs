/*
 * Puts the calling thread in one of weft's async-wait modes, BEFORE weft loads (call it first,
 * then import weft dynamically):
 *   undefined  the engine's Atomics.waitAsync
 *   'helper'   Atomics.waitAsync removed: weft's fallback, helper workers (as on Firefox < 145)
 *   'poll'     Atomics.waitAsync removed and weft's last resort forced: polling (as where no
 *              helper worker can be made), through the wait layer's test hook
 */

export async function applyFallback(mode) {
  if (mode === undefined || mode === null) return;
  if (mode !== 'helper' && mode !== 'poll') throw new Error(`unknown fallback mode ${mode}`);
  delete Atomics.waitAsync;
  const futex = await import('../../dist/internal/futex.js');
  if (mode === 'poll') futex.forceAsyncFallback('poll');
  if (futex.nativeAsyncWaits()) throw new Error(`fallback ${mode} did not take`);
}

/** How this thread's async waits sleep now: 'native', 'helper' or 'poll' (the wait layer's test hook). */
export async function asyncWaitMode() {
  const futex = await import('../../dist/internal/futex.js');
  return futex.asyncWaitMode();
}
