package dev.troupe.samples;

import dev.troupe.ManagedList;
import dev.troupe.ManagedMap;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Task;
import dev.troupe.Troupe;
import java.util.Collections;

/**
 * Four worker processes count into one map the node hosts: Python's {@code Manager().dict()}, with an atomic
 * {@code merge} in place of {@code with lock: d[k] += 1}. The handles are captured by the task and reach the same map
 * and list from every worker.
 */
public final class ManagerCounter {
    private ManagerCounter() {
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local();
             Pool pool = troupe.pool(PoolOptions.workers(4).chunkSize(1))) {
            ManagedMap<String, Integer> counts = troupe.manager().map("counts");
            ManagedList<String> log = troupe.manager().list("log");
            Task<Integer, Long> count = n -> {
                for (int i = 0; i < n; i++) {
                    counts.merge("total", 1, Integer::sum);
                    counts.merge(i % 2 == 0 ? "even" : "odd", 1, Integer::sum);
                }
                log.append("pid " + ProcessHandle.current().pid() + " counted " + n);
                return ProcessHandle.current().pid();
            };
            long t0 = System.nanoTime();
            pool.map(count, Collections.nCopies(4, 2_500));
            log.snapshot().forEach(System.out::println);
            System.out.printf("counts = %s (expected total 10000, even 5000, odd 5000) in %.0f ms%n",
                counts.snapshot(), (System.nanoTime() - t0) / 1e6);
        }
    }
}
