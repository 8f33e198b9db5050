package dev.troupe.bench;

import dev.troupe.shared.Queue;

/**
 * The processes of the queue benchmarks: {@code QueuePeer produce NAME CAPACITY N SIZE} puts N byte arrays of SIZE
 * bytes on the named queue; {@code QueuePeer echo PING PONG N} takes N messages from PING and puts each on PONG;
 * {@code QueuePeer ping PING PONG WARM N} puts a 64-byte message on PING and takes the echo from PONG, WARM + N
 * times, and prints the p50 and p99 round trip of the last N in microseconds.
 */
public final class QueuePeer {
    private QueuePeer() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("produce")) {
            long n = Long.parseLong(args[3]);
            byte[] payload = new byte[Integer.parseInt(args[4])];
            try (Queue<byte[]> queue = Queue.open(args[1], byte[].class, 0, Integer.parseInt(args[2]))) {
                for (long i = 0; i < n; i++) {
                    queue.put(payload);
                }
            }
        } else if (args[0].equals("ping")) {
            int warm = Integer.parseInt(args[3]);
            int n = Integer.parseInt(args[4]);
            byte[] payload = new byte[64];
            try (Queue<byte[]> ping = Queue.open(args[1], byte[].class);
                 Queue<byte[]> pong = Queue.open(args[2], byte[].class)) {
                long[] ns = Percentiles.time(warm, n, () -> {
                    try {
                        ping.put(payload);
                        pong.get();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                double[] p = Percentiles.of(ns);
                System.out.println(p[0] + " " + p[1]);
            }
        } else {
            long n = Long.parseLong(args[3]);
            try (Queue<byte[]> ping = Queue.open(args[1], byte[].class);
                 Queue<byte[]> pong = Queue.open(args[2], byte[].class)) {
                for (long i = 0; i < n; i++) {
                    pong.put(ping.get());
                }
            }
        }
    }
}
