package dev.troupe.samples;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.RemoteTaskException;
import dev.troupe.Troupe;
import dev.troupe.WorkerCrashedException;
import dev.troupe.WorkerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The README's demo: spawns workers, shows results computed in other processes with their pids, a remote
 * exception, a killed worker noticed at once, and a pool counting primes.
 */
public final class Demo {
    private Demo() {
    }

    static long countPrimes(long from, long to) {
        long n = 0;
        for (long x = Math.max(2, from); x < to; x++) {
            boolean prime = true;
            for (long d = 2; d * d <= x; d++) {
                if (x % d == 0) {
                    prime = false;
                    break;
                }
            }
            if (prime) {
                n++;
            }
        }
        return n;
    }

    static String describe(String who) {
        return "hello " + who + " from pid " + ProcessHandle.current().pid();
    }

    public static void main(String[] args) throws Exception {
        System.out.println("This JVM is pid " + ProcessHandle.current().pid());
        try (Troupe troupe = Troupe.local()) {
            System.out.println("Node up, transport '" + troupe.transport() + "' at " + troupe.address());

            long t0 = System.nanoTime();
            WorkerProcess<String> hello = troupe.spawn(Demo::describe, "world");
            System.out.printf("spawn: %s   (worker %s, pid %d, %.0f ms to first result)%n",
                hello.result().get(), hello.id(), hello.pid(), (System.nanoTime() - t0) / 1e6);
            hello.join(Duration.ofSeconds(10));
            System.out.println("       worker exit code " + hello.exitCode());

            WorkerProcess<Long> primes = troupe.spawn(r -> countPrimes(0, r), 2_000_000L);
            System.out.println("spawn: primes below 2,000,000 = " + primes.result().get() + "   (pid " + primes.pid()
                + ")");

            WorkerProcess<Object> failing = troupe.spawn(s -> {
                throw new IllegalArgumentException("cannot handle " + s);
            }, "this input");
            try {
                failing.result().get();
            } catch (ExecutionException e) {
                RemoteTaskException r = (RemoteTaskException) e.getCause();
                System.out.println("remote error: " + r.remoteClassName() + ": " + r.remoteMessage() + "   (pid "
                    + r.pid() + ", exit code " + waitExit(failing) + ")");
            }

            WorkerProcess<Long> doomed = troupe.spawn(r -> countPrimes(0, r), Long.MAX_VALUE);
            Thread.sleep(200);
            doomed.kill();
            try {
                doomed.result().get();
            } catch (ExecutionException e) {
                WorkerCrashedException c = (WorkerCrashedException) e.getCause();
                System.out.println("killed worker noticed: " + c.getMessage());
            }

            int workers = Runtime.getRuntime().availableProcessors();
            List<Long> starts = new ArrayList<>();
            long limit = 4_000_000L;
            long step = 100_000L;
            for (long s = 0; s < limit; s += step) {
                starts.add(s);
            }
            long one0 = System.nanoTime();
            long oneThread = 0;
            for (long s : starts) {
                oneThread += countPrimes(s, s + step);
            }
            double oneMs = (System.nanoTime() - one0) / 1e6;
            try (Pool pool = troupe.pool(PoolOptions.workers(workers).chunkSize(1).progressBar(true))) {
                pool.map(s -> countPrimes(s, s + 1000), starts); // warm the workers' JIT
                long p0 = System.nanoTime();
                long pooled = pool.map(s -> countPrimes(s, s + 100_000L), starts).stream()
                    .mapToLong(Long::longValue).sum();
                double poolMs = (System.nanoTime() - p0) / 1e6;
                System.out.printf("pool:  primes below %,d = %,d on one thread in %.0f ms, = %,d on %d workers in %.0f"
                    + " ms: speed-up %.2fx%n", limit, oneThread, oneMs, pooled, workers, poolMs, oneMs / poolMs);
            }
        }
        System.out.println("Node closed; no worker left behind.");
    }

    private static Integer waitExit(WorkerProcess<?> p) throws InterruptedException {
        p.join(Duration.ofSeconds(10));
        return p.exitCode();
    }
}
