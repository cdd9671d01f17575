/*
 * lock.pml: Lock (src/lock.ts), a 3-state futex mutex (Drepper, "Futexes Are Tricky", mutex 2),
 * over the wait/wake layer (futex.pml).
 *
 * Mirrors src/lock.ts (lockproto.pml cites acquire, acquireAsync, lockSteps and unlock):
 *   1-18     `A Lock is mutual exclusion`  the header's protocol
 *
 * Threads: NPROC, each ROUNDS times: acquire, critical section, release.
 * With -DFAULTS thread 0 has a deadline (it may time out at every sleep) and thread 1 is an async
 * waiter whose signal may fire (once); the other threads wait without limit.
 *
 * Checked:
 *   - mutual exclusion: never two threads in the critical section (assert);
 *   - a release never finds the lock unlocked (assert in lock_release);
 *   - no deadlock or lost wake-up: every thread ends (no invalid end state, safety run);
 *   - liveness: every thread that waits without limit eventually finishes all its rounds, under
 *     weak fairness (ltl `done`, run with -a -f).
 * Broken variant (-DBROKEN_RELEASE_NO_WAKE): unlock swaps in 0 without waking; SPIN must find the
 * sleeper that is never woken. -DBROKEN_ABORT_NO_WAKE (with FAULTS): the layer's abort does not wake
 * the word's other sleepers, so an aborted waiter that had been chosen by a release swallows it.
 */

#ifndef NPROC
#define NPROC 3
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif
#define NWORDS 2   /* [TAG, STATE] */

#include "futex.pml"
#include "lockproto.pml"

byte in_cs;          /* threads inside the critical section */
byte finished;       /* threads that completed all rounds */
bool done_plain;     /* every thread without a deadline or a signal has finished */
byte plain_left;

proctype Thread(byte me) {
  int lk_c;
  byte lpc, out, res, round;
  do
  :: round < ROUNDS ->
     lock_acquire(me, LOCK_STATE, true, false, res);
     if
     :: res == GOT ->
        atomic { in_cs++; assert(in_cs == 1) };
        in_cs--;
        lock_release(LOCK_STATE)
     :: else -> skip
     fi;
     res = 0;
     round++
  :: else -> break
  od;
  atomic {
    finished++;
    if
    :: !can_timeout[me] && !can_abort[me] -> plain_left--; done_plain = (plain_left == 0)
    :: else -> skip
    fi
  }
}

init {
  byte i;
  atomic {
    word[0] = 1;  /* the tag, never touched */
    plain_left = NPROC;
#ifdef FAULTS
    can_timeout[0] = true; plain_left--;
    can_abort[1] = true; plain_left--;
#endif
#ifdef POLLER
    polls[1] = true;   /* thread 1's async waits poll (no Atomics.waitAsync, no helper worker) */
#endif
    i = 0;
    do
    :: i < NPROC -> run Thread(i); i++
    :: else -> break
    od
  }
}

ltl done { <> done_plain }
