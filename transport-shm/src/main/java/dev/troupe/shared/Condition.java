package dev.troupe.shared;

import java.time.Duration;

/**
 * A named condition variable bound to a named {@link Lock} ({@code multiprocessing.Condition}). Waiting
 * releases the lock and re-acquires it before returning; as with any condition variable, re-check the
 * predicate in a loop.
 */
public final class Condition extends SharedObject {
    static final String KIND = "condition";
    /** Bumped by every signal: the futex word waiters sleep on. */
    private static final int SEQUENCE = 0;
    /** Signals not yet taken by a waiter; each wakes one waiter, at most as many as wait. */
    private static final int SIGNALS = 4;
    private static final int WAITERS = 64;
    private static final int SIZE = 128;
    private final Lock lock;

    private Condition(NamedSegment segment, Lock lock) {
        super(segment);
        this.lock = lock;
    }

    /**
     * Opens the condition with this name, creating it if no process has.
     *
     * @param name letters, digits, {@code . _ -}.
     * @param lock the lock that guards the predicate; every process must use the same one.
     * @return a handle.
     */
    public static Condition open(String name, Lock lock) {
        return new Condition(NamedSegment.openOrCreate(KIND, name, SIZE, d -> { }), lock);
    }

    /**
     * Removes the name.
     *
     * @param name the name.
     * @return whether it existed.
     */
    public static boolean unlink(String name) {
        return NamedSegment.unlink(KIND, name);
    }

    /**
     * Releases the lock, waits for a signal or {@code timeout}, and re-acquires the lock.
     *
     * @param timeout how long to wait for a signal.
     * @return {@code false} when the time ran out without a signal.
     * @throws IllegalMonitorStateException when this thread does not hold the lock.
     */
    public boolean await(Duration timeout) {
        checkOpen();
        lock.checkHeld();
        long deadline = deadline(timeout.toNanos());
        data.getAndAddInt(WAITERS, 1);
        int depth = lock.depth(); // an RLock held several times is freed fully, and held again as often after
        lock.free();
        boolean signaled = false;
        try {
            while (true) {
                int pending = data.getIntVolatile(SIGNALS);
                if (pending > 0) {
                    if (data.compareAndSetInt(SIGNALS, pending, pending - 1)) {
                        signaled = true;
                        break;
                    }
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                int seq = data.getIntVolatile(SEQUENCE);
                if (data.getIntVolatile(SIGNALS) == 0) {
                    sleepOn(SEQUENCE, seq, left);
                }
            }
        } finally {
            data.getAndAddInt(WAITERS, -1);
            lock.acquire();
            lock.restoreDepth(depth);
        }
        return signaled;
    }

    /** Wakes one waiter, if any waits. */
    public void signal() {
        notifyWaiters(1);
    }

    /** Wakes every waiter. */
    public void signalAll() {
        notifyWaiters(Integer.MAX_VALUE);
    }

    private void notifyWaiters(int n) {
        checkOpen();
        int waiters = data.getIntVolatile(WAITERS);
        if (waiters <= 0) {
            return; // like any condition variable, a signal with nobody waiting is lost
        }
        while (true) {
            int pending = data.getIntVolatile(SIGNALS);
            int target = (int) Math.min(waiters, (long) pending + n);
            if (target <= pending || data.compareAndSetInt(SIGNALS, pending, target)) {
                break;
            }
        }
        data.getAndAddInt(SEQUENCE, 1);
        wake(SEQUENCE, n);
    }

    @Override
    int tryTake() {
        throw new UnsupportedOperationException("a condition cannot be waited on with Waits: " + this);
    }

    @Override
    void untake() {
        throw new UnsupportedOperationException();
    }
}
