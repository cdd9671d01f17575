/*
 * barrier.pml: Barrier (src/barrier.ts) over the wait/wake layer (futex.pml).
 *
 * Mirrors src/barrier.ts:
 *   5-62     `Layout: [TAG, STATE, PARTIES, ID_HI, ID_LO]`  the header's layout, protocol and
 *                                                      argument (the watch for dead parties too)
 *   82-98    `const STATE = 1;`                        the constants (checked by test/models.test.ts)
 *   219-226  `wait(timeout?: number): number {`       passBlocking (a poll: block(passSteps))
 *   233-252  `async waitAsync(`                        signal already aborted: break a FILLING pass,
 *                                                      reject; else later(passSteps)
 *   258-278  `reset(): void {`                         RESETTING (or FILLING GEN+1 if nobody inside)
 *   281-292  `abort(): void {`                         -> BROKEN
 *   312-338  `function enter(`                         CAS COUNT+1 (the last moves to ACTION), WATCH;
 *                                                      without an action the last opens GEN+1 at
 *                                                      once (-DNO_ACTION)
 *   346-376  `function complete(`                      the last arriver runs the action, opens GEN+1
 *   382-437  `function* passSteps(`                    enter; sleep in ACTION/RESETTING; the last
 *                                                      arriver completes; the others sleep until
 *                                                      GEN moves or the pass breaks
 *   446-508  `function passBlocking(`                  the same loop, blocking, without a generator;
 *                                                      its spin (once per wait, while GEN and PHASE
 *                                                      stay) reads only
 *                                                      (not modelled: a load that changes nothing)
 *   515-527  `function ended(`                         inside the pass: GEN moved (done), or broken or
 *                                                      resetting (leave, throw); else wait on
 *   543-545  `function watch(`                         -DDEATH: the watch for a dead party (WATCH,
 *                                                      slices, take-over: breakPass, leave for it)
 *   564-576  `function breakPass(`                     FILLING|ACTION -> BROKEN in the waiter's GEN
 *   579-592  `function leave(`                         COUNT -= 1; the last out of RESETTING reopens
 * Not modelled: the WHY bits of STATE (a label written by the CAS that breaks a pass, read only to
 * name the error: no transition depends on it).
 *
 * Scenarios: NWORKERS threads make WAITS waits each on a barrier of PARTIES (run.sh sets them):
 *   PARTIES 2, NWORKERS 4, WAITS 1: two passes; newcomers arrive while the first pass runs its action
 *     and sleep until it has opened the next;
 *   PARTIES 3, NWORKERS 3, WAITS 2: a fast thread enters pass 2 while the others still leave pass 1;
 *   -DFAULTS: thread 0's waits have a deadline, thread 1 is an async waiter whose signal may fire
 *     (or has fired before the call); -DPOLLER: thread 1's async waits poll;
 *   -DACTION_THROWS: the action (a step of the last arriver) may throw;
 *   -DNO_ACTION: a barrier without an action: the last arriver's entry CAS opens the next pass
 *     (GEN+1, FILLING) at once, with no ACTION phase (enter()), then it wakes everyone (complete());
 *   -DCONTROL: an extra thread calls abort() (or reset() with -DRESET) once, at any moment.
 * A thread that gets an error stops (it makes no further waits).
 *
 * Checked:
 *   - indexes: each returned index is < PARTIES and distinct within its pass (assert);
 *   - the action runs once per pass, before any of its waiters returns (assert);
 *   - every completed pass returns its index to all PARTIES of its waiters (an aborted waiter of a
 *     pass that had completed may instead reject with its signal's reason) (assert at the end);
 *   - a pass whose parties are all in (ACTION) is broken only by one of them: neither by a thread
 *     waiting for it to finish, nor by a waitAsync whose signal had already fired (assert in
 *     BP_CAS; the two bugs it found are fixed, see BROKEN_NEWCOMER_BREAKS, BROKEN_PREABORT_BREAKS);
 *   - no deadlock or lost wake-up: when no thread can move, every thread still asleep sleeps on the
 *     current STATE in a FILLING pass that lacks parties (a monitor asserts it; sleeping there is a
 *     valid end state, anything else is not);
 *   - liveness (scenarios without CONTROL): every thread without a deadline or signal ends, under
 *     weak fairness (ltl `done`).
 */

#ifndef PARTIES
#define PARTIES 2
#endif
#if defined(NO_ACTION) && (defined(DEATH) || defined(ACTION_THROWS))
#error "NO_ACTION models a barrier without an action: its last arriver records nothing and runs nothing"
#endif
#ifndef NWORKERS
#define NWORKERS 4
#endif
#ifndef WAITS
#define WAITS 1
#endif
#ifdef CONTROL
#define NPROC (NWORKERS + 1)
#else
#define NPROC NWORKERS
#endif
#define NWORDS 3   /* [TAG, STATE, PARTIES] (ID_HI, ID_LO: the registry is modelled apart) */
#define MAXGEN 6

#define BAR_STATE 1          /* weft: src/barrier.ts STATE */
#define BAR_PARTIES 2        /* weft: src/barrier.ts PARTIES */
#define COUNT_MASK 4095      /* weft: src/barrier.ts COUNT_MASK */
#define PHASE_SHIFT 12       /* weft: src/barrier.ts PHASE_SHIFT */
#define PHASE_MASK (3 << PHASE_SHIFT) /* weft: src/barrier.ts PHASE_MASK */
#define WATCH (1 << 17)      /* weft: src/barrier.ts WATCH */
#define GEN_SHIFT 18         /* weft: src/barrier.ts GEN_SHIFT */
#define FILLING 0            /* weft: src/barrier.ts FILLING */
#define ACTION (1 << PHASE_SHIFT)     /* weft: src/barrier.ts ACTION */
#define BROKEN (2 << PHASE_SHIFT)     /* weft: src/barrier.ts BROKEN */
#define RESETTING (3 << PHASE_SHIFT)  /* weft: src/barrier.ts RESETTING */

#define GEN(x) ((x) >> GEN_SHIFT)
#define NEXT_GEN(x) ((GEN(x) + 1) << GEN_SHIFT)
#define PHASE(x) ((x) & PHASE_MASK)
#define COUNT(x) ((x) & COUNT_MASK)

#include "futex.pml"

#define ST BAR_STATE

/* ghost */
byte idx_mask[MAXGEN];   /* indexes returned in each pass */
byte returned[MAXGEN];   /* waiters of each pass that returned an index */
byte late_abort[MAXGEN]; /* waiters of a completed pass that rejected with their signal's reason */
byte actions[MAXGEN];    /* actions run for each pass */
int sleptval[NPROC];     /* the STATE value each thread last slept on */
byte finished;
byte plain_left;
bool done_plain;

#ifdef DEATH
/*
 * -DDEATH: the watch for a party that dies inside wait (barrier.ts, "A party that dies inside
 * wait"). Thread 0 is a weft Thread: its entry CAS sets WATCH, then it wakes all if WATCH was not
 * set, then records itself in the registry of lives (rec, recgen); it may die at any step while it is
 * recorded (a terminated sleeper leaves its queue, as the engine removes it). The others are plain
 * parties that watch: a sleep on a STATE with WATCH has a slice (a timer of SLICE ms), which may end
 * at any moment; before it, one step decides the slice and takes over a dead party's record (its
 * CAS in the registry makes the take-over once), then breakPass and a leave on the dead's behalf.
 * -DBROKEN_NO_WATCH_WAKE: without that wake-up (a sleeper on an older STATE never watches);
 * -DBROKEN_RECORD_BEFORE_WAKE: recording before it (a death between the two strands that sleeper
 * with the death recorded, as a first version of the code did; the model found it).
 */
bool rec[NPROC];
byte recgen[NPROC];
bool dead[NPROC];
byte diedin[MAXGEN];  /* ghost: the pass thread 0 died inside (it never returns from it) */
/* sliced[NPROC] (its current sleep has a slice) is futex.pml's: a sliced sleep may end at any moment */
#define UNCLAIMED(g) (dead[0] && rec[0] && recgen[0] == (g))
#define UNREC if :: rec[me] -> rec[me] = false :: else -> skip fi
#define SLICE_ENDS (sliced[me] && inq[me])
#else
#define UNREC skip
#define SLICE_ENDS false
#endif

/* results */
#define R_NONE 255
#define R_BROKEN 254   /* BrokenBarrierError */
#define R_ABORT 253    /* the signal's reason */
#define R_ACTION 252   /* the action's error */
#define R_DEAD 251     /* the thread died (-DDEATH) */

/* steps of a waiter (bpc) */
#define B_LOAD 1      /* s = load (222, 244) */
#define B_ENTER 2     /* CAS s -> next (enter) */
#define B_ESLEEP 3    /* ACTION or RESETTING: yield (STATE, s) (240-241) */
#define B_EASLEEP 4
#define B_ACTION 5    /* the last arriver runs the action (complete) */
#define B_OPEN 6      /* CAS s -> GEN+1 | FILLING (complete) */
#define B_OPEN_WAKE 7 /* wake all (complete) */
#define B_LOOP 8      /* s = load, then ended() (passSteps, passBlocking) */
#define B_SLEEP 9     /* yield (STATE, s) (275-278) */
#define B_ASLEEP 10
#define BP_LOAD 11    /* breakPass: t = load */
#define BP_CAS 12     /* CAS t -> BROKEN (breakPass) */
#define BP_WAKE 13    /* wake all (breakPass) */
#define LV_LOAD 14    /* leave: t = load */
#define LV_CAS 15     /* CAS t -> next (leave) */
#define LV_WAKE 16    /* wake all (leave) */
#define B_THROW 17    /* done, with the error in result */
#define BP_DONE 18    /* breakPass has returned bres */
#define PA_CAS 19     /* waitAsync, signal already aborted: CAS FILLING -> BROKEN */
#define PA_WAKE 20    /* ... wake all */
#define B_RECORD 21   /* -DDEATH: record in the registry */
#define B_RWAKE 22    /* ... before it, wake all if WATCH was not set before the entry */
#define B_WATCH 23    /* ... before sleeping in the pass: slice?, take over a dead party's record */
#define B_EWATCH 24   /* ... the same before sleeping on a pass in ACTION or RESETTING */

/*
 * A thread still entering (sleeping while another pass runs its action or resets) that times out or
 * is aborted throws and leaves that pass alone (238-243). -DBROKEN_NEWCOMER_BREAKS restores the code
 * before commit fb7b43a, which called breakPass(GEN(s)) there: it broke a pass whose parties had
 * all arrived (the assert in BP_CAS finds it).
 */
#ifdef BROKEN_NEWCOMER_BREAKS
#define ENTER_GIVES_UP bgen = GEN(s); bret = AFTER_THROW; bpc = BP_LOAD
#else
#define ENTER_GIVES_UP bpc = B_THROW
#endif

/*
 * waitAsync with a signal that has already fired (151-164): break the pass it would join if that
 * pass is FILLING (a CAS loop that stops at any other phase), then reject. -DBROKEN_PREABORT_BREAKS
 * restores the code of 6662252, breakPass(GEN of the pass under way), which broke a pass in ACTION
 * (fixed in e3ea1e3).
 */
#ifdef BROKEN_PREABORT_BREAKS
#define PREABORT_START s = word[ST]; bgen = GEN(s); bret = AFTER_PREABORT; bpc = BP_LOAD; s = 0
#else
#define PREABORT_START \
  s = word[ST]; \
  if \
  :: PHASE(s) == FILLING -> bpc = PA_CAS \
  :: else -> s = 0; bpc = B_THROW \
  fi
#endif

/* what follows breakPass (bret) */
#define AFTER_THROW 1          /* only in BROKEN_NEWCOMER_BREAKS: throw */
#define AFTER_PREABORT 5       /* waitAsync with a signal already aborted (152-156): reject */
#define AFTER_LEAVE 2          /* the action threw (253-254) */
#define AFTER_LOOP 3           /* timed out in the pass (breakPass TIMEOUT) */
#define AFTER_LEAVE_IF_TRUE 4  /* aborted in the pass (passSteps) */
#define AFTER_TAKE 6           /* took over a dead party of its pass: leave on its behalf */
#define AFTER_ETAKE 7          /* ... of the pass it waits to finish: leave on its behalf, enter again */

/* the decision after reading s in the enter loop (225-237) */
inline enter_decide() {
  if
  :: PHASE(s) == BROKEN -> result = R_BROKEN; bpc = B_THROW
  :: PHASE(s) == FILLING ->
     index = COUNT(s);
     if
#ifdef NO_ACTION
     :: index + 1 == PARTIES -> next = NEXT_GEN(s) | FILLING   /* no action: open the next pass */
#else
     :: index + 1 == PARTIES -> next = (s & ~COUNT_MASK) | ACTION | PARTIES
#endif
     :: else -> next = s + 1
     fi;
#ifdef DEATH
     if
     :: me == 0 -> next = next | WATCH
     :: else -> skip
     fi;
#endif
     bpc = B_ENTER
#ifdef DEATH
  :: else -> bpc = B_EWATCH
#else
  :: else -> bpc = B_ESLEEP
#endif
  fi
}

/* the decision after reading s in the pass loop (268-275) */
inline loop_decide() {
  if
  :: GEN(s) != my ->
     assert(index < PARTIES && (idx_mask[my] & (1 << index)) == 0);
     assert(actions[my] == 1);
     idx_mask[my] = idx_mask[my] | (1 << index);
     returned[my]++;
     result = index;
     UNREC;
     bpc = 0
  :: GEN(s) == my && (PHASE(s) == BROKEN || PHASE(s) == RESETTING) ->
     UNREC;
     result = R_BROKEN; lpc_ret = B_THROW; bpc = LV_LOAD
#ifdef DEATH
  :: else -> bpc = B_WATCH
#else
  :: else -> bpc = B_SLEEP
#endif
  fi
}

/* breakPass(g): the decision after reading t (294-297) */
inline bp_decide() {
  if
  :: GEN(t) != bgen -> bres = false; bpc = BP_DONE   /* done: false */
  :: GEN(t) == bgen && (PHASE(t) == BROKEN || PHASE(t) == RESETTING) -> bres = true; bpc = BP_DONE
  :: else -> bpc = BP_CAS
  fi
}

/* after breakPass returns bres */
inline bp_return() {
  if
  :: bret == AFTER_THROW || bret == AFTER_PREABORT -> bpc = B_THROW
  :: bret == AFTER_LEAVE -> lpc_ret = B_THROW; bpc = LV_LOAD
  :: bret == AFTER_LOOP -> bpc = B_LOOP
  :: bret == AFTER_TAKE -> lpc_ret = B_LOOP; bpc = LV_LOAD
  :: bret == AFTER_ETAKE -> lpc_ret = B_LOAD; bpc = LV_LOAD
  :: bret == AFTER_LEAVE_IF_TRUE ->
     if
     :: bres -> lpc_ret = B_THROW; bpc = LV_LOAD
     :: else -> late_abort[my]++; bpc = B_THROW   /* the pass had completed: reject only */
     fi
  fi;
  bret = 0; bres = false; bgen = 0; t = 0
}

/* leave(my): the decision after reading t (309-313) */
inline lv_decide() {
  if
  :: GEN(t) != my -> bpc = lpc_ret
  :: else ->
     if
     :: PHASE(t) == RESETTING && COUNT(t) - 1 == 0 -> next = NEXT_GEN(t) | FILLING
     :: else -> next = (t & ~COUNT_MASK) | (COUNT(t) - 1)
     fi;
     bpc = LV_CAS
  fi
}

proctype Waiter(byte me) {
  int s, t, next;
  byte bpc, out, index, my, bgen, bret, lpc_ret, result, round, nextpc;
  bool wasw;
  bool bres;
  do
  :: round < WAITS ->
     result = R_NONE;
     bpc = B_LOAD;
     if
     :: can_abort[me] && !told[me] ->   /* waitAsync whose signal has already fired */
        atomic { told[me] = true; result = R_ABORT; PREABORT_START }
     :: true -> skip
     fi;
end_wait:
     do
     :: atomic { bpc == B_LOAD -> s = word[ST]; enter_decide() }
     :: atomic { bpc == B_ENTER ->
          if
          :: word[ST] == s ->
#ifdef DEATH
             wasw = ((s & WATCH) != 0);
#endif
             word[ST] = next; s = next; my = GEN(s); next = 0;
#ifdef DEATH
             if
             :: index + 1 == PARTIES -> nextpc = B_ACTION
             :: else -> nextpc = B_LOOP
             fi;
             if
#ifdef BROKEN_RECORD_BEFORE_WAKE
             :: me == 0 -> bpc = B_RECORD
#else
             :: me == 0 && !wasw -> bpc = B_RWAKE
             :: me == 0 && wasw -> bpc = B_RECORD
#endif
             :: else -> bpc = nextpc
             fi
#else
             if
#ifdef NO_ACTION
             :: index + 1 == PARTIES ->   /* the pass it completed is GEN(s) - 1 */
                my = my - 1;
                actions[my]++;   /* the empty action, "run" by the entry CAS */
                assert(index < PARTIES && (idx_mask[my] & (1 << index)) == 0);
                idx_mask[my] = idx_mask[my] | (1 << index);
                returned[my]++;
                result = index;
                bpc = B_OPEN_WAKE
#else
             :: index + 1 == PARTIES -> bpc = B_ACTION
#endif
             :: else -> bpc = B_LOOP
             fi
#endif
          :: else -> s = word[ST]; enter_decide()
          fi }
     :: atomic { bpc == B_ESLEEP ->
          futex_enter(me, ST, s, false);
          if
          :: out == QUEUED -> sleptval[me] = s; bpc = B_EASLEEP
          :: out == TIMED_OUT -> result = R_BROKEN; ENTER_GIVES_UP
          :: else -> bpc = B_LOAD
          fi;
          out = 0 }
     :: atomic { bpc == B_EASLEEP && (futex_may_leave(me, false) || SLICE_ENDS) ->
          if
          :: futex_may_leave(me, false) -> futex_leave(me, ST, false)
          :: SLICE_ENDS -> fq[ST]??eval(me); inq[me] = false; out = OK
          fi;
          sleptval[me] = 0;
          if
          :: out == OK -> bpc = B_LOAD
          :: out == TIMED_OUT -> result = R_BROKEN; ENTER_GIVES_UP
          :: else -> result = R_ABORT; ENTER_GIVES_UP
          fi;
          out = 0 }
     :: atomic { bpc == B_ACTION ->
          assert(actions[my] == 0);
          actions[my]++;
          UNREC;
#ifdef ACTION_THROWS
          if
          :: result = R_ACTION; bgen = my; bret = AFTER_LEAVE; bpc = BP_LOAD
          :: bpc = B_OPEN
          fi }
#else
          bpc = B_OPEN }
#endif
     :: atomic { bpc == B_OPEN ->
          if
          :: word[ST] == s ->
             word[ST] = NEXT_GEN(s) | FILLING;
             assert(index < PARTIES && (idx_mask[my] & (1 << index)) == 0);
             idx_mask[my] = idx_mask[my] | (1 << index);
             returned[my]++;
             result = index;
             bpc = B_OPEN_WAKE
          :: else -> result = R_BROKEN; lpc_ret = B_THROW; bpc = LV_LOAD   /* broken or reset meanwhile */
          fi }
     :: atomic { bpc == B_OPEN_WAKE -> notify(ST, ALL); bpc = 0 }
     :: atomic { bpc == B_LOOP -> s = word[ST]; loop_decide() }
     :: atomic { bpc == B_SLEEP ->
          futex_enter(me, ST, s, false);
          if
          :: out == QUEUED -> sleptval[me] = s; bpc = B_ASLEEP
          :: out == TIMED_OUT -> bgen = my; bret = AFTER_LOOP; bpc = BP_LOAD
          :: else -> bpc = B_LOOP
          fi;
          out = 0 }
     :: atomic { bpc == B_ASLEEP && (futex_may_leave(me, false) || SLICE_ENDS) ->
          if
          :: futex_may_leave(me, false) -> futex_leave(me, ST, false)
          :: SLICE_ENDS -> fq[ST]??eval(me); inq[me] = false; out = OK
          fi;
          sleptval[me] = 0;
          if
          :: out == OK -> bpc = B_LOOP
          :: out == TIMED_OUT -> bgen = my; bret = AFTER_LOOP; bpc = BP_LOAD
          :: else -> UNREC; result = R_ABORT; bgen = my; bret = AFTER_LEAVE_IF_TRUE; bpc = BP_LOAD
          fi;
          out = 0 }
     :: atomic { bpc == BP_LOAD -> t = word[ST]; bp_decide(); if :: bpc == BP_DONE -> bp_return() :: else -> skip fi }
     :: atomic { bpc == BP_CAS ->
          if
          :: word[ST] == t ->
             word[ST] = (t & ~PHASE_MASK) | BROKEN;
             /* a pass whose parties are all in (ACTION) is broken only by one of them */
             assert(PHASE(t) != ACTION || (bret != AFTER_THROW && bret != AFTER_PREABORT));
             bres = true; bpc = BP_WAKE
          :: else -> t = word[ST]; bp_decide(); if :: bpc == BP_DONE -> bp_return() :: else -> skip fi
          fi }
     :: atomic { bpc == BP_WAKE -> notify(ST, ALL); bp_return() }
     :: atomic { bpc == LV_LOAD -> t = word[ST]; lv_decide(); if :: bpc == lpc_ret -> t = 0 :: else -> skip fi }
     :: atomic { bpc == LV_CAS ->
          if
          :: word[ST] == t ->
             word[ST] = next;
             if
             :: next != ((t & ~COUNT_MASK) | (COUNT(t) - 1)) -> bpc = LV_WAKE
             :: else -> bpc = lpc_ret
             fi;
             t = 0; next = 0
          :: else -> t = word[ST]; lv_decide(); if :: bpc == lpc_ret -> t = 0 :: else -> skip fi
          fi }
     :: atomic { bpc == LV_WAKE -> notify(ST, ALL); bpc = lpc_ret }
     :: atomic { bpc == PA_CAS ->
          if
          :: word[ST] == s -> word[ST] = (s & ~PHASE_MASK) | BROKEN; s = 0; bpc = PA_WAKE
          :: else ->
             s = word[ST];
             if
             :: PHASE(s) == FILLING -> skip
             :: else -> s = 0; bpc = B_THROW
             fi
          fi }
     :: atomic { bpc == PA_WAKE -> notify(ST, ALL); bpc = B_THROW }
#ifdef DEATH
#ifdef BROKEN_RECORD_BEFORE_WAKE
     :: atomic { bpc == B_RECORD ->
          rec[me] = true; recgen[me] = my;
          if :: !wasw -> bpc = B_RWAKE :: else -> bpc = nextpc fi;
          wasw = false }
     :: atomic { bpc == B_RWAKE -> notify(ST, ALL); bpc = nextpc }
#else
     :: atomic { bpc == B_RECORD -> rec[me] = true; recgen[me] = my; wasw = false; bpc = nextpc }
     :: atomic { bpc == B_RWAKE ->
#ifndef BROKEN_NO_WATCH_WAKE
          notify(ST, ALL);
#endif
          bpc = B_RECORD }
#endif
     :: atomic { bpc == B_WATCH ->
          sliced[me] = ((s & WATCH) != 0);
          if
          :: sliced[me] && UNCLAIMED(my) -> rec[0] = false; bgen = my; bret = AFTER_TAKE; bpc = BP_LOAD
          :: else -> bpc = B_SLEEP
          fi }
     :: atomic { bpc == B_EWATCH ->
          sliced[me] = ((s & WATCH) != 0);
          if
          :: sliced[me] && UNCLAIMED(GEN(s)) ->
             rec[0] = false; my = GEN(s); bgen = my; bret = AFTER_ETAKE; bpc = BP_LOAD
          :: else -> bpc = B_ESLEEP
          fi }
     :: atomic { me == 0 && rec[me] && !dead[me] ->   /* thread 0 dies (terminated) */
          dead[me] = true;
          diedin[recgen[me]] = 1;
          if
          :: inq[me] -> fq[ST]??eval(me); inq[me] = false
          :: else -> skip
          fi;
          woken[me] = false; sliced[me] = false;
          result = R_DEAD; bpc = B_THROW }
#endif
     :: bpc == B_THROW -> break
     :: bpc == 0 -> break
     od;
     s = 0; index = 0; my = 0; lpc_ret = 0; bpc = 0;
     if
     :: result < PARTIES -> round++
     :: else -> round = WAITS   /* an error: this thread stops */
     fi
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

#ifdef CONTROL
proctype Control(byte me) {
  int s, next;
  byte cpc;
#ifdef RESET
  /* reset(): barrier.ts:257-277 */
  atomic { s = word[ST]; cpc = 1 };
  do
  :: atomic { cpc == 1 ->
       if
       :: PHASE(s) == RESETTING -> cpc = 0
       :: PHASE(s) == ACTION -> next = (s & ~(PHASE_MASK | COUNT_MASK)) | RESETTING | PARTIES
       :: PHASE(s) != RESETTING && PHASE(s) != ACTION && COUNT(s) == 0 -> next = NEXT_GEN(s) | FILLING
       :: PHASE(s) != RESETTING && PHASE(s) != ACTION && COUNT(s) != 0 -> next = (s & ~PHASE_MASK) | RESETTING
       fi;
       if
       :: cpc == 1 && next == s -> cpc = 0
       :: cpc == 1 && next != s ->
          if
          :: word[ST] == s -> word[ST] = next; cpc = 2
          :: else -> s = word[ST]
          fi
       :: else -> skip
       fi }
  :: atomic { cpc == 2 -> notify(ST, ALL); cpc = 0 }
  :: cpc == 0 -> break
  od
#else
  /* abort(): barrier.ts:280-291 */
  atomic { s = word[ST]; if :: PHASE(s) != BROKEN -> cpc = 1 :: else -> cpc = 0 fi };
  do
  :: atomic { cpc == 1 ->
       if
       :: word[ST] == s -> word[ST] = (s & ~PHASE_MASK) | BROKEN; cpc = 2
       :: else -> s = word[ST]; if :: PHASE(s) == BROKEN -> cpc = 0 :: else -> skip fi
       fi }
  :: atomic { cpc == 2 -> notify(ST, ALL); cpc = 0 }
  :: cpc == 0 -> break
  od
#endif
  ;
  finished++
}
#endif

/* When no thread can move: every sleeper sleeps on the current STATE, in a FILLING pass that lacks
   parties (it waits for threads that will never come), and the passes add up. */
proctype Monitor() {
  byte i;
end_monitor:
  atomic {
    timeout ->
    i = 0;
    do
    :: i < NPROC ->
       if
       :: inq[i] ->
          assert(sleptval[i] == word[ST]);
          assert(PHASE(word[ST]) == FILLING && COUNT(word[ST]) < PARTIES)
#ifdef DEATH
          ;
          /* nobody sleeps in a pass that a dead party is in and nobody has taken over */
          assert(!UNCLAIMED(GEN(word[ST])))
#endif
       :: else -> assert(!woken[i])
       fi;
       i++
    :: else -> break
    od;
    i = 0;
    do
    :: i < GEN(word[ST]) && i < MAXGEN ->
       /* a pass whose GEN moved on completed (or was reset: then nobody returned from it) */
#ifdef DEATH
       assert(returned[i] + late_abort[i] + diedin[i] == PARTIES || returned[i] == 0);
#else
       assert(returned[i] + late_abort[i] == PARTIES || returned[i] == 0);
#endif
       i++
    :: else -> break
    od
  }
}

init {
  atomic {
    word[0] = 7;  /* the tag */
    word[BAR_PARTIES] = PARTIES;
    plain_left = NWORKERS;
#ifdef FAULTS
    can_timeout[0] = true; plain_left--;
    can_abort[1] = true; plain_left--;
#endif
#ifdef DEATH
    plain_left--;   /* thread 0 may die */
#endif
#ifdef POLLER
    polls[1] = true;   /* thread 1's async waits poll (no Atomics.waitAsync, no helper worker) */
#endif
    fx_n = 0;
    do
    :: fx_n < NWORKERS -> run Waiter(fx_n); fx_n++
    :: else -> break
    od;
    fx_n = 0;
#ifdef CONTROL
    run Control(NWORKERS);
#endif
    run Monitor()
  }
}

ltl done { <> done_plain }
