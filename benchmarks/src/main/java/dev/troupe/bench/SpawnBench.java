package dev.troupe.bench;

import com.typesafe.config.ConfigFactory;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Task;
import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Spawn benchmarks: {@code spawn_first_result} (from {@code troupe.spawn} to the spawned task's result), a worker
 * started cold without a class-data archive, cold with the archive the node made, and taken from the node's spare
 * workers; over shm and over TCP on loopback; and {@code pool_first_result} (a 2-worker pool from its creation to
 * its first result), cold and from spares. Beside Python's {@code multiprocessing} start methods (spawn,
 * forkserver, fork) and {@code Pool(2)} creation to first result, from {@code bench_spawn.py}, in the same run.
 */
final class SpawnBench {
    private static final int N = 7;
    /** How long to let a spare start again between two spawns that take one. */
    private static final long SPARE_REFILL_MS = 2500;

    private SpawnBench() {
    }

    static void run(int reps, PythonPeer python) throws Exception {
        Task<Integer, Integer> inc = x -> x + 1;
        for (int rep = 0; rep < reps; rep++) {
            Map<String, Double> peer = python == null ? Map.of() : python.run("bench_spawn.py", 300);
            try (Troupe t = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.worker.class-data-sharing", "off"))
                .withFallback(ConfigFactory.load()))) {
                spawns(t, inc, rep, "cold, no class-data archive", false, peer);
            }
            try (Troupe t = Troupe.local()) {
                boolean archived = awaitArchive(t);
                spawns(t, inc, rep, archived ? "cold, class-data archive" : "cold, archive not made", false, peer);
                pool(t, rep, "cold, class-data archive", peer);
            }
            // Over TCP on loopback: the worker dials the node and both authenticate with the shared secret.
            Path dir = Files.createTempDirectory("troupe-bench-spawn",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path secret = dir.resolve("secret");
            Files.writeString(secret, "benchmark-secret-" + Long.toHexString(new SecureRandom().nextLong()),
                StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
            try (Troupe t = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.transport", "tcp",
                "troupe.tcp.secret-file", secret.toString())).withFallback(ConfigFactory.load()))) {
                boolean archived = awaitArchive(t);
                spawns(t, inc, rep, archived ? "cold, class-data archive" : "cold, archive not made", false, peer);
            } finally {
                Files.deleteIfExists(secret);
                Files.deleteIfExists(dir);
            }
            try (Troupe t = Troupe.local(ConfigFactory.parseMap(Map.of("troupe.worker.spares", "2"))
                .withFallback(ConfigFactory.load()))) {
                awaitArchive(t);
                Thread.sleep(SPARE_REFILL_MS);
                spawns(t, inc, rep, "spare worker", true, peer);
                Thread.sleep(SPARE_REFILL_MS);
                pool(t, rep, "spare workers", peer);
            }
        }
    }

    /**
     * Spawns until a worker reports that it started from a class-data archive (the node makes one in the
     * background after its first launch), for at most 60 s.
     */
    private static boolean awaitArchive(Troupe t) throws Exception {
        Task<Integer, Boolean> archived = x -> ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .anyMatch(a -> a.startsWith("-XX:SharedArchiveFile="));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (t.spawn(archived, 0).result().get(60, TimeUnit.SECONDS)) {
                return true;
            }
            Thread.sleep(500);
        }
        return false;
    }

    private static void spawns(Troupe t, Task<Integer, Integer> inc, int rep, String how, boolean spare,
                               Map<String, Double> peer) throws Exception {
        double[] ms = new double[N];
        for (int i = 0; i < N; i++) {
            if (spare && i > 0) {
                Thread.sleep(SPARE_REFILL_MS);
            }
            long t0 = System.nanoTime();
            WorkerProcess<Integer> p = t.spawn(inc, i);
            p.result().get(60, TimeUnit.SECONDS);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            p.join(java.time.Duration.ofSeconds(30));
        }
        Arrays.sort(ms);
        Double spawn = peer.get("process_start_join_spawn_median");
        Double forkserver = peer.get("process_start_join_forkserver_median");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "spawn_first_result");
        m.put("rep", rep + 1);
        m.put("unit", "ms");
        m.put("start", how);
        m.put("transport", t.transport());
        m.put("troupe_median", ms[N / 2]);
        m.put("troupe_min", ms[0]);
        m.put("peer", "python multiprocessing Process.start()+join(): spawn");
        m.put("peer_median", spawn);
        m.put("ratio_peer_over_troupe", spawn == null ? null : spawn / ms[N / 2]);
        m.put("peer_forkserver_median", forkserver);
        m.put("ratio_forkserver_over_troupe", forkserver == null ? null : forkserver / ms[N / 2]);
        m.put("peer_fork_median", peer.get("process_start_join_fork_median"));
        m.put("java", Runtime.version().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        System.out.println(Json.line(m));
    }

    private static void pool(Troupe t, int rep, String how, Map<String, Double> peer) throws Exception {
        Task<Integer, Integer> inc = x -> x + 1;
        int n = 3;
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            if (i > 0 && how.startsWith("spare")) {
                Thread.sleep(SPARE_REFILL_MS);
            }
            long t0 = System.nanoTime();
            try (Pool pool = t.pool(PoolOptions.workers(2))) {
                pool.submit(inc, i).get(60, TimeUnit.SECONDS);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        Double spawn = peer.get("pool2_create_to_first_result_spawn_median");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", "pool_first_result");
        m.put("rep", rep + 1);
        m.put("unit", "ms");
        m.put("start", how);
        m.put("transport", t.transport());
        m.put("workers", 2);
        m.put("troupe_median", ms[n / 2]);
        m.put("troupe_min", ms[0]);
        m.put("peer", "python Pool(2) creation to first apply() result, spawn");
        m.put("peer_median", spawn);
        m.put("ratio_peer_over_troupe", spawn == null ? null : spawn / ms[n / 2]);
        m.put("peer_fork_median", peer.get("pool2_create_to_first_result_fork_median"));
        System.out.println(Json.line(m));
    }
}
