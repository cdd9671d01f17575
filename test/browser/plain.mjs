/*
 * Served under /plain/, without the isolation headers: the page is not cross-origin isolated, so
 * it has no SharedArrayBuffer. weft must still load, and creating any primitive must throw
 * SharedMemoryError saying how to enable isolation (both headers, by name and value).
 */

const run = new URL(location.href).searchParams.get('run') ?? 'manual';
const out = document.getElementById('out');
const tests = [];
function check(name, ok, detail) {
  tests.push({ name, tags: [], ok, error: ok ? undefined : detail });
  out.textContent += `${ok ? '  ok  ' : '  FAIL'} ${name}${ok ? '' : `: ${detail}`}\n`;
}

check('page is not cross-origin isolated', globalThis.crossOriginIsolated !== true, 'it is');
check('SharedArrayBuffer is missing', typeof SharedArrayBuffer === 'undefined', typeof SharedArrayBuffer);
let weft;
try {
  weft = await import('../../dist/index.js');
  check('weft loads', true);
} catch (error) {
  check('weft loads', false, `${error?.name}: ${error?.message}`);
}
if (weft !== undefined) {
  const makers = {
    Event: () => new weft.Event(),
    Lock: () => new weft.Lock(),
    RLock: () => new weft.RLock(),
    Semaphore: () => new weft.Semaphore(1),
    BoundedSemaphore: () => new weft.BoundedSemaphore(1),
    Condition: () => new weft.Condition(),
    Barrier: () => new weft.Barrier(2),
    Timer: () => new weft.Timer(10, () => {}),
    Thread: () => new weft.Thread(new URL('./plain.mjs', import.meta.url)),
  };
  for (const [name, make] of Object.entries(makers)) {
    let error;
    try {
      make();
    } catch (e) {
      error = e;
    }
    const message = String(error?.message);
    const ok =
      error instanceof weft.SharedMemoryError &&
      error.name === 'SharedMemoryError' &&
      error.code === 'WEFT_NO_SHARED_MEMORY' &&
      message.includes('Cross-Origin-Opener-Policy: same-origin') &&
      message.includes('Cross-Origin-Embedder-Policy: require-corp');
    check(
      `new ${name}() throws SharedMemoryError naming both headers`,
      ok,
      error ? `${error.name}: ${message}` : 'no error',
    );
  }
}
const passed = tests.filter((t) => t.ok).length;
const summary = {
  run,
  where: 'plain',
  poll: false,
  userAgent: navigator.userAgent,
  passed,
  failed: tests.length - passed,
  tests,
};
out.textContent += `${summary.passed} passed, ${summary.failed} failed\n`;
const answer = await fetch('/result', { method: 'POST', body: JSON.stringify(summary) }).then((r) =>
  r.json(),
);
if (answer.next) location.href = answer.next;
