/*
 * Property tests (fast-check): random sequences of operations, with random and bad arguments, on
 * each primitive, checked step by step against a small sequential model of Python's semantics.
 *
 * On one thread the model is exact: a blocking call may only poll (or time out at once), and the
 * waiters that do wait are async ones on this thread, each a pending Promise the model tracks. After
 * every call, and once the Promises it should settle have settled, the observable state (getters,
 * util.inspect, each Promise) must equal the model's. A call with a bad argument must throw (or, for
 * an async form, reject) the documented error and leave the state as it was.
 * Cross-thread properties (workers) check what one thread cannot: exact semaphore counts after
 * racing batches, and an RLock that another thread can neither release nor take.
 *
 * WEFT_PROPERTY_RUNS (default 100) sets the number of random sequences per primitive; a failure prints
 * fast-check's seed and the shrunk sequence, and WEFT_PROPERTY_SEED replays a seed.
 */

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { inspect } from 'node:util';
import fc from 'fast-check';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  type Held,
  Lock,
  RLock,
  revive,
  Semaphore,
} from 'weft-threading';
import type { SemStep } from './fixtures/property.js';
import { runInWorker, watchdog } from './helpers.js';

const RUNS = Number(process.env.WEFT_PROPERTY_RUNS ?? 100);
const SEED =
  process.env.WEFT_PROPERTY_SEED === undefined ? undefined : Number(process.env.WEFT_PROPERTY_SEED);
function params<T>(numRuns = RUNS): fc.Parameters<T> {
  const p: fc.Parameters<T> = { numRuns, includeErrorInReport: true };
  return SEED === undefined ? p : { ...p, seed: SEED };
}
const MAX = 0x7fffffff;

/** What the runs tried, printed at the end (docs/reliability.md quotes it). */
const stats = {
  runs: 0,
  calls: 0,
  asyncCalls: 0,
  badArguments: 0,
  misuse: 0,
  otherErrors: 0,
  checks: 0,
  failed: 0,
};
const counted = new WeakSet<object>();
after(() => {
  console.log(
    `property runs: ${stats.calls} calls (${stats.asyncCalls} async), ${stats.badArguments} bad arguments ` +
      `refused, ${stats.misuse} misuses refused, ${stats.otherErrors} other documented errors, ` +
      `${stats.checks} state checks in ${stats.runs} random runs; ${stats.failed} properties failed`,
  );
});

/** fc.assert, counting runs and failures for the summary. */
async function assertProperty<T>(property: fc.IAsyncProperty<T>, p: fc.Parameters<T>): Promise<void> {
  stats.runs += p.numRuns ?? 100;
  try {
    await fc.assert(property, p);
  } catch (error) {
    stats.failed++;
    throw error;
  }
}
function assertSync<T>(property: fc.IProperty<T>, p: fc.Parameters<T>): void {
  stats.runs += p.numRuns ?? 100;
  try {
    fc.assert(property, p);
  } catch (error) {
    stats.failed++;
    throw error;
  }
}

/* ---------------------------------------------------------------------------------------------- */
/* Arguments                                                                                       */

/** Values that are not what any parameter wants, and some that nearly are. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    Number.NaN,
    null,
    true,
    false,
    '',
    '1',
    '0',
    'Infinity',
    Symbol('weft'),
    [],
    [1],
    {},
    { valueOf: () => 1 },
    () => 1,
    1n,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0.5,
    -1,
    1e300,
    new Date(0),
  ),
  fc.string({ maxLength: 4 }),
  fc.double(),
  fc.integer({ min: -3, max: 3 }),
  fc.object({ maxDepth: 1, maxKeys: 2 }),
);

/** A timeout argument: mostly valid (polls, waits), sometimes not. */
const timeoutArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(0, -0, -1, -12.5, Number.NEGATIVE_INFINITY, -1e-9) },
  { weight: 3, arbitrary: fc.constantFrom<unknown>(undefined, Number.POSITIVE_INFINITY, 1e9) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0.001, 0.5, 1) },
  { weight: 2, arbitrary: junk },
);

/** A count argument (Semaphore.release(n), Condition.notify(n)). */
const countArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(MAX, MAX + 1, 2 ** 53, 1.5, -1, Number.NaN) },
  { weight: 2, arbitrary: junk },
);

/** The options of an async wait: none, a live signal, an aborted one, or something wrong. */
type OptionsKind = 'none' | 'signal' | 'aborted' | 'bad';
const optionsArb: fc.Arbitrary<{ kind: OptionsKind; bad?: unknown }> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'signal' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'aborted' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>(null, 5, 'signal', { signal: 'x' }, { signal: {} }, { signal: null }, true)
      .map((bad) => ({ kind: 'bad' as const, bad })),
  },
);

/**
 * What a timeout argument is: a bad type, NaN, a poll (<= 0), a wait of at most 2 ms, a finite wait
 * (whose end a run could see, or not: no call that would wait is made with one), or a wait longer
 * than any run (1e6 ms and more, Infinity, undefined).
 */
type TimeoutKind = 'type' | 'nan' | 'poll' | 'tiny' | 'finite' | 'long';
function timeoutKind(t: unknown): TimeoutKind {
  if (t === undefined) return 'long';
  if (typeof t !== 'number') return 'type';
  if (Number.isNaN(t)) return 'nan';
  if (t <= 0) return 'poll';
  if (t <= 2) return 'tiny';
  return t < 1e6 ? 'finite' : 'long';
}

/** A blocking call that would wait may be made with `t`: it throws, polls, or waits at most 2 ms. */
const mayBlock = (t: unknown): boolean => ['type', 'nan', 'poll', 'tiny'].includes(timeoutKind(t));

/** An async call that would wait may be made with `t`: it rejects, polls, or waits past the run. */
const mayPend = (t: unknown): boolean => ['type', 'nan', 'poll', 'long'].includes(timeoutKind(t));

/** The errors a bad timeout and bad options may cause (either may be reported first). */
function argErrors(t: unknown, options?: { kind: OptionsKind }): string[] {
  const errors: string[] = [];
  const k = timeoutKind(t);
  if (k === 'type') errors.push('TypeError');
  if (k === 'nan') errors.push('RangeError');
  if (options?.kind === 'bad') errors.push('TypeError');
  if (options?.kind === 'aborted') errors.push('reason');
  return errors;
}

/** The second argument of an async wait, and the signal's controller if there is one. */
function optionsOf(o: { kind: OptionsKind; bad?: unknown }): {
  options: unknown;
  controller?: AbortController;
  reason?: Error;
} {
  if (o.kind === 'none') return { options: undefined };
  if (o.kind === 'bad') return { options: o.bad };
  const controller = new AbortController();
  const reason = new Error('aborted by the property test');
  if (o.kind === 'aborted') controller.abort(reason);
  return { options: { signal: controller.signal }, controller, reason };
}

const show = (v: unknown): string => {
  try {
    return typeof v === 'symbol' ? v.toString() : typeof v === 'bigint' ? `${v}n` : inspect(v, { depth: 1 });
  } catch {
    return '<unprintable>';
  }
};

/* ---------------------------------------------------------------------------------------------- */
/* Checking outcomes                                                                               */

/** Asserts that `error` is one of `names` ('reason' is `reason` itself), with weft's code if it is one. */
function assertError(error: unknown, names: string[], reason: unknown, what: string): void {
  if (names.includes('reason') && error === reason) return;
  if (error !== null && typeof error === 'object' && !counted.has(error)) {
    counted.add(error);
    const name = (error as { name?: unknown }).name;
    if (name === 'TypeError' || name === 'RangeError') stats.badArguments++;
    else if (name === 'RuntimeError' || name === 'ValueError') stats.misuse++;
    else stats.otherErrors++;
  }
  const name = (error as { name?: unknown })?.name;
  assert.ok(
    typeof name === 'string' && names.includes(name),
    `${what}: expected ${names.join(' or ')}, got ${show(error)}`,
  );
  if (name === 'TypeError') assert.ok(error instanceof TypeError, `${what}: a real TypeError`);
  if (name === 'RangeError' || name === 'ValueError') {
    assert.ok(error instanceof RangeError, `${what}: a RangeError`);
  }
  if (name === 'TypeError' || name === 'RangeError') {
    assert.equal((error as { code?: unknown }).code, 'WEFT_BAD_ARGUMENT', `${what}: code`);
  }
}

/** Calls `fn`; if `errors` is not empty it must throw one of them, else it must return `expected`. */
function expectSync<T>(fn: () => T, errors: string[], expected: T | undefined, what: string): T | undefined {
  stats.calls++;
  let value: T;
  try {
    value = fn();
  } catch (error) {
    assert.ok(errors.length > 0, `${what}: threw ${show(error)}`);
    assertError(error, errors, undefined, what);
    return undefined;
  }
  assert.equal(
    errors.length,
    0,
    `${what}: returned ${show(value)} instead of throwing ${errors.join(' or ')}`,
  );
  if (expected !== undefined) assert.equal(value, expected, what);
  return value;
}

/** A Promise whose state can be read synchronously. */
class Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  value: T | undefined;
  error: unknown;
  constructor(
    readonly promise: Promise<T>,
    readonly what: string,
  ) {
    promise.then(
      (v) => {
        this.state = 'fulfilled';
        this.value = v;
      },
      (e: unknown) => {
        this.state = 'rejected';
        this.error = e;
      },
    );
  }
}

/** Calls an async form: it must not throw, and must return a Promise. */
function callAsync<T>(fn: () => Promise<T>, what: string): Tracked<T> {
  stats.calls++;
  stats.asyncCalls++;
  let p: Promise<T> | undefined;
  assert.doesNotThrow(() => {
    p = fn();
  }, `${what} threw synchronously instead of rejecting`);
  assert.ok(p instanceof Promise, `${what} did not return a Promise`);
  return new Tracked(p, what);
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Lets the event loop run until `done()`, then two more turns (to let anything unexpected show). */
async function settle(done: () => boolean, what: string): Promise<void> {
  const end = performance.now() + 3000;
  await turn();
  while (!done()) {
    if (performance.now() > end) throw new Error(`${what}: the expected Promises did not settle`);
    await turn();
  }
  await turn();
  await turn();
}

/** What the model expects of one async waiter. */
interface Expected {
  state: 'pending' | 'fulfilled' | 'rejected';
  value?: unknown;
  errors?: string[];
}

/** An async waiter of the system under test, with what the model expects of it. */
interface Waiter<T> {
  id: number;
  tracked: Tracked<T>;
  expected: Expected;
  controller: AbortController | undefined;
  reason: Error | undefined;
}

function checkWaiters<T>(waiters: Waiter<T>[]): void {
  stats.checks++;
  for (const w of waiters) {
    const t = w.tracked;
    assert.equal(t.state, w.expected.state, `${t.what} (#${w.id}): ${t.state}, expected ${w.expected.state}`);
    if (w.expected.state === 'fulfilled' && w.expected.value !== undefined) {
      assert.equal(t.value, w.expected.value, `${t.what} (#${w.id}) resolved`);
    }
    if (w.expected.state === 'rejected') assertError(t.error, w.expected.errors ?? [], w.reason, t.what);
  }
}

/** The waiters the model still expects to wait, that have settled (whichever the code chose). */
const woken = <T>(waiters: Waiter<T>[]): Waiter<T>[] =>
  waiters.filter((w) => w.expected.state === 'pending' && w.tracked.state !== 'pending');

const allSettled = <T>(waiters: Waiter<T>[]): boolean =>
  waiters.every((w) => w.expected.state === 'pending' || w.tracked.state !== 'pending');

/**
 * Runs `fc.asyncModelRun` over random `commands` on a model and a system made by `make(setup)`, then
 * `finish` (which must leave no async wait pending: a pending one would keep the process alive).
 */
async function modelRun<S, M extends object, R>(
  setup: fc.Arbitrary<S>,
  make: (s: S) => { model: M; real: R },
  commands: fc.Arbitrary<fc.AsyncCommand<M, R>>[],
  finish: (model: M, real: R, failed: boolean) => Promise<void>,
): Promise<void> {
  await assertProperty(
    fc.asyncProperty(setup, fc.commands(commands, { maxCommands: 60, size: 'max' }), async (s, cmds) => {
      const { model, real } = make(s);
      let failed = true;
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        failed = false;
      } finally {
        await finish(model, real, failed);
      }
    }),
    params(),
  );
}

/* ---------------------------------------------------------------------------------------------- */
/* Event                                                                                           */

interface EventModel {
  flag: boolean;
  waiters: number;
}
interface EventReal {
  e: Event;
  waiters: Waiter<boolean>[];
  next: number;
}

function checkEvent(m: EventModel, r: EventReal): void {
  assert.equal(r.e.isSet(), m.flag, 'Event.isSet()');
  assert.equal(inspect(r.e), `Event { ${m.flag ? 'set' : 'unset'} }`);
  checkWaiters(r.waiters);
}

/** set() wakes every pending waiter, with true (even if clear() follows at once). */
function eventSet(m: EventModel, r: EventReal, thenClear: boolean): void {
  r.e.set();
  m.flag = true;
  for (const w of r.waiters) {
    if (w.expected.state === 'pending') w.expected = { state: 'fulfilled', value: true };
  }
  if (thenClear) {
    r.e.clear();
    m.flag = false;
  }
}

const eventCommands: fc.Arbitrary<fc.AsyncCommand<EventModel, EventReal>>[] = [
  fc.boolean().map((thenClear) => ({
    check: () => true,
    run: async (m: EventModel, r: EventReal) => {
      eventSet(m, r, thenClear);
      await settle(() => allSettled(r.waiters), 'Event.set');
      checkEvent(m, r);
    },
    toString: () => (thenClear ? 'set(); clear()' : 'set()'),
  })),
  fc.constant({
    check: () => true,
    run: async (m: EventModel, r: EventReal) => {
      r.e.clear();
      m.flag = false;
      checkEvent(m, r);
    },
    toString: () => 'clear()',
  }),
  timeoutArb.map((t) => ({
    // A blocking wait may only poll, or time out within a millisecond, while the flag is down.
    check: (m: EventModel) => m.flag || mayBlock(t),
    run: async (m: EventModel, r: EventReal) => {
      const errors = argErrors(t);
      expectSync(
        () => r.e.wait(t as number),
        errors,
        errors.length === 0 ? m.flag : undefined,
        `wait(${show(t)})`,
      );
      checkEvent(m, r);
    },
    toString: () => `wait(${show(t)})`,
  })),
  fc.tuple(timeoutArb, optionsArb).map(([t, o]) => ({
    check: (m: EventModel) => m.flag || mayPend(t),
    run: async (m: EventModel, r: EventReal) => {
      const { options, controller, reason } = optionsOf(o);
      const what = `waitAsync(${show(t)}, ${o.kind})`;
      const tracked = callAsync(() => r.e.waitAsync(t as number, options as never), what);
      const errors = argErrors(t, o);
      let expected: Expected;
      if (errors.length > 0) expected = { state: 'rejected', errors };
      else if (m.flag) expected = { state: 'fulfilled', value: true };
      else if (timeoutKind(t) === 'poll') expected = { state: 'fulfilled', value: false };
      else expected = { state: 'pending' };
      r.waiters.push({ id: r.next++, tracked, expected, controller, reason });
      if (expected.state === 'pending') m.waiters++;
      await settle(() => allSettled(r.waiters), what);
      checkEvent(m, r);
    },
    toString: () => `waitAsync(${show(t)}, ${o.kind})`,
  })),
  fc.nat().map((i) => ({
    check: () => true,
    run: async (m: EventModel, r: EventReal) => {
      const live = r.waiters.filter((w) => w.expected.state === 'pending' && w.controller !== undefined);
      const w = live[i % Math.max(1, live.length)];
      if (w === undefined) return;
      w.controller?.abort(w.reason);
      w.expected = { state: 'rejected', errors: ['reason'] };
      m.waiters--;
      await settle(() => allSettled(r.waiters), 'abort');
      checkEvent(m, r);
    },
    toString: () => `abort waiter ${i}`,
  })),
];

/* ---------------------------------------------------------------------------------------------- */
/* Lock                                                                                            */

interface LockModel {
  locked: boolean;
  /** Async acquirers still waiting. */
  pending: number;
  helds: { held: Held; disposed: boolean }[];
}
interface LockReal {
  lock: Lock;
  waiters: Waiter<boolean>[];
  next: number;
}

function checkLock(m: LockModel, r: LockReal): void {
  assert.equal(r.lock.locked(), m.locked, 'Lock.locked()');
  assert.equal(inspect(r.lock), `Lock { ${m.locked ? 'locked' : 'unlocked'} }`);
  checkWaiters(r.waiters);
}

/** A release of a locked Lock: if async acquirers wait, one of them (any) takes it. */
async function lockReleased(m: LockModel, r: LockReal, what: string): Promise<void> {
  if (m.pending === 0) {
    m.locked = false;
    checkLock(m, r);
    return;
  }
  await settle(() => woken(r.waiters).length >= 1, what);
  const woken1 = woken(r.waiters);
  assert.equal(woken1.length, 1, `${what}: one waiter takes the lock, not ${woken1.length}`);
  const w = woken1[0] as Waiter<boolean>;
  w.expected = { state: 'fulfilled', value: true };
  m.pending--;
  checkLock(m, r);
}

/** acquire() / hold(): the outcome the model expects, or undefined where the call would block. */
function lockAcquireOutcome(m: LockModel, t: unknown): boolean | undefined {
  if (!m.locked) return true;
  return mayBlock(t) ? false : undefined;
}

const lockCommands: fc.Arbitrary<fc.AsyncCommand<LockModel, LockReal>>[] = [
  timeoutArb.map((t) => ({
    check: (m: LockModel) => argErrors(t).length > 0 || lockAcquireOutcome(m, t) !== undefined,
    run: async (m: LockModel, r: LockReal) => {
      const errors = argErrors(t);
      const expected = errors.length > 0 ? undefined : lockAcquireOutcome(m, t);
      const got = expectSync(() => r.lock.acquire(t as number), errors, expected, `acquire(${show(t)})`);
      if (got === true) m.locked = true;
      checkLock(m, r);
    },
    toString: () => `acquire(${show(t)})`,
  })),
  fc.constant({
    check: () => true,
    run: async (m: LockModel, r: LockReal) => {
      expectSync(() => r.lock.release(), m.locked ? [] : ['RuntimeError'], undefined, 'release()');
      if (m.locked) await lockReleased(m, r, 'release()');
      checkLock(m, r);
    },
    toString: () => 'release()',
  }),
  fc.tuple(timeoutArb, optionsArb).map(([t, o]) => ({
    check: (m: LockModel) => !m.locked || mayPend(t),
    run: async (m: LockModel, r: LockReal) => {
      const { options, controller, reason } = optionsOf(o);
      const what = `acquireAsync(${show(t)}, ${o.kind})`;
      const tracked = callAsync(() => r.lock.acquireAsync(t as number, options as never), what);
      const errors = argErrors(t, o);
      let expected: Expected;
      if (errors.length > 0) expected = { state: 'rejected', errors };
      else if (!m.locked) {
        expected = { state: 'fulfilled', value: true };
        m.locked = true;
      } else if (timeoutKind(t) === 'poll') expected = { state: 'fulfilled', value: false };
      else {
        expected = { state: 'pending' };
        m.pending++;
      }
      r.waiters.push({ id: r.next++, tracked, expected, controller, reason });
      await settle(() => allSettled(r.waiters), what);
      checkLock(m, r);
    },
    toString: () => `acquireAsync(${show(t)}, ${o.kind})`,
  })),
  fc.nat().map((i) => ({
    check: () => true,
    run: async (m: LockModel, r: LockReal) => {
      const live = r.waiters.filter((w) => w.expected.state === 'pending' && w.controller !== undefined);
      const w = live[i % Math.max(1, live.length)];
      if (w === undefined) return;
      w.controller?.abort(w.reason);
      w.expected = { state: 'rejected', errors: ['reason'] };
      m.pending--;
      await settle(() => allSettled(r.waiters), 'abort');
      checkLock(m, r);
    },
    toString: () => `abort waiter ${i}`,
  })),
  timeoutArb.map((t) => ({
    check: (m: LockModel) => argErrors(t).length > 0 || lockAcquireOutcome(m, t) !== undefined,
    run: async (m: LockModel, r: LockReal) => {
      const errors = argErrors(t);
      const taken = errors.length > 0 ? undefined : lockAcquireOutcome(m, t);
      const held = expectSync(
        () => r.lock.hold(t as number),
        taken === false ? ['TimeoutError'] : errors,
        undefined,
        `hold(${show(t)})`,
      );
      if (held !== undefined) {
        m.locked = true;
        m.helds.push({ held, disposed: false });
      }
      checkLock(m, r);
    },
    toString: () => `hold(${show(t)})`,
  })),
  fc.nat().map((i) => ({
    check: (m: LockModel) => m.helds.length > 0,
    run: async (m: LockModel, r: LockReal) => {
      const h = m.helds[i % m.helds.length] as { held: Held; disposed: boolean };
      // The first dispose releases the Lock (any thread may release a Lock: even one taken since).
      const releases = !h.disposed;
      const errors = releases && !m.locked ? ['RuntimeError'] : [];
      expectSync(() => h.held[Symbol.dispose](), errors, undefined, 'dispose held');
      h.disposed = true;
      if (releases && m.locked) await lockReleased(m, r, 'dispose held');
      checkLock(m, r);
    },
    toString: () => `dispose held ${i}`,
  })),
];

/* ---------------------------------------------------------------------------------------------- */
/* RLock                                                                                           */

interface RLockModel {
  depth: number;
  helds: { held: Held; disposed: boolean }[];
}
interface RLockReal {
  lock: RLock;
}

function checkRLock(m: RLockModel, r: RLockReal): void {
  stats.checks++;
  assert.equal(r.lock.locked(), m.depth > 0, 'RLock.locked()');
  const shown = inspect(r.lock);
  if (m.depth === 0) assert.equal(shown, 'RLock { unlocked }');
  else assert.match(shown, new RegExp(`^RLock \\{ owner: \\d+, count: ${m.depth} \\}$`));
}

const rlockCommands: fc.Arbitrary<fc.Command<RLockModel, RLockReal>>[] = [
  timeoutArb.map((t) => ({
    check: () => true,
    run: (m: RLockModel, r: RLockReal) => {
      // The owner takes it again at once, whatever the timeout (even a poll).
      const errors = argErrors(t);
      if (expectSync(() => r.lock.acquire(t as number), errors, true, `acquire(${show(t)})`)) m.depth++;
      checkRLock(m, r);
    },
    toString: () => `acquire(${show(t)})`,
  })),
  fc.constant({
    check: () => true,
    run: (m: RLockModel, r: RLockReal) => {
      expectSync(() => r.lock.release(), m.depth > 0 ? [] : ['RuntimeError'], undefined, 'release()');
      if (m.depth > 0) m.depth--;
      checkRLock(m, r);
    },
    toString: () => 'release()',
  }),
  timeoutArb.map((t) => ({
    check: () => true,
    run: (m: RLockModel, r: RLockReal) => {
      const held = expectSync(() => r.lock.hold(t as number), argErrors(t), undefined, `hold(${show(t)})`);
      if (held !== undefined) {
        m.depth++;
        m.helds.push({ held, disposed: false });
      }
      checkRLock(m, r);
    },
    toString: () => `hold(${show(t)})`,
  })),
  fc.nat().map((i) => ({
    check: (m: RLockModel) => m.helds.length > 0,
    run: (m: RLockModel, r: RLockReal) => {
      const h = m.helds[i % m.helds.length] as { held: Held; disposed: boolean };
      const releases = !h.disposed;
      const errors = releases && m.depth === 0 ? ['RuntimeError'] : [];
      expectSync(() => h.held[Symbol.dispose](), errors, undefined, 'dispose held');
      if (releases && m.depth > 0) m.depth--;
      h.disposed = true;
      checkRLock(m, r);
    },
    toString: () => `dispose held ${i}`,
  })),
];

/* ---------------------------------------------------------------------------------------------- */
/* Semaphore and BoundedSemaphore                                                                  */

interface SemModel {
  value: number;
  /** The bound of a BoundedSemaphore, undefined for a Semaphore. */
  bound: number | undefined;
  pending: number;
}
interface SemReal {
  sem: Semaphore;
  waiters: Waiter<boolean>[];
  next: number;
}

function checkSem(m: SemModel, r: SemReal): void {
  assert.equal(r.sem.value, m.value, 'value');
  assert.equal(
    inspect(r.sem),
    m.bound === undefined
      ? `Semaphore { value: ${m.value} }`
      : `BoundedSemaphore { value: ${m.value}/${m.bound} }`,
  );
  checkWaiters(r.waiters);
}

/** The errors of release(n), in the model: bad n, then the bound (count unchanged). */
function releaseErrors(m: SemModel, n: unknown): string[] {
  if (n === undefined) n = 1;
  if (typeof n !== 'number') return ['TypeError'];
  if (!Number.isInteger(n) || n < 1 || n > MAX) return ['RangeError'];
  if (m.bound !== undefined && m.value + n > m.bound) return ['ValueError'];
  if (m.value + n > MAX) return ['RangeError'];
  return [];
}

/** After n permits came back: min(n, pending) async waiters take one each. */
async function semReleased(m: SemModel, r: SemReal, n: number, what: string): Promise<void> {
  m.value += n;
  const granted = Math.min(n, m.pending);
  if (granted > 0) {
    await settle(() => woken(r.waiters).length >= granted, what);
    const taken = woken(r.waiters);
    assert.equal(taken.length, granted, `${what}: ${granted} waiters take a permit, not ${taken.length}`);
    for (const w of taken) w.expected = { state: 'fulfilled', value: true };
    m.pending -= granted;
    m.value -= granted;
  }
  checkSem(m, r);
}

const semCommands: fc.Arbitrary<fc.AsyncCommand<SemModel, SemReal>>[] = [
  timeoutArb.map((t) => ({
    check: (m: SemModel) => m.value > 0 || mayBlock(t),
    run: async (m: SemModel, r: SemReal) => {
      const errors = argErrors(t);
      const got = expectSync(
        () => r.sem.acquire(t as number),
        errors,
        errors.length > 0 ? undefined : m.value > 0,
        `acquire(${show(t)})`,
      );
      if (got === true) m.value--;
      checkSem(m, r);
    },
    toString: () => `acquire(${show(t)})`,
  })),
  countArb.map((n) => ({
    check: () => true,
    run: async (m: SemModel, r: SemReal) => {
      const errors = releaseErrors(m, n);
      expectSync(() => r.sem.release(n as number), errors, undefined, `release(${show(n)})`);
      if (errors.length === 0)
        await semReleased(m, r, n === undefined ? 1 : (n as number), `release(${show(n)})`);
      checkSem(m, r);
    },
    toString: () => `release(${show(n)})`,
  })),
  fc.tuple(timeoutArb, optionsArb).map(([t, o]) => ({
    // BoundedSemaphore(0) never has a permit to give: a waiter there needs a signal to end.
    check: (m: SemModel) =>
      m.value > 0 || (mayPend(t) && !(m.bound === 0 && o.kind === 'none' && timeoutKind(t) === 'long')),
    run: async (m: SemModel, r: SemReal) => {
      const { options, controller, reason } = optionsOf(o);
      const what = `acquireAsync(${show(t)}, ${o.kind})`;
      const tracked = callAsync(() => r.sem.acquireAsync(t as number, options as never), what);
      const errors = argErrors(t, o);
      let expected: Expected;
      if (errors.length > 0) expected = { state: 'rejected', errors };
      else if (m.value > 0) {
        expected = { state: 'fulfilled', value: true };
        m.value--;
      } else if (timeoutKind(t) === 'poll') expected = { state: 'fulfilled', value: false };
      else {
        expected = { state: 'pending' };
        m.pending++;
      }
      r.waiters.push({ id: r.next++, tracked, expected, controller, reason });
      await settle(() => allSettled(r.waiters), what);
      checkSem(m, r);
    },
    toString: () => `acquireAsync(${show(t)}, ${o.kind})`,
  })),
  fc.nat().map((i) => ({
    check: () => true,
    run: async (m: SemModel, r: SemReal) => {
      const live = r.waiters.filter((w) => w.expected.state === 'pending' && w.controller !== undefined);
      const w = live[i % Math.max(1, live.length)];
      if (w === undefined) return;
      w.controller?.abort(w.reason);
      w.expected = { state: 'rejected', errors: ['reason'] };
      m.pending--;
      await settle(() => allSettled(r.waiters), 'abort');
      checkSem(m, r);
    },
    toString: () => `abort waiter ${i}`,
  })),
];

/* ---------------------------------------------------------------------------------------------- */
/* Condition (on a Lock, with async waiters on this thread)                                        */

interface CondModel {
  locked: boolean;
  /** Async waiters registered and not yet notified. */
  waiting: number;
  /** Async waiters notified that have not yet taken the lock back (only while it is held). */
  due: number;
  /** Notify events with k > 0, in order, and for each waiter the events before it registered. */
  events: number[];
}
interface CondReal {
  cond: Condition<Lock>;
  waiters: (Waiter<boolean> & { epoch: number })[];
  next: number;
}

function checkCond(m: CondModel, r: CondReal): void {
  assert.equal(r.cond.lock.locked(), m.locked, 'lock.locked()');
  // inspect counts the waiters that hold no notification yet (Python's repr: len(_waiters)); a
  // notified waiter leaves the count when it takes its notification, before it has the lock back.
  const shown = /^Condition \{ waiters: (\d+), lock: Lock \{ (locked|unlocked) \} \}$/.exec(inspect(r.cond));
  assert.ok(shown, inspect(r.cond));
  assert.equal(shown[2], m.locked ? 'locked' : 'unlocked', inspect(r.cond));
  const counted = Number(shown[1]);
  assert.ok(counted >= m.waiting && counted <= m.waiting + m.due, `${inspect(r.cond)}: ${m.waiting} waiting`);
  checkWaiters(r.waiters);
  // Notified waiters: each notify's k went to waiters registered before it (Hall's condition over
  // registration epochs), and no more of them than notifications given.
  const notified = r.waiters.filter((w) => w.tracked.state === 'fulfilled' && w.tracked.value === true);
  for (let e = 0; e <= m.events.length; e++) {
    const takers = notified.filter((w) => w.epoch >= e).length;
    const given = m.events.slice(e).reduce((a, b) => a + b, 0);
    assert.ok(takers <= given, `${takers} waiters registered after notify #${e} were notified by ${given}`);
  }
  assert.equal(
    notified.length + m.due,
    m.events.reduce((a, b) => a + b, 0),
    'every notification taken once',
  );
}

/** The lock was released: notified waiters take it back in turn (each then releases it). */
async function condUnlocked(m: CondModel, r: CondReal, what: string): Promise<void> {
  m.locked = false;
  if (m.due > 0) {
    const due = m.due;
    await settle(() => woken(r.waiters).length >= due, what);
    const returned = woken(r.waiters);
    assert.equal(returned.length, due, `${what}: ${due} notified waiters return, not ${returned.length}`);
    for (const w of returned) w.expected = { state: 'fulfilled', value: true };
    m.due = 0;
  }
}

const condAcquire = (t: unknown): fc.AsyncCommand<CondModel, CondReal> => ({
  check: (m: CondModel) => !m.locked || mayBlock(t),
  run: async (m: CondModel, r: CondReal) => {
    const errors = argErrors(t);
    const got = expectSync(
      () => r.cond.acquire(t as number),
      errors,
      errors.length > 0 ? undefined : !m.locked,
      `acquire(${show(t)})`,
    );
    if (got === true) m.locked = true;
    checkCond(m, r);
  },
  toString: () => `acquire(${show(t)})`,
});

const condNotify = (arg: { n: unknown } | { all: true }): fc.AsyncCommand<CondModel, CondReal> => ({
  check: () => true,
  run: async (m: CondModel, r: CondReal) => {
    const all = 'all' in arg;
    const n = 'n' in arg ? arg.n : undefined;
    const what = all ? 'notifyAll()' : `notify(${show(n)})`;
    const errors: string[] = [];
    const count = n === undefined ? 1 : n;
    if (!all) {
      if (typeof count !== 'number') errors.push('TypeError');
      else if (!Number.isInteger(count) || count < 0) errors.push('RangeError');
    }
    if (!m.locked) errors.push('RuntimeError');
    expectSync(() => (all ? r.cond.notifyAll() : r.cond.notify(n as number)), errors, undefined, what);
    if (errors.length === 0) {
      const k = Math.min(all ? m.waiting : (count as number), m.waiting);
      if (k > 0) {
        m.events.push(k);
        m.waiting -= k;
        m.due += k;
      }
    }
    await settle(() => true, what);
    checkCond(m, r);
  },
  toString: () => ('all' in arg ? 'notifyAll()' : `notify(${show(arg.n)})`),
});

const condWaitAsync = ([t, o]: [unknown, { kind: OptionsKind; bad?: unknown }]): fc.AsyncCommand<
  CondModel,
  CondReal
> => ({
  check: (m: CondModel) => !m.locked || mayPend(t),
  run: async (m: CondModel, r: CondReal) => {
    const { options, controller, reason } = optionsOf(o);
    const what = `waitAsync(${show(t)}, ${o.kind})`;
    const errors = argErrors(t, o);
    if (!m.locked) errors.push('RuntimeError');
    const tracked = callAsync(() => r.cond.waitAsync(t as number, options as never), what);
    // Whoever settles holds the lock again (a waiter resolves or rejects holding it): release it.
    const settled = (): void => {
      if (errors.length === 0) r.cond.release();
    };
    tracked.promise.then(settled, settled);
    const w = {
      id: r.next++,
      tracked,
      expected: { state: 'pending' } as Expected,
      controller,
      reason,
      epoch: 0,
    };
    r.waiters.push(w);
    if (errors.length > 0) {
      w.expected = { state: 'rejected', errors };
      await settle(() => allSettled(r.waiters), what);
    } else if (timeoutKind(t) === 'poll') {
      // It released the lock, timed out at once, took the lock back, resolved false; then released.
      w.expected = { state: 'fulfilled', value: false };
      await settle(() => tracked.state !== 'pending', what);
      await condUnlocked(m, r, what);
    } else {
      w.epoch = m.events.length;
      m.waiting++;
      await condUnlocked(m, r, what);
    }
    checkCond(m, r);
  },
  toString: () => `waitAsync(${show(t)}, ${o.kind})`,
});

const condCommands: fc.Arbitrary<fc.AsyncCommand<CondModel, CondReal>>[] = [
  timeoutArb.map(condAcquire),
  fc.constant({
    check: () => true,
    run: async (m: CondModel, r: CondReal) => {
      expectSync(() => r.cond.release(), m.locked ? [] : ['RuntimeError'], undefined, 'release()');
      if (m.locked) await condUnlocked(m, r, 'release()');
      checkCond(m, r);
    },
    toString: () => 'release()',
  }),
  fc
    .oneof(
      countArb.map((n) => ({ n })),
      fc.constant({ all: true as const }),
    )
    .map(condNotify),
  timeoutArb.map((t) => ({
    // Blocking wait: nobody else can notify, so only a poll or a wait of at most 1 ms.
    check: (m: CondModel) => !m.locked || mayBlock(t),
    run: async (m: CondModel, r: CondReal) => {
      const errors = argErrors(t);
      if (errors.length === 0 && !m.locked) errors.push('RuntimeError');
      expectSync(
        () => r.cond.wait(t as number),
        errors,
        errors.length > 0 ? undefined : false,
        `wait(${show(t)})`,
      );
      await settle(() => true, 'wait');
      checkCond(m, r);
    },
    toString: () => `wait(${show(t)})`,
  })),
  fc.tuple(timeoutArb, optionsArb).map(condWaitAsync),
  fc.nat().map((i) => ({
    // An abort while the lock is free: no waiter is notified and unreturned, so it was waiting.
    check: (m: CondModel) => !m.locked,
    run: async (m: CondModel, r: CondReal) => {
      const live = r.waiters.filter((w) => w.expected.state === 'pending' && w.controller !== undefined);
      const w = live[i % Math.max(1, live.length)];
      if (w === undefined) return;
      w.controller?.abort(w.reason);
      w.expected = { state: 'rejected', errors: ['reason'] };
      m.waiting--;
      await settle(() => allSettled(r.waiters), 'abort');
      checkCond(m, r);
    },
    toString: () => `abort waiter ${i}`,
  })),
  // More of what builds waiters up and notifies some: notify(n) then often meets more than n.
  fc.constant(undefined).map(condAcquire),
  fc
    .tuple(
      fc.constant(undefined),
      fc.constantFrom<{ kind: OptionsKind }>({ kind: 'none' }, { kind: 'signal' }),
    )
    .map(condWaitAsync),
  fc.integer({ min: 0, max: 2 }).map((n) => condNotify({ n })),
];

/* ---------------------------------------------------------------------------------------------- */
/* Barrier                                                                                         */

interface BarrierModel {
  parties: number;
  count: number;
  broken: boolean;
  actions: number;
  throwNext: boolean;
}
/** An async waiter of a Barrier, with the index it was given when it arrived. */
type BarrierWaiter = Waiter<number> & { index: number };
interface BarrierReal {
  b: Barrier;
  actions: { calls: number; throwNext: boolean };
  waiters: BarrierWaiter[];
  next: number;
}
const actionError = new Error('the action threw');

function checkBarrier(m: BarrierModel, r: BarrierReal): void {
  assert.equal(r.b.broken, m.broken, 'broken');
  assert.equal(r.b.nWaiting, m.broken ? 0 : m.count, 'nWaiting');
  assert.equal(r.b.parties, m.parties, 'parties');
  assert.equal(
    inspect(r.b),
    m.broken ? `Barrier { broken, parties: ${m.parties} }` : `Barrier { waiters: ${m.count}/${m.parties} }`,
  );
  assert.equal(r.actions.calls, m.actions, 'the action ran once per pass');
  checkWaiters(r.waiters);
}

/** Every waiter of the pass under way gets BrokenBarrierError. */
function breakAll(m: BarrierModel, r: BarrierReal): void {
  for (const w of r.waiters) {
    if (w.expected.state === 'pending') w.expected = { state: 'rejected', errors: ['BrokenBarrierError'] };
  }
  m.count = 0;
}

/**
 * An arrival (wait or waitAsync with a valid timeout): what the arriving call must produce (its
 * index, or an error: 'action' for the action's own), or undefined if it waits.
 */
function arrive(m: BarrierModel, r: BarrierReal, poll: boolean): Expected | undefined {
  if (m.broken) return { state: 'rejected', errors: ['BrokenBarrierError'] };
  const index = m.count;
  if (index + 1 === m.parties) {
    // The last arrival runs the action before anyone is released.
    m.actions++;
    if (m.throwNext) {
      m.throwNext = false;
      m.broken = true;
      breakAll(m, r);
      return { state: 'rejected', errors: ['action'] };
    }
    for (const w of r.waiters) {
      if (w.expected.state === 'pending') w.expected = { state: 'fulfilled', value: w.index };
    }
    m.count = 0;
    return { state: 'fulfilled', value: index };
  }
  if (poll) {
    // A poll that is not the last arrival times out at once: it breaks the pass.
    m.broken = true;
    breakAll(m, r);
    return { state: 'rejected', errors: ['BrokenBarrierError'] };
  }
  m.count++;
  return undefined;
}

const barrierTimeout = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(undefined, Number.POSITIVE_INFINITY, 1e9) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0, -1) },
  { weight: 1, arbitrary: junk.filter((t) => ['type', 'nan'].includes(timeoutKind(t))) },
);

const barrierCommands: fc.Arbitrary<fc.AsyncCommand<BarrierModel, BarrierReal>>[] = [
  fc.tuple(barrierTimeout, optionsArb).map(([t, o]) => ({
    check: () => true,
    run: async (m: BarrierModel, r: BarrierReal) => {
      const { options, controller, reason } = optionsOf(o);
      const what = `waitAsync(${show(t)}, ${o.kind})`;
      const index = m.count;
      const errors = argErrors(t, o);
      const tracked = callAsync(() => r.b.waitAsync(t as number, options as never), what);
      let expected: Expected | undefined;
      if (errors.length > 0) {
        expected = { state: 'rejected', errors };
        if (o.kind === 'aborted' && errors.length === 1 && !m.broken) {
          // A signal already aborted breaks the pass it would have joined, as wait(0) would.
          m.broken = true;
          breakAll(m, r);
        }
      } else {
        expected = arrive(m, r, timeoutKind(t) === 'poll');
      }
      const w: BarrierWaiter = {
        id: r.next++,
        tracked,
        expected: { state: 'pending' },
        controller,
        reason,
        index,
      };
      if (expected?.errors?.includes('action')) {
        expected = { state: 'rejected', errors: ['reason'] };
        w.reason = actionError;
      }
      if (expected !== undefined) w.expected = expected;
      r.waiters.push(w);
      await settle(() => allSettled(r.waiters), what);
      checkBarrier(m, r);
    },
    toString: () => `waitAsync(${show(t)}, ${o.kind})`,
  })),
  barrierTimeout.map((t) => ({
    // Blocking: only as the last arrival, or a poll, or with a bad timeout, or on a broken barrier.
    check: (m: BarrierModel) => m.broken || m.count + 1 === m.parties || mayBlock(t),
    run: async (m: BarrierModel, r: BarrierReal) => {
      const what = `wait(${show(t)})`;
      const errors = argErrors(t);
      const expected: Expected | undefined =
        errors.length > 0 ? { state: 'rejected', errors } : arrive(m, r, timeoutKind(t) === 'poll');
      assert.ok(expected !== undefined, 'a blocking wait that would wait for ever was generated');
      if (expected.state === 'fulfilled') expectSync(() => r.b.wait(t as number), [], expected.value, what);
      else {
        assert.throws(
          () => r.b.wait(t as number),
          (error: unknown) => {
            if (expected.errors?.includes('action'))
              assert.equal(error, actionError, `${what}: the action's error`);
            else assertError(error, expected.errors ?? [], undefined, what);
            return true;
          },
          what,
        );
      }
      await settle(() => allSettled(r.waiters), what);
      checkBarrier(m, r);
    },
    toString: () => `wait(${show(t)})`,
  })),
  fc.constant({
    check: () => true,
    run: async (m: BarrierModel, r: BarrierReal) => {
      r.b.abort();
      m.broken = true;
      breakAll(m, r);
      await settle(() => allSettled(r.waiters), 'abort()');
      checkBarrier(m, r);
    },
    toString: () => 'abort()',
  }),
  fc.constant({
    check: () => true,
    run: async (m: BarrierModel, r: BarrierReal) => {
      r.b.reset();
      breakAll(m, r);
      m.broken = false;
      await settle(() => allSettled(r.waiters), 'reset()');
      checkBarrier(m, r);
    },
    toString: () => 'reset()',
  }),
  fc.constant({
    check: () => true,
    run: async (m: BarrierModel, r: BarrierReal) => {
      m.throwNext = true;
      r.actions.throwNext = true;
    },
    toString: () => 'the next action throws',
  }),
  fc.nat().map((i) => ({
    check: () => true,
    run: async (m: BarrierModel, r: BarrierReal) => {
      const live = r.waiters.filter((w) => w.expected.state === 'pending' && w.controller !== undefined);
      const w = live[i % Math.max(1, live.length)];
      if (w === undefined) return;
      w.controller?.abort(w.reason);
      // The aborted waiter rejects with the reason and breaks the pass: the others get BrokenBarrierError.
      w.expected = { state: 'rejected', errors: ['reason'] };
      m.broken = true;
      breakAll(m, r);
      await settle(() => allSettled(r.waiters), 'abort waiter');
      checkBarrier(m, r);
    },
    toString: () => `abort waiter ${i}`,
  })),
];

/* ---------------------------------------------------------------------------------------------- */
/* The properties                                                                                  */

/** Repeats `step` until no waiter is pending (a pending async wait would keep the process alive). */
async function drain(waiters: Waiter<unknown>[], step: () => void): Promise<void> {
  for (let i = 0; waiters.some((w) => w.tracked.state === 'pending'); i++) {
    assert.ok(i < 100, 'waiters left pending at the end of a run');
    step();
    await turn();
    await turn();
  }
}

/**
 * The end of a run: unless it failed, let anything late settle and check once more; then abort the
 * waiters that have a signal, and let them settle.
 */
async function finishWith<M, R>(
  m: M,
  r: R,
  failed: boolean,
  check: (m: M, r: R) => void,
  waiters: Waiter<unknown>[],
  beforeAborts: () => Promise<void> = async () => {},
): Promise<void> {
  if (!failed) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    await turn();
    check(m, r);
  }
  await beforeAborts();
  const aborted = waiters.filter((w) => w.tracked.state === 'pending' && w.controller !== undefined);
  for (const w of aborted) w.controller?.abort(w.reason);
  await settle(() => aborted.every((w) => w.tracked.state !== 'pending'), 'aborting the waiters left');
}

describe('property: random operations and arguments against a sequential model', { timeout: 90_000 }, () => {
  test('Event', async () => {
    await modelRun(
      fc.constant('new Event()'),
      () => ({ model: { flag: false, waiters: 0 }, real: { e: new Event(), waiters: [], next: 0 } }),
      eventCommands,
      async (m, r, failed) => {
        await finishWith(m, r, failed, checkEvent, r.waiters as Waiter<unknown>[]);
        r.e.set(); // releases every waiter still pending
        await drain(r.waiters as Waiter<unknown>[], () => {});
      },
    );
  });

  test('Lock', async () => {
    await modelRun(
      fc.constant('new Lock()'),
      () => ({
        model: { locked: false, pending: 0, helds: [] },
        real: { lock: new Lock(), waiters: [], next: 0 },
      }),
      lockCommands,
      async (m, r, failed) => {
        await finishWith(m, r, failed, checkLock, r.waiters as Waiter<unknown>[]);
        // Release until every pending acquirer has had the lock, so that none is left asleep.
        await drain(r.waiters as Waiter<unknown>[], () => {
          if (r.lock.locked()) r.lock.release();
        });
      },
    );
  });

  test('RLock', () => {
    assertSync(
      fc.property(fc.commands(rlockCommands, { maxCommands: 60, size: 'max' }), (cmds) => {
        const model: RLockModel = { depth: 0, helds: [] };
        const real = { lock: new RLock() };
        fc.modelRun(() => ({ model, real }), cmds);
        while (model.depth-- > 0) real.lock.release();
        assert.equal(real.lock.locked(), false);
      }),
      params(),
    );
  });

  for (const bounded of [false, true]) {
    const kind = bounded ? 'BoundedSemaphore' : 'Semaphore';
    test(kind, async () => {
      await modelRun(
        fc.integer({ min: 0, max: 3 }),
        (value) => ({
          model: { value, bound: bounded ? value : undefined, pending: 0 },
          real: { sem: bounded ? new BoundedSemaphore(value) : new Semaphore(value), waiters: [], next: 0 },
        }),
        semCommands,
        async (m, r, failed) => {
          await finishWith(m, r, failed, checkSem, r.waiters as Waiter<unknown>[]);
          // One permit at a time, so that a BoundedSemaphore is never released past its bound.
          await drain(r.waiters as Waiter<unknown>[], () => {
            if (r.sem.value === 0) r.sem.release();
          });
        },
      );
    });
  }

  test('Condition (on a Lock; async waiters on this thread)', async () => {
    await modelRun(
      fc.constant('new Condition(new Lock())'),
      () => ({
        model: { locked: false, waiting: 0, due: 0, events: [] },
        real: { cond: new Condition(new Lock()), waiters: [], next: 0 },
      }),
      condCommands,
      async (m, r, failed) => {
        // An aborted waiter rejects only once it has the lock back: release it first.
        await finishWith(m, r, failed, checkCond, r.waiters as Waiter<unknown>[], async () => {
          if (r.cond.lock.locked()) r.cond.release();
          await turn();
          await turn();
        });
        await drain(r.waiters as Waiter<unknown>[], () => {
          if (r.cond.lock.locked()) r.cond.release();
          if (r.cond.acquire(0)) {
            r.cond.notifyAll();
            r.cond.release();
          }
        });
      },
    );
  });

  test('Barrier (parties 1 to 3; async waiters on this thread)', async () => {
    await modelRun(
      fc.integer({ min: 1, max: 3 }),
      (parties) => {
        const actions = { calls: 0, throwNext: false };
        const b = new Barrier(parties, () => {
          actions.calls++;
          if (actions.throwNext) {
            actions.throwNext = false;
            throw actionError;
          }
        });
        return {
          model: { parties, count: 0, broken: false, actions: 0, throwNext: false },
          real: { b, actions, waiters: [], next: 0 },
        };
      },
      barrierCommands,
      async (m, r, failed) => {
        await finishWith(m, r, failed, checkBarrier, r.waiters as Waiter<unknown>[]);
        r.b.abort(); // breaks the pass under way: every waiter left rejects
        await drain(r.waiters as Waiter<unknown>[], () => {});
      },
    );
  });
});

describe('regressions found by the property tests', () => {
  test('Barrier.wait(null) / waitAsync(null) is a TypeError, not "no timeout"', async () => {
    const b = new Barrier(1);
    assert.throws(() => b.wait(null as never), TypeError);
    await assert.rejects(b.waitAsync(null as never), TypeError);
    assert.equal(b.wait(undefined), 0);
    assert.equal(await b.waitAsync(undefined), 0);
  });
});

describe('property: bad arguments to constructors and from()', () => {
  test('new Semaphore / BoundedSemaphore(value): TypeError, RangeError, or exactly that value', () => {
    assertSync(
      fc.property(fc.oneof(countArb, fc.integer({ min: 0, max: MAX })), fc.boolean(), (value, bounded) => {
        const errors =
          value === undefined
            ? []
            : typeof value !== 'number'
              ? ['TypeError']
              : !Number.isInteger(value) || value < 0 || value > MAX
                ? ['RangeError']
                : [];
        const make = (): Semaphore =>
          bounded ? new BoundedSemaphore(value as number) : new Semaphore(value as number);
        const sem = expectSync(make, errors, undefined, `new Semaphore(${show(value)})`);
        if (sem !== undefined) assert.ok(sem.value === (value === undefined ? 1 : value), 'the value given');
      }),
      params(200),
    );
  });

  test('new Barrier(parties, action, timeout): TypeError, RangeError, or a working barrier', () => {
    assertSync(
      fc.property(
        fc.oneof(fc.integer({ min: -2, max: 5 }), countArb),
        fc.oneof(
          fc.constant(undefined),
          fc.constant(() => {}),
          junk,
        ),
        fc.oneof(fc.constant(undefined), timeoutArb),
        (parties, action, timeout) => {
          const errors: string[] = [];
          if (typeof parties !== 'number') errors.push('TypeError');
          else if (!Number.isInteger(parties) || parties < 1 || parties > 4095) errors.push('RangeError');
          if (action !== undefined && typeof action !== 'function') errors.push('TypeError');
          errors.push(...argErrors(timeout));
          const b = expectSync(
            () => new Barrier(parties as number, action as () => void, timeout as number),
            errors,
            undefined,
            `new Barrier(${show(parties)}, ${show(action)}, ${show(timeout)})`,
          );
          if (b !== undefined) {
            assert.equal(b.parties, parties);
            assert.equal(b.nWaiting, 0);
            assert.equal(b.broken, false);
          }
        },
      ),
      params(200),
    );
  });

  test('X.from(anything that is not an X) is a TypeError; revive leaves non-primitives alone', () => {
    const kinds = [Event, Lock, RLock, Semaphore, BoundedSemaphore, Condition, Barrier] as const;
    const others = [new Event(), new Lock(), new RLock(), new Semaphore(1), new Barrier(2)];
    assertSync(
      fc.property(
        fc.oneof(junk, fc.constantFrom<unknown>(...others)),
        fc.constantFrom(...kinds),
        (value, kind) => {
          const same =
            value instanceof kind ||
            (kind === Semaphore && value instanceof Semaphore) ||
            (kind === Condition && value instanceof Condition);
          if (same) return;
          assert.throws(
            () => (kind.from as (v: unknown) => unknown)(value),
            (e: unknown) => e instanceof TypeError && (e as { code?: string }).code === 'WEFT_BAD_HANDLE',
            `${kind.name}.from(${show(value)})`,
          );
        },
      ),
      params(300),
    );
    assertSync(
      fc.property(
        fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer()), fc.dictionary(fc.string(), fc.integer())),
        (v) => {
          assert.deepEqual(revive(v), v);
        },
      ),
      params(100),
    );
  });
});

/* ---------------------------------------------------------------------------------------------- */
/* Across threads                                                                                  */

const semStep: fc.Arbitrary<SemStep> = fc.oneof(
  fc.integer({ min: 1, max: 3 }).map((release) => ({ release })),
  fc.constantFrom(0, 1).map((acquire) => ({ acquire })),
);

describe('property: across threads', { timeout: 60_000 }, () => {
  test('Semaphore: two workers racing random release(n) / acquire batches leave the exact count', async () => {
    await assertProperty(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 }),
        fc.array(semStep, { minLength: 1, maxLength: 60 }),
        fc.array(semStep, { minLength: 1, maxLength: 60 }),
        async (value, a, b) => {
          const sem = new Semaphore(value);
          const start = new Event();
          const runs = [a, b].map((steps) =>
            runInWorker<number>('property', 'semaphoreBatch', sem, start, steps),
          );
          start.set();
          const acquired = await watchdog(
            Promise.all(runs.map((x) => x.result)),
            20_000,
            'semaphore batches',
          );
          const released = [...a, ...b].reduce((n, s) => n + ('release' in s ? s.release : 0), 0);
          const taken = (acquired[0] as number) + (acquired[1] as number);
          const polls = [...a, ...b].filter((s) => 'acquire' in s).length;
          assert.ok(taken <= polls, 'no more acquires succeed than were made');
          assert.equal(sem.value, value + released - taken, 'value = initial + released - acquired');
        },
      ),
      params(8),
    );
  });

  test('RLock: another thread can neither release nor take it, at any depth', async () => {
    await assertProperty(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.constantFrom('release', 'acquire(0)', 'locked'), { minLength: 1, maxLength: 8 }),
        async (depth, ops) => {
          const lock = new RLock();
          for (let i = 0; i < depth; i++) assert.equal(lock.acquire(), true);
          const { result } = runInWorker<string[]>('property', 'rlockIntruder', lock, ops);
          const seen = await watchdog(result, 20_000, 'RLock intruder');
          assert.deepEqual(
            seen,
            ops.map((op) => (op === 'release' ? 'RuntimeError' : op === 'locked' ? 'true' : 'false')),
          );
          assert.match(inspect(lock), new RegExp(`count: ${depth} \\}$`));
          for (let i = 0; i < depth; i++) lock.release();
          assert.equal(lock.locked(), false);
        },
      ),
      params(5),
    );
  });
});
