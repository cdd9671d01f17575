/*
 * event.pml: Event (src/event.ts) over the wait/wake layer (futex.pml).
 *
 * Mirrors src/event.ts:
 *   5-30     `Layout: [TAG, STATE]`              the header's layout and protocol
 *   46-50    `const STATE = 1;`                  the constants (below, checked by test/models.test.ts)
 *   58       `let lastSet = 0;`                  set()'s guess: what this thread's last set() wrote
 *   119-136  `set(): void {`                     CAS in (generation + 1) | SET, SLEEPERS cleared,
 *                                                the first CAS expecting lastSet with SET cleared;
 *                                                if SLEEPERS was on, wake all
 *   139-141  `clear(): void {`                   AND away SET
 *   157-171  `wait(timeout?: number): boolean {` load s0; SET -> true; spin while STATE = s0 (a set
 *                                                seen there returns true); else waitBlocking
 *   189-201  `waitAsync(timeout?: number`        load s0; SET -> true; else later(waitSteps)
 *   210-212  `function setSince(`                SET on, or another generation
 *   218-226  `function sleepValue(`              turn SLEEPERS on (CAS); the value to sleep on, or
 *                                                none once the generation moved or SET is on
 *   229-236  `function* waitSteps(`              sleep on (STATE, sleepValue) until there is none
 *   243-248  `function waitBlocking(`            the same loop, blocking, without a generator
 *
 * Threads: NWAITERS waiters (each waits once) and one setter that does set(); clear(); set().
 * A blocking waiter may spin first (spinWhile) or not (a poll, or configure({ spin: 0 })).
 * With -DFAULTS waiter 0 has a deadline and waiter 1 is an async waiter whose signal may fire;
 * with -DPOLLER waiter 1's async waits poll.
 *
 * Checked:
 *   - a waiter returns true only if the flag was set when it looked or a set() came after (assert);
 *   - a waiter returns false only if no set() came after it first looked: every set() is seen by
 *     every waiter that was waiting, even one that then timed out, even if clear() ran (assert);
 *   - no deadlock or lost wake-up: every waiter ends (the last set() leaves the flag on);
 *   - liveness: every waiter without a deadline or signal returns, under weak fairness (ltl `done`).
 * Broken variant (-DBROKEN_WAIT_NO_SLEEPERS): the waiter sleeps without turning SLEEPERS on, so set()
 * skips the wake; SPIN must find the sleeper left behind.
 */

#ifndef NWAITERS
#define NWAITERS 3
#endif
#define NPROC (NWAITERS + 1)
#define NWORDS 2   /* [TAG, STATE] */

#define EV_STATE 1         /* weft: src/event.ts STATE */
#define EV_SET 1           /* weft: src/event.ts SET */
#define EV_SLEEPERS 2      /* weft: src/event.ts SLEEPERS */
#define EV_FLAGS (EV_SET | EV_SLEEPERS) /* weft: src/event.ts FLAGS */
#define EV_ONE_GENERATION 4 /* weft: src/event.ts ONE_GENERATION */

#include "futex.pml"

byte sets;          /* ghost: set() calls that raised the flag */
byte plain_left;    /* waiters without a deadline or signal that have not returned */
bool done_plain;

/* steps of a waiter (epc) */
#define E_LOAD 1    /* wait(): s0 = load (event.ts:161, 195) */
#define E_CAS 2     /* CAS s -> s | SLEEPERS (184) */
#define E_SLEEP 3   /* yield (STATE, s) (191-192) */
#define E_ASLEEP 4
#define E_TIMEOUT 5 /* s = load; the result (193-194) */
#define E_RELOAD 6  /* s = load (196) */
#define E_SPIN 7    /* wait(): spinWhile(STATE, s0): a load that finds STATE changed, or not (132) */
#define E_SPIN2 8   /* ... changed: setSince(load, s0) -> true, else waitSteps from s0 (132) */

/* the top of waitSteps' loop (182-183), on the local s: returns, or picks the next step */
inline ev_top() {
  if
  :: (s & ~EV_FLAGS) != generation || (s & EV_SET) != 0 -> r = true; epc = 0
  :: else ->
     if
#ifndef BROKEN_WAIT_NO_SLEEPERS
     :: (s & EV_SLEEPERS) == 0 -> epc = E_CAS
#endif
     :: else -> epc = E_SLEEP
     fi
  fi
}

/* a waiter returns r (or was aborted): check it */
inline ev_return() {
  assert(!r || flagged || sets > sets0);   /* true only if set then, or set since */
  if
  :: !can_timeout[me] && !can_abort[me] -> assert(r); plain_left--; done_plain = (plain_left == 0)
  :: else -> skip
  fi
}

proctype Waiter(byte me) {
  int s, generation;
  byte epc, out, sets0;
  bool r, flagged;
  epc = E_LOAD;
  do
  :: atomic { epc == E_LOAD ->
       s = word[EV_STATE]; sets0 = sets; flagged = ((s & EV_SET) != 0);
       if
       :: flagged -> r = true; epc = 0
       :: else ->
          generation = s & ~EV_FLAGS;
          if
          :: !can_abort[me] && !polls[me] -> epc = E_SPIN   /* wait() with a timeout > 0 spins first */
          :: true -> ev_top()   /* waitAsync, a poll, or configure({ spin: 0 }) */
          fi
       fi;
       if
       :: epc == 0 -> ev_return(); break
       :: else -> skip
       fi }
  :: atomic { epc == E_SPIN ->
       if
       :: word[EV_STATE] != s -> epc = E_SPIN2
       :: else -> ev_top()
       fi }
  :: atomic { epc == E_SPIN2 ->
       if
       :: (word[EV_STATE] & EV_SET) != 0 || (word[EV_STATE] & ~EV_FLAGS) != generation ->
          r = true; ev_return(); break
       :: else -> ev_top()   /* waitSteps(s0): s is still s0 */
       fi }
  :: atomic { epc == E_CAS ->
       if
       :: word[EV_STATE] == s -> word[EV_STATE] = s | EV_SLEEPERS; s = s | EV_SLEEPERS; epc = E_SLEEP
       :: else -> s = word[EV_STATE]; ev_top()
       fi;
       if
       :: epc == 0 -> ev_return(); break
       :: else -> skip
       fi }
  :: atomic { epc == E_SLEEP ->
       futex_enter(me, EV_STATE, s, false);
       if
       :: out == QUEUED -> epc = E_ASLEEP
       :: out == TIMED_OUT -> epc = E_TIMEOUT
       :: else -> epc = E_RELOAD
       fi;
       out = 0 }
  :: atomic { epc == E_ASLEEP && futex_may_leave(me, false) ->
       futex_leave(me, EV_STATE, false);
       if
       :: out == OK -> epc = E_RELOAD
       :: out == TIMED_OUT -> epc = E_TIMEOUT
       :: else -> r = false; ev_return(); break   /* aborted: waitSteps has nothing to undo */
       fi;
       out = 0 }
  :: atomic { epc == E_TIMEOUT ->
       s = word[EV_STATE];
       r = ((s & ~EV_FLAGS) != generation || (s & EV_SET) != 0);
       assert(r || sets == sets0);   /* false only if no set() came since it first looked */
       ev_return();
       break }
  :: atomic { epc == E_RELOAD ->
       s = word[EV_STATE]; ev_top();
       if
       :: epc == 0 -> ev_return(); break
       :: else -> skip
       fi }
  od
}

/* set(): event.ts:119-136 */
inline ev_set() {
  /* the first CAS expects a guess, not a loaded value: what this thread's last set() wrote, SET
     cleared (lastSet); a failed CAS reads the word as the load before it did */
  s = last & ~EV_SET; spc = 1;
  do
  :: atomic { spc == 1 ->
       seen = word[EV_STATE];
       if
       :: seen == s ->
          word[EV_STATE] = ((s & ~EV_FLAGS) + EV_ONE_GENERATION) | EV_SET; sets++;
          last = word[EV_STATE];
          if
          :: (s & EV_SLEEPERS) != 0 -> spc = 2
          :: else -> spc = 0
          fi
       :: else ->
          s = seen;
          if
          :: (s & EV_SET) == 0 -> spc = 1
          :: else -> spc = 0
          fi
       fi;
       seen = 0 }
  :: atomic { spc == 2 -> notify(EV_STATE, ALL); spc = 0 }
  :: spc == 0 -> s = 0; break
  od
}

/* clear(): event.ts:139-141 */
inline ev_clear() {
  atomic { word[EV_STATE] = word[EV_STATE] & ~EV_SET }
}

proctype Setter() {
  int s, seen, last;
  byte spc;
  ev_set();
  ev_clear();
  ev_set()
}

init {
  byte i;
  atomic {
    word[0] = 1;  /* the tag */
    plain_left = NWAITERS;
#ifdef FAULTS
    can_timeout[0] = true; plain_left--;
    can_abort[1] = true; plain_left--;
#endif
#ifdef POLLER
    polls[1] = true;   /* thread 1's async waits poll (no Atomics.waitAsync, no helper worker) */
#endif
    i = 0;
    do
    :: i < NWAITERS -> run Waiter(i); i++
    :: else -> break
    od;
    run Setter()
  }
}

ltl done { <> done_plain }
