package dev.troupe.shared;

import dev.troupe.transport.shm.Futex;
import java.time.Duration;

/**
 * Waiting on several shared objects at once, as Win32's {@code WaitForMultipleObjects} does. Locks, semaphores,
 * events and queues can be waited on; "signaled" means: a lock acquired, a permit taken, an event set (an
 * auto-reset event is cleared by the wait that sees it), a queue readable (it holds a message; the wait takes
 * none, so another reader may get it first: follow with a get that does not block forever).
 */
public final class Waits {
    private static final ThreadLocal<Futex> FUTEX = ThreadLocal.withInitial(Futex::new);

    private Waits() {
    }

    /**
     * Waits until one of the objects is signaled and takes it.
     *
     * @param timeout how long to wait.
     * @param objects the objects, checked in order, so an earlier one wins a tie.
     * @return the index of the object taken, or -1 when the time ran out (nothing is taken then). For a lock,
     *         {@link Lock#abandoned()} tells whether its holder had died.
     */
    public static int any(Duration timeout, SharedObject... objects) {
        check(objects);
        long deadline = SharedObject.deadline(timeout.toNanos());
        Futex futex = FUTEX.get();
        Signals.enter();
        try {
            while (true) {
                int seen = Signals.generation();
                for (int i = 0; i < objects.length; i++) {
                    if (objects[i].tryTake() != 0) {
                        return i;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return -1;
                }
                Signals.await(futex, seen, Math.min(left, SharedObject.SLICE_NANOS));
            }
        } finally {
            Signals.exit();
        }
    }

    /**
     * Waits until every object can be taken at once, and takes them all; never holds some while waiting for
     * others, so two callers waiting on overlapping sets cannot deadlock.
     *
     * @param timeout how long to wait.
     * @param objects the objects.
     * @return {@code true} when all were taken, {@code false} when the time ran out (none is taken then).
     */
    public static boolean all(Duration timeout, SharedObject... objects) {
        check(objects);
        long deadline = SharedObject.deadline(timeout.toNanos());
        Futex futex = FUTEX.get();
        Signals.enter();
        try {
            while (true) {
                int taken = 0;
                while (taken < objects.length && objects[taken].tryTake() != 0) {
                    taken++;
                }
                if (taken == objects.length) {
                    return true;
                }
                for (int i = taken - 1; i >= 0; i--) {
                    objects[i].untake();
                }
                // Read after giving back: our own give-back bumps the generation and must not wake us. A change
                // between the tries and here is caught at the next slice.
                int seen = Signals.generation();
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                Signals.await(futex, seen, Math.min(left, SharedObject.SLICE_NANOS));
            }
        } finally {
            Signals.exit();
        }
    }

    private static void check(SharedObject[] objects) {
        if (objects.length == 0) {
            throw new IllegalArgumentException("nothing to wait for");
        }
        for (SharedObject o : objects) {
            o.checkOpen();
            if (o instanceof Condition || o instanceof Barrier) {
                throw new IllegalArgumentException(o + " cannot be waited on with Waits");
            }
        }
    }
}
