#!/usr/bin/env bash
# Model checking of weft's wait/wake protocols with SPIN (npm run test:models).
#
# Each line of CHECKS below is one exhaustive verification: a model (test/spin/*.pml), the
# preprocessor defines of its scenario, the mode, and what must come out:
#   safety  assertions and invalid end states (deadlocks, lost wake-ups), full state space;
#   live    the model's ltl `done` (every thread without a deadline or a signal finishes), with
#           acceptance cycles and weak fairness (pan -a -f);
#   pass    no error may be found, and the search must not be truncated;
#   fail    a deliberately broken variant: SPIN must find the error (the checker can fail).
# Installs SPIN (Debian package `spin`) if it is missing. Prints states, depth and time for each
# check and exits non-zero if any check does not come out as expected.
# Options: -j N (parallel checks, default: the number of cores), -k (keep the work directory),
# -q (quick: leave out the checks marked [long], each minutes long; CI runs -q, a release runs all).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
jobs="$(nproc 2>/dev/null || echo 2)"
keep=0
quick=0
while getopts "j:kq" opt; do
  case "$opt" in
    j) jobs="$OPTARG" ;;
    k) keep=1 ;;
    q) quick=1 ;;
    *) echo "usage: $0 [-j N] [-k] [-q]" >&2; exit 2 ;;
  esac
done

if ! command -v spin >/dev/null 2>&1; then
  echo "SPIN is missing: installing the Debian package spin" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spin >&2
fi
command -v gcc >/dev/null 2>&1 || { echo "gcc is needed to compile SPIN's verifiers" >&2; exit 1; }

# model | defines | mode | expect | what it shows
CHECKS=$(cat <<'EOF'
lock.pml      |                                            | safety | pass | 3 threads x 2 rounds: mutual exclusion, no lost wake-up
lock.pml      |                                            | live   | pass | [long] ... every thread finishes (weak fairness)
lock.pml      | -DFAULTS                                   | safety | pass | [long] with a deadline (thread 0) and an abort (thread 1)
lock.pml      | -DFAULTS                                   | live   | pass | [long] ... the thread without either still finishes
lock.pml      | -DPOLLER -DFAULTS                          | safety | pass | [long] thread 1 polls (no Atomics.waitAsync), may abort
lock.pml      | -DPOLLER                                   | live   | pass | [long] ... a polling waiter still finishes
lock.pml      | -DBROKEN_RELEASE_NO_WAKE                   | safety | fail | broken: release without wake -> deadlock found
lock.pml      | -DFAULTS -DBROKEN_ABORT_NO_WAKE            | safety | fail | broken: abort that does not wake the word -> found
lock.pml      | -DBROKEN_HANDOFF_PLAIN_TAKE                | safety | fail | broken: a hand-off taken by load + store, not CAS -> two holders found
lock.pml      | -DHELPER -DSTARVES=2                       | safety | pass | [long] thread 1 waits through a helper worker that may start late
lock.pml      | -DHELPER -DSTARVES=0                       | live   | pass | [long] ... every thread finishes (weak fairness)
lock.pml      | -DHELPER -DFAULTS -DSTARVES=0              | safety | pass | ... the helped thread may abort, thread 0 has a deadline
lock.pml      | -DHELPER -DFAULTS -DHELPER_NO_CHECK -DSTARVES=0 | safety | pass | ... the helper's pass-on alone loses nothing
lock.pml      | -DHELPER -DBROKEN_HELPER_AS_BEFORE -DSTARVES=0 | safety | fail | broken: helper without CONTROL (issue 9 #1) -> found
lock.pml      | -DHELPER -DFAULTS -DBROKEN_HELPER_NO_PASS_ON -DSTARVES=0 | safety | fail | broken: CONTROL checked, no pass-on -> found
event.pml     |                                            | safety | pass | 3 waiters, set/clear/set: set seen by all, no lost wake-up
event.pml     |                                            | live   | pass | ... every waiter returns true (weak fairness)
event.pml     | -DFAULTS                                   | safety | pass | with a deadline and an abort
event.pml     | -DFAULTS                                   | live   | pass | ... the plain waiter still returns
event.pml     | -DPOLLER -DFAULTS                          | safety | pass | a polling waiter
event.pml     | -DBROKEN_WAIT_NO_SLEEPERS                  | safety | fail | broken: sleep without SLEEPERS -> lost wake-up found
semaphore.pml |                                            | safety | pass | 3 consumers, release(2) then release(1): exact counts
semaphore.pml |                                            | live   | pass | ... every consumer gets a permit (weak fairness)
semaphore.pml | -DFAULTS                                   | safety | pass | with a deadline and an abort
semaphore.pml | -DMUTEX                                    | safety | pass | BoundedSemaphore(1), 3 threads x 2: never over-granted
semaphore.pml | -DMUTEX -DFAULTS                           | safety | pass | ... with a deadline and an abort
semaphore.pml | -DMUTEX -DFAULTS                           | live   | pass | ... the plain thread still finishes
semaphore.pml | -DPOLLER -DFAULTS                          | safety | pass | a polling consumer
semaphore.pml | -DPOLLER                                   | live   | pass | ... still gets its permit
semaphore.pml | -DBROKEN_RELEASE_READS_SLEEPERS_FIRST      | safety | fail | broken: SLEEPERS read before COUNT -> found
condition.pml | -DNCONS=3 -DSTARVES=0                      | safety | pass | [long] 3 consumers + producer: notify(2), notify(1)
condition.pml | -DNCONS=2 -DSTARVES=0                      | live   | pass | [long] 2 consumers: every consumer gets its item
condition.pml | -DNCONS=2 -DNOTIFY_ALL -DSTARVES=0         | safety | pass | [long] notify(2), notifyAll()
condition.pml | -DNCONS=2 -DFAULTS -DSTARVES=0             | safety | pass | [long] with a deadline and an abort (pass-on)
condition.pml | -DNCONS=3 -DFAULTS -DSPURIOUS=0 -DSTARVES=0 | safety | pass | [long] ... with 3 consumers
condition.pml | -DNCONS=2 -DPOLLER -DFAULTS -DSTARVES=0    | safety | pass | a polling consumer
condition.pml | -DNCONS=2 -DPOLLER -DSTARVES=0             | live   | pass | [long] ... still gets its item
condition.pml | -DNCONS=2 -DBROKEN_ESFX -DSTARVES=0        | safety | fail | broken: esfx's condvar -> lost notify found
condition.pml | -DNCONS=2 -DHELPER -DABORT1 -DSTARVES=0    | safety | pass | [long] consumer 1 waits through a helper, may abort
condition.pml | -DNCONS=2 -DHELPER -DABORT1 -DBROKEN_HELPER_AS_BEFORE -DSTARVES=0 | safety | fail | broken: helper without CONTROL (issue 9 #1) -> found
condition.pml | -DNCONS=2 -DHELPER -DABORT1 -DBROKEN_HELPER_NO_PASS_ON -DSTARVES=0 | safety | fail | broken: CONTROL checked, no pass-on -> found
barrier.pml   | -DPARTIES=2 -DNWORKERS=4                   | safety | pass | 4 threads, 2 parties: newcomers during the action
barrier.pml   | -DPARTIES=2 -DNWORKERS=4 -DSPURIOUS=1      | live   | pass | [long] ... every thread returns its index (weak fairness)
barrier.pml   | -DPARTIES=3 -DNWORKERS=3 -DWAITS=2         | safety | pass | 3 parties, 2 passes each: reuse
barrier.pml   | -DPARTIES=3 -DNWORKERS=3 -DWAITS=2         | live   | pass | ... every thread finishes both passes
barrier.pml   | -DNWORKERS=3 -DFAULTS -DACTION_THROWS      | safety | pass | a deadline, an abort, an action that throws
barrier.pml   | -DNWORKERS=3 -DCONTROL                     | safety | pass | abort() at any moment
barrier.pml   | -DNWORKERS=3 -DCONTROL -DRESET             | safety | pass | reset() at any moment
barrier.pml   | -DPARTIES=3 -DNWORKERS=3 -DCONTROL -DRESET -DFAULTS -DSPURIOUS=1 | safety | pass | [long] reset(), a deadline, an abort, 3 parties
barrier.pml   | -DNWORKERS=3 -DPOLLER -DFAULTS             | safety | pass | a polling waiter
barrier.pml   | -DPARTIES=2 -DNWORKERS=4 -DNO_ACTION       | safety | pass | no action: the last arriver's entry CAS opens the next pass
barrier.pml   | -DPARTIES=3 -DNWORKERS=3 -DWAITS=2 -DNO_ACTION | live | pass | ... every thread finishes both passes
barrier.pml   | -DNWORKERS=3 -DFAULTS -DNO_ACTION          | safety | pass | ... with a deadline and an abort
barrier.pml   | -DNWORKERS=3 -DCONTROL -DRESET -DNO_ACTION | safety | pass | ... and reset() at any moment
barrier.pml   | -DDEATH -DPARTIES=2 -DNWORKERS=3            | safety | pass | a weft Thread party dies inside wait (or the action)
barrier.pml   | -DDEATH -DPARTIES=3 -DNWORKERS=3            | safety | pass | ... 3 parties: the others break the pass, leave for it
barrier.pml   | -DDEATH -DNWORKERS=3 -DCONTROL -DRESET      | safety | pass | [long] ... and reset() at any moment: the pass still reopens
barrier.pml   | -DDEATH -DNWORKERS=2 -DBROKEN_NO_WATCH_WAKE | safety | fail | broken: no wake-up when WATCH is set -> found
barrier.pml   | -DDEATH -DNWORKERS=2 -DBROKEN_RECORD_BEFORE_WAKE | safety | fail | broken: record, then wake -> found
barrier.pml   | -DNWORKERS=3 -DFAULTS -DBROKEN_NEWCOMER_BREAKS | safety | fail | the bug fixed in fb7b43a -> found
barrier.pml   | -DNWORKERS=3 -DFAULTS -DBROKEN_PREABORT_BREAKS | safety | fail | the bug fixed in e3ea1e3 -> found
queue.pml     | -DGETTERS -DNGET=2 -DJOIN -DSTARVES=0      | safety | pass | 2 getters + producer, taskDone/join: items conserved, no lost wake-up
queue.pml     | -DGETTERS -DNGET=2 -DJOIN -DSTARVES=0      | live   | pass | [long] ... every getter gets its item, join returns (weak fairness)
queue.pml     | -DGETTERS -DNGET=3 -DFAULTS -DSPURIOUS=0 -DSTARVES=0 | safety | pass | [long] 3 getters, one with a deadline, one aborted (pass-on)
queue.pml     | -DPUTTERS -DNPUT=2 -DSTARVES=0             | safety | pass | 2 putters on a full Queue(1): wake one per get
queue.pml     | -DPUTTERS -DNPUT=2 -DSTARVES=0             | live   | pass | [long] ... every putter puts (weak fairness)
queue.pml     | -DSHUTDOWN -DFAULTS -DSTARVES=0            | safety | pass | shutdown() at any moment wakes sleeping getters (one async, aborted)
queue.pml     | -DSHUTDOWN -DPUT_SIDE -DIMMEDIATE=1 -DFAULTS -DSTARVES=0 | safety | pass | shutdown(true) at any moment: blocked putters get ShutDown
queue.pml     | -DPUTTERS -DNPUT=2 -DFAULTS -DSTARVES=0    | safety | pass | putters with a deadline and an abort (wake-ups in flight, pass-on)
queue.pml     | -DGETTERS -DNGET=2 -DPOLLER -DFAULTS -DSTARVES=0 | safety | pass | a polling getter beside a sleeping one
queue.pml     | -DGETTERS -DNGET=2 -DHELPER -DABORT1 -DSTARVES=0 | safety | pass | [long] getter 1 waits through a helper worker, may abort
queue.pml     | -DGETTERS -DNGET=2 -DSTALL -DSTARVES=0     | safety | pass | getter 0 stops for good once woken (or asleep): getter 1 still gets an item
queue.pml     | -DPUTTERS -DNPUT=2 -DSTALL -DSTARVES=0     | safety | pass | ... putter 0 stops: putter 1 still puts
queue.pml     | -DGETTERS -DNGET=2 -DFAULTS -DNO_PASS_ON -DSTARVES=0 | safety | pass | every pass-on left out, an abort and a deadline: still nothing lost (a second guard)
queue.pml     | -DGETTERS -DNGET=2 -DSTALL -DBROKEN_ONE_IN_FLIGHT -DSTARVES=0 | safety | fail | broken: 0.2.4's one wake-up in flight + a woken getter that stops -> found
queue.pml     | -DGETTERS -DNGET=2 -DBROKEN_COUNT_KEPT -DSTARVES=0 | safety | fail | broken: the in-flight count never lowered -> found
queue.pml     | -DGETTERS -DNGET=2 -DBROKEN_SEQ_AFTER_UNLOCK -DSTARVES=0 | safety | fail | broken: NE_SEQ read after the unlock -> lost wake-up found
queue.pml     | -DGETTERS -DNGET=2 -DBROKEN_REGISTER_AFTER_UNLOCK -DSTARVES=0 | safety | fail | broken: waiter counted after the unlock -> found
queue.pml     | -DSHUTDOWN -DBROKEN_SHUTDOWN_WAKES_ONE -DSTARVES=0 | safety | fail | broken: shutdown wakes one getter -> found
EOF
)

work="$(mktemp -d "${TMPDIR:-/tmp}/weft-spin.XXXXXX")"
if [ "$keep" = 0 ]; then trap 'rm -rf "$work"' EXIT; else echo "work directory: $work" >&2; fi

# tenths START_NS END_NS: the seconds between, to a tenth
tenths() {
  local ms=$((($2 - $1) / 1000000))
  printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

trim() {
  local s="$1"
  s="${s#"${s%%[![:space:]]*}"}"
  printf '%s' "${s%"${s##*[![:space:]]}"}"
}

# check N: runs line N of CHECKS in $work/N, writes $work/N/result (one tab-separated line)
check() {
  local n="$1" line model defs mode expect what dir cflags args out start end errors states trans depth verdict
  line="$(sed -n "${n}p" <<<"$CHECKS")"
  IFS='|' read -r model defs mode expect what <<<"$line"
  model="$(trim "$model")"; defs="$(trim "$defs")"; mode="$(trim "$mode")"
  expect="$(trim "$expect")"; what="$(trim "$what")"
  dir="$work/$n"
  mkdir -p "$dir"
  cp "$here"/*.pml "$dir"/
  if [ "$mode" = safety ]; then
    cflags="-DSAFETY -DNOCLAIM"; args="-m100000"
  else
    cflags="-DNFAIR=3"; args="-m100000 -a -f"
  fi
  # a broken variant stops at its first error: compiling fast matters more than running fast; so do
  # the queue's checks, whose verifier (pan.c, ~0.5 MB: the Lock protocol inlined at every call
  # site) takes minutes to compile with -O1 and explores at most a few million states
  if [ "$expect" = fail ] || { [ "$model" = queue.pml ] && [ "$quick" = 1 ]; }; then
    cflags="-O0 $cflags"
  else
    cflags="-O1 $cflags"
  fi
  # the queue's long checks store tens of millions of 532-byte states (3 getters with faults: 55 M,
  # ~30 GB as they are): compressed (COLLAPSE), that is ~3 GB
  if [ "$model" = queue.pml ] && [ "$quick" = 0 ]; then cflags="-DCOLLAPSE $cflags"; fi
  start="$(date +%s%N)"
  (
    cd "$dir"
    # shellcheck disable=SC2086
    spin $defs -a "$model" >spin.out 2>&1 &&
      gcc -w $cflags -o pan pan.c >gcc.out 2>&1 &&
      ./pan $args >pan.out 2>&1
  ) || true
  end="$(date +%s%N)"
  out="$dir/pan.out"
  errors="$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$out" 2>/dev/null | head -1 || true)"
  states="$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$out" 2>/dev/null | head -1 || true)"
  trans="$(sed -n 's/^ *\([0-9.e+]*\) transitions.*/\1/p' "$out" 2>/dev/null | head -1 || true)"
  depth="$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$out" 2>/dev/null | head -1 || true)"
  if [ -z "$errors" ]; then
    verdict="BROKEN-RUN"   # spin, gcc or pan did not run to the end
  elif grep -q "max search depth too small\|out of memory\|search not completed" "$out" 2>/dev/null; then
    verdict="TRUNCATED"
  elif [ "$expect" = pass ] && [ "$errors" = 0 ]; then
    verdict="ok"
  elif [ "$expect" = fail ] && [ "$errors" != 0 ]; then
    verdict="ok (error found, as expected)"
  elif [ "$expect" = pass ]; then
    verdict="FAILED: $(grep -m1 -E 'pan:1:|assertion violated|invalid end state|acceptance cycle' "$out" || true)"
  else
    verdict="FAILED: the broken variant was not caught"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$model" "${defs:--}" "$mode" "${states:-?}" \
    "${trans:-?}" "${depth:-?}" "$expect" "$(tenths "$start" "$end")" "$verdict" "$what" >"$dir/result"
}

if [ "$quick" = 1 ]; then
  echo "quick: leaving out $(grep -c '| \[long\]' <<<"$CHECKS") checks marked [long] (run without -q for every check)"
  CHECKS="$(grep -v '| \[long\]' <<<"$CHECKS")"
fi
total="$(grep -c . <<<"$CHECKS")"
echo "SPIN: $(spin -V 2>&1 | head -1); $total checks, $jobs at a time"
t0="$(date +%s%N)"
running=0
# the larger models first, so that the two lanes end together
order="$(grep -n . <<<"$CHECKS" | grep -E '^[0-9]+:(condition|barrier|queue)' | cut -d: -f1)
$(grep -n . <<<"$CHECKS" | grep -vE '^[0-9]+:(condition|barrier|queue)' | cut -d: -f1)"
for n in $order; do
  check "$n" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

printf '\n%-14s %-52s %-6s %11s %12s %6s %7s  %s\n' model defines mode states transitions depth seconds result
failed=0
for n in $(seq 1 "$total"); do
  if [ ! -f "$work/$n/result" ]; then
    echo "check $n left no result" && failed=1 && continue
  fi
  IFS=$'\t' read -r model defs mode states trans depth expect secs verdict what <"$work/$n/result"
  printf '%-14s %-52s %-6s %11s %12s %6s %7s  %s\n' "$model" "$defs" "$mode" "$states" "$trans" "$depth" "$secs" "$verdict"
  case "$verdict" in ok*) ;; *) failed=1 ;; esac
done
t1="$(date +%s%N)"
printf '\n%d checks in %s s\n' "$total" "$(tenths "$t0" "$t1")"
if [ "$failed" != 0 ]; then
  echo "MODEL CHECKING FAILED (rerun with -k to keep the traces: ./pan -r in the work directory)" >&2
  exit 1
fi
echo "all models verified; every broken variant was caught"
