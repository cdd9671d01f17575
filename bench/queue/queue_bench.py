#!/usr/bin/env python3
"""Python's queue.Queue with threads, running the scenarios of weft's queue benchmark
(bench/queue/run.ts) with the same roles, sizes and bounds, for a side-by-side comparison.

  python3 bench/queue/queue_bench.py PLAN      PLAN: a JSON object {id: {kind, producers, consumers,
                                              pingpong, warm, n, capacity}}; prints one JSON object
                                              {id: {"value": ...}} or {id: {"error": ...}}

One-way: each producer puts `warm` items and an end marker, all parties meet at a barrier, then
each producer puts `n` items and an end marker; each consumer stops at its first end marker. The
value is items per second of the measured part (first start to last consumer's end). Ping-pong:
round trips through two queues, in microseconds each. Values: small ints, 40-character strings,
dicts {id, name, tags}, and 1 MB bytes objects; note that a Python queue hands over a reference (no
copy), which weft, postMessage and the ring cannot do between JavaScript threads.
"""

import json
import queue
import sys
import threading
import time

now = time.perf_counter
POOL = 1024


def make_values(kind, producer):
    if kind == "bytes":
        return [bytes(1024 * 1024)]
    out = []
    for i in range(POOL):
        if kind == "int":
            out.append(i + producer * POOL)
        elif kind == "str":
            out.append(("item %d:%d abcdefghijklmnopqrstuvwxyz0123456789" % (producer, i))[:40])
        else:
            out.append({"id": i + producer * POOL, "name": "name-%d" % i, "tags": ["red", "green"]})
    return out


def end_of(kind):
    return {"int": -1, "str": "", "obj": {"id": -1, "name": "", "tags": []}, "bytes": b""}[kind]


def is_end(kind, v):
    if kind == "int":
        return v < 0
    if kind == "obj":
        return v["id"] < 0
    return len(v) == 0


def one_way(spec):
    kind, warm, n = spec["kind"], spec["warm"], spec["n"]
    producers, consumers = spec["producers"], spec["consumers"]
    q = queue.Queue(spec["capacity"])
    barrier = threading.Barrier(producers + consumers)
    starts, ends, counts = [], [], []
    lock = threading.Lock()

    def producer(p):
        vals = make_values(kind, p)
        mask = len(vals) - 1
        end = end_of(kind)
        for i in range(warm):
            q.put(vals[i & mask])
        q.put(end)
        barrier.wait()
        t0 = now()
        for i in range(n):
            q.put(vals[i & mask])
        q.put(end)
        with lock:
            starts.append(t0)

    def drain():
        got = 0
        while True:
            v = q.get()
            if is_end(kind, v):
                return got
            got += 1

    def consumer(_c):
        drain()
        barrier.wait()
        t0 = now()
        got = drain()
        t1 = now()
        with lock:
            starts.append(t0)
            ends.append(t1)
            counts.append(got)

    threads = [threading.Thread(target=producer, args=(p,)) for p in range(producers)]
    threads += [threading.Thread(target=consumer, args=(c,)) for c in range(consumers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if sum(counts) != producers * n:
        raise RuntimeError("got %d items, expected %d" % (sum(counts), producers * n))
    return producers * n / (max(ends) - min(starts))


def ping_pong(spec):
    warm, n = spec["warm"], spec["n"]
    a, b = queue.Queue(spec["capacity"]), queue.Queue(spec["capacity"])
    barrier = threading.Barrier(2)
    out = {}

    def pinger():
        for i in range(warm):
            a.put(i)
            b.get()
        barrier.wait()
        t0 = now()
        for i in range(n):
            a.put(i)
            b.get()
        out["us"] = (now() - t0) / n * 1e6

    def ponger():
        for _ in range(warm):
            b.put(a.get())
        barrier.wait()
        for _ in range(n):
            b.put(a.get())

    threads = [threading.Thread(target=pinger), threading.Thread(target=ponger)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out["us"]


def main():
    plan = json.loads(sys.argv[1])
    results = {}
    for sid, spec in plan.items():
        try:
            results[sid] = {"value": ping_pong(spec) if spec["pingpong"] else one_way(spec)}
        except Exception as e:  # reported in the table, never fatal to the run
            results[sid] = {"error": repr(e)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
