"""Manager dict operations per second, from worker processes (the peer of Troupe's Manager).

A multiprocessing.Manager() server process hosts a dict; a child process (fork) times N calls of each kind:
  manager_dict_get        d.get(key)
  manager_dict_set        d[key] = value
  manager_dict_incr       with lock: d[key] = d.get(key, 0) + 1   (a Manager Lock: the exact way to count)
and 4 children each doing N/4 locked increments at once (manager_dict_incr_4procs, total ops/s; the final count
is checked and emitted). ops/s = calls / time in the child.
"""
import multiprocessing as mp
import sys
import time

from common import emit

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000


def timed(d, lock, n, kind, res):
    if kind == "get":
        d["k"] = 1
        t = time.perf_counter()
        for _ in range(n):
            d.get("k")
    elif kind == "set":
        t = time.perf_counter()
        for i in range(n):
            d["k"] = i
    else:
        t = time.perf_counter()
        for _ in range(n):
            with lock:
                d["c"] = d.get("c", 0) + 1
    res.put((t, time.perf_counter()))


def main():
    ctx = mp.get_context("fork")
    with ctx.Manager() as m:
        d = m.dict()
        lock = m.Lock()
        res = ctx.Queue()
        for kind in ("get", "set", "incr"):
            p = ctx.Process(target=timed, args=(d, lock, N, kind, res))
            p.start()
            t0, t1 = res.get(timeout=120)
            p.join(10)
            emit("manager_dict_" + kind, N / (t1 - t0), "ops/s")
        d["c"] = 0
        ps = [ctx.Process(target=timed, args=(d, lock, N // 4, "incr", res)) for _ in range(4)]
        for p in ps:
            p.start()
        spans = [res.get(timeout=120) for _ in ps]
        for p in ps:
            p.join(10)
        emit("manager_dict_incr_4procs", (N // 4) * 4 / (max(s[1] for s in spans) - min(s[0] for s in spans)), "ops/s")
        emit("manager_dict_incr_4procs_final", d["c"], "count")


if __name__ == "__main__":
    main()
