package dev.troupe.it;

import dev.troupe.shared.Array;
import dev.troupe.shared.Event;
import dev.troupe.shared.Lock;
import dev.troupe.shared.Semaphore;
import dev.troupe.shared.Value;
import java.time.Duration;

/** Tasks that run in worker processes and use named shared objects; the input is the test's name prefix. */
final class SharedTasks {
    private SharedTasks() {
    }

    /** Adds 1 to a shared long 100,000 times, each time as a read and a write under the named lock. */
    static Long incrementUnderLock(String prefix) {
        try (Lock lock = Lock.open(prefix + "lock"); Value.OfLong counter = Value.ofLong(prefix + "counter")) {
            for (int i = 0; i < 100_000; i++) {
                lock.acquire();
                try {
                    counter.set(counter.get() + 1); // not atomic: only the lock makes it exact
                } finally {
                    lock.release();
                }
            }
            return counter.get();
        }
    }

    /**
     * Enters the semaphore 20 times, logging +1 on entry and -1 on exit in a shared array: slot 0 is the next
     * free index.
     */
    static Integer enterSemaphore(String prefix) throws InterruptedException {
        try (Semaphore sem = Semaphore.open(prefix + "sem", 2);
             Array.OfInt log = Array.ofInt(prefix + "log", 1 + 3 * 40)) {
            for (int i = 0; i < 20; i++) {
                sem.acquire();
                log.set(log.addAndGet(0, 1), 1);
                Thread.sleep(3);
                log.set(log.addAndGet(0, 1), -1);
                sem.release();
            }
            return 20;
        }
    }

    /** Waits up to 30 s for the named event; returns whether it was set. */
    static Boolean awaitEvent(String prefix) {
        try (Event go = Event.open(prefix + "go"); Value.OfInt waiting = Value.ofInt(prefix + "waiting")) {
            waiting.addAndGet(1);
            return go.await(Duration.ofSeconds(30));
        }
    }

    /** Sets the named event (manual reset unless the name ends in "auto"). */
    static Boolean setEvent(String name) {
        try (Event e = name.endsWith("auto") ? Event.openAutoReset(name) : Event.open(name)) {
            e.set();
            return true;
        }
    }

    /** Takes the named lock, says so in a shared flag, and never lets go. */
    static Boolean holdLockForever(String prefix) throws InterruptedException {
        Lock lock = Lock.open(prefix + "held");
        lock.acquire();
        try (Value.OfBoolean holding = Value.ofBoolean(prefix + "holding")) {
            holding.set(true);
        }
        Thread.sleep(120_000);
        return false;
    }
}
