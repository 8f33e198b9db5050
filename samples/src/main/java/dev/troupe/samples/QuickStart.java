package dev.troupe.samples;

// The README's quick start, as written there: ReadmeQuickStartTest checks the two stay the same.
// README-BEGIN
import dev.troupe.ManagedProcess;
import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import dev.troupe.WorkerProcess;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

public class QuickStart {
    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local()) {                        // a node on this machine
            WorkerProcess<Long> p = troupe.spawn(n -> countPrimes(n), 200_000L);   // multiprocessing.Process
            System.out.println(p.result().get() + " primes, from pid " + p.pid());
            p.join(Duration.ofSeconds(5));                            // exit code 0; -9 after kill()
            System.out.println("exit code " + p.exitCode());

            try (Pool pool = troupe.pool(PoolOptions.workers(4))) {   // multiprocessing.Pool
                List<Integer> squares = pool.map(x -> x * x, List.of(1, 2, 3));
                CompletableFuture<String> f = pool.submit(String::toUpperCase, "apply_async");
                System.out.println(squares + " " + f.get());
            }

            ManagedProcess sleeper = troupe.exec("sleep", "10");      // CreateProcess / Popen
            System.out.println(sleeper.stats());                      // CPU time, resident memory (OSHI)
        }                                                             // closing the node stops every process
    }

    static long countPrimes(long n) {
        long count = 0;
        for (long i = 2; i < n; i++) {
            boolean prime = true;
            for (long d = 2; d * d <= i && prime; d++) {
                prime = i % d != 0;
            }
            count += prime ? 1 : 0;
        }
        return count;
    }
}
