package dev.troupe.shared;

import java.time.Duration;

/**
 * A named counting semaphore shared by processes ({@code multiprocessing.Semaphore}, Win32's named semaphore).
 * A {@linkplain #openBounded bounded} one refuses a release that would raise it above its initial value
 * ({@code BoundedSemaphore}).
 */
public final class Semaphore extends SharedObject {
    static final String KIND = "semaphore";
    private static final int COUNT = 0;
    private static final int MAX = 4;
    private static final int WAITERS = 64;
    private static final int SIZE = 128;

    private Semaphore(NamedSegment segment) {
        super(segment);
    }

    /**
     * Opens the semaphore with this name, creating it with {@code permits} if no process has.
     *
     * @param name    letters, digits, {@code . _ -}.
     * @param permits the initial count of a new semaphore; ignored when it exists.
     * @return a handle.
     */
    public static Semaphore open(String name, int permits) {
        return create(name, permits, Integer.MAX_VALUE);
    }

    /**
     * Opens a bounded semaphore: releasing it above {@code permits} throws.
     *
     * @param name    letters, digits, {@code . _ -}.
     * @param permits the initial and highest count.
     * @return a handle.
     */
    public static Semaphore openBounded(String name, int permits) {
        return create(name, permits, permits);
    }

    private static Semaphore create(String name, int permits, int max) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must not be negative: " + permits);
        }
        return new Semaphore(NamedSegment.openOrCreate(KIND, name, SIZE, d -> {
            d.putInt(COUNT, permits);
            d.putInt(MAX, max);
        }));
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

    /** Takes a permit, waiting as long as it takes. */
    public void acquire() {
        acquireNanos(Long.MAX_VALUE);
    }

    /**
     * Takes a permit if one is free within {@code timeout}.
     *
     * @param timeout how long to wait; zero tries once.
     * @return {@code false} when the time ran out.
     */
    public boolean tryAcquire(Duration timeout) {
        return acquireNanos(timeout.toNanos());
    }

    private boolean acquireNanos(long nanos) {
        return awaitTake(nanos, COUNT, WAITERS);
    }

    @Override
    boolean worthSleeping(int count) {
        return count <= 0;
    }

    @Override
    int tryTake() {
        while (true) {
            int c = data.getIntVolatile(COUNT);
            if (c <= 0) {
                return 0;
            }
            if (data.compareAndSetInt(COUNT, c, c - 1)) {
                return 1;
            }
        }
    }

    @Override
    void untake() {
        release();
    }

    /**
     * Returns a permit.
     *
     * @throws IllegalStateException when a bounded semaphore is already at its initial count.
     */
    public void release() {
        checkOpen();
        int max = data.getInt(MAX);
        while (true) {
            int c = data.getIntVolatile(COUNT);
            if (c >= max) {
                throw new IllegalStateException(this + " released too many times: it is bounded to " + max);
            }
            if (data.compareAndSetInt(COUNT, c, c + 1)) {
                break;
            }
        }
        if (data.getIntVolatile(WAITERS) > 0) {
            wake(COUNT, 1);
        }
        Signals.bump();
    }

    /**
     * @return the permits free now.
     */
    public int availablePermits() {
        return data.getIntVolatile(COUNT);
    }
}
