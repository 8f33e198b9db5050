package dev.troupe.bench;

import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import dev.troupe.shared.Connection;
import dev.troupe.shared.ConnectionClosedException;
import dev.troupe.shared.Pipe;
import dev.troupe.shared.PipeServer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code pipe_roundtrip_64B}: a 64-byte message to a child process and back over a {@link Pipe} (a value with
 * {@code send}/{@code recv}, and raw bytes with {@code sendBytes}/{@code recvBytes}) and over a named pipe
 * ({@link PipeServer}), beside Python's {@code multiprocessing.Pipe} doing the same in the same run
 * ({@code bench_pipe_pingpong.py}). The child is a worker started with {@code troupe.spawn}, which echoes until the
 * pipe closes.
 */
final class PipeBench {
    /**
     * Untimed round trips first: on 2 cores with both processes spinning, the JIT's compiler threads get little CPU,
     * and until the send and receive paths are compiled a round trip takes the futex path (about 30 us here) for the
     * first 50,000 or so.
     */
    private static final int WARM = 60_000;
    private static final int PINGS = 20_000;

    private PipeBench() {
    }

    static void run(Troupe troupe, int reps, PythonPeer python) throws Exception {
        byte[] payload = new byte[64];
        for (int rep = 0; rep < reps; rep++) {
            Map<String, Double> peer = python == null ? Map.of() : python.run("bench_pipe_pingpong.py", 180);
            try (Pipe<Object> pipe = Pipe.create()) {
                WorkerProcess<Integer> child = troupe.spawn(PipeBench::echoValues, pipe.second());
                Connection<Object> c = pipe.first();
                long[] ns = Percentiles.time(WARM, PINGS, () -> {
                    c.send(payload);
                    c.recv();
                });
                c.close();
                child.result().get(60, TimeUnit.SECONDS);
                print(rep, "pipe send/recv of a 64-byte value", ns, peer, "pipe_pingpong_obj_64B",
                    "python multiprocessing.Pipe send/recv (pickled 64-byte bytes object)");
            }
            try (Pipe<Object> pipe = Pipe.create()) {
                WorkerProcess<Integer> child = troupe.spawn(PipeBench::echoBytes, pipe.second());
                Connection<Object> c = pipe.first();
                long[] ns = Percentiles.time(WARM, PINGS, () -> {
                    c.sendBytes(payload);
                    c.recvBytes();
                });
                c.close();
                child.result().get(60, TimeUnit.SECONDS);
                print(rep, "pipe sendBytes/recvBytes of 64 bytes", ns, peer, "pipe_pingpong_bytes_64B",
                    "python multiprocessing.Pipe send_bytes/recv_bytes (a socketpair)");
            }
            String name = "bench-npipe-" + ProcessHandle.current().pid() + "-" + rep;
            try (PipeServer server = PipeServer.listen(name)) {
                WorkerProcess<Integer> child = troupe.spawn(PipeBench::echoNamed, name);
                Connection<Object> c = server.accept(Duration.ofSeconds(60));
                if (c == null) {
                    throw new IllegalStateException("the named-pipe client did not connect");
                }
                long[] ns = Percentiles.time(WARM, PINGS, () -> {
                    c.sendBytes(payload);
                    c.recvBytes();
                });
                c.close();
                child.result().get(60, TimeUnit.SECONDS);
                print(rep, "named pipe sendBytes/recvBytes of 64 bytes", ns, peer, "pipe_pingpong_bytes_64B",
                    "python multiprocessing.Pipe send_bytes/recv_bytes (a socketpair)");
            }
        }
    }

    private static void print(int rep, String what, long[] ns, Map<String, Double> peer, String peerMetric,
                              String peerWhat) {
        double[] p = Percentiles.of(ns);
        Double pyP50 = peer.get(peerMetric + "_p50");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "pipe_roundtrip_64B");
        m.put("rep", rep + 1);
        m.put("what", what);
        m.put("unit", "us");
        m.put("troupe_p50", p[0]);
        m.put("troupe_p99", p[1]);
        m.put("python_p50", pyP50);
        m.put("python_p99", peer.get(peerMetric + "_p99"));
        m.put("ratio_python_over_troupe_p50", pyP50 == null ? null : pyP50 / p[0]);
        m.put("peer", peerWhat);
        TransportBench.print(m);
    }

    static Integer echoValues(Connection<Object> c) {
        return echo(c, x -> {
            x.send(x.recv());
            return null;
        });
    }

    static Integer echoBytes(Connection<Object> c) {
        return echo(c, x -> {
            x.sendBytes(x.recvBytes());
            return null;
        });
    }

    static Integer echoNamed(String name) {
        return echoBytes(PipeServer.connect(name, Duration.ofSeconds(60)));
    }

    private static Integer echo(Connection<Object> c, Function<Connection<Object>, Void> once) {
        int n = 0;
        try (c) {
            while (true) {
                once.apply(c);
                n++;
            }
        } catch (ConnectionClosedException done) {
            return n;
        }
    }
}
