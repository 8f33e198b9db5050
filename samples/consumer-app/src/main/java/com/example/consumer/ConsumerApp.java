package com.example.consumer;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.util.List;
import java.util.TreeSet;

/**
 * Squares a few numbers in two worker processes and prints one line that says so:
 * {@code consumer-app[HOW]: squares [1, 4, 9, 16, 25] computed in 2 worker processes}. Exits with 1 when a result
 * came from this process instead of a worker.
 */
public final class ConsumerApp {
    private ConsumerApp() {
    }

    /**
     * @param args one word saying how the app was started (printed back, so a build log tells the runs apart).
     */
    public static void main(String[] args) {
        String how = args.length > 0 ? args[0] : "main";
        long self = ProcessHandle.current().pid();
        try (Troupe troupe = Troupe.local(); Pool pool = troupe.pool(PoolOptions.workers(2))) {
            // Each worker answers with the square and its own pid.
            List<List<Long>> answers = pool.map(x -> List.of(x * x, ProcessHandle.current().pid()),
                List.of(1L, 2L, 3L, 4L, 5L));
            List<Long> squares = answers.stream().map(a -> a.get(0)).toList();
            TreeSet<Long> pids = new TreeSet<>(answers.stream().map(a -> a.get(1)).toList());
            if (pids.contains(self)) {
                System.out.println("consumer-app[" + how + "]: FAILED, a task ran in this process (" + self + ")");
                System.exit(1);
            }
            System.out.println("consumer-app[" + how + "]: squares " + squares + " computed in " + pids.size()
                + " worker process" + (pids.size() == 1 ? "" : "es"));
        }
    }
}
