#!/usr/bin/env python3
"""Python 3 threading, running the scenarios of weft's benchmark (bench/kernels.ts) with the same
roles and the same stopping rules, for a side-by-side comparison in one run.

  python3 bench/python_bench.py                    every scenario once; one JSON document on stdout
  python3 bench/python_bench.py --serve            JSON lines: reads {"id", "kind", "p"} requests on
                                                   stdin, answers {"id", "metrics"} or {"id", "error"}
  python3 bench/python_bench.py --memory event|lock [count]
                                                   RSS and time to create `count` (100000) objects, in
                                                   this fresh process: {"bytesEach", "createMs"}

Times are from time.perf_counter(); CPU time per thread from time.thread_time_ns(). Every scenario
has a warm-up of p["warmupMs"] and then measures for p["durationMs"], thread 0 keeping the time, as
in the JavaScript kernels. The GIL is part of what is measured: it is what Python's threads cost.
"""

import gc
import json
import math
import os
import subprocess
import sys
import threading
import time
from collections import deque

now = time.perf_counter


def busy(us):
    if us <= 0:
        return
    end = now() + us / 1e6
    while now() < end:
        pass


class Meter:
    """Warm-up, then the measured part. The leader decides; followers watch `phase` and `stop`."""

    def __init__(self, ctl, p, leader):
        self.ctl = ctl
        self.p = p
        self.leader = leader
        self.measuring = False
        self.n0 = self.n1 = 0
        self.t0 = self.t1 = 0.0
        self.c0 = self.c1 = 0
        self.warm_end = 0.0
        self.end = 0.0

    def start(self):
        self.warm_end = now() + self.p["warmupMs"] / 1000

    def begin(self, n, t):
        self.measuring = True
        self.n0, self.t0, self.c0 = n, t, time.thread_time_ns()

    def finish(self, n, t):
        self.n1, self.t1, self.c1 = n, t, time.thread_time_ns()

    def tick(self, n):
        ctl = self.ctl
        if self.leader:
            t = now()
            if not self.measuring:
                if t >= self.warm_end:
                    self.begin(n, t)
                    self.end = t + self.p["durationMs"] / 1000
                    ctl["phase"] = True
                return False
            if t < self.end:
                return False
            self.finish(n, t)
            ctl["stop"] = True
            return True
        if not self.measuring and ctl["phase"]:
            self.begin(n, now())
        if not ctl["stop"]:
            return False
        if not self.measuring:
            self.begin(n, now())
        self.finish(n, now())
        return True

    def time_up(self, n):
        t = now()
        if not self.measuring:
            if t >= self.warm_end:
                self.begin(n, t)
                self.end = t + self.p["durationMs"] / 1000
                self.ctl["phase"] = True
            return False
        return t >= self.end

    def part(self, **extra):
        return {"ops": self.n1 - self.n0, "ms": (self.t1 - self.t0) * 1000, "cpuNs": self.c1 - self.c0, "extra": extra}


def run_threads(n, target, p):
    """Runs target(role, ctl, p, start) in n threads; all start together. Returns the parts by role."""
    ctl = {"phase": False, "stop": False, "stop_at": 0}
    start = threading.Barrier(n)
    parts = [None] * n
    errors = []

    def body(role):
        try:
            parts[role] = target(role, ctl, p, start)
        except BaseException as e:  # reported to the caller
            errors.append(repr(e))

    threads = [threading.Thread(target=body, args=(r,)) for r in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(errors[0])
    return parts


# Ping-pong: role 0 sets PING, waits for PONG, clears it; role 1 waits for PING, clears it, takes
# delayUs to answer, sets PONG.
def pingpong(p):
    ping, pong = threading.Event(), threading.Event()
    delay = p.get("delayUs", 0)

    def role(r, ctl, p, start):
        m = Meter(ctl, p, r == 0)
        start.wait()
        m.start()
        n = 0
        if r == 0:
            while True:
                ping.set()
                pong.wait()
                pong.clear()
                n += 1
                if m.tick(n):
                    break
            ping.set()
        else:
            while True:
                ping.wait()
                ping.clear()
                n += 1
                if m.tick(n):
                    break
                busy(delay)
                pong.set()
        return m.part()

    a, b = run_threads(2, role, p)
    return {
        "us": a["ms"] * 1000 / a["ops"],
        "cpuUs": (a["cpuNs"] + b["cpuNs"]) / 1000 / a["ops"],
        "waiterCpuUs": a["cpuNs"] / 1000 / a["ops"],
    }


BATCH = 1024


def ops_loop(p, batch):
    def role(r, ctl, p, start):
        m = Meter(ctl, p, True)
        start.wait()
        m.start()
        n = 0
        while True:
            batch()
            n += BATCH
            if m.tick(n):
                return m.part()

    (a,) = run_threads(1, role, p)
    return {"ns": a["ms"] * 1e6 / a["ops"]}


def event_ops(p):
    e = threading.Event()
    r = range(BATCH)

    def batch():
        for _ in r:
            e.set()
            e.is_set()
            e.clear()

    return ops_loop(p, batch)


def lock_ops(p, lock=None):
    lock = lock or threading.Lock()
    acquire, release = lock.acquire, lock.release
    r = range(BATCH)

    def batch():
        for _ in r:
            acquire()
            release()

    return ops_loop(p, batch)


def rlock_ops(p):
    return lock_ops(p, threading.RLock())


def sem_ops(p):
    return lock_ops(p, threading.Semaphore(1))


LOCK_BATCH = 32


def contended_lock(p):
    lock = threading.Lock()
    counter = [0]
    workers = p.get("workers", 2)

    def role(r, ctl, p, start):
        m = Meter(ctl, p, r == 0)
        start.wait()
        m.start()
        n = 0
        rr = range(LOCK_BATCH)
        while True:
            for _ in rr:
                with lock:
                    counter[0] += 1
            n += LOCK_BATCH
            if m.tick(n):
                return m.part(total=n)

    parts = run_threads(workers, role, p)
    total = sum(x["extra"]["total"] for x in parts)
    if counter[0] != total:
        raise RuntimeError("lost updates: counter %d, increments %d" % (counter[0], total))
    return {"mops": sum(x["ops"] for x in parts) / parts[0]["ms"] / 1000}


def semaphore_handoff(p):
    permits = p.get("permits", 2)
    sem = threading.Semaphore(permits)
    # Who is inside, as a deque: append, len and pop are each atomic under the GIL (the JavaScript
    # kernels use Atomics.add / Atomics.sub for the same count).
    holders = deque()
    over = []

    def inside():
        holders.append(1)
        if len(holders) > permits:
            over.append(1)
        holders.pop()

    def role(r, ctl, p, start):
        m = Meter(ctl, p, r == 0)
        start.wait()
        m.start()
        n = 0
        rr = range(LOCK_BATCH)
        while True:
            for _ in rr:
                sem.acquire()
                inside()
                sem.release()
            n += LOCK_BATCH
            if m.tick(n):
                return m.part()

    parts = run_threads(p.get("workers", 4), role, p)
    if over:
        raise RuntimeError("semaphore over-granted %d times" % len(over))
    return {"mops": sum(x["ops"] for x in parts) / parts[0]["ms"] / 1000}


def barrier(p):
    parties = p.get("parties", 2)
    b = threading.Barrier(parties)

    def role(r, ctl, p, start):
        m = Meter(ctl, p, r == 0)
        start.wait()
        m.start()
        k = 0
        stopping = False
        while True:
            if r == 0 and not stopping and m.time_up(k):
                stopping = True
                ctl["stop_at"] = k + 1
            b.wait()
            k += 1
            if r != 0 and not m.measuring and ctl["phase"]:
                m.begin(k, now())
            if ctl["stop_at"] == k:
                break
        m.finish(k, now())
        return m.part(passes=k)

    parts = run_threads(parties, role, p)
    if len({x["extra"]["passes"] for x in parts}) != 1:
        raise RuntimeError("parties left after different passes")
    a = parts[0]
    return {"kps": a["ops"] / a["ms"]}


def condition(p):
    cap = p.get("capacity", 16)
    lock = threading.Lock()
    not_full, not_empty = threading.Condition(lock), threading.Condition(lock)
    items = deque()

    def role(r, ctl, p, start):
        m = Meter(ctl, p, r == 0)
        start.wait()
        m.start()
        n = 0
        if r == 0:
            while True:
                item = 0 if m.tick(n) else n + 1
                with not_full:
                    while len(items) == cap:
                        not_full.wait()
                    items.append(item)
                    not_empty.notify()
                if item == 0:
                    return m.part()
                n += 1
        bad = 0
        while True:
            with not_empty:
                while not items:
                    not_empty.wait()
                item = items.popleft()
                not_full.notify()
            if item == 0:
                return {"ops": n, "ms": 0, "cpuNs": 0, "extra": {"bad": bad}}
            n += 1
            if item != n:
                bad += 1

    a, b = run_threads(2, role, p)
    if b["extra"]["bad"]:
        raise RuntimeError("consumer saw %d items out of order" % b["extra"]["bad"])
    return {"kps": a["ops"] / a["ms"]}


# Fairness (scenarios/fairness.ts): every thread times each acquisition into log-spaced buckets,
# counting only those made between phase and stop, as read inside the lock.
HIST_PER_OCTAVE = 4
HIST_BUCKETS = 40 * HIST_PER_OCTAVE


def bucket_of(ns):
    if ns < 1:
        return 0
    return min(int(math.log2(ns) * HIST_PER_OCTAVE), HIST_BUCKETS - 1)


def fairness(p):
    lock = threading.Lock()
    counter = [0]
    workers = p.get("workers", 2)

    def role(r, ctl, p, start):
        hist = [0] * HIST_BUCKETS
        max_ms = 0.0
        counted = 0
        m = Meter(ctl, p, r == 0)
        start.wait()
        m.start()
        n = 0
        while True:
            for _ in range(8):
                asked = now()
                with lock:
                    inside = now()
                    counting = ctl["phase"] and not ctl["stop"]
                    counter[0] += 1
                if counting:
                    waited = (inside - asked) * 1000
                    hist[bucket_of(waited * 1e6)] += 1
                    max_ms = max(max_ms, waited)
                    counted += 1
            n += 8
            if m.tick(n):
                part = m.part(total=n, maxMs=max_ms)
                part["ops"] = counted
                part["hist"] = hist
                return part

    parts = run_threads(workers, role, p)
    total = sum(x["extra"]["total"] for x in parts)
    if counter[0] != total:
        raise RuntimeError("lost updates: counter %d, increments %d" % (counter[0], total))
    counts = [x["ops"] for x in parts]
    s = sum(counts)
    hist = [sum(x["hist"][b] for x in parts) for b in range(HIST_BUCKETS)]
    seen, p99 = 0, float("nan")
    for b, v in enumerate(hist):
        seen += v
        if seen >= 0.99 * sum(hist):
            p99 = 2 ** ((b + 1) / HIST_PER_OCTAVE) / 1000
            break
    return {
        "mops": s / parts[0]["ms"] / 1000,
        "jain": s * s / (len(counts) * sum(x * x for x in counts)),
        "minShare": min(counts) / (s / len(counts)),
        "p99Us": p99,
        "maxMs": max(x["extra"]["maxMs"] for x in parts),
    }


KINDS = {
    "pingpong": pingpong,
    "event-ops": event_ops,
    "lock-ops": lock_ops,
    "rlock-ops": rlock_ops,
    "sem-ops": sem_ops,
    "lock": contended_lock,
    "semaphore": semaphore_handoff,
    "barrier": barrier,
    "condition": condition,
    "fairness": fairness,
}


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory(what, count):
    make = {"event": threading.Event, "lock": threading.Lock}[what]
    gc.collect()
    r0 = rss()
    t0 = now()
    keep = [make() for _ in range(count)]
    t1 = now()
    gc.collect()
    r1 = rss()
    assert len(keep) == count
    return {"bytesEach": (r1 - r0) / count, "createMs": (t1 - t0) * 1000}


def hello():
    return {"python": sys.version.split()[0], "implementation": sys.implementation.name}


def serve():
    print(json.dumps({"hello": hello()}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        try:
            metrics = KINDS[req["kind"]](req["p"])
            out = {"id": req["id"], "metrics": metrics}
        except Exception as e:  # reported as the sample's error
            out = {"id": req["id"], "error": repr(e)}
        print(json.dumps(out), flush=True)


def main(argv):
    if "--serve" in argv:
        serve()
        return
    if "--memory" in argv:
        i = argv.index("--memory")
        what = argv[i + 1]
        count = int(argv[i + 2]) if len(argv) > i + 2 else 100000
        print(json.dumps(memory(what, count)))
        return
    p = {"durationMs": 200, "warmupMs": 50}
    runs = [
        ("pingpong", {"delayUs": 0}),
        ("pingpong", {"delayUs": 10}),
        ("pingpong", {"delayUs": 100}),
        ("pingpong", {"delayUs": 1000}),
        ("event-ops", {}),
        ("lock-ops", {}),
        ("rlock-ops", {}),
        ("sem-ops", {}),
        ("lock", {"workers": 2}),
        ("lock", {"workers": 4}),
        ("lock", {"workers": 8}),
        ("semaphore", {"workers": 4, "permits": 2}),
        ("barrier", {"parties": 2}),
        ("barrier", {"parties": 4}),
        ("condition", {"capacity": 16}),
    ]
    results = [{"kind": k, "params": extra, "metrics": KINDS[k](dict(p, **extra))} for k, extra in runs]
    for what in ("event", "lock"):  # each in a fresh process
        out = subprocess.run([sys.executable, __file__, "--memory", what], capture_output=True, check=True)
        results.append({"kind": "memory", "params": {"what": what}, "metrics": json.loads(out.stdout)})
    print(json.dumps({"hello": hello(), "results": results}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
