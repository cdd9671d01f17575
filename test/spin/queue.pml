/*
 * queue.pml: the wait/wake protocol of Queue (src/queue.ts) over the wait/wake layer (futex.pml),
 * its lock being the Lock protocol (lockproto.pml).
 *
 * Mirrors src/queue.ts:
 *   7-67     `Shape: Python's Lib/queue.py`       the design: one lock, three notification counters,
 *                                                 one wake-up in flight per condition
 *   335-354  `get(timeout?: number): T {`         lock; an item: take it; else ShutDown/Empty/wait
 *   397-412  `#takeLocked(waited: boolean)` COUNT -= 1; putters asleep, none woken: wake one;
 *                                                 a getter that slept passes one on (#passOnGet)
 *   422-461  `*#getSteps(poll: boolean)`          the getter's loop: register, read NE_SEQ, unlock,
 *                                                 sleep on (NE_SEQ, seen), re-lock (an abort is kept),
 *                                                 unregister; aborted: pass a wake-up on, reject
 *   464-469  `_putLocked(tasks: boolean): void {` UNFINISHED += 1; NE_WAITERS > 0, NE_SIGNALED = 0: wake one
 *   668-675  `#passOnPut(): void {`               a putter that slept, leaving, passes one on
 *   678-726  `*#putSteps(bytes: Uint8Array`       the putter's loop, on (NF_SEQ, seen)
 *   733-745  `taskDone(): void {`                 UNFINISHED -= 1; 0 and joiners: DONE_SEQ += 1, wake all
 *   780-809  `*#joinSteps(): Steps<boolean> {`   the joiner's loop, on (DONE_SEQ, seen)
 *   818-842  `shutdown(immediate = false): void {` SHUT = 1; immediate: discard, count them done;
 *                                                 wake every getter and putter
 * Mirrors src/internal/queue-store.ts:
 *   7-51     `Control block (Int32 words`         the words (their values are checked below)
 * Not modelled: the storage (internal/queue-store.ts; sequential code under the lock), the bytes
 * bound (NB_WAITERS: a putter waiting for bytes; test/queue.test.ts covers it), the spin before the
 * first sleep (futex.pml: one of the interleavings), and the lock's abandonment paths (lockproto.pml).
 *
 * Steps: every Atomics call is one step. COUNT, the WAITERS words, SHUT and UNFINISHED are written
 * only under the lock, and read without it only by qsize() and the spin (which only decide when to
 * look again under the lock), so a run of them inside one critical section is folded into one step;
 * each SEQ += 1 and each wake is a step of its own, since sleepers compare SEQ without the lock.
 *
 * Scenarios (each thread does one call; ghost counters check the items):
 *   GETTERS   NGET getters on an unbounded, empty queue; a producer puts NGET items (then, with
 *             -DJOIN, joins; each getter calls taskDone for its item). -DFAULTS: getter 0 has a
 *             deadline, getter 1 is async and its signal may fire.
 *   PUTTERS   NPUT putters on a full queue of maxsize 1; a consumer gets while a plain putter has
 *             not put yet. -DFAULTS: putter 0 has a deadline, putter 1 is async with a signal.
 *   SHUTDOWN  two getters on an empty queue (-DPUT_SIDE: two putters on a full queue of maxsize 1),
 *             and shutdown(IMMEDIATE) at any moment. -DFAULTS: thread 0 is async, with a signal.
 * Checked: the lock's mutual exclusion (in_cs); items conserved and got at most once (at the end
 * COUNT = initial + puts - gets - discarded; a get takes only an item there); nobody left
 * registered (NE/NF/DONE_WAITERS = 0); no deadlock or lost wake-up: every plain call ends (safety:
 * no invalid end state; live: ltl `done` under weak fairness).
 * One wake-up in flight (NE_SIGNALED / NF_SIGNALED, src/queue.ts header): a notifier wakes one only
 * if the flag is 0 and sets it; every waiter clears it when it has re-taken the lock (C_UNREG), and
 * a waiter that slept passes a wake-up on when it leaves (after its item, or without one) if what
 * the others wait for is there, others are registered and the flag is 0. The pass-on decision is
 * made in the step under the lock that takes the item: nothing it reads changes before the unlock.
 * -DHELPER -DABORT1: getter 1's async waits go through the helper worker of futex.pml (the wake-up
 * a withdrawn helper receives is passed on by the helper). -DPOLLER: getter 1's waits poll.
 * Pass-on: in this model (as with Atomics) a waiter that leaves by timeout was not counted by any
 * notify (it left the futex queue itself), so only an abort can use up a wake-up; the driver then
 * wakes every waiter of the word (futex.pml), and the protocol's own pass-on is a second guard.
 * Broken variants, each must be found:
 *   BROKEN_NO_PASS_ON             a getter that slept takes its item and leaves without passing a
 *                                 wake-up on: the second put found the flag set and woke nobody,
 *                                 and the other getter sleeps beside an item;
 *   BROKEN_SIGNAL_KEPT            the getter does not clear NE_SIGNALED when it is back: every
 *                                 later put believes a wake-up is in flight;
 *   BROKEN_SEQ_AFTER_UNLOCK       the getter reads NE_SEQ after releasing the lock: a put between
 *                                 the two is not seen, and the getter sleeps through it;
 *   BROKEN_REGISTER_AFTER_UNLOCK  the getter counts itself in NE_WAITERS after the unlock: a put
 *                                 between sees nobody waiting and wakes nobody;
 *   BROKEN_SHUTDOWN_WAKES_ONE     shutdown wakes one getter instead of all: the other sleeps on.
 */

#ifndef NGET
#define NGET 2
#endif
#ifndef NPUT
#define NPUT 2
#endif
#ifndef IMMEDIATE
#define IMMEDIATE 0
#endif

#define Q_LOCK 1          /* weft: src/internal/queue-store.ts LOCK */
#define Q_COUNT 4         /* weft: src/internal/queue-store.ts COUNT */
#define Q_MAXSIZE 5       /* weft: src/internal/queue-store.ts MAXSIZE */
#define Q_UNFINISHED 6    /* weft: src/internal/queue-store.ts UNFINISHED */
#define Q_SHUT 7          /* weft: src/internal/queue-store.ts SHUT */
#define Q_NE_SEQ 8        /* weft: src/internal/queue-store.ts NE_SEQ */
#define Q_NE_WAITERS 9    /* weft: src/internal/queue-store.ts NE_WAITERS */
#define Q_NF_SEQ 10       /* weft: src/internal/queue-store.ts NF_SEQ */
#define Q_NF_WAITERS 11   /* weft: src/internal/queue-store.ts NF_WAITERS */
#define Q_DONE_SEQ 13     /* weft: src/internal/queue-store.ts DONE_SEQ */
#define Q_DONE_WAITERS 14 /* weft: src/internal/queue-store.ts DONE_WAITERS */
#define Q_NE_SIGNALED 24  /* weft: src/internal/queue-store.ts NE_SIGNALED */
#define Q_NF_SIGNALED 25  /* weft: src/internal/queue-store.ts NF_SIGNALED */
#define NWORDS 26

#ifdef GETTERS
#define NPROC (NGET + 1)
#endif
#ifdef PUTTERS
#define NPROC (NPUT + 1)
#endif
#ifdef SHUTDOWN
#define NPROC 3
#endif

#include "futex.pml"
#include "lockproto.pml"

#define LW Q_LOCK
#define CNT Q_COUNT
#define MAXW Q_MAXSIZE
#define UNF Q_UNFINISHED
#define SHUTW Q_SHUT
#define NES Q_NE_SEQ
#define NEW Q_NE_WAITERS
#define NFS Q_NF_SEQ
#define NFW Q_NF_WAITERS
#define DS Q_DONE_SEQ
#define DW Q_DONE_WAITERS
#define NESIG Q_NE_SIGNALED
#define NFSIG Q_NF_SIGNALED

/* how a call ended */
#define R_ITEM 1    /* got or put an item; a join that returned true */
#define R_EMPTY 2   /* Empty / Full / join false: the deadline passed */
#define R_SHUT 3    /* ShutDown */
#define R_ABORT 4   /* the signal fired */

byte in_cs;          /* ghost: threads holding the lock */
byte initial;        /* ghost: items in the queue at the start */
byte puts, gets;     /* ghost: items put and got */
byte discarded;      /* ghost: items discarded by shutdown(true) */
byte plain_puts_left;  /* ghost (PUTTERS): plain putters that have not put yet */
byte finished;
byte plain_left;
bool done_plain;

inline enter_cs() { in_cs++; assert(in_cs == 1) }

/* steps of a wait loop (pc) */
#define C_CHECK 1      /* under the lock: look, then take / leave / register and read SEQ */
#define C_WAKE_INC 2   /* the partner's SEQ += 1 */
#define C_WAKE 3       /* ... and wake (one, or all) */
#define C_OUT 4        /* release the lock and return */
#define C_UNLOCK 5     /* release the lock before sleeping */
#define C_READ_SEQ 6   /* (BROKEN_SEQ_AFTER_UNLOCK only) seen = SEQ, after the unlock */
#define C_SLEEP 7
#define C_ASLEEP 8
#define C_RELOCK 9
#define C_UNREG 10     /* WAITERS -= 1; aborted: pass on */
#define C_PASS_INC 11
#define C_PASS_WAKE 12

/* Sleep on (w, seen) and take the lock again; sets timedout / failed. */
inline sleep_relock(me, w) {
  do
  :: atomic { pc == C_SLEEP ->
       futex_enter(me, w, seen, false);
       if
       :: out == QUEUED -> pc = C_ASLEEP
       :: out == TIMED_OUT -> timedout = true; pc = C_RELOCK
       :: else -> pc = C_RELOCK
       fi;
       out = 0 }
  :: atomic { pc == C_ASLEEP && futex_may_leave(me, false) ->
       futex_leave(me, w, false);
       if
       :: out == TIMED_OUT -> timedout = true
       :: out == ABORTED -> failed = true
       :: else -> skip
       fi;
       pc = C_RELOCK;
       out = 0 }
  :: pc == C_RELOCK ->
     lock_acquire(me, LW, false, true, res);
     if
     :: res == GOT -> atomic { enter_cs(); pc = C_UNREG }; break
     :: else -> failed = true   /* an abort while re-taking the lock: take it all the same */
     fi;
     res = 0
  od;
  seen = 0
}

/* Queue.get / getAsync: result in r. */
inline q_get(me) {
  timedout = false; failed = false; waited = false; pass = false;
  lock_acquire(me, LW, true, true, res);
  if
  :: res != GOT -> r = R_ABORT   /* aborted before it had the lock: nothing to undo */
  :: else ->
     res = 0;
     atomic { enter_cs(); pc = C_CHECK };
     do
     :: atomic { pc == C_CHECK ->
          if
          :: word[CNT] > 0 -> word[CNT]--; gets++; r = R_ITEM;
#ifndef BROKEN_NO_PASS_ON
             /* #passOnGet, decided here: nothing it reads changes before the unlock */
             pass = waited && word[CNT] > 0 && word[NEW] > 0 && word[NESIG] == 0;
             if
             :: pass -> word[NESIG] = 1
             :: else -> skip
             fi;
#endif
             if
             :: word[NFW] > 0 && word[NFSIG] == 0 -> word[NFSIG] = 1; pc = C_WAKE_INC
             :: else -> pc = (pass -> C_PASS_INC : C_OUT)
             fi
          :: word[CNT] == 0 && word[SHUTW] != 0 -> r = R_SHUT; pc = C_OUT
          :: word[CNT] == 0 && word[SHUTW] == 0 && timedout -> r = R_EMPTY; pc = C_OUT
          :: word[CNT] == 0 && word[SHUTW] == 0 && !timedout ->
#if defined(BROKEN_SEQ_AFTER_UNLOCK)
             word[NEW]++; pc = C_UNLOCK
#elif defined(BROKEN_REGISTER_AFTER_UNLOCK)
             seen = word[NES]; pc = C_UNLOCK
#else
             word[NEW]++; seen = word[NES]; pc = C_UNLOCK
#endif
          fi }
     :: atomic { pc == C_WAKE_INC -> word[NFS]++; pc = C_WAKE }
     :: atomic { pc == C_WAKE -> notify(NFS, 1); pc = (pass -> C_PASS_INC : C_OUT) }
     :: pc == C_OUT -> atomic { in_cs-- }; lock_release(LW); pc = 0; break
     :: pc == C_UNLOCK ->
        atomic { in_cs-- };
        lock_release(LW);
#if defined(BROKEN_SEQ_AFTER_UNLOCK) || defined(BROKEN_REGISTER_AFTER_UNLOCK)
        pc = C_READ_SEQ
     :: atomic { pc == C_READ_SEQ ->
#ifdef BROKEN_SEQ_AFTER_UNLOCK
          seen = word[NES];
#else
          word[NEW]++;
#endif
          pc = C_SLEEP }
#else
        pc = C_SLEEP
#endif
     :: pc == C_SLEEP -> sleep_relock(me, NES)
     :: atomic { pc == C_UNREG ->
          word[NEW]--;
#ifndef BROKEN_SIGNAL_KEPT
          word[NESIG] = 0;
#endif
          waited = true;
          if
          :: failed -> r = R_ABORT;
             if
             :: word[CNT] > 0 && word[NEW] > 0 && word[NESIG] == 0 -> word[NESIG] = 1; pc = C_PASS_INC
             :: else -> pc = C_OUT
             fi
          :: else -> pc = C_CHECK
          fi }
     :: atomic { pc == C_PASS_INC -> word[NES]++; pc = C_PASS_WAKE }
     :: atomic { pc == C_PASS_WAKE -> notify(NES, 1); pc = C_OUT }
     od
  fi;
  timedout = false; failed = false; waited = false; pass = false
}

/* #passOnPut (under the lock): putters asleep, none woken, and a place: wake one. */
inline put_pass_on() {
  if
  :: word[NFW] > 0 && (word[MAXW] <= 0 || word[CNT] < word[MAXW]) && word[NFSIG] == 0 ->
     word[NFSIG] = 1; pc = C_PASS_INC
  :: else -> pc = C_OUT
  fi
}

/* Queue.put / putAsync: result in r. */
inline q_put(me, plain) {
  timedout = false; failed = false; waited = false; pass = false;
  lock_acquire(me, LW, true, true, res);
  if
  :: res != GOT -> r = R_ABORT
  :: else ->
     res = 0;
     atomic { enter_cs(); pc = C_CHECK };
     do
     :: atomic { pc == C_CHECK ->
          if
          :: word[SHUTW] != 0 -> r = R_SHUT;
             if
             :: waited -> put_pass_on()
             :: else -> pc = C_OUT
             fi
          :: word[SHUTW] == 0 && (word[MAXW] <= 0 || word[CNT] < word[MAXW]) ->
             word[CNT]++; word[UNF]++; puts++; r = R_ITEM;
             if
             :: plain -> plain_puts_left--
             :: else -> skip
             fi;
             /* #passOnPut after a put, decided here: nothing it reads changes before the unlock */
             pass = waited && word[NFW] > 0 && (word[MAXW] <= 0 || word[CNT] < word[MAXW]) &&
                    word[NFSIG] == 0;
             if
             :: pass -> word[NFSIG] = 1
             :: else -> skip
             fi;
             if
             :: word[NEW] > 0 && word[NESIG] == 0 -> word[NESIG] = 1; pc = C_WAKE_INC
             :: else -> pc = (pass -> C_PASS_INC : C_OUT)
             fi
          :: word[SHUTW] == 0 && word[MAXW] > 0 && word[CNT] >= word[MAXW] && timedout ->
             r = R_EMPTY; put_pass_on()   /* Full: leaving without putting */
          :: word[SHUTW] == 0 && word[MAXW] > 0 && word[CNT] >= word[MAXW] && !timedout ->
             word[NFW]++; seen = word[NFS]; pc = C_UNLOCK
          fi }
     :: atomic { pc == C_WAKE_INC -> word[NES]++; pc = C_WAKE }
     :: atomic { pc == C_WAKE -> notify(NES, 1); pc = (pass -> C_PASS_INC : C_OUT) }
     :: pc == C_OUT -> atomic { in_cs-- }; lock_release(LW); pc = 0; break
     :: pc == C_UNLOCK -> atomic { in_cs-- }; lock_release(LW); pc = C_SLEEP
     :: pc == C_SLEEP -> sleep_relock(me, NFS)
     :: atomic { pc == C_UNREG ->
          word[NFW]--;
          word[NFSIG] = 0;
          waited = true;
          if
          :: failed -> r = R_ABORT; put_pass_on()
          :: else -> pc = C_CHECK
          fi }
     :: atomic { pc == C_PASS_INC -> word[NFS]++; pc = C_PASS_WAKE }
     :: atomic { pc == C_PASS_WAKE -> notify(NFS, 1); pc = C_OUT }
     od
  fi;
  timedout = false; failed = false; waited = false; pass = false
}

/* Queue.taskDone */
inline q_task_done(me) {
  lock_acquire(me, LW, true, true, res);
  atomic {
    enter_cs();
    assert(word[UNF] > 0);
    word[UNF]--;
    if
    :: word[UNF] == 0 && word[DW] > 0 -> pc = C_WAKE_INC
    :: else -> pc = C_OUT
    fi };
  res = 0;
  if
  :: pc == C_WAKE_INC -> atomic { word[DS]++ }; atomic { notify(DS, ALL) }
  :: else -> skip
  fi;
  atomic { in_cs--; pc = 0 };
  lock_release(LW)
}

/* Queue.join (no deadline, no signal): result in r. */
inline q_join(me) {
  lock_acquire(me, LW, true, true, res);
  res = 0;
  atomic { enter_cs(); pc = C_CHECK };
  do
  :: atomic { pc == C_CHECK ->
       if
       :: word[UNF] == 0 -> r = R_ITEM; pc = C_OUT
       :: else -> word[DW]++; seen = word[DS]; pc = C_UNLOCK
       fi }
  :: pc == C_OUT -> atomic { in_cs-- }; lock_release(LW); pc = 0; break
  :: pc == C_UNLOCK -> atomic { in_cs-- }; lock_release(LW); pc = C_SLEEP
  :: pc == C_SLEEP -> sleep_relock(me, DS)
  :: atomic { pc == C_UNREG -> word[DW]--; pc = C_CHECK }
  od
}

/* Queue.shutdown(IMMEDIATE) */
inline q_shutdown(me) {
  lock_acquire(me, LW, true, true, res);
  res = 0;
  atomic {
    enter_cs();
    word[SHUTW] = 1;
    if
    :: IMMEDIATE -> discarded = discarded + word[CNT];
       if
       :: word[UNF] >= word[CNT] -> word[UNF] = word[UNF] - word[CNT]
       :: else -> word[UNF] = 0
       fi;
       word[CNT] = 0
    :: else -> skip
    fi };
  if
  :: IMMEDIATE && word[UNF] == 0 && word[DW] > 0 -> atomic { word[DS]++ }; atomic { notify(DS, ALL) }
  :: else -> skip
  fi;
  if
#ifdef BROKEN_SHUTDOWN_WAKES_ONE
  :: word[NEW] > 0 -> atomic { word[NES]++ }; atomic { notify(NES, 1) }
#else
  :: word[NEW] > 0 -> atomic { word[NES]++ }; atomic { notify(NES, ALL) }
#endif
  :: else -> skip
  fi;
  if
  :: word[NFW] > 0 -> atomic { word[NFS]++ }; atomic { notify(NFS, ALL) }
  :: else -> skip
  fi;
  atomic { in_cs-- };
  lock_release(LW)
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
       assert(word[NEW] == 0 && word[NFW] == 0 && word[DW] == 0 && word[LW] == UNLOCKED);
       assert(word[CNT] == initial + puts - gets - discarded)
    :: else -> skip
    fi
  }
}

proctype Getter(byte me) {
  int lk_c, seen;
  byte lpc, out, res, pc, r;
  bool timedout, failed, waited, pass;
  q_get(me);
  assert(r == R_ITEM || r == R_SHUT || can_timeout[me] || can_abort[me]);
#ifdef JOIN
  if
  :: r == R_ITEM -> q_task_done(me)
  :: else -> skip
  fi;
#endif
  finish(me)
}

proctype Producer(byte me) {
  int lk_c, seen;
  byte lpc, out, res, pc, r, n;
  bool timedout, failed, waited, pass;
  do
  :: n < NGET -> q_put(me, true); assert(r == R_ITEM); n++
  :: else -> break
  od;
#ifdef JOIN
  q_join(me);
  assert(r == R_ITEM && word[UNF] == 0);
#endif
  finish(me)
}

proctype Putter(byte me) {
  int lk_c, seen;
  byte lpc, out, res, pc, r;
  bool timedout, failed, waited, pass;
  q_put(me, !can_timeout[me] && !can_abort[me]);
  assert(r == R_ITEM || r == R_SHUT || can_timeout[me] || can_abort[me]);
  finish(me)
}

/* PUTTERS: gets while some plain putter has not put yet (then one item is sure to come). */
proctype Consumer(byte me) {
  int lk_c, seen;
  byte lpc, out, res, pc, r;
  bool timedout, failed, waited, pass;
  do
  :: plain_puts_left > 0 -> q_get(me); assert(r == R_ITEM)
  :: else -> break
  od;
  finish(me)
}

proctype Shutter(byte me) {
  int lk_c, seen;
  byte lpc, out, res, pc, r;
  q_shutdown(me);
  finish(me)
}

init {
  atomic {
    word[0] = 8;   /* the tag */
    plain_left = NPROC;
#ifdef GETTERS
#ifdef FAULTS
    can_timeout[0] = true; plain_left--;
    can_abort[1] = true; plain_left--;
#endif
#ifdef POLLER
    polls[1] = true;
#endif
#ifdef ABORT1
    can_abort[1] = true; plain_left--;  /* only getter 1's signal may fire; no deadlines */
#endif
#ifdef HELPER
    helped[1] = true;  /* getter 1's async waits go through a helper worker (no waitAsync) */
    run Helper();
#endif
    fx_n = 0;
    do
    :: fx_n < NGET -> run Getter(fx_n); fx_n++
    :: else -> break
    od;
    fx_n = 0;
    run Producer(NGET)
#endif
#ifdef PUTTERS
    word[MAXW] = 1; word[CNT] = 1; word[UNF] = 1; initial = 1;
    plain_puts_left = NPUT;
#ifdef FAULTS
    can_timeout[0] = true; plain_left--; plain_puts_left--;
    can_abort[1] = true; plain_left--; plain_puts_left--;
#endif
    fx_n = 0;
    do
    :: fx_n < NPUT -> run Putter(fx_n); fx_n++
    :: else -> break
    od;
    fx_n = 0;
    run Consumer(NPUT)
#endif
#ifdef SHUTDOWN
#ifdef FAULTS
    can_abort[0] = true; plain_left--;
#endif
#ifdef PUT_SIDE
    word[MAXW] = 1; word[CNT] = 1; word[UNF] = 1; initial = 1;
    run Putter(0); run Putter(1); run Shutter(2)
#else
    run Getter(0); run Getter(1); run Shutter(2)
#endif
#endif
  }
}

ltl done { <> done_plain }
