package dev.troupe.bench;

import com.typesafe.config.ConfigFactory;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Task;
import dev.troupe.Troupe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * TCP benchmarks on loopback, two processes each: {@code tcp_pingpong_64B} and {@code tcp_throughput_64B} of a Troupe
 * TCP link (authenticated, no TLS) beside a raw busy-polling NIO ping-pong ({@link NioPeer}, the ping-pong only),
 * Pekko Artery TCP remoting and Python's
 * {@code multiprocessing.connection}; and {@code tcp_pool_map_small}, a pool of two remote workers
 * ({@code RemoteWorker} processes that dialled in) against the same map over two local workers on pipes.
 */
final class TcpBench {
    private static final int WARM_PINGS = 20_000;
    private static final int PINGS = 20_000;
    private static final int SMALL_MESSAGES = 1_000_000;
    private static final int ARTERY_MESSAGES = 1_000_000;
    private static final int PYTHON_MESSAGES = 200_000;

    private TcpBench() {
    }

    static void run(int reps, PythonPeer python, Path benchmarksDir) throws Exception {
        for (int rep = 0; rep < reps; rep++) {
            Map<String, Double> pingPeer = python == null ? Map.of() : python.run("bench_pipe_pingpong.py", 120);
            Map<String, Double> tputPeer = python == null ? Map.of()
                : python.run(benchmarksDir.resolve("python/bench_tcp_throughput.py"), 300,
                String.valueOf(PYTHON_MESSAGES));
            double[] troupe;
            double troupeTput;
            try (TransportBench.Endpoint echo = TransportBench.Endpoint.start("tcp", "echo")) {
                troupe = echo.pingPong(WARM_PINGS, PINGS);
            }
            try (TransportBench.Endpoint sink = TransportBench.Endpoint.start("tcp", "sink")) {
                troupeTput = sink.throughput(SMALL_MESSAGES, 64);
            }
            double[] nio = NioPeer.pingPong(WARM_PINGS, PINGS);
            double[] artery = ArteryBench.pingPong(WARM_PINGS, PINGS);
            double arteryTput = ArteryBench.throughput(ARTERY_MESSAGES);

            Double pyP50 = pingPeer.get("tcp_pingpong_bytes_64B_p50");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bench", "tcp_pingpong_64B");
            m.put("rep", rep + 1);
            m.put("unit", "us");
            m.put("troupe_p50", troupe[0]);
            m.put("troupe_p99", troupe[1]);
            m.put("nio_busy_poll_p50", nio[0]);
            m.put("nio_busy_poll_p99", nio[1]);
            m.put("ratio_troupe_over_nio_busy_poll_p50", troupe[0] / nio[0]);
            m.put("artery_tcp_p50", artery[0]);
            m.put("artery_tcp_p99", artery[1]);
            m.put("python_tcp_p50", pyP50);
            m.put("python_tcp_p99", pingPeer.get("tcp_pingpong_bytes_64B_p99"));
            m.put("ratio_artery_over_troupe_p50", artery[0] / troupe[0]);
            m.put("ratio_python_over_troupe_p50", pyP50 == null ? null : pyP50 / troupe[0]);
            m.put("peers", "raw NIO: two JVMs busy-polling non-blocking sockets, 64 bytes, no framing (the floor);"
                + " Pekko Artery TCP (two ActorSystems, byte[] messages); python multiprocessing.connection"
                + " Listener/Client send_bytes/recv_bytes on 127.0.0.1");
            TransportBench.print(m);

            Double pyTput = tputPeer.get("tcp_throughput_64B");
            m = new LinkedHashMap<>();
            m.put("bench", "tcp_throughput_64B");
            m.put("rep", rep + 1);
            m.put("unit", "msgs/s");
            m.put("troupe", troupeTput);
            m.put("artery_tcp", arteryTput);
            m.put("python_tcp", pyTput);
            m.put("ratio_troupe_over_artery", troupeTput / arteryTput);
            m.put("ratio_troupe_over_python", pyTput == null ? null : troupeTput / pyTput);
            m.put("peers", "Artery with a window of acknowledged batches (it drops what overflows its queue);"
                + " python multiprocessing.connection with an authkey, one way, acked at the end");
            TransportBench.print(m);
        }
        poolMap(reps);
    }

    /** The same map of small tasks over two remote workers (TCP) and over two local workers (pipes). */
    static void poolMap(int reps) throws Exception {
        List<Integer> inputs = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            inputs.add(i);
        }
        Task<Integer, Integer> square = x -> x * x;
        Path dir = Files.createTempDirectory("troupe-bench-tcp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "benchmark-secret-" + Long.toHexString(new java.security.SecureRandom().nextLong()),
            StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        List<Process> remote = new ArrayList<>();
        try (Troupe tcpNode = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.transport", "pipe",
                 "troupe.tcp.listen", "127.0.0.1:0", "troupe.tcp.secret-file", secret.toString())));
             Pool remotePool = tcpNode.pool(PoolOptions.workers(0).acceptRemoteWorkers(true));
             Troupe pipeNode = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.transport", "pipe")));
             Pool pipePool = pipeNode.pool(PoolOptions.workers(2))) {
            String address = tcpNode.remoteAddress().orElseThrow();
            for (int i = 0; i < 2; i++) {
                remote.add(TransportBench.javaProcess(dev.troupe.RemoteWorker.class,
                    "--connect", address, "--secret-file", secret.toString()));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (remotePool.size() < 2) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the remote workers did not join");
                }
                Thread.sleep(20);
            }
            for (int i = 0; i < 50; i++) {
                remotePool.map(square, inputs);
                pipePool.map(square, inputs);
            }
            for (int rep = 0; rep < reps; rep++) {
                double tcp = mapRate(remotePool, square, inputs);
                double pipe = mapRate(pipePool, square, inputs);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("bench", "tcp_pool_map_small");
                m.put("rep", rep + 1);
                m.put("unit", "tasks/s");
                m.put("troupe_tcp_remote_workers", tcp);
                m.put("troupe_pipe_local_workers", pipe);
                m.put("ratio_tcp_over_pipe", tcp / pipe);
                m.put("what", "pool.map(x -> x * x) over 200,000 ints, 2 workers; median of 9 maps");
                TransportBench.print(m);
            }
        } finally {
            for (Process p : remote) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(secret);
            Files.deleteIfExists(dir);
        }
    }

    private static double mapRate(Pool pool, Task<Integer, Integer> square, List<Integer> inputs) {
        double[] rates = PoolBench.mapRates(pool, square, inputs);
        return rates[rates.length / 2];
    }
}
