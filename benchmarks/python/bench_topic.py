"""topic_fanout: one publisher process -> 3 subscriber processes, 64-byte messages (fork).

Python has no publish/subscribe between processes, so the peer is what a multiprocessing user writes: one
multiprocessing.Queue per subscriber, and the publisher puts every message into all three.

Timing: all four children wait on a Barrier; the publisher records t0 right after it, each subscriber records
t1 after its last get(). perf_counter is CLOCK_MONOTONIC on Linux, so readings are comparable across processes.
publish rate = N / (publisher's last put - t0); a subscriber's rate = N / (its t1 - t0).
"""
import multiprocessing as mp
import time

from common import emit

N = 100_000
SIZE = 64
SUBSCRIBERS = 3


def publisher(queues, n, barrier, res):
    payload = b"\xa5" * SIZE
    puts = [q.put for q in queues]
    barrier.wait()
    t0 = time.perf_counter()
    for _ in range(n):
        for put in puts:
            put(payload)
    res.put(("p", t0, time.perf_counter()))


def subscriber(i, q, n, barrier, res):
    get = q.get
    barrier.wait()
    for _ in range(n):
        get()
    res.put(("s%d" % i, time.perf_counter(), 0))


def main():
    ctx = mp.get_context("fork")
    queues = [ctx.Queue() for _ in range(SUBSCRIBERS)]
    barrier = ctx.Barrier(SUBSCRIBERS + 1)
    res = ctx.Queue()
    procs = [ctx.Process(target=subscriber, args=(i, queues[i], N, barrier, res)) for i in range(SUBSCRIBERS)]
    procs.append(ctx.Process(target=publisher, args=(queues, N, barrier, res)))
    for p in procs:
        p.start()
    got = {}
    for _ in range(SUBSCRIBERS + 1):
        tag, a, b = res.get(timeout=120)
        got[tag] = (a, b)
    for p in procs:
        p.join(10)
    t0, t_pub = got["p"]
    emit("topic_fanout_publish_rate", N / (t_pub - t0), "msg/s")
    rates = [N / (got["s%d" % i][0] - t0) for i in range(SUBSCRIBERS)]
    emit("topic_fanout_subscriber_rate_min", min(rates), "msg/s")
    emit("topic_fanout_subscriber_rate_max", max(rates), "msg/s")


if __name__ == "__main__":
    main()
