/*
 * lockproto.pml: the Lock protocol on a STATE word, shared by lock.pml and condition.pml.
 *
 * Mirrors src/lock.ts:
 *   79-84    `const STATE = 1;`                      the constants (checked by test/models.test.ts)
 *   207-217  `acquire(timeout?: number): boolean {`  fast path CAS 0 -> 1 (no timeout given), else
 *   135-150  `function acquireSlow(`                 a timeout given: check it, CAS 0 -> 1; then
 *                                                    lockBlocking (a poll, or a thread that may not
 *                                                    block: block(lockSteps))
 *   225-236  `async acquireAsync(`                   the same with later(lockSteps)
 *   242-249  `release(): void {`                     CAS 1 -> 0 inline (unlock's first CAS, when no
 *                                                    holder is recorded), else unlock
 *   311-348  `function lockTurn(`                    one turn: take 0 (or 4 once it has slept) by CAS
 *                                                    -> 2; mark 1 -> 2 (2 -> 3 if starved); sleep
 *   361-364  `function whoAfter(`                    woken: starved or not (the clock: either, here)
 *   371-380  `function leave(`                       on timeout CAS 0 or 4 -> 2
 *   389-416  `export function* lockSteps(`           CAS 0 -> 1; lockTurn until taken, sleeping on
 *                                                    the value it saw; an abort passes a 4 on
 *   426-442  `export function lockBlocking(`         the same loop, blocking; its spin (spinFor) only
 *                                                    repeats the CAS 0 -> 1 (L_CAS, again)
 *   456-469  `export function unlock(`               1 -> 0; 2 or 4 -> 0, wake one; 3 -> 4, wake one,
 *                                                    and if that woke nobody, CAS 4 -> 0, wake one
 * Whether a woken waiter has waited STARVE_MS is the clock's to say: either, here, at most STARVES
 * times in a run (default: no limit, as lock.pml checks it). In run.sh the helper scenarios use 2
 * (safety) or 0, and condition.pml and queue.pml 0: their protocols over the lock are checked
 * without the hand-off, whose state space would not fit (it is checked in full by lock.pml).
 * A sleep on 4 has a slice (SLICE_HANDED): the thread may always come back from it (futex.pml
 * `sliced`), as from a timer; the other slices (abandonment) are not modelled.
 * Not modelled: the abandonment paths (lockTurn's look at HOLDER, taken only inside weft Threads
 * when a holder may have died: a dead holder's lock is taken over; sleeps are cut into slices,
 * which are spurious wake-ups here; a waiter that gives up wakes another) and HOLDER's plain store.
 * Broken variant (-DBROKEN_HANDOFF_PLAIN_TAKE): a woken waiter takes a hand-off with a load and a
 * store instead of a CAS: SPIN must find two threads in the critical section.
 * Needs futex.pml, and in the calling proctype: int lk_c; byte lpc, out.
 */

#define UNLOCKED 0   /* weft: src/lock.ts UNLOCKED */
#define LOCKED 1     /* weft: src/lock.ts LOCKED */
#define CONTENDED 2  /* weft: src/lock.ts CONTENDED */
#define STARVING 3   /* weft: src/lock.ts STARVING */
#define HANDED 4     /* weft: src/lock.ts HANDED */
#define LOCK_STATE 1 /* weft: src/lock.ts STATE */

/* who takes a turn (lock.ts NEW, WOKEN, STARVED), per thread */
#define W_NEW 0
#define W_WOKEN 1
#define W_STARVED 2
byte lk_who[NPROC];
#ifndef STARVES
#define STARVES 255   /* how many times, in a whole run, a woken waiter may count as starving */
#endif
byte starve_left = STARVES;

/* results of an acquire */
#define GOT 1
#define NOT_GOT 2
#define ABORT 3

/* steps of lock_acquire (lpc) */
#define L_FAST 1    /* acquire() / acquireAsync(): CAS 0 -> 1 */
#define L_CAS 2     /* lockSteps / lockBlocking (spinFor): CAS 0 -> 1 */
#define L_TURN 3    /* lockTurn: one CAS, on the value seen (lk_c) */
#define L_SLEEP 4   /* sleep on (STATE, lk_c) */
#define L_ASLEEP 5
#define L_TIMEOUT 6 /* leave(): CAS 0 or 4 -> 2 */
#define L_LOAD 7    /* after a sleep: lk_c = STATE, then lockTurn */
#define L_ABORT 8   /* lockSteps' catch: CAS 4 -> 2, and if so release it */
#define L_TAKE 9    /* BROKEN_HANDOFF_PLAIN_TAKE: the store after the load */
#define L_PASS 10   /* ... taken on the way out of an abort: release it (unlock) */

/*
 * lock_acquire(me, lw, fast, forever, res): take the lock whose STATE word is lw.
 * fast: start with the CAS of acquire() / acquireAsync(); forever: Sleep.forever (the re-take after
 * a condition wait ignores the deadline). res: GOT | NOT_GOT (timed out) | ABORT.
 */
inline lock_acquire(me, lw, fast, forever, res) {
  lk_who[me] = W_NEW;
  if
  :: fast -> lpc = L_FAST
  :: else -> lpc = L_CAS
  fi;
  do
  :: atomic { lpc == L_FAST ->
       if
       :: word[lw] == UNLOCKED -> word[lw] = LOCKED; res = GOT; lpc = 0; break
       :: else -> lpc = L_CAS
       fi }
  :: atomic { lpc == L_CAS ->
       lk_c = word[lw];
       if
       :: lk_c == UNLOCKED -> word[lw] = LOCKED; res = GOT; lpc = 0; lk_c = 0; lk_who[me] = 0; break
       :: else -> lpc = L_TURN
       fi }
  :: atomic { lpc == L_TURN ->
       if
#ifdef BROKEN_HANDOFF_PLAIN_TAKE
       :: lk_c == HANDED && lk_who[me] != W_NEW -> lpc = L_TAKE
       :: lk_c == UNLOCKED ->
#else
       :: lk_c == UNLOCKED || (lk_c == HANDED && lk_who[me] != W_NEW) ->
#endif
          if
          :: word[lw] == lk_c -> word[lw] = CONTENDED; res = GOT; lpc = 0; lk_c = 0; lk_who[me] = 0; break
          :: else -> lk_c = word[lw]
          fi
       :: lk_c == LOCKED || (lk_c == CONTENDED && lk_who[me] == W_STARVED) ->
          if
          :: word[lw] == lk_c && lk_who[me] == W_STARVED -> word[lw] = STARVING; lk_c = STARVING; lpc = L_SLEEP
          :: word[lw] == lk_c && lk_who[me] != W_STARVED -> word[lw] = CONTENDED; lk_c = CONTENDED; lpc = L_SLEEP
          :: else -> lk_c = word[lw]
          fi
       :: else -> lpc = L_SLEEP   /* 2, 3, or 4 handed to another: sleep on it */
       fi }
#ifdef BROKEN_HANDOFF_PLAIN_TAKE
  :: atomic { lpc == L_TAKE -> word[lw] = CONTENDED; res = GOT; lpc = 0; lk_c = 0; lk_who[me] = 0; break }
#endif
  :: atomic { lpc == L_SLEEP ->
       sliced[me] = (lk_c == HANDED);
       futex_enter(me, lw, lk_c, forever);
       if
       :: out == QUEUED -> lpc = L_ASLEEP
       :: out == TIMED_OUT -> sliced[me] = false; lpc = L_TIMEOUT
       :: else ->   /* not-equal: it did not sleep (whoAfter: a newcomer stays one) */
          sliced[me] = false;
          if
          :: lk_who[me] != W_NEW -> lk_who[me] = W_WOKEN
          :: lk_who[me] != W_NEW && starve_left > 0 -> lk_who[me] = W_STARVED; starve_left--
          :: lk_who[me] == W_NEW -> skip
          fi;
          lpc = L_LOAD
       fi;
       out = 0 }
  :: atomic { lpc == L_ASLEEP && futex_may_leave(me, forever) ->
       futex_leave(me, lw, forever);
       sliced[me] = false;
       if
       :: out == OK -> lpc = L_LOAD;
          if
          :: lk_who[me] = W_WOKEN
          :: starve_left > 0 -> lk_who[me] = W_STARVED; starve_left--
          fi
       :: out == TIMED_OUT -> lpc = L_TIMEOUT
       :: else -> lpc = L_ABORT
       fi;
       out = 0 }
  :: atomic { lpc == L_LOAD -> lk_c = word[lw]; lpc = L_TURN }
  :: atomic { lpc == L_TIMEOUT ->
       if
       :: word[lw] == UNLOCKED || word[lw] == HANDED -> word[lw] = CONTENDED; res = GOT
       :: else -> res = NOT_GOT
       fi;
       lpc = 0; lk_c = 0; lk_who[me] = 0;
       break }
  :: atomic { lpc == L_ABORT ->
       lk_c = word[lw];
       if
       :: lk_c == HANDED -> word[lw] = CONTENDED; lpc = L_PASS   /* taken: released, then rethrown */
       :: else -> lk_c = 0; lpc = 0; lk_who[me] = 0; res = ABORT; break
       fi }
  :: lpc == L_PASS -> lock_release(lw); lpc = 0; lk_who[me] = 0; res = ABORT; break
  od
}

/*
 * lock_release(lw): unlock(); the holder calls it, so the old value is never UNLOCKED. The CAS loop
 * is one step: a CAS that fails only reads the word again. lk_c keeps the old value.
 */
inline lock_release(lw) {
  atomic {
    lk_c = word[lw];
    assert(lk_c != UNLOCKED);
    if
    :: lk_c == STARVING -> word[lw] = HANDED
    :: else -> word[lw] = UNLOCKED
    fi
  };
  if
#ifndef BROKEN_RELEASE_NO_WAKE
  :: lk_c == CONTENDED || lk_c == HANDED -> atomic { notify(lw, 1); lk_c = 0 }
#endif
  :: lk_c == STARVING ->
     atomic {
       if
       :: len(fq[lw]) > 0 -> notify(lw, 1); lk_c = 0   /* woke one: it takes the hand-off */
       :: else -> skip                                  /* woke nobody: undo it below */
       fi };
     if
     :: lk_c == STARVING ->
        atomic {
          if
          :: word[lw] == HANDED -> word[lw] = UNLOCKED; lk_c = HANDED
          :: else -> lk_c = 0   /* a sleeper took it meanwhile */
          fi };
        if
        :: lk_c == HANDED -> atomic { notify(lw, 1); lk_c = 0 }
        :: else -> skip
        fi
     :: else -> skip
     fi
  :: else -> lk_c = 0
  fi
}
