package dev.troupe.bench;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Task;
import dev.troupe.Troupe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/** Pool benchmarks: {@code pool_map_small}, {@code pool_submit_roundtrip}, {@code pool_cpu_scaling}. */
final class PoolBench {
    private PoolBench() {
    }

    /** About a millisecond of CPU on this machine's class of core; the result keeps the JIT from removing it. */
    static long burn(Integer seed) {
        long x = seed;
        for (int i = 0; i < 700_000; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        return x;
    }

    private static String transport = "";

    static void run(Troupe troupe, int reps, PythonPeer python) throws Exception {
        transport = troupe.transport();
        List<Integer> inputs = new ArrayList<>(200_000);
        for (int i = 0; i < 200_000; i++) {
            inputs.add(i);
        }
        Task<Integer, Integer> square = x -> x * x;
        Task<Integer, Integer> same = x -> x;
        try (Pool pool = troupe.pool(PoolOptions.workers(2))) {
            // Warm-up runs the measured paths themselves until the JIT has compiled them: the first burst of
            // 10,000 submits runs at a few percent of the steady rate.
            for (int i = 0; i < 50; i++) {
                pool.map(square, inputs);
            }
            for (int i = 0; i < 30; i++) {
                submitBurst(pool, same);
            }
            for (int i = 0; i < 20_000; i++) {
                pool.submit(same, i).get();
            }
            for (int rep = 0; rep < reps; rep++) {
                Map<String, Double> peerMap = python == null ? Map.of() : python.run("bench_pool_map.py", 300);
                Map<String, Double> peerApply = python == null ? Map.of() : python.run("bench_apply_async.py", 120);

                double[] rates = mapRates(pool, square, inputs);
                Double peer = peerMap.get("pool_map_default_chunk_spawn_n200k");
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("bench", "pool_map_small");
                m.put("rep", rep + 1);
                m.put("unit", "tasks/s");
                m.put("troupe", rates[4]);
                m.put("peer", "python Pool(2).map default chunksize, spawn");
                m.put("peer_value", peer);
                m.put("peer_fork", peerMap.get("pool_map_default_chunk_fork_n200k"));
                m.put("ratio_troupe_over_peer", peer == null ? null : rates[4] / peer);
                print(m);

                double[] bursts = new double[5];
                for (int k = 0; k < bursts.length; k++) {
                    bursts[k] = submitBurst(pool, same);
                }
                Arrays.sort(bursts);
                double submitRate = bursts[2];
                long[] ns = new long[5_000];
                for (int i = 0; i < ns.length; i++) {
                    long s = System.nanoTime();
                    pool.submit(same, i).get();
                    ns[i] = System.nanoTime() - s;
                }
                double[] apply = Percentiles.of(ns);
                Double peerRate = peerApply.get("pool_apply_async_n10k");
                Double peerP50 = peerApply.get("pool_apply_rtt_p50");
                m = new LinkedHashMap<>();
                m.put("bench", "pool_submit_roundtrip");
                m.put("rep", rep + 1);
                m.put("troupe_tasks_per_s", submitRate);
                m.put("peer_tasks_per_s", peerRate);
                m.put("ratio_throughput", peerRate == null ? null : submitRate / peerRate);
                m.put("troupe_apply_p50_us", apply[0]);
                m.put("troupe_apply_p99_us", apply[1]);
                m.put("peer_apply_p50_us", peerP50);
                m.put("peer_apply_p99_us", peerApply.get("pool_apply_rtt_p99"));
                m.put("ratio_latency_p50", peerP50 == null ? null : peerP50 / apply[0]);
                m.put("peer", "python Pool(2).apply_async x10k / Pool.apply");
                print(m);
            }
        }
        cpuScaling(troupe, reps);
    }

    /** 10,000 submits, then a wait for all: tasks per second. */
    private static double submitBurst(Pool pool, Task<Integer, Integer> same) throws Exception {
        long t0 = System.nanoTime();
        List<CompletableFuture<Integer>> fs = new ArrayList<>(10_000);
        for (int i = 0; i < 10_000; i++) {
            fs.add(pool.submit(same, i));
        }
        for (int i = 0; i < fs.size(); i++) {
            if (fs.get(i).get(60, TimeUnit.SECONDS) != i) {
                throw new AssertionError("wrong result");
            }
        }
        return 10_000 / ((System.nanoTime() - t0) / 1e9);
    }

    private static void cpuScaling(Troupe troupe, int reps) throws Exception {
        int workers = Runtime.getRuntime().availableProcessors();
        List<Integer> seeds = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            seeds.add(i);
        }
        Task<Integer, Long> burn = PoolBench::burn;
        ForkJoinPool fjp = new ForkJoinPool(workers);
        try (Pool pool = troupe.pool(PoolOptions.workers(workers).chunkSize(10))) {
            pool.map(burn, seeds);
            seeds.forEach(PoolBench::burn);
            fjp.submit(() -> seeds.parallelStream().map(PoolBench::burn).count()).get();
            for (int rep = 0; rep < reps; rep++) {
                long t0 = System.nanoTime();
                long sum = 0;
                for (Integer s : seeds) {
                    sum += burn(s);
                }
                double one = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                long fj = fjp.submit(() -> seeds.parallelStream().mapToLong(PoolBench::burn).sum()).get();
                double fjMs = (System.nanoTime() - t0) / 1e6;
                t0 = System.nanoTime();
                long pooled = pool.map(burn, seeds).stream().mapToLong(Long::longValue).sum();
                double poolMs = (System.nanoTime() - t0) / 1e6;
                if (pooled != sum || fj != sum) {
                    throw new AssertionError("wrong result");
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("bench", "pool_cpu_scaling");
                m.put("rep", rep + 1);
                m.put("tasks", seeds.size());
                m.put("task_ms", one / seeds.size());
                m.put("one_thread_ms", one);
                m.put("troupe_ms", poolMs);
                m.put("forkjoin_ms", fjMs);
                m.put("troupe_speedup", one / poolMs);
                m.put("forkjoin_speedup", one / fjMs);
                m.put("ratio_troupe_over_forkjoin", fjMs / poolMs);
                m.put("workers", workers);
                print(m);
            }
        } finally {
            fjp.shutdown();
        }
    }

    private static void print(Map<String, Object> m) {
        m.put("transport", transport);
        m.put("java", Runtime.version().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        System.out.println(Json.line(m));
    }

    /** The rates of 9 maps of {@code square} over {@code inputs} (200,000 ints), sorted; checks a result. */
    static double[] mapRates(Pool pool, Task<Integer, Integer> square, List<Integer> inputs) {
        double[] rates = new double[9];
        for (int k = 0; k < rates.length; k++) {
            long t0 = System.nanoTime();
            List<Integer> out = pool.map(square, inputs);
            rates[k] = inputs.size() / ((System.nanoTime() - t0) / 1e9);
            if (out.get(199_999) != 199_999 * 199_999) {
                throw new AssertionError("wrong result");
            }
        }
        Arrays.sort(rates);
        return rates;
    }
}
