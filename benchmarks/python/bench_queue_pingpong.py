"""queue_pingpong: round trip of a 64-byte message between two processes (fork) through two
multiprocessing.Queue (and then two SimpleQueue): parent puts on the first, the child gets it and
puts it on the second, the parent gets it. 20_000 timed round trips (+2_000 warm-up).
One-way latency is reported as half the round trip.
"""
import multiprocessing as mp
import time

from common import emit_latency

N = 20_000
WARM = 2_000


def echo(ping, pong, n):
    for _ in range(n):
        pong.put(ping.get())


def main():
    ctx = mp.get_context("fork")
    payload = b"\xa5" * 64
    for name, fac in (("queue", ctx.Queue), ("simplequeue", ctx.SimpleQueue)):
        ping, pong = fac(), fac()
        p = ctx.Process(target=echo, args=(ping, pong, N + WARM))
        p.start()
        put, get = ping.put, pong.get
        for _ in range(WARM):
            put(payload)
            get()
        lat = []
        pc = time.perf_counter_ns
        for _ in range(N):
            t = pc()
            put(payload)
            get()
            lat.append(pc() - t)
        p.join(10)
        emit_latency(f"{name}_pingpong_64B", lat)


if __name__ == "__main__":
    main()
