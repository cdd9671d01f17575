/*
 * futex.pml: the wait/wake layer, src/internal/futex.ts, as the protocols see it.
 *
 * Mirrors src/internal/futex.ts:
 *   21-35    `Outcomes. 'not-equal'`        outcomes; why no wake-up is lost; aborts
 *   185-198  `export function block<T>(`    drives a protocol, blocking; spins before the first sleep
 *   208-216  `export function spinWhile(`   the same spin, run by a primitive before its protocol
 *                                           (on some bits of the word: a Barrier's)
 *   241-244  `function sleep(`              a protocol's sleep request, through sleepOn
 *   253-276  `export function sleepOn(`    spin, deadline check, Atomics.wait, early timeout -> 'ok'
 *   341-428  `export function later<T>(`    Atomics.waitAsync; an abort withdraws a fallback's request,
 *                                           then wakes every waiter of the word, then the protocol is
 *                                           told by a throw (once); once told, and for a `forever`
 *                                           sleep, no deadline
 *   437-439  `export function wake(`        Atomics.notify(word, count); returns how many it woke
 *
 * Mirrors src/internal/fallback.ts:
 *   28-66    `The helper. One request`      the helper's protocol, CONTROL, and the argument
 *   109-113  `const IDLE = 0;`              the constants (checked by test/models.test.ts)
 *   116-138  `const HELPER_SOURCE`          the helper: check CONTROL, Atomics.wait, CAS, pass on
 *   259-305  `export function helperWaitAsync(` ask (CONTROL = ASKED), the interim poll and its
 *                                           withdrawal, withdraw() for later()
 *   318-340  `export function pollWaitAsync(` the last-resort fallback: polling, in no queue
 *
 * One sleep request "sleep while word[w] == v" is two steps of the thread:
 *   futex_enter  the deadline may already have passed (sleep() returns 'timed-out' before comparing);
 *                else one atomic step compares word[w] with v: different -> NOT_EQUAL, equal -> the
 *                thread is queued on w (Atomics.wait / waitAsync compare and enqueue atomically).
 *   futex_leave  enabled once the thread may go on (futex_may_leave): OK once a notify dequeued it
 *                (woken[me]); OK spuriously (an engine timer firing early; the driver reports it as
 *                'ok'); TIMED_OUT (it leaves the queue itself, so no notify counts it); ABORTED
 *                (an async waiter's signal fired: the layer notifies every waiter of w, then the
 *                protocol's catch/finally runs; once per wait, and no deadline after it).
 * notify(w, n) dequeues up to n sleepers of w, oldest first (Atomics.notify's FIFO order), in one step.
 * A sleep with a slice (sliced[me], set by the protocol: Lock's sleep on a hand-off) may always
 * come back 'ok', as a timer does, without using up a spurious wake-up.
 *
 * Polling (polls[me], -DPOLLER in the models): where an engine lacks Atomics.waitAsync and no helper
 * worker can be made, later() polls (futex.ts `function pollWaitAsync(`): the waiter is in no queue,
 * no notify counts it, and it goes on only when one of its timer ticks finds the word changed. The
 * model lets it go on at any moment the word differs from v, so a change undone before it looks
 * (A -> B -> A) may be missed, as the code's comment says.
 *
 * The helper (helped[me], -DHELPER in the models): an async waiter on an engine without
 * Atomics.waitAsync sleeps through a helper worker, modelled as a process of its own (Helper, id
 * HELPER_ID, one worker), with its own place in the word's queue. futex_enter posts a request
 * (CONTROL = ASKED) if the helper is free, else polls (the code makes another helper or, past
 * MAX_HELPERS, polls). The helper may start at any moment (late start); until the wait settles it
 * also polls (the interim poll; the model lets every helper wait poll, a superset of the code,
 * which polls only while a new helper starts). The wait settles by the helper's answer (delivered
 * in a step of its own, as a message), by the poll (which first withdraws: CAS ASKED -> WITHDRAWN;
 * if the helper owns the outcome the wait waits for its answer instead), or by an abort (which
 * withdraws, then notifies every waiter of the word). The helper: reads CONTROL (WITHDRAWN: no
 * wait), then compares and enqueues in a second step (the window), sleeps until a notify, then
 * CAS ASKED -> ANSWERED and, if that failed after a wake-up, notify(word, 1): the wake-up passed on.
 * Broken variants: -DBROKEN_HELPER_AS_BEFORE (no CONTROL: the layer of issue 9, finding 1),
 * -DBROKEN_HELPER_NO_PASS_ON (the check before the wait, but no pass-on: the window loses one).
 * -DHELPER_NO_CHECK drops only the check: the pass-on alone must still verify.
 *
 * The spin before the first sleep (futex.ts sleepOn, 236-241) is a run of loads that returns 'not-equal' if
 * the word differs; every weft protocol treats 'not-equal' and 'ok' alike, so the spin is one of the
 * interleavings of futex_enter and needs no state of its own.
 *
 * Each model is written as one atomic step per shared-memory operation (an Atomics call), with the
 * thread's local computation folded into the step: `do :: atomic { pc == X -> ... } ... od`. All
 * Atomics operations are sequentially consistent, so the interleavings of these steps are all the
 * executions there are.
 *
 * What a thread may do is set per thread by the model: can_timeout[me] (it has a deadline),
 * can_abort[me] (an async wait with a signal). Spurious wake-ups: any sleeper may have one, at most
 * SPURIOUS (default 2) in a whole run. They are bounded on purpose: a wake-up that may always happen
 * would, under weak fairness, be a wake-up that always comes, and would hide every lost wake-up.
 */

#define NOT_EQUAL 0
#define OK 1
#define TIMED_OUT 2
#define ABORTED 3
#define QUEUED 4

#ifndef SPURIOUS
#define SPURIOUS 2
#endif

#ifdef HELPER
#define HELPER_ID NPROC                  /* the helper's place among the sleepers */
#define NSLEEP (NPROC + 1)
#else
#define NSLEEP NPROC
#endif

int word[NWORDS];                        /* the shared Int32Array */
chan fq[NWORDS] = [NSLEEP] of { byte };  /* each word's queue of sleepers, oldest first */
bool woken[NSLEEP];                      /* dequeued by a notify, not yet resumed */
bool inq[NSLEEP];                        /* queued (a thread sleeps on one word at a time) */
bool can_timeout[NPROC];
bool can_abort[NPROC];
bool sliced[NPROC];                      /* its sleep has a slice: it may always come back ('ok') */
bool told[NPROC];                        /* the protocol has been told of the abort */
byte spur_left = SPURIOUS;               /* spurious wake-ups left, all threads together */
byte fx_n, fx_who;                       /* scratch of notify, only inside an atomic step; zeroed */
bool polls[NPROC];                       /* its async waits poll (pollWaitAsync, the last resort) */
bool polling[NPROC];                     /* ... and it is polling now, for word[pollw] != pollv */
byte pollw[NPROC];
int pollv[NPROC];

#define ALL NSLEEP

/* The helper fallback (fallback.ts): CONTROL's values, and the helper's and the waits' state. */
#define H_IDLE 0      /* weft: src/internal/fallback.ts IDLE */
#define H_ASKED 1     /* weft: src/internal/fallback.ts ASKED */
#define H_ANSWERED 2  /* weft: src/internal/fallback.ts ANSWERED */
#define H_WITHDRAWN 3 /* weft: src/internal/fallback.ts WITHDRAWN */
#define H_NONE 5      /* the helper's outcome when it did not wait ('withdrawn') */
bool helped[NPROC];   /* its async waits go through the helper */
#ifdef HELPER
byte h_ctl;           /* CONTROL */
bool h_busy;          /* a request asked, its answer not yet delivered (the helper is not idle) */
bool h_req;           /* the request posted, not yet taken by the helper */
byte h_w;             /* the request: sleep while word[h_w] == h_v */
int h_v;
byte h_owner;         /* the thread whose wait asked */
byte h_out;           /* the helper's outcome, then in flight to h_owner */
bool h_inflight;      /* answer posted, not yet delivered */
bool h_pending[NPROC]; /* the thread's wait is pending on the helper (not settled, not withdrawn) */
bool h_has[NPROC];     /* the helper's answer was delivered to the thread's pending wait */
#define h_free (!h_busy)
#else
#define h_free false
bool h_pending[NPROC];
bool h_has[NPROC];
#endif

/* notify(w, n): wake up to n sleepers of word w, oldest first. Inside an atomic step. */
inline notify(w, n) {
  fx_n = n;
  do
  :: fx_n > 0 && len(fq[w]) > 0 -> fq[w]?fx_who; woken[fx_who] = true; inq[fx_who] = false; fx_n--
  :: else -> break
  od;
  fx_n = 0;
  fx_who = 0
}

/* futex_enter: the compare-and-enqueue step; sets out to TIMED_OUT, NOT_EQUAL or QUEUED. */
inline futex_enter(me, w, v, forever) {
  if
  :: can_timeout[me] && !told[me] && !forever -> out = TIMED_OUT
  :: word[w] != v -> out = NOT_EQUAL
  :: word[w] == v && !polls[me] && !helped[me] -> woken[me] = false; fq[w]!me; inq[me] = true; out = QUEUED
  :: word[w] == v && (polls[me] || (helped[me] && !h_free)) ->
     polling[me] = true; pollw[me] = w; pollv[me] = v; out = QUEUED
#ifdef HELPER
  :: word[w] == v && helped[me] && h_free ->
     /* helperWaitAsync: CONTROL = ASKED, post the request; poll meanwhile */
     h_busy = true; h_ctl = H_ASKED; h_w = w; h_v = v; h_owner = me; h_req = true;
     h_pending[me] = true; polling[me] = true; pollw[me] = w; pollv[me] = v; out = QUEUED
#endif
  fi
}

#if !defined(HELPER)
#define h_poll_may_settle false
#elif defined(BROKEN_HELPER_AS_BEFORE)
#define h_poll_may_settle true          /* the interim poll settles the wait; the request stays */
#else
#define h_poll_may_settle (h_ctl == H_ASKED)  /* ... after withdrawing it; else the answer is due */
#endif

#define futex_may_leave(me, forever) \
  (woken[me] || (inq[me] && (spur_left > 0 || sliced[me] || (can_timeout[me] && !told[me] && !(forever)))) || \
   (polling[me] && !h_pending[me] && sliced[me]) || \
   (polling[me] && !h_pending[me] && \
    (word[pollw[me]] != pollv[me] || (can_timeout[me] && !told[me] && !(forever)))) || \
   (h_pending[me] && (h_has[me] || (word[pollw[me]] != pollv[me] && h_poll_may_settle))) || \
   (can_abort[me] && !told[me]))

/* futex_leave: the return from a sleep; sets out to OK, TIMED_OUT or ABORTED. Guard with futex_may_leave. */
inline futex_leave(me, w, forever) {
  if
  :: woken[me] -> woken[me] = false; out = OK
  :: inq[me] && spur_left > 0 -> fq[w]??eval(me); inq[me] = false; spur_left--; out = OK
  :: inq[me] && sliced[me] -> fq[w]??eval(me); inq[me] = false; out = OK   /* the slice ends */
  :: polling[me] && !h_pending[me] && sliced[me] ->
     polling[me] = false; pollv[me] = 0; pollw[me] = 0; out = OK
  :: inq[me] && can_timeout[me] && !told[me] && !(forever) ->
     fq[w]??eval(me); inq[me] = false; out = TIMED_OUT
  :: polling[me] && !h_pending[me] && word[w] != pollv[me] ->
     polling[me] = false; pollv[me] = 0; pollw[me] = 0; out = OK
  :: polling[me] && !h_pending[me] && can_timeout[me] && !told[me] && !(forever) ->
     polling[me] = false; pollv[me] = 0; pollw[me] = 0; out = TIMED_OUT
#ifdef HELPER
  :: h_pending[me] && h_has[me] ->   /* the helper's answer ('ok' or 'not-equal': alike) */
     h_has[me] = false; h_pending[me] = false; polling[me] = false; pollv[me] = 0; pollw[me] = 0; out = OK
  :: h_pending[me] && !h_has[me] && word[w] != pollv[me] && h_poll_may_settle ->
#ifndef BROKEN_HELPER_AS_BEFORE
     h_ctl = H_WITHDRAWN;
#endif
     h_pending[me] = false; polling[me] = false; pollv[me] = 0; pollw[me] = 0; out = OK
#endif
  :: can_abort[me] && !told[me] ->
     if
     :: inq[me] -> fq[w]??eval(me); inq[me] = false
     :: else -> skip
     fi;
     polling[me] = false; pollv[me] = 0; pollw[me] = 0;
     woken[me] = false;
#ifdef HELPER
     /* later(): withdraw() before the notify (a CAS: if the helper owns the outcome, no change) */
#ifndef BROKEN_HELPER_AS_BEFORE
     if
     :: h_pending[me] && h_ctl == H_ASKED -> h_ctl = H_WITHDRAWN
     :: else -> skip
     fi;
#endif
     h_pending[me] = false; h_has[me] = false;
#endif
#ifndef BROKEN_ABORT_NO_WAKE
     notify(w, ALL);
#endif
     told[me] = true;
     out = ABORTED
  fi
}


#ifdef HELPER
/*
 * The helper worker (fallback.ts HELPER_SOURCE), and the delivery of its answer to the thread that
 * asked (onAnswer, a message handler of that thread). It may start at any moment: until it takes
 * the request, the request waits (late start). Idle, or asleep for a request nobody wants any more,
 * are valid end states; a thread asleep for ever is not.
 */
proctype Helper() {
  byte hw;
  int hv;
end_idle:
  do
  :: atomic { h_req -> h_req = false; hw = h_w; hv = h_v; h_out = H_NONE }
     /* 1. the check of CONTROL right before Atomics.wait (a step of its own: the window) */
#if !defined(BROKEN_HELPER_AS_BEFORE) && !defined(HELPER_NO_CHECK)
     if
     :: atomic { h_ctl == H_WITHDRAWN -> skip }
     :: atomic { h_ctl != H_WITHDRAWN -> skip };
#else
     if
     :: true ->
#endif
        /* Atomics.wait: compare and enqueue */
        atomic {
          if
          :: word[hw] != hv -> h_out = NOT_EQUAL
          :: else -> woken[HELPER_ID] = false; fq[hw]!HELPER_ID; inq[HELPER_ID] = true; h_out = QUEUED
          fi
        };
        if
        :: h_out == QUEUED ->
end_asleep: atomic { woken[HELPER_ID] -> woken[HELPER_ID] = false; h_out = OK }
        :: else -> skip
        fi
     fi;
     /* 2. CAS ASKED -> ANSWERED; failed after a wake-up: pass it on */
     atomic {
#ifndef BROKEN_HELPER_AS_BEFORE
       if
       :: h_ctl == H_ASKED -> h_ctl = H_ANSWERED
       :: else ->
#ifndef BROKEN_HELPER_NO_PASS_ON
          if
          :: h_out == OK -> notify(hw, 1)
          :: else -> skip
          fi
#else
          skip
#endif
       fi;
#endif
       h_inflight = true
     };
     /* onAnswer, on the asking thread: settle its wait if still pending; the helper is idle again */
     atomic {
       if
       :: h_pending[h_owner] && h_out != H_NONE -> h_has[h_owner] = true
       :: else -> skip
       fi;
       h_inflight = false; h_ctl = H_IDLE; h_busy = false;
       hw = 0; hv = 0; h_out = 0
     }
  od
}
#endif
