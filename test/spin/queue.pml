/*
 * queue.pml: the wait/wake protocol of Queue (src/queue.ts) over the wait/wake layer (futex.pml),
 * its lock being the Lock protocol (lockproto.pml).
 *
 * Mirrors src/queue.ts:
 *   7-100    `Shape: Python's Lib/queue.py`       the design: one lock, three notification counters,
 *                                                 wake-ups in flight counted per condition
 *   320-346  `function wakeGetter(`              wakeGetter / wakePutters: one more while the count is
 *                                                 below the items (places) and the registered waiters
 *   440-469  `get(timeout?: number): T {`         lock; an item: take it; else ShutDown/Empty/wait
 *   514-532  `#takeLocked(waited: boolean)` COUNT -= 1; the count <= COUNT; wakePutters;
 *                                                 a getter that slept passes one on (#passOnGet)
 *   548-594  `*#getSteps(poll: boolean`           the getter's loop: register, read NE_SEQ, unlock,
 *                                                 sleep on (NE_SEQ, seen), re-lock (an abort is kept),
 *                                                 unregister; aborted: pass a wake-up on, reject
 *   597-606  `_putLocked(): void {`              the NF count <= places; wakeGetter (offer counted UNFINISHED)
 *   818-832  `#passOnPut(): void {`               a putter that slept, leaving, passes one on
 *   835-889  `*#putSteps(bytes: Uint8Array`       the putter's loop, on (NF_SEQ, seen)
 *   896-909  `taskDone(): void {`                 UNFINISHED -= 1; 0 and joiners: DONE_SEQ += 1, wake all
 *   944-979  `*#joinSteps(): Steps<boolean> {`   the joiner's loop, on (DONE_SEQ, seen)
 *   988-1012 `shutdown(immediate = false): void {` SHUT = 1; immediate: discard, count them done;
 *                                                 wake every getter and putter
 * Mirrors src/internal/queue-store.ts:
 *   7-37     `Control block (Int32 words`         the words (their values are checked below)
 * Not modelled: the storage (internal/queue-store.ts; sequential code under the lock), the bytes
 * bound (NB_WAITERS: a putter waiting for bytes; test/queue.test.ts covers it), the spin before the
 * first sleep (futex.pml: one of the interleavings), the lock's abandonment paths (lockproto.pml),
 * and a queue broken by a holder that stopped inside a storage change (DIRTY; its taker wakes every
 * waiter on all three counters as shutdown does, and each throws once it has the lock again, which
 * needs no new interleaving; test/faults.test.ts runs it).
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
 * registered (NE/NF/DONE_WAITERS = 0, or the stopped waiter of -DSTALL); no deadlock or lost wake-up: every plain call ends (safety:
 * no invalid end state; live: ltl `done` under weak fairness).
 * Wake-ups in flight (NE_WOKEN / NF_WOKEN, src/queue.ts header): a notifier wakes one more only
 * while the count is below both the items (free places) and the registered waiters, and raises it;
 * every waiter lowers it by one when it has re-taken the lock (C_UNREG); a take lowers it to the
 * items left, a put to the places left; a waiter that slept passes a wake-up on when it leaves
 * (after its item, or without one) if items (places) are left and a registered waiter has none,
 * whatever the count says about the items (a woken waiter that stays away must not hold them up). The pass-on decision is made in the step under
 * the lock that takes the item: nothing it reads changes before the unlock.
 * -DSTALL: waiter 0 may stop for good while it sleeps or once woken (a Worker terminated, an event
 * loop that never turns again): still registered, a notify may still pick it. GETTERS: 2 items
 * for the 2 getters; PUTTERS: a full Queue(2), the consumer frees 2 places. The other waiter must
 * still finish: a woken waiter that stays away holds up no later item (place).
 * -DHELPER -DABORT1: getter 1's async waits go through the helper worker of futex.pml (the wake-up
 * a withdrawn helper receives is passed on by the helper). -DPOLLER: getter 1's waits poll.
 * Pass-on: in this model (as with Atomics) a waiter that leaves by timeout was not counted by any
 * notify (it left the futex queue itself), so only an abort can use up a wake-up; the driver then
 * wakes every waiter of the word (futex.pml), and the count wakes one per item that has a taker,
 * so in these scenarios the protocol's own pass-on is a second guard: -DNO_PASS_ON (every pass-on
 * left out) passes. Where it matters is beside a waiter that stays away with more getters than
 * items (the getter woken for item 2 passes item 3's wake-up on although the count holds one for
 * it); that scenario is not a check here, since its last-item case (the only wake-up for the last
 * item went to the waiter that stays away) fails under any wake-one protocol (src/queue.ts header).
 * Broken variants, each must be found:
 *   BROKEN_ONE_IN_FLIGHT          (with -DSTALL) 0.2.1-0.2.4's single flag instead of the count: a
 *                                 notifier wakes only while no wake-up is in flight; getter 0 woken
 *                                 for the first item stops, and the second item never wakes getter 1;
 *   BROKEN_COUNT_KEPT             the count is never lowered (neither by a waiter back nor by a take):
 *                                 later puts believe their wake-ups are in flight;
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
#define Q_NE_WOKEN 24     /* weft: src/internal/queue-store.ts NE_WOKEN */
#define Q_NF_WOKEN 25     /* weft: src/internal/queue-store.ts NF_WOKEN */
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
#define NEWK Q_NE_WOKEN
#define NFWK Q_NF_WOKEN

/* wakeGetter's rule: an item and a registered getter that no wake-up in flight accounts for */
#ifdef BROKEN_ONE_IN_FLIGHT
#define GET_WAKE_OK (word[CNT] > 0 && word[NEW] > 0 && word[NEWK] == 0)
#else
#define GET_WAKE_OK (word[NEWK] < word[CNT] && word[NEWK] < word[NEW])
#endif
/* wakePutters' rule (bounded queues; the bytes waiters of an unbounded one are not modelled) */
#define PLACES (word[MAXW] - word[CNT])
#define PUT_WAKE_OK (word[NFW] > 0 && word[MAXW] > 0 && word[NFWK] < PLACES && word[NFWK] < word[NFW])
/* the pass-on's looser rules (#passOnGet / #passOnPut): whatever the count says about the items */
#define GET_PASS_OK (word[CNT] > 0 && word[NEWK] < word[NEW])
#define PUT_PASS_OK (word[NFW] > 0 && word[MAXW] > 0 && PLACES > 0 && word[NFWK] < word[NFW])

/* how a call ended */
#define R_ITEM 1    /* got or put an item; a join that returned true */
#define R_EMPTY 2   /* Empty / Full / join false: the deadline passed */
#define R_SHUT 3    /* ShutDown */
#define R_ABORT 4   /* the signal fired */
#define R_STALL 5   /* (STALL) woken, then its thread stopped: never came back */

byte in_cs;          /* ghost: threads holding the lock */
byte initial;        /* ghost: items in the queue at the start */
byte puts, gets;     /* ghost: items put and got */
byte discarded;      /* ghost: items discarded by shutdown(true) */
byte plain_puts_left;  /* ghost (PUTTERS): plain putters that have not put yet */
bool may_stall[NPROC]; /* STALL: this waiter may stop for good once woken (its thread ended or is busy) */
byte stalled;        /* ghost: waiters that stopped, still registered */
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
#define C_STALLED 13   /* (STALL) woken, then stopped for good */

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
  :: pc == C_ASLEEP && may_stall[me] -> pc = C_STALLED; break   /* stops asleep: a notify may still pick it */
  :: pc == C_RELOCK && may_stall[me] && !timedout && !failed -> pc = C_STALLED; break
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
#if !defined(BROKEN_COUNT_KEPT) && !defined(BROKEN_ONE_IN_FLIGHT)
             /* no more wake-ups in flight than items to find */
             if
             :: word[NEWK] > word[CNT] -> word[NEWK] = word[CNT]
             :: else -> skip
             fi;
#endif
#ifndef NO_PASS_ON
             /* #passOnGet, decided here: nothing it reads changes before the unlock */
             pass = waited && GET_PASS_OK;
             if
             :: pass -> word[NEWK]++
             :: else -> skip
             fi;
#endif
             if
             :: PUT_WAKE_OK -> word[NFWK]++; pc = C_WAKE_INC
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
     :: pc == C_STALLED -> atomic { stalled++; r = R_STALL }; break
     :: atomic { pc == C_UNREG ->
          word[NEW]--;
#if defined(BROKEN_ONE_IN_FLIGHT)
          word[NEWK] = 0;
#elif !defined(BROKEN_COUNT_KEPT)
          if
          :: word[NEWK] > 0 -> word[NEWK]--
          :: else -> skip
          fi;
#endif
          waited = true;
          if
          :: failed -> r = R_ABORT;
             if
#ifndef NO_PASS_ON
             :: GET_PASS_OK -> word[NEWK]++; pc = C_PASS_INC
#endif
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

/* #passOnPut (under the lock): a place and a putter that no wake-up in flight accounts for: wake one. */
inline put_pass_on() {
  if
#ifndef NO_PASS_ON
  :: PUT_PASS_OK -> word[NFWK]++; pc = C_PASS_INC
#endif
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
             /* no more wake-ups in flight than places to find */
             if
             :: word[MAXW] > 0 && word[NFWK] > PLACES -> word[NFWK] = PLACES
             :: else -> skip
             fi;
             /* #passOnPut after a put, decided here: nothing it reads changes before the unlock */
#ifdef NO_PASS_ON
             pass = false;
#else
             pass = waited && PUT_PASS_OK;
#endif
             if
             :: pass -> word[NFWK]++
             :: else -> skip
             fi;
             if
             :: GET_WAKE_OK -> word[NEWK]++; pc = C_WAKE_INC
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
     :: pc == C_STALLED -> atomic { stalled++; r = R_STALL }; break
     :: atomic { pc == C_UNREG ->
          word[NFW]--;
          if
          :: word[NFWK] > 0 -> word[NFWK]--
          :: else -> skip
          fi;
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
       word[CNT] = 0; word[NEWK] = 0
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
    :: !can_timeout[me] && !can_abort[me] && !may_stall[me] -> plain_left--; done_plain = (plain_left == 0)
    :: else -> skip
    fi;
    if
    :: finished == NPROC ->
       assert(word[NEW] + word[NFW] == stalled && word[DW] == 0 && word[LW] == UNLOCKED);
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
  assert(r == R_ITEM || r == R_SHUT || can_timeout[me] || can_abort[me] || may_stall[me]);
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
  q_put(me, !can_timeout[me] && !can_abort[me] && !may_stall[me]);
  assert(r == R_ITEM || r == R_SHUT || can_timeout[me] || can_abort[me] || may_stall[me]);
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
#ifdef STALL
    may_stall[0] = true; plain_left--;  /* getter 0 may stop for good once woken */
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
#ifdef STALL
    /* Queue(2), full; putter 0 may stop for good once woken */
    word[MAXW] = 2; word[CNT] = 2; word[UNF] = 2; initial = 2;
    plain_puts_left = NPUT - 1;
    may_stall[0] = true; plain_left--;
#else
    word[MAXW] = 1; word[CNT] = 1; word[UNF] = 1; initial = 1;
    plain_puts_left = NPUT;
#endif
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
