package dev.troupe.samples;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import java.util.List;

/** {@code imapUnordered} with uneven task lengths: short tasks come back first, whatever their input order. */
public final class UnevenTasks {
    private UnevenTasks() {
    }

    static String sleepFor(Integer millis) throws InterruptedException {
        Thread.sleep(millis);
        return millis + " ms task from pid " + ProcessHandle.current().pid();
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local(); Pool pool = troupe.pool(PoolOptions.workers(2).window(1))) {
            pool.imapUnordered(UnevenTasks::sleepFor, List.of(900, 100, 600, 50, 300, 10))
                .forEachRemaining(System.out::println);
        }
    }
}
