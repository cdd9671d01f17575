// Preload for the stress suite (see test/fixtures/stress/async-mode.ts): with
// NODE_OPTIONS=--import=./test/stress/no-waitasync.mjs and WEFT_ASYNC_FALLBACK=helper, every
// thread (Node runs --import in workers too) deletes Atomics.waitAsync before weft loads, as on an
// engine without it. Without WEFT_ASYNC_FALLBACK it does nothing (so tsc and npm are unaffected).
if (process.env.WEFT_ASYNC_FALLBACK === 'helper' || process.env.WEFT_ASYNC_FALLBACK === 'poll') {
  delete Atomics.waitAsync;
}
