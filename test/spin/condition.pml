/*
 * condition.pml: Condition on a Lock (src/condition.ts, src/lock.ts) over the wait/wake layer
 * (futex.pml). The lock's protocol is lockproto.pml.
 *
 * Mirrors src/condition.ts:
 *   6-38     `Layout: [TAG, UNRELEASED, RELEASED, GEN]`  the header's layout, protocol and argument
 *   60-63    `const UNRELEASED = 1;`                     the constants (checked by test/models.test.ts)
 *   235-241  `notify(n = 1): void {`                     notify(n) -> release(n), holding the lock
 *   244-247  `notifyAll(): void {`                       release(UNRELEASED)
 *   268-272  `#register(what: 'wait' | 'waitAsync'): number {`  UNRELEASED += 1; my = GEN (holding the lock)
 *   275-280  `#letGo(): number {`                        unlock (an RLock: release it all, keep the depth)
 *   289-320  `#waitBlocking(deadline: number): boolean {`
 *   323-370  `*#waitSteps(what: 'waitAsync'): Steps<boolean> {`
 *                                                        the same protocol, driven twice (a plain
 *                                                        loop for wait, a generator for waitAsync):
 *                                                        UNRELEASED += 1; my = GEN; unlock; loop: GEN
 *                                                        != my and take() -> notified, else sleep on
 *                                                        (GEN, g); re-take the lock with no deadline;
 *                                                        not notified: take if due, else UNRELEASED -= 1;
 *                                                        an aborted waiter that took one passes it on
 *                                                        (the blocking loop's spin on GEN before its
 *                                                        first sleep reads only: not modelled)
 *   386-391  `function settle(`                          not notified: take if due, else UNRELEASED -= 1
 *   394-400  `function take(`                            CAS RELEASED r -> r-1 while r > 0
 *   405-412  `function release(`                         k = min(n, UNRELEASED); UNRELEASED -= k;
 *                                                        RELEASED += k; GEN += 1; wake k on GEN
 * Not modelled: a Condition on an RLock (the same STATE word and lockSteps; the owner and depth
 * words are the RLock's, never slept on) and the AbandonedError path (lines 314-318 and 358-361: the lock taken
 * over from a weft Thread that died while holding it).
 *
 * Threads: NCONS consumers and one producer around a ghost `items` guarded by the lock (Python's
 * waitFor(lambda: items > 0)): a consumer takes the lock, waits while items == 0, takes one item,
 * releases. The producer adds 2 items and notify(2), then 1 item and notify(1) (-DNOTIFY_ALL:
 * notifyAll()), each under the lock. With -DFAULTS consumer 0's waits have a deadline (it gives up
 * after a wait that returns false) and consumer 1 is an async waiter whose signal may fire (once; it
 * then gives up, holding the lock, as the rejected waitAsync does).
 *
 * Checked:
 *   - mutual exclusion of the condition's lock, and wait() returns holding it (assert);
 *   - notify(n) wakes at most n, and only waiters registered before it: every notification taken is
 *     matched to a notify that came after the taker registered, each notify's k = min(n, waiting)
 *     taken at most k times (Hall's condition over registration epochs, asserted at every take);
 *   - at the end UNRELEASED = RELEASED = 0: no notification is left over or lost, no waiter counted
 *     twice (assert);
 *   - no deadlock or lost wake-up: every consumer gets its item (the producer makes one per
 *     consumer), safety run; liveness: every consumer without a deadline or signal ends, under weak
 *     fairness (ltl `done`).
 * With -DHELPER consumer 1's async waits go through the helper worker (futex.pml, Helper); with
 * -DABORT1 its signal may fire (and nobody has a deadline, which would hide a lost wake-up). The
 * helper's broken variants (-DBROKEN_HELPER_AS_BEFORE, -DBROKEN_HELPER_NO_PASS_ON) must be
 * refuted: an aborted waitAsync's helper swallows a notify(1), a consumer sleeps for ever (issue 9,
 * finding 1).
 * Broken variant (-DBROKEN_ESFX): esfx's design, a condition variable that sleeps on a word notify
 * never changes (here GEN is left alone and the waiter sleeps as soon as it has unlocked): a notify
 * between the unlock and the sleep is lost. SPIN must find the consumer that never wakes.
 */

#ifndef NCONS
#define NCONS 3
#endif
#define NPROC (NCONS + 1)
#define LOCK_AT 0     /* the Lock: [TAG, STATE] */
#define COND_AT 2     /* the Condition: [TAG, UNRELEASED, RELEASED, GEN] */
#define NWORDS 6

#define CV_UNRELEASED 1  /* weft: src/condition.ts UNRELEASED */
#define CV_RELEASED 2    /* weft: src/condition.ts RELEASED */
#define CV_GEN 3         /* weft: src/condition.ts GEN */
#define CV_LOCK_STATE 1  /* weft: src/condition.ts LOCK_STATE */

#include "futex.pml"
#include "lockproto.pml"

#define LW (LOCK_AT + CV_LOCK_STATE)
#define UNREL (COND_AT + CV_UNRELEASED)
#define REL (COND_AT + CV_RELEASED)
#define GENW (COND_AT + CV_GEN)

byte items;            /* ghost: guarded by the lock */
byte in_cs;            /* ghost: threads holding the lock */
byte finished;
byte plain_left;
bool done_plain;

/* ghost: notify events (a release with k > 0, in lock order) and the notifications taken */
#define MAXEV 8
byte nev;              /* notify events so far */
byte ks[MAXEV];        /* k of each event */
byte taken_by[MAXEV];  /* notifications taken by waiters registered before event e (epoch e) */
byte hall_e, hall_a, hall_b;

/* Hall's condition: for every epoch e, takers of epoch >= e <= notifications of events >= e. */
inline hall_check() {
  hall_e = 0;
  do
  :: hall_e < MAXEV ->
     hall_a = 0; hall_b = 0; fx_n = hall_e;
     do
     :: fx_n < MAXEV -> hall_a = hall_a + taken_by[fx_n]; hall_b = hall_b + ks[fx_n]; fx_n++
     :: else -> break
     od;
     assert(hall_a <= hall_b);
     hall_e++
  :: else -> break
  od;
  hall_e = 0; hall_a = 0; hall_b = 0; fx_n = 0
}

/*
 * Folded steps. UNRELEASED and GEN are written only by threads that hold the lock, and UNRELEASED
 * is read only by them: so release()'s load and subtract of UNRELEASED are one step, and so are the
 * waiter's UNRELEASED += 1 and its load of GEN (no other thread can tell them apart from one step).
 */

/* steps of release(n) (npc), condition.ts:405-412 */
#define N_LOAD 1
#define N_SUB 2
#define N_ADD 3
#define N_GEN 4
#define N_WAKE 5

/* release(n): the caller holds the lock */
inline cv_release(n) {
  npc = N_LOAD;
  do
  :: atomic { npc == N_LOAD ->
       k = word[UNREL];
       if
       :: n < k -> k = n
       :: else -> skip
       fi;
       if
       :: k <= 0 -> k = 0; npc = 0; break
       :: else -> word[UNREL] = word[UNREL] - k; npc = N_ADD   /* N_SUB, folded: see above */
       fi }
  :: atomic { npc == N_ADD ->
       word[REL] = word[REL] + k;
       assert(nev < MAXEV); ks[nev] = k; nev++;
#ifdef BROKEN_ESFX
       npc = N_WAKE }
#else
       npc = N_GEN }
#endif
  :: atomic { npc == N_GEN -> word[GENW] = word[GENW] + 1; npc = N_WAKE }
  :: atomic { npc == N_WAKE -> notify(GENW, k); k = 0; npc = 0; break }
  od
}

/* steps of wait (wpc), condition.ts:289-320 (blocking), 323-370 (async) */
#define W_ADD 1          /* UNRELEASED += 1 (279, 317) */
#define W_MY 2           /* my = GEN (280, 318) */
#define W_UNLOCK 3       /* unlock (283, 321; lock.ts unlock: lockproto.pml lock_release) */
#define W_LOOP 5         /* g = GEN (289, 328) */
#define W_TAKE_LOAD 6    /* take(): r = RELEASED (388) */
#define W_TAKE_CAS 7     /* CAS r -> r-1 (390) */
#define W_SLEEP 8        /* sleepOn / yield (GEN, g) (294, 334) */
#define W_ASLEEP 9
#define W_RETAKE 10      /* lockBlocking / lockSteps(forever) (297-301, 340-349) */
#define W_CHECK 11       /* not notified: GEN != my (settle, 381) */
#define W_TAKE2_LOAD 12  /* ... take() */
#define W_TAKE2_CAS 13
#define W_SUB 14         /* UNRELEASED -= 1 (382) */
#define W_PASS 15        /* failed and notified: release(1) (305, 360) */

/* a successful take: the ghost bookkeeping */
inline took() {
  notified = true;
  taken_by[epoch]++;
  hall_check()
}

/* wait(): the caller holds the lock; ok: returned true; aborted: rejected (holding the lock) */
inline cv_wait(me) {
  wpc = W_ADD;
  notified = false;
  failed = false;
  do
  :: atomic { wpc == W_ADD ->
       word[UNREL] = word[UNREL] + 1; epoch = nev;
       my = word[GENW]; in_cs--; wpc = W_UNLOCK }   /* W_MY, folded: see above */
  :: wpc == W_UNLOCK ->
     lock_release(LW);   /* lock.ts unlock, as lockproto.pml models it */
#ifdef BROKEN_ESFX
     g = my; wpc = W_SLEEP
#else
     wpc = W_LOOP
#endif
  :: atomic { wpc == W_LOOP ->
       g = word[GENW];
#ifdef BROKEN_ESFX
       wpc = W_TAKE_LOAD }   /* esfx: any wake-up counts as the notification */
#else
       if
       :: g != my -> wpc = W_TAKE_LOAD
       :: else -> wpc = W_SLEEP
       fi }
#endif
  :: atomic { wpc == W_TAKE_LOAD ->
       r = word[REL];
       if
       :: r > 0 -> wpc = W_TAKE_CAS
       :: else -> r = 0; wpc = W_SLEEP
       fi }
  :: atomic { wpc == W_TAKE_CAS ->
       if
       :: word[REL] == r -> word[REL] = r - 1; took(); r = 0; g = 0; wpc = W_RETAKE
       :: else ->
          r = word[REL];
          if
          :: r > 0 -> skip
          :: else -> r = 0; wpc = W_SLEEP
          fi
       fi }
  :: atomic { wpc == W_SLEEP ->
       futex_enter(me, GENW, g, false);
       if
       :: out == QUEUED -> wpc = W_ASLEEP
       :: out == TIMED_OUT -> g = 0; wpc = W_RETAKE
       :: else -> g = 0; wpc = W_LOOP
       fi;
       out = 0 }
  :: atomic { wpc == W_ASLEEP && futex_may_leave(me, false) ->
       futex_leave(me, GENW, false);
       g = 0;
       if
       :: out == OK -> wpc = W_LOOP
       :: out == TIMED_OUT -> wpc = W_RETAKE
       :: else -> failed = true; wpc = W_RETAKE   /* aborted: re-take the lock, then report */
       fi;
       out = 0 }
  :: wpc == W_RETAKE ->
     lock_acquire(me, LW, false, true, res);
     if
     :: res == GOT ->
        atomic {
          in_cs++; assert(in_cs == 1);
          if
          :: notified -> wpc = W_PASS
          :: else -> wpc = W_CHECK
          fi }
     :: else -> failed = true   /* an abort while re-taking: take it all the same */
     fi;
     res = 0
  :: atomic { wpc == W_CHECK ->
       g = word[GENW];
       if
       :: g != my -> wpc = W_TAKE2_LOAD
       :: else -> wpc = W_SUB
       fi;
       g = 0 }
  :: atomic { wpc == W_TAKE2_LOAD ->
       r = word[REL];
       if
       :: r > 0 -> wpc = W_TAKE2_CAS
       :: else -> r = 0; wpc = W_SUB
       fi }
  :: atomic { wpc == W_TAKE2_CAS ->
       if
       :: word[REL] == r -> word[REL] = r - 1; took(); r = 0; wpc = W_PASS
       :: else ->
          r = word[REL];
          if
          :: r > 0 -> skip
          :: else -> r = 0; wpc = W_SUB
          fi
       fi }
  :: atomic { wpc == W_SUB -> word[UNREL] = word[UNREL] - 1; wpc = 0; my = 0; epoch = 0; break }
  :: wpc == W_PASS ->
     if
     :: failed -> cv_release(1)   /* pass on the notification this aborted waiter took */
     :: else -> skip
     fi;
     wpc = 0; my = 0; epoch = 0;
     break
  od
}

inline finish(me) {
  atomic {
    finished++;
    if
    :: !can_timeout[me] && !can_abort[me] -> plain_left--; done_plain = (plain_left == 0)
    :: else -> skip
    fi;
    if
    :: finished == NPROC -> assert(word[UNREL] == 0 && word[REL] == 0 && word[LW] == UNLOCKED)
    :: else -> skip
    fi
  }
}

proctype Consumer(byte me) {
  int lk_c, my, g, r;
  byte lpc, wpc, npc, out, res, k, epoch;
  bool notified, failed, got, stop;
  /* Condition.acquire(): Lock.acquire / acquireAsync without a deadline */
  lock_acquire(me, LW, true, true, res);
  if
  :: res == GOT ->
     res = 0;
     atomic { in_cs++; assert(in_cs == 1) };
     do
     :: atomic { items > 0 -> items--; got = true; break }
     :: atomic { items == 0 && stop -> break }   /* waitFor gave up: timed out, or aborted */
     :: items == 0 && !stop ->
        cv_wait(me);
        stop = failed || !notified;
        notified = false;
        failed = false
     od;
     assert(got || can_timeout[me] || can_abort[me]);
     atomic { in_cs-- };
     lock_release(LW)
  :: else -> assert(res == ABORT && can_abort[me])   /* the signal fired before it had the lock */
  fi;
  finish(me)
}

proctype Producer(byte me) {
  int lk_c;
  byte lpc, npc, out, res, k, nall;
  lock_acquire(me, LW, true, true, res);
  atomic { in_cs++; assert(in_cs == 1); items = items + 2 };
  cv_release(2);
  atomic { in_cs-- };
  lock_release(LW);
  lock_acquire(me, LW, true, true, res);
  atomic { in_cs++; assert(in_cs == 1); items = items + 1 };
#ifdef NOTIFY_ALL
  atomic { nall = word[UNREL] };  /* notifyAll(): release(UNRELEASED) (condition.ts:244-247) */
  cv_release(nall);
#else
  cv_release(1);
#endif
  atomic { in_cs-- };
  lock_release(LW);
  finish(me)
}

init {
  atomic {
    word[LOCK_AT] = 2;  /* the tags */
    word[COND_AT] = 6;
    plain_left = NPROC;
#ifdef FAULTS
    can_timeout[0] = true; plain_left--;
    can_abort[1] = true; plain_left--;
#endif
#ifdef POLLER
    polls[1] = true;   /* thread 1's async waits poll (no Atomics.waitAsync, no helper worker) */
#endif
#ifdef ABORT1
    can_abort[1] = true; plain_left--;  /* only consumer 1's signal may fire; no deadlines */
#endif
#ifdef HELPER
    helped[1] = true;  /* consumer 1's async waits go through a helper worker (no waitAsync) */
    run Helper();
#endif
    fx_n = 0;
    do
    :: fx_n < NCONS -> run Consumer(fx_n); fx_n++
    :: else -> break
    od;
    fx_n = 0;
    run Producer(NCONS)
  }
}

ltl done { <> done_plain }
