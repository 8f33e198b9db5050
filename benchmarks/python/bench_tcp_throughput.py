"""tcp_throughput_64B peer: 64-byte messages one way over multiprocessing.connection on 127.0.0.1.

The parent listens (with an authkey, so both ends authenticate as Troupe's TCP links do), a spawned child
connects and receives N messages with recv_bytes, then answers with one byte. Time is the parent's
t(first send) -> t(ack). Prints `tcp_throughput_64B <msgs/s> msgs/s` and `tcp_pingpong_bytes_64B_p50`-style
lines like the shared peer scripts (`metric value unit`).
"""
import multiprocessing as mp
import os
import sys
import time
from multiprocessing.connection import Listener, Client

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
MSG = b"x" * 64


def sink(address, authkey, n):
    with Client(address, authkey=authkey) as c:
        for _ in range(n):
            c.recv_bytes()
        c.send_bytes(b"k")


def run(ctx, authkey):
    with Listener(("127.0.0.1", 0), authkey=authkey) as listener:
        child = ctx.Process(target=sink, args=(listener.address, authkey, N))
        child.start()
        with listener.accept() as conn:
            t0 = time.perf_counter()
            for _ in range(N):
                conn.send_bytes(MSG)
            conn.recv_bytes()
            elapsed = time.perf_counter() - t0
        child.join()
    return N / elapsed


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    key = os.urandom(32)
    run(ctx, key)  # warm-up
    rates = sorted(run(ctx, key) for _ in range(3))
    print(f"tcp_throughput_64B {rates[1]:.1f} msgs/s", flush=True)
