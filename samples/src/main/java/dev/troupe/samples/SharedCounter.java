package dev.troupe.samples;

import dev.troupe.Pool;
import dev.troupe.PoolOptions;
import dev.troupe.Troupe;
import dev.troupe.shared.Lock;
import dev.troupe.shared.Value;
import java.util.Collections;

/**
 * Four worker processes add to one shared counter under one named lock: Python's {@code Value} with
 * {@code get_lock()}. The counter lives in shared memory; every process opens it by name.
 */
public final class SharedCounter {
    private static final String NAME = "sample-counter-" + ProcessHandle.current().pid();

    private SharedCounter() {
    }

    static Long addMany(String name) {
        try (Lock lock = Lock.open(name + "-lock"); Value.OfLong counter = Value.ofLong(name)) {
            for (int i = 0; i < 50_000; i++) {
                lock.acquire();
                try {
                    counter.set(counter.get() + 1);
                } finally {
                    lock.release();
                }
            }
            return ProcessHandle.current().pid();
        }
    }

    public static void main(String[] args) throws Exception {
        try (Troupe troupe = Troupe.local();
             Pool pool = troupe.pool(PoolOptions.workers(4).chunkSize(1));
             Value.OfLong counter = Value.ofLong(NAME)) {
            long t0 = System.nanoTime();
            pool.map(SharedCounter::addMany, Collections.nCopies(4, NAME))
                .forEach(pid -> System.out.println("worker pid " + pid + " added 50,000"));
            System.out.printf("counter = %,d (expected 200,000) in %.0f ms%n", counter.get(),
                (System.nanoTime() - t0) / 1e6);
        } finally {
            Value.ofLong(NAME).unlink();
            Lock.unlink(NAME + "-lock");
        }
    }
}
