package dev.troupe.bench;

import com.typesafe.config.ConfigFactory;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Task;
import dev.troupe.Troupe;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The benchmarks: the spawn group of {@link SpawnBench} ({@code spawn_first_result} cold, from a class-data archive
 * and from a spare worker; {@code pool_first_result}),
 * {@code task_echo_64B} (round trip of an echo task with a 64-byte payload to a pool worker, over shm, pipe and TCP,
 * beside each transport's raw link ping-pong) and {@code idle_worker_cpu},
 * the link benchmarks of {@link TransportBench}, the named-queue benchmarks of {@link QueueBench} and the pool
 * benchmarks of {@link PoolBench}. Usage: {@code BenchMain [--peers DIR] [--reps N]
 * [spawn|echo|transport|pingpong|handoff|queue|pipe|topic|pool|manager|tcp|cluster|xnode|all]}, run from the project
 * root; the Python peers are the scripts in {@code benchmarks/python} unless {@code --peers} names another folder;
 * {@code tcp} runs {@link TcpBench}; {@code cluster} runs {@link ClusterBench} (Troupe nodes beside Hazelcast
 * members); {@code xnode} runs {@link XnodeMessagingBench} (cluster-wide queues and topics, not part of
 * {@code all}); {@code pipe} runs {@link PipeBench} (pipes and named pipes between processes); {@code topic} runs
 * {@link TopicBench}; {@code manager} runs {@link ManagerBench} (the node's managed maps beside Python's
 * {@code Manager().dict()}); {@code pingpong} and {@code handoff} run one benchmark of {@link TransportBench} alone.
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        Path peers = Path.of("benchmarks", "python");
        int reps = 3;
        String which = "all";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--peers": peers = Path.of(args[++i]); break;
                case "--reps": reps = Integer.parseInt(args[++i]); break;
                default: which = args[i];
            }
        }
        if (which.equals("cluster")) {
            ClusterBench.run(reps, System.out);
            return;
        }
        if (which.equals("xnode")) {
            XnodeMessagingBench.run(reps, System.out);
            return;
        }
        PythonPeer python = new PythonPeer(peers);
        boolean withPeer = python.available();
        if (!withPeer) {
            System.err.println("python3 or " + peers + " not found: peer figures will be null");
        }
        try (Troupe troupe = Troupe.local()) {
            if (which.equals("all") || which.equals("spawn")) {
                SpawnBench.run(reps, withPeer ? python : null);
            }
            if (which.equals("all") || which.equals("echo")) {
                echo(reps, withPeer ? python : null);
            }
            if (which.equals("all") || which.equals("transport")) {
                TransportBench.run(reps, withPeer ? python : null);
            }
            if (which.equals("all") || which.equals("tcp")) {
                TcpBench.run(reps, withPeer ? python : null, Path.of("benchmarks").toAbsolutePath());
            }
            if (which.equals("pingpong")) {
                for (int rep = 0; rep < reps; rep++) {
                    TransportBench.pingPong(rep, withPeer ? python : null);
                }
            }
            if (which.equals("all") || which.equals("pipe")) {
                PipeBench.run(troupe, reps, withPeer ? python : null);
            }
            if (which.equals("handoff")) {
                TransportBench.lockHandoff(reps, withPeer ? python : null);
            }
            if (which.equals("all") || which.equals("queue")) {
                QueueBench.run(reps, withPeer ? python : null);
            }
            if (which.equals("all") || which.equals("topic")) {
                TopicBench.run(reps, withPeer ? python : null);
            }
            if (which.equals("all") || which.equals("pool")) {
                PoolBench.run(troupe, reps, withPeer ? python : null);
            }
            if (which.equals("all") || which.equals("manager")) {
                ManagerBench.run(troupe, reps, withPeer ? python : null);
            }
        }
        if (which.equals("all")) {
            ClusterBench.run(reps, System.out);
        }
    }

    /**
     * {@code task_echo_64B} over shm, pipe and TCP: sequential {@code submit(echo, 64 bytes).get()} on a warm 1-worker
     * pool, beside the same transport's raw link ping-pong between two JVMs (a 64-byte result envelope, parsed and
     * re-encoded at both ends), measured in the same repetition, and Python's {@code Pipe} and {@code Pool.apply}.
     * Then {@code idle_worker_cpu}: the CPU the pool's idle worker used over 10 s.
     */
    private static void echo(int reps, PythonPeer python) throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("troupe-bench-echo",
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        java.nio.file.Path secret = dir.resolve("secret");
        java.nio.file.Files.writeString(secret, "benchmark-secret-"
            + Long.toHexString(new java.security.SecureRandom().nextLong()));
        java.nio.file.Files.setPosixFilePermissions(secret,
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try {
            for (String transport : java.util.List.of("shm", "pipe", "tcp")) {
                Map<String, Object> settings = new LinkedHashMap<>();
                settings.put("troupe.transport", transport);
                if (transport.equals("tcp")) {
                    settings.put("troupe.tcp.secret-file", secret.toString());
                }
                try (Troupe troupe = Troupe.local(ConfigFactory.parseMap(settings))) {
                    echo(troupe, reps, python);
                }
            }
        } finally {
            java.nio.file.Files.deleteIfExists(secret);
            java.nio.file.Files.deleteIfExists(dir);
        }
    }

    private static void echo(Troupe troupe, int reps, PythonPeer python) throws Exception {
        byte[] payload = new byte[64];
        Task<byte[], byte[]> echo = b -> b;
        String transport = troupe.transport();
        try (Pool pool = troupe.pool(PoolOptions.workers(1))) {
            for (int i = 0; i < 20_000; i++) {
                pool.submit(echo, payload).get();
            }
            for (int rep = 0; rep < reps; rep++) {
                int n = 20_000;
                long[] ns = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    pool.submit(echo, payload).get();
                    ns[i] = System.nanoTime() - t0;
                }
                double[] percentiles = Percentiles.of(ns);
                double p50 = percentiles[0];
                double p99 = percentiles[1];
                double[] raw;
                try (TransportBench.Endpoint link = TransportBench.Endpoint.start(transport, "echo")) {
                    raw = link.pingPong(20_000, 20_000);
                }
                Map<String, Double> peer = python == null ? Map.of() : python.run("bench_pipe_pingpong.py", 120);
                Map<String, Double> apply = python == null ? Map.of() : python.run("bench_apply_async.py", 120);
                Double peerP50 = peer.get("pipe_pingpong_obj_64B_p50");
                Double applyP50 = apply.get("pool_apply_rtt_p50");
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("bench", "task_echo_64B");
                m.put("rep", rep + 1);
                m.put("unit", "us");
                m.put("transport", transport);
                m.put("troupe_p50", p50);
                m.put("troupe_p99", p99);
                m.put("raw_link_p50", raw[0]);
                m.put("raw_link_p99", raw[1]);
                m.put("ratio_troupe_over_raw_link_p50", p50 / raw[0]);
                m.put("raw_link", transport + " link ping-pong between two JVMs, a 64-byte result envelope parsed and"
                    + " re-encoded at both ends");
                m.put("peer", "python multiprocessing.Pipe send/recv of a 64-byte object (raw, no task)");
                m.put("peer_p50", peerP50);
                m.put("peer_p99", peer.get("pipe_pingpong_obj_64B_p99"));
                m.put("ratio_peer_over_troupe_p50", peerP50 == null ? null : peerP50 / p50);
                m.put("task_peer", "python Pool(2).apply round trip");
                m.put("task_peer_p50", applyP50);
                m.put("task_peer_p99", apply.get("pool_apply_rtt_p99"));
                m.put("ratio_task_peer_over_troupe_p50", applyP50 == null ? null : applyP50 / p50);
                m.put("java", Runtime.version().toString());
                m.put("cores", Runtime.getRuntime().availableProcessors());
                System.out.println(Json.line(m));
            }
            idleWorkerCpu(pool, transport);
        }
    }

    /** The CPU a pool's only worker uses over 10 s while it has no work, 1 s after its last task. */
    private static void idleWorkerCpu(Pool pool, String transport) throws Exception {
        ProcessHandle h = ProcessHandle.of(pool.workers().get(0).pid()).orElseThrow();
        Thread.sleep(1_000);
        java.time.Duration before = h.info().totalCpuDuration().orElseThrow();
        long t0 = System.nanoTime();
        Thread.sleep(10_000);
        java.time.Duration after = h.info().totalCpuDuration().orElseThrow();
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (after.toNanos() - before.toNanos()) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "idle_worker_cpu");
        m.put("unit", "% of one core");
        m.put("troupe", 100 * cpu / wall);
        m.put("cpu_ms", cpu * 1e3);
        m.put("seconds", wall);
        m.put("target", "< 1%");
        m.put("transport", transport);
        m.put("java", Runtime.version().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        System.out.println(Json.line(m));
    }

}
