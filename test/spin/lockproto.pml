/*
 * lockproto.pml: the Lock protocol on a STATE word, shared by lock.pml and condition.pml.
 *
 * Mirrors src/lock.ts:
 *   60-63    `const STATE = 1;`                      the constants (checked by test/models.test.ts)
 *   156-170  `acquire(timeout?: number): boolean {`  fast path CAS 0 -> 1, else lockBlocking (a poll,
 *                                                    or a thread that may not block: block(lockSteps))
 *   178-189  `async acquireAsync(`                   the same with later(lockSteps)
 *   246-272  `function lockTurn(`                    one turn: swap in 2 unless there; 0: taken
 *   279-283  `function leave(`                       on timeout CAS 0 -> 2
 *   292-306  `export function* lockSteps(`           CAS 0 -> 1; lockTurn until the old value is 0,
 *                                                    sleeping on (STATE, 2)
 *   316-332  `export function lockBlocking(`         the same loop, blocking; its spin (spinFor) only
 *                                                    repeats the CAS 0 -> 1 (L_CAS, again)
 *   342-347  `export function unlock(`               swap in 0; if the old value was 2, wake one
 * Not modelled: the abandonment paths (lockTurn's look at HOLDER, taken only inside weft Threads
 * when a holder may have died: a dead holder's lock is taken over; sleeps are cut into slices,
 * which are spurious wake-ups here; a waiter that gives up wakes another) and HOLDER's plain store.
 * Needs futex.pml, and in the calling proctype: int lk_c; byte lpc, out.
 */

#define UNLOCKED 0   /* weft: src/lock.ts UNLOCKED */
#define LOCKED 1     /* weft: src/lock.ts LOCKED */
#define CONTENDED 2  /* weft: src/lock.ts CONTENDED */
#define LOCK_STATE 1 /* weft: src/lock.ts STATE */

/* results of an acquire */
#define GOT 1
#define NOT_GOT 2
#define ABORT 3

/* steps of lock_acquire (lpc) */
#define L_FAST 1    /* acquire() / acquireAsync(): CAS 0 -> 1 (lock.ts:135, 155) */
#define L_CAS 2     /* lockSteps: c = CAS 0 -> 1 (213) */
#define L_XCHG1 3   /* c = swap in 2; 0: taken, else sleep (218-219) */
#define L_SLEEP 4   /* yield (STATE, 2) (245) */
#define L_ASLEEP 5
#define L_TIMEOUT 6 /* CAS 0 -> 2 (246) */
#define L_XCHG2 7   /* c = swap in 2; 0: taken; 2: sleep; 1: swap again (251-252, 217) */

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
       :: else -> lpc = L_XCHG1
       fi;
       lk_c = 0 }
  :: atomic { lpc == L_XCHG1 ->
       lk_c = word[lw]; word[lw] = CONTENDED;
       if
       :: lk_c == UNLOCKED -> res = GOT; lpc = 0; lk_c = 0; break
       :: else -> lpc = L_SLEEP
       fi;
       lk_c = 0 }
  :: atomic { lpc == L_SLEEP ->
       futex_enter(me, lw, CONTENDED, forever);
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
       :: else -> res = ABORT; lpc = 0; out = 0; break   /* lockSteps has no finally */
       fi;
       out = 0 }
  :: atomic { lpc == L_TIMEOUT ->
       if
       :: word[lw] == UNLOCKED -> word[lw] = CONTENDED; res = GOT
       :: else -> res = NOT_GOT
       fi;
       lpc = 0;
       break }
  :: atomic { lpc == L_XCHG2 ->
       lk_c = word[lw]; word[lw] = CONTENDED;
       if
       :: lk_c == UNLOCKED -> res = GOT; lpc = 0; lk_c = 0; break
       :: lk_c == CONTENDED -> lpc = L_SLEEP
       :: else -> lpc = L_XCHG1
       fi;
       lk_c = 0 }
  od
}

/* lock_release(lw): unlock(); the holder calls it, so the old value is never UNLOCKED. */
inline lock_release(lw) {
  atomic { lk_c = word[lw]; word[lw] = UNLOCKED; assert(lk_c != UNLOCKED) };
  if
#ifndef BROKEN_RELEASE_NO_WAKE
  :: lk_c == CONTENDED -> atomic { notify(lw, 1); lk_c = 0 }
#endif
  :: else -> lk_c = 0
  fi
}
