package dev.troupe.bench;

import dev.troupe.ManagedMap;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Task;
import dev.troupe.Troupe;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code manager} group: operations per second on a map of {@link Troupe#manager()}, made from worker processes,
 * beside Python's {@code multiprocessing.Manager().dict()} ({@code bench_manager.py}) in the same run:
 * {@code get}, {@code put}, a counted increment ({@code merge(k, 1, Integer::sum)} against Python's
 * {@code with lock: d[k] = d.get(k, 0) + 1}), and that increment from 4 processes at once.
 */
final class ManagerBench {
    private static final int CALLS = 20_000;

    private ManagerBench() {
    }

    /** The time in microseconds since the epoch: comparable between the processes of one machine. */
    private static long micros() {
        Instant now = Clock.systemUTC().instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    static void run(Troupe troupe, int reps, PythonPeer python) throws Exception {
        ManagedMap<String, Integer> map = troupe.manager().map("bench");
        Task<Integer, long[]> get = n -> {
            map.put("k", 1);
            long t0 = micros();
            for (int i = 0; i < n; i++) {
                map.get("k");
            }
            return new long[] {t0, micros()};
        };
        Task<Integer, long[]> put = n -> {
            long t0 = micros();
            for (int i = 0; i < n; i++) {
                map.put("k", i);
            }
            return new long[] {t0, micros()};
        };
        Task<Integer, long[]> incr = n -> {
            long t0 = micros();
            for (int i = 0; i < n; i++) {
                map.merge("c", 1, Integer::sum);
            }
            return new long[] {t0, micros()};
        };
        try (Pool one = troupe.pool(PoolOptions.workers(1)); Pool four = troupe.pool(PoolOptions.workers(4)
            .chunkSize(1))) {
            one.submit(incr, CALLS / 4).get(); // warm-up
            for (int rep = 0; rep < reps; rep++) {
                // The script makes CALLS calls of each kind too (its default).
                Map<String, Double> peer = python == null ? Map.of() : python.run("bench_manager.py", 300);
                String[] kinds = {"get", "set", "incr"};
                List<Task<Integer, long[]>> tasks = List.of(get, put, incr);
                for (int k = 0; k < kinds.length; k++) {
                    long[] span = one.submit(tasks.get(k), CALLS).get();
                    line(troupe, "manager_dict_" + kinds[k], rep, CALLS * 1e6 / (span[1] - span[0]),
                        peer.get("manager_dict_" + kinds[k]), "1 worker process");
                }
                map.put("c", 0);
                List<long[]> spans = four.map(incr, List.of(CALLS / 4, CALLS / 4, CALLS / 4, CALLS / 4));
                long start = Long.MAX_VALUE;
                long end = Long.MIN_VALUE;
                for (long[] s : spans) {
                    start = Math.min(start, s[0]);
                    end = Math.max(end, s[1]);
                }
                if (map.get("c") != CALLS) {
                    throw new IllegalStateException("4 processes counted " + map.get("c") + ", not " + CALLS);
                }
                line(troupe, "manager_dict_incr_4procs", rep, CALLS * 1e6 / (end - start),
                    peer.get("manager_dict_incr_4procs"), "4 worker processes at once, total");
            }
        }
    }

    private static void line(Troupe troupe, String bench, int rep, double troupeOps, Double peerOps, String where) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", bench);
        m.put("rep", rep + 1);
        m.put("unit", "ops/s");
        m.put("troupe", troupeOps);
        m.put("peer", "python multiprocessing.Manager().dict() from a forked child (bench_manager.py)");
        m.put("peer_value", peerOps);
        m.put("ratio_troupe_over_peer", peerOps == null ? null : troupeOps / peerOps);
        m.put("where", where + ", " + CALLS + " calls");
        m.put("transport", troupe.transport());
        m.put("java", Runtime.version().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        System.out.println(Json.line(m));
    }
}
