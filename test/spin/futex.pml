/*
 * futex.pml: the wait/wake layer, src/internal/futex.ts, as the protocols see it.
 *
 * Mirrors src/internal/futex.ts:
 *   21-35    `Outcomes. 'not-equal'`        outcomes; why no wake-up is lost; aborts
 *   170-185  `export function block<T>(`    drives a protocol, blocking; spins before the first sleep
 *   194-201  `export function spinWhile(`   the same spin, run by a primitive before its protocol
 *   203-206  `function sleep(`              a protocol's sleep request, through sleepOn
 *   215-244  `export function sleepOn(`    spin, deadline check, Atomics.wait, early timeout -> 'ok'
 *   447-477  `function pollWaitAsync(`      the last-resort fallback: polling, in no queue
 *   521-602  `export function later<T>(`    Atomics.waitAsync; an abort wakes every waiter of the word,
 *                                           then the protocol is told by a throw (once); once told,
 *                                           and for a `forever` sleep, no deadline
 *   611-613  `export function wake(`        Atomics.notify(word, count); returns how many it woke
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
 *
 * Polling (polls[me], -DPOLLER in the models): where an engine lacks Atomics.waitAsync and no helper
 * worker can be made, later() polls (futex.ts `function pollWaitAsync(`): the waiter is in no queue,
 * no notify counts it, and it goes on only when one of its timer ticks finds the word changed. The
 * model lets it go on at any moment the word differs from v, so a change undone before it looks
 * (A -> B -> A) may be missed, as the code's comment says.
 *
 * The spin before the first sleep (futex.ts sleepOn, 223-228) is a run of loads that returns 'not-equal' if
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

int word[NWORDS];                        /* the shared Int32Array */
chan fq[NWORDS] = [NPROC] of { byte };   /* each word's queue of sleepers, oldest first */
bool woken[NPROC];                       /* dequeued by a notify, not yet resumed */
bool inq[NPROC];                         /* queued (a thread sleeps on one word at a time) */
bool can_timeout[NPROC];
bool can_abort[NPROC];
bool told[NPROC];                        /* the protocol has been told of the abort */
byte spur_left = SPURIOUS;               /* spurious wake-ups left, all threads together */
byte fx_n, fx_who;                       /* scratch of notify, only inside an atomic step; zeroed */
bool polls[NPROC];                       /* its async waits poll (pollWaitAsync, the last resort) */
bool polling[NPROC];                     /* ... and it is polling now, for word[pollw] != pollv */
byte pollw[NPROC];
int pollv[NPROC];

#define ALL NPROC

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
  :: word[w] == v && !polls[me] -> woken[me] = false; fq[w]!me; inq[me] = true; out = QUEUED
  :: word[w] == v && polls[me] -> polling[me] = true; pollw[me] = w; pollv[me] = v; out = QUEUED
  fi
}

#define futex_may_leave(me, forever) \
  (woken[me] || (inq[me] && (spur_left > 0 || (can_timeout[me] && !told[me] && !(forever)))) || \
   (polling[me] && (word[pollw[me]] != pollv[me] || (can_timeout[me] && !told[me] && !(forever)))) || \
   (can_abort[me] && !told[me]))

/* futex_leave: the return from a sleep; sets out to OK, TIMED_OUT or ABORTED. Guard with futex_may_leave. */
inline futex_leave(me, w, forever) {
  if
  :: woken[me] -> woken[me] = false; out = OK
  :: inq[me] && spur_left > 0 -> fq[w]??eval(me); inq[me] = false; spur_left--; out = OK
  :: inq[me] && can_timeout[me] && !told[me] && !(forever) ->
     fq[w]??eval(me); inq[me] = false; out = TIMED_OUT
  :: polling[me] && word[w] != pollv[me] -> polling[me] = false; pollv[me] = 0; pollw[me] = 0; out = OK
  :: polling[me] && can_timeout[me] && !told[me] && !(forever) ->
     polling[me] = false; pollv[me] = 0; pollw[me] = 0; out = TIMED_OUT
  :: can_abort[me] && !told[me] ->
     if
     :: inq[me] -> fq[w]??eval(me); inq[me] = false
     :: else -> skip
     fi;
     polling[me] = false; pollv[me] = 0; pollw[me] = 0;
     woken[me] = false;
#ifndef BROKEN_ABORT_NO_WAKE
     notify(w, ALL);
#endif
     told[me] = true;
     out = ABORTED
  fi
}

