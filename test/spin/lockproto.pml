/*
 * lockproto.pml: the Lock protocol on a STATE word, shared by lock.pml and condition.pml.
 *
 * Mirrors src/lock.ts:
 *   77-81    `const STATE = 1;`                      the constants (checked by test/models.test.ts)
 *   171-181  `acquire(timeout?: number): boolean {`  fast path CAS 0 -> 1, else block(lockSteps)
 *   188-199  `async acquireAsync(`                   the same with later()
 *   250-263  `export function* lockSteps(`           CAS 0 -> 1; a newcomer that finds 3 sleeps on
 *                                                    (STATE, 3); else swap in 2 until the old value
 *                                                    is 0 or 3, sleeping on (STATE, 2)
 *   291-297  `outcome = yield sleep;`                an abort passes a HANDED lock on (3 -> 2, unlock)
 *   298-306  `if (outcome === 'timed-out')`          CAS 0 -> 2, else CAS 3 -> 2: taken; else leave
 *   346-357  `export function unlock(`               CAS 1 -> 0; from 2: hand off, or swap in 0, wake one
 *   365-374  `function handOff(`                     CAS 2 -> 3, wake one; nobody woken: CAS 3 -> 0, wake one
 * When a release hands off (FAIR_MS, FAIR_RELEASES) is a matter of time and counts, which the
 * model does not have: every contended release may hand off or not (both are explored). Nor does
 * it have the reset of the count when a thread takes a HANDED lock (thread-local, not shared).
 * Not modelled: the abandonment paths (lines 265-288, taken only inside weft Threads when a holder
 * may have died: a dead holder's lock is taken over; sleeps are cut into slices, which are spurious
 * wake-ups here; a waiter that gives up wakes another), HOLDER's plain store, and a release by a
 * thread that does not hold the lock (a HANDED lock released by another thread: swap in 0, wake).
 * Needs futex.pml, and in the calling proctype: int lk_c; byte lpc, out.
 *
 * Broken variants: -DBROKEN_HANDOFF_NO_TAKEBACK (a hand-off that woke nobody leaves the lock HANDED:
 * the newcomers that sleep on it are never woken, found as a deadlock); -DBROKEN_TAKE_HANDED_NO_SWAP
 * (the recipient takes a HANDED lock without writing 2: a second thread takes it too, found by an
 * assertion: a holder that finds its lock HANDED, or two threads in the critical section).
 */

#define UNLOCKED 0   /* weft: src/lock.ts UNLOCKED */
#define LOCKED 1     /* weft: src/lock.ts LOCKED */
#define CONTENDED 2  /* weft: src/lock.ts CONTENDED */
#define HANDED 3     /* weft: src/lock.ts HANDED */
#define LOCK_STATE 1 /* weft: src/lock.ts STATE */

/* results of an acquire */
#define GOT 1
#define NOT_GOT 2
#define ABORT 3

/* steps of lock_acquire (lpc) */
#define L_FAST 1     /* acquire() / acquireAsync(): CAS 0 -> 1 */
#define L_CAS 2      /* lockSteps: c = CAS 0 -> 1; 2: sleep on 2; 3: sleep on 3 (newcomer) */
#define L_XCHG1 3    /* c = swap in 2; 0 or 3: taken, else sleep on 2 */
#define L_SLEEP 4    /* yield (STATE, 2) */
#define L_ASLEEP 5
#define L_TIMEOUT 6  /* CAS 0 -> 2: taken; 3: L_TIMEOUT3 */
#define L_XCHG2 7    /* c = swap in 2; 0 or 3: taken; 2: sleep; 1: swap again */
#define L_SLEEP3 8   /* yield (STATE, 3): a newcomer leaves a HANDED lock to its recipient */
#define L_TIMEOUT3 9 /* CAS 3 -> 2: taken, else leave */
#define L_PASSON 10  /* aborted: CAS 3 -> 2, and if so release (pass the lock on) */

#ifdef BROKEN_TAKE_HANDED_NO_SWAP
#define TAKE_HANDED(lw) skip
#else
#define TAKE_HANDED(lw) word[lw] = CONTENDED
#endif

/*
 * lock_acquire(me, lw, fast, forever, res): take the lock whose STATE word is lw.
 * fast: start with the CAS of acquire() / acquireAsync(); forever: Sleep.forever (the re-take after
 * a condition wait ignores the deadline). res: GOT | NOT_GOT (timed out) | ABORT.
 */
inline lock_acquire(me, lw, fast, forever, res) {
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
       :: lk_c == UNLOCKED -> word[lw] = LOCKED; res = GOT; lpc = 0; lk_c = 0; break
       :: lk_c == CONTENDED -> lpc = L_SLEEP
       :: lk_c == HANDED -> lpc = L_SLEEP3
       :: else -> lpc = L_XCHG1
       fi;
       lk_c = 0 }
  :: atomic { lpc == L_XCHG1 ->
       lk_c = word[lw];
       if
       :: lk_c == HANDED -> TAKE_HANDED(lw)
       :: else -> word[lw] = CONTENDED
       fi;
       if
       :: lk_c == UNLOCKED || lk_c == HANDED -> res = GOT; lpc = 0; lk_c = 0; break
       :: else -> lpc = L_SLEEP
       fi;
       lk_c = 0 }
  :: atomic { (lpc == L_SLEEP || lpc == L_SLEEP3) ->
       if
       :: lpc == L_SLEEP -> futex_enter(me, lw, CONTENDED, forever)
       :: else -> futex_enter(me, lw, HANDED, forever)
       fi;
       if
       :: out == QUEUED -> lpc = L_ASLEEP
       :: out == TIMED_OUT -> lpc = L_TIMEOUT
       :: else -> lpc = L_XCHG2
       fi;
       out = 0 }
  :: atomic { lpc == L_ASLEEP && futex_may_leave(me, forever) ->
       futex_leave(me, lw, forever);
       if
       :: out == OK -> lpc = L_XCHG2
       :: out == TIMED_OUT -> lpc = L_TIMEOUT
       :: else -> lpc = L_PASSON
       fi;
       out = 0 }
  :: atomic { lpc == L_PASSON ->
       if
       :: word[lw] == HANDED -> word[lw] = CONTENDED; lpc = 0
       :: else -> res = ABORT; lpc = 0; break
       fi }
     /* the HANDED lock was ours to take: release it, then leave aborted */
     lock_release(lw);
     res = ABORT;
     break
  :: atomic { lpc == L_TIMEOUT ->
       if
       :: word[lw] == UNLOCKED -> word[lw] = CONTENDED; res = GOT; lpc = 0; break
       :: word[lw] == HANDED -> lpc = L_TIMEOUT3
       :: else -> res = NOT_GOT; lpc = 0; break
       fi }
  :: atomic { lpc == L_TIMEOUT3 ->
       if
       :: word[lw] == HANDED -> TAKE_HANDED(lw); res = GOT
       :: else -> res = NOT_GOT
       fi;
       lpc = 0;
       break }
  :: atomic { lpc == L_XCHG2 ->
       lk_c = word[lw];
       if
       :: lk_c == HANDED -> TAKE_HANDED(lw)
       :: else -> word[lw] = CONTENDED
       fi;
       if
       :: lk_c == UNLOCKED || lk_c == HANDED -> res = GOT; lpc = 0; lk_c = 0; break
       :: lk_c == CONTENDED -> lpc = L_SLEEP
       :: else -> lpc = L_XCHG1
       fi;
       lk_c = 0 }
  od
}

/*
 * lock_release(lw): unlock(); the holder calls it, so the old value is never UNLOCKED (nor HANDED:
 * a holder's STATE is 1 or 2). lk_c: 1 uncontended, 2 contended, 4 handed, 5 handed to nobody.
 */
inline lock_release(lw) {
  atomic {
    lk_c = word[lw];
    assert(lk_c == LOCKED || lk_c == CONTENDED);
    if
    :: lk_c == LOCKED -> word[lw] = UNLOCKED
    :: else -> skip
    fi };
  if
  :: lk_c == CONTENDED ->
     if
     :: atomic { word[lw] == CONTENDED -> word[lw] = HANDED; lk_c = 4 }   /* handOff(): time to */
     :: true -> skip                                                      /* not yet */
     fi
  :: else -> skip
  fi;
  if
  :: lk_c == CONTENDED ->
     atomic { lk_c = word[lw]; word[lw] = UNLOCKED; assert(lk_c != UNLOCKED) };
#ifndef BROKEN_RELEASE_NO_WAKE
     atomic { notify(lw, 1); lk_c = 0 }
#else
     lk_c = 0
#endif
  :: lk_c == 4 ->
     atomic {
       if
       :: len(fq[lw]) > 0 -> notify(lw, 1); lk_c = 0
       :: else -> lk_c = 5   /* the wake found nobody */
       fi }
  :: else -> lk_c = 0
  fi;
  if
  :: lk_c == 5 ->
#ifndef BROKEN_HANDOFF_NO_TAKEBACK
     atomic {
       if
       :: word[lw] == HANDED -> word[lw] = UNLOCKED; notify(lw, 1)
       :: else -> skip
       fi;
       lk_c = 0 }
#else
     lk_c = 0
#endif
  :: else -> skip
  fi
}
