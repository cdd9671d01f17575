/*
 * semaphore.pml: Semaphore / BoundedSemaphore (src/semaphore.ts) over the wait/wake layer (futex.pml).
 *
 * Mirrors src/semaphore.ts:
 *   5-27     `Layout: [TAG, COUNT, SLEEPERS, BOUND]`  the header's layout and protocol
 *   62-64    `const COUNT = 1;`                         the constants (checked by test/models.test.ts)
 *   176-190  `acquire(timeout?: number): boolean {`     fast path: load c; c > 0 and CAS c -> c-1
 *   199-204  `async acquireAsync(`                      later(acquireSteps), no fast path
 *   213-232  `release(n = 1): void {`                   a Semaphore: add n (undone past 2^31-1);
 *                                                       then, if SLEEPERS > 0, wake n
 *   328-343  `override release(n = 1): void {`          a BoundedSemaphore: CAS c -> c+n within the
 *                                                       bound; then, if SLEEPERS > 0, wake n (the
 *                                                       model's release: an add is a CAS that cannot fail)
 *   392-398  `function leave(`                          timeout: one last look
 *   401-426  `function* acquireSteps(`                  CAS while c > 0; else SLEEPERS += 1, re-check,
 *                                                       sleep on (COUNT, 0); timeout: one last look;
 *                                                       finally SLEEPERS -= 1
 *   435-466  `function acquireBlocking(`                the same loop, blocking, without a generator;
 *                                                       its spin before it registers reads only (not
 *                                                       modelled: a load that changes nothing)
 * Not modelled: the abandonment paths (watch(), lines 367-385, and leave()'s wake: permits held
 * with hold() by a weft Thread that died are taken back; sleeps are cut into slices, spurious
 * wake-ups here).
 *
 * Scenarios (NPROC threads):
 *   default     VALUE 0; NCONS consumers acquire once each; one producer releases 2, then 1
 *               (n > 1 wakes several at once; more consumers than any single release).
 *   -DMUTEX     VALUE 1, bounded; NPROC threads each ROUNDS times acquire, use, release(1).
 * With -DFAULTS thread 0 has a deadline and thread 1 is an async waiter whose signal may fire.
 *
 * Checked:
 *   - never over-grants: permits taken <= VALUE + permits released so far, at every grant (assert);
 *     MUTEX: at most VALUE holders at once, and release never passes the bound (assert);
 *   - exact counts at the end: COUNT = VALUE + released - taken, SLEEPERS = 0 (assert);
 *   - no deadlock or lost wake-up: every thread ends (safety run);
 *   - liveness: every thread without a deadline or signal ends, under weak fairness (ltl `done`).
 * Broken variant (-DBROKEN_RELEASE_READS_SLEEPERS_FIRST): release reads SLEEPERS before it adds to
 * COUNT, so a waiter that registers in between sleeps on COUNT 0 and is never woken by the permit
 * that arrives next. SPIN must find that lost wake-up.
 */

#ifdef MUTEX
#ifndef NPROC
#define NPROC 3
#endif
#define VALUE 1
#define ROUNDS 2
#else
#ifndef NCONS
#define NCONS 3
#endif
#define NPROC (NCONS + 1)
#define VALUE 0
#endif
#define NWORDS 4   /* [TAG, COUNT, SLEEPERS, BOUND] */

#define SEM_COUNT 1     /* weft: src/semaphore.ts COUNT */
#define SEM_SLEEPERS 2  /* weft: src/semaphore.ts SLEEPERS */
#define SEM_BOUND 3     /* weft: src/semaphore.ts BOUND */

#include "futex.pml"

byte taken;        /* ghost: permits taken */
byte released;     /* ghost: permits given back */
byte holding;      /* ghost (MUTEX): threads holding a permit */
byte finished;
byte plain_left;
bool done_plain;

/* steps of sem_acquire (apc) */
#define A_FAST_LOAD 1  /* acquire(): c = load COUNT (semaphore.ts:182) */
#define A_FAST_CAS 2   /* CAS c -> c-1 (183) */
#define A_LOAD 3       /* acquireSteps: c = load COUNT (407, 441) */
#define A_CAS 4        /* CAS c -> c-1 (409, 443) */
#define A_REG 5        /* SLEEPERS += 1 (413, 452) */
#define A_SLEEP 6      /* yield / sleepOn (COUNT, 0) (421, 460) */
#define A_ASLEEP 7
#define A_LAST_LOAD 8  /* timed out: one last look (leave, 393) */
#define A_LAST_CAS 9   /* (394) */
#define A_FINALLY 10   /* SLEEPERS -= 1 if registered (424, 464) */

/* a successful CAS c -> c-1 on COUNT, with the ghost check that no permit is over-granted */
#define TAKE_PERMIT \
  word[SEM_COUNT] = c - 1; res = true; taken++; assert(taken <= VALUE + released)

/* acquire(timeout) (fast: the blocking form's fast path) or acquireAsync; res: a permit was taken */
inline sem_acquire(me, fast, res) {
  res = false;
  registered = false;
  if
  :: fast -> apc = A_FAST_LOAD
  :: else -> apc = A_LOAD
  fi;
  do
  :: atomic { apc == A_FAST_LOAD ->
       c = word[SEM_COUNT];
       if
       :: c > 0 -> apc = A_FAST_CAS
       :: else -> apc = A_LOAD; c = 0
       fi }
  :: atomic { apc == A_FAST_CAS ->
       if
       :: word[SEM_COUNT] == c -> TAKE_PERMIT; apc = 0; c = 0; break
       :: else -> apc = A_LOAD
       fi;
       c = 0 }
  :: atomic { apc == A_LOAD ->
       c = word[SEM_COUNT];
       if
       :: c > 0 -> apc = A_CAS
       :: c <= 0 && !registered -> apc = A_REG; c = 0
       :: else -> apc = A_SLEEP; c = 0
       fi }
  :: atomic { apc == A_CAS ->
       if
       :: word[SEM_COUNT] == c -> TAKE_PERMIT; apc = A_FINALLY
       :: else -> apc = A_LOAD
       fi;
       c = 0 }
  :: atomic { apc == A_REG -> word[SEM_SLEEPERS] = word[SEM_SLEEPERS] + 1; registered = true; apc = A_LOAD }
  :: atomic { apc == A_SLEEP ->
       futex_enter(me, SEM_COUNT, 0, false);
       if
       :: out == QUEUED -> apc = A_ASLEEP
       :: out == TIMED_OUT -> apc = A_LAST_LOAD
       :: else -> apc = A_LOAD
       fi;
       out = 0 }
  :: atomic { apc == A_ASLEEP && futex_may_leave(me, false) ->
       futex_leave(me, SEM_COUNT, false);
       if
       :: out == OK -> apc = A_LOAD
       :: out == TIMED_OUT -> apc = A_LAST_LOAD
       :: else -> apc = A_FINALLY   /* aborted: only the finally runs */
       fi;
       out = 0 }
  :: atomic { apc == A_LAST_LOAD ->
       c = word[SEM_COUNT];
       if
       :: c > 0 -> apc = A_LAST_CAS
       :: else -> apc = A_FINALLY; c = 0
       fi }
  :: atomic { apc == A_LAST_CAS ->
       if
       :: word[SEM_COUNT] == c -> TAKE_PERMIT; apc = A_FINALLY
       :: else -> apc = A_LAST_LOAD
       fi;
       c = 0 }
  :: atomic { apc == A_FINALLY ->
       if
       :: registered -> word[SEM_SLEEPERS] = word[SEM_SLEEPERS] - 1; registered = false
       :: else -> skip
       fi;
       apc = 0;
       break }
  od
}

/* release(n): semaphore.ts:328-343 (and 213-232, an add). BOUND never changes, so its load is folded into COUNT's. */
inline sem_release(n) {
#ifdef BROKEN_RELEASE_READS_SLEEPERS_FIRST
  atomic { sleepers = word[SEM_SLEEPERS] };
#endif
  atomic { bound = word[SEM_BOUND]; c = word[SEM_COUNT] };
  do
  :: atomic {
       assert(bound < 0 || c + n <= bound);   /* the scenarios never over-release */
       if
       :: word[SEM_COUNT] == c -> word[SEM_COUNT] = c + n; released = released + n; c = 0; bound = 0; break
       :: else -> c = word[SEM_COUNT]
       fi }
  od;
#ifndef BROKEN_RELEASE_READS_SLEEPERS_FIRST
  atomic { sleepers = word[SEM_SLEEPERS] };
#endif
  if
  :: sleepers > 0 -> atomic { notify(SEM_COUNT, n); sleepers = 0 }
  :: else -> skip
  fi
}

inline finish(me) {
  atomic {
    finished++;
    if
    :: !can_timeout[me] && !can_abort[me] -> plain_left--; done_plain = (plain_left == 0)
    :: else -> skip
    fi;
    if
    :: finished == NPROC ->
       assert(word[SEM_COUNT] == VALUE + released - taken);
       assert(word[SEM_SLEEPERS] == 0)
    :: else -> skip
    fi
  }
}

#ifdef MUTEX
proctype Thread(byte me) {
  int c, bound, sleepers;
  byte apc, out, round;
  bool res, registered;
  do
  :: round < ROUNDS ->
     /* thread 1 (async when FAULTS) has no fast path */
     sem_acquire(me, me != 1, res);
     if
     :: res ->
        atomic { holding++; assert(holding <= VALUE) };
        holding--;
        sem_release(1)
     :: else -> skip
     fi;
     res = false;
     round++
  :: else -> break
  od;
  finish(me)
}
#else
proctype Consumer(byte me) {
  int c;
  byte apc, out;
  bool res, registered;
  sem_acquire(me, me != 1, res);
  assert(res || can_timeout[me] || can_abort[me]);
  finish(me)
}

proctype Producer(byte me) {
  int c, bound, sleepers;
  sem_release(2);
  sem_release(1);
  finish(me)
}
#endif

init {
  byte i;
  atomic {
    word[0] = 1;  /* the tag */
    word[SEM_COUNT] = VALUE;
#ifdef MUTEX
    word[SEM_BOUND] = VALUE;   /* a BoundedSemaphore */
#else
    word[SEM_BOUND] = -1;      /* a Semaphore */
#endif
    plain_left = NPROC;
#ifdef FAULTS
    can_timeout[0] = true; plain_left--;
    can_abort[1] = true; plain_left--;
#endif
#ifdef POLLER
    polls[1] = true;   /* thread 1's async waits poll (no Atomics.waitAsync, no helper worker) */
#endif
    i = 0;
#ifdef MUTEX
    do
    :: i < NPROC -> run Thread(i); i++
    :: else -> break
    od
#else
    do
    :: i < NCONS -> run Consumer(i); i++
    :: else -> break
    od;
    run Producer(NCONS)
#endif
  }
}

ltl done { <> done_plain }
